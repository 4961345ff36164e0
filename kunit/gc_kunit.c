// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for the ckremm garbage collector (include/ckremm/gc.h).
 *
 * The cases build object graphs through the collector and the table
 * pool's own calls, as an in-kernel user would, and judge what the
 * collector keeps and frees: an object reachable from the roots must be
 * live with the bytes it was given, one that is not must be gone once a
 * collection ends, and the pool must stay sound throughout
 * (expect_t_pool_consistent() after the steps that change it).
 *
 *   ckremm_gc           create and destroy, types, allocation, figures
 *   ckremm_gc_graph     typed graphs built and cut with steps of every
 *                       size in between; cycles; maps and repeats; the
 *                       bound of one step
 *   ckremm_gc_roots     root slots, scopes and pins (the pin set, holds)
 *   ckremm_gc_barrier   the snapshot: a reference moved away from an
 *                       object marking has not reached, by every call that
 *                       can erase it; objects made during a cycle
 *   ckremm_gc_final     finalisers run exactly once, outside the lock, in
 *                       ckremm_gc_finalize() only; a full queue; a
 *                       finaliser that pins its object
 *   ckremm_gc_oom       an allocation that finds no room takes one bounded
 *                       step and frees nothing live
 *   ckremm_gc_handles   stale and forged handles in objects, roots and
 *                       scopes keep nothing alive and harm nothing
 *   ckremm_gc_atomic    every call that may be made there, from a hard
 *                       interrupt
 *   ckremm_gc_random    seeded random graphs and calls, checked after every
 *                       call against the reference collector
 *                       (ckremm/model/gc_model.h)
 *   ckremm_gc_work      the background work collects with no step of the
 *                       caller's, runs the finalisers, and stops
 *
 * Every collector is made by gc_env_new(), which has KUnit destroy it
 * and its pool when the case ends, however it ends.  Refused calls make
 * ckremm.ko log rate-limited lines; nothing here may provoke a WARN() or
 * a KASAN report.
 */

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/irqflags.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <ckremm/ckremm_ns.h>
#include <ckremm/gc.h>
#include <ckremm/gc_work.h>
#include <ckremm/t_pool.h>

#include "ckremm_kunit.h"
#include "gc_model.h"

#define KIB		1024
/*
 * A node: two references, then a tag that says which object it is (kept
 * by every node, checked wherever the node is read) and a word of
 * payload.
 */
#define NODE_LEFT	0
#define NODE_RIGHT	1
#define NODE_TAG	2
#define NODE_DATA	3
#define NODE_WORDS	4
#define NODE_BYTES	(NODE_WORDS * 8)
/* Most steps a case waits for a cycle to end. */
#define GC_MAX_STEPS	100000

/* ---------------------------------------------------------------------- */
/* Shared by the suites                                                   */
/* ---------------------------------------------------------------------- */

/* What the finaliser saw; the cases read it after the calls that run it. */
#define FIN_MAX		64U

struct fin_log {
	struct t_pool *pool;
	unsigned int runs;
	u64 h[FIN_MAX];
	unsigned int type[FIN_MAX];
	unsigned int irqs_off;	/* runs with interrupts off: under a lock */
	unsigned int bad_read;	/* runs whose object could not be read */
	unsigned int bad_tag;	/* runs whose object held the wrong tag */
	bool pin;		/* pin the object it is given */
	/* Where the reference collector is, its objects are checked by it. */
	struct gc_model *model;
	u8 *buf;
};

struct gc_env {
	struct kunit *test;
	struct t_pool *pool;
	struct ckremm_gc *gc;
	int node;		/* NODE_WORDS words, the first two references */
	int array;		/* every even word a reference (repeats) */
	struct fin_log fin;
};

/* The tag of the node @h names: not a handle of any pool. */
static u64 tag_of(u64 h)
{
	return (h * 0x9e3779b97f4a7c15ULL) | BIT_ULL(63);
}

static void fin_record(struct ckremm_gc *gc, u64 h, unsigned int type,
		       void *arg)
{
	struct fin_log *log = arg;
	u64 tag = 0;

	if (irqs_disabled())
		log->irqs_off++;
	if (log->model) {
		int i = gc_model_finalized(log->model, h);
		size_t size = i < 0 ? 0 : log->model->o[i].size;

		if (i < 0 || t_pool_read(log->pool, h, 0, log->buf, size))
			log->bad_read++;
		else if (gc_model_diff(log->model, i, log->buf, 0, size) != size)
			log->bad_tag++;
	} else if (t_pool_read(log->pool, h, NODE_TAG * 8, &tag, sizeof(tag))) {
		log->bad_read++;
	} else if (tag != tag_of(h)) {
		log->bad_tag++;
	}
	if (log->runs < FIN_MAX) {
		log->h[log->runs] = h;
		log->type[log->runs] = type;
	}
	log->runs++;
	if (log->pin && !t_pool_pin(log->pool, h))
		log->bad_read++;
}

static void gc_env_destroy(void *arg)
{
	struct gc_env *e = arg;

	ckremm_gc_destroy(e->gc);
	destroy_t_pool(e->pool);
}

/*
 * A table pool of @arena bytes with a collector of @params (a manual
 * one if NULL) and the finaliser fin_record(), the node and array types
 * registered.  KUnit destroys both when the case ends.
 */
static struct gc_env *gc_env_new(struct kunit *test, size_t arena,
				 const struct ckremm_gc_params *params)
{
	static const u64 node_map = BIT_ULL(NODE_LEFT) | BIT_ULL(NODE_RIGHT);
	static const u64 array_map = 1;
	struct ckremm_gc_params p = { .manual = true };
	struct gc_env *e;

	e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	e->test = test;
	e->pool = t_pool_create(arena, 0);
	KUNIT_ASSERT_NOT_NULL(test, e->pool);
	if (params)
		p = *params;
	p.finalize = fin_record;
	p.finalize_arg = &e->fin;
	e->fin.pool = e->pool;
	e->gc = ckremm_gc_create(e->pool, &p);
	if (!e->gc)
		destroy_t_pool(e->pool);
	KUNIT_ASSERT_NOT_NULL(test, e->gc);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, gc_env_destroy, e),
			0);
	e->node = ckremm_gc_type_register(e->gc, &node_map, NODE_WORDS, 0);
	KUNIT_ASSERT_GT(test, e->node, CKREMM_GC_LEAF);
	e->array = ckremm_gc_type_register(e->gc, &array_map, 2,
					   CKREMM_GC_TYPE_REPEAT);
	KUNIT_ASSERT_GT(test, e->array, e->node);
	return e;
}

static u64 gc_new(struct gc_env *e, size_t size, int type, unsigned int flags,
		  struct ckremm_gc_scope *scope)
{
	u64 h = T_POOL_NO_HANDLE;
	int ret;

	ret = ckremm_gc_alloc(e->gc, size, type, flags, scope, &h);
	KUNIT_ASSERT_EQ_MSG(e->test, ret, 0,
			    "ckremm_gc_alloc(%zu, type %d, flags %#x)", size,
			    type, flags);
	KUNIT_ASSERT_NE(e->test, h, T_POOL_NO_HANDLE);
	return h;
}

static void put_word(struct gc_env *e, u64 h, size_t w, u64 v)
{
	KUNIT_ASSERT_EQ_MSG(e->test, t_pool_write(e->pool, h, w * 8, &v, 8), 0,
			    "write of word %zu of %#llx", w, h);
}

static u64 get_word(struct gc_env *e, u64 h, size_t w)
{
	u64 v = 0;

	KUNIT_EXPECT_EQ_MSG(e->test, t_pool_read(e->pool, h, w * 8, &v, 8), 0,
			    "read of word %zu of %#llx", w, h);
	return v;
}

/* A node with its tag, its references empty. */
static u64 node_new(struct gc_env *e, unsigned int flags,
		    struct ckremm_gc_scope *scope)
{
	u64 h = gc_new(e, NODE_BYTES, e->node, flags, scope);

	put_word(e, h, NODE_TAG, tag_of(h));
	return h;
}

static bool is_live(struct gc_env *e, u64 h)
{
	return ckremm_gc_type_of(e->gc, h) >= 0;
}

/* Node @h is live and still holds its tag. */
static void expect_node(struct gc_env *e, u64 h)
{
	KUNIT_EXPECT_TRUE_MSG(e->test, is_live(e, h),
			      "reachable node %#llx was freed", h);
	if (is_live(e, h))
		KUNIT_EXPECT_EQ_MSG(e->test, get_word(e, h, NODE_TAG), tag_of(h),
				    "node %#llx lost its tag", h);
}

static void expect_dead(struct gc_env *e, u64 h)
{
	KUNIT_EXPECT_FALSE_MSG(e->test, is_live(e, h),
			       "unreachable object %#llx survived", h);
}

static struct ckremm_gc_stats gc_stats(struct gc_env *e)
{
	struct ckremm_gc_stats st;

	ckremm_gc_get_stats(e->gc, &st);
	return st;
}

static void expect_sound(struct gc_env *e)
{
	expect_t_pool_consistent(e->test, e->pool,
				 gc_stats(e).phase != CKREMM_GC_COMPACT);
}

static void collect(struct gc_env *e)
{
	KUNIT_EXPECT_EQ(e->test, ckremm_gc_collect(e->gc), 0);
	KUNIT_EXPECT_EQ(e->test, gc_stats(e).phase, CKREMM_GC_IDLE);
	expect_sound(e);
}

/* One step of @budget; fails the case if it did more than it may. */
static void gc_step_checked(struct gc_env *e, size_t budget,
			    struct ckremm_gc_step_result *res)
{
	enum ckremm_gc_phase before = gc_stats(e).phase;

	KUNIT_ASSERT_EQ(e->test, ckremm_gc_step(e->gc, budget, res), 0);
	/* A cycle's start costs the roots; every other step its budget. */
	if (before == CKREMM_GC_MARK || before == CKREMM_GC_SWEEP)
		KUNIT_EXPECT_LE_MSG(e->test, res->work, budget,
				    "a step of budget %zu in phase %d", budget,
				    before);
}

/* Begin a cycle with a step that can do nothing but the start. */
static void cycle_start(struct gc_env *e)
{
	struct ckremm_gc_step_result res;

	KUNIT_ASSERT_EQ(e->test, gc_stats(e).phase, CKREMM_GC_IDLE);
	gc_step_checked(e, 1, &res);
	KUNIT_ASSERT_EQ(e->test, res.phase, CKREMM_GC_MARK);
}

/* Step with @budget until the running cycle ends; finalisers run too. */
static void cycle_finish(struct gc_env *e, size_t budget)
{
	struct ckremm_gc_step_result res;
	unsigned int i;

	for (i = 0; i < GC_MAX_STEPS; i++) {
		gc_step_checked(e, budget, &res);
		if (res.cycle_done)
			return;
		/* A sweep that found the queue full waits for it. */
		if (res.phase == CKREMM_GC_SWEEP && res.finalizers_pending)
			ckremm_gc_finalize(e->gc, 0);
	}
	KUNIT_FAIL(e->test, "no cycle ended in %u steps of %zu", i, budget);
}

static struct ckremm_gc_scope *scope_new(struct gc_env *e, unsigned int max)
{
	struct ckremm_gc_scope *sc;
	u64 *slots;

	sc = kunit_kzalloc(e->test, sizeof(*sc), GFP_KERNEL);
	slots = kunit_kcalloc(e->test, max, sizeof(*slots), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(e->test, sc);
	KUNIT_ASSERT_NOT_NULL(e->test, slots);
	ckremm_gc_scope_init(e->gc, sc, slots, max);
	return sc;
}

/* A list of @n nodes linked by their left words; returns the head. */
static u64 list_new(struct gc_env *e, u64 *nodes, unsigned int n)
{
	unsigned int i;

	for (i = n; i-- > 0;) {
		nodes[i] = node_new(e, 0, NULL);
		if (i + 1 < n)
			put_word(e, nodes[i], NODE_LEFT, nodes[i + 1]);
	}
	return nodes[0];
}

static u64 *handles(struct kunit *test, unsigned int n)
{
	u64 *h = kunit_kcalloc(test, n, sizeof(*h), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	return h;
}

/* ---------------------------------------------------------------------- */
/* ckremm_gc: create, destroy, types, allocation                          */
/* ---------------------------------------------------------------------- */

KUNIT_DEFINE_ACTION_WRAPPER(destroy_t_pool_action, destroy_t_pool,
			    struct t_pool *);

static struct t_pool *kunit_pool(struct kunit *test, size_t size)
{
	struct t_pool *pool = t_pool_create(size, 0);

	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							destroy_t_pool_action,
							pool), 0);
	return pool;
}

static void gc_create_refused(struct kunit *test)
{
	struct t_pool *pool = kunit_pool(test, 64 * KIB);
	struct ckremm_gc_params bad[] = {
		{ .max_types = CKREMM_GC_LEAF + 1 },
		{ .max_types = CKREMM_GC_MAX_TYPES + 1 },
		{ .max_pins = 0x10000 },
		{ .roots = 0x10001 },
		{ .finalize_queue = 0x10001 },
		{ .trigger_percent = 10001 },
	};
	struct ckremm_gc *gc;
	unsigned int i;
	u64 h;

	KUNIT_EXPECT_NULL(test, ckremm_gc_create(NULL, NULL));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_NULL_MSG(test, ckremm_gc_create(pool, &bad[i]),
				      "parameters %u", i);

	/* Only an empty pool. */
	h = t_pool_alloc_handle(pool, 32, 0);
	KUNIT_ASSERT_NE(test, h, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_NULL(test, ckremm_gc_create(pool, NULL));
	KUNIT_ASSERT_EQ(test, t_pool_free(pool, h), 0);

	gc = ckremm_gc_create(pool, NULL);
	KUNIT_ASSERT_NOT_NULL(test, gc);
	KUNIT_EXPECT_PTR_EQ(test, ckremm_gc_pool(gc), pool);
	/* One collector per pool, and the pool outlives it. */
	KUNIT_EXPECT_NULL(test, ckremm_gc_create(pool, NULL));
	KUNIT_EXPECT_FALSE(test, destroy_t_pool(pool));
	ckremm_gc_destroy(gc);
	ckremm_gc_destroy(NULL);

	/* A pool whose collector went is a plain pool, and may take another. */
	h = t_pool_alloc_handle(pool, 32, 0);
	KUNIT_EXPECT_NE(test, h, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h), 0);
	gc = ckremm_gc_create(pool, NULL);
	KUNIT_EXPECT_NOT_NULL(test, gc);
	ckremm_gc_destroy(gc);
	expect_t_pool_consistent(test, pool, true);

	KUNIT_EXPECT_EQ(test, ckremm_gc_step(NULL, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_collect(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_finalize(NULL, 0), 0);
}

static void gc_types(struct kunit *test)
{
	struct ckremm_gc_params p = { .manual = true, .max_types = 5 };
	struct gc_env *e = gc_env_new(test, 64 * KIB, &p);
	u64 map[2] = { ~0ULL, ~0ULL };
	int id;

	/* The node and the array took 2 and 3. */
	KUNIT_EXPECT_EQ(test, e->node, CKREMM_GC_LEAF + 1);
	KUNIT_EXPECT_EQ(test, e->array, CKREMM_GC_LEAF + 2);
	KUNIT_EXPECT_EQ(test, ckremm_gc_type_register(e->gc, NULL, 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_type_register(e->gc, map, 0, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_type_register(e->gc, map, 0x10001, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_type_register(e->gc, map, 1, 0x2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_type_register(NULL, map, 1, 0),
			-EINVAL);
	id = ckremm_gc_type_register(e->gc, map, 70, 0);
	KUNIT_EXPECT_EQ(test, id, 4);
	KUNIT_EXPECT_EQ(test, ckremm_gc_type_register(e->gc, map, 1, 0),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
}

static void gc_alloc_args(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	struct ckremm_gc_params p = { .manual = true };
	struct t_pool *plain = kunit_pool(test, 64 * KIB);
	struct ckremm_gc *nofin;
	u64 h = T_POOL_NO_HANDLE;

	KUNIT_EXPECT_EQ(test, ckremm_gc_alloc(e->gc, 0, 0, 0, NULL, &h),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_alloc(e->gc, 16, e->array + 1, 0,
					      NULL, &h), -EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_alloc(e->gc, 16, 0, 0x4, NULL, &h),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_alloc(e->gc, 16, 0, 0, NULL, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_alloc(NULL, 16, 0, 0, NULL, &h),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, h, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);

	/* A finaliser is asked for only where there is one. */
	nofin = ckremm_gc_create(plain, &p);
	KUNIT_ASSERT_NOT_NULL(test, nofin);
	KUNIT_EXPECT_EQ(test, ckremm_gc_alloc(nofin, 16, 0, CKREMM_GC_FINALIZE,
					      NULL, &h), -EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_alloc(nofin, 16, 0, 0, NULL, &h), 0);
	KUNIT_EXPECT_EQ(test, ckremm_gc_collect(nofin), 0);
	ckremm_gc_destroy(nofin);
	expect_t_pool_consistent(test, plain, true);
}

/* Objects come zeroed and typed, small ones and ones cleared in steps. */
static void gc_alloc_zeroed_typed(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 256 * KIB, NULL);
	static const size_t sizes[] = { 1, 16, 17, 100, 4096, 40000 };
	struct ckremm_gc_scope *sc = scope_new(e, 16);
	u8 *buf = kunit_kmalloc(test, 40000, GFP_KERNEL);
	unsigned int i;
	u64 h;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* Objects larger than a step are cleared a step at a time. */
	t_pool_set_step(e->pool, 1024);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = ALIGN(sizes[i], T_POOL_ALIGN);

		/* Dirty the bytes the next object will get. */
		h = gc_new(e, size, CKREMM_GC_LEAF, 0, NULL);
		memset(buf, 0xa5, size);
		KUNIT_ASSERT_EQ(test, t_pool_write(e->pool, h, 0, buf, size), 0);
		KUNIT_ASSERT_EQ(test, t_pool_free(e->pool, h), 0);

		h = gc_new(e, sizes[i], i % 2 ? e->node : e->array, 0, sc);
		KUNIT_EXPECT_EQ(test, t_pool_size_of(e->pool, h), size);
		KUNIT_EXPECT_EQ(test, ckremm_gc_type_of(e->gc, h),
				i % 2 ? e->node : e->array);
		KUNIT_ASSERT_EQ(test, t_pool_read(e->pool, h, 0, buf, size), 0);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf, 0, size),
				      "object of %zu bytes not zeroed", size);
	}
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, ARRAY_SIZE(sizes));
	KUNIT_EXPECT_EQ(test, gc_stats(e).allocated_bytes, 2 *
			(16 + 16 + 32 + 112 + 4096 + ALIGN(40000, 16)));
	KUNIT_EXPECT_EQ(test, ckremm_gc_type_of(e->gc, T_POOL_NO_HANDLE),
			-EINVAL);
	expect_sound(e);
	ckremm_gc_scope_exit(e->gc, sc);
}

/* Whatever no root reaches is freed, also blocks of the pool's own calls. */
static void gc_unreachable_freed(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 128 * KIB, NULL);
	struct ckremm_gc_stats st;
	struct t_pool_stats ps;
	u64 *h = handles(test, 64);
	unsigned int i;

	for (i = 0; i < 60; i++)
		h[i] = node_new(e, 0, NULL);
	for (; i < 64; i++) {
		h[i] = t_pool_alloc_handle(e->pool, 48, 0);
		KUNIT_ASSERT_NE(test, h[i], T_POOL_NO_HANDLE);
		KUNIT_EXPECT_EQ(test, ckremm_gc_type_of(e->gc, h[i]),
				CKREMM_GC_WORDS);
	}
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 64);
	collect(e);
	for (i = 0; i < 64; i++)
		expect_dead(e, h[i]);
	st = gc_stats(e);
	KUNIT_EXPECT_EQ(test, st.objects, 0);
	KUNIT_EXPECT_EQ(test, st.freed_objects, 64);
	KUNIT_EXPECT_EQ(test, st.freed_bytes, 60 * NODE_BYTES + 4 * 48);
	KUNIT_EXPECT_EQ(test, st.cycles, 1);
	KUNIT_EXPECT_EQ(test, st.live_bytes, 0);
	KUNIT_EXPECT_GT(test, st.meta_bytes, 0);
	t_pool_get_stats(e->pool, &ps);
	KUNIT_EXPECT_EQ(test, ps.used_blocks, 0);
	KUNIT_EXPECT_EQ(test, ps.free_bytes, ps.arena_size);
	KUNIT_EXPECT_EQ(test, ps.free_blocks, 1);
}

static struct kunit_case gc_cases[] = {
	KUNIT_CASE(gc_create_refused),
	KUNIT_CASE(gc_types),
	KUNIT_CASE(gc_alloc_args),
	KUNIT_CASE(gc_alloc_zeroed_typed),
	KUNIT_CASE(gc_unreachable_freed),
	{}
};

static struct kunit_suite gc_suite = {
	.name = "ckremm_gc",
	.test_cases = gc_cases,
};

/* ---------------------------------------------------------------------- */
/* ckremm_gc_graph: graphs built and cut, steps in between                */
/* ---------------------------------------------------------------------- */

/* A list cut in the middle: the head's half lives, the tail's goes. */
static void gc_list_cut(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	u64 *h = handles(test, 64);
	struct ckremm_gc_stats st;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, ckremm_gc_root_set(e->gc, 0, list_new(e, h, 64)),
			0);
	collect(e);
	for (i = 0; i < 64; i++)
		expect_node(e, h[i]);
	put_word(e, h[31], NODE_LEFT, T_POOL_NO_HANDLE);
	collect(e);
	for (i = 0; i < 64; i++) {
		if (i < 32)
			expect_node(e, h[i]);
		else
			expect_dead(e, h[i]);
	}
	for (i = 0; i < 31; i++)
		KUNIT_EXPECT_EQ(test, get_word(e, h[i], NODE_LEFT), h[i + 1]);
	st = gc_stats(e);
	KUNIT_EXPECT_EQ(test, st.objects, 32);
	KUNIT_EXPECT_EQ(test, st.freed_objects, 32);
	KUNIT_EXPECT_EQ(test, st.live_bytes, 32 * NODE_BYTES);
	KUNIT_EXPECT_EQ(test, st.cycles, 2);
}

/* Cycles die when nothing reaches them; a reachable cycle lives. */
static void gc_cycles(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	u64 a[8], b[8];
	unsigned int i;

	list_new(e, a, 8);
	list_new(e, b, 8);
	put_word(e, a[7], NODE_LEFT, a[0]);
	put_word(e, b[7], NODE_LEFT, b[0]);
	/* A node may refer to itself and to any other, twice. */
	put_word(e, a[3], NODE_RIGHT, a[3]);
	put_word(e, b[5], NODE_RIGHT, a[5]);
	KUNIT_ASSERT_EQ(test, ckremm_gc_root_set(e->gc, 3, a[4]), 0);
	collect(e);
	for (i = 0; i < 8; i++) {
		expect_node(e, a[i]);
		expect_dead(e, b[i]);
	}
	KUNIT_ASSERT_EQ(test, ckremm_gc_root_set(e->gc, 3, T_POOL_NO_HANDLE), 0);
	collect(e);
	for (i = 0; i < 8; i++)
		expect_dead(e, a[i]);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
}

/*
 * Which words are references: every word of CKREMM_GC_WORDS, none of a
 * leaf, the map's words of a type, all along an array whose map repeats,
 * none past a map that does not.
 */
static void gc_maps(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 128 * KIB, NULL);
	struct ckremm_gc_scope *sc = scope_new(e, 8);
	enum { WORDS_AT_5, LEAF_AT_0, NODE_AT_RIGHT, NODE_PAST_MAP,
	       ARRAY_EVEN, ARRAY_ODD, ARRAY_FAR, TARGETS };
	u64 t[TARGETS], words, leaf, node, array;
	unsigned int i;

	words = gc_new(e, 64, CKREMM_GC_WORDS, 0, sc);
	leaf = gc_new(e, 64, CKREMM_GC_LEAF, 0, sc);
	node = gc_new(e, 64, e->node, 0, sc);
	array = gc_new(e, 8 * 300, e->array, 0, sc);
	for (i = 0; i < TARGETS; i++)
		t[i] = node_new(e, 0, NULL);
	put_word(e, words, 5, t[WORDS_AT_5]);
	put_word(e, leaf, 0, t[LEAF_AT_0]);
	put_word(e, node, NODE_RIGHT, t[NODE_AT_RIGHT]);
	/* Word 6 of a 64-byte node is past its map of 4 words. */
	put_word(e, node, 6, t[NODE_PAST_MAP]);
	put_word(e, array, 10, t[ARRAY_EVEN]);
	put_word(e, array, 11, t[ARRAY_ODD]);
	put_word(e, array, 298, t[ARRAY_FAR]);
	collect(e);
	expect_node(e, t[WORDS_AT_5]);
	expect_dead(e, t[LEAF_AT_0]);
	expect_node(e, t[NODE_AT_RIGHT]);
	expect_dead(e, t[NODE_PAST_MAP]);
	expect_node(e, t[ARRAY_EVEN]);
	expect_dead(e, t[ARRAY_ODD]);
	expect_node(e, t[ARRAY_FAR]);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 4 + 4);
	ckremm_gc_scope_exit(e->gc, sc);
	collect(e);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
}

/*
 * A tree built and cut with steps of every size in between: what the
 * tree reaches when each cycle ends must be live with its tag, and what
 * it does not must be gone after a collection.
 */
#define TREE_NODES	127

struct tree {
	u64 h[TREE_NODES];
	bool cut[TREE_NODES];	/* cut off from its parent */
};

static bool tree_reached(const struct tree *t, unsigned int i)
{
	for (;;) {
		if (t->cut[i])
			return false;
		if (!i)
			return true;
		i = (i - 1) / 2;
	}
}

static void tree_expect(struct gc_env *e, const struct tree *t, bool all)
{
	unsigned int i;

	for (i = 0; i < TREE_NODES; i++) {
		if (!t->h[i])
			continue;
		if (tree_reached(t, i))
			expect_node(e, t->h[i]);
		else if (all)
			expect_dead(e, t->h[i]);
	}
}

static void gc_tree_stepped(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 128 * KIB, NULL);
	struct ckremm_gc_scope *sc = scope_new(e, 4);
	struct ckremm_gc_step_result res;
	struct tree *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct rnd_state rnd;
	unsigned int i, reached, cycles = 0;

	KUNIT_ASSERT_NOT_NULL(test, t);
	prandom_seed_state(&rnd, 0x6c0ffee);
	/* Built top down: each node on the scope until its parent has it. */
	for (i = 0; i < TREE_NODES; i++) {
		unsigned int depth = sc->depth;

		t->h[i] = node_new(e, 0, sc);
		if (i)
			put_word(e, t->h[(i - 1) / 2],
				 i % 2 ? NODE_LEFT : NODE_RIGHT, t->h[i]);
		else
			KUNIT_ASSERT_EQ(test,
					ckremm_gc_root_set(e->gc, 0, t->h[0]),
					0);
		ckremm_gc_scope_restore(e->gc, sc, depth);
		gc_step_checked(e, 1 + prandom_u32_state(&rnd) % 64, &res);
		if (res.cycle_done) {
			cycles++;
			tree_expect(e, t, false);
		}
	}
	/* Subtrees cut, each while a cycle runs. */
	for (i = 1; i < TREE_NODES && !case_failed(test); i += 1 + i / 4) {
		if (!tree_reached(t, i))
			continue;
		put_word(e, t->h[(i - 1) / 2], i % 2 ? NODE_LEFT : NODE_RIGHT,
			 T_POOL_NO_HANDLE);
		t->cut[i] = true;
		do {
			gc_step_checked(e, 1 + prandom_u32_state(&rnd) % 200,
					&res);
		} while (!res.cycle_done && res.phase != CKREMM_GC_IDLE &&
			 prandom_u32_state(&rnd) % 8);
		if (res.cycle_done) {
			cycles++;
			tree_expect(e, t, false);
		}
	}
	KUNIT_EXPECT_GT(test, cycles, 0);
	collect(e);
	tree_expect(e, t, true);
	for (i = 0, reached = 0; i < TREE_NODES; i++)
		reached += tree_reached(t, i);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, reached);
	ckremm_gc_scope_exit(e->gc, sc);
}

/*
 * One step does at most its budget of work, also when the objects on the
 * marking stack above a large grey one were scanned meanwhile by a
 * barrier: finding the large one must not let the step scan it whole.
 */
#define STEP_SMALL	4

static void gc_step_bounded(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 128 * KIB, NULL);
	struct ckremm_gc_step_result res;
	u64 large, small[STEP_SMALL];
	unsigned int i, steps;

	large = gc_new(e, 8 * 2048, CKREMM_GC_WORDS, 0, NULL);
	KUNIT_ASSERT_EQ(test, ckremm_gc_root_set(e->gc, 0, large), 0);
	for (i = 0; i < STEP_SMALL; i++) {
		small[i] = node_new(e, 0, NULL);
		KUNIT_ASSERT_EQ(test, ckremm_gc_root_set(e->gc, 1 + i, small[i]),
				0);
	}
	/* The roots go on the stack in slot order: the large one lowest. */
	cycle_start(e);
	for (i = 0; i < STEP_SMALL; i++)
		put_word(e, small[i], NODE_DATA, i);
	KUNIT_EXPECT_EQ(test, gc_stats(e).barrier_scans, STEP_SMALL);
	for (steps = 0; steps < GC_MAX_STEPS; steps++) {
		gc_step_checked(e, 2, &res);
		if (res.cycle_done || case_failed(test))
			break;
	}
	/* The large object alone took a step a word, about. */
	KUNIT_EXPECT_GE(test, steps, 2048 / 2);
	KUNIT_EXPECT_TRUE(test, res.cycle_done);
	expect_node(e, small[0]);
	KUNIT_EXPECT_TRUE(test, is_live(e, large));
}

/* Compaction moves objects under their handles; pinned ones stay. */
static void gc_compaction(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	u64 *h = handles(test, 48);
	size_t before, after, pinned_at, pinned_now;
	struct t_pool_stats ps;
	unsigned int i;
	u8 *p;

	list_new(e, h, 48);
	KUNIT_ASSERT_EQ(test, ckremm_gc_root_set(e->gc, 0, h[0]), 0);
	/* Every other node cut out: garbage between the survivors. */
	for (i = 0; i < 48; i += 2)
		put_word(e, h[i], NODE_LEFT, i + 2 < 48 ? h[i + 2] : 0);
	p = t_pool_pin(e->pool, h[46]);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, t_pool_offset_of(e->pool, h[46], &pinned_at), 0);
	KUNIT_ASSERT_EQ(test, t_pool_offset_of(e->pool, h[44], &before), 0);
	collect(e);
	KUNIT_ASSERT_EQ(test, t_pool_offset_of(e->pool, h[44], &after), 0);
	KUNIT_ASSERT_EQ(test, t_pool_offset_of(e->pool, h[46], &pinned_now), 0);
	KUNIT_EXPECT_LT(test, after, before);
	KUNIT_EXPECT_EQ(test, pinned_now, pinned_at);
	KUNIT_EXPECT_EQ(test, *(u64 *)(p + NODE_TAG * 8), tag_of(h[46]));
	for (i = 0; i < 48; i++) {
		if (i % 2)
			expect_dead(e, h[i]);
		else
			expect_node(e, h[i]);
	}
	KUNIT_EXPECT_EQ(test, t_pool_unpin(e->pool, h[46]), 0);
	collect(e);
	t_pool_get_stats(e->pool, &ps);
	KUNIT_EXPECT_EQ(test, ps.free_blocks, 1);
	KUNIT_EXPECT_EQ(test, ps.largest_free, ps.free_bytes);
	KUNIT_EXPECT_GT(test, ps.bytes_moved, 0);
}

static struct kunit_case gc_graph_cases[] = {
	KUNIT_CASE(gc_list_cut),
	KUNIT_CASE(gc_cycles),
	KUNIT_CASE(gc_maps),
	KUNIT_CASE(gc_tree_stepped),
	KUNIT_CASE(gc_step_bounded),
	KUNIT_CASE(gc_compaction),
	{}
};

static struct kunit_suite gc_graph_suite = {
	.name = "ckremm_gc_graph",
	.test_cases = gc_graph_cases,
};

/* ---------------------------------------------------------------------- */
/* ckremm_gc_roots: root slots, scopes, pins                              */
/* ---------------------------------------------------------------------- */

static void gc_root_slots(struct kunit *test)
{
	struct ckremm_gc_params p = { .manual = true, .roots = 4 };
	struct gc_env *e = gc_env_new(test, 64 * KIB, &p);
	u64 a, b;

	a = node_new(e, 0, NULL);
	b = node_new(e, 0, NULL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(e->gc, 4, a), -EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(NULL, 0, a), -EINVAL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_get(e->gc, 4), T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_get(e->gc, 3), T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(e->gc, 3, a), 0);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(e->gc, 0, b), 0);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_get(e->gc, 3), a);
	collect(e);
	expect_node(e, a);
	expect_node(e, b);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(e->gc, 0, T_POOL_NO_HANDLE), 0);
	collect(e);
	expect_node(e, a);
	expect_dead(e, b);
	/* A slot keeps its handle when the object goes: stale, harmless. */
	KUNIT_EXPECT_EQ(test, t_pool_free(e->pool, a), 0);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_get(e->gc, 3), a);
	collect(e);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
}

static void gc_scopes(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	struct ckremm_gc_scope *outer = scope_new(e, 3);
	struct ckremm_gc_scope *inner = scope_new(e, 2);
	u64 h[5], extra = T_POOL_NO_HANDLE;
	unsigned int i;

	h[0] = node_new(e, 0, outer);
	KUNIT_EXPECT_EQ(test, outer->depth, 1);
	KUNIT_EXPECT_EQ(test, outer->slots[0], h[0]);
	h[1] = node_new(e, 0, outer);
	h[2] = node_new(e, 0, outer);
	/* Full: nothing is allocated and nothing dropped. */
	KUNIT_EXPECT_EQ(test, ckremm_gc_alloc(e->gc, 16, 0, 0, outer, &extra),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, extra, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, ckremm_gc_scope_push(e->gc, outer, h[0]),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, outer->depth, 3);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 3);
	h[3] = node_new(e, 0, NULL);
	h[4] = node_new(e, 0, NULL);
	KUNIT_EXPECT_EQ(test, ckremm_gc_scope_push(e->gc, inner, h[3]), 0);
	KUNIT_EXPECT_EQ(test, ckremm_gc_scope_push(e->gc, inner, h[4]), 0);
	collect(e);
	for (i = 0; i < 5; i++)
		expect_node(e, h[i]);

	/* Cut back: what is above the depth is a root no more. */
	ckremm_gc_scope_restore(e->gc, outer, 1);
	ckremm_gc_scope_restore(e->gc, outer, 2);
	KUNIT_EXPECT_EQ(test, outer->depth, 1);
	ckremm_gc_scope_exit(e->gc, inner);
	KUNIT_EXPECT_EQ(test, inner->depth, 0);
	collect(e);
	expect_node(e, h[0]);
	expect_dead(e, h[1]);
	expect_dead(e, h[2]);
	expect_dead(e, h[3]);
	expect_dead(e, h[4]);
	/* Room again; an exited scope is no root even if pushed on. */
	KUNIT_EXPECT_EQ(test, ckremm_gc_scope_push(e->gc, outer, h[0]), 0);
	ckremm_gc_scope_exit(e->gc, outer);
	collect(e);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
}

/* A pinned object, and one held alone, is a root and does not move. */
static void gc_pins(struct kunit *test)
{
	struct ckremm_gc_params p = { .manual = true, .max_pins = 3 };
	struct gc_env *e = gc_env_new(test, 64 * KIB, &p);
	u64 pinned, held, shared, alloc_pinned, child, spare;
	void *addr;
	size_t size;

	pinned = node_new(e, 0, NULL);
	held = node_new(e, 0, NULL);
	shared = node_new(e, 0, NULL);
	child = node_new(e, 0, NULL);
	spare = node_new(e, 0, NULL);
	put_word(e, pinned, NODE_RIGHT, child);
	KUNIT_ASSERT_NOT_NULL(test, t_pool_pin(e->pool, pinned));
	/* Pins nest in one entry of the set. */
	KUNIT_ASSERT_NOT_NULL(test, t_pool_pin(e->pool, pinned));
	KUNIT_ASSERT_EQ(test, t_pool_hold(e->pool, held, true, &addr, &size), 0);
	/* A hold to read keeps nothing alive. */
	KUNIT_ASSERT_EQ(test, t_pool_hold(e->pool, shared, false, &addr, &size),
			0);
	alloc_pinned = node_new(e, CKREMM_GC_PIN, NULL);
	KUNIT_EXPECT_EQ(test, gc_stats(e).pinned, 3);
	/* The set is full: a pin, a hold alone, a pinned allocation refused. */
	KUNIT_EXPECT_NULL(test, t_pool_pin(e->pool, spare));
	KUNIT_EXPECT_EQ(test, t_pool_hold(e->pool, spare, true, &addr, &size),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, ckremm_gc_alloc(e->gc, 16, 0, CKREMM_GC_PIN, NULL,
					      &spare), -ENOSPC);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 6);
	/* The shared hold keeps the sweep off its bytes until it goes. */
	collect(e);
	KUNIT_EXPECT_TRUE(test, is_live(e, shared));
	expect_node(e, pinned);
	expect_node(e, child);
	/* Held alone: no read until it is let go. */
	KUNIT_EXPECT_TRUE(test, is_live(e, held));
	expect_node(e, alloc_pinned);
	expect_dead(e, spare);
	KUNIT_EXPECT_EQ(test, t_pool_unhold(e->pool, shared, false), 0);
	collect(e);
	expect_dead(e, shared);

	KUNIT_EXPECT_EQ(test, t_pool_unpin(e->pool, pinned), 0);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(e->pool, alloc_pinned), 0);
	collect(e);
	expect_node(e, pinned);
	expect_dead(e, alloc_pinned);
	KUNIT_EXPECT_EQ(test, gc_stats(e).pinned, 2);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(e->pool, pinned), 0);
	KUNIT_EXPECT_EQ(test, t_pool_unhold(e->pool, held, true), 0);
	expect_node(e, held);
	KUNIT_EXPECT_EQ(test, gc_stats(e).pinned, 0);
	collect(e);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
}

static struct kunit_case gc_roots_cases[] = {
	KUNIT_CASE(gc_root_slots),
	KUNIT_CASE(gc_scopes),
	KUNIT_CASE(gc_pins),
	{}
};

static struct kunit_suite gc_roots_suite = {
	.name = "ckremm_gc_roots",
	.test_cases = gc_roots_cases,
};

/* ---------------------------------------------------------------------- */
/* ckremm_gc_barrier: the snapshot at the beginning                       */
/* ---------------------------------------------------------------------- */

/*
 * How a reference leaves an object that marking has not reached yet.
 * Root A holds the only reference to C when a cycle begins; a node N made
 * during the cycle (black, never scanned) takes C; then A's reference is
 * erased.  C is reachable from N, so the cycle must keep it: only the
 * barrier of the erasing call can have marked it.
 */
enum erase_by {
	ERASE_WRITE,		/* t_pool_write() over the word */
	ERASE_COPY,		/* t_pool_copy() of an empty node over A */
	ERASE_CLEAN,		/* t_pool_clean() of A */
	ERASE_FREE,		/* t_pool_free() of A */
	ERASE_PIN,		/* A pinned during marking, the word cleared in place */
	ERASE_HOLD,		/* A held alone during marking, the same */
	ERASE_PINNED_BEFORE,	/* A pinned before the cycle began, the same */
	ERASE_HELD_BEFORE,	/* A held alone before the cycle began, the same */
};

static const enum erase_by erase_params[] = {
	ERASE_WRITE, ERASE_COPY, ERASE_CLEAN, ERASE_FREE, ERASE_PIN,
	ERASE_HOLD, ERASE_PINNED_BEFORE, ERASE_HELD_BEFORE,
};

static void erase_desc(const enum erase_by *by, char *desc)
{
	static const char *const names[] = {
		"write", "copy", "clean", "free", "pin", "hold alone",
		"pinned before", "held before",
	};

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", names[*by]);
}

KUNIT_ARRAY_PARAM(gc_erase, erase_params, erase_desc);

static void gc_snapshot_barrier(struct kunit *test)
{
	enum erase_by by = *(const enum erase_by *)test->param_value;
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	struct ckremm_gc_scope *sc = scope_new(e, 4);
	bool before = by == ERASE_PINNED_BEFORE || by == ERASE_HELD_BEFORE;
	bool held = by == ERASE_HOLD || by == ERASE_HELD_BEFORE;
	u64 a, c, n, zero, *at = NULL;
	size_t scans, size;
	void *addr;

	a = node_new(e, 0, NULL);
	c = node_new(e, 0, NULL);
	put_word(e, a, NODE_LEFT, c);
	KUNIT_ASSERT_EQ(test, ckremm_gc_root_set(e->gc, 0, a), 0);
	if (before && held) {
		KUNIT_ASSERT_EQ(test, t_pool_hold(e->pool, a, true, &addr,
						  &size), 0);
		at = addr;
	} else if (before) {
		at = t_pool_pin(e->pool, a);
		KUNIT_ASSERT_NOT_NULL(test, at);
	}
	cycle_start(e);
	scans = gc_stats(e).barrier_scans;

	n = node_new(e, 0, sc);
	put_word(e, n, NODE_LEFT, c);
	switch (by) {
	case ERASE_WRITE:
		put_word(e, a, NODE_LEFT, T_POOL_NO_HANDLE);
		break;
	case ERASE_COPY:
		zero = node_new(e, 0, NULL);
		KUNIT_ASSERT_EQ(test, t_pool_copy(e->pool, a, zero), 0);
		break;
	case ERASE_CLEAN:
		KUNIT_ASSERT_EQ(test, t_pool_clean(e->pool, a), 0);
		break;
	case ERASE_FREE:
		KUNIT_ASSERT_EQ(test, t_pool_free(e->pool, a), 0);
		break;
	case ERASE_PIN:
		at = t_pool_pin(e->pool, a);
		KUNIT_ASSERT_NOT_NULL(test, at);
		break;
	case ERASE_HOLD:
		KUNIT_ASSERT_EQ(test, t_pool_hold(e->pool, a, true, &addr,
						  &size), 0);
		at = addr;
		break;
	default:
		break;
	}
	if (at) {
		at[NODE_LEFT] = T_POOL_NO_HANDLE;
		if (held)
			KUNIT_EXPECT_EQ(test, t_pool_unhold(e->pool, a, true), 0);
		else
			KUNIT_EXPECT_EQ(test, t_pool_unpin(e->pool, a), 0);
	}
	/* The erasing call scanned A first; one made before the cycle did not. */
	if (before)
		KUNIT_EXPECT_EQ(test, gc_stats(e).barrier_scans, scans);
	else
		KUNIT_EXPECT_EQ(test, gc_stats(e).barrier_scans, scans + 1);

	cycle_finish(e, 8);
	expect_node(e, n);
	expect_node(e, c);
	KUNIT_EXPECT_EQ(test, get_word(e, n, NODE_LEFT), c);
	if (by == ERASE_FREE)
		expect_dead(e, a);
	else
		KUNIT_EXPECT_EQ(test, get_word(e, a, NODE_LEFT), T_POOL_NO_HANDLE);
	expect_sound(e);

	/* Nothing holds C from now: the next collection takes it. */
	ckremm_gc_scope_exit(e->gc, sc);
	collect(e);
	expect_dead(e, c);
	expect_dead(e, n);
}

/*
 * Objects made while a cycle runs survive it, rooted or not, whether
 * they come during marking or the sweep; the next cycle takes them.
 */
static void gc_new_objects_survive(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 128 * KIB, NULL);
	struct ckremm_gc_step_result res;
	u64 *h = handles(test, 64), old[16];
	unsigned int i, n = 0;

	/* Garbage enough that the sweep takes several steps. */
	list_new(e, old, ARRAY_SIZE(old));
	cycle_start(e);
	for (i = 0; i < 8; i++)
		h[n++] = node_new(e, 0, NULL);
	do {
		gc_step_checked(e, 4, &res);
	} while (res.phase == CKREMM_GC_MARK);
	KUNIT_ASSERT_EQ(test, res.phase, CKREMM_GC_SWEEP);
	while (res.phase == CKREMM_GC_SWEEP && n < 64) {
		h[n++] = node_new(e, 0, NULL);
		gc_step_checked(e, 2, &res);
	}
	cycle_finish(e, 64);
	for (i = 0; i < n; i++)
		expect_node(e, h[i]);
	for (i = 0; i < ARRAY_SIZE(old); i++)
		expect_dead(e, old[i]);
	collect(e);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
}

static struct kunit_case gc_barrier_cases[] = {
	KUNIT_CASE_PARAM(gc_snapshot_barrier, gc_erase_gen_params),
	KUNIT_CASE(gc_new_objects_survive),
	{}
};

static struct kunit_suite gc_barrier_suite = {
	.name = "ckremm_gc_barrier",
	.test_cases = gc_barrier_cases,
};

/* ---------------------------------------------------------------------- */
/* ckremm_gc_final: finalisers                                            */
/* ---------------------------------------------------------------------- */

static unsigned int fin_count(const struct fin_log *log, u64 h)
{
	unsigned int i, n = 0;

	for (i = 0; i < min(log->runs, FIN_MAX); i++)
		n += log->h[i] == h;
	return n;
}

static void expect_fin_clean(struct gc_env *e)
{
	KUNIT_EXPECT_EQ(e->test, e->fin.irqs_off, 0);
	KUNIT_EXPECT_EQ(e->test, e->fin.bad_read, 0);
	KUNIT_EXPECT_EQ(e->test, e->fin.bad_tag, 0);
}

/* Each dead object's finaliser runs once, with the object still there. */
static void gc_finalizer_once(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	struct ckremm_gc_scope *sc = scope_new(e, 16);
	u64 h[20];
	unsigned int i;

	for (i = 0; i < 20; i++)
		h[i] = node_new(e, CKREMM_GC_FINALIZE, i % 2 ? sc : NULL);
	collect(e);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 10);
	for (i = 0; i < 20; i++) {
		KUNIT_EXPECT_EQ_MSG(test, fin_count(&e->fin, h[i]),
				    i % 2 ? 0U : 1U, "object %u", i);
		if (i % 2)
			expect_node(e, h[i]);
		else
			expect_dead(e, h[i]);
	}
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, e->fin.type[i], e->node);
	collect(e);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 10);
	ckremm_gc_scope_exit(e->gc, sc);
	collect(e);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 20);
	for (i = 0; i < 20; i++)
		KUNIT_EXPECT_EQ(test, fin_count(&e->fin, h[i]), 1);
	KUNIT_EXPECT_EQ(test, gc_stats(e).finalized, 20);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
	expect_fin_clean(e);
}

/*
 * Neither a step nor an allocation runs a finaliser; the object waits,
 * refused to a free, until ckremm_gc_finalize() runs it.  A full queue
 * holds the sweep where it is.
 */
static void gc_finalizer_queue(struct kunit *test)
{
	struct ckremm_gc_params p = { .manual = true, .finalize_queue = 4 };
	struct gc_env *e = gc_env_new(test, 64 * KIB, &p);
	struct ckremm_gc_step_result res;
	struct ckremm_gc_stats st;
	unsigned int i;
	u64 h[10], x;

	for (i = 0; i < 10; i++)
		h[i] = node_new(e, CKREMM_GC_FINALIZE, NULL);
	cycle_start(e);
	for (i = 0; i < 1000; i++) {
		gc_step_checked(e, 16, &res);
		if (res.finalizers_pending == 4)
			break;
	}
	KUNIT_ASSERT_EQ(test, res.finalizers_pending, 4);
	/* The sweep waits where it is, however many steps come. */
	st = gc_stats(e);
	for (i = 0; i < 10; i++) {
		gc_step_checked(e, 16, &res);
		KUNIT_EXPECT_EQ(test, res.phase, CKREMM_GC_SWEEP);
		KUNIT_EXPECT_EQ(test, res.finalizers_pending, 4);
		KUNIT_EXPECT_EQ(test, res.freed_objects, 0);
	}
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, st.objects);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 0);
	KUNIT_EXPECT_EQ(test, ckremm_gc_alloc(e->gc, 16, 0, 0, NULL, &x), 0);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 0);

	KUNIT_EXPECT_EQ(test, ckremm_gc_finalize(e->gc, 1), 1);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 1);
	KUNIT_EXPECT_EQ(test, ckremm_gc_finalize(e->gc, 0), 3);
	/* The sweep goes on, and waits again for the last two at most. */
	cycle_finish(e, 16);
	ckremm_gc_finalize(e->gc, 0);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 10);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, fin_count(&e->fin, h[i]), 1);
	KUNIT_EXPECT_EQ(test, ckremm_gc_finalize(e->gc, 0), 0);
	collect(e);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 10);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
	expect_fin_clean(e);
}

/* A queued object cannot be freed by its caller. */
static void gc_finalizer_queued_free(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	struct ckremm_gc_step_result res;
	u64 h = node_new(e, CKREMM_GC_FINALIZE, NULL);
	unsigned int i;

	for (i = 0; i < 100; i++) {
		gc_step_checked(e, 64, &res);
		if (res.finalizers_pending)
			break;
	}
	KUNIT_ASSERT_EQ(test, res.finalizers_pending, 1);
	KUNIT_EXPECT_EQ(test, t_pool_free(e->pool, h), -EBUSY);
	expect_node(e, h);
	KUNIT_EXPECT_EQ(test, ckremm_gc_finalize(e->gc, 0), 1);
	expect_dead(e, h);
	KUNIT_EXPECT_EQ(test, t_pool_free(e->pool, h), -EINVAL);
	expect_fin_clean(e);
}

/*
 * A finaliser that pins its object: the object outlives the finaliser and
 * dies, without a second finaliser, once unpinned.
 */
static void gc_finalizer_pins(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	u64 h = node_new(e, CKREMM_GC_FINALIZE, NULL);

	e->fin.pin = true;
	collect(e);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 1);
	expect_node(e, h);
	e->fin.pin = false;
	collect(e);
	expect_node(e, h);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(e->pool, h), 0);
	collect(e);
	expect_dead(e, h);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 1);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
	expect_fin_clean(e);
}

static struct kunit_case gc_final_cases[] = {
	KUNIT_CASE(gc_finalizer_once),
	KUNIT_CASE(gc_finalizer_queue),
	KUNIT_CASE(gc_finalizer_queued_free),
	KUNIT_CASE(gc_finalizer_pins),
	{}
};

static struct kunit_suite gc_final_suite = {
	.name = "ckremm_gc_final",
	.test_cases = gc_final_cases,
};

/* ---------------------------------------------------------------------- */
/* ckremm_gc_oom: no room                                                 */
/* ---------------------------------------------------------------------- */

/*
 * A pool full of live objects: the allocation that finds no room takes
 * one step, frees nothing live and fails with -ENOMEM.
 */
static void gc_oom_live(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	struct ckremm_gc_stats before, after;
	struct t_pool_stats ps;
	u64 *h = handles(test, 300), head = T_POOL_NO_HANDLE, x = 0;
	unsigned int n, i;
	int ret = 0;

	for (n = 0; n < 300; n++) {
		ret = ckremm_gc_alloc(e->gc, 256, e->node, 0, NULL, &h[n]);
		if (ret)
			break;
		put_word(e, h[n], NODE_TAG, tag_of(h[n]));
		put_word(e, h[n], NODE_LEFT, head);
		head = h[n];
		KUNIT_ASSERT_EQ(test, ckremm_gc_root_set(e->gc, 0, head), 0);
	}
	KUNIT_ASSERT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, n, 64 * KIB / 256);
	/* Again with a cycle under way, and once more with it further on. */
	for (i = 0; i < 3; i++) {
		before = gc_stats(e);
		KUNIT_EXPECT_EQ(test, ckremm_gc_alloc(e->gc, 256, e->node, 0,
						      NULL, &x), -ENOMEM);
		after = gc_stats(e);
		KUNIT_EXPECT_LE(test, after.steps, before.steps + 1);
		KUNIT_EXPECT_EQ(test, after.failed_allocs,
				before.failed_allocs + 1);
		KUNIT_EXPECT_EQ(test, after.objects, n);
		KUNIT_EXPECT_EQ(test, after.freed_objects, 0);
	}
	for (i = 0; i < n; i++)
		expect_node(e, h[i]);
	t_pool_get_stats(e->pool, &ps);
	KUNIT_EXPECT_EQ(test, ps.failed_allocs, 3 + 1);
	expect_sound(e);
	collect(e);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, n);
}

/*
 * A pool full of garbage and small steps: each allocation pays at most
 * one step, some fail, and the collector catches up within a bounded
 * number of them.  No finaliser runs in an allocation.
 */
static void gc_oom_garbage(struct kunit *test)
{
	struct ckremm_gc_params p = { .manual = true, .step_budget = 8 };
	struct gc_env *e = gc_env_new(test, 64 * KIB, &p);
	struct ckremm_gc_stats before, after;
	unsigned int i, failed = 0, worst = 0, run = 0;
	u64 h;
	int ret;

	for (i = 0; i < 2000; i++) {
		before = gc_stats(e);
		ret = ckremm_gc_alloc(e->gc, 512, e->node,
				      i % 4 ? 0 : CKREMM_GC_FINALIZE, NULL, &h);
		after = gc_stats(e);
		KUNIT_EXPECT_LE(test, after.steps, before.steps + 1);
		KUNIT_EXPECT_EQ(test, after.finalized, before.finalized);
		if (ret) {
			KUNIT_ASSERT_EQ(test, ret, -ENOMEM);
			failed++;
			run++;
			worst = max(worst, run);
			/* The queue is the caller's to run. */
			if (after.finalizers_pending)
				ckremm_gc_finalize(e->gc, 0);
		} else {
			put_word(e, h, NODE_TAG, tag_of(h));
			run = 0;
		}
		if (case_failed(test))
			break;
	}
	/* 2000 objects of 512 bytes in 64 KiB: collected all along. */
	after = gc_stats(e);
	kunit_info(test, "%u allocations failed, %u at most in a row; %zu cycles, %zu steps, %zu objects freed\n",
		   failed, worst, after.cycles, after.steps, after.freed_objects);
	KUNIT_EXPECT_GT(test, failed, 0);
	KUNIT_EXPECT_GT(test, after.cycles, 10);
	/*
	 * Failures in a row pay one step of 8 each; a cycle sweeps a chunk of
	 * the table (170 slots) in about 22 of them, and compacts in a few.
	 * More than 64 in a row: the collector stopped collecting.
	 */
	KUNIT_EXPECT_LE(test, worst, 64);
	KUNIT_EXPECT_EQ(test, after.failed_allocs, failed);
	KUNIT_EXPECT_GT(test, e->fin.runs, 0);
	expect_sound(e);
	collect(e);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
	expect_fin_clean(e);
}

static struct kunit_case gc_oom_cases[] = {
	KUNIT_CASE(gc_oom_live),
	KUNIT_CASE(gc_oom_garbage),
	{}
};

static struct kunit_suite gc_oom_suite = {
	.name = "ckremm_gc_oom",
	.test_cases = gc_oom_cases,
};

/* ---------------------------------------------------------------------- */
/* ckremm_gc_handles: stale and forged handle words                       */
/* ---------------------------------------------------------------------- */

/*
 * An untyped object full of words that are no live handle of the pool,
 * each near one: none keeps anything alive, and scanning them harms
 * nothing.  The same values in root slots and on a scope.
 */
static void gc_stale_forged_words(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	struct ckremm_gc_scope *sc = scope_new(e, 8);
	u64 w, gone, reused, other, forged[8];
	unsigned int i;

	w = gc_new(e, 8 * ARRAY_SIZE(forged), CKREMM_GC_WORDS, 0, NULL);
	KUNIT_ASSERT_EQ(test, ckremm_gc_root_set(e->gc, 0, w), 0);
	gone = node_new(e, 0, NULL);
	KUNIT_ASSERT_EQ(test, t_pool_free(e->pool, gone), 0);
	/* The freed slot taken again, under another generation. */
	reused = node_new(e, 0, NULL);
	KUNIT_EXPECT_EQ(test, reused & 0xffffffffULL, gone & 0xffffffffULL);
	other = node_new(e, 0, NULL);
	forged[0] = gone;
	forged[1] = other + BIT_ULL(32);		/* next generation */
	forged[2] = other - BIT_ULL(32);		/* last generation */
	forged[3] = (other & ~0xffffffffULL) | 0xfffffU;	/* past the table */
	forged[4] = other & ~0xffffffffULL;		/* entry "0" */
	forged[5] = ~0ULL;
	forged[6] = (u64)(uintptr_t)t_pool_arena(e->pool, NULL);
	forged[7] = other ^ 0x8;			/* not a node's entry */
	for (i = 0; i < ARRAY_SIZE(forged); i++) {
		put_word(e, w, i, forged[i]);
		KUNIT_EXPECT_EQ(test, ckremm_gc_scope_push(e->gc, sc, forged[i]),
				0);
		KUNIT_EXPECT_EQ(test, ckremm_gc_type_of(e->gc, forged[i]),
				-EINVAL);
	}
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(e->gc, 1, forged[1]), 0);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(e->gc, 2, gone), 0);
	KUNIT_EXPECT_NULL(test, t_pool_pin(e->pool, gone));
	KUNIT_EXPECT_EQ(test, t_pool_free(e->pool, forged[1]), -EINVAL);
	collect(e);
	expect_dead(e, reused);
	expect_dead(e, other);
	KUNIT_EXPECT_TRUE(test, is_live(e, w));
	for (i = 0; i < ARRAY_SIZE(forged); i++)
		KUNIT_EXPECT_EQ(test, get_word(e, w, i), forged[i]);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 1);
	ckremm_gc_scope_exit(e->gc, sc);
}

/* A finalised object's handle is stale at once: no resurrection. */
static void gc_finalized_handle_stale(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 64 * KIB, NULL);
	u64 h = node_new(e, CKREMM_GC_FINALIZE, NULL), keeper;

	collect(e);
	KUNIT_ASSERT_EQ(test, e->fin.runs, 1);
	KUNIT_EXPECT_EQ(test, e->fin.h[0], h);
	/* Stored in a root and an object afterwards, it names nothing. */
	keeper = node_new(e, 0, NULL);
	put_word(e, keeper, NODE_LEFT, h);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(e->gc, 0, keeper), 0);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(e->gc, 1, h), 0);
	KUNIT_EXPECT_EQ(test, ckremm_gc_type_of(e->gc, h), -EINVAL);
	KUNIT_EXPECT_NULL(test, t_pool_pin(e->pool, h));
	collect(e);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 1);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 1);
	expect_fin_clean(e);
}

static struct kunit_case gc_handles_cases[] = {
	KUNIT_CASE(gc_stale_forged_words),
	KUNIT_CASE(gc_finalized_handle_stale),
	{}
};

static struct kunit_suite gc_handles_suite = {
	.name = "ckremm_gc_handles",
	.test_cases = gc_handles_cases,
};

/* ---------------------------------------------------------------------- */
/* ckremm_gc_atomic: from a hard interrupt, and under another lock        */
/* ---------------------------------------------------------------------- */

/* Recorded in atomic context, checked afterwards (expectations may sleep). */
struct gc_irq_round {
	struct gc_env *e;
	struct ckremm_gc_scope *sc;
	bool irqs_off;
	int scoped_ret, pinned_ret, leaf_ret, step_ret, root_ret, push_ret;
	int unpin_ret, type;
	u64 scoped, pinned, leaf, root;
	unsigned int depth_after;
	struct ckremm_gc_step_result res;
	struct ckremm_gc_stats st;
};

static void gc_irq_round_run(void *arg)
{
	struct gc_irq_round *r = arg;
	struct ckremm_gc *gc = r->e->gc;
	unsigned int i;

	r->irqs_off = irqs_disabled();
	r->scoped_ret = ckremm_gc_alloc(gc, NODE_BYTES, r->e->node, 0, r->sc,
					&r->scoped);
	r->pinned_ret = ckremm_gc_alloc(gc, NODE_BYTES, r->e->node,
					CKREMM_GC_PIN, NULL, &r->pinned);
	r->leaf_ret = ckremm_gc_alloc(gc, 300, CKREMM_GC_LEAF, 0, NULL,
				      &r->leaf);
	r->push_ret = ckremm_gc_scope_push(gc, r->sc, r->leaf);
	ckremm_gc_scope_restore(gc, r->sc, 1);
	r->depth_after = r->sc->depth;
	r->root_ret = ckremm_gc_root_set(gc, 5, r->pinned);
	r->root = ckremm_gc_root_get(gc, 5);
	r->type = ckremm_gc_type_of(gc, r->scoped);
	for (i = 0; i < 500; i++) {
		r->step_ret = ckremm_gc_step(gc, 32, &r->res);
		if (r->step_ret || r->res.cycle_done)
			break;
	}
	r->unpin_ret = t_pool_unpin(r->e->pool, r->pinned);
	ckremm_gc_get_stats(gc, &r->st);
}

static void gc_irq_round_check(struct kunit *test, struct gc_irq_round *r)
{
	struct gc_env *e = r->e;

	KUNIT_EXPECT_TRUE(test, r->irqs_off);
	KUNIT_EXPECT_EQ(test, r->scoped_ret, 0);
	KUNIT_EXPECT_EQ(test, r->pinned_ret, 0);
	KUNIT_EXPECT_EQ(test, r->leaf_ret, 0);
	KUNIT_EXPECT_EQ(test, r->push_ret, 0);
	KUNIT_EXPECT_EQ(test, r->depth_after, 1);
	KUNIT_EXPECT_EQ(test, r->root_ret, 0);
	KUNIT_EXPECT_EQ(test, r->root, r->pinned);
	KUNIT_EXPECT_EQ(test, r->type, e->node);
	KUNIT_EXPECT_EQ(test, r->step_ret, 0);
	KUNIT_EXPECT_TRUE(test, r->res.cycle_done);
	KUNIT_EXPECT_EQ(test, r->unpin_ret, 0);
	/* The cycle kept the scoped object and the rooted one, not the leaf. */
	KUNIT_EXPECT_EQ(test, r->st.objects, 2);
	KUNIT_EXPECT_TRUE(test, is_live(e, r->scoped));
	KUNIT_EXPECT_TRUE(test, is_live(e, r->pinned));
	expect_dead(e, r->leaf);
	ckremm_gc_scope_exit(e->gc, r->sc);
	KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(e->gc, 5, 0), 0);
	collect(e);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, 0);
}

static struct gc_irq_round *gc_irq_round_new(struct kunit *test)
{
	struct gc_irq_round *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->e = gc_env_new(test, 64 * KIB, NULL);
	r->sc = scope_new(r->e, 4);
	return r;
}

static void gc_calls_irqs_disabled(struct kunit *test)
{
	struct gc_irq_round *r = gc_irq_round_new(test);

	run_under_raw_lock(gc_irq_round_run, r);
	gc_irq_round_check(test, r);
}

static void gc_calls_hardirq(struct kunit *test)
{
	struct gc_irq_round *r = gc_irq_round_new(test);

	run_in_hardirq(test, gc_irq_round_run, r);
	gc_irq_round_check(test, r);
}

static struct kunit_case gc_atomic_cases[] = {
	KUNIT_CASE(gc_calls_irqs_disabled),
	KUNIT_CASE(gc_calls_hardirq),
	{}
};

static struct kunit_suite gc_atomic_suite = {
	.name = "ckremm_gc_atomic",
	.test_cases = gc_atomic_cases,
};

/* ---------------------------------------------------------------------- */
/* ckremm_gc_random: against the reference collector                      */
/* ---------------------------------------------------------------------- */

#define RAND_OPS	3000
#define RAND_OBJS	256
#define RAND_MAX_SIZE	512
#define RAND_SCOPES	2
#define RAND_SCOPE_MAX	8
#define RAND_ROOTS	4
#define RAND_PINS	8
#define RAND_STALE	16

/*
 * A mutator that keeps to what a program can do: it touches only objects
 * the model finds reachable, or frees them; the only other values it
 * stores are handles of objects that are gone and values that are no
 * handle at all.
 */
struct gc_rand {
	struct gc_env *e;
	struct kunit *test;
	struct gc_model m;
	struct rnd_state rnd;
	struct ckremm_gc_scope *sc[RAND_SCOPES];
	u64 pins[RAND_PINS];		/* one entry per pin taken */
	unsigned int npins;
	u64 stale[RAND_STALE];
	unsigned int nstale;
	u64 doomed[RAND_OBJS];		/* unreachable before a collection */
	u8 *buf;
	unsigned long ops;
};

static u32 rand_below(struct gc_rand *r, u32 n)
{
	return prandom_u32_state(&r->rnd) % n;
}

static int rand_model_index(struct gc_rand *r, u64 h)
{
	int i = gc_model_find(&r->m, h);

	KUNIT_ASSERT_GE_MSG(r->test, i, 0, "%#llx is not in the model", h);
	return i;
}

/* A random object the model reaches, or -1. */
static int rand_reached(struct gc_rand *r)
{
	unsigned int k, start;

	if (!r->m.n)
		return -1;
	start = rand_below(r, r->m.n);
	for (k = 0; k < r->m.n; k++) {
		unsigned int i = (start + k) % r->m.n;

		if (r->m.o[i].reached)
			return i;
	}
	return -1;
}

/* A reference word of object @i, or -1 if it has none. */
static int rand_ref_word(struct gc_rand *r, unsigned int i)
{
	size_t words = r->m.o[i].size / 8, w, start = rand_below(r, words);

	for (w = 0; w < words; w++)
		if (gc_model_is_ref(&r->m, i, (start + w) % words))
			return (start + w) % words;
	return -1;
}

/* A value to store in a reference word. */
static u64 rand_value(struct gc_rand *r)
{
	int j;

	switch (rand_below(r, 8)) {
	case 0:
		return T_POOL_NO_HANDLE;
	case 1:
		return r->nstale ? r->stale[rand_below(r, r->nstale)] : 0;
	case 2:
		/* No handle of any pool: bit 63 set, as no generation has. */
		return BIT_ULL(63) | prandom_u32_state(&r->rnd);
	default:
		j = rand_reached(r);
		return j < 0 ? 0 : r->m.o[j].h;
	}
}

static void rand_forget(struct gc_rand *r, u64 h)
{
	r->stale[r->nstale < RAND_STALE ? r->nstale++ :
		 rand_below(r, RAND_STALE)] = h;
}

/* Word @w of object @i takes @v, through the pool, and in the model. */
static void rand_store(struct gc_rand *r, unsigned int i, size_t w, u64 v)
{
	KUNIT_ASSERT_EQ(r->test, t_pool_write(r->e->pool, r->m.o[i].h, w * 8,
					      &v, 8), 0);
	gc_model_write(&r->m, i, w * 8, &v, 8);
}

static void rand_alloc(struct gc_rand *r)
{
	static const int sizes[] = { 16, 32, 48, 64, 200, RAND_MAX_SIZE };
	unsigned int flags = 0, s = rand_below(r, RAND_SCOPES);
	size_t size = sizes[rand_below(r, ARRAY_SIZE(sizes))];
	struct ckremm_gc_scope *sc = r->sc[s];
	int types[] = { CKREMM_GC_WORDS, CKREMM_GC_LEAF, r->e->node,
			r->e->array };
	int type = types[rand_below(r, ARRAY_SIZE(types))];
	struct gc_model_obj *o;
	int ret, p, w;
	u64 h;

	if (r->m.n == RAND_OBJS)
		return;
	if (!rand_below(r, 6))
		flags |= CKREMM_GC_FINALIZE;
	/* Pinned, or on a scope: never unrooted between the calls. */
	if (r->npins < RAND_PINS && !rand_below(r, 6)) {
		flags |= CKREMM_GC_PIN;
		sc = NULL;
	} else if (sc->depth == sc->max) {
		ckremm_gc_scope_restore(r->e->gc, sc, 0);
		gc_model_scope_restore(&r->m, s, 0);
	}
	ret = ckremm_gc_alloc(r->e->gc, size, type, flags, sc, &h);
	if (ret == -ENOMEM)
		return;
	KUNIT_ASSERT_EQ(r->test, ret, 0);
	o = gc_model_add(&r->m, h, size, type, flags & CKREMM_GC_FINALIZE);
	KUNIT_ASSERT_NOT_NULL(r->test, o);
	if (sc)
		KUNIT_ASSERT_EQ(r->test, gc_model_scope_push(&r->m, s, h), 0);
	else
		r->pins[r->npins++] = h;
	p = o - r->m.o;
	if (!sc)
		gc_model_fix(&r->m, p);
	/* Bytes that are no handle, but in the words that may hold one. */
	if (type != CKREMM_GC_WORDS && rand_below(r, 2)) {
		gc_model_fill(&r->m, p, 0, o->size);
		for (w = 0; w < o->size / 8; w++)
			if (gc_model_is_ref(&r->m, p, w))
				memset(o->bytes + w * 8, 0, 8);
		KUNIT_ASSERT_EQ(r->test, t_pool_write(r->e->pool, h, 0,
						      o->bytes, o->size), 0);
	}
	/* Linked from a reached object, half of the time. */
	gc_model_reach(&r->m);
	p = rand_reached(r);
	if (p >= 0 && rand_below(r, 2)) {
		w = rand_ref_word(r, p);
		if (w >= 0)
			rand_store(r, p, w, h);
	}
}

static void rand_pin(struct gc_rand *r)
{
	struct t_pool *pool = r->e->pool;
	int i;

	if (r->npins && (r->npins == RAND_PINS || rand_below(r, 2))) {
		unsigned int k = rand_below(r, r->npins);
		u64 h = r->pins[k];

		r->pins[k] = r->pins[--r->npins];
		KUNIT_EXPECT_EQ(r->test, t_pool_unpin(pool, h), 0);
		gc_model_unfix(&r->m, rand_model_index(r, h));
		return;
	}
	i = rand_reached(r);
	if (i < 0)
		return;
	KUNIT_ASSERT_NOT_NULL(r->test, t_pool_pin(pool, r->m.o[i].h));
	r->pins[r->npins++] = r->m.o[i].h;
	gc_model_fix(&r->m, i);
}

/* A reference word written in place, through a pin or a hold alone. */
static void rand_write_in_place(struct gc_rand *r, bool hold)
{
	struct t_pool *pool = r->e->pool;
	size_t size;
	void *addr;
	u64 h, v;
	int i, w;

	if (hold) {
		i = rand_reached(r);
		if (i < 0)
			return;
		h = r->m.o[i].h;
		KUNIT_ASSERT_EQ(r->test, t_pool_hold(pool, h, true, &addr,
						     &size), 0);
		gc_model_fix(&r->m, i);
	} else {
		if (!r->npins)
			return;
		h = r->pins[rand_below(r, r->npins)];
		addr = t_pool_pin(pool, h);
		KUNIT_ASSERT_NOT_NULL(r->test, addr);
		i = rand_model_index(r, h);
		gc_model_fix(&r->m, i);
	}
	w = rand_ref_word(r, i);
	if (w >= 0) {
		v = rand_value(r);
		memcpy((u8 *)addr + w * 8, &v, 8);
		gc_model_write(&r->m, i, w * 8, &v, 8);
	}
	if (hold)
		KUNIT_EXPECT_EQ(r->test, t_pool_unhold(pool, h, true), 0);
	else
		KUNIT_EXPECT_EQ(r->test, t_pool_unpin(pool, h), 0);
	gc_model_unfix(&r->m, i);
}

static void rand_copy_clean_free(struct gc_rand *r)
{
	struct t_pool *pool = r->e->pool;
	int i = rand_reached(r), j = rand_reached(r);
	unsigned int k;

	if (i < 0)
		return;
	switch (rand_below(r, 3)) {
	case 0:
		if (j >= 0 && r->m.o[i].size >= r->m.o[j].size) {
			KUNIT_ASSERT_EQ(r->test, t_pool_copy(pool, r->m.o[i].h,
							     r->m.o[j].h), 0);
			gc_model_copy(&r->m, i, j);
		}
		break;
	case 1:
		KUNIT_ASSERT_EQ(r->test, t_pool_clean(pool, r->m.o[i].h), 0);
		gc_model_clean(&r->m, i);
		break;
	default:
		if (r->m.o[i].fixed)
			break;
		for (k = 0; k < r->npins; k++)
			if (r->pins[k] == r->m.o[i].h)
				return;
		KUNIT_ASSERT_EQ(r->test, t_pool_free(pool, r->m.o[i].h), 0);
		rand_forget(r, r->m.o[i].h);
		gc_model_remove(&r->m, i);
		break;
	}
}

static void rand_op(struct gc_rand *r)
{
	struct ckremm_gc_step_result res;
	unsigned int s = rand_below(r, RAND_SCOPES);
	int i, w;
	u64 h;

	switch (rand_below(r, 20)) {
	case 0 ... 4:
		rand_alloc(r);
		break;
	case 5 ... 7:
		i = rand_reached(r);
		w = i < 0 ? -1 : rand_ref_word(r, i);
		if (w >= 0)
			rand_store(r, i, w, rand_value(r));
		break;
	case 8:
		i = rand_below(r, RAND_ROOTS);
		w = rand_reached(r);
		h = w < 0 || !rand_below(r, 3) ? 0 : r->m.o[w].h;
		KUNIT_ASSERT_EQ(r->test, ckremm_gc_root_set(r->e->gc, i, h), 0);
		gc_model_root_set(&r->m, i, h);
		break;
	case 9:
		w = rand_below(r, r->sc[s]->depth + 1);
		ckremm_gc_scope_restore(r->e->gc, r->sc[s], w);
		gc_model_scope_restore(&r->m, s, w);
		break;
	case 10:
		rand_pin(r);
		break;
	case 11:
		rand_write_in_place(r, rand_below(r, 2));
		break;
	case 12:
		rand_copy_clean_free(r);
		break;
	case 13:
		ckremm_gc_finalize(r->e->gc, rand_below(r, 3));
		break;
	default:
		gc_step_checked(r->e, 1 + rand_below(r, 300), &res);
		break;
	}
}

/*
 * The collector against the model: what the model reaches is live and,
 * when @bytes, holds what the model says; what the collector freed the
 * model did not reach, and it was finalised once if it had a finaliser.
 */
static void rand_reconcile(struct gc_rand *r, bool bytes)
{
	struct gc_model *m = &r->m;
	unsigned int i;

	gc_model_reach(m);
	for (i = m->n; i-- > 0;) {
		struct gc_model_obj *o = &m->o[i];
		bool live = is_live(r->e, o->h);

		KUNIT_EXPECT_LE_MSG(r->test, o->finalized, o->final ? 1U : 0U,
				    "object %#llx finalised %u times", o->h,
				    o->finalized);
		if (o->reached) {
			KUNIT_EXPECT_TRUE_MSG(r->test, live,
					      "reachable object %#llx freed (op %lu)",
					      o->h, r->ops);
			if (!live || !bytes)
				continue;
			KUNIT_EXPECT_EQ(r->test, t_pool_read(r->e->pool, o->h, 0,
							     r->buf, o->size),
					0);
			KUNIT_EXPECT_EQ_MSG(r->test,
					    gc_model_diff(m, i, r->buf, 0, o->size),
					    o->size, "object %#llx changed",
					    o->h);
		} else if (!live) {
			KUNIT_EXPECT_EQ_MSG(r->test, o->finalized,
					    o->final ? 1U : 0U,
					    "dead object %#llx finalised %u times",
					    o->h, o->finalized);
			rand_forget(r, o->h);
			gc_model_remove(m, i);
		}
	}
}

/* After a collection, nothing the model did not reach before it is left. */
static void rand_collect(struct gc_rand *r)
{
	struct gc_model *m = &r->m;
	unsigned int i, n = 0;

	gc_model_reach(m);
	for (i = 0; i < m->n; i++)
		if (!m->o[i].reached)
			r->doomed[n++] = m->o[i].h;
	collect(r->e);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_FALSE_MSG(r->test, is_live(r->e, r->doomed[i]),
				       "object %#llx unreachable before a collection survived it",
				       r->doomed[i]);
	rand_reconcile(r, true);
}

static void gc_model_destroy_action(void *arg)
{
	gc_model_destroy(arg);
}

KUNIT_ARRAY_PARAM(gc_random_seed, ckremm_kunit_seeds, ckremm_kunit_seed_desc);

static void gc_random_graphs(struct kunit *test)
{
	static const u64 node_map = BIT_ULL(NODE_LEFT) | BIT_ULL(NODE_RIGHT);
	static const u64 array_map = 1;
	u32 seed = *(const u32 *)test->param_value;
	struct ckremm_gc_params p = {
		.roots = RAND_ROOTS, .manual = seed & 1, .pace_bytes = 512,
		.step_budget = 64, .trigger_min = 4 * KIB,
	};
	struct gc_rand *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct ckremm_gc_stats st;
	unsigned int s;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->test = test;
	r->e = gc_env_new(test, 128 * KIB, &p);
	r->buf = kunit_kmalloc(test, RAND_MAX_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->buf);
	prandom_seed_state(&r->rnd, seed);
	KUNIT_ASSERT_EQ(test, gc_model_init(&r->m, RAND_OBJS, 16, RAND_ROOTS,
					    seed), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							gc_model_destroy_action,
							&r->m), 0);
	KUNIT_ASSERT_EQ(test, gc_model_type_set(&r->m, r->e->node, &node_map,
						NODE_WORDS, 0), 0);
	KUNIT_ASSERT_EQ(test, gc_model_type_set(&r->m, r->e->array, &array_map,
						2, CKREMM_GC_TYPE_REPEAT), 0);
	for (s = 0; s < RAND_SCOPES; s++) {
		r->sc[s] = scope_new(r->e, RAND_SCOPE_MAX);
		KUNIT_ASSERT_EQ(test, gc_model_scope_init(&r->m, s,
							  RAND_SCOPE_MAX), 0);
	}
	r->e->fin.model = &r->m;
	r->e->fin.buf = r->buf;

	for (r->ops = 0; r->ops < RAND_OPS && !case_failed(test); r->ops++) {
		rand_op(r);
		if (r->ops % 500 == 499)
			rand_collect(r);
		else
			rand_reconcile(r, r->ops % 16 == 0);
	}
	if (case_failed(test)) {
		kunit_info(test, "stopped after operation %lu\n", r->ops);
		return;
	}
	expect_sound(r->e);
	st = gc_stats(r->e);
	kunit_info(test, "%zu cycles, %zu objects freed, %zu finalised, %zu barrier scans, %u objects left\n",
		   st.cycles, st.freed_objects, st.finalized, st.barrier_scans,
		   r->m.n);
	KUNIT_EXPECT_GT(test, st.cycles, 5);
	KUNIT_EXPECT_GT(test, st.barrier_scans, 0);
	KUNIT_EXPECT_GT(test, st.finalized, 0);

	/* Every root dropped: everything goes, each finaliser run once. */
	while (r->npins)
		KUNIT_EXPECT_EQ(test, t_pool_unpin(r->e->pool,
						   r->pins[--r->npins]), 0);
	for (s = 0; s < RAND_ROOTS; s++)
		KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(r->e->gc, s, 0), 0);
	for (s = 0; s < RAND_SCOPES; s++)
		ckremm_gc_scope_exit(r->e->gc, r->sc[s]);
	for (s = 0; s < r->m.n; s++)
		r->m.o[s].fixed = 0;
	memset(r->m.roots, 0, RAND_ROOTS * sizeof(*r->m.roots));
	for (s = 0; s < RAND_SCOPES; s++)
		gc_model_scope_restore(&r->m, s, 0);
	rand_collect(r);
	KUNIT_EXPECT_EQ(test, r->m.n, 0);
	KUNIT_EXPECT_EQ(test, gc_stats(r->e).objects, 0);
	expect_fin_clean(r->e);
}

static struct kunit_case gc_random_cases[] = {
	KUNIT_CASE_PARAM(gc_random_graphs, gc_random_seed_gen_params),
	{}
};

static struct kunit_suite gc_random_suite = {
	.name = "ckremm_gc_random",
	.test_cases = gc_random_cases,
};

/* ---------------------------------------------------------------------- */
/* ckremm_gc_work: the collector driven in the background                 */
/* ---------------------------------------------------------------------- */

/* Polls, up to @ms milliseconds, until the collector holds @objects. */
static bool wait_for_objects(struct gc_env *e, size_t objects,
			     unsigned int ms)
{
	unsigned int waited;

	for (waited = 0; waited < ms; waited += 20) {
		if (gc_stats(e).objects == objects &&
		    !gc_stats(e).finalizers_pending)
			return true;
		msleep(20);
	}
	return false;
}

/*
 * Garbage goes and finalisers run with no step of the case's own; once
 * stopped, the work takes none either.
 */
#define WORK_LIVE	8

static void gc_work_collects(struct kunit *test)
{
	struct gc_env *e = gc_env_new(test, 128 * KIB, NULL);
	struct ckremm_gc_work *w;
	struct ckremm_gc_stats st;
	u64 live[WORK_LIVE], *dead = handles(test, 100);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, PTR_ERR(ckremm_gc_work_start(NULL, 10)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(ckremm_gc_work_start(e->gc, 0)),
			-EINVAL);
	ckremm_gc_work_stop(NULL);

	list_new(e, live, WORK_LIVE);
	KUNIT_ASSERT_EQ(test, ckremm_gc_root_set(e->gc, 0, live[0]), 0);
	for (i = 0; i < 100; i++)
		dead[i] = node_new(e, i % 10 ? 0 : CKREMM_GC_FINALIZE, NULL);
	KUNIT_ASSERT_EQ(test, gc_stats(e).steps, 0);

	w = ckremm_gc_work_start(e->gc, 5);
	KUNIT_ASSERT_FALSE(test, IS_ERR(w));
	KUNIT_EXPECT_TRUE_MSG(test, wait_for_objects(e, WORK_LIVE, 5000),
			      "%zu objects after 5 s of background work",
			      gc_stats(e).objects);
	for (i = 0; i < 100; i++)
		expect_dead(e, dead[i]);
	for (i = 0; i < WORK_LIVE; i++)
		expect_node(e, live[i]);
	KUNIT_EXPECT_EQ(test, e->fin.runs, 10);
	expect_fin_clean(e);

	/* New garbage goes too, while the work keeps cycling. */
	for (i = 0; i < 10; i++)
		dead[i] = node_new(e, 0, NULL);
	KUNIT_EXPECT_TRUE(test, wait_for_objects(e, WORK_LIVE, 5000));
	KUNIT_EXPECT_GE(test, gc_stats(e).cycles, 2);

	ckremm_gc_work_stop(w);
	st = gc_stats(e);
	for (i = 0; i < 10; i++)
		dead[i] = node_new(e, 0, NULL);
	msleep(50);
	KUNIT_EXPECT_EQ(test, gc_stats(e).steps, st.steps);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, WORK_LIVE + 10);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_TRUE(test, is_live(e, dead[i]));
	collect(e);
	KUNIT_EXPECT_EQ(test, gc_stats(e).objects, WORK_LIVE);
}

static struct kunit_case gc_work_cases[] = {
	KUNIT_CASE(gc_work_collects),
	{}
};

static struct kunit_suite gc_work_suite = {
	.name = "ckremm_gc_work",
	.test_cases = gc_work_cases,
};

kunit_test_suites(&gc_suite, &gc_graph_suite, &gc_roots_suite,
		  &gc_barrier_suite, &gc_final_suite, &gc_oom_suite,
		  &gc_handles_suite, &gc_atomic_suite, &gc_random_suite,
		  &gc_work_suite);
