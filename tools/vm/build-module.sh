#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build ckremm.ko (and ckremm_kunit.ko when the kernel has CONFIG_KUNIT)
# from a copy of the module sources, so that kbuild's objects never land in
# the checkout.
#
#   tools/vm/build-module.sh <kernel build dir> <out dir> [make args...]
#   e.g. tools/vm/build-module.sh "$uml" "$CKREMM_CACHE/build-uml" ARCH=um W=1
#
# CKREMM_MODULE_SRC names another source tree with the same layout (used to
# try the scripts on a stand-in module).
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

if (($# < 2)); then
	echo "usage: $0 <kernel build dir> <out dir> [make args...]" >&2
	exit 2
fi
kdir=$1
out=$2
shift 2
src=${CKREMM_MODULE_SRC:-$CKREMM_ROOT}

mkdir -p "$out"
# --checksum without -t: unchanged files keep their old mtime and are not
# rebuilt, changed ones get a new mtime even if the checkout's is older.
# --delete drops files removed from the checkout; the filters protect
# kbuild's outputs from it.
rsync -rlp --checksum --delete --filter='P *.o' --filter='P *.ko' --filter='P .*.cmd' \
	--filter='P *.mod*' --filter='P *.order' --filter='P *.symvers' \
	--filter='P *.dwo' --filter='P .tmp_*' \
	"$src/Kbuild" "$src/VERSION" "$src/ckremm.config" "$src/ckremm" "$src/include" \
	"$src/kunit" "$out/"
make -C "$kdir" M="$out" "$@" modules
