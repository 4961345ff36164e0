// SPDX-License-Identifier: GPL-2.0-only
/*
 * zstore_rle_cases.c - the compressed store (ckremm/paging/zstore.c) with
 * a codec of the test's own, as a board without LZ4 would supply one: a
 * run-length code of (count, byte) pairs.  Built on the host in the
 * paging stage and for the emulated boards (tools/mcu), where it is the
 * bare-metal port's case.
 *
 *   - blocks of runs come back byte for byte, at the ratio the code
 *     gives, and the figures say so (rle_round_trip);
 *   - a block without runs is refused with -E2BIG, costing nothing
 *     (rle_refused);
 *   - a full pool refuses with -ENOSPC and takes blocks again after a
 *     drop (rle_nospc);
 *   - mis-sized gets and codec failures are -EIO (rle_bad_input);
 *   - the store's header pool has every byte back after the last drop.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ckremm_port.h"
#include <ckremm/zstore.h>

#include "ckremm_test.h"

static size_t rle_bound(size_t len)
{
	return 2 * len;
}

static int rle_compress(const void *src, size_t len, void *dst, size_t cap,
			void *scratch)
{
	const u8 *s = src;
	u8 *d = dst;
	size_t i = 0, out = 0, run;

	(void)scratch;
	while (i < len) {
		for (run = 1; i + run < len && run < 255 && s[i + run] == s[i];)
			run++;
		if (out + 2 > cap)
			return -E2BIG;
		d[out++] = (u8)run;
		d[out++] = s[i];
		i += run;
	}
	return (int)out;
}

static int rle_decompress(const void *src, size_t clen, void *dst, size_t len)
{
	const u8 *s = src;
	u8 *d = dst;
	size_t i, out = 0;

	if (clen % 2)
		return -EIO;
	for (i = 0; i < clen; i += 2) {
		if (!s[i] || out + s[i] > len)
			return -EIO;
		memset(d + out, s[i + 1], s[i]);
		out += s[i];
	}
	return out == len ? 0 : -EIO;
}

static const struct ckremm_codec rle = {
	.name = "rle",
	.bound = rle_bound,
	.compress = rle_compress,
	.decompress = rle_decompress,
};

#define BLOCK	1024

static struct ckremm_zstore *make(size_t arena)
{
	struct ckremm_zstore_params p = {
		.arena_size = arena, .max_block = BLOCK,
	};
	struct ckremm_zstore *zs = ckremm_zstore_create(&rle, &p);

	ASSERT_NONNULL(zs);
	return zs;
}

static struct ckremm_store *store_of(struct ckremm_zstore *zs)
{
	return ckremm_zstore_store(zs);
}

/* @len bytes of runs 1 to 64 bytes long, of bytes from @seed. */
static void fill_runs(u8 *buf, size_t len, u32 seed)
{
	size_t i = 0, run;

	while (i < len) {
		seed = seed * 1103515245 + 12345;
		run = 1 + (seed >> 16) % 64;
		if (run > len - i)
			run = len - i;
		memset(buf + i, (u8)(seed >> 24), run);
		i += run;
	}
}

static void check_empty(struct ckremm_zstore *zs)
{
	struct ckremm_zstore_stats st;

	ckremm_zstore_get_stats(zs, &st);
	EXPECT_EQ(st.blocks, 0);
	EXPECT_EQ(st.orig_bytes, 0);
	EXPECT_EQ(st.stored_bytes, 0);
	EXPECT_EQ(st.pool_used, 0);
}

TEST(rle_round_trip)
{
	static u8 data[16][BLOCK], back[BLOCK];
	struct ckremm_zstore *zs = make(64 << 10);
	struct ckremm_store *s = store_of(zs);
	struct ckremm_zstore_stats st;
	size_t stored, sum = 0, len;
	u64 keys[16];
	unsigned int i;

	for (i = 0; i < 16; i++) {
		len = 64 + i * (BLOCK - 64) / 15;
		fill_runs(data[i], len, i + 1);
		ASSERT_EQ(s->ops->put(s, data[i], len, &keys[i], &stored), 0,
			  "block %u", i);
		sum += stored;
	}
	ckremm_zstore_get_stats(zs, &st);
	EXPECT_EQ(st.blocks, 16);
	EXPECT_EQ(st.stored_bytes, sum);
	EXPECT_EQ(st.pool_used, sum);
	/* Runs of 32 bytes on average, two bytes each, and 20 of overhead. */
	EXPECT_LT(st.stored_bytes * 4, st.orig_bytes);
	for (i = 0; i < 16; i++) {
		len = 64 + i * (BLOCK - 64) / 15;
		memset(back, 0xee, sizeof(back));
		ASSERT_EQ(s->ops->get(s, keys[i], back, len), 0);
		EXPECT_EQ(memcmp(back, data[i], len), 0, "block %u", i);
		s->ops->drop(s, keys[i]);
	}
	check_empty(zs);
	ckremm_zstore_destroy(zs);
}

TEST(rle_refused)
{
	static u8 block[BLOCK];
	struct ckremm_zstore *zs = make(16 << 10);
	struct ckremm_store *s = store_of(zs);
	struct ckremm_zstore_stats st;
	size_t i, stored = 0;
	u64 key = 0;

	for (i = 0; i < BLOCK; i++)
		block[i] = (u8)i;
	EXPECT_EQ(s->ops->put(s, block, BLOCK, &key, &stored), -E2BIG);
	/* Half runs, half not: still longer than 7/8 of the block. */
	memset(block, 7, BLOCK / 2);
	EXPECT_EQ(s->ops->put(s, block, BLOCK, &key, &stored), -E2BIG);
	ckremm_zstore_get_stats(zs, &st);
	EXPECT_EQ(st.incompressible, 2);
	check_empty(zs);
	ckremm_zstore_destroy(zs);
}

TEST(rle_nospc)
{
	static u8 block[BLOCK];
	struct ckremm_zstore *zs = make(4 << 10);
	struct ckremm_store *s = store_of(zs);
	struct ckremm_zstore_stats st;
	u64 keys[64];
	size_t stored;
	unsigned int n, i;
	int ret = 0;

	fill_runs(block, BLOCK, 99);
	for (n = 0; n < 64; n++) {
		ret = s->ops->put(s, block, BLOCK, &keys[n], &stored);
		if (ret)
			break;
	}
	EXPECT_EQ(ret, -ENOSPC);
	EXPECT_GT(n, 2);
	ckremm_zstore_get_stats(zs, &st);
	EXPECT_EQ(st.nospc, 1);
	EXPECT_EQ(st.blocks, n);
	s->ops->drop(s, keys[0]);
	ASSERT_EQ(s->ops->put(s, block, BLOCK, &keys[0], &stored), 0);
	for (i = 0; i < n; i++)
		s->ops->drop(s, keys[i]);
	check_empty(zs);
	ckremm_zstore_destroy(zs);
}

TEST(rle_bad_input)
{
	static u8 block[BLOCK], back[BLOCK + 16];
	struct ckremm_zstore *zs = make(16 << 10);
	struct ckremm_store *s = store_of(zs);
	struct ckremm_zstore_stats st;
	u8 odd[3] = { 2, 'a', 1 };
	size_t stored;
	u64 key = 0;

	fill_runs(block, BLOCK, 5);
	ASSERT_EQ(s->ops->put(s, block, BLOCK, &key, &stored), 0);
	EXPECT_EQ(s->ops->get(s, key, back, BLOCK - 1), -EIO);
	EXPECT_EQ(s->ops->get(s, key, back, BLOCK + 16), -EIO);
	EXPECT_EQ(s->ops->get(s, key ^ (1ULL << 32), back, BLOCK), -EIO);
	ckremm_zstore_get_stats(zs, &st);
	EXPECT_EQ(st.failures, 3);
	/* The codec's own refusals of what it did not write. */
	EXPECT_EQ(rle.decompress(odd, sizeof(odd), back, 3), -EIO);
	EXPECT_EQ(rle.decompress(odd, 2, back, 3), -EIO);
	EXPECT_EQ(rle.decompress(odd, 2, back, 2), 0);
	ASSERT_EQ(s->ops->get(s, key, back, BLOCK), 0);
	EXPECT_EQ(memcmp(back, block, BLOCK), 0);
	s->ops->drop(s, key);
	check_empty(zs);
	ckremm_zstore_destroy(zs);
}

TEST_HARNESS_MAIN("zstore_rle")
