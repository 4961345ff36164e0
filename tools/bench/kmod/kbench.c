// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckremm_bench: the ckremm pools measured inside the kernel, beside the
 * kernel's own allocators.
 *
 * Loading the module runs every benchmark once and prints the raw figures
 * to the kernel log as CSV rows ("figure,series,metric,unit,run,value",
 * the format of tools/bench/bench_host.h); tools/bench/run.sh boots a UML
 * kernel without detectors, loads the module and collects the rows.  The
 * module then stays loaded doing nothing until it is removed.
 *
 *   kernel_speed     one trace (tools/bench/bench_trace.h, the host's trace)
 *                    replayed through h_pool, t_pool handles, kmalloc and
 *                    genalloc; ns per step of the trace
 *   kernel_latency   each step of the trace timed alone with interrupts
 *                    off, for h_pool, t_pool and kmalloc; percentiles
 *   kernel_latcurve  the same as an exceedance curve, for the chart
 *   kernel_reorder   t_pool compaction against memmove of the same bytes
 *   kernel_overhead  kmalloc's bytes per block beyond the request
 *   kernel_gc        binary-trees on the collector: each hold of the pool
 *                    lock by a collector step (kgc_lock.h) and each
 *                    allocation with interrupts off, per-step minimum over
 *                    lat_reps replays; the MMU of the collector's steps
 *
 * Timing needs a finer clock than UML's, which counts in 256 ns units,
 * and UML's get_cycles() is 0: on x86-64 the time stamp counter is read
 * directly, converted at a rate measured against ktime_get_ns() when the
 * module loads.  The clock's own cost is measured the same way as the
 * steps (series "clock") so that it can be told apart.  Replays are timed
 * in chunks of steps (see kb_timed_replay()).  Latencies are reported two
 * ways:
 * from a single replay ("<pool>_1rep"), which includes every interruption
 * the host machine inflicted on the UML process, and as the per-step
 * minimum over lat_reps replays of the same deterministic trace
 * ("<pool>"), which removes interruptions that do not recur at the same
 * step and keeps what the allocator itself costs.
 *
 * Every arena is read once, page by page, before it is timed: UML maps
 * vmalloc'd pages into its host process at the first touch, at a cost
 * that belongs to UML, not to the pool, and that a long-lived pool pays
 * only once.
 *
 * The pools are compiled into this module (see Kbuild), so it must not
 * be loaded together with ckremm.ko, which exports the same symbols.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/genalloc.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include <ckremm/ckremm_ns.h>
#include <ckremm/gc.h>
#include <ckremm/h_pool.h>
#include <ckremm/t_pool.h>

#include "bench_trace.h"
#include "bench_fixture.h"
#include "bench_mmu.h"
#define KGC_DECLS_ONLY
#include "kgc_lock.h"

static unsigned int runs = 7;
module_param(runs, uint, 0444);
MODULE_PARM_DESC(runs, "measured runs of each speed figure (default 7)");

static unsigned int ops = 1U << 21;
module_param(ops, uint, 0444);
MODULE_PARM_DESC(ops, "steps of the trace (default 2097152)");

static unsigned int live = 32768;
module_param(live, uint, 0444);
MODULE_PARM_DESC(live, "live blocks the trace hovers around (default 32768)");

static unsigned int arena_mib = 64;
module_param(arena_mib, uint, 0444);
MODULE_PARM_DESC(arena_mib, "arena of every pool, MiB (default 64)");

static unsigned int lat_reps = 5;
module_param(lat_reps, uint, 0444);
MODULE_PARM_DESC(lat_reps, "replays whose per-step minimum is the latency (default 5)");

static unsigned int genalloc_runs = 3;
module_param(genalloc_runs, uint, 0444);
MODULE_PARM_DESC(genalloc_runs, "measured runs of genalloc, which is slow (default 3)");

static unsigned int genalloc_ops;
module_param(genalloc_ops, uint, 0444);
MODULE_PARM_DESC(genalloc_ops, "steps of the trace genalloc replays, 0 for all (default 0)");

static unsigned int gc_depth = 12;
module_param(gc_depth, uint, 0444);
MODULE_PARM_DESC(gc_depth, "binary-trees depth of the gc figure (default 12)");

static unsigned int gc_live_mult = 12;
module_param(gc_live_mult, uint, 0444);
MODULE_PARM_DESC(gc_live_mult, "gc figure: arena as a multiple of the peak live set (default 12)");

static char *figures = "speed,latency,reorder,overhead,gc";
module_param(figures, charp, 0444);
MODULE_PARM_DESC(figures, "comma-separated figures to measure");

static unsigned long long seed = 1;
module_param(seed, ullong, 0444);
MODULE_PARM_DESC(seed, "trace seed (default 1, as on the host)");

enum kb_alloc { KB_H_POOL, KB_T_POOL, KB_H_POOL_CACHE, KB_KMALLOC,
	       KB_GENALLOC, KB_COUNT };

static const char *const kb_names[KB_COUNT] = {
	[KB_H_POOL] = "h_pool",
	[KB_T_POOL] = "t_pool",
	[KB_H_POOL_CACHE] = "h_pool_cache",
	[KB_KMALLOC] = "kmalloc",
	[KB_GENALLOC] = "genalloc",
};

/* What a slot of the trace holds: a pointer, a handle or an address. */
struct kb_slot {
	union {
		void *ptr;
		u64 handle;
		unsigned long addr;
	};
	u32 size;	/* genalloc only: gen_pool_free() needs it */
};

struct kb_ctx {
	const struct bench_op *ops;
	u32 count;
	u32 slots;
	struct kb_slot *slot;
	size_t arena;
	gfp_t gfp;
	struct h_pool *hp;
	struct t_pool *tp;
	struct gen_pool *gp;
	void *gp_arena;
};

static void kb_row(const char *figure, const char *series, const char *metric,
		   const char *unit, unsigned int run, u64 milli)
{
	pr_info("%s,%s,%s,%s,%u,%llu.%03llu\n", figure, series, metric, unit,
		run, milli / 1000, milli % 1000);
}

static bool kb_wants(const char *figure)
{
	size_t len = strlen(figure);
	const char *p = figures;

	while (p && *p) {
		if (!strncmp(p, figure, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/* ---- clocks ---------------------------------------------------------------- */

/* ns per tick of kb_ticks(), as a 32.32 fixed-point number. */
static u64 kb_ns_per_tick_q32 = 1ULL << 32;

static inline u64 kb_ticks(void)
{
#ifdef CONFIG_X86_64
	return __builtin_ia32_rdtsc();
#else
	return ktime_get_ns();
#endif
}

static u64 kb_ticks_to_ns(u64 ticks)
{
	return mul_u64_u64_shr(ticks, kb_ns_per_tick_q32, 32);
}

/* Measure the tick rate against ktime_get_ns() over 50 ms. */
static void kb_calibrate(void)
{
	u64 n0, n1, c0, c1;

	n0 = ktime_get_ns();
	c0 = kb_ticks();
	do {
		n1 = ktime_get_ns();
	} while (n1 - n0 < 50 * NSEC_PER_MSEC);
	c1 = kb_ticks();
	if (c1 > c0)
		kb_ns_per_tick_q32 = div64_u64((n1 - n0) << 32, c1 - c0);
	pr_info("# clock: %llu ticks in %llu ns\n", c1 - c0, n1 - n0);
}

/* Have UML map every page of @p now rather than inside a timed region. */
static void kb_prefault(const void *p, size_t size)
{
	size_t off;

	for (off = 0; off < size; off += PAGE_SIZE)
		(void)READ_ONCE(((const u8 *)p)[off]);
}

/*
 * Write every page of @p, keeping its bytes: below UML, a page not
 * written for a while can cost a fault at the next write.  Both sides of
 * a comparison are written just before they are timed.
 */
static void kb_prefault_write(void *p, size_t size)
{
	size_t off;
	u8 *b = p;

	for (off = 0; off < size; off += PAGE_SIZE)
		WRITE_ONCE(b[off], READ_ONCE(b[off]));
}

/* ---- allocators ---------------------------------------------------------- */

static int kb_create(struct kb_ctx *c, enum kb_alloc a)
{
	switch (a) {
	case KB_H_POOL:
		c->hp = create_h_pool(c->arena);
		return c->hp ? 0 : -ENOMEM;
	case KB_H_POOL_CACHE:
		c->hp = h_pool_create(c->arena, H_POOL_CACHE);
		return c->hp ? 0 : -ENOMEM;
	case KB_T_POOL:
		c->tp = t_pool_create(c->arena, c->slots + 64);
		return c->tp ? 0 : -ENOMEM;
	case KB_GENALLOC:
		c->gp = gen_pool_create(4, NUMA_NO_NODE);
		c->gp_arena = vmalloc(c->arena);
		if (!c->gp || !c->gp_arena ||
		    gen_pool_add_virt(c->gp, (unsigned long)c->gp_arena, -1,
				      c->arena, NUMA_NO_NODE)) {
			if (c->gp)
				gen_pool_destroy(c->gp);
			vfree(c->gp_arena);
			c->gp = NULL;
			c->gp_arena = NULL;
			return -ENOMEM;
		}
		return 0;
	default:
		return 0;
	}
}

static int kb_setup(struct kb_ctx *c, enum kb_alloc a)
{
	int ret;

	memset(c->slot, 0, c->slots * sizeof(*c->slot));
	ret = kb_create(c, a);
	if (ret)
		return ret;
	/*
	 * Creating a pool maps kernel memory, after which UML remaps host
	 * mappings lazily, and not only the new ones: without this, the
	 * first touch of a page of the arena, or of the trace, in the timed
	 * loop costs tens of microseconds.
	 */
	if (c->hp)
		kb_prefault(h_pool_arena(c->hp, NULL), c->arena);
	if (c->tp)
		kb_prefault(t_pool_arena(c->tp, NULL), c->arena);
	kb_prefault(c->ops, c->count * sizeof(*c->ops));
	kb_prefault(c->slot, c->slots * sizeof(*c->slot));
	return 0;
}

/* One step of the trace; false if an allocation failed. */
static bool kb_step(struct kb_ctx *c, enum kb_alloc a,
		    const struct bench_op *op)
{
	struct kb_slot *s = &c->slot[op->slot];

	if (op->size) {
		switch (a) {
		case KB_H_POOL:
		case KB_H_POOL_CACHE:
			s->ptr = h_pool_alloc(c->hp, op->size);
			return s->ptr;
		case KB_T_POOL:
			s->handle = t_pool_alloc_handle(c->tp, op->size, 0);
			return s->handle != T_POOL_NO_HANDLE;
		case KB_KMALLOC:
			s->ptr = kmalloc(op->size, c->gfp);
			return s->ptr;
		default:
			s->addr = gen_pool_alloc(c->gp, op->size);
			s->size = op->size;
			return s->addr;
		}
	}
	switch (a) {
	case KB_H_POOL:
	case KB_H_POOL_CACHE:
		if (s->ptr)
			h_pool_dealloc(c->hp, s->ptr);
		break;
	case KB_T_POOL:
		if (s->handle != T_POOL_NO_HANDLE)
			t_pool_free(c->tp, s->handle);
		break;
	case KB_KMALLOC:
		kfree(s->ptr);
		break;
	default:
		if (s->addr)
			gen_pool_free(c->gp, s->addr, s->size);
		break;
	}
	s->ptr = NULL;
	s->handle = T_POOL_NO_HANDLE;
	return true;
}

/* Free what a partial replay left and tear the allocator down. */
static void kb_teardown(struct kb_ctx *c, enum kb_alloc a)
{
	struct bench_op op = { .size = 0 };
	u32 i;

	if (a == KB_KMALLOC || a == KB_GENALLOC) {
		for (i = 0; i < c->slots; i++) {
			op.slot = i;
			kb_step(c, a, &op);
		}
	}
	switch (a) {
	case KB_H_POOL:
	case KB_H_POOL_CACHE:
		destroy_h_pool(c->hp);
		c->hp = NULL;
		break;
	case KB_T_POOL:
		destroy_t_pool(c->tp);
		c->tp = NULL;
		break;
	case KB_GENALLOC:
		gen_pool_destroy(c->gp);
		vfree(c->gp_arena);
		c->gp = NULL;
		c->gp_arena = NULL;
		break;
	default:
		break;
	}
}

/*
 * The timed loops, one per allocator so that no dispatch is timed.  Each
 * replays a range of steps, clears a slot when it frees it (so that
 * kb_teardown() frees only what a partial replay left) and returns the
 * number of failed allocations.
 */
static noinline u32 kb_replay_h_pool(struct kb_ctx *c, u32 first, u32 last)
{
	const struct bench_op *op = c->ops + first, *end = c->ops + last;
	struct kb_slot *slot = c->slot;
	u32 failed = 0;

	for (; op < end; op++) {
		if (op->size) {
			slot[op->slot].ptr = h_pool_alloc(c->hp, op->size);
			failed += !slot[op->slot].ptr;
		} else if (slot[op->slot].ptr) {
			h_pool_dealloc(c->hp, slot[op->slot].ptr);
			slot[op->slot].ptr = NULL;
		}
	}
	return failed;
}

static noinline u32 kb_replay_t_pool(struct kb_ctx *c, u32 first, u32 last)
{
	const struct bench_op *op = c->ops + first, *end = c->ops + last;
	struct kb_slot *slot = c->slot;
	u32 failed = 0;

	for (; op < end; op++) {
		if (op->size) {
			slot[op->slot].handle =
				t_pool_alloc_handle(c->tp, op->size, 0);
			failed += slot[op->slot].handle == T_POOL_NO_HANDLE;
		} else if (slot[op->slot].handle != T_POOL_NO_HANDLE) {
			t_pool_free(c->tp, slot[op->slot].handle);
			slot[op->slot].handle = T_POOL_NO_HANDLE;
		}
	}
	return failed;
}

static noinline u32 kb_replay_kmalloc(struct kb_ctx *c, u32 first, u32 last)
{
	const struct bench_op *op = c->ops + first, *end = c->ops + last;
	struct kb_slot *slot = c->slot;
	u32 failed = 0;

	for (; op < end; op++) {
		if (op->size) {
			slot[op->slot].ptr = kmalloc(op->size, c->gfp);
			failed += !slot[op->slot].ptr;
		} else {
			kfree(slot[op->slot].ptr);
			slot[op->slot].ptr = NULL;
		}
	}
	return failed;
}

static noinline u32 kb_replay_genalloc(struct kb_ctx *c, u32 first, u32 last)
{
	const struct bench_op *op = c->ops + first, *end = c->ops + last;
	struct kb_slot *slot = c->slot;
	u32 failed = 0;

	for (; op < end; op++) {
		struct kb_slot *s = &slot[op->slot];

		if (op->size) {
			s->addr = gen_pool_alloc(c->gp, op->size);
			s->size = op->size;
			failed += !s->addr;
		} else if (s->addr) {
			gen_pool_free(c->gp, s->addr, s->size);
			s->addr = 0;
		}
	}
	return failed;
}

/* Replay steps [@first, @last) of the trace. */
static u32 kb_replay(struct kb_ctx *c, enum kb_alloc a, u32 first, u32 last)
{
	switch (a) {
	case KB_H_POOL:
	case KB_H_POOL_CACHE:
		return kb_replay_h_pool(c, first, last);
	case KB_T_POOL:
		return kb_replay_t_pool(c, first, last);
	case KB_KMALLOC:
		return kb_replay_kmalloc(c, first, last);
	default:
		return kb_replay_genalloc(c, first, last);
	}
}

/* ---- figure 2: ns per step ------------------------------------------------ */

/*
 * A replay is timed in chunks of a few steps.  A run's figure is the sum
 * of its chunks, as a whole-replay clock would give; and since the trace
 * is deterministic, the sum over chunks of each chunk's fastest run is
 * the figure without the time the host took the CPU away from UML in
 * between ("ns_per_op_min").  Two clock reads per chunk are included in
 * both, as a whole-replay clock includes nothing: they cost about as much
 * as one step of the fastest allocator, over 64 steps.
 */
#define KB_CHUNK_FAST		64
#define KB_CHUNK_GENALLOC	4

struct kb_series {
	const char *name;
	enum kb_alloc alloc;
	u32 chunk;		/* steps per timed chunk */
	u32 count;		/* steps replayed */
	u64 *best;		/* fastest time of each chunk so far, ticks */
};

static int kb_series_init(struct kb_series *s, const char *name,
			  enum kb_alloc a, u32 chunk, u32 count)
{
	u32 n = DIV_ROUND_UP(count, chunk), i;

	s->name = name;
	s->alloc = a;
	s->chunk = chunk;
	s->count = count;
	s->best = vmalloc(array_size(n, sizeof(*s->best)));
	if (!s->best)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		s->best[i] = U64_MAX;
	return 0;
}

/* One timed replay of @s; *milli gets its ns per step, times 1000. */
static int kb_timed_replay(struct kb_ctx *c, struct kb_series *s, u64 *milli)
{
	u32 failed = 0, first, k;
	u64 total = 0;
	int ret;

	c->count = s->count;
	ret = kb_setup(c, s->alloc);
	if (ret) {
		pr_err("%s: cannot set up the allocator\n", s->name);
		return ret;
	}
	for (first = 0, k = 0; first < s->count; first += s->chunk, k++) {
		u32 last = min(first + s->chunk, s->count);
		u64 t0, t1;

		t0 = kb_ticks();
		failed += kb_replay(c, s->alloc, first, last);
		t1 = kb_ticks();
		total += t1 - t0;
		s->best[k] = min(s->best[k], t1 - t0);
	}
	kb_teardown(c, s->alloc);
	cond_resched();
	if (failed) {
		pr_err("%s: %u allocations failed: the arena is too small\n",
		       s->name, failed);
		return -ENOSPC;
	}
	*milli = div_u64(kb_ticks_to_ns(total) * 1000, s->count);
	return 0;
}

static void kb_series_report(struct kb_series *s)
{
	u32 n = DIV_ROUND_UP(s->count, s->chunk), k;
	u64 sum = 0;

	for (k = 0; k < n; k++)
		sum += s->best[k];
	kb_row("kernel_speed", s->name, "ns_per_op_min", "ns", 0,
	       div_u64(kb_ticks_to_ns(sum) * 1000, s->count));
}

static int kb_speed(struct kb_ctx *c, u32 full)
{
	u32 gen_count = genalloc_ops && genalloc_ops < full ? genalloc_ops : full;
	/* One per allocator, and h_pool timed on genalloc's steps. */
	struct kb_series s[KB_COUNT + 1] = { };
	unsigned int run, i, a;
	u64 milli;
	int ret;

	c->gfp = GFP_KERNEL;
	ret = kb_series_init(&s[KB_H_POOL], "h_pool", KB_H_POOL,
			     KB_CHUNK_FAST, full) ?:
	      kb_series_init(&s[KB_T_POOL], "t_pool", KB_T_POOL,
			     KB_CHUNK_FAST, full) ?:
	      kb_series_init(&s[KB_H_POOL_CACHE], "h_pool_cache",
			     KB_H_POOL_CACHE, KB_CHUNK_FAST, full) ?:
	      kb_series_init(&s[KB_KMALLOC], "kmalloc", KB_KMALLOC,
			     KB_CHUNK_FAST, full) ?:
	      kb_series_init(&s[KB_GENALLOC], "genalloc", KB_GENALLOC,
			     KB_CHUNK_GENALLOC, gen_count) ?:
	      kb_series_init(&s[KB_COUNT], "h_pool_genalloc_steps", KB_H_POOL,
			     KB_CHUNK_FAST, gen_count);
	if (ret)
		goto out;

	for (a = 0; a < KB_GENALLOC; a++) {
		ret = kb_timed_replay(c, &s[a], &milli);	/* warm-up */
		if (ret)
			goto out;
	}
	for (run = 0; run < runs; run++) {
		for (i = 0; i < KB_GENALLOC; i++) {
			a = (run + i) % KB_GENALLOC;
			ret = kb_timed_replay(c, &s[a], &milli);
			if (ret)
				goto out;
			kb_row("kernel_speed", s[a].name, "ns_per_op", "ns", run,
			       milli);
		}
	}

	/*
	 * genalloc searches its bitmap first-fit from the start of the arena
	 * on every allocation: on this trace it is orders of magnitude
	 * slower, so it gets fewer runs, and possibly a prefix of the trace,
	 * with h_pool timed on the same steps beside it.
	 */
	for (run = 0; run < genalloc_runs; run++) {
		for (i = KB_GENALLOC; i < ARRAY_SIZE(s); i++) {
			ret = kb_timed_replay(c, &s[i], &milli);
			if (ret)
				goto out;
			kb_row("kernel_speed", s[i].name, "ns_per_op", "ns", run,
			       milli);
		}
	}
	kb_row("kernel_speed", "genalloc", "steps", "steps", 0,
	       (u64)gen_count * 1000);
	for (i = 0; i < ARRAY_SIZE(s); i++)
		kb_series_report(&s[i]);
out:
	for (i = 0; i < ARRAY_SIZE(s); i++)
		vfree(s[i].best);
	c->count = full;
	return ret;
}

/* ---- figure 3: latency of each step, interrupts off ---------------------- */

static int kb_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile num/den of the sorted @lat[0..n). */
static u32 kb_rank(const u32 *lat, u32 n, u64 num, u64 den)
{
	u64 idx = div64_u64((u64)n * num + den - 1, den);

	return lat[idx ? idx - 1 : 0];
}

static void kb_percentiles(const char *series, u32 *lat, u32 n, bool curve)
{
	static const struct {
		const char *name;
		u64 num, den;
	} pct[] = {
		{ "p50", 1, 2 },
		{ "p99", 99, 100 },
		{ "p99.9", 999, 1000 },
		{ "p99.99", 9999, 10000 },
		{ "max", 1, 1 },
	};
	u32 cnt, later_max = 0;
	char metric[32];
	unsigned int i;
	u64 sum = 0;

	/*
	 * The first step runs on a new pool, with caches full of whatever
	 * setting it up touched: it is reported apart as well.
	 */
	for (cnt = 0; cnt < n; cnt++) {
		sum += lat[cnt];
		if (cnt)
			later_max = max(later_max, lat[cnt]);
	}
	kb_row("kernel_latency", series, "mean", "ns", 0, div_u64(sum * 1000, n));
	kb_row("kernel_latency", series, "first", "ns", 0, (u64)lat[0] * 1000);
	kb_row("kernel_latency", series, "max_after_first", "ns", 0,
	       (u64)later_max * 1000);
	sort(lat, n, sizeof(*lat), kb_cmp_u32, NULL);
	for (i = 0; i < ARRAY_SIZE(pct); i++)
		kb_row("kernel_latency", series, pct[i].name, "ns", 0,
		       (u64)kb_rank(lat, n, pct[i].num, pct[i].den) * 1000);
	if (!curve)
		return;
	/*
	 * The exceedance curve: the latency that @cnt of the @n steps reach
	 * or pass, for @cnt shrinking geometrically from @n to 1.
	 */
	for (cnt = n; cnt; cnt = cnt - max(cnt / 8, 1U)) {
		snprintf(metric, sizeof(metric), "exceed=%u/%u", cnt, n);
		kb_row("kernel_latcurve", series, metric, "ns", 0,
		       (u64)lat[n - cnt] * 1000);
	}
}

/* Time every step of one replay alone; keep the minimum per step. */
static int kb_latency_rep(struct kb_ctx *c, enum kb_alloc a, u32 *lat,
			  u32 *first, bool is_first)
{
	unsigned long flags;
	u32 i, failed = 0;
	int ret;

	ret = kb_setup(c, a);
	if (ret)
		return ret;
	for (i = 0; i < c->count; i++) {
		u64 t0, t1;
		u32 d;

		local_irq_save(flags);
		t0 = kb_ticks();
		failed += !kb_step(c, a, &c->ops[i]);
		t1 = kb_ticks();
		local_irq_restore(flags);
		d = (u32)min_t(u64, kb_ticks_to_ns(t1 - t0), U32_MAX);
		if (is_first) {
			lat[i] = d;
			first[i] = d;
		} else if (d < lat[i]) {
			lat[i] = d;
		}
	}
	kb_teardown(c, a);
	cond_resched();
	if (failed) {
		pr_err("%s: %u allocations failed in the latency run\n",
		       kb_names[a], failed);
		return -ENOSPC;
	}
	return 0;
}

/* The clock alone, timed the same way, as often as there are steps. */
static void kb_latency_clock(u32 count, u32 *lat)
{
	unsigned long flags;
	u32 i;

	for (i = 0; i < count; i++) {
		u64 t0, t1;

		local_irq_save(flags);
		t0 = kb_ticks();
		t1 = kb_ticks();
		local_irq_restore(flags);
		lat[i] = (u32)min_t(u64, kb_ticks_to_ns(t1 - t0), U32_MAX);
	}
}

static int kb_latency(struct kb_ctx *c)
{
	static const enum kb_alloc which[] = { KB_H_POOL, KB_T_POOL,
					       KB_H_POOL_CACHE, KB_KMALLOC };
	unsigned int w, rep, reps = max(lat_reps, 1U);
	char series[32];
	u32 *lat, *first;
	int ret = 0;

	lat = vmalloc(array_size(c->count, sizeof(*lat)));
	first = vmalloc(array_size(c->count, sizeof(*first)));
	if (!lat || !first) {
		ret = -ENOMEM;
		goto out;
	}
	/* Interrupts are off around each step: nothing may sleep. */
	c->gfp = GFP_ATOMIC;
	for (w = 0; w < ARRAY_SIZE(which); w++) {
		for (rep = 0; rep < reps; rep++) {
			ret = kb_latency_rep(c, which[w], lat, first, !rep);
			if (ret)
				goto out;
		}
		kb_percentiles(kb_names[which[w]], lat, c->count, true);
		snprintf(series, sizeof(series), "%s_1rep", kb_names[which[w]]);
		kb_percentiles(series, first, c->count, true);
	}
	kb_latency_clock(c->count, lat);
	kb_percentiles("clock", lat, c->count, false);
out:
	c->gfp = GFP_KERNEL;
	vfree(first);
	vfree(lat);
	return ret;
}

/* ---- figure 5: compaction against memmove --------------------------------- */

/* A t_pool filled to 90% by the trace's sizes, half its blocks freed. */
static struct t_pool *kb_fragmented_pool(size_t arena, u64 *handles,
					 u32 room, u64 stream)
{
	struct t_pool *pool = t_pool_create(arena, room);

	if (pool)
		bench_fragment_t_pool(pool, arena, handles, room, stream);
	return pool;
}

/* The used blocks of @pool in address order; returns how many. */
static u32 kb_list_used(struct t_pool *pool, struct t_pool_extent *used,
			u32 room)
{
	struct t_pool_extent batch[16];
	size_t cursor = 0, arena;
	unsigned int got, i;
	u32 n = 0;

	t_pool_arena(pool, &arena);
	while (cursor < arena) {
		got = t_pool_walk(pool, &cursor, batch, ARRAY_SIZE(batch));
		if (!got)
			break;
		for (i = 0; i < got && n < room; i++)
			if (batch[i].handle != T_POOL_NO_HANDLE)
				used[n++] = batch[i];
	}
	return n;
}

/* Compact @buf as a pool with @used blocks would be; returns bytes moved. */
static size_t kb_memmove_compact(u8 *buf, const struct t_pool_extent *used,
				 u32 n)
{
	size_t dst = 0, moved = 0;
	u32 i;

	for (i = 0; i < n; i++) {
		if (used[i].offset != dst) {
			memmove(buf + dst, buf + used[i].offset, used[i].size);
			moved += used[i].size;
		}
		dst += used[i].size;
	}
	return moved;
}

static int kb_reorder(void)
{
	size_t arena = (size_t)min(arena_mib, 32U) << 20;
	u32 room = arena / 512, nused;
	struct t_pool_reorder_result res;
	struct t_pool_extent *used;
	struct t_pool *pool;
	u64 *handles;
	unsigned int run;
	u64 t0, t1;
	size_t peer;
	int ret = 0;
	u8 *buf;

	handles = vmalloc(array_size(room, sizeof(*handles)));
	used = vmalloc(array_size(room, sizeof(*used)));
	buf = vzalloc(arena);
	if (!handles || !used || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (run = 0; run < runs; run++) {
		pool = kb_fragmented_pool(arena, handles, room, seed + run);
		if (!pool) {
			ret = -ENOMEM;
			goto out;
		}
		nused = kb_list_used(pool, used, room);
		kb_prefault_write(t_pool_arena(pool, NULL), arena);
		kb_prefault(used, nused * sizeof(*used));

		t0 = ktime_get_ns();
		ret = t_pool_reorder(pool, &res);
		t1 = ktime_get_ns();
		destroy_t_pool(pool);
		if (ret)
			goto out;
		kb_row("kernel_reorder", "t_pool_reorder", "mb_per_s", "MB/s",
		       run, div64_u64((u64)res.bytes_moved * 1000 * 1000,
				      max(t1 - t0, 1ULL)));
		kb_row("kernel_reorder", "t_pool_reorder", "bytes_moved",
		       "bytes", run, (u64)res.bytes_moved * 1000);

		kb_prefault_write(buf, arena);
		t0 = ktime_get_ns();
		peer = kb_memmove_compact(buf, used, nused);
		t1 = ktime_get_ns();
		kb_row("kernel_reorder", "memmove", "mb_per_s", "MB/s", run,
		       div64_u64((u64)peer * 1000 * 1000, max(t1 - t0, 1ULL)));
		cond_resched();
	}
out:
	vfree(buf);
	vfree(used);
	vfree(handles);
	return ret;
}

/* ---- figure 7: kmalloc's bytes per block ---------------------------------- */

static int kb_overhead(struct kb_ctx *c)
{
	u64 requested = 0, taken = 0;
	u32 i, n = min(live, c->count);
	int ret = 0;

	memset(c->slot, 0, c->slots * sizeof(*c->slot));
	for (i = 0; i < n; i++) {
		const struct bench_op *op = &c->ops[i];

		c->slot[op->slot].ptr = kmalloc(op->size, GFP_KERNEL);
		if (!c->slot[op->slot].ptr) {
			ret = -ENOMEM;
			break;
		}
		requested += op->size;
		taken += ksize(c->slot[op->slot].ptr);
	}
	for (i = 0; i < c->slots; i++)
		kfree(c->slot[i].ptr);
	if (!ret && n)
		kb_row("kernel_overhead", "kmalloc", "bytes_per_block", "bytes",
		       0, div_u64((taken - requested) * 1000, n));
	return ret;
}

/* ---- the collector: binary-trees (figure 9) ---------------------------------- */

/*
 * Every step's hold and every allocation of a replay, indexed in the order
 * they come: the run is deterministic, so the same index is the same work
 * in every replay, and each keeps its least time.
 */
struct kb_gc {
	struct ckremm_gc *gc;
	struct t_pool *pool;
	struct ckremm_gc_scope scope;
	u64 slots[64];
	int type;
	unsigned int rep;
	u32 *gap, *dur, nsteps, max_steps, step_at;
	u32 *alloc, nallocs, max_allocs, alloc_at;
	u64 last, step_1rep, alloc_1rep;
	bool full;
};

static struct kb_gc *kb_gc_ctx;
bool kb_gc_on;
bool kb_gc_in_step;
u64 kb_gc_t0;

u64 kb_gc_ticks(void)
{
	return kb_ticks();
}

static u32 kb_gc_min(u32 *slot, u64 ticks, bool first)
{
	u32 t = ticks > U32_MAX ? U32_MAX : (u32)ticks;

	if (first || t < *slot)
		*slot = t;
	return t;
}

void kb_gc_held(u64 t0, u64 t1)
{
	struct kb_gc *g = kb_gc_ctx;
	u32 i = g->step_at++;

	if (!g->rep && t1 - t0 > g->step_1rep)
		g->step_1rep = t1 - t0;
	if (i >= g->max_steps) {
		g->full = true;
		return;
	}
	kb_gc_min(&g->gap[i], t0 - g->last, !g->rep);
	kb_gc_min(&g->dur[i], t1 - t0, !g->rep);
	g->last = t1;
}

static int kb_gc_alloc(struct kb_gc *g, u64 *h)
{
	unsigned long flags;
	u64 t0, t1;
	u32 i = g->alloc_at++;
	int ret;

	local_irq_save(flags);
	t0 = kb_ticks();
	ret = ckremm_gc_alloc(g->gc, 16, g->type, 0, &g->scope, h);
	t1 = kb_ticks();
	local_irq_restore(flags);
	if (!g->rep && t1 - t0 > g->alloc_1rep)
		g->alloc_1rep = t1 - t0;
	if (i < g->max_allocs)
		kb_gc_min(&g->alloc[i], t1 - t0, !g->rep);
	else
		g->full = true;
	return ret;
}

/* A tree of depth @d, its root left on the scope; 0 or an error. */
static int kb_gc_tree(struct kb_gc *g, unsigned int d, u64 *node)
{
	unsigned int at = g->scope.depth;
	u64 kids[2];
	int ret = kb_gc_alloc(g, node);

	if (ret || !d)
		return ret;
	ret = kb_gc_tree(g, d - 1, &kids[0]);
	if (!ret)
		ret = kb_gc_tree(g, d - 1, &kids[1]);
	if (!ret)
		ret = t_pool_write(g->pool, *node, 0, kids, sizeof(kids));
	ckremm_gc_scope_restore(g->gc, &g->scope, at + 1);
	return ret;
}

static u64 kb_gc_check(struct kb_gc *g, u64 node)
{
	u64 kids[2];

	if (t_pool_read(g->pool, node, 0, kids, sizeof(kids)) || !kids[0])
		return 1;
	return 1 + kb_gc_check(g, kids[0]) + kb_gc_check(g, kids[1]);
}

/* Build, check and drop a tree of depth @d; -EIO for a wrong count. */
static int kb_gc_tree_check(struct kb_gc *g, unsigned int d)
{
	unsigned int at = g->scope.depth;
	u64 node;
	int ret = kb_gc_tree(g, d, &node);

	if (!ret && kb_gc_check(g, node) != (2ULL << d) - 1)
		ret = -EIO;
	ckremm_gc_scope_restore(g->gc, &g->scope, at);
	return ret;
}

/* One replay of binary-trees of depth gc_depth on a new heap. */
static int kb_gc_replay(struct kb_gc *g, size_t arena)
{
	u64 map = 3, node;
	unsigned int d;
	int ret;

	g->pool = t_pool_create(arena, arena / 16);
	g->gc = g->pool ? ckremm_gc_create(g->pool, NULL) : NULL;
	if (!g->gc) {
		ret = -ENOMEM;
		goto out;
	}
	g->type = ckremm_gc_type_register(g->gc, &map, 2, 0);
	if (g->type < 0) {
		ret = g->type;
		goto out;
	}
	ckremm_gc_scope_init(g->gc, &g->scope, g->slots, ARRAY_SIZE(g->slots));
	g->step_at = 0;
	g->alloc_at = 0;
	g->last = kb_ticks();
	kb_gc_on = true;
	ret = kb_gc_tree_check(g, gc_depth + 1);
	if (!ret)
		ret = kb_gc_tree(g, gc_depth, &node);
	if (!ret)
		ret = ckremm_gc_root_set(g->gc, 0, node);
	ckremm_gc_scope_restore(g->gc, &g->scope, 0);
	for (d = 4; !ret && d <= gc_depth; d += 2) {
		u64 i, iters = 1ULL << (gc_depth - d + 4);

		for (i = 0; !ret && i < iters; i++)
			ret = kb_gc_tree_check(g, d);
	}
	if (!ret && kb_gc_check(g, node) != (2ULL << gc_depth) - 1)
		ret = -EIO;
	kb_gc_on = false;
	if (!g->rep) {
		g->nsteps = min(g->step_at, g->max_steps);
		g->nallocs = min(g->alloc_at, g->max_allocs);
	}
	ckremm_gc_scope_exit(g->gc, &g->scope);
out:
	ckremm_gc_destroy(g->gc);
	destroy_t_pool(g->pool);
	g->gc = NULL;
	g->pool = NULL;
	return ret;
}

static int kb_u32_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static void kb_gc_report(struct kb_gc *g)
{
	u64 ms = div64_u64(NSEC_PER_MSEC << 32, kb_ns_per_tick_q32);
	u64 w[2] = { ms, 10 * ms }, worst;
	const char *mmu[2] = { "mmu_gc_1ms", "mmu_gc_10ms" };
	int i;

	for (i = 0; i < 2; i++) {
		worst = bench_mmu_worst(g->gap, g->dur, g->nsteps, w[i]);
		kb_row("kernel_gc", "ckremm", mmu[i], "ratio", 0,
		       worst >= w[i] ? 0 : div64_u64((w[i] - worst) * 1000, w[i]));
	}
	kb_row("kernel_gc", "ckremm", "step_max_1rep", "ns", 0,
	       kb_ticks_to_ns(g->step_1rep) * 1000);
	kb_row("kernel_gc", "ckremm", "alloc_max_1rep", "ns", 0,
	       kb_ticks_to_ns(g->alloc_1rep) * 1000);
	sort(g->dur, g->nsteps, sizeof(u32), kb_u32_cmp, NULL);
	sort(g->alloc, g->nallocs, sizeof(u32), kb_u32_cmp, NULL);
	if (g->nsteps) {
		kb_row("kernel_gc", "ckremm", "step_p50", "ns", 0,
		       kb_ticks_to_ns(g->dur[g->nsteps / 2]) * 1000);
		kb_row("kernel_gc", "ckremm", "step_max", "ns", 0,
		       kb_ticks_to_ns(g->dur[g->nsteps - 1]) * 1000);
	}
	if (g->nallocs) {
		kb_row("kernel_gc", "ckremm", "alloc_p50", "ns", 0,
		       kb_ticks_to_ns(g->alloc[g->nallocs / 2]) * 1000);
		kb_row("kernel_gc", "ckremm", "alloc_max", "ns", 0,
		       kb_ticks_to_ns(g->alloc[g->nallocs - 1]) * 1000);
	}
	kb_row("kernel_gc", "ckremm", "steps", "count", 0, (u64)g->nsteps * 1000);
}

static int kb_gc(void)
{
	size_t live = (size_t)16 * ((2ULL << gc_depth) - 1) * 2;
	size_t arena = round_up(live * gc_live_mult, PAGE_SIZE);
	unsigned int reps = max(lat_reps, 1U);
	struct kb_gc *g;
	int ret = 0;

	if (gc_depth < 6 || gc_depth > 20 || !gc_live_mult)
		return -EINVAL;
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	/* Nodes allocated: about (gc_depth / 2 + 2) * 2^(gc_depth + 5). */
	g->max_allocs = (gc_depth / 2 + 3) << (gc_depth + 5);
	g->max_steps = g->max_allocs / 8;
	g->gap = vmalloc(array_size(g->max_steps, sizeof(u32)));
	g->dur = vmalloc(array_size(g->max_steps, sizeof(u32)));
	g->alloc = vmalloc(array_size(g->max_allocs, sizeof(u32)));
	if (!g->gap || !g->dur || !g->alloc) {
		ret = -ENOMEM;
		goto out;
	}
	kb_gc_ctx = g;
	for (g->rep = 0; !ret && g->rep < reps; g->rep++)
		ret = kb_gc_replay(g, arena);
	if (!ret && g->full)
		ret = -ENOSPC;
	if (ret)
		pr_err("gc: binary-trees of depth %u failed: %d\n", gc_depth, ret);
	else
		kb_gc_report(g);
out:
	vfree(g->alloc);
	vfree(g->dur);
	vfree(g->gap);
	kfree(g);
	return ret;
}

/* ---- module ------------------------------------------------------------------ */

static int __init ckremm_bench_init(void)
{
	struct bench_trace_shape shape = {
		.ops = ops, .live = live, .lo = 16, .k = 8, .seed = seed,
	};
	struct kb_ctx c = { .arena = (size_t)arena_mib << 20, .gfp = GFP_KERNEL };
	struct bench_op *trace = NULL;
	u32 *scratch = NULL;
	int ret = 0;

	if (!live || ops < 2 * live || !runs || !arena_mib) {
		pr_err("need live >= 1, ops >= 2 * live, runs >= 1, arena_mib >= 1\n");
		return -EINVAL;
	}
	c.slots = bench_trace_slots(&shape);
	trace = vmalloc(array_size((size_t)ops + 1, sizeof(*trace)));
	scratch = vmalloc(array_size(c.slots, sizeof(*scratch)));
	c.slot = vmalloc(array_size(c.slots, sizeof(*c.slot)));
	if (!trace || !scratch || !c.slot) {
		ret = -ENOMEM;
		goto out;
	}
	kb_calibrate();
	c.count = bench_trace_make(&shape, trace, scratch);
	c.ops = trace;
	pr_info("# trace: %u steps, %u slots, sizes 16..4096 log-uniform, seed %llu, digest %016llx\n",
		c.count, c.slots, seed, bench_trace_digest(trace, c.count));

	if (kb_wants("speed"))
		ret = kb_speed(&c, c.count);
	if (!ret && kb_wants("latency"))
		ret = kb_latency(&c);
	if (!ret && kb_wants("reorder"))
		ret = kb_reorder();
	if (!ret && kb_wants("overhead"))
		ret = kb_overhead(&c);
	if (!ret && kb_wants("gc"))
		ret = kb_gc();
	pr_info("# done: %d\n", ret);
out:
	vfree(c.slot);
	vfree(scratch);
	vfree(trace);
	/* Staying loaded would change nothing; report a failure as such. */
	return ret;
}

static void __exit ckremm_bench_exit(void)
{
}

module_init(ckremm_bench_init);
module_exit(ckremm_bench_exit);

MODULE_DESCRIPTION("ckremm pool benchmarks against kmalloc and genalloc");
MODULE_LICENSE("GPL");
/* The pools are compiled in; the import states the namespace all the same. */
MODULE_IMPORT_NS(CKREMM_NS);
