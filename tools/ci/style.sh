#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel's own style gates on the module sources:
#   - checkpatch --strict on every .c/.h under ckremm/, include/, kunit/,
#     samples/
#     (one test per file, nothing ignored);
#   - kernel-doc -Wall on the same files;
#   - W=1 builds (with kernel-doc checks) against Debian's 6.1 headers and
#     the UML tree, with no warning;
#   - sparse (C=2, every file) against the same two trees, with no warning.
#
#   tools/ci/style.sh       -> last line "style: N passed, M failed"
set -euo pipefail
shopt -s extglob

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/../vm/lib.sh"

src=$(kernel_source)
logs=$CKREMM_CACHE/logs/style
rm -rf "$logs"
mkdir -p "$logs"
passed=0
failed=0

# record <name> <log> <ok?>: one TAP line per check, the log of a failure
# shown in full.
n=0
record() {
	n=$((n + 1))
	if (($3)); then
		passed=$((passed + 1))
		echo "ok $n - $1"
	else
		failed=$((failed + 1))
		echo "not ok $n - $1"
		sed 's/^/# /' "$2"
	fi
}

# checkpatch comes from the same 6.12 tree as the UML kernel: the newest
# rules Debian ships.
cd "$CKREMM_ROOT"
mapfile -t files < <(find ckremm include kunit samples -name '*.[ch]' | sort)
for f in "${files[@]}"; do
	log=$logs/checkpatch-${f//\//_}.log
	perl "$src/scripts/checkpatch.pl" --strict --no-tree --color=never -f "$f" \
		>"$log" 2>&1 || true
	ok=0
	grep -q '^total: 0 errors, 0 warnings, 0 checks' "$log" && ok=1
	record "checkpatch --strict $f" "$log" "$ok"
done

# Licences: the portable core (the port interface, the ports but Linux's,
# the pools, the collector, their index and models, their public headers) is
# GPL-2.0-only OR MIT, so that other systems may take it; the uapi header
# adds the syscall note; everything else under the module's folders,
# the Linux port included, is GPL-2.0-only.
log=$logs/spdx.log
: >"$log"
for f in "${files[@]}"; do
	case $f in
	ckremm/port/linux/*) want='GPL-2.0-only' ;;
	ckremm/port/* | ckremm/hpool/* | ckremm/tpool/* | ckremm/segfit/* | \
		ckremm/model/* | ckremm/gc/* | ckremm/paging/* | \
		include/ckremm/h_pool.h | include/ckremm/t_pool.h | \
		include/ckremm/gc.h | include/ckremm/paging.h | \
		include/ckremm/store.h | include/ckremm/xstore.h | \
		include/ckremm/zstore.h)
		want='GPL-2.0-only OR MIT' ;;
	include/uapi/*) want='(GPL-2.0-only WITH Linux-syscall-note) OR MIT' ;;
	*) want='GPL-2.0-only' ;;
	esac
	line=$(head -n1 "$f")
	[[ $line == *"SPDX-License-Identifier: $want"@(| \*/) ]] ||
		echo "$f: \"$line\", not $want" >>"$log"
done
ok=1
[[ -s $log ]] && ok=0
record "SPDX lines: the portable core GPL-2.0-only OR MIT, the rest GPL-2.0-only" "$log" "$ok"

# W=1 checks the kernel-doc of compiled .c files only; this covers the
# headers too, with every optional check (-Wall, as W=2 would).
log=$logs/kernel-doc.log
perl "$src/scripts/kernel-doc" -none -Wall "${files[@]}" >"$log" 2>&1 || true
ok=1
[[ -s $log ]] && ok=0
record "kernel-doc -Wall on every .c/.h" "$log" "$ok"

# build <name> <kernel dir> <make args...>: a clean build of the module,
# and of samples/ckremm_sample against it,
# that must succeed and print no warning.  Clean, because kbuild only
# reports warnings for what it recompiles.
build() {
	local name=$1 kdir=$2 out=$CKREMM_CACHE/build-style-$1 log=$logs/$1.log ok=0
	shift 2
	rm -rf "$out" "$out-sample"
	if "$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$out" "$@" >"$log" 2>&1 &&
		"$CKREMM_ROOT/tools/vm/build-sample.sh" "$kdir" "$out" "$out-sample" "$@" \
			>>"$log" 2>&1 &&
		! grep -qiE 'warning:|error:' "$log"; then
		ok=1
	fi
	record "$name: make $*" "$log" "$ok"
}

deb=/usr/src/linux-headers-$(headers_abi)
build w1-deb61 "$deb" W=1
build sparse-deb61 "$deb" C=2 CHECK=sparse
if uml=$("$CKREMM_ROOT/tools/vm/kernel.sh" uml 2>"$logs/kernel-uml.log" | tail -n1); then
	build w1-uml "$uml" ARCH=um W=1
	build sparse-uml "$uml" ARCH=um C=2 CHECK=sparse
else
	record "UML kernel for the W=1 and sparse builds" "$logs/kernel-uml.log" 0
fi

echo "1..$n"
echo "style: $passed passed, $failed failed"
((failed == 0))
