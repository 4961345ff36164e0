// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the compressed store (include/ckremm/zstore.h) with the
 * kernel's LZ4 (ckremm/port/linux/codec_lz4.c), in builds with
 * CONFIG_CKREMM_LZ4.
 *
 *   ckremm_zstore   text-like blocks of several sizes come back byte for
 *                   byte and compress; random blocks are refused with
 *                   -E2BIG; a full pool refuses with -ENOSPC and takes
 *                   blocks again after a drop; stale and mis-sized keys
 *                   fail with -EIO; put, get and drop from a hard
 *                   interrupt and under a raw spinlock; the statistics add
 *                   up and the store's header pool has every byte back
 *                   after the last drop.
 *
 * Every store is made by zs_new(), which has KUnit destroy it when the
 * case ends, however it ends.  The drop of a bad key logs a rate-limited
 * line; nothing here may provoke a WARN() or a KASAN report.
 */

#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <ckremm/ckremm_ns.h>
#include <ckremm/zstore.h>

#include "ckremm_kunit.h"

#define KIB		1024
#define ZS_BLOCK	(16 * KIB)

static void zs_destroy_action(void *zs)
{
	ckremm_zstore_destroy(zs);
}

static struct ckremm_zstore *zs_new(struct kunit *test, size_t arena,
				    size_t max_block, unsigned int limit)
{
	struct ckremm_zstore_params p = {
		.arena_size = arena, .max_block = max_block,
		.limit_permille = limit,
	};
	struct ckremm_zstore *zs = ckremm_zstore_create(&ckremm_codec_lz4, &p);

	KUNIT_ASSERT_NOT_NULL(test, zs);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, zs_destroy_action,
							zs), 0);
	return zs;
}

static int zs_put(struct ckremm_zstore *zs, const void *src, size_t len,
		  u64 *key, size_t *stored)
{
	struct ckremm_store *s = ckremm_zstore_store(zs);

	return s->ops->put(s, src, len, key, stored);
}

static int zs_get(struct ckremm_zstore *zs, u64 key, void *dst, size_t len)
{
	struct ckremm_store *s = ckremm_zstore_store(zs);

	return s->ops->get(s, key, dst, len);
}

static void zs_drop(struct ckremm_zstore *zs, u64 key)
{
	struct ckremm_store *s = ckremm_zstore_store(zs);

	s->ops->drop(s, key);
}

static void expect_zs_empty(struct kunit *test, struct ckremm_zstore *zs)
{
	struct ckremm_zstore_stats st;

	ckremm_zstore_get_stats(zs, &st);
	KUNIT_EXPECT_EQ(test, st.blocks, 0);
	KUNIT_EXPECT_EQ(test, st.orig_bytes, 0);
	KUNIT_EXPECT_EQ(test, st.compr_bytes, 0);
	KUNIT_EXPECT_EQ(test, st.stored_bytes, 0);
	KUNIT_EXPECT_EQ(test, st.pool_used, 0);
}

/* Words of C and prose in a seeded order: text as a page cache holds it. */
static void fill_text(u8 *buf, size_t len, u32 seed)
{
	static const char *const words[] = {
		"struct ", "pool", "->lock", " = ", "return ", "if (", ") {\n",
		"}\n", "\tunsigned long flags;\n", "size_t ", "block", "_t ",
		"the ", "of a ", "free ", "bytes", "handle", "static int ",
		"/* ", " */\n", "\t\t", ", ", ";\n", "NULL", "-ENOMEM",
	};
	struct rnd_state rnd;
	size_t at = 0;

	prandom_seed_state(&rnd, seed);
	while (at < len) {
		const char *w = words[prandom_u32_state(&rnd) %
				      ARRAY_SIZE(words)];
		size_t n = min(strlen(w), len - at);

		memcpy(buf + at, w, n);
		at += n;
	}
}

static const size_t zs_sizes[] = { 512, 4 * KIB, ZS_BLOCK };

static void zs_size_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu bytes", *size);
}

KUNIT_ARRAY_PARAM(zs_size, zs_sizes, zs_size_desc);

#define ZS_N	32

static void zs_round_trip(struct kunit *test)
{
	size_t len = *(const size_t *)test->param_value, stored, sum = 0;
	struct ckremm_zstore *zs = zs_new(test, 512 * KIB, ZS_BLOCK, 0);
	u8 *data = kunit_kmalloc(test, ZS_N * len, GFP_KERNEL);
	u8 *back = kunit_kmalloc(test, len, GFP_KERNEL);
	struct ckremm_zstore_stats st;
	u64 keys[ZS_N];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_ASSERT_NOT_NULL(test, back);
	fill_text(data, ZS_N * len, len);
	for (i = 0; i < ZS_N; i++) {
		KUNIT_ASSERT_EQ(test, zs_put(zs, data + i * len, len, &keys[i],
					     &stored), 0);
		KUNIT_EXPECT_LT(test, stored, len);
		sum += stored;
	}
	ckremm_zstore_get_stats(zs, &st);
	KUNIT_EXPECT_EQ(test, st.blocks, ZS_N);
	KUNIT_EXPECT_EQ(test, st.orig_bytes, ZS_N * len);
	KUNIT_EXPECT_EQ(test, st.stored_bytes, sum);
	KUNIT_EXPECT_EQ(test, st.pool_used, sum);
	/*
	 * Twenty-five words repeat: better than 2:1 in 4 KiB blocks, 3:2
	 * in 512 bytes, where each block starts its dictionary anew.
	 */
	if (len >= 4 * KIB)
		KUNIT_EXPECT_LT(test, st.compr_bytes * 2, st.orig_bytes);
	else
		KUNIT_EXPECT_LT(test, st.compr_bytes * 3, st.orig_bytes * 2);
	for (i = 0; i < ZS_N; i++) {
		memset(back, 0x5a, len);
		KUNIT_ASSERT_EQ(test, zs_get(zs, keys[i], back, len), 0);
		KUNIT_ASSERT_EQ(test, memcmp(back, data + i * len, len), 0);
		zs_drop(zs, keys[i]);
	}
	expect_zs_empty(test, zs);
	ckremm_zstore_get_stats(zs, &st);
	KUNIT_EXPECT_EQ(test, st.gets, ZS_N);
	KUNIT_EXPECT_EQ(test, st.failures, 0);
}

static void zs_random_refused(struct kunit *test)
{
	struct ckremm_zstore *zs = zs_new(test, 64 * KIB, 4 * KIB, 0);
	u8 *block = kunit_kmalloc(test, 4 * KIB, GFP_KERNEL);
	struct ckremm_zstore_stats st;
	struct rnd_state rnd;
	size_t stored = 0;
	u64 key = 0;

	KUNIT_ASSERT_NOT_NULL(test, block);
	prandom_seed_state(&rnd, 42);
	prandom_bytes_state(&rnd, block, 4 * KIB);
	KUNIT_EXPECT_EQ(test, zs_put(zs, block, 4 * KIB, &key, &stored),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, zs_put(zs, block, 4 * KIB + 1, &key, &stored),
			-E2BIG);
	ckremm_zstore_get_stats(zs, &st);
	KUNIT_EXPECT_EQ(test, st.incompressible, 2);
	KUNIT_EXPECT_EQ(test, st.puts, 0);
	expect_zs_empty(test, zs);
}

static void zs_nospc(struct kunit *test)
{
	struct ckremm_zstore *zs = zs_new(test, 32 * KIB, 4 * KIB, 0);
	u8 *block = kunit_kzalloc(test, 4 * KIB, GFP_KERNEL);
	u8 *back = kunit_kmalloc(test, 4 * KIB, GFP_KERNEL);
	struct ckremm_zstore_stats st;
	struct rnd_state rnd;
	unsigned int n, i;
	size_t stored;
	u64 keys[64];
	int ret = 0;

	KUNIT_ASSERT_NOT_NULL(test, block);
	KUNIT_ASSERT_NOT_NULL(test, back);
	/* A quarter random: a copy costs a little over 1 KiB. */
	prandom_seed_state(&rnd, 3);
	prandom_bytes_state(&rnd, block, KIB);
	for (n = 0; n < ARRAY_SIZE(keys); n++) {
		block[4 * KIB - 1] = n;
		ret = zs_put(zs, block, 4 * KIB, &keys[n], &stored);
		if (ret)
			break;
	}
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_GT(test, n, 16);
	ckremm_zstore_get_stats(zs, &st);
	KUNIT_EXPECT_EQ(test, st.nospc, 1);
	KUNIT_EXPECT_EQ(test, st.blocks, n);
	zs_drop(zs, keys[0]);
	block[4 * KIB - 1] = 0xff;
	KUNIT_ASSERT_EQ(test, zs_put(zs, block, 4 * KIB, &keys[0], &stored), 0);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, zs_get(zs, keys[i], back, 4 * KIB), 0);
		KUNIT_EXPECT_EQ(test, back[4 * KIB - 1], i ? (u8)i : 0xff);
		KUNIT_EXPECT_EQ(test, memcmp(back, block, 4 * KIB - 1), 0);
		zs_drop(zs, keys[i]);
	}
	expect_zs_empty(test, zs);
}

static void zs_bad_keys(struct kunit *test)
{
	struct ckremm_zstore *zs = zs_new(test, 64 * KIB, 4 * KIB, 0);
	u8 *block = kunit_kzalloc(test, 4 * KIB, GFP_KERNEL);
	u8 *back = kunit_kmalloc(test, 4 * KIB + 16, GFP_KERNEL);
	struct ckremm_zstore_stats st;
	size_t stored;
	u64 key = 0;

	KUNIT_ASSERT_NOT_NULL(test, block);
	KUNIT_ASSERT_NOT_NULL(test, back);
	fill_text(block, 4 * KIB, 9);
	KUNIT_ASSERT_EQ(test, zs_put(zs, block, 4 * KIB, &key, &stored), 0);
	KUNIT_EXPECT_EQ(test, zs_get(zs, key, back, 4 * KIB - 1), -EIO);
	KUNIT_EXPECT_EQ(test, zs_get(zs, key, back, 4 * KIB + 16), -EIO);
	KUNIT_EXPECT_EQ(test, zs_get(zs, key + (1ULL << 32), back, 4 * KIB),
			-EIO);
	KUNIT_EXPECT_EQ(test, zs_get(zs, key & ~0xffffffffULL, back, 4 * KIB),
			-EIO);
	KUNIT_EXPECT_EQ(test, zs_get(zs, ~0ULL, back, 4 * KIB), -EIO);
	KUNIT_ASSERT_EQ(test, zs_get(zs, key, back, 4 * KIB), 0);
	KUNIT_EXPECT_EQ(test, memcmp(back, block, 4 * KIB), 0);
	zs_drop(zs, key);
	KUNIT_EXPECT_EQ(test, zs_get(zs, key, back, 4 * KIB), -EIO);
	zs_drop(zs, key);
	ckremm_zstore_get_stats(zs, &st);
	KUNIT_EXPECT_EQ(test, st.failures, 7);
	expect_zs_empty(test, zs);
}

struct zs_atomic_arg {
	struct ckremm_zstore *zs;
	const u8 *block;
	u8 *back;
	int put, get;
};

/* A put, a get and a drop where nothing may sleep. */
static void zs_atomic_round(void *p)
{
	struct zs_atomic_arg *a = p;
	size_t stored;
	u64 key = 0;

	a->put = zs_put(a->zs, a->block, 4 * KIB, &key, &stored);
	if (a->put)
		return;
	a->get = zs_get(a->zs, key, a->back, 4 * KIB);
	zs_drop(a->zs, key);
}

static void zs_atomic(struct kunit *test)
{
	struct zs_atomic_arg a = { .put = 1, .get = 1 };
	u8 *block = kunit_kmalloc(test, 4 * KIB, GFP_KERNEL);

	a.back = kunit_kzalloc(test, 4 * KIB, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, block);
	KUNIT_ASSERT_NOT_NULL(test, a.back);
	fill_text(block, 4 * KIB, 77);
	a.block = block;
	a.zs = zs_new(test, 64 * KIB, 4 * KIB, 0);

	run_in_hardirq(test, zs_atomic_round, &a);
	KUNIT_EXPECT_EQ(test, a.put, 0);
	KUNIT_EXPECT_EQ(test, a.get, 0);
	KUNIT_EXPECT_EQ(test, memcmp(a.back, block, 4 * KIB), 0);

	memset(a.back, 0, 4 * KIB);
	a.put = 1;
	a.get = 1;
	run_under_raw_lock(zs_atomic_round, &a);
	KUNIT_EXPECT_EQ(test, a.put, 0);
	KUNIT_EXPECT_EQ(test, a.get, 0);
	KUNIT_EXPECT_EQ(test, memcmp(a.back, block, 4 * KIB), 0);
	expect_zs_empty(test, a.zs);
}

static struct kunit_case zstore_cases[] = {
	KUNIT_CASE_PARAM(zs_round_trip, zs_size_gen_params),
	KUNIT_CASE(zs_random_refused),
	KUNIT_CASE(zs_nospc),
	KUNIT_CASE(zs_bad_keys),
	KUNIT_CASE(zs_atomic),
	{}
};

static struct kunit_suite zstore_suite = {
	.name = "ckremm_zstore",
	.test_cases = zstore_cases,
};

kunit_test_suites(&zstore_suite);
