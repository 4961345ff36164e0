// SPDX-License-Identifier: GPL-2.0-only
/*
 * store_cases.c - a table pool larger than its arena: blocks paged out to
 * a backing store and in again (ckremm/paging/store_pager.c).
 *
 * The store here is a plain copy store in malloc()ed memory that checks
 * its own use: one call at a time, no key used after its drop, no copy
 * left behind when the pool is destroyed.  Its keys use both halves of
 * the 64 bits.  The cases check that
 *
 *   - every byte of every live block, resident or paged out, is the
 *     model's after every alloc, free, write, clean, copy, pin, reorder
 *     step, purge, tick, page-out and page-in of a random run, read
 *     without paging anything in (a paged-out block from the store's
 *     copy), and the pool validates after each (store_model.*);
 *   - zero blocks cost the store nothing; -E2BIG blocks stay resident
 *     until written; a tick's write budget holds; a store that sleeps
 *     refuses accesses with -EAGAIN and the queued page-in completes at
 *     the next tick; CLOCK takes an unreferenced block before a
 *     referenced one; a block written, pinned or freed during its
 *     page-out is neither lost nor leaked; the statistics add up.
 */
#include <errno.h>
#ifndef CKREMM_TEST_BOARD
#include <pthread.h>
#include <sched.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckremm_port.h"
#include <ckremm/paging.h>
#include <ckremm/store.h>
#include <ckremm/t_pool.h>
#include "t_pool_internal.h"

#include "ckremm_test.h"
#include "t_pool_model.h"

#define SLOTS		8192
#define KEY_MUL		0x100000001ULL
#define KEY_ADD		7

struct test_store {
	struct ckremm_store st;
	u8 *copy[SLOTS];
	size_t len[SLOTS];
	unsigned int next;
	unsigned int puts, gets, drops, live;
	size_t live_bytes;
	u64 put_bytes;
	bool in_call;
	size_t refuse_len;		/* -E2BIG for blocks of this size */
	bool full;			/* -ENOSPC */
	bool fail_get;			/* -EIO */
	void (*during_put)(struct test_store *ts);
	void (*during_get)(struct test_store *ts);
	struct t_pool *pool;		/* for during_put and during_get */
	struct ckremm_pager *pager;
	u64 victim;
	int victim_ret;
	int pager_ret[2];
};

static struct test_store *ts_of(struct ckremm_store *store)
{
	return (struct test_store *)store;
}

static unsigned int ts_slot(u64 key)
{
	u64 i = (key - KEY_ADD) / KEY_MUL;

	ASSERT_EQ((key - KEY_ADD) % KEY_MUL, 0, "forged key %#llx",
		  (unsigned long long)key);
	ASSERT_LT(i, SLOTS);
	return (unsigned int)i;
}

static void ts_enter(struct test_store *ts)
{
	ASSERT_FALSE(ts->in_call, "two calls of the store at once");
	ts->in_call = true;
}

static int ts_put(struct ckremm_store *store, const void *src, size_t len,
		  u64 *key, size_t *stored)
{
	struct test_store *ts = ts_of(store);
	unsigned int i;

	ts_enter(ts);
	if (ts->during_put)
		ts->during_put(ts);
	if (len == ts->refuse_len || ts->full) {
		ts->in_call = false;
		return ts->full ? -ENOSPC : -E2BIG;
	}
	for (i = 0; i < SLOTS && ts->copy[(ts->next + i) % SLOTS]; i++)
		;
	ASSERT_LT(i, SLOTS);
	i = (ts->next + i) % SLOTS;
	ts->next = i + 1;
	ts->copy[i] = malloc(len);
	ASSERT_NONNULL(ts->copy[i]);
	memcpy(ts->copy[i], src, len);
	ts->len[i] = len;
	*key = (u64)i * KEY_MUL + KEY_ADD;
	*stored = len;
	ts->puts++;
	ts->live++;
	ts->live_bytes += len;
	ts->put_bytes += len;
	ts->in_call = false;
	return 0;
}

static int ts_get(struct ckremm_store *store, u64 key, void *dst, size_t len)
{
	struct test_store *ts = ts_of(store);
	unsigned int i = ts_slot(key);

	ts_enter(ts);
	if (ts->during_get)
		ts->during_get(ts);
	ASSERT_NONNULL(ts->copy[i], "get of a dropped key");
	ASSERT_EQ(ts->len[i], len);
	if (ts->fail_get) {
		ts->in_call = false;
		return -EIO;
	}
	memcpy(dst, ts->copy[i], len);
	ts->gets++;
	ts->in_call = false;
	return 0;
}

static void ts_drop(struct ckremm_store *store, u64 key)
{
	struct test_store *ts = ts_of(store);
	unsigned int i = ts_slot(key);

	ts_enter(ts);
	ASSERT_NONNULL(ts->copy[i], "drop of a dropped key");
	free(ts->copy[i]);
	ts->copy[i] = NULL;
	ts->live--;
	ts->live_bytes -= ts->len[i];
	ts->drops++;
	ts->in_call = false;
}

static const struct ckremm_store_ops ts_ops = {
	.put = ts_put, .get = ts_get, .drop = ts_drop,
};

static struct test_store *ts_new(unsigned int flags)
{
	struct test_store *ts = calloc(1, sizeof(*ts));

	ASSERT_NONNULL(ts);
	ts->st.ops = &ts_ops;
	ts->st.flags = flags;
	ts->refuse_len = (size_t)-1;
	return ts;
}

/* A pool of @arena bytes with a pager and @ts as its store. */
static struct t_pool *store_pool(size_t arena, struct ckremm_pager *pager,
				 const struct ckremm_paging_params *p,
				 struct test_store *ts)
{
	struct t_pool *pool = t_pool_create(arena, 1024);

	ASSERT_NONNULL(pool);
	ASSERT_EQ(ckremm_pager_init(pager, pool, p), 0);
	ASSERT_EQ(ckremm_pager_set_store(pager, &ts->st), 0);
	ts->pool = pool;
	ts->pager = pager;
	return pool;
}

/* The pager stops, the pool goes and must take every copy with it. */
static void store_done(struct ckremm_pager *pager, struct t_pool *pool,
		       struct test_store *ts)
{
	ckremm_pager_exit(pager);
	EXPECT_TRUE(destroy_t_pool(pool));
	EXPECT_EQ(ts->live, 0, "copies left in the store");
	free(ts);
}

static struct tp_seg *node_of(struct t_pool *pool, u64 h)
{
	u32 n = tp_find(pool, h);

	ASSERT_NE(n, TP_NIL);
	return tp_seg(pool, n);
}

static bool is_out(struct t_pool *pool, u64 h)
{
	return tp_is_out(node_of(pool, h));
}

/*
 * Bytes [@pos, @pos + @len) of block @h as they are, paging nothing in:
 * from the arena (mapped through a move in transit), the store's copy or
 * zeros.
 */
static void peek(struct t_pool *pool, struct test_store *ts, u64 h,
		 u8 *buf, size_t len)
{
	u32 n = tp_find(pool, h);
	struct tp_seg *s;
	size_t pos = 0, contig;

	ASSERT_NE(n, TP_NIL);
	s = tp_seg(pool, n);
	if (tp_is_out(s)) {
		ASSERT_EQ(tp_bytes(tp_out_units(s)), len);
		if (s->holds & TP_ZERO_OUT)
			memset(buf, 0, len);
		else
			memcpy(buf, ts->copy[ts_slot(tp_out_key(s))], len);
		return;
	}
	while (pos < len) {
		u8 *p = tp_byte(pool, n, pos, &contig);

		if (contig > len - pos)
			contig = len - pos;
		memcpy(buf + pos, p, contig);
		pos += contig;
	}
}

/* The pool is valid, every block is the model's, the figures add up. */
static void check_all(struct t_pool *pool, struct test_store *ts,
		      const struct t_model *m)
{
	static u8 buf[1 << 16];
	struct t_pool_fault fault;
	struct t_pool_stats st;
	size_t out = 0, out_bytes = 0, zero = 0;
	unsigned int i;

	ASSERT_EQ(t_pool_validate(pool, &fault), 0, "%s at %zu", fault.reason,
		  fault.offset);
	for (i = 0; i < m->n; i++) {
		size_t size = m->b[i].size;
		struct tp_seg *s = node_of(pool, m->b[i].h);

		ASSERT_LE(size, sizeof(buf));
		peek(pool, ts, m->b[i].h, buf, size);
		ASSERT_EQ(t_model_diff(m, i, buf, 0, size), size,
			  "block %u of %zu bytes differs (%s)", i, size,
			  tp_is_out(s) ? "paged out" : "resident");
		if (tp_is_out(s)) {
			out++;
			out_bytes += size;
			zero += !!(s->holds & TP_ZERO_OUT);
		}
	}
	t_pool_get_stats(pool, &st);
	ASSERT_EQ(st.used_blocks, m->n);
	ASSERT_EQ(st.used_bytes, m->used);
	ASSERT_EQ(st.paged_out_blocks, out);
	ASSERT_EQ(st.paged_out_bytes, out_bytes);
	ASSERT_EQ(st.zero_blocks, zero);
	ASSERT_EQ(st.resident_blocks + st.paged_out_blocks, st.used_blocks);
	ASSERT_EQ(st.resident_bytes + st.paged_out_bytes, st.used_bytes);
	ASSERT_EQ(st.free_bytes, st.arena_size - st.resident_bytes);
	/* The store keeps what the pool says, and copies of freed blocks. */
	ASSERT_LE(st.stored_bytes, ts->live_bytes);
	ASSERT_LE(st.store_written, ts->put_bytes);
	ASSERT_FALSE(ts->in_call);
}

static u64 rng_next(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * An access to block @h refused because it could not be paged in at once
 * (-EAGAIN: the store sleeps; -ENOMEM: no room): page it in from "process
 * context", making room, and try once more.
 */
#define ACCESS(pager, h, eagain, call)					\
	({								\
		int _r = (call);					\
		if (_r == -EAGAIN || _r == -ENOMEM) {			\
			(eagain) += _r == -EAGAIN;			\
			ASSERT_EQ(ckremm_pager_page_in(pager, h), 0);	\
			_r = (call);					\
		}							\
		_r;							\
	})

static int model_alloc(struct ckremm_pager *pager, struct t_pool *pool,
		       struct t_model *m, size_t size, bool zero)
{
	struct t_model_block *b;
	u64 h;
	int ret = t_pool_alloc_block(pool, size, 0, &h);

	if (ret == -ENOMEM) {
		ASSERT_EQ(ckremm_pager_page_out(pager, size, NULL), 0);
		ret = t_pool_alloc_block(pool, size, 0, &h);
	}
	if (ret)
		return ret;
	b = t_model_add(m, h, size);
	ASSERT_NONNULL(b);
	if (zero) {
		ASSERT_EQ(t_pool_clean(pool, h), 0);
		t_model_clean(m, m->n - 1);
	} else {
		ASSERT_EQ(t_pool_write(pool, h, 0, b->bytes, b->size), 0);
	}
	return 0;
}

/*
 * A seeded random run over an arena of 64 KiB holding up to about three
 * times as many block bytes, checked after every step.
 */
static void store_model_run(u64 seed, unsigned int flags)
{
	const struct ckremm_paging_params p = {
		.decay_ticks = 2, .step_bytes = CKREMM_PAGE_SIZE,
		.flags = CKREMM_PAGING_REORDER,
		.free_target = 16384, .write_budget = 8192,
	};
	unsigned long ops = 6000, op;
	const char *env = getenv("PAGING_MODEL_OPS");
	struct ckremm_paging_result res = { 0 };
	struct test_store *ts = ts_new(flags);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(65536, &pager, &p, ts);
	struct t_pool_stats st;
	static u8 buf[4096];
	struct t_model m;
	unsigned long eagain = 0;
	u64 rng = seed;

#ifdef CKREMM_TEST_BOARD
	/* Every byte checked after every step: an emulated core is slow. */
	ops = 1000;
#endif
	if (env)
		ops = strtoul(env, NULL, 0) / 8;
	ts->refuse_len = 48;
	ASSERT_EQ(t_model_init(&m, 1024, seed), 0);
	for (op = 0; op < ops; op++) {
		unsigned int pick = rng_next(&rng) % 100;
		size_t size = 1 + rng_next(&rng) % 2048;
		unsigned int i = m.n ? rng_next(&rng) % m.n : 0;
		size_t purged = 0;

		if (pick < 25) {
			if (m.used + size < 3 * 65536)
				model_alloc(&pager, pool, &m, size,
					    rng_next(&rng) % 8 == 0);
		} else if (pick < 40 && m.n) {
			ASSERT_EQ(t_pool_free(pool, m.b[i].h), 0);
			t_model_remove(&m, i);
		} else if (pick < 52 && m.n) {
			size_t pos = rng_next(&rng) % m.b[i].size;
			size_t len = 1 + rng_next(&rng) % (m.b[i].size - pos);

			ASSERT_EQ(ACCESS(&pager, m.b[i].h, eagain,
					 t_pool_write(pool, m.b[i].h, pos, buf, 0)), 0);
			t_model_fill(&m, i, pos, len);
			ASSERT_EQ(t_pool_write(pool, m.b[i].h, pos,
					       m.b[i].bytes + pos, len), 0);
		} else if (pick < 60 && m.n) {
			size_t pos = rng_next(&rng) % m.b[i].size;
			size_t len = 1 + rng_next(&rng) % (m.b[i].size - pos);

			ASSERT_EQ(ACCESS(&pager, m.b[i].h, eagain,
					 t_pool_read(pool, m.b[i].h, pos, buf, len)), 0);
			ASSERT_EQ(t_model_diff(&m, i, buf, pos, len), len);
		} else if (pick < 63 && m.n) {
			ASSERT_EQ(ACCESS(&pager, m.b[i].h, eagain,
					 t_pool_clean(pool, m.b[i].h)), 0);
			t_model_clean(&m, i);
		} else if (pick < 66 && m.n > 1) {
			unsigned int j = rng_next(&rng) % m.n;

			if (m.b[j].size > m.b[i].size || i == j)
				continue;
			/* Both must be in: the source first. */
			ASSERT_EQ(ACCESS(&pager, m.b[j].h, eagain,
					 t_pool_read(pool, m.b[j].h, 0, buf, 0)), 0);
			ASSERT_EQ(ACCESS(&pager, m.b[i].h, eagain,
					 t_pool_copy(pool, m.b[i].h, m.b[j].h)), 0);
			t_model_copy(&m, i, j);
		} else if (pick < 69 && m.n) {
			void *at = NULL;

			ASSERT_EQ(ACCESS(&pager, m.b[i].h, eagain,
					 t_pool_hold(pool, m.b[i].h, true, &at, &size)), 0);
			t_model_fill(&m, i, 0, 1);
			*(u8 *)at = m.b[i].bytes[0];
			ASSERT_EQ(t_pool_unhold(pool, m.b[i].h, true), 0);
		} else if (pick < 75) {
			ASSERT_GE(t_pool_reorder_step(pool, 1 + rng_next(&rng) % 9000,
						      NULL), 0);
		} else if (pick < 78) {
			ASSERT_GE(ckremm_paging_purge_t(pool, 0, 0, &purged), 0);
		} else if (pick < 88) {
			ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
		} else if (pick < 96) {
			ASSERT_EQ(ckremm_pager_page_out(&pager, rng_next(&rng) % 8192,
							&res), 0);
		} else if (m.n) {
			ASSERT_EQ(ckremm_pager_page_in(&pager, m.b[i].h), 0);
			ASSERT_FALSE(is_out(pool, m.b[i].h));
		}
		check_all(pool, ts, &m);
	}
	t_pool_get_stats(pool, &st);
	TH_LOG("%lu ops, %u blocks: %zu page-outs, %zu page-ins, %zu zero blocks, %lu -EAGAIN, %llu bytes written",
	       ops, m.n, st.page_outs, st.page_ins, st.zero_blocks, eagain,
	       (unsigned long long)st.store_written);
	EXPECT_GT(st.page_outs, ops / 10);
	EXPECT_GT(st.page_ins, ops / 20);
	if (flags & CKREMM_STORE_SLEEPS)
		EXPECT_GT(st.page_in_eagain, 0);
	else
		EXPECT_EQ(st.page_in_eagain, 0);
	t_model_destroy(&m);
	store_done(&pager, pool, ts);
}

TEST(store_model_seed_1) { store_model_run(1, 0); }
TEST(store_model_seed_2) { store_model_run(0x5eed, 0); }
TEST(store_model_sleeps) { store_model_run(0xc0ffee, CKREMM_STORE_SLEEPS); }

static const struct ckremm_paging_params quiet = { .decay_ticks = 1000 };

/* Allocate @count blocks of @size, written with @byte. */
static void fill(struct t_pool *pool, u64 *h, unsigned int count, size_t size,
		 u8 byte)
{
	static u8 buf[4096];
	unsigned int i;

	memset(buf, byte, sizeof(buf));
	for (i = 0; i < count; i++) {
		ASSERT_EQ(t_pool_alloc_block(pool, size, 0, &h[i]), 0);
		ASSERT_EQ(t_pool_write(pool, h[i], 0, buf, size), 0);
	}
}

static bool all_bytes(struct t_pool *pool, u64 h, size_t size, u8 byte)
{
	static u8 buf[4096];
	size_t i;

	if (t_pool_read(pool, h, 0, buf, size))
		return false;
	for (i = 0; i < size; i++)
		if (buf[i] != byte)
			return false;
	return true;
}

TEST(store_zero_blocks_cost_nothing)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_paging_result res = { 0 };
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	struct t_pool_stats st;
	u64 h[8];
	unsigned int i;

	fill(pool, h, 8, 1024, 0);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 16384, &res), 0);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.paged_out_blocks, 8);
	EXPECT_EQ(st.zero_blocks, 8);
	EXPECT_EQ(st.stored_bytes, 0);
	EXPECT_EQ(st.store_written, 0);
	EXPECT_EQ(ts->puts, 0, "the store was given a block of zeros");
	EXPECT_EQ(st.resident_bytes, 0);
	for (i = 0; i < 8; i++)
		EXPECT_TRUE(all_bytes(pool, h[i], 1024, 0));
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.page_ins, 8);
	EXPECT_EQ(ts->gets, 0);
	store_done(&pager, pool, ts);
}

TEST(store_e2big_stays_until_written)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	struct t_pool_stats st;
	u8 byte = 0x5a;
	u64 h;

	ts->refuse_len = 1024;
	fill(pool, &h, 1, 1024, 0x77);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 16384, NULL), 0);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 16384, NULL), 0);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.paged_out_blocks, 0);
	EXPECT_FALSE(is_out(pool, h));
	EXPECT_TRUE(node_of(pool, h)->holds & TP_KEEP);
	/* Offered once, then kept: not offered again. */
	ts->refuse_len = (size_t)-1;
	ASSERT_EQ(ckremm_pager_page_out(&pager, 16384, NULL), 0);
	EXPECT_FALSE(is_out(pool, h));
	EXPECT_EQ(ts->puts, 0);
	/* Written, it is offered again, and goes. */
	ASSERT_EQ(t_pool_write(pool, h, 7, &byte, 1), 0);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 16384, NULL), 0);
	EXPECT_TRUE(is_out(pool, h));
	EXPECT_EQ(ts->puts, 1);
	store_done(&pager, pool, ts);
}

TEST(store_write_budget_holds)
{
	const struct ckremm_paging_params p = {
		.decay_ticks = 1000, .free_target = 32768, .write_budget = 4096,
	};
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(32768, &pager, &p, ts);
	struct ckremm_paging_result res;
	struct t_pool_stats st;
	u64 h[32], before = 0;
	unsigned int tick;

	fill(pool, h, 32, 1000, 0x33);
	for (tick = 0; tick < 8; tick++) {
		memset(&res, 0, sizeof(res));
		ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
		t_pool_get_stats(pool, &st);
		EXPECT_LE(st.store_written - before, p.write_budget);
		EXPECT_EQ(st.store_written - before, res.store_written);
		/* Four blocks of 1008 bytes fit in 4096. */
		EXPECT_EQ(res.paged_out, 4);
		before = st.store_written;
	}
	EXPECT_EQ(st.paged_out_blocks, 32);
	store_done(&pager, pool, ts);
}

TEST(store_sleeps_eagain_then_tick)
{
	struct test_store *ts = ts_new(CKREMM_STORE_SLEEPS);
	struct ckremm_paging_result res = { 0 };
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	struct t_pool_stats st;
	size_t size;
	void *at;
	u64 h[2];
	u8 byte;

	fill(pool, h, 2, 1024, 0x42);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 16384, NULL), 0);
	ASSERT_TRUE(is_out(pool, h[0]) && is_out(pool, h[1]));
	EXPECT_EQ(t_pool_read(pool, h[0], 0, &byte, 1), -EAGAIN);
	EXPECT_NULL(t_pool_pin(pool, h[0]));
	EXPECT_EQ(t_pool_hold(pool, h[1], false, &at, &size), -EAGAIN);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.page_in_eagain, 3);
	EXPECT_EQ(st.page_ins, 0);
	/* The next tick pages both in. */
	ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	EXPECT_EQ(res.paged_in, 2);
	EXPECT_FALSE(is_out(pool, h[0]));
	EXPECT_TRUE(all_bytes(pool, h[0], 1024, 0x42));
	EXPECT_TRUE(all_bytes(pool, h[1], 1024, 0x42));
	/* And process context pages in on its own. */
	ASSERT_EQ(ckremm_pager_page_out(&pager, 16384, NULL), 0);
	ASSERT_TRUE(is_out(pool, h[1]));
	EXPECT_EQ(ckremm_pager_page_in(&pager, h[1]), 0);
	EXPECT_TRUE(all_bytes(pool, h[1], 1024, 0x42));
	store_done(&pager, pool, ts);
}

TEST(store_clock_takes_unreferenced_first)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	u64 h[3];
	u8 byte;

	fill(pool, h, 3, 1024, 0x11);
	/* New blocks are referenced: the hand clears all three, takes A. */
	ASSERT_EQ(ckremm_pager_page_out(&pager, 1, NULL), 0);
	EXPECT_TRUE(is_out(pool, h[0]));
	EXPECT_FALSE(is_out(pool, h[1]) || is_out(pool, h[2]));
	/* B used again: C goes before it, though the hand reaches B first. */
	ASSERT_EQ(t_pool_read(pool, h[1], 0, &byte, 1), 0);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 1, NULL), 0);
	EXPECT_TRUE(is_out(pool, h[2]));
	EXPECT_FALSE(is_out(pool, h[1]));
	store_done(&pager, pool, ts);
}

/* During a put, the pool lock is dropped: the block's user comes. */
static void write_victim(struct test_store *ts)
{
	u8 byte = 0x99;

	ts->victim_ret = t_pool_write(ts->pool, ts->victim, 3, &byte, 1);
	ts->during_put = NULL;
}

static void free_victim(struct test_store *ts)
{
	ts->victim_ret = t_pool_free(ts->pool, ts->victim);
	ts->during_put = NULL;
	ts->during_get = NULL;
}

static void pin_victim(struct test_store *ts)
{
	ts->victim_ret = t_pool_pin(ts->pool, ts->victim) ? 0 : -1;
	ts->during_put = NULL;
}

/* Another caller of the pager while it copies a block. */
static void call_pager(struct test_store *ts)
{
	ts->pager_ret[0] = ckremm_pager_page_in(ts->pager, ts->victim);
	ts->pager_ret[1] = ckremm_pager_page_out(ts->pager, 4096, NULL);
	ts->during_put = NULL;
}

TEST(store_pager_calls_meet)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	u64 h[2];

	fill(pool, h, 2, 1024, 0x44);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 1024, NULL), 0);
	ASSERT_TRUE(is_out(pool, h[0]));
	/* While h[1] goes out, a page-in of h[0] and a page-out meet it. */
	ts->victim = h[0];
	ts->during_put = call_pager;
	ASSERT_EQ(ckremm_pager_page_out(&pager, 1024, NULL), 0);
	EXPECT_EQ(ts->pager_ret[0], -EBUSY);
	EXPECT_EQ(ts->pager_ret[1], -EBUSY);
	EXPECT_TRUE(is_out(pool, h[0]) && is_out(pool, h[1]));
	EXPECT_EQ(ckremm_pager_page_in(&pager, h[0]), 0);
	EXPECT_TRUE(all_bytes(pool, h[0], 1024, 0x44));
	store_done(&pager, pool, ts);
}

TEST(store_written_during_page_out)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	struct t_pool_fault fault;
	struct t_pool_stats st;
	u8 buf[1024];
	u64 h;

	fill(pool, &h, 1, 1024, 0x21);
	ts->victim = h;
	ts->victim_ret = -1;
	ts->during_put = write_victim;
	/* The first copy is stale and dropped; the step after takes it. */
	ASSERT_EQ(ckremm_pager_page_out(&pager, 1024, NULL), 0);
	EXPECT_EQ(ts->victim_ret, 0);
	EXPECT_EQ(ts->puts, 2);
	EXPECT_EQ(ts->drops, 1, "the stale copy was not dropped");
	EXPECT_TRUE(is_out(pool, h));
	ASSERT_EQ(t_pool_read(pool, h, 0, buf, 1024), 0);
	EXPECT_EQ(buf[3], 0x99, "paged out with the write lost");
	EXPECT_EQ(buf[4], 0x21);
	/* The stale copy wore the store as the kept one did. */
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.store_written, ts->put_bytes);
	EXPECT_EQ(st.store_written, 2048);

	/* Pinned meanwhile: it stays, pinned, where the pin says. */
	ts->victim_ret = -1;
	ts->during_put = pin_victim;
	ASSERT_EQ(ckremm_pager_page_out(&pager, 1024, NULL), 0);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 1024, NULL), 0);
	EXPECT_EQ(ts->victim_ret, 0);
	EXPECT_FALSE(is_out(pool, h));
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.pinned_blocks, 1);
	EXPECT_EQ(t_pool_unpin(pool, h), 0);
	EXPECT_EQ(t_pool_unpin(pool, h), -EINVAL);

	/* Freed meanwhile: gone, its copy too. */
	ts->victim_ret = -1;
	ts->during_put = free_victim;
	ASSERT_EQ(ckremm_pager_page_out(&pager, 1024, NULL), 0);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 1024, NULL), 0);
	EXPECT_EQ(ts->victim_ret, 0);
	EXPECT_EQ(t_pool_read(pool, h, 0, buf, 1), -EINVAL);
	EXPECT_EQ(ts->live, 0);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, 0);
	EXPECT_EQ(st.pinned_blocks, 0);
	EXPECT_EQ(st.free_bytes, 16384);
	ASSERT_EQ(t_pool_validate(pool, &fault), 0, "%s", fault.reason);
	store_done(&pager, pool, ts);
}

/* A refused block written meanwhile stays, and the call does not fail. */
TEST(store_e2big_written_meanwhile)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	u8 byte;
	u64 h;

	fill(pool, &h, 1, 1024, 0x21);
	ts->refuse_len = 1024;
	ts->victim = h;
	ts->victim_ret = -1;
	ts->during_put = write_victim;
	EXPECT_EQ(ckremm_pager_page_out(&pager, 1024, NULL), 0);
	EXPECT_NULL(ts->during_put, "the write never came");
	EXPECT_EQ(ts->victim_ret, 0);
	EXPECT_EQ(ts->puts, 0);
	EXPECT_FALSE(is_out(pool, h));
	ASSERT_EQ(t_pool_read(pool, h, 3, &byte, 1), 0);
	EXPECT_EQ(byte, 0x99);
	store_done(&pager, pool, ts);
}

/* More marked blocks than the hand looks at per hold: it goes on. */
TEST(store_hand_goes_on_past_marks)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	struct t_pool_stats st;
	u64 h[200];

	fill(pool, h, 200, 64, 0x31);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 1, NULL), 0);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.paged_out_blocks, 1, "the hand gave up after its first hold");
	EXPECT_TRUE(is_out(pool, h[0]));
	store_done(&pager, pool, ts);
}

/* A page-in that fails for a block freed meanwhile frees it still. */
TEST(store_failed_page_in_of_freed_block)
{
	struct test_store *ts = ts_new(CKREMM_STORE_SLEEPS);
	struct ckremm_paging_result res = { 0 };
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	struct t_pool_fault fault;
	struct t_pool_stats st;
	u64 h[2];

	fill(pool, h, 2, 1024, 0x52);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 16384, NULL), 0);
	ASSERT_TRUE(is_out(pool, h[0]) && is_out(pool, h[1]));
	ts->fail_get = true;
	ts->victim = h[0];
	ts->during_get = free_victim;
	EXPECT_EQ(ckremm_pager_page_in(&pager, h[0]), -EIO);
	EXPECT_EQ(ts->victim_ret, 0);
	ts->fail_get = false;
	ASSERT_EQ(t_pool_validate(pool, &fault), 0, "%s", fault.reason);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, 1);
	EXPECT_EQ(st.paged_out_blocks, 1);
	EXPECT_EQ(st.stored_bytes, 1024);
	/* Its copy goes with the next tick, as a freed block's does. */
	ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	EXPECT_EQ(ts->live, 1, "the freed block's copy was kept");
	EXPECT_EQ(ckremm_pager_page_in(&pager, h[1]), 0);
	EXPECT_TRUE(all_bytes(pool, h[1], 1024, 0x52));
	store_done(&pager, pool, ts);
}

/*
 * Room for a page-in where pins split the free space and kept blocks
 * split what page-outs free: the pool is compacted again after each
 * page-out, so that the holes merge, and few blocks go.
 */
TEST(store_page_in_compacts_after_page_outs)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	u64 x, y, e[4], k[4], g, p, t;
	unsigned int i;

	/* 1536-byte blocks are refused, so kept: they stay between. */
	ts->refuse_len = 1536;
	fill(pool, &x, 1, 2048, 0x11);
	for (i = 0; i < 4; i++) {
		fill(pool, &e[i], 1, 1024, 0x20 + i);
		fill(pool, &k[i], 1, 1536, 0x30 + i);
	}
	fill(pool, &g, 1, 1024, 0x40);
	fill(pool, &p, 1, 512, 0x41);
	fill(pool, &t, 1, 1536, 0x42);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 1, NULL), 0);
	ASSERT_TRUE(is_out(pool, x));
	ASSERT_EQ(ts->puts, 1);
	/* x's room taken and pinned; 2048 bytes free, either side of p. */
	fill(pool, &y, 1, 2048, 0x43);
	ASSERT_NONNULL(t_pool_pin(pool, y));
	ASSERT_NONNULL(t_pool_pin(pool, p));
	ASSERT_EQ(t_pool_free(pool, g), 0);
	EXPECT_EQ(ckremm_pager_page_in(&pager, x), 0);
	EXPECT_LE(ts->puts, 3, "paged out more than room needed");
	EXPECT_TRUE(all_bytes(pool, x, 2048, 0x11));
	EXPECT_EQ(t_pool_unpin(pool, y), 0);
	EXPECT_EQ(t_pool_unpin(pool, p), 0);
	store_done(&pager, pool, ts);
}

/* Nothing can go: a page-out looks at a lap of runs and a hold more. */
TEST(store_hand_stops_after_a_lap)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(65536, &pager, &quiet, ts);
	static u64 h[300];
	static u8 *pins[300];
	unsigned int i;
	size_t runs;

	fill(pool, h, 300, 128, 0x61);
	for (i = 0; i < 300; i++)
		pins[i] = t_pool_pin(pool, h[i]);
	runs = 300 + 1;
	ASSERT_EQ(ckremm_pager_page_out(&pager, 65536, NULL), 0);
	EXPECT_EQ(ts->puts, 0);
	EXPECT_GE(pool->st.idle, runs);
	EXPECT_LT(pool->st.idle, runs + 64, "the hand went on past a lap");
	for (i = 0; i < 300; i++) {
		ASSERT_NONNULL(pins[i]);
		EXPECT_EQ(t_pool_unpin(pool, h[i]), 0);
	}
	store_done(&pager, pool, ts);
}

TEST(store_free_paged_out_drops_at_tick)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_paging_result res = { 0 };
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	struct t_pool_fault fault;
	struct t_pool_stats st;
	u64 h[4], forged;

	fill(pool, h, 4, 1024, 0x66);
	ASSERT_EQ(ckremm_pager_page_out(&pager, 16384, NULL), 0);
	ASSERT_EQ(ts->live, 4);
	ASSERT_EQ(t_pool_free(pool, h[0]), 0);
	ASSERT_EQ(t_pool_free_batch(pool, &h[1], 2), 0);
	EXPECT_EQ(t_pool_free(pool, h[0]), -EINVAL);
	/* Generation 0, never given, finds no dying block. */
	forged = h[0] & 0xffffffffULL;
	EXPECT_EQ(t_pool_free(pool, forged), -EINVAL);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, 1);
	EXPECT_EQ(st.stored_bytes, 1024);
	ASSERT_EQ(t_pool_validate(pool, &fault), 0, "%s", fault.reason);
	EXPECT_EQ(ts->live, 4, "dropped under the pool lock");
	ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
	EXPECT_EQ(ts->live, 1);
	ASSERT_EQ(t_pool_validate(pool, &fault), 0, "%s", fault.reason);
	EXPECT_TRUE(all_bytes(pool, h[3], 1024, 0x66));
	store_done(&pager, pool, ts);
}

TEST(store_refused)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = t_pool_create(16384, 0);
	struct ckremm_store bad = { 0 };
	u64 h;

	ASSERT_NONNULL(pool);
	ASSERT_EQ(ckremm_pager_init(&pager, pool, &quiet), 0);
	EXPECT_EQ(ckremm_pager_set_store(&pager, NULL), -EINVAL);
	EXPECT_EQ(ckremm_pager_set_store(&pager, &bad), -EINVAL);
	EXPECT_EQ(ckremm_pager_page_out(&pager, 1, NULL), -EINVAL);
	ASSERT_EQ(t_pool_alloc_block(pool, 16, 0, &h), 0);
	EXPECT_EQ(ckremm_pager_set_store(&pager, &ts->st), -EBUSY);
	ASSERT_EQ(t_pool_free(pool, h), 0);
	EXPECT_EQ(ckremm_pager_set_store(&pager, &ts->st), 0);
	EXPECT_EQ(ckremm_pager_set_store(&pager, &ts->st), -EBUSY);
	store_done(&pager, pool, ts);
}

TEST(store_full_keeps_blocks)
{
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(16384, &pager, &quiet, ts);
	u64 h[2];

	fill(pool, h, 2, 1024, 0x10);
	ts->full = true;
	EXPECT_EQ(ckremm_pager_page_out(&pager, 16384, NULL), -ENOSPC);
	EXPECT_FALSE(is_out(pool, h[0]) || is_out(pool, h[1]));
	ts->full = false;
	EXPECT_EQ(ckremm_pager_page_out(&pager, 16384, NULL), 0);
	EXPECT_TRUE(all_bytes(pool, h[0], 1024, 0x10));
	store_done(&pager, pool, ts);
}

/*
 * Threads: two users each write and read back their own blocks while a
 * third pages out and ticks, on the host's spinlock.  Every read must
 * see the last write, whatever was paged out, copied or refused between
 * them; the store sees one call at a time.  Not on the boards, which
 * have no threads.
 */
#ifndef CKREMM_TEST_BOARD

#define USER_BLOCKS	32

struct user {
	struct t_pool *pool;
	struct ckremm_pager *pager;
	unsigned int id;
	unsigned long rounds, retries;
	const char *failed;
};

static volatile bool users_done;

/* @call until it is not refused for want of a page-in, paging in between. */
static int with_page_in(struct user *u, u64 h, int (*call)(struct user *u,
							  u64 h, u8 *buf,
							  size_t size),
			u8 *buf, size_t size)
{
	int ret;

	while ((ret = call(u, h, buf, size)) == -EAGAIN || ret == -ENOMEM ||
	       ret == -EBUSY) {
		u->retries++;
		ret = ckremm_pager_page_in(u->pager, h);
		if (ret && ret != -EBUSY && ret != -ENOMEM)
			return ret;
		sched_yield();
	}
	return ret;
}

static int user_write(struct user *u, u64 h, u8 *buf, size_t size)
{
	return t_pool_write(u->pool, h, 0, buf, size);
}

static int user_read(struct user *u, u64 h, u8 *buf, size_t size)
{
	return t_pool_read(u->pool, h, 0, buf, size);
}

static void *user_run(void *arg)
{
	struct user *u = arg;
	u64 h[USER_BLOCKS], rng = u->id + 1;
	u8 version[USER_BLOCKS] = { 0 };
	static __thread u8 buf[2048];
	size_t size[USER_BLOCKS];
	unsigned int i, k;

	for (i = 0; i < USER_BLOCKS; i++) {
		size[i] = 16 + rng_next(&rng) % 2033;
		while (t_pool_alloc_block(u->pool, size[i], 0, &h[i]))
			sched_yield();
		memset(buf, version[i], size[i]);
		if (with_page_in(u, h[i], user_write, buf, size[i]))
			u->failed = "first write";
	}
	for (u->rounds = 0; u->rounds < 20000 && !u->failed; u->rounds++) {
		i = rng_next(&rng) % USER_BLOCKS;
		if (rng_next(&rng) % 2) {
			memset(buf, ++version[i], size[i]);
			if (with_page_in(u, h[i], user_write, buf, size[i]))
				u->failed = "write";
			continue;
		}
		if (with_page_in(u, h[i], user_read, buf, size[i]))
			u->failed = "read";
		for (k = 0; k < size[i] && !u->failed; k++)
			if (buf[k] != version[i])
				u->failed = "a read missed the last write";
	}
	return NULL;
}

static void *pager_run(void *arg)
{
	struct ckremm_pager *pager = arg;
	struct ckremm_paging_result res = { 0 };

	while (!users_done) {
		ckremm_pager_page_out(pager, 8192, NULL);
		ckremm_pager_tick(pager, &res);
	}
	return NULL;
}

TEST_TIMEOUT(store_threads, 120)
{
	const struct ckremm_paging_params p = {
		.decay_ticks = 1000, .free_target = 16384,
	};
	struct test_store *ts = ts_new(0);
	struct ckremm_pager pager;
	struct t_pool *pool = store_pool(32768, &pager, &p, ts);
	struct user u[2] = {
		{ .pool = pool, .pager = &pager, .id = 1 },
		{ .pool = pool, .pager = &pager, .id = 2 },
	};
	struct t_pool_fault fault;
	struct t_pool_stats st;
	pthread_t t[3];
	unsigned int i;

	ASSERT_EQ(pthread_create(&t[2], NULL, pager_run, &pager), 0);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, user_run, &u[i]), 0);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
	users_done = true;
	ASSERT_EQ(pthread_join(t[2], NULL), 0);
	for (i = 0; i < 2; i++)
		EXPECT_NULL(u[i].failed, "user %u: %s", i, u[i].failed);
	ASSERT_EQ(t_pool_validate(pool, &fault), 0, "%s", fault.reason);
	t_pool_get_stats(pool, &st);
	TH_LOG("%lu + %lu rounds, %lu + %lu retries: %zu page-outs, %zu page-ins, %zu -EAGAIN",
	       u[0].rounds, u[1].rounds, u[0].retries, u[1].retries,
	       st.page_outs, st.page_ins, st.page_in_eagain);
	EXPECT_GT(st.page_outs, 20);
	EXPECT_GT(st.page_ins, 20);
	store_done(&pager, pool, ts);
}
#endif /* CKREMM_TEST_BOARD */
