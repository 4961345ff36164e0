#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the pool and collector fuzzers, replay the committed regression
# inputs, then fuzz each for a bounded time, one fuzzer at a time.
#
#   tools/fuzz/run.sh check   replay, then FUZZ_CHECK_SECONDS (45) per pool,
#                             FUZZ_CHECK_SECONDS_gc (20) for the collector,
#                             FUZZ_CHECK_SECONDS_paging (15) for the paging
#                             module and the compressed store
#   tools/fuzz/run.sh fuzz    replay, then FUZZ_SECONDS (600) per fuzzer
#
# Every replayed file of tools/fuzz/regress/<pool>/ and every fuzzer run
# is one check; the last line is "fuzz: N passed, M failed" and the exit
# status is non-zero if M > 0.
#
# Knobs: FUZZ_SEED (fixed libFuzzer -seed, default 1), FUZZ_MAX_LEN
# (default 2048), FUZZ_POOLS (default "h_pool t_pool gc paging"),
# FUZZ_CHECK_SECONDS_<pool> (one fuzzer's time in check mode), CKREMM_CACHE.
# The working corpus of each pool accumulates in
# $CKREMM_CACHE/fuzz-corpus/<pool>; inputs that crash are saved in
# $CKREMM_CACHE/fuzz-crashes/<pool>/ and their paths printed; the
# fuzzer's output is in $CKREMM_CACHE/logs/fuzz-<pool>.log.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/vm/lib.sh
. "$here/../vm/lib.sh"

mode=${1:-check}
case $mode in
check)	seconds=${FUZZ_CHECK_SECONDS:-45} ;;
fuzz)	seconds=${FUZZ_SECONDS:-600} ;;
*)	echo "usage: $0 check|fuzz" >&2; exit 2 ;;
esac
seed=${FUZZ_SEED:-1}
max_len=${FUZZ_MAX_LEN:-2048}
pools=${FUZZ_POOLS:-h_pool t_pool gc paging}
build=$CKREMM_ROOT/tools/build/fuzz
logs=$CKREMM_CACHE/logs
passed=0
failed=0

summary() {
	echo "fuzz: $passed passed, $failed failed"
	[[ $failed -eq 0 ]]
}

mkdir -p "$logs"
if ! make -C "$here" --no-print-directory all >"$logs/fuzz-build.log" 2>&1; then
	cat "$logs/fuzz-build.log"
	echo "not ok - build the fuzzers"
	failed=1
	summary
fi

# Inputs that once failed: each must now run clean.
for pool in $pools; do
	for input in "$here/regress/$pool"/*; do
		[[ -f $input ]] || continue
		name=$pool/$(basename "$input")
		log=$logs/fuzz-replay.log
		if "$build/${pool}_fuzz" -timeout=60 "$input" >"$log" 2>&1; then
			echo "ok - replay $name"
			passed=$((passed + 1))
		else
			echo "not ok - replay $name"
			grep -m1 -E 'FUZZ FAIL|ERROR: |runtime error' "$log" | sed 's/^/#   /' || true
			echo "#   trace: FUZZ_TRACE=1 $build/${pool}_fuzz $input"
			failed=$((failed + 1))
		fi
	done
done

for pool in $pools; do
	corpus=$CKREMM_CACHE/fuzz-corpus/$pool
	crashes=$CKREMM_CACHE/fuzz-crashes/$pool
	log=$logs/fuzz-$pool.log
	mkdir -p "$corpus" "$crashes"
	stamp=$(mktemp)
	own=FUZZ_CHECK_SECONDS_$pool
	pool_seconds=$seconds
	if [[ $mode == check ]]; then
		[[ $pool == gc ]] && pool_seconds=20
		[[ $pool == paging ]] && pool_seconds=15
		pool_seconds=${!own:-$pool_seconds}
	fi
	echo "# $pool: ${pool_seconds}s, -seed=$seed -max_len=$max_len, corpus $corpus ($(find "$corpus" -type f | wc -l) inputs)"
	status=0
	# The outer timeout only guards against a fuzzer that never returns.
	timeout $((2 * pool_seconds + 300)) "$build/${pool}_fuzz" \
		-seed="$seed" -max_total_time="$pool_seconds" -max_len="$max_len" \
		-timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/" \
		"$corpus" "$build/seeds/$pool" >"$log" 2>&1 || status=$?
	grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n1 | sed 's/^/#   /' || true
	if [[ $status -eq 0 ]]; then
		echo "ok - fuzz $pool"
		passed=$((passed + 1))
	else
		echo "not ok - fuzz $pool (exit status $status, log $log)"
		grep -m1 -E 'FUZZ FAIL|ERROR: |runtime error' "$log" | sed 's/^/#   /' || true
		find "$crashes" -type f -newer "$stamp" | while read -r input; do
			echo "#   input saved: $input"
			echo "#   trace:    FUZZ_TRACE=1 $build/${pool}_fuzz $input"
			echo "#   minimise: $build/${pool}_fuzz -minimize_crash=1 -runs=100000 $input"
		done
		failed=$((failed + 1))
	fi
	rm -f "$stamp"
done

summary
