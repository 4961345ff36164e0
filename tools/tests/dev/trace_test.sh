#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# ckremm's trace events read back through tracefs, where perf, trace-cmd
# and bpftrace find them: the events and their formats exist; while
# disabled they record nothing; enabled, calls made with ckremmctl on a
# header and a table pool leave one event each, naming the pool as debugfs
# does and the blocks as ckremmctl printed them, with the results the
# calls had, a refusal's reason, and reorder steps that moved what the
# reorder reported.  TAP output, then "trace: N passed, M failed".  Runs
# under busybox sh; needs root and ckremm.ko loaded.
#
#   tools/tests/dev/trace_test.sh path/to/ckremmctl

CTL=$1
T=/sys/kernel/tracing
E=$T/events/ckremm
HPOOL=trheader$$
TPOOL=trtable$$
TMP=${TMPDIR:-/tmp}/trace_test.$$
mkdir -p "$TMP" || exit 1
trap 'echo 0 >"$E/enable"; "$CTL" destroy "$HPOOL" "$TPOOL" >/dev/null 2>&1; rm -rf "$TMP"' EXIT

# shellcheck source=tools/tests/dev/tap.sh
. "$(dirname "$0")/tap.sh"

# events NAME POOL: the lines of event NAME of pool POOL in the trace read.
events() { grep -F " $1: pool=$2 " "$TMP/trace"; }
# hex N: N as the events print a block.
hex() { printf '0x%x' "$1"; }

planned=13
echo "1..$planned"

[ -d "$T/events" ] || mount -t tracefs nodev "$T"
formats() {
	for event in ckremm_alloc ckremm_free ckremm_resize ckremm_refuse \
		ckremm_reorder_step; do
		[ -r "$E/$event/format" ] || return 1
	done
}
formats
ok "the five ckremm events are in tracefs"
grep -q 'field:__data_loc char\[\] pool;' "$E/ckremm_alloc/format" &&
	grep -q 'field:u64 block;' "$E/ckremm_alloc/format" &&
	grep -q 'field:int result;' "$E/ckremm_free/format" &&
	grep -q 'field:size_t bytes_moved;' "$E/ckremm_reorder_step/format"
ok "their formats name the fields perf and trace-cmd read"

# Disabled: no event, whatever the pools do.
echo 0 >"$E/enable" && : >"$T/trace" &&
	"$CTL" create "$HPOOL" --size 64K --kind header >/dev/null &&
	"$CTL" create "$TPOOL" --size 64K --kind table >/dev/null &&
	"$CTL" alloc "$TPOOL" 100 >/dev/null &&
	! grep -q 'ckremm_' "$T/trace"
ok "disabled, the events record nothing"

echo 1 >"$E/enable" &&
	"$CTL" alloc "$HPOOL" 100 >"$TMP/hblock" &&
	"$CTL" free "$HPOOL" "$(cat "$TMP/hblock")" >/dev/null &&
	! "$CTL" free "$HPOOL" "$(cat "$TMP/hblock")" >/dev/null 2>&1 &&
	"$CTL" alloc "$TPOOL" 8000 --count 6 >"$TMP/tblocks" &&
	"$CTL" free "$TPOOL" "$(sed -n 1p "$TMP/tblocks")" >/dev/null &&
	"$CTL" free "$TPOOL" "$(sed -n 3p "$TMP/tblocks")" >/dev/null &&
	"$CTL" reorder "$TPOOL" >"$TMP/reorder" &&
	echo 0 >"$E/enable" && cat "$T/trace" >"$TMP/trace"
ok "enabled, ckremmctl's calls run and the trace reads back"

[ -d "/sys/kernel/debug/ckremm/dev-$HPOOL" ] &&
	events ckremm_alloc "dev-$HPOOL" | grep -q "size=100 block=$(hex "$(cat "$TMP/hblock")") result=0$"
ok "an allocation's event names the pool as debugfs does, its size and block"
events ckremm_alloc "dev-$HPOOL" | grep -q 'call_site=[a-z_]*+0x'
ok "... and its caller by symbol"
[ "$(events ckremm_free "dev-$HPOOL" | grep -c "block=$(hex "$(cat "$TMP/hblock")") result=")" -eq 2 ] &&
	events ckremm_free "dev-$HPOOL" | grep -q 'result=0$' &&
	events ckremm_free "dev-$HPOOL" | grep -q 'result=-22$'
ok "a free and a double free: results 0 and -EINVAL"
events ckremm_refuse "dev-$HPOOL" | grep -q 'reason=".\{8,\}"$'
ok "the double free is refused with a reason"

batch_events() {
	[ "$(wc -l <"$TMP/tblocks")" -eq 6 ] || return 1
	while read -r handle; do
		events ckremm_alloc "dev-$TPOOL" |
			grep -q "size=8000 block=$(hex "$handle") result=0$" || return 1
	done <"$TMP/tblocks"
}
batch_events
ok "a batch of six: an event per block, named by the handle ckremmctl printed"
[ "$(events ckremm_free "dev-$TPOOL" | grep -c 'result=0$')" -eq 2 ]
ok "two frees by handle, two events"

events ckremm_reorder_step "dev-$TPOOL" >"$TMP/steps"
moved=$(sed -n 's/.*: moved \([0-9]*\) bytes in.*/\1/p' "$TMP/reorder")
[ "$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^bytes_moved=/) { sub(/.*=/, "", $i); s += $i } }
	END { print s + 0 }' "$TMP/steps")" = "$moved" ] && [ "$moved" -gt 0 ]
ok "the reorder's steps moved the bytes ckremmctl reports"
[ "$(wc -l <"$TMP/steps")" -ge 2 ] && tail -n1 "$TMP/steps" | grep -q 'more=0$' &&
	[ "$(grep -c 'more=1$' "$TMP/steps")" -eq $(($(wc -l <"$TMP/steps") - 1)) ]
ok "the reorder took steps, each but the last saying there is more"

echo 1 >"$E/ckremm_alloc/enable" && : >"$T/trace" &&
	"$CTL" alloc "$HPOOL" 64 >/dev/null && echo 0 >"$E/enable" &&
	[ "$(grep -c ' ckremm_alloc: ' "$T/trace")" -eq 1 ] && ! grep -q ' ckremm_free: ' "$T/trace"
ok "one event enabled alone records only itself"

tap_end trace
