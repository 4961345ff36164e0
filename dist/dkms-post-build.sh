#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# DKMS's POST_BUILD (dkms.conf), run in the build directory once ckremm.ko
# is built: keep the build's Module.symvers, which DKMS is about to discard
# with the rest of that directory, in DKMS's own directory for the kernel
# and architecture built for, beside the log and the module it keeps.  A
# module that calls the pools is built against it (KBUILD_EXTRA_SYMBOLS;
# see the README), as /var/lib/dkms/ckremm/kernel-<kernel>-<arch>/ once
# installed.  "dkms unbuild" and "dkms remove", and so purging the package,
# delete it with that directory.
#
#   dkms-post-build.sh <DKMS's directory for the kernel and architecture>
set -eu

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 <DKMS's directory for the kernel and architecture>" >&2
	exit 2
fi
install -m 644 Module.symvers "$1/Module.symvers"
