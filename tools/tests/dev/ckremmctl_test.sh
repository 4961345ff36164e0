#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# ckremmctl against a loaded module: every verb once for real, the exit
# statuses (0 done, 1 refused, 2 usage) and the error hints.  TAP output,
# then "cli: N passed, M failed".  Runs under busybox sh; needs root and
# /dev/ckremm (or $CKREMM_DEV).
#
#   tools/tests/dev/ckremmctl_test.sh [path/to/ckremmctl]
#
# Each check is a shell condition followed by "ok NAME" (tap.sh), which
# reports the condition's status.
# shellcheck disable=SC2162 # "run read ..." runs ckremmctl read

CTL=${1:-${CKREMMCTL:-$(dirname "$0")/../../build/ckremmctl}}
POOL=clitest$$
TPOOL=clitable$$
GPOOL=cligc$$
PPOOL=clipager$$
SPOOL=clistore$$
HPOOL=cliheader$$
TMP=${TMPDIR:-/tmp}/ckremmctl_test.$$
mkdir -p "$TMP" || exit 1
trap '"$CTL" destroy "$POOL" "$TPOOL" "$GPOOL" "$PPOOL" "$SPOOL" "$HPOOL" >/dev/null 2>&1; rm -rf "$TMP"' EXIT

# shellcheck source=tools/tests/dev/tap.sh
. "$(dirname "$0")/tap.sh"
status=0

# run ARGS...: run ckremmctl, keeping stdout, stderr and the exit status
# (which a failed check shows, with them).
run() {
	"$CTL" "$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
	echo "$status" >"$TMP/status"
}

out_has() { grep -q -- "$1" "$TMP/out"; }
err_has() { grep -q -- "$1" "$TMP/err"; }
status_is() { [ "$status" -eq "$1" ]; }
out_is() { [ "$(cat "$TMP/out")" = "$1" ]; }
out_lines() { [ "$(wc -l <"$TMP/out")" -eq "$1" ]; }

planned=86
echo "TAP version 13"
echo "1..$planned"

run version
status_is 0 && out_has "module ABI 2"
ok "version names the module ABI"

run create "$POOL" --size 64K --mode 0640
status_is 0 && out_has "$POOL: header pool, arena 65536 bytes"
ok "create"

run create "$POOL" --size 64K
status_is 1 && err_has "File exists" && err_has "ckremmctl destroy $POOL"
ok "create twice is refused with a hint"

run create "other$$" --size 1K
status_is 1 && err_has "Invalid argument"
ok "create below the smallest pool"

run create "bad name" --size 64K
status_is 2 && err_has "invalid pool name"
ok "create with a bad name is a usage error"

run open "$POOL"
status_is 0 && out_has "arena 65536 bytes"
ok "open"

run --json open "$POOL" --read-only
status_is 0 && out_has '"kind":"header"' && out_has '"arena_size":65536'
ok "open --json"

run open "nosuch$$"
status_is 1 && err_has "No such file or directory" && err_has "ckremmctl list"
ok "open of an unknown pool names the fix"

run alloc "$POOL" 100
off=$(cat "$TMP/out")
status_is 0 && [ -n "$off" ] && [ $((off % 16)) -eq 0 ]
ok "alloc prints an offset"

run alloc "$POOL" 64 --count 70
many=$(cat "$TMP/out")
status_is 0 && out_lines 70
ok "alloc --count in batches"

run alloc "$POOL" 1M
status_is 1 && err_has "Cannot allocate memory" && err_has "reorder"
ok "alloc too large names the fix"

run alloc "$POOL" 64 --align 3
status_is 1 && err_has "power of two"
ok "alloc with a bad alignment"

run alloc "$POOL" 64 --align 4K
status_is 0 && [ $(($(cat "$TMP/out") % 4096)) -eq 0 ]
ok "alloc --align"

run write "$POOL" "$off" --data hello
status_is 0
ok "write --data"

run read "$POOL" "$off" --len 5
status_is 0 && out_is hello
ok "read --len"

run read "$POOL" "$off" --len 5 --hex
status_is 0 && out_has "68 65 6c 6c 6f" && out_has "|hello|"
ok "read --hex"

printf 'abc' | "$CTL" write "$POOL" "$off" --pos 5 >"$TMP/out" 2>"$TMP/err"
status=$?
status_is 0
ok "write from standard input"

run read "$POOL" "$off" --len 8
status_is 0 && out_is helloabc
ok "read sees both writes"

run write "$POOL" "$off" --pos 90 --pattern A --len 10
status_is 0
ok "write --pattern"

run write "$POOL" "$off" --pos 100 --pattern A --len 100
status_is 1 && err_has "Invalid argument" && err_has "map $POOL"
ok "write past the block is refused"

run read "$POOL" "$off"
status_is 0 && [ "$(wc -c <"$TMP/out")" -ge 100 ] && out_has AAAAAAAAAA
ok "read to the end of the block"

run --json read "$POOL" "$off" --len 2
status_is 0 && out_has '"hex":"6865"'
ok "read --json"

run realloc "$POOL" "$off" 2000
new=$(cat "$TMP/out")
status_is 0 && [ -n "$new" ]
ok "realloc prints the new offset"

run read "$POOL" "$new" --len 8
status_is 0 && out_is helloabc
ok "realloc kept the contents"

run clean "$POOL" "$new"
status_is 0
ok "clean"

run read "$POOL" "$new" --len 4 --hex
status_is 0 && out_has "00 00 00 00"
ok "clean zeroed the block"

# Free every other block of the batch, so that the arena fragments.
odd=$(echo "$many" | awk 'NR % 2')
# shellcheck disable=SC2086 # one argument per offset
run free "$POOL" $odd
status_is 0
ok "free several offsets"

run free "$POOL" "$(echo "$odd" | head -n 1)"
status_is 1 && err_has "Invalid argument" && err_has "map $POOL"
ok "double free is refused with a hint"

run map "$POOL" --width 32 --rows 2 --ascii
status_is 0 && out_has "^0x0* |" && out_has "+" && out_has "fragmentation"
ok "map draws rows and a legend"

run map "$POOL" --utf8
status_is 0 && out_has "$(printf '\342\226\210')"
ok "map --utf8 shades"

# 1 + 70 + 1 allocated, 35 freed
run --json stats "$POOL"
status_is 0 && out_has '"used_blocks":37' && out_has '"frag_permille":'
ok "stats --json"

run reorder "$POOL"
status_is 0 && out_has "moved 0 bytes in 0 blocks; largest free"
ok "reorder reports"

run validate "$POOL"
status_is 0 && out_has "$POOL: ok"
ok "validate"

run list
status_is 0 && out_has "^$POOL .* 00640 "
ok "list shows the pool and its mode"

run alloc "$POOL"
status_is 2 && err_has "missing SIZE" && err_has "usage: ckremmctl alloc"
ok "a missing argument is a usage error"

run destroy "$POOL"
destroyed=$status
run open "$POOL"
[ "$destroyed" -eq 0 ] && status_is 1
ok "destroy, then open fails"

# Table pools: blocks named by handle.  The module makes them, so a
# refusal here is a failure like any other, not a reason to skip.
run create "$TPOOL" --size 64K --kind table
status_is 0 && out_has "table pool"
ok "create --kind table"

run alloc "$TPOOL" 100 --count 6
handles=$(cat "$TMP/out")
h1=$(echo "$handles" | sed -n 1p)
h6=$(echo "$handles" | sed -n 6p)
status_is 0 && out_lines 6
ok "alloc prints handles"

run write "$TPOOL" "$h6" --data table
wrote=$status
run read "$TPOOL" "$h6" --len 5
[ "$wrote" -eq 0 ] && status_is 0 && out_is table
ok "write and read by handle"

run locate "$TPOOL" "$h6"
before=$(cat "$TMP/out")
status_is 0 && out_has "^offset [0-9]* size [0-9]*$"
ok "locate"

run copy "$TPOOL" "$h1" "$h6"
copied=$status
run read "$TPOOL" "$h1" --len 5
[ "$copied" -eq 0 ] && status_is 0 && out_is table
ok "copy"

# shellcheck disable=SC2046 # one argument per handle
run free "$TPOOL" $(echo "$handles" | sed -n '2,5p')
freed=$status
run reorder "$TPOOL"
reordered=$status
moved=$(cat "$TMP/out")
run locate "$TPOOL" "$h6"
[ "$freed" -eq 0 ] && [ "$reordered" -eq 0 ] &&
	[ "${moved#*moved 0 bytes}" = "$moved" ] && ! out_is "$before"
ok "reorder moves blocks"

run realloc "$TPOOL" "$h6" 200
status_is 1 && err_has "ckremmctl copy"
ok "realloc is refused with a hint"

# The collector of a table pool.
run gc stats "$TPOOL"
status_is 1 && err_has "ckremmctl gc attach $TPOOL"
ok "gc stats of a pool without a collector names the fix"

run create "$GPOOL" --size 64K --kind table
created=$status
run gc attach "$GPOOL" --manual --roots 4 --max-pins 8
[ "$created" -eq 0 ] && status_is 0 && out_is "$GPOOL: collected"
ok "gc attach"

run gc attach "$GPOOL"
status_is 1 && err_has "File exists" && err_has "has a collector already"
ok "gc attach twice is refused with a hint"

run gc type "$GPOOL" 01
status_is 0 && out_is 2
ok "gc type prints the new type's id"

run gc type "$GPOOL" 0x2
status_is 2 && err_has "MAP must be"
ok "gc type with a bad map is a usage error"

run gc alloc "$GPOOL" 32
status_is 2 && err_has "missing --slot" && err_has "usage: ckremmctl gc alloc"
ok "gc alloc without --slot is a usage error"

run gc alloc "$GPOOL" 32 --slot 0 --type 2
parent=$(cat "$TMP/out")
status_is 0 && [ -n "$parent" ] && [ "$parent" -gt 0 ]
ok "gc alloc prints a handle"

run gc alloc "$GPOOL" 16 --slot 1 --type 1
child=$(cat "$TMP/out")
status_is 0 && [ -n "$child" ] && [ "$child" != "$parent" ]
ok "gc alloc into another slot"

run gc alloc "$GPOOL" 16 --slot 4
status_is 1 && err_has "Invalid argument"
ok "gc alloc into a slot the collector does not have"

# The child's handle as word 1 of the parent: 8 bytes, little-endian.
bytes=
i=0
while [ $i -lt 8 ]; do
	bytes="$bytes\\$(printf %03o $(((child >> (8 * i)) & 255)))"
	i=$((i + 1))
done
# shellcheck disable=SC2059 # the octal escapes are the format
printf "$bytes" >"$TMP/ref"
run write "$GPOOL" "$parent" --pos 8 <"$TMP/ref"
status_is 0
ok "a handle written into an object"

run gc root "$GPOOL" 1 0
cleared=$status
run gc root "$GPOOL" 1
[ "$cleared" -eq 0 ] && status_is 0 && out_is 0
ok "gc root sets and reads a slot"

run gc collect "$GPOOL"
collected=$status
run read "$GPOOL" "$child" --len 1
[ "$collected" -eq 0 ] && status_is 0
ok "gc collect keeps what an object reaches"

run gc root "$GPOOL" 0
status_is 0 && out_is "$parent"
ok "gc root prints the slot's handle"

run gc step "$GPOOL" --budget 8
status_is 0 && ! out_has "^phase *idle" && out_has "^work "
ok "gc step starts a cycle, one small step"

run gc root "$GPOOL" 0 0
cleared=$status
run gc collect "$GPOOL"
[ "$cleared" -eq 0 ] && status_is 0 && out_has "^freed_objects *2$" &&
	out_has "^phase *idle"
ok "gc collect frees what no root reaches"

run read "$GPOOL" "$child" --len 1
status_is 1
ok "a collected object's handle is refused"

run --json gc stats "$GPOOL"
status_is 0 && out_has '"phase":"idle"' && out_has '"objects":0' &&
	out_has '"freed_objects":2'
ok "gc stats --json"

run help gc alloc
status_is 0 && out_has "usage: ckremmctl gc alloc NAME SIZE --slot N"
ok "help gc SUBCOMMAND"

run gc nosuch "$GPOOL"
status_is 2 && err_has "unknown subcommand 'nosuch'"
ok "an unknown gc subcommand is a usage error"

# The pager of a table pool.
run create "$HPOOL" --size 64K
run pager attach "$HPOOL"
status_is 1 && err_has "Operation not supported" && err_has "--kind table"
ok "pager attach of a header pool is refused with a hint"

run create "$PPOOL" --size 1M --kind table
created=$status
run pager detach "$PPOOL"
[ "$created" -eq 0 ] && status_is 1 && err_has "ckremmctl pager attach $PPOOL"
ok "pager detach of a pool without a pager names the fix"

run stats "$PPOOL"
status_is 0 && out_has "^committed  *1048576$" && out_has "^purged  *0$" &&
	out_has "^paged  *no$" && ! out_has "^pager_"
ok "stats of a pool without a pager: all committed, not paged"

run pager attach "$PPOOL" --period 0
status_is 2 && err_has "usage: ckremmctl pager attach"
ok "pager attach --period 0 is a usage error"

run pager attach "$PPOOL" --period 10 --decay 2
status_is 0 && out_is "$PPOOL: paged"
ok "pager attach"

run pager attach "$PPOOL"
status_is 1 && err_has "File exists" && err_has "ckremmctl pager detach $PPOOL"
ok "pager attach twice is refused with a hint"

# A burst: 15 blocks of 64 KiB, then all but the first freed; the pager
# gives the free run at the top back within a few periods.
run alloc "$PPOOL" 64K --count 15
handles=$(cat "$TMP/out")
# shellcheck disable=SC2046 # one argument per handle
run free "$PPOOL" $(echo "$handles" | sed -n '2,$p')
freed=$status
committed=1048576
tries=0
while [ "$committed" -gt 262144 ] && [ "$tries" -lt 100 ]; do
	sleep 0.1
	run stats "$PPOOL"
	committed=$(sed -n 's/^committed  *//p' "$TMP/out")
	tries=$((tries + 1))
done
echo "# committed $committed bytes after $tries looks"
[ "$freed" -eq 0 ] && [ "$committed" -le 262144 ] && out_has "^paged  *yes$" &&
	out_has "^pager_period_ms  *10$" && out_has "^pager_decay  *2$" &&
	! out_has "^pager_ticks  *0$" && ! out_has "^purged  *0$" &&
	! out_has "^pager_purged  *0$"
ok "stats: what stayed free went back, and the pager says so"

run map "$PPOOL" --ascii --width 16 --rows 1
status_is 0 && out_has "|#\.*__*|$" && out_has "_ given back" &&
	out_has "^committed $committed bytes"
ok "map draws the run given back"

run alloc "$PPOOL" 64K --count 8
allocated=$status
run stats "$PPOOL"
[ "$allocated" -eq 0 ] &&
	[ "$(sed -n 's/^committed  *//p' "$TMP/out")" -ge $((9 * 65536)) ]
ok "allocations take pages again"

run pager purge "$PPOOL" --keep 64K
status_is 0 && out_has "^$PPOOL: gave back [0-9]* bytes"
ok "pager purge"

run --json stats "$PPOOL"
status_is 0 && out_has '"paged":true' && out_has '"pager_period_ms":10' &&
	out_has '"committed":'
ok "stats --json shows the pager"

run pager detach "$PPOOL"
detached=$status
run stats "$PPOOL"
[ "$detached" -eq 0 ] && out_has "^committed  *1048576$" && out_has "^paged  *no$"
ok "pager detach takes every page again"

run help pager purge
status_is 0 && out_has "usage: ckremmctl pager purge NAME"
ok "help pager SUBCOMMAND"

run pager nosuch "$PPOOL"
status_is 2 && err_has "unknown subcommand 'nosuch'"
ok "an unknown pager subcommand is a usage error"

# A pager with a compressed store: a pool that holds more than its arena.
# UML's kernel has LZ4 built in, so the module has the store's codec.
stat_of() { sed -n "s/^$1  *//p" "$TMP/out"; }
grep -q ' ckremm_codec_lz4' /proc/kallsyms
ok "the module has the store's codec"

run pager attach "$SPOOL" --free-target 64K
status_is 2 && err_has "free-target needs --store"
ok "pager attach --free-target without --store is a usage error"

run create "$SPOOL" --size 256K --kind table
run alloc "$SPOOL" 4K
first=$(cat "$TMP/out")
run pager attach "$SPOOL" --store 1M
status_is 1 && err_has "Device or resource busy" && err_has "no block yet"
ok "pager attach --store of a pool with a block is refused with a hint"

run free "$SPOOL" "$first"
run pager attach "$SPOOL" --period 10 --store 1M --free-target 64K
status_is 0 && out_is "$SPOOL: paged"
ok "pager attach --store --free-target"

# Two arenas of blocks, every other one with a letter of its own (the
# rest zeros); a batch must fit in the arena, so four of a half arena.
allocated=0
: >"$TMP/handles"
for batch in 1 2 3 4; do
	"$CTL" alloc "$SPOOL" 8K --count 16 >>"$TMP/handles" || allocated=$batch
done
i=0
while read -r h; do
	i=$((i + 1))
	[ $((i % 2)) -eq 1 ] || continue
	"$CTL" write "$SPOOL" "$h" --pattern $((0x40 + i / 2)) --len 8192 ||
		allocated=1
done <"$TMP/handles"
run read "$SPOOL" "$(sed -n 3p "$TMP/handles")" --pos 8000 --len 4 --hex
[ "$allocated" -eq 0 ] && status_is 0 && out_has "|AAAA|"
ok "a pool with a store takes twice its arena and reads back"

run stats "$SPOOL"
used=$(stat_of used_bytes)
resident=$(stat_of pager_resident)
out=$(stat_of pager_paged_out)
echo "# used $used, resident $resident, paged out $out"
status_is 0 && out_has "^pager_store  *1048576$" &&
	out_has "^pager_free_target  *65536$" && [ "${out:-0}" -gt 0 ] &&
	[ $((resident + out)) -eq "$used" ] && [ "$used" -gt 262144 ] &&
	! out_has "^pager_page_outs  *0$" && ! out_has "^pager_page_ins  *0$" &&
	! out_has "^pager_stored  *0$" && ! out_has "^pager_zero_blocks  *0$"
ok "stats: resident and paged-out space add up to the used bytes"

run --json stats "$SPOOL"
status_is 0 && out_has '"pager_store":1048576' &&
	out_has '"pager_paged_out_blocks":[1-9]'
ok "stats --json shows the store"

run map "$SPOOL" --ascii --width 16 --rows 1
status_is 0 &&
	out_has "^paged out [0-9]* bytes (.*) in [0-9]* blocks (.* of zeros), not in the arena; stored in [0-9]* bytes$"
ok "map counts the blocks paged out"

run --json map "$SPOOL"
status_is 0 && out_has '"store":true' && out_has '"paged_out_blocks":[1-9]'
ok "map --json counts them too"

run pager detach "$SPOOL"
status_is 1 && err_has "Device or resource busy" && err_has "keeps its pager"
ok "pager detach of a pool with a store is refused with a hint"

tap_end cli
