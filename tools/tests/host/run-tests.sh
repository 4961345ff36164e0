#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Run host test programs as one TAP stream: a single plan, numbers that
# run on from one program to the next, and a last line
# "host: N passed, M failed".  Exits 1 if any case failed, a program did
# not report all of its cases, has no case at all, or exited non-zero
# although every case it reported passed.
#
#   run-tests.sh [--suite NAME] [--runner COMMAND] PROGRAM...
#
# --suite names the last line ("host" by default); --runner is put before
# each program, split into words (tools/mcu runs board images under QEMU
# with "tools/mcu/run.sh BOARD").

set -u

suite=host
runner=
while [ $# -gt 1 ]; do
	case $1 in
	--suite) suite=$2 ;;
	--runner) runner=$2 ;;
	*) break ;;
	esac
	shift 2
done

# shellcheck disable=SC2086 # the runner is a command and its arguments
run() {
	$runner "$@"
}

total=0
for prog in "$@"; do
	n=$(run "$prog" --count) || { echo "# $prog --count failed" >&2; exit 2; }
	[ "$n" -gt 0 ] || { echo "# $prog has no case" >&2; exit 2; }
	total=$((total + n))
done
echo "1..$total"

start=$(date +%s)
offset=0
passed=0
failed=0
out=$(mktemp)
rc=$(mktemp)
trap 'rm -f "$out" "$rc"' EXIT INT TERM
for prog in "$@"; do
	n=$(run "$prog" --count)
	{ run "$prog" --offset=$offset 2>&1; echo $? >"$rc"; } | tee "$out"
	ok=$(grep -c '^ok ' "$out")
	bad=$(grep -c '^not ok ' "$out")
	# A program that died without reporting every case: fail the rest.
	missing=$((n - ok - bad))
	i=0
	while [ $i -lt $missing ]; do
		echo "not ok $((offset + ok + bad + i + 1)) - $(basename "$prog"): no result"
		i=$((i + 1))
	done
	# Every case passed but the program did not say so: not a pass.
	if [ "$bad" -eq 0 ] && [ "$missing" -le 0 ] && [ "$(cat "$rc")" -ne 0 ]; then
		echo "# $(basename "$prog") exited with status $(cat "$rc")"
		bad=1
	fi
	passed=$((passed + ok))
	failed=$((failed + bad + missing))
	offset=$((offset + n))
done
echo "# $(($(date +%s) - start)) s"
echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
