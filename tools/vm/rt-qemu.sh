#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# End-to-end test of /dev/ckremm on Debian's PREEMPT_RT kernel (the 6.12
# RT release tools/ci/deps-rt.sh fetches and extracts into the cache),
# booted under QEMU on two emulated CPUs from a busybox initramfs.  On
# PREEMPT_RT a spinlock_t sleeps; the pools' locks must not, and nothing
# may sleep under them.
#
#   tools/vm/rt-qemu.sh     -> last line "rt-qemu: N passed, M failed"
#
# Counts as tools/vm/dev-qemu.sh does, plus checks made in the guest that
# the running kernel is PREEMPT_RT, and the TAP of tools/tests/dev/proofs.sh
# (run after dev_test with the module loaded, on the static builds of
# tools/build).
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

stage=rt-qemu
abi=$("$CKREMM_ROOT/tools/ci/deps-rt.sh" | tail -n1) ||
	stage_fail "$stage" "could not fetch Debian's PREEMPT_RT kernel (tools/ci/deps-rt.sh)"
kdir=$CKREMM_CACHE/linux-headers-$abi/usr/src/linux-headers-$abi
vmlinuz=$CKREMM_CACHE/linux-image-$abi/boot/vmlinuz-$abi
grep -qx 'CONFIG_PREEMPT_RT=y' "$kdir/.config" ||
	stage_fail "$stage" "$abi is not configured with CONFIG_PREEMPT_RT"
qemu_prepare "$stage" "$kdir" "$CKREMM_CACHE/build-rt"

# dev_test, then proofs.sh with the module still loaded, its TAP kept
# apart; and what the guest runs on.
commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
{
	dev_test_commands /ckremm.ko /ckremm-bin/dev_test dev_test \
		"run_tap proofs.sh sh /proofs.sh /ckremm-bin"
	cat <<'EOF'
check "the kernel is PREEMPT_RT (/sys/kernel/realtime is 1)" \
	test "$(cat /sys/kernel/realtime 2>/dev/null)" = 1
check "uname -v names PREEMPT_RT" sh -c 'uname -v | grep -q PREEMPT_RT'
check "two CPUs online" test "$(grep -c '^processor' /proc/cpuinfo)" = 2
reprint proofs.sh ckremm-proofs
EOF
} >"$commands"

# Two vCPUs, so that the module runs on an SMP kernel.  The 8250 UART
# and its console are built into Debian's kernel; nothing else is needed
# from its modules.
failed=0
mapfile -t tools < <(static_tools '*')
qemu_stage "$stage" "$vmlinuz" 2 512M "${CKREMM_VM_TIMEOUT:-300}" "$commands" \
	"$CKREMM_CACHE/build-rt/ckremm.ko=/ckremm.ko" "${tools[@]}" \
	"$CKREMM_ROOT/tools/tests/dev/proofs.sh=/proofs.sh" || failed=1
console=$(console_log "$stage")
read -r p f < <(guest_counts "$stage" "$console" ckremm-proofs)
stage_end "$stage" "$console" "$p" $((f + failed))
