#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A short run of the benchmarks that checks that they build, run and print
# figures, and that the table and charts can be made from what they print.
# No timing is judged: a slow or noisy machine passes.
#
#   tools/bench/smoke.sh      -> last line "bench-smoke: N passed, M failed"
#
# The kernel module is built (W=1, no warnings allowed) only if the bench
# kernel has already been built; this never builds a kernel.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${BENCH_OUT:-$root/tools/build/bench}
smoke=$out/smoke
bin=$out/bin
# shellcheck source=tools/tests/lib/check.sh
. "$root/tools/tests/lib/check.sh"

# Every series a benchmark must print rows for, each row with a figure:
# a finite number above zero in the last column (a row of "nan", "inf",
# "0" or nothing is a benchmark that did not measure).
has_rows() {
	local log=$1 figure=$2 s
	shift 2
	for s in "$@"; do
		if ! grep -q "^$figure,$s," "$log"; then
			echo "# $log has no $figure row for $s" >&2
			return 1
		fi
		if ! awk -F, -v f="$figure" -v s="$s" '
			$1 == f && $2 == s {
				rows++
				if ($NF !~ /^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/ ||
				    $NF + 0 <= 0)
					bad++
			}
			END { exit !(rows && !bad) }' "$log"; then
			echo "# $log: a $figure row for $s has no figure above 0" >&2
			return 1
		fi
	done
}

run_host() {
	local name=$1
	shift
	"$bin/bench_host" "$name" "$@" >"$smoke/host-$name.log" 2>&1
}

rm -rf "$smoke"
mkdir -p "$smoke/logs"

check "host programs build (-Wall -Wextra -Werror)" \
	make -s -C "$here" BENCH_OUT="$out" all
check "bench_host speed runs" \
	run_host speed --runs 1 --ops 40000 --live 2000 --arena 8388608
check "speed prints h_pool, t_pool and glibc" \
	has_rows "$smoke/host-speed.log" host_speed h_pool t_pool glibc
check "bench_host frag runs" \
	run_host frag --seeds 1 --frag-arena 262144
check "frag prints every series of every size range" \
	has_rows "$smoke/host-frag.log" frag h_pool@16-64 t_pool_reorder@16-4096 \
	t_pool@256-16384
check "bench_host reorder runs" run_host reorder --runs 1 --arena 4194304
check "reorder prints the pool and memmove" \
	has_rows "$smoke/host-reorder.log" host_reorder t_pool_reorder memmove
check "bench_host overhead runs" run_host overhead --live 2000 --ops 4000 \
	--arena 4194304
check "overhead prints h_pool, t_pool and glibc" \
	has_rows "$smoke/host-overhead.log" overhead h_pool t_pool glibc
run_paging() { "$bin/bench_paging" "$@" >"$smoke/host-paging.log" 2>&1; }
check "bench_paging runs" run_paging --arena 8388608
check "paging prints t_pool, h_pool and glibc" \
	has_rows "$smoke/host-paging.log" paging t_pool h_pool glibc
run_zstore() { "$bin/bench_zstore" "$@" >"$smoke/host-zstore.log" 2>&1; }
check "bench_zstore runs" run_zstore --runs 1 --mib 2 --pool-mib 1 \
	--pageins 100 /usr/include
check "zstore prints lz4, liblz4 alone, zsmalloc's figure and the pool's" \
	has_rows "$smoke/host-zstore.log" zstore lz4 lz4_alone zsmalloc_published pool
check "dev_bench is built" test -x "$bin/dev_bench"

# Figure 9: binary-trees, small.  bench_gc exits 1 if a tree's node count
# is wrong and 3 if ckremm ran out of its arena (12x the live set here).
run_gc() {
	local name=$1
	shift
	"$bin/bench_gc" "$@" >"$smoke/gc-$name.log" 2>&1
}
# Each row of @metric within [lo, hi].
gc_within() {
	local log=$1 metric=$2 lo=$3 hi=$4
	awk -F, -v m="$metric" -v lo="$lo" -v hi="$hi" '
		$1 == "gc_trees" && $3 == m { rows++; if ($NF + 0 < lo || $NF + 0 > hi) bad++ }
		END { exit !(rows && !bad) }' "$log" || {
		echo "# $log: $metric not within [$lo, $hi]" >&2
		return 1
	}
}
check "bench_gc binary-trees completes on ckremm, default pacing" \
	run_gc ckremm --gc ckremm --depth 10 --live-mult 12
check "ckremm rows: time, RSS, heap, cycles, bytes per object" \
	has_rows "$smoke/gc-ckremm.log" gc_trees ckremm@10
# At least one cycle, and a heap figure no smaller than the arena in it.
gc_heap_ok() {
	awk -F, '$3 == "arena" { a = $NF } $3 == "heap_peak" { h = $NF }
		$3 == "collections" { c = $NF }
		END { exit !(c >= 1 && h >= a && a > 0) }' "$1"
}
check "ckremm collected, and its heap holds its arena" \
	gc_heap_ok "$smoke/gc-ckremm.log"
run_boehm() {
	"$bin/bench_gc" --gc boehm --depth 10 >"$smoke/gc-boehm.log" 2>&1 &&
		"$bin/bench_gc" --gc boehm-inc --depth 10 >>"$smoke/gc-boehm.log" 2>&1
}
check "bench_gc binary-trees completes on Boehm, default and incremental" \
	run_boehm
check "Boehm rows for both modes" \
	has_rows "$smoke/gc-boehm.log" gc_trees boehm@10 boehm-inc@10
check "bench_gc --pauses: ckremm's steps and allocations timed over 2 replays" \
	run_gc pauses --gc ckremm --depth 10 --live-mult 12 --pauses --replays 2
check "pauses: longest step hold above 0, below 1 s" \
	gc_within "$smoke/gc-pauses.log" step_hold_max 1 1e9
check "pauses: longest allocation above 0, below 1 s" \
	gc_within "$smoke/gc-pauses.log" alloc_max 1 1e9
check "pauses: MMU over 1 ms within [0, 1]" \
	gc_within "$smoke/gc-pauses.log" mmu_gc_1ms 0 1
check "pauses: MMU over 10 ms within [0, 1]" \
	gc_within "$smoke/gc-pauses.log" mmu_gc_10ms 0 1

# The table and charts from the smoke figures.
{
	echo "figure,series,metric,unit,run,value"
	cat "$smoke"/host-*.log "$smoke"/gc-*.log | grep -E '^[a-z_]+,[^,]+,[^,]+,[^,]+,[0-9]+,'
} >"$smoke/results.csv"
check "summarize.sh makes the table" "$here/summarize.sh" "$smoke"
check "the table has the host figures" \
	grep -q '^1 .*h_pool vs glibc .* ns ' "$smoke/table.txt"
check "the table has the collector's figures" \
	grep -q '^9 .*binary-trees 10: CPU time, ckremm vs Boehm .* ms .*boehm .* ms ' "$smoke/table.txt"
if command -v gnuplot >/dev/null; then
	check "charts.sh draws the fragmentation chart" \
		bash -c '"$1" "$2" 2>>"$2/logs/charts.log" && test -s "$2/charts/frag.svg"' _ "$here/charts.sh" "$smoke"
else
	echo "# gnuplot is not installed: charts not tried (run.sh installs it)"
fi

kdir=
for k in "${CKREMM_CACHE:-/var/cache/ckremm}"/bench-uml-*/build; do
	[[ -f $k/.ckremm-built ]] && kdir=$k
done
if [[ -n $kdir ]]; then
	check "ckremm_bench.ko builds with W=1 and no warnings" \
		bash -c '"$1" "$2" "$3" >"$4" 2>&1' _ "$here/build-kmod.sh" "$kdir" \
		"$out/kmod" "$smoke/kmod-build.log"
else
	echo "# no bench kernel built yet: ckremm_bench.ko not tried"
fi

check_end bench-smoke
