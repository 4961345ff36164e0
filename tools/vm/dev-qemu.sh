#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# End-to-end test of /dev/ckremm on Debian's own distribution kernel (the
# one tools/ci/deps.sh fetched to match the installed linux-headers), booted
# under QEMU on two emulated CPUs from a busybox initramfs: dev_test, then
# conflict_test (requests of two CPUs racing for one block).
#
#   tools/vm/dev-qemu.sh    -> last line "dev-qemu: N passed, M failed"
#
# Counts as tools/vm/dev-uml.sh does, plus conflict_test's TAP results and
# a check that it exited 0.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

deb61_prepare dev-qemu
logs=$CKREMM_CACHE/logs
mkdir -p "$logs"
console=$logs/dev-qemu.console.log
timeout_s=${CKREMM_VM_TIMEOUT:-300}

# The initramfs: busybox, the module, the tests and an /init around the same
# fragment dev-uml.sh runs.  /dev/console must exist before devtmpfs is
# mounted, or init starts without stdio.
root=$CKREMM_CACHE/initramfs-deb61
initrd=$CKREMM_CACHE/initramfs-deb61.cpio.gz
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,run}
cp /bin/busybox "$root/bin/busybox"
cp "$build/ckremm.ko" "$root/ckremm.ko"
cp "$CKREMM_ROOT/tools/build/dev_test.static" "$root/dev_test"
cp "$CKREMM_ROOT/tools/build/conflict_test.static" "$root/conflict_test"
mknod -m 600 "$root/dev/console" c 5 1

# The test command dev_test_commands runs between insmod and rmmod:
# dev_test, then conflict_test with its TAP kept apart (shown live on the
# console, saved for the quiet reprint below).  Its status is dev_test's.
cat >"$root/run-tests" <<EOF
#!/bin/busybox sh
st=0
/dev_test || st=\$?
( cst=0; /conflict_test -p 3 -n 3 -t 10 -s 1 || cst=\$?; echo \$cst >/run/conflict.status ) 2>&1 |
	tee /run/conflict.out >/dev/console
exit \$st
EOF
chmod 755 "$root/run-tests"

commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
{
	dev_test_commands /ckremm.ko /run-tests dev_test
	cat <<'EOF'
check "conflict_test exits 0" test "$(cat /run/conflict.status 2>/dev/null)" = 0
EOF
	quiet_reprint /run/conflict.out ckremm-conflict
} >"$commands"
guest_init "$commands" >"$root/init"
chmod 755 "$root/init"
pack_initramfs "$root" "$initrd"

# Two vCPUs, so that the module runs on an SMP kernel and conflict_test's
# requests really run at once.
extra_failed=0
qemu_boot dev-qemu "$vmlinuz" "$initrd" "$console" 2 512 "$timeout_s" ||
	extra_failed=$((extra_failed + 1))
"$CKREMM_ROOT/tools/vm/logcheck.sh" "$console" || extra_failed=$((extra_failed + 1))

read -r passed failed < <(device_counts dev-qemu "$console")
read -r c_passed c_failed < <(proofs_counts "$console" ckremm-conflict)
echo "dev-qemu: conflict_test $c_passed passed, $c_failed failed" >&2
passed=$((passed + c_passed))
failed=$((failed + c_failed + extra_failed))
echo "dev-qemu: $passed passed, $failed failed"
((failed == 0))
