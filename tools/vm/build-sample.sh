#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build samples/ckremm_sample out of tree, as a driver author would, from a
# copy so that kbuild's objects never land in the checkout: against the
# kernel tree <kdir> and the ckremm.ko built in <ckremm build dir> (its
# Module.symvers), into <out dir>.
#
#   tools/vm/build-sample.sh <kernel build dir> <ckremm build dir> <out dir> [make args...]
#   e.g. tools/vm/build-sample.sh "$uml" "$CKREMM_CACHE/build-uml" \
#	"$CKREMM_CACHE/build-sample-uml" ARCH=um
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

if (($# < 3)); then
	echo "usage: $0 <kernel build dir> <ckremm build dir> <out dir> [make args...]" >&2
	exit 2
fi
kdir=$1
ckremm=$2
out=$3
shift 3

[[ -e $ckremm/Module.symvers ]] || {
	echo "$0: no $ckremm/Module.symvers: build ckremm.ko first" >&2
	exit 1
}
mkdir -p "$out"
rsync -rlp --checksum --delete --filter='P *.o' --filter='P *.ko' --filter='P .*.cmd' \
	--filter='P *.mod*' --filter='P *.order' --filter='P *.symvers' \
	"$CKREMM_ROOT/samples/ckremm_sample/" "$out/"
make -C "$out" KDIR="$kdir" CKREMM_SYMVERS="$ckremm/Module.symvers" \
	CKREMM_INCLUDE="$CKREMM_ROOT/include" "$@"
