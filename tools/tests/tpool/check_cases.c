// SPDX-License-Identifier: GPL-2.0-only
/*
 * check_cases.c - t_pool_validate() finds what is wrong.
 *
 * Nothing outside the pool can reach its tables, so the only way to show
 * that the checker catches a broken one is to break it here, through the
 * pool's private header: one fault at a time, each found with its own
 * reason, and put right again before the pool is destroyed.
 */
#include <string.h>

#include "t_pool_internal.h"
#include "tp_check.h"

/* t_pool_validate() fails with -EUCLEAN and says @why. */
static void expect_fault(struct t_pool *pool, const char *why)
{
	struct t_pool_fault fault = { 0, NULL };

	EXPECT_EQ(t_pool_validate(pool, &fault), -EUCLEAN);
	EXPECT_TRUE(fault.reason && !strcmp(fault.reason, why),
		    "found \"%s\", expected \"%s\"",
		    fault.reason ? fault.reason : "(nothing)", why);
}

/* A pool of used blocks with a free run between the second and third. */
static struct t_pool *broken_pool(uint64_t h[4])
{
	struct t_pool *pool = tp_new(64 << 10, 0);
	unsigned int i;

	for (i = 0; i < 4; i++)
		h[i] = t_pool_alloc_handle(pool, 64, 0);
	ASSERT_EQ(t_pool_free(pool, h[2]), 0);
	ASSERT_VALID(pool);
	return pool;
}

static struct tp_seg *seg_of(struct t_pool *pool, uint64_t h)
{
	return tp_seg(pool, (u32)h - 1);
}

TEST(validate_finds_broken_runs)
{
	uint64_t h[4];
	struct t_pool *pool = broken_pool(h);
	struct tp_seg *b1 = seg_of(pool, h[1]), *b3 = seg_of(pool, h[3]);
	u32 keep, state;

	keep = pool->first;
	pool->first = 0x7fffffff;
	expect_fault(pool, "run list leads astray");
	pool->first = keep;

	keep = b1->next;
	b1->next = 0x7fffffff;
	expect_fault(pool, "run list leads astray");
	b1->next = keep;

	/* h[1] starting where h[0] does leaves h[0] empty. */
	keep = b1->off;
	b1->off = seg_of(pool, h[0])->off;
	expect_fault(pool, "run does not follow the one before it");
	b1->off = keep;

	keep = pool->region[0];
	pool->region[0] = TP_NIL;
	expect_fault(pool, "run missing from the region table");
	pool->region[0] = keep;

	/* The free run where h[2] was, marked as a hole nothing moves into. */
	state = tp_state(tp_seg(pool, b1->next));
	tp_set_state(tp_seg(pool, b1->next), TP_HOLE);
	expect_fault(pool, "hole without a block moving into it");
	tp_set_state(tp_seg(pool, b1->next), state);

	/* h[3] is followed by the free rest of the arena. */
	tp_set_state(b3, TP_FREE);
	expect_fault(pool, "two adjacent free runs");
	tp_set_state(b3, TP_USED);

	pool->used_blocks++;
	expect_fault(pool, "counts disagree with the statistics");
	pool->used_blocks--;
	EXPECT_VALID(pool);
	destroy_t_pool(pool);
}

TEST(validate_finds_broken_tables)
{
	uint64_t h[4];
	struct t_pool *pool = broken_pool(h);
	struct tp_seg *spare;
	u32 keep;

	spare = tp_seg(pool, pool->spare);
	tp_set_state(spare, TP_FREE);
	expect_fault(pool, "spare node list broken");
	tp_set_state(spare, TP_SPARE);

	keep = pool->spare;
	pool->spare = TP_NIL;
	expect_fault(pool, "nodes lost");
	pool->spare = keep;

	/* Region 1 (bytes 4096..8191) has no run starting in it. */
	ASSERT_EQ(pool->region[1], TP_NIL);
	pool->region[1] = (u32)h[0] - 1;
	expect_fault(pool, "region table names a wrong run");
	pool->region[1] = TP_NIL;

	/* The free index loses the bit of a class that has runs. */
	keep = pool->index.fl_map;
	pool->index.fl_map = 0;
	expect_fault(pool, "bitmap levels disagree");
	pool->index.fl_map = keep;
	EXPECT_VALID(pool);
	destroy_t_pool(pool);
}

/* Generations go round without ever giving out 0. */
TEST(generation_wraps_past_zero)
{
	struct t_pool *pool = tp_new(4096, 0);
	uint64_t h;

	pool->gen = 0xffffffffU;
	h = t_pool_alloc_handle(pool, 16, 0);
	ASSERT_TRUE(h != T_POOL_NO_HANDLE);
	EXPECT_EQ(h >> 32, 1);
	EXPECT_EQ(t_pool_size_of(pool, h), 16);
	EXPECT_VALID(pool);
	destroy_t_pool(pool);
}

