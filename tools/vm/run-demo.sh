#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make run: boot user-mode Linux with ckremm loaded and show, with
# ckremmctl, a header pool being fragmented and checked, then the same
# workload on a table pool, whose reorder moves blocks to close the gaps.
#
#   tools/vm/run-demo.sh
#
# The first run builds the UML kernel (several minutes).  Only what runs
# after boot is shown, with the kernel log cut to warnings and errors so the
# demonstration stays readable; the whole console is kept in
# $CKREMM_CACHE/logs/run-demo.console.log and its end is shown on failure.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

echo "run-demo: preparing the UML kernel (built once, then reused)..."
kdir=$("$CKREMM_ROOT/tools/vm/kernel.sh" uml | tail -n1)
build=$CKREMM_CACHE/build-uml
echo "run-demo: building ckremm.ko and ckremmctl..."
"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$build" ARCH=um >/dev/null
make -s -C "$CKREMM_ROOT/tools"
ctl=$CKREMM_ROOT/tools/build/ckremmctl
logs=$CKREMM_CACHE/logs
log=$logs/run-demo.console.log
mkdir -p "$logs"

commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
{
	printf 'ctl=%q\nko=%q\n' "$ctl" "$build/ckremm.ko"
	cat <<'EOF'
# Show each command before its output; keep going if one fails so the
# rest of the story is still told.
run() {
	echo
	echo "$ ckremmctl $*"
	"$ctl" "$@" || echo "(exit status $?)"
}

# workload POOL [--aligned]: 192 blocks of assorted sizes (and alignments),
# allocated round-robin so that every size ends up everywhere in the arena,
# then two of every three freed: runs of free neighbours between used
# blocks.  Table pools fix the alignment of every block, so they get none.
workload() {
	echo
	echo "# $1: allocate 192 blocks of 24 B to 16 KiB${2:+, some aligned up to 4 KiB},"
	echo "# then free two of every three"
	offsets=""
	for round in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		for spec in 24 200 1K 64:64 3000 512:256 96:32 4K:4096 700 128:128 16K 9000:1024; do
			size=${spec%%:*}
			align=
			[ -n "$2" ] && [ "$size" != "$spec" ] && align="--align ${spec#*:}"
			off=$("$ctl" alloc "$1" $size $align) || continue
			offsets="$offsets $off"
		done
	done
	n=0
	to_free=""
	for off in $offsets; do
		[ $((n % 3)) -ne 2 ] && to_free="$to_free $off"
		n=$((n + 1))
	done
	echo "$ ckremmctl free $1 OFFSET... ($(echo $to_free | wc -w) offsets)"
	"$ctl" free "$1" $to_free || echo "(exit status $?)"
}

insmod "$ko"

echo "== A header pool: blocks never move, free neighbours merge =="
run create demo --size 1M --kind header
workload demo --aligned
run stats demo
run map demo
run reorder demo
run map demo
run stats demo
run validate demo
run destroy demo

echo
echo "== A table pool: reorder moves blocks so free space becomes one block =="
run create demo-table --size 1M --kind table
workload demo-table
run map demo-table
run reorder demo-table
run map demo-table
run stats demo-table
run validate demo-table
run destroy demo-table

rmmod ckremm
EOF
} >"$commands"

# Boot messages are noise here: show the console from init's first line.
status=0
CKREMM_UML_APPEND="loglevel=5" "$CKREMM_ROOT/tools/vm/uml-run.sh" \
	"$kdir" "$commands" "$log" 2>/dev/null |
	awk '/^ckremm-vm: start/ { on = 1; next }
	     /^ckremm-vm: exit status/ { next }
	     on { print; fflush() }' || status=$?
if ((status)); then
	echo "run-demo: the guest failed (status $status); the end of $log:" >&2
	tail -n 40 "$log" >&2
fi
"$CKREMM_ROOT/tools/vm/logcheck.sh" "$log" >/dev/null || status=1
exit "$status"
