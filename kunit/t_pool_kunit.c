// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for the ckremm table pool (include/ckremm/t_pool.h).
 *
 * The cases drive the API exported by ckremm.ko the way a driver would and
 * judge every outcome twice: by what the calls return, and by the pool's
 * own account of itself.  expect_t_pool_consistent() holds t_pool_validate(),
 * t_pool_get_stats() and a walk of the arena against each other; the cases
 * call it after each step that changes a pool.  Block contents are checked
 * against patterns, or in the workloads against a shadow copy of every
 * block, through t_pool_read() and, while a block is pinned, through its
 * address.
 *
 *   t_pool                create, alloc at every size, free and merging,
 *                         stats, walk, addresses, a NULL pool
 *   t_pool_handles        stale, freed and forged handles refused with the
 *                         pool unchanged; slot reuse; a full table; pins
 *   t_pool_rw             read and write bounds, clean, copy
 *   t_pool_reorder        compaction keeps every byte and every pinned
 *                         block in place; bounded steps;
 *                         T_POOL_REORDER_ON_FAIL
 *   t_pool_reorder_steps  a block in transit between two reorder steps,
 *                         used through every call; a pass interleaved
 *                         with allocs, frees, reads, writes and pins
 *   t_pool_seed           the pointer calls: t_pool_alloc(),
 *                         t_pool_dealloc(), clean_t_ptr(), copy_t_ptr(),
 *                         reorder_t_mem()
 *   t_pool_atomic         every call with interrupts off and from a hard
 *                         interrupt, one block in transit meanwhile
 *   t_pool_random         a seeded mixed workload with reorder steps in
 *                         between, checked after every operation
 *
 * Refused calls make ckremm.ko log rate-limited "ckremm: t_pool: ..."
 * lines; that is expected.  Nothing here may provoke a WARN() or a KASAN
 * report.  Every pool comes from kunit_t_pool() or kunit_seed_pool(), which
 * have KUnit destroy it when the case ends, however it ends.
 */

#include <linux/irqflags.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <ckremm/t_pool.h>

#include "ckremm_kunit.h"
#include "t_pool_model.h"

#define KIB		1024
/*
 * The low half of a handle is its table entry plus one, the high half the
 * generation its block was given (see the top of ckremm/tpool/t_pool.c).
 */
#define SLOT_BITS	0xffffffffULL
#define GENERATION_ONE	BIT_ULL(32)
/* Room for a walk of any pool made here. */
#define WALK_MAX	1024

/* ---------------------------------------------------------------------- */
/* Shared by the suites                                                   */
/* ---------------------------------------------------------------------- */

KUNIT_DEFINE_ACTION_WRAPPER(destroy_t_pool_action, destroy_t_pool,
			    struct t_pool *);

static struct t_pool *kunit_own_pool(struct kunit *test, struct t_pool *pool)
{
	int ret;

	ret = kunit_add_action_or_reset(test, destroy_t_pool_action, pool);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return pool;
}

/* A pool that KUnit destroys when the case ends, however it ends. */
static struct t_pool *kunit_t_pool(struct kunit *test, size_t size,
				   unsigned int capacity)
{
	struct t_pool *pool = t_pool_create(size, capacity);

	KUNIT_ASSERT_NOT_NULL_MSG(test, pool, "t_pool_create(%zu, %u)",
				  size, capacity);
	return kunit_own_pool(test, pool);
}

/* The same, made by the seed's create_t_pool(). */
static struct t_pool *kunit_seed_pool(struct kunit *test, size_t size)
{
	struct t_pool *pool = create_t_pool(size);

	KUNIT_ASSERT_NOT_NULL_MSG(test, pool, "create_t_pool(%zu)", size);
	return kunit_own_pool(test, pool);
}

static u8 *kunit_buffer(struct kunit *test, size_t size)
{
	u8 *buf = kunit_kmalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	return buf;
}

static u8 *arena_of(struct t_pool *pool)
{
	return t_pool_arena(pool, NULL);
}

static size_t arena_size_of(struct t_pool *pool)
{
	size_t size = 0;

	t_pool_arena(pool, &size);
	return size;
}

/* What a block of @size bytes occupies. */
static size_t rounded(size_t size)
{
	return ALIGN(size, T_POOL_ALIGN);
}

static size_t offset_of(struct kunit *test, struct t_pool *pool, u64 h)
{
	size_t off = SIZE_MAX;

	KUNIT_EXPECT_EQ_MSG(test, t_pool_offset_of(pool, h, &off), 0,
			    "t_pool_offset_of(%#llx)", h);
	return off;
}

/*
 * Byte @i of the pattern that @seed names.  Seed 0 names a cleaned block:
 * all zeroes.  Patterns of different seeds differ in most bytes, and a
 * pattern shifted by any amount differs from itself.
 */
static u8 pattern_at(u32 seed, size_t i)
{
	if (!seed)
		return 0;
	return (u8)(seed >> (8 * (i & 3))) ^ (u8)(i * 29 + (i >> 9));
}

/* Bytes @pos to @pos + @len - 1 of pattern @seed, into @buf. */
static void pattern_fill(u8 *buf, size_t pos, size_t len, u32 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern_at(seed, pos + i);
}

/* Index of the first byte of @buf that is not byte @pos + i, or @len. */
static size_t pattern_check(const u8 *buf, size_t pos, size_t len, u32 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pattern_at(seed, pos + i))
			break;
	return i;
}

/* A block whose first @len bytes carry pattern @seed. */
struct tblock {
	u64 h;
	size_t len;
	u32 seed;
};

static void write_pattern(struct kunit *test, struct t_pool *pool,
			  struct tblock *b, u32 seed, u8 *scratch)
{
	pattern_fill(scratch, 0, b->len, seed);
	KUNIT_ASSERT_EQ_MSG(test, t_pool_write(pool, b->h, 0, scratch, b->len),
			    0, "write of %zu bytes to %#llx", b->len, b->h);
	b->seed = seed;
}

static void alloc_patterned(struct kunit *test, struct t_pool *pool,
			    struct tblock *b, size_t len, u32 seed, u8 *scratch)
{
	b->h = t_pool_alloc_handle(pool, len, 0);
	KUNIT_ASSERT_NE_MSG(test, b->h, T_POOL_NO_HANDLE,
			    "alloc of %zu bytes", len);
	KUNIT_ASSERT_EQ(test, t_pool_size_of(pool, b->h), rounded(len));
	b->len = len;
	write_pattern(test, pool, b, seed, scratch);
}

/* The same, with the pattern over every byte of the block. */
static void alloc_whole(struct kunit *test, struct t_pool *pool,
			struct tblock *b, size_t len, u32 seed, u8 *scratch)
{
	alloc_patterned(test, pool, b, len, seed, scratch);
	b->len = rounded(len);
	write_pattern(test, pool, b, seed, scratch);
}

static bool expect_pattern(struct kunit *test, struct t_pool *pool,
			   const struct tblock *b, u8 *scratch)
{
	size_t bad;
	int ret;

	ret = t_pool_read(pool, b->h, 0, scratch, b->len);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "read of %zu bytes from %#llx",
			    b->len, b->h);
	if (ret)
		return false;
	bad = pattern_check(scratch, 0, b->len, b->seed);
	KUNIT_EXPECT_EQ_MSG(test, bad, b->len,
			    "block %#llx changed at byte %zu of %zu",
			    b->h, bad, b->len);
	return bad == b->len;
}

/* Every block of @b with a handle still holds its pattern. */
static void expect_blocks(struct kunit *test, struct t_pool *pool,
			  const struct tblock *b, unsigned int n, u8 *scratch)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (b[i].h != T_POOL_NO_HANDLE)
			expect_pattern(test, pool, &b[i], scratch);
}

static struct t_pool_extent *walk_buffer(struct kunit *test)
{
	struct t_pool_extent *ext;

	ext = kunit_kcalloc(test, WALK_MAX, sizeof(*ext), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ext);
	return ext;
}

/* The state of a pool with nothing allocated. */
static void expect_pool_empty(struct kunit *test, struct t_pool *pool)
{
	struct t_pool_stats st;

	t_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used_blocks, 0);
	KUNIT_EXPECT_EQ(test, st.used_bytes, 0);
	KUNIT_EXPECT_EQ(test, st.pinned_blocks, 0);
	KUNIT_EXPECT_EQ(test, st.free_blocks, 1);
	KUNIT_EXPECT_EQ(test, st.free_bytes, st.arena_size);
	KUNIT_EXPECT_EQ(test, st.largest_free, st.arena_size);
	KUNIT_EXPECT_EQ(test, st.frag_permille, 0);
	expect_t_pool_consistent(test, pool, true);
}

/* After a whole pass with no pins: all free space is one run at the top. */
static void expect_compacted(struct kunit *test, struct t_pool *pool)
{
	struct t_pool_extent *ext = walk_buffer(test);
	struct t_pool_stats st;
	struct t_walk_sum ws;
	size_t n, i;

	t_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.largest_free, st.free_bytes);
	KUNIT_EXPECT_EQ(test, st.free_blocks, st.free_bytes ? 1 : 0);
	KUNIT_EXPECT_EQ(test, st.frag_permille, 0);
	n = t_walk_pool(test, pool, 8, &ws, ext, WALK_MAX);
	for (i = 0; i + 1 < n; i++)
		KUNIT_EXPECT_NE_MSG(test, ext[i].handle, T_POOL_NO_HANDLE,
				    "a free run of %zu bytes at %zu below a used block",
				    ext[i].size, ext[i].offset);
	expect_t_pool_consistent(test, pool, true);
}

/* Every figure but the counters of refused calls and failed allocations. */
static void expect_stats_same(struct kunit *test,
			      const struct t_pool_stats *a,
			      const struct t_pool_stats *b, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, b->arena_size, a->arena_size, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->used_bytes, a->used_bytes, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->free_bytes, a->free_bytes, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->largest_free, a->largest_free,
			    "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->used_blocks, a->used_blocks, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->free_blocks, a->free_blocks, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->pinned_blocks, a->pinned_blocks,
			    "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->peak_used, a->peak_used, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->table_capacity, a->table_capacity,
			    "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->meta_bytes, a->meta_bytes, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->reorders, a->reorders, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->bytes_moved, a->bytes_moved, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->frag_permille, a->frag_permille,
			    "%s", what);
}

/* Runs reorder steps of @budget bytes until the pass in progress ends. */
static void finish_pass(struct kunit *test, struct t_pool *pool, size_t budget)
{
	unsigned int steps = 0;
	int ret;

	do {
		ret = t_pool_reorder_step(pool, budget, NULL);
		KUNIT_ASSERT_GE(test, ret, 0);
		steps++;
		KUNIT_ASSERT_LT_MSG(test, steps, 100000U,
				    "the reorder pass does not end");
		expect_t_pool_consistent(test, pool, false);
	} while (ret);
	expect_t_pool_consistent(test, pool, true);
}

/* ---------------------------------------------------------------------- */
/* Parameter tables                                                       */
/* ---------------------------------------------------------------------- */

static const size_t t_pool_sizes[] = {
	1, 15, 16, 17, 100, 4095, 4096, 65536,
};

static void t_pool_size_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", *size);
}

KUNIT_ARRAY_PARAM(t_pool_size, t_pool_sizes, t_pool_size_desc);

/* Largest block in t_pool_sizes[], and a pool that holds a few of them. */
#define MAX_BLOCK	(64 * KIB)
#define SIZES_ARENA	(5 * MAX_BLOCK)

struct create_param {
	size_t request;
	unsigned int capacity;
	size_t arena;
	unsigned int table;
};

static const struct create_param t_pool_creates[] = {
	{ 16, 0, 16, 64 },
	{ 17, 0, 16, 64 },
	{ 100, 0, 96, 64 },
	{ 4095, 0, 4080, 64 },
	{ 64 * KIB + 15, 0, 64 * KIB, 256 },
	{ 1024 * KIB, 0, 1024 * KIB, 4096 },
	{ 4 * KIB, 1, 4 * KIB, 1 },
	{ 4 * KIB, 1000, 4 * KIB, 1000 },
};

static void t_pool_create_desc(const struct create_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu bytes, %u slots",
		 p->request, p->capacity);
}

KUNIT_ARRAY_PARAM(t_pool_create, t_pool_creates, t_pool_create_desc);

/* Reorder step sizes: 0 keeps the default; 100 is not a granule multiple. */
static const size_t t_pool_steps[] = { 0, 16, 100, 4096 };

static void t_pool_step_desc(const size_t *step, char *desc)
{
	if (*step)
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "step %zu", *step);
	else
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "default step");
}

KUNIT_ARRAY_PARAM(t_pool_step, t_pool_steps, t_pool_step_desc);

/* ---------------------------------------------------------------------- */
/* t_pool: the calls doing what they should                               */
/* ---------------------------------------------------------------------- */

static void t_pool_create_rejects(struct kunit *test)
{
	static const struct {
		size_t size;
		unsigned int capacity;
	} bad[] = {
		{ 0, 0 },
		{ 1, 0 },
		{ T_POOL_ALIGN - 1, 0 },
		{ T_POOL_MAX_SIZE + 1, 0 },
		{ SIZE_MAX, 0 },
		{ 4 * KIB, T_POOL_MAX_CAPACITY + 1 },
		{ 4 * KIB, UINT_MAX },
	};
	struct t_pool *pool;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		pool = t_pool_create(bad[i].size, bad[i].capacity);
		KUNIT_EXPECT_NULL_MSG(test, pool, "t_pool_create(%zu, %u)",
				      bad[i].size, bad[i].capacity);
		if (pool)
			destroy_t_pool(pool);
	}
	pool = create_t_pool(T_POOL_ALIGN - 1);
	KUNIT_EXPECT_NULL(test, pool);
	if (pool)
		destroy_t_pool(pool);
	KUNIT_EXPECT_FALSE(test, destroy_t_pool(NULL));
}

static void t_pool_create_arena(struct kunit *test)
{
	const struct create_param *param = test->param_value;
	struct t_pool *pool = kunit_t_pool(test, param->request,
					   param->capacity);
	struct t_pool_stats st;
	size_t arena_size = 0;
	u8 *arena;
	u64 h;

	arena = t_pool_arena(pool, &arena_size);
	KUNIT_ASSERT_NOT_NULL(test, arena);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((uintptr_t)arena, T_POOL_ALIGN));
	KUNIT_EXPECT_EQ(test, arena_size, param->arena);

	t_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.arena_size, param->arena);
	KUNIT_EXPECT_EQ(test, st.table_capacity, param->table);
	/*
	 * Tables grow with the blocks (see the top of t_pool.c): empty, a
	 * pool holds one 4 KiB chunk of nodes, and a large one costs no more
	 * than 1% of its arena.
	 */
	KUNIT_EXPECT_GE(test, st.meta_bytes, 4096);
	if (param->arena >= 1024 * KIB)
		KUNIT_EXPECT_LE(test, st.meta_bytes * 100, param->arena);
	KUNIT_EXPECT_EQ(test, st.peak_used, 0);
	KUNIT_EXPECT_EQ(test, st.failed_allocs, 0);
	KUNIT_EXPECT_EQ(test, st.refused_calls, 0);
	KUNIT_EXPECT_EQ(test, st.reorders, 0);
	KUNIT_EXPECT_EQ(test, st.bytes_moved, 0);
	expect_pool_empty(test, pool);

	/* The whole arena is one block. */
	h = t_pool_alloc_handle(pool, param->arena, 0);
	KUNIT_ASSERT_NE(test, h, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_size_of(pool, h), param->arena);
	KUNIT_EXPECT_EQ(test, offset_of(test, pool, h), 0);
	t_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.free_bytes, 0);
	KUNIT_EXPECT_EQ(test, st.free_blocks, 0);
	KUNIT_EXPECT_EQ(test, st.largest_free, 0);
	KUNIT_EXPECT_EQ(test, st.frag_permille, 0);
	KUNIT_EXPECT_EQ(test, st.peak_used, param->arena);
	expect_t_pool_consistent(test, pool, true);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, 1, 0), T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h), 0);
	expect_pool_empty(test, pool);
}

/* create_t_pool(): one slot per 256 bytes of arena, at least 64. */
static void create_t_pool_default_table(struct kunit *test)
{
	static const struct {
		size_t size;
		size_t table;
	} cases[] = {
		{ 16, 64 }, { 4 * KIB, 64 }, { 64 * KIB, 256 },
		{ 1024 * KIB, 4096 },
	};
	struct t_pool_stats st;
	struct t_pool *pool;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		pool = kunit_seed_pool(test, cases[i].size);
		t_pool_get_stats(pool, &st);
		KUNIT_EXPECT_EQ_MSG(test, st.table_capacity, cases[i].table,
				    "create_t_pool(%zu)", cases[i].size);
		KUNIT_EXPECT_EQ(test, st.arena_size, cases[i].size);
		expect_pool_empty(test, pool);
	}
}

static void t_pool_alloc_handle_sizes(struct kunit *test)
{
	const size_t size = *(const size_t *)test->param_value;
	const size_t bytes = rounded(size);
	struct t_pool *pool = kunit_t_pool(test, SIZES_ARENA, 0);
	u8 *scratch = kunit_buffer(test, bytes);
	static const unsigned int free_order[] = { 1, 3, 0, 2 };
	struct tblock b[4];
	struct t_pool_stats st;
	size_t off[4];
	unsigned int i, j;
	u8 *arena = arena_of(pool), *p;

	for (i = 0; i < ARRAY_SIZE(b); i++) {
		/* Track the whole block: its rounded size is usable. */
		alloc_whole(test, pool, &b[i], size, 0x100 + i, scratch);
		off[i] = offset_of(test, pool, b[i].h);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(off[i], T_POOL_ALIGN));
		KUNIT_EXPECT_LE(test, off[i] + bytes, (size_t)SIZES_ARENA);
		for (j = 0; j < i; j++) {
			KUNIT_EXPECT_NE(test, b[i].h, b[j].h);
			KUNIT_EXPECT_TRUE_MSG(test, off[i] + bytes <= off[j] ||
					      off[j] + bytes <= off[i],
					      "blocks at %zu and %zu overlap",
					      off[i], off[j]);
		}
		expect_t_pool_consistent(test, pool, true);
	}
	t_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used_blocks, ARRAY_SIZE(b));
	KUNIT_EXPECT_EQ(test, st.used_bytes, ARRAY_SIZE(b) * bytes);
	KUNIT_EXPECT_EQ(test, st.peak_used, ARRAY_SIZE(b) * bytes);
	expect_blocks(test, pool, b, ARRAY_SIZE(b), scratch);

	/* A pinned block's address is where offset_of() says. */
	p = t_pool_pin(pool, b[1].h);
	KUNIT_ASSERT_PTR_EQ(test, p, arena + off[1]);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((uintptr_t)p, T_POOL_ALIGN));
	KUNIT_EXPECT_EQ(test, pattern_check(p, 0, bytes, b[1].seed), bytes);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, b[1].h), 0);

	for (i = 0; i < ARRAY_SIZE(free_order); i++) {
		KUNIT_EXPECT_EQ(test, t_pool_free(pool, b[free_order[i]].h), 0);
		b[free_order[i]].h = T_POOL_NO_HANDLE;
		expect_blocks(test, pool, b, ARRAY_SIZE(b), scratch);
		expect_t_pool_consistent(test, pool, true);
	}
	expect_pool_empty(test, pool);
	t_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.peak_used, ARRAY_SIZE(b) * bytes);
}

static void t_pool_alloc_handle_refuses(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 4 * KIB, 0);
	struct t_pool_stats before, after;

	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, 0, 0), T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, T_POOL_MAX_SIZE + 1, 0),
			T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, SIZE_MAX, 0),
			T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, 16, 0x2), T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, 16, ~0U),
			T_POOL_NO_HANDLE);
	KUNIT_EXPECT_NULL(test, t_pool_alloc(pool, 0));
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "refused allocs");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 6);
	KUNIT_EXPECT_EQ(test, after.failed_allocs, before.failed_allocs);

	/* Possible requests that do not fit fail; they are no misuse. */
	before = after;
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, 4 * KIB + 1, 0),
			T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, T_POOL_MAX_SIZE, 0),
			T_POOL_NO_HANDLE);
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "failed allocs");
	KUNIT_EXPECT_EQ(test, after.failed_allocs, before.failed_allocs + 2);
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls);
	expect_pool_empty(test, pool);
}

/* 256 blocks of 16 bytes fill a 4 KiB arena; freeing them empties it. */
static void t_pool_fill_and_empty(struct kunit *test)
{
	const unsigned int count = 256;
	struct t_pool *pool = kunit_t_pool(test, 4 * KIB, count + 8);
	u64 *h = kunit_kcalloc(test, count, sizeof(*h), GFP_KERNEL);
	struct t_pool_stats st;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < count; i++) {
		h[i] = t_pool_alloc_handle(pool, 16, 0);
		KUNIT_ASSERT_NE_MSG(test, h[i], T_POOL_NO_HANDLE, "block %u", i);
	}
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, 16, 0), T_POOL_NO_HANDLE);
	t_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used_blocks, count);
	KUNIT_EXPECT_EQ(test, st.free_bytes, 0);
	KUNIT_EXPECT_EQ(test, st.free_blocks, 0);
	KUNIT_EXPECT_EQ(test, st.largest_free, 0);
	KUNIT_EXPECT_EQ(test, st.failed_allocs, 1);
	expect_t_pool_consistent(test, pool, true);

	/* Every other block free: 128 runs of 16 bytes that cannot merge. */
	for (i = 0; i < count; i += 2)
		KUNIT_EXPECT_EQ(test, t_pool_free(pool, h[i]), 0);
	t_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.free_blocks, count / 2);
	KUNIT_EXPECT_EQ(test, st.largest_free, 16);
	KUNIT_EXPECT_EQ(test, st.frag_permille, 1000 - 16 * 1000 / (2 * KIB));
	expect_t_pool_consistent(test, pool, true);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, 17, 0), T_POOL_NO_HANDLE);

	for (i = 1; i < count; i += 2)
		KUNIT_EXPECT_EQ(test, t_pool_free(pool, h[i]), 0);
	expect_pool_empty(test, pool);
}

/* A freed block merges with free neighbours on both sides. */
static void t_pool_free_merges(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 4 * KIB, 0);
	struct t_pool_extent ext[8];
	struct t_walk_sum ws;
	size_t off[5], n;
	u64 h[5];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(h); i++) {
		h[i] = t_pool_alloc_handle(pool, 256, 0);
		KUNIT_ASSERT_NE(test, h[i], T_POOL_NO_HANDLE);
		off[i] = offset_of(test, pool, h[i]);
		if (i)
			KUNIT_ASSERT_EQ(test, off[i], off[i - 1] + 256);
	}
	KUNIT_ASSERT_EQ(test, off[0], 0);

	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h[1]), 0);
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h[3]), 0);
	n = t_walk_pool(test, pool, 8, &ws, ext, ARRAY_SIZE(ext));
	KUNIT_EXPECT_EQ(test, ws.free_runs, 3);
	expect_t_pool_consistent(test, pool, true);

	/* Block 2 joins the runs before and after it. */
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h[2]), 0);
	n = t_walk_pool(test, pool, 8, &ws, ext, ARRAY_SIZE(ext));
	KUNIT_ASSERT_EQ(test, n, 4);
	KUNIT_EXPECT_EQ(test, ext[1].offset, off[1]);
	KUNIT_EXPECT_EQ(test, ext[1].size, 3 * 256);
	KUNIT_EXPECT_EQ(test, ext[1].handle, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, ext[2].handle, h[4]);
	expect_t_pool_consistent(test, pool, true);

	/* Block 4 joins that run and the top of the arena. */
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h[4]), 0);
	n = t_walk_pool(test, pool, 8, &ws, ext, ARRAY_SIZE(ext));
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, ext[1].offset, off[1]);
	KUNIT_EXPECT_EQ(test, ext[1].size, 4 * KIB - 256);
	expect_t_pool_consistent(test, pool, true);

	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h[0]), 0);
	expect_pool_empty(test, pool);
}

static void t_pool_walk_batches(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 64 * KIB, 0);
	struct t_pool_extent *e1 = walk_buffer(test);
	struct t_pool_extent *e3 = walk_buffer(test);
	struct t_pool_extent *e8 = walk_buffer(test);
	struct t_pool_extent one[1];
	struct t_walk_sum s1, s3, s8;
	size_t n1, n3, n8, i, cursor, pinned = 0;
	u64 h[40];

	for (i = 0; i < ARRAY_SIZE(h); i++) {
		h[i] = t_pool_alloc_handle(pool, 1 + (i * 211) % 1500, 0);
		KUNIT_ASSERT_NE(test, h[i], T_POOL_NO_HANDLE);
	}
	for (i = 0; i < ARRAY_SIZE(h); i += 3)
		KUNIT_ASSERT_EQ(test, t_pool_free(pool, h[i]), 0);
	KUNIT_ASSERT_NOT_NULL(test, t_pool_pin(pool, h[1]));

	n1 = t_walk_pool(test, pool, 1, &s1, e1, WALK_MAX);
	n3 = t_walk_pool(test, pool, 3, &s3, e3, WALK_MAX);
	n8 = t_walk_pool(test, pool, 8, &s8, e8, WALK_MAX);
	KUNIT_EXPECT_EQ(test, n1, n8);
	KUNIT_EXPECT_EQ(test, n3, n8);
	KUNIT_EXPECT_EQ(test, s8.used_blocks, ARRAY_SIZE(h) - 14);
	for (i = 0; i < min3(n1, n3, n8); i++) {
		KUNIT_EXPECT_EQ(test, e1[i].offset, e8[i].offset);
		KUNIT_EXPECT_EQ(test, e3[i].offset, e8[i].offset);
		KUNIT_EXPECT_EQ(test, e1[i].handle, e8[i].handle);
		KUNIT_EXPECT_EQ(test, e3[i].handle, e8[i].handle);
		if (e8[i].handle != T_POOL_NO_HANDLE)
			KUNIT_EXPECT_EQ(test, offset_of(test, pool, e8[i].handle),
					e8[i].offset);
		if (e8[i].pinned) {
			pinned++;
			KUNIT_EXPECT_EQ(test, e8[i].handle, h[1]);
		}
	}
	KUNIT_EXPECT_EQ(test, pinned, 1);

	/* A walk resumes at any extent's offset. */
	for (i = 0; i < n8; i += 5) {
		cursor = e8[i].offset;
		KUNIT_ASSERT_EQ(test, t_pool_walk(pool, &cursor, one, 1), 1);
		KUNIT_EXPECT_EQ(test, one[0].offset, e8[i].offset);
		KUNIT_EXPECT_EQ(test, one[0].size, e8[i].size);
		KUNIT_EXPECT_EQ(test, one[0].handle, e8[i].handle);
		KUNIT_EXPECT_EQ(test, cursor, e8[i].offset + e8[i].size);
	}
	cursor = 0;
	KUNIT_EXPECT_EQ(test, t_pool_walk(pool, &cursor, one, 0), 0);
	KUNIT_EXPECT_EQ(test, t_pool_walk(pool, &cursor, NULL, 1), 0);
	KUNIT_EXPECT_EQ(test, t_pool_walk(pool, NULL, one, 1), 0);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, h[1]), 0);
	expect_t_pool_consistent(test, pool, true);
}

/* t_pool_handle_of() knows a block by the address of its first byte only. */
static void t_pool_handle_of_addresses(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 4 * KIB, 0);
	u8 *arena = arena_of(pool), *p;
	struct t_pool_stats before, after;
	u64 h, other;

	h = t_pool_alloc_handle(pool, 100, 0);
	other = t_pool_alloc_handle(pool, 100, 0);
	KUNIT_ASSERT_NE(test, h, T_POOL_NO_HANDLE);
	KUNIT_ASSERT_NE(test, other, T_POOL_NO_HANDLE);
	p = t_pool_pin(pool, h);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, p, arena + offset_of(test, pool, h));
	KUNIT_EXPECT_EQ(test, t_pool_handle_of(pool, p), h);
	KUNIT_EXPECT_EQ(test, t_pool_handle_of(pool,
					       arena + offset_of(test, pool, other)),
			other);

	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, t_pool_handle_of(pool, p + T_POOL_ALIGN),
			T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_handle_of(pool, p + 1), T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_handle_of(pool, arena + 4 * KIB - 16),
			T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_handle_of(pool, arena + 4 * KIB),
			T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_handle_of(pool, NULL), T_POOL_NO_HANDLE);
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "handle_of refusals");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 5);

	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_handle_of(pool, p), h);
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_handle_of(pool, p), T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, other), 0);
	expect_pool_empty(test, pool);
}

/* Every call takes a NULL pool and returns its documented failure. */
static void t_pool_null_pool(struct kunit *test)
{
	struct t_pool_reorder_result res = { };
	struct t_pool_stats st;
	struct t_pool_extent ext[1];
	size_t cursor = 0, off = 77, size = 77;
	const u64 h = GENERATION_ONE | 1;
	u8 buf[16] = { };

	memset(&st, 0xff, sizeof(st));
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(NULL, 16, 0), T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_free(NULL, h), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_size_of(NULL, h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_read(NULL, h, 0, buf, sizeof(buf)), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_write(NULL, h, 0, buf, sizeof(buf)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_copy(NULL, h, h), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_clean(NULL, h), -EINVAL);
	KUNIT_EXPECT_NULL(test, t_pool_pin(NULL, h));
	KUNIT_EXPECT_EQ(test, t_pool_unpin(NULL, h), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_offset_of(NULL, h, &off), -EINVAL);
	KUNIT_EXPECT_EQ(test, off, 77);
	KUNIT_EXPECT_EQ(test, t_pool_handle_of(NULL, buf), T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_reorder(NULL, &res), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_reorder_step(NULL, 0, &res), -EINVAL);
	t_pool_set_step(NULL, 64);
	t_pool_get_stats(NULL, &st);
	KUNIT_EXPECT_NULL(test, memchr_inv(&st, 0, sizeof(st)));
	KUNIT_EXPECT_EQ(test, t_pool_validate(NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_walk(NULL, &cursor, ext, 1), 0);
	KUNIT_EXPECT_NULL(test, t_pool_arena(NULL, &size));

	KUNIT_EXPECT_NULL(test, t_pool_alloc(NULL, 16));
	KUNIT_EXPECT_FALSE(test, t_pool_dealloc(NULL, buf));
	KUNIT_EXPECT_FALSE(test, clean_t_ptr(NULL, buf));
	KUNIT_EXPECT_FALSE(test, copy_t_ptr(NULL, buf, buf));
	KUNIT_EXPECT_FALSE(test, reorder_t_mem(NULL));
	KUNIT_EXPECT_FALSE(test, destroy_t_pool(NULL));
}

/* The calls that say why they fail, and where a block is. */
static void t_pool_errno_calls(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 4 * KIB, 0);
	size_t offset = 1, size = 1, off2, size2;
	u8 *arena = t_pool_arena(pool, NULL);
	u64 h = T_POOL_NO_HANDLE, h2;
	unsigned int i;

	KUNIT_EXPECT_EQ(test, t_pool_alloc_block(pool, 0, 0, &h), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_block(pool, 16, 0x2, &h), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_block(NULL, 16, 0, &h), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_block(pool, 16, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_block(pool, 4 * KIB + 1, 0, &h),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_block(pool, SIZE_MAX, 0, &h),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, h, T_POOL_NO_HANDLE);
	KUNIT_ASSERT_EQ(test, t_pool_alloc_block(pool, 100, 0, &h), 0);
	KUNIT_ASSERT_EQ(test, t_pool_alloc_block(pool, 32, 0, &h2), 0);

	KUNIT_EXPECT_EQ(test, t_pool_locate(pool, h2, &offset, &size), 0);
	KUNIT_EXPECT_EQ(test, offset, 112);
	KUNIT_EXPECT_EQ(test, size, 32);
	KUNIT_EXPECT_EQ(test, t_pool_locate(pool, h, NULL, &size), 0);
	KUNIT_EXPECT_EQ(test, size, 112);
	KUNIT_EXPECT_EQ(test, t_pool_locate(pool, h ^ BIT_ULL(40), &offset,
					    &size), -EINVAL);
	KUNIT_EXPECT_EQ(test, offset, 112);

	memset(arena + 112, 0xa5, 32);
	KUNIT_EXPECT_EQ(test, t_pool_clean_locate(pool, h2, &off2, &size2), 0);
	KUNIT_EXPECT_EQ(test, off2, 112);
	KUNIT_EXPECT_EQ(test, size2, 32);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(arena + 112, 32));
	KUNIT_EXPECT_EQ(test, t_pool_clean_locate(pool, 0, &off2, NULL),
			-EINVAL);

	/* Pinned where it was; the block left in front of it moves none. */
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_pin_locate(pool, h2, &off2, &size2), 0);
	KUNIT_EXPECT_EQ(test, off2, 112);
	KUNIT_EXPECT_EQ(test, size2, 32);
	KUNIT_EXPECT_TRUE(test, reorder_t_mem(pool));
	KUNIT_EXPECT_EQ(test, t_pool_locate(pool, h2, &offset, NULL), 0);
	KUNIT_EXPECT_EQ(test, offset, 112);
	for (i = 1; i < U16_MAX; i++)
		KUNIT_ASSERT_EQ(test, t_pool_pin_locate(pool, h2, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, t_pool_pin_locate(pool, h2, NULL, NULL),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, t_pool_pin_locate(pool, h, NULL, NULL), -EINVAL);
	for (i = 0; i < U16_MAX; i++)
		KUNIT_ASSERT_EQ(test, t_pool_unpin(pool, h2), 0);
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h2), 0);
	expect_pool_empty(test, pool);
}

/* Batches are all or nothing, refusals included. */
static void t_pool_batches(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 4 * KIB, 0);
	u64 h[T_POOL_BATCH_MAX + 1], one;
	struct t_pool_stats before, after;
	unsigned int i;
	size_t size;
	void *addr;

	KUNIT_EXPECT_EQ(test, t_pool_alloc_batch(pool, 16, h, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_batch(pool, 16, h,
						 T_POOL_BATCH_MAX + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_batch(pool, 0, h, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_batch(NULL, 16, h, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_free_batch(pool, h, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_free_batch(NULL, h, 1), -EINVAL);

	/* 64 blocks of 64 bytes fill the arena: one more byte each does not. */
	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_batch(pool, 65, h, 64), -ENOMEM);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_batch(pool, SIZE_MAX, h, 2),
			-ENOMEM);
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "failed batch");
	KUNIT_EXPECT_EQ(test, after.failed_allocs, before.failed_allocs + 2);
	expect_pool_empty(test, pool);

	KUNIT_ASSERT_EQ(test, t_pool_alloc_batch(pool, 64, h, 64), 0);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.used_blocks, 64);
	KUNIT_EXPECT_EQ(test, after.free_bytes, 0);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, t_pool_size_of(pool, h[i]), 64);

	/* A repeat, a dead handle, a pin or a hold refuses the whole batch. */
	h[64] = h[3];
	KUNIT_EXPECT_EQ(test, t_pool_free_batch(pool, h + 3, 62), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_free_batch(pool, h, 65), -EINVAL);
	one = h[5];
	KUNIT_ASSERT_EQ(test, t_pool_free(pool, one), 0);
	KUNIT_EXPECT_EQ(test, t_pool_free_batch(pool, h, 8), -EINVAL);
	KUNIT_ASSERT_EQ(test, t_pool_alloc_batch(pool, 64, &h[5], 1), 0);
	KUNIT_ASSERT_NOT_NULL(test, t_pool_pin(pool, h[10]));
	KUNIT_EXPECT_EQ(test, t_pool_free_batch(pool, h, 11), -EBUSY);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, h[10]), 0);
	KUNIT_ASSERT_EQ(test, t_pool_hold(pool, h[20], false, &addr, &size), 0);
	KUNIT_EXPECT_EQ(test, t_pool_free_batch(pool, h, 21), -EBUSY);
	KUNIT_EXPECT_EQ(test, t_pool_unhold(pool, h[20], false), 0);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.used_blocks, 64);
	expect_t_pool_consistent(test, pool, true);

	KUNIT_EXPECT_EQ(test, t_pool_free_batch(pool, h, 64), 0);
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h[7]), -EINVAL);
	expect_pool_empty(test, pool);
}

static struct kunit_case t_pool_cases[] = {
	KUNIT_CASE(t_pool_create_rejects),
	KUNIT_CASE_PARAM(t_pool_create_arena, t_pool_create_gen_params),
	KUNIT_CASE(create_t_pool_default_table),
	KUNIT_CASE_PARAM(t_pool_alloc_handle_sizes, t_pool_size_gen_params),
	KUNIT_CASE(t_pool_alloc_handle_refuses),
	KUNIT_CASE(t_pool_fill_and_empty),
	KUNIT_CASE(t_pool_free_merges),
	KUNIT_CASE(t_pool_walk_batches),
	KUNIT_CASE(t_pool_handle_of_addresses),
	KUNIT_CASE(t_pool_null_pool),
	KUNIT_CASE(t_pool_errno_calls),
	KUNIT_CASE(t_pool_batches),
	{}
};

static struct kunit_suite t_pool_suite = {
	.name = "t_pool",
	.test_cases = t_pool_cases,
};

/* ---------------------------------------------------------------------- */
/* t_pool_handles: refused handles, slot reuse, a full table, pins        */
/* ---------------------------------------------------------------------- */

enum bad_handle {
	BAD_ZERO,
	BAD_NO_SLOT,
	BAD_SLOT_PAST_TABLE,
	BAD_SLOT_ALL_ONES,
	BAD_GENERATION_ZERO,
	BAD_GENERATION_NEXT,
	BAD_SLOT_NEVER_USED,
	BAD_FREED,
	BAD_FREED_SLOT_REUSED,
};

struct bad_handle_param {
	enum bad_handle kind;
	const char *name;
};

static const struct bad_handle_param t_pool_bad_handles[] = {
	{ BAD_ZERO, "handle 0" },
	{ BAD_NO_SLOT, "generation without a slot" },
	{ BAD_SLOT_PAST_TABLE, "slot past the table" },
	{ BAD_SLOT_ALL_ONES, "slot 0xffffffff" },
	{ BAD_GENERATION_ZERO, "live slot, generation 0" },
	{ BAD_GENERATION_NEXT, "live slot, next generation" },
	{ BAD_SLOT_NEVER_USED, "slot never used" },
	{ BAD_FREED, "freed: stale and double free" },
	{ BAD_FREED_SLOT_REUSED, "freed, slot live again" },
};

KUNIT_ARRAY_PARAM_DESC(t_pool_bad_handle, t_pool_bad_handles, name);

#define BAD_TABLE	8

/*
 * Every call that takes a handle refuses @bad with -EINVAL (or its
 * documented failure value) and leaves the pool as it was; refused_calls
 * counts each call once.
 */
static void t_pool_bad_handle_refused(struct kunit *test)
{
	const struct bad_handle_param *param = test->param_value;
	struct t_pool *pool = kunit_t_pool(test, 16 * KIB, BAD_TABLE);
	u8 *scratch = kunit_buffer(test, KIB);
	struct t_pool_stats before, after;
	struct tblock live[4] = { };
	unsigned int i, n = 3, fillers = 0;
	size_t off = 12345;
	u64 bad, gone, h;
	u8 buf[32];

	for (i = 0; i < n; i++)
		alloc_patterned(test, pool, &live[i], 100 * (i + 1), 0x700 + i,
				scratch);
	gone = t_pool_alloc_handle(pool, 64, 0);
	KUNIT_ASSERT_NE(test, gone, T_POOL_NO_HANDLE);

	switch (param->kind) {
	case BAD_ZERO:
		bad = T_POOL_NO_HANDLE;
		break;
	case BAD_NO_SLOT:
		bad = GENERATION_ONE;
		break;
	case BAD_SLOT_PAST_TABLE:
		bad = (live[0].h & ~SLOT_BITS) | (BAD_TABLE + 1);
		break;
	case BAD_SLOT_ALL_ONES:
		bad = (live[0].h & ~SLOT_BITS) | SLOT_BITS;
		break;
	case BAD_GENERATION_ZERO:
		bad = live[0].h & SLOT_BITS;
		break;
	case BAD_GENERATION_NEXT:
		bad = live[0].h + GENERATION_ONE;
		break;
	case BAD_SLOT_NEVER_USED:
		/* Slots 0 to 3 are taken; the last one has never been. */
		bad = (live[0].h & ~SLOT_BITS) | BAD_TABLE;
		break;
	case BAD_FREED:
		KUNIT_ASSERT_EQ(test, t_pool_free(pool, gone), 0);
		bad = gone;
		break;
	case BAD_FREED_SLOT_REUSED:
		KUNIT_ASSERT_EQ(test, t_pool_free(pool, gone), 0);
		/* Allocate until the freed slot comes back in a new block. */
		for (;;) {
			h = t_pool_alloc_handle(pool, 32, 0);
			KUNIT_ASSERT_NE(test, h, T_POOL_NO_HANDLE);
			if ((h & SLOT_BITS) == (gone & SLOT_BITS))
				break;
			fillers++;
			KUNIT_ASSERT_LT(test, fillers, BAD_TABLE);
		}
		KUNIT_ASSERT_NE(test, h, gone);
		live[n].h = h;
		live[n].len = 32;
		write_pattern(test, pool, &live[n++], 0x7ff, scratch);
		bad = gone;
		break;
	default:
		KUNIT_FAIL(test, "unknown kind %d", param->kind);
		return;
	}

	t_pool_get_stats(pool, &before);
	memset(buf, 0x5c, sizeof(buf));
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_size_of(pool, bad), 0);
	KUNIT_EXPECT_EQ(test, t_pool_read(pool, bad, 0, buf, sizeof(buf)),
			-EINVAL);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf, 0x5c, sizeof(buf)),
			      "a refused read wrote to its buffer");
	KUNIT_EXPECT_EQ(test, t_pool_write(pool, bad, 0, buf, sizeof(buf)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_copy(pool, bad, live[2].h), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_copy(pool, live[0].h, bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_clean(pool, bad), -EINVAL);
	KUNIT_EXPECT_NULL(test, t_pool_pin(pool, bad));
	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_offset_of(pool, bad, &off), -EINVAL);
	KUNIT_EXPECT_EQ(test, off, 12345);
	t_pool_get_stats(pool, &after);

	expect_stats_same(test, &before, &after, param->name);
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 10);
	KUNIT_EXPECT_EQ(test, after.failed_allocs, before.failed_allocs);
	expect_blocks(test, pool, live, n, scratch);
	expect_t_pool_consistent(test, pool, true);
}

/*
 * A freed block's node is used again by the next block that needs one,
 * under a new generation: the old handle names nothing though its node is
 * live again (see the top of ckremm/tpool/t_pool.c).
 */
static void t_pool_freed_node_reuse(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 4 * KIB, 4);
	u8 *scratch = kunit_buffer(test, 64);
	struct tblock again;
	u64 a;

	a = t_pool_alloc_handle(pool, 16, 0);
	KUNIT_ASSERT_NE(test, a, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_GE(test, a & SLOT_BITS, 1);
	KUNIT_EXPECT_NE(test, a >> 32, 0);
	KUNIT_ASSERT_EQ(test, t_pool_free(pool, a), 0);

	alloc_patterned(test, pool, &again, 16, 0xa9a1, scratch);
	KUNIT_EXPECT_EQ(test, again.h & SLOT_BITS, a & SLOT_BITS);
	KUNIT_EXPECT_NE(test, again.h, a);

	/* The old handle names nothing, though its node is live. */
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, a), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_size_of(pool, a), 0);
	KUNIT_EXPECT_EQ(test, t_pool_size_of(pool, again.h), 16);
	expect_pattern(test, pool, &again, scratch);
	expect_t_pool_consistent(test, pool, true);
}

/*
 * The nodes of freed blocks are used again, under new generations, before
 * the tables grow.
 */
static void t_pool_freed_nodes_reused(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 4 * KIB, 8);
	struct t_pool_stats before, after;
	u64 h[8], x, y;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(h); i++) {
		h[i] = t_pool_alloc_handle(pool, 16, 0);
		KUNIT_ASSERT_NE(test, h[i], T_POOL_NO_HANDLE);
	}
	t_pool_get_stats(pool, &before);
	KUNIT_ASSERT_EQ(test, t_pool_free(pool, h[5]), 0);
	KUNIT_ASSERT_EQ(test, t_pool_free(pool, h[2]), 0);
	x = t_pool_alloc_handle(pool, 16, 0);
	y = t_pool_alloc_handle(pool, 16, 0);
	KUNIT_ASSERT_NE(test, x, T_POOL_NO_HANDLE);
	KUNIT_ASSERT_NE(test, y, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_TRUE(test,
			  ((x & SLOT_BITS) == (h[5] & SLOT_BITS) &&
			   (y & SLOT_BITS) == (h[2] & SLOT_BITS)) ||
			  ((x & SLOT_BITS) == (h[2] & SLOT_BITS) &&
			   (y & SLOT_BITS) == (h[5] & SLOT_BITS)));
	KUNIT_EXPECT_NE(test, x, h[5]);
	KUNIT_EXPECT_NE(test, x, h[2]);
	KUNIT_EXPECT_NE(test, y, h[5]);
	KUNIT_EXPECT_NE(test, y, h[2]);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.meta_bytes, before.meta_bytes);
	expect_t_pool_consistent(test, pool, true);
}

static void t_pool_table_full(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 64 * KIB, 8);
	struct t_pool_stats before, after;
	u64 h[8], again;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(h); i++) {
		h[i] = t_pool_alloc_handle(pool, 100, 0);
		KUNIT_ASSERT_NE(test, h[i], T_POOL_NO_HANDLE);
	}
	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, 16, 0), T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test,
			t_pool_alloc_handle(pool, 16, T_POOL_REORDER_ON_FAIL),
			T_POOL_NO_HANDLE);
	KUNIT_EXPECT_NULL(test, t_pool_alloc(pool, 16));
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "table full");
	KUNIT_EXPECT_EQ(test, after.failed_allocs, before.failed_allocs + 3);
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls);
	KUNIT_EXPECT_EQ(test, after.used_blocks, 8);
	expect_t_pool_consistent(test, pool, true);

	KUNIT_EXPECT_EQ(test, t_pool_free(pool, h[3]), 0);
	again = t_pool_alloc_handle(pool, 16, 0);
	KUNIT_EXPECT_NE(test, again, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, again & SLOT_BITS, h[3] & SLOT_BITS);
	expect_t_pool_consistent(test, pool, true);
}

static void t_pool_pins_nest(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 16 * KIB, 0);
	u8 *scratch = kunit_buffer(test, KIB);
	u8 *arena = arena_of(pool), *p[3], *q;
	struct t_pool_stats before, after;
	struct tblock a, b;
	unsigned int i;

	alloc_patterned(test, pool, &a, 256, 0xa1, scratch);
	alloc_patterned(test, pool, &b, 512, 0xb2, scratch);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = t_pool_pin(pool, a.h);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_PTR_EQ(test, p[i], arena + offset_of(test, pool, a.h));
		KUNIT_EXPECT_PTR_EQ(test, p[i], p[0]);
	}
	q = t_pool_pin(pool, b.h);
	KUNIT_ASSERT_NOT_NULL(test, q);
	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, before.pinned_blocks, 2);
	expect_t_pool_consistent(test, pool, true);

	/* Writes through the address are what the pool reads. */
	pattern_fill(p[0], 0, a.len, 0xa3);
	a.seed = 0xa3;
	expect_pattern(test, pool, &a, scratch);

	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, a.h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, a.h), 0);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.pinned_blocks, 2);

	/* One pin is left: neither call frees the block. */
	before = after;
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, a.h), -EBUSY);
	KUNIT_EXPECT_FALSE(test, t_pool_dealloc(pool, p[0]));
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "free of a pinned block");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 2);
	expect_pattern(test, pool, &a, scratch);

	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, a.h), 0);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.pinned_blocks, 1);

	/* One unpin too many is refused and changes nothing. */
	before = after;
	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, a.h), -EINVAL);
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "unpin of an unpinned block");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 1);

	KUNIT_EXPECT_EQ(test, t_pool_free(pool, a.h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, b.h), -EBUSY);
	expect_pattern(test, pool, &b, scratch);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, b.h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, b.h), 0);
	expect_pool_empty(test, pool);
}

/*
 * refused_calls counts calls refused as misuse: one call that is refused
 * counts once, however many of its arguments are wrong.
 */
static void t_pool_refusal_counted_once(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 4 * KIB, 0);
	struct t_pool_stats before, after;
	u8 *arena = arena_of(pool);
	u64 dead;

	dead = t_pool_alloc_handle(pool, 16, 0);
	KUNIT_ASSERT_NE(test, dead, T_POOL_NO_HANDLE);
	KUNIT_ASSERT_EQ(test, t_pool_free(pool, dead), 0);

	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, t_pool_copy(pool, dead, dead), -EINVAL);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ_MSG(test, after.refused_calls, before.refused_calls + 1,
			    "t_pool_copy() with both handles dead");

	before = after;
	KUNIT_EXPECT_FALSE(test, copy_t_ptr(pool, arena + 1, arena + 1));
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ_MSG(test, after.refused_calls, before.refused_calls + 1,
			    "copy_t_ptr() with both addresses wrong");
	expect_pool_empty(test, pool);
}

static struct kunit_case t_pool_handles_cases[] = {
	KUNIT_CASE_PARAM(t_pool_bad_handle_refused,
			 t_pool_bad_handle_gen_params),
	KUNIT_CASE(t_pool_freed_node_reuse),
	KUNIT_CASE(t_pool_freed_nodes_reused),
	KUNIT_CASE(t_pool_table_full),
	KUNIT_CASE(t_pool_pins_nest),
	KUNIT_CASE(t_pool_refusal_counted_once),
	{}
};

static struct kunit_suite t_pool_handles_suite = {
	.name = "t_pool_handles",
	.test_cases = t_pool_handles_cases,
};

/* ---------------------------------------------------------------------- */
/* t_pool_rw: read, write, clean and copy                                 */
/* ---------------------------------------------------------------------- */

/* Largest guard block; scratch buffers hold one or the block between. */
#define GUARD_MAX	80

/*
 * Three blocks side by side: b[1] of @size bytes between two guards.
 * Patterns cover every byte of each (its rounded size).
 */
static void guarded_blocks(struct kunit *test, struct t_pool *pool,
			   struct tblock *b, size_t size, u8 *scratch)
{
	static const size_t len[3] = { 64, 0, GUARD_MAX };
	unsigned int i;

	for (i = 0; i < 3; i++)
		alloc_whole(test, pool, &b[i], len[i] ?: size, 0x3300 + i,
			    scratch);
}

static void t_pool_rw_bounds(struct kunit *test)
{
	const size_t size = *(const size_t *)test->param_value;
	const size_t r = rounded(size);
	struct t_pool *pool = kunit_t_pool(test, SIZES_ARENA, 0);
	u8 *scratch = kunit_buffer(test, r + GUARD_MAX);
	u8 *buf = kunit_buffer(test, r + 16);
	struct t_pool_stats before, after;
	struct tblock b[3];
	u64 h;
	u8 byte = 0x99;

	guarded_blocks(test, pool, b, size, scratch);
	h = b[1].h;
	expect_blocks(test, pool, b, 3, scratch);

	/* Inner ranges read what the pattern says. */
	KUNIT_EXPECT_EQ(test, t_pool_read(pool, h, r / 3, buf, r / 2), 0);
	KUNIT_EXPECT_EQ(test, pattern_check(buf, r / 3, r / 2, b[1].seed), r / 2);

	/* Ranges that end at the block's end are fine, empty ones too. */
	KUNIT_EXPECT_EQ(test, t_pool_write(pool, h, r, buf, 0), 0);
	KUNIT_EXPECT_EQ(test, t_pool_read(pool, h, r, buf, 0), 0);
	KUNIT_EXPECT_EQ(test, t_pool_write(pool, h, r - 1, &byte, 1), 0);
	byte = 0;
	KUNIT_EXPECT_EQ(test, t_pool_read(pool, h, r - 1, &byte, 1), 0);
	KUNIT_EXPECT_EQ(test, byte, 0x99);
	pattern_fill(&byte, r - 1, 1, b[1].seed);
	KUNIT_EXPECT_EQ(test, t_pool_write(pool, h, r - 1, &byte, 1), 0);

	/* Ranges past the end are refused whole: nothing is written. */
	memset(buf, 0xe7, r + 16);
	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, t_pool_write(pool, h, 0, buf, r + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_write(pool, h, r, buf, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_write(pool, h, r + 1, buf, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_write(pool, h, 1, buf, SIZE_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_write(pool, h, SIZE_MAX, buf, 1), -EINVAL);
	/* ... and nothing is read. */
	KUNIT_EXPECT_EQ(test, t_pool_read(pool, h, 0, buf, r + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_read(pool, h, r, buf, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_read(pool, h, r + 1, buf, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_read(pool, h, 1, buf, SIZE_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_pool_read(pool, h, SIZE_MAX, buf, 1), -EINVAL);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf, 0xe7, r + 16),
			      "a refused read wrote to its buffer");
	expect_stats_same(test, &before, &after, "accesses out of bounds");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 10);
	expect_blocks(test, pool, b, 3, scratch);
	expect_t_pool_consistent(test, pool, true);
}

static void t_pool_clean_sizes(struct kunit *test)
{
	const size_t size = *(const size_t *)test->param_value;
	const size_t r = rounded(size);
	struct t_pool *pool = kunit_t_pool(test, SIZES_ARENA, 0);
	u8 *scratch = kunit_buffer(test, r + GUARD_MAX);
	struct tblock b[3];

	guarded_blocks(test, pool, b, size, scratch);
	KUNIT_EXPECT_EQ(test, t_pool_clean(pool, b[1].h), 0);
	b[1].seed = 0;
	expect_blocks(test, pool, b, 3, scratch);
	expect_t_pool_consistent(test, pool, true);
}

/* Copying @size bytes into a larger block: exactly the source's bytes. */
static void t_pool_copy_sizes(struct kunit *test)
{
	const size_t size = *(const size_t *)test->param_value;
	const size_t r = rounded(size), dr = rounded(size + 100);
	struct t_pool *pool = kunit_t_pool(test, SIZES_ARENA, 0);
	u8 *scratch = kunit_buffer(test, dr);
	struct t_pool_stats before, after;
	struct tblock src, dst, guard;

	alloc_patterned(test, pool, &src, r, 0xc0, scratch);
	alloc_patterned(test, pool, &dst, dr, 0xd0, scratch);
	alloc_patterned(test, pool, &guard, 64, 0xe0, scratch);

	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, t_pool_copy(pool, dst.h, src.h), 0);
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "copy");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls);

	KUNIT_ASSERT_EQ(test, t_pool_read(pool, dst.h, 0, scratch, dr), 0);
	KUNIT_EXPECT_EQ(test, pattern_check(scratch, 0, r, src.seed), r);
	KUNIT_EXPECT_EQ_MSG(test, pattern_check(scratch + r, r, dr - r, dst.seed),
			    dr - r, "copy wrote past the source's size");
	expect_pattern(test, pool, &src, scratch);
	expect_pattern(test, pool, &guard, scratch);
	expect_t_pool_consistent(test, pool, true);
}

static void t_pool_copy_smaller_dst(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 16 * KIB, 0);
	u8 *scratch = kunit_buffer(test, KIB);
	struct t_pool_stats before, after;
	struct tblock src, small, same;

	alloc_patterned(test, pool, &src, 112, 0x51, scratch);
	alloc_patterned(test, pool, &small, 96, 0x52, scratch);
	alloc_patterned(test, pool, &same, 110, 0x53, scratch);

	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, t_pool_copy(pool, small.h, src.h), -ENOSPC);
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "copy into a smaller block");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 1);
	expect_pattern(test, pool, &small, scratch);
	expect_pattern(test, pool, &src, scratch);

	/* 110 bytes round up to 112: the copy fits and takes all 112. */
	KUNIT_EXPECT_EQ(test, t_pool_copy(pool, same.h, src.h), 0);
	same.len = 112;
	same.seed = src.seed;
	expect_pattern(test, pool, &same, scratch);
	expect_t_pool_consistent(test, pool, true);
}

static void t_pool_copy_self(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 16 * KIB, 0);
	u8 *scratch = kunit_buffer(test, 8 * KIB);
	struct t_pool_stats before, after;
	struct tblock b;

	t_pool_set_step(pool, 64);
	alloc_patterned(test, pool, &b, 5000, 0x5e1f, scratch);
	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, t_pool_copy(pool, b.h, b.h), 0);
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "self copy");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls);
	expect_pattern(test, pool, &b, scratch);
}

/* With tiny steps every access is cut into many lock holds. */
static void t_pool_rw_small_steps(struct kunit *test)
{
	size_t step = *(const size_t *)test->param_value;
	struct t_pool *pool = kunit_t_pool(test, 3 * MAX_BLOCK, 0);
	u8 *scratch = kunit_buffer(test, MAX_BLOCK);
	struct tblock a, b;

	t_pool_set_step(pool, step);
	alloc_patterned(test, pool, &a, MAX_BLOCK, 0x1111, scratch);
	alloc_patterned(test, pool, &b, MAX_BLOCK, 0x2222, scratch);
	expect_pattern(test, pool, &a, scratch);

	/* An unaligned range across many steps. */
	pattern_fill(scratch, 77, 5000, 0x3333);
	KUNIT_EXPECT_EQ(test, t_pool_write(pool, a.h, 77, scratch, 5000), 0);
	KUNIT_ASSERT_EQ(test, t_pool_read(pool, a.h, 0, scratch, MAX_BLOCK), 0);
	KUNIT_EXPECT_EQ(test, pattern_check(scratch, 0, 77, a.seed), 77);
	KUNIT_EXPECT_EQ(test, pattern_check(scratch + 77, 77, 5000, 0x3333), 5000);
	KUNIT_EXPECT_EQ(test, pattern_check(scratch + 5077, 5077,
					    MAX_BLOCK - 5077, a.seed),
			MAX_BLOCK - 5077);

	KUNIT_EXPECT_EQ(test, t_pool_copy(pool, a.h, b.h), 0);
	a.seed = b.seed;
	expect_pattern(test, pool, &a, scratch);
	KUNIT_EXPECT_EQ(test, t_pool_clean(pool, b.h), 0);
	b.seed = 0;
	expect_pattern(test, pool, &b, scratch);
	expect_pattern(test, pool, &a, scratch);
	expect_t_pool_consistent(test, pool, true);
}

/*
 * Holds, as the device takes them around a copy to or from user memory:
 * a shared hold admits readers and the source side of a copy and refuses
 * every change with -EBUSY, and once a change was refused, new readers
 * too until the hold is gone; a hold alone refuses readers too.  A held
 * block stays where it is through a whole reorder, and the caller's bytes
 * at the address the hold gave are the block's.  Checked with interrupts
 * off, as from an interrupt handler.
 */
static void t_pool_rw_holds(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 64 * 1024, 0);
	u8 *scratch = kunit_buffer(test, 8192);
	struct tblock gap, a, b;
	struct t_pool_stats before, after;
	unsigned long flags;
	size_t size = 0;
	void *addr = NULL;
	u8 *arena = t_pool_arena(pool, NULL);

	alloc_whole(test, pool, &gap, 1024, 0, scratch);
	alloc_whole(test, pool, &a, 3000, 61, scratch);
	alloc_whole(test, pool, &b, 3000, 62, scratch);
	KUNIT_ASSERT_EQ(test, t_pool_free(pool, gap.h), 0);

	KUNIT_ASSERT_EQ(test, t_pool_hold(pool, a.h, false, &addr, &size), 0);
	KUNIT_EXPECT_EQ(test, size, a.len);
	KUNIT_EXPECT_EQ(test, pattern_check(addr, 0, size, a.seed), size);
	KUNIT_EXPECT_EQ(test, t_pool_copy(pool, b.h, a.h), 0);
	b.seed = a.seed;
	t_pool_get_stats(pool, &before);
	local_irq_save(flags);
	KUNIT_EXPECT_EQ(test, t_pool_free(pool, a.h), -EBUSY);
	KUNIT_EXPECT_EQ(test, t_pool_clean(pool, a.h), -EBUSY);
	KUNIT_EXPECT_EQ(test, t_pool_write(pool, a.h, 0, scratch, 8), -EBUSY);
	KUNIT_EXPECT_EQ(test, t_pool_copy(pool, a.h, b.h), -EBUSY);
	KUNIT_EXPECT_EQ(test, t_pool_hold(pool, a.h, true, &addr, &size),
			-EBUSY);
	/* A writer was refused: no new reader until the readers are gone. */
	KUNIT_EXPECT_EQ(test, t_pool_read(pool, a.h, 0, scratch, 8), -EBUSY);
	local_irq_restore(flags);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls);
	KUNIT_EXPECT_EQ(test, t_pool_reorder(pool, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, addr, (void *)(arena + 1024));
	KUNIT_EXPECT_EQ(test, pattern_check(addr, 0, size, a.seed), size);
	expect_pattern(test, pool, &b, scratch);
	KUNIT_EXPECT_EQ(test, t_pool_unhold(pool, a.h, false), 0);
	KUNIT_EXPECT_EQ(test, t_pool_unhold(pool, a.h, false), -EINVAL);

	KUNIT_ASSERT_EQ(test, t_pool_hold(pool, a.h, true, &addr, &size), 0);
	pattern_fill(addr, 0, size, 63);
	a.seed = 63;
	KUNIT_EXPECT_EQ(test, t_pool_read(pool, a.h, 0, scratch, 8), -EBUSY);
	KUNIT_EXPECT_EQ(test, t_pool_copy(pool, b.h, a.h), -EBUSY);
	KUNIT_EXPECT_EQ(test, t_pool_unhold(pool, a.h, true), 0);
	expect_pattern(test, pool, &a, scratch);
	KUNIT_EXPECT_EQ(test, t_pool_reorder(pool, NULL), 0);
	expect_pattern(test, pool, &a, scratch);
	expect_pattern(test, pool, &b, scratch);
	expect_t_pool_consistent(test, pool, true);
}

static struct kunit_case t_pool_rw_cases[] = {
	KUNIT_CASE_PARAM(t_pool_rw_bounds, t_pool_size_gen_params),
	KUNIT_CASE_PARAM(t_pool_clean_sizes, t_pool_size_gen_params),
	KUNIT_CASE_PARAM(t_pool_copy_sizes, t_pool_size_gen_params),
	KUNIT_CASE(t_pool_copy_smaller_dst),
	KUNIT_CASE(t_pool_copy_self),
	KUNIT_CASE_PARAM(t_pool_rw_small_steps, t_pool_step_gen_params),
	KUNIT_CASE(t_pool_rw_holds),
	{}
};

static struct kunit_suite t_pool_rw_suite = {
	.name = "t_pool_rw",
	.test_cases = t_pool_rw_cases,
};

/* ---------------------------------------------------------------------- */
/* t_pool_reorder: compaction                                             */
/* ---------------------------------------------------------------------- */

#define FRAG_BLOCKS	48
#define FRAG_ARENA	(128 * KIB)

static size_t frag_size(unsigned int i)
{
	return 1 + (i * 389) % 1900;
}

/*
 * Fills @b with FRAG_BLOCKS blocks of frag_size() bytes, side by side from
 * the start of the arena, each patterned to its last byte, then frees
 * every other one: the odd ones if @free_odd, else the even ones.  Freed
 * entries get handle 0.
 */
static void fragment_pool(struct kunit *test, struct t_pool *pool,
			  struct tblock *b, bool free_odd, u8 *scratch)
{
	unsigned int i;

	for (i = 0; i < FRAG_BLOCKS; i++)
		alloc_whole(test, pool, &b[i], frag_size(i), 0x5000 + i,
			    scratch);
	for (i = free_odd; i < FRAG_BLOCKS; i += 2) {
		KUNIT_ASSERT_EQ(test, t_pool_free(pool, b[i].h), 0);
		b[i].h = T_POOL_NO_HANDLE;
	}
	expect_t_pool_consistent(test, pool, true);
}

static struct tblock *frag_blocks(struct kunit *test)
{
	struct tblock *b = kunit_kcalloc(test, FRAG_BLOCKS, sizeof(*b),
					 GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	return b;
}

/*
 * What a pass with no pins must move: each block after the first free
 * run, once, all of its bytes.
 */
static void expected_moves(struct kunit *test, struct t_pool *pool,
			   size_t *blocks, size_t *bytes)
{
	struct t_pool_extent *ext = walk_buffer(test);
	struct t_walk_sum ws;
	bool seen_free = false;
	size_t n, i;

	*blocks = 0;
	*bytes = 0;
	n = t_walk_pool(test, pool, 8, &ws, ext, WALK_MAX);
	for (i = 0; i < n; i++) {
		if (ext[i].handle == T_POOL_NO_HANDLE) {
			seen_free = true;
		} else if (seen_free) {
			(*blocks)++;
			*bytes += ext[i].size;
		}
	}
}

static void t_pool_reorder_compacts(struct kunit *test)
{
	size_t step = *(const size_t *)test->param_value;
	struct t_pool *pool = kunit_t_pool(test, FRAG_ARENA, 0);
	u8 *scratch = kunit_buffer(test, 4 * KIB);
	struct tblock *b = frag_blocks(test);
	struct t_pool_reorder_result res;
	struct t_pool_stats before, after;
	size_t blocks, bytes;
	unsigned int i;

	t_pool_set_step(pool, step);
	fragment_pool(test, pool, b, true, scratch);
	expected_moves(test, pool, &blocks, &bytes);
	KUNIT_ASSERT_GT(test, blocks, 0);
	t_pool_get_stats(pool, &before);
	KUNIT_ASSERT_GT(test, before.free_blocks, 1);

	memset(&res, 0xff, sizeof(res));
	KUNIT_EXPECT_EQ(test, t_pool_reorder(pool, &res), 0);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, res.blocks_moved, blocks);
	KUNIT_EXPECT_EQ(test, res.bytes_moved, bytes);
	KUNIT_EXPECT_EQ(test, res.free_blocks, 1);
	KUNIT_EXPECT_EQ(test, res.largest_free, after.free_bytes);
	KUNIT_EXPECT_EQ(test, after.reorders, before.reorders + 1);
	KUNIT_EXPECT_EQ(test, after.bytes_moved, before.bytes_moved + bytes);
	KUNIT_EXPECT_EQ(test, after.used_bytes, before.used_bytes);
	KUNIT_EXPECT_EQ(test, after.used_blocks, before.used_blocks);
	KUNIT_EXPECT_EQ(test, after.peak_used, before.peak_used);
	expect_compacted(test, pool);
	for (i = 0; i < FRAG_BLOCKS; i++)
		if (b[i].h != T_POOL_NO_HANDLE)
			KUNIT_EXPECT_EQ(test, t_pool_size_of(pool, b[i].h),
					rounded(b[i].len));
	expect_blocks(test, pool, b, FRAG_BLOCKS, scratch);

	/* A second pass finds nothing to move. */
	KUNIT_EXPECT_EQ(test, t_pool_reorder(pool, &res), 0);
	KUNIT_EXPECT_EQ(test, res.blocks_moved, 0);
	KUNIT_EXPECT_EQ(test, res.bytes_moved, 0);
	expect_compacted(test, pool);
}

static void t_pool_reorder_nothing_to_do(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, 4 * KIB, 0);
	struct t_pool_reorder_result res;
	struct t_pool_stats st;
	u64 h;

	KUNIT_EXPECT_EQ(test, t_pool_reorder(pool, &res), 0);
	KUNIT_EXPECT_EQ(test, res.blocks_moved, 0);
	KUNIT_EXPECT_EQ(test, res.bytes_moved, 0);
	KUNIT_EXPECT_EQ(test, res.free_blocks, 1);
	KUNIT_EXPECT_EQ(test, res.largest_free, 4 * KIB);
	KUNIT_EXPECT_EQ(test, t_pool_reorder(pool, NULL), 0);
	t_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.reorders, 2);
	KUNIT_EXPECT_EQ(test, st.bytes_moved, 0);
	expect_pool_empty(test, pool);

	/* A full pool has nothing to move either. */
	h = t_pool_alloc_handle(pool, 4 * KIB, 0);
	KUNIT_ASSERT_NE(test, h, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_reorder(pool, &res), 0);
	KUNIT_EXPECT_EQ(test, res.bytes_moved, 0);
	KUNIT_EXPECT_EQ(test, res.free_blocks, 0);
	KUNIT_EXPECT_EQ(test, res.largest_free, 0);
	expect_t_pool_consistent(test, pool, true);
}

#define PIN_FIRST	BIT(0)
#define PIN_MIDDLE	BIT(1)
#define PIN_LAST	BIT(2)

static const unsigned int t_pool_pin_sets[] = {
	PIN_FIRST, PIN_MIDDLE, PIN_LAST, PIN_FIRST | PIN_MIDDLE | PIN_LAST,
};

static void t_pool_pin_set_desc(const unsigned int *set, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "pinned:%s%s%s",
		 *set & PIN_FIRST ? " first" : "",
		 *set & PIN_MIDDLE ? " middle" : "",
		 *set & PIN_LAST ? " last" : "");
}

KUNIT_ARRAY_PARAM(t_pool_pin_set, t_pool_pin_sets, t_pool_pin_set_desc);

/*
 * Pinned blocks are barriers: a pass moves every other block, but neither
 * the pinned blocks' offsets nor any byte changes.  Free space is left
 * only in front of pinned blocks and at the top.
 */
static void t_pool_reorder_pinned(struct kunit *test)
{
	/* The even blocks are freed: the first survivor has a gap below. */
	static const unsigned int which[] = {
		1, (FRAG_BLOCKS / 2) | 1, FRAG_BLOCKS - 1,
	};
	const unsigned int set = *(const unsigned int *)test->param_value;
	struct t_pool *pool = kunit_t_pool(test, FRAG_ARENA, 0);
	struct t_pool_extent *ext = walk_buffer(test);
	u8 *scratch = kunit_buffer(test, 4 * KIB);
	struct tblock *b = frag_blocks(test);
	struct t_pool_reorder_result res;
	u8 *arena = arena_of(pool), *ptr[3] = { };
	size_t off[3] = { }, n, i, free_runs = 0, pins = 0;
	struct t_pool_stats st;
	struct t_walk_sum ws;
	unsigned int k;

	fragment_pool(test, pool, b, false, scratch);
	for (k = 0; k < ARRAY_SIZE(which); k++) {
		if (!(set & BIT(k)))
			continue;
		ptr[k] = t_pool_pin(pool, b[which[k]].h);
		KUNIT_ASSERT_NOT_NULL(test, ptr[k]);
		off[k] = offset_of(test, pool, b[which[k]].h);
		KUNIT_ASSERT_PTR_EQ(test, ptr[k], arena + off[k]);
		pins++;
	}

	KUNIT_EXPECT_EQ(test, t_pool_reorder(pool, &res), 0);
	KUNIT_EXPECT_GT(test, res.blocks_moved, 0);
	for (k = 0; k < ARRAY_SIZE(which); k++) {
		const struct tblock *pb = &b[which[k]];

		if (!ptr[k])
			continue;
		KUNIT_EXPECT_EQ_MSG(test, offset_of(test, pool, pb->h), off[k],
				    "pinned block %u moved", which[k]);
		KUNIT_EXPECT_EQ_MSG(test, pattern_check(ptr[k], 0, pb->len,
							pb->seed),
				    pb->len, "pinned block %u changed", which[k]);
	}
	expect_blocks(test, pool, b, FRAG_BLOCKS, scratch);

	n = t_walk_pool(test, pool, 8, &ws, ext, WALK_MAX);
	for (i = 0; i < n; i++) {
		if (ext[i].handle != T_POOL_NO_HANDLE)
			continue;
		free_runs++;
		KUNIT_EXPECT_TRUE_MSG(test, i + 1 == n || ext[i + 1].pinned,
				      "free run at %zu is neither at the top nor before a pin",
				      ext[i].offset);
	}
	KUNIT_EXPECT_LE(test, free_runs, pins + 1);
	t_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.pinned_blocks, pins);
	expect_t_pool_consistent(test, pool, true);

	/* Unpinned, a new pass compacts all. */
	for (k = 0; k < ARRAY_SIZE(which); k++)
		if (ptr[k])
			KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, b[which[k]].h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_reorder(pool, NULL), 0);
	expect_compacted(test, pool);
	expect_blocks(test, pool, b, FRAG_BLOCKS, scratch);
}

/* Steps move at most their budget; together they make a whole pass. */
static void t_pool_reorder_step_budget(struct kunit *test)
{
	struct t_pool *pool = kunit_t_pool(test, FRAG_ARENA, 0);
	u8 *scratch = kunit_buffer(test, 4 * KIB);
	struct tblock *b = frag_blocks(test);
	struct t_pool_reorder_result res = { };
	struct t_pool *small;
	size_t blocks, bytes, prev;
	unsigned int steps = 0;
	u64 x, y;
	int ret;

	fragment_pool(test, pool, b, true, scratch);
	expected_moves(test, pool, &blocks, &bytes);
	do {
		prev = res.bytes_moved;
		ret = t_pool_reorder_step(pool, 100, &res);
		KUNIT_ASSERT_GE(test, ret, 0);
		KUNIT_EXPECT_LE(test, res.bytes_moved - prev, 100);
		steps++;
		KUNIT_ASSERT_LT(test, steps, 10000U);
		expect_t_pool_consistent(test, pool, false);
	} while (ret);
	KUNIT_EXPECT_EQ(test, res.bytes_moved, bytes);
	KUNIT_EXPECT_EQ(test, res.blocks_moved, blocks);
	KUNIT_EXPECT_GE(test, steps, bytes / 100);
	KUNIT_EXPECT_EQ(test, res.free_blocks, 1);
	expect_compacted(test, pool);
	expect_blocks(test, pool, b, FRAG_BLOCKS, scratch);

	/* Budget 0 takes the pool's step size, which set_step(0) restores. */
	small = kunit_t_pool(test, 4 * KIB, 0);
	x = t_pool_alloc_handle(small, KIB, 0);
	y = t_pool_alloc_handle(small, KIB, 0);
	KUNIT_ASSERT_NE(test, x, T_POOL_NO_HANDLE);
	KUNIT_ASSERT_NE(test, y, T_POOL_NO_HANDLE);
	KUNIT_ASSERT_EQ(test, t_pool_free(small, x), 0);
	t_pool_set_step(small, 32);
	memset(&res, 0, sizeof(res));
	KUNIT_EXPECT_EQ(test, t_pool_reorder_step(small, 0, &res), 1);
	KUNIT_EXPECT_EQ(test, res.bytes_moved, 32);
	t_pool_set_step(small, 0);
	KUNIT_EXPECT_GE(test, t_pool_reorder_step(small, 0, &res), 0);
	KUNIT_EXPECT_GT(test, res.bytes_moved, 64);
	finish_pass(test, small, 0);
	expect_compacted(test, small);
}

/* 16 blocks of 256 bytes fill 4 KiB; the even ones are freed. */
static void striped_pool(struct kunit *test, struct t_pool **poolp,
			 struct tblock *b, u8 *scratch)
{
	struct t_pool *pool = kunit_t_pool(test, 4 * KIB, 0);
	unsigned int i;

	for (i = 0; i < 16; i++)
		alloc_patterned(test, pool, &b[i], 256, 0x6000 + i, scratch);
	for (i = 0; i < 16; i += 2) {
		KUNIT_ASSERT_EQ(test, t_pool_free(pool, b[i].h), 0);
		b[i].h = T_POOL_NO_HANDLE;
	}
	*poolp = pool;
}

static void t_pool_reorder_on_fail(struct kunit *test)
{
	u8 *scratch = kunit_buffer(test, KIB);
	struct t_pool_stats before, after;
	struct t_pool *pool;
	struct tblock b[16], fresh;

	striped_pool(test, &pool, b, scratch);
	t_pool_get_stats(pool, &before);
	KUNIT_ASSERT_EQ(test, before.free_bytes, 2 * KIB);
	KUNIT_ASSERT_EQ(test, before.largest_free, 256);

	/* Without the flag the request fails: no run fits. */
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, 512, 0), T_POOL_NO_HANDLE);
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "alloc without reorder");
	KUNIT_EXPECT_EQ(test, after.failed_allocs, before.failed_allocs + 1);

	/* With it the pool is compacted and the request succeeds. */
	before = after;
	fresh.h = t_pool_alloc_handle(pool, 512, T_POOL_REORDER_ON_FAIL);
	KUNIT_ASSERT_NE(test, fresh.h, T_POOL_NO_HANDLE);
	fresh.len = 512;
	write_pattern(test, pool, &fresh, 0xf4e5, scratch);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.reorders, before.reorders + 1);
	KUNIT_EXPECT_EQ(test, after.failed_allocs, before.failed_allocs);
	KUNIT_EXPECT_EQ(test, after.used_bytes, before.used_bytes + 512);
	KUNIT_EXPECT_EQ(test, after.largest_free, after.free_bytes);
	expect_blocks(test, pool, b, 16, scratch);
	expect_pattern(test, pool, &fresh, scratch);
	expect_t_pool_consistent(test, pool, true);
}

/* No compaction is tried when the free bytes could not hold the request. */
static void t_pool_reorder_on_fail_no_room(struct kunit *test)
{
	u8 *scratch = kunit_buffer(test, KIB);
	struct t_pool_stats before, after;
	struct t_pool *pool;
	struct tblock b[16];
	u64 h;

	striped_pool(test, &pool, b, scratch);
	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, 2 * KIB + 1,
						  T_POOL_REORDER_ON_FAIL),
			T_POOL_NO_HANDLE);
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "alloc larger than free bytes");
	KUNIT_EXPECT_EQ(test, after.failed_allocs, before.failed_allocs + 1);
	expect_blocks(test, pool, b, 16, scratch);

	/* Exactly the free bytes: compaction makes them one run. */
	h = t_pool_alloc_handle(pool, 2 * KIB, T_POOL_REORDER_ON_FAIL);
	KUNIT_EXPECT_NE(test, h, T_POOL_NO_HANDLE);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.free_bytes, 0);
	expect_blocks(test, pool, b, 16, scratch);
	expect_t_pool_consistent(test, pool, true);
}

/*
 * When pins make compaction useless the request fails, the pinned blocks
 * stay, and the failure is counted once.
 */
static void t_pool_reorder_on_fail_pinned(struct kunit *test)
{
	u8 *scratch = kunit_buffer(test, KIB);
	struct t_pool_stats before, after;
	struct t_pool *pool;
	struct tblock b[16];
	u8 *ptr[16] = { };
	unsigned int i;

	striped_pool(test, &pool, b, scratch);
	for (i = 1; i < 16; i += 2) {
		ptr[i] = t_pool_pin(pool, b[i].h);
		KUNIT_ASSERT_NOT_NULL(test, ptr[i]);
	}
	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_EQ(test, t_pool_alloc_handle(pool, 512,
						  T_POOL_REORDER_ON_FAIL),
			T_POOL_NO_HANDLE);
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ_MSG(test, after.failed_allocs, before.failed_allocs + 1,
			    "one failed alloc counted %zu times",
			    after.failed_allocs - before.failed_allocs);
	KUNIT_EXPECT_LE(test, after.reorders, before.reorders + 1);
	KUNIT_EXPECT_EQ(test, after.bytes_moved, before.bytes_moved);
	for (i = 1; i < 16; i += 2) {
		KUNIT_EXPECT_PTR_EQ(test, (u8 *)t_pool_pin(pool, b[i].h), ptr[i]);
		KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, b[i].h), 0);
		KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, b[i].h), 0);
	}
	expect_blocks(test, pool, b, 16, scratch);
	expect_t_pool_consistent(test, pool, true);
}

/*
 * [0][1][2][3][4][5][6][7], 128 bytes each, 1 and 3 freed, then one step
 * of 128 bytes: block 2 moves down into 1's place and the pass stops with
 * its cursor past 2.  Block 0, below the cursor, is then freed.
 */
static void partial_pass(struct kunit *test, struct t_pool **poolp,
			 struct tblock *b, u8 *scratch)
{
	struct t_pool *pool = kunit_t_pool(test, KIB, 0);
	struct t_pool_reorder_result res = { };
	unsigned int i;

	for (i = 0; i < 8; i++)
		alloc_patterned(test, pool, &b[i], 128, 0x8000 + i, scratch);
	for (i = 1; i < 4; i += 2) {
		KUNIT_ASSERT_EQ(test, t_pool_free(pool, b[i].h), 0);
		b[i].h = T_POOL_NO_HANDLE;
	}
	KUNIT_ASSERT_EQ(test, t_pool_reorder_step(pool, 128, &res), 1);
	KUNIT_ASSERT_EQ(test, res.bytes_moved, 128);
	KUNIT_ASSERT_EQ(test, offset_of(test, pool, b[2].h), 128);
	KUNIT_ASSERT_EQ(test, t_pool_free(pool, b[0].h), 0);
	b[0].h = T_POOL_NO_HANDLE;
	expect_t_pool_consistent(test, pool, true);
	*poolp = pool;
}

/*
 * t_pool_reorder() is "one whole reorder pass" after which, with no pins
 * and nothing allocated meanwhile, all free space is one run at the top,
 * also when an earlier pass was left unfinished by t_pool_reorder_step().
 */
static void t_pool_reorder_after_partial_pass(struct kunit *test)
{
	u8 *scratch = kunit_buffer(test, KIB);
	struct t_pool *pool;
	struct tblock b[8];

	partial_pass(test, &pool, b, scratch);
	KUNIT_EXPECT_EQ(test, t_pool_reorder(pool, NULL), 0);
	expect_compacted(test, pool);
	expect_blocks(test, pool, b, 8, scratch);
}

/* The same seen through T_POOL_REORDER_ON_FAIL: 384 bytes are free. */
static void t_pool_reorder_on_fail_after_partial_pass(struct kunit *test)
{
	u8 *scratch = kunit_buffer(test, KIB);
	struct t_pool_stats st;
	struct t_pool *pool;
	struct tblock b[8];
	u64 h;

	partial_pass(test, &pool, b, scratch);
	t_pool_get_stats(pool, &st);
	KUNIT_ASSERT_EQ(test, st.free_bytes, 384);
	h = t_pool_alloc_handle(pool, 384, T_POOL_REORDER_ON_FAIL);
	KUNIT_EXPECT_NE_MSG(test, h, T_POOL_NO_HANDLE,
			    "384 bytes free, no pins, and the alloc failed");
	expect_blocks(test, pool, b, 8, scratch);
	expect_t_pool_consistent(test, pool, true);
}

static struct kunit_case t_pool_reorder_cases[] = {
	KUNIT_CASE_PARAM(t_pool_reorder_compacts, t_pool_step_gen_params),
	KUNIT_CASE(t_pool_reorder_nothing_to_do),
	KUNIT_CASE_PARAM(t_pool_reorder_pinned, t_pool_pin_set_gen_params),
	KUNIT_CASE(t_pool_reorder_step_budget),
	KUNIT_CASE(t_pool_reorder_on_fail),
	KUNIT_CASE(t_pool_reorder_on_fail_no_room),
	KUNIT_CASE(t_pool_reorder_on_fail_pinned),
	KUNIT_CASE(t_pool_reorder_after_partial_pass),
	KUNIT_CASE(t_pool_reorder_on_fail_after_partial_pass),
	{}
};

static struct kunit_suite t_pool_reorder_suite = {
	.name = "t_pool_reorder",
	.test_cases = t_pool_reorder_cases,
};

/* ---------------------------------------------------------------------- */
/* Shadow model: a pool whose every byte the test also keeps              */
/* ---------------------------------------------------------------------- */

#define MODEL_BLOCKS	40
#define MODEL_MAX	(8 * KIB)
#define MODEL_STEP	64

/*
 * The cases name blocks by slot; the table pool's reference model
 * (ckremm/model/t_pool_model.h) keeps them by handle.
 */
struct model {
	struct kunit *test;
	struct t_pool *pool;
	struct t_model tm;
	u64 slot[MODEL_BLOCKS];	/* the handle in each slot, or none */
	struct rnd_state rng;
	u8 *scratch;
};

KUNIT_DEFINE_ACTION_WRAPPER(t_model_destroy_action, t_model_destroy,
			    struct t_model *);

/*
 * A pool with MODEL_STEP-byte steps, so that reads, writes and moves of
 * all but the smallest blocks take several lock holds.
 */
static struct model *model_new(struct kunit *test, size_t arena, u32 seed)
{
	struct model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->test = test;
	m->pool = kunit_t_pool(test, arena, 4 * MODEL_BLOCKS);
	prandom_seed_state(&m->rng, seed);
	m->scratch = kunit_buffer(test, MODEL_MAX);
	KUNIT_ASSERT_EQ(test, t_model_init(&m->tm, MODEL_BLOCKS, seed), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							t_model_destroy_action,
							&m->tm), 0);
	t_pool_set_step(m->pool, MODEL_STEP);
	return m;
}

/* The model's index of the block in @slot, or -1 for an empty slot. */
static int model_index(struct model *m, unsigned int slot)
{
	if (m->slot[slot] == T_POOL_NO_HANDLE)
		return -1;
	return t_model_find(&m->tm, m->slot[slot]);
}

static struct t_model_block *model_block(struct model *m, unsigned int slot)
{
	int i = model_index(m, slot);

	return i < 0 ? NULL : &m->tm.b[i];
}

static void model_check(struct model *m, unsigned int slot)
{
	int i = model_index(m, slot);
	struct t_model_block *b;
	size_t bad;
	int ret;

	if (i < 0)
		return;
	b = &m->tm.b[i];
	ret = t_pool_read(m->pool, b->h, 0, m->scratch, b->size);
	KUNIT_EXPECT_EQ_MSG(m->test, ret, 0, "read of block %u", slot);
	if (!ret) {
		bad = t_model_diff(&m->tm, i, m->scratch, 0, b->size);
		KUNIT_EXPECT_EQ_MSG(m->test, bad, b->size,
				    "block %u changed at byte %zu of %zu",
				    slot, bad, b->size);
	}
	if (b->pins) {
		bad = t_model_diff(&m->tm, i, b->pinned_at, 0, b->size);
		KUNIT_EXPECT_EQ_MSG(m->test, bad, b->size,
				    "pinned block %u changed at byte %zu of %zu",
				    slot, bad, b->size);
	}
}

static void model_check_all(struct model *m)
{
	unsigned int i;

	for (i = 0; i < MODEL_BLOCKS; i++)
		model_check(m, i);
}

/* The pool agrees with itself and with the model. */
static void model_consistent(struct model *m)
{
	u8 *arena = arena_of(m->pool);
	struct t_pool_stats st;
	unsigned int i;

	expect_t_pool_consistent(m->test, m->pool, false);
	t_pool_get_stats(m->pool, &st);
	for (i = 0; i < m->tm.n; i++) {
		if (!m->tm.b[i].pins)
			continue;
		KUNIT_EXPECT_PTR_EQ_MSG(m->test, m->tm.b[i].pinned_at,
					arena + offset_of(m->test, m->pool,
							  m->tm.b[i].h),
					"pinned block %#llx moved",
					m->tm.b[i].h);
	}
	KUNIT_EXPECT_EQ(m->test, st.used_blocks, m->tm.n);
	KUNIT_EXPECT_EQ(m->test, st.used_bytes, m->tm.used);
	KUNIT_EXPECT_EQ(m->test, st.pinned_blocks, m->tm.pinned);
}

static void model_alloc(struct model *m, unsigned int slot, size_t size,
			unsigned int flags)
{
	struct kunit *test = m->test;
	struct t_pool_stats before, after;
	struct t_model_block *b;
	u64 h;

	t_pool_get_stats(m->pool, &before);
	h = t_pool_alloc_handle(m->pool, size, flags);
	if (h == T_POOL_NO_HANDLE) {
		t_pool_get_stats(m->pool, &after);
		/* One failed call, one count, whatever it tried inside. */
		KUNIT_EXPECT_EQ(test, after.failed_allocs,
				before.failed_allocs + 1);
		/*
		 * Good fit passes over runs at most 1/16 larger than the
		 * request, so a failure means no run was that large.
		 */
		if (!flags)
			KUNIT_EXPECT_LT_MSG(test, 16 * before.largest_free,
					    17 * rounded(size),
					    "alloc(%zu) failed; largest free run %zu",
					    size, before.largest_free);
		return;
	}
	KUNIT_EXPECT_FALSE_MSG(test, t_model_was_freed(&m->tm, h),
			       "handle %#llx handed out again", h);
	b = t_model_add(&m->tm, h, size);
	KUNIT_ASSERT_NOT_NULL(test, b);
	m->slot[slot] = h;
	KUNIT_EXPECT_EQ(test, t_pool_size_of(m->pool, h), b->size);
	KUNIT_ASSERT_LE(test, b->size, MODEL_MAX);
	KUNIT_EXPECT_EQ(test, t_pool_write(m->pool, h, 0, b->bytes, b->size),
			0);
}

static void model_free(struct model *m, unsigned int slot)
{
	int i = model_index(m, slot);
	u64 h = m->slot[slot];
	int ret = t_pool_free(m->pool, h);

	if (m->tm.b[i].pins) {
		KUNIT_EXPECT_EQ(m->test, ret, -EBUSY);
		return;
	}
	KUNIT_EXPECT_EQ(m->test, ret, 0);
	KUNIT_EXPECT_EQ(m->test, t_pool_size_of(m->pool, h), 0);
	t_model_remove(&m->tm, i);
	m->slot[slot] = T_POOL_NO_HANDLE;
}

/* A new pattern over a range chosen by @r. */
static void model_write(struct model *m, unsigned int slot, u32 r)
{
	int i = model_index(m, slot);
	struct t_model_block *b = &m->tm.b[i];
	size_t pos = r % b->size;
	size_t len = 1 + (r >> 8) % (b->size - pos);

	t_model_fill(&m->tm, i, pos, len);
	KUNIT_EXPECT_EQ(m->test, t_pool_write(m->pool, b->h, pos,
					      b->bytes + pos, len), 0);
}

static void model_clean(struct model *m, unsigned int slot)
{
	int i = model_index(m, slot);

	KUNIT_EXPECT_EQ(m->test, t_pool_clean(m->pool, m->slot[slot]), 0);
	t_model_clean(&m->tm, i);
}

static void model_copy(struct model *m, unsigned int d, unsigned int s)
{
	int di = model_index(m, d), si = model_index(m, s);
	int ret = t_pool_copy(m->pool, m->slot[d], m->slot[s]);

	if (m->tm.b[di].size < m->tm.b[si].size) {
		KUNIT_EXPECT_EQ(m->test, ret, -ENOSPC);
		return;
	}
	KUNIT_EXPECT_EQ(m->test, ret, 0);
	t_model_copy(&m->tm, di, si);
}

static void model_pin(struct model *m, unsigned int slot)
{
	int i = model_index(m, slot);
	struct t_model_block *b = &m->tm.b[i];
	u8 *p = t_pool_pin(m->pool, b->h);

	KUNIT_ASSERT_NOT_NULL(m->test, p);
	if (b->pins)
		KUNIT_EXPECT_PTR_EQ(m->test, p, b->pinned_at);
	KUNIT_EXPECT_EQ(m->test, t_pool_handle_of(m->pool, p), b->h);
	t_model_pin(&m->tm, i, p);
	model_check(m, slot);
}

static void model_unpin(struct model *m, unsigned int slot)
{
	int i = model_index(m, slot);
	int ret = t_pool_unpin(m->pool, m->slot[slot]);

	if (!m->tm.b[i].pins) {
		KUNIT_EXPECT_EQ(m->test, ret, -EINVAL);
		return;
	}
	KUNIT_EXPECT_EQ(m->test, ret, 0);
	t_model_unpin(&m->tm, i);
}

static int model_step(struct model *m, size_t budget)
{
	int ret = t_pool_reorder_step(m->pool, budget, NULL);

	KUNIT_EXPECT_GE(m->test, ret, 0);
	return ret;
}

/* Unpin all, end the pass, compact, check and free everything. */
static void model_teardown(struct model *m)
{
	struct kunit *test = m->test;
	unsigned int i;

	for (i = 0; i < MODEL_BLOCKS; i++)
		while (model_block(m, i) && model_block(m, i)->pins)
			model_unpin(m, i);
	finish_pass(test, m->pool, 0);
	KUNIT_EXPECT_EQ(test, t_pool_reorder(m->pool, NULL), 0);
	expect_compacted(test, m->pool);
	model_check_all(m);
	for (i = 0; i < MODEL_BLOCKS; i++)
		if (m->slot[i])
			model_free(m, i);
	expect_pool_empty(test, m->pool);
}

/* ---------------------------------------------------------------------- */
/* t_pool_reorder_steps: a block in transit between two steps             */
/* ---------------------------------------------------------------------- */

enum { T_LEAD, T_GAP, T_MOVER, T_NEXT, T_BIG, T_REST, T_COUNT };

#define TRANSIT_STEP	64

struct transit {
	struct t_pool *pool;
	u8 *arena;
	u8 *scratch;
	struct tblock blk[T_COUNT];
	size_t from;	/* the mover's offset before the pass */
	size_t to;	/* where the pass moves it: the gap's offset */
};

/*
 * [lead 1K][gap 4K][mover 8K][next 1K][big 8K][rest], the gap freed, and
 * one reorder step of TRANSIT_STEP bytes: the mover is in transit, its
 * first TRANSIT_STEP bytes at the gap's start and the rest where it was.
 * With @full the rest of the arena is a block too, so that the gap is the
 * only free space.
 */
static struct transit *transit_setup(struct kunit *test, bool full)
{
	static const size_t len[T_COUNT] = {
		KIB, 4 * KIB, 8 * KIB, KIB, 8 * KIB, 0,
	};
	struct transit *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct t_pool_reorder_result res = { };
	struct t_pool_extent ext[2];
	struct t_pool_stats st;
	size_t cursor;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->pool = kunit_t_pool(test, 64 * KIB, 64);
	t->arena = arena_of(t->pool);
	t->scratch = kunit_buffer(test, 64 * KIB);
	t_pool_set_step(t->pool, TRANSIT_STEP);
	for (i = 0; i < T_REST; i++)
		alloc_patterned(test, t->pool, &t->blk[i], len[i], 0x9100 + i,
				t->scratch);
	if (full) {
		t_pool_get_stats(t->pool, &st);
		alloc_patterned(test, t->pool, &t->blk[T_REST], st.largest_free,
				0x91ff, t->scratch);
	}
	t->to = offset_of(test, t->pool, t->blk[T_GAP].h);
	t->from = offset_of(test, t->pool, t->blk[T_MOVER].h);
	KUNIT_ASSERT_EQ(test, t->from, t->to + 4 * KIB);
	KUNIT_ASSERT_EQ(test, t_pool_free(t->pool, t->blk[T_GAP].h), 0);
	t->blk[T_GAP].h = T_POOL_NO_HANDLE;

	KUNIT_ASSERT_EQ(test, t_pool_reorder_step(t->pool, TRANSIT_STEP, &res), 1);
	KUNIT_ASSERT_EQ(test, res.blocks_moved, 1);
	KUNIT_ASSERT_EQ(test, res.bytes_moved, TRANSIT_STEP);

	/* The walk shows the mover where its move began, the gap before it. */
	cursor = t->to;
	KUNIT_ASSERT_EQ(test, t_pool_walk(t->pool, &cursor, ext, 2), 2);
	KUNIT_EXPECT_EQ(test, ext[0].handle, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, ext[0].size, 4 * KIB);
	KUNIT_EXPECT_EQ(test, ext[1].handle, t->blk[T_MOVER].h);
	KUNIT_EXPECT_EQ(test, ext[1].offset, t->from);
	expect_t_pool_consistent(test, t->pool, false);
	return t;
}

static void transit_expect_all(struct kunit *test, struct transit *t)
{
	expect_blocks(test, t->pool, t->blk, T_COUNT, t->scratch);
}

static void t_pool_transit_read_write(struct kunit *test)
{
	struct transit *t = transit_setup(test, false);
	struct tblock *mover = &t->blk[T_MOVER];
	u8 *buf = t->scratch;
	unsigned int i;

	/* Each byte is read where it is, on either side of the boundary. */
	transit_expect_all(test, t);

	/* Writes that straddle the boundary land on both sides. */
	pattern_fill(buf, 0, mover->len, 0x2222);
	KUNIT_EXPECT_EQ(test, t_pool_write(t->pool, mover->h, 0, buf, 40), 0);
	KUNIT_EXPECT_EQ(test, t_pool_write(t->pool, mover->h, 40, buf + 40,
					   3000), 0);
	KUNIT_EXPECT_EQ(test, t_pool_write(t->pool, mover->h, 3040, buf + 3040,
					   mover->len - 3040), 0);
	mover->seed = 0x2222;
	expect_pattern(test, t->pool, mover, buf);

	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, t_pool_reorder_step(t->pool, 1000, NULL), 1);
		expect_t_pool_consistent(test, t->pool, false);
		expect_pattern(test, t->pool, mover, buf);
	}

	/* A new pattern from byte 4000 on: across the new boundary too. */
	pattern_fill(buf, 4000, mover->len - 4000, 0x3333);
	KUNIT_EXPECT_EQ(test, t_pool_write(t->pool, mover->h, 4000, buf,
					   mover->len - 4000), 0);
	KUNIT_ASSERT_EQ(test, t_pool_read(t->pool, mover->h, 0, buf,
					  mover->len), 0);
	KUNIT_EXPECT_EQ(test, pattern_check(buf, 0, 4000, 0x2222), 4000);
	KUNIT_EXPECT_EQ(test, pattern_check(buf + 4000, 4000, mover->len - 4000,
					    0x3333), mover->len - 4000);
	pattern_fill(buf, 0, mover->len, 0x4444);
	KUNIT_EXPECT_EQ(test, t_pool_write(t->pool, mover->h, 0, buf,
					   mover->len), 0);
	mover->seed = 0x4444;

	finish_pass(test, t->pool, 500);
	KUNIT_EXPECT_EQ(test, offset_of(test, t->pool, mover->h), t->to);
	transit_expect_all(test, t);
	expect_compacted(test, t->pool);
}

/* Freeing the block in transit ends its move; the pass goes on. */
static void t_pool_transit_free(struct kunit *test)
{
	struct transit *t = transit_setup(test, false);
	struct t_pool_extent ext[1];
	size_t cursor = t->to;

	KUNIT_EXPECT_EQ(test, t_pool_free(t->pool, t->blk[T_MOVER].h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_size_of(t->pool, t->blk[T_MOVER].h), 0);
	t->blk[T_MOVER].h = T_POOL_NO_HANDLE;
	expect_t_pool_consistent(test, t->pool, true);
	KUNIT_ASSERT_EQ(test, t_pool_walk(t->pool, &cursor, ext, 1), 1);
	KUNIT_EXPECT_EQ(test, ext[0].offset, t->to);
	KUNIT_EXPECT_EQ(test, ext[0].size, 12 * KIB);
	KUNIT_EXPECT_EQ(test, ext[0].handle, T_POOL_NO_HANDLE);
	transit_expect_all(test, t);

	finish_pass(test, t->pool, 0);
	expect_compacted(test, t->pool);
	transit_expect_all(test, t);
}

/* Pinning the block in transit completes its move first. */
static void t_pool_transit_pin(struct kunit *test)
{
	struct transit *t = transit_setup(test, false);
	struct tblock *mover = &t->blk[T_MOVER];
	struct t_pool_stats before, after;
	u8 *p;

	t_pool_get_stats(t->pool, &before);
	p = t_pool_pin(t->pool, mover->h);
	KUNIT_ASSERT_PTR_EQ(test, p, t->arena + t->to);
	t_pool_get_stats(t->pool, &after);
	KUNIT_EXPECT_EQ(test, after.bytes_moved,
			before.bytes_moved + mover->len - TRANSIT_STEP);
	KUNIT_EXPECT_EQ(test, pattern_check(p, 0, mover->len, mover->seed),
			mover->len);
	KUNIT_EXPECT_EQ(test, offset_of(test, t->pool, mover->h), t->to);
	expect_t_pool_consistent(test, t->pool, true);

	finish_pass(test, t->pool, 0);
	KUNIT_EXPECT_EQ(test, offset_of(test, t->pool, mover->h), t->to);
	KUNIT_EXPECT_EQ(test, pattern_check(p, 0, mover->len, mover->seed),
			mover->len);
	transit_expect_all(test, t);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(t->pool, mover->h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_reorder(t->pool, NULL), 0);
	expect_compacted(test, t->pool);
	transit_expect_all(test, t);
}

/* Asking where the block in transit is completes its move too. */
static void t_pool_transit_offset_of(struct kunit *test)
{
	struct transit *t = transit_setup(test, false);

	KUNIT_EXPECT_EQ(test, offset_of(test, t->pool, t->blk[T_MOVER].h),
			t->to);
	expect_t_pool_consistent(test, t->pool, true);
	transit_expect_all(test, t);
	finish_pass(test, t->pool, 0);
	expect_compacted(test, t->pool);
	transit_expect_all(test, t);
}

static const bool t_pool_transit_fulls[] = { false, true };

static void t_pool_transit_full_desc(const bool *full, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 *full ? "the gap is the only free space" : "room at the top");
}

KUNIT_ARRAY_PARAM(t_pool_transit_full, t_pool_transit_fulls,
		  t_pool_transit_full_desc);

/* Allocations during a move never take the run the block moves into. */
static void t_pool_transit_alloc(struct kunit *test)
{
	struct transit *t = transit_setup(test,
					  *(const bool *)test->param_value);
	static const size_t sizes[] = { 16, 4 * KIB, 100, 4 * KIB - 16 };
	struct tblock fresh[ARRAY_SIZE(sizes)] = { };
	struct t_pool_stats before, after;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		t_pool_get_stats(t->pool, &before);
		fresh[i].h = t_pool_alloc_handle(t->pool, sizes[i], 0);
		if (fresh[i].h == T_POOL_NO_HANDLE) {
			t_pool_get_stats(t->pool, &after);
			KUNIT_EXPECT_EQ(test, after.failed_allocs,
					before.failed_allocs + 1);
			continue;
		}
		fresh[i].len = sizes[i];
		write_pattern(test, t->pool, &fresh[i], 0x9900 + i, t->scratch);
		expect_t_pool_consistent(test, t->pool, false);
		transit_expect_all(test, t);
	}
	finish_pass(test, t->pool, 0);
	transit_expect_all(test, t);
	expect_blocks(test, t->pool, fresh, ARRAY_SIZE(fresh), t->scratch);
}

static void t_pool_transit_copy_clean(struct kunit *test)
{
	struct transit *t = transit_setup(test, false);
	struct tblock *mover = &t->blk[T_MOVER], *next = &t->blk[T_NEXT];
	struct tblock *big = &t->blk[T_BIG];
	u8 *buf = t->scratch;
	u32 mover_seed = mover->seed;
	unsigned int i;

	/* Out of the block in transit, and into it. */
	KUNIT_EXPECT_EQ(test, t_pool_copy(t->pool, big->h, mover->h), 0);
	big->seed = mover->seed;
	KUNIT_EXPECT_EQ(test, t_pool_copy(t->pool, mover->h, next->h), 0);
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, t_pool_read(t->pool, mover->h, 0, buf,
						  mover->len), 0);
		KUNIT_EXPECT_EQ(test, pattern_check(buf, 0, next->len,
						    next->seed), next->len);
		KUNIT_EXPECT_EQ(test, pattern_check(buf + next->len, next->len,
						    mover->len - next->len,
						    mover_seed),
				mover->len - next->len);
		expect_pattern(test, t->pool, big, buf);
		KUNIT_EXPECT_EQ(test, t_pool_reorder_step(t->pool, 2000, NULL), 1);
		expect_t_pool_consistent(test, t->pool, false);
	}

	KUNIT_EXPECT_EQ(test, t_pool_clean(t->pool, mover->h), 0);
	mover->seed = 0;
	expect_pattern(test, t->pool, mover, buf);
	finish_pass(test, t->pool, 0);
	transit_expect_all(test, t);
	expect_compacted(test, t->pool);
}

/*
 * The seed's pointer calls with the address the block in transit had: a
 * reorder is under way, so the address may be stale.  Whatever the calls
 * answer, they agree with each other (the address names the block in
 * transit for both or for neither), a refusal is counted as one, and the
 * pool stays whole.
 */
static void t_pool_transit_old_address(struct kunit *test)
{
	struct transit *t = transit_setup(test, false);
	struct tblock *mover = &t->blk[T_MOVER];
	struct t_pool_stats before, after;
	u8 *old = t->arena + t->from;
	bool freed;
	u64 h;

	h = t_pool_handle_of(t->pool, old);
	if (h != T_POOL_NO_HANDLE)
		KUNIT_EXPECT_EQ(test, h, mover->h);
	t_pool_get_stats(t->pool, &before);
	freed = t_pool_dealloc(t->pool, old);
	t_pool_get_stats(t->pool, &after);
	KUNIT_EXPECT_EQ_MSG(test, freed, h != T_POOL_NO_HANDLE,
			    "handle_of() and dealloc() disagree on the address");
	if (freed) {
		KUNIT_EXPECT_EQ(test, t_pool_size_of(t->pool, mover->h), 0);
		KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls);
		mover->h = T_POOL_NO_HANDLE;
	} else {
		KUNIT_EXPECT_EQ(test, after.refused_calls,
				before.refused_calls + 1);
		KUNIT_EXPECT_EQ(test, after.used_blocks, before.used_blocks);
	}
	expect_t_pool_consistent(test, t->pool, false);
	transit_expect_all(test, t);
	finish_pass(test, t->pool, 0);
	transit_expect_all(test, t);
}

/* The block below the gap is freed while the gap is being filled. */
static void t_pool_transit_free_below(struct kunit *test)
{
	struct transit *t = transit_setup(test, false);
	struct t_pool_extent ext[1];
	size_t cursor = 0;

	KUNIT_EXPECT_EQ(test, t_pool_free(t->pool, t->blk[T_LEAD].h), 0);
	t->blk[T_LEAD].h = T_POOL_NO_HANDLE;
	expect_t_pool_consistent(test, t->pool, false);
	transit_expect_all(test, t);

	/* Then the block in transit: all three runs become one. */
	KUNIT_EXPECT_EQ(test, t_pool_free(t->pool, t->blk[T_MOVER].h), 0);
	t->blk[T_MOVER].h = T_POOL_NO_HANDLE;
	expect_t_pool_consistent(test, t->pool, true);
	KUNIT_ASSERT_EQ(test, t_pool_walk(t->pool, &cursor, ext, 1), 1);
	KUNIT_EXPECT_EQ(test, ext[0].offset, 0);
	KUNIT_EXPECT_EQ(test, ext[0].size, 13 * KIB);
	KUNIT_EXPECT_EQ(test, ext[0].handle, T_POOL_NO_HANDLE);
	finish_pass(test, t->pool, 0);
	expect_compacted(test, t->pool);
	transit_expect_all(test, t);
}

/* The same, but the move completes: a new pass picks up the space below. */
static void t_pool_transit_free_below_then_finish(struct kunit *test)
{
	struct transit *t = transit_setup(test, false);

	KUNIT_EXPECT_EQ(test, t_pool_free(t->pool, t->blk[T_LEAD].h), 0);
	t->blk[T_LEAD].h = T_POOL_NO_HANDLE;
	finish_pass(test, t->pool, 0);
	KUNIT_EXPECT_EQ(test, offset_of(test, t->pool, t->blk[T_MOVER].h),
			t->to);
	transit_expect_all(test, t);
	KUNIT_EXPECT_EQ(test, t_pool_reorder(t->pool, NULL), 0);
	expect_compacted(test, t->pool);
	transit_expect_all(test, t);
}

/*
 * t_pool_reorder() is a whole pass even when a stepped one is under way,
 * a block in transit, and space has opened below the block.
 */
static void t_pool_transit_reorder_whole(struct kunit *test)
{
	struct transit *t = transit_setup(test, false);

	KUNIT_EXPECT_EQ(test, t_pool_free(t->pool, t->blk[T_LEAD].h), 0);
	t->blk[T_LEAD].h = T_POOL_NO_HANDLE;
	KUNIT_EXPECT_EQ(test, t_pool_reorder(t->pool, NULL), 0);
	expect_compacted(test, t->pool);
	transit_expect_all(test, t);
}

/* The block after the one in transit is pinned: the pass stops at it. */
static void t_pool_transit_pin_next(struct kunit *test)
{
	struct transit *t = transit_setup(test, false);
	struct tblock *next = &t->blk[T_NEXT];
	struct t_pool_extent *ext = walk_buffer(test);
	size_t off = offset_of(test, t->pool, next->h), n, i;
	struct t_walk_sum ws;
	u8 *p;

	p = t_pool_pin(t->pool, next->h);
	KUNIT_ASSERT_PTR_EQ(test, p, t->arena + off);
	finish_pass(test, t->pool, 0);
	KUNIT_EXPECT_EQ(test, offset_of(test, t->pool, next->h), off);
	KUNIT_EXPECT_EQ(test, offset_of(test, t->pool, t->blk[T_MOVER].h), t->to);
	n = t_walk_pool(test, t->pool, 8, &ws, ext, WALK_MAX);
	for (i = 0; i + 1 < n; i++)
		if (ext[i].handle == T_POOL_NO_HANDLE)
			KUNIT_EXPECT_TRUE(test, ext[i + 1].pinned);
	transit_expect_all(test, t);
	KUNIT_EXPECT_EQ(test, pattern_check(p, 0, next->len, next->seed),
			next->len);
	KUNIT_EXPECT_EQ(test, t_pool_unpin(t->pool, next->h), 0);
	KUNIT_EXPECT_EQ(test, t_pool_reorder(t->pool, NULL), 0);
	expect_compacted(test, t->pool);
	transit_expect_all(test, t);
}

/*
 * Reorder steps of 16 to 215 bytes, and between them an alloc, free, read,
 * write, pin, unpin, clean, copy or offset lookup, in turn; the pool is
 * checked after every step and every operation.
 */
static void t_pool_reorder_steps_interleaved(struct kunit *test)
{
	struct model *m = model_new(test, 64 * KIB, 0x5eed);
	unsigned int i, k, slot;

	/* Big blocks among small ones, every other one freed. */
	for (i = 0; i < 24; i++) {
		model_alloc(m, i, i % 4 == 1 ? 6000 : 40 + 30 * i, 0);
		KUNIT_ASSERT_NE(test, m->slot[i], T_POOL_NO_HANDLE);
	}
	for (i = 0; i < 24; i += 2)
		model_free(m, i);
	model_consistent(m);

	for (k = 0; k < 600; k++) {
		struct t_model_block *b;

		slot = (k * 7) % MODEL_BLOCKS;
		b = model_block(m, slot);
		model_step(m, 16 + (k * 37) % 200);
		model_consistent(m);
		switch (k % 9) {
		case 0:
			if (!b)
				model_alloc(m, slot, k % 16 ? 100 + k : 5000, 0);
			break;
		case 1:
			if (b)
				model_free(m, slot);
			break;
		case 2:
			model_check(m, slot);
			break;
		case 3:
			if (b)
				model_write(m, slot, k * 2654435761U);
			break;
		case 4:
			if (b && !b->pins)
				model_pin(m, slot);
			break;
		case 5:
			/* The block pinned one turn ago. */
			slot = ((k - 1) * 7) % MODEL_BLOCKS;
			b = model_block(m, slot);
			if (b && b->pins)
				model_unpin(m, slot);
			break;
		case 6:
			if (b)
				model_clean(m, slot);
			break;
		case 7:
			i = (slot + 5) % MODEL_BLOCKS;
			if (b && m->slot[i])
				model_copy(m, slot, i);
			break;
		default:
			if (b) {
				offset_of(test, m->pool, b->h);
				model_check(m, slot);
			}
			break;
		}
		model_consistent(m);
		if (k % 32 == 31)
			model_check_all(m);
		if (case_failed(test)) {
			kunit_info(test, "stopped after step %u\n", k);
			return;
		}
	}
	model_check_all(m);
	model_teardown(m);
}

static struct kunit_case t_pool_reorder_steps_cases[] = {
	KUNIT_CASE(t_pool_transit_read_write),
	KUNIT_CASE(t_pool_transit_free),
	KUNIT_CASE(t_pool_transit_pin),
	KUNIT_CASE(t_pool_transit_offset_of),
	KUNIT_CASE_PARAM(t_pool_transit_alloc, t_pool_transit_full_gen_params),
	KUNIT_CASE(t_pool_transit_copy_clean),
	KUNIT_CASE(t_pool_transit_old_address),
	KUNIT_CASE(t_pool_transit_free_below),
	KUNIT_CASE(t_pool_transit_free_below_then_finish),
	KUNIT_CASE(t_pool_transit_reorder_whole),
	KUNIT_CASE(t_pool_transit_pin_next),
	KUNIT_CASE(t_pool_reorder_steps_interleaved),
	{}
};

static struct kunit_suite t_pool_reorder_steps_suite = {
	.name = "t_pool_reorder_steps",
	.test_cases = t_pool_reorder_steps_cases,
};

/* ---------------------------------------------------------------------- */
/* t_pool_seed: the pointer calls                                         */
/* ---------------------------------------------------------------------- */

/* @p starts a block of @len bytes inside the arena, suitably aligned. */
static void expect_in_arena(struct kunit *test, struct t_pool *pool,
			    const u8 *p, size_t len)
{
	u8 *arena = arena_of(pool);
	size_t size = arena_size_of(pool);

	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((uintptr_t)p, T_POOL_ALIGN));
	KUNIT_EXPECT_TRUE_MSG(test, p >= arena && len <= size &&
			      p - arena <= size - len,
			      "block of %zu bytes outside the arena", len);
}

static void t_pool_alloc_sizes(struct kunit *test)
{
	const size_t size = *(const size_t *)test->param_value;
	const size_t r = rounded(size);
	struct t_pool *pool = kunit_seed_pool(test, SIZES_ARENA);
	u8 *scratch = kunit_buffer(test, r);
	u8 *p, *q;
	u64 h;

	p = t_pool_alloc(pool, size);
	q = t_pool_alloc(pool, size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	expect_in_arena(test, pool, p, r);
	expect_in_arena(test, pool, q, r);
	KUNIT_EXPECT_TRUE(test, p + r <= q || q + r <= p);

	h = t_pool_handle_of(pool, p);
	KUNIT_ASSERT_NE(test, h, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, t_pool_size_of(pool, h), r);
	/* All r bytes are usable through the address. */
	pattern_fill(p, 0, r, 0xabc);
	memset(q, 0xee, r);
	KUNIT_ASSERT_EQ(test, t_pool_read(pool, h, 0, scratch, r), 0);
	KUNIT_EXPECT_EQ(test, pattern_check(scratch, 0, r, 0xabc), r);
	expect_t_pool_consistent(test, pool, true);

	KUNIT_EXPECT_TRUE(test, t_pool_dealloc(pool, p));
	KUNIT_EXPECT_EQ(test, t_pool_size_of(pool, h), 0);
	KUNIT_EXPECT_TRUE(test, t_pool_dealloc(pool, q));
	expect_pool_empty(test, pool);
}

static void t_pool_dealloc_refuses(struct kunit *test)
{
	struct t_pool *pool = kunit_seed_pool(test, 16 * KIB);
	u8 *arena = arena_of(pool), *p, *q;
	u8 *bad[6];
	struct t_pool_stats before, after;
	unsigned int i;
	u64 h;

	p = t_pool_alloc(pool, 100);
	q = t_pool_alloc(pool, 200);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	pattern_fill(p, 0, 100, 0x1001);
	pattern_fill(q, 0, 200, 0x2002);

	bad[0] = NULL;
	bad[1] = p + T_POOL_ALIGN;
	bad[2] = p + 1;
	bad[3] = arena + 16 * KIB - T_POOL_ALIGN;	/* free space */
	bad[4] = arena + 16 * KIB;
	bad[5] = (u8 *)((uintptr_t)arena - T_POOL_ALIGN);

	t_pool_get_stats(pool, &before);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_FALSE_MSG(test, t_pool_dealloc(pool, bad[i]),
				       "address %u", i);
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "dealloc of a wrong address");
	KUNIT_EXPECT_EQ(test, after.refused_calls,
			before.refused_calls + ARRAY_SIZE(bad));
	KUNIT_EXPECT_EQ(test, pattern_check(p, 0, 100, 0x1001), 100);
	KUNIT_EXPECT_EQ(test, pattern_check(q, 0, 200, 0x2002), 200);
	expect_t_pool_consistent(test, pool, true);

	/* A double dealloc is refused and changes nothing. */
	KUNIT_EXPECT_TRUE(test, t_pool_dealloc(pool, q));
	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_FALSE(test, t_pool_dealloc(pool, q));
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "double dealloc");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 1);
	KUNIT_EXPECT_EQ(test, pattern_check(p, 0, 100, 0x1001), 100);
	expect_t_pool_consistent(test, pool, true);

	/* So is the dealloc of a pinned block. */
	h = t_pool_handle_of(pool, p);
	KUNIT_ASSERT_PTR_EQ(test, (u8 *)t_pool_pin(pool, h), p);
	KUNIT_EXPECT_FALSE(test, t_pool_dealloc(pool, p));
	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, h), 0);
	KUNIT_EXPECT_TRUE(test, t_pool_dealloc(pool, p));
	expect_pool_empty(test, pool);
}

static void clean_t_ptr_zeroes(struct kunit *test)
{
	struct t_pool *pool = kunit_seed_pool(test, 16 * KIB);
	struct t_pool_stats before, after;
	u8 *a, *b, *c;

	a = t_pool_alloc(pool, 64);
	b = t_pool_alloc(pool, 100);
	c = t_pool_alloc(pool, 64);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	memset(a, 0x11, 64);
	pattern_fill(b, 0, 112, 0xb0b);
	memset(c, 0x33, 64);

	KUNIT_EXPECT_TRUE(test, clean_t_ptr(pool, b));
	KUNIT_EXPECT_NULL(test, memchr_inv(b, 0, 112));
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x11, 64));
	KUNIT_EXPECT_NULL(test, memchr_inv(c, 0x33, 64));

	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_FALSE(test, clean_t_ptr(pool, a + T_POOL_ALIGN));
	KUNIT_EXPECT_FALSE(test, clean_t_ptr(pool, NULL));
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "clean of a wrong address");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 2);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x11, 64));
	expect_t_pool_consistent(test, pool, true);
}

static void copy_t_ptr_bytes(struct kunit *test)
{
	struct t_pool *pool = kunit_seed_pool(test, 16 * KIB);
	struct t_pool_stats before, after;
	u8 *src, *big, *small;

	src = t_pool_alloc(pool, 100);
	big = t_pool_alloc(pool, 300);
	small = t_pool_alloc(pool, 50);
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_ASSERT_NOT_NULL(test, small);
	pattern_fill(src, 0, 112, 0x5a5);
	pattern_fill(big, 0, 304, 0xb16);
	pattern_fill(small, 0, 64, 0x511);

	KUNIT_EXPECT_TRUE(test, copy_t_ptr(pool, big, src));
	KUNIT_EXPECT_EQ(test, pattern_check(big, 0, 112, 0x5a5), 112);
	KUNIT_EXPECT_EQ(test, pattern_check(big + 112, 112, 192, 0xb16), 192);
	KUNIT_EXPECT_EQ(test, pattern_check(src, 0, 112, 0x5a5), 112);

	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_FALSE(test, copy_t_ptr(pool, small, src));
	t_pool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 1);
	KUNIT_EXPECT_EQ(test, pattern_check(small, 0, 64, 0x511), 64);

	KUNIT_EXPECT_TRUE(test, copy_t_ptr(pool, src, src));
	KUNIT_EXPECT_EQ(test, pattern_check(src, 0, 112, 0x5a5), 112);
	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_FALSE(test, copy_t_ptr(pool, big, src + T_POOL_ALIGN));
	KUNIT_EXPECT_FALSE(test, copy_t_ptr(pool, NULL, src));
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "copy with a wrong address");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 2);
	KUNIT_EXPECT_EQ(test, pattern_check(big, 0, 112, 0x5a5), 112);
	expect_t_pool_consistent(test, pool, true);
}

/*
 * reorder_t_mem() moves unpinned blocks: their contents come along, their
 * old addresses go stale.  A pinned block's address stays good.
 */
static void reorder_t_mem_moves(struct kunit *test)
{
	const unsigned int count = 24, pinned = 5;
	struct t_pool *pool = kunit_seed_pool(test, 64 * KIB);
	u8 **ptr = kunit_kcalloc(test, count, sizeof(*ptr), GFP_KERNEL);
	u64 *h = kunit_kcalloc(test, count, sizeof(*h), GFP_KERNEL);
	struct t_pool_extent *ext = walk_buffer(test);
	u8 *arena = arena_of(pool), *now;
	struct t_pool_stats before, after;
	size_t n, top, len;
	struct t_walk_sum ws;
	unsigned int i, stale = count;

	KUNIT_ASSERT_NOT_NULL(test, ptr);
	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < count; i++) {
		ptr[i] = t_pool_alloc(pool, frag_size(i));
		KUNIT_ASSERT_NOT_NULL(test, ptr[i]);
		pattern_fill(ptr[i], 0, frag_size(i), 0x4400 + i);
		h[i] = t_pool_handle_of(pool, ptr[i]);
		KUNIT_ASSERT_NE(test, h[i], T_POOL_NO_HANDLE);
	}
	for (i = 0; i < count; i += 2) {
		KUNIT_ASSERT_TRUE(test, t_pool_dealloc(pool, ptr[i]));
		h[i] = T_POOL_NO_HANDLE;
	}
	KUNIT_ASSERT_PTR_EQ(test, (u8 *)t_pool_pin(pool, h[pinned]), ptr[pinned]);

	KUNIT_EXPECT_TRUE(test, reorder_t_mem(pool));
	KUNIT_EXPECT_PTR_EQ(test, arena + offset_of(test, pool, h[pinned]),
			    ptr[pinned]);
	for (i = 1; i < count; i += 2) {
		now = arena + offset_of(test, pool, h[i]);
		KUNIT_EXPECT_EQ_MSG(test, pattern_check(now, 0, frag_size(i),
							0x4400 + i),
				    frag_size(i), "block %u", i);
	}

	/* An old address that now lies in the free run at the top. */
	n = t_walk_pool(test, pool, 8, &ws, ext, WALK_MAX);
	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_ASSERT_EQ(test, ext[n - 1].handle, T_POOL_NO_HANDLE);
	top = ext[n - 1].offset;
	for (i = 1; i < count; i += 2)
		if ((size_t)(ptr[i] - arena) >= top)
			stale = i;
	KUNIT_ASSERT_LT(test, stale, count);
	t_pool_get_stats(pool, &before);
	KUNIT_EXPECT_FALSE(test, t_pool_dealloc(pool, ptr[stale]));
	t_pool_get_stats(pool, &after);
	expect_stats_same(test, &before, &after, "dealloc of a stale address");
	KUNIT_EXPECT_EQ(test, after.refused_calls, before.refused_calls + 1);

	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, h[pinned]), 0);
	for (i = 1; i < count; i += 2) {
		now = arena + offset_of(test, pool, h[i]);
		len = frag_size(i);
		KUNIT_EXPECT_EQ(test, pattern_check(now, 0, len, 0x4400 + i), len);
		KUNIT_EXPECT_TRUE(test, t_pool_dealloc(pool, now));
	}
	expect_pool_empty(test, pool);
}

static void t_pool_alloc_until_full(struct kunit *test)
{
	struct t_pool *pool = kunit_seed_pool(test, 4 * KIB);
	u8 *p[64];
	unsigned int n, i;

	for (n = 0; n < ARRAY_SIZE(p); n++) {
		p[n] = t_pool_alloc(pool, 100);
		if (!p[n])
			break;
		expect_in_arena(test, pool, p[n], 112);
	}
	KUNIT_EXPECT_EQ(test, n, 4 * KIB / 112);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, t_pool_dealloc(pool, p[i]));
	expect_pool_empty(test, pool);
}

/*
 * The pointer calls find blocks through a hash of their offsets.  With a
 * small table every slot in use, frees and allocations in random order,
 * and reorders that move every block, each live address must still lead
 * to its own block.
 */
static void t_pool_pointer_churn(struct kunit *test)
{
	const unsigned int slots = 64;
	struct t_pool *pool = kunit_t_pool(test, 16 * KIB, slots);
	u8 **p = kunit_kcalloc(test, slots, sizeof(*p), GFP_KERNEL);
	u64 *h = kunit_kcalloc(test, slots, sizeof(*h), GFP_KERNEL);
	u8 *tag = kunit_kcalloc(test, slots, sizeof(*tag), GFP_KERNEL);
	u8 *arena = arena_of(pool);
	unsigned int round, i, j;
	struct rnd_state rng;
	u32 r;

	prandom_seed_state(&rng, 0x1234567);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_NULL(test, tag);
	for (i = 0; i < slots; i++) {
		p[i] = t_pool_alloc(pool, 16 + (i % 5) * 16);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		h[i] = t_pool_handle_of(pool, p[i]);
		tag[i] = i;
		memset(p[i], tag[i], 16);
	}
	/* The table is full: 64 live blocks in a 128-entry hash. */
	KUNIT_EXPECT_NULL(test, t_pool_alloc(pool, 16));

	for (round = 0; round < 400; round++) {
		r = prandom_u32_state(&rng);
		i = r % slots;
		KUNIT_ASSERT_TRUE(test, t_pool_dealloc(pool, p[i]));
		/* At most 6 KiB live in 16 KiB: some free run always fits. */
		p[i] = t_pool_alloc(pool, 1 + (r >> 8) % 96);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		h[i] = t_pool_handle_of(pool, p[i]);
		tag[i] = round;
		p[i][0] = tag[i];
		if (round % 50 == 49) {
			KUNIT_ASSERT_TRUE(test, reorder_t_mem(pool));
			for (j = 0; j < slots; j++)
				p[j] = arena + offset_of(test, pool, h[j]);
		}
		for (j = 0; j < slots; j++) {
			KUNIT_EXPECT_EQ_MSG(test, t_pool_handle_of(pool, p[j]),
					    h[j], "round %u, block %u", round, j);
			KUNIT_EXPECT_EQ(test, p[j][0], tag[j]);
		}
		expect_t_pool_consistent(test, pool, true);
		if (case_failed(test)) {
			kunit_info(test, "stopped after round %u\n", round);
			return;
		}
	}
	for (i = 0; i < slots; i++)
		KUNIT_EXPECT_TRUE(test, t_pool_dealloc(pool, p[i]));
	expect_pool_empty(test, pool);
}

static struct kunit_case t_pool_seed_cases[] = {
	KUNIT_CASE_PARAM(t_pool_alloc_sizes, t_pool_size_gen_params),
	KUNIT_CASE(t_pool_dealloc_refuses),
	KUNIT_CASE(clean_t_ptr_zeroes),
	KUNIT_CASE(copy_t_ptr_bytes),
	KUNIT_CASE(reorder_t_mem_moves),
	KUNIT_CASE(t_pool_alloc_until_full),
	KUNIT_CASE(t_pool_pointer_churn),
	{}
};

static struct kunit_suite t_pool_seed_suite = {
	.name = "t_pool_seed",
	.test_cases = t_pool_seed_cases,
};

/* ---------------------------------------------------------------------- */
/* t_pool_atomic: with interrupts off and in hard interrupt context       */
/* ---------------------------------------------------------------------- */

#define IRQ_SMALL	48
#define IRQ_BIG		256

/*
 * One round of every call but create and destroy, recorded rather than
 * checked: KUnit's expectations may sleep, so they run afterwards.  A
 * reorder pass is under way when the round starts, one block in transit.
 */
struct irq_round {
	struct t_pool *pool;
	struct transit *transit;
	u8 *moving_buf;

	bool irqs_off;
	int moving_read;
	bool moving_intact;
	int stepped;
	u64 small;
	u64 big;
	int wrote;
	int read;
	bool read_back;
	int cleaned;
	int copied;
	u8 *pinned;
	bool pinned_intact;
	int unpinned;
	int reordered;
	struct t_pool_reorder_result res;
	struct t_pool_stats stats;
	unsigned int extents;
	int validated;
	struct t_pool_fault fault;
	bool seed_alloced;
	bool seed_cleaned;
	bool seed_zeroed;
	bool seed_copied;
	bool seed_freed;
	bool seed_refused;
	int freed_small;
	int freed_big;
	u8 data[IRQ_BIG];
	u8 back[IRQ_BIG];
};

static void irq_round_run(void *arg)
{
	struct irq_round *r = arg;
	const struct tblock *mover = &r->transit->blk[T_MOVER];
	struct t_pool_extent ext[4];
	size_t cursor = 0;
	unsigned int n;
	u8 *p;

	r->irqs_off = irqs_disabled();

	r->moving_read = t_pool_read(r->pool, mover->h, 0, r->moving_buf,
				     mover->len);
	r->moving_intact = pattern_check(r->moving_buf, 0, mover->len,
					 mover->seed) == mover->len;
	r->stepped = t_pool_reorder_step(r->pool, TRANSIT_STEP, NULL);

	r->small = t_pool_alloc_handle(r->pool, IRQ_SMALL, 0);
	r->big = t_pool_alloc_handle(r->pool, IRQ_BIG, 0);
	pattern_fill(r->data, 0, IRQ_BIG, 0x1a2b3c4d);
	r->wrote = t_pool_write(r->pool, r->big, 0, r->data, IRQ_BIG);
	r->read = t_pool_read(r->pool, r->big, 0, r->back, IRQ_BIG);
	r->read_back = !memcmp(r->back, r->data, IRQ_BIG);
	r->cleaned = t_pool_clean(r->pool, r->small);
	r->copied = t_pool_copy(r->pool, r->big, r->small);
	r->pinned = t_pool_pin(r->pool, r->big);
	if (r->pinned)
		r->pinned_intact = !memchr_inv(r->pinned, 0, IRQ_SMALL) &&
				   !memcmp(r->pinned + IRQ_SMALL,
					   r->data + IRQ_SMALL,
					   IRQ_BIG - IRQ_SMALL);
	r->unpinned = t_pool_unpin(r->pool, r->big);
	r->reordered = t_pool_reorder(r->pool, &r->res);
	t_pool_get_stats(r->pool, &r->stats);
	do {
		n = t_pool_walk(r->pool, &cursor, ext, ARRAY_SIZE(ext));
		r->extents += n;
	} while (n);
	r->validated = t_pool_validate(r->pool, &r->fault);

	p = t_pool_alloc(r->pool, 64);
	r->seed_alloced = !!p;
	if (p) {
		memset(p, 0x3c, 64);
		r->seed_cleaned = clean_t_ptr(r->pool, p);
		r->seed_zeroed = !memchr_inv(p, 0, 64);
		r->seed_copied = copy_t_ptr(r->pool, p, p);
		r->seed_freed = t_pool_dealloc(r->pool, p);
		r->seed_refused = !t_pool_dealloc(r->pool, p);
	}
	r->freed_small = t_pool_free(r->pool, r->small);
	r->freed_big = t_pool_free(r->pool, r->big);
}

static struct irq_round *irq_round_new(struct kunit *test)
{
	struct irq_round *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->transit = transit_setup(test, false);
	r->pool = r->transit->pool;
	r->moving_buf = kunit_buffer(test, r->transit->blk[T_MOVER].len);
	return r;
}

static void irq_round_check(struct kunit *test, struct irq_round *r)
{
	struct t_pool_stats st;

	KUNIT_EXPECT_TRUE(test, r->irqs_off);
	KUNIT_EXPECT_EQ(test, r->moving_read, 0);
	KUNIT_EXPECT_TRUE_MSG(test, r->moving_intact,
			      "the block in transit read back wrong");
	KUNIT_EXPECT_EQ(test, r->stepped, 1);
	KUNIT_EXPECT_NE(test, r->small, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_NE(test, r->big, T_POOL_NO_HANDLE);
	KUNIT_EXPECT_EQ(test, r->wrote, 0);
	KUNIT_EXPECT_EQ(test, r->read, 0);
	KUNIT_EXPECT_TRUE(test, r->read_back);
	KUNIT_EXPECT_EQ(test, r->cleaned, 0);
	KUNIT_EXPECT_EQ(test, r->copied, 0);
	KUNIT_EXPECT_NOT_NULL(test, r->pinned);
	KUNIT_EXPECT_TRUE(test, r->pinned_intact);
	KUNIT_EXPECT_EQ(test, r->unpinned, 0);
	KUNIT_EXPECT_EQ(test, r->reordered, 0);
	KUNIT_EXPECT_GT(test, r->res.blocks_moved, 0);
	/* The four blocks of transit_setup(), small and big. */
	KUNIT_EXPECT_EQ(test, r->stats.used_blocks, 4 + 2);
	KUNIT_EXPECT_EQ(test, r->stats.pinned_blocks, 0);
	KUNIT_EXPECT_EQ(test, r->extents,
			r->stats.used_blocks + r->stats.free_blocks);
	KUNIT_EXPECT_EQ_MSG(test, r->validated, 0, "offset %zu: %s",
			    r->fault.offset, r->fault.reason ?: "(no reason)");
	KUNIT_EXPECT_TRUE(test, r->seed_alloced);
	KUNIT_EXPECT_TRUE(test, r->seed_cleaned);
	KUNIT_EXPECT_TRUE(test, r->seed_zeroed);
	KUNIT_EXPECT_TRUE(test, r->seed_copied);
	KUNIT_EXPECT_TRUE(test, r->seed_freed);
	KUNIT_EXPECT_TRUE(test, r->seed_refused);
	KUNIT_EXPECT_EQ(test, r->freed_small, 0);
	KUNIT_EXPECT_EQ(test, r->freed_big, 0);

	/* The pass the round finished left the four blocks compact. */
	t_pool_get_stats(r->pool, &st);
	KUNIT_EXPECT_EQ(test, st.used_blocks, 4);
	transit_expect_all(test, r->transit);
	expect_compacted(test, r->pool);
}

/* Under another irqsave spinlock: the pool lock nests inside it. */
static void t_pool_calls_irqs_disabled(struct kunit *test)
{
	struct irq_round *r = irq_round_new(test);

	run_under_raw_lock(irq_round_run, r);
	irq_round_check(test, r);
}

/* From an hrtimer that expires in hard interrupt context, also on RT. */
static void t_pool_calls_hardirq(struct kunit *test)
{
	struct irq_round *r = irq_round_new(test);

	run_in_hardirq(test, irq_round_run, r);
	irq_round_check(test, r);
}

static struct kunit_case t_pool_atomic_cases[] = {
	KUNIT_CASE(t_pool_calls_irqs_disabled),
	KUNIT_CASE(t_pool_calls_hardirq),
	{}
};

static struct kunit_suite t_pool_atomic_suite = {
	.name = "t_pool_atomic",
	.test_cases = t_pool_atomic_cases,
};

/* ---------------------------------------------------------------------- */
/* t_pool_random: a seeded mixed workload                                 */
/* ---------------------------------------------------------------------- */

#define RANDOM_STEPS	2000

static size_t random_size(u32 r)
{
	switch (r & 7) {
	case 0:
		return 1 + (r >> 3) % MODEL_MAX;
	case 1:
	case 2:
		return 1 + (r >> 3) % 1024;
	default:
		return 1 + (r >> 3) % 96;
	}
}

static void random_op(struct model *m)
{
	u32 r = prandom_u32_state(&m->rng), arg = prandom_u32_state(&m->rng);
	unsigned int i = r % MODEL_BLOCKS;
	unsigned int j = (r / MODEL_BLOCKS) % MODEL_BLOCKS;
	struct t_model_block *b = model_block(m, i);

	if (!b) {
		model_alloc(m, i, random_size(arg),
			    (r >> 20) % 8 ? 0 : T_POOL_REORDER_ON_FAIL);
		return;
	}
	switch ((r >> 12) % 16) {
	case 0:
	case 1:
	case 2:
	case 3:
		model_free(m, i);
		break;
	case 4:
	case 5:
		model_write(m, i, arg);
		break;
	case 6:
		model_clean(m, i);
		break;
	case 7:
		if (m->slot[j])
			model_copy(m, i, j);
		break;
	case 8:
		if (b->pins)
			model_unpin(m, i);
		else if (arg & 1)
			model_pin(m, i);
		break;
	case 9:
		model_unpin(m, i);
		break;
	case 10:
		if (arg % 8 == 0)
			KUNIT_EXPECT_EQ(m->test, t_pool_reorder(m->pool, NULL), 0);
		break;
	default:
		model_check(m, i);
		break;
	}
}

KUNIT_ARRAY_PARAM(t_pool_random_seed, ckremm_kunit_seeds,
		  ckremm_kunit_seed_desc);

static void t_pool_random_workload(struct kunit *test)
{
	struct model *m = model_new(test, 128 * KIB,
				    *(const u32 *)test->param_value);
	unsigned int step;

	for (step = 0; step < RANDOM_STEPS; step++) {
		random_op(m);
		model_step(m, 16 + prandom_u32_state(&m->rng) % 300);
		model_consistent(m);
		if (step % 128 == 127)
			model_check_all(m);
		if (case_failed(test)) {
			kunit_info(test, "stopped after step %u\n", step);
			return;
		}
	}
	model_check_all(m);
	model_teardown(m);
}

static struct kunit_case t_pool_random_cases[] = {
	KUNIT_CASE_PARAM(t_pool_random_workload, t_pool_random_seed_gen_params),
	{}
};

static struct kunit_suite t_pool_random_suite = {
	.name = "t_pool_random",
	.test_cases = t_pool_random_cases,
};

kunit_test_suites(&t_pool_suite, &t_pool_handles_suite, &t_pool_rw_suite,
		  &t_pool_reorder_suite, &t_pool_reorder_steps_suite,
		  &t_pool_seed_suite, &t_pool_atomic_suite,
		  &t_pool_random_suite);
