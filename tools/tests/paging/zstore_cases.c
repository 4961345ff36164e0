// SPDX-License-Identifier: GPL-2.0-only
/*
 * zstore_cases.c - the compressed store (ckremm/paging/zstore.c) with the
 * hosted port's LZ4 (ckremm/port/host/lz4/codec_lz4.c).
 *
 *   - blocks cut from this tree's own sources, and blocks of random bytes
 *     with compressible runs, come back byte for byte (round_trip_*,
 *     model_*);
 *   - a block that does not compress below the limit is refused with
 *     -E2BIG and costs nothing (random_refused, limit_*);
 *   - a full pool refuses with -ENOSPC, changes nothing, and takes blocks
 *     again once one is dropped (nospc);
 *   - stale, made-up and mis-sized keys fail with -EIO (bad_keys);
 *   - the statistics add up, and every byte of the header pool comes back
 *     after the last drop (every case).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>

#include "ckremm_port.h"
#include <ckremm/zstore.h>

#include "ckremm_test.h"

#define BLOCK		4096
#define ARENA		(1UL << 20)
/* The tree's top, as the Makefile passes it. */
#ifndef CKREMM_TREE
#define CKREMM_TREE	"../../.."
#endif
#define ROOT		CKREMM_TREE

static u64 rng_next(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static struct ckremm_zstore *make(size_t arena, size_t max_block,
				  unsigned int limit)
{
	struct ckremm_zstore_params p = {
		.arena_size = arena, .max_block = max_block,
		.limit_permille = limit,
	};
	struct ckremm_zstore *zs = ckremm_zstore_create(&ckremm_codec_lz4, &p);

	ASSERT_NONNULL(zs);
	return zs;
}

static int put(struct ckremm_zstore *zs, const void *src, size_t len,
	       u64 *key, size_t *stored)
{
	struct ckremm_store *s = ckremm_zstore_store(zs);

	return s->ops->put(s, src, len, key, stored);
}

static int get(struct ckremm_zstore *zs, u64 key, void *dst, size_t len)
{
	struct ckremm_store *s = ckremm_zstore_store(zs);

	return s->ops->get(s, key, dst, len);
}

static void drop(struct ckremm_zstore *zs, u64 key)
{
	struct ckremm_store *s = ckremm_zstore_store(zs);

	s->ops->drop(s, key);
}

static struct ckremm_zstore_stats stats(struct ckremm_zstore *zs)
{
	struct ckremm_zstore_stats st;

	ckremm_zstore_get_stats(zs, &st);
	return st;
}

/* The store holds nothing, and its pool has every byte back. */
static void check_empty(struct ckremm_zstore *zs)
{
	struct ckremm_zstore_stats st = stats(zs);

	EXPECT_EQ(st.blocks, 0);
	EXPECT_EQ(st.orig_bytes, 0);
	EXPECT_EQ(st.compr_bytes, 0);
	EXPECT_EQ(st.stored_bytes, 0);
	EXPECT_EQ(st.pool_used, 0);
}

/*
 * The last block in the store comes back as it went in; dropped, it
 * leaves the store empty, and the store is destroyed.
 */
static void last_block_back(struct ckremm_zstore *zs, u64 key, const u8 *block,
			    size_t len)
{
	u8 *back = malloc(len);

	ASSERT_NONNULL(back);
	ASSERT_EQ(get(zs, key, back, len), 0);
	EXPECT_EQ(memcmp(back, block, len), 0);
	drop(zs, key);
	check_empty(zs);
	ckremm_zstore_destroy(zs);
	free(back);
}

/* Reads a file of this tree whole; its length in *len. */
static u8 *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	u8 *buf;
	long n;

	ASSERT_NONNULL(f, "%s", path);
	ASSERT_EQ(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ASSERT_GT(n, 0);
	rewind(f);
	buf = malloc(n);
	ASSERT_NONNULL(buf);
	ASSERT_EQ(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*len = n;
	return buf;
}

TEST(create_refuses)
{
	struct ckremm_zstore_params p = {
		.arena_size = ARENA, .max_block = BLOCK,
	};
	struct ckremm_codec half = ckremm_codec_lz4;

	EXPECT_NULL(ckremm_zstore_create(NULL, &p));
	EXPECT_NULL(ckremm_zstore_create(&ckremm_codec_lz4, NULL));
	p.max_block = 0;
	EXPECT_NULL(ckremm_zstore_create(&ckremm_codec_lz4, &p));
	p.max_block = BLOCK;
	p.limit_permille = 1001;
	EXPECT_NULL(ckremm_zstore_create(&ckremm_codec_lz4, &p));
	p.limit_permille = 0;
	p.arena_size = 8;
	EXPECT_NULL(ckremm_zstore_create(&ckremm_codec_lz4, &p));
	p.arena_size = ARENA;
	half.decompress = NULL;
	EXPECT_NULL(ckremm_zstore_create(&half, &p));
	ckremm_zstore_destroy(NULL);
}

/*
 * Blocks cut from sources of this tree, put, read back, dropped; the
 * ratio is what LZ4 makes of C.  A block of prose may not compress below
 * the limit: refused, it must cost nothing, and it must be rare.
 */
static void round_trip_file(const char *path, size_t block,
			    unsigned int max_permille)
{
	struct ckremm_zstore *zs = make(4 * ARENA, block, 0);
	struct ckremm_zstore_stats st;
	size_t len, n, i, stored, sum = 0, taken = 0, refused = 0;
	u8 *data = slurp(path, &len);
	u8 *back = malloc(block);
	u64 *keys;
	int ret;

	ASSERT_NONNULL(back);
	n = len / block;
	ASSERT_GT(n, 2);
	keys = calloc(n, sizeof(*keys));
	ASSERT_NONNULL(keys);
	for (i = 0; i < n; i++) {
		ret = put(zs, data + i * block, block, &keys[i], &stored);
		if (ret == -E2BIG) {
			keys[i] = 0;	/* no copy is empty: no key is 0 */
			refused++;
			EXPECT_EQ(stats(zs).pool_used, sum);
			continue;
		}
		ASSERT_EQ(ret, 0, "block %zu", i);
		EXPECT_LT(stored * 1000, block * 875);
		sum += stored;
		taken++;
	}
	/* One block in twenty at most: C compresses. */
	EXPECT_LE(refused * 20, n);
	st = stats(zs);
	EXPECT_EQ(st.blocks, taken);
	EXPECT_EQ(st.incompressible, refused);
	EXPECT_EQ(st.orig_bytes, taken * block);
	EXPECT_EQ(st.stored_bytes, sum);
	EXPECT_EQ(st.pool_used, sum);
	EXPECT_LT(st.compr_bytes, sum);
	/* LZ4 on C: better than 3:2 in 4 KiB blocks, 5:4 in 1 KiB ones. */
	EXPECT_LT(st.compr_bytes * 1000, st.orig_bytes * max_permille);
	for (i = n; i-- > 0;) {
		if (!keys[i])
			continue;
		memset(back, 0xa5, block);
		ASSERT_EQ(get(zs, keys[i], back, block), 0);
		ASSERT_EQ(memcmp(back, data + i * block, block), 0,
			  "block %zu", i);
	}
	EXPECT_EQ(stats(zs).gets, taken);
	for (i = 0; i < n; i += 2)
		if (keys[i])
			drop(zs, keys[i]);
	for (i = 1; i < n; i += 2) {
		if (!keys[i])
			continue;
		ASSERT_EQ(get(zs, keys[i], back, block), 0);
		ASSERT_EQ(memcmp(back, data + i * block, block), 0);
		drop(zs, keys[i]);
	}
	check_empty(zs);
	EXPECT_EQ(stats(zs).failures, 0);
	ckremm_zstore_destroy(zs);
	free(keys);
	free(back);
	free(data);
}

TEST(round_trip_h_pool_c)
{
	round_trip_file(ROOT "/ckremm/hpool/h_pool.c", BLOCK, 667);
}

TEST(round_trip_t_pool_c_1k)
{
	round_trip_file(ROOT "/ckremm/tpool/t_pool.c", 1024, 800);
}

TEST(random_refused)
{
	struct ckremm_zstore *zs = make(ARENA, BLOCK, 0);
	u8 block[BLOCK];
	u64 seed = 7, key = 0;
	size_t i, stored = 0;

	for (i = 0; i < BLOCK; i += 8) {
		u64 r = rng_next(&seed);

		memcpy(block + i, &r, 8);
	}
	EXPECT_EQ(put(zs, block, BLOCK, &key, &stored), -E2BIG);
	EXPECT_EQ(stats(zs).incompressible, 1);
	EXPECT_EQ(stats(zs).puts, 0);
	/* Longer than max_block, or empty: refused the same way. */
	EXPECT_EQ(put(zs, block, BLOCK + 1, &key, &stored), -E2BIG);
	EXPECT_EQ(put(zs, block, 0, &key, &stored), -E2BIG);
	/*
	 * 36 zeros compress to a dozen bytes, but the pool's header and
	 * rounding make the copy cost 32 bytes, above 7/8 of 36; 64 zeros
	 * are taken.
	 */
	memset(block, 0, 64);
	EXPECT_EQ(put(zs, block, 36, &key, &stored), -E2BIG);
	EXPECT_EQ(stats(zs).incompressible, 4);
	ASSERT_EQ(put(zs, block, 64, &key, &stored), 0);
	EXPECT_EQ(stored, 32);
	drop(zs, key);
	check_empty(zs);
	ckremm_zstore_destroy(zs);
}

/*
 * A block half random, half zero compresses to a little over half: kept
 * under the default 7/8, refused under a limit of 1/2.
 */
TEST(limit_permille)
{
	struct ckremm_zstore *loose = make(ARENA, BLOCK, 0);
	struct ckremm_zstore *tight = make(ARENA, BLOCK, 500);
	u8 block[BLOCK] = { 0 }, back[BLOCK];
	u64 seed = 11, key = 0;
	size_t i, stored = 0;

	for (i = 0; i < BLOCK / 2; i += 8) {
		u64 r = rng_next(&seed);

		memcpy(block + i, &r, 8);
	}
	ASSERT_EQ(put(loose, block, BLOCK, &key, &stored), 0);
	EXPECT_GT(stored, BLOCK / 2);
	EXPECT_LT(stored, BLOCK * 7 / 8);
	ASSERT_EQ(get(loose, key, back, BLOCK), 0);
	EXPECT_EQ(memcmp(back, block, BLOCK), 0);
	drop(loose, key);
	EXPECT_EQ(put(tight, block, BLOCK, &key, &stored), -E2BIG);
	EXPECT_EQ(stats(tight).incompressible, 1);
	check_empty(loose);
	check_empty(tight);
	ckremm_zstore_destroy(loose);
	ckremm_zstore_destroy(tight);
}

/* Fill a small pool to -ENOSPC; a drop makes room again. */
TEST(nospc)
{
	struct ckremm_zstore *zs = make(64 << 10, BLOCK, 0);
	u8 block[BLOCK] = { 0 }, back[BLOCK];
	u64 keys[256], seed = 3, key = 0;
	size_t i, n, stored;
	struct ckremm_zstore_stats st;
	int ret = 0;

	/* A quarter random: each copy costs a little over 1 KiB. */
	for (i = 0; i < BLOCK / 4; i += 8) {
		u64 r = rng_next(&seed);

		memcpy(block + i, &r, 8);
	}
	for (n = 0; n < 256; n++) {
		block[BLOCK - 1] = (u8)n;
		ret = put(zs, block, BLOCK, &keys[n], &stored);
		if (ret)
			break;
	}
	EXPECT_EQ(ret, -ENOSPC);
	EXPECT_GT(n, 30);
	st = stats(zs);
	EXPECT_EQ(st.nospc, 1);
	EXPECT_EQ(st.blocks, n);
	EXPECT_EQ(put(zs, block, BLOCK, &key, &stored), -ENOSPC);
	EXPECT_EQ(stats(zs).blocks, n);
	EXPECT_EQ(stats(zs).pool_used, st.pool_used);
	drop(zs, keys[n / 2]);
	block[BLOCK - 1] = 0xff;
	ASSERT_EQ(put(zs, block, BLOCK, &keys[n / 2], &stored), 0);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(get(zs, keys[i], back, BLOCK), 0);
		EXPECT_EQ(back[BLOCK - 1], i == n / 2 ? 0xff : (u8)i);
		EXPECT_EQ(memcmp(back, block, BLOCK - 1), 0);
		drop(zs, keys[i]);
	}
	check_empty(zs);
	ckremm_zstore_destroy(zs);
}

TEST(bad_keys)
{
	struct ckremm_zstore *zs = make(ARENA, BLOCK, 0);
	u8 block[BLOCK] = "a block of text, then zeros", back[BLOCK];
	u64 key = 0, other = 0;
	size_t stored;

	ASSERT_EQ(put(zs, block, BLOCK, &key, &stored), 0);
	ASSERT_EQ(put(zs, block, BLOCK, &other, &stored), 0);
	EXPECT_EQ(get(zs, key, back, BLOCK - 1), -EIO);
	EXPECT_EQ(get(zs, key, back, BLOCK + 16), -EIO);
	EXPECT_EQ(get(zs, key + (1ULL << 32), back, BLOCK), -EIO);
	EXPECT_EQ(get(zs, key & ~0xffffffffULL, back, BLOCK), -EIO);
	EXPECT_EQ(get(zs, (u64)ARENA << 28, back, BLOCK), -EIO);
	EXPECT_EQ(stats(zs).failures, 5);
	drop(zs, key);
	EXPECT_EQ(get(zs, key, back, BLOCK), -EIO);
	drop(zs, key);
	EXPECT_EQ(stats(zs).failures, 7);
	last_block_back(zs, other, block, BLOCK);
}

/*
 * A key that points inside a live copy, at bytes that look like a copy of
 * their own (a length, then an LZ4 stream of literals), is refused: the
 * store asks the pool whether a block starts there before it reads.  The
 * outer block is 64 random bytes and zeros, which LZ4 writes as a token,
 * one byte of literal length and the 65 literals verbatim: the copy's
 * byte 16, the next granule, is the block's byte 10.
 */
TEST(key_inside_a_copy)
{
	struct ckremm_zstore *zs = make(ARENA, BLOCK, 0);
	static const u8 inner[17] = { 12, 0, 0, 0, 0xc0, 'n', 'o', 't', ' ',
				      'a', ' ', 'b', 'l', 'o', 'c', 'k', '!' };
	u8 block[BLOCK] = { 0 }, back[BLOCK], lz[LZ4_COMPRESSBOUND(BLOCK)];
	u64 seed = 5, key = 0, fake;
	size_t i, stored;

	for (i = 0; i < 64; i++)
		block[i] = (u8)rng_next(&seed) | 0x80;
	memcpy(block + 10, inner, sizeof(inner));
	/* The layout the fake key relies on, as liblz4 writes it. */
	ASSERT_GT(LZ4_compress_default((char *)block, (char *)lz, BLOCK,
				       sizeof(lz)), 16);
	ASSERT_EQ(memcmp(lz + 16 - 4, inner, sizeof(inner)), 0);
	/* And the fake copy would decompress, were it read. */
	ASSERT_EQ(LZ4_decompress_safe((char *)inner + 4, (char *)back, 13, 12),
		  12);

	ASSERT_EQ(put(zs, block, BLOCK, &key, &stored), 0);
	fake = ((key >> 32) + 1) << 32 | sizeof(inner);
	EXPECT_EQ(get(zs, fake, back, 12), -EIO);
	EXPECT_EQ(stats(zs).failures, 1);
	drop(zs, fake);
	EXPECT_EQ(stats(zs).failures, 2);
	last_block_back(zs, key, block, BLOCK);
}

/*
 * Random puts, gets and drops of blocks of random lengths, part random
 * and part runs, each checked against its own copy; the statistics
 * against sums kept here.
 */
static void model_run(u64 seed, size_t ops)
{
	enum { SLOTS = 128, MAXB = 8192 };
	struct ckremm_zstore *zs = make(256 << 10, MAXB, 0);
	static u8 ref[SLOTS][MAXB];
	u8 data[MAXB], back[MAXB];
	size_t len[SLOTS] = { 0 }, blocks = 0, refused = 0, nospc = 0;
	u64 key[SLOTS], orig = 0;
	size_t i, j, op, stored;
	struct ckremm_zstore_stats st;

	for (op = 0; op < ops; op++) {
		u64 r = rng_next(&seed);
		unsigned int s = r % SLOTS;
		int ret;

		if (len[s] && (r >> 8) % 3) {
			ASSERT_EQ(get(zs, key[s], back, len[s]), 0);
			ASSERT_EQ(memcmp(back, ref[s], len[s]), 0,
				  "slot %u op %zu", s, op);
			if ((r >> 16) & 1)
				continue;
			drop(zs, key[s]);
			orig -= len[s];
			len[s] = 0;
			blocks--;
			continue;
		}
		if (len[s])
			continue;
		{
			size_t n = 1 + (r >> 20) % MAXB;
			unsigned int run = 1 + (r >> 40) % 64;

			for (j = 0; j < n; j++)
				data[j] = (j / run) % 4 ? (u8)(j / run) :
					  (u8)rng_next(&seed);
			ret = put(zs, data, n, &key[s], &stored);
			if (ret == -E2BIG) {
				refused++;
				continue;
			}
			if (ret == -ENOSPC) {
				nospc++;
				continue;
			}
			ASSERT_EQ(ret, 0);
			memcpy(ref[s], data, n);
			len[s] = n;
			orig += n;
			blocks++;
		}
	}
	st = stats(zs);
	EXPECT_EQ(st.blocks, blocks);
	EXPECT_EQ(st.orig_bytes, orig);
	EXPECT_EQ(st.incompressible, refused);
	EXPECT_EQ(st.nospc, nospc);
	EXPECT_EQ(st.failures, 0);
	EXPECT_GT(refused, 0);
	for (i = 0; i < SLOTS; i++) {
		if (!len[i])
			continue;
		ASSERT_EQ(get(zs, key[i], back, len[i]), 0);
		ASSERT_EQ(memcmp(back, ref[i], len[i]), 0);
		drop(zs, key[i]);
	}
	check_empty(zs);
	ckremm_zstore_destroy(zs);
}

TEST(model_seed_1) { model_run(1, 20000); }
TEST(model_seed_2) { model_run(0xfeed, 20000); }

TEST_HARNESS_MAIN("zstore")
