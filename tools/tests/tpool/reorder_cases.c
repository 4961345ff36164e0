// SPDX-License-Identifier: GPL-2.0-only
/*
 * reorder_cases.c - compaction of the table pool.
 *
 * The properties come from the kernel-doc of t_pool_reorder() and the
 * design essay of ckremm/tpool/t_pool.c:
 *
 *  - with no pins a pass leaves all free space as one run at the top
 *    (largest_free == free_bytes, free_blocks <= 1), blocks slid down in
 *    their old order, every byte of every block unchanged, every handle
 *    still valid;
 *  - pinned blocks stay where they are (offset and pinned address) and the
 *    others are compacted around them: every free run left over lies just
 *    before a pinned block or at the top;
 *  - a block larger than the step moves over several steps, and every call
 *    made while it is in transit (read, write, copy, clean, pin, offset_of,
 *    free, alloc, handle_of, walk) sees and changes the right bytes;
 *  - T_POOL_REORDER_ON_FAIL turns a failure caused by fragmentation alone
 *    into a success, and a call counts at most one failed allocation.
 *
 * t_pool_validate() runs after every step.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tp_check.h"

#define MAX_BLOCKS	64

/* A pool and what the test knows about each live block. */
struct layout {
	struct t_pool *pool;
	size_t n;
	struct {
		uint64_t h;
		size_t size;
		size_t off;		/* before the reorder */
		unsigned char *pinned_at;
	} b[MAX_BLOCKS];
};

static uint64_t tag_of(uint64_t handle)
{
	return handle * 0x100000001b3ULL + 17;
}

static size_t offset_now(struct t_pool *pool, uint64_t h)
{
	size_t off = SIZE_MAX;

	EXPECT_EQ(t_pool_offset_of(pool, h, &off), 0);
	return off;
}

/*
 * Allocate @count blocks of @sizes (cycled), fill each with its own
 * pattern, then free those whose bit is set in @free_mask, leaving holes.
 */
static void build(struct layout *l, size_t pool_size, const size_t *sizes,
		  size_t nsizes, size_t count, uint64_t free_mask)
{
	uint64_t all[MAX_BLOCKS];
	size_t i;

	ASSERT_TRUE(count <= MAX_BLOCKS);
	memset(l, 0, sizeof(*l));
	l->pool = tp_new(pool_size, 0);
	for (i = 0; i < count; i++) {
		all[i] = t_pool_alloc_handle(l->pool, sizes[i % nsizes], 0);
		ASSERT_TRUE(all[i] != T_POOL_NO_HANDLE, "block %zu of %zu", i, count);
		ASSERT_TRUE(tp_fill_block(l->pool, all[i], tag_of(all[i])));
	}
	for (i = 0; i < count; i++) {
		if (free_mask & (1ULL << i)) {
			ASSERT_EQ(t_pool_free(l->pool, all[i]), 0);
			continue;
		}
		l->b[l->n].h = all[i];
		l->b[l->n].size = t_pool_size_of(l->pool, all[i]);
		l->b[l->n].off = offset_now(l->pool, all[i]);
		l->n++;
	}
	ASSERT_VALID(l->pool);
}

static void check_contents(struct layout *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		EXPECT_TRUE(tp_block_has(l->pool, l->b[i].h, tag_of(l->b[i].h)),
			    "block %zu", i);
		if (l->b[i].pinned_at)
			EXPECT_EQ(tp_pattern_mismatch(l->b[i].pinned_at,
						      l->b[i].size,
						      tag_of(l->b[i].h), 0), -1);
	}
}

/* Blocks kept their order; with @packed, they tile [0, used) exactly. */
static void check_order(struct layout *l, bool packed)
{
	struct t_pool_extent ext[2 * MAX_BLOCKS + 2];
	unsigned int n = tp_walk_all(l->pool, ext, ARRAY_LEN(ext));
	size_t i, k = 0, end = 0;

	for (i = 0; i < n; i++) {
		if (ext[i].handle == T_POOL_NO_HANDLE)
			continue;
		if (!EXPECT_TRUE(k < l->n) || !EXPECT_TRUE(ext[i].handle == l->b[k].h,
							   "block %zu out of order", k))
			return;
		if (packed)
			EXPECT_EQ(ext[i].offset, end);
		end = ext[i].offset + ext[i].size;
		k++;
	}
	EXPECT_EQ(k, l->n);
}

/* Every free run that is left lies just before a pinned block or at the top. */
static void check_compacted_around_pins(struct layout *l)
{
	struct t_pool_extent ext[2 * MAX_BLOCKS + 2];
	unsigned int n = tp_walk_all(l->pool, ext, ARRAY_LEN(ext));
	unsigned int i;

	for (i = 0; i + 1 < n; i++)
		if (ext[i].handle == T_POOL_NO_HANDLE)
			EXPECT_TRUE(ext[i + 1].pinned,
				    "free run at %zu (%zu bytes) is followed by an unpinned block",
				    ext[i].offset, ext[i].size);
}

static void check_compact(struct t_pool *pool)
{
	struct t_pool_stats st;

	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.largest_free, st.free_bytes);
	EXPECT_TRUE(st.free_blocks <= 1, "%zu free runs", st.free_blocks);
	EXPECT_EQ(st.frag_permille, 0);
}

/* What a pass should report: the blocks whose offset changed, and their bytes. */
static void check_moved(struct layout *l,
			const struct t_pool_reorder_result *res)
{
	struct t_pool_stats st;
	size_t i, blocks = 0, bytes = 0;

	for (i = 0; i < l->n; i++) {
		if (offset_now(l->pool, l->b[i].h) != l->b[i].off) {
			blocks++;
			bytes += l->b[i].size;
		}
	}
	EXPECT_EQ(res->blocks_moved, blocks);
	EXPECT_EQ(res->bytes_moved, bytes);
	t_pool_get_stats(l->pool, &st);
	EXPECT_EQ(res->largest_free, st.largest_free);
	EXPECT_EQ(res->free_blocks, st.free_blocks);
}

static void destroy(struct layout *l)
{
	EXPECT_VALID(l->pool);
	destroy_t_pool(l->pool);
	l->pool = NULL;
}

/* ---- no pins ---------------------------------------------------------- */

TEST(reorder_compact_pool_moves_nothing)
{
	static const size_t sizes[] = { 48, 160, 16, 1000 };
	struct t_pool_reorder_result res;
	struct t_pool_stats st;
	struct layout *l = malloc(sizeof(*l));

	ASSERT_TRUE(l);
	/* empty pool */
	build(l, 1 << 14, sizes, 4, 0, 0);
	memset(&res, 0xff, sizeof(res));
	EXPECT_EQ(t_pool_reorder(l->pool, &res), 0);
	EXPECT_EQ(res.bytes_moved, 0);
	EXPECT_EQ(res.blocks_moved, 0);
	EXPECT_EQ(res.largest_free, 1 << 14);
	EXPECT_EQ(res.free_blocks, 1);
	destroy(l);

	/* packed at the bottom */
	build(l, 1 << 14, sizes, 4, 12, 0);
	EXPECT_EQ(t_pool_reorder(l->pool, &res), 0);
	EXPECT_EQ(res.bytes_moved, 0);
	EXPECT_EQ(res.blocks_moved, 0);
	check_moved(l, &res);
	check_contents(l);
	t_pool_get_stats(l->pool, &st);
	EXPECT_EQ(st.reorders, 1);
	EXPECT_EQ(st.bytes_moved, 0);
	EXPECT_TRUE(reorder_t_mem(l->pool));
	t_pool_get_stats(l->pool, &st);
	EXPECT_EQ(st.reorders, 2);
	destroy(l);

	/* full to the last byte */
	{
		static const size_t whole[] = { 1024 };

		build(l, 1 << 14, whole, 1, 16, 0);
		EXPECT_EQ(t_pool_reorder(l->pool, &res), 0);
		EXPECT_EQ(res.bytes_moved, 0);
		EXPECT_EQ(res.largest_free, 0);
		EXPECT_EQ(res.free_blocks, 0);
		check_contents(l);
		destroy(l);
	}
	free(l);
}

TEST(reorder_fragmented_without_pins)
{
	static const size_t steps[] = { 0, 1000, 16, 1 << 20, 4096, 33 };
	struct t_pool_reorder_result res;
	struct layout *l = malloc(sizeof(*l));
	uint64_t rng = 0x5eed;
	int round;

	ASSERT_TRUE(l);
	for (round = 0; round < 24; round++) {
		size_t sizes[7], i, count = 8 + tp_rand_below(&rng, 56);
		uint64_t mask = tp_rand(&rng) & tp_rand(&rng);
		struct t_pool_stats before, after;

		for (i = 0; i < ARRAY_LEN(sizes); i++)
			sizes[i] = 1 + tp_rand_below(&rng, 1 << (4 + i));
		if (round == 0)
			mask = 1;		/* only the first block freed */
		build(l, 1 << 18, sizes, ARRAY_LEN(sizes), count, mask);
		t_pool_set_step(l->pool, steps[round % ARRAY_LEN(steps)]);
		t_pool_get_stats(l->pool, &before);
		EXPECT_EQ(t_pool_reorder(l->pool, &res), 0);
		ASSERT_VALID(l->pool);
		t_pool_get_stats(l->pool, &after);
		check_compact(l->pool);
		check_contents(l);
		check_order(l, true);
		check_moved(l, &res);
		EXPECT_EQ(after.bytes_moved - before.bytes_moved, res.bytes_moved);
		EXPECT_EQ(after.reorders, before.reorders + 1);
		EXPECT_EQ(after.used_bytes, before.used_bytes);
		EXPECT_EQ(after.used_blocks, before.used_blocks);

		/* again: nothing left to move */
		EXPECT_EQ(t_pool_reorder(l->pool, &res), 0);
		EXPECT_EQ(res.bytes_moved, 0);
		EXPECT_EQ(res.blocks_moved, 0);
		check_contents(l);
		destroy(l);
		if (test_failed())
			break;
	}
	free(l);
}

/* ---- pins -------------------------------------------------------------- */

enum pin_where {
	PIN_FIRST, PIN_LAST, PIN_MIDDLE, PIN_ADJACENT, PIN_ALL, PIN_EVERY_OTHER,
	PIN_FIRST_AND_LAST,
};

static bool pin_this(enum pin_where where, size_t i, size_t n)
{
	switch (where) {
	case PIN_FIRST:		return i == 0;
	case PIN_LAST:		return i == n - 1;
	case PIN_MIDDLE:	return i == n / 2;
	case PIN_ADJACENT:	return i >= n / 2 - 1 && i <= n / 2 + 1;
	case PIN_ALL:		return true;
	case PIN_EVERY_OTHER:	return i % 2;
	case PIN_FIRST_AND_LAST: return i == 0 || i == n - 1;
	}
	return false;
}

/*
 * 30 blocks of assorted sizes; blocks 0, 1, 4, 7, ... are freed, so there
 * is a hole before every live block and one at the very bottom.  Then the
 * chosen live blocks are pinned and the pool reordered.
 */
FIXTURE(pins) {};
FIXTURE_VARIANT(pins) { enum pin_where where; };
FIXTURE_VARIANT_ADD(pins, first_block) { .where = PIN_FIRST };
FIXTURE_VARIANT_ADD(pins, last_block) { .where = PIN_LAST };
FIXTURE_VARIANT_ADD(pins, middle_block) { .where = PIN_MIDDLE };
FIXTURE_VARIANT_ADD(pins, three_adjacent_blocks) { .where = PIN_ADJACENT };
FIXTURE_VARIANT_ADD(pins, every_block) { .where = PIN_ALL };
FIXTURE_VARIANT_ADD(pins, every_other_block) { .where = PIN_EVERY_OTHER };
FIXTURE_VARIANT_ADD(pins, first_and_last_blocks) { .where = PIN_FIRST_AND_LAST };

TEST_F(pins, reorder_around_pins)
{
	static const size_t sizes[] = { 64, 208, 16, 1024, 96, 4000, 32 };
	enum pin_where where = variant->where;
	struct t_pool_reorder_result res;
	struct layout *l = malloc(sizeof(*l));
	uint64_t mask = 0;
	size_t i, pins = 0;
	struct t_pool_stats st;

	ASSERT_TRUE(l);
	for (i = 0; i < 30; i++)
		if (i < 2 || i % 3 == 1)
			mask |= 1ULL << i;
	build(l, 1 << 17, sizes, ARRAY_LEN(sizes), 30, mask);
	ASSERT_TRUE(l->n >= 6);
	for (i = 0; i < l->n; i++) {
		if (!pin_this(where, i, l->n))
			continue;
		l->b[i].pinned_at = t_pool_pin(l->pool, l->b[i].h);
		ASSERT_TRUE(l->b[i].pinned_at);
		pins++;
	}
	t_pool_get_stats(l->pool, &st);
	EXPECT_EQ(st.pinned_blocks, pins);

	t_pool_set_step(l->pool, 1000);
	EXPECT_EQ(t_pool_reorder(l->pool, &res), 0);
	ASSERT_VALID(l->pool);
	for (i = 0; i < l->n; i++) {
		if (l->b[i].pinned_at) {
			unsigned char *arena = t_pool_arena(l->pool, NULL);

			EXPECT_EQ(offset_now(l->pool, l->b[i].h), l->b[i].off);
			EXPECT_TRUE(l->b[i].pinned_at == arena + l->b[i].off);
		}
	}
	check_contents(l);
	check_order(l, false);
	check_compacted_around_pins(l);
	check_moved(l, &res);
	if (where == PIN_ALL)
		EXPECT_EQ(res.bytes_moved, 0);
	else
		EXPECT_TRUE(res.bytes_moved > 0);

	/* Unpinned, a second pass compacts everything. */
	for (i = 0; i < l->n; i++) {
		if (l->b[i].pinned_at) {
			EXPECT_EQ(t_pool_unpin(l->pool, l->b[i].h), 0);
			l->b[i].pinned_at = NULL;
		}
		l->b[i].off = offset_now(l->pool, l->b[i].h);
	}
	EXPECT_EQ(t_pool_reorder(l->pool, &res), 0);
	ASSERT_VALID(l->pool);
	check_compact(l->pool);
	check_contents(l);
	check_order(l, true);
	check_moved(l, &res);
	destroy(l);
	free(l);
}

/* ---- large blocks and blocks in transit -------------------------------- */

TEST(reorder_large_block_in_steps)
{
	static const size_t holes[] = { 4096, 1000 * 16, 65536, 3 * 65536 };
	size_t k;

	for (k = 0; k < ARRAY_LEN(holes); k++) {
		struct t_pool *pool = tp_new(1 << 19, 0);
		struct t_pool_reorder_result res;
		struct t_pool_stats st;
		uint64_t s, gap, big, tail;
		unsigned int steps = 0;
		int more;

		s = t_pool_alloc_handle(pool, 16, 0);
		gap = t_pool_alloc_handle(pool, holes[k], 0);
		big = t_pool_alloc_handle(pool, 65536, 0);
		tail = t_pool_alloc_handle(pool, 5000, 0);
		ASSERT_TRUE(s && gap && big && tail);
		tp_fill_block(pool, s, 1);
		tp_fill_block(pool, big, 2);
		tp_fill_block(pool, tail, 3);
		EXPECT_EQ(t_pool_free(pool, gap), 0);
		t_pool_set_step(pool, 1000);

		memset(&res, 0, sizeof(res));
		do {
			more = t_pool_reorder_step(pool, 0, &res);
			ASSERT_TRUE(more >= 0);
			ASSERT_VALID(pool);
			steps++;
			ASSERT_TRUE(steps < 1000);
		} while (more);
		EXPECT_TRUE(steps >= (65536 + 5008) / 1000, "%u steps", steps);
		EXPECT_EQ(res.blocks_moved, 2);
		EXPECT_EQ(res.bytes_moved, 65536 + 5008);
		EXPECT_EQ(offset_now(pool, big), 16);
		EXPECT_EQ(offset_now(pool, tail), 16 + 65536);
		EXPECT_TRUE(tp_block_has(pool, s, 1));
		EXPECT_TRUE(tp_block_has(pool, big, 2));
		EXPECT_TRUE(tp_block_has(pool, tail, 3));
		check_compact(pool);
		t_pool_get_stats(pool, &st);
		EXPECT_EQ(st.bytes_moved, 65536 + 5008);
		EXPECT_EQ(st.reorders, 1);
		destroy_t_pool(pool);
	}
}

enum transit_action {
	TR_READ, TR_WRITE, TR_FREE, TR_PIN, TR_COPY_FROM, TR_COPY_INTO,
	TR_CLEAN, TR_OFFSET_OF, TR_ALLOC, TR_LOOKUP, TR_FREE_NEIGHBOURS,
	TR_ACTIONS
};

#define TR_BIG_HOLE	0x100UL
#define BIG		65536

/*
 * [S 16][hole][B 64 KiB][C 4 KiB][D 64 KiB][free...], step 1000: B is
 * moved down over dozens of steps.  Stop after 20 steps, act on the
 * pool, then step the pass to its end, checking everything after each
 * step.  The hole is 4 KiB (old and new places of B overlap) or 96 KiB
 * (they do not).
 */
FIXTURE(transit) {};
FIXTURE_VARIANT(transit) { enum transit_action action; bool big_hole; };
FIXTURE_VARIANT_ADD(transit, read) { .action = TR_READ };
FIXTURE_VARIANT_ADD(transit, write) { .action = TR_WRITE };
FIXTURE_VARIANT_ADD(transit, free) { .action = TR_FREE };
FIXTURE_VARIANT_ADD(transit, pin) { .action = TR_PIN };
FIXTURE_VARIANT_ADD(transit, copy_from) { .action = TR_COPY_FROM };
FIXTURE_VARIANT_ADD(transit, copy_into) { .action = TR_COPY_INTO };
FIXTURE_VARIANT_ADD(transit, clean) { .action = TR_CLEAN };
FIXTURE_VARIANT_ADD(transit, offset_of) { .action = TR_OFFSET_OF };
FIXTURE_VARIANT_ADD(transit, alloc) { .action = TR_ALLOC };
FIXTURE_VARIANT_ADD(transit, handle_of_and_walk) { .action = TR_LOOKUP };
FIXTURE_VARIANT_ADD(transit, free_neighbours) { .action = TR_FREE_NEIGHBOURS };
FIXTURE_VARIANT_ADD(transit, read_big_hole) { .action = TR_READ, .big_hole = true };
FIXTURE_VARIANT_ADD(transit, write_big_hole) { .action = TR_WRITE, .big_hole = true };
FIXTURE_VARIANT_ADD(transit, free_big_hole) { .action = TR_FREE, .big_hole = true };
FIXTURE_VARIANT_ADD(transit, pin_big_hole) { .action = TR_PIN, .big_hole = true };
FIXTURE_VARIANT_ADD(transit, copy_into_big_hole) { .action = TR_COPY_INTO, .big_hole = true };
FIXTURE_VARIANT_ADD(transit, alloc_big_hole) { .action = TR_ALLOC, .big_hole = true };

TEST_F(transit, reorder_block_in_transit)
{
	enum transit_action action = variant->action;
	size_t hole_size = variant->big_hole ? 96 * 1024 : 4096;
	struct t_pool *pool = tp_new(1 << 19, 0);
	unsigned char *expect = malloc(BIG), *buf = malloc(BIG);
	unsigned char *arena = t_pool_arena(pool, NULL);
	uint64_t s, hole, b, c, d, extra[8] = { 0 };
	struct t_pool_reorder_result res;
	struct t_pool_extent ext[32];
	size_t old_b, new_b, done = 0, i;
	/* a seed per variant: the action, and 0x100 for the big hole */
	uint64_t rng = (action | (variant->big_hole ? TR_BIG_HOLE : 0)) + 1;
	bool b_alive = true, s_alive = true, c_alive = true;
	unsigned int steps;
	int more = 1;

	ASSERT_TRUE(expect && buf);
	s = t_pool_alloc_handle(pool, 16, 0);
	hole = t_pool_alloc_handle(pool, hole_size, 0);
	b = t_pool_alloc_handle(pool, BIG, 0);
	c = t_pool_alloc_handle(pool, 4096, 0);
	d = t_pool_alloc_handle(pool, BIG, 0);
	ASSERT_TRUE(s && hole && b && c && d);
	tp_fill_block(pool, s, 1);
	tp_fill_block(pool, b, 2);
	tp_fill_block(pool, c, 3);
	tp_fill_block(pool, d, 4);
	tp_pattern_fill(expect, BIG, 2, 0);
	old_b = offset_now(pool, b);
	new_b = 16;
	EXPECT_EQ(t_pool_free(pool, hole), 0);
	t_pool_set_step(pool, 1000);
	memset(&res, 0, sizeof(res));

	for (steps = 0; steps < 20; steps++) {
		ASSERT_EQ(t_pool_reorder_step(pool, 0, &res), 1);
		ASSERT_VALID(pool);
	}
	done = res.bytes_moved;
	ASSERT_EQ(done, 20000);

	/* B is in transit: the walk still shows it where it was. */
	{
		size_t cursor = 0;
		unsigned int n = t_pool_walk(pool, &cursor, ext, ARRAY_LEN(ext));
		bool seen = false;

		for (i = 0; i < n; i++)
			if (ext[i].handle == b)
				seen = ext[i].offset == old_b;
		ASSERT_TRUE(seen, "B is not at its old offset in the walk");
	}

	switch (action) {
	case TR_READ:
		EXPECT_TRUE(tp_block_equals(pool, b, expect, BIG));
		/* pieces across the point reached so far */
		EXPECT_EQ(t_pool_read(pool, b, done - 10, buf, 20), 0);
		EXPECT_TRUE(!memcmp(buf, expect + done - 10, 20));
		EXPECT_EQ(t_pool_read(pool, b, done, buf, BIG - done), 0);
		EXPECT_TRUE(!memcmp(buf, expect + done, BIG - done));
		break;
	case TR_WRITE:
		tp_pattern_fill(buf, 1000, 9, 0);
		EXPECT_EQ(t_pool_write(pool, b, done - 500, buf, 1000), 0);
		memcpy(expect + done - 500, buf, 1000);
		tp_pattern_fill(buf, 100, 10, 0);
		EXPECT_EQ(t_pool_write(pool, b, BIG - 100, buf, 100), 0);
		memcpy(expect + BIG - 100, buf, 100);
		/* single bytes on either side of the point reached so far */
		for (i = done - 2; i <= done + 1; i++) {
			unsigned char v = (unsigned char)(0xc0 + i - done);

			EXPECT_EQ(t_pool_write(pool, b, i, &v, 1), 0);
			expect[i] = v;
		}
		EXPECT_TRUE(tp_block_equals(pool, b, expect, BIG));
		break;
	case TR_FREE:
		EXPECT_EQ(t_pool_free(pool, b), 0);
		b_alive = false;
		EXPECT_EQ(t_pool_size_of(pool, b), 0);
		EXPECT_EQ(t_pool_free(pool, b), -EINVAL);
		break;
	case TR_PIN: {
		unsigned char *p = t_pool_pin(pool, b);

		ASSERT_TRUE(p);
		EXPECT_TRUE(p == arena + new_b, "pinned B at %zu, expected %zu",
			    (size_t)(p - arena), new_b);
		EXPECT_EQ(offset_now(pool, b), new_b);
		EXPECT_TRUE(!memcmp(p, expect, BIG));
		ASSERT_VALID(pool);
		break;
	}
	case TR_COPY_FROM:
		EXPECT_EQ(t_pool_copy(pool, d, b), 0);
		EXPECT_TRUE(tp_block_equals(pool, d, expect, BIG));
		break;
	case TR_COPY_INTO:
		EXPECT_EQ(t_pool_copy(pool, b, c), 0);
		tp_pattern_fill(expect, 4096, 3, 0);
		EXPECT_TRUE(tp_block_equals(pool, b, expect, BIG));
		ASSERT_VALID(pool);
		EXPECT_EQ(t_pool_reorder_step(pool, 0, &res), 1);
		EXPECT_EQ(t_pool_copy(pool, b, d), 0);
		tp_pattern_fill(expect, BIG, 4, 0);
		EXPECT_TRUE(tp_block_equals(pool, b, expect, BIG));
		break;
	case TR_CLEAN:
		EXPECT_EQ(t_pool_clean(pool, b), 0);
		memset(expect, 0, BIG);
		EXPECT_TRUE(tp_block_equals(pool, b, expect, BIG));
		break;
	case TR_OFFSET_OF:
		/* finishes the move first */
		EXPECT_EQ(offset_now(pool, b), new_b);
		ASSERT_VALID(pool);
		EXPECT_TRUE(t_pool_handle_of(pool, arena + new_b) == b);
		break;
	case TR_ALLOC:
		/* none of these may land in the hole B is moving into */
		for (i = 0; i < ARRAY_LEN(extra); i++) {
			extra[i] = t_pool_alloc_handle(pool, i ? 512 * i : hole_size, 0);
			ASSERT_TRUE(extra[i], "alloc %zu", i);
			ASSERT_VALID(pool);
			tp_fill_block(pool, extra[i], 100 + i);
			EXPECT_TRUE(tp_block_equals(pool, b, expect, BIG));
		}
		break;
	case TR_LOOKUP: {
		size_t end = 0;
		unsigned int n;

		EXPECT_TRUE(t_pool_handle_of(pool, arena + old_b) == b);
		EXPECT_TRUE(t_pool_handle_of(pool, arena + new_b) == T_POOL_NO_HANDLE);
		n = tp_walk_all(pool, ext, ARRAY_LEN(ext));
		for (i = 0; i < n; i++) {
			EXPECT_EQ(ext[i].offset, end);
			end = ext[i].offset + ext[i].size;
		}
		EXPECT_EQ(end, 1 << 19);
		break;
	}
	case TR_FREE_NEIGHBOURS:
		EXPECT_EQ(t_pool_free(pool, s), 0);
		s_alive = false;
		ASSERT_VALID(pool);
		EXPECT_EQ(t_pool_free(pool, c), 0);
		c_alive = false;
		break;
	case TR_ACTIONS:
		break;
	}
	ASSERT_VALID(pool);

	/* Step the pass to its end, with odd budgets, checking as we go. */
	for (steps = 0; more && steps < 10000; steps++) {
		static const size_t budgets[] = { 1, 7, 16, 1000, 4096, 0 };

		more = t_pool_reorder_step(pool, budgets[tp_rand_below(&rng, 6)],
					   &res);
		ASSERT_TRUE(more >= 0);
		ASSERT_VALID(pool);
		if (b_alive && steps % 16 == 0)
			EXPECT_TRUE(tp_block_equals(pool, b, expect, BIG), "step %u",
				    steps);
	}
	EXPECT_EQ(more, 0);

	if (b_alive) {
		EXPECT_TRUE(tp_block_equals(pool, b, expect, BIG));
		EXPECT_EQ(offset_now(pool, b), new_b);
	}
	if (s_alive)
		EXPECT_TRUE(tp_block_has(pool, s, 1));
	if (c_alive)
		EXPECT_TRUE(tp_block_has(pool, c, 3));
	if (action == TR_COPY_INTO)
		EXPECT_TRUE(tp_block_has(pool, d, 4));
	else if (action == TR_COPY_FROM)
		EXPECT_TRUE(tp_block_has(pool, d, 2));
	else
		EXPECT_TRUE(tp_block_has(pool, d, 4));
	for (i = 0; i < ARRAY_LEN(extra); i++)
		if (extra[i])
			EXPECT_TRUE(tp_block_has(pool, extra[i], 100 + i));

	if (action == TR_PIN) {
		EXPECT_EQ(t_pool_unpin(pool, b), 0);
	}
	/* Nothing pinned, nothing running: one more pass compacts it all. */
	EXPECT_EQ(t_pool_reorder(pool, &res), 0);
	ASSERT_VALID(pool);
	check_compact(pool);
	if (b_alive)
		EXPECT_TRUE(tp_block_equals(pool, b, expect, BIG));
	free(expect);
	free(buf);
	destroy_t_pool(pool);
}

/* ---- reorder on fail --------------------------------------------------- */

/* 64 blocks of 1 KiB fill 64 KiB; every other one freed: 32 KiB in 1 KiB holes. */
static void build_checkerboard(struct layout *l)
{
	static const size_t kib[] = { 1024 };
	uint64_t mask = 0;
	size_t i;

	for (i = 0; i < 64; i += 2)
		mask |= 1ULL << i;
	build(l, 1 << 16, kib, 1, 64, mask);
}

TEST(reorder_on_fail_succeeds)
{
	struct layout *l = malloc(sizeof(*l));
	struct t_pool_stats st0, st;
	uint64_t h, rest;

	ASSERT_TRUE(l);
	build_checkerboard(l);
	t_pool_get_stats(l->pool, &st0);
	EXPECT_EQ(st0.free_bytes, 32 * 1024);
	EXPECT_EQ(st0.largest_free, 1024);

	EXPECT_TRUE(t_pool_alloc_handle(l->pool, 8192, 0) == T_POOL_NO_HANDLE);
	t_pool_get_stats(l->pool, &st);
	EXPECT_EQ(st.failed_allocs, st0.failed_allocs + 1);
	EXPECT_EQ(st.reorders, 0);

	h = t_pool_alloc_handle(l->pool, 8192, T_POOL_REORDER_ON_FAIL);
	EXPECT_TRUE(h != T_POOL_NO_HANDLE);
	ASSERT_VALID(l->pool);
	t_pool_get_stats(l->pool, &st);
	EXPECT_EQ(st.failed_allocs, st0.failed_allocs + 1);
	EXPECT_EQ(st.reorders, 1);
	EXPECT_EQ(st.used_bytes, 32 * 1024 + 8192);
	check_contents(l);

	/* every byte that is left, in one block */
	rest = t_pool_alloc_handle(l->pool, 24 * 1024, T_POOL_REORDER_ON_FAIL);
	EXPECT_TRUE(rest != T_POOL_NO_HANDLE);
	t_pool_get_stats(l->pool, &st);
	EXPECT_EQ(st.free_bytes, 0);
	EXPECT_EQ(st.failed_allocs, st0.failed_allocs + 1);
	check_contents(l);
	destroy(l);
	free(l);
}

TEST(reorder_on_fail_not_enough_bytes)
{
	struct layout *l = malloc(sizeof(*l));
	struct t_pool_stats st0, st;

	ASSERT_TRUE(l);
	build_checkerboard(l);
	t_pool_get_stats(l->pool, &st0);
	EXPECT_TRUE(t_pool_alloc_handle(l->pool, 32 * 1024 + 16,
					T_POOL_REORDER_ON_FAIL) == T_POOL_NO_HANDLE);
	t_pool_get_stats(l->pool, &st);
	EXPECT_EQ(st.failed_allocs, st0.failed_allocs + 1);
	EXPECT_EQ(st.reorders, st0.reorders);	/* no point compacting */
	EXPECT_EQ(st.bytes_moved, 0);
	check_contents(l);
	destroy(l);
	free(l);
}

/*
 * A pinned block keeps the free space in two pieces, so the compaction
 * cannot help and the call fails.  That is one refused allocation:
 * stats.failed_allocs ("allocations refused for lack of space") must
 * grow by one, not by one per attempt inside the call.
 *
 *   [A 2K free][P 2K pinned][B 2K][free 2K]   alloc 3K, REORDER_ON_FAIL
 */
TEST(reorder_on_fail_counts_one_failure)
{
	struct t_pool *pool = tp_new(8192, 0);
	struct t_pool_stats st0, st;
	uint64_t a, p, b;

	a = t_pool_alloc_handle(pool, 2048, 0);
	p = t_pool_alloc_handle(pool, 2048, 0);
	b = t_pool_alloc_handle(pool, 2048, 0);
	ASSERT_TRUE(a && p && b);
	ASSERT_TRUE(t_pool_pin(pool, p));
	EXPECT_EQ(t_pool_free(pool, a), 0);
	t_pool_get_stats(pool, &st0);
	EXPECT_EQ(st0.free_bytes, 4096);

	EXPECT_TRUE(t_pool_alloc_handle(pool, 3072, T_POOL_REORDER_ON_FAIL) ==
		    T_POOL_NO_HANDLE);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.failed_allocs, st0.failed_allocs + 1);
	EXPECT_EQ(st.refused_calls, st0.refused_calls);
	EXPECT_VALID(pool);
	destroy_t_pool(pool);
}

/*
 * A pass started by t_pool_reorder_step() and left unfinished: blocks
 * freed behind its cursor leave holes that a later t_pool_reorder() must
 * still compact.  t_pool_reorder() promises that with no pins and nothing
 * running concurrently all free space ends as one run, and
 * T_POOL_REORDER_ON_FAIL that an allocation that only fragmentation
 * stands in the way of succeeds.
 *
 * 16 blocks of 1 KiB fill 16 KiB.  Free b0; three steps of 1 KiB slide
 * b1..b3 down (the cursor is now at 3 KiB); free b1, now at 0, which is
 * behind the cursor and not next to the run the cursor is on.
 */
static struct t_pool *build_partial_pass(uint64_t *h)
{
	struct t_pool *pool = tp_new(1 << 14, 0);
	struct t_pool_reorder_result res;
	int i;

	for (i = 0; i < 16; i++) {
		h[i] = t_pool_alloc_handle(pool, 1024, 0);
		ASSERT_TRUE(h[i]);
		tp_fill_block(pool, h[i], tag_of(h[i]));
	}
	EXPECT_EQ(t_pool_free(pool, h[0]), 0);
	memset(&res, 0, sizeof(res));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(t_pool_reorder_step(pool, 1024, &res), 1);
		ASSERT_VALID(pool);
	}
	ASSERT_EQ(res.bytes_moved, 3 * 1024);
	ASSERT_EQ(offset_now(pool, h[1]), 0);
	ASSERT_EQ(t_pool_free(pool, h[1]), 0);
	ASSERT_VALID(pool);
	h[0] = h[1] = T_POOL_NO_HANDLE;
	return pool;
}

TEST(reorder_after_partial_pass_compacts)
{
	struct t_pool_reorder_result res;
	struct t_pool *pool;
	uint64_t h[16];
	int i;

	pool = build_partial_pass(h);
	EXPECT_EQ(t_pool_reorder(pool, &res), 0);
	ASSERT_VALID(pool);
	check_compact(pool);
	for (i = 2; i < 16; i++)
		EXPECT_TRUE(tp_block_has(pool, h[i], tag_of(h[i])));
	destroy_t_pool(pool);
}

TEST(reorder_on_fail_after_partial_pass)
{
	struct t_pool_stats st0, st;
	struct t_pool *pool;
	uint64_t h[16], big;
	int i;

	pool = build_partial_pass(h);
	t_pool_get_stats(pool, &st0);
	EXPECT_EQ(st0.free_bytes, 2048);
	EXPECT_EQ(st0.pinned_blocks, 0);
	big = t_pool_alloc_handle(pool, 2048, T_POOL_REORDER_ON_FAIL);
	EXPECT_TRUE(big != T_POOL_NO_HANDLE,
		    "2 KiB free in total, nothing pinned, and the alloc failed");
	ASSERT_VALID(pool);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.failed_allocs, st0.failed_allocs);
	for (i = 2; i < 16; i++)
		EXPECT_TRUE(tp_block_has(pool, h[i], tag_of(h[i])));
	destroy_t_pool(pool);
}

