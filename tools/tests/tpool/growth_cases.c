// SPDX-License-Identifier: GPL-2.0-only
/*
 * growth_cases.c - the table pool's tables grow with its blocks.
 *
 * An empty pool holds one chunk of nodes; each allocation that finds no
 * spare node adds a chunk, allocated with the lock dropped, through the
 * host port's ckremm_meta_zalloc_nowait().  The cases drive that function
 * from both sides: ckremm_host_nowait_failures makes it fail, and
 * ckremm_host_nowait_hook runs a second allocation on the same pool while
 * the first one has let go of the lock to grow, which is the race two CPUs
 * would run.
 */
#include <stdlib.h>
#include <string.h>

#include "ckremm_port.h"
#include "test_guard.h"
#include "tp_check.h"

#define MIB		((size_t)1 << 20)
/*
 * A board (tools/mcu) has 4 MiB of RAM: the pools here are smaller there
 * and the 64 MiB case is left out.  Its ckremm_bm_alloc() honours the
 * hosted port's hooks (ckremm_host_nowait_failures, ckremm_host_nowait_hook)
 * for every allocation of the bare-metal port, which makes tables grow
 * with the same call as it makes pools.
 */
#ifdef CKREMM_TEST_BOARD
#define LARGE_POOL	(2 * MIB)
#else
#define LARGE_POOL	(4 * MIB)
#endif
/* What one chunk of nodes costs and holds (see t_pool.c). */
#define CHUNK_BYTES	4096
#define CHUNK_NODES	204

static size_t meta_of(struct t_pool *pool)
{
	struct t_pool_stats st;

	t_pool_get_stats(pool, &st);
	return st.meta_bytes;
}

static size_t failed_of(struct t_pool *pool)
{
	struct t_pool_stats st;

	t_pool_get_stats(pool, &st);
	return st.failed_allocs;
}

/* A small deterministic generator for sizes. */
static uint32_t TEST_UNUSED next_rand(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*state >> 33);
}

/* Empty pools, large and small, cost no more than 1% of their arena. */
TEST(empty_pools_are_cheap)
{
#ifdef CKREMM_TEST_BOARD
	static const size_t sizes[] = { 1 * MIB, 2 * MIB };
#else
	static const size_t sizes[] = { 1 * MIB, 16 * MIB, 64 * MIB, 256 * MIB };
#endif
	struct t_pool *pool;
	size_t i, meta;

	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		pool = create_t_pool(sizes[i]);
		ASSERT_TRUE(pool, "create_t_pool(%zu)", sizes[i]);
		meta = meta_of(pool);
		TH_LOG("create_t_pool(%zu MiB): %zu bytes of tables (%.3f%%)",
		       sizes[i] / MIB, meta, 100.0 * meta / sizes[i]);
		EXPECT_TRUE(meta * 100 <= sizes[i], "%zu bytes for %zu", meta,
			    sizes[i]);
		EXPECT_VALID(pool);
		destroy_t_pool(pool);

		/* The most blocks a pool can hold only sizes its directory. */
		pool = tp_new(sizes[i], T_POOL_MAX_CAPACITY);
		meta = meta_of(pool);
		EXPECT_TRUE(meta * 100 <= sizes[i], "%zu bytes for %zu", meta,
			    sizes[i]);
		destroy_t_pool(pool);
	}
}

/*
 * Thousands of blocks take many chunks; every block keeps its bytes and
 * its handle while the tables grow, and the tables cost a chunk per
 * CHUNK_NODES runs.
 */
TEST(grows_across_many_chunks)
{
	enum { BLOCKS = 5000 };
	struct t_pool *pool = tp_new(LARGE_POOL, 0);
	uint64_t *h = calloc(BLOCKS, sizeof(*h));
	size_t empty = meta_of(pool), meta, chunks;
	struct t_pool_stats st;
	unsigned int i;

	ASSERT_TRUE(h);
	for (i = 0; i < BLOCKS; i++) {
		h[i] = t_pool_alloc_handle(pool, 16 + (i % 7) * 16, 0);
		ASSERT_TRUE(h[i] != T_POOL_NO_HANDLE, "block %u", i);
		ASSERT_TRUE(tp_fill_block(pool, h[i], i));
	}
	EXPECT_VALID(pool);
	t_pool_get_stats(pool, &st);
	meta = st.meta_bytes;
	chunks = (meta - empty) / CHUNK_BYTES + 1;
	TH_LOG("%u blocks: %zu chunks, %zu bytes of tables", BLOCKS, chunks,
	       meta);
	EXPECT_EQ((meta - empty) % CHUNK_BYTES, 0);
	/* BLOCKS blocks and one free run, no chunk more than they need. */
	EXPECT_EQ(chunks, (BLOCKS + 1 + CHUNK_NODES - 1) / CHUNK_NODES);
	EXPECT_EQ(st.used_blocks, BLOCKS);
	for (i = 0; i < BLOCKS; i++)
		EXPECT_TRUE(tp_block_has(pool, h[i], i), "block %u", i);

	/* Freed nodes are used again before the tables grow any more. */
	for (i = 0; i < BLOCKS; i += 2)
		EXPECT_EQ(t_pool_free(pool, h[i]), 0);
	EXPECT_VALID(pool);
	for (i = 0; i < BLOCKS; i += 2) {
		h[i] = t_pool_alloc_handle(pool, 16 + (i % 7) * 16, 0);
		ASSERT_TRUE(h[i] != T_POOL_NO_HANDLE, "block %u", i);
		ASSERT_TRUE(tp_fill_block(pool, h[i], i));
	}
	EXPECT_EQ(meta_of(pool), meta);
	EXPECT_EQ(t_pool_reorder(pool, NULL), 0);
	EXPECT_VALID(pool);
	for (i = 0; i < BLOCKS; i++) {
		EXPECT_TRUE(tp_block_has(pool, h[i], i), "block %u", i);
		EXPECT_EQ(t_pool_free(pool, h[i]), 0);
	}
	EXPECT_VALID(pool);
	free(h);
	destroy_t_pool(pool);
}

/*
 * Allocate blocks until the next one needs a new chunk; with the chunk
 * refused, that allocation fails like one without room, counted, and the
 * pool is as it was.  Given the chunk, the same allocation succeeds.
 */
TEST(chunk_failure_fails_cleanly)
{
	struct t_pool *pool = tp_new(1 * MIB, 0);
	struct tp_snapshot *snap = malloc(sizeof(*snap));
	size_t empty = meta_of(pool), failed;
	unsigned int i;
	uint64_t h;

	ASSERT_TRUE(snap);
	for (i = 0; meta_of(pool) == empty; i++) {
		ckremm_host_nowait_failures = 1;
		tp_snap(pool, snap);
		h = t_pool_alloc_handle(pool, 32, 0);
		if (h != T_POOL_NO_HANDLE) {
			ASSERT_TRUE(tp_fill_block(pool, h, i));
			continue;
		}
		/* This one needed a chunk and could not have it. */
		EXPECT_EQ(ckremm_host_nowait_failures, 0);
		failed = failed_of(pool);
		EXPECT_EQ(failed, snap->stats.failed_allocs + 1);
		snap->stats.failed_allocs = failed;
		EXPECT_UNCHANGED(pool, snap, 0);
		/*
		 * Also for the seed's pointer call, and with a reorder,
		 * which tries for a chunk before and after it.
		 */
		ckremm_host_nowait_failures = 3;
		EXPECT_TRUE(t_pool_alloc(pool, 32) == NULL);
		EXPECT_TRUE(t_pool_alloc_handle(pool, 32, T_POOL_REORDER_ON_FAIL) ==
			    T_POOL_NO_HANDLE);
		EXPECT_EQ(ckremm_host_nowait_failures, 0);
		EXPECT_EQ(failed_of(pool), failed + 2);
		EXPECT_EQ(meta_of(pool), empty);
		EXPECT_VALID(pool);
		ckremm_host_nowait_failures = 0;
		h = t_pool_alloc_handle(pool, 32, 0);
		ASSERT_TRUE(h != T_POOL_NO_HANDLE);
		EXPECT_EQ(meta_of(pool), empty + CHUNK_BYTES);
		ASSERT_TRUE(tp_fill_block(pool, h, i));
	}
	ckremm_host_nowait_failures = 0;
	EXPECT_EQ(i, CHUNK_NODES);
	EXPECT_VALID(pool);
	free(snap);
	destroy_t_pool(pool);
}

struct race {
	struct t_pool *pool;
	uint64_t inner;
	unsigned int calls;
};

/* While the first allocation has dropped the lock, another one grows. */
static void race_hook(void *arg)
{
	struct race *r = arg;

	if (r->calls++)
		return;
	r->inner = t_pool_alloc_handle(r->pool, 48, 0);
}

/*
 * Two allocations race to grow the tables: the one that comes second frees
 * its chunk and takes a node of the winner's, so the pool ends with one
 * chunk more, not two.
 */
TEST(grow_race_loser_frees_its_chunk)
{
	struct t_pool *pool = tp_new(1 * MIB, 0);
	struct race r = { .pool = pool };
	size_t empty = meta_of(pool);
	uint64_t outer;
	unsigned int i;

	/* Use up the first chunk: the whole arena's run and 203 spares. */
	for (i = 0; i < CHUNK_NODES - 1; i++)
		ASSERT_TRUE(t_pool_alloc_handle(pool, 16, 0) != T_POOL_NO_HANDLE);
	ASSERT_EQ(meta_of(pool), empty);

	ckremm_host_nowait_arg = &r;
	ckremm_host_nowait_hook = race_hook;
	outer = t_pool_alloc_handle(pool, 32, 0);
	ckremm_host_nowait_hook = NULL;
	ckremm_host_nowait_arg = NULL;

	/* The outer call's chunk, then the inner call's. */
	EXPECT_EQ(r.calls, 2);
	ASSERT_TRUE(outer != T_POOL_NO_HANDLE);
	ASSERT_TRUE(r.inner != T_POOL_NO_HANDLE);
	EXPECT_TRUE(outer != r.inner);
	EXPECT_EQ(t_pool_size_of(pool, outer), 32);
	EXPECT_EQ(t_pool_size_of(pool, r.inner), 48);
	EXPECT_EQ(meta_of(pool), empty + CHUNK_BYTES);
	EXPECT_EQ(failed_of(pool), 0);
	EXPECT_VALID(pool);
	EXPECT_EQ(t_pool_free(pool, outer), 0);
	EXPECT_EQ(t_pool_free(pool, r.inner), 0);
	EXPECT_VALID(pool);
	destroy_t_pool(pool);
}

#ifndef CKREMM_TEST_BOARD
/*
 * On the benchmark's kind of load (sizes 16 B..4 KiB, log-uniform, about
 * 32k live blocks in 64 MiB) the pool spends at most 24 bytes outside its
 * arena per live block, all of its tables included.
 */
TEST(bytes_per_live_block)
{
	enum { BLOCKS = 32768 };
	struct t_pool *pool = create_t_pool(64 * MIB);
	uint64_t rng = 1, h;
	struct t_pool_stats st;
	unsigned int i;
	double per;

	ASSERT_TRUE(pool);
	for (i = 0; i < BLOCKS; i++) {
		size_t size = (size_t)16 << (next_rand(&rng) % 9);

		size += next_rand(&rng) % size;
		h = t_pool_alloc_handle(pool, size > 4096 ? 4096 : size, 0);
		ASSERT_TRUE(h != T_POOL_NO_HANDLE, "block %u", i);
	}
	t_pool_get_stats(pool, &st);
	per = (double)st.meta_bytes / st.used_blocks;
	TH_LOG("%zu live blocks: %zu bytes of tables, %.2f per block",
	       st.used_blocks, st.meta_bytes, per);
	EXPECT_TRUE(st.meta_bytes <= 24 * st.used_blocks, "%.2f bytes per block",
		    per);
	EXPECT_VALID(pool);
	destroy_t_pool(pool);
}
#endif

/* ---- pools over the caller's memory ---------------------------------------- */

static unsigned int grow_attempts;

static void count_growth(void *arg)
{
	(void)arg;
	grow_attempts++;
}

/*
 * With its bookkeeping in the caller's memory, a pool has room for its
 * capacity from the start: it fills to the capacity without ever asking
 * the port for memory, keeps every byte through frees and a reorder, and
 * writes nothing outside the two buffers; destroying it leaves them to the
 * caller.
 */
TEST(create_in_caller_tables_never_grow)
{
	const unsigned int capacity = 300;	/* three chunks of nodes */
	struct test_guard arena, meta;
	uint64_t h[300];
	struct t_pool *pool;
	unsigned int i;
	u64 extra;

	test_guard_new(&arena, 64 * 1024 + 16, 16);
	test_guard_new(&meta, t_pool_meta_size(arena.size, capacity), 4);
	EXPECT_GE(meta.size, 3 * 4096);
	grow_attempts = 0;
	ckremm_host_nowait_hook = count_growth;
	pool = t_pool_create_in(arena.p, arena.size, capacity, meta.p,
				meta.size, "caller");
	ASSERT_NONNULL(pool);
	for (i = 0; i < capacity; i++) {
		h[i] = t_pool_alloc_handle(pool, 16 + i % 200, 0);
		ASSERT_TRUE(h[i] != T_POOL_NO_HANDLE, "block %u", i);
		EXPECT_TRUE(tp_fill_block(pool, h[i], i));
	}
	/* The capacity, not memory, ends it; the port was never asked. */
	EXPECT_EQ(t_pool_alloc_block(pool, 16, 0, &extra), -ENOMEM);
	EXPECT_EQ(grow_attempts, 0);
	for (i = 0; i < capacity; i += 2)
		EXPECT_EQ(t_pool_free(pool, h[i]), 0);
	EXPECT_EQ(t_pool_reorder(pool, NULL), 0);
	for (i = 1; i < capacity; i += 2)
		EXPECT_TRUE(tp_block_has(pool, h[i], i), "block %u", i);
	EXPECT_TRUE(tp_valid_at(pool, __FILE__, __LINE__));
	EXPECT_TRUE(destroy_t_pool(pool));
	ckremm_host_nowait_hook = NULL;
	test_guard_done(&arena);
	test_guard_done(&meta);
}

/* The caller's arena with the port's tables, which grow as usual. */
TEST(create_in_caller_arena_port_tables)
{
	struct test_guard arena;
	struct t_pool *pool;
	uint64_t h[400];
	unsigned int i;

	test_guard_new(&arena, 32 * 1024, 48);
	pool = t_pool_create_in(arena.p, arena.size, 400, NULL, 0, NULL);
	ASSERT_NONNULL(pool);
	for (i = 0; i < 400; i++) {
		h[i] = t_pool_alloc_handle(pool, 32, 0);
		ASSERT_TRUE(h[i] != T_POOL_NO_HANDLE, "block %u", i);
		EXPECT_TRUE(tp_fill_block(pool, h[i], i));
	}
	for (i = 0; i < 400; i++)
		EXPECT_TRUE(tp_block_has(pool, h[i], i), "block %u", i);
	EXPECT_TRUE(destroy_t_pool(pool));
	test_guard_done(&arena);
}

TEST(create_in_refuses_bad_memory)
{
	size_t need = t_pool_meta_size(4096, 64);
	struct test_guard arena, meta;

	test_guard_new(&arena, 4096 + 16, 0);
	test_guard_new(&meta, need, 0);
	EXPECT_EQ(t_pool_meta_size(8, 64), 0);
	EXPECT_NULL(t_pool_create_in(NULL, 4096, 64, meta.p, need, NULL));
	EXPECT_NULL(t_pool_create_in(arena.p + 8, 4096, 64, meta.p, need, NULL));
	EXPECT_NULL(t_pool_create_in(arena.p, 8, 64, meta.p, need, NULL));
	EXPECT_NULL(t_pool_create_in(arena.p, 4096, T_POOL_MAX_CAPACITY + 1,
				     meta.p, need, NULL));
	EXPECT_NULL(t_pool_create_in(arena.p, 4096, 64, meta.p, need - 8, NULL));
	test_guard_done(&arena);
	test_guard_done(&meta);
}
