#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /sys/kernel/debug/ckremm/ against what the pools say through the device:
# the pools of samples/ckremm_sample (loaded with records=R ring_slots=S)
# and pools made with ckremmctl, their stats (a collector's and a pager's
# figures too),
# map and validate files, and a file held open while its pool is
# destroyed.  TAP output, then
# "debugfs: N passed, M failed".  Runs under busybox sh; needs root,
# debugfs mounted, ckremm.ko and ckremm_sample.ko loaded.
#
#   tools/tests/dev/debugfs_test.sh path/to/ckremmctl R S
#
# Each check is a shell condition followed by "ok NAME" (tap.sh), which
# reports the condition's status.
# shellcheck disable=SC2046,SC2086 # $COMMON and map_sums are word lists

CTL=$1
RECORDS=$2
SLOTS=$3
D=/sys/kernel/debug/ckremm
HPOOL=dbgheader$$
TPOOL=dbgtable$$
GPOOL=dbggc$$
PPOOL=dbgpager$$
SPOOL=dbgstore$$
TMP=${TMPDIR:-/tmp}/debugfs_test.$$
mkdir -p "$TMP" || exit 1
trap '"$CTL" destroy "$HPOOL" "$TPOOL" "$GPOOL" "$PPOOL" "$SPOOL" >/dev/null 2>&1; rm -rf "$TMP"' EXIT

# shellcheck source=tools/tests/dev/tap.sh
. "$(dirname "$0")/tap.sh"

# stat_of DIR KEY: the value of KEY in DIR/stats.
stat_of() { sed -n "s/^$2  *//p" "$1/stats"; }

# map_sums DIR: "<lines> <used lines> <bytes>" of DIR/map.
map_sums() {
	awk '{ n++; b += $2 } $3 == "used" { u++ }
	     END { printf "%d %d %d\n", n, u, b }' "$1/map"
}

# same_stats POOL KEYS...: the device's stats of POOL (ckremmctl) and its
# debugfs stats agree on every KEY.
same_stats() {
	pool=$1
	shift
	"$CTL" stats "$pool" >"$TMP/ctl" || return 1
	cat "$D/dev-$pool/stats" >"$TMP/debugfs" || return 1
	for key in "$@"; do
		a=$(sed -n "s/^$key  *//p" "$TMP/ctl")
		b=$(sed -n "s/^$key  *//p" "$TMP/debugfs")
		[ -n "$a" ] && [ "$a" = "$b" ] || return 1
	done
}

# same_gc_stats POOL: "ckremmctl gc stats POOL" and the gc_* lines of its
# debugfs stats agree on every figure.
same_gc_stats() {
	"$CTL" gc stats "$1" >"$TMP/ctl" || return 1
	cat "$D/dev-$1/stats" >"$TMP/debugfs" || return 1
	for key in phase cycles steps objects live_bytes allocated \
		freed_objects freed_bytes pinned max_step max_start \
		barrier_scans overflows failed_allocs meta_bytes; do
		a=$(sed -n "s/^$key  *//p" "$TMP/ctl")
		b=$(sed -n "s/^gc_$key  *//p" "$TMP/debugfs")
		[ -n "$a" ] && [ "$a" = "$b" ] || return 1
	done
}
# map_agrees DIR: the map tiles the arena and has one line per block and
# free run the stats count.
map_agrees() {
	set -- "$1" $(map_sums "$1")
	[ "$2" -eq $(($(stat_of "$1" used_blocks) + $(stat_of "$1" free_blocks))) ] &&
		[ "$3" -eq "$(stat_of "$1" used_blocks)" ] &&
		[ "$4" -eq "$(stat_of "$1" arena_size)" ]
}

COMMON="arena_size used_bytes free_bytes largest_free used_blocks free_blocks peak_used failed_allocs refused_calls frag_permille committed purged commit_failures"
# What a paged pool's pager did, under the same names in both.
PAGER="pager_period_ms pager_decay pager_reorder pager_ticks pager_purged pager_moved pager_committed pager_commit_failures pager_abandoned pager_shrink_scans pager_shrink_purged pager_shrink_moved"

planned=26
echo "TAP version 13"
echo "1..$planned"

# The sample module's pools, named by it.
rec=$D/ckremm_sample-records
ring=$D/ckremm_sample-ring
[ -r "$rec/stats" ] && [ -r "$rec/map" ] && [ -r "$rec/validate" ] &&
	[ -r "$ring/stats" ] && [ -r "$ring/map" ] && [ -r "$ring/validate" ]
ok "the sample's two pools each have stats, map and validate"
[ "$(stat_of "$rec" kind)" = table ] && [ "$(stat_of "$ring" kind)" = header ]
ok "the record store is a table pool, the ring a header pool"
[ "$(stat_of "$rec" used_blocks)" -eq $((RECORDS / 2)) ] &&
	[ "$(stat_of "$rec" reorders)" -ge 1 ]
ok "the record store holds the $((RECORDS / 2)) records kept, after a reorder"
[ "$(stat_of "$ring" used_blocks)" -eq "$SLOTS" ]
ok "the ring holds its $SLOTS messages"
[ "$(cat "$rec/validate")" = ok ] && [ "$(cat "$ring/validate")" = ok ]
ok "both of the sample's pools validate"
map_agrees "$rec" && map_agrees "$ring"
ok "the sample's maps tile their arenas, a line per block and free run"
# After the reorder the records are packed at the start: one free run.
[ "$(awk '$3 == "free"' "$rec/map" | wc -l)" -eq 1 ] &&
	[ "$(awk '$3 == "used" && $4 ~ /^[0-9]+$/' "$rec/map" | wc -l)" -eq $((RECORDS / 2)) ]
ok "the record store's map shows its handles and one free run"

# Pools made through the device, named "dev-<name>".
"$CTL" create "$HPOOL" --size 256K --kind header >/dev/null &&
	"$CTL" create "$TPOOL" --size 256K --kind table >/dev/null &&
	"$CTL" alloc "$HPOOL" 100 --count 5 >"$TMP/hblocks" &&
	"$CTL" alloc "$TPOOL" 300 --count 7 >"$TMP/tblocks" &&
	"$CTL" free "$HPOOL" "$(sed -n 2p "$TMP/hblocks")" >/dev/null &&
	"$CTL" free "$TPOOL" "$(sed -n 3p "$TMP/tblocks")" >/dev/null
ok "ckremmctl makes a header and a table pool and allocates in them"
[ -d "$D/dev-$HPOOL" ] && [ -d "$D/dev-$TPOOL" ]
ok "the device's pools appear as dev-<name>"
same_stats "$HPOOL" $COMMON
ok "a header pool's debugfs stats are what ckremmctl stats says"
same_stats "$TPOOL" $COMMON pinned_blocks table_capacity
ok "a table pool's debugfs stats are what ckremmctl stats says"
[ "$(stat_of "$D/dev-$HPOOL" used_blocks)" -eq 4 ] &&
	[ "$(stat_of "$D/dev-$TPOOL" used_blocks)" -eq 6 ]
ok "their stats count the blocks allocated and not freed"
"$CTL" validate "$HPOOL" >"$TMP/ctl" && [ "$(cat "$TMP/ctl")" = "$HPOOL: ok" ] &&
	[ "$(cat "$D/dev-$HPOOL/validate")" = ok ] &&
	"$CTL" validate "$TPOOL" >"$TMP/ctl" && [ "$(cat "$TMP/ctl")" = "$TPOOL: ok" ] &&
	[ "$(cat "$D/dev-$TPOOL/validate")" = ok ]
ok "debugfs validate agrees with ckremmctl validate"
map_agrees "$D/dev-$HPOOL" && map_agrees "$D/dev-$TPOOL"
ok "the device pools' maps tile their arenas"
# Table-pool handles in the map are the BLOCKs ckremmctl printed.
awk '$3 == "used" { print $4 }' "$D/dev-$TPOOL/map" | sort >"$TMP/maphandles"
sed 3d "$TMP/tblocks" | sort >"$TMP/ctlhandles"
cmp -s "$TMP/maphandles" "$TMP/ctlhandles"
ok "a table pool's map lists the handles ckremmctl allocated"
"$CTL" reorder "$TPOOL" >/dev/null && same_stats "$TPOOL" $COMMON table_capacity
ok "after a reorder, debugfs and ckremmctl still agree"

# A collected table pool shows its collector's figures; others have none.
"$CTL" create "$GPOOL" --size 64K --kind table >/dev/null &&
	"$CTL" gc attach "$GPOOL" --manual >/dev/null &&
	"$CTL" gc alloc "$GPOOL" 64 --slot 0 >/dev/null &&
	"$CTL" gc alloc "$GPOOL" 32 --slot 1 >/dev/null &&
	"$CTL" gc root "$GPOOL" 1 0 &&
	"$CTL" gc collect "$GPOOL" >/dev/null &&
	same_gc_stats "$GPOOL" && [ "$(stat_of "$D/dev-$GPOOL" gc_objects)" -eq 1 ] &&
	[ "$(stat_of "$D/dev-$GPOOL" gc_freed_objects)" -eq 1 ] &&
	[ "$(stat_of "$D/dev-$GPOOL" gc_cycles)" -ge 1 ]
ok "a collected pool's debugfs stats show what ckremmctl gc stats says"
! grep -q "^gc_" "$D/dev-$TPOOL/stats" && "$CTL" destroy "$GPOOL" >/dev/null
ok "a table pool without a collector shows no gc_ figures"

# A paged pool shows its committed and purged bytes and its pager's
# figures (a period so long that they hold still); others no pager_ line.
"$CTL" create "$PPOOL" --size 256K --kind table >/dev/null &&
	"$CTL" pager attach "$PPOOL" --period 60000 --decay 1000 --reorder >/dev/null &&
	"$CTL" alloc "$PPOOL" 4K --count 8 >"$TMP/pblocks" &&
	"$CTL" free "$PPOOL" $(sed -n '5,8p' "$TMP/pblocks") >/dev/null &&
	"$CTL" pager purge "$PPOOL" >/dev/null &&
	same_stats "$PPOOL" $COMMON $PAGER &&
	[ "$(stat_of "$D/dev-$PPOOL" committed)" -lt 262144 ] &&
	[ "$(stat_of "$D/dev-$PPOOL" purged)" -gt 0 ] &&
	[ "$(stat_of "$D/dev-$PPOOL" pager_period_ms)" -eq 60000 ] &&
	[ "$(stat_of "$D/dev-$PPOOL" pager_reorder)" -eq 1 ]
ok "a paged pool's debugfs stats show what ckremmctl stats says"
! grep -q "^pager_" "$D/dev-$TPOOL/stats" &&
	[ "$(stat_of "$D/dev-$TPOOL" committed)" -eq "$(stat_of "$D/dev-$TPOOL" arena_size)" ] &&
	"$CTL" destroy "$PPOOL" >/dev/null
ok "a table pool without a pager shows no pager_ figures, all committed"

# A pool with a store, one and a half arenas of blocks paged out by the
# allocations (a period so long that nothing moves after): the resident
# and paged-out space under the same names in both.
STORE="pager_resident pager_resident_blocks pager_store pager_free_target pager_store_used pager_paged_out pager_paged_out_blocks pager_zero_blocks pager_stored pager_page_outs pager_page_ins pager_page_in_eagain pager_store_written"
allocs=0
"$CTL" create "$SPOOL" --size 256K --kind table >/dev/null &&
	"$CTL" pager attach "$SPOOL" --period 60000 --store 1M >/dev/null &&
	for _ in 1 2 3; do
		"$CTL" alloc "$SPOOL" 8K --count 16 >/dev/null &&
			allocs=$((allocs + 1))
	done
[ "$allocs" -eq 3 ] && same_stats "$SPOOL" $COMMON $PAGER $STORE &&
	[ "$(stat_of "$D/dev-$SPOOL" pager_paged_out_blocks)" -gt 0 ] &&
	[ "$(stat_of "$D/dev-$SPOOL" used_bytes)" -gt 262144 ] &&
	"$CTL" destroy "$SPOOL" >/dev/null
ok "a pool with a store: debugfs shows its resident and paged-out space as ckremmctl stats does"

# The longest name the device takes shows whole.
LONG=dbglong$$_abcdefghijklmnopqrstuvwxyz
LONG=$(printf '%.31s' "$LONG")
"$CTL" create "$LONG" --size 64K >/dev/null && [ -d "$D/dev-$LONG" ] &&
	"$CTL" destroy "$LONG" >/dev/null
ok "a pool with a 31-character name shows as dev-<name>, whole"

# A file open while its pool is destroyed: reads fail, nothing breaks.
exec 3<"$D/dev-$HPOOL/map"
"$CTL" destroy "$HPOOL" >/dev/null
ok "a pool is destroyed while its map is open"
! cat <&3 >/dev/null 2>&1
ok "reading the map of a destroyed pool fails"
exec 3<&-
i=0
while [ -d "$D/dev-$HPOOL" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ ! -d "$D/dev-$HPOOL" ] && [ -d "$D/dev-$TPOOL" ]
ok "the destroyed pool's directory goes, the other stays"
"$CTL" destroy "$TPOOL" >/dev/null
i=0
while [ -d "$D/dev-$TPOOL" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ ! -d "$D/dev-$TPOOL" ]
ok "the second pool's directory goes when it is destroyed"

tap_end debugfs
