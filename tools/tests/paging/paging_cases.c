// SPDX-License-Identifier: GPL-2.0-only
/*
 * paging_cases.c - the paging module (ckremm/paging/) over the table pool.
 *
 * Every case runs with the host port's purge protection on: a purged page
 * is PROT_NONE until the pool commits it again, so a block placed, moved,
 * read or written on a page the pool did not commit kills the case with
 * SIGSEGV.  Besides that, the cases check that
 *
 *   - every used block ends below the committed mark (walk and stats);
 *   - no page above the mark is resident (mincore());
 *   - every byte of every live block is what the reference model says,
 *     after any sequence of alloc, free, write, reorder steps, purge
 *     steps, ticks and failing commits (model.seed_*);
 *   - the decay policy gives back what has been free for a decay period,
 *     and nothing that is used again within one (decay.*);
 *   - in a header pool, the pages inside free blocks go back, and every
 *     byte of every live block survives alloc, aligned alloc, free,
 *     write, resize, reorder, ticks and failing commits (h_*), with no
 *     more pages resident than the pool says are committed.
 *
 * PAGING_MODEL_OPS overrides the number of operations per seed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ckremm_port.h"
#include <ckremm/h_pool.h>
#include <ckremm/paging.h>
#include <ckremm/t_pool.h>

#include "ckremm_test.h"
#include "h_pool_model.h"
#include "t_pool_model.h"

#define PAGE		CKREMM_PAGE_SIZE
#define ARENA		(4UL << 20)
#define MODEL_OPS	40000

static u64 rng_next(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Pages of [at, at + len) resident now. */
static size_t resident_pages(const void *at, size_t len)
{
	size_t pages = len / PAGE, i, n = 0;
	unsigned char *vec = calloc(pages ? pages : 1, 1);

	ASSERT_NONNULL(vec);
	ASSERT_EQ(mincore((void *)at, len, vec), 0);
	for (i = 0; i < pages; i++)
		n += vec[i] & 1;
	free(vec);
	return n;
}

static size_t committed(struct t_pool *pool)
{
	struct t_pool_stats st;

	t_pool_get_stats(pool, &st);
	return st.committed_bytes;
}

/*
 * The pool is valid, every used block ends at or below the committed
 * mark, and nothing above the mark is resident.
 */
static void check_pages(struct t_pool *pool)
{
	struct t_pool_extent ext[64];
	size_t cursor = 0, size, top = committed(pool);
	struct t_pool_fault fault;
	unsigned int i, n;
	u8 *arena = t_pool_arena(pool, &size);

	ASSERT_EQ(t_pool_validate(pool, &fault), 0, "%s at %zu", fault.reason,
		  fault.offset);
	ASSERT_EQ(top % PAGE, 0);
	while (cursor < size) {
		n = t_pool_walk(pool, &cursor, ext, 64);
		ASSERT_GT(n, 0);
		for (i = 0; i < n; i++)
			if (ext[i].handle != T_POOL_NO_HANDLE)
				ASSERT_LE(ext[i].offset + ext[i].size, top,
					  "block %#llx above the committed mark",
					  (unsigned long long)ext[i].handle);
	}
	if (top < size)
		ASSERT_EQ(resident_pages(arena + top, size - top), 0);
}

/* A block of @size written with the model's pattern. */
static int model_alloc(struct t_pool *pool, struct t_model *m, size_t size)
{
	struct t_model_block *b;
	u64 h;
	int ret = t_pool_alloc_block(pool, size, 0, &h);

	if (ret)
		return ret;
	b = t_model_add(m, h, size);
	ASSERT_NONNULL(b);
	ASSERT_EQ(t_pool_write(pool, h, 0, b->bytes, b->size), 0);
	return 0;
}

static void model_free(struct t_pool *pool, struct t_model *m, unsigned int i)
{
	ASSERT_EQ(t_pool_free(pool, m->b[i].h), 0);
	t_model_remove(m, i);
}

/* Every byte of every live block is the model's. */
static void check_bytes(struct t_pool *pool, const struct t_model *m)
{
	static u8 buf[1 << 16];
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		size_t size = m->b[i].size;

		ASSERT_LE(size, sizeof(buf));
		ASSERT_EQ(t_pool_read(pool, m->b[i].h, 0, buf, size), 0);
		ASSERT_EQ(t_model_diff(m, i, buf, 0, size), size,
			  "block %u of %zu bytes differs", i, size);
	}
}

/* Fill the pool with blocks of 16 to @most bytes, then free 90% at random. */
static void burst(struct t_pool *pool, struct t_model *m, u64 *seed,
		  size_t most)
{
	unsigned int i;

	while (!model_alloc(pool, m, 16 + rng_next(seed) % (most - 15)))
		;
	for (i = m->n; i-- > 0;)
		if (rng_next(seed) % 10)
			model_free(pool, m, i);
}

static struct t_pool *paged_pool(struct ckremm_pager *pager,
				 const struct ckremm_paging_params *p)
{
	struct t_pool *pool = t_pool_create(ARENA, 0);

	ASSERT_NONNULL(pool);
	ckremm_host_purge_protect = true;
	ASSERT_EQ(ckremm_pager_init(pager, pool, p), 0);
	return pool;
}

static void purge_all(struct t_pool *pool, size_t keep)
{
	size_t purged = 0;
	int ret;

	do
		ret = ckremm_paging_purge_t(pool, keep, 0, &purged);
	while (ret > 0);
	ASSERT_EQ(ret, 0);
}

static const struct ckremm_paging_params eager = { .decay_ticks = 1 };

#ifdef CKREMM_HOST_ARENA_MOVES
/*
 * Built with CKREMM_HOST_ARENA_MOVES (paging_moves_tests): arenas that
 * change their pages only by moving, as the Linux kernel's do.  A purge
 * or a commit moves the arena, only while no block is pinned or held;
 * allocations never commit, the pager commits ahead.
 */

/* A block of @size bytes of @byte at its front; its handle. */
static u64 byte_block(struct t_pool *pool, size_t size, u8 byte)
{
	static u8 buf[1 << 18];
	u64 h;

	ASSERT_LE(size, sizeof(buf));
	memset(buf, byte, size);
	ASSERT_EQ(t_pool_alloc_block(pool, size, 0, &h), 0);
	ASSERT_EQ(t_pool_write(pool, h, 0, buf, size), 0);
	return h;
}

static bool block_is(struct t_pool *pool, u64 h, size_t size, u8 byte)
{
	static u8 buf[1 << 18];
	size_t i;

	ASSERT_EQ(t_pool_read(pool, h, 0, buf, size), 0);
	for (i = 0; i < size; i++)
		if (buf[i] != byte)
			return false;
	return true;
}

static struct t_pool_stats stats_of(struct t_pool *pool)
{
	struct t_pool_stats st;

	t_pool_get_stats(pool, &st);
	return st;
}

/* A purge and a commit move the arena and keep every byte. */
TEST(move_keeps_bytes)
{
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &eager);
	size_t count, purged = 0, got = 0;
	void *before = t_pool_arena(pool, NULL);
	u64 a, b, c;

	a = byte_block(pool, 5000, 0xa5);
	b = byte_block(pool, 200 << 10, 0x5a);
	count = ckremm_paging_reclaimable_t(pool, false);
	EXPECT_EQ(count, ARENA - ((5008 + (200 << 10) + PAGE - 1) & ~(PAGE - 1)));
	EXPECT_EQ(ckremm_paging_purge_t(pool, 0, 2 * ARENA, &purged), 0);
	EXPECT_EQ(purged, count);
	EXPECT_EQ(stats_of(pool).arena_moves, 1);
	EXPECT_NE((uintptr_t)t_pool_arena(pool, NULL), (uintptr_t)before);
	check_pages(pool);
	EXPECT_TRUE(block_is(pool, a, 5000, 0xa5));
	EXPECT_TRUE(block_is(pool, b, 200 << 10, 0x5a));

	/* No commit under the lock: the allocation fails until one ahead. */
	EXPECT_EQ(t_pool_alloc_block(pool, 64 << 10, 0, &c), -ENOMEM);
	EXPECT_EQ(stats_of(pool).commit_failures, 1);
	ckremm_host_commit_failures = 1;
	EXPECT_EQ(ckremm_paging_commit_t(pool, 64 << 10, &got), -ENOMEM);
	EXPECT_EQ(got, 0);
	EXPECT_EQ(ckremm_paging_commit_t(pool, 64 << 10, &got), 0);
	EXPECT_EQ(got, 64 << 10);
	EXPECT_EQ(ckremm_paging_commit_t(pool, 64 << 10, &got), 0);
	EXPECT_EQ(got, 64 << 10);
	EXPECT_EQ(stats_of(pool).arena_moves, 2);
	c = byte_block(pool, 64 << 10, 0xc3);
	check_pages(pool);
	EXPECT_TRUE(block_is(pool, a, 5000, 0xa5));
	EXPECT_TRUE(block_is(pool, b, 200 << 10, 0x5a));
	EXPECT_TRUE(block_is(pool, c, 64 << 10, 0xc3));
	ckremm_pager_exit(&pager);
	EXPECT_EQ(stats_of(pool).committed_bytes, ARENA);
	EXPECT_TRUE(destroy_t_pool(pool));
}

/* While a block is pinned or held, the arena does not move. */
TEST(pins_and_holds_stop_moves)
{
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &eager);
	struct ckremm_paging_result res = { 0 };
	size_t purged = 0, got = 0, size;
	void *arena, *addr;
	u8 *pin;
	u64 a, b;

	a = byte_block(pool, 4096, 0x11);
	b = byte_block(pool, 128 << 10, 0x22);
	ASSERT_EQ(t_pool_free(pool, b), 0);
	arena = t_pool_arena(pool, NULL);
	pin = t_pool_pin(pool, a);
	ASSERT_NONNULL(pin);
	/* Refused before a view is built: the view's failure stays unused. */
	ckremm_host_view_failures = 1;
	EXPECT_EQ(ckremm_paging_purge_t(pool, 0, 2 * ARENA, &purged), -EBUSY);
	EXPECT_EQ(ckremm_host_view_failures, 1, "a view built for nothing");
	ckremm_host_view_failures = 0;
	ASSERT_EQ(t_pool_hold(pool, a, true, &addr, &size), 0);
	EXPECT_EQ(t_pool_unpin(pool, a), 0);
	EXPECT_EQ(ckremm_paging_purge_t(pool, 0, 2 * ARENA, &purged), -EBUSY);
	/* A tick gives up too, and says so. */
	EXPECT_EQ(ckremm_pager_tick(&pager, &res), 0);
	EXPECT_EQ(res.abandoned, 1);
	EXPECT_EQ(res.purged, 0);
	EXPECT_EQ(purged, 0);
	EXPECT_EQ(stats_of(pool).arena_moves, 0);
	EXPECT_EQ(stats_of(pool).committed_bytes, ARENA);
	EXPECT_EQ((uintptr_t)t_pool_arena(pool, NULL), (uintptr_t)arena);
	EXPECT_EQ((uintptr_t)addr, (uintptr_t)pin);
	EXPECT_EQ(pin[4095], 0x11);
	EXPECT_EQ(t_pool_unhold(pool, a, true), 0);

	EXPECT_EQ(ckremm_paging_purge_t(pool, 0, 2 * ARENA, &purged), 0);
	EXPECT_EQ(purged, ARENA - 4096);
	ASSERT_NONNULL(t_pool_pin(pool, a));
	/* With nothing left to give back, a pin refuses nothing. */
	EXPECT_EQ(ckremm_paging_purge_t(pool, 0, 2 * ARENA, &purged), 0);
	EXPECT_EQ(purged, ARENA - 4096);
	EXPECT_EQ(ckremm_paging_commit_t(pool, 64 << 10, &got), -EBUSY);
	EXPECT_EQ(got, 0);
	/* Left with a block pinned, the pager cannot commit the pages again. */
	ckremm_pager_exit(&pager);
	EXPECT_EQ(stats_of(pool).committed_bytes, 4096);
	EXPECT_EQ(t_pool_unpin(pool, a), 0);
	ASSERT_EQ(ckremm_pager_init(&pager, pool, &eager), 0);
	ckremm_pager_exit(&pager);
	EXPECT_EQ(stats_of(pool).committed_bytes, ARENA);
	EXPECT_TRUE(block_is(pool, a, 4096, 0x11));
	check_pages(pool);
	EXPECT_TRUE(destroy_t_pool(pool));
}

/*
 * Ticks commit keep_bytes ahead, twice as much after each tick that saw
 * failures, and half again after four calm decay periods; the decay
 * policy keeps what was committed ahead.
 */
TEST(ticks_commit_ahead)
{
	const struct ckremm_paging_params p = {
		.decay_ticks = 2,
		.keep_bytes = 16 << 10,
	};
	struct ckremm_paging_result res = { 0 };
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &p);
	unsigned int i;
	u64 h;

	purge_all(pool, 0);
	EXPECT_EQ(committed(pool), 0);
	ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	EXPECT_EQ(committed(pool), 16 << 10);
	for (i = 0; i < 8 && t_pool_alloc_block(pool, 96 << 10, 0, &h); i++)
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	/* 32, 64 and then 128 KiB ahead. */
	EXPECT_EQ(i, 3);
	EXPECT_EQ(stats_of(pool).commit_failures, 3);
	EXPECT_EQ(committed(pool), 128 << 10);
	EXPECT_EQ(pager.ahead, 128 << 10);
	/* Calm: the block's 96 KiB and 128 ahead stay for four periods. */
	for (i = 0; i < 7; i++)
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	EXPECT_EQ(committed(pool), (96 << 10) + (128 << 10));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	EXPECT_EQ(pager.ahead, 64 << 10);
	EXPECT_EQ(committed(pool), (96 << 10) + (64 << 10));
	EXPECT_GT(res.committed, 0);
	EXPECT_GT(res.purged, 0);
	check_pages(pool);
	ckremm_pager_exit(&pager);
	EXPECT_TRUE(destroy_t_pool(pool));
}

/* The count with a reorder is what a reorder and a purge give back. */
TEST(reclaimable_with_reorder)
{
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &eager);
	struct t_pool_reorder_result rr;
	size_t count, purged = 0, used;
	u64 h[64];
	unsigned int i;

	for (i = 0; i < 64; i++)
		h[i] = byte_block(pool, 8 << 10, (u8)i);
	for (i = 0; i < 64; i += 2)
		ASSERT_EQ(t_pool_free(pool, h[i]), 0);
	used = stats_of(pool).used_bytes;
	count = ckremm_paging_reclaimable_t(pool, true);
	EXPECT_EQ(count, ARENA - used);
	EXPECT_EQ(ckremm_paging_reclaimable_t(pool, false), ARENA - (512 << 10));
	ASSERT_EQ(t_pool_reorder(pool, &rr), 0);
	EXPECT_EQ(ckremm_paging_reclaimable_t(pool, false), count);
	EXPECT_EQ(ckremm_paging_purge_t(pool, 0, 2 * ARENA, &purged), 0);
	EXPECT_EQ(purged, count);
	EXPECT_EQ(ckremm_paging_reclaimable_t(pool, true), 0);
	for (i = 1; i < 64; i += 2)
		EXPECT_TRUE(block_is(pool, h[i], 8 << 10, (u8)i));
	EXPECT_EQ(ckremm_paging_reclaimable_t(NULL, true), 0);
	ckremm_pager_exit(&pager);
	EXPECT_EQ(ckremm_paging_reclaimable_t(pool, true), 0);
	EXPECT_EQ(ckremm_paging_commit_t(pool, 0, NULL), -EINVAL);
	EXPECT_TRUE(destroy_t_pool(pool));
}

/* A move that cannot be made changes nothing. */
TEST(failed_moves)
{
	struct ckremm_pager pager;
	struct t_pool *pool;
	size_t purged = 0, got = 0;
	void *arena;
	u64 a;

	ckremm_host_view_failures = 1;
	EXPECT_NULL(t_pool_create(ARENA, 0));
	pool = paged_pool(&pager, &eager);
	a = byte_block(pool, 8192, 0x99);
	arena = t_pool_arena(pool, NULL);
	ckremm_host_view_failures = 1;
	EXPECT_EQ(ckremm_paging_purge_t(pool, 0, 2 * ARENA, &purged), -ENOMEM);
	EXPECT_EQ(purged, 0);
	EXPECT_EQ(committed(pool), ARENA);
	EXPECT_EQ(ckremm_paging_purge_t(pool, 0, 2 * ARENA, &purged), 0);
	ckremm_host_view_failures = 1;
	EXPECT_EQ(ckremm_paging_commit_t(pool, 8192, &got), -ENOMEM);
	EXPECT_EQ(got, 0);
	EXPECT_EQ(committed(pool), 8192);
	EXPECT_EQ(stats_of(pool).arena_moves, 1);
	EXPECT_NE((uintptr_t)t_pool_arena(pool, NULL), (uintptr_t)arena);
	EXPECT_EQ(ckremm_paging_commit_t(pool, 8192, &got), 0);
	EXPECT_EQ(got, 8192);
	EXPECT_TRUE(block_is(pool, a, 8192, 0x99));
	check_pages(pool);
	ckremm_pager_exit(&pager);
	EXPECT_TRUE(destroy_t_pool(pool));
}

/* Pools whose arena cannot move are not paged. */
TEST(fixed_arenas_refused)
{
	static u8 meta[1 << 16];
	struct ckremm_pager pager;
	struct h_pool *hp = create_h_pool(64 << 10);
	struct t_pool *tp;
	void *arena = aligned_alloc(PAGE, 64 << 10);

	ASSERT_NONNULL(hp);
	EXPECT_EQ(ckremm_pager_init_h(&pager, hp, &eager), -EOPNOTSUPP);
	EXPECT_TRUE(destroy_h_pool(hp));
	ASSERT_NONNULL(arena);
	ASSERT_LE(t_pool_meta_size(64 << 10, 16), sizeof(meta));
	tp = t_pool_create_in(arena, 64 << 10, 16, meta, sizeof(meta), NULL);
	ASSERT_NONNULL(tp);
	EXPECT_EQ(ckremm_pager_init(&pager, tp, &eager), -EOPNOTSUPP);
	EXPECT_TRUE(destroy_t_pool(tp));
	free(arena);
}

/*
 * A seeded run of alloc, free, write, pins, reorder steps, purges,
 * commits and ticks: every byte of every block is the model's, no block
 * lies above the committed mark, and nothing above it is resident.
 */
static void moves_run(u64 seed)
{
	const struct ckremm_paging_params p = {
		.decay_ticks = 2,
		.keep_bytes = 32 << 10,
		.flags = CKREMM_PAGING_REORDER,
	};
	struct ckremm_paging_result res = { 0 };
	struct t_pool_reorder_result rr;
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &p);
	unsigned long ops = 4000, op, fails = 0, busy = 0;
	struct t_model m;
	size_t purged = 0;
	unsigned int i;
	u8 *at;

	ASSERT_EQ(t_model_init(&m, 4096, seed), 0);
	burst(pool, &m, &seed, 32 << 10);
	for (op = 0; op < ops; op++) {
		unsigned int pick = rng_next(&seed) % 100;
		size_t size = 16 + rng_next(&seed) % (32 << 10);

		if (pick < 35) {
			if (rng_next(&seed) % 2)
				ckremm_paging_commit_t(pool, size, NULL);
			if (m.n < m.max && model_alloc(pool, &m, size))
				fails++;
		} else if (pick < 60 && m.n) {
			model_free(pool, &m, rng_next(&seed) % m.n);
		} else if (pick < 70 && m.n) {
			i = rng_next(&seed) % m.n;
			t_model_fill(&m, i, 0, m.b[i].size);
			ASSERT_EQ(t_pool_write(pool, m.b[i].h, 0, m.b[i].bytes,
					       m.b[i].size), 0);
		} else if (pick < 80) {
			ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
		} else if (pick < 85) {
			ckremm_paging_purge_t(pool, rng_next(&seed) % (64 << 10),
					      0, &purged);
		} else if (pick < 90 && m.n) {
			i = rng_next(&seed) % m.n;
			at = t_pool_pin(pool, m.b[i].h);
			ASSERT_NONNULL(at);
			if (ckremm_paging_purge_t(pool, 0, 0, &purged) == -EBUSY)
				busy++;
			ASSERT_EQ(t_model_diff(&m, i, at, 0, m.b[i].size),
				  m.b[i].size);
			ASSERT_EQ(t_pool_unpin(pool, m.b[i].h), 0);
		} else {
			t_pool_reorder_step(pool, 0, &rr);
		}
		if (op % 200 == 0) {
			check_bytes(pool, &m);
			check_pages(pool);
		}
	}
	check_bytes(pool, &m);
	check_pages(pool);
	TH_LOG("%lu ops: %zu moves, %zu + %zu bytes purged, %lu failed allocs, %lu purges stopped by a pin",
	       ops, stats_of(pool).arena_moves, purged, res.purged, fails,
	       busy);
	EXPECT_GT(stats_of(pool).arena_moves, 0);
	EXPECT_GT(res.purged, 0);
	EXPECT_GT(res.committed, 0);
	EXPECT_GT(busy, 0);
	ckremm_pager_exit(&pager);
	check_bytes(pool, &m);
	t_model_destroy(&m);
	EXPECT_TRUE(destroy_t_pool(pool));
}

TEST(moves_seed_1) { moves_run(7); }
TEST(moves_seed_2) { moves_run(0xfeed); }

TEST_HARNESS_MAIN("paging-moves")
#else

TEST(init_refuses)
{
	struct ckremm_pager pager, other;
	struct ckremm_paging_params p = eager;
	struct t_pool *pool = t_pool_create(ARENA, 0);

	ASSERT_NONNULL(pool);
	EXPECT_EQ(ckremm_pager_init(NULL, pool, &p), -EINVAL);
	EXPECT_EQ(ckremm_pager_init(&pager, NULL, &p), -EINVAL);
	p.decay_ticks = 0;
	EXPECT_EQ(ckremm_pager_init(&pager, pool, &p), -EINVAL);
	EXPECT_EQ(ckremm_paging_purge_t(pool, 0, 0, NULL), -EINVAL);
	ASSERT_EQ(ckremm_pager_init(&pager, pool, &eager), 0);
	EXPECT_EQ(ckremm_pager_init(&other, pool, &eager), -EBUSY);
	ckremm_pager_exit(&pager);
	EXPECT_EQ(ckremm_pager_init(&other, pool, &eager), 0);
	ckremm_pager_exit(&other);
	EXPECT_TRUE(destroy_t_pool(pool));
}

/*
 * Where pages are committed under the lock, ckremm_paging_commit_t()
 * commits them sooner, and ckremm_paging_reclaimable_t() counts what a
 * purge then gives back.
 */
TEST(commit_ahead_and_count)
{
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &eager);
	size_t got = 0, purged = 0;

	purge_all(pool, 0);
	EXPECT_EQ(committed(pool), 0);
	EXPECT_EQ(ckremm_paging_reclaimable_t(pool, false), 0);
	ckremm_host_commit_failures = 1;
	EXPECT_EQ(ckremm_paging_commit_t(pool, 3 * PAGE, &got), -ENOMEM);
	EXPECT_EQ(ckremm_paging_commit_t(pool, 3 * PAGE, &got), 0);
	EXPECT_EQ(got, 3 * PAGE);
	EXPECT_EQ(committed(pool), 3 * PAGE);
	check_pages(pool);
	EXPECT_EQ(ckremm_paging_reclaimable_t(pool, true), 3 * PAGE);
	EXPECT_EQ(ckremm_paging_purge_t(pool, 0, 0, &purged), 0);
	EXPECT_EQ(purged, 3 * PAGE);
	ckremm_pager_exit(&pager);
	EXPECT_EQ(ckremm_paging_commit_t(pool, PAGE, NULL), -EINVAL);
	EXPECT_TRUE(destroy_t_pool(pool));
}

/* After a reorder, all free pages at the top go back, and come again. */
TEST(purge_after_reorder)
{
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &eager);
	struct t_pool_stats st;
	struct t_model m;
	u64 seed = 1;
	size_t size;
	u8 *arena = t_pool_arena(pool, &size);

	ASSERT_EQ(t_model_init(&m, 4096, 7), 0);
	burst(pool, &m, &seed, 4000);
	/* Freeing gives nothing back by itself (and mincore() sees pages). */
	EXPECT_GE(resident_pages(arena, size), size / PAGE - 1);
	ASSERT_EQ(t_pool_reorder(pool, NULL), 0);
	purge_all(pool, 0);
	check_pages(pool);
	check_bytes(pool, &m);
	t_pool_get_stats(pool, &st);
	EXPECT_LE(st.committed_bytes, st.used_bytes + PAGE);
	EXPECT_LE(resident_pages(arena, size) * PAGE, st.used_bytes + PAGE);
	EXPECT_EQ(st.purged_bytes, size - st.committed_bytes);

	/* Filling again commits the pages again, all of them. */
	while (!model_alloc(pool, &m, 64 + rng_next(&seed) % 4000))
		;
	check_pages(pool);
	check_bytes(pool, &m);
	EXPECT_EQ(committed(pool), size);
	ckremm_pager_exit(&pager);
	t_model_destroy(&m);
	EXPECT_TRUE(destroy_t_pool(pool));
}

/* A commit that fails fails the allocation, which changes nothing. */
TEST(commit_fails)
{
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &eager);
	struct t_pool_stats st;
	struct t_model m;
	size_t top;
	u64 h;

	ASSERT_EQ(t_model_init(&m, 64, 3), 0);
	ASSERT_EQ(model_alloc(pool, &m, 3 * PAGE), 0);
	purge_all(pool, 0);
	top = committed(pool);
	EXPECT_EQ(top, 3 * PAGE);
	ckremm_host_commit_failures = 1;
	EXPECT_EQ(t_pool_alloc_block(pool, 2 * PAGE, 0, &h), -ENOMEM);
	EXPECT_EQ(ckremm_host_commit_failures, 0);
	check_pages(pool);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.commit_failures, 1);
	EXPECT_EQ(st.failed_allocs, 1);
	EXPECT_EQ(st.used_blocks, 1);
	EXPECT_EQ(st.committed_bytes, top);
	ASSERT_EQ(model_alloc(pool, &m, 2 * PAGE), 0);
	EXPECT_EQ(committed(pool), 5 * PAGE);
	check_pages(pool);
	check_bytes(pool, &m);
	ckremm_pager_exit(&pager);
	t_model_destroy(&m);
	EXPECT_TRUE(destroy_t_pool(pool));
}

struct race {
	struct t_pool *pool;
	int above, below;
	u64 h;
};

/* Allocations while a purge step has the pages above the mark. */
static void race_hook(void *arg)
{
	struct race *r = arg;
	u64 h;

	ckremm_host_purge_hook = NULL;	/* the first step only */
	r->above = t_pool_alloc_block(r->pool, 64 * PAGE, 0, &h);
	r->below = t_pool_alloc_block(r->pool, 16, 0, &r->h);
}

TEST(alloc_during_purge)
{
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &eager);
	struct race r = { .pool = pool, .above = 1, .below = 1 };
	struct t_pool_stats st;
	u64 a, b;

	ASSERT_EQ(t_pool_alloc_block(pool, PAGE / 2, 0, &a), 0);
	ASSERT_EQ(t_pool_alloc_block(pool, PAGE / 4, 0, &b), 0);
	ckremm_host_purge_hook = race_hook;
	ckremm_host_purge_arg = &r;
	/* One step: every page above the first is out at once. */
	EXPECT_EQ(ckremm_paging_purge_t(pool, 0, ARENA, NULL), 0);
	ckremm_host_purge_hook = NULL;
	EXPECT_EQ(committed(pool), PAGE);
	EXPECT_EQ(r.above, -ENOMEM);
	EXPECT_EQ(r.below, 0);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.commit_failures, 1);
	EXPECT_EQ(st.used_blocks, 3);
	check_pages(pool);
	/* Once the step is over, the same allocation succeeds. */
	EXPECT_EQ(t_pool_alloc_block(pool, 64 * PAGE, 0, &a), 0);
	check_pages(pool);
	ckremm_pager_exit(&pager);
	EXPECT_TRUE(destroy_t_pool(pool));
}

/*
 * A burst, 90% freed at random, then quiet: the pager compacts, then
 * gives back all but what is live and the slack it keeps, not before a
 * decay period has passed.
 */
TEST(decay_idle_pool)
{
	const struct ckremm_paging_params p = {
		.decay_ticks = 4, .keep_bytes = 16 * PAGE,
		.min_bytes = 16 * PAGE, .flags = CKREMM_PAGING_REORDER,
	};
	struct ckremm_paging_result res = { 0 };
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &p);
	struct t_pool_stats st;
	struct t_model m;
	u64 seed = 5;
	unsigned int i, ticks;

	ASSERT_EQ(t_model_init(&m, 4096, 11), 0);
	burst(pool, &m, &seed, 2000);
	for (ticks = 0; ticks < p.decay_ticks - 1; ticks++)
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	EXPECT_EQ(res.purged, 0, "purged before a decay period");
	EXPECT_EQ(res.moved, 0, "compacted before a decay period");
	for (; ticks < 10 * p.decay_ticks; ticks++) {
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
		check_pages(pool);
	}
	check_bytes(pool, &m);
	t_pool_get_stats(pool, &st);
	EXPECT_GT(res.moved, 0);
	EXPECT_GT(res.purged, 0);
	EXPECT_LE(st.committed_bytes,
		  st.used_bytes + p.keep_bytes + 2 * PAGE);
	TH_LOG("live %zu, committed %zu after %u ticks", st.used_bytes,
	       st.committed_bytes, ticks);

	/* Quiet and settled: nothing more to do. */
	memset(&res, 0, sizeof(res));
	for (i = 0; i < 3 * p.decay_ticks; i++)
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	EXPECT_EQ(res.purged, 0);
	EXPECT_EQ(res.moved, 0);
	ckremm_pager_exit(&pager);
	t_model_destroy(&m);
	EXPECT_TRUE(destroy_t_pool(pool));
}

/*
 * Hysteresis: a pool that breathes within the slack, or refills within a
 * decay period, gives back nothing and commits nothing.
 */
TEST(decay_no_thrash)
{
	const struct ckremm_paging_params p = {
		.decay_ticks = 4, .keep_bytes = 32 * PAGE,
		.min_bytes = 8 * PAGE,
	};
	struct ckremm_paging_result res = { 0 };
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &p);
	unsigned long purged, commits;
	u64 base, h[8];
	unsigned int i, k;

	ASSERT_EQ(t_pool_alloc_block(pool, 64 * PAGE, 0, &base), 0);
	for (i = 0; i < 3 * p.decay_ticks; i++)
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	EXPECT_LE(committed(pool), 64 * PAGE + p.keep_bytes + PAGE);

	/* Breathing by less than keep_bytes, every tick. */
	purged = ckremm_host_purged_bytes;
	commits = ckremm_host_committed_bytes;
	for (i = 0; i < 10 * p.decay_ticks; i++) {
		for (k = 0; k < 8; k++)
			ASSERT_EQ(t_pool_alloc_block(pool, 3 * PAGE, 0, &h[k]), 0);
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
		for (k = 0; k < 8; k++)
			ASSERT_EQ(t_pool_free(pool, h[k]), 0);
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	}
	EXPECT_EQ(ckremm_host_purged_bytes, purged);
	EXPECT_EQ(ckremm_host_committed_bytes, commits);

	/* A large burst that returns within each decay period. */
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(t_pool_alloc_block(pool, 256 * PAGE, 0, &h[0]), 0);
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
		ASSERT_EQ(t_pool_free(pool, h[0]), 0);
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	}
	commits = ckremm_host_committed_bytes;
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(t_pool_alloc_block(pool, 256 * PAGE, 0, &h[0]), 0);
		for (k = 0; k < p.decay_ticks - 1; k++)
			ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
		ASSERT_EQ(t_pool_free(pool, h[0]), 0);
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	}
	TH_LOG("bursts each within a decay period: %lu bytes committed again",
	       ckremm_host_committed_bytes - commits);
	EXPECT_LE(ckremm_host_committed_bytes - commits, 256 * PAGE,
		  "a burst every decay period committed again and again");
	check_pages(pool);
	ckremm_pager_exit(&pager);
	EXPECT_TRUE(destroy_t_pool(pool));
}

/*
 * A seeded random run: alloc, free, write, whole and stepped reorders,
 * purge steps, ticks and failing commits, checked against the model.
 */
static void model_run(u64 seed)
{
	const struct ckremm_paging_params p = {
		.decay_ticks = 2, .step_bytes = 8 * PAGE,
		.flags = CKREMM_PAGING_REORDER,
	};
	unsigned long ops = MODEL_OPS, op, fails = 0, purges = 0;
	struct ckremm_paging_result res = { 0 };
	const char *env = getenv("PAGING_MODEL_OPS");
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &p);
	struct t_model m;
	size_t purged;
	u64 rng = seed;

	if (env)
		ops = strtoul(env, NULL, 0);
	ASSERT_EQ(t_model_init(&m, 2048, seed), 0);
	for (op = 0; op < ops; op++) {
		unsigned int pick = rng_next(&rng) % 100;
		size_t size = 1 + (rng_next(&rng) % 16 ?
				   rng_next(&rng) % 512 : rng_next(&rng) % 40000);

		if (pick < 40) {
			if (rng_next(&rng) % 50 == 0)
				ckremm_host_commit_failures = 1;
			if (model_alloc(pool, &m, size))
				fails++;
			ckremm_host_commit_failures = 0;
		} else if (pick < 78 && m.n) {
			model_free(pool, &m, rng_next(&rng) % m.n);
		} else if (pick < 85 && m.n) {
			unsigned int i = rng_next(&rng) % m.n;
			size_t pos = rng_next(&rng) % m.b[i].size;
			size_t len = 1 + rng_next(&rng) % (m.b[i].size - pos);

			t_model_fill(&m, i, pos, len);
			ASSERT_EQ(t_pool_write(pool, m.b[i].h, pos,
					       m.b[i].bytes + pos, len), 0);
		} else if (pick < 92) {
			ASSERT_GE(t_pool_reorder_step(pool, 1 + rng_next(&rng) % 9000,
						      NULL), 0);
		} else if (pick < 94) {
			ASSERT_EQ(t_pool_reorder(pool, NULL), 0);
		} else if (pick < 97) {
			purged = 0;
			ASSERT_GE(ckremm_paging_purge_t(pool, rng_next(&rng) % 3 * PAGE,
							rng_next(&rng) % (16 * PAGE),
							&purged), 0);
			purges += purged != 0;
		} else {
			ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
		}
		if (op % 64 == 0) {
			check_pages(pool);
			check_bytes(pool, &m);
		}
	}
	check_pages(pool);
	check_bytes(pool, &m);
	TH_LOG("%lu ops: %lu failed allocs, %lu purge steps that purged, %zu bytes purged by ticks, %zu moved",
	       ops, fails, purges, res.purged, res.moved);
	EXPECT_GT(purges, 0);
	{
		struct t_pool_stats st;

		/* The injected commit failures took effect. */
		t_pool_get_stats(pool, &st);
		EXPECT_GT(st.commit_failures, 0);
	}
	ckremm_pager_exit(&pager);
	t_model_destroy(&m);
	EXPECT_TRUE(destroy_t_pool(pool));
}

TEST(model_seed_1) { model_run(1); }
TEST(model_seed_2) { model_run(0x5eed); }
TEST(model_seed_3) { model_run(0xc0ffee); }

/* ---- the header pool ------------------------------------------------ */

static struct h_pool *paged_h_pool(struct ckremm_pager *pager,
				   const struct ckremm_paging_params *p)
{
	struct h_pool *pool = h_pool_create(ARENA, 0);

	ASSERT_NONNULL(pool);
	ckremm_host_purge_protect = true;
	ASSERT_EQ(ckremm_pager_init_h(pager, pool, p), 0);
	return pool;
}

static int h_alloc(struct h_pool *pool, struct h_model *m, size_t size,
		   size_t align)
{
	struct h_model_block *b;
	void *ptr = h_pool_alloc_aligned(pool, size, align);

	if (!ptr)
		return -ENOMEM;
	b = h_model_add(m, ptr, size, align, h_pool_usable_size(pool, ptr));
	ASSERT_NONNULL(b);
	memcpy(ptr, b->bytes, b->usable);
	return 0;
}

static void h_check(struct h_pool *pool, const struct h_model *m)
{
	struct h_pool_fault fault;
	struct h_pool_stats st;
	size_t size;
	u8 *arena = h_pool_arena(pool, &size);
	unsigned int i;

	ASSERT_EQ(h_pool_validate(pool, &fault), 0, "%s at %zu", fault.reason,
		  fault.offset);
	for (i = 0; i < m->n; i++)
		ASSERT_EQ(h_model_diff(m, i, m->b[i].ptr, 0, m->b[i].usable),
			  m->b[i].usable, "block %u differs", i);
	h_pool_get_stats(pool, &st);
	ASSERT_LE(resident_pages(arena, size & ~(PAGE - 1)) * PAGE,
		  st.committed_bytes);
}

TEST(h_decay_idle_pool)
{
	const struct ckremm_paging_params p = { .decay_ticks = 3 };
	struct ckremm_paging_result res = { 0 };
	struct ckremm_pager pager;
	struct h_pool *pool = paged_h_pool(&pager, &p);
	struct h_pool_stats st;
	struct h_model m;
	u64 seed = 9;
	unsigned int i, t;

	ASSERT_EQ(h_model_init(&m, pool, 8192, 5), 0);
	while (!h_alloc(pool, &m, 16 + rng_next(&seed) % 6000, 0))
		;
	for (i = m.n; i-- > 0;)
		if (rng_next(&seed) % 10) {
			ASSERT_EQ(h_pool_free(pool, m.b[i].ptr), 0);
			h_model_remove(&m, i);
		}
	for (t = 0; t < p.decay_ticks * 2 - 1; t++)
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	EXPECT_EQ(res.purged, 0, "purged before a page was free for a period");
	for (; t < p.decay_ticks * 3; t++)
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	h_check(pool, &m);
	h_pool_get_stats(pool, &st);
	EXPECT_GT(res.purged, 0);
	EXPECT_EQ(st.purged_bytes, res.purged);
	TH_LOG("live %zu, free %zu in %zu blocks, committed %zu",
	       st.used_bytes, st.free_bytes, st.free_blocks,
	       st.committed_bytes);
	/* All but the pages a free block's header and the blocks touch. */
	EXPECT_LE(st.committed_bytes, st.used_bytes + 2 * PAGE * (st.free_blocks + 1));

	/* Filling it again commits what it needs, and keeps every byte. */
	while (!h_alloc(pool, &m, 16 + rng_next(&seed) % 6000, 0))
		;
	h_check(pool, &m);
	ckremm_pager_exit(&pager);
	h_model_destroy(&m);
	EXPECT_TRUE(destroy_h_pool(pool));
}

struct h_race {
	struct h_pool *pool;
	void *got;
};

static void h_race_hook(void *arg)
{
	struct h_race *r = arg;

	ckremm_host_purge_hook = NULL;
	r->got = h_pool_alloc(r->pool, 32 * PAGE);
}

/* An allocation that needs pages a purge step has out fails; later not. */
TEST(h_alloc_during_purge)
{
	const struct ckremm_paging_params p = { .decay_ticks = 1 };
	struct ckremm_pager pager;
	struct h_pool *pool = h_pool_create(256 * 1024, 0);
	struct h_race r = { .pool = pool, .got = pool };
	struct h_pool_stats st;
	void *a, *b;

	ASSERT_NONNULL(pool);
	ckremm_host_purge_protect = true;
	ASSERT_EQ(ckremm_pager_init_h(&pager, pool, &p), 0);
	a = h_pool_alloc(pool, 40 * PAGE);
	ASSERT_NONNULL(a);
	h_pool_get_stats(pool, &st);
	b = h_pool_alloc(pool, st.largest_free);
	ASSERT_NONNULL(b);
	ASSERT_EQ(h_pool_free(pool, a), 0);
	ckremm_host_purge_hook = h_race_hook;
	ckremm_host_purge_arg = &r;
	ASSERT_EQ(ckremm_pager_tick(&pager, NULL), 0);	/* seen */
	ASSERT_EQ(ckremm_pager_tick(&pager, NULL), 0);	/* purged */
	ckremm_host_purge_hook = NULL;
	EXPECT_NULL(r.got);
	h_pool_get_stats(pool, &st);
	EXPECT_EQ(st.commit_failures, 1);
	EXPECT_GE(st.purged_bytes, 38 * PAGE);
	a = h_pool_alloc(pool, 32 * PAGE);
	ASSERT_NONNULL(a);
	memset(a, 0x5a, 32 * PAGE);
	h_pool_get_stats(pool, &st);
	EXPECT_EQ(st.commit_failures, 1);
	ckremm_pager_exit(&pager);
	EXPECT_TRUE(destroy_h_pool(pool));
}

static void h_model_run(u64 seed)
{
	const struct ckremm_paging_params p = {
		.decay_ticks = 1, .step_bytes = 4 * PAGE,
	};
	unsigned long ops = MODEL_OPS, op, fails = 0;
	struct ckremm_paging_result res = { 0 };
	const char *env = getenv("PAGING_MODEL_OPS");
	struct ckremm_pager pager;
	struct h_pool *pool = paged_h_pool(&pager, &p);
	struct h_model m;
	u64 rng = seed;

	if (env)
		ops = strtoul(env, NULL, 0);
	ASSERT_EQ(h_model_init(&m, pool, 2048, seed), 0);
	for (op = 0; op < ops; op++) {
		unsigned int pick = rng_next(&rng) % 100;
		size_t size = 1 + (rng_next(&rng) % 8 ?
				   rng_next(&rng) % 512 : rng_next(&rng) % 40000);

		if (pick < 35) {
			size_t align = rng_next(&rng) % 8 ? 0 :
				       (size_t)16 << rng_next(&rng) % 9;

			if (rng_next(&rng) % 50 == 0)
				ckremm_host_commit_failures = 1;
			if (h_alloc(pool, &m, size, align))
				fails++;
			ckremm_host_commit_failures = 0;
		} else if (pick < 70 && m.n) {
			unsigned int i = rng_next(&rng) % m.n;

			ASSERT_EQ(h_pool_free(pool, m.b[i].ptr), 0);
			h_model_remove(&m, i);
		} else if (pick < 77 && m.n) {
			unsigned int i = rng_next(&rng) % m.n;
			size_t pos = rng_next(&rng) % m.b[i].usable;
			size_t len = 1 + rng_next(&rng) % (m.b[i].usable - pos);

			h_model_refill(&m, i, pos);
			memcpy(m.b[i].ptr + pos, m.b[i].bytes + pos, len);
			memcpy(m.b[i].ptr + pos + len, m.b[i].bytes + pos + len,
			       m.b[i].usable - pos - len);
		} else if (pick < 87 && m.n) {
			unsigned int i = rng_next(&rng) % m.n;
			void *moved = NULL;
			size_t keep, usable;

			if (rng_next(&rng) % 50 == 0)
				ckremm_host_commit_failures = 1;
			if (h_pool_resize(pool, m.b[i].ptr, size, &moved) == 0) {
				usable = h_pool_usable_size(pool, moved);
				keep = h_model_realloc_keeps(&m.b[i], moved, size,
							     usable);
				ASSERT_EQ(h_model_resize(&m, i, moved, size, usable,
							 keep), 0);
				memcpy((u8 *)moved + keep, m.b[i].bytes + keep,
				       usable - keep);
			}
			ckremm_host_commit_failures = 0;
		} else if (pick < 89) {
			ASSERT_TRUE(reorder_h_mem(pool));
		} else {
			ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
		}
		if (op % 64 == 0)
			h_check(pool, &m);
	}
	h_check(pool, &m);
	TH_LOG("%lu ops: %lu failed allocs, %zu bytes purged in %u steps",
	       ops, fails, res.purged, res.steps);
	EXPECT_GT(res.purged, 0);
	{
		struct h_pool_stats st;

		/* The injected commit failures took effect. */
		h_pool_get_stats(pool, &st);
		EXPECT_GT(st.commit_failures, 0);
	}
	ckremm_pager_exit(&pager);
	h_model_destroy(&m);
	EXPECT_TRUE(destroy_h_pool(pool));
}

/* Asked to keep more than a size can say, a purge keeps everything. */
TEST(purge_keeps_all_past_the_last_page)
{
	struct ckremm_pager pager;
	struct t_pool *pool = paged_pool(&pager, &eager);
	struct t_pool_stats st;
	size_t purged = 0;

	EXPECT_EQ(ckremm_paging_purge_t(pool, (size_t)-1, 0, &purged), 0);
	EXPECT_EQ(ckremm_paging_purge_t(pool, (size_t)-4000, 0, &purged), 0);
	EXPECT_EQ(purged, 0);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.committed_bytes, ARENA);
	ckremm_pager_exit(&pager);
	EXPECT_TRUE(destroy_t_pool(pool));
}

TEST(h_model_seed_1) { h_model_run(1); }
TEST(h_model_seed_2) { h_model_run(0xbeef); }

TEST_HARNESS_MAIN("paging")
#endif
