#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run every ckremm benchmark, print the summary table, write the figures as
# CSV and draw the charts (what the top-level "make bench" runs).
#
#   tools/bench/run.sh
#
# Outputs, in tools/build/bench/ (BENCH_OUT):
#   results.csv   every raw figure: figure,series,metric,unit,run,value
#   summary.csv   per figure, series and metric: runs, median, mean, min, max
#   table.txt     the table printed at the end; table.csv the same as CSV
#   charts/       latency.svg, frag.svg, speed.svg
#   logs/         each benchmark's full output, the UML console
#
# Benchmarks, not tests: a missed target is reported in the table, not as a
# failure.  The exit status is non-zero only if a benchmark could not run;
# the table then says which figures are missing and why.
#
# Environment:
#   BENCH_RUNS=7          measured runs of each speed figure (medians)
#   BENCH_SEEDS=20        fragmentation seeds per size range
#   BENCH_ICOUNT=1        callgrind instruction counts (0 to skip)
#   BENCH_KERNEL=1        the UML part: figures 2, 3, 5 (kernel) and 6
#   BENCH_MCU=1           the emulated boards: figure 8 (tools/mcu)
#   BENCH_GC=1            the collector's binary-trees: figure 9
#   BENCH_GC_DEPTHS="16 18"  its depths (20 needs more objects than a
#                         table pool names); BENCH_GC_RUNS=3 runs of each
#   BENCH_GENALLOC_OPS=524288  steps of the trace genalloc replays (0: all;
#                         genalloc needs about a minute per 10^6 steps)
#   BENCH_CPU=<n>         CPU to pin to (default: the last one)
#   CKREMM_CACHE          where kernels are built (default /var/cache/ckremm)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/tools/vm/lib.sh"

out=${BENCH_OUT:-$root/tools/build/bench}
runs=${BENCH_RUNS:-7}
seeds=${BENCH_SEEDS:-20}
logs=$out/logs
raw=$out/results.csv
bin=$out/bin
start_all=$SECONDS

mkdir -p "$out" "$logs" "$out/charts"
rm -f "$logs"/* "$out"/charts/*.svg "$out"/charts/*.dat
echo "figure,series,metric,unit,run,value" >"$raw"
# Figures that could not be measured, one "figure: why" per line.
missing=$out/missing.txt
: >"$missing"

say() { echo "bench: $*" >&2; }
not_measured() { echo "$1: $2" >>"$missing"; say "$1 not measured: $2"; }
# Keep the CSV rows of a benchmark's output; the rest stays in its log.
collect() { grep -E '^[a-z_]+,[^,]+,[^,]+,[^,]+,[0-9]+,[-0-9.e+]+$' "$1" >>"$raw" || true; }

# ---- tools ------------------------------------------------------------------

if ! command -v gnuplot >/dev/null; then
	say "installing gnuplot-nox from Debian's archive"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends gnuplot-nox >&2 ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends gnuplot-nox >&2; }
fi
if [[ ! -f /usr/include/gc.h ]]; then
	say "installing libgc-dev (the Boehm collector, figure 9's peer) from Debian's archive"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends libgc-dev >&2 ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends libgc-dev >&2; }
fi
pin=()
if command -v taskset >/dev/null; then
	cpu=${BENCH_CPU:-$(($(nproc) - 1))}
	pin=(taskset -c "$cpu")
	say "pinned to CPU $cpu"
fi

make -s -C "$here" BENCH_OUT="$out" all >&2

# ---- host: figures 1, 4, 5, 7 -------------------------------------------------

host() {
	local name=$1
	shift
	say "host: $name"
	if "${pin[@]}" "$bin/bench_host" "$name" "$@" >"$logs/host-$name.log" 2>&1; then
		collect "$logs/host-$name.log"
	else
		not_measured "host $name" "bench_host failed (see $logs/host-$name.log)"
	fi
}
host speed --runs "$runs"
host frag --seeds "$seeds"
host reorder --runs "$runs"
host overhead
# Figure 10: memory held after a burst (host_paging.c, a program of its own).
say "host: paging"
if "${pin[@]}" "$bin/bench_paging" >"$logs/host-paging.log" 2>&1; then
	collect "$logs/host-paging.log"
else
	not_measured "host paging" "bench_paging failed (see $logs/host-paging.log)"
fi

# Figure 11: the compressed store on real data (host_zstore.c): blocks of
# the kernel source tree in the cache if it is there, else of the
# machine's headers and package documentation.
zdata=("$CKREMM_CACHE/$CKREMM_SRC_PKG")
[[ -d ${zdata[0]}/mm ]] || zdata=(/usr/include /usr/share/doc)
say "host: zstore, blocks of ${zdata[*]}"
if "${pin[@]}" "$bin/bench_zstore" --runs "$runs" "${zdata[@]}" >"$logs/host-zstore.log" 2>&1; then
	collect "$logs/host-zstore.log"
	grep '^# ' "$logs/host-zstore.log" | sed 's/^# /bench: zstore: /' >&2
else
	not_measured "host zstore" "bench_zstore failed (see $logs/host-zstore.log)"
fi

# Instruction counts: the same trace, one replay, counted by callgrind.
if [[ ${BENCH_ICOUNT:-1} == 1 ]] && command -v valgrind >/dev/null; then
	for a in h_pool h_pool_cache h_pool_keyed t_pool glibc; do
		say "host: icount $a (callgrind)"
		cg=$logs/callgrind.$a.out
		if valgrind --tool=callgrind --toggle-collect=icount_replay \
			--callgrind-out-file="$cg" "$bin/bench_host" icount --only "$a" \
			>"$logs/icount-$a.log" 2>&1; then
			steps=$(sed -n 's/^# icount: .* replayed \([0-9]*\) steps$/\1/p' "$logs/icount-$a.log")
			instr=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$logs/icount-$a.log")
			if [[ -n $steps && -n $instr ]]; then
				echo "host_icount,$a,instr_per_op,instructions,0,$(awk -v i="$instr" -v s="$steps" 'BEGIN { printf "%.2f", i / s }')" >>"$raw"
			else
				not_measured "icount $a" "no count in $logs/icount-$a.log"
			fi
		else
			not_measured "icount $a" "valgrind failed (see $logs/icount-$a.log)"
		fi
	done
elif [[ ${BENCH_ICOUNT:-1} == 1 ]]; then
	not_measured "icount" "valgrind is not installed"
fi

# ---- the collector: figure 9 ---------------------------------------------------------

# binary-trees on ckremm's collector against Boehm's (libgc-dev), one
# process per run.  ckremm's arena is the smallest whole multiple of the
# peak live set, from 3 up, with which the run completes with the default
# pacing; the first run that completes is the first measured one.
gc_run() {
	local log=$1
	shift
	"${pin[@]}" "$bin/bench_gc" "$@" >"$log" 2>&1
}
# A measured run: its rows, or why there are none.
gc_one() {
	local what=$1 log=$2
	shift 2
	if gc_run "$log" "$@"; then
		collect "$log"
	else
		not_measured "gc $what" "bench_gc failed (see $log)"
	fi
}
gc_figures() {
	local d r m g log mult status depths
	local gruns=${BENCH_GC_RUNS:-3} start=$SECONDS

	read -ra depths <<<"${BENCH_GC_DEPTHS:-16 18}"

	for d in "${depths[@]}"; do
		say "gc: binary-trees depth $d"
		mult=
		for ((m = 3; m <= 16; m++)); do
			log=$logs/gc-ckremm-$d-x$m.log
			status=0
			gc_run "$log" --gc ckremm --depth "$d" --live-mult "$m" --run 0 || status=$?
			if ((status == 0)); then
				mult=$m
				collect "$log"
				break
			fi
			if ((status != 3)); then
				break
			fi
		done
		if [[ -z $mult ]] && ((status == 4)); then
			not_measured "gc ckremm@$d" "no arena below ${m}x the live set completed, and ${m}x holds more objects than a table pool names (see $log)"
			continue
		elif [[ -z $mult ]]; then
			not_measured "gc ckremm@$d" "no arena up to 16x the live set completed (see $log)"
			continue
		fi
		for ((r = 1; r < gruns; r++)); do
			gc_one "ckremm@$d run $r" "$logs/gc-ckremm-$d-run$r.log" \
				--gc ckremm --depth "$d" --live-mult "$mult" --run "$r"
		done
		for g in boehm boehm-inc; do
			for ((r = 0; r < gruns; r++)); do
				gc_one "$g@$d run $r" "$logs/gc-$g-$d-run$r.log" \
					--gc "$g" --depth "$d" --run "$r"
			done
		done
		# Pauses at the smallest depth: Boehm's are shortest there.
		if [[ $d == "${depths[0]}" ]]; then
			say "gc: pauses at depth $d"
			gc_one "ckremm@$d pauses" "$logs/gc-ckremm-$d-pauses.log" \
				--gc ckremm --depth "$d" --live-mult "$mult" --pauses --replays 3
			for g in boehm boehm-inc; do
				for ((r = 0; r < gruns; r++)); do
					gc_one "$g@$d pauses" "$logs/gc-$g-$d-pauses$r.log" \
						--gc "$g" --depth "$d" --pauses --run "$r"
				done
			done
			if [[ ${BENCH_ICOUNT:-1} == 1 ]] && command -v valgrind >/dev/null; then
				gc_icount 12
			fi
		fi
	done
	say "gc: $((SECONDS - start)) s"
}
# Instructions of the whole program at depth 12 (ckremm's arena 10x).
gc_icount() {
	local d=$1 g instr log

	for g in ckremm boehm; do
		say "gc: icount $g (callgrind)"
		log=$logs/gc-icount-$g.log
		if valgrind --tool=callgrind --callgrind-out-file="$logs/callgrind.gc-$g.out" \
			"$bin/bench_gc" --gc "$g" --depth "$d" --live-mult 10 >"$log" 2>&1; then
			instr=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$log")
			echo "gc_icount,$g@$d,instructions,instr,0,$instr" >>"$raw"
		else
			not_measured "gc icount $g" "valgrind failed (see $log)"
		fi
	done
}
if [[ ${BENCH_GC:-1} == 1 ]]; then
	if [[ ! -f /usr/include/gc.h ]]; then
		not_measured "gc" "libgc-dev is not installed (tools/ci/deps.sh)"
	else
		gc_figures
	fi
fi

# ---- kernel under UML: figures 2, 3, 5 (kernel), 6 ---------------------------------

kernel() {
	local kdir kbuild modbuild commands console status=0

	say "kernel: bench kernel (built once; reused while its config is unchanged)"
	if ! kdir=$("$root/tools/vm/kernel.sh" bench-uml 2>"$logs/kernel.log" | tail -n1) ||
		[[ ! -f $kdir/.ckremm-built ]]; then
		not_measured "kernel figures" "the bench kernel did not build (see $logs/kernel.log)"
		return 1
	fi
	kbuild=$out/kmod
	if ! "$here/build-kmod.sh" "$kdir" "$kbuild" >"$logs/kmod-build.log" 2>&1; then
		not_measured "kernel figures" "ckremm_bench.ko did not build (see $logs/kmod-build.log)"
		return 1
	fi
	# ckremm.ko and dev_bench for figure 6; a broken driver costs only that.
	modbuild=$CKREMM_CACHE/build-bench-uml
	local have_dev=1
	if ! "$root/tools/vm/build-module.sh" "$kdir" "$modbuild" ARCH=um \
		>"$logs/ckremm-build.log" 2>&1; then
		not_measured "dev" "ckremm.ko did not build for the bench kernel (see $logs/ckremm-build.log)"
		have_dev=0
	fi

	commands=$(mktemp)
	# The console stays quiet (dmesg -n 1) so that printk never splits a
	# row; rows are printed once everything has run.
	cat >"$commands" <<EOF
dmesg -n 1
dmesg -c >/dev/null
kstatus=0
insmod $kbuild/ckremm_bench.ko runs=$runs genalloc_ops=${BENCH_GENALLOC_OPS:-524288} || kstatus=\$?
dmesg | sed -n 's/^\(\[[^]]*\] *\)\{0,1\}ckremm_bench: //p' >/run/kbench.csv
[ \$kstatus != 0 ] || rmmod ckremm_bench
sed 's/^/ckremm-bench: /' /run/kbench.csv
dstatus=0
if [ $have_dev = 1 ]; then
	insmod $modbuild/ckremm.ko
	$bin/dev_bench --runs $runs >/run/dev.csv 2>/run/dev.err || dstatus=\$?
	rmmod ckremm
	sed 's/^/ckremm-bench: /' /run/dev.csv
	cat /run/dev.err
fi
[ \$kstatus = 0 ] && [ \$dstatus = 0 ]
EOF
	console=$logs/uml-console.log
	say "kernel: booting UML (the module runs for a few minutes)"
	CKREMM_VM_TIMEOUT=${CKREMM_VM_TIMEOUT:-1200} \
		"${pin[@]}" "$root/tools/vm/uml-run.sh" "$kdir" "$commands" "$console" \
		>"$logs/uml-run.log" 2>&1 || status=$?
	rm -f "$commands"
	tr -d '\r' <"$console" | sed -n 's/^ckremm-bench: //p' >"$logs/kernel-rows.log"
	collect "$logs/kernel-rows.log"
	if ((status)); then
		not_measured "kernel figures" "the UML run failed with status $status (see $console)"
	fi
	if ! "$root/tools/vm/logcheck.sh" "$console" >>"$logs/uml-run.log" 2>&1; then
		not_measured "kernel log" "the kernel reported a problem (see $logs/uml-run.log)"
	fi
	return 0
}
if [[ ${BENCH_KERNEL:-1} == 1 ]]; then
	kernel || true
fi

# ---- the emulated boards: figure 8 ---------------------------------------------------

# Code size, RAM and instructions per call on the Cortex-M and RISC-V
# boards under QEMU (tools/mcu/bench.sh; about a minute each).
if [[ ${BENCH_MCU:-1} == 1 ]]; then
	for board in cortex-m rv32; do
		say "mcu: $board"
		if make -s -C "$root/tools/mcu" bench BOARD="$board" \
			>"$logs/mcu-$board.log" 2>&1; then
			collect "$logs/mcu-$board.log"
		else
			not_measured "mcu $board" "the board's benchmark failed (see $logs/mcu-$board.log)"
		fi
	done
fi

# ---- summary, table, charts -------------------------------------------------------

"$here/summarize.sh" "$out"
"$here/charts.sh" "$out" || not_measured "charts" "gnuplot failed (see $logs/charts.log)"

cat "$out/table.txt"
if [[ -s $missing ]]; then
	echo
	echo "not measured:"
	sed 's/^/  /' "$missing"
fi
echo
echo "bench: raw figures in $raw; charts in $out/charts; $((SECONDS - start_all)) s"
[[ ! -s $missing ]]
