#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build ckremm_bench.ko, the in-kernel benchmark module, in a copy of its
# sources so that kbuild's objects never land in the checkout.
#
#   tools/bench/build-kmod.sh <kernel build dir> <out dir> [make args...]
#
# W=1 is always on; a warning fails the build.
set -euo pipefail

if (($# < 2)); then
	echo "usage: $0 <kernel build dir> <out dir> [make args...]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kdir=$1
out=$2
shift 2

mkdir -p "$out/bench" "$out/ckremm"
# --checksum: only files whose contents changed get a new mtime, so kbuild
# rebuilds just those.
sync_copy() {
	rsync -rlp --checksum --delete --filter='P *.o' --filter='P .*.cmd' \
		--filter='P *.mod*' --filter='P *.ko' --filter='P *.order' \
		--filter='P *.symvers' --filter='P .tmp_*' "$@"
}
sync_copy "$here/kmod/" "$here/bench_trace.h" "$here/bench_fixture.h" \
	"$here/bench_mmu.h" "$out/bench/" --exclude=Kbuild
rsync -p --checksum "$here/kmod/Kbuild" "$out/Kbuild"
sync_copy "$root/ckremm/hpool" "$root/ckremm/tpool" "$root/ckremm/port" \
	"$root/ckremm/segfit" "$root/ckremm/gc" "$out/ckremm/"
sync_copy "$root/include" "$out/"

log=$out/build.log
status=0
make -C "$kdir" M="$out" ARCH=um W=1 "$@" modules 2>&1 | tee "$log" || status=$?
if ((status)); then
	echo "build-kmod: the module did not build (see $log)" >&2
	exit "$status"
fi
if grep -q 'warning:' "$log"; then
	echo "build-kmod: the module builds with warnings (see $log)" >&2
	exit 1
fi
echo "build-kmod: $out/ckremm_bench.ko"
