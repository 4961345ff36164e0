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
fail_early() {
	echo "$stage: $1" >&2
	echo "$stage: 0 passed, 1 failed"
	exit 1
}

for f in /bin/busybox /usr/bin/qemu-system-x86_64; do
	[[ -e $f ]] || fail_early "missing $f: run tools/ci/deps.sh"
done
abi=$("$CKREMM_ROOT/tools/ci/deps-rt.sh" | tail -n1) ||
	fail_early "could not fetch Debian's PREEMPT_RT kernel (tools/ci/deps-rt.sh)"
kdir=$CKREMM_CACHE/linux-headers-$abi/usr/src/linux-headers-$abi
vmlinuz=$CKREMM_CACHE/linux-image-$abi/boot/vmlinuz-$abi
grep -qx 'CONFIG_PREEMPT_RT=y' "$kdir/.config" ||
	fail_early "$abi is not configured with CONFIG_PREEMPT_RT"
build=$CKREMM_CACHE/build-rt
logs=$CKREMM_CACHE/logs
mkdir -p "$logs"
console=$logs/$stage.console.log
timeout_s=${CKREMM_VM_TIMEOUT:-300}
proofs=$CKREMM_ROOT/tools/tests/dev/proofs.sh

"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$build"
# The initramfs has no libraries: every program in it must be static.
make -C "$CKREMM_ROOT/tools" static

root=$CKREMM_CACHE/initramfs-rt
initrd=$CKREMM_CACHE/initramfs-rt.cpio.gz
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,run,proofs-bin}
cp /bin/busybox "$root/bin/busybox"
cp "$build/ckremm.ko" "$root/ckremm.ko"
cp "$CKREMM_ROOT/tools/build/dev_test.static" "$root/dev_test"
mknod -m 600 "$root/dev/console" c 5 1
cp "$proofs" "$root/proofs.sh"
for f in "$CKREMM_ROOT"/tools/build/*.static; do
	cp "$f" "$root/proofs-bin/$(basename "$f" .static)"
done

# The test command dev_test_commands runs between insmod and rmmod:
# dev_test, then proofs.sh with its TAP kept apart (shown live on the
# console, saved for the quiet reprint below).  Its status is dev_test's.
cat >"$root/run-tests" <<EOF
#!/bin/busybox sh
st=0
/dev_test || st=\$?
( pst=0; sh /proofs.sh /proofs-bin || pst=\$?; echo \$pst >/run/proofs.status ) 2>&1 |
	tee /run/proofs.out >/dev/console
exit \$st
EOF
chmod 755 "$root/run-tests"

commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
{
	dev_test_commands /ckremm.ko /run-tests dev_test
	cat <<'EOF'
check "the kernel is PREEMPT_RT (/sys/kernel/realtime is 1)" \
	test "$(cat /sys/kernel/realtime 2>/dev/null)" = 1
check "uname -v names PREEMPT_RT" sh -c 'uname -v | grep -q PREEMPT_RT'
check "two CPUs online" test "$(grep -c '^processor' /proc/cpuinfo)" = 2
check "proofs.sh exits 0" test "$(cat /run/proofs.status 2>/dev/null)" = 0
EOF
	quiet_reprint /run/proofs.out ckremm-proofs
} >"$commands"
guest_init "$commands" >"$root/init"
chmod 755 "$root/init"
pack_initramfs "$root" "$initrd"

# Two vCPUs, so that the module runs on an SMP kernel.  The 8250 UART
# and its console are built into Debian's kernel; nothing else is needed
# from its modules.
extra_failed=0
qemu_boot "$stage" "$vmlinuz" "$initrd" "$console" 2 512 "$timeout_s" ||
	extra_failed=$((extra_failed + 1))
"$CKREMM_ROOT/tools/vm/logcheck.sh" "$console" || extra_failed=$((extra_failed + 1))

read -r passed failed < <(device_counts "$stage" "$console")
read -r p f < <(proofs_counts "$console")
echo "$stage: proofs.sh $p passed, $f failed" >&2
passed=$((passed + p))
failed=$((failed + f))
failed=$((failed + extra_failed))
echo "$stage: $passed passed, $failed failed"
((failed == 0))
