// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for the ckremm header pool (include/ckremm/h_pool.h).
 *
 * The suites drive the API exported by ckremm.ko the way a driver would and
 * judge every outcome twice: by what the calls return, and by the pool's own
 * account of itself.  expect_h_pool_consistent() holds h_pool_validate(),
 * h_pool_get_stats() and a walk over every block against each other; the
 * cases call it after each step that changes a pool.
 *
 *   h_pool             create, alloc at every size and alignment, free and
 *                      coalescing, clean, stats
 *   h_pool_misuse      each refused call, shown to change nothing but
 *                      stats.refused_calls; validate on a damaged pool
 *   h_pool_exhaustion  fill until nothing fits, free, fill again
 *   h_pool_reorder     reorder around live blocks
 *   h_pool_realloc     grow and shrink in place, move, refuse
 *   h_pool_batch       all-or-nothing batch alloc and free
 *   h_pool_rw          h_pool_read() and h_pool_write() bounds
 *   h_pool_walk        the walk tiles the arena in address order
 *   h_pool_atomic      every call with interrupts off and from a hard irq
 *   h_pool_random      a seeded mixed workload checked after every step
 *
 * Misuse cases make ckremm.ko log rate-limited "ckremm: ..." warnings; that
 * is expected.  Nothing here may provoke a WARN() or a KASAN report.
 *
 * Every pool is created through kunit_h_pool(), which registers its
 * destruction with KUnit, so no pool outlives a case that fails an
 * assertion half way through.
 */

#include <linux/irqflags.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <ckremm/ckremm_ns.h>
#include <ckremm/h_pool.h>

#include "ckremm_kunit.h"
#include "h_pool_model.h"

/* Smallest block: a header and one granule of payload. */
#define MIN_BLOCK	(H_POOL_HEADER_SIZE + H_POOL_MIN_ALIGN)

/* ---------------------------------------------------------------------- */
/* Helpers shared by the suites                                           */
/* ---------------------------------------------------------------------- */

KUNIT_DEFINE_ACTION_WRAPPER(destroy_h_pool_action, destroy_h_pool,
			    struct h_pool *);

/* A pool that KUnit destroys when the case ends, however it ends. */
static struct h_pool *kunit_h_pool(struct kunit *test, size_t size)
{
	struct h_pool *pool;
	int ret;

	pool = create_h_pool(size);
	KUNIT_ASSERT_NOT_NULL_MSG(test, pool, "create_h_pool(%zu)", size);
	ret = kunit_add_action_or_reset(test, destroy_h_pool_action, pool);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return pool;
}

static u8 *pool_arena(struct h_pool *pool, size_t *size)
{
	return h_pool_arena(pool, size);
}

static size_t arena_offset(struct h_pool *pool, const void *p)
{
	size_t size;

	return (const u8 *)p - pool_arena(pool, &size);
}

/* Byte @i of the pattern that @seed names. */
static u8 pattern_byte(u32 seed, size_t i)
{
	return (u8)(seed + i * 131 + (i >> 8));
}

static void fill_pattern(void *p, size_t len, u32 seed)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = pattern_byte(seed, i);
}

/* Index of the first byte that differs from the pattern, or @len. */
static size_t pattern_mismatch(const void *p, size_t len, u32 seed)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != pattern_byte(seed, i))
			break;
	return i;
}

static bool expect_pattern(struct kunit *test, const void *p, size_t len,
			   u32 seed)
{
	size_t bad = pattern_mismatch(p, len, seed);

	KUNIT_EXPECT_EQ_MSG(test, bad, len,
			    "block contents changed at byte %zu of %zu",
			    bad, len);
	return bad == len;
}

static bool is_zeroed(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a;
	uintptr_t y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

static void sort_ptrs(void **ptrs, unsigned int n)
{
	sort(ptrs, n, sizeof(*ptrs), cmp_ptr, NULL);
}

/* @p is a payload whose header and @len bytes lie inside the arena. */
static bool in_arena(struct h_pool *pool, const void *p, size_t len)
{
	const u8 *b = p;
	size_t size;
	u8 *arena = pool_arena(pool, &size);

	return b >= arena + H_POOL_HEADER_SIZE && b <= arena + size &&
	       len <= (size_t)(arena + size - b);
}

/* What every block handed out must satisfy. */
static void expect_block(struct kunit *test, struct h_pool *pool,
			 const void *p, size_t size, size_t align)
{
	size_t usable = h_pool_usable_size(pool, p);

	align = max_t(size_t, align, H_POOL_MIN_ALIGN);
	KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED((uintptr_t)p, align),
			      "offset %zu is not %zu-aligned",
			      arena_offset(pool, p), align);
	KUNIT_EXPECT_GE(test, usable, size);
	KUNIT_EXPECT_TRUE_MSG(test, in_arena(pool, p, usable),
			      "block at offset %zu, %zu bytes, leaves the arena",
			      arena_offset(pool, p), usable);
}

/*
 * Blocks (headers included) must not overlap.  Sorts @ptrs by address;
 * NULL entries sort first and are skipped.
 */
static void expect_disjoint(struct kunit *test, struct h_pool *pool,
			    void **ptrs, unsigned int n)
{
	unsigned int i;
	u8 *prev_end = NULL;

	sort_ptrs(ptrs, n);
	for (i = 0; i < n; i++) {
		u8 *p = ptrs[i];

		if (!p)
			continue;
		if (prev_end)
			KUNIT_EXPECT_TRUE_MSG(test,
					      p - H_POOL_HEADER_SIZE >= prev_end,
					      "block at offset %zu overlaps the one before",
					      arena_offset(pool, p));
		prev_end = p + h_pool_usable_size(pool, p);
	}
}

/* The state of a pool with nothing allocated. */
static void expect_pool_empty(struct kunit *test, struct h_pool *pool)
{
	struct h_pool_stats st;

	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used_blocks, 0);
	KUNIT_EXPECT_EQ(test, st.used_bytes, 0);
	KUNIT_EXPECT_EQ(test, st.free_blocks, 1);
	KUNIT_EXPECT_EQ(test, st.free_bytes, st.arena_size);
	KUNIT_EXPECT_EQ(test, st.largest_free,
			st.arena_size - H_POOL_HEADER_SIZE);
	KUNIT_EXPECT_EQ(test, st.frag_permille, 0);
	expect_h_pool_consistent(test, pool);
}

/* Every field but the two counters of refused and failed requests. */
static void expect_stats_unchanged(struct kunit *test,
				   const struct h_pool_stats *a,
				   const struct h_pool_stats *b,
				   const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, b->arena_size, a->arena_size, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->used_bytes, a->used_bytes, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->free_bytes, a->free_bytes, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->largest_free, a->largest_free,
			    "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->used_blocks, a->used_blocks, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->free_blocks, a->free_blocks, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->peak_used, a->peak_used, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->header_bytes, a->header_bytes,
			    "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->frag_permille, a->frag_permille,
			    "%s", what);
}

/*
 * Between two snapshots exactly @refused calls were refused as misuse and
 * exactly @failed allocations found no room: each counts once, in its own
 * counter, as struct h_pool_stats defines them.
 */
static void expect_counted(struct kunit *test, const struct h_pool_stats *a,
			   const struct h_pool_stats *b, size_t refused,
			   size_t failed, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, b->refused_calls, a->refused_calls + refused,
			    "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->failed_allocs, a->failed_allocs + failed,
			    "%s", what);
}

/*
 * Allocates @size blocks until one fails, then takes what is left with
 * requests of exactly stats.largest_free, so that used blocks tile the
 * whole arena.  Returns how many blocks, sorted by address.
 */
static unsigned int fill_pool(struct kunit *test, struct h_pool *pool,
			      size_t size, void **ptrs, unsigned int max)
{
	struct h_pool_stats st;
	unsigned int n = 0;
	void *p;

	for (;;) {
		KUNIT_ASSERT_LT(test, n, max);
		p = h_pool_alloc(pool, size);
		if (!p)
			break;
		ptrs[n++] = p;
	}
	for (;;) {
		h_pool_get_stats(pool, &st);
		if (!st.largest_free)
			break;
		KUNIT_ASSERT_LT(test, n, max);
		p = h_pool_alloc(pool, st.largest_free);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p,
					  "a request of largest_free (%zu) failed",
					  st.largest_free);
		ptrs[n++] = p;
	}
	KUNIT_ASSERT_EQ(test, st.free_blocks, 0);
	sort_ptrs(ptrs, n);
	return n;
}

/*
 * Fills a pool of @count blocks that each take MIN_BLOCK + 32 bytes:
 * ptrs[i + 1] is the block right after ptrs[i].
 */
static void **tiled_pool(struct kunit *test, struct h_pool **poolp,
			 unsigned int count)
{
	const size_t block = MIN_BLOCK + 32;
	struct h_pool *pool = kunit_h_pool(test, count * block);
	void **ptrs = kunit_kcalloc(test, count + 1, sizeof(*ptrs), GFP_KERNEL);
	unsigned int n, i;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	n = fill_pool(test, pool, block - H_POOL_HEADER_SIZE, ptrs, count + 1);
	KUNIT_ASSERT_EQ_MSG(test, n, count,
			    "%zu-byte requests do not tile the arena",
			    block - H_POOL_HEADER_SIZE);
	for (i = 0; i + 1 < n; i++)
		KUNIT_ASSERT_EQ(test, (u8 *)ptrs[i + 1] - (u8 *)ptrs[i], block);
	*poolp = pool;
	return ptrs;
}

/* ---------------------------------------------------------------------- */
/* Parameter tables                                                       */
/* ---------------------------------------------------------------------- */

static const size_t h_pool_sizes[] = {
	1, 15, 16, 17, 100, 255, 256, 257, 4095, 4096, 65536,
};

static void h_pool_size_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", *size);
}

KUNIT_ARRAY_PARAM(h_pool_size, h_pool_sizes, h_pool_size_desc);

/* Every power of two up to PAGE_SIZE (all of them with 4 KiB pages). */
static const size_t h_pool_aligns[] = {
	0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, PAGE_SIZE,
};

static void h_pool_align_desc(const size_t *align, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "align %zu", *align);
}

KUNIT_ARRAY_PARAM(h_pool_align, h_pool_aligns, h_pool_align_desc);

struct arena_param {
	size_t request;
	size_t arena;
};

static const struct arena_param h_pool_arenas[] = {
	{ 32, 32 }, { 33, 32 }, { 47, 32 }, { 48, 48 }, { 100, 96 },
	{ 4095, 4080 }, { 4096, 4096 }, { 65537, 65536 },
};

static void h_pool_arena_desc(const struct arena_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "create %zu", p->request);
}

KUNIT_ARRAY_PARAM(h_pool_arena, h_pool_arenas, h_pool_arena_desc);

/* ---------------------------------------------------------------------- */
/* h_pool: the calls doing what they should                               */
/* ---------------------------------------------------------------------- */

static void create_h_pool_rejects_sizes(struct kunit *test)
{
	static const size_t bad[] = {
		0, 1, 16, 31, H_POOL_MAX_SIZE + 1, H_POOL_MAX_SIZE + 16,
		SIZE_MAX,
	};
	struct h_pool *pool;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		pool = create_h_pool(bad[i]);
		KUNIT_EXPECT_NULL_MSG(test, pool, "create_h_pool(%zu)", bad[i]);
		if (pool)
			destroy_h_pool(pool);
	}
	KUNIT_EXPECT_FALSE(test, destroy_h_pool(NULL));

	pool = create_h_pool(4096);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_EXPECT_TRUE(test, destroy_h_pool(pool));
}

static void create_h_pool_arena_size(struct kunit *test)
{
	const struct arena_param *param = test->param_value;
	struct h_pool *pool = kunit_h_pool(test, param->request);
	struct h_pool_stats st;
	size_t arena_size = 0;
	u8 *arena, *p;

	arena = pool_arena(pool, &arena_size);
	KUNIT_ASSERT_NOT_NULL(test, arena);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((uintptr_t)arena, H_POOL_MIN_ALIGN));
	KUNIT_EXPECT_EQ(test, arena_size, param->arena);

	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.arena_size, param->arena);
	KUNIT_EXPECT_EQ(test, st.header_bytes, H_POOL_HEADER_SIZE);
	KUNIT_EXPECT_EQ(test, st.peak_used, 0);
	KUNIT_EXPECT_EQ(test, st.failed_allocs, 0);
	KUNIT_EXPECT_EQ(test, st.refused_calls, 0);
	expect_pool_empty(test, pool);

	/* The arena is one free block, and all of its payload can be had. */
	p = h_pool_alloc(pool, param->arena - H_POOL_HEADER_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, p, arena + H_POOL_HEADER_SIZE);
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used_blocks, 1);
	KUNIT_EXPECT_EQ(test, st.free_blocks, 0);
	KUNIT_EXPECT_EQ(test, st.largest_free, 0);
	KUNIT_EXPECT_EQ(test, st.used_bytes, param->arena);
	KUNIT_EXPECT_EQ(test, st.peak_used, param->arena);
	expect_h_pool_consistent(test, pool);

	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));
	expect_pool_empty(test, pool);
}

static void h_pool_alloc_sizes(struct kunit *test)
{
	const size_t size = *(const size_t *)test->param_value;
	struct h_pool *pool = kunit_h_pool(test, 256 * 1024);
	struct h_pool_stats st;
	void *ptrs[2], *sorted[2];
	size_t usable[2];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ptrs); i++) {
		ptrs[i] = h_pool_alloc(pool, size);
		KUNIT_ASSERT_NOT_NULL(test, ptrs[i]);
		expect_block(test, pool, ptrs[i], size, 0);
		usable[i] = h_pool_usable_size(pool, ptrs[i]);
		fill_pattern(ptrs[i], usable[i], i + 1);
		expect_h_pool_consistent(test, pool);
	}
	for (i = 0; i < ARRAY_SIZE(ptrs); i++)
		expect_pattern(test, ptrs[i], usable[i], i + 1);
	memcpy(sorted, ptrs, sizeof(ptrs));
	expect_disjoint(test, pool, sorted, ARRAY_SIZE(sorted));

	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used_blocks, 2);
	KUNIT_EXPECT_GE(test, st.used_bytes,
			2 * (size + H_POOL_HEADER_SIZE));
	KUNIT_EXPECT_EQ(test, st.peak_used, st.used_bytes);

	for (i = 0; i < ARRAY_SIZE(ptrs); i++)
		KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));
	expect_pool_empty(test, pool);
}

static void h_pool_alloc_rejects_sizes(struct kunit *test)
{
	static const size_t bad[] = {
		0, SIZE_MAX, SIZE_MAX - 15, SIZE_MAX - 16, SIZE_MAX / 2,
		H_POOL_MAX_SIZE + 1,
	};
	struct h_pool *pool = kunit_h_pool(test, 4096);
	struct h_pool_stats before, after;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		h_pool_get_stats(pool, &before);
		KUNIT_EXPECT_NULL_MSG(test, h_pool_alloc(pool, bad[i]),
				      "size %zu", bad[i]);
		h_pool_get_stats(pool, &after);
		expect_stats_unchanged(test, &before, &after, "refused size");
		/* Misuse, not a lack of room. */
		expect_counted(test, &before, &after, 1, 0, "refused size");
	}
	expect_pool_empty(test, pool);

	/* One byte more than the whole arena's payload cannot fit. */
	h_pool_get_stats(pool, &before);
	KUNIT_EXPECT_NULL(test, h_pool_alloc(pool, before.largest_free + 1));
	KUNIT_EXPECT_NULL(test, h_pool_alloc(pool, before.arena_size));
	h_pool_get_stats(pool, &after);
	expect_counted(test, &before, &after, 0, 2, "nothing fits");
	expect_stats_unchanged(test, &before, &after, "nothing fits");
	expect_pool_empty(test, pool);
}

static void h_pool_alloc_aligned_powers(struct kunit *test)
{
	static const size_t sizes[] = { 1, 100, PAGE_SIZE };
	const size_t align = *(const size_t *)test->param_value;
	struct h_pool *pool = kunit_h_pool(test, 64 * 1024);
	void *ptrs[ARRAY_SIZE(sizes) + 1];
	unsigned int i;

	/* Move the free space off the arena's page-aligned start. */
	ptrs[0] = h_pool_alloc(pool, 1);
	KUNIT_ASSERT_NOT_NULL(test, ptrs[0]);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = h_pool_alloc_aligned(pool, sizes[i], align);

		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "size %zu", sizes[i]);
		expect_block(test, pool, p, sizes[i], align);
		fill_pattern(p, sizes[i], i);
		ptrs[i + 1] = p;
		expect_h_pool_consistent(test, pool);
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		expect_pattern(test, ptrs[i + 1], sizes[i], i);
	expect_disjoint(test, pool, ptrs, ARRAY_SIZE(ptrs));

	for (i = 0; i < ARRAY_SIZE(ptrs); i++)
		KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));
	expect_pool_empty(test, pool);
}

static void h_pool_alloc_aligned_rejects(struct kunit *test)
{
	static const size_t bad[] = {
		3, 24, 48, 100, PAGE_SIZE - 1, PAGE_SIZE + 16, 2 * PAGE_SIZE,
		(SIZE_MAX >> 1) + 1, SIZE_MAX,
	};
	struct h_pool *pool = kunit_h_pool(test, 64 * 1024);
	struct h_pool_stats before, after;
	unsigned int i;

	h_pool_get_stats(pool, &before);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_NULL_MSG(test,
				      h_pool_alloc_aligned(pool, 64, bad[i]),
				      "align %zu", bad[i]);
	KUNIT_EXPECT_NULL(test, h_pool_alloc_aligned(pool, 0, 64));
	KUNIT_EXPECT_NULL(test, h_pool_alloc_aligned(pool, SIZE_MAX,
						     PAGE_SIZE));
	KUNIT_EXPECT_NULL(test, h_pool_alloc_aligned(pool, SIZE_MAX - 15, 0));
	h_pool_get_stats(pool, &after);
	expect_stats_unchanged(test, &before, &after, "refused alignment");
	expect_counted(test, &before, &after, ARRAY_SIZE(bad) + 3, 0,
		       "refused alignment");
	expect_pool_empty(test, pool);
}

/*
 * Frees the blocks of a tiled pool in a shuffled order and checks after
 * each free that the free blocks are exactly the runs of freed neighbours.
 */
static void h_pool_dealloc_coalesces(struct kunit *test)
{
	const unsigned int count = 32;
	struct h_pool *pool;
	void **ptrs = tiled_pool(test, &pool, count);
	unsigned int *order = kunit_kcalloc(test, count, sizeof(*order),
					    GFP_KERNEL);
	bool *freed = kunit_kcalloc(test, count, sizeof(*freed), GFP_KERNEL);
	struct h_pool_stats st;
	unsigned int i, j, runs, nfreed;
	size_t run_bytes, largest;
	struct rnd_state rng;

	prandom_seed_state(&rng, 0x1234567);
	KUNIT_ASSERT_NOT_NULL(test, order);
	KUNIT_ASSERT_NOT_NULL(test, freed);
	for (i = 0; i < count; i++)
		order[i] = i;
	for (i = count - 1; i > 0; i--) {
		j = prandom_u32_state(&rng) % (i + 1);
		swap(order[i], order[j]);
	}

	for (nfreed = 1; nfreed <= count; nfreed++) {
		i = order[nfreed - 1];
		KUNIT_ASSERT_TRUE_MSG(test, h_pool_dealloc(pool, ptrs[i]),
				      "free %u of %u: block %u (offset %zu)",
				      nfreed, count, i,
				      arena_offset(pool, ptrs[i]));
		freed[i] = true;

		runs = 0;
		largest = 0;
		run_bytes = 0;
		for (j = 0; j < count; j++) {
			if (!freed[j]) {
				run_bytes = 0;
				continue;
			}
			if (!run_bytes)
				runs++;
			run_bytes += MIN_BLOCK + 32;
			largest = max(largest, run_bytes);
		}
		h_pool_get_stats(pool, &st);
		KUNIT_EXPECT_EQ(test, st.free_blocks, runs);
		KUNIT_EXPECT_EQ(test, st.used_blocks, count - nfreed);
		KUNIT_EXPECT_EQ(test, st.largest_free,
				largest - H_POOL_HEADER_SIZE);
		expect_h_pool_consistent(test, pool);
		if (case_failed(test))
			return;
	}
	expect_pool_empty(test, pool);
}

static void clean_h_ptr_zeroes_usable(struct kunit *test)
{
	const size_t size = *(const size_t *)test->param_value;
	struct h_pool *pool = kunit_h_pool(test, 256 * 1024);
	struct h_pool_stats before, after;
	u8 *before_blk, *blk, *after_blk;
	size_t usable;

	before_blk = h_pool_alloc(pool, 64);
	blk = h_pool_alloc(pool, size);
	after_blk = h_pool_alloc(pool, 64);
	KUNIT_ASSERT_NOT_NULL(test, before_blk);
	KUNIT_ASSERT_NOT_NULL(test, blk);
	KUNIT_ASSERT_NOT_NULL(test, after_blk);
	usable = h_pool_usable_size(pool, blk);
	fill_pattern(before_blk, 64, 1);
	fill_pattern(blk, usable, 2);
	fill_pattern(after_blk, 64, 3);

	h_pool_get_stats(pool, &before);
	KUNIT_EXPECT_TRUE(test, clean_h_ptr(pool, blk));
	h_pool_get_stats(pool, &after);

	KUNIT_EXPECT_TRUE(test, is_zeroed(blk, usable));
	KUNIT_EXPECT_EQ(test, h_pool_usable_size(pool, blk), usable);
	expect_pattern(test, before_blk, 64, 1);
	expect_pattern(test, after_blk, 64, 3);
	expect_stats_unchanged(test, &before, &after, "clean_h_ptr");
	expect_counted(test, &before, &after, 0, 0, "clean_h_ptr");
	expect_h_pool_consistent(test, pool);
}

static void h_pool_stats_peak(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 64 * 1024);
	struct h_pool_stats st, high;
	void *a, *b, *c, *d;

	a = h_pool_alloc(pool, 1000);
	b = h_pool_alloc(pool, 3000);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	h_pool_get_stats(pool, &high);
	KUNIT_EXPECT_EQ(test, high.peak_used, high.used_bytes);
	KUNIT_EXPECT_EQ(test, high.used_blocks, 2);

	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, b));
	c = h_pool_alloc(pool, 100);
	KUNIT_ASSERT_NOT_NULL(test, c);
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_LT(test, st.used_bytes, high.used_bytes);
	KUNIT_EXPECT_EQ(test, st.peak_used, high.used_bytes);

	d = h_pool_alloc(pool, 8000);
	KUNIT_ASSERT_NOT_NULL(test, d);
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_GT(test, st.used_bytes, high.used_bytes);
	KUNIT_EXPECT_EQ(test, st.peak_used, st.used_bytes);
	high = st;

	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, a));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, c));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, d));
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.peak_used, high.peak_used);
	KUNIT_EXPECT_EQ(test, st.failed_allocs, 0);
	KUNIT_EXPECT_EQ(test, st.refused_calls, 0);
	expect_pool_empty(test, pool);
}

/* h_pool_alloc_block() tells a refused request from a full pool. */
static void h_pool_alloc_block_reasons(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 4096);
	struct h_pool_stats st;
	void *ptr = NULL, *big;

	KUNIT_EXPECT_EQ(test, h_pool_alloc_block(pool, 0, 0, &ptr), -EINVAL);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_block(pool, 16, 24, &ptr), -EINVAL);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_block(pool, 16, 2 * PAGE_SIZE, &ptr),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_block(NULL, 16, 0, &ptr), -EINVAL);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_block(pool, 16, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_block(pool, 8192, 0, &ptr), -ENOMEM);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_block(pool, SIZE_MAX, 0, &ptr),
			-ENOMEM);
	KUNIT_EXPECT_NULL(test, ptr);
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.failed_allocs, 1);
	KUNIT_EXPECT_EQ(test, st.refused_calls, 4);

	KUNIT_ASSERT_EQ(test, h_pool_alloc_block(pool, 100, 256, &ptr), 0);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((uintptr_t)ptr, 256));
	KUNIT_EXPECT_GE(test, h_pool_usable_size(pool, ptr), 100);
	KUNIT_ASSERT_EQ(test, h_pool_alloc_block(pool, 16, 0, &big), 0);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((uintptr_t)big, H_POOL_MIN_ALIGN));
	KUNIT_EXPECT_EQ(test, h_pool_free(pool, ptr), 0);
	KUNIT_EXPECT_EQ(test, h_pool_free(pool, big), 0);
	expect_pool_empty(test, pool);
}

static struct kunit_case h_pool_cases[] = {
	KUNIT_CASE(create_h_pool_rejects_sizes),
	KUNIT_CASE_PARAM(create_h_pool_arena_size, h_pool_arena_gen_params),
	KUNIT_CASE_PARAM(h_pool_alloc_sizes, h_pool_size_gen_params),
	KUNIT_CASE(h_pool_alloc_rejects_sizes),
	KUNIT_CASE_PARAM(h_pool_alloc_aligned_powers,
			 h_pool_align_gen_params),
	KUNIT_CASE(h_pool_alloc_aligned_rejects),
	KUNIT_CASE(h_pool_dealloc_coalesces),
	KUNIT_CASE_PARAM(clean_h_ptr_zeroes_usable, h_pool_size_gen_params),
	KUNIT_CASE(h_pool_stats_peak),
	KUNIT_CASE(h_pool_alloc_block_reasons),
	{}
};

static struct kunit_suite h_pool_suite = {
	.name = "h_pool",
	.test_cases = h_pool_cases,
};

/* ---------------------------------------------------------------------- */
/* h_pool_misuse: refused calls change nothing                            */
/* ---------------------------------------------------------------------- */

static u8 outside_buf[256] __aligned(64);

/*
 * h_pool_dealloc(@ptr) must be refused, count one refused call, and leave
 * the pool exactly as it was.
 */
static void expect_dealloc_refused(struct kunit *test, struct h_pool *pool,
				   void *ptr, const char *what)
{
	struct h_pool_stats before, after;

	h_pool_get_stats(pool, &before);
	KUNIT_EXPECT_FALSE_MSG(test, h_pool_dealloc(pool, ptr),
			       "%s was freed", what);
	h_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ_MSG(test, after.refused_calls,
			    before.refused_calls + 1, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, after.failed_allocs, before.failed_allocs,
			    "%s", what);
	expect_stats_unchanged(test, &before, &after, what);
	expect_h_pool_consistent(test, pool);
}

static void h_pool_dealloc_null(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 4096);
	void *p = h_pool_alloc(pool, 100);

	KUNIT_ASSERT_NOT_NULL(test, p);
	fill_pattern(p, 100, 7);
	expect_dealloc_refused(test, pool, NULL, "NULL");
	expect_pattern(test, p, 100, 7);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));
	expect_pool_empty(test, pool);
}

static void h_pool_dealloc_outside(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 4096);
	u8 *heap = kunit_kzalloc(test, 256, GFP_KERNEL);
	size_t arena_size;
	u8 *arena = pool_arena(pool, &arena_size);
	void *p = h_pool_alloc(pool, 100);

	KUNIT_ASSERT_NOT_NULL(test, heap);
	KUNIT_ASSERT_NOT_NULL(test, p);
	fill_pattern(p, 100, 7);

	expect_dealloc_refused(test, pool, outside_buf + 64, "module data");
	expect_dealloc_refused(test, pool, heap + 64, "kmalloc memory");
	expect_dealloc_refused(test, pool, arena - H_POOL_MIN_ALIGN,
			       "just below the arena");
	expect_dealloc_refused(test, pool, arena + arena_size,
			       "the arena's end");
	expect_dealloc_refused(test, pool, arena + arena_size + 16,
			       "past the arena");
	expect_dealloc_refused(test, pool, (void *)(uintptr_t)-16,
			       "the top of the address space");

	expect_pattern(test, p, 100, 7);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));
	expect_pool_empty(test, pool);
}

static void h_pool_dealloc_unaligned(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 4096);
	u8 *p = h_pool_alloc(pool, 100);

	KUNIT_ASSERT_NOT_NULL(test, p);
	fill_pattern(p, 100, 7);
	expect_dealloc_refused(test, pool, p + 1, "p + 1");
	expect_dealloc_refused(test, pool, p + 8, "p + 8");
	expect_dealloc_refused(test, pool, p - 1, "p - 1");
	expect_dealloc_refused(test, pool, p + 15, "p + 15");
	expect_pattern(test, p, 100, 7);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));
	expect_pool_empty(test, pool);
}

static void h_pool_dealloc_interior(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 16 * 1024);
	struct h_pool_extent ext;
	size_t arena_size, cursor, usable;
	u8 *arena = pool_arena(pool, &arena_size);
	u8 *small = h_pool_alloc(pool, 32);
	u8 *big = h_pool_alloc(pool, 1024);
	u8 *free_payload = NULL;

	KUNIT_ASSERT_NOT_NULL(test, small);
	KUNIT_ASSERT_NOT_NULL(test, big);
	usable = h_pool_usable_size(pool, big);
	fill_pattern(big, usable, 9);

	expect_dealloc_refused(test, pool, big + 16, "p + 16");
	expect_dealloc_refused(test, pool, big + 512, "p + 512");
	expect_dealloc_refused(test, pool, big + usable - 16,
			       "the last granule of a block");
	expect_dealloc_refused(test, pool, big - H_POOL_HEADER_SIZE,
			       "a block's header");
	expect_dealloc_refused(test, pool, arena, "the arena's start");

	/* A granule in the middle of the free space. */
	for (cursor = 0; h_pool_walk(pool, &cursor, &ext, 1);) {
		if (!ext.used && ext.size >= 4 * MIN_BLOCK)
			free_payload = arena + ext.offset + 2 * MIN_BLOCK;
	}
	KUNIT_ASSERT_NOT_NULL(test, free_payload);
	expect_dealloc_refused(test, pool, free_payload, "inside free space");

	expect_pattern(test, big, usable, 9);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, big));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, small));
	expect_pool_empty(test, pool);
}

/*
 * A block's payload may hold bytes that look like a header: here, copies of
 * real headers.  A pointer just past them is still not a block.
 */
static void h_pool_dealloc_forged_header(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 16 * 1024);
	u8 *small = h_pool_alloc(pool, 32);
	u8 *big = h_pool_alloc(pool, 1024);
	u8 *other = h_pool_alloc(pool, 1024);
	size_t usable;

	KUNIT_ASSERT_NOT_NULL(test, small);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_ASSERT_NOT_NULL(test, other);
	usable = h_pool_usable_size(pool, big);

	memcpy(big, big - H_POOL_HEADER_SIZE, H_POOL_HEADER_SIZE);
	expect_dealloc_refused(test, pool, big + H_POOL_HEADER_SIZE,
			       "behind a copy of its own block's header");
	memcpy(big + 256, small - H_POOL_HEADER_SIZE, H_POOL_HEADER_SIZE);
	expect_dealloc_refused(test, pool, big + 256 + H_POOL_HEADER_SIZE,
			       "behind a copy of a small block's header");
	memcpy(big + 512, other - H_POOL_HEADER_SIZE, H_POOL_HEADER_SIZE);
	expect_dealloc_refused(test, pool, big + 512 + H_POOL_HEADER_SIZE,
			       "behind a copy of a large block's header");

	KUNIT_EXPECT_EQ(test, h_pool_usable_size(pool, big), usable);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, big));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, other));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, small));
	expect_pool_empty(test, pool);
}

/*
 * Second frees, including of blocks that coalesced into a neighbour and of
 * blocks whose old header now lies inside a newly allocated block.
 */
static void h_pool_dealloc_double_free(struct kunit *test)
{
	struct h_pool *pool;
	void **blk = tiled_pool(test, &pool, 16);
	void *merged;
	unsigned int i;

	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, blk[0]));
	expect_dealloc_refused(test, pool, blk[0], "a freed block");

	/* blk[4] coalesces into the free blk[3] before it. */
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, blk[3]));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, blk[4]));
	expect_dealloc_refused(test, pool, blk[4], "a block merged backwards");
	expect_dealloc_refused(test, pool, blk[3], "a merged run's first block");

	/* blk[8] takes in the free blk[9] after it. */
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, blk[9]));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, blk[8]));
	expect_dealloc_refused(test, pool, blk[9], "a block merged forwards");
	expect_dealloc_refused(test, pool, blk[8], "a freed run's head");

	/* Reuse both runs; the stale headers are now inside used blocks. */
	for (i = 0; i < 2; i++) {
		merged = h_pool_alloc(pool, 2 * (MIN_BLOCK + 32) -
					    H_POOL_HEADER_SIZE);
		KUNIT_ASSERT_NOT_NULL(test, merged);
		KUNIT_EXPECT_TRUE(test, merged == blk[3] || merged == blk[8]);
	}
	expect_dealloc_refused(test, pool, blk[4], "a stale header in a block");
	expect_dealloc_refused(test, pool, blk[9], "a stale header in a block");

	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, blk[3]));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, blk[8]));
	for (i = 1; i < 16; i++) {
		if (i == 3 || i == 4 || i == 8 || i == 9)
			continue;
		KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, blk[i]));
	}
	expect_pool_empty(test, pool);
}

static void h_pool_dealloc_other_pool(struct kunit *test)
{
	struct h_pool *a = kunit_h_pool(test, 4096);
	struct h_pool *b = kunit_h_pool(test, 4096);
	void *pa = h_pool_alloc(a, 100);
	void *pb = h_pool_alloc(b, 100);

	KUNIT_ASSERT_NOT_NULL(test, pa);
	KUNIT_ASSERT_NOT_NULL(test, pb);
	expect_dealloc_refused(test, b, pa, "another pool's block");
	expect_dealloc_refused(test, a, pb, "another pool's block");
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(a, pa));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(b, pb));
	expect_pool_empty(test, a);
	expect_pool_empty(test, b);
}

/* clean and realloc refuse what dealloc refuses, and touch nothing. */
static void h_pool_misuse_other_calls(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 16 * 1024);
	struct h_pool *other = kunit_h_pool(test, 4096);
	struct h_pool_stats before, after;
	u8 *big = h_pool_alloc(pool, 1024);
	u8 *gone = h_pool_alloc(pool, 64);
	u8 *foreign = h_pool_alloc(other, 64);
	u8 *bad[5];
	size_t usable;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_ASSERT_NOT_NULL(test, gone);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, gone));
	usable = h_pool_usable_size(pool, big);
	fill_pattern(big, usable, 11);
	fill_pattern(foreign, 64, 12);

	bad[0] = NULL;
	bad[1] = big + 16;
	bad[2] = big + 1;
	bad[3] = gone;
	bad[4] = foreign;

	h_pool_get_stats(pool, &before);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_FALSE_MSG(test, clean_h_ptr(pool, bad[i]),
				       "clean_h_ptr(bad[%u])", i);
		if (bad[i])
			KUNIT_EXPECT_NULL_MSG(test,
					      h_pool_realloc(pool, bad[i], 32),
					      "h_pool_realloc(bad[%u])", i);
	}
	h_pool_get_stats(pool, &after);
	expect_stats_unchanged(test, &before, &after, "refused clean/realloc");
	/* Every clean, and every realloc but of NULL (an alloc). */
	expect_counted(test, &before, &after, 2 * ARRAY_SIZE(bad) - 1, 0,
		       "refused clean/realloc");

	expect_pattern(test, big, usable, 11);
	expect_pattern(test, foreign, 64, 12);
	expect_h_pool_consistent(test, pool);
	expect_h_pool_consistent(test, other);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, big));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(other, foreign));
	expect_pool_empty(test, pool);
	expect_pool_empty(test, other);
}

/*
 * An owner that writes past its block damages the next header: validate
 * names that block, calls that rely on the header refuse, and once the
 * bytes are put back the pool is whole again.
 */
static void h_pool_validate_detects_overrun(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 4096);
	struct h_pool_fault fault = { };
	u8 saved[H_POOL_HEADER_SIZE];
	u8 *a = h_pool_alloc(pool, 64);
	u8 *b = h_pool_alloc(pool, 64);
	u8 *c = h_pool_alloc(pool, 64);
	size_t usable;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	usable = h_pool_usable_size(pool, a);
	KUNIT_ASSERT_PTR_EQ_MSG(test, a + usable, b - H_POOL_HEADER_SIZE,
				"the blocks are not neighbours");
	expect_h_pool_consistent(test, pool);

	memcpy(saved, b - H_POOL_HEADER_SIZE, sizeof(saved));
	memset(a + usable, 0xee, H_POOL_HEADER_SIZE);

	KUNIT_EXPECT_EQ(test, h_pool_validate(pool, &fault), -EUCLEAN);
	KUNIT_EXPECT_EQ(test, fault.offset,
			arena_offset(pool, b) - H_POOL_HEADER_SIZE);
	KUNIT_EXPECT_NOT_NULL(test, fault.reason);
	KUNIT_EXPECT_EQ(test, h_pool_validate(pool, NULL), -EUCLEAN);
	KUNIT_EXPECT_FALSE(test, h_pool_dealloc(pool, b));
	KUNIT_EXPECT_FALSE(test, h_pool_dealloc(pool, a));
	KUNIT_EXPECT_FALSE(test, h_pool_dealloc(pool, c));
	KUNIT_EXPECT_FALSE(test, reorder_h_mem(pool));

	memcpy(b - H_POOL_HEADER_SIZE, saved, sizeof(saved));
	expect_h_pool_consistent(test, pool);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, a));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, b));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, c));
	expect_pool_empty(test, pool);
}

/*
 * An overrun that rewrites the next header with values that still agree
 * with its neighbours (another alignment the pool hands out): the
 * structural checks of a pool made without H_POOL_KEYED (create_h_pool())
 * cannot tell and free it; a keyed pool refuses the header until it is
 * put back.
 */
static void h_pool_keyed_catches_plausible_rewrite(struct kunit *test)
{
	struct h_pool *plain = kunit_h_pool(test, 4096);
	struct h_pool *keyed = h_pool_create(4096, H_POOL_KEYED);
	struct h_pool *pools[2] = { keyed, plain };
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, keyed);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							destroy_h_pool_action,
							keyed), 0);
	KUNIT_EXPECT_NULL(test, h_pool_create(4096, ~H_POOL_KEYED));
	for (i = 0; i < ARRAY_SIZE(pools); i++) {
		u8 *a = h_pool_alloc(pools[i], 64), *b = h_pool_alloc(pools[i], 64);
		u32 *flags, saved;

		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		/* The third word of a header holds the flags. */
		flags = (u32 *)(b - H_POOL_HEADER_SIZE) + 2;
		saved = *flags;
		*flags ^= BIT(9);
		if (pools[i] == keyed) {
			KUNIT_EXPECT_EQ(test, h_pool_validate(keyed, NULL),
					-EUCLEAN);
			KUNIT_EXPECT_EQ(test, h_pool_free(keyed, b), -EINVAL);
			*flags = saved;
		} else {
			KUNIT_EXPECT_EQ(test, h_pool_validate(plain, NULL), 0);
		}
		KUNIT_EXPECT_EQ(test, h_pool_free(pools[i], b), 0);
		KUNIT_EXPECT_EQ(test, h_pool_free(pools[i], a), 0);
		expect_pool_empty(test, pools[i]);
	}
}

/*
 * A pool with a front cache (H_POOL_CACHE): a freed block waits in the
 * cache and comes back to the next allocation of its size, a second free
 * of it is refused, and a reorder merges what waits, leaving the pool as
 * empty as one without a cache.
 */
static void h_pool_cache_reuses_and_merges(struct kunit *test)
{
	struct h_pool *pool = h_pool_create(1024 * 1024, H_POOL_CACHE);
	struct h_pool_stats st;
	void *a, *b;

	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							destroy_h_pool_action,
							pool), 0);
	a = h_pool_alloc(pool, 100);
	b = h_pool_alloc(pool, 100);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, h_pool_free(pool, a), 0);
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.cached_blocks, 1);
	expect_h_pool_consistent(test, pool);
	KUNIT_EXPECT_EQ(test, h_pool_free(pool, a), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, h_pool_alloc(pool, 100), a);
	KUNIT_EXPECT_EQ(test, h_pool_free(pool, a), 0);
	KUNIT_EXPECT_EQ(test, h_pool_free(pool, b), 0);
	KUNIT_EXPECT_TRUE(test, reorder_h_mem(pool));
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.cached_blocks, 0);
	expect_pool_empty(test, pool);
}

static struct kunit_case h_pool_misuse_cases[] = {
	KUNIT_CASE(h_pool_dealloc_null),
	KUNIT_CASE(h_pool_dealloc_outside),
	KUNIT_CASE(h_pool_dealloc_unaligned),
	KUNIT_CASE(h_pool_dealloc_interior),
	KUNIT_CASE(h_pool_dealloc_forged_header),
	KUNIT_CASE(h_pool_dealloc_double_free),
	KUNIT_CASE(h_pool_dealloc_other_pool),
	KUNIT_CASE(h_pool_misuse_other_calls),
	KUNIT_CASE(h_pool_validate_detects_overrun),
	KUNIT_CASE(h_pool_keyed_catches_plausible_rewrite),
	KUNIT_CASE(h_pool_cache_reuses_and_merges),
	{}
};

static struct kunit_suite h_pool_misuse_suite = {
	.name = "h_pool_misuse",
	.test_cases = h_pool_misuse_cases,
};

/* ---------------------------------------------------------------------- */
/* h_pool_exhaustion: running out, and coming back                       */
/* ---------------------------------------------------------------------- */

static unsigned int fill_small(struct kunit *test, struct h_pool *pool,
			       void **ptrs, unsigned int max)
{
	unsigned int n = 0;
	void *p;

	for (;;) {
		KUNIT_ASSERT_LT(test, n, max);
		p = h_pool_alloc(pool, H_POOL_MIN_ALIGN);
		if (!p)
			break;
		fill_pattern(p, H_POOL_MIN_ALIGN, n);
		ptrs[n++] = p;
	}
	return n;
}

static void h_pool_fill_small_blocks(struct kunit *test)
{
	const size_t arena = 64 * 1024;
	const unsigned int max = arena / MIN_BLOCK + 1;
	struct h_pool *pool = kunit_h_pool(test, arena);
	void **ptrs = kunit_kcalloc(test, max, sizeof(*ptrs), GFP_KERNEL);
	struct h_pool_stats st;
	unsigned int n, again, i;
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	n = fill_small(test, pool, ptrs, max);
	KUNIT_EXPECT_EQ_MSG(test, n, arena / MIN_BLOCK,
			    "16-byte blocks should tile the arena");
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.largest_free, 0);
	KUNIT_EXPECT_EQ(test, st.failed_allocs, 1);
	KUNIT_EXPECT_EQ(test, st.used_blocks, n);
	KUNIT_EXPECT_EQ(test, st.peak_used, st.used_bytes);

	KUNIT_EXPECT_NULL(test, h_pool_alloc(pool, 1));
	KUNIT_EXPECT_NULL(test, h_pool_alloc_aligned(pool, 16, 64));
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.failed_allocs, 3);
	expect_h_pool_consistent(test, pool);

	for (i = 0; i < n; i++)
		expect_pattern(test, ptrs[i], H_POOL_MIN_ALIGN, i);
	expect_disjoint(test, pool, ptrs, n);

	/* Free from both ends towards the middle. */
	for (i = 0; i < n / 2; i++) {
		KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));
		KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, ptrs[n - 1 - i]));
	}
	if (n & 1)
		KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, ptrs[n / 2]));
	expect_pool_empty(test, pool);

	/* One block the size of the arena again. */
	p = h_pool_alloc(pool, arena - H_POOL_HEADER_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));

	again = fill_small(test, pool, ptrs, max);
	KUNIT_EXPECT_EQ(test, again, n);
	for (i = 0; i < again; i++)
		KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));
	expect_pool_empty(test, pool);
}

/*
 * Fills with mixed sizes, frees every other block, and checks that what
 * is left is reported and usable exactly.
 */
static void h_pool_fill_mixed_then_holes(struct kunit *test)
{
	static const size_t sizes[] = { 16, 48, 200, 1000 };
	const size_t arena = 64 * 1024;
	const unsigned int max = arena / MIN_BLOCK + 1;
	struct h_pool *pool = kunit_h_pool(test, arena);
	void **ptrs = kunit_kcalloc(test, max, sizeof(*ptrs), GFP_KERNEL);
	struct h_pool_stats before, st;
	unsigned int n = 0, i;
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	for (;;) {
		KUNIT_ASSERT_LT(test, n, max);
		p = h_pool_alloc(pool, sizes[n % ARRAY_SIZE(sizes)]);
		if (!p)
			break;
		ptrs[n++] = p;
	}
	KUNIT_ASSERT_GT(test, n, 8);
	sort_ptrs(ptrs, n);
	for (i = 0; i < n; i += 2) {
		KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));
		ptrs[i] = NULL;
	}
	expect_h_pool_consistent(test, pool);

	h_pool_get_stats(pool, &before);
	KUNIT_EXPECT_GT(test, before.free_blocks, 1);
	KUNIT_EXPECT_GT(test, before.frag_permille, 0);
	KUNIT_EXPECT_NULL(test, h_pool_alloc(pool, before.largest_free + 1));
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.failed_allocs, before.failed_allocs + 1);

	p = h_pool_alloc(pool, before.largest_free);
	KUNIT_ASSERT_NOT_NULL_MSG(test, p, "largest_free %zu did not fit",
				  before.largest_free);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));

	for (i = 1; i < n; i += 2)
		KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));
	expect_pool_empty(test, pool);
}

/*
 * stats.largest_free is the largest request that succeeds now: it fits,
 * one byte more does not.  Checked over many fragmented states.
 */
static void h_pool_largest_free_exact(struct kunit *test)
{
	const unsigned int slots = 96;
	struct h_pool *pool = kunit_h_pool(test, 32 * 1024);
	void **ptrs = kunit_kcalloc(test, slots, sizeof(*ptrs), GFP_KERNEL);
	struct h_pool_stats st;
	unsigned int round, i;
	struct rnd_state rng;
	void *p;

	prandom_seed_state(&rng, 0xc0ffee);
	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	for (round = 0; round < 200; round++) {
		i = prandom_u32_state(&rng) % slots;
		if (ptrs[i]) {
			KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));
			ptrs[i] = NULL;
		} else {
			ptrs[i] = h_pool_alloc(pool, 1 + prandom_u32_state(&rng) % 700);
		}

		h_pool_get_stats(pool, &st);
		if (st.largest_free) {
			p = h_pool_alloc(pool, st.largest_free + 1);
			KUNIT_EXPECT_NULL_MSG(test, p,
					      "round %u: largest_free %zu + 1 fit",
					      round, st.largest_free);
			if (p)
				h_pool_dealloc(pool, p);
			p = h_pool_alloc(pool, st.largest_free);
			KUNIT_EXPECT_NOT_NULL_MSG(test, p,
						  "round %u: largest_free %zu did not fit",
						  round, st.largest_free);
			if (p)
				KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));
		}
		expect_h_pool_consistent(test, pool);
		if (case_failed(test))
			return;
	}
	for (i = 0; i < slots; i++)
		if (ptrs[i])
			KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));
	expect_pool_empty(test, pool);
}

/* The largest request h_pool.h promises to satisfy, given largest_free. */
static size_t guaranteed_request(size_t largest_free)
{
	size_t units = (largest_free + H_POOL_HEADER_SIZE) / 16;

	return (units * 15 / 16) * 16 - H_POOL_HEADER_SIZE;
}

/*
 * Two free blocks of one size class with the smaller filed in front of the
 * larger: a request of what h_pool.h guarantees for stats.largest_free
 * must still be met.  The pairs are a class's smallest and largest sizes
 * in a TLSF layout of 16 classes per power of two; any allocator that
 * keeps the stats promise passes.
 */
static void h_pool_largest_free_behind_smaller(struct kunit *test)
{
	static const struct {
		size_t smaller;		/* block bytes, header included */
		size_t larger;
	} holes[] = {
		{ 512, 528 }, { 1024, 1072 }, { 2048, 2160 }, { 4096, 4336 },
		{ 8192, 8688 },
	};
	struct h_pool_stats st;
	unsigned int i;
	u8 *a, *b, *c, *larger, *smaller, *p;

	for (i = 0; i < ARRAY_SIZE(holes); i++) {
		struct h_pool *pool = kunit_h_pool(test, 3 * MIN_BLOCK +
						   holes[i].smaller +
						   holes[i].larger);

		a = h_pool_alloc(pool, 16);
		larger = h_pool_alloc(pool, holes[i].larger -
					    H_POOL_HEADER_SIZE);
		b = h_pool_alloc(pool, 16);
		smaller = h_pool_alloc(pool, holes[i].smaller -
					     H_POOL_HEADER_SIZE);
		c = h_pool_alloc(pool, 16);
		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, larger);
		KUNIT_ASSERT_NOT_NULL(test, b);
		KUNIT_ASSERT_NOT_NULL(test, smaller);
		KUNIT_ASSERT_NOT_NULL(test, c);

		/* The smaller hole is freed last, so it is filed first. */
		KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, larger));
		KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, smaller));
		h_pool_get_stats(pool, &st);
		KUNIT_ASSERT_EQ(test, st.free_blocks, 2);
		KUNIT_EXPECT_EQ(test, st.largest_free,
				holes[i].larger - H_POOL_HEADER_SIZE);

		/*
		 * The larger hole is second in its size class, so only what
		 * h_pool.h guarantees holds: a block of 15/16 of it fits.
		 */
		p = h_pool_alloc(pool, guaranteed_request(st.largest_free));
		KUNIT_EXPECT_NOT_NULL_MSG(test, p,
					  "holes of %zu and %zu bytes: %zu of largest_free %zu refused",
					  holes[i].smaller, holes[i].larger,
					  guaranteed_request(st.largest_free),
					  st.largest_free);
		expect_h_pool_consistent(test, pool);
	}
}

static struct kunit_case h_pool_exhaustion_cases[] = {
	KUNIT_CASE(h_pool_fill_small_blocks),
	KUNIT_CASE(h_pool_fill_mixed_then_holes),
	KUNIT_CASE(h_pool_largest_free_exact),
	KUNIT_CASE(h_pool_largest_free_behind_smaller),
	{}
};

static struct kunit_suite h_pool_exhaustion_suite = {
	.name = "h_pool_exhaustion",
	.test_cases = h_pool_exhaustion_cases,
};

/* ---------------------------------------------------------------------- */
/* h_pool_reorder                                                          */
/* ---------------------------------------------------------------------- */

/* Every extent of the pool, in order; returns how many. */
static unsigned int snapshot_walk(struct kunit *test, struct h_pool *pool,
				  struct h_pool_extent *ext, unsigned int max)
{
	size_t cursor = 0;
	unsigned int n = 0, got;

	for (;;) {
		got = h_pool_walk(pool, &cursor, ext + n, max - n);
		if (!got)
			break;
		n += got;
		KUNIT_ASSERT_LT_MSG(test, n, max, "more extents than expected");
	}
	return n;
}

static void reorder_h_mem_empty(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 8192);
	struct h_pool_stats before, after;

	h_pool_get_stats(pool, &before);
	KUNIT_EXPECT_TRUE(test, reorder_h_mem(pool));
	h_pool_get_stats(pool, &after);
	expect_stats_unchanged(test, &before, &after, "reorder");
	expect_pool_empty(test, pool);
}

/*
 * After churn with mixed sizes and alignments, a reorder moves no used
 * block and changes no byte in one.
 */
static void reorder_h_mem_keeps_blocks(struct kunit *test)
{
	const unsigned int slots = 64, max_ext = 2 * 64 + 2;
	struct h_pool *pool = kunit_h_pool(test, 64 * 1024);
	struct h_pool_extent *before_ext, *after_ext;
	struct h_pool_stats before, after;
	void **ptrs;
	size_t *sizes;
	unsigned int i, step, nb, na;
	struct rnd_state rng;

	prandom_seed_state(&rng, 0xabcdef);
	ptrs = kunit_kcalloc(test, slots, sizeof(*ptrs), GFP_KERNEL);
	sizes = kunit_kcalloc(test, slots, sizeof(*sizes), GFP_KERNEL);
	before_ext = kunit_kcalloc(test, max_ext, sizeof(*before_ext),
				   GFP_KERNEL);
	after_ext = kunit_kcalloc(test, max_ext, sizeof(*after_ext),
				  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	KUNIT_ASSERT_NOT_NULL(test, sizes);
	KUNIT_ASSERT_NOT_NULL(test, before_ext);
	KUNIT_ASSERT_NOT_NULL(test, after_ext);

	for (step = 0; step < 400; step++) {
		u32 r = prandom_u32_state(&rng);

		i = r % slots;
		if (ptrs[i]) {
			KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));
			ptrs[i] = NULL;
			continue;
		}
		sizes[i] = 1 + (r >> 8) % 1500;
		ptrs[i] = h_pool_alloc_aligned(pool, sizes[i],
					       (r & 3) ? 0 : 16 << ((r >> 4) & 3));
		if (ptrs[i])
			fill_pattern(ptrs[i], sizes[i], i);
	}
	expect_h_pool_consistent(test, pool);

	h_pool_get_stats(pool, &before);
	nb = snapshot_walk(test, pool, before_ext, max_ext);
	KUNIT_EXPECT_TRUE(test, reorder_h_mem(pool));
	h_pool_get_stats(pool, &after);
	na = snapshot_walk(test, pool, after_ext, max_ext);

	/* Frees coalesce at once, so there is nothing left to merge. */
	expect_stats_unchanged(test, &before, &after, "reorder");
	KUNIT_EXPECT_EQ(test, na, nb);
	for (i = 0; i < min(na, nb); i++) {
		KUNIT_EXPECT_EQ(test, after_ext[i].offset, before_ext[i].offset);
		KUNIT_EXPECT_EQ(test, after_ext[i].size, before_ext[i].size);
		KUNIT_EXPECT_EQ(test, after_ext[i].used, before_ext[i].used);
	}
	expect_h_pool_consistent(test, pool);

	for (i = 0; i < slots; i++) {
		if (!ptrs[i])
			continue;
		expect_pattern(test, ptrs[i], sizes[i], i);
		KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));
	}
	KUNIT_EXPECT_TRUE(test, reorder_h_mem(pool));
	expect_pool_empty(test, pool);
}

static void reorder_h_mem_full_pool(struct kunit *test)
{
	struct h_pool *pool;
	void **blk = tiled_pool(test, &pool, 16);
	unsigned int i;

	for (i = 0; i < 16; i++)
		fill_pattern(blk[i], 32, i);
	KUNIT_EXPECT_TRUE(test, reorder_h_mem(pool));
	for (i = 0; i < 16; i++)
		expect_pattern(test, blk[i], 32, i);
	expect_h_pool_consistent(test, pool);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, blk[i]));
	expect_pool_empty(test, pool);
}

static struct kunit_case h_pool_reorder_cases[] = {
	KUNIT_CASE(reorder_h_mem_empty),
	KUNIT_CASE(reorder_h_mem_keeps_blocks),
	KUNIT_CASE(reorder_h_mem_full_pool),
	{}
};

static struct kunit_suite h_pool_reorder_suite = {
	.name = "h_pool_reorder",
	.test_cases = h_pool_reorder_cases,
};

/* ---------------------------------------------------------------------- */
/* h_pool_realloc                                                          */
/* ---------------------------------------------------------------------- */

static void h_pool_realloc_null_allocates(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 4096);
	struct h_pool_stats st;
	void *p = h_pool_realloc(pool, NULL, 100);

	KUNIT_ASSERT_NOT_NULL(test, p);
	expect_block(test, pool, p, 100, 0);
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used_blocks, 1);
	KUNIT_EXPECT_NULL(test, h_pool_realloc(pool, NULL, 0));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));
	expect_pool_empty(test, pool);
}

static void h_pool_realloc_zero_size(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 4096);
	struct h_pool_stats before, after;
	void *p = h_pool_alloc(pool, 100);
	size_t usable;

	KUNIT_ASSERT_NOT_NULL(test, p);
	usable = h_pool_usable_size(pool, p);
	fill_pattern(p, usable, 5);
	h_pool_get_stats(pool, &before);
	KUNIT_EXPECT_NULL(test, h_pool_realloc(pool, p, 0));
	h_pool_get_stats(pool, &after);
	expect_stats_unchanged(test, &before, &after, "realloc to 0");
	expect_counted(test, &before, &after, 1, 0, "realloc to 0");
	KUNIT_EXPECT_EQ(test, h_pool_usable_size(pool, p), usable);
	expect_pattern(test, p, usable, 5);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));
	expect_pool_empty(test, pool);
}

/* Grow and shrink each table size; contents survive up to the smaller. */
static void h_pool_realloc_resizes(struct kunit *test)
{
	const size_t size = *(const size_t *)test->param_value;
	const size_t bigger = 2 * size + 1, smaller = size / 2 + 1;
	struct h_pool *pool = kunit_h_pool(test, 512 * 1024);
	void *p, *q, *blocker;

	p = h_pool_alloc(pool, size);
	blocker = h_pool_alloc(pool, 16);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, blocker);
	fill_pattern(p, size, 3);

	q = h_pool_realloc(pool, p, size);
	KUNIT_EXPECT_PTR_EQ_MSG(test, q, p, "same size moved the block");

	q = h_pool_realloc(pool, p, bigger);
	KUNIT_ASSERT_NOT_NULL(test, q);
	expect_block(test, pool, q, bigger, 0);
	expect_pattern(test, q, size, 3);
	expect_h_pool_consistent(test, pool);

	p = h_pool_realloc(pool, q, smaller);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ_MSG(test, p, q, "a shrink moved the block");
	expect_block(test, pool, p, smaller, 0);
	expect_pattern(test, p, smaller, 3);
	expect_h_pool_consistent(test, pool);

	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, blocker));
	expect_pool_empty(test, pool);
}

static void h_pool_realloc_grows_in_place(struct kunit *test)
{
	const size_t block = MIN_BLOCK + 32, payload = block - 16;
	struct h_pool *pool;
	void **blk = tiled_pool(test, &pool, 16);
	struct h_pool_stats st;
	void *q;

	fill_pattern(blk[4], payload, 4);
	fill_pattern(blk[6], payload, 6);
	KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, blk[5]));

	/* blk[5]'s whole block joins blk[4]. */
	q = h_pool_realloc(pool, blk[4], payload + block);
	KUNIT_EXPECT_PTR_EQ(test, q, blk[4]);
	KUNIT_EXPECT_GE(test, h_pool_usable_size(pool, blk[4]),
			payload + block);
	expect_pattern(test, blk[4], payload, 4);
	expect_pattern(test, blk[6], payload, 6);
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.free_blocks, 0);
	expect_h_pool_consistent(test, pool);

	/* One byte more fits nowhere: refused, the block intact. */
	KUNIT_EXPECT_NULL(test, h_pool_realloc(pool, blk[4],
					       payload + block + 1));
	expect_pattern(test, blk[4], payload, 4);
	expect_h_pool_consistent(test, pool);

	/* Part of a two-block hole: the rest of it stays free. */
	KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, blk[9]));
	KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, blk[10]));
	fill_pattern(blk[8], payload, 8);
	q = h_pool_realloc(pool, blk[8], payload + 32);
	KUNIT_EXPECT_PTR_EQ(test, q, blk[8]);
	expect_pattern(test, blk[8], payload, 8);
	h_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.free_blocks, 1);
	KUNIT_EXPECT_EQ(test, st.largest_free, 2 * block - 32 - 16);
	expect_h_pool_consistent(test, pool);
}

static void h_pool_realloc_shrinks_in_place(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 16 * 1024);
	struct h_pool_stats before, after;
	void *p = h_pool_alloc(pool, 4000);
	void *blocker = h_pool_alloc(pool, 16);
	void *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, blocker);
	fill_pattern(p, 4000, 1);
	h_pool_get_stats(pool, &before);
	q = h_pool_realloc(pool, p, 100);
	h_pool_get_stats(pool, &after);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	expect_pattern(test, p, 100, 1);
	KUNIT_EXPECT_GE(test, h_pool_usable_size(pool, p), 100);
	KUNIT_EXPECT_LT(test, h_pool_usable_size(pool, p), 4000);
	KUNIT_EXPECT_LE_MSG(test, after.used_bytes + 3800, before.used_bytes,
			    "a shrink did not give its tail back");
	KUNIT_EXPECT_EQ(test, after.used_blocks, before.used_blocks);
	expect_h_pool_consistent(test, pool);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, blocker));
	expect_pool_empty(test, pool);
}

static void h_pool_realloc_moves(struct kunit *test)
{
	const size_t block = MIN_BLOCK + 32, payload = block - 16;
	struct h_pool *pool;
	void **blk = tiled_pool(test, &pool, 16);
	struct h_pool_stats before, after;
	void *q;

	fill_pattern(blk[7], payload, 7);
	fill_pattern(blk[8], payload, 8);
	KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, blk[11]));
	KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, blk[12]));
	KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, blk[13]));

	/* blk[8] is used, so the only room is the blk[11..13] hole. */
	h_pool_get_stats(pool, &before);
	q = h_pool_realloc(pool, blk[7], 2 * block);
	h_pool_get_stats(pool, &after);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_EQ(test, q, blk[11]);
	expect_block(test, pool, q, 2 * block, 0);
	expect_pattern(test, q, payload, 7);
	expect_pattern(test, blk[8], payload, 8);
	KUNIT_EXPECT_EQ(test, after.used_blocks, before.used_blocks);
	expect_dealloc_refused(test, pool, blk[7], "a block realloc moved");
	expect_h_pool_consistent(test, pool);
}

static void h_pool_realloc_keeps_alignment(struct kunit *test)
{
	const size_t align = 256;
	const unsigned int max = 4096 / MIN_BLOCK + 2;
	struct h_pool *pool = kunit_h_pool(test, 4096);
	void **ptrs = kunit_kcalloc(test, max, sizeof(*ptrs), GFP_KERNEL);
	unsigned int n, i, first;
	u8 *p, *q;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	p = h_pool_alloc_aligned(pool, 64, align);
	KUNIT_ASSERT_NOT_NULL(test, p);
	fill_pattern(p, 64, 1);
	n = fill_pool(test, pool, 16, ptrs, max);

	/* Free 32 neighbours (1 KiB) away from p, so that p cannot grow. */
	first = (p - (u8 *)ptrs[0]) > 2048 ? 0 : n - 32;
	for (i = first; i < first + 32; i++)
		KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));

	q = h_pool_realloc(pool, p, 200);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	expect_block(test, pool, q, 200, align);
	expect_pattern(test, q, 64, 1);
	expect_h_pool_consistent(test, pool);
}

static void h_pool_realloc_failure_keeps_block(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 8192);
	struct h_pool_stats before, after;
	void *p = h_pool_alloc(pool, 1000);
	size_t usable;

	KUNIT_ASSERT_NOT_NULL(test, p);
	usable = h_pool_usable_size(pool, p);
	fill_pattern(p, usable, 2);

	h_pool_get_stats(pool, &before);
	KUNIT_EXPECT_NULL(test, h_pool_realloc(pool, p, 8192));
	KUNIT_EXPECT_NULL(test, h_pool_realloc(pool, p, SIZE_MAX));
	KUNIT_EXPECT_NULL(test, h_pool_realloc(pool, p, SIZE_MAX - 15));
	h_pool_get_stats(pool, &after);
	expect_stats_unchanged(test, &before, &after, "refused realloc");
	/* No room for 8192 bytes; the impossible sizes are misuse. */
	expect_counted(test, &before, &after, 2, 1, "refused realloc");

	KUNIT_EXPECT_EQ(test, h_pool_usable_size(pool, p), usable);
	expect_pattern(test, p, usable, 2);
	expect_h_pool_consistent(test, pool);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(pool, p));
	expect_pool_empty(test, pool);
}

static struct kunit_case h_pool_realloc_cases[] = {
	KUNIT_CASE(h_pool_realloc_null_allocates),
	KUNIT_CASE(h_pool_realloc_zero_size),
	KUNIT_CASE_PARAM(h_pool_realloc_resizes, h_pool_size_gen_params),
	KUNIT_CASE(h_pool_realloc_grows_in_place),
	KUNIT_CASE(h_pool_realloc_shrinks_in_place),
	KUNIT_CASE(h_pool_realloc_moves),
	KUNIT_CASE(h_pool_realloc_keeps_alignment),
	KUNIT_CASE(h_pool_realloc_failure_keeps_block),
	{}
};

static struct kunit_suite h_pool_realloc_suite = {
	.name = "h_pool_realloc",
	.test_cases = h_pool_realloc_cases,
};

/* ---------------------------------------------------------------------- */
/* h_pool_batch                                                            */
/* ---------------------------------------------------------------------- */

static void h_pool_batch_roundtrip(struct kunit *test)
{
	static const unsigned int counts[] = { 1, 7, H_POOL_BATCH_MAX };
	const size_t align = *(const size_t *)test->param_value;
	struct h_pool *pool = kunit_h_pool(test, 512 * 1024);
	void **ptrs = kunit_kcalloc(test, H_POOL_BATCH_MAX, sizeof(*ptrs),
				    GFP_KERNEL);
	void **sorted = kunit_kcalloc(test, H_POOL_BATCH_MAX, sizeof(*ptrs),
				      GFP_KERNEL);
	struct h_pool_stats st;
	unsigned int c, i, count;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	KUNIT_ASSERT_NOT_NULL(test, sorted);
	for (c = 0; c < ARRAY_SIZE(counts); c++) {
		count = counts[c];
		ret = h_pool_alloc_batch(pool, 100, align, ptrs, count);
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "count %u", count);
		for (i = 0; i < count; i++) {
			KUNIT_ASSERT_NOT_NULL(test, ptrs[i]);
			expect_block(test, pool, ptrs[i], 100, align);
			fill_pattern(ptrs[i], 100, i);
		}
		memcpy(sorted, ptrs, count * sizeof(*ptrs));
		expect_disjoint(test, pool, sorted, count);
		h_pool_get_stats(pool, &st);
		KUNIT_EXPECT_EQ(test, st.used_blocks, count);
		expect_h_pool_consistent(test, pool);

		for (i = 0; i < count; i++)
			expect_pattern(test, ptrs[i], 100, i);
		ret = h_pool_dealloc_batch(pool, ptrs, count);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "count %u", count);
		expect_pool_empty(test, pool);
	}
}

static void h_pool_alloc_batch_rejects(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 64 * 1024);
	void **ptrs = kunit_kcalloc(test, H_POOL_BATCH_MAX + 1, sizeof(*ptrs),
				    GFP_KERNEL);
	struct h_pool_stats before, after;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	h_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_batch(pool, 64, 0, ptrs, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_batch(pool, 64, 0, ptrs,
						 H_POOL_BATCH_MAX + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_batch(pool, 0, 0, ptrs, 4),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_batch(pool, 64, 3, ptrs, 4),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_batch(pool, 64, 2 * PAGE_SIZE,
						 ptrs, 4),
			-EINVAL);
	/* Sizes no pool can hold: refused, and -ENOMEM as for one block. */
	KUNIT_EXPECT_EQ(test, h_pool_alloc_batch(pool, SIZE_MAX, 0, ptrs, 4),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_batch(pool, SIZE_MAX - 15, 0, ptrs,
						 2),
			-ENOMEM);
	h_pool_get_stats(pool, &after);
	expect_counted(test, &before, &after, 7, 0, "refused batch");
	expect_pool_empty(test, pool);
}

static void h_pool_alloc_batch_all_or_nothing(struct kunit *test)
{
	const size_t size = 256, block = size + H_POOL_HEADER_SIZE;
	const unsigned int fits = 4096 / block;
	struct h_pool *pool = kunit_h_pool(test, 4096);
	void **ptrs = kunit_kcalloc(test, H_POOL_BATCH_MAX, sizeof(*ptrs),
				    GFP_KERNEL);
	struct h_pool_stats before, after;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);

	/* The first fits blocks would succeed; the one after cannot. */
	h_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_batch(pool, size, 0, ptrs,
						 fits + 1),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, h_pool_alloc_batch(pool, size, 0, ptrs,
						 H_POOL_BATCH_MAX),
			-ENOMEM);
	h_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.used_blocks, 0);
	expect_stats_unchanged(test, &before, &after, "failed batch");
	/* One failed allocation per batch, not one per block. */
	expect_counted(test, &before, &after, 0, 2, "failed batch");
	expect_pool_empty(test, pool);

	KUNIT_ASSERT_EQ(test, h_pool_alloc_batch(pool, size, 0, ptrs, fits), 0);
	h_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.used_blocks, fits);
	expect_h_pool_consistent(test, pool);
	KUNIT_EXPECT_EQ(test, h_pool_dealloc_batch(pool, ptrs, fits), 0);
	expect_pool_empty(test, pool);
}

/* A refused free batch frees nothing, wherever the bad entry sits. */
static void h_pool_dealloc_batch_rejects(struct kunit *test)
{
	const unsigned int n = H_POOL_BATCH_MAX;
	struct h_pool *pool = kunit_h_pool(test, 256 * 1024);
	struct h_pool *other = kunit_h_pool(test, 4096);
	void **ptrs = kunit_kcalloc(test, n + 1, sizeof(*ptrs), GFP_KERNEL);
	void **bad = kunit_kcalloc(test, n + 1, sizeof(*bad), GFP_KERNEL);
	struct h_pool_stats before, after;
	void *foreign = h_pool_alloc(other, 64);
	void *freed;
	unsigned int i, pos;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	KUNIT_ASSERT_NOT_NULL(test, bad);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	KUNIT_ASSERT_EQ(test, h_pool_alloc_batch(pool, 200, 0, ptrs, n), 0);
	for (i = 0; i < n; i++)
		fill_pattern(ptrs[i], 200, i);
	freed = h_pool_alloc(pool, 64);
	KUNIT_ASSERT_NOT_NULL(test, freed);
	KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, freed));

	h_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, h_pool_dealloc_batch(pool, ptrs, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, h_pool_dealloc_batch(pool, ptrs, n + 1),
			-EINVAL);
	for (pos = 0; pos < n; pos += n - 1) {
		memcpy(bad, ptrs, n * sizeof(*bad));
		bad[pos] = ptrs[pos ? 0 : n - 1];
		KUNIT_EXPECT_EQ_MSG(test, h_pool_dealloc_batch(pool, bad, n),
				    -EINVAL, "duplicate at %u", pos);
		bad[pos] = (u8 *)ptrs[pos] + 16;
		KUNIT_EXPECT_EQ_MSG(test, h_pool_dealloc_batch(pool, bad, n),
				    -EINVAL, "interior pointer at %u", pos);
		bad[pos] = foreign;
		KUNIT_EXPECT_EQ_MSG(test, h_pool_dealloc_batch(pool, bad, n),
				    -EINVAL, "foreign block at %u", pos);
		bad[pos] = freed;
		KUNIT_EXPECT_EQ_MSG(test, h_pool_dealloc_batch(pool, bad, n),
				    -EINVAL, "freed block at %u", pos);
		bad[pos] = NULL;
		KUNIT_EXPECT_EQ_MSG(test, h_pool_dealloc_batch(pool, bad, n),
				    -EINVAL, "NULL at %u", pos);
	}
	bad[0] = ptrs[0];
	bad[1] = ptrs[0];
	KUNIT_EXPECT_EQ(test, h_pool_dealloc_batch(pool, bad, 2), -EINVAL);
	h_pool_get_stats(pool, &after);
	expect_stats_unchanged(test, &before, &after, "refused free batch");
	/* Two bad counts, five bad entries at each end, one duplicate. */
	expect_counted(test, &before, &after, 2 + 2 * 5 + 1, 0,
		       "refused free batch");

	for (i = 0; i < n; i++)
		expect_pattern(test, ptrs[i], 200, i);
	expect_h_pool_consistent(test, pool);
	KUNIT_EXPECT_EQ(test, h_pool_dealloc_batch(pool, ptrs, n), 0);
	expect_pool_empty(test, pool);
	KUNIT_EXPECT_TRUE(test, h_pool_dealloc(other, foreign));
}

static struct kunit_case h_pool_batch_cases[] = {
	KUNIT_CASE_PARAM(h_pool_batch_roundtrip, h_pool_align_gen_params),
	KUNIT_CASE(h_pool_alloc_batch_rejects),
	KUNIT_CASE(h_pool_alloc_batch_all_or_nothing),
	KUNIT_CASE(h_pool_dealloc_batch_rejects),
	{}
};

static struct kunit_suite h_pool_batch_suite = {
	.name = "h_pool_batch",
	.test_cases = h_pool_batch_cases,
};

/* ---------------------------------------------------------------------- */
/* h_pool_rw: h_pool_read() and h_pool_write()                             */
/* ---------------------------------------------------------------------- */

static void h_pool_rw_roundtrip(struct kunit *test)
{
	const size_t size = *(const size_t *)test->param_value;
	struct h_pool *pool = kunit_h_pool(test, 256 * 1024);
	u8 *p = h_pool_alloc(pool, size);
	size_t usable, half;
	u8 *buf, *back;

	KUNIT_ASSERT_NOT_NULL(test, p);
	usable = h_pool_usable_size(pool, p);
	buf = kunit_kmalloc(test, usable, GFP_KERNEL);
	back = kunit_kzalloc(test, usable, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, back);

	fill_pattern(buf, usable, 21);
	KUNIT_EXPECT_EQ(test, h_pool_write(pool, p, 0, buf, usable), 0);
	expect_pattern(test, p, usable, 21);
	KUNIT_EXPECT_EQ(test, h_pool_read(pool, p, 0, back, usable), 0);
	KUNIT_EXPECT_MEMEQ(test, back, buf, usable);

	/* The second half, then an unaligned read across both halves. */
	half = usable / 2;
	fill_pattern(buf, usable - half, 22);
	KUNIT_EXPECT_EQ(test, h_pool_write(pool, p, half, buf, usable - half),
			0);
	expect_pattern(test, p, half, 21);
	expect_pattern(test, p + half, usable - half, 22);
	memset(back, 0, usable);
	KUNIT_EXPECT_EQ(test, h_pool_read(pool, p, 1, back, usable - 1), 0);
	KUNIT_EXPECT_MEMEQ(test, back, p + 1, usable - 1);

	/* Empty transfers at the very end are in bounds. */
	KUNIT_EXPECT_EQ(test, h_pool_write(pool, p, usable, buf, 0), 0);
	KUNIT_EXPECT_EQ(test, h_pool_read(pool, p, usable, back, 0), 0);
	expect_h_pool_consistent(test, pool);
}

static void h_pool_rw_bounds(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 16 * 1024);
	struct h_pool_stats before, after;
	u8 *p = h_pool_alloc(pool, 100);
	u8 *next = h_pool_alloc(pool, 100);
	size_t usable;
	u8 *buf;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, next);
	usable = h_pool_usable_size(pool, p);
	buf = kunit_kzalloc(test, usable + 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	fill_pattern(p, usable, 31);
	fill_pattern(next, 100, 32);

	{
		const struct {
			size_t pos;
			size_t len;
		} oob[] = {
			{ 0, usable + 1 },
			{ usable - 1, 2 },
			{ usable, 1 },
			{ usable + 1, 0 },
			{ SIZE_MAX, 2 },
			{ 1, SIZE_MAX },
			{ SIZE_MAX - 7, 16 },
		};

		h_pool_get_stats(pool, &before);
		for (i = 0; i < ARRAY_SIZE(oob); i++) {
			KUNIT_EXPECT_EQ_MSG(test,
					    h_pool_write(pool, p, oob[i].pos,
							 buf, oob[i].len),
					    -EINVAL, "write pos %zu len %zu",
					    oob[i].pos, oob[i].len);
			KUNIT_EXPECT_EQ_MSG(test,
					    h_pool_read(pool, p, oob[i].pos,
							buf, oob[i].len),
					    -EINVAL, "read pos %zu len %zu",
					    oob[i].pos, oob[i].len);
		}
	}
	h_pool_get_stats(pool, &after);
	expect_stats_unchanged(test, &before, &after, "refused read/write");
	expect_counted(test, &before, &after, 2 * 7, 0, "refused read/write");

	expect_pattern(test, p, usable, 31);
	expect_pattern(test, next, 100, 32);
	expect_h_pool_consistent(test, pool);
}

static void h_pool_rw_not_live(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 16 * 1024);
	struct h_pool *other = kunit_h_pool(test, 4096);
	size_t arena_size;
	u8 *arena = pool_arena(pool, &arena_size);
	u8 *big = h_pool_alloc(pool, 1024);
	u8 *gone = h_pool_alloc(pool, 64);
	u8 *foreign = h_pool_alloc(other, 64);
	struct h_pool_stats before, after;
	u8 buf[16] = { };
	u8 *bad[6];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_ASSERT_NOT_NULL(test, gone);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, gone));
	fill_pattern(big, 1024, 41);
	fill_pattern(foreign, 64, 42);

	bad[0] = NULL;
	bad[1] = gone;
	bad[2] = big + 16;
	bad[3] = big + 1;
	bad[4] = foreign;
	bad[5] = arena;
	h_pool_get_stats(pool, &before);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, h_pool_write(pool, bad[i], 0, buf, 8),
				    -EINVAL, "write to bad[%u]", i);
		KUNIT_EXPECT_EQ_MSG(test, h_pool_read(pool, bad[i], 0, buf, 8),
				    -EINVAL, "read from bad[%u]", i);
	}
	h_pool_get_stats(pool, &after);
	expect_stats_unchanged(test, &before, &after, "access to no block");
	expect_counted(test, &before, &after, 2 * ARRAY_SIZE(bad), 0,
		       "access to no block");
	expect_pattern(test, big, 1024, 41);
	expect_pattern(test, foreign, 64, 42);
	expect_h_pool_consistent(test, pool);
	expect_h_pool_consistent(test, other);
}

/*
 * Holds, as the device takes them around a copy to or from user memory:
 * a shared hold admits readers and refuses every change with -EBUSY, and
 * once a change was refused, new readers too until the hold is gone; a
 * hold alone refuses readers too.  Refusals for a hold are contention,
 * not misuse: nothing is counted or changed.  Taken and checked with
 * interrupts off, as from an interrupt handler.
 */
static void h_pool_rw_holds(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 256 * 1024);
	size_t big_len = 3 * PAGE_SIZE + 16, usable = 0;
	u8 *big = h_pool_alloc(pool, big_len), *other = h_pool_alloc(pool, 64);
	struct h_pool_stats before, after;
	void *batch[2] = { other, big };
	unsigned long flags;
	void *moved = NULL;
	u8 buf[32] = { };

	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_ASSERT_NOT_NULL(test, other);
	fill_pattern(big, big_len, 51);
	KUNIT_ASSERT_EQ(test, h_pool_hold(pool, big, false, &usable), 0);
	KUNIT_EXPECT_EQ(test, usable, h_pool_usable_size(pool, big));
	h_pool_get_stats(pool, &before);
	local_irq_save(flags);
	KUNIT_EXPECT_EQ(test, h_pool_read(pool, big, 0, buf, 8), 0);
	KUNIT_EXPECT_EQ(test, h_pool_free(pool, big), -EBUSY);
	KUNIT_EXPECT_EQ(test, h_pool_resize(pool, big, 16, &moved), -EBUSY);
	KUNIT_EXPECT_EQ(test, h_pool_clean(pool, big, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, h_pool_write(pool, big, 0, buf, 8), -EBUSY);
	KUNIT_EXPECT_EQ(test, h_pool_hold(pool, big, true, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, h_pool_dealloc_batch(pool, batch, 2), -EBUSY);
	/* A writer was refused: no new reader until the readers are gone. */
	KUNIT_EXPECT_EQ(test, h_pool_read(pool, big, 0, buf, 8), -EBUSY);
	local_irq_restore(flags);
	h_pool_get_stats(pool, &after);
	expect_stats_unchanged(test, &before, &after, "calls refused as busy");
	expect_counted(test, &before, &after, 0, 0, "calls refused as busy");
	expect_pattern(test, big, big_len, 51);
	expect_h_pool_consistent(test, pool);
	KUNIT_EXPECT_EQ(test, h_pool_unhold(pool, big, false), 0);
	KUNIT_EXPECT_EQ(test, h_pool_unhold(pool, big, false), -EINVAL);

	KUNIT_ASSERT_EQ(test, h_pool_hold(pool, big, true, NULL), 0);
	fill_pattern(big, big_len, 52);
	KUNIT_EXPECT_EQ(test, h_pool_read(pool, big, 0, buf, 8), -EBUSY);
	KUNIT_EXPECT_EQ(test, h_pool_hold(pool, big, false, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, h_pool_unhold(pool, big, true), 0);
	expect_pattern(test, big, big_len, 52);
	KUNIT_EXPECT_EQ(test, h_pool_dealloc_batch(pool, batch, 2), 0);
	expect_pool_empty(test, pool);
}

static struct kunit_case h_pool_rw_cases[] = {
	KUNIT_CASE_PARAM(h_pool_rw_roundtrip, h_pool_size_gen_params),
	KUNIT_CASE(h_pool_rw_bounds),
	KUNIT_CASE(h_pool_rw_not_live),
	KUNIT_CASE(h_pool_rw_holds),
	{}
};

static struct kunit_suite h_pool_rw_suite = {
	.name = "h_pool_rw",
	.test_cases = h_pool_rw_cases,
};

/* ---------------------------------------------------------------------- */
/* h_pool_walk                                                             */
/* ---------------------------------------------------------------------- */

static void h_pool_walk_fresh(struct kunit *test)
{
	struct h_pool *pool = kunit_h_pool(test, 8192);
	struct h_pool_extent ext[2];
	size_t cursor = 0;

	KUNIT_ASSERT_EQ(test, h_pool_walk(pool, &cursor, ext, 2), 1);
	KUNIT_EXPECT_EQ(test, ext[0].offset, 0);
	KUNIT_EXPECT_EQ(test, ext[0].size, 8192);
	KUNIT_EXPECT_FALSE(test, ext[0].used);
	KUNIT_EXPECT_EQ(test, cursor, 8192);
	KUNIT_EXPECT_EQ(test, h_pool_walk(pool, &cursor, ext, 2), 0);
	KUNIT_EXPECT_EQ(test, cursor, 8192);
}

/*
 * The used extents are exactly the live blocks, each as large as its
 * header and usable bytes, and the walk comes out the same whatever the
 * batch size.
 */
static void h_pool_walk_tiles(struct kunit *test)
{
	const unsigned int slots = 40, max_ext = 2 * 40 + 2;
	struct h_pool *pool = kunit_h_pool(test, 128 * 1024);
	struct h_pool_extent *ext, *one;
	struct h_walk_totals by1, by3, by8;
	size_t arena_size, cursor;
	u8 *arena = pool_arena(pool, &arena_size);
	void **ptrs;
	unsigned int i, j, n, used = 0, live = 0;

	ptrs = kunit_kcalloc(test, slots, sizeof(*ptrs), GFP_KERNEL);
	ext = kunit_kcalloc(test, max_ext, sizeof(*ext), GFP_KERNEL);
	one = kunit_kcalloc(test, max_ext, sizeof(*one), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	KUNIT_ASSERT_NOT_NULL(test, ext);
	KUNIT_ASSERT_NOT_NULL(test, one);

	for (i = 0; i < slots; i++) {
		ptrs[i] = h_pool_alloc_aligned(pool, 20 + 37 * i,
					       (i % 3) ? 0 : 64 << (i % 4));
		KUNIT_ASSERT_NOT_NULL(test, ptrs[i]);
	}
	for (i = 0; i < slots; i += 3) {
		KUNIT_ASSERT_TRUE(test, h_pool_dealloc(pool, ptrs[i]));
		ptrs[i] = NULL;
	}

	h_walk_pool(test, pool, 1, &by1);
	h_walk_pool(test, pool, 3, &by3);
	h_walk_pool(test, pool, 8, &by8);
	KUNIT_EXPECT_EQ(test, by1.extents, by8.extents);
	KUNIT_EXPECT_EQ(test, by3.extents, by8.extents);
	KUNIT_EXPECT_EQ(test, by1.free_bytes, by8.free_bytes);

	n = snapshot_walk(test, pool, ext, max_ext);
	for (i = 0; i < n; i++) {
		if (!ext[i].used)
			continue;
		used++;
		for (j = 0; j < slots; j++)
			if (ptrs[j] == arena + ext[i].offset +
				       H_POOL_HEADER_SIZE)
				break;
		KUNIT_EXPECT_LT_MSG(test, j, slots,
				    "used extent at %zu is no live block",
				    ext[i].offset);
		if (j < slots)
			KUNIT_EXPECT_EQ(test, ext[i].size,
					h_pool_usable_size(pool, ptrs[j]) +
					H_POOL_HEADER_SIZE);
	}
	for (j = 0; j < slots; j++)
		live += !!ptrs[j];
	KUNIT_EXPECT_EQ(test, used, live);

	/* Resuming at any extent gives the same tail. */
	for (i = 0; i < n; i += 5) {
		cursor = ext[i].offset;
		KUNIT_ASSERT_EQ(test, h_pool_walk(pool, &cursor, one, 1), 1);
		KUNIT_EXPECT_EQ(test, one[0].offset, ext[i].offset);
		KUNIT_EXPECT_EQ(test, one[0].size, ext[i].size);
		KUNIT_EXPECT_EQ(test, one[0].used, ext[i].used);
		KUNIT_EXPECT_EQ(test, cursor, ext[i].offset + ext[i].size);
	}
	expect_h_pool_consistent(test, pool);
}

static struct kunit_case h_pool_walk_cases[] = {
	KUNIT_CASE(h_pool_walk_fresh),
	KUNIT_CASE(h_pool_walk_tiles),
	{}
};

static struct kunit_suite h_pool_walk_suite = {
	.name = "h_pool_walk",
	.test_cases = h_pool_walk_cases,
};

/* ---------------------------------------------------------------------- */
/* h_pool_atomic: with interrupts off and in hard interrupt context       */
/* ---------------------------------------------------------------------- */

/*
 * One round of every call but create and destroy, recorded rather than
 * checked: KUnit's expectations may sleep, so they run afterwards.
 */
struct irq_round {
	struct h_pool *pool;
	bool irqs_off;
	void *small;
	void *aligned;
	void *grown;
	void *batch[8];
	size_t grown_usable;
	bool cleaned;
	bool zeroed;
	int wrote;
	int read;
	int batch_alloc;
	int batch_free;
	bool reordered;
	struct h_pool_stats stats;
	unsigned int extents;
	int validated;
	struct h_pool_fault fault;
	bool freed_aligned;
	bool freed_grown;
	u8 data[64];
	u8 back[64];
};

static void irq_round_run(void *arg)
{
	struct irq_round *r = arg;
	struct h_pool_extent ext[4];
	size_t cursor = 0;
	unsigned int n;

	r->irqs_off = irqs_disabled();

	r->small = h_pool_alloc(r->pool, 48);
	r->aligned = h_pool_alloc_aligned(r->pool, 64, 256);
	/* Larger than a clean or copy step: the lock is dropped in between. */
	r->grown = h_pool_realloc(r->pool, r->small, 3 * 4096 + 100);
	if (r->grown) {
		r->grown_usable = h_pool_usable_size(r->pool, r->grown);
		memset(r->grown, 0xa5, r->grown_usable);
		r->cleaned = clean_h_ptr(r->pool, r->grown);
		r->zeroed = is_zeroed(r->grown, r->grown_usable);
	}

	fill_pattern(r->data, sizeof(r->data), 51);
	r->wrote = h_pool_write(r->pool, r->aligned, 0, r->data,
				sizeof(r->data));
	r->read = h_pool_read(r->pool, r->aligned, 0, r->back,
			      sizeof(r->back));

	r->batch_alloc = h_pool_alloc_batch(r->pool, 32, 0, r->batch,
					    ARRAY_SIZE(r->batch));
	r->batch_free = r->batch_alloc ?:
			h_pool_dealloc_batch(r->pool, r->batch,
					     ARRAY_SIZE(r->batch));
	r->reordered = reorder_h_mem(r->pool);

	h_pool_get_stats(r->pool, &r->stats);
	do {
		n = h_pool_walk(r->pool, &cursor, ext, ARRAY_SIZE(ext));
		r->extents += n;
	} while (n);
	r->validated = h_pool_validate(r->pool, &r->fault);

	r->freed_aligned = h_pool_dealloc(r->pool, r->aligned);
	r->freed_grown = h_pool_dealloc(r->pool, r->grown);
}

static void irq_round_check(struct kunit *test, struct irq_round *r)
{
	KUNIT_EXPECT_TRUE(test, r->irqs_off);
	KUNIT_EXPECT_NOT_NULL(test, r->small);
	KUNIT_EXPECT_NOT_NULL(test, r->aligned);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((uintptr_t)r->aligned, 256));
	KUNIT_EXPECT_NOT_NULL(test, r->grown);
	KUNIT_EXPECT_GE(test, r->grown_usable, 3 * 4096 + 100);
	KUNIT_EXPECT_TRUE(test, r->cleaned);
	KUNIT_EXPECT_TRUE(test, r->zeroed);
	KUNIT_EXPECT_EQ(test, r->wrote, 0);
	KUNIT_EXPECT_EQ(test, r->read, 0);
	KUNIT_EXPECT_MEMEQ(test, r->back, r->data, sizeof(r->data));
	KUNIT_EXPECT_EQ(test, r->batch_alloc, 0);
	KUNIT_EXPECT_EQ(test, r->batch_free, 0);
	KUNIT_EXPECT_TRUE(test, r->reordered);
	KUNIT_EXPECT_EQ(test, r->stats.used_blocks, 2);
	KUNIT_EXPECT_EQ(test, r->extents,
			r->stats.used_blocks + r->stats.free_blocks);
	KUNIT_EXPECT_EQ_MSG(test, r->validated, 0, "offset %zu: %s",
			    r->fault.offset, r->fault.reason ?: "(no reason)");
	KUNIT_EXPECT_TRUE(test, r->freed_aligned);
	KUNIT_EXPECT_TRUE(test, r->freed_grown);
	expect_pool_empty(test, r->pool);
}

/* Under another irqsave spinlock: the pool lock nests inside it. */
static void h_pool_calls_irqs_disabled(struct kunit *test)
{
	struct irq_round *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->pool = kunit_h_pool(test, 64 * 1024);
	run_under_raw_lock(irq_round_run, r);
	irq_round_check(test, r);
}

/* From an hrtimer that expires in hard interrupt context. */
static void h_pool_calls_hardirq(struct kunit *test)
{
	struct irq_round *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->pool = kunit_h_pool(test, 64 * 1024);
	run_in_hardirq(test, irq_round_run, r);
	irq_round_check(test, r);
}

static struct kunit_case h_pool_atomic_cases[] = {
	KUNIT_CASE(h_pool_calls_irqs_disabled),
	KUNIT_CASE(h_pool_calls_hardirq),
	{}
};

static struct kunit_suite h_pool_atomic_suite = {
	.name = "h_pool_atomic",
	.test_cases = h_pool_atomic_cases,
};

/* ---------------------------------------------------------------------- */
/* h_pool_random: a seeded mixed workload                                  */
/* ---------------------------------------------------------------------- */

#define RANDOM_SLOTS	64
#define RANDOM_BATCH	8
#define RANDOM_STEPS	3000
#define RANDOM_MAX_SIZE	16384

/* The pool and its reference model (ckremm/model/h_pool_model.h). */
struct random_run {
	struct kunit *test;
	struct h_pool *pool;
	struct h_model hm;
	struct rnd_state rng;
	u8 *scratch;
};

KUNIT_DEFINE_ACTION_WRAPPER(h_model_destroy_action, h_model_destroy,
			    struct h_model *);

static size_t random_size(struct rnd_state *rng)
{
	u32 r = prandom_u32_state(rng);

	switch (r & 7) {
	case 0:
		return 1 + (r >> 3) % RANDOM_MAX_SIZE;
	case 1:
	case 2:
		return 1 + (r >> 3) % 1024;
	default:
		return 1 + (r >> 3) % 128;
	}
}

static size_t random_align(struct rnd_state *rng)
{
	u32 r = prandom_u32_state(rng);

	if (r & 3)
		return 0;
	return (size_t)1 << ((r >> 2) % (PAGE_SHIFT + 1));
}

/* Block @i holds, at @p, the bytes the model says, and overlaps no other. */
static void random_expect_block(struct random_run *run, unsigned int i,
				const u8 *p)
{
	const struct h_model_block *b = &run->hm.b[i];
	size_t bad = h_model_diff(&run->hm, i, p, 0, b->usable);
	int other = h_model_overlap(&run->hm, i);

	KUNIT_EXPECT_EQ_MSG(run->test, bad, b->usable,
			    "block at %zu changed at byte %zu of %zu",
			    arena_offset(run->pool, p), bad, b->usable);
	KUNIT_EXPECT_LT_MSG(run->test, other, 0,
			    "blocks at %zu and %zu overlap",
			    arena_offset(run->pool, p),
			    other < 0 ? 0 : arena_offset(run->pool,
							 run->hm.b[other].ptr));
}

/* A block the pool handed out joins the model with fresh contents. */
static void random_take(struct random_run *run, u8 *p, size_t size,
			size_t align)
{
	struct h_model_block *b;

	expect_block(run->test, run->pool, p, size, align);
	b = h_model_add(&run->hm, p, size, align,
			h_pool_usable_size(run->pool, p));
	KUNIT_ASSERT_NOT_NULL(run->test, b);
	memcpy(p, b->bytes, b->usable);
	random_expect_block(run, run->hm.n - 1, p);
}

static void random_alloc(struct random_run *run)
{
	struct kunit *test = run->test;
	size_t size = random_size(&run->rng);
	size_t align = random_align(&run->rng);
	struct h_pool_stats before, after;
	u8 *p;

	h_pool_get_stats(run->pool, &before);
	p = align ? h_pool_alloc_aligned(run->pool, size, align) :
		    h_pool_alloc(run->pool, size);
	if (!p) {
		h_pool_get_stats(run->pool, &after);
		KUNIT_EXPECT_EQ(test, after.failed_allocs,
				before.failed_allocs + 1);
		if (align <= H_POOL_MIN_ALIGN)
			KUNIT_EXPECT_GT_MSG(test, size, before.largest_free,
					    "alloc(%zu) failed, largest_free %zu",
					    size, before.largest_free);
		return;
	}
	random_take(run, p, size, align);
}

static void random_realloc(struct random_run *run, unsigned int i)
{
	struct kunit *test = run->test;
	struct h_model_block *b = &run->hm.b[i];
	size_t size = random_size(&run->rng), usable = b->usable, keep, bad;
	u8 *q;

	q = h_pool_realloc(run->pool, b->ptr, size);
	if (!q) {
		KUNIT_EXPECT_GT_MSG(test, size, usable,
				    "realloc(%zu) of a %zu-byte block failed",
				    size, usable);
		KUNIT_EXPECT_EQ(test, h_pool_usable_size(run->pool, b->ptr),
				usable);
		random_expect_block(run, i, b->ptr);
		return;
	}
	if (size <= usable)
		KUNIT_EXPECT_PTR_EQ_MSG(test, q, b->ptr,
					"realloc(%zu) of a %zu-byte block moved it",
					size, usable);
	expect_block(test, run->pool, q, size, b->align);
	usable = h_pool_usable_size(run->pool, q);
	keep = h_model_realloc_keeps(b, q, size, usable);
	bad = h_model_diff(&run->hm, i, q, 0, keep);
	KUNIT_EXPECT_EQ_MSG(test, bad, keep,
			    "realloc(%zu) lost byte %zu of the %zu kept",
			    size, bad, keep);
	KUNIT_ASSERT_EQ(test, h_model_resize(&run->hm, i, q, size, usable,
					     keep), 0);
	memcpy(q + keep, b->bytes + keep, usable - keep);
	random_expect_block(run, i, q);
}

static void random_rw(struct random_run *run, unsigned int i)
{
	struct kunit *test = run->test;
	struct h_model_block *b = &run->hm.b[i];
	size_t pos = prandom_u32_state(&run->rng) % b->usable;
	size_t len = prandom_u32_state(&run->rng) % (b->usable - pos + 1);
	size_t bad;

	/* What the read gives is the model's bytes, not just the block's. */
	KUNIT_EXPECT_EQ(test, h_pool_read(run->pool, b->ptr, pos,
					  run->scratch, len), 0);
	bad = h_model_diff(&run->hm, i, run->scratch, pos, len);
	KUNIT_EXPECT_EQ_MSG(test, bad, len, "read of %zu bytes at %zu", len,
			    pos);

	h_model_refill(&run->hm, i, 0);
	KUNIT_EXPECT_EQ(test, h_pool_write(run->pool, b->ptr, 0, b->bytes,
					   b->usable), 0);
	KUNIT_EXPECT_EQ(test, h_pool_write(run->pool, b->ptr, b->usable - 1,
					   run->scratch, 2), -EINVAL);
	random_expect_block(run, i, b->ptr);
}

static void random_clean(struct random_run *run, unsigned int i)
{
	struct h_model_block *b = &run->hm.b[i];

	KUNIT_EXPECT_TRUE(run->test, clean_h_ptr(run->pool, b->ptr));
	KUNIT_EXPECT_EQ(run->test, h_pool_usable_size(run->pool, b->ptr),
			b->usable);
	h_model_clean(&run->hm, i);
	random_expect_block(run, i, b->ptr);
	h_model_refill(&run->hm, i, 0);
	memcpy(b->ptr, b->bytes, b->usable);
}

static void random_free(struct random_run *run, unsigned int i)
{
	random_expect_block(run, i, run->hm.b[i].ptr);
	KUNIT_EXPECT_TRUE(run->test, h_pool_dealloc(run->pool,
						    run->hm.b[i].ptr));
	h_model_remove(&run->hm, i);
}

/* A batch joins the model, is checked against it, and goes again. */
static void random_batch(struct random_run *run)
{
	struct kunit *test = run->test;
	unsigned int n = 1 + prandom_u32_state(&run->rng) % RANDOM_BATCH, i;
	size_t size = 1 + prandom_u32_state(&run->rng) % 256;
	size_t align = random_align(&run->rng);
	void *ptrs[RANDOM_BATCH];
	int ret;

	ret = h_pool_alloc_batch(run->pool, size, align, ptrs, n);
	if (ret) {
		KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
		return;
	}
	for (i = 0; i < n; i++)
		random_take(run, ptrs[i], size, align);
	for (i = 0; i < n; i++)
		random_expect_block(run, run->hm.n - n + i, ptrs[i]);
	KUNIT_EXPECT_EQ(test, h_pool_dealloc_batch(run->pool, ptrs, n), 0);
	for (i = 0; i < n; i++)
		h_model_remove(&run->hm, run->hm.n - 1);
}

/* Every block as the model says, and a walk shows exactly the model's. */
static void random_check_all(struct random_run *run)
{
	struct h_pool_extent *ext;
	struct h_pool_stats st;
	size_t arena, cursor = 0, n = 0, room = 2 * run->hm.n + 2;
	unsigned int i, got;

	for (i = 0; i < run->hm.n; i++)
		random_expect_block(run, i, run->hm.b[i].ptr);
	h_pool_get_stats(run->pool, &st);
	KUNIT_EXPECT_EQ(run->test, st.used_blocks, run->hm.n);
	KUNIT_EXPECT_EQ(run->test, st.used_bytes, run->hm.used_bytes);
	ext = kunit_kcalloc(run->test, room, sizeof(*ext), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(run->test, ext);
	h_pool_arena(run->pool, &arena);
	do {
		got = h_pool_walk(run->pool, &cursor, ext + n, room - n);
		n += got;
	} while (got && cursor < arena && n < room);
	KUNIT_EXPECT_EQ(run->test, h_model_match_walk(&run->hm, ext, n), n + 1);
	kunit_kfree(run->test, ext);
}

static void random_step(struct random_run *run)
{
	u32 r = prandom_u32_state(&run->rng);
	unsigned int i = r % RANDOM_SLOTS;

	r >>= 8;
	if (r % 32 == 0) {
		KUNIT_EXPECT_TRUE(run->test, reorder_h_mem(run->pool));
		random_check_all(run);
		return;
	}
	if (r % 32 == 1) {
		random_batch(run);
		return;
	}
	if (i >= run->hm.n) {
		random_alloc(run);
		return;
	}

	switch (r % 8) {
	case 0:
	case 1:
	case 2:
		random_free(run, i);
		break;
	case 3:
	case 4:
		random_realloc(run, i);
		break;
	case 5:
		random_clean(run, i);
		break;
	default:
		random_rw(run, i);
		break;
	}
}

KUNIT_ARRAY_PARAM(h_pool_random_seed, ckremm_kunit_seeds,
		  ckremm_kunit_seed_desc);

static void h_pool_random_workload(struct kunit *test)
{
	struct random_run *run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	struct h_pool_stats st;
	unsigned int step;

	KUNIT_ASSERT_NOT_NULL(test, run);
	run->test = test;
	prandom_seed_state(&run->rng, *(const u32 *)test->param_value);
	/* Small enough that the larger requests sometimes find no room. */
	run->pool = kunit_h_pool(test, 64 * 1024);
	KUNIT_ASSERT_EQ(test, h_model_init(&run->hm, run->pool,
					   RANDOM_SLOTS + RANDOM_BATCH,
					   *(const u32 *)test->param_value), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							h_model_destroy_action,
							&run->hm), 0);
	run->scratch = kunit_kmalloc(test, RANDOM_MAX_SIZE + 32, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run->scratch);

	for (step = 0; step < RANDOM_STEPS; step++) {
		random_step(run);
		expect_h_pool_consistent(test, run->pool);
		if (step % 256 == 255)
			random_check_all(run);
		if (case_failed(test)) {
			kunit_info(test, "stopped after step %u\n", step);
			return;
		}
	}
	random_check_all(run);
	h_pool_get_stats(run->pool, &st);
	KUNIT_EXPECT_GT_MSG(test, st.failed_allocs, 0,
			    "the workload never ran out of room");
	while (run->hm.n)
		random_free(run, run->hm.n - 1);
	expect_pool_empty(test, run->pool);
}

static struct kunit_case h_pool_random_cases[] = {
	KUNIT_CASE_PARAM(h_pool_random_workload,
			 h_pool_random_seed_gen_params),
	{}
};

static struct kunit_suite h_pool_random_suite = {
	.name = "h_pool_random",
	.test_cases = h_pool_random_cases,
};

kunit_test_suites(&h_pool_suite, &h_pool_misuse_suite,
		  &h_pool_exhaustion_suite, &h_pool_reorder_suite,
		  &h_pool_realloc_suite, &h_pool_batch_suite, &h_pool_rw_suite,
		  &h_pool_walk_suite, &h_pool_atomic_suite,
		  &h_pool_random_suite);

MODULE_DESCRIPTION("KUnit suites for the ckremm header pool");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(CKREMM_NS);
