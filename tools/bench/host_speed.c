// SPDX-License-Identifier: GPL-2.0-only
/*
 * Figure 1: the same pre-generated trace through h_pool, t_pool (handles)
 * and glibc malloc/free, in ns per operation.
 *
 * Only the replay loop is timed: the trace is generated before, pools are
 * created (arena zeroed) before and destroyed after.  Each allocator
 * replays the trace once untimed first, so that glibc's heap has grown and
 * its pages are mapped, as the pools' arenas are when they are created;
 * glibc is told never to give memory back (M_TRIM_THRESHOLD) so that it
 * stays that way between runs.  Every round times each allocator once, in
 * a rotating order, so that a slow spell of a noisy machine does not land
 * on one allocator only.
 *
 * The icount benchmark replays the trace once for one allocator, inside a
 * function named icount_replay, for callgrind's --toggle-collect: the
 * instruction count does not depend on the machine's load.
 */
#include <malloc.h>

#include <ckremm/h_pool.h>
#include <ckremm/t_pool.h>

#include "bench_host.h"

enum bench_alloc { BA_H_POOL, BA_H_POOL_CACHE, BA_T_POOL, BA_GLIBC,
		   BA_COUNT };

static const char *const alloc_names[BA_COUNT] = {
	[BA_H_POOL] = "h_pool", [BA_H_POOL_CACHE] = "h_pool_cache",
	[BA_T_POOL] = "t_pool", [BA_GLIBC] = "glibc",
};

/* Per-slot names of the live blocks: pointers, or t_pool handles. */
union bench_name {
	void *ptr;
	u64 handle;
};

struct bench_ctx {
	const struct bench_trace *trace;
	union bench_name *names;
	size_t arena;
	unsigned int hp_flags;	/* h_pool_create() flags */
	struct h_pool *hp;
	struct t_pool *tp;
};

/* Each returns the number of failed allocations (0 expected). */
static __attribute__((noinline)) u32 replay_h_pool(struct bench_ctx *c)
{
	const struct bench_op *op = c->trace->ops, *end = op + c->trace->count;
	union bench_name *names = c->names;
	struct h_pool *pool = c->hp;
	u32 failed = 0;

	for (; op < end; op++) {
		if (op->size) {
			names[op->slot].ptr = h_pool_alloc(pool, op->size);
			failed += !names[op->slot].ptr;
		} else if (names[op->slot].ptr) {
			h_pool_dealloc(pool, names[op->slot].ptr);
		}
	}
	return failed;
}

static __attribute__((noinline)) u32 replay_t_pool(struct bench_ctx *c)
{
	const struct bench_op *op = c->trace->ops, *end = op + c->trace->count;
	union bench_name *names = c->names;
	struct t_pool *pool = c->tp;
	u32 failed = 0;

	for (; op < end; op++) {
		if (op->size) {
			names[op->slot].handle =
				t_pool_alloc_handle(pool, op->size, 0);
			failed += names[op->slot].handle == T_POOL_NO_HANDLE;
		} else if (names[op->slot].handle != T_POOL_NO_HANDLE) {
			t_pool_free(pool, names[op->slot].handle);
		}
	}
	return failed;
}

static __attribute__((noinline)) u32 replay_glibc(struct bench_ctx *c)
{
	const struct bench_op *op = c->trace->ops, *end = op + c->trace->count;
	union bench_name *names = c->names;
	u32 failed = 0;

	for (; op < end; op++) {
		if (op->size) {
			names[op->slot].ptr = malloc(op->size);
			failed += !names[op->slot].ptr;
		} else {
			free(names[op->slot].ptr);
		}
	}
	return failed;
}

static void ctx_setup(struct bench_ctx *c, enum bench_alloc a)
{
	memset(c->names, 0, c->trace->slots * sizeof(*c->names));
	if (a == BA_H_POOL || a == BA_H_POOL_CACHE) {
		unsigned int flags = a == BA_H_POOL_CACHE ? H_POOL_CACHE :
							    c->hp_flags;

		c->hp = h_pool_create(c->arena, flags);
		if (!c->hp)
			bench_die("h_pool_create(%zu, %#x) failed", c->arena,
				  flags);
	} else if (a == BA_T_POOL) {
		c->tp = t_pool_create(c->arena, c->trace->slots + 64);
		if (!c->tp)
			bench_die("t_pool_create(%zu) failed", c->arena);
	}
}

static void ctx_teardown(struct bench_ctx *c, enum bench_alloc a)
{
	if (a == BA_H_POOL || a == BA_H_POOL_CACHE)
		destroy_h_pool(c->hp);
	else if (a == BA_T_POOL)
		destroy_t_pool(c->tp);
	c->hp = NULL;
	c->tp = NULL;
}

static u32 replay(struct bench_ctx *c, enum bench_alloc a)
{
	switch (a) {
	case BA_H_POOL:
	case BA_H_POOL_CACHE:
		return replay_h_pool(c);
	case BA_T_POOL:
		return replay_t_pool(c);
	default:
		return replay_glibc(c);
	}
}

/* Time one replay of @a, set up and torn down outside the clock. */
static double timed_replay(struct bench_ctx *c, enum bench_alloc a)
{
	u64 start, stop;
	u32 failed;

	ctx_setup(c, a);
	start = bench_now_ns();
	failed = replay(c, a);
	stop = bench_now_ns();
	ctx_teardown(c, a);
	if (failed)
		bench_die("%s: %u allocations failed: the arena is too small for the trace",
			  alloc_names[a], failed);
	return (double)(stop - start) / c->trace->count;
}

int bench_speed(const struct bench_opts *o)
{
	struct bench_trace trace;
	struct bench_ctx c = { .trace = &trace, .arena = o->arena };
	unsigned int run, i;
	int a;

	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	bench_trace_alloc(&trace, o);
	c.names = bench_xcalloc(trace.slots, sizeof(*c.names));
	printf("# speed: %u runs, arena %zu bytes, ns per trace step\n",
	       o->runs, o->arena);

	for (a = 0; a < BA_COUNT; a++)
		timed_replay(&c, (enum bench_alloc)a);	/* warm-up */
	for (run = 0; run < o->runs; run++) {
		for (i = 0; i < BA_COUNT; i++) {
			a = (int)((run + i) % BA_COUNT);
			bench_row("host_speed", alloc_names[a], "ns_per_op", "ns",
				  run, timed_replay(&c, (enum bench_alloc)a));
		}
	}
	free(c.names);
	bench_trace_free(&trace);
	return 0;
}

/* The one function callgrind collects in (--toggle-collect=icount_replay). */
static __attribute__((noinline)) u32 icount_replay(struct bench_ctx *c,
						   enum bench_alloc a)
{
	return replay(c, a);
}

int bench_icount(const struct bench_opts *o)
{
	struct bench_trace trace;
	struct bench_ctx c = { .trace = &trace, .arena = o->arena };
	int a;

	for (a = 0; a < BA_COUNT; a++)
		if (o->only && !strcmp(o->only, alloc_names[a]))
			break;
	if (o->only && !strcmp(o->only, "h_pool_keyed")) {
		a = BA_H_POOL;
		c.hp_flags = H_POOL_KEYED;
	}
	if (a == BA_COUNT)
		bench_die("icount needs --only h_pool, h_pool_keyed, h_pool_cache, t_pool or glibc");
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	bench_trace_alloc(&trace, o);
	c.names = bench_xcalloc(trace.slots, sizeof(*c.names));
	ctx_setup(&c, (enum bench_alloc)a);
	if (icount_replay(&c, (enum bench_alloc)a))
		bench_die("%s: allocations failed", alloc_names[a]);
	ctx_teardown(&c, (enum bench_alloc)a);
	printf("# icount: %s replayed %u steps\n", o->only, trace.count);
	free(c.names);
	bench_trace_free(&trace);
	return 0;
}
