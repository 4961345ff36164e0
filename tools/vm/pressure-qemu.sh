#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# /dev/ckremm when memory runs out, on Debian's own distribution kernel (as
# tools/vm/dev-qemu.sh boots it: the 6.1 image tools/ci/deps.sh fetched,
# the module built against Debian's headers, a busybox initramfs, two
# emulated CPUs) in a guest of only 256 MiB.  In the guest: load ckremm.ko
# with a quota no user reaches, make /dev/ckremm mode 0666, run
# tools/tests/dev/pressure_test (a root bystander holds 48 MiB while four
# unprivileged users create pools of up to 64 MiB until CREATE refuses
# them), unload.  Every refusal must be ENOMEM and the OOM killer must
# never run.
#
#   tools/vm/pressure-qemu.sh    -> last line "pressure-qemu: N passed, M failed"
#
# N and M count pressure_test's TAP results and the guest's own checks; M
# also counts one for each of: a guest that did not finish, an OOM killer
# line in the console, any other kernel report (tools/vm/logcheck.sh), no
# result at all.
#
# Knobs (environment):
#   CKREMM_VM_TIMEOUT      seconds the guest may run (default 300)
#   CKREMM_MODULE_SRC      build the module from another tree of the same
#                          layout (see tools/vm/build-module.sh)
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

stage=pressure-qemu
# Small enough that four users run it out of memory in seconds, large
# enough for Debian's kernel, the initramfs and a 48 MiB bystander.
mem=256M
deb61_prepare "$stage"
logs=$CKREMM_CACHE/logs
mkdir -p "$logs"
console=$logs/$stage.console.log
timeout_s=${CKREMM_VM_TIMEOUT:-300}

# The initramfs: busybox, the module without its debug info (the guest's
# memory is what the test measures), the test and an /init around the
# fragment below.  /dev/console must exist before devtmpfs is mounted.
root=$CKREMM_CACHE/initramfs-$stage
initrd=$CKREMM_CACHE/initramfs-$stage.cpio.gz
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,run}
cp /bin/busybox "$root/bin/busybox"
strip --strip-debug -o "$root/ckremm.ko" "$build/ckremm.ko"
cp "$CKREMM_ROOT/tools/build/pressure_test.static" "$root/pressure_test"
mknod -m 600 "$root/dev/console" c 5 1
commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
{
	# The shell and what it starts stay out of the OOM killer's reach, so
	# that a run that wakes it still reports; pressure_test's bystander
	# and users set themselves back to 0.
	cat <<'EOF'
echo -1000 >/proc/self/oom_score_adj
check() {
	what=$1
	shift
	if "$@"; then echo "ckremm-check: ok - $what"; else echo "ckremm-check: not ok - $what"; fi
}
echo "ckremm-vm: $(grep -E '^(MemTotal|MemAvailable):' /proc/meminfo | tr -s ' \n' ' ')"
check "insmod ckremm.ko max_pools_per_user=1024" insmod /ckremm.ko max_pools_per_user=1024
check "/dev/ckremm is a char device" test -c /dev/ckremm
check "/dev/ckremm made mode 0666" chmod 0666 /dev/ckremm
# Shown live as well, in case the kernel dies half way.
( st=0; /pressure_test || st=$?; echo $st >/run/pressure.status ) 2>&1 |
	tee /run/pressure.out
check "pressure_test exits 0" test "$(cat /run/pressure.status)" = 0
check "rmmod ckremm" rmmod ckremm
check "/dev/ckremm is gone" test ! -e /dev/ckremm
EOF
	quiet_reprint /run/pressure.out ckremm-tap
} >"$commands"
guest_init "$commands" >"$root/init"
chmod 755 "$root/init"
pack_initramfs "$root" "$initrd"

extra_failed=0
qemu_boot "$stage" "$vmlinuz" "$initrd" "$console" 2 "$mem" "$timeout_s" ||
	extra_failed=$((extra_failed + 1))
# The OOM killer's report carries a "Call Trace:" that logcheck.sh fails
# on too; this says what it was.
oom=$(tr -d '\r' <"$console" |
	grep -E '^\[ *[0-9.]+\] .*(Out of memory|oom-kill|invoked oom-killer)' || true)
if [[ -n $oom ]]; then
	echo "$stage: the OOM killer ran:" >&2
	head -n 20 <<<"$oom" >&2
	extra_failed=$((extra_failed + 1))
fi
"$CKREMM_ROOT/tools/vm/logcheck.sh" "$console" || extra_failed=$((extra_failed + 1))

read -r passed failed < <(device_counts "$stage" "$console")
failed=$((failed + extra_failed))
echo "$stage: $passed passed, $failed failed"
((failed == 0))
