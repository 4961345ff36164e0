#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# checkpatch --strict on the sources compiled into the kernel bench module.
#
#   tools/bench/style.sh      -> exit 0 when clean
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"

src=$(kernel_source)
"$src/scripts/checkpatch.pl" --strict --no-tree --show-types --terse -f \
	"$here/kmod/kbench.c" "$here/kmod/Kbuild" "$here/kmod/kgc_lock.h" \
	"$here/bench_trace.h" "$here/bench_mmu.h"
