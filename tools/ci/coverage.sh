#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Line coverage of the portable core (ckremm/hpool/, ckremm/tpool/,
# ckremm/gc/, ckremm/segfit/, ckremm/port/ and the host port,
# ckremm/port/host/) by the host tests of tools/tests/host,
# tools/tests/tpool and tools/tests/gc, measured with gcc's
# --coverage and gcov.  The test programs are built again, instrumented
# instead of sanitized, under tools/build/coverage/, and run; their counts
# are merged line by line across programs (a line counts as covered if any
# program ran it).  The other ports (ckremm/port/linux/, .../baremetal/)
# are not compiled on the host and are not measured; KUnit, the device
# tests and the board stages cover them.
#
#   tools/ci/coverage.sh [--lines]   (make coverage)
#       --lines   also list every line no test ran
#
# Prints each module's (ckremm/hpool/, ckremm/tpool/, ckremm/gc/,
# ckremm/segfit/, ckremm/port/, ckremm/port/host/), each
# file's and the total figure; every module and the total must reach
# CKREMM_COVERAGE_MIN percent (default 95).  Last line
# "coverage: N passed, M failed", one check per module and one for the total
# (the test suites themselves must pass too, one check each).  The list of
# lines no test ran is kept in tools/build/coverage/uncovered.txt.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/../vm/lib.sh"

show_lines=0
case ${1:-} in
--lines) show_lines=1 ;;
"") ;;
*)
	echo "usage: $0 [--lines]" >&2
	exit 2
	;;
esac

min=${CKREMM_COVERAGE_MIN:-95}
out=$CKREMM_ROOT/tools/build/coverage
tests=$CKREMM_ROOT/tools/tests
passed=0
failed=0

# The tests' own build flags (-O1 among them) with --coverage in place of
# the sanitizers.  Counters are updated without atomics: with -pthread gcc
# would make every increment atomic, which makes the randomized runs
# several times slower; a lost increment in a threaded case can only lower
# a count, never hide a line that ran.
instrument="--coverage -fprofile-update=single"
host_progs=("$out/host/unit_h_pool" "$out/host/unit_h_pool_keyed"
	"$out/host/unit_port" "$out/host/model_h_pool" "$out/host/smp_h_pool")

rm -rf "$out"
mkdir -p "$out"
make -s -C "$tests/host" BUILD="$out/host" INSTRUMENT="$instrument" "${host_progs[@]}"
# tpool_tests runs its threaded case again in tpool_tests_tsan, built beside
# it under ThreadSanitizer as usual.
make -s -C "$tests/tpool" BUILD="$out/tpool" INSTRUMENT="$instrument" all
# gc_tests likewise, with the table pool built for the collector.
make -s -C "$tests/gc" BUILD="$out/gc" INSTRUMENT="$instrument" all
make -s -C "$tests/paging" BUILD="$out/paging" INSTRUMENT="$instrument" all

# suite <name> <command...>: run one instrumented suite, its TAP kept in
# $out/<name>.tap; a suite that fails counts one failure and shows why.
suite() {
	local name=$1
	shift
	if "$@" >"$out/$name.tap" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "coverage: the $name tests failed under coverage:" >&2
		grep -A3 '^not ok' "$out/$name.tap" | head -n 40 >&2 || true
	fi
	tail -n1 "$out/$name.tap"
}

start=$SECONDS
host_tests() (cd "$tests/host" && ./run-tests.sh "${host_progs[@]}")
suite host host_tests
suite tpool "$out/tpool/tpool_tests"
suite gc "$out/gc/gc_tests"
suite paging "$out/paging/paging_tests"
suite paging-moves "$out/paging/paging_moves_tests"
suite zstore "$out/paging/zstore_tests"
echo "coverage: tests ran $((SECONDS - start)) s"

# gcov's text report of every object (the port's inline functions are
# compiled into whichever file includes them): a "Source:" line per file,
# then "<count>:<line>:<text>" with count "-" for lines that hold no code
# and "#####" or "=====" for lines never run.  Sources are named relative
# to the directory each program was built in.
for dir in host tpool gc paging; do
	for gcno in "$out/$dir"/*.gcno; do
		[[ -e $gcno ]] || continue
		(cd "$tests/$dir" && gcov -t "$gcno" 2>/dev/null) |
			awk -v dir="$tests/$dir" '
				/^ *-: *0:Source:/ { sub(/^ *-: *0:Source:/, ""); src = dir "/" $0; next }
				{ print src "\t" $0 }'
	done
done >"$out/gcov.txt"

# Normalize the source paths to the checkout and keep the core's files.
awk -F'\t' -v root="$CKREMM_ROOT/" '
	function norm(p,   n, i, parts, out, k) {
		n = split(p, parts, "/")
		k = 0
		for (i = 1; i <= n; i++) {
			if (parts[i] == "" || parts[i] == ".") continue
			if (parts[i] == "..") { if (k) k--; continue }
			out[++k] = parts[i]
		}
		p = ""
		for (i = 1; i <= k; i++) p = p "/" out[i]
		return p
	}
	{
		f = norm($1)
		if (index(f, root) != 1) next
		f = substr(f, length(root) + 1)
		if (f !~ /^ckremm\/(hpool|tpool|gc|paging|port|port\/host|segfit)\/[^\/]+$/) next
		split($2, c, ":")
		count = c[1]; line = c[2] + 0
		gsub(/ /, "", count)
		if (count == "-" || line == 0) next
		key = f ":" line
		if (!(key in ran)) { ran[key] = 0; file[key] = f; lineno[key] = line }
		if (count != "#####" && count != "=====") ran[key] = 1
	}
	END {
		for (k in ran) print file[k] "\t" lineno[k] "\t" ran[k]
	}' "$out/gcov.txt" | sort -t$'\t' -k1,1 -k2,2n >"$out/lines.txt"

awk -F'\t' '$3 == 0 { print $1 ":" $2 }' "$out/lines.txt" >"$out/uncovered.txt"

if [[ ! -s $out/lines.txt ]]; then
	echo "coverage: gcov reported no line of the core" >&2
	failed=$((failed + 1))
else
	# Each module (a folder: hpool/, tpool/, gc/, port/, port/host/) and the total are held
	# to the floor; its files are shown for where the gaps are.
	while IFS=$'\t' read -r kind name total ran; do
		pct=$(awk -v r="$ran" -v t="$total" 'BEGIN { printf "%.2f", 100 * r / t }')
		if [[ $kind == file ]]; then
			verdict=""
		elif awk -v p="$pct" -v m="$min" 'BEGIN { exit !(p >= m) }'; then
			verdict=ok
			passed=$((passed + 1))
		else
			verdict="BELOW $min%"
			failed=$((failed + 1))
		fi
		printf '%-32s %5d of %5d lines  %6s%%  %s\n' "$name" "$ran" "$total" "$pct" "$verdict"
	done < <(awk -F'\t' '
		{
			m = $1
			sub(/\/[^\/]+$/, "/", m)
			t[$1]++; r[$1] += $3; mt[m]++; mr[m] += $3; T++; R += $3
		}
		END {
			for (f in t) print "file\t" f "\t" t[f] "\t" r[f]
			for (m in mt) print "module\t" m "\t" mt[m] "\t" mr[m]
		}' "$out/lines.txt" | sort -t$'\t' -k2,2 -k1,1r
		awk -F'\t' '{ T++; R += $3 } END { print "total\ttotal\t" T "\t" R }' "$out/lines.txt")
fi

echo "coverage: $(wc -l <"$out/uncovered.txt") lines never ran (listed in $out/uncovered.txt)"
if ((show_lines)); then
	cat "$out/uncovered.txt"
fi
echo "coverage: $passed passed, $failed failed"
((failed == 0))
