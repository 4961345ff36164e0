// SPDX-License-Identifier: GPL-2.0-only
/*
 * What both KUnit files of ckremm_kunit.ko share: the seeds of the random
 * suites and each pool's consistency expectations, which hold a pool's
 * validation, its statistics and a walk of its arena against each other.
 */

#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/minmax.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "ckremm_kunit.h"

const u32 ckremm_kunit_seeds[CKREMM_KUNIT_SEEDS] = {
	0x2545f491, 0x9e3779b9, 1,
};

void ckremm_kunit_seed_desc(const u32 *seed, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "seed %#x", *seed);
}

/* ---------------------------------------------------------------------- */
/* Calls in atomic context                                                */
/* ---------------------------------------------------------------------- */

static DEFINE_RAW_SPINLOCK(ckremm_kunit_outer_lock);

/*
 * Runs @fn(@arg) under an irqsave raw spinlock of the test's own, so that
 * the pool lock nests inside another one.
 */
void run_under_raw_lock(void (*fn)(void *arg), void *arg)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ckremm_kunit_outer_lock, flags);
	fn(arg);
	raw_spin_unlock_irqrestore(&ckremm_kunit_outer_lock, flags);
}

struct hardirq_call {
	struct hrtimer timer;
	struct completion done;
	void (*fn)(void *arg);
	void *arg;
	bool hardirq;
};

static enum hrtimer_restart hardirq_call_timer(struct hrtimer *timer)
{
	struct hardirq_call *c = container_of(timer, struct hardirq_call, timer);

	c->hardirq = in_hardirq();
	c->fn(c->arg);
	complete(&c->done);
	return HRTIMER_NORESTART;
}

/*
 * Runs @fn(@arg) from an hrtimer that expires in hard interrupt context,
 * also on PREEMPT_RT, and waits for it.  Fails the case if it never ran
 * or ran elsewhere.
 */
void run_in_hardirq(struct kunit *test, void (*fn)(void *arg), void *arg)
{
	struct hardirq_call *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	unsigned long left;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->fn = fn;
	c->arg = arg;
	init_completion(&c->done);
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c->timer.function = hardirq_call_timer;
	hrtimer_start(&c->timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	left = wait_for_completion_timeout(&c->done, 10 * HZ);
	hrtimer_cancel(&c->timer);
	KUNIT_ASSERT_NE_MSG(test, left, 0, "the hrtimer never fired");
	KUNIT_EXPECT_TRUE_MSG(test, c->hardirq,
			      "the calls did not run in hard irq context");
}

/* ---------------------------------------------------------------------- */
/* Walks                                                                  */
/* ---------------------------------------------------------------------- */

/*
 * A walk of a whole arena of @arena bytes, batch by batch, checked as it
 * goes: the extents tile the arena in address order and the walk's
 * @cursor follows the last one.
 */
struct arena_walk {
	struct kunit *test;
	size_t arena;
	size_t cursor;
	size_t end;		/* where the extents taken so far end */
	size_t taken;		/* extents taken so far */
	unsigned int batch;	/* most extents one call of the walk asks for */
	unsigned int n;		/* extents in the batch at hand */
};

/* Batches of @batch extents, at least one and at most @room. */
static void arena_walk_start(struct arena_walk *w, struct kunit *test,
			     size_t arena, unsigned int batch,
			     unsigned int room)
{
	*w = (struct arena_walk){
		.test = test,
		.arena = arena,
		.batch = clamp_t(unsigned int, batch, 1, room),
	};
}

/*
 * The pool's walk gave a batch of @n extents: false when it gave none,
 * once the extents and the cursor have reached the arena's end.
 */
static bool arena_walk_next(struct arena_walk *w, unsigned int n)
{
	struct kunit *test = w->test;

	if (!n) {
		KUNIT_EXPECT_EQ(test, w->end, w->arena);
		KUNIT_EXPECT_EQ(test, w->cursor, w->arena);
		return false;
	}
	KUNIT_ASSERT_LE(test, n, w->batch);
	w->n = n;
	return true;
}

/*
 * Extent @i of the batch at hand, @size bytes at @offset, starts where
 * the one before it ended, is larger than @min_size, a multiple of @align
 * and inside the arena; after the batch's last one the cursor is where
 * it ends.
 */
static void arena_walk_take(struct arena_walk *w, unsigned int i,
			    size_t offset, size_t size, size_t min_size,
			    size_t align)
{
	struct kunit *test = w->test;

	KUNIT_ASSERT_EQ_MSG(test, offset, w->end,
			    "extent %zu does not start where the one before ended",
			    w->taken);
	KUNIT_ASSERT_GT(test, size, min_size);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(size, align));
	KUNIT_ASSERT_LE(test, size, w->arena - w->end);
	w->end += size;
	w->taken++;
	if (i + 1 == w->n)
		KUNIT_ASSERT_EQ_MSG(test, w->cursor, w->end,
				    "the cursor does not follow the last extent");
}

/* ---------------------------------------------------------------------- */
/* Header pool                                                            */
/* ---------------------------------------------------------------------- */

/*
 * Walks the whole arena in batches of @batch extents and checks that the
 * extents tile it: the first starts at 0, each starts where the one before
 * ended, the last ends at the arena's end, and the cursor tracks the end.
 */
void h_walk_pool(struct kunit *test, struct h_pool *pool, unsigned int batch,
		 struct h_walk_totals *t)
{
	struct h_pool_extent ext[8];
	struct arena_walk w;
	bool prev_free = false;
	size_t arena_size;
	unsigned int i;

	memset(t, 0, sizeof(*t));
	h_pool_arena(pool, &arena_size);
	arena_walk_start(&w, test, arena_size, batch, ARRAY_SIZE(ext));
	while (arena_walk_next(&w, h_pool_walk(pool, &w.cursor, ext, w.batch))) {
		for (i = 0; i < w.n; i++) {
			arena_walk_take(&w, i, ext[i].offset, ext[i].size,
					H_POOL_HEADER_SIZE, H_POOL_MIN_ALIGN);
			t->extents++;
			if (ext[i].used) {
				t->used_blocks++;
				t->used_bytes += ext[i].size;
			} else {
				t->adjacent_free |= prev_free;
				t->free_blocks++;
				t->free_bytes += ext[i].size;
				t->largest_free_block = max(t->largest_free_block,
							    ext[i].size);
			}
			prev_free = !ext[i].used;
		}
	}
}

/*
 * The invariant every step must keep: validate finds nothing, the stats
 * add up, and they agree with a walk of the arena.
 */
void expect_h_pool_consistent(struct kunit *test, struct h_pool *pool)
{
	struct h_pool_fault fault = { };
	struct h_pool_stats st;
	struct h_walk_totals wt;
	size_t arena_size, expect_frag;
	int ret;

	ret = h_pool_validate(pool, &fault);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "h_pool_validate: offset %zu: %s",
			    fault.offset, fault.reason ?: "(no reason)");

	h_pool_get_stats(pool, &st);
	KUNIT_ASSERT_NOT_NULL(test, h_pool_arena(pool, &arena_size));
	KUNIT_EXPECT_EQ(test, st.arena_size, arena_size);
	KUNIT_EXPECT_EQ(test, st.used_bytes + st.free_bytes, st.arena_size);
	KUNIT_EXPECT_EQ(test, st.header_bytes,
			H_POOL_HEADER_SIZE * (st.used_blocks + st.free_blocks));
	KUNIT_EXPECT_GE(test, st.peak_used, st.used_bytes);

	h_walk_pool(test, pool, 8, &wt);
	KUNIT_EXPECT_EQ(test, wt.used_blocks, st.used_blocks);
	KUNIT_EXPECT_EQ(test, wt.free_blocks, st.free_blocks);
	KUNIT_EXPECT_EQ(test, wt.used_bytes, st.used_bytes);
	KUNIT_EXPECT_EQ(test, wt.free_bytes, st.free_bytes);
	KUNIT_EXPECT_EQ(test, st.largest_free, wt.largest_free_block ?
			wt.largest_free_block - H_POOL_HEADER_SIZE : 0);
	KUNIT_EXPECT_FALSE_MSG(test, wt.adjacent_free,
			       "two free blocks side by side: a free did not coalesce");

	if (st.free_blocks <= 1) {
		KUNIT_EXPECT_EQ(test, st.frag_permille, 0);
	} else {
		expect_frag = 1000 - 1000 * wt.largest_free_block /
				     st.free_bytes;
		KUNIT_EXPECT_LE_MSG(test,
				    abs_diff((size_t)st.frag_permille,
					     expect_frag), 1,
				    "frag_permille %u, expected %zu",
				    st.frag_permille, expect_frag);
	}
}

/* ---------------------------------------------------------------------- */
/* Table pool                                                             */
/* ---------------------------------------------------------------------- */

static size_t t_arena_size(struct t_pool *pool)
{
	size_t size = 0;

	t_pool_arena(pool, &size);
	return size;
}

/*
 * Walks the whole arena @batch extents at a time and checks that the
 * extents tile it in address order, that the cursor follows them, and that
 * each used extent names a live block of its size.  Copies up to @max
 * extents to @ext if it is not NULL; returns how many it copied.
 */
size_t t_walk_pool(struct kunit *test, struct t_pool *pool,
		   unsigned int batch, struct t_walk_sum *sum,
		   struct t_pool_extent *ext, size_t max)
{
	struct t_pool_extent buf[8];
	struct arena_walk w;
	bool prev_free = false;
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	arena_walk_start(&w, test, t_arena_size(pool), batch, ARRAY_SIZE(buf));
	while (arena_walk_next(&w, t_pool_walk(pool, &w.cursor, buf, w.batch))) {
		for (i = 0; i < w.n; i++) {
			const struct t_pool_extent *e = &buf[i];
			bool is_free = e->handle == T_POOL_NO_HANDLE;

			arena_walk_take(&w, i, e->offset, e->size, 0,
					T_POOL_ALIGN);
			if (ext && sum->extents < max)
				ext[sum->extents] = *e;
			sum->extents++;
			if (is_free) {
				KUNIT_EXPECT_FALSE(test, e->pinned);
				sum->adjacent_free |= prev_free;
				sum->free_runs++;
				sum->free_bytes += e->size;
				sum->largest_free = max(sum->largest_free, e->size);
			} else {
				KUNIT_EXPECT_EQ_MSG(test,
						    t_pool_size_of(pool, e->handle),
						    e->size, "extent at %zu",
						    e->offset);
				sum->used_blocks++;
				sum->used_bytes += e->size;
				sum->pinned += e->pinned;
			}
			prev_free = is_free;
		}
	}
	return ext ? min(sum->extents, max) : 0;
}

/*
 * The invariant every operation must keep: validate finds nothing, the
 * figures add up, and they agree with a walk of the arena.  @settled says
 * that no block can be in transit; while one is, the walk shows the run
 * it is moving into as one more free run, which the figures leave out.
 */
void expect_t_pool_consistent(struct kunit *test, struct t_pool *pool,
			      bool settled)
{
	struct t_pool_fault fault = { };
	struct t_pool_stats st;
	struct t_walk_sum ws;
	int ret;

	ret = t_pool_validate(pool, &fault);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "t_pool_validate: offset %zu: %s",
			    fault.offset, fault.reason ?: "(no reason)");

	t_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.arena_size, t_arena_size(pool));
	/* Blocks a backing store holds are in no run of the arena. */
	KUNIT_EXPECT_EQ(test, st.resident_bytes + st.free_bytes, st.arena_size);
	KUNIT_EXPECT_EQ(test, st.resident_bytes + st.paged_out_bytes,
			st.used_bytes);
	KUNIT_EXPECT_GE(test, st.peak_used, st.resident_bytes);
	KUNIT_EXPECT_LE(test, st.used_blocks, st.table_capacity);
	KUNIT_EXPECT_LE(test, st.pinned_blocks, st.used_blocks);
	KUNIT_EXPECT_LE(test, st.largest_free, st.free_bytes);
	if (st.free_bytes)
		KUNIT_EXPECT_EQ(test, st.frag_permille,
				1000 - (unsigned int)((u64)st.largest_free * 1000 /
						      st.free_bytes));
	else
		KUNIT_EXPECT_EQ(test, st.frag_permille, 0);

	t_walk_pool(test, pool, 8, &ws, NULL, 0);
	KUNIT_EXPECT_EQ(test, ws.used_blocks, st.resident_blocks);
	KUNIT_EXPECT_EQ(test, ws.used_bytes, st.resident_bytes);
	KUNIT_EXPECT_EQ(test, ws.free_bytes, st.free_bytes);
	KUNIT_EXPECT_EQ(test, ws.pinned, st.pinned_blocks);
	if (settled) {
		KUNIT_EXPECT_EQ(test, ws.free_runs, st.free_blocks);
		KUNIT_EXPECT_EQ(test, ws.largest_free, st.largest_free);
		KUNIT_EXPECT_FALSE_MSG(test, ws.adjacent_free,
				       "two free runs side by side: a free did not merge");
	} else {
		KUNIT_EXPECT_GE(test, ws.free_runs, st.free_blocks);
		KUNIT_EXPECT_LE(test, ws.free_runs, st.free_blocks + 1);
		KUNIT_EXPECT_LE(test, st.largest_free, ws.largest_free);
	}
}
