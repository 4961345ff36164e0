// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the pools' tracepoints (ckremm/port/linux/ckremm_trace.h).
 * Each case attaches a probe to every ckremm event, as perf or bpftrace
 * would, makes calls on a pool of its own name, and holds each event the
 * calls fired to what the call did: the pool's name, the block (arena
 * offset of a header pool block's payload, a table pool block's handle),
 * the size, the result, the caller, a refusal's reason, and what each
 * reorder step moved.
 */
#include <kunit/test.h>
#include <linux/kallsyms.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include <ckremm/h_pool.h>
#include <ckremm/t_pool.h>

#include "ckremm_trace.h"

#define EVENTS_MAX	64
#define REASON_LEN	128
#define H_NAME		"kunit-trace-h"
#define T_NAME		"kunit-trace-t"
/*
 * A name of its own: the debugfs entry of the case before may not be
 * reaped yet, and a name still taken gets "-<n>" appended, which the
 * probes, matching by name, would not see.
 */
#define R_NAME		"kunit-trace-r"

enum ev_type { EV_ALLOC, EV_FREE, EV_RESIZE, EV_REFUSE, EV_REORDER };

struct ev {
	enum ev_type type;
	unsigned long call_site;
	size_t size;
	u64 block;
	u64 moved;
	int result;
	char reason[REASON_LEN];
	unsigned int blocks_moved;
	size_t bytes_moved;
	size_t largest_free;
	bool more;
};

/*
 * The events of the pool named @pool, in the order they fired.  The lock
 * is raw: ckremm_refuse fires under a pool's raw spinlock.
 */
struct ev_log {
	raw_spinlock_t lock;
	const char *pool;
	unsigned int count;
	bool overflow;
	struct ev ev[EVENTS_MAX];
};

static void ev_add(void *data, const char *pool, const struct ev *e)
{
	struct ev_log *log = data;
	unsigned long flags;

	if (strcmp(pool, log->pool))
		return;
	raw_spin_lock_irqsave(&log->lock, flags);
	if (log->count < EVENTS_MAX)
		log->ev[log->count++] = *e;
	else
		log->overflow = true;
	raw_spin_unlock_irqrestore(&log->lock, flags);
}

static void probe_alloc(void *data, const char *pool, size_t size, u64 block,
			int result, unsigned long call_site)
{
	struct ev e = { .type = EV_ALLOC, .size = size, .block = block,
			.result = result, .call_site = call_site };

	ev_add(data, pool, &e);
}

static void probe_free(void *data, const char *pool, u64 block, int result,
		       unsigned long call_site)
{
	struct ev e = { .type = EV_FREE, .block = block, .result = result,
			.call_site = call_site };

	ev_add(data, pool, &e);
}

static void probe_resize(void *data, const char *pool, u64 block, size_t size,
			 u64 moved, int result, unsigned long call_site)
{
	struct ev e = { .type = EV_RESIZE, .block = block, .size = size,
			.moved = moved, .result = result,
			.call_site = call_site };

	ev_add(data, pool, &e);
}

static void probe_refuse(void *data, const char *pool, const char *reason)
{
	struct ev e = { .type = EV_REFUSE };

	strscpy(e.reason, reason, sizeof(e.reason));
	ev_add(data, pool, &e);
}

static void probe_reorder_step(void *data, const char *pool,
			       unsigned int blocks_moved, size_t bytes_moved,
			       bool more, size_t largest_free)
{
	struct ev e = { .type = EV_REORDER, .blocks_moved = blocks_moved,
			.bytes_moved = bytes_moved, .more = more,
			.largest_free = largest_free };

	ev_add(data, pool, &e);
}

static void trace_detach(struct ev_log *log)
{
	unregister_trace_ckremm_reorder_step(probe_reorder_step, log);
	unregister_trace_ckremm_refuse(probe_refuse, log);
	unregister_trace_ckremm_resize(probe_resize, log);
	unregister_trace_ckremm_free(probe_free, log);
	unregister_trace_ckremm_alloc(probe_alloc, log);
	/* No probe runs on @log once this returns. */
	tracepoint_synchronize_unregister();
}

/* Attach the probes for the pool named @pool; the case fails if any cannot be. */
static struct ev_log *trace_attach(struct kunit *test, const char *pool)
{
	struct ev_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	raw_spin_lock_init(&log->lock);
	log->pool = pool;
	KUNIT_ASSERT_EQ(test, register_trace_ckremm_alloc(probe_alloc, log), 0);
	KUNIT_ASSERT_EQ(test, register_trace_ckremm_free(probe_free, log), 0);
	KUNIT_ASSERT_EQ(test, register_trace_ckremm_resize(probe_resize, log), 0);
	KUNIT_ASSERT_EQ(test, register_trace_ckremm_refuse(probe_refuse, log), 0);
	KUNIT_ASSERT_EQ(test,
			register_trace_ckremm_reorder_step(probe_reorder_step, log),
			0);
	test->priv = log;
	return log;
}

static void trace_exit(struct kunit *test)
{
	if (test->priv)
		trace_detach(test->priv);
}

/*
 * Take the next event, which must be of @type, and check @log for it;
 * NULL (the case failed) if there is none.
 */
static const struct ev *ev_take(struct kunit *test, struct ev_log *log,
				unsigned int *next, enum ev_type type)
{
	const struct ev *e;

	KUNIT_EXPECT_FALSE(test, log->overflow);
	KUNIT_EXPECT_LT(test, *next, log->count);
	if (*next >= log->count)
		return NULL;
	e = &log->ev[(*next)++];
	KUNIT_EXPECT_EQ(test, e->type, type);
	return e->type == type ? e : NULL;
}

/* The call site an event names is in the function @fn of this module. */
static void expect_call_site(struct kunit *test, const struct ev *e,
			     const char *fn)
{
	char sym[KSYM_SYMBOL_LEN];

	sprint_symbol(sym, e->call_site);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(sym, fn) &&
			      sym[strlen(fn)] == '+',
			      "call site %s, not in %s", sym, fn);
}

static void expect_alloc(struct kunit *test, struct ev_log *log,
			 unsigned int *next, size_t size, u64 block, int result)
{
	const struct ev *e = ev_take(test, log, next, EV_ALLOC);

	if (!e)
		return;
	KUNIT_EXPECT_EQ(test, e->size, size);
	KUNIT_EXPECT_EQ(test, e->block, block);
	KUNIT_EXPECT_EQ(test, e->result, result);
}

static void expect_free(struct kunit *test, struct ev_log *log,
			unsigned int *next, u64 block, int result)
{
	const struct ev *e = ev_take(test, log, next, EV_FREE);

	if (!e)
		return;
	KUNIT_EXPECT_EQ(test, e->block, block);
	KUNIT_EXPECT_EQ(test, e->result, result);
}

static void expect_refuse(struct kunit *test, struct ev_log *log,
			  unsigned int *next)
{
	const struct ev *e = ev_take(test, log, next, EV_REFUSE);

	if (e)
		KUNIT_EXPECT_GT(test, strlen(e->reason), 0);
}

static u64 h_block(void *arena, void *ptr)
{
	return (u64)((u8 *)ptr - (u8 *)arena);
}

/* Every header pool call that allocates or frees fires its event. */
static void trace_h_pool_events(struct kunit *test)
{
	struct ev_log *log = trace_attach(test, H_NAME);
	struct h_pool *pool = h_pool_create_named(1 << 16, 0, H_NAME);
	void *arena, *p, *q, *moved, *ptrs[4];
	unsigned int next = 0, i;
	size_t arena_size;

	KUNIT_ASSERT_NOT_NULL(test, pool);
	arena = h_pool_arena(pool, &arena_size);

	p = h_pool_alloc(pool, 100);
	KUNIT_ASSERT_NOT_NULL(test, p);
	expect_alloc(test, log, &next, 100, h_block(arena, p), 0);
	expect_call_site(test, &log->ev[0], __func__);
	KUNIT_EXPECT_EQ(test, h_pool_free(pool, p), 0);
	expect_free(test, log, &next, h_block(arena, p), 0);
	expect_call_site(test, &log->ev[1], __func__);

	/* A double free: refused (and why), then the free's event. */
	KUNIT_EXPECT_EQ(test, h_pool_free(pool, p), -EINVAL);
	expect_refuse(test, log, &next);
	expect_free(test, log, &next, h_block(arena, p), -EINVAL);
	/* Size 0 is refused; too large a block is no refusal, only -ENOMEM. */
	KUNIT_EXPECT_NULL(test, h_pool_alloc(pool, 0));
	expect_refuse(test, log, &next);
	expect_alloc(test, log, &next, 0, 0, -EINVAL);
	KUNIT_EXPECT_NULL(test, h_pool_alloc(pool, arena_size));
	expect_alloc(test, log, &next, arena_size, 0, -ENOMEM);

	q = h_pool_alloc(pool, 32);
	KUNIT_ASSERT_NOT_NULL(test, q);
	expect_alloc(test, log, &next, 32, h_block(arena, q), 0);
	p = h_pool_alloc(pool, 32);	/* keeps q from growing in place */
	KUNIT_ASSERT_NOT_NULL(test, p);
	expect_alloc(test, log, &next, 32, h_block(arena, p), 0);
	KUNIT_ASSERT_EQ(test, h_pool_resize(pool, q, 4000, &moved), 0);
	KUNIT_EXPECT_PTR_NE(test, moved, q);
	if (ev_take(test, log, &next, EV_RESIZE)) {
		const struct ev *e = &log->ev[next - 1];

		KUNIT_EXPECT_EQ(test, e->block, h_block(arena, q));
		KUNIT_EXPECT_EQ(test, e->moved, h_block(arena, moved));
		KUNIT_EXPECT_EQ(test, e->size, 4000);
		KUNIT_EXPECT_EQ(test, e->result, 0);
	}

	/* A batch: one event per block, in order. */
	KUNIT_ASSERT_EQ(test, h_pool_alloc_batch(pool, 48, 0, ptrs, 4), 0);
	for (i = 0; i < 4; i++)
		expect_alloc(test, log, &next, 48, h_block(arena, ptrs[i]), 0);
	KUNIT_ASSERT_EQ(test, h_pool_dealloc_batch(pool, ptrs, 4), 0);
	for (i = 0; i < 4; i++)
		expect_free(test, log, &next, h_block(arena, ptrs[i]), 0);
	/* Refused whole: one event, naming the block that refused it. */
	KUNIT_EXPECT_EQ(test, h_pool_dealloc_batch(pool, ptrs, 4), -EINVAL);
	expect_refuse(test, log, &next);
	expect_free(test, log, &next, h_block(arena, ptrs[0]), -EINVAL);
	KUNIT_EXPECT_EQ(test, next, log->count);

	KUNIT_EXPECT_TRUE(test, destroy_h_pool(pool));
}

/* Every table pool call that allocates or frees fires its event. */
static void trace_t_pool_events(struct kunit *test)
{
	struct ev_log *log = trace_attach(test, T_NAME);
	struct t_pool *pool = t_pool_create_named(1 << 16, 0, T_NAME);
	unsigned int next = 0, i;
	u64 h, handles[3];
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, t_pool_alloc_block(pool, 200, 0, &h), 0);
	expect_alloc(test, log, &next, 200, h, 0);
	expect_call_site(test, &log->ev[0], __func__);
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h), 0);
	expect_free(test, log, &next, h, 0);
	expect_call_site(test, &log->ev[1], __func__);
	/* A stale handle: refused, then the free's event. */
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h), -EINVAL);
	expect_refuse(test, log, &next);
	expect_free(test, log, &next, h, -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_block(pool, 1 << 17, 0, &h), -ENOMEM);
	expect_alloc(test, log, &next, 1 << 17, 0, -ENOMEM);

	KUNIT_ASSERT_EQ(test, t_pool_alloc_batch(pool, 64, handles, 3), 0);
	for (i = 0; i < 3; i++)
		expect_alloc(test, log, &next, 64, handles[i], 0);
	KUNIT_ASSERT_EQ(test, t_pool_free_batch(pool, handles, 3), 0);
	for (i = 0; i < 3; i++)
		expect_free(test, log, &next, handles[i], 0);
	KUNIT_EXPECT_EQ(test, t_pool_free_batch(pool, handles, 3), -EINVAL);
	expect_refuse(test, log, &next);
	expect_free(test, log, &next, handles[0], -EINVAL);

	/* Freed by address, the block is still named by its handle. */
	p = t_pool_alloc(pool, 16);
	KUNIT_ASSERT_NOT_NULL(test, p);
	h = t_pool_handle_of(pool, p);
	KUNIT_ASSERT_NE(test, h, T_POOL_NO_HANDLE);
	expect_alloc(test, log, &next, 16, h, 0);
	KUNIT_EXPECT_TRUE(test, t_pool_dealloc(pool, p));
	expect_free(test, log, &next, h, 0);
	KUNIT_EXPECT_EQ(test, next, log->count);

	KUNIT_EXPECT_TRUE(test, destroy_t_pool(pool));
}

/*
 * A reorder of a pool with holes: one event per step, which together
 * moved what the pass reports, all but the last saying there is more.
 */
static void trace_t_pool_reorder(struct kunit *test)
{
	struct ev_log *log = trace_attach(test, R_NAME);
	struct t_pool *pool = t_pool_create_named(1 << 16, 0, R_NAME);
	struct t_pool_reorder_result res;
	size_t bytes = 0, blocks = 0;
	unsigned int i;
	u64 h[16];

	KUNIT_ASSERT_NOT_NULL(test, pool);
	for (i = 0; i < ARRAY_SIZE(h); i++)
		KUNIT_ASSERT_EQ(test, t_pool_alloc_block(pool, 1024, 0, &h[i]), 0);
	for (i = 0; i < ARRAY_SIZE(h); i += 2)
		KUNIT_ASSERT_EQ(test, t_pool_free(pool, h[i]), 0);
	t_pool_set_step(pool, 1024);
	log->count = 0;
	KUNIT_ASSERT_EQ(test, t_pool_reorder(pool, &res), 0);
	KUNIT_EXPECT_EQ(test, res.blocks_moved, ARRAY_SIZE(h) / 2);

	KUNIT_EXPECT_FALSE(test, log->overflow);
	KUNIT_ASSERT_GT(test, log->count, 1);
	for (i = 0; i < log->count; i++) {
		const struct ev *e = &log->ev[i];

		KUNIT_EXPECT_EQ(test, e->type, EV_REORDER);
		KUNIT_EXPECT_LE(test, e->bytes_moved, 1024);
		KUNIT_EXPECT_EQ(test, e->more, i + 1 < log->count);
		bytes += e->bytes_moved;
		blocks += e->blocks_moved;
	}
	KUNIT_EXPECT_EQ(test, bytes, res.bytes_moved);
	KUNIT_EXPECT_EQ(test, blocks, res.blocks_moved);
	KUNIT_EXPECT_EQ(test, log->ev[log->count - 1].largest_free,
			res.largest_free);
	KUNIT_EXPECT_EQ(test, res.largest_free, (ARRAY_SIZE(h) / 2) * 1024 +
			((1 << 16) - ARRAY_SIZE(h) * 1024));

	KUNIT_EXPECT_TRUE(test, destroy_t_pool(pool));
}

static struct kunit_case ckremm_trace_cases[] = {
	KUNIT_CASE(trace_h_pool_events),
	KUNIT_CASE(trace_t_pool_events),
	KUNIT_CASE(trace_t_pool_reorder),
	{}
};

static struct kunit_suite ckremm_trace_suite = {
	.name = "ckremm_trace",
	.exit = trace_exit,
	.test_cases = ckremm_trace_cases,
};

kunit_test_suites(&ckremm_trace_suite);
