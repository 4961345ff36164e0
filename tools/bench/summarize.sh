#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Turn the raw figures of a benchmark run into the summary and the table.
#
#   tools/bench/summarize.sh <bench out dir>
#
# Reads <dir>/results.csv (figure,series,metric,unit,run,value) and writes
#   summary.csv  figure,series,metric,unit,runs,median,mean,min,max
#   table.txt    figure | value | peer | ratio | target | met?
#   table.csv    the same rows as CSV
# Speed figures are quoted as medians over runs; the fragmentation figure
# as the mean over seeds, as the issue asks.  A figure with no rows shows
# as "not measured".
set -euo pipefail

if (($# != 1)); then
	echo "usage: $0 <bench out dir>" >&2
	exit 2
fi
dir=$1
raw=$dir/results.csv

# Per key, the values sorted; median, mean, min, max.  Plain awk (mawk has
# no asort): runs are few, an insertion sort is enough.
awk -F, 'NR > 1 && NF == 6 {
	key = $1 "," $2 "," $3 "," $4
	if (!(key in n)) order[++keys] = key
	v[key, ++n[key]] = $6 + 0
}
END {
	print "figure,series,metric,unit,runs,median,mean,min,max"
	for (k = 1; k <= keys; k++) {
		key = order[k]
		c = n[key]
		for (i = 1; i <= c; i++) s[i] = v[key, i]
		for (i = 2; i <= c; i++) {
			x = s[i]
			for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]
			s[j + 1] = x
		}
		sum = 0
		for (i = 1; i <= c; i++) sum += s[i]
		med = c % 2 ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
		printf "%s,%d,%.6g,%.6g,%.6g,%.6g\n", key, c, med, sum / c, s[1], s[c]
	}
}' "$raw" >"$dir/summary.csv"

awk -F, -v table_csv="$dir/table.csv" '
NR > 1 && $1 == "gc_trees" && $2 ~ /^ckremm@[0-9]+$/ {
	d = substr($2, 8) + 0
	if (!(d in gcdepth)) { gcdepth[d] = 1; gcdepths = gcdepths " " d }
}
NR > 1 {
	med[$1 "," $2 "," $3] = $6
	mean[$1 "," $2 "," $3] = $7
	runs[$1 "," $2 "," $3] = $5
}
function has(k) { return k in med }
function num(x, unit) {
	if (unit == "%") return sprintf("%.2f %%", 100 * x)
	if (unit == "ns") return sprintf("%.1f ns", x)
	if (unit == "B" && x >= 1048576) return sprintf("%.2f MiB", x / 1048576)
	if (unit == "B" && x >= 10240) return sprintf("%.1f KiB", x / 1024)
	if (unit == "B") return sprintf("%.1f B", x)
	if (unit == "MB/s") return sprintf("%.0f MB/s", x)
	if (unit == "instr") return sprintf("%.1f instr", x)
	return sprintf("%.4g %s", x, unit)
}
function out(fig, label, value, peer, ratio, target, met) {
	printf "%-3s %-50s %-15s %-24s %-9s %-16s %s\n", fig, label, value, peer, ratio, target, met
	gsub(/"/, "", label)
	printf "%s,\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",%s\n", fig, label, value, peer, ratio, target, met >table_csv
}
function missing(fig, label, target) {
	out(fig, label, "not measured", "-", "-", target, "-")
}
# value v against peer p: ratio r = v / p; goal "le" or "ge" the limit.
function cmp(fig, label, vk, vunit, pk, pname, scale, goal, limit, target,   v, p, r, met) {
	if (!has(vk) || !has(pk)) { missing(fig, label, target); return }
	v = med[vk]; p = med[pk] * scale
	r = p ? v / p : 0
	met = "-"
	if (goal == "le") met = r <= limit ? "yes" : sprintf("NO (%.2fx over)", r / limit)
	if (goal == "ge") met = r >= limit ? "yes" : sprintf("NO (%.2fx under)", limit / r)
	out(fig, label, num(v, vunit), pname " " num(p, vunit), sprintf("%.3fx", r), target, met)
}
# A lone value against a limit.
function alone(fig, label, vk, use_mean, vunit, goal, limit, target, pk, pname,   v, p, met, peer) {
	if (!has(vk)) { missing(fig, label, target); return }
	v = use_mean ? mean[vk] : med[vk]
	met = "-"
	if (goal == "ge") met = v >= limit ? "yes" : sprintf("NO (%.2f pts under)", 100 * (limit - v))
	if (goal == "le") met = v <= limit ? "yes" : "NO"
	peer = "-"
	if (pk != "" && has(pk)) {
		p = use_mean ? mean[pk] : med[pk]
		peer = pname " " num(p, vunit)
	}
	out(fig, label, num(v, vunit), peer, "-", target, met)
}
# The key prefixes of figure 9 at depth d: ckremm, Boehm, Boehm incremental.
function gc_keys(d) {
	c = "gc_trees,ckremm@" d ","
	b = "gc_trees,boehm@" d ","
	bi = "gc_trees,boehm-inc@" d ","
}
END {
	printf "fig,figure,value,peer,ratio,target,met\n" >table_csv
	printf "%-3s %-50s %-15s %-24s %-9s %-16s %s\n", "fig", "figure (medians; frag: mean of seeds)", "value", "peer", "ratio", "target", "met?"
	print "--- -------------------------------------------------- --------------- ------------------------ --------- ---------------- ----"

	cmp(1, "host ns/op: h_pool vs glibc", "host_speed,h_pool,ns_per_op", "ns", "host_speed,glibc,ns_per_op", "glibc", 1, "le", 0.5, "<= 0.50x")
	cmp(1, "  h_pool with H_POOL_CACHE vs glibc", "host_speed,h_pool_cache,ns_per_op", "ns", "host_speed,glibc,ns_per_op", "glibc", 1, "le", 0.5, "<= 0.50x")
	cmp(1, "host ns/op: t_pool handles vs glibc", "host_speed,t_pool,ns_per_op", "ns", "host_speed,glibc,ns_per_op", "glibc", 1, "le", 1.0, "<= 1.00x")
	cmp(1, "host instr/op (callgrind): h_pool vs glibc", "host_icount,h_pool,instr_per_op", "instr", "host_icount,glibc,instr_per_op", "glibc", 1, "le", 0.75, "<= 0.75x")
	cmp(1, "  h_pool with H_POOL_CACHE vs glibc", "host_icount,h_pool_cache,instr_per_op", "instr", "host_icount,glibc,instr_per_op", "glibc", 1, "le", 0.75, "<= 0.75x")
	cmp(1, "  h_pool with H_POOL_KEYED vs glibc", "host_icount,h_pool_keyed,instr_per_op", "instr", "host_icount,glibc,instr_per_op", "glibc", 1, "", 0, "-")
	cmp(1, "host instr/op (callgrind): t_pool vs glibc", "host_icount,t_pool,instr_per_op", "instr", "host_icount,glibc,instr_per_op", "glibc", 1, "le", 1.0, "<= 1.00x")

	cmp(2, "UML ns/op: h_pool vs kmalloc", "kernel_speed,h_pool,ns_per_op", "ns", "kernel_speed,kmalloc,ns_per_op", "kmalloc", 1, "le", 1.0, "<= 1.00x")
	cmp(2, "  h_pool with H_POOL_CACHE vs kmalloc", "kernel_speed,h_pool_cache,ns_per_op", "ns", "kernel_speed,kmalloc,ns_per_op", "kmalloc", 1, "le", 1.0, "<= 1.00x")
	cmp(2, "UML ns/op: t_pool handles vs kmalloc", "kernel_speed,t_pool,ns_per_op", "ns", "kernel_speed,kmalloc,ns_per_op", "kmalloc", 1, "le", 0.8, "<= 0.80x")
	cmp(2, "UML ns/op: h_pool vs genalloc (same steps)", "kernel_speed,h_pool_genalloc_steps,ns_per_op", "ns", "kernel_speed,genalloc,ns_per_op", "genalloc", 1, "le", 0.02, "<= 0.02x (50x)")
	cmp(2, "  host noise removed: h_pool vs kmalloc", "kernel_speed,h_pool,ns_per_op_min", "ns", "kernel_speed,kmalloc,ns_per_op_min", "kmalloc", 1, "le", 1.0, "<= 1.00x")
	cmp(2, "  host noise removed: t_pool vs kmalloc", "kernel_speed,t_pool,ns_per_op_min", "ns", "kernel_speed,kmalloc,ns_per_op_min", "kmalloc", 1, "", 0, "-")
	cmp(2, "  host noise removed: h_pool vs genalloc", "kernel_speed,h_pool_genalloc_steps,ns_per_op_min", "ns", "kernel_speed,genalloc,ns_per_op_min", "genalloc", 1, "le", 0.02, "<= 0.02x (50x)")

	cmp(3, "UML irqs-off latency: h_pool max vs p50", "kernel_latency,h_pool,max", "ns", "kernel_latency,h_pool,p50", "p50", 1, "le", 20, "<= 20x")
	cmp(3, "  same, first call on a new pool left out", "kernel_latency,h_pool,max_after_first", "ns", "kernel_latency,h_pool,p50", "p50", 1, "le", 20, "<= 20x")
	cmp(3, "  the first call on a new pool (cold caches)", "kernel_latency,h_pool,first", "ns", "kernel_latency,h_pool,p50", "p50", 1, "", 0, "-")
	cmp(3, "  same, one replay (host noise kept)", "kernel_latency,h_pool_1rep,max", "ns", "kernel_latency,h_pool_1rep,p50", "p50", 1, "le", 20, "<= 20x")
	cmp(3, "  H_POOL_CACHE: max vs p50, first call left out", "kernel_latency,h_pool_cache,max_after_first", "ns", "kernel_latency,h_pool_cache,p50", "p50", 1, "le", 20, "<= 20x")
	cmp(3, "  H_POOL_CACHE: p99.99 vs p50", "kernel_latency,h_pool_cache,p99.99", "ns", "kernel_latency,h_pool_cache,p50", "p50", 1, "", 0, "-")
	cmp(3, "  h_pool p99.99 vs p50", "kernel_latency,h_pool,p99.99", "ns", "kernel_latency,h_pool,p50", "p50", 1, "", 0, "-")
	cmp(3, "  h_pool p99 vs kmalloc p99", "kernel_latency,h_pool,p99", "ns", "kernel_latency,kmalloc,p99", "kmalloc", 1, "", 0, "-")
	cmp(3, "  h_pool p99.9 vs kmalloc p99.9", "kernel_latency,h_pool,p99.9", "ns", "kernel_latency,kmalloc,p99.9", "kmalloc", 1, "", 0, "-")
	cmp(3, "  h_pool max vs kmalloc max", "kernel_latency,h_pool,max", "ns", "kernel_latency,kmalloc,max", "kmalloc", 1, "", 0, "-")
	cmp(3, "  t_pool max vs p50", "kernel_latency,t_pool,max", "ns", "kernel_latency,t_pool,p50", "p50", 1, "", 0, "-")
	cmp(3, "  t_pool max vs p50, first call left out", "kernel_latency,t_pool,max_after_first", "ns", "kernel_latency,t_pool,p50", "p50", 1, "", 0, "-")
	cmp(3, "  kmalloc max vs p50", "kernel_latency,kmalloc,max", "ns", "kernel_latency,kmalloc,p50", "p50", 1, "", 0, "-")
	cmp(3, "  clock alone (timer cost) max vs p50", "kernel_latency,clock,max", "ns", "kernel_latency,clock,p50", "p50", 1, "", 0, "-")

	n = split("16-64 16-512 16-4096 256-16384", range, " ")
	for (i = 1; i <= n; i++) {
		r = range[i]
		if (r == "16-4096") {
			alone(4, "occupancy at 1st failure " r ": h_pool", "frag,h_pool@" r ",occupancy", 1, "%", "ge", 0.96, ">= 96%", "", "")
			alone(4, "  " r ": h_pool with H_POOL_CACHE", "frag,h_pool_cache@" r ",occupancy", 1, "%", "ge", 0.96, ">= 96%", "", "")
		} else if (r == "16-64") {
			alone(4, "occupancy at 1st failure " r ": h_pool", "frag,h_pool@" r ",occupancy", 1, "%", "ge", 0.70, ">= 70%", "", "")
		} else {
			alone(4, "occupancy at 1st failure " r ": h_pool", "frag,h_pool@" r ",occupancy", 1, "%", "", 0, "-", "", "")
		}
		if (r == "16-64")
			alone(4, "  " r ": t_pool + reorder (peer: without)", "frag,t_pool_reorder@" r ",occupancy", 1, "%", "ge", 0.90, ">= 90%", "frag,t_pool@" r ",occupancy", "no-reorder")
		else if (r == "16-512")
			alone(4, "  " r ": t_pool + reorder (peer: without)", "frag,t_pool_reorder@" r ",occupancy", 1, "%", "", 0, "-", "frag,t_pool@" r ",occupancy", "no-reorder")
		else
			alone(4, "  " r ": t_pool + reorder (peer: without)", "frag,t_pool_reorder@" r ",occupancy", 1, "%", "ge", 0.995, ">= 99.5%", "frag,t_pool@" r ",occupancy", "no-reorder")
	}
	alone(4, "  16-4096 used bytes (rounded), h_pool", "frag,h_pool@16-4096,used", 1, "%", "", 0, "-", "", "")
	alone(4, "  16-4096 used bytes (rounded), t_pool+reorder", "frag,t_pool_reorder@16-4096,used", 1, "%", "", 0, "-", "", "")

	cmp(5, "host compaction MB/s: t_pool_reorder vs memmove", "host_reorder,t_pool_reorder,mb_per_s", "MB/s", "host_reorder,memmove,mb_per_s", "memmove", 1, "ge", 0.5, ">= 0.50x")
	cmp(5, "  same with 1 MiB steps", "host_reorder,t_pool_reorder_1m,mb_per_s", "MB/s", "host_reorder,memmove,mb_per_s", "memmove", 1, "ge", 0.5, ">= 0.50x")
	cmp(5, "UML compaction MB/s: t_pool_reorder vs memmove", "kernel_reorder,t_pool_reorder,mb_per_s", "MB/s", "kernel_reorder,memmove,mb_per_s", "memmove", 1, "ge", 0.5, ">= 0.50x")

	cmp(6, "ioctl ALLOC+FREE pair vs 2 no-op ioctls", "dev,alloc_free,ns_per_pair", "ns", "dev,noop,ns_per_call", "2x no-op", 2, "le", 1.5, "<= 1.50x")
	if (has("dev,batch64,ns_per_64") && has("dev,single64,ns_per_64")) {
		v = med["dev,batch64,ns_per_64"]; p = med["dev,single64,ns_per_64"]
		r = p / v
		out(6, "batch of 64 alloc+free: throughput vs singles", num(v, "ns"), "64 singles " num(p, "ns"), sprintf("%.2fx", r), ">= 10x", r >= 10 ? "yes" : sprintf("NO (%.2fx under)", 10 / r))
	} else {
		missing(6, "batch of 64 alloc+free: throughput vs singles", ">= 10x")
	}

	cmp(7, "bytes per block beyond request: h_pool", "overhead,h_pool,bytes_per_block", "B", "overhead,glibc,bytes_per_block", "glibc", 1, "", 0, "-")
	alone(7, "  of which the inline header", "overhead,h_pool,header_bytes_per_block", 0, "B", "", 0, "-", "", "")
	cmp(7, "bytes per block: t_pool (rounding + table slot)", "overhead,t_pool,bytes_per_block", "B", "overhead,glibc,bytes_per_block", "glibc", 1, "", 0, "-")
	alone(7, "  of which the tables, per block", "overhead,t_pool,table_bytes_per_block", 0, "B", "le", 24, "<= 24 B", "", "")
	alone(7, "bytes per block: kmalloc (ksize - request)", "kernel_overhead,kmalloc,bytes_per_block", 0, "B", "", 0, "-", "", "")
	alone(7, "metadata per pool outside the arena: h_pool", "overhead,h_pool,meta_bytes_per_pool", 0, "B", "", 0, "-", "", "")
	alone(7, "  t_pool (tables sized for the speed trace)", "overhead,t_pool,meta_bytes_per_pool", 0, "B", "", 0, "-", "", "")

	# Figure 9: the collector, binary-trees against the Boehm collector (libgc).
	# The depths measured, in order; the default ones if none was.
	nd = split(gcdepths == "" ? "16 18 20" : gcdepths, depth, " ")
	for (i = 2; i <= nd; i++) {
		x = depth[i]
		for (j = i - 1; j >= 1 && depth[j] + 0 > x + 0; j--) depth[j + 1] = depth[j]
		depth[j + 1] = x
	}
	for (i = 1; i <= nd; i++) {
		d = depth[i]
		gc_keys(d)
		cmp(9, "binary-trees " d ": CPU time, ckremm vs Boehm", c "cpu_time", "ms", b "cpu_time", "boehm", 1, "le", 1.5, "<= 1.50x")
		cmp(9, "  vs Boehm incremental", c "cpu_time", "ms", bi "cpu_time", "b-inc", 1, "le", 1.5, "<= 1.50x")
		cmp(9, "  peak RSS vs Boehm", c "peak_rss", "KiB", b "peak_rss", "boehm", 1, "le", 1, "<= 1.00x")
		cmp(9, "  peak RSS vs Boehm incremental", c "peak_rss", "KiB", bi "peak_rss", "b-inc", 1, "le", 1, "<= 1.00x")
		cmp(9, "  heap: arena+table+gc vs GC_get_heap_size", c "heap_peak", "B", b "heap_peak", "boehm", 1, "le", 1, "<= 1.00x")
		alone(9, "  ckremm arena, multiple of peak live set", c "live_mult", 0, "x", "", 0, "-", "", "")
		alone(9, "  ckremm cycles (peer: Boehm collections)", c "collections", 0, "count", "", 0, "-", b "collections", "boehm")
	}
	d = depth[1]
	gc_keys(d)
	cmp(9, "depth " d ": longest step hold vs Boehm longest GC", c "step_hold_max", "ns", b "gc_event_max", "boehm", 1, "le", 0.01, "<= 0.01x")
	cmp(9, "  same, one replay (host noise kept)", c "step_hold_max_1rep", "ns", b "gc_event_max", "boehm", 1, "", 0, "-")
	cmp(9, "  longest alloc vs longest GC_malloc", c "alloc_max", "ns", b "alloc_max", "boehm", 1, "le", 0.01, "<= 0.01x")
	cmp(9, "  longest alloc vs incremental GC_malloc", c "alloc_max", "ns", bi "alloc_max", "b-inc", 1, "le", 0.01, "<= 0.01x")
	cmp(9, "  same, one replay (host noise kept)", c "alloc_max_1rep", "ns", bi "alloc_max", "b-inc", 1, "", 0, "-")
	cmp(9, "  Boehm incremental: longest GC event", bi "gc_event_max", "ns", b "gc_event_max", "boehm", 1, "", 0, "-")
	cmp(9, "  MMU 1 ms, collector time vs Boehm", c "mmu_gc_1ms", "%", b "mmu_gc_1ms", "boehm", 1, "", 0, "-")
	cmp(9, "  MMU 10 ms, collector time vs Boehm", c "mmu_gc_10ms", "%", b "mmu_gc_10ms", "boehm", 1, "", 0, "-")
	cmp(9, "  MMU 1 ms vs Boehm incremental", c "mmu_gc_1ms", "%", bi "mmu_gc_1ms", "b-inc", 1, "", 0, "-")
	cmp(9, "  MMU 10 ms vs Boehm incremental", c "mmu_gc_10ms", "%", bi "mmu_gc_10ms", "b-inc", 1, "", 0, "-")
	cmp(9, "UML irqs-off: longest gc step vs p50 step", "kernel_gc,ckremm,step_max", "ns", "kernel_gc,ckremm,step_p50", "p50", 1, "", 0, "-")
	cmp(9, "  same, one replay (host noise kept)", "kernel_gc,ckremm,step_max_1rep", "ns", "kernel_gc,ckremm,step_p50", "p50", 1, "", 0, "-")
	cmp(9, "  UML irqs-off: longest alloc vs p50 alloc", "kernel_gc,ckremm,alloc_max", "ns", "kernel_gc,ckremm,alloc_p50", "p50", 1, "", 0, "-")
	alone(9, "  UML MMU 1 ms (collector steps)", "kernel_gc,ckremm,mmu_gc_1ms", 0, "%", "", 0, "-", "", "")
	alone(9, "  UML MMU 10 ms (collector steps)", "kernel_gc,ckremm,mmu_gc_10ms", 0, "%", "", 0, "-", "", "")
	cmp(9, "instructions, depth 12: ckremm vs Boehm", "gc_icount,ckremm@12,instructions", "instr", "gc_icount,boehm@12,instructions", "boehm", 1, "", 0, "-")
	cmp(9, "bytes per 16-byte object (arena + table node)", c "bytes_per_object", "B", b "bytes_per_object", "boehm", 1, "", 0, "-")
	alone(9, "  of which the collector word in the node", c "gc_bytes_per_object", 0, "B", "", 0, "-", "", "")
	alone(9, "  the collector structures, per heap", c "gc_struct_bytes", 0, "B", "", 0, "-", "", "")

	# Figure 8: the emulated boards (tools/mcu/bench.sh), -Os.
	nb = split("cortex-m rv32", boards, " ")
	for (i = 1; i <= nb; i++) {
		b = boards[i]
		k = "mcu_text," b ":"
		alone(8, b " .text: h_pool, every call", k "h_pool,text_all", 0, "B", "le", 4096, "<= 4 KiB", "", "")
		alone(8, "  h_pool: create, alloc, free, destroy only", k "h_pool,text_min", 0, "B", "le", 4096, "<= 4 KiB", "", "")
		alone(8, "  h_pool lean + small, every call", k "h_pool_lean,text_all", 0, "B", "", 0, "-", "", "")
		alone(8, "  h_pool lean + small: create/alloc/free/destroy", k "h_pool_lean,text_min", 0, "B", "le", 4096, "<= 4 KiB", "", "")
		alone(8, "  t_pool, every call", k "t_pool,text_all", 0, "B", "", 0, "-", "", "")
		alone(8, "  t_pool: create, alloc, free, destroy only", k "t_pool,text_min", 0, "B", "", 0, "-", "", "")
		alone(8, "  the bare-metal port", k "port,text_all", 0, "B", "", 0, "-", "", "")
		k = "mcu_icount," b ":"
		cmp(8, b " instr/alloc: h_pool max vs p50", k "h_pool,alloc_max", "instr", k "h_pool,alloc_p50", "p50", 1, "le", 2, "<= 2x")
		cmp(8, "  h_pool alloc p99 vs p50", k "h_pool,alloc_p99", "instr", k "h_pool,alloc_p50", "p50", 1, "", 0, "-")
		cmp(8, b " instr/free: h_pool max vs p50", k "h_pool,free_max", "instr", k "h_pool,free_p50", "p50", 1, "le", 2, "<= 2x")
		cmp(8, "  h_pool free p99 vs p50", k "h_pool,free_p99", "instr", k "h_pool,free_p50", "p50", 1, "", 0, "-")
		cmp(8, "  h_pool lean + small: alloc max vs p50", k "h_pool_lean,alloc_max", "instr", k "h_pool_lean,alloc_p50", "p50", 1, "le", 2, "<= 2x")
		cmp(8, "  h_pool lean + small: free max vs p50", k "h_pool_lean,free_max", "instr", k "h_pool_lean,free_p50", "p50", 1, "le", 2, "<= 2x")
		cmp(8, "  H_POOL_CACHE alloc max vs p50", k "h_pool_cache,alloc_max", "instr", k "h_pool_cache,alloc_p50", "p50", 1, "", 0, "-")
		cmp(8, "  H_POOL_CACHE free max vs p50", k "h_pool_cache,free_max", "instr", k "h_pool_cache,free_p50", "p50", 1, "", 0, "-")
		cmp(8, "  t_pool alloc max vs p50", k "t_pool,alloc_max", "instr", k "t_pool,alloc_p50", "p50", 1, "", 0, "-")
		cmp(8, "  t_pool alloc p99 vs p50", k "t_pool,alloc_p99", "instr", k "t_pool,alloc_p50", "p50", 1, "", 0, "-")
		cmp(8, "  t_pool free max vs p50", k "t_pool,free_max", "instr", k "t_pool,free_p50", "p50", 1, "", 0, "-")
	}
	# The same on both 32-bit boards: the Cortex-M figures.
	k = "mcu_ram,cortex-m:"
	alone(8, "32-bit RAM outside the arena: h_pool, per pool", k "h_pool,meta_bytes_per_pool", 0, "B", "", 0, "-", "", "")
	alone(8, "  h_pool with H_POOL_CACHE, per pool", k "h_pool_cache,meta_bytes_per_pool", 0, "B", "", 0, "-", "", "")
	alone(8, "  h_pool, per block (its header is in the arena)", k "h_pool,outside_bytes_per_block", 0, "B", "", 0, "-", "", "")
	alone(8, "  t_pool, per pool (capacity 1088)", k "t_pool,meta_bytes_per_pool", 0, "B", "", 0, "-", "", "")
	alone(8, "  t_pool, per block (tables)", k "t_pool,outside_bytes_per_block", 0, "B", "", 0, "-", "", "")
	alone(8, "  over caller memory: h_pool_meta_size()", k "h_pool,meta_size_in", 0, "B", "", 0, "-", "", "")
	alone(8, "  t_pool_meta_size(), 1088 blocks, all tables", k "t_pool,meta_size_in", 0, "B", "", 0, "-", "", "")
	alone(8, "32-bit arena bytes/block beyond request: h_pool", k "h_pool,arena_bytes_per_block", 0, "B", "", 0, "-", "", "")
	alone(8, "  t_pool (rounding)", k "t_pool,arena_bytes_per_block", 0, "B", "", 0, "-", "", "")

	# Figure 10: memory held after a burst, per live byte (host_paging.c).
	alone(10, "held/live after a burst: t_pool, paged (arena)", "paging,t_pool,held_per_live", 0, "x", "le", 1.05, "<= 1.05", "", "")
	alone(10, "  t_pool with its tables", "paging,t_pool,held_with_tables_per_live", 0, "x", "", 0, "-", "", "")
	alone(10, "  h_pool, paged (pages inside free blocks)", "paging,h_pool,held_per_live", 0, "x", "", 0, "-", "", "")
	alone(10, "  glibc after malloc_trim(0)", "paging,glibc,held_per_live", 0, "x", "", 0, "-", "", "")

	# Figure 11: the compressed store on real data (host_zstore.c); the
	# data it read is named in logs/host-zstore.log and by make bench.
	cmp(11, "compressed store, 4 KiB blocks: ratio vs zsmalloc", "zstore,lz4,ratio", "x", "zstore,zsmalloc_published,ratio", "zsmalloc (published)", 1, "", 0, "-")
	alone(11, "  ratio, refused blocks counted resident", "zstore,lz4,ratio_all", 0, "x", "", 0, "-", "", "")
	alone(11, "  blocks taken (the rest: copy >= 7/8 of block)", "zstore,lz4,taken", 0, "%", "", 0, "-", "", "")
	cmp(11, "  put (compress) MB/s vs liblz4 alone", "zstore,lz4,compress_mbs", "MB/s", "zstore,lz4_alone,compress_mbs", "lz4", 1, "", 0, "-")
	cmp(11, "  get (decompress) MB/s vs liblz4 alone", "zstore,lz4,decompress_mbs", "MB/s", "zstore,lz4_alone,decompress_mbs", "lz4", 1, "", 0, "-")
	cmp(11, "page-in on access, ns per KiB: p99 vs p50", "zstore,pool,pagein_p99", "ns", "zstore,pool,pagein_p50", "p50", 1, "", 0, "-")
	alone(11, "longest pool-lock hold: purge step", "zstore,pool,purge_hold_max", 0, "ns", "", 0, "-", "", "")
	alone(11, "  page-out step (put runs unlocked)", "zstore,pool,pageout_hold_max", 0, "ns", "", 0, "-", "", "")
	alone(11, "  store lock in a put (one compression)", "zstore,pool,put_hold_max", 0, "ns", "", 0, "-", "", "")
}' "$dir/summary.csv" >"$dir/table.txt"
