#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Draw the benchmark charts with gnuplot, as SVG.
#
#   tools/bench/charts.sh <bench out dir>
#
# From <dir>/results.csv and <dir>/summary.csv, into <dir>/charts/:
#   latency.svg  figure 3: per-step latency with interrupts off, as the
#                fraction of steps that take at least x ns (log-log)
#   frag.svg     figure 4: occupancy at the first failed allocation per
#                size range and allocator
#   speed.svg    figures 1 and 2: ns per trace step, medians; for UML also
#                the figure with the host's interruptions removed
# A chart whose figures are missing is skipped.  gnuplot's messages go to
# <dir>/logs/charts.log.
set -euo pipefail

if (($# != 1)); then
	echo "usage: $0 <bench out dir>" >&2
	exit 2
fi
dir=$1
charts=$dir/charts
log=$dir/logs/charts.log
mkdir -p "$charts" "$dir/logs"
: >"$log"
term='set terminal svg size 860,560 noenhanced font "sans,13" background rgb "white"'
# Clustered bars, one cluster per row of the data file, the key below.
histogram='set grid ytics
set key outside bottom center horizontal maxrows 2
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9'

# ---- latency: exceedance curves -------------------------------------------------

# kernel_latcurve,<series>,exceed=<cnt>/<n>,ns,0,<ns>  ->  "<ns> <cnt/n>"
for s in h_pool t_pool kmalloc h_pool_1rep t_pool_1rep kmalloc_1rep; do
	awk -F, -v s="$s" '$1 == "kernel_latcurve" && $2 == s {
		split(substr($3, 8), f, "/")
		printf "%g %.9g\n", $6, f[1] / f[2]
	}' "$dir/results.csv" >"$charts/lat-$s.dat"
done
if [[ -s $charts/lat-h_pool.dat ]]; then
	gnuplot >>"$log" 2>&1 <<EOF
$term
set output "$charts/latency.svg"
set title "Per-operation latency in the kernel (UML), interrupts off"
set xlabel "latency of one alloc or free (ns, includes ~1 clock read)"
set ylabel "fraction of operations at least this slow"
set logscale xy
set format y "1e%L"
set grid
set key top right
plot "$charts/lat-h_pool.dat" using 1:2 with steps lw 2 lc rgb "#1b9e77" title "h_pool", \
     "$charts/lat-t_pool.dat" using 1:2 with steps lw 2 lc rgb "#d95f02" title "t_pool (handles)", \
     "$charts/lat-kmalloc.dat" using 1:2 with steps lw 2 lc rgb "#7570b3" title "kmalloc", \
     "$charts/lat-h_pool_1rep.dat" using 1:2 with steps lw 1 dt 2 lc rgb "#1b9e77" title "h_pool, one replay (host noise kept)", \
     "$charts/lat-t_pool_1rep.dat" using 1:2 with steps lw 1 dt 2 lc rgb "#d95f02" title "t_pool, one replay", \
     "$charts/lat-kmalloc_1rep.dat" using 1:2 with steps lw 1 dt 2 lc rgb "#7570b3" title "kmalloc, one replay"
EOF
else
	echo "charts: no latency figures; latency.svg skipped" >&2
fi

# ---- fragmentation: occupancy per size range ------------------------------------

awk -F, '$1 == "frag" && $3 == "occupancy" {
	split($2, p, "@")
	occ[p[2], p[1]] = $7
	if (!(p[2] in seen)) { seen[p[2]] = 1; order[++n] = p[2] }
}
END {
	for (i = 1; i <= n; i++)
		printf "%s %s %s %s %s\n", order[i], occ[order[i], "h_pool"],
			occ[order[i], "h_pool_cache"],
			occ[order[i], "t_pool_reorder"], occ[order[i], "t_pool"]
}' "$dir/summary.csv" >"$charts/frag.dat"
if [[ -s $charts/frag.dat ]]; then
	gnuplot >>"$log" 2>&1 <<EOF
$term
set output "$charts/frag.svg"
set title "Occupancy at the first failed allocation (mean of seeds)"
set xlabel "request sizes (bytes, log-uniform)"
set ylabel "live requested bytes / arena (%)"
set yrange [50:100]
set xrange [-0.6:3.6]
$histogram
set arrow from graph 0, first 96 to graph 1, first 96 nohead dt 2 lc rgb "#1b9e77"
set arrow from graph 0, first 99.5 to graph 1, first 99.5 nohead dt 2 lc rgb "#d95f02"
plot "$charts/frag.dat" using (100*\$2):xtic(1) lc rgb "#1b9e77" title "h_pool (target 96% on 16-4096, 70% on 16-64)", \
     "" using (100*\$3) lc rgb "#66c2a5" title "h_pool with H_POOL_CACHE", \
     "" using (100*\$4) lc rgb "#d95f02" title "t_pool, reorder on failure (target 99.5%, 90% on 16-64)", \
     "" using (100*\$5) lc rgb "#bbbbbb" title "t_pool, no reorder"
EOF
else
	echo "charts: no fragmentation figures; frag.svg skipped" >&2
fi

# ---- speed: ns per step ------------------------------------------------------------

# One line per group: "<label>" h_pool h_pool_cache t_pool peer.
awk -F, '
	($1 == "host_speed" || $1 == "kernel_speed") &&
	($3 == "ns_per_op" || $3 == "ns_per_op_min") &&
	$2 != "genalloc" && $2 != "h_pool_genalloc_steps" {
		if ($1 == "host_speed")
			group = "host"
		else if ($3 == "ns_per_op")
			group = "UML"
		else
			group = "UML, noise removed"
		who = $2 == "glibc" || $2 == "kmalloc" ? "peer" : $2
		v[group, who] = $6
		if (!(group in seen)) { seen[group] = 1; order[++n] = group }
	}
	END {
		for (i = 1; i <= n; i++)
			printf "\"%s\" %s %s %s %s\n", order[i], v[order[i], "h_pool"],
				v[order[i], "h_pool_cache"], v[order[i], "t_pool"],
				v[order[i], "peer"]
	}' "$dir/summary.csv" >"$charts/speed.dat"
if [[ -s $charts/speed.dat ]]; then
	gnuplot >>"$log" 2>&1 <<EOF
$term
set output "$charts/speed.svg"
set title "ns per alloc or free on the same random trace (medians of runs)"
set ylabel "ns per operation"
set yrange [0:*]
$histogram
plot "$charts/speed.dat" using 2:xtic(1) lc rgb "#1b9e77" title "h_pool", \
     "" using 3 lc rgb "#66c2a5" title "h_pool with H_POOL_CACHE", \
     "" using 4 lc rgb "#d95f02" title "t_pool (handles)", \
     "" using 5 lc rgb "#7570b3" title "peer: glibc on the host, kmalloc in the kernel"
EOF
fi
ls "$charts"/*.svg >/dev/null 2>&1
