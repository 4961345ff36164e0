// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the header pool's public API, one small named case per
 * behaviour: every call with good and bad arguments, sizes and alignments
 * in tables, exhaustion, the realloc paths, batches, block access, the
 * statistics, the walk, and deliberate header damage (which must be
 * detected and must never lead the pool outside its arena).
 *
 * Every case checks the pool with pool_consistent() (validator, statistics
 * identities, a walk that tiles the arena) and every refused call with a
 * snapshot: counted, warned, and not one arena byte changed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool_check.h"
#include "test_guard.h"

#define KIB 1024UL
#define MIB (1024UL * 1024UL)
/*
 * The largest alignment the port takes: 4096 on the host, 256 on the
 * bare-metal port unless a build raises it.
 */
#define MAX_ALIGN ((size_t)CKREMM_PAGE_SIZE)

static unsigned char *u8p(void *p)
{
	return p;
}

static size_t arena_off(struct h_pool *pool, const void *p)
{
	unsigned char *base;

	pool_arena(pool, &base);
	return (size_t)((const unsigned char *)p - base);
}

/* Byte i of the pattern with tag t: differs between tags and positions. */
static unsigned char pat(unsigned int tag, size_t i)
{
	return (unsigned char)(tag * 131u + i * 7u + (i >> 8) + 1u);
}

static void fill(void *p, size_t len, unsigned int tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		u8p(p)[i] = pat(tag, i);
}

static bool holds(const void *p, size_t len, unsigned int tag)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != pat(tag, i))
			return EXPECT_TRUE(false, "pattern %u broken at byte %zu of %zu",
					   tag, i, len);
	return true;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return EXPECT_TRUE(false, "byte %zu of %zu is %#x", i, len,
					   b[i]);
	return true;
}

/* The state of a pool with no block allocated. */
static void check_empty(struct h_pool *pool, const char *where)
{
	struct h_pool_stats st;

	pool_consistent(pool, where);
	pool_stats(pool, &st);
	EXPECT_TRUE(st.used_blocks == 0 && st.used_bytes == 0, "%s: %zu used", where,
		    st.used_blocks);
	EXPECT_TRUE(st.free_blocks == 1, "%s: %zu free blocks", where,
		    st.free_blocks);
	EXPECT_TRUE(st.largest_free == st.arena_size - 16, "%s: largest %zu", where,
		    st.largest_free);
	EXPECT_TRUE(st.frag_permille == 0, "%s: frag %u", where, st.frag_permille);
}

/* Frees each of @n blocks, which the pool must take back: then it is empty. */
static void free_all(struct h_pool *pool, void *const *blocks, size_t n,
		     const char *where)
{
	size_t i;

	for (i = 0; i < n; i++)
		EXPECT_TRUE(h_pool_dealloc(pool, blocks[i]), "%s: block %zu of %zu",
			    where, i, n);
	check_empty(pool, where);
}

/* Refused: counted, warned, nothing changed.  Takes the snapshot itself. */
#define EXPECT_REFUSED(pool, call, bad_result, what) do {		\
	struct pool_snapshot __s;					\
									\
	snap_take(pool, &__s);						\
	EXPECT_TRUE((call) == (bad_result), "%s", what);			\
	snap_refused(pool, &__s, what);					\
	snap_free(&__s);						\
} while (0)

/* ---- create / destroy ---------------------------------------------------- */

TEST(create_rejects_below_32_bytes)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 31 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		EXPECT_TRUE(create_h_pool(sizes[i]) == NULL, "size %zu", sizes[i]);
}

TEST(create_rejects_above_max)
{
	static const size_t sizes[] = {
		H_POOL_MAX_SIZE + 1, H_POOL_MAX_SIZE + 16, SIZE_MAX,
		SIZE_MAX - 15, SIZE_MAX / 2,
	};
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		EXPECT_TRUE(create_h_pool(sizes[i]) == NULL, "size %zu", sizes[i]);
}

/*
 * The host allocator is limited (pool_check.c sets ASan's
 * max_allocation_size_mb) so that the largest legal pool cannot be had:
 * creation must fail cleanly and leak nothing.
 */
TEST(create_fails_cleanly_without_memory)
{
	struct h_pool *pool = create_h_pool(H_POOL_MAX_SIZE);

	EXPECT_TRUE(pool == NULL);
	if (pool)
		destroy_h_pool(pool);
}

TEST(create_rounds_size_down_to_16)
{
	static const size_t sizes[] = { 32, 33, 47, 48, 100, 4097, 65535,
					65536 + 8 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct h_pool *pool = pool_new(sizes[i]);
		unsigned char *base;
		size_t arena = pool_arena(pool, &base);

		EXPECT_TRUE(arena == (sizes[i] & ~(size_t)15), "size %zu: arena %zu",
			    sizes[i], arena);
		EXPECT_TRUE(base && (uintptr_t)base % 16 == 0, "base %p", base);
		check_empty(pool, "fresh");
		pool_del(pool);
	}
}

TEST(create_fresh_pool_state)
{
	struct h_pool *pool = pool_new(64 * KIB);
	struct h_pool_extent ext[2];
	struct h_pool_stats st;
	size_t cursor = 0;

	pool_stats(pool, &st);
	EXPECT_EQ(st.arena_size, 64 * KIB);
	EXPECT_EQ(st.used_bytes, 0);
	EXPECT_EQ(st.free_bytes, 64 * KIB);
	EXPECT_EQ(st.largest_free, 64 * KIB - 16);
	EXPECT_EQ(st.used_blocks, 0);
	EXPECT_EQ(st.free_blocks, 1);
	EXPECT_EQ(st.peak_used, 0);
	EXPECT_EQ(st.failed_allocs, 0);
	EXPECT_EQ(st.refused_calls, 0);
	EXPECT_EQ(st.header_bytes, 16);
	EXPECT_EQ(st.frag_permille, 0);
	EXPECT_EQ(h_pool_walk(pool, &cursor, ext, 2), 1);
	EXPECT_TRUE(ext[0].offset == 0 && ext[0].size == 64 * KIB && !ext[0].used);
	EXPECT_EQ(cursor, 64 * KIB);
	pool_consistent(pool, "fresh");
	pool_del(pool);
}

TEST(create_smallest_pool_holds_one_block)
{
	struct h_pool *pool = pool_new(32);
	struct h_pool_stats st;
	unsigned char *base;
	void *p;

	EXPECT_EQ(pool_arena(pool, &base), 32);
	check_empty(pool, "fresh 32");
	p = h_pool_alloc(pool, 16);
	ASSERT_TRUE(p != NULL);
	EXPECT_TRUE(p == base + 16, "%p, base %p", p, base);
	EXPECT_EQ(h_pool_usable_size(pool, p), 16);
	memset(p, 0xee, 16);
	pool_stats(pool, &st);
	EXPECT_TRUE(st.used_blocks == 1 && st.free_blocks == 0 && st.free_bytes == 0);
	EXPECT_EQ(st.largest_free, 0);
	EXPECT_TRUE(h_pool_alloc(pool, 1) == NULL);
	pool_stats(pool, &st);
	EXPECT_EQ(st.failed_allocs, 1);
	pool_consistent(pool, "full 32");
	EXPECT_TRUE(h_pool_dealloc(pool, p));
	check_empty(pool, "emptied 32");
	/* One byte more than a pool of 32 can give. */
	EXPECT_TRUE(h_pool_alloc(pool, 17) == NULL);
	pool_del(pool);
}

/* ---- pools over the caller's memory ------------------------------------ */

/*
 * Fill a pool made over caller memory, with blocks at 16 and at 64
 * (address) alignment, check them, free them all, and see it whole again.
 */
static void use_caller_pool(struct h_pool *pool, const struct test_guard *arena)
{
	void *blocks[64];
	unsigned int n = 0, i;
	void *p;

	while (n < 64 && (p = n % 2 ? h_pool_alloc_aligned(pool, 40, 64) :
			  h_pool_alloc(pool, 24 + n)) != NULL) {
		EXPECT_TRUE(in_arena(pool, p, 24));
		EXPECT_TRUE((unsigned char *)p >= arena->p &&
			    (unsigned char *)p + 24 <= arena->p + arena->size);
		if (n % 2)
			EXPECT_EQ((uintptr_t)p % 64, 0);
		fill(p, 24, n);
		blocks[n++] = p;
	}
	EXPECT_GT(n, 8);
	for (i = 0; i < n; i++)
		EXPECT_TRUE(holds(blocks[i], 24, i));
	EXPECT_TRUE(pool_consistent(pool, "caller pool, full"));
	free_all(pool, blocks, n, "caller pool");
	check_empty(pool, "caller pool, emptied");
}

TEST(create_in_over_caller_memory)
{
	static const unsigned int flags[] = { 0, H_POOL_CACHE, H_POOL_KEYED };
	struct test_guard arena, meta;
	struct h_pool *pool;
	unsigned int f;

	for (f = 0; f < 3; f++) {
		/* An arena aligned to 16 only, bookkeeping aligned to 4 only. */
		test_guard_new(&arena, 2048 + 16, 16);
		test_guard_new(&meta, h_pool_meta_size(2048 + 16, flags[f]), 4);
		pool = h_pool_create_in(arena.p, arena.size, meta.p, meta.size,
					flags[f], "caller");
		ASSERT_NONNULL(pool);
		EXPECT_TRUE((unsigned char *)pool >= meta.p &&
			    (unsigned char *)pool < meta.p + meta.size);
		use_caller_pool(pool, &arena);
		EXPECT_TRUE(destroy_h_pool(pool));
		/* Destroying left both to the caller, untouched outside. */
		test_guard_done(&arena);
		test_guard_done(&meta);
	}
}

TEST(create_in_caller_arena_port_tables)
{
	struct test_guard arena;
	struct h_pool *pool;

	test_guard_new(&arena, 4096, 48);
	pool = h_pool_create_in(arena.p, arena.size, NULL, 0, 0, NULL);
	ASSERT_NONNULL(pool);
	use_caller_pool(pool, &arena);
	EXPECT_TRUE(destroy_h_pool(pool));
	test_guard_done(&arena);
}

TEST(create_in_refuses_bad_memory)
{
	size_t need = h_pool_meta_size(4096, 0);
	struct test_guard arena, meta;

	test_guard_new(&arena, 4096 + 16, 0);
	test_guard_new(&meta, need, 0);
	EXPECT_NULL(h_pool_create_in(NULL, 4096, meta.p, need, 0, NULL));
	EXPECT_NULL(h_pool_create_in(arena.p + 8, 4096, meta.p, need, 0, NULL));
	EXPECT_NULL(h_pool_create_in(arena.p, 16, meta.p, need, 0, NULL));
	EXPECT_NULL(h_pool_create_in(arena.p, 4096, meta.p, need, 0x80, NULL));
	/* Too little bookkeeping memory, even with its start aligned. */
	EXPECT_NULL(h_pool_create_in(arena.p, 4096, meta.p, need - 8, 0, NULL));
	EXPECT_GE(need, sizeof(void *) + (4096 / 16) / 8);
	test_guard_done(&arena);
	test_guard_done(&meta);
}

TEST(destroy_null_is_false)
{
	EXPECT_TRUE(!destroy_h_pool(NULL));
}

/*
 * Every call given a NULL pool refuses, warns where it can fail for other
 * reasons too, and touches nothing: not the caller's block, not its
 * buffers.
 */
TEST(null_pool_refused)
{
	unsigned long w0 = ckremm_host_warnings;
	unsigned char blk[64], buf[8];
	struct h_pool_stats st;
	struct h_pool_fault fault = { .offset = 7, .reason = NULL };
	struct h_pool_extent ext = { .offset = 1, .size = 2, .used = true };
	void *ptrs[2] = { blk, blk + 32 };
	size_t cursor = 0, size = 99;
	unsigned int i;

	memset(blk, 0x5a, sizeof(blk));
	memset(buf, 0xa5, sizeof(buf));
	memset(&st, 0xff, sizeof(st));
	EXPECT_TRUE(h_pool_alloc(NULL, 16) == NULL);
	EXPECT_TRUE(h_pool_alloc_aligned(NULL, 16, 64) == NULL);
	EXPECT_TRUE(!h_pool_dealloc(NULL, blk));
	EXPECT_EQ(h_pool_read(NULL, blk, 0, buf, sizeof(buf)), -EINVAL);
	EXPECT_EQ(h_pool_write(NULL, blk, 0, buf, sizeof(buf)), -EINVAL);
	EXPECT_TRUE(!clean_h_ptr(NULL, blk));
	EXPECT_TRUE(h_pool_realloc(NULL, blk, 32) == NULL);
	EXPECT_TRUE(h_pool_realloc(NULL, NULL, 32) == NULL);
	EXPECT_EQ(h_pool_alloc_batch(NULL, 16, 0, ptrs, 2), -EINVAL);
	EXPECT_EQ(h_pool_dealloc_batch(NULL, ptrs, 2), -EINVAL);
	EXPECT_EQ(h_pool_usable_size(NULL, blk), 0);
	EXPECT_TRUE(!reorder_h_mem(NULL));
	EXPECT_EQ(h_pool_validate(NULL, &fault), -EINVAL);
	EXPECT_EQ(h_pool_walk(NULL, &cursor, &ext, 1), 0);
	EXPECT_TRUE(h_pool_arena(NULL, &size) == NULL);
	h_pool_get_stats(NULL, &st);
	EXPECT_TRUE(st.arena_size == 0 && st.used_blocks == 0 && st.free_bytes == 0,
		    "stats of a NULL pool are not zero");
	/* alloc, aligned, dealloc, read, write, clean, 2 x realloc, 2 batches. */
	EXPECT_TRUE(ckremm_host_warnings >= w0 + 10, "%lu warnings",
		    ckremm_host_warnings - w0);
	EXPECT_TRUE(ptrs[0] == blk && ptrs[1] == blk + 32);
	EXPECT_EQ(cursor, 0);
	EXPECT_EQ(size, 99);
	EXPECT_TRUE(ext.offset == 1 && ext.size == 2 && ext.used);
	for (i = 0; i < sizeof(blk); i++)
		if (!EXPECT_EQ(blk[i], 0x5a))
			break;
	for (i = 0; i < sizeof(buf); i++)
		if (!EXPECT_EQ(buf[i], 0xa5))
			break;
}

/* A batch call given a pool but no array refuses the same way. */
TEST(batch_null_array_refused)
{
	struct h_pool *pool = pool_new(16 * KIB);
	unsigned long w0 = ckremm_host_warnings;

	EXPECT_EQ(h_pool_alloc_batch(pool, 16, 0, NULL, 4), -EINVAL);
	EXPECT_EQ(h_pool_dealloc_batch(pool, NULL, 4), -EINVAL);
	EXPECT_TRUE(ckremm_host_warnings >= w0 + 2);
	check_empty(pool, "after NULL arrays");
	pool_del(pool);
}

TEST(destroy_with_live_blocks)
{
	struct h_pool *pool = pool_new(16 * KIB);

	ASSERT_TRUE(h_pool_alloc(pool, 100) && h_pool_alloc(pool, 1000));
	/* LeakSanitizer checks that the pool and its arena are gone. */
	EXPECT_TRUE(destroy_h_pool(pool));
}

/* ---- alloc --------------------------------------------------------------- */

static const size_t alloc_sizes[] = {
	1, 2, 8, 15, 16, 17, 31, 32, 33, 47, 48, 49, 100, 255, 256, 257,
	1000, 4095, 4096, 4097, 8191, 65535, 65536, 65537, 1048576,
};

static void alloc_size_case(unsigned long size)
{
	struct h_pool *pool = pool_new(2 * size + 64 * KIB);
	struct h_pool_stats st;
	size_t usable, usable2;
	void *p, *q;

	p = h_pool_alloc(pool, size);
	ASSERT_TRUE(p != NULL);
	usable = h_pool_usable_size(pool, p);
	EXPECT_TRUE((uintptr_t)p % 16 == 0, "%p", p);
	EXPECT_TRUE(usable >= ROUND16(size) && usable < size + 48, "usable %zu",
		    usable);
	EXPECT_TRUE(in_arena(pool, u8p(p) - 16, usable + 16));
	pool_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, 1);
	EXPECT_EQ(st.used_bytes, usable + 16);
	EXPECT_EQ(st.peak_used, usable + 16);
	fill(p, usable, 1);
	pool_consistent(pool, "one block");

	q = h_pool_alloc(pool, size);
	ASSERT_TRUE(q != NULL);
	usable2 = h_pool_usable_size(pool, q);
	fill(q, usable2, 2);
	EXPECT_TRUE(u8p(q) >= u8p(p) + usable + 16 || u8p(p) >= u8p(q) + usable2 + 16,
		    "blocks overlap: %p+%zu, %p+%zu", p, usable, q, usable2);
	EXPECT_TRUE(holds(p, usable, 1) && holds(q, usable2, 2));
	pool_consistent(pool, "two blocks");
	free_all(pool, (void *[]){ p, q }, 2, "freed");
	pool_del(pool);
}

TEST(alloc_zero_refused_not_failed)
{
	struct h_pool *pool = pool_new(4 * KIB);
	struct pool_snapshot s;

	snap_take(pool, &s);
	EXPECT_TRUE(h_pool_alloc(pool, 0) == NULL);
	EXPECT_TRUE(h_pool_alloc_aligned(pool, 0, 64) == NULL);
	/* Misuse, not a lack of space: refused twice, failed_allocs stays. */
	snap_refused_n(pool, &s, 2, "alloc 0");
	snap_free(&s);
	pool_del(pool);
}

TEST(alloc_overflowing_sizes_return_null)
{
	static const size_t sizes[] = {
		SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 14, SIZE_MAX - 15,
		SIZE_MAX - 16, SIZE_MAX - 31, SIZE_MAX - 32,
	};
	struct h_pool *pool = pool_new(4 * KIB);
	struct pool_snapshot s;
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "alloc(SIZE_MAX - %zu)",
			 SIZE_MAX - sizes[i]);
		snap_take(pool, &s);
		EXPECT_TRUE(h_pool_alloc(pool, sizes[i]) == NULL, "%s", what);
		EXPECT_TRUE(h_pool_alloc_aligned(pool, sizes[i], 256) == NULL, "%s",
			    what);
		/* Sizes no pool can hold are refused, not failed allocations. */
		snap_refused_n(pool, &s, 2, what);
		snap_free(&s);
	}
	pool_del(pool);
}

TEST(alloc_larger_than_free_space_fails_counted)
{
	struct h_pool *pool = pool_new(16 * KIB);
	struct pool_snapshot s;
	struct h_pool_stats st;

	snap_take(pool, &s);
	EXPECT_TRUE(h_pool_alloc(pool, 16 * KIB) == NULL);
	EXPECT_TRUE(h_pool_alloc(pool, 16 * KIB - 15) == NULL);
	EXPECT_TRUE(h_pool_alloc(pool, 16 * KIB * 1024) == NULL);
	pool_stats(pool, &st);
	EXPECT_EQ(st.failed_allocs, s.st.failed_allocs + 3);
	snap_same(pool, &s, "too large", false, true);
	snap_free(&s);
	pool_del(pool);
}

TEST(alloc_whole_arena)
{
	struct h_pool *pool = pool_new(16 * KIB);
	unsigned char *base;
	size_t arena = pool_arena(pool, &base);
	void *p = h_pool_alloc(pool, arena - 16);
	struct h_pool_stats st;

	ASSERT_TRUE(p == base + 16, "%p, base %p", p, base);
	pool_stats(pool, &st);
	EXPECT_TRUE(st.used_bytes == arena && st.free_bytes == 0 &&
		    st.free_blocks == 0 && st.largest_free == 0);
	EXPECT_TRUE(st.frag_permille == 0);
	EXPECT_TRUE(h_pool_alloc(pool, 1) == NULL);
	pool_consistent(pool, "full");
	EXPECT_TRUE(h_pool_dealloc(pool, p));
	check_empty(pool, "freed");
	EXPECT_TRUE(h_pool_alloc(pool, arena - 15) == NULL);
	pool_del(pool);
}

struct blk {
	unsigned char *p;
	size_t usable;
	unsigned int tag;
};

static int blk_by_addr(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;

	return x->p < y->p ? -1 : x->p > y->p;
}

static bool blocks_disjoint(struct h_pool *pool, struct blk *b, size_t n)
{
	struct blk *sorted = malloc(n * sizeof(*b) + 1);
	bool ok = true;
	size_t i;

	ASSERT_TRUE(sorted != NULL);
	memcpy(sorted, b, n * sizeof(*b));
	qsort(sorted, n, sizeof(*b), blk_by_addr);
	for (i = 0; i < n && ok; i++) {
		ok &= EXPECT_TRUE(in_arena(pool, sorted[i].p - 16,
					   sorted[i].usable + 16),
			    "block %p+%zu", sorted[i].p, sorted[i].usable);
		if (i)
			ok &= EXPECT_TRUE(sorted[i - 1].p + sorted[i - 1].usable + 16 <=
					  sorted[i].p, "%p+%zu overlaps %p",
					  sorted[i - 1].p, sorted[i - 1].usable,
					  sorted[i].p);
	}
	free(sorted);
	return ok;
}

static void shuffle(struct rng *r, struct blk *b, size_t n)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = rng_below(r, i);
		struct blk t = b[i - 1];

		b[i - 1] = b[j];
		b[j] = t;
	}
}

TEST(alloc_until_full_blocks_disjoint)
{
	struct h_pool *pool = pool_new(256 * KIB);
	struct rng r = { 42 };
	struct blk b[4096];
	size_t n = 0, i, misses = 0;

	while (n < 4096 && misses < 20) {
		size_t size = 1 + rng_below(&r, 1u << rng_below(&r, 13));
		void *p = h_pool_alloc(pool, size);

		if (!p) {
			misses++;
			continue;
		}
		EXPECT_TRUE((uintptr_t)p % 16 == 0);
		b[n].p = p;
		b[n].usable = h_pool_usable_size(pool, p);
		b[n].tag = (unsigned int)n;
		EXPECT_TRUE(b[n].usable >= size);
		fill(p, b[n].usable, b[n].tag);
		n++;
	}
	EXPECT_TRUE(n > 100, "only %zu blocks", n);
	blocks_disjoint(pool, b, n);
	for (i = 0; i < n; i++)
		holds(b[i].p, b[i].usable, b[i].tag);
	pool_consistent(pool, "full");
	shuffle(&r, b, n);
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(h_pool_dealloc(pool, b[i].p));
		if (i % 64 == 0)
			pool_consistent(pool, "freeing");
	}
	check_empty(pool, "all freed");
	pool_del(pool);
}

enum free_order { FREE_FORWARD, FREE_BACKWARD, FREE_RANDOM, FREE_ODD_EVEN };

static void exhaust_case(unsigned long order)
{
	const size_t arena = 64 * KIB;
	struct h_pool *pool = pool_new(arena);
	struct blk *b = calloc(arena / 32 + 1, sizeof(*b));
	struct h_pool_stats st;
	struct rng r = { order };
	size_t n = 0, i;
	void *p;

	ASSERT_TRUE(b != NULL);
	while ((p = h_pool_alloc(pool, 16))) {
		ASSERT_TRUE(n < arena / 32, "more than %zu blocks of 32 bytes",
			    arena / 32);
		b[n].p = p;
		b[n].usable = h_pool_usable_size(pool, p);
		b[n].tag = (unsigned int)n;
		EXPECT_TRUE(b[n].usable == 16, "usable %zu", b[n].usable);
		fill(p, 16, b[n].tag);
		n++;
	}
	TH_LOG("%zu blocks of 16 bytes in %zu bytes", n, arena);
	EXPECT_TRUE(n >= arena / 32 - arena / 32 / 32, "only %zu blocks", n);
	pool_stats(pool, &st);
	EXPECT_EQ(st.failed_allocs, 1);
	EXPECT_EQ(st.used_blocks, n);
	EXPECT_TRUE(st.free_bytes < 32 * (arena / 32 - n + 1));
	blocks_disjoint(pool, b, n);
	pool_consistent(pool, "exhausted");

	switch (order) {
	case FREE_BACKWARD:
		for (i = 0; i < n / 2; i++) {
			struct blk t = b[i];

			b[i] = b[n - 1 - i];
			b[n - 1 - i] = t;
		}
		break;
	case FREE_RANDOM:
		shuffle(&r, b, n);
		break;
	case FREE_ODD_EVEN:
		qsort(b, n, sizeof(*b), blk_by_addr);
		for (i = 1; i < n; i += 2) {
			holds(b[i].p, 16, b[i].tag);
			EXPECT_TRUE(h_pool_dealloc(pool, b[i].p));
			b[i].p = NULL;
		}
		pool_stats(pool, &st);
		/* Every free block sits between two used ones. */
		EXPECT_EQ(st.free_blocks, (n / 2) + (arena / 32 > n));
		EXPECT_TRUE(st.frag_permille > 900, "frag %u", st.frag_permille);
		EXPECT_EQ(st.largest_free, 16 + 32 * (arena / 32 > n));
		pool_consistent(pool, "odd freed");
		for (i = 0; i < n; i += 2)
			holds(b[i].p, 16, b[i].tag);
		break;
	}
	for (i = 0; i < n; i++) {
		if (!b[i].p)
			continue;
		holds(b[i].p, 16, b[i].tag);
		EXPECT_TRUE(h_pool_dealloc(pool, b[i].p));
		if (i % 128 == 0)
			pool_consistent(pool, "freeing");
	}
	check_empty(pool, "all freed");
	p = h_pool_alloc(pool, arena - 16);
	EXPECT_TRUE(p != NULL, "one big block after exhaustion");
	EXPECT_TRUE(h_pool_dealloc(pool, p));
	free(b);
	pool_del(pool);
}

/*
 * The pool's own guarantee: a free block of at least
 * (round_up(n, 16) + 16) * 17 / 16 bytes always serves a request of n,
 * whatever its place in the free index.  Free blocks that share a size
 * class are the case where only the head is looked at.
 */
TEST(alloc_fits_in_same_class_blocks)
{
	/* Two free blocks of 64 and 66 units (1024 and 1056 bytes). */
	struct h_pool *pool = pool_new(64 * KIB);
	struct h_pool_stats st;
	void *a, *s1, *b, *s2, *t, *p;

	a = h_pool_alloc(pool, 1056 - 16);
	s1 = h_pool_alloc(pool, 16);
	b = h_pool_alloc(pool, 1024 - 16);
	s2 = h_pool_alloc(pool, 16);
	pool_stats(pool, &st);
	t = h_pool_alloc(pool, st.largest_free);
	ASSERT_TRUE(a && s1 && b && s2 && t);
	EXPECT_TRUE(h_pool_dealloc(pool, a));
	EXPECT_TRUE(h_pool_dealloc(pool, b));
	pool_stats(pool, &st);
	EXPECT_EQ(st.largest_free, 1056 - 16);
	EXPECT_EQ(st.free_blocks, 2);
	/* (960 + 16) * 17 / 16 = 1037 <= 1056: must be served. */
	p = h_pool_alloc(pool, 960);
	EXPECT_TRUE(p != NULL);
	pool_consistent(pool, "same class");
	pool_del(pool);
}

/* ---- alloc_aligned ------------------------------------------------------- */

static bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

TEST(aligned_every_alignment_1_to_max)
{
	struct h_pool *pool = pool_new(16 * KIB);
	void *first = h_pool_alloc(pool, 16);
	size_t align;

	ASSERT_TRUE(first != NULL);
	fill(first, 16, 77);
	for (align = 1; align <= MAX_ALIGN; align++) {
		char what[64];
		void *p;

		snprintf(what, sizeof(what), "align %zu", align);
		if (!is_pow2(align)) {
			EXPECT_REFUSED(pool, h_pool_alloc_aligned(pool, 40, align),
				       NULL, what);
			continue;
		}
		p = h_pool_alloc_aligned(pool, 40, align);
		if (!EXPECT_TRUE(p != NULL, "%s", what))
			continue;
		EXPECT_TRUE((uintptr_t)p % (align < 16 ? 16 : align) == 0, "%s: %p",
			    what, p);
		EXPECT_TRUE(h_pool_usable_size(pool, p) >= 40);
		EXPECT_TRUE(in_arena(pool, u8p(p) - 16, 56));
		fill(p, 40, (unsigned int)align);
		pool_consistent(pool, what);
		EXPECT_TRUE(h_pool_dealloc(pool, p), "%s", what);
	}
	holds(first, 16, 77);
	EXPECT_TRUE(h_pool_dealloc(pool, first));
	check_empty(pool, "done");
	pool_del(pool);
}

/* h_pool_alloc_block(): a refused request is -EINVAL, a full pool -ENOMEM. */
TEST(alloc_block_says_why)
{
	struct h_pool *pool = pool_new(4 * KIB);
	struct h_pool_stats st;
	void *p = NULL;

	EXPECT_REFUSED(pool, h_pool_alloc_block(pool, 0, 0, &p), -EINVAL,
		       "size 0");
	EXPECT_REFUSED(pool, h_pool_alloc_block(pool, 16, 48, &p), -EINVAL,
		       "align 48");
	EXPECT_REFUSED(pool, h_pool_alloc_block(pool, SIZE_MAX, 0, &p), -ENOMEM,
		       "impossible size");
	EXPECT_EQ(h_pool_alloc_block(NULL, 16, 0, &p), -EINVAL);
	EXPECT_EQ(h_pool_alloc_block(pool, 16, 0, NULL), -EINVAL);
	EXPECT_EQ(h_pool_alloc_block(pool, 8 * KIB, 0, &p), -ENOMEM);
	EXPECT_NULL(p);
	h_pool_get_stats(pool, &st);
	EXPECT_EQ(st.failed_allocs, 1);

	ASSERT_EQ(h_pool_alloc_block(pool, 40, 128, &p), 0);
	EXPECT_EQ((uintptr_t)p % 128, 0);
	EXPECT_GE(h_pool_usable_size(pool, p), 40);
	fill(p, 40, 3);
	holds(p, 40, 3);
	EXPECT_EQ(h_pool_free(pool, p), 0);
	check_empty(pool, "done");
	pool_del(pool);
}

TEST(aligned_zero_and_small_mean_16)
{
	struct h_pool *pool = pool_new(4 * KIB);
	static const size_t aligns[] = { 0, 1, 2, 4, 8, 16 };
	struct h_pool_stats st;
	unsigned int i;

	for (i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		void *p = h_pool_alloc_aligned(pool, 17, aligns[i]);

		EXPECT_TRUE(p && (uintptr_t)p % 16 == 0, "align %zu", aligns[i]);
	}
	pool_stats(pool, &st);
	EXPECT_EQ(st.refused_calls, 0);
	EXPECT_EQ(st.used_blocks, 6);
	pool_consistent(pool, "small aligns");
	pool_del(pool);
}

TEST(aligned_above_page_size_refused)
{
	static const size_t aligns[] = {
		8192, 65536, (size_t)1 << 20, (size_t)1 << 30,
		(SIZE_MAX >> 1) + 1, SIZE_MAX, 4096 + 16, 3 * 4096,
	};
	struct h_pool *pool = pool_new(64 * KIB);
	unsigned int i;

	for (i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "align %#zx", aligns[i]);
		EXPECT_REFUSED(pool, h_pool_alloc_aligned(pool, 16, aligns[i]),
			       NULL, what);
	}
	pool_del(pool);
}

TEST(aligned_sizes_by_alignments)
{
	static const size_t sizes[] = { 1, 16, 17, 100, 4096, 5000 };
	struct h_pool *pool = pool_new(2 * MIB);
	struct blk b[256];
	struct rng r = { 7 };
	size_t n = 0, i, align;
	unsigned int s;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (align = 16; align <= MAX_ALIGN; align *= 2) {
			/* A small block first, to move the free space around. */
			void *pad = h_pool_alloc(pool, 1 + rng_below(&r, 200));
			void *p = h_pool_alloc_aligned(pool, sizes[s], align);

			ASSERT_TRUE(pad && p, "size %zu align %zu", sizes[s], align);
			EXPECT_TRUE((uintptr_t)p % align == 0, "size %zu align %zu: %p",
				    sizes[s], align, p);
			b[n].p = pad;
			b[n].usable = h_pool_usable_size(pool, pad);
			b[n].tag = (unsigned int)n;
			fill(pad, b[n].usable, b[n].tag);
			n++;
			b[n].p = p;
			b[n].usable = h_pool_usable_size(pool, p);
			b[n].tag = (unsigned int)n;
			EXPECT_TRUE(b[n].usable >= sizes[s]);
			fill(p, b[n].usable, b[n].tag);
			n++;
			pool_consistent(pool, "aligned");
		}
	}
	blocks_disjoint(pool, b, n);
	for (i = 0; i < n; i++)
		holds(b[i].p, b[i].usable, b[i].tag);
	shuffle(&r, b, n);
	for (i = 0; i < n; i++)
		EXPECT_TRUE(h_pool_dealloc(pool, b[i].p));
	check_empty(pool, "freed");
	pool_del(pool);
}

/* The skipped leading part of an aligned block is not charged as used. */
TEST(aligned_gap_stays_free)
{
	struct h_pool *pool = pool_new(64 * KIB);
	struct h_pool_stats st;
	void *a = h_pool_alloc(pool, 16);
	void *p = h_pool_alloc_aligned(pool, 16, MAX_ALIGN);

	ASSERT_TRUE(a && p);
	EXPECT_TRUE((uintptr_t)p % MAX_ALIGN == 0);
	pool_stats(pool, &st);
	EXPECT_TRUE(st.used_bytes <= 2 * (16 + 16 + 16), "used %zu", st.used_bytes);
	pool_consistent(pool, "gap");
	free_all(pool, (void *[]){ p, a }, 2, "freed");
	pool_del(pool);
}

TEST(aligned_exhaustion_counted)
{
	struct h_pool *pool = pool_new(8 * MAX_ALIGN);
	struct h_pool_stats st;
	unsigned int n = 0;
	void *p;

	while ((p = h_pool_alloc_aligned(pool, 16, MAX_ALIGN))) {
		EXPECT_TRUE((uintptr_t)p % MAX_ALIGN == 0, "%p", p);
		ASSERT_TRUE(++n <= 8);
	}
	EXPECT_TRUE(n >= 6, "only %u blocks aligned to %zu in %zu bytes", n,
		    MAX_ALIGN, 8 * MAX_ALIGN);
	pool_stats(pool, &st);
	EXPECT_EQ(st.failed_allocs, 1);
	EXPECT_EQ(st.refused_calls, 0);
	pool_consistent(pool, "aligned exhaustion");
	pool_del(pool);
}

/* ---- dealloc: refusals --------------------------------------------------- */

TEST(dealloc_null_refused)
{
	struct h_pool *pool = pool_new(4 * KIB);

	ASSERT_TRUE(h_pool_alloc(pool, 10));
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, NULL), false, "free(NULL)");
	pool_del(pool);
}

TEST(dealloc_outside_arena_refused)
{
	struct h_pool *pool = pool_new(4 * KIB);
	unsigned char *base;
	size_t arena = pool_arena(pool, &base);
	unsigned char *heap = malloc(64);
	unsigned char local[32];
	void *bad[] = {
		base - 16, base - 4096, base, base + arena, base + arena + 16,
		(void *)(uintptr_t)16, local + 16, heap + 16,
		(void *)UINTPTR_MAX,
	};
	unsigned int i;

	ASSERT_TRUE(heap && h_pool_alloc(pool, 100));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "free(%p)", bad[i]);
		EXPECT_REFUSED(pool, h_pool_dealloc(pool, bad[i]), false, what);
	}
	free(heap);
	pool_del(pool);
}

TEST(dealloc_unaligned_refused)
{
	struct h_pool *pool = pool_new(4 * KIB);
	unsigned char *p = h_pool_alloc(pool, 100);
	static const int deltas[] = { 1, 4, 8, 15, -1, -8, 17, 33 };
	unsigned int i;

	ASSERT_TRUE(p && h_pool_alloc(pool, 100));
	for (i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "free(p%+d)", deltas[i]);
		EXPECT_REFUSED(pool, h_pool_dealloc(pool, p + deltas[i]), false,
			       what);
	}
	EXPECT_TRUE(h_pool_dealloc(pool, p));
	pool_del(pool);
}

enum interior_fill { FILL_ZERO, FILL_ONES, FILL_RANDOM, FILL_HEADERS };

/*
 * Pointers into the middle of a large block, whose bytes are zero, all
 * ones, random, or copies of real headers (of the blocks before and at
 * the pointer): whatever the 16 bytes before such a pointer hold, it is
 * not a block.
 */
static void interior_case(unsigned long arg)
{
	enum interior_fill how = arg & 3;
	struct h_pool *pool = pool_new(64 * KIB);
	unsigned char *before = h_pool_alloc(pool, 48);
	unsigned char *p = h_pool_alloc(pool, 8192);
	unsigned char *after = h_pool_alloc(pool, 48);
	struct rng r = { arg };
	size_t off;

	ASSERT_TRUE(before && p && after);
	switch (how) {
	case FILL_ZERO:
		memset(p, 0, 8192);
		break;
	case FILL_ONES:
		memset(p, 0xff, 8192);
		break;
	case FILL_RANDOM:
		rng_fill(&r, p, 8192);
		break;
	default:
		for (off = 0; off < 8192; off += 16)
			memcpy(p + off, (off & 16 ? p : before) - 16, 16);
		break;
	}
	for (off = 16; off < 8192; off += 16) {
		char what[64];

		/* The first few, then a sample: each takes a snapshot. */
		if (off > 256 && rng_below(&r, 16))
			continue;
		snprintf(what, sizeof(what), "free(p + %zu)", off);
		EXPECT_REFUSED(pool, h_pool_dealloc(pool, p + off), false, what);
		if (test_failed())
			break;
	}
	free_all(pool, (void *[]){ p, before, after }, 3, "freed");
	pool_del(pool);
}

/* The address of a header is not a block either. */
TEST(dealloc_header_address_refused)
{
	struct h_pool *pool = pool_new(4 * KIB);
	unsigned char *a = h_pool_alloc(pool, 32);
	unsigned char *b = h_pool_alloc(pool, 32);

	ASSERT_TRUE(a && b && h_pool_alloc(pool, 32));
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, a - 16), false, "a - 16");
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, b - 16), false, "b - 16");
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, b + 32), false, "b + 32");
	EXPECT_TRUE(h_pool_dealloc(pool, b));
	pool_del(pool);
}

/*
 * A second free of the same pointer, whatever became of its block: still
 * free alone, merged with the block before, with the block after, with
 * both, or covered by a newer block.
 */
TEST(dealloc_double_free_refused)
{
	struct h_pool *pool = pool_new(16 * KIB);
	unsigned char *a, *b, *c, *d, *big;

	a = h_pool_alloc(pool, 64);
	b = h_pool_alloc(pool, 64);
	c = h_pool_alloc(pool, 64);
	d = h_pool_alloc(pool, 64);
	ASSERT_TRUE(a && b && c && d);

	EXPECT_TRUE(h_pool_dealloc(pool, b));
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, b), false, "b alone");
	EXPECT_TRUE(h_pool_dealloc(pool, c));
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, c), false, "c merged back");
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, b), false, "b merged fwd");
	EXPECT_TRUE(h_pool_dealloc(pool, a));
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, a), false, "a merged fwd");
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, b), false, "b in middle");
	EXPECT_TRUE(h_pool_dealloc(pool, d));
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, d), false, "d into all");
	check_empty(pool, "all free");

	/* The space of a, b, c, d now belongs to one new block. */
	big = h_pool_alloc(pool, 1000);
	ASSERT_TRUE(big == a, "%p, a %p", big, a);
	fill(big, 1000, 9);
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, b), false, "b in new block");
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, c), false, "c in new block");
	holds(big, 1000, 9);
	EXPECT_TRUE(h_pool_dealloc(pool, big));
	pool_del(pool);
}

TEST(dealloc_block_of_other_pool_refused)
{
	struct h_pool *one = pool_new(16 * KIB), *two = pool_new(16 * KIB);
	void *a = h_pool_alloc(one, 100), *b = h_pool_alloc(two, 100);
	struct pool_snapshot s2;

	ASSERT_TRUE(a && b);
	snap_take(two, &s2);
	EXPECT_REFUSED(one, h_pool_dealloc(one, b), false, "b into one");
	snap_same(two, &s2, "pool two untouched", false, false);
	snap_free(&s2);
	EXPECT_REFUSED(two, h_pool_dealloc(two, a), false, "a into two");
	EXPECT_TRUE(h_pool_dealloc(one, a));
	EXPECT_TRUE(h_pool_dealloc(two, b));
	check_empty(one, "one");
	check_empty(two, "two");
	pool_del(one);
	pool_del(two);
}

/* ---- clean --------------------------------------------------------------- */

static void clean_case(unsigned long size)
{
	struct h_pool *pool = pool_new(4 * size + 64 * KIB);
	unsigned char *a = h_pool_alloc(pool, 48);
	unsigned char *p = h_pool_alloc(pool, size);
	unsigned char *c = h_pool_alloc(pool, 48);
	size_t usable;

	ASSERT_TRUE(a && p && c);
	usable = h_pool_usable_size(pool, p);
	fill(a, 48, 1);
	fill(p, usable, 2);
	fill(c, 48, 3);
	EXPECT_TRUE(clean_h_ptr(pool, p));
	all_zero(p, usable);
	holds(a, 48, 1);
	holds(c, 48, 3);
	EXPECT_EQ(h_pool_usable_size(pool, p), usable);
	pool_consistent(pool, "cleaned");
	pool_del(pool);
}

/*
 * What the calls that take a block are refused with: a live block p of 256
 * bytes, the block after it freed (a block of 16 keeps it from the free
 * tail), and a live block of another pool.
 */
FIXTURE(bad_pointers) {
	struct h_pool *pool, *other;
	unsigned char *p, *freed, *foreign;
};

FIXTURE_SETUP(bad_pointers)
{
	self->pool = pool_new(16 * KIB);
	self->other = pool_new(4 * KIB);
	self->p = h_pool_alloc(self->pool, 256);
	self->freed = h_pool_alloc(self->pool, 256);
	self->foreign = h_pool_alloc(self->other, 64);
	ASSERT_TRUE(self->p && self->freed && self->foreign &&
		    h_pool_alloc(self->pool, 16));
	EXPECT_TRUE(h_pool_dealloc(self->pool, self->freed));
}

FIXTURE_TEARDOWN(bad_pointers)
{
	if (self->pool)
		pool_del(self->pool);
	if (self->other)
		pool_del(self->other);
}

TEST_F(bad_pointers, clean_refused)
{
	struct h_pool *pool = self->pool;
	unsigned char *p = self->p;

	fill(p, 256, 4);
	EXPECT_REFUSED(pool, clean_h_ptr(pool, NULL), false, "NULL");
	EXPECT_REFUSED(pool, clean_h_ptr(pool, p + 16), false, "interior");
	EXPECT_REFUSED(pool, clean_h_ptr(pool, p + 3), false, "unaligned");
	EXPECT_REFUSED(pool, clean_h_ptr(pool, self->freed), false, "freed");
	EXPECT_REFUSED(pool, clean_h_ptr(pool, self->foreign), false,
		       "foreign");
	holds(p, 256, 4);
}

/* ---- realloc ------------------------------------------------------------- */

TEST(realloc_null_allocates)
{
	struct h_pool *pool = pool_new(4 * KIB);
	struct h_pool_stats st;
	void *p = h_pool_realloc(pool, NULL, 100);

	ASSERT_TRUE(p != NULL);
	EXPECT_TRUE((uintptr_t)p % 16 == 0);
	EXPECT_TRUE(h_pool_usable_size(pool, p) >= 100);
	pool_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, 1);
	EXPECT_TRUE(h_pool_dealloc(pool, p));
	pool_del(pool);
}

TEST(realloc_zero_refused_block_kept)
{
	struct h_pool *pool = pool_new(4 * KIB);
	void *p = h_pool_alloc(pool, 100);

	ASSERT_TRUE(p != NULL);
	fill(p, 100, 5);
	EXPECT_REFUSED(pool, h_pool_realloc(pool, p, 0), NULL, "realloc 0");
	holds(p, 100, 5);
	EXPECT_TRUE(h_pool_dealloc(pool, p));
	pool_del(pool);
}

TEST(realloc_overflowing_size_keeps_block)
{
	struct h_pool *pool = pool_new(4 * KIB);
	void *p = h_pool_alloc(pool, 100);
	struct pool_snapshot s;

	ASSERT_TRUE(p != NULL);
	fill(p, 100, 5);
	snap_take(pool, &s);
	EXPECT_TRUE(h_pool_realloc(pool, p, SIZE_MAX) == NULL);
	EXPECT_TRUE(h_pool_realloc(pool, p, SIZE_MAX - 15) == NULL);
	snap_refused_n(pool, &s, 2, "realloc huge");
	snap_free(&s);
	holds(p, 100, 5);
	pool_del(pool);
}

/* Shrinking stays in place and gives the tail back, next block used or free. */
static void realloc_shrink_case(unsigned long next_free)
{
	struct h_pool *pool = pool_new(64 * KIB);
	unsigned char *p = h_pool_alloc(pool, 4000);
	unsigned char *next = h_pool_alloc(pool, 100);
	struct h_pool_stats before, after;
	size_t usable;

	ASSERT_TRUE(p && next && h_pool_alloc(pool, 100));
	fill(p, 4000, 6);
	fill(next, 100, 7);
	if (next_free)
		EXPECT_TRUE(h_pool_dealloc(pool, next));
	pool_stats(pool, &before);
	EXPECT_TRUE(h_pool_realloc(pool, p, 1000) == p);
	usable = h_pool_usable_size(pool, p);
	EXPECT_TRUE(usable >= 1008 && usable < 1000 + 48, "usable %zu", usable);
	holds(p, 1000, 6);
	pool_stats(pool, &after);
	EXPECT_EQ(after.used_bytes, before.used_bytes - (4000 - usable));
	EXPECT_EQ(after.used_blocks, before.used_blocks);
	EXPECT_EQ(after.free_blocks, before.free_blocks + !next_free);
	pool_consistent(pool, "shrunk");
	/* The tail given back did not spill into a used next block. */
	if (!next_free)
		holds(next, 100, 7);
	pool_del(pool);
}

/* A shrink by less than a block stays as it is. */
TEST(realloc_shrink_small_stays)
{
	struct h_pool *pool = pool_new(4 * KIB);
	unsigned char *p = h_pool_alloc(pool, 48);
	struct h_pool_stats before, after;

	ASSERT_TRUE(p && h_pool_alloc(pool, 16));
	fill(p, 48, 7);
	pool_stats(pool, &before);
	EXPECT_TRUE(h_pool_realloc(pool, p, 40) == p);
	EXPECT_TRUE(h_pool_realloc(pool, p, 33) == p);
	EXPECT_TRUE(h_pool_realloc(pool, p, 48) == p);
	EXPECT_EQ(h_pool_usable_size(pool, p), 48);
	pool_stats(pool, &after);
	stats_equal_except(&before, &after, false, false, false, "tiny shrink");
	holds(p, 48, 7);
	pool_del(pool);
}

TEST(realloc_same_size_same_pointer)
{
	struct h_pool *pool = pool_new(4 * KIB);
	void *p = h_pool_alloc(pool, 200);

	ASSERT_TRUE(p);
	fill(p, 200, 3);
	EXPECT_TRUE(h_pool_realloc(pool, p, 200) == p);
	EXPECT_TRUE(h_pool_realloc(pool, p, h_pool_usable_size(pool, p)) == p);
	holds(p, 200, 3);
	pool_consistent(pool, "same");
	pool_del(pool);
}

/* Growing into a free neighbour: between two used blocks, or the tail. */
static void realloc_grow_in_place_case(unsigned long into_tail)
{
	struct h_pool *pool = pool_new(64 * KIB);
	unsigned char *p = h_pool_alloc(pool, 100);
	unsigned char *gap = NULL, *after = NULL;
	size_t usable;

	ASSERT_TRUE(p);
	if (!into_tail) {
		gap = h_pool_alloc(pool, 2000);
		after = h_pool_alloc(pool, 100);
		ASSERT_TRUE(gap && after);
		fill(after, 100, 8);
		EXPECT_TRUE(h_pool_dealloc(pool, gap));
	}
	fill(p, 100, 9);
	EXPECT_TRUE(h_pool_realloc(pool, p, 1500) == p, "not grown in place");
	usable = h_pool_usable_size(pool, p);
	EXPECT_TRUE(usable >= 1504 && usable < 1500 + 48, "usable %zu", usable);
	holds(p, 100, 9);
	fill(p, usable, 10);
	if (after)
		holds(after, 100, 8);
	pool_consistent(pool, "grown");
	/* The whole free neighbour, exactly. */
	if (!into_tail) {
		EXPECT_TRUE(h_pool_realloc(pool, p, 2000 + 16 + 112) == p);
		EXPECT_EQ(h_pool_usable_size(pool, p), 2000 + 16 + 112);
		holds(after, 100, 8);
		pool_consistent(pool, "grown to the next block");
	}
	pool_del(pool);
}

static void realloc_move_case(unsigned long align)
{
	struct h_pool *pool = pool_new(256 * KIB);
	unsigned char *p, *q, *blocker, *pad;
	size_t usable;

	pad = h_pool_alloc(pool, 16);
	p = align ? h_pool_alloc_aligned(pool, 300, align) :
		    h_pool_alloc(pool, 300);
	/* Too big for the gap an aligned block may leave before it. */
	blocker = h_pool_alloc(pool, 5000);
	ASSERT_TRUE(pad && p && blocker);
	ASSERT_TRUE(blocker > p, "blocker %p before %p", blocker, p);
	usable = h_pool_usable_size(pool, p);
	fill(p, usable, 11);
	fill(blocker, 16, 12);
	q = h_pool_realloc(pool, p, 20000);
	ASSERT_TRUE(q != NULL);
	EXPECT_TRUE(q != p, "grew in place over a used block");
	EXPECT_TRUE((uintptr_t)q % (align < 16 ? 16 : align) == 0,
		    "align %lu lost: %p", align, q);
	EXPECT_TRUE(h_pool_usable_size(pool, q) >= 20000);
	holds(q, usable, 11);
	holds(blocker, 16, 12);
	EXPECT_TRUE(in_arena(pool, q - 16, 20016));
	pool_consistent(pool, "moved");
	/* The old block is gone: freeing it again is refused. */
	EXPECT_REFUSED(pool, h_pool_dealloc(pool, p), false, "old pointer");
	/* Shrinking the moved block keeps it where it is. */
	EXPECT_TRUE(h_pool_realloc(pool, q, 10) == q);
	holds(q, 10, 11);
	pool_del(pool);
}

TEST(realloc_failure_keeps_block)
{
	struct h_pool *pool = pool_new(8 * KIB);
	unsigned char *p = h_pool_alloc(pool, 1000);
	struct pool_snapshot s;
	struct h_pool_stats st;

	ASSERT_TRUE(p && h_pool_alloc(pool, 16));
	/* Leave a free block that is too small to move p into. */
	pool_stats(pool, &st);
	ASSERT_TRUE(h_pool_alloc(pool, st.largest_free - 1000));
	fill(p, 1000, 13);
	snap_take(pool, &s);
	EXPECT_TRUE(h_pool_realloc(pool, p, 1100) == NULL);
	EXPECT_TRUE(h_pool_realloc(pool, p, 1 << 20) == NULL);
	pool_stats(pool, &st);
	EXPECT_EQ(st.failed_allocs, s.st.failed_allocs + 2);
	snap_same(pool, &s, "failed realloc", false, true);
	snap_free(&s);
	holds(p, 1000, 13);
	EXPECT_TRUE(h_pool_dealloc(pool, p));
	pool_del(pool);
}

TEST_F(bad_pointers, realloc_refused)
{
	struct h_pool *pool = self->pool;

	EXPECT_REFUSED(pool, h_pool_realloc(pool, self->p + 32, 64), NULL,
		       "interior");
	EXPECT_REFUSED(pool, h_pool_realloc(pool, self->p + 1, 64), NULL,
		       "unaligned");
	EXPECT_REFUSED(pool, h_pool_realloc(pool, self->freed, 64), NULL,
		       "freed");
	EXPECT_REFUSED(pool, h_pool_realloc(pool, self->foreign, 64), NULL,
		       "foreign");
}

/* ---- reorder ------------------------------------------------------------- */

TEST(reorder_keeps_used_blocks)
{
	struct h_pool *pool = pool_new(256 * KIB);
	struct h_pool_extent *before, *after;
	struct rng r = { 99 };
	struct blk b[400];
	size_t n = 0, i, nb, na, used_before = 0, used_after = 0;

	for (i = 0; i < 400; i++) {
		void *p = h_pool_alloc(pool, 1 + rng_below(&r, 600));

		ASSERT_TRUE(p);
		b[n].p = p;
		b[n].usable = h_pool_usable_size(pool, p);
		b[n].tag = (unsigned int)i;
		fill(p, b[n].usable, b[n].tag);
		n++;
	}
	/* Free a random half. */
	for (i = 0; i < n;) {
		if (rng_below(&r, 2)) {
			EXPECT_TRUE(h_pool_dealloc(pool, b[i].p));
			b[i] = b[--n];
		} else {
			i++;
		}
	}
	nb = pool_walk_all(pool, &before);
	EXPECT_TRUE(reorder_h_mem(pool));
	pool_consistent(pool, "reordered");
	na = pool_walk_all(pool, &after);
	for (i = 0; i < n; i++) {
		holds(b[i].p, b[i].usable, b[i].tag);
		EXPECT_EQ(h_pool_usable_size(pool, b[i].p), b[i].usable);
	}
	for (i = 0; i < nb; i++)
		used_before += before[i].used;
	for (i = 0; i < na; i++)
		used_after += after[i].used;
	EXPECT_EQ(used_before, n);
	EXPECT_EQ(used_after, n);
	/* Frees merge at once, so there was nothing left to merge. */
	EXPECT_TRUE(extents_equal(before, nb, after, na),
		    "extents changed: %zu -> %zu", nb, na);
	free(before);
	free(after);
	EXPECT_TRUE(reorder_h_mem(pool));
	for (i = 0; i < n; i++)
		EXPECT_TRUE(h_pool_dealloc(pool, b[i].p));
	check_empty(pool, "freed");
	pool_del(pool);
}

TEST(reorder_empty_and_full_pool)
{
	struct h_pool *pool = pool_new(4 * KIB);
	void *p;

	EXPECT_TRUE(reorder_h_mem(pool));
	check_empty(pool, "empty");
	p = h_pool_alloc(pool, 4 * KIB - 16);
	ASSERT_TRUE(p);
	EXPECT_TRUE(reorder_h_mem(pool));
	pool_consistent(pool, "full");
	EXPECT_TRUE(h_pool_dealloc(pool, p));
	pool_del(pool);
}

/* ---- batches ------------------------------------------------------------- */

static void batch_alloc_case(unsigned long arg)
{
	unsigned int count = (unsigned int)(arg & 0xff);
	size_t align = arg >> 8;
	struct h_pool *pool = pool_new(512 * KIB);
	void *ptrs[H_POOL_BATCH_MAX + 1];
	struct blk b[H_POOL_BATCH_MAX];
	struct h_pool_stats st;
	unsigned int i;

	ptrs[count] = (void *)0x1234;
	ASSERT_TRUE(h_pool_alloc(pool, 16));
	EXPECT_EQ(h_pool_alloc_batch(pool, 200, align, ptrs, count), 0);
	EXPECT_TRUE(ptrs[count] == (void *)0x1234, "wrote past the array");
	for (i = 0; i < count; i++) {
		EXPECT_TRUE(ptrs[i] && (uintptr_t)ptrs[i] % (align > 16 ? align : 16) == 0,
			    "ptr %u: %p", i, ptrs[i]);
		b[i].p = ptrs[i];
		b[i].usable = h_pool_usable_size(pool, ptrs[i]);
		b[i].tag = i;
		EXPECT_TRUE(b[i].usable >= 200);
		fill(b[i].p, b[i].usable, i);
	}
	blocks_disjoint(pool, b, count);
	for (i = 0; i < count; i++)
		holds(b[i].p, b[i].usable, i);
	pool_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, count + 1);
	pool_consistent(pool, "batch");
	EXPECT_EQ(h_pool_dealloc_batch(pool, ptrs, count), 0);
	pool_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, 1);
	pool_consistent(pool, "batch freed");
	pool_del(pool);
}

TEST(batch_alloc_bad_arguments)
{
	struct h_pool *pool = pool_new(64 * KIB);
	void *ptrs[H_POOL_BATCH_MAX + 1];
	struct pool_snapshot s;

	ASSERT_TRUE(h_pool_alloc(pool, 100));
	snap_take(pool, &s);
	EXPECT_EQ(h_pool_alloc_batch(pool, 16, 0, ptrs, 0), -EINVAL);
	EXPECT_EQ(h_pool_alloc_batch(pool, 16, 0, ptrs, H_POOL_BATCH_MAX + 1),
		  -EINVAL);
	EXPECT_EQ(h_pool_alloc_batch(pool, 16, 0, ptrs, UINT_MAX), -EINVAL);
	EXPECT_EQ(h_pool_alloc_batch(pool, 0, 0, ptrs, 4), -EINVAL);
	/* No pool has room for these: ENOMEM, as for one block too large. */
	EXPECT_EQ(h_pool_alloc_batch(pool, SIZE_MAX, 0, ptrs, 4), -ENOMEM);
	EXPECT_EQ(h_pool_alloc_batch(pool, SIZE_MAX - 15, 0, ptrs, 4), -ENOMEM);
	EXPECT_EQ(h_pool_alloc_batch(pool, 16, 3, ptrs, 4), -EINVAL);
	EXPECT_EQ(h_pool_alloc_batch(pool, 16, 48, ptrs, 4), -EINVAL);
	EXPECT_EQ(h_pool_alloc_batch(pool, 16, 8192, ptrs, 4), -EINVAL);
	snap_refused_n(pool, &s, 9, "bad batch");
	snap_free(&s);
	pool_del(pool);
}

/*
 * All or nothing: a batch of @count blocks of @size (@align) that does not
 * fit fails with -ENOMEM and leaves every statistic but failed_allocs as
 * it was, peak included, and the same blocks.  Returns how much
 * failed_allocs grew.
 */
static size_t batch_fails_changing_nothing(struct h_pool *pool, size_t size,
					   size_t align, unsigned int count)
{
	struct h_pool_extent *before, *after;
	void *ptrs[H_POOL_BATCH_MAX];
	struct h_pool_stats s0, s1;
	size_t nb, na;

	pool_stats(pool, &s0);
	nb = pool_walk_all(pool, &before);
	EXPECT_EQ(h_pool_alloc_batch(pool, size, align, ptrs, count), -ENOMEM);
	pool_stats(pool, &s1);
	stats_equal_except(&s0, &s1, false, true, false, "-ENOMEM batch");
	na = pool_walk_all(pool, &after);
	EXPECT_TRUE(extents_equal(before, nb, after, na),
		    "blocks changed by a failed batch");
	pool_consistent(pool, "after -ENOMEM");
	free(before);
	free(after);
	return s1.failed_allocs - s0.failed_allocs;
}

TEST(batch_alloc_all_or_nothing)
{
	/* 96 blocks of 16 bytes fit, no more. */
	struct h_pool *pool = pool_new(96 * 32);
	void *first[H_POOL_BATCH_MAX], *second[H_POOL_BATCH_MAX];
	struct h_pool_stats s1;

	EXPECT_EQ(h_pool_alloc_batch(pool, 16, 0, first, 64), 0);
	EXPECT_EQ(batch_fails_changing_nothing(pool, 16, 0, 33), 1);
	/* Exactly what is left still fits. */
	EXPECT_EQ(h_pool_alloc_batch(pool, 16, 0, second, 32), 0);
	pool_stats(pool, &s1);
	EXPECT_EQ(s1.free_bytes, 0);
	EXPECT_EQ(h_pool_dealloc_batch(pool, first, 64), 0);
	EXPECT_EQ(h_pool_dealloc_batch(pool, second, 32), 0);
	check_empty(pool, "freed");
	pool_del(pool);
}

/* An aligned batch that runs out part way: all or nothing as well. */
TEST(batch_alloc_aligned_all_or_nothing)
{
	struct h_pool *pool = pool_new(16 * MAX_ALIGN);

	ASSERT_TRUE(h_pool_alloc(pool, 100));
	EXPECT_GT(batch_fails_changing_nothing(pool, 1000, MAX_ALIGN, 20), 0);
	pool_del(pool);
}

enum bad_kind { BAD_NULL, BAD_INTERIOR, BAD_FREED, BAD_FOREIGN, BAD_DUP };

static void batch_dealloc_bad_case(unsigned long arg)
{
	enum bad_kind kind = arg & 7;
	unsigned int where = (unsigned int)(arg >> 3), i;
	struct h_pool *pool = pool_new(64 * KIB), *other = pool_new(4 * KIB);
	void *ptrs[8], *freed, *foreign = h_pool_alloc(other, 32);

	ASSERT_TRUE(foreign);
	for (i = 0; i < 8; i++) {
		ptrs[i] = h_pool_alloc(pool, 64 + 16 * i);
		ASSERT_TRUE(ptrs[i]);
		fill(ptrs[i], 64, i);
	}
	freed = h_pool_alloc(pool, 64);
	ASSERT_TRUE(freed && h_pool_alloc(pool, 16));
	EXPECT_TRUE(h_pool_dealloc(pool, freed));
	switch (kind) {
	case BAD_NULL:
		ptrs[where] = NULL;
		break;
	case BAD_INTERIOR:
		ptrs[where] = u8p(ptrs[where]) + 32;
		break;
	case BAD_FREED:
		ptrs[where] = freed;
		break;
	case BAD_FOREIGN:
		ptrs[where] = foreign;
		break;
	case BAD_DUP:
		ptrs[where] = ptrs[where ? where - 1 : 7];
		break;
	}
	EXPECT_REFUSED(pool, h_pool_dealloc_batch(pool, ptrs, 8), -EINVAL,
		       "bad batch free");
	for (i = 0; i < 8; i++) {
		if (i == where)
			continue;
		EXPECT_TRUE(h_pool_usable_size(pool, ptrs[i]) >= 64, "%u freed", i);
		holds(ptrs[i], 64, i);
	}
	pool_del(pool);
	pool_del(other);
}

TEST(batch_dealloc_duplicates_refused)
{
	struct h_pool *pool = pool_new(16 * KIB);
	void *a = h_pool_alloc(pool, 16), *b = h_pool_alloc(pool, 16);
	void *c = h_pool_alloc(pool, 16);
	void *aa[] = { a, a }, *aba[] = { a, b, a }, *abcb[] = { a, b, c, b };

	ASSERT_TRUE(a && b && c);
	EXPECT_REFUSED(pool, h_pool_dealloc_batch(pool, aa, 2), -EINVAL, "aa");
	EXPECT_REFUSED(pool, h_pool_dealloc_batch(pool, aba, 3), -EINVAL, "aba");
	EXPECT_REFUSED(pool, h_pool_dealloc_batch(pool, abcb, 4), -EINVAL,
		       "abcb");
	EXPECT_EQ(h_pool_dealloc_batch(pool, abcb, 3), 0);
	check_empty(pool, "freed");
	pool_del(pool);
}

TEST(batch_dealloc_bad_count)
{
	struct h_pool *pool = pool_new(16 * KIB);
	void *ptrs[H_POOL_BATCH_MAX + 1];

	EXPECT_EQ(h_pool_alloc_batch(pool, 16, 0, ptrs, H_POOL_BATCH_MAX), 0);
	ptrs[H_POOL_BATCH_MAX] = h_pool_alloc(pool, 16);
	ASSERT_TRUE(ptrs[H_POOL_BATCH_MAX]);
	EXPECT_REFUSED(pool, h_pool_dealloc_batch(pool, ptrs,
						  H_POOL_BATCH_MAX + 1),
		       -EINVAL, "count 65");
	/* h_pool.h: @count is 1..H_POOL_BATCH_MAX, else -EINVAL. */
	EXPECT_REFUSED(pool, h_pool_dealloc_batch(pool, ptrs, 0), -EINVAL,
		       "count 0");
	pool_del(pool);
}

/* ---- read / write -------------------------------------------------------- */

TEST(rw_roundtrip)
{
	struct h_pool *pool = pool_new(64 * KIB);
	unsigned char *p = h_pool_alloc(pool, 1000);
	unsigned char buf[1024], back[1024];
	struct rng r = { 5 };
	unsigned int i;

	ASSERT_TRUE(p);
	for (i = 0; i < 200; i++) {
		size_t pos = rng_below(&r, 1000);
		size_t len = rng_below(&r, 1000 - pos + 1);

		rng_fill(&r, buf, len);
		EXPECT_EQ(h_pool_write(pool, p, pos, buf, len), 0);
		EXPECT_TRUE(!memcmp(p + pos, buf, len), "write %zu+%zu", pos, len);
		memset(back, 0, sizeof(back));
		EXPECT_EQ(h_pool_read(pool, p, pos, back, len), 0);
		EXPECT_TRUE(!memcmp(back, buf, len), "read %zu+%zu", pos, len);
	}
	pool_consistent(pool, "rw");
	pool_del(pool);
}

TEST(rw_bounds_are_overflow_safe)
{
	struct h_pool *pool = pool_new(64 * KIB);
	unsigned char *p = h_pool_alloc(pool, 100);
	size_t usable = h_pool_usable_size(pool, p);
	unsigned char buf[256];
	static const struct { size_t pos, len; } bad[] = {
		{ 0, 0 }, { 1, 0 }, { 0, 1 }, { 16, 0 },
		{ SIZE_MAX, 2 }, { 2, SIZE_MAX }, { SIZE_MAX, 0 },
		{ SIZE_MAX, SIZE_MAX }, { (SIZE_MAX >> 1) + 1, (SIZE_MAX >> 1) + 1 },
	};
	unsigned int i;

	ASSERT_TRUE(p && h_pool_alloc(pool, 100));
	memset(buf, 0x5a, sizeof(buf));
	fill(p, usable, 14);
	EXPECT_EQ(h_pool_write(pool, p, 0, buf, usable), 0);
	EXPECT_EQ(h_pool_read(pool, p, 0, buf, usable), 0);
	EXPECT_EQ(h_pool_write(pool, p, usable, buf, 0), 0);
	EXPECT_EQ(h_pool_read(pool, p, usable, buf, 0), 0);
	EXPECT_EQ(h_pool_read(pool, p, usable - 1, buf, 1), 0);
	fill(p, usable, 14);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Offsets past the end; the first rows are relative to it. */
		size_t pos = bad[i].pos, len = bad[i].len;
		char what[96];

		if (i < 4) {
			pos += usable;
			len += (pos == usable && !len) ? 1 : 0;
		}
		snprintf(what, sizeof(what), "pos %zu len %zu (usable %zu)",
			 pos, len, usable);
		EXPECT_REFUSED(pool, h_pool_write(pool, p, pos, buf, len),
			       -EINVAL, what);
		EXPECT_REFUSED(pool, h_pool_read(pool, p, pos, buf, len),
			       -EINVAL, what);
	}
	holds(p, usable, 14);
	pool_del(pool);
}

TEST_F(bad_pointers, read_write_refused)
{
	struct h_pool *pool = self->pool;
	unsigned char *freed = self->freed;
	unsigned char buf[16] = { 0 };

	EXPECT_REFUSED(pool, h_pool_write(pool, NULL, 0, buf, 1), -EINVAL,
		       "NULL");
	EXPECT_REFUSED(pool, h_pool_write(pool, self->p + 16, 0, buf, 1),
		       -EINVAL, "interior");
	EXPECT_REFUSED(pool, h_pool_write(pool, freed, 0, buf, 1), -EINVAL,
		       "freed");
	EXPECT_REFUSED(pool, h_pool_write(pool, freed, 0, buf, 0), -EINVAL,
		       "freed, len 0");
	EXPECT_REFUSED(pool, h_pool_write(pool, self->foreign, 0, buf, 1),
		       -EINVAL, "foreign");
	EXPECT_REFUSED(pool, h_pool_read(pool, self->p + 8, 0, buf, 1),
		       -EINVAL, "unaligned");
	EXPECT_REFUSED(pool, h_pool_read(pool, freed, 0, buf, 1), -EINVAL,
		       "read freed");
}

TEST(rw_large_block_in_steps)
{
	const size_t size = 100000;
	struct h_pool *pool = pool_new(512 * KIB);
	unsigned char *p = h_pool_alloc(pool, size);
	unsigned char *in = malloc(size), *out = malloc(size);
	struct rng r = { 3 };

	ASSERT_TRUE(p && in && out);
	rng_fill(&r, in, size);
	EXPECT_EQ(h_pool_write(pool, p, 0, in, size), 0);
	EXPECT_TRUE(!memcmp(p, in, size));
	EXPECT_EQ(h_pool_read(pool, p, 0, out, size), 0);
	EXPECT_TRUE(!memcmp(out, in, size));
	EXPECT_EQ(h_pool_read(pool, p, 4095, out, size - 4095), 0);
	EXPECT_TRUE(!memcmp(out, in + 4095, size - 4095));
	free(in);
	free(out);
	pool_del(pool);
}

/* ---- statistics ---------------------------------------------------------- */

TEST(stats_peak_is_high_water)
{
	struct h_pool *pool = pool_new(64 * KIB);
	struct h_pool_stats st;
	void *big = h_pool_alloc(pool, 10000), *small;

	ASSERT_TRUE(big);
	pool_stats(pool, &st);
	EXPECT_EQ(st.peak_used, st.used_bytes);
	EXPECT_TRUE(h_pool_dealloc(pool, big));
	small = h_pool_alloc(pool, 100);
	ASSERT_TRUE(small);
	pool_stats(pool, &st);
	EXPECT_EQ(st.peak_used, ROUND16(10000) + 16);
	EXPECT_EQ(st.used_bytes, 112 + 16);
	pool_del(pool);
}

/* frag_permille = 1000 - 1000 * largest free block / free bytes. */
TEST(stats_frag_permille)
{
	struct h_pool *pool = pool_new(64 * KIB);
	struct h_pool_stats st;
	void *p[8];
	unsigned int i;
	size_t lo, hi;

	for (i = 0; i < 8; i++)
		ASSERT_TRUE(p[i] = h_pool_alloc(pool, 1000 * (i + 1)));
	pool_stats(pool, &st);
	ASSERT_TRUE(h_pool_alloc(pool, st.largest_free));
	for (i = 0; i < 8; i += 2)
		EXPECT_TRUE(h_pool_dealloc(pool, p[i]));
	pool_stats(pool, &st);
	EXPECT_EQ(st.free_blocks, 4);
	/* Either reading of "largest free block": with or without header. */
	lo = 1000 - 1000 * (st.largest_free + 16) / st.free_bytes;
	hi = 1000 - 1000 * st.largest_free / st.free_bytes;
	EXPECT_TRUE(st.frag_permille + 1 >= lo && st.frag_permille <= hi + 1,
		    "frag %u, largest %zu, free %zu", st.frag_permille,
		    st.largest_free, st.free_bytes);
	EXPECT_TRUE(st.frag_permille > 0);
	pool_consistent(pool, "fragmented");
	pool_del(pool);
}

TEST(stats_count_refused_and_failed)
{
	struct h_pool *pool = pool_new(4 * KIB);
	struct h_pool_stats st;
	unsigned long w0 = ckremm_host_warnings;
	unsigned char *p = h_pool_alloc(pool, 16);

	ASSERT_TRUE(p);
	EXPECT_TRUE(!h_pool_alloc(pool, 8 * KIB));
	EXPECT_TRUE(!h_pool_alloc(pool, 8 * KIB));
	EXPECT_TRUE(!h_pool_dealloc(pool, p + 16));
	EXPECT_TRUE(!h_pool_dealloc(pool, NULL));
	EXPECT_TRUE(!h_pool_alloc_aligned(pool, 16, 24));
	pool_stats(pool, &st);
	EXPECT_EQ(st.failed_allocs, 2);
	EXPECT_EQ(st.refused_calls, 3);
	EXPECT_TRUE(ckremm_host_warnings >= w0 + 3);
	pool_del(pool);
}

/* ---- walk ---------------------------------------------------------------- */

/*
 * A cursor that names no block (here: one inside a block, and one at a
 * block merged away by a free) is found again from the bottom of the
 * arena, in steps of a bounded number of blocks: far more blocks lie
 * below it here than one step walks.  The walk resumes at the first block
 * at or after the cursor.
 */
TEST(walk_resumes_far_into_the_arena)
{
	enum { N = 1200, MID = 900 };
	struct h_pool *pool = pool_new(N * 32 + 64);
	static void *p[N];
	struct h_pool_extent e;
	size_t cursor, off_mid, off_next;
	unsigned int i;

	for (i = 0; i < N; i++)
		ASSERT_TRUE(p[i] = h_pool_alloc(pool, 16));
	off_mid = arena_off(pool, p[MID]) - 16;
	off_next = arena_off(pool, p[MID + 1]) - 16;

	/* Inside block MID: the next extent is block MID + 1. */
	cursor = off_mid + 8;
	EXPECT_EQ(h_pool_walk(pool, &cursor, &e, 1), 1);
	EXPECT_TRUE(e.offset == off_next && e.size == 32 && e.used,
		    "resumed at %zu+%zu used %d, want %zu+32 used", e.offset, e.size,
		    e.used, off_next);
	EXPECT_TRUE(cursor > off_next, "cursor %zu", cursor);

	/* Block MID merged into a free MID - 1: resume at MID + 1 as well. */
	EXPECT_TRUE(h_pool_dealloc(pool, p[MID - 1]));
	EXPECT_TRUE(h_pool_dealloc(pool, p[MID]));
	cursor = off_mid;
	EXPECT_EQ(h_pool_walk(pool, &cursor, &e, 1), 1);
	EXPECT_TRUE(e.offset == off_next && e.size == 32 && e.used,
		    "resumed at %zu+%zu used %d, want %zu+32 used", e.offset, e.size,
		    e.used, off_next);
	pool_consistent(pool, "after the walks");
	for (i = 0; i < N; i++)
		if (i != MID - 1 && i != MID)
			EXPECT_TRUE(h_pool_dealloc(pool, p[i]));
	check_empty(pool, "freed");
	pool_del(pool);
}

TEST(walk_one_at_a_time_matches_bulk)
{
	struct h_pool *pool = pool_new(64 * KIB);
	struct h_pool_extent *bulk, one;
	void *p[40];
	size_t n, i = 0, cursor = 0;
	unsigned int k;

	for (k = 0; k < 40; k++)
		ASSERT_TRUE(p[k] = h_pool_alloc(pool, 16 + 40 * k));
	for (k = 0; k < 40; k += 3)
		EXPECT_TRUE(h_pool_dealloc(pool, p[k]));
	n = pool_walk_all(pool, &bulk);
	while (h_pool_walk(pool, &cursor, &one, 1) == 1) {
		ASSERT_TRUE(i < n, "walk one by one gives more than %zu", n);
		EXPECT_TRUE(one.offset == bulk[i].offset && one.size == bulk[i].size &&
			    one.used == bulk[i].used, "extent %zu differs", i);
		i++;
	}
	EXPECT_EQ(i, n);
	EXPECT_EQ(cursor, 64 * KIB);
	EXPECT_EQ(h_pool_walk(pool, &cursor, &one, 1), 0);
	for (i = 0; i < n; i++) {
		if (!bulk[i].used)
			continue;
		for (k = 0; k < 40; k++)
			if (k % 3 && arena_off(pool, p[k]) == bulk[i].offset + 16)
				break;
		EXPECT_TRUE(k < 40, "used extent at %zu is no block", bulk[i].offset);
	}
	free(bulk);
	pool_del(pool);
}

TEST(walk_max_zero_and_end)
{
	struct h_pool *pool = pool_new(4 * KIB);
	struct h_pool_extent ext[4];
	size_t cursor = 0;

	EXPECT_EQ(h_pool_walk(pool, &cursor, ext, 0), 0);
	EXPECT_EQ(h_pool_walk(pool, &cursor, ext, 4), 1);
	EXPECT_EQ(cursor, 4 * KIB);
	EXPECT_EQ(h_pool_walk(pool, &cursor, ext, 4), 0);
	EXPECT_EQ(cursor, 4 * KIB);
	cursor = SIZE_MAX;
	EXPECT_EQ(h_pool_walk(pool, &cursor, ext, 4), 0);
	pool_del(pool);
}

/* ---- damage -------------------------------------------------------------- */

enum damage { DMG_ZERO, DMG_ONES, DMG_RANDOM, DMG_SIZE_UP, DMG_SIZE_DOWN,
	      DMG_FLIP_BIT, DMG_LINK_TO_END };

static void damage_bytes(unsigned char *h, enum damage how, struct rng *r)
{
	uint32_t w[4];

	memcpy(w, h, 16);
	switch (how) {
	case DMG_ZERO:
		memset(w, 0, 16);
		break;
	case DMG_ONES:
		memset(w, 0xff, 16);
		break;
	case DMG_RANDOM:
		rng_fill(r, w, 16);
		break;
	case DMG_SIZE_UP:
		/* Every word bigger: whichever one holds a size. */
		w[0] += 4;
		w[1] += 4;
		w[2] += 4;
		w[3] += 4;
		break;
	case DMG_SIZE_DOWN:
		w[0] -= 1;
		w[1] -= 1;
		w[2] -= 1;
		w[3] -= 1;
		break;
	case DMG_FLIP_BIT:
		w[rng_below(r, 4)] ^= 1u << rng_below(r, 32);
		break;
	case DMG_LINK_TO_END:
		break;
	}
	memcpy(h, w, 16);
}

/* One call of a walk from @from: what it reports lies at or after it. */
static void walk_from(struct h_pool *pool, size_t from)
{
	struct h_pool_extent ext[8];
	unsigned char *base;
	size_t arena = pool_arena(pool, &base), cursor = from;
	unsigned int n = h_pool_walk(pool, &cursor, ext, 8), i;

	for (i = 0; i < n; i++)
		EXPECT_TRUE(ext[i].offset >= from && ext[i].offset < arena &&
			    ext[i].size <= arena - ext[i].offset,
			    "extent %zu+%zu from cursor %zu", ext[i].offset,
			    ext[i].size, from);
	EXPECT_TRUE(cursor <= arena, "cursor %zu past the arena", cursor);
}

/*
 * Walk a possibly damaged pool.  The walk must end (a walk that never did
 * would hold its caller's loop forever), every call that reports extents
 * must move the cursor forward, and every extent must lie in the arena
 * after the one before it: the damage may end the walk early, never send
 * it outside the arena or backwards.
 */
static void walk_bounded(struct h_pool *pool)
{
	struct h_pool_extent ext[8];
	unsigned char *base;
	size_t arena = pool_arena(pool, &base);
	size_t cursor = 0, end = 0, calls;
	unsigned int n = 0, i;

	for (calls = 0; calls < 4096; calls++) {
		size_t before = cursor;

		n = h_pool_walk(pool, &cursor, ext, 8);
		if (!n)
			break;
		ASSERT_TRUE(n <= 8, "walk returned %u for max 8", n);
		for (i = 0; i < n; i++) {
			ASSERT_TRUE(ext[i].offset >= end && ext[i].offset < arena &&
				    ext[i].size && ext[i].size <= arena - ext[i].offset,
				    "extent %zu+%zu after %zu, arena %zu",
				    ext[i].offset, ext[i].size, end, arena);
			end = ext[i].offset + ext[i].size;
		}
		ASSERT_TRUE(cursor > before && cursor <= arena,
			    "walk cursor %zu -> %zu (arena %zu)", before, cursor,
			    arena);
	}
	EXPECT_TRUE(n == 0, "the walk did not end in %zu calls", calls);
	EXPECT_EQ(cursor, arena);
	/* A cursor inside a granule resumes at a block after it. */
	walk_from(pool, 24);
}

/*
 * Calls on a damaged pool: any result is acceptable but a crash, a hang,
 * a touch outside the arena (AddressSanitizer) or a block outside it.
 */
static void poke_damaged(struct h_pool *pool, void **ptrs, unsigned int n)
{
	struct h_pool_fault fault;
	struct h_pool_stats st;
	unsigned char buf[64];
	void *batch[4];
	unsigned int i;

	for (i = 0; i < 8; i++) {
		size_t size = (size_t)16 << i;
		void *p = h_pool_alloc(pool, size);

		if (p)
			EXPECT_TRUE(in_arena(pool, p, size), "alloc %zu: %p outside",
				    size, p);
		p = h_pool_alloc_aligned(pool, size, 256);
		if (p)
			EXPECT_TRUE(in_arena(pool, p, size), "alloc %zu: %p outside",
				    size, p);
	}
	if (!h_pool_alloc_batch(pool, 32, 0, batch, 4))
		for (i = 0; i < 4; i++)
			EXPECT_TRUE(in_arena(pool, batch[i], 32));
	for (i = 0; i < n; i++) {
		void *q;

		h_pool_read(pool, ptrs[i], 0, buf, 16);
		h_pool_write(pool, ptrs[i], 0, buf, 16);
		h_pool_usable_size(pool, ptrs[i]);
		clean_h_ptr(pool, ptrs[i]);
		q = h_pool_realloc(pool, ptrs[i], 3000);
		if (q) {
			EXPECT_TRUE(in_arena(pool, q, 3000), "realloc: %p outside", q);
			ptrs[i] = q;
		}
	}
	h_pool_dealloc_batch(pool, ptrs, n);
	for (i = 0; i < n; i++)
		h_pool_dealloc(pool, ptrs[i]);
	h_pool_get_stats(pool, &st);
	h_pool_validate(pool, &fault);
	reorder_h_mem(pool);
	walk_bounded(pool);
	h_pool_validate(pool, &fault);
}

/* The 16 bytes before a used block, overwritten: detected and refused. */
static void damage_used_header_case(unsigned long arg)
{
	enum damage how = arg & 7;
	struct rng r = { arg };
	struct h_pool *pool = pool_new(64 * KIB);
	unsigned char *a = h_pool_alloc(pool, 100);
	unsigned char *b = h_pool_alloc(pool, 200);
	unsigned char *c = h_pool_alloc(pool, 300);
	struct h_pool_fault fault = { .offset = SIZE_MAX, .reason = NULL };
	void *ptrs[3] = { a, b, c };
	size_t off_a, off_c;
	int rc;

	ASSERT_TRUE(a && b && c && h_pool_alloc(pool, 16));
	off_a = arena_off(pool, a) - 16;
	off_c = arena_off(pool, c) - 16;
	damage_bytes(b - 16, how, &r);
	rc = h_pool_validate(pool, &fault);
	EXPECT_EQ(rc, -EUCLEAN);
	EXPECT_TRUE(fault.reason && fault.reason[0], "no reason given");
	EXPECT_TRUE(fault.offset >= off_a && fault.offset <= off_c,
		    "fault at %zu, damage at %zu", fault.offset,
		    arena_off(pool, b) - 16);
	EXPECT_TRUE(!h_pool_dealloc(pool, b), "freed a block with a damaged header");
	poke_damaged(pool, ptrs, 3);
	EXPECT_TRUE(destroy_h_pool(pool));
}

/*
 * The first payload bytes of a free block (its free-list links),
 * overwritten as an overrun of the block before it would: detected, and
 * later allocations stay inside the arena.  `how` picks the damage: for
 * DMG_RANDOM the words point somewhere inside the arena; DMG_LINK_TO_END
 * makes the first word name the last 32 bytes of the arena (the 16-byte
 * units the header describes) and the second word "none", which reads
 * as a forward link into the payload of the last used block.
 */
static void damage_free_links_case(unsigned long arg)
{
	enum damage how = arg & 7;
	struct rng r = { arg };
	struct h_pool *pool = pool_new(64 * KIB);
	unsigned char *a = h_pool_alloc(pool, 100);
	unsigned char *f = h_pool_alloc(pool, 1000);
	unsigned char *c = h_pool_alloc(pool, 300);
	unsigned char *g = h_pool_alloc(pool, 1000);
	unsigned char *d = h_pool_alloc(pool, 300);
	unsigned char *tail;
	struct h_pool_fault fault = { .offset = SIZE_MAX, .reason = NULL };
	struct h_pool_stats st;
	void *ptrs[4];
	int rc;

	pool_stats(pool, &st);
	tail = h_pool_alloc(pool, st.largest_free);
	ASSERT_TRUE(a && f && c && g && d && tail);
	/* Whatever the owner of the last block keeps in it. */
	rng_fill(&r, tail, st.largest_free);
	/*
	 * Two free blocks of one size class, so that f's links are not
	 * both "none", which is what all-ones may mean.
	 */
	EXPECT_TRUE(h_pool_dealloc(pool, g));
	EXPECT_TRUE(h_pool_dealloc(pool, f));
	if (how == DMG_RANDOM) {
		uint32_t links[4];
		size_t i;

		for (i = 0; i < 4; i++)
			links[i] = (uint32_t)rng_below(&r, 64 * KIB / 16 - 2);
		memcpy(f, links, 16);
	} else if (how == DMG_LINK_TO_END) {
		uint32_t links[4] = { 64 * KIB / 16 - 2, UINT32_MAX,
				      UINT32_MAX, UINT32_MAX };

		memcpy(f, links, 16);
	} else {
		damage_bytes(f, how, &r);
	}
	rc = h_pool_validate(pool, &fault);
	EXPECT_EQ(rc, -EUCLEAN);
	EXPECT_TRUE(fault.reason && fault.reason[0], "no reason given");
	ptrs[0] = a;
	ptrs[1] = c;
	ptrs[2] = d;
	ptrs[3] = tail;
	poke_damaged(pool, ptrs, 4);
	EXPECT_TRUE(destroy_h_pool(pool));
}

/*
 * A walk over a damaged header ends: the lock is never held forever.
 * Registered with a short time limit.
 */
static void damage_walk_case(unsigned long arg __attribute__((unused)))
{
	struct h_pool *pool = pool_new(64 * KIB);
	unsigned char *a = h_pool_alloc(pool, 100);
	unsigned char *b = h_pool_alloc(pool, 100);
	unsigned char *c = h_pool_alloc(pool, 100);

	ASSERT_TRUE(a && b && c);
	memset(b - 16, 0, 16);
	/* A cursor past the damage that is not at a block start. */
	walk_from(pool, arena_off(pool, c) + 16);
	walk_from(pool, arena_off(pool, c) + 8);
	walk_bounded(pool);
	EXPECT_TRUE(destroy_h_pool(pool));
}

/* ---- keyed checksums ------------------------------------------------------- */

/*
 * An overrun that rewrites the next header with values that still fit its
 * neighbours (here, the alignment it was allocated with): the structural
 * checks of a default pool cannot tell, and a free goes ahead; a pool
 * made with H_POOL_KEYED refuses the header, and validate reports it.
 */
TEST(plausible_header_rewrite)
{
	struct h_pool *pool = pool_new(16 * KIB);
	unsigned char *p = h_pool_alloc(pool, 64), *q = h_pool_alloc(pool, 64);
	unsigned char *r = h_pool_alloc(pool, 64);
	struct h_pool_fault fault;
	uint32_t *hdr = (uint32_t *)(void *)(q - 16), flags;

	ASSERT_TRUE(p && q && r);
	flags = hdr[2];
	hdr[2] = flags ^ (1u << 9);	/* log2 of the alignment: 4 -> 6 */
#ifdef POOL_KEYED
	EXPECT_EQ(h_pool_validate(pool, &fault), -EUCLEAN);
	EXPECT_EQ(fault.offset, arena_off(pool, q) - 16);
	EXPECT_EQ(h_pool_free(pool, q), -EINVAL);
	EXPECT_EQ(h_pool_free(pool, p), -EINVAL);
	hdr[2] = flags;
	pool_consistent(pool, "the header put back");
	EXPECT_EQ(h_pool_free(pool, q), 0);
#else
	EXPECT_EQ(h_pool_validate(pool, &fault), 0);
	EXPECT_EQ(h_pool_free(pool, q), 0);
#endif
	EXPECT_EQ(h_pool_free(pool, p), 0);
	EXPECT_EQ(h_pool_free(pool, r), 0);
	check_empty(pool, "after a rewritten header");
	pool_del(pool);
}

/*
 * Overruns of the kinds a structural check must see, in either mode: the
 * HP_FREE bit set on a live neighbour (a free would merge it and the next
 * allocation overlap it), an alignment the pool never hands out (a
 * moving resize would compute its new block from it), and a damaged
 * back-size two blocks away (which must not keep an allocation from
 * telling the block after it its new neighbour).
 */
TEST(overrun_of_flags_is_refused)
{
	struct h_pool *pool = pool_new(16 * KIB);
	unsigned char *a = h_pool_alloc(pool, 64), *b = h_pool_alloc(pool, 64);
	unsigned char *c = h_pool_alloc(pool, 64);
	uint32_t *hdr = (uint32_t *)(void *)(b - 16), flags;
	struct h_pool_fault fault;
	void *moved = NULL;

	ASSERT_TRUE(a && b && c);
	fill(b, 64, 31);
	flags = hdr[2];
	hdr[2] = flags | 1;			/* HP_FREE */
	EXPECT_EQ(h_pool_validate(pool, &fault), -EUCLEAN);
	EXPECT_EQ(fault.offset, arena_off(pool, b) - 16);
	EXPECT_EQ(h_pool_free(pool, a), -EINVAL);
	EXPECT_EQ(h_pool_free(pool, c), -EINVAL);
	hdr[2] = (flags & ~0xff00u) | (40u << 8);	/* align 2^40 */
	EXPECT_EQ(h_pool_validate(pool, &fault), -EUCLEAN);
	EXPECT_EQ(h_pool_resize(pool, b, 200, &moved), -EINVAL);
	EXPECT_EQ(h_pool_free(pool, a), -EINVAL);
	hdr[2] = flags;
	pool_consistent(pool, "the flags put back");
	holds(b, 64, 31);
	EXPECT_EQ(h_pool_free(pool, a), 0);
	EXPECT_EQ(h_pool_free(pool, b), 0);
	EXPECT_EQ(h_pool_free(pool, c), 0);
	check_empty(pool, "after the flag overruns");
	pool_del(pool);
}

TEST(damage_two_blocks_away_leaves_relinks_alone)
{
	struct h_pool *pool = pool_new(16 * KIB);
	unsigned char *a = h_pool_alloc(pool, 64), *f = h_pool_alloc(pool, 64);
	unsigned char *x = h_pool_alloc(pool, 64), *y = h_pool_alloc(pool, 64);
	unsigned char *z = h_pool_alloc(pool, 64), *p;
	uint32_t *yhdr = (uint32_t *)(void *)(y - 16), prev_units;

	ASSERT_TRUE(a && f && x && y && z);
	EXPECT_EQ(h_pool_free(pool, f), 0);
	prev_units = yhdr[0];
	yhdr[0] = prev_units - 1;	/* x's owner overruns into y */
	p = h_pool_alloc(pool, 16);	/* from f: a trim relinks x */
	EXPECT_TRUE(p == f, "the small block went to %p, not to f at %p",
		    (void *)p, (void *)f);
	yhdr[0] = prev_units;
	pool_consistent(pool, "y put back after the trim");
	EXPECT_EQ(h_pool_free(pool, x), 0);
	EXPECT_EQ(h_pool_free(pool, p), 0);
	EXPECT_EQ(h_pool_free(pool, a), 0);
	EXPECT_EQ(h_pool_free(pool, y), 0);
	EXPECT_EQ(h_pool_free(pool, z), 0);
	check_empty(pool, "after the damage two blocks away");
	pool_del(pool);
}

/*
 * Headers the structural checks let through, because every field is one
 * the pool writes, but that no pool in order has: validate names each.
 * (A keyed pool refuses them all as unsigned.)
 */
static void expect_fault(struct h_pool *pool, const void *damaged,
			 const void *at, const char *why)
{
	struct h_pool_fault fault = { .offset = SIZE_MAX, .reason = NULL };

	EXPECT_EQ(h_pool_validate(pool, &fault), -EUCLEAN);
#ifdef POOL_KEYED
	why = "damaged block header";
	at = damaged;
#else
	(void)damaged;
#endif
	EXPECT_TRUE(fault.reason && !strcmp(fault.reason, why), "reason '%s', want '%s'",
		    fault.reason ? fault.reason : "(none)", why);
	if (at)
		EXPECT_EQ(fault.offset, arena_off(pool, at) - 16);
}

TEST(validate_names_impossible_headers)
{
	struct h_pool *pool = pool_new(16 * KIB);
	unsigned char *a = h_pool_alloc(pool, 64), *b = h_pool_alloc(pool, 64);
	unsigned char *c = h_pool_alloc(pool, 64), *d = h_pool_alloc(pool, 64);
	uint32_t *flags = (uint32_t *)(void *)(b - 16) + 2, saved;

	ASSERT_TRUE(a && b && c && d);
	saved = *flags;
	*flags = saved | 0x4 | (1u << 16);	/* held alone and by a reader */
	expect_fault(pool, b, b, "block held alone and shared at once");
	*flags = saved | 0x8;			/* a writer waits, no readers */
	expect_fault(pool, b, b, "block waits for readers it does not have");
	*flags = 0x1;				/* free, between used blocks */
	expect_fault(pool, b, NULL, "block counts disagree with the statistics");
	/* c's neighbour is refused for a merge, then put back. */
	EXPECT_EQ(h_pool_free(pool, c), -EINVAL);
	*flags = saved;
	EXPECT_EQ(h_pool_free(pool, c), 0);
	*flags = 0x1;				/* free, beside a free block */
	expect_fault(pool, b, c, "two adjacent free blocks");
	*flags = saved;
	pool_consistent(pool, "the flags put back");
	EXPECT_EQ(h_pool_free(pool, a), 0);
	EXPECT_EQ(h_pool_free(pool, b), 0);
	EXPECT_EQ(h_pool_free(pool, d), 0);
	check_empty(pool, "after the impossible headers");
	pool_del(pool);
}

/* Unknown flags are refused. */
TEST(create_refuses_unknown_flags)
{
	EXPECT_TRUE(h_pool_create(4096, ~H_POOL_KEYED) == NULL);
	EXPECT_TRUE(h_pool_create(4096, 0x80) == NULL);
}

/* ---- holds --------------------------------------------------------------- */

/* Larger than one step: such accesses and cleans run under a hold. */
#define BIG (3 * 4096 + 48)

/*
 * Shared holds: other readers come in; everything that would free,
 * resize, write or clear the block, or hold it alone, is EBUSY and
 * changes nothing, not even refused_calls (contention is no misuse).
 */
TEST(hold_shared_refuses_changes)
{
	struct h_pool *pool = pool_new(64 * KIB);
	unsigned char *p = h_pool_alloc(pool, BIG), *q = h_pool_alloc(pool, 64);
	unsigned char small[64], *big = malloc(BIG);
	void *batch[2], *moved = NULL;
	struct h_pool_stats before, after;
	size_t usable = 0;

	ASSERT_TRUE(p && q && big);
	fill(p, BIG, 21);
	EXPECT_EQ(h_pool_hold(pool, p, false, &usable), 0);
	EXPECT_EQ(usable, h_pool_usable_size(pool, p));
	EXPECT_EQ(h_pool_hold(pool, p, false, NULL), 0);
	pool_stats(pool, &before);

	/* Reads share the hold, small and large alike. */
	EXPECT_EQ(h_pool_read(pool, p, 0, small, sizeof(small)), 0);
	EXPECT_EQ(h_pool_read(pool, p, 0, big, BIG), 0);
	holds(big, BIG, 21);

	EXPECT_EQ(h_pool_free(pool, p), -EBUSY);
	EXPECT_TRUE(!h_pool_dealloc(pool, p));
	EXPECT_EQ(h_pool_resize(pool, p, 16, &moved), -EBUSY);
	EXPECT_EQ(h_pool_resize(pool, p, 32 * KIB, &moved), -EBUSY);
	EXPECT_TRUE(!h_pool_realloc(pool, p, 100));
	EXPECT_EQ(h_pool_clean(pool, p, NULL), -EBUSY);
	EXPECT_TRUE(!clean_h_ptr(pool, p));
	memset(small, 0, sizeof(small));
	EXPECT_EQ(h_pool_write(pool, p, 0, small, sizeof(small)), -EBUSY);
	memset(big, 0, BIG);
	EXPECT_EQ(h_pool_write(pool, p, 0, big, BIG), -EBUSY);
	EXPECT_EQ(h_pool_hold(pool, p, true, NULL), -EBUSY);
	batch[0] = q;
	batch[1] = p;
	EXPECT_EQ(h_pool_dealloc_batch(pool, batch, 2), -EBUSY);

	/* A writer was refused: no new reader until the readers are gone. */
	EXPECT_EQ(h_pool_read(pool, p, 0, small, sizeof(small)), -EBUSY);
	EXPECT_EQ(h_pool_hold(pool, p, false, NULL), -EBUSY);

	pool_stats(pool, &after);
	stats_equal_except(&before, &after, false, false, false,
			   "calls refused as busy");
	holds(p, BIG, 21);
	pool_consistent(pool, "two readers hold a block");

	EXPECT_EQ(h_pool_unhold(pool, p, false), 0);
	EXPECT_EQ(h_pool_free(pool, p), -EBUSY);
	EXPECT_EQ(h_pool_read(pool, p, 0, small, sizeof(small)), -EBUSY);
	EXPECT_EQ(h_pool_unhold(pool, p, false), 0);
	EXPECT_REFUSED(pool, h_pool_unhold(pool, p, false), -EINVAL,
		       "release of a hold not taken");
	/* The last reader gone, readers are welcome again. */
	EXPECT_EQ(h_pool_read(pool, p, 0, big, BIG), 0);
	holds(big, BIG, 21);
	EXPECT_EQ(h_pool_dealloc_batch(pool, batch, 2), 0);
	check_empty(pool, "held block freed once released");
	free(big);
	pool_del(pool);
}

/* Held alone: every other call on the block, reads included, is EBUSY. */
TEST(hold_alone_refuses_everything)
{
	struct h_pool *pool = pool_new(64 * KIB);
	unsigned char *p = h_pool_alloc(pool, BIG), *big = malloc(BIG);
	unsigned char small[16];

	ASSERT_TRUE(p && big);
	EXPECT_EQ(h_pool_hold(pool, p, true, NULL), 0);
	/* The holder writes the bytes directly. */
	fill(p, BIG, 22);
	EXPECT_EQ(h_pool_hold(pool, p, true, NULL), -EBUSY);
	EXPECT_EQ(h_pool_hold(pool, p, false, NULL), -EBUSY);
	EXPECT_EQ(h_pool_read(pool, p, 0, small, sizeof(small)), -EBUSY);
	EXPECT_EQ(h_pool_read(pool, p, 0, big, BIG), -EBUSY);
	EXPECT_EQ(h_pool_clean(pool, p, NULL), -EBUSY);
	EXPECT_EQ(h_pool_free(pool, p), -EBUSY);
	EXPECT_REFUSED(pool, h_pool_unhold(pool, p, false), -EINVAL,
		       "release of a shared hold never taken");
	pool_consistent(pool, "a block held alone");
	EXPECT_EQ(h_pool_unhold(pool, p, true), 0);
	EXPECT_EQ(h_pool_read(pool, p, 0, big, BIG), 0);
	holds(big, BIG, 22);
	EXPECT_EQ(h_pool_free(pool, p), 0);
	check_empty(pool, "block freed after its hold");
	free(big);
	pool_del(pool);
}

/* Holds name live blocks only; a freed block's hold is refused. */
TEST(hold_refuses_bad_pointers)
{
	struct h_pool *pool = pool_new(16 * KIB);
	unsigned char *p = h_pool_alloc(pool, 100);

	ASSERT_TRUE(p);
	EXPECT_EQ(h_pool_hold(NULL, p, false, NULL), -EINVAL);
	EXPECT_EQ(h_pool_unhold(NULL, p, false), -EINVAL);
	EXPECT_REFUSED(pool, h_pool_hold(pool, p + 16, false, NULL), -EINVAL,
		       "hold of an interior pointer");
	EXPECT_REFUSED(pool, h_pool_unhold(pool, p, true), -EINVAL,
		       "release of a hold not taken");
	EXPECT_EQ(h_pool_free(pool, p), 0);
	EXPECT_REFUSED(pool, h_pool_hold(pool, p, false, NULL), -EINVAL,
		       "hold of a freed block");
	check_empty(pool, "after refused holds");
	pool_del(pool);
}

/* The -errno calls answer what the seed calls only say false to. */
TEST(errno_calls_say_why)
{
	struct h_pool *pool = pool_new(8 * KIB);
	unsigned char *p = h_pool_alloc(pool, BIG / 3);
	void *moved = NULL;
	size_t cleaned = 0;

	ASSERT_TRUE(p);
	fill(p, BIG / 3, 23);
	EXPECT_EQ(h_pool_resize(pool, p, 64 * KIB, &moved), -ENOMEM);
	EXPECT_EQ(h_pool_resize(pool, p, SIZE_MAX, &moved), -ENOMEM);
	EXPECT_REFUSED(pool, h_pool_resize(pool, p, 0, &moved), -EINVAL,
		       "resize to 0");
	holds(p, BIG / 3, 23);
	EXPECT_EQ(h_pool_clean(pool, p, &cleaned), 0);
	EXPECT_EQ(cleaned, h_pool_usable_size(pool, p));
	all_zero(p, cleaned);
	EXPECT_EQ(h_pool_free(pool, p), 0);
	EXPECT_REFUSED(pool, h_pool_free(pool, p), -EINVAL, "double free");
	EXPECT_REFUSED(pool, h_pool_clean(pool, p, &cleaned), -EINVAL,
		       "clean of a freed block");
	check_empty(pool, "after the errno calls");
	pool_del(pool);
}

/* ---- registration -------------------------------------------------------- */

__attribute__((constructor)) static void register_tables(void)
{
	static const char *const orders[] = { "forward", "backward", "random",
					      "odd_then_even" };
	static const char *const fills[] = { "zero", "ones", "random",
					     "copied_header" };
	static const char *const damages[] = { "zero", "ones", "random",
					       "size_up", "size_down",
					       "bit_flip", "link_to_end" };
	static const size_t batch_aligns[] = { 0, 16, 256, 4096 };
	static const unsigned int batch_counts[] = { 1, 7, 64 };
	static const char *const kinds[] = { "null", "interior", "freed",
					     "foreign", "duplicate" };
	static const size_t move_aligns[] = { 0, 32, 64, 256, 1024, 4096 };
	char name[96];
	unsigned int i, j;

	for (i = 0; i < sizeof(alloc_sizes) / sizeof(alloc_sizes[0]); i++) {
		snprintf(name, sizeof(name), "alloc_size_%zu", alloc_sizes[i]);
		test_register(name, alloc_size_case, alloc_sizes[i], 0);
	}
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "exhaust_16_byte_blocks_free_%s",
			 orders[i]);
		test_register(name, exhaust_case, i, 0);
	}
	for (i = 0; i <= FILL_HEADERS; i++) {
		for (j = 0; j < (i == FILL_RANDOM ? 4u : 1u); j++) {
			snprintf(name, sizeof(name),
				 "dealloc_interior_%s_bytes_refused%s%.0u",
				 fills[i], j ? "_seed_" : "", j);
			test_register(name, interior_case, i | (j << 2), 0);
		}
	}
	test_register("damage_walk_terminates", damage_walk_case, 0, 10);
	test_register("clean_zeroes_usable_100", clean_case, 100, 0);
	test_register("clean_zeroes_usable_4096", clean_case, 4096, 0);
	test_register("clean_zeroes_usable_100000", clean_case, 100000, 0);
	test_register("realloc_shrink_in_place_next_used", realloc_shrink_case, 0,
		      0);
	test_register("realloc_shrink_in_place_next_free", realloc_shrink_case, 1,
		      0);
	test_register("realloc_grow_in_place_into_free_neighbour",
		      realloc_grow_in_place_case, 0, 0);
	test_register("realloc_grow_in_place_into_tail", realloc_grow_in_place_case,
		      1, 0);
	for (i = 0; i < sizeof(move_aligns) / sizeof(move_aligns[0]); i++) {
		if (move_aligns[i] > MAX_ALIGN)
			continue;
		snprintf(name, sizeof(name),
			 "realloc_grow_moves_keeps_contents_align_%zu",
			 move_aligns[i]);
		test_register(name, realloc_move_case, move_aligns[i], 0);
	}
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 3 && batch_aligns[i] <= MAX_ALIGN; j++) {
			snprintf(name, sizeof(name),
				 "batch_alloc_count_%u_align_%zu",
				 batch_counts[j], batch_aligns[i]);
			test_register(name, batch_alloc_case,
				      batch_counts[j] | (batch_aligns[i] << 8), 0);
		}
	}
	for (i = 0; i < 5; i++) {
		for (j = 0; j < 8; j += 7) {
			snprintf(name, sizeof(name),
				 "batch_dealloc_%s_at_%u_frees_nothing",
				 kinds[i], j);
			test_register(name, batch_dealloc_bad_case, i | (j << 3), 0);
		}
	}
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "damage_used_header_%s_detected",
			 damages[i]);
		test_register(name, damage_used_header_case, i | (1u << 8), 0);
	}
	for (i = 0; i <= DMG_LINK_TO_END; i++) {
		if (i > DMG_RANDOM && i < DMG_LINK_TO_END)
			continue;
		for (j = 0; j < (i == DMG_RANDOM ? 4u : 1u); j++) {
			snprintf(name, sizeof(name),
				 "damage_free_links_%s_detected%s%.0u",
				 damages[i], j ? "_seed_" : "", j);
			test_register(name, damage_free_links_case,
				      i | ((j + 1) << 8), 0);
		}
	}
}

HOST_TEST_MAIN(0)

/* ---- forged and replayed headers ------------------------------------- */

/* The inline header as the pool lays it out (H_POOL_HEADER_SIZE bytes). */
struct raw_hdr {
	uint32_t prev_units, units, flags, check;
};

static struct raw_hdr *raw_hdr_of(void *payload)
{
	return (struct raw_hdr *)payload - 1;
}

/* Does [p, p + n) overlap [q, q + m)? */
static bool spans_overlap(const void *p, size_t n, const void *q, size_t m)
{
	const char *a = p, *b = q;

	return a < b + m && b < a + n;
}

/*
 * The owner of a block overruns through a free block into the header of
 * the live block after it, forging a free block that spans live blocks.
 * Whichever call reaches that header next (an allocation that splits the
 * free block, a free that merges with it, a realloc that grows into it)
 * must not sign it: no later allocation may overlap the live blocks, and
 * validate reports the damage.  @arg picks the call.
 */
static void forged_follower_case(unsigned long arg)
{
	struct h_pool *pool = pool_new(4096);
	struct h_pool_fault fault = { 0 };
	void *a = h_pool_alloc(pool, 16);
	void *n = h_pool_alloc(pool, arg == 1 ? 16 : 64);
	void *b = h_pool_alloc(pool, 16);
	void *c = h_pool_alloc(pool, 16);
	void *got[4] = { NULL };
	int i;

	ASSERT_TRUE(a && n && b && c);
	EXPECT_TRUE(h_pool_dealloc(pool, n));
	raw_hdr_of(b)->units = 4;	/* b and c */
	raw_hdr_of(b)->flags = 1;	/* free */
	memset(b, 0xff, 8);		/* free-list links: none */
	if (arg == 0)
		got[0] = h_pool_alloc(pool, 16);	/* splits n */
	else if (arg == 1)
		h_pool_dealloc(pool, a);		/* merges with n */
	else
		got[0] = h_pool_realloc(pool, a, 32);	/* grows into n */
	for (i = 1; i < 4; i++)
		got[i] = h_pool_alloc(pool, 16);
	for (i = 0; i < 4; i++) {
		if (!got[i] || (arg == 2 && i == 0))
			continue;
		EXPECT_TRUE(!spans_overlap(got[i], 16, b, 48),
			    "allocation %d at %zu overlaps the live blocks at %zu",
			    i, arena_off(pool, got[i]), arena_off(pool, b));
	}
	EXPECT_EQ(h_pool_validate(pool, &fault), -EUCLEAN);
	EXPECT_TRUE(destroy_h_pool(pool));
}

TEST(forged_follower_not_signed_by_alloc)
{
	forged_follower_case(0);
}

TEST(forged_follower_not_signed_by_free)
{
	forged_follower_case(1);
}

TEST(forged_follower_not_signed_by_realloc)
{
	forged_follower_case(2);
}

/*
 * A writer of the pool (through h_pool_write(), as /dev/ckremm allows) copies
 * headers it read earlier back into its own block, at the offsets where
 * blocks it has since freed used to start, and frees a stale pointer to
 * one of them.  The replayed header carries a valid checksum for its
 * offset, but no block starts there: the free is refused and the pool
 * stays sound, with no allocation overlapping live blocks.
 */
TEST(replayed_header_in_payload_refused)
{
	struct h_pool *pool = pool_new(4096);
	unsigned char *base = h_pool_arena(pool, NULL);
	struct h_pool_fault fault = { 0 };
	unsigned char old[3][16], none[8];
	void *q = h_pool_alloc(pool, 16);
	void *a = h_pool_alloc(pool, 16);
	void *x = h_pool_alloc(pool, 16);
	void *y, *v, *z;

	ASSERT_TRUE(q && a && x);
	memcpy(old[0], base + 32, 16);
	memcpy(old[1], base + 64, 16);
	memcpy(old[2], base + 96, 16);
	EXPECT_TRUE(h_pool_dealloc(pool, x));
	EXPECT_TRUE(h_pool_dealloc(pool, a));
	EXPECT_TRUE(h_pool_dealloc(pool, q));
	y = h_pool_alloc(pool, 144);
	v = h_pool_alloc(pool, 64);
	ASSERT_TRUE(y && v);
	memset(none, 0xff, sizeof(none));
	EXPECT_EQ(h_pool_write(pool, y, 16, old[0], 16), 0);
	EXPECT_EQ(h_pool_write(pool, y, 48, old[1], 16), 0);
	EXPECT_EQ(h_pool_write(pool, y, 80, old[2], 16), 0);
	EXPECT_EQ(h_pool_write(pool, y, 96, none, 8), 0);
	EXPECT_TRUE(!h_pool_dealloc(pool, x), "freed a stale pointer to a replayed header");
	z = h_pool_alloc(pool, 3900);
	if (z) {
		EXPECT_TRUE(!spans_overlap(z, 3900, y, 144), "allocation overlaps y");
		EXPECT_TRUE(!spans_overlap(z, 3900, v, 64), "allocation overlaps v");
	}
	EXPECT_EQ(h_pool_validate(pool, &fault), 0);
	EXPECT_TRUE(destroy_h_pool(pool));
}

/* ---- the front cache (H_POOL_CACHE) ---------------------------------- */

/* A pool with a front cache, keyed in the keyed build. */
static struct h_pool *cache_pool_new(size_t size)
{
#ifdef POOL_KEYED
	struct h_pool *pool = h_pool_create(size, H_POOL_CACHE | H_POOL_KEYED);
#else
	struct h_pool *pool = h_pool_create(size, H_POOL_CACHE);
#endif

	ASSERT_TRUE(pool != NULL, "h_pool_create(%zu, H_POOL_CACHE)", size);
	return pool;
}

static size_t cached_blocks(struct h_pool *pool)
{
	struct h_pool_stats st;

	pool_stats(pool, &st);
	return st.cached_blocks;
}

/*
 * A freed block waits in the cache, counted as the cache's, and the next
 * allocation of its size gets it back, bytes untouched; a second free of
 * it is refused as a double free, and so is every call on it.
 */
TEST(cache_hands_back_the_block_freed_last)
{
	struct h_pool *pool = cache_pool_new(256 * KIB);
	void *a = h_pool_alloc(pool, 100), *b = h_pool_alloc(pool, 100);
	struct h_pool_stats before, st;
	unsigned char buf[16];
	size_t usable;

	ASSERT_TRUE(a && b);
	fill(a, 100, 3);
	pool_stats(pool, &before);
	EXPECT_EQ(h_pool_free(pool, a), 0);
	pool_stats(pool, &st);
	EXPECT_EQ(st.cached_blocks, 1);
	EXPECT_EQ(st.used_blocks, before.used_blocks);
	EXPECT_EQ(st.free_blocks, before.free_blocks);
	pool_consistent(pool, "a cached");
	EXPECT_EQ(h_pool_free(pool, a), -EINVAL);
	EXPECT_EQ(h_pool_usable_size(pool, a), 0);
	EXPECT_EQ(h_pool_read(pool, a, 0, buf, 16), -EINVAL);
	EXPECT_EQ(h_pool_hold(pool, a, false, &usable), -EINVAL);
	pool_stats(pool, &st);
	/* h_pool_usable_size() answers 0 and counts nothing. */
	EXPECT_EQ(st.refused_calls, before.refused_calls + 3);
	EXPECT_TRUE(h_pool_alloc(pool, 97) == a, "a size of the same units got another block");
	EXPECT_EQ(cached_blocks(pool), 0);
	holds(a, 100, 3);
	pool_consistent(pool, "a taken back");
	EXPECT_EQ(h_pool_free(pool, a), 0);
	EXPECT_EQ(h_pool_free(pool, b), 0);
	EXPECT_TRUE(reorder_h_mem(pool));
	EXPECT_EQ(cached_blocks(pool), 0);
	check_empty(pool, "after the reorder merged the cache");
	pool_del(pool);
}

/*
 * What the cache does not take, merged at once: aligned blocks, blocks
 * above the cached sizes, and blocks of a size whose list is full.
 */
TEST(cache_takes_plain_small_blocks_only)
{
	struct h_pool *pool = cache_pool_new(1 * MIB);
	void *aligned = h_pool_alloc_aligned(pool, 64, 256);
	void *big = h_pool_alloc(pool, 8192), *p[40];
	struct h_pool_stats st;
	unsigned int i;

	ASSERT_TRUE(aligned && big);
	EXPECT_EQ(h_pool_free(pool, aligned), 0);
	EXPECT_EQ(h_pool_free(pool, big), 0);
	EXPECT_EQ(cached_blocks(pool), 0);
	for (i = 0; i < 40; i++)
		ASSERT_TRUE((p[i] = h_pool_alloc(pool, 32)));
	/* Every other block, so that the ones merged stay apart. */
	for (i = 0; i < 40; i += 2)
		EXPECT_EQ(h_pool_free(pool, p[i]), 0);
	EXPECT_EQ(cached_blocks(pool), 20);
	for (i = 1; i < 40; i += 2)
		EXPECT_EQ(h_pool_free(pool, p[i]), 0);
	pool_stats(pool, &st);
	EXPECT_TRUE(st.cached_blocks == 32, "%zu cached, want the 32 a size holds",
		    st.cached_blocks);
	pool_consistent(pool, "one size's list full");
	EXPECT_TRUE(reorder_h_mem(pool));
	check_empty(pool, "after the reorder merged the cache");
	pool_del(pool);
}

/*
 * Fill @pool with 48-byte blocks, then free every (n / 32)th first, which
 * the cache keeps, spread over the arena, and then the others but the one
 * at @keep, which merge into runs of about 1/32 of the arena between
 * them.  Returns the block at @keep.
 */
static void *spread_cache(struct h_pool *pool, size_t keep)
{
	static void *p[8192];
	size_t n = 0, i, step;

	while (n < 8192 && (p[n] = h_pool_alloc(pool, 48)))
		n++;
	ASSERT_TRUE(n > 1000 && n < 8192 && keep < n, "%zu blocks", n);
	step = n / 32;
	for (i = 0; i < n; i += step)
		EXPECT_EQ(h_pool_free(pool, p[i]), 0);
	for (i = 0; i < n; i++)
		if (i % step && i != keep)
			EXPECT_EQ(h_pool_free(pool, p[i]), 0);
	EXPECT_TRUE(cached_blocks(pool) >= 30, "%zu cached", cached_blocks(pool));
	pool_consistent(pool, "the cache spread over the arena");
	return p[keep];
}

/*
 * Running out while freed blocks wait in the cache: they are merged and
 * the allocation made, as if there had been no cache, for a single
 * allocation, a batch and a moving resize.
 */
TEST(cache_flushes_before_failing)
{
	struct h_pool *pool = cache_pool_new(256 * KIB);
	void *one, *batch[4], *keep, *moved = NULL;
	unsigned int i;

	spread_cache(pool, 0);
	one = h_pool_alloc(pool, 64 * KIB);
	EXPECT_TRUE(one != NULL, "the merged cache did not make room");
	EXPECT_EQ(cached_blocks(pool), 0);
	EXPECT_EQ(h_pool_free(pool, one), 0);
	check_empty(pool, "after an allocation flushed the cache");

	spread_cache(pool, 0);
	EXPECT_EQ(h_pool_alloc_batch(pool, 20 * KIB, 0, batch, 4), 0);
	EXPECT_EQ(cached_blocks(pool), 0);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(h_pool_free(pool, batch[i]), 0);
	check_empty(pool, "after a batch flushed the cache");

	keep = spread_cache(pool, 1001);
	fill(keep, 48, 9);
	EXPECT_EQ(h_pool_resize(pool, keep, 32 * KIB, &moved), 0);
	EXPECT_TRUE(moved && moved != keep, "the resize did not move");
	EXPECT_EQ(cached_blocks(pool), 0);
	holds(moved, 48, 9);
	EXPECT_EQ(h_pool_free(pool, moved), 0);
	check_empty(pool, "after a resize flushed the cache");
	pool_del(pool);
}

/*
 * An overrun reaches the header of a block waiting in the cache: the
 * allocation does not hand it out, validate reports it, and a flush
 * leaves it alone.
 */
TEST(cache_refuses_a_damaged_cached_block)
{
	struct h_pool *pool = cache_pool_new(256 * KIB);
	unsigned char *a = h_pool_alloc(pool, 64), *b = h_pool_alloc(pool, 64);
	unsigned char *c;
	struct h_pool_fault fault;
	uint32_t *units;

	ASSERT_TRUE(a && b);
	EXPECT_EQ(h_pool_free(pool, b), 0);
	units = (uint32_t *)(void *)(b - 16) + 1;
	*units += 1;			/* a's owner overruns into b */
	c = h_pool_alloc(pool, 64);
	EXPECT_TRUE(c && c != b, "the damaged cached block was handed out");
	EXPECT_EQ(cached_blocks(pool), 0);
	EXPECT_EQ(h_pool_validate(pool, &fault), -EUCLEAN);
	*units -= 1;
	EXPECT_EQ(h_pool_free(pool, c), 0);
	EXPECT_EQ(h_pool_free(pool, a), 0);
	EXPECT_TRUE(reorder_h_mem(pool));
	/*
	 * b, out of the cache but still marked cached, is left where it is:
	 * a leak that validate goes on reporting, never a merge.
	 */
	EXPECT_EQ(h_pool_validate(pool, &fault), -EUCLEAN);
	EXPECT_TRUE(fault.reason && strstr(fault.reason, "counts"), "reason '%s'",
		    fault.reason ? fault.reason : "(none)");
	pool_del(pool);
}

/*
 * An overrun reaches the neighbour of a block waiting in the cache: the
 * flush that would merge the block refuses it, and leaves it marked
 * cached, so that a second free of it is still refused as a double free
 * and validate goes on reporting it.
 */
TEST(cache_flush_leaves_a_block_with_a_damaged_neighbour)
{
	struct h_pool *pool = cache_pool_new(256 * KIB);
	unsigned char *a = h_pool_alloc(pool, 64), *b = h_pool_alloc(pool, 64);
	unsigned char *c = h_pool_alloc(pool, 64);
	struct h_pool_fault fault;
	uint32_t *back;

	ASSERT_TRUE(a && b && c);
	EXPECT_EQ(h_pool_free(pool, b), 0);
	back = (uint32_t *)(void *)(c - 16);
	*back += 1;			/* b's old owner overruns into c */
	reorder_h_mem(pool);		/* merges the cache: b refused */
	EXPECT_EQ(cached_blocks(pool), 0);
	*back -= 1;
	EXPECT_EQ(h_pool_free(pool, b), -EINVAL);
	EXPECT_EQ(h_pool_validate(pool, &fault), -EUCLEAN);
	EXPECT_EQ(h_pool_free(pool, a), 0);
	EXPECT_EQ(h_pool_free(pool, c), 0);
	pool_del(pool);
}

/* A pool too small for one cached size has no cache, and works. */
TEST(cache_needs_room)
{
	struct h_pool *pool = cache_pool_new(8 * KIB);
	void *a = h_pool_alloc(pool, 16);

	ASSERT_TRUE(a);
	EXPECT_EQ(h_pool_free(pool, a), 0);
	EXPECT_EQ(cached_blocks(pool), 0);
	check_empty(pool, "no cache");
	pool_del(pool);
}
