// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench.c - the pools' figures on a board (tools/mcu/bench.sh runs it):
 * instructions per allocation and per free, and the RAM a pool costs.
 *
 * The benchmark trace (tools/bench/bench_trace.h: sizes 16 B..4 KiB,
 * log-uniform, blocks freed in random order) sized to the board: 16384
 * steps around 512 live blocks, in a 1 MiB arena.  Every call is counted
 * alone, from a counter read just before it to one read just after it;
 * the reads' own cost is measured and taken off.
 *
 * The counter counts instructions only with QEMU's -icount (bench.sh
 * passes it):
 *   RISC-V  minstret, which -icount makes the count of instructions run
 *   Arm     SysTick at the core clock (25 MHz on the MPS2 boards) counts
 *           virtual time, which -icount shift=10 advances by 1024 ns per
 *           instruction: 25.6 ticks each.  The scale is measured, on both
 *           boards, over 1000 nops.
 *
 * Rows (tools/bench/run.sh collects them), BOARD being MCU_BOARD:
 *   mcu_icount,BOARD:POOL,{alloc,free}_{p50,p99,max,mean},instr,0,N
 *   mcu_ram,BOARD:POOL,meta_bytes_per_pool,B,0,N
 *   mcu_ram,BOARD:POOL,{outside,arena}_bytes_per_block,B,0,N
 *   mcu_ram,BOARD:POOL,meta_size_in,B,0,N	(h_pool_meta_size(),
 *						t_pool_meta_size())
 */
#include <stdio.h>
#include <stdlib.h>

#include <ckremm/h_pool.h>
#include <ckremm/t_pool.h>

#include "ckremm_port.h"
#include "bench_trace.h"
#include "board.h"

#ifndef MCU_BOARD
#define MCU_BOARD "board"
#endif

#define TRACE_OPS	16384
#define TRACE_LIVE	512
#define ARENA		(1U << 20)

/* ---- the counter --------------------------------------------------------- */

#ifdef __riscv
#define COUNTER_MASK	0xffffffffU

static inline u32 counter_read(void)
{
	u32 v;

	__asm__ volatile(".option push\n\t.option arch, +zicsr\n\t"
			 "csrr %0, minstret\n\t.option pop" : "=r"(v));
	return v;
}

static void counter_start(void)
{
}
#else
#define COUNTER_MASK	0xffffffU	/* SysTick is 24 bits wide */
#define SYST_CSR	(*(volatile u32 *)0xe000e010)
#define SYST_RVR	(*(volatile u32 *)0xe000e014)
#define SYST_CVR	(*(volatile u32 *)0xe000e018)

/* SysTick counts down; its negation counts up. */
static inline u32 counter_read(void)
{
	return 0U - SYST_CVR;
}

static void counter_start(void)
{
	SYST_RVR = COUNTER_MASK;
	SYST_CVR = 0;
	SYST_CSR = 5;	/* enabled, core clock, no interrupt */
}
#endif

static inline u32 counter_since(u32 start)
{
	return (counter_read() - start) & COUNTER_MASK;
}

/* What two reads in a row count, and what 1000 instructions count. */
static u32 read_cost, per_1000;

static void calibrate(void)
{
	u32 t, i, least = COUNTER_MASK;

	counter_start();
	for (i = 0; i < 16; i++) {
		t = counter_read();
		t = counter_since(t);
		if (t < least)
			least = t;
	}
	read_cost = least;
	least = COUNTER_MASK;
	for (i = 0; i < 16; i++) {
		t = counter_read();
		__asm__ volatile(".rept 1000\n\tnop\n\t.endr");
		t = counter_since(t);
		if (t < least)
			least = t;
	}
	per_1000 = least - read_cost;
	printf("# counter: %u per 1000 instructions, %u for the reads alone\n",
	       per_1000, read_cost);
}

/* Instructions between a counter read and counter_since(). */
static u32 instructions(u32 counted)
{
	if (counted < read_cost)
		return 0;
	return (u32)(((u64)(counted - read_cost) * 1000 + per_1000 / 2) /
		     per_1000);
}

/* ---- the figures --------------------------------------------------------- */

struct costs {
	u32 *alloc, *free;
	u32 n_alloc, n_free;
};

static int by_value(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return (x > y) - (x < y);
}

static void row(const char *figure, const char *pool, const char *metric,
		const char *unit, unsigned long value)
{
	printf("%s,%s:%s,%s,%s,0,%lu\n", figure, MCU_BOARD, pool, metric, unit,
	       value);
}

static void report(const char *pool, const char *what, u32 *v, u32 n)
{
	char metric[32];
	u64 sum = 0;
	u32 i;

	if (!n)
		return;
	qsort(v, n, sizeof(*v), by_value);
	for (i = 0; i < n; i++)
		sum += v[i];
	snprintf(metric, sizeof(metric), "%s_p50", what);
	row("mcu_icount", pool, metric, "instr", v[n / 2]);
	snprintf(metric, sizeof(metric), "%s_p99", what);
	row("mcu_icount", pool, metric, "instr", v[(u64)n * 99 / 100]);
	snprintf(metric, sizeof(metric), "%s_max", what);
	row("mcu_icount", pool, metric, "instr", v[n - 1]);
	snprintf(metric, sizeof(metric), "%s_mean", what);
	row("mcu_icount", pool, metric, "instr", (unsigned long)(sum / n));
}

static void die(const char *why, u32 step)
{
	printf("# bench: %s at step %u\n", why, step);
	exit(1);
}

/*
 * A pool the trace is replayed on: made, replayed into @slot (one block
 * name per trace slot, @slot_size bytes each), asked for its used bytes,
 * destroyed.  The replays call the pool directly: only its calls are
 * counted.
 */
struct subject {
	const char *name;
	unsigned int flags;
	size_t slot_size;
	void *(*create)(const struct subject *s, u32 slots);
	void (*replay)(void *pool, const struct bench_op *ops, u32 n,
		       void *slot, struct costs *c);
	size_t (*used_bytes)(void *pool);
	void (*destroy)(void *pool);
};

static void *h_create(const struct subject *s, u32 slots)
{
	(void)slots;
	return h_pool_create(ARENA, s->flags);
}

/* Replay @ops on a header pool, counting every call into @c. */
static void h_replay(void *pool, const struct bench_op *ops, u32 n,
		     void *slots, struct costs *c)
{
	void **slot = slots;
	u32 i, t;

	for (i = 0; i < n; i++) {
		const struct bench_op *op = &ops[i];

		if (op->size) {
			t = counter_read();
			slot[op->slot] = h_pool_alloc(pool, op->size);
			c->alloc[c->n_alloc++] = instructions(counter_since(t));
			if (!slot[op->slot])
				die("h_pool_alloc failed", i);
		} else {
			t = counter_read();
			if (!h_pool_dealloc(pool, slot[op->slot]))
				die("h_pool_dealloc refused", i);
			c->free[c->n_free++] = instructions(counter_since(t));
		}
	}
}

static size_t h_used_bytes(void *pool)
{
	struct h_pool_stats st;

	h_pool_get_stats(pool, &st);
	return st.used_bytes;
}

static void h_destroy(void *pool)
{
	destroy_h_pool(pool);
}

#ifdef CONFIG_CKREMM_HPOOL_LEAN
/* The header pool built lean and small (tools/mcu/Makefile): alone. */
static const struct subject subjects[] = {
	{ "h_pool_lean", 0, sizeof(void *), h_create, h_replay, h_used_bytes,
	  h_destroy },
};
#else
static void *t_create(const struct subject *s, u32 slots)
{
	(void)s;
	return t_pool_create(ARENA, slots + 64);
}

static void t_replay(void *pool, const struct bench_op *ops, u32 n,
		     void *slots, struct costs *c)
{
	u64 *slot = slots;
	u32 i, t;
	int err;

	for (i = 0; i < n; i++) {
		const struct bench_op *op = &ops[i];

		if (op->size) {
			t = counter_read();
			slot[op->slot] = t_pool_alloc_handle(pool, op->size, 0);
			c->alloc[c->n_alloc++] = instructions(counter_since(t));
			if (slot[op->slot] == T_POOL_NO_HANDLE)
				die("t_pool_alloc_handle failed", i);
		} else {
			t = counter_read();
			err = t_pool_free(pool, slot[op->slot]);
			c->free[c->n_free++] = instructions(counter_since(t));
			if (err)
				die("t_pool_free refused", i);
		}
	}
}

static size_t t_used_bytes(void *pool)
{
	struct t_pool_stats st;

	t_pool_get_stats(pool, &st);
	return st.used_bytes;
}

static void t_destroy(void *pool)
{
	destroy_t_pool(pool);
}

static const struct subject subjects[] = {
	{ "h_pool", 0, sizeof(void *), h_create, h_replay, h_used_bytes,
	  h_destroy },
	{ "h_pool_cache", H_POOL_CACHE, sizeof(void *), h_create, h_replay,
	  h_used_bytes, h_destroy },
	{ "t_pool", 0, sizeof(u64), t_create, t_replay, t_used_bytes,
	  t_destroy },
};
#endif

/* The first @live steps of a trace are allocations: what they ask for. */
static size_t requested(const struct bench_op *ops, u32 live)
{
	size_t sum = 0;
	u32 i;

	for (i = 0; i < live; i++)
		sum += ops[i].size;
	return sum;
}

/*
 * Replay the trace on @s: what the pool took from the board when made
 * (its arena is the one large block, the rest is the pool's) and over the
 * trace's first TRACE_LIVE blocks, which are all allocations, and what
 * those take of the arena beyond their requests; then every call's cost.
 */
static void measure(const struct subject *s, const struct bench_op *ops,
		    u32 n, u32 slots, struct costs *c)
{
	void *slot = calloc(slots, s->slot_size);
	size_t meta, outside;
	void *pool;

	if (!slot)
		die("out of memory", 0);
	mcu_bm_count_reset();
	pool = s->create(s, slots);
	if (!pool)
		die("cannot make the pool", 0);
	meta = mcu_bm_requested - mcu_bm_largest;
	c->n_alloc = 0;
	c->n_free = 0;
	s->replay(pool, ops, TRACE_LIVE, slot, c);
	outside = mcu_bm_requested - mcu_bm_largest - meta;
	row("mcu_ram", s->name, "meta_bytes_per_pool", "B", meta);
	row("mcu_ram", s->name, "outside_bytes_per_block", "B",
	    outside / TRACE_LIVE);
	row("mcu_ram", s->name, "arena_bytes_per_block", "B",
	    (s->used_bytes(pool) - requested(ops, TRACE_LIVE)) / TRACE_LIVE);
	s->replay(pool, ops + TRACE_LIVE, n - TRACE_LIVE, slot, c);
	report(s->name, "alloc", c->alloc, c->n_alloc);
	report(s->name, "free", c->free, c->n_free);
	s->destroy(pool);
	free(slot);
}

int main(void)
{
	struct bench_trace_shape shape = {
		.ops = TRACE_OPS, .live = TRACE_LIVE, .lo = 16, .k = 8,
		.seed = 1,
	};
	u32 slots = bench_trace_slots(&shape), n, i;
	struct bench_op *ops = calloc(TRACE_OPS + 1, sizeof(*ops));
	u32 *scratch = calloc(slots, sizeof(*scratch));
	struct costs c = {
		.alloc = calloc(TRACE_OPS, sizeof(u32)),
		.free = calloc(TRACE_OPS, sizeof(u32)),
	};

	if (!ops || !scratch || !c.alloc || !c.free)
		die("out of memory", 0);
	n = bench_trace_make(&shape, ops, scratch);
	free(scratch);
	printf("# trace: %u steps, %u slots, sizes 16..4096 log-uniform, seed 1, digest %016llx; arena %u bytes\n",
	       n, slots, (unsigned long long)bench_trace_digest(ops, n), ARENA);
	calibrate();
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
		measure(&subjects[i], ops, n, slots, &c);
	/* What a pool over the caller's memory asks of it beside the arena. */
	row("mcu_ram", subjects[0].name, "meta_size_in", "B",
	    h_pool_meta_size(ARENA, 0));
#ifndef CONFIG_CKREMM_HPOOL_LEAN
	row("mcu_ram", "t_pool", "meta_size_in", "B",
	    t_pool_meta_size(ARENA, slots + 64));
#endif
	return 0;
}
