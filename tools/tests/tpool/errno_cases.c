// SPDX-License-Identifier: GPL-2.0-only
/*
 * errno_cases.c - the table pool's calls that say why they fail and where
 * a block is (t_pool_alloc_block(), t_pool_locate(), t_pool_pin_locate(),
 * t_pool_clean_locate()), and its batches (t_pool_alloc_batch(),
 * t_pool_free_batch()), all or nothing.
 *
 * A refused or failed call must change nothing but the counters, so each
 * one is checked against a snapshot taken before it.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tp_check.h"

TP_CASE(alloc_block_says_why)
{
	struct t_pool *pool = tp_new(4096, 0);
	struct tp_snapshot snap;
	struct t_pool_stats st;
	u64 h = T_POOL_NO_HANDLE;

	tp_snap(pool, &snap);
	EXPECT_EQ(t_pool_alloc_block(pool, 0, 0, &h), -EINVAL);
	EXPECT_EQ(t_pool_alloc_block(pool, 16, 0x2, &h), -EINVAL);
	EXPECT_EQ(t_pool_alloc_block(pool, SIZE_MAX, 0, &h), -ENOMEM);
	EXPECT_UNCHANGED(pool, &snap, 3);
	EXPECT_EQ(t_pool_alloc_block(NULL, 16, 0, &h), -EINVAL);
	EXPECT_EQ(t_pool_alloc_block(pool, 16, 0, NULL), -EINVAL);
	EXPECT_EQ(t_pool_alloc_block(pool, 4097, 0, &h), -ENOMEM);
	EXPECT_EQ(h, T_POOL_NO_HANDLE);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.failed_allocs, 1);

	ASSERT_EQ(t_pool_alloc_block(pool, 4096, T_POOL_REORDER_ON_FAIL, &h), 0);
	EXPECT(h != T_POOL_NO_HANDLE);
	EXPECT_EQ(t_pool_size_of(pool, h), 4096);
	EXPECT_EQ(t_pool_free(pool, h), 0);
	EXPECT_VALID(pool);
	destroy_t_pool(pool);
}

TP_CASE(locate_pin_clean_report_one_block)
{
	struct t_pool *pool = tp_new(8192, 0);
	unsigned char buf[5008];
	size_t off = 1, size = 1;
	struct tp_snapshot snap;
	u64 a, b;
	unsigned int i;

	ASSERT_EQ(t_pool_alloc_block(pool, 100, 0, &a), 0);
	ASSERT_EQ(t_pool_alloc_block(pool, 5000, 0, &b), 0);
	tp_fill_block(pool, b, 9);

	EXPECT_EQ(t_pool_locate(pool, b, &off, &size), 0);
	EXPECT_EQ(off, 112);
	EXPECT_EQ(size, 5008);
	EXPECT_EQ(t_pool_locate(pool, a, NULL, NULL), 0);
	tp_snap(pool, &snap);
	EXPECT_EQ(t_pool_locate(pool, b + (1ULL << 32), &off, &size), -EINVAL);
	EXPECT_EQ(t_pool_pin_locate(pool, 0, &off, &size), -EINVAL);
	EXPECT_EQ(t_pool_clean_locate(pool, a ^ 1, &off, &size), -EINVAL);
	EXPECT_UNCHANGED(pool, &snap, 3);
	EXPECT_EQ(off, 112);
	EXPECT(tp_block_has(pool, b, 9));

	/* Larger than a step: cleaned a step at a time, held throughout. */
	EXPECT_EQ(t_pool_clean_locate(pool, b, &off, &size), 0);
	EXPECT_EQ(off, 112);
	EXPECT_EQ(size, 5008);
	ASSERT_EQ(t_pool_read(pool, b, 0, buf, sizeof(buf)), 0);
	for (i = 0; i < sizeof(buf) && !buf[i]; i++)
		;
	EXPECT_EQ(i, sizeof(buf));
	EXPECT_EQ(t_pool_clean_locate(pool, a, NULL, &size), 0);
	EXPECT_EQ(size, 112);

	/* Pinned, it stays where the pin said through a reorder. */
	EXPECT_EQ(t_pool_free(pool, a), 0);
	EXPECT_EQ(t_pool_pin_locate(pool, b, &off, NULL), 0);
	EXPECT_EQ(off, 112);
	EXPECT(reorder_t_mem(pool));
	EXPECT_EQ(t_pool_locate(pool, b, &off, NULL), 0);
	EXPECT_EQ(off, 112);
	for (i = 1; i < 65535; i++)
		ASSERT_EQ(t_pool_pin_locate(pool, b, NULL, NULL), 0);
	tp_snap(pool, &snap);
	EXPECT_EQ(t_pool_pin_locate(pool, b, NULL, NULL), -EOVERFLOW);
	EXPECT_UNCHANGED(pool, &snap, 1);
	for (i = 0; i < 65535; i++)
		ASSERT_EQ(t_pool_unpin(pool, b), 0);
	EXPECT(reorder_t_mem(pool));
	EXPECT_EQ(t_pool_locate(pool, b, &off, &size), 0);
	EXPECT_EQ(off, 0);
	EXPECT_EQ(t_pool_free(pool, b), 0);
	EXPECT_VALID(pool);
	destroy_t_pool(pool);
}

TP_CASE(alloc_batch_all_or_nothing)
{
	struct t_pool *pool = tp_new(4096, 0);
	u64 h[T_POOL_BATCH_MAX + 1];
	struct tp_snapshot snap;
	struct t_pool_stats st;
	unsigned int i;

	tp_snap(pool, &snap);
	EXPECT_EQ(t_pool_alloc_batch(pool, 16, h, 0), -EINVAL);
	EXPECT_EQ(t_pool_alloc_batch(pool, 16, h, T_POOL_BATCH_MAX + 1),
		  -EINVAL);
	EXPECT_EQ(t_pool_alloc_batch(pool, 0, h, 1), -EINVAL);
	EXPECT_UNCHANGED(pool, &snap, 3);
	EXPECT_EQ(t_pool_alloc_batch(NULL, 16, h, 1), -EINVAL);
	EXPECT_EQ(t_pool_alloc_batch(pool, 16, NULL, 1), -EINVAL);

	/* The 64th block of 65 bytes does not fit: none is kept. */
	EXPECT_EQ(t_pool_alloc_batch(pool, 65, h, 64), -ENOMEM);
	EXPECT_EQ(t_pool_alloc_batch(pool, SIZE_MAX, h, 1), -ENOMEM);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, 0);
	EXPECT_EQ(st.peak_used, 0);
	EXPECT_EQ(st.failed_allocs, 2);
	EXPECT_EQ(st.free_blocks, 1);
	EXPECT_VALID(pool);

	ASSERT_EQ(t_pool_alloc_batch(pool, 64, h, 64), 0);
	for (i = 0; i < 64; i++) {
		EXPECT_EQ(t_pool_size_of(pool, h[i]), 64);
		tp_fill_block(pool, h[i], i);
	}
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.free_bytes, 0);
	EXPECT_VALID(pool);
	EXPECT_EQ(t_pool_free_batch(pool, h, 64), 0);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, 0);
	EXPECT_EQ(st.free_blocks, 1);
	EXPECT_VALID(pool);
	destroy_t_pool(pool);
}

/* Batches that need more nodes than the first chunk has grow the tables. */
TP_CASE(alloc_batch_grows_the_tables)
{
	struct t_pool *pool = tp_new(65536, 0);
	u64 h[4][T_POOL_BATCH_MAX];
	struct t_pool_stats st;
	unsigned int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(t_pool_alloc_batch(pool, 16, h[i], 64), 0);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, 192);
	ASSERT_EQ(t_pool_alloc_batch(pool, 16, h[3], 64), 0);
	EXPECT_VALID(pool);
	/* The table holds 256 blocks: one more is refused, none kept. */
	EXPECT_EQ(t_pool_alloc_batch(pool, 16, h[0], 1), -ENOMEM);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, 256);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(t_pool_free_batch(pool, h[i], 64), 0);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, 0);
	EXPECT_VALID(pool);
	destroy_t_pool(pool);
}

TP_CASE(free_batch_checks_every_block_first)
{
	struct t_pool *pool = tp_new(4096, 0);
	u64 h[T_POOL_BATCH_MAX + 1];
	struct tp_snapshot snap;
	size_t size;
	void *addr;
	unsigned int i;

	ASSERT_EQ(t_pool_alloc_batch(pool, 64, h, 64), 0);
	for (i = 0; i < 64; i++)
		tp_fill_block(pool, h[i], i);

	tp_snap(pool, &snap);
	EXPECT_EQ(t_pool_free_batch(pool, h, 0), -EINVAL);
	EXPECT_EQ(t_pool_free_batch(pool, h, T_POOL_BATCH_MAX + 1), -EINVAL);
	h[64] = h[3];
	EXPECT_EQ(t_pool_free_batch(pool, h + 3, 62), -EINVAL);
	EXPECT_UNCHANGED(pool, &snap, 3);
	EXPECT_EQ(t_pool_free_batch(NULL, h, 1), -EINVAL);
	EXPECT_EQ(t_pool_free_batch(pool, NULL, 1), -EINVAL);

	EXPECT_EQ(t_pool_free(pool, h[5]), 0);
	tp_snap(pool, &snap);
	EXPECT_EQ(t_pool_free_batch(pool, h, 8), -EINVAL);
	EXPECT_UNCHANGED(pool, &snap, 1);
	ASSERT_EQ(t_pool_alloc_batch(pool, 64, &h[5], 1), 0);
	tp_fill_block(pool, h[5], 5);

	ASSERT(t_pool_pin(pool, h[10]));
	tp_snap(pool, &snap);
	EXPECT_EQ(t_pool_free_batch(pool, h, 11), -EBUSY);
	EXPECT_UNCHANGED(pool, &snap, 1);
	EXPECT_EQ(t_pool_unpin(pool, h[10]), 0);

	ASSERT_EQ(t_pool_hold(pool, h[20], false, &addr, &size), 0);
	tp_snap(pool, &snap);
	EXPECT_EQ(t_pool_free_batch(pool, h, 21), -EBUSY);
	EXPECT_UNCHANGED(pool, &snap, 0);
	EXPECT_EQ(t_pool_unhold(pool, h[20], false), 0);

	for (i = 0; i < 64; i++)
		EXPECT(tp_block_has(pool, h[i], i));
	EXPECT_EQ(t_pool_free_batch(pool, h, 64), 0);
	EXPECT_EQ(t_pool_free(pool, h[7]), -EINVAL);
	EXPECT_VALID(pool);
	destroy_t_pool(pool);
}

const struct tap_case errno_cases[] = {
	{ "errno: alloc_block says why it fails", alloc_block_says_why, 0, 0 },
	{ "errno: locate, pin_locate and clean_locate report one block", locate_pin_clean_report_one_block, 0, 0 },
	{ "errno: alloc_batch is all or nothing", alloc_batch_all_or_nothing, 0, 0 },
	{ "errno: alloc_batch grows the tables", alloc_batch_grows_the_tables, 0, 0 },
	{ "errno: free_batch checks every block before it frees any", free_batch_checks_every_block_first, 0, 0 },
};
const size_t errno_case_count = ARRAY_LEN(errno_cases);
