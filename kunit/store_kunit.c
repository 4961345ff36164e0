// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for a table pool larger than its arena: the paging module's
 * backing store (ckremm/paging/store_pager.c) with the compressed store
 * and the kernel's LZ4 (ckremm/paging/zstore.c,
 * ckremm/port/linux/codec_lz4.c), in builds with CONFIG_CKREMM_LZ4.
 *
 *   paging_store    a seeded run of allocations, frees, writes, reads,
 *                   cleans, copies, pins, reorder steps, purges, commits,
 *                   ticks, page-outs and page-ins over a 256 KiB arena
 *                   holding up to three times as many block bytes: every
 *                   byte of every block checked against the reference
 *                   model (ckremm/model/t_pool_model.c), blocks of text,
 *                   of zeros and with noise (small blocks of which the
 *                   store refuses and which stay resident); then the pool's figures against
 *                   the store's;
 *                   and a block paged in by a read from a hard interrupt.
 *
 * In the kernel an allocation or a page-in finds only the pages committed
 * ahead (the arena moves to commit more, in process context): where one
 * fails for want of room the run does what a user would, a page-out and a
 * commit ahead, and tries once more.
 */

#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <ckremm/paging.h>
#include <ckremm/t_pool.h>
#include <ckremm/zstore.h>

#include "ckremm_kunit.h"
#include "t_pool_model.h"

#define KIB		1024
#define ST_ARENA	(256 * KIB)
#define ST_BLOCKS	512
#define ST_MAX_BLOCK	(8 * KIB)
#define ST_OPS		4000
#define ST_NOISE	64

KUNIT_DEFINE_ACTION_WRAPPER(st_destroy_pool, destroy_t_pool, struct t_pool *);
KUNIT_DEFINE_ACTION_WRAPPER(st_exit_pager, ckremm_pager_exit,
			    struct ckremm_pager *);
KUNIT_DEFINE_ACTION_WRAPPER(st_destroy_zstore, ckremm_zstore_destroy,
			    struct ckremm_zstore *);
KUNIT_DEFINE_ACTION_WRAPPER(st_model_destroy, t_model_destroy,
			    struct t_model *);

struct st_run {
	struct kunit *test;
	struct t_pool *pool;
	struct ckremm_pager *pager;
	struct ckremm_zstore *zs;
	struct t_model m;
	struct rnd_state r;
	u8 *buf;
	unsigned long eagain;	/* accesses the run had to page in itself */
};

static u32 st_below(struct st_run *x, u32 n)
{
	return prandom_u32_state(&x->r) % n;
}

/*
 * A table pool of @arena bytes with a pager and a compressed store, all
 * released by KUnit when the case ends: the store after the pool, which
 * drops its copies when it is destroyed.
 */
static void st_setup(struct st_run *x, size_t arena,
		     const struct ckremm_paging_params *p)
{
	struct ckremm_zstore_params zp = {
		.arena_size = arena, .max_block = ST_MAX_BLOCK,
	};
	struct kunit *test = x->test;

	x->zs = ckremm_zstore_create(&ckremm_codec_lz4, &zp);
	KUNIT_ASSERT_NOT_NULL(test, x->zs);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, st_destroy_zstore,
							x->zs), 0);
	x->pool = t_pool_create(arena, ST_BLOCKS * 2);
	KUNIT_ASSERT_NOT_NULL(test, x->pool);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, st_destroy_pool,
							x->pool), 0);
	x->pager = kunit_kzalloc(test, sizeof(*x->pager), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->pager);
	KUNIT_ASSERT_EQ(test, ckremm_pager_init(x->pager, x->pool, p), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, st_exit_pager,
							x->pager), 0);
	KUNIT_ASSERT_EQ(test, ckremm_pager_set_store(x->pager,
						     ckremm_zstore_store(x->zs)),
			0);
}

/*
 * Bytes that compress as text does: words from a small vocabulary, a
 * different draw for each call, so that blocks differ.
 */
static void st_text(struct st_run *x, u8 *buf, size_t len)
{
	static const char *const words[] = {
		"page ", "block ", "arena ", "pool ", "handle ", "store ",
		"static ", "int ", "return ", "struct ", "\n\t", "; ",
	};
	size_t k = 0;

	while (k < len) {
		const char *w = words[st_below(x, ARRAY_SIZE(words))];
		size_t n = min(strlen(w), len - k);

		memcpy(buf + k, w, n);
		k += n;
	}
}

/*
 * Make room as a user of a pool with a store would after -ENOMEM: page
 * out what the pool needs and commit it ahead (the kernel commits only in
 * process context).  Whether either did something.
 */
static bool st_make_room(struct st_run *x, size_t bytes)
{
	struct ckremm_paging_result res = { 0 };
	size_t committed = 0;

	ckremm_pager_page_out(x->pager, bytes, &res);
	ckremm_paging_commit_t(x->pool, bytes, &committed);
	return res.paged_out || committed;
}

/* The accesses the run makes, and what they need besides the block. */
enum st_op { ST_READ, ST_WRITE, ST_CLEAN, ST_COPY_FROM, ST_PIN };

struct st_access {
	enum st_op op;
	size_t pos;
	size_t len;
	unsigned int src;	/* ST_COPY_FROM: the model's block to copy */
	u8 *at;			/* ST_PIN: the address the pin gave */
};

static int st_try(struct st_run *x, unsigned int i, struct st_access *a)
{
	struct t_model_block *b = &x->m.b[i];

	switch (a->op) {
	case ST_READ:
		return t_pool_read(x->pool, b->h, a->pos, x->buf, a->len);
	case ST_WRITE:
		return t_pool_write(x->pool, b->h, a->pos, b->bytes + a->pos,
				    a->len);
	case ST_CLEAN:
		return t_pool_clean(x->pool, b->h);
	case ST_COPY_FROM:
		return t_pool_copy(x->pool, b->h, x->m.b[a->src].h);
	case ST_PIN:
		a->at = t_pool_pin(x->pool, b->h);
		return a->at ? 0 : -EAGAIN;
	}
	return -EINVAL;
}

/*
 * Access @a to block @i, made again once after -EAGAIN or -ENOMEM with the
 * block paged in by the call that may sleep, as the store's contract says
 * a caller in process context does.
 */
static int st_access(struct st_run *x, unsigned int i, struct st_access *a)
{
	int ret = st_try(x, i, a);

	if (ret == -EAGAIN || ret == -ENOMEM) {
		x->eagain++;
		st_make_room(x, x->m.b[i].size);
		KUNIT_EXPECT_EQ(x->test,
				ckremm_pager_page_in(x->pager, x->m.b[i].h), 0);
		ret = st_try(x, i, a);
	}
	return ret;
}

/* Write bytes of one of three kinds over [@pos, @pos + @len) of block @i. */
static void st_fill(struct st_run *x, unsigned int i, size_t pos, size_t len)
{
	struct st_access a = { .op = ST_WRITE, .pos = pos, .len = len };
	u32 kind = st_below(x, 8);

	if (kind == 0) {
		memset(x->buf, 0, len);
		t_model_write(&x->m, i, pos, x->buf, len);
	} else {
		st_text(x, x->buf, len);
		t_model_write(&x->m, i, pos, x->buf, len);
	}
	/*
	 * Noise in at most ST_NOISE bytes: small blocks of it do not
	 * compress and stay resident, and they cannot fill the arena.
	 */
	if (kind == 1)
		t_model_fill(&x->m, i, pos, min_t(size_t, len, ST_NOISE));
	KUNIT_EXPECT_EQ(x->test, st_access(x, i, &a), 0);
}

static void st_alloc(struct st_run *x)
{
	size_t size = 1 + st_below(x, ST_MAX_BLOCK);
	u64 h = T_POOL_NO_HANDLE;
	int ret;

	if (x->m.n == ST_BLOCKS || x->m.used + size > 3 * ST_ARENA)
		return;
	ret = t_pool_alloc_block(x->pool, size, 0, &h);
	if (ret == -ENOMEM && st_make_room(x, size))
		ret = t_pool_alloc_block(x->pool, size, 0, &h);
	if (ret == -ENOMEM)
		return;
	KUNIT_ASSERT_EQ(x->test, ret, 0);
	KUNIT_ASSERT_NOT_NULL(x->test, t_model_add(&x->m, h, size));
	st_fill(x, x->m.n - 1, 0, x->m.b[x->m.n - 1].size);
}

/* Block @i read whole (paged in if it must be) and compared. */
static void st_check(struct st_run *x, unsigned int i)
{
	struct t_model_block *b = &x->m.b[i];
	struct st_access a = { .op = ST_READ, .len = b->size };

	KUNIT_ASSERT_EQ(x->test, st_access(x, i, &a), 0);
	KUNIT_ASSERT_EQ_MSG(x->test, t_model_diff(&x->m, i, x->buf, 0, b->size),
			    b->size, "block %u of %zu bytes", i, b->size);
}

static void st_pin(struct st_run *x, unsigned int i)
{
	struct t_model_block *b = &x->m.b[i];
	struct st_access a = { .op = ST_PIN };
	u8 *at;

	KUNIT_ASSERT_EQ(x->test, st_access(x, i, &a), 0);
	at = a.at;
	KUNIT_EXPECT_EQ(x->test, t_model_diff(&x->m, i, at, 0, b->size),
			b->size);
	/* A pinned block stays: the pager pages something else out. */
	ckremm_pager_page_out(x->pager, ST_ARENA, NULL);
	KUNIT_EXPECT_PTR_EQ(x->test, (u8 *)t_pool_pin(x->pool, b->h), at);
	KUNIT_EXPECT_EQ(x->test, t_pool_unpin(x->pool, b->h), 0);
	KUNIT_EXPECT_EQ(x->test, t_pool_unpin(x->pool, b->h), 0);
}

static void st_step(struct st_run *x)
{
	struct t_model *m = &x->m;
	u32 pick = st_below(x, 100);
	unsigned int i = m->n ? st_below(x, m->n) : 0;
	size_t purged = 0;

	if (pick < 25 || !m->n) {
		st_alloc(x);
	} else if (pick < 37) {
		KUNIT_EXPECT_EQ(x->test, t_pool_free(x->pool, m->b[i].h), 0);
		t_model_remove(m, i);
	} else if (pick < 50) {
		size_t pos = st_below(x, m->b[i].size);

		st_fill(x, i, pos, 1 + st_below(x, m->b[i].size - pos));
	} else if (pick < 60) {
		st_check(x, i);
	} else if (pick < 63) {
		struct st_access a = { .op = ST_CLEAN };

		KUNIT_EXPECT_EQ(x->test, st_access(x, i, &a), 0);
		t_model_clean(m, i);
	} else if (pick < 66) {
		struct st_access in = { .op = ST_READ };
		struct st_access copy = { .op = ST_COPY_FROM };

		copy.src = st_below(x, m->n);
		if (i == copy.src || m->b[copy.src].size > m->b[i].size)
			return;
		/* The source in first, then the copy pages the target in. */
		KUNIT_EXPECT_EQ(x->test, st_access(x, copy.src, &in), 0);
		KUNIT_EXPECT_EQ(x->test, st_access(x, i, &copy), 0);
		t_model_copy(m, i, copy.src);
	} else if (pick < 69) {
		st_pin(x, i);
	} else if (pick < 74) {
		t_pool_reorder_step(x->pool, 1 + st_below(x, 16 * KIB), NULL);
	} else if (pick < 77) {
		ckremm_paging_purge_t(x->pool, st_below(x, 16 * KIB), 0,
				      &purged);
	} else if (pick < 80) {
		ckremm_paging_commit_t(x->pool, st_below(x, 32 * KIB), NULL);
	} else if (pick < 88) {
		ckremm_pager_tick(x->pager, NULL);
	} else if (pick < 96) {
		ckremm_pager_page_out(x->pager, st_below(x, 32 * KIB), NULL);
	} else {
		st_make_room(x, m->b[i].size);
		KUNIT_EXPECT_EQ(x->test, ckremm_pager_page_in(x->pager,
							      m->b[i].h), 0);
	}
}

static void st_check_all(struct st_run *x)
{
	unsigned int i;

	for (i = 0; i < x->m.n && !case_failed(x->test); i++)
		st_check(x, i);
}

static void paging_store_random(struct kunit *test)
{
	const u32 *seed = test->param_value;
	const struct ckremm_paging_params p = {
		.decay_ticks = 2, .keep_bytes = 16 * KIB,
		.flags = CKREMM_PAGING_REORDER,
		.free_target = 32 * KIB, .write_budget = 64 * KIB,
	};
	struct ckremm_zstore_stats zst;
	struct t_pool_stats st;
	struct st_run *x;
	unsigned int op;
	size_t used = 0;

	x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);
	x->test = test;
	x->buf = kunit_kmalloc(test, ST_MAX_BLOCK + T_POOL_ALIGN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->buf);
	prandom_seed_state(&x->r, *seed);
	st_setup(x, ST_ARENA, &p);
	KUNIT_ASSERT_EQ(test, t_model_init(&x->m, ST_BLOCKS, *seed), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, st_model_destroy,
							&x->m), 0);

	for (op = 0; op < ST_OPS && !case_failed(test); op++) {
		st_step(x);
		if (!(op % 250))
			st_check_all(x);
		if (x->m.used > used)
			used = x->m.used;
	}
	/* A tick drops the copies of the blocks freed while they were out. */
	ckremm_pager_tick(x->pager, NULL);
	t_pool_get_stats(x->pool, &st);
	ckremm_zstore_get_stats(x->zs, &zst);
	kunit_info(test, "%zu most block bytes over a %u-byte arena: %zu page-outs, %zu page-ins, %zu zero, %zu out now in %zu stored bytes, %lu accesses paged in by the run\n",
		   used, ST_ARENA, st.page_outs, st.page_ins, st.zero_blocks,
		   st.paged_out_bytes, st.stored_bytes, x->eagain);
	/* The pool held more than its arena, and the store took text. */
	KUNIT_EXPECT_GT(test, used, (size_t)ST_ARENA);
	KUNIT_EXPECT_GT(test, st.page_outs, (size_t)ST_OPS / 20);
	KUNIT_EXPECT_GT(test, st.page_ins, (size_t)ST_OPS / 40);
	KUNIT_EXPECT_GT(test, st.zero_blocks + zst.puts, 0);
	KUNIT_EXPECT_GT(test, zst.incompressible, 0);
	/* The pool's figures and the store's agree. */
	KUNIT_EXPECT_EQ(test, st.used_bytes,
			st.resident_bytes + st.paged_out_bytes);
	KUNIT_EXPECT_EQ(test, st.paged_out_blocks - st.zero_blocks,
			zst.blocks);
	KUNIT_EXPECT_EQ(test, (u64)st.stored_bytes, zst.stored_bytes);
	st_check_all(x);
	expect_t_pool_consistent(test, x->pool, false);
}

KUNIT_ARRAY_PARAM(paging_store_seed, ckremm_kunit_seeds,
		  ckremm_kunit_seed_desc);

struct st_irq_read {
	struct t_pool *pool;
	u64 h;
	u8 *buf;
	size_t len;
	int ret;
};

static void st_irq_read_fn(void *arg)
{
	struct st_irq_read *r = arg;

	r->ret = t_pool_read(r->pool, r->h, 0, r->buf, r->len);
}

/*
 * The compressed store never sleeps, so a read from a hard interrupt pages
 * its block in at once, in the committed room the page-out left.
 */
static void paging_store_irq_page_in(struct kunit *test)
{
	const struct ckremm_paging_params p = { .decay_ticks = 1000 };
	struct st_irq_read r = { .len = 4 * KIB };
	struct ckremm_paging_result res = { 0 };
	struct st_run *x;
	u8 *want;

	x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);
	x->test = test;
	prandom_seed_state(&x->r, 7);
	st_setup(x, 64 * KIB, &p);
	want = kunit_kmalloc(test, r.len, GFP_KERNEL);
	r.buf = kunit_kzalloc(test, r.len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, want);
	KUNIT_ASSERT_NOT_NULL(test, r.buf);
	st_text(x, want, r.len);
	KUNIT_ASSERT_EQ(test, ckremm_paging_commit_t(x->pool, 16 * KIB, NULL),
			0);
	KUNIT_ASSERT_EQ(test, t_pool_alloc_block(x->pool, r.len, 0, &r.h), 0);
	KUNIT_ASSERT_EQ(test, t_pool_write(x->pool, r.h, 0, want, r.len), 0);
	r.pool = x->pool;
	KUNIT_ASSERT_EQ(test, ckremm_pager_page_out(x->pager, r.len, &res), 0);
	KUNIT_ASSERT_EQ(test, res.paged_out, 1);
	r.ret = -1;
	run_in_hardirq(test, st_irq_read_fn, &r);
	KUNIT_EXPECT_EQ(test, r.ret, 0);
	KUNIT_EXPECT_EQ(test, memcmp(r.buf, want, r.len), 0);
}

static struct kunit_case paging_store_cases[] = {
	KUNIT_CASE_PARAM(paging_store_random, paging_store_seed_gen_params),
	KUNIT_CASE(paging_store_irq_page_in),
	{}
};

static struct kunit_suite paging_store_suite = {
	.name = "paging_store",
	.test_cases = paging_store_cases,
};

kunit_test_suites(&paging_store_suite);
