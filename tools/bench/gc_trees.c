// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_gc: binary-trees, the Computer Language Benchmarks Game's
 * allocation benchmark, on the ckremm collector and on the Boehm collector
 * (figure 9 of tools/bench/README.md).  Prints raw figures as CSV rows
 *
 *   gc_trees,<collector>@<depth>,<metric>,<unit>,<run>,<value>
 *
 * One process per run, so that its peak RSS is the run's own.  The
 * program: a stretch tree of depth max + 1 built, checked and dropped; a
 * long-lived tree of depth max; then for d = 4, 6, ..., max,
 * 2^(max - d + 4) trees of depth d built, checked and dropped; then the
 * long-lived tree checked.  Every check is compared with the node count it
 * must give, and a wrong one is a failure (exit 1).
 *
 * With --pauses, every allocation is timed by the time stamp counter, and
 * for ckremm every hold of the pool lock too (gc_lock.h): the longest
 * allocation, the longest hold of the collector's steps, and the minimum
 * mutator utilisation (MMU) over 1 ms and 10 ms windows.  Without it,
 * nothing is timed but the whole run (CPU time of the process).
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <time.h>
#include <x86intrin.h>

#include <gc.h>

#include "../../ckremm/tpool/t_pool_internal.h"
#include <ckremm/gc.h>

#include "bench_mmu.h"

#define MIN_DEPTH	4

static const char usage[] =
	"usage: bench_gc --gc ckremm|boehm|boehm-inc --depth N [options]\n"
	"  --arena BYTES     ckremm: the pool's arena (default: --live-mult\n"
	"                    times the peak live bytes)\n"
	"  --live-mult X     ckremm: arena as a multiple of the live set [3]\n"
	"  --step-budget N, --pace-bytes N, --trigger-percent N\n"
	"                    ckremm: struct ckremm_gc_params (0: default)\n"
	"  --pauses          time every allocation and lock hold; MMU\n"
	"  --replays N       ckremm: run N times on a fresh heap; each step's\n"
	"                    and allocation's time the least of its replays [1]\n"
	"  --run N           the run number printed [0]\n"
	"  --no-interior     boehm: GC_set_all_interior_pointers(0)\n"
	"exit: 0 done, 1 a wrong check or an error, 3 ckremm ran out of arena,\n"
	"      4 the arena holds more 16-byte objects than a table pool names\n";

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench_gc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- time ---------------------------------------------------------------- */

static double ns_per_tick;

static u64 wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static u64 cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static void calibrate(void)
{
	u64 w0 = wall_ns(), t0 = __rdtsc(), w1;

	do
		w1 = wall_ns();
	while (w1 - w0 < 50000000ULL);
	ns_per_tick = (double)(w1 - w0) / (double)(__rdtsc() - t0);
}

/*
 * Durations that recur in every replay of a deterministic run, each the
 * least of its replays: on a shared machine a single run's longest step is
 * the longest time the scheduler took the CPU away.  The first replay
 * keeps every duration of at least @floor ticks with its index; later ones
 * lower them.
 */
struct mins {
	u64 floor;
	u64 *idx;
	u32 *ticks;
	size_t n, cap, at;
	u64 count;
	unsigned int replay;
};

static u32 clamp32(u64 v)
{
	return v > U32_MAX ? U32_MAX : (u32)v;
}

/* Double two arrays of *@cap elements (4096 to begin with). */
static void grow_pair(void **a, size_t asize, void **b, size_t bsize,
		      size_t *cap)
{
	*cap = *cap ? 2 * *cap : 4096;
	*a = realloc(*a, *cap * asize);
	*b = realloc(*b, *cap * bsize);
	if (!*a || !*b)
		die("out of memory");
}

static void mins_replay(struct mins *m, unsigned int replay)
{
	m->replay = replay;
	m->count = 0;
	m->at = 0;
}

static void mins_add(struct mins *m, u64 ticks)
{
	u64 i = m->count++;
	u32 t = clamp32(ticks);

	if (!m->replay) {
		if (ticks < m->floor)
			return;
		if (m->n == m->cap)
			grow_pair((void **)&m->idx, sizeof(*m->idx),
				  (void **)&m->ticks, sizeof(*m->ticks), &m->cap);
		m->idx[m->n] = i;
		m->ticks[m->n] = t;
		m->n++;
		return;
	}
	while (m->at < m->n && m->idx[m->at] < i)
		m->at++;
	if (m->at < m->n && m->idx[m->at] == i && t < m->ticks[m->at])
		m->ticks[m->at] = t;
}

static u64 mins_max(const struct mins *m)
{
	u64 max = 0;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->ticks[i] > max)
			max = m->ticks[i];
	return max;
}

/*
 * The collector's intervals as a timeline of gaps and durations, each the
 * least of its replays, from which the MMU is worked out at the end: one
 * time slice the scheduler gave away, inside a step or between two, would
 * otherwise decide the MMU of a whole run.
 */
struct timeline {
	u32 *gap, *dur;
	size_t n, cap;
	u64 count, last;
	unsigned int replay;
};

static void timeline_replay(struct timeline *t, unsigned int replay, u64 now)
{
	t->replay = replay;
	t->count = 0;
	t->last = now;
}

static void timeline_add(struct timeline *t, u64 s, u64 e)
{
	u64 i = t->count++;
	u32 g = clamp32(s - t->last), d = clamp32(e - s);

	t->last = e;
	if (!t->replay) {
		if (t->n == t->cap)
			grow_pair((void **)&t->gap, sizeof(*t->gap),
				  (void **)&t->dur, sizeof(*t->dur), &t->cap);
		t->gap[t->n] = g;
		t->dur[t->n++] = d;
		return;
	}
	if (i < t->n) {
		if (g < t->gap[i])
			t->gap[i] = g;
		if (d < t->dur[i])
			t->dur[i] = d;
	}
}

static double timeline_mmu(const struct timeline *t, u64 w)
{
	u64 worst = bench_mmu_worst(t->gap, t->dur, t->n, w);

	return worst >= w ? 0 : 1 - (double)worst / (double)w;
}

/* ---- what a run reports ---------------------------------------------------- */

static const char *series;
static unsigned int depth_max, run_no;
static bool pauses, boehm;

static void row(const char *metric, const char *unit, double v)
{
	printf("gc_trees,%s@%u,%s,%s,%u,%.6g\n", series, depth_max, metric, unit,
	       run_no, v);
}

/* Allocation times, and the collector's intervals for the MMU. */
static u64 alloc_max;
static struct timeline gc_time;
static struct mins alloc_mins, step_mins;

static void alloc_timed(u64 t0, u64 t1)
{
	if (!alloc_mins.replay && t1 - t0 > alloc_max)
		alloc_max = t1 - t0;
	mins_add(&alloc_mins, t1 - t0);
}

static void gc_interval(u64 t0, u64 t1)
{
	timeline_add(&gc_time, t0, t1);
}

static void pauses_begin(unsigned int replay)
{
	/* Kept from the first replay on: at least 1 us. */
	alloc_mins.floor = (u64)(1000 / ns_per_tick);
	step_mins.floor = (u64)(1000 / ns_per_tick);
	mins_replay(&alloc_mins, replay);
	mins_replay(&step_mins, replay);
	timeline_replay(&gc_time, replay, __rdtsc());
}

static void pauses_report(void)
{
	u64 ms = (u64)(1e6 / ns_per_tick);

	row(boehm ? "alloc_max" : "alloc_max_1rep", "ns",
	    (double)alloc_max * ns_per_tick);
	row("mmu_gc_1ms", "ratio", timeline_mmu(&gc_time, ms));
	row("mmu_gc_10ms", "ratio", timeline_mmu(&gc_time, 10 * ms));
}

/* ---- the pool lock's holds (gc_lock.h) ------------------------------------- */

int bench_lock_on;
const char *bench_lock_fn;
u64 bench_lock_t0;

/* The longest hold of each function that takes the lock. */
static struct {
	const char *fn;
	u64 max, holds;
	bool step;
} holders[64];
static unsigned int nholders;

void bench_lock_held(const char *fn, u64 t0, u64 t1)
{
	unsigned int i;

	for (i = 0; i < nholders && holders[i].fn != fn; i++)
		;
	if (i == nholders) {
		if (nholders == 64)
			die("too many lock holders");
		holders[i].fn = fn;
		/* The collector's steps, and the reorder steps they take. */
		holders[i].step = !strcmp(fn, "gc_step") ||
				  !strcmp(fn, "t_pool_reorder_step");
		nholders++;
	}
	holders[i].holds++;
	if (!step_mins.replay && t1 - t0 > holders[i].max)
		holders[i].max = t1 - t0;
	if (holders[i].step) {
		gc_interval(t0, t1);
		mins_add(&step_mins, t1 - t0);
	}
}

static void holds_report(void)
{
	u64 step = 0, other = 0;
	unsigned int i;

	for (i = 0; i < nholders; i++) {
		fprintf(stderr, "# lock hold: %-24s %10llu holds, longest %.0f ns%s\n",
			holders[i].fn, (unsigned long long)holders[i].holds,
			(double)holders[i].max * ns_per_tick,
			holders[i].step ? " (collector step)" : "");
		if (holders[i].step && holders[i].max > step)
			step = holders[i].max;
		if (!holders[i].step && holders[i].max > other)
			other = holders[i].max;
	}
	row("step_hold_max_1rep", "ns", (double)step * ns_per_tick);
	row("other_hold_max_1rep", "ns", (double)other * ns_per_tick);
	row("step_hold_max", "ns", (double)mins_max(&step_mins) * ns_per_tick);
	row("alloc_max", "ns",
	    (double)mins_max(&alloc_mins) * ns_per_tick);
}

/* ---- ckremm ----------------------------------------------------------------- */

static struct ckremm_gc *gc;
static struct t_pool *pool;
static struct ckremm_gc_scope scope;
static u64 scope_slots[256];
static int node_type;
static size_t ck_heap_peak;

static void ck_sample(void)
{
	struct t_pool_stats ps;
	struct ckremm_gc_stats gs;
	size_t heap;

	t_pool_get_stats(pool, &ps);
	ckremm_gc_get_stats(gc, &gs);
	/* The table's nodes carry the collector's word: count it once. */
	heap = ps.arena_size + ps.meta_bytes + gs.meta_bytes -
	       (size_t)pool->chunks * TP_CHUNK_NODES * sizeof(u32);
	if (heap > ck_heap_peak)
		ck_heap_peak = heap;
}

static u64 ck_alloc(void)
{
	u64 h, t0 = 0;
	int err;

	if (pauses)
		t0 = __rdtsc();
	err = ckremm_gc_alloc(gc, 16, node_type, 0, &scope, &h);
	if (pauses)
		alloc_timed(t0, __rdtsc());
	if (err == -ENOMEM) {
		struct ckremm_gc_stats gs;
		struct t_pool_stats ps;

		ckremm_gc_get_stats(gc, &gs);
		t_pool_get_stats(pool, &ps);
		fprintf(stderr,
			"bench_gc: ckremm: out of arena (%zu bytes): %zu used, %zu objects, phase %d, %zu cycles, %zu steps, %zu failed\n",
			ps.arena_size, ps.used_bytes, gs.objects, gs.phase,
			gs.cycles, gs.steps, ps.failed_allocs);
		exit(3);
	}
	if (err)
		die("ckremm_gc_alloc: %d", err);
	return h;
}

/* A tree of depth @d; its root is left on the scope. */
static u64 ck_tree(unsigned int d)
{
	unsigned int at = scope.depth;
	u64 node = ck_alloc(), kids[2];

	if (d) {
		kids[0] = ck_tree(d - 1);
		kids[1] = ck_tree(d - 1);
		if (t_pool_write(pool, node, 0, kids, sizeof(kids)))
			die("t_pool_write failed");
		ckremm_gc_scope_restore(gc, &scope, at + 1);
	}
	return node;
}

static u64 ck_check(u64 node)
{
	u64 kids[2];

	if (t_pool_read(pool, node, 0, kids, sizeof(kids)))
		die("t_pool_read failed");
	if (!kids[0])
		return 1;
	return 1 + ck_check(kids[0]) + ck_check(kids[1]);
}

static struct ckremm_gc_params ck_params;

static void ck_setup(size_t arena)
{
	u64 map = 3;

	/* 16-byte objects: one table node for every 16 bytes of arena. */
	if (arena / 16 > T_POOL_MAX_CAPACITY) {
		fprintf(stderr,
			"bench_gc: ckremm: %zu bytes of 16-byte objects are more than a table pool names (%u)\n",
			arena, T_POOL_MAX_CAPACITY);
		exit(4);
	}
	pool = t_pool_create(arena, (unsigned int)(arena / 16));
	if (!pool)
		die("t_pool_create(%zu) failed", arena);
	gc = ckremm_gc_create(pool, &ck_params);
	if (!gc)
		die("ckremm_gc_create failed");
	node_type = ckremm_gc_type_register(gc, &map, 2, 0);
	if (node_type < 0)
		die("ckremm_gc_type_register: %d", node_type);
	ckremm_gc_scope_init(gc, &scope, scope_slots, 256);
}

/* ---- Boehm -------------------------------------------------------------------- */

struct bnode {
	struct bnode *l, *r;
};

static u64 bw_t0;
static unsigned int bw_depth;
static size_t bw_heap_peak;

static void bw_event(GC_EventType e)
{
	u64 now = __rdtsc();

	switch (e) {
	case GC_EVENT_START:
	case GC_EVENT_MARK_START:
	case GC_EVENT_RECLAIM_START:
		if (!bw_depth++)
			bw_t0 = now;
		break;
	case GC_EVENT_END:
	case GC_EVENT_MARK_END:
	case GC_EVENT_RECLAIM_END:
		if (bw_depth && !--bw_depth) {
			u64 d = now - bw_t0;

			if (d > holders[0].max)
				holders[0].max = d;
			holders[0].holds++;
			gc_interval(bw_t0, now);
		}
		break;
	default:
		break;
	}
}

static struct bnode *bw_alloc(void)
{
	struct bnode *n;
	u64 t0 = 0;

	if (pauses)
		t0 = __rdtsc();
	n = GC_MALLOC(sizeof(*n));
	if (pauses)
		alloc_timed(t0, __rdtsc());
	if (!n)
		die("GC_MALLOC failed");
	return n;
}

static struct bnode *bw_tree(unsigned int d)
{
	struct bnode *n = bw_alloc();

	if (d) {
		n->l = bw_tree(d - 1);
		n->r = bw_tree(d - 1);
	}
	return n;
}

static u64 bw_check(const struct bnode *n)
{
	if (!n->l)
		return 1;
	return 1 + bw_check(n->l) + bw_check(n->r);
}

static void bw_sample(void)
{
	size_t h = GC_get_heap_size();

	if (h > bw_heap_peak)
		bw_heap_peak = h;
}

/* ---- the benchmark --------------------------------------------------------------- */

static u64 tree_check(unsigned int d)
{
	if (boehm)
		return bw_check(bw_tree(d));
	{
		unsigned int at = scope.depth;
		u64 c = ck_check(ck_tree(d));

		ckremm_gc_scope_restore(gc, &scope, at);
		return c;
	}
}

static void expect(u64 got, u64 want, const char *what)
{
	if (got != want)
		die("%s: check %llu, want %llu", what, (unsigned long long)got,
		    (unsigned long long)want);
}

static void trees(void)
{
	unsigned int d;
	u64 nodes;
	struct bnode *blong = NULL;
	u64 clong = 0;

	nodes = (2ULL << (depth_max + 1)) - 1;
	expect(tree_check(depth_max + 1), nodes, "stretch tree");
	if (boehm) {
		bw_sample();
		blong = bw_tree(depth_max);
	} else {
		ck_sample();
		clong = ck_tree(depth_max);
		if (ckremm_gc_root_set(gc, 0, clong))
			die("ckremm_gc_root_set failed");
		ckremm_gc_scope_restore(gc, &scope, 0);
	}
	for (d = MIN_DEPTH; d <= depth_max; d += 2) {
		u64 i, iters = 1ULL << (depth_max - d + MIN_DEPTH), check = 0;

		for (i = 0; i < iters; i++)
			check += tree_check(d);
		expect(check, iters * ((2ULL << d) - 1), "trees");
		if (boehm)
			bw_sample();
		else
			ck_sample();
	}
	nodes = (2ULL << depth_max) - 1;
	if (boehm)
		expect(bw_check(blong), nodes, "long-lived tree");
	else
		expect(ck_check(clong), nodes, "long-lived tree");
}

/* Bytes live at most: the long-lived tree and the largest tree beside it. */
static size_t peak_live(unsigned int depth)
{
	return (size_t)16 * ((2ULL << depth) - 1) * 2;
}

int main(int argc, char **argv)
{
	const char *which = NULL;
	double mult = 3;
	size_t arena = 0;
	bool interior = true;
	unsigned int replays = 1, r;
	struct rusage ru;
	u64 c0, w0;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--pauses")) {
			pauses = true;
		} else if (!strcmp(a, "--no-interior")) {
			interior = false;
		} else if (v && !strcmp(a, "--gc")) {
			which = v;
			i++;
		} else if (v && !strcmp(a, "--depth")) {
			depth_max = (unsigned int)strtoul(v, NULL, 0);
			i++;
		} else if (v && !strcmp(a, "--arena")) {
			arena = strtoull(v, NULL, 0);
			i++;
		} else if (v && !strcmp(a, "--live-mult")) {
			mult = strtod(v, NULL);
			i++;
		} else if (v && !strcmp(a, "--step-budget")) {
			ck_params.step_budget = strtoull(v, NULL, 0);
			i++;
		} else if (v && !strcmp(a, "--pace-bytes")) {
			ck_params.pace_bytes = strtoull(v, NULL, 0);
			i++;
		} else if (v && !strcmp(a, "--trigger-percent")) {
			ck_params.trigger_percent = (unsigned int)strtoul(v, NULL, 0);
			i++;
		} else if (v && !strcmp(a, "--replays")) {
			replays = (unsigned int)strtoul(v, NULL, 0);
			i++;
		} else if (v && !strcmp(a, "--run")) {
			run_no = (unsigned int)strtoul(v, NULL, 0);
			i++;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!which || depth_max < MIN_DEPTH + 2 || depth_max > 24 || !replays) {
		fputs(usage, stderr);
		return 2;
	}
	if (pauses)
		calibrate();
	if (!strcmp(which, "ckremm")) {
		series = "ckremm";
		if (!arena)
			arena = ((size_t)(peak_live(depth_max) * mult) + 4095) &
				~(size_t)4095;
		ck_setup(arena);
	} else if (!strcmp(which, "boehm") || !strcmp(which, "boehm-inc")) {
		if (replays > 1)
			die("--replays is for ckremm: Boehm's heap cannot be reset");
		boehm = true;
		series = which;
		if (!interior)
			GC_set_all_interior_pointers(0);
		GC_INIT();
		if (!strcmp(which, "boehm-inc"))
			GC_enable_incremental();
		if (pauses)
			GC_set_on_collection_event(bw_event);
	} else {
		fputs(usage, stderr);
		return 2;
	}
	for (r = 0; r < replays; r++) {
		if (r) {
			ckremm_gc_scope_exit(gc, &scope);
			ckremm_gc_destroy(gc);
			if (!destroy_t_pool(pool))
				die("destroy_t_pool failed");
			ck_setup(arena);
		}
		if (pauses) {
			pauses_begin(r);
			bench_lock_on = !boehm;
		}
		w0 = wall_ns();
		c0 = cpu_ns();
		trees();
		if (!r && !pauses) {
			row("cpu_time", "ms", (double)(cpu_ns() - c0) / 1e6);
			row("wall_time", "ms", (double)(wall_ns() - w0) / 1e6);
		}
		bench_lock_on = 0;
	}

	if (pauses) {
		/* Timing every call changes time and memory: not reported. */
		if (boehm)
			row("gc_event_max", "ns",
			    (double)holders[0].max * ns_per_tick);
		else
			holds_report();
		pauses_report();
		return 0;
	}
	getrusage(RUSAGE_SELF, &ru);
	row("peak_rss", "KiB", (double)ru.ru_maxrss);
	if (boehm) {
		bw_sample();
		row("heap_peak", "B", (double)bw_heap_peak);
		row("collections", "count", (double)GC_get_gc_no());
		/* What a 16-byte node takes in Boehm's heap. */
		row("bytes_per_object", "B", (double)GC_size(bw_alloc()));
	} else {
		struct ckremm_gc_stats gs;

		ck_sample();
		ckremm_gc_get_stats(gc, &gs);
		row("heap_peak", "B", (double)ck_heap_peak);
		row("arena", "B", (double)arena);
		row("live_mult", "x", mult);
		row("collections", "count", (double)gs.cycles);
		row("max_step_work", "units", (double)gs.max_step_work);
		/* Arena bytes and table node of a 16-byte node; the collector's word. */
		row("bytes_per_object", "B",
		    (double)(16 + sizeof(struct tp_seg)));
		row("gc_bytes_per_object", "B", (double)sizeof(u32));
		row("node_bytes_per_object", "B", (double)sizeof(struct tp_seg));
		row("gc_struct_bytes", "B",
		    (double)(gs.meta_bytes -
			     (size_t)pool->chunks * TP_CHUNK_NODES * sizeof(u32)));
	}
	return 0;
}
