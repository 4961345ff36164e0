#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The pools on many CPUs with interrupts, under a debug kernel: boots the
# x86-debug kernel of tools/vm/kernel.sh (lockdep, KASAN, kmemleak) under
# QEMU on up to four emulated CPUs from a busybox initramfs and, in the
# guest:
#   - clears kmemleak's record of the boot,
#   - loads ckremm.ko and ckremm_stress.ko, whose KUnit stress runs at load
#     (threads on every CPU, hrtimers in hard interrupt context, a compactor
#     reordering the table pool under pins), and unloads the stress,
#   - runs tools/tests/dev/proofs.sh with the static tools (memcg included)
#     if that script exists, and unloads ckremm,
#   - runs dev_test as tools/vm/dev-qemu.sh does (load, test, unload),
#   - scans for leaks twice, as kmemleak advises, and fails on any
#     unreferenced object;
# then fails on any kernel report in the console (tools/vm/logcheck.sh).
#
#   tools/vm/smp-qemu.sh              -> last line "smp-qemu: N passed, M failed"
#   tools/vm/smp-qemu.sh --kcsan      the same on the KCSAN kernel, no kmemleak
#                                     (what tools/vm/kcsan-qemu.sh runs)
#
# N and M count the KUnit cases (one per stress round, as kunit.py counts),
# dev_test's and proofs.sh's TAP results and the guest's own checks; M also
# counts one for each of: a kernel report, a guest that did not finish, no
# KUnit case run.
#
# Knobs (environment):
#   CKREMM_STRESS_SECONDS  seconds of KUnit stress in all (default 20); more
#                          than 120 are split into rounds of at most 120 s
#   CKREMM_STRESS_CPUS     emulated CPUs (default 4, or one more than the
#                          host has if that is fewer: with more vCPUs than
#                          host cores plus one, a vCPU spinning on a pool
#                          lock keeps the holder's vCPU off the host, and
#                          the stress slows a hundredfold)
#   CKREMM_VM_TIMEOUT      seconds the guest may run (default 480 plus the
#                          stress seconds plus 120 per round)
#
# Under --kcsan, a KCSAN report with ckremm code (either module) anywhere in
# it fails the stage; reports entirely outside ckremm are races in the
# kernel itself that this project can neither cause nor fix: they are
# counted and listed in the log, and do not fail it.  Everything else in
# the console is held to tools/vm/logcheck.sh as usual.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

flavour=debug
stage=smp-qemu
case ${1:-} in
--kcsan)
	flavour=kcsan
	stage=kcsan-qemu
	;;
"") ;;
*)
	echo "usage: $0 [--kcsan]" >&2
	exit 2
	;;
esac

fail_early() {
	echo "$stage: $1" >&2
	echo "$stage: 0 passed, 1 failed"
	exit 1
}

total_s=${CKREMM_STRESS_SECONDS:-20}
cpus=${CKREMM_STRESS_CPUS:-$(($(nproc) + 1 < 4 ? $(nproc) + 1 : 4))}
[[ $total_s =~ ^[1-9][0-9]*$ && $cpus =~ ^[1-9][0-9]?$ ]] ||
	fail_early "CKREMM_STRESS_SECONDS and CKREMM_STRESS_CPUS must be positive integers"
# KUnit gives a case 300 s: long runs are rounds of at most 120 s each.
rounds=$(((total_s + 119) / 120))
round_s=$(((total_s + rounds - 1) / rounds))
# A round may run up to 120 s over while its slowest actor catches up.
timeout_s=${CKREMM_VM_TIMEOUT:-$((480 + total_s + 120 * rounds))}

for f in /bin/busybox /usr/bin/qemu-system-x86_64; do
	[[ -e $f ]] || fail_early "missing $f: run tools/ci/deps.sh"
done
kdir=$("$CKREMM_ROOT/tools/vm/kernel.sh" "x86-$flavour" | tail -n1) ||
	fail_early "could not build the $flavour kernel (tools/vm/kernel.sh x86-$flavour)"
bzimage=$kdir/arch/x86/boot/bzImage
build=$CKREMM_CACHE/build-x86-$flavour
logs=$CKREMM_CACHE/logs
mkdir -p "$logs"
console=$logs/$stage.console.log
ktap=$logs/$stage.ktap.log
parsed=$logs/$stage.parsed.log

"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$build" ARCH=x86_64 >&2
for m in ckremm ckremm_stress; do
	[[ -f $build/$m.ko ]] || fail_early "$build/$m.ko was not built"
done
# The initramfs has no C library: the tools must be static.
make -C "$CKREMM_ROOT/tools" static >&2

# The initramfs: busybox, both modules, every static tool as
# /ckremm-bin/<name>, proofs.sh, and an /init around the
# fragment below.  /dev/console must exist before devtmpfs is mounted.
root=$CKREMM_CACHE/initramfs-$stage
initrd=$CKREMM_CACHE/initramfs-$stage.cpio.gz
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,run,ckremm-bin}
cp /bin/busybox "$root/bin/busybox"
cp "$build/ckremm.ko" "$build/ckremm_stress.ko" "$root/"
for f in "$CKREMM_ROOT"/tools/build/*.static; do
	cp "$f" "$root/ckremm-bin/$(basename "$f" .static)"
done
[[ -x $root/ckremm-bin/dev_test ]] || fail_early "no static dev_test in tools/build"
cp "$CKREMM_ROOT/tools/tests/dev/proofs.sh" "$root/proofs.sh"
mknod -m 600 "$root/dev/console" c 5 1

commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
{
	cat <<EOF
check() {
	what=\$1
	shift
	if "\$@"; then echo "ckremm-check: ok - \$what"; else echo "ckremm-check: not ok - \$what"; fi
}
kmemleak=/sys/kernel/debug/kmemleak
if [ $flavour = debug ]; then
	check "kmemleak forgets the boot's objects" sh -c "echo clear >\$kmemleak"
fi
echo "ckremm-vm: online CPUs \$(grep -c ^processor /proc/cpuinfo)"
check "$cpus CPUs online" test "\$(grep -c ^processor /proc/cpuinfo)" = $cpus
check "insmod ckremm.ko" insmod /ckremm.ko
echo "ckremm-vm: stress begin"
check "insmod ckremm_stress.ko" insmod /ckremm_stress.ko seconds=$round_s rounds=$rounds
check "rmmod ckremm_stress" rmmod ckremm_stress
# Shown live as well, in case the kernel dies half way.
( st=0; sh /proofs.sh /ckremm-bin memcg || st=\$?; echo \$st >/run/proofs.status ) 2>&1 |
	tee /run/proofs.out
check "proofs.sh exits 0" test "\$(cat /run/proofs.status)" = 0
check "rmmod ckremm" rmmod ckremm
EOF
	dev_test_commands /ckremm.ko /ckremm-bin/dev_test
	cat <<EOF
if [ $flavour = debug ]; then
	# Objects must be older than kmemleak's minimum age to be reported,
	# and a second scan confirms the first.
	sleep 6
	check "kmemleak scan" sh -c "echo scan >\$kmemleak"
	sleep 6
	check "kmemleak scan again" sh -c "echo scan >\$kmemleak"
	cat \$kmemleak >/run/kmemleak.out
	check "kmemleak reports no leak" test ! -s /run/kmemleak.out
	head -n 200 /run/kmemleak.out
fi
EOF
	quiet_reprint /run/proofs.out ckremm-proofs
} >"$commands"
guest_init "$commands" >"$root/init"
chmod 755 "$root/init"
pack_initramfs "$root" "$initrd"

# One host thread per vCPU; PANIC_ON_OOPS makes an oops end the guest.
echo "$stage: $cpus CPUs, $rounds round(s) of $round_s s of stress, timeout $timeout_s s" >&2
extra_failed=0
qemu_boot "$stage" "$bzimage" "$initrd" "$console" "$cpus" 1G "$timeout_s" ||
	extra_failed=$((extra_failed + 1))

# KCSAN reports: split off, sorted into ckremm's and the kernel's own.
checked=$console
if [[ $flavour = kcsan ]]; then
	checked=$logs/$stage.console-without-kcsan.log
	races=$logs/$stage.kcsan.log
	tr -d '\r' <"$console" | awk -v races="$races" -v rest="$checked" '
		# A report runs from "BUG: KCSAN:" to the next line of "=".
		/BUG: KCSAN:/ { inrep = 1; rep = ""; n++ }
		inrep { rep = rep $0 "\n"; if (/^(\[[ 0-9.]+\] )?==========/) {
			ours = (rep ~ /ckremm/)
			printf "--- report %d: %s\n%s", n, ours ? "involves ckremm" : "outside ckremm", rep >races
			inrep = 0; next } }
		!inrep { print >rest }
		END { if (inrep) printf "--- report %d: involves ckremm (cut short)\n%s", n, rep >races }' ||
		true
	touch "$races"
	ours=$(grep -c '^--- report [0-9]*: involves ckremm' "$races" || true)
	theirs=$(grep -c '^--- report [0-9]*: outside ckremm' "$races" || true)
	echo "$stage: KCSAN reports involving ckremm: $ours (each fails the stage)" >&2
	echo "$stage: KCSAN reports outside ckremm: $theirs (counted, not failed; listed below and in $races)" >&2
	grep -A3 '^--- report' "$races" | grep -E '^--- report|BUG: KCSAN' >&2 || true
	extra_failed=$((extra_failed + ours))
fi
"$CKREMM_ROOT/tools/vm/logcheck.sh" "$checked" || extra_failed=$((extra_failed + 1))

# The stress's KTAP: the kernel's lines (timestamped) from the marker to the
# suite's result, or to the end of the log if the kernel died first.
tr -d '\r' <"$console" |
	sed -n '/^ckremm-vm: stress begin/,/^\[[ 0-9.]*\] \(not \)\?ok [0-9]* ckremm_stress$/p' |
	grep '^\[' >"$ktap" || true
read -r k_passed k_failed < <(kunit_counts "$ktap" "$parsed")
cat "$parsed" >&2
if ((k_passed + k_failed == 0)); then
	echo "$stage: no KUnit case ran" >&2
	extra_failed=$((extra_failed + 1))
fi
read -r d_passed d_failed < <(dev_test_counts "$console")
read -r p_passed p_failed < <(proofs_counts "$console")
echo "$stage: KUnit $k_passed/$((k_passed + k_failed)), dev_test and checks" \
	"$d_passed/$((d_passed + d_failed)), proofs $p_passed/$((p_passed + p_failed))" >&2

passed=$((k_passed + d_passed + p_passed))
failed=$((k_failed + d_failed + p_failed + extra_failed))
echo "$stage: $passed passed, $failed failed"
((failed == 0))
