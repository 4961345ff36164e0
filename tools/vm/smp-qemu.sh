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
#     reordering the table pool under pins; then mutators on every CPU, hard
#     interrupts and a collector thread on one collected pool; then workers
#     on every CPU, hard interrupts and a pager thread on a table pool
#     three times its arena paging to a compressed store; a pager of the
#     table pool with its work item, and memory pressure: the guest drops
#     its slab caches every second meanwhile, which calls the pager's
#     shrinker), and unloads the stress,
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
#   CKREMM_STRESS_SECONDS  seconds of KUnit stress in all (default 20): a
#                          quarter for the collector's round and a quarter
#                          for the store pager's (at most 100 each), the
#                          rest for the pools', split into rounds of at
#                          most 120 s
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

total_s=${CKREMM_STRESS_SECONDS:-20}
cpus=${CKREMM_STRESS_CPUS:-$(($(nproc) + 1 < 4 ? $(nproc) + 1 : 4))}
[[ $total_s =~ ^[1-9][0-9]*$ && $cpus =~ ^[1-9][0-9]?$ ]] ||
	stage_fail "$stage" "CKREMM_STRESS_SECONDS and CKREMM_STRESS_CPUS must be positive integers"
# The collector's round and the store pager's take a quarter each (none
# of less than 4 s in all).
gc_s=$((total_s / 4 < 100 ? total_s / 4 : 100))
store_s=$gc_s
pools_s=$((total_s - gc_s - store_s))
# KUnit gives a case 300 s: long runs are rounds of at most 120 s each.
rounds=$(((pools_s + 119) / 120))
round_s=$(((pools_s + rounds - 1) / rounds))
# A round may run up to 120 s over while its slowest actor catches up, the
# collector's and the store pager's 60 s each.
timeout_s=${CKREMM_VM_TIMEOUT:-$((480 + total_s + 120 * rounds + 60 + 60))}

kdir=$("$CKREMM_ROOT/tools/vm/kernel.sh" "x86-$flavour" | tail -n1) ||
	stage_fail "$stage" "could not build the $flavour kernel (tools/vm/kernel.sh x86-$flavour)"
build=$CKREMM_CACHE/build-x86-$flavour
qemu_prepare "$stage" "$kdir" "$build" ARCH=x86_64
for m in ckremm ckremm_stress; do
	[[ -f $build/$m.ko ]] || stage_fail "$stage" "$build/$m.ko was not built"
done
logs=$CKREMM_CACHE/logs
console=$(console_log "$stage")
ktap=$logs/$stage.ktap.log
parsed=$logs/$stage.parsed.log

commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
{
	cat <<EOF
kmemleak=/sys/kernel/debug/kmemleak
if [ $flavour = debug ]; then
	check "kmemleak forgets the boot's objects" sh -c "echo clear >\$kmemleak"
fi
echo "ckremm-vm: online CPUs \$(grep -c ^processor /proc/cpuinfo)"
check "$cpus CPUs online" test "\$(grep -c ^processor /proc/cpuinfo)" = $cpus
check "insmod ckremm.ko" insmod /ckremm.ko
echo "ckremm-vm: stress begin"
# Memory pressure meanwhile: dropping the slab caches calls every
# shrinker, the table pool's pager's among them.
(while [ ! -e /run/stress.end ]; do echo 2 >/proc/sys/vm/drop_caches; sleep 1; done) &
check "insmod ckremm_stress.ko" insmod /ckremm_stress.ko seconds=$round_s rounds=$rounds gc_seconds=$gc_s store_seconds=$store_s
touch /run/stress.end
check "rmmod ckremm_stress" rmmod ckremm_stress
run_tap proofs.sh sh /proofs.sh /ckremm-bin memcg
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
reprint proofs.sh ckremm-proofs
EOF
} >"$commands"

# One host thread per vCPU; PANIC_ON_OOPS makes an oops end the guest.
echo "$stage: $cpus CPUs, $rounds round(s) of $round_s s of stress, $gc_s s of the collector's and $store_s s of the store pager's, timeout $timeout_s s" >&2
extra_failed=0
mapfile -t tools < <(static_tools '*')
qemu_stage "$stage" "$kdir/arch/x86/boot/bzImage" "$cpus" 1G "$timeout_s" "$commands" \
	"$build/ckremm.ko=/ckremm.ko" "$build/ckremm_stress.ko=/ckremm_stress.ko" \
	"${tools[@]}" "$CKREMM_ROOT/tools/tests/dev/proofs.sh=/proofs.sh" ||
	extra_failed=$((extra_failed + 1))

# KCSAN reports: split off, sorted into ckremm's and the kernel's own.
checked=$console
if [[ $flavour = kcsan ]]; then
	checked=$logs/$stage.console-without-kcsan.log
	races=$logs/$stage.kcsan.log
	# awk writes the file only when there is a report: a run without one
	# must not count the last run's.
	rm -f "$races"
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

# The stress's KTAP: the kernel's lines (timestamped) from the marker to the
# check of its load, by when every suite of the module has ended, or to the
# end of the log if the kernel died first.
tr -d '\r' <"$console" |
	sed -n '/^ckremm-vm: stress begin/,/^ckremm-check: .* insmod ckremm_stress.ko$/p' |
	grep '^\[' >"$ktap" || true
read -r k_passed k_failed < <(kunit_counts "$ktap" "$parsed")
cat "$parsed" >&2
if ((k_passed + k_failed == 0)); then
	echo "$stage: no KUnit case ran" >&2
	extra_failed=$((extra_failed + 1))
fi
read -r d_passed d_failed < <(guest_counts "$stage" "$console" ckremm-proofs)
echo "$stage: KUnit $k_passed/$((k_passed + k_failed)), dev_test, proofs and checks" \
	"$d_passed/$((d_passed + d_failed))" >&2
stage_end "$stage" "$checked" $((k_passed + d_passed)) $((k_failed + d_failed + extra_failed))
