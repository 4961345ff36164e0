#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# ckremmctl against a loaded module: every verb once for real, the exit
# statuses (0 done, 1 refused, 2 usage) and the error hints.  TAP output,
# then "cli: N passed, M failed".  Runs under busybox sh; needs root and
# /dev/ckremm (or $CKREMM_DEV).
#
#   tools/tests/dev/ckremmctl_test.sh [path/to/ckremmctl]

CTL=${1:-${CKREMMCTL:-$(dirname "$0")/../../build/ckremmctl}}
POOL=clitest$$
TMP=${TMPDIR:-/tmp}/ckremmctl_test.$$
mkdir -p "$TMP" || exit 1
trap '"$CTL" destroy "$POOL" >/dev/null 2>&1; rm -rf "$TMP"' EXIT

n=0
passed=0
failed=0

# run ARGS...: run ckremmctl, keeping stdout, stderr and the exit status.
run() {
	"$CTL" "$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
}

# ok NAME CONDITION...: one TAP result from a shell test.
ok() {
	name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $name"
		passed=$((passed + 1))
	else
		echo "not ok $n - $name"
		echo "# exit status $status; stdout:"
		sed 's/^/#   /' "$TMP/out"
		echo "# stderr:"
		sed 's/^/#   /' "$TMP/err"
		failed=$((failed + 1))
	fi
}

out_has() { grep -q -- "$1" "$TMP/out"; }
err_has() { grep -q -- "$1" "$TMP/err"; }
status_is() { [ "$status" -eq "$1" ]; }

echo "TAP version 13"
echo "1..36"

run version
ok "version names the module ABI" eval 'status_is 0 && out_has "module ABI 1"'

run create "$POOL" --size 64K --mode 0640
ok "create" eval 'status_is 0 && out_has "$POOL: header pool, arena 65536 bytes"'

run create "$POOL" --size 64K
ok "create twice is refused with a hint" \
	eval 'status_is 1 && err_has "File exists" && err_has "ckremmctl destroy $POOL"'

run create other$$ --size 1K
ok "create below the smallest pool" eval 'status_is 1 && err_has "Invalid argument"'

run create "bad name" --size 64K
ok "create with a bad name is a usage error" eval 'status_is 2 && err_has "invalid pool name"'

run open "$POOL"
ok "open" eval 'status_is 0 && out_has "arena 65536 bytes"'

run --json open "$POOL" --read-only
ok "open --json" eval 'status_is 0 && out_has "\"kind\":\"header\"" && out_has "\"arena_size\":65536"'

run open nosuch$$
ok "open of an unknown pool names the fix" \
	eval 'status_is 1 && err_has "No such file or directory" && err_has "ckremmctl list"'

run alloc "$POOL" 100
off=$(cat "$TMP/out")
ok "alloc prints an offset" eval 'status_is 0 && [ -n "$off" ] && [ $((off % 16)) -eq 0 ]'

run alloc "$POOL" 64 --count 70
ok "alloc --count in batches" eval 'status_is 0 && [ "$(wc -l <"$TMP/out")" -eq 70 ]'
many=$(cat "$TMP/out")

run alloc "$POOL" 1M
ok "alloc too large names the fix" \
	eval 'status_is 1 && err_has "Cannot allocate memory" && err_has "reorder"'

run alloc "$POOL" 64 --align 3
ok "alloc with a bad alignment" eval 'status_is 1 && err_has "power of two"'

run alloc "$POOL" 64 --align 4K
ok "alloc --align" eval 'status_is 0 && [ $(($(cat "$TMP/out") % 4096)) -eq 0 ]'

run write "$POOL" "$off" --data hello
ok "write --data" status_is 0

run read "$POOL" "$off" --len 5
ok "read --len" eval 'status_is 0 && [ "$(cat "$TMP/out")" = hello ]'

run read "$POOL" "$off" --len 5 --hex
ok "read --hex" eval 'status_is 0 && out_has "68 65 6c 6c 6f" && out_has "|hello|"'

printf 'abc' >"$TMP/in"
"$CTL" write "$POOL" "$off" --pos 5 <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
status=$?
ok "write from standard input" status_is 0

run read "$POOL" "$off" --len 8
ok "read sees both writes" eval 'status_is 0 && [ "$(cat "$TMP/out")" = helloabc ]'

run write "$POOL" "$off" --pos 90 --pattern A --len 10
ok "write --pattern" status_is 0

run write "$POOL" "$off" --pos 100 --pattern A --len 100
ok "write past the block is refused" \
	eval 'status_is 1 && err_has "Invalid argument" && err_has "map $POOL"'

run read "$POOL" "$off"
ok "read to the end of the block" \
	eval 'status_is 0 && [ "$(wc -c <"$TMP/out")" -ge 100 ] && out_has AAAAAAAAAA'

run --json read "$POOL" "$off" --len 2
ok "read --json" eval 'status_is 0 && out_has "\"hex\":\"6865\""'

run realloc "$POOL" "$off" 2000
new=$(cat "$TMP/out")
ok "realloc prints the new offset" eval 'status_is 0 && [ -n "$new" ]'

run read "$POOL" "$new" --len 8
ok "realloc kept the contents" eval 'status_is 0 && [ "$(cat "$TMP/out")" = helloabc ]'

run clean "$POOL" "$new"
ok "clean" status_is 0

run read "$POOL" "$new" --len 4 --hex
ok "clean zeroed the block" eval 'status_is 0 && out_has "00 00 00 00"'

# free every other block of the batch: the arena fragments
odd=$(echo "$many" | awk 'NR % 2')
run free "$POOL" $odd
ok "free several offsets" status_is 0

run free "$POOL" $(echo "$odd" | head -n 1)
ok "double free is refused with a hint" \
	eval 'status_is 1 && err_has "Invalid argument" && err_has "map $POOL"'

run map "$POOL" --width 32 --rows 2 --ascii
ok "map draws rows and a legend" \
	eval 'status_is 0 && out_has "^0x0* |" && out_has "+" && out_has "fragmentation"'

run map "$POOL" --utf8
ok "map --utf8 shades" eval 'status_is 0 && out_has "$(printf "\342\226\210")"'

run --json stats "$POOL"
ok "stats --json" eval 'status_is 0 && out_has "\"used_blocks\":37" && out_has "\"frag_permille\":"'

run reorder "$POOL"
ok "reorder reports" eval 'status_is 0 && out_has "moved 0 bytes in 0 blocks; largest free"'

run validate "$POOL"
ok "validate" eval 'status_is 0 && out_has "$POOL: ok"'

run list
ok "list shows the pool and its mode" eval 'status_is 0 && out_has "^$POOL .* 00640 "'

run alloc "$POOL"
ok "a missing argument is a usage error" \
	eval 'status_is 2 && err_has "missing SIZE" && err_has "usage: ckremmctl alloc"'

run destroy "$POOL"
status_destroy=$status
run open "$POOL"
ok "destroy, then open fails" eval '[ $status_destroy -eq 0 ] && status_is 1'

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
