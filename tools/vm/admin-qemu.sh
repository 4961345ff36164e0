#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ckremm installed as an administrator installs it: the Debian packages of
# this tree (tools/dist/deb.sh) go with apt into a Debian 12 machine with
# systemd, udev and DKMS (tools/vm/debian-root.sh), booted with Debian's own
# kernel under QEMU, where tools/tests/admin/admin_test.sh checks that DKMS
# built and signed the module, that modprobe loads it, that the node is
# 0660 root:ckremm, that a user of the group can use a pool and others
# cannot, the man pages, a program built against libckremm-dev, the sample
# module built by root against the installed ckremm (its headers and the
# Module.symvers DKMS kept) and loaded by modprobe with ckremm under it,
# DKMS building for a second kernel's headers installed afterwards, and
# that purging the packages leaves no file behind.  Lintian's findings on the
# packages must be only those the README justifies.
#
#   tools/vm/admin-qemu.sh   -> last line "admin-qemu: N passed, M failed"
#   CKREMM_ADMIN_SECOND_KERNEL=1 tools/vm/admin-qemu.sh   (make check-dkms)
#                            also installs a second kernel's headers (and
#                            so its image) and checks that DKMS builds the
#                            module for them
#
# It takes about five minutes on two host cores, most of them DKMS's
# build under emulation, and about one the sample's build.  The second
# kernel adds about nine more, so it runs only when asked: Debian's 6.12
# headers depend on that kernel's image, whose unpacking and depmod runs
# take about as long as DKMS's build for it (about three minutes; DKMS
# runs make with -j2 on the guest's two vCPUs).  The initramfs that image
# would make took 19 minutes more under emulation; admin_test.sh skips it
# (INITRD=No) for a kernel the guest never boots.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

stage=admin-qemu
passed=0
failed=0

debs=$CKREMM_ROOT/tools/build/deb
"$CKREMM_ROOT/tools/dist/deb.sh" >&2 || stage_fail "$stage" "the packages did not build"
root=$("$CKREMM_ROOT/tools/vm/debian-root.sh" | tail -n1) ||
	stage_fail "$stage" "no Debian root file system"

# Lintian: every finding must be one the README's "Packages" section
# justifies (the maintainer address, which the project does not publish).
unjustified=$(grep -E '^[EW]: ' "$debs/lintian.txt" | grep -v ' bogus-mail-host' || true)
if [[ -z $unjustified ]]; then
	echo "ok - lintian finds nothing the README does not justify"
	passed=$((passed + 1))
else
	echo "not ok - lintian finds nothing the README does not justify"
	while read -r line; do echo "# $line"; done <<<"$unjustified"
	failed=$((failed + 1))
fi

share=$(mktemp -d "$CKREMM_CACHE/.admin-share.XXXXXX")
trap 'rm -rf "$share"' EXIT
cp "$debs"/ckremm-dkms_*.deb "$debs"/ckremmctl_*.deb "$debs"/libckremm1_*.deb \
	"$debs"/libckremm-dev_*.deb "$root/second-headers" "$CKREMM_ROOT/VERSION" "$share/"
cp "$CKREMM_ROOT/tools/tests/admin/admin_test.sh" "$share/"
if [[ -n ${CKREMM_ADMIN_SECOND_KERNEL:-} ]]; then
	touch "$share/second-kernel"
fi
echo 'sh /mnt/ckremm/admin_test.sh /mnt/ckremm' >"$share/run.sh"

status=0
timeout_s=${CKREMM_VM_TIMEOUT:-1800}
if [[ -n ${CKREMM_ADMIN_SECOND_KERNEL:-} ]]; then
	timeout_s=${CKREMM_VM_TIMEOUT:-5400}
fi
debian_stage "$stage" "$root" "$share" 2 2G "$timeout_s" || status=1
out=$CKREMM_CACHE/logs/$stage.out.log
cp "$share/out" "$out" 2>/dev/null || : >"$out"
cat "$out"
read -r p f < <(tap_count <"$out")
if ((p + f == 0)) || ! grep -q '^1\.\.' "$out"; then
	echo "$stage: the guest's test did not run to its end" >&2
	f=$((f + 1))
elif ((status && f == 0)); then
	f=1
fi
stage_end "$stage" "$(console_log "$stage")" $((passed + p)) $((failed + f))
