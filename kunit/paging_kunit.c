// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for the paging module in the kernel (include/ckremm/paging.h,
 * include/ckremm/pager_work.h).
 *
 * In the kernel a table pool's arena is pages of the port's own seen
 * through a vmap() view, and a purge or a commit moves the arena to a new
 * view (ckremm/port/linux/arena_linux.c), only while no block is pinned
 * or held.  The cases judge that by outcomes: every byte of every block
 * read back against the reference model (ckremm/model/t_pool_model.c)
 * after purges, commits and moves; the arena's address and the pool's
 * figures (committed_bytes, arena_moves, commit_failures) before and
 * after; what the shrinker's count promised against what its scan gave.
 *
 *   paging          moves keep every byte; pins and holds stop a move;
 *                   commits happen only ahead, in process context; the
 *                   header pool and a caller's arena are refused
 *   paging_random   a seeded mixed workload with ticks, purges, commits,
 *                   pins and reorder steps, checked against the model
 *   paging_work     the work item ticks, gives back and commits ahead;
 *                   the shrinker's count is what its scan gives back
 *   paging_cost     a move of a 64 MiB arena and an idle tick, timed
 *
 * Every pool and work item is released by KUnit when the case ends.
 */

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <ckremm/h_pool.h>
#include <ckremm/pager_work.h>
#include <ckremm/paging.h>
#include <ckremm/t_pool.h>

#include "ckremm_kunit.h"
#include "t_pool_model.h"

#define KIB		1024
#define MIB		(1024 * KIB)

KUNIT_DEFINE_ACTION_WRAPPER(pg_destroy_pool, destroy_t_pool, struct t_pool *);
KUNIT_DEFINE_ACTION_WRAPPER(pg_exit_pager, ckremm_pager_exit,
			    struct ckremm_pager *);
KUNIT_DEFINE_ACTION_WRAPPER(pg_stop_work, ckremm_pager_work_stop,
			    struct ckremm_pager_work *);

static struct t_pool *pg_pool(struct kunit *test, size_t size,
			      unsigned int capacity)
{
	struct t_pool *pool = t_pool_create(size, capacity);

	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pg_destroy_pool,
							pool), 0);
	return pool;
}

/* A pager of @pool, exited by KUnit before the pool is destroyed. */
static struct ckremm_pager *pg_pager(struct kunit *test, struct t_pool *pool,
				     const struct ckremm_paging_params *p)
{
	struct ckremm_pager *pager = kunit_kzalloc(test, sizeof(*pager),
						   GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pager);
	KUNIT_ASSERT_EQ(test, ckremm_pager_init(pager, pool, p), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pg_exit_pager,
							pager), 0);
	return pager;
}

static struct t_pool_stats pg_stats(struct t_pool *pool)
{
	struct t_pool_stats st;

	t_pool_get_stats(pool, &st);
	return st;
}

/* A block of @size bytes filled with @byte; its handle. */
static u64 pg_block(struct kunit *test, struct t_pool *pool, size_t size,
		    u8 byte)
{
	u8 *buf = kunit_kmalloc(test, size, GFP_KERNEL);
	u64 h = T_POOL_NO_HANDLE;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, byte, size);
	KUNIT_ASSERT_EQ(test, t_pool_alloc_block(pool, size, 0, &h), 0);
	KUNIT_ASSERT_EQ(test, t_pool_write(pool, h, 0, buf, size), 0);
	kunit_kfree(test, buf);
	return h;
}

/* Whether every byte of block @h is @byte. */
static bool pg_block_is(struct kunit *test, struct t_pool *pool, u64 h,
			size_t size, u8 byte)
{
	u8 *buf = kunit_kmalloc(test, size, GFP_KERNEL);
	bool same = true;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, t_pool_read(pool, h, 0, buf, size), 0);
	for (i = 0; i < size && same; i++)
		same = buf[i] == byte;
	kunit_kfree(test, buf);
	return same;
}

static const struct ckremm_paging_params pg_eager = {
	.decay_ticks = 1,
};

/* ---------------------------------------------------------------------- */
/* paging                                                                 */
/* ---------------------------------------------------------------------- */

/*
 * A purge moves the arena to a new address, keeps every byte, and gives
 * back exactly what ckremm_paging_reclaimable_t() said; a commit moves it
 * again and makes room for an allocation that failed for want of pages.
 */
static void paging_move_keeps_bytes(struct kunit *test)
{
	struct t_pool *pool = pg_pool(test, 256 * KIB, 64);
	struct t_pool_stats st;
	size_t count, purged = 0, committed = 0;
	u64 a, b, c;
	void *before;

	pg_pager(test, pool, &pg_eager);
	a = pg_block(test, pool, 5000, 0xa5);
	b = pg_block(test, pool, 100 * KIB, 0x5a);
	c = pg_block(test, pool, 3000, 0x3c);
	KUNIT_ASSERT_EQ(test, t_pool_free(pool, c), 0);
	before = t_pool_arena(pool, NULL);
	count = ckremm_paging_reclaimable_t(pool, false);
	KUNIT_EXPECT_EQ(test, count, 256 * KIB - round_up(5008 + 100 * KIB,
							  PAGE_SIZE));

	KUNIT_EXPECT_EQ(test, ckremm_paging_purge_t(pool, 0, 1 * MIB, &purged),
			0);
	KUNIT_EXPECT_EQ(test, purged, count);
	st = pg_stats(pool);
	KUNIT_EXPECT_EQ(test, st.arena_moves, 1);
	KUNIT_EXPECT_EQ(test, st.committed_bytes, 256 * KIB - count);
	KUNIT_EXPECT_EQ(test, st.purged_bytes, count);
	KUNIT_EXPECT_PTR_NE(test, t_pool_arena(pool, NULL), before);
	KUNIT_EXPECT_TRUE(test, pg_block_is(test, pool, a, 5000, 0xa5));
	KUNIT_EXPECT_TRUE(test, pg_block_is(test, pool, b, 100 * KIB, 0x5a));
	KUNIT_EXPECT_EQ(test, ckremm_paging_reclaimable_t(pool, false), 0);

	/* Under the lock a page cannot be committed: the allocation fails. */
	KUNIT_EXPECT_NE(test, t_pool_alloc_block(pool, 64 * KIB, 0, &c), 0);
	KUNIT_EXPECT_EQ(test, pg_stats(pool).commit_failures, 1);
	KUNIT_EXPECT_EQ(test, ckremm_paging_commit_t(pool, 64 * KIB,
						     &committed), 0);
	KUNIT_EXPECT_EQ(test, committed, 64 * KIB);
	st = pg_stats(pool);
	KUNIT_EXPECT_EQ(test, st.arena_moves, 2);
	KUNIT_EXPECT_EQ(test, st.committed_bytes, 256 * KIB - count + 64 * KIB);
	c = pg_block(test, pool, 64 * KIB, 0xc3);
	KUNIT_EXPECT_TRUE(test, pg_block_is(test, pool, a, 5000, 0xa5));
	KUNIT_EXPECT_TRUE(test, pg_block_is(test, pool, b, 100 * KIB, 0x5a));
	KUNIT_EXPECT_TRUE(test, pg_block_is(test, pool, c, 64 * KIB, 0xc3));
	expect_t_pool_consistent(test, pool, true);
}

/*
 * A pin or a hold hands out an address: while one is out the arena does
 * not move, and a purge or a commit is abandoned with nothing changed.
 */
static void paging_pins_and_holds_stop_moves(struct kunit *test)
{
	struct t_pool *pool = pg_pool(test, 256 * KIB, 64);
	size_t purged = 0, committed = 0, size;
	struct t_pool_stats st;
	void *arena, *addr;
	u8 *pinned;
	u64 a, b;

	pg_pager(test, pool, &pg_eager);
	a = pg_block(test, pool, 4 * KIB, 0x11);
	b = pg_block(test, pool, 128 * KIB, 0x22);
	KUNIT_ASSERT_EQ(test, t_pool_free(pool, b), 0);
	arena = t_pool_arena(pool, NULL);

	pinned = t_pool_pin(pool, a);
	KUNIT_ASSERT_NOT_NULL(test, pinned);
	KUNIT_EXPECT_EQ(test, ckremm_paging_purge_t(pool, 0, 1 * MIB, &purged),
			-EBUSY);
	KUNIT_ASSERT_EQ(test, t_pool_hold(pool, a, false, &addr, &size), 0);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, a), 0);
	KUNIT_EXPECT_EQ(test, ckremm_paging_purge_t(pool, 0, 1 * MIB, &purged),
			-EBUSY);
	st = pg_stats(pool);
	KUNIT_EXPECT_EQ(test, purged, 0);
	KUNIT_EXPECT_EQ(test, st.arena_moves, 0);
	KUNIT_EXPECT_EQ(test, st.committed_bytes, 256 * KIB);
	KUNIT_EXPECT_PTR_EQ(test, t_pool_arena(pool, NULL), arena);
	KUNIT_EXPECT_PTR_EQ(test, addr, (void *)pinned);
	KUNIT_EXPECT_EQ(test, pinned[0], 0x11);
	KUNIT_EXPECT_EQ(test, t_pool_unhold(pool, a, false), 0);

	KUNIT_EXPECT_EQ(test, ckremm_paging_purge_t(pool, 0, 1 * MIB, &purged),
			0);
	KUNIT_EXPECT_EQ(test, purged, 252 * KIB);
	/* Pinned again, it cannot move for a commit either. */
	KUNIT_ASSERT_NOT_NULL(test, t_pool_pin(pool, a));
	KUNIT_EXPECT_EQ(test, ckremm_paging_commit_t(pool, 64 * KIB,
						     &committed), -EBUSY);
	KUNIT_EXPECT_EQ(test, committed, 0);
	KUNIT_EXPECT_EQ(test, pg_stats(pool).committed_bytes, 4 * KIB);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, a), 0);
	KUNIT_EXPECT_EQ(test, ckremm_paging_commit_t(pool, 64 * KIB,
						     &committed), 0);
	KUNIT_EXPECT_EQ(test, committed, 64 * KIB);
	KUNIT_EXPECT_EQ(test, pg_stats(pool).arena_moves, 2);
	KUNIT_EXPECT_TRUE(test, pg_block_is(test, pool, a, 4 * KIB, 0x11));
	expect_t_pool_consistent(test, pool, true);
}

/*
 * In the kernel a pager may not manage a header pool (its blocks are
 * named by addresses, which a move would change) nor a table pool on a
 * caller's arena (not the port's pages).
 */
static void paging_refuses_fixed_arenas(struct kunit *test)
{
	struct ckremm_pager *pager = kunit_kzalloc(test, sizeof(*pager),
						   GFP_KERNEL);
	size_t meta_size = t_pool_meta_size(64 * KIB, 16);
	struct h_pool *hp;
	struct t_pool *tp;
	void *arena, *meta;

	KUNIT_ASSERT_NOT_NULL(test, pager);
	hp = h_pool_create(64 * KIB, 0);
	KUNIT_ASSERT_NOT_NULL(test, hp);
	KUNIT_EXPECT_EQ(test, ckremm_pager_init_h(pager, hp, &pg_eager),
			-EOPNOTSUPP);
	destroy_h_pool(hp);

	arena = vmalloc(64 * KIB);
	meta = kvzalloc(meta_size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, arena);
	KUNIT_ASSERT_NOT_NULL(test, meta);
	tp = t_pool_create_in(arena, 64 * KIB, 16, meta, meta_size, NULL);
	KUNIT_EXPECT_NOT_NULL(test, tp);
	if (tp) {
		KUNIT_EXPECT_EQ(test, ckremm_pager_init(pager, tp, &pg_eager),
				-EOPNOTSUPP);
		destroy_t_pool(tp);
	}
	kvfree(meta);
	vfree(arena);
}

/*
 * A tick commits keep_bytes ahead of the highest block, and more after
 * allocations failed for want of pages.
 */
static void paging_tick_commits_ahead(struct kunit *test)
{
	struct ckremm_paging_params p = {
		.decay_ticks = 1000,
		.keep_bytes = 16 * KIB,
	};
	struct t_pool *pool = pg_pool(test, 1 * MIB, 64);
	struct ckremm_paging_result res = { 0 };
	struct ckremm_pager *pager;
	size_t purged = 0;
	unsigned int i;
	u64 h;

	pager = pg_pager(test, pool, &p);
	KUNIT_ASSERT_EQ(test, ckremm_paging_purge_t(pool, 0, 2 * MIB, &purged),
			0);
	KUNIT_EXPECT_EQ(test, pg_stats(pool).committed_bytes, 0);
	KUNIT_EXPECT_EQ(test, ckremm_pager_tick(pager, &res), 0);
	KUNIT_EXPECT_EQ(test, res.committed, 16 * KIB);
	KUNIT_EXPECT_EQ(test, pg_stats(pool).committed_bytes, 16 * KIB);

	/* 64 KiB fail; the ticks after commit twice as much each time. */
	for (i = 0; i < 8; i++) {
		if (!t_pool_alloc_block(pool, 64 * KIB, 0, &h))
			break;
		ckremm_pager_tick(pager, &res);
	}
	KUNIT_EXPECT_GT(test, i, 0);
	KUNIT_EXPECT_LT(test, i, 8);
	KUNIT_EXPECT_EQ(test, pg_stats(pool).commit_failures, i);
	KUNIT_EXPECT_GE(test, pg_stats(pool).committed_bytes, 64 * KIB);
	expect_t_pool_consistent(test, pool, true);
}

static struct kunit_case paging_cases[] = {
	KUNIT_CASE(paging_move_keeps_bytes),
	KUNIT_CASE(paging_pins_and_holds_stop_moves),
	KUNIT_CASE(paging_refuses_fixed_arenas),
	KUNIT_CASE(paging_tick_commits_ahead),
	{}
};

static struct kunit_suite paging_suite = {
	.name = "paging",
	.test_cases = paging_cases,
};

/* ---------------------------------------------------------------------- */
/* paging_random                                                          */
/* ---------------------------------------------------------------------- */

#define RND_ARENA	(512 * KIB)
#define RND_BLOCKS	96
#define RND_OPS		1500

struct pg_rnd {
	struct kunit *test;
	struct t_pool *pool;
	struct ckremm_pager *pager;
	struct t_model m;
	struct rnd_state r;
	u8 *buf;
	size_t moves_abandoned;
};

KUNIT_DEFINE_ACTION_WRAPPER(pg_model_destroy, t_model_destroy,
			    struct t_model *);

static u32 pg_below(struct pg_rnd *x, u32 n)
{
	return prandom_u32_state(&x->r) % n;
}

/* Every block holds what the model says, read through the pool. */
static void pg_check_all(struct pg_rnd *x)
{
	struct kunit *test = x->test;
	unsigned int i;
	size_t bad;

	for (i = 0; i < x->m.n && !case_failed(test); i++) {
		struct t_model_block *b = &x->m.b[i];

		KUNIT_ASSERT_EQ(test, t_pool_read(x->pool, b->h, 0, x->buf,
						  b->size), 0);
		bad = t_model_diff(&x->m, i, x->buf, 0, b->size);
		KUNIT_EXPECT_EQ_MSG(test, bad, b->size,
				    "block %u of %zu bytes differs at %zu",
				    i, b->size, bad);
	}
}

static void pg_rnd_alloc(struct pg_rnd *x)
{
	size_t size = 16 + pg_below(x, 16 * KIB);
	struct t_model_block *b;
	u64 h;

	if (x->m.n == x->m.max)
		return;
	if (pg_below(x, 2))
		ckremm_paging_commit_t(x->pool, size, NULL);
	if (t_pool_alloc_block(x->pool, size, 0, &h))
		return;
	b = t_model_add(&x->m, h, size);
	KUNIT_ASSERT_NOT_NULL(x->test, b);
	KUNIT_EXPECT_EQ(x->test, t_pool_write(x->pool, h, 0, b->bytes, b->size),
			0);
}

static void pg_rnd_free(struct pg_rnd *x)
{
	unsigned int i;

	if (!x->m.n)
		return;
	i = pg_below(x, x->m.n);
	KUNIT_EXPECT_EQ(x->test, t_pool_free(x->pool, x->m.b[i].h), 0);
	t_model_remove(&x->m, i);
}

static void pg_rnd_write(struct pg_rnd *x)
{
	struct t_model_block *b;
	size_t pos, len;
	unsigned int i;

	if (!x->m.n)
		return;
	i = pg_below(x, x->m.n);
	b = &x->m.b[i];
	pos = pg_below(x, b->size);
	len = 1 + pg_below(x, b->size - pos);
	t_model_fill(&x->m, i, pos, len);
	KUNIT_EXPECT_EQ(x->test, t_pool_write(x->pool, b->h, pos,
					      b->bytes + pos, len), 0);
}

/* A pin: its bytes are right where the address says, and nothing moves. */
static void pg_rnd_pin(struct pg_rnd *x)
{
	struct kunit *test = x->test;
	struct t_model_block *b;
	size_t purged = 0;
	unsigned int i;
	int ret;
	u8 *at;

	if (!x->m.n)
		return;
	i = pg_below(x, x->m.n);
	b = &x->m.b[i];
	at = t_pool_pin(x->pool, b->h);
	KUNIT_ASSERT_NOT_NULL(test, at);
	ret = ckremm_paging_purge_t(x->pool, 0, 0, &purged);
	KUNIT_EXPECT_TRUE_MSG(test, ret == -EBUSY || (!ret && !purged),
			      "purge with a pin: %d, %zu bytes", ret, purged);
	if (ret == -EBUSY)
		x->moves_abandoned++;
	KUNIT_EXPECT_PTR_EQ(test, (u8 *)t_pool_pin(x->pool, b->h), at);
	KUNIT_EXPECT_EQ(test, t_model_diff(&x->m, i, at, 0, b->size), b->size);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(x->pool, b->h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(x->pool, b->h), 0);
}

static void paging_random_run(struct kunit *test)
{
	const u32 *seed = test->param_value;
	struct ckremm_paging_params p = {
		.decay_ticks = 2,
		.keep_bytes = 8 * KIB,
		.flags = CKREMM_PAGING_REORDER,
	};
	struct t_pool_reorder_result step;
	struct t_pool_stats st;
	struct pg_rnd *x;
	unsigned int op;
	size_t purged;

	x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);
	x->test = test;
	x->buf = kunit_kmalloc(test, 16 * KIB + T_POOL_ALIGN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->buf);
	prandom_seed_state(&x->r, *seed);
	x->pool = pg_pool(test, RND_ARENA, RND_BLOCKS * 2);
	x->pager = pg_pager(test, x->pool, &p);
	KUNIT_ASSERT_EQ(test, t_model_init(&x->m, RND_BLOCKS, *seed), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pg_model_destroy,
							&x->m), 0);

	for (op = 0; op < RND_OPS && !case_failed(test); op++) {
		u32 pick = pg_below(x, 100);

		if (pick < 35) {
			pg_rnd_alloc(x);
		} else if (pick < 60) {
			pg_rnd_free(x);
		} else if (pick < 70) {
			pg_rnd_write(x);
		} else if (pick < 80) {
			ckremm_pager_tick(x->pager, NULL);
		} else if (pick < 85) {
			purged = 0;
			ckremm_paging_purge_t(x->pool, pg_below(x, 32 * KIB),
					      0, &purged);
		} else if (pick < 90) {
			pg_rnd_pin(x);
		} else {
			t_pool_reorder_step(x->pool, 0, &step);
		}
		if (!(op % 100))
			pg_check_all(x);
	}
	pg_check_all(x);
	expect_t_pool_consistent(test, x->pool, false);
	st = pg_stats(x->pool);
	KUNIT_EXPECT_GT(test, st.arena_moves, 0);
	KUNIT_EXPECT_GT(test, st.purged_bytes, 0);
	kunit_info(test, "%zu moves, %zu bytes purged, %zu commit failures, %zu purges stopped by a pin\n",
		   st.arena_moves, st.purged_bytes, st.commit_failures,
		   x->moves_abandoned);
}

KUNIT_ARRAY_PARAM(paging_random_seed, ckremm_kunit_seeds,
		  ckremm_kunit_seed_desc);

static struct kunit_case paging_random_cases[] = {
	KUNIT_CASE_PARAM(paging_random_run, paging_random_seed_gen_params),
	{}
};

static struct kunit_suite paging_random_suite = {
	.name = "paging_random",
	.test_cases = paging_random_cases,
};

/* ---------------------------------------------------------------------- */
/* paging_work                                                            */
/* ---------------------------------------------------------------------- */

static struct ckremm_pager_work *pg_work(struct kunit *test,
					 struct t_pool *pool,
					 const struct ckremm_paging_params *p,
					 unsigned int period_ms)
{
	struct ckremm_pager_work *w = ckremm_pager_work_start(pool, p,
							      period_ms);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(w), "start: %ld", PTR_ERR(w));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pg_stop_work, w),
			0);
	return w;
}

/*
 * Left alone, the work item ticks: a pool emptied gives its pages back
 * after the decay time, and an allocation that failed for want of pages
 * succeeds once a later tick has committed more.
 */
static void paging_work_ticks(struct kunit *test)
{
	struct ckremm_paging_params p = {
		.decay_ticks = 2,
		.keep_bytes = 8 * KIB,
	};
	struct t_pool *pool = pg_pool(test, 1 * MIB, 64);
	struct ckremm_pager_work_stats ws;
	struct ckremm_pager_work *w;
	unsigned long deadline;
	u64 a, b;
	int ret;

	a = pg_block(test, pool, 8 * KIB, 0x77);
	b = pg_block(test, pool, 512 * KIB, 0x88);
	KUNIT_ASSERT_EQ(test, t_pool_free(pool, b), 0);
	w = pg_work(test, pool, &p, 5);

	deadline = jiffies + msecs_to_jiffies(5000);
	while (pg_stats(pool).committed_bytes > 16 * KIB &&
	       time_before(jiffies, deadline))
		msleep(20);
	KUNIT_EXPECT_EQ(test, pg_stats(pool).committed_bytes, 16 * KIB);
	ckremm_pager_work_read(w, &ws);
	KUNIT_EXPECT_GE(test, ws.ticks, 2);
	KUNIT_EXPECT_EQ(test, ws.purged_bytes, 1 * MIB - 16 * KIB);

	deadline = jiffies + msecs_to_jiffies(5000);
	do {
		ret = t_pool_alloc_block(pool, 256 * KIB, 0, &b);
		if (ret)
			usleep_range(2000, 4000);
	} while (ret && time_before(jiffies, deadline));
	KUNIT_EXPECT_EQ(test, ret, 0);
	ckremm_pager_work_read(w, &ws);
	/* From the 16 KiB left to the end of the new block, 264 KiB. */
	KUNIT_EXPECT_EQ(test, ws.committed_bytes, 248 * KIB);
	KUNIT_EXPECT_GT(test, pg_stats(pool).commit_failures, 0);
	KUNIT_EXPECT_TRUE(test, pg_block_is(test, pool, a, 8 * KIB, 0x77));
}

/*
 * The shrinker's count is what its scan then gives back: with
 * CKREMM_PAGING_REORDER, every free page once the blocks are compacted.
 */
static void paging_work_shrinks(struct kunit *test)
{
	struct ckremm_paging_params p = {
		.decay_ticks = 1000,
		.flags = CKREMM_PAGING_REORDER,
	};
	struct t_pool *pool = pg_pool(test, 1 * MIB, 256);
	struct ckremm_pager_work_stats ws;
	struct ckremm_pager_work *w;
	size_t count, got, used;
	u64 h[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(h); i++)
		h[i] = pg_block(test, pool, 8 * KIB, (u8)i);
	for (i = 0; i < ARRAY_SIZE(h); i += 2)
		KUNIT_ASSERT_EQ(test, t_pool_free(pool, h[i]), 0);
	w = pg_work(test, pool, &p, 60000);
	/* The first tick runs at once; a scan would give way to it. */
	do
		ckremm_pager_work_read(w, &ws);
	while (!ws.ticks && !msleep_interruptible(1));

	used = pg_stats(pool).used_bytes;
	count = ckremm_pager_work_count(w);
	KUNIT_EXPECT_EQ(test, count, 1 * MIB - round_up(used, PAGE_SIZE));
	got = ckremm_pager_work_shrink(w, count);
	KUNIT_EXPECT_EQ(test, got, count);
	KUNIT_EXPECT_EQ(test, pg_stats(pool).committed_bytes,
			round_up(used, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, ckremm_pager_work_count(w), 0);
	KUNIT_EXPECT_EQ(test, ckremm_pager_work_shrink(w, 1 * MIB), 0);
	for (i = 1; i < ARRAY_SIZE(h); i += 2)
		KUNIT_EXPECT_TRUE(test, pg_block_is(test, pool, h[i], 8 * KIB,
						    (u8)i));
	ckremm_pager_work_read(w, &ws);
	KUNIT_EXPECT_EQ(test, ws.shrink_scans, 2);
	KUNIT_EXPECT_EQ(test, ws.shrink_purged_bytes, count);
	KUNIT_EXPECT_GT(test, ws.shrink_moved_bytes, 0);
	expect_t_pool_consistent(test, pool, true);
}

static struct kunit_case paging_work_cases[] = {
	KUNIT_CASE(paging_work_ticks),
	KUNIT_CASE(paging_work_shrinks),
	{}
};

static struct kunit_suite paging_work_suite = {
	.name = "paging_work",
	.test_cases = paging_work_cases,
};

/* ---------------------------------------------------------------------- */
/* paging_cost                                                            */
/* ---------------------------------------------------------------------- */

/*
 * What a move of a 64 MiB arena costs (a purge of all but its first page,
 * then a commit of it all again), and an idle tick: printed, and bounded
 * only loosely, since UML's clock is the host's.
 */
static void paging_cost_move_64m(struct kunit *test)
{
	struct t_pool *pool = pg_pool(test, 64 * MIB, 64);
	struct ckremm_paging_params p = { .decay_ticks = 1000000 };
	struct ckremm_pager *pager = pg_pager(test, pool, &p);
	size_t purged = 0, committed = 0;
	unsigned int i, ticks = 1000;
	u64 purge_ns, commit_ns, tick_ns;
	ktime_t t0;
	u64 h;

	h = pg_block(test, pool, 4 * KIB, 0x42);
	t0 = ktime_get();
	KUNIT_EXPECT_EQ(test, ckremm_paging_purge_t(pool, 0, 64 * MIB,
						    &purged), 0);
	purge_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	KUNIT_EXPECT_EQ(test, purged, 64 * MIB - 4 * KIB);

	t0 = ktime_get();
	KUNIT_EXPECT_EQ(test, ckremm_paging_commit_t(pool, 64 * MIB,
						     &committed), 0);
	commit_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	KUNIT_EXPECT_EQ(test, committed, 64 * MIB - 4 * KIB);

	t0 = ktime_get();
	for (i = 0; i < ticks; i++)
		ckremm_pager_tick(pager, NULL);
	tick_ns = ktime_to_ns(ktime_sub(ktime_get(), t0)) / ticks;
	KUNIT_EXPECT_EQ(test, pg_stats(pool).arena_moves, 2);
	KUNIT_EXPECT_TRUE(test, pg_block_is(test, pool, h, 4 * KIB, 0x42));
	kunit_info(test, "64 MiB arena: purge move %llu us, commit move %llu us, idle tick %llu ns\n",
		   purge_ns / 1000, commit_ns / 1000, tick_ns);
}

static struct kunit_case paging_cost_cases[] = {
	KUNIT_CASE_SLOW(paging_cost_move_64m),
	{}
};

static struct kunit_suite paging_cost_suite = {
	.name = "paging_cost",
	.test_cases = paging_cost_cases,
};

kunit_test_suites(&paging_suite, &paging_random_suite, &paging_work_suite,
		  &paging_cost_suite);
