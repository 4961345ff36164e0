// SPDX-License-Identifier: GPL-2.0-only
/*
 * model_cases.c - long randomized runs of the table pool against a model.
 *
 * The model is the table pool's reference model (ckremm/model/
 * t_pool_model.h): for every live handle the block's size, the exact
 * bytes it must hold (a pattern at first, then changed by every write,
 * copy and clean), its pin count and its pinned address.  A seeded generator picks operations: alloc (log-uniform sizes
 * 1..8192, some with T_POOL_REORDER_ON_FAIL, a few refused on purpose),
 * free by handle or by address, write, read, copy, clean, pin, unpin,
 * reorder steps with random budgets, whole reorders, step size changes,
 * and calls with handles that died earlier or were never given out.
 *
 * After every operation: t_pool_validate() == 0 (a failure ends the run),
 * and the statistics agree with the model (live and pinned blocks, used
 * bytes, failed allocations, refused calls).  After every reorder step a
 * few random blocks and every pinned block are read back in full; after
 * every whole reorder all bytes of all blocks are, and with no pins the
 * free space must be one run.
 *
 * A broken promise other than a structural one is counted by kind, the
 * first few of each kind are printed, the model is brought back in line
 * and the run goes on, so one run shows every kind of problem it meets.
 *
 * TPOOL_MODEL_OPS overrides the number of operations per seed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_check.h"
#include "t_pool_model.h"

#ifdef CKREMM_TEST_BOARD
#define MODEL_OPS	50000	/* tools/mcu: an emulated core, slower */
#else
#define MODEL_OPS	100000
#endif
#define SHOWN_PER_KIND	3

enum problem {
	P_CONTENT, P_RETURN, P_STATS, P_FAILED_COUNT, P_REFUSED_COUNT,
	P_ALLOC_FIT, P_ALLOC_REORDER_FRESH, P_ALLOC_REORDER_CONTINUED,
	P_COMPACT_FRESH, P_COMPACT_CONTINUED,
	P_PINNED_MOVED, P_KINDS
};

static const char *const problem_name[P_KINDS] = {
	[P_CONTENT] = "block contents differ from the model",
	[P_RETURN] = "unexpected return value",
	[P_STATS] = "statistics disagree with the model",
	[P_FAILED_COUNT] = "failed_allocs differs from the failures seen",
	[P_REFUSED_COUNT] = "refused_calls differs from the refusals seen",
	[P_ALLOC_FIT] = "alloc failed although a free run fits",
	[P_ALLOC_REORDER_FRESH] = "REORDER_ON_FAIL alloc (no pass running before) failed with enough free bytes and no pins",
	[P_ALLOC_REORDER_CONTINUED] = "REORDER_ON_FAIL alloc (a stepped pass was running) failed with enough free bytes and no pins",
	[P_COMPACT_FRESH] = "whole reorder (no pass running before) left a free run neither at the top nor before a pinned block",
	[P_COMPACT_CONTINUED] = "whole reorder (a stepped pass was running) left a free run neither at the top nor before a pinned block",
	[P_PINNED_MOVED] = "pinned block moved",
};

struct model {
	struct t_pool *pool;
	unsigned char *arena;
	size_t capacity;
	struct t_model tm;		/* blocks and expected counters */
	bool pass_running;
	uint64_t rng;
	unsigned long op;
	const char *op_name;
	unsigned long problems[P_KINDS];
	unsigned long count_steps, count_reorders, count_allocs, count_frees;
	unsigned long count_reorders_unpinned, count_reorders_fresh_unpinned;
	unsigned long count_alloc_fails, count_stale, count_in_transit_ops;
	size_t most_blocks;
	unsigned char *scratch;
};

static void problem(struct model *m, enum problem kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct model *m, enum problem kind, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (m->problems[kind]++ >= SHOWN_PER_KIND)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	test_fail_at(__FILE__, __LINE__, "op %lu (%s): %s: %s", m->op, m->op_name,
		     problem_name[kind], msg);
}

static size_t pick(struct model *m, size_t n)
{
	return (size_t)tp_rand_below(&m->rng, n);
}

static bool chance(struct model *m, unsigned int percent)
{
	return pick(m, 100) < percent;
}

static size_t log_uniform(struct model *m, size_t max)
{
	unsigned int bits = 0;
	size_t top;

	while (((size_t)2 << bits) <= max)
		bits++;
	top = (size_t)1 << pick(m, bits + 1);		/* 1, 2, 4, ... */
	top = top * 2 > max ? max : top * 2;
	return 1 + pick(m, top);
}

static size_t round16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* ---- comparing pool and model ---------------------------------------- */

static void expect_ret(struct model *m, long got, long want, const char *call)
{
	if (got != want)
		problem(m, P_RETURN, "%s returned %ld, expected %ld", call, got,
			want);
}

/* Read all of block @i and compare; on a difference, adopt the pool's bytes. */
static void check_block(struct model *m, size_t i)
{
	struct t_model_block *b = &m->tm.b[i];
	size_t k;
	int ret;

	ret = t_pool_read(m->pool, b->h, 0, m->scratch, b->size);
	if (ret) {
		problem(m, P_RETURN, "read of live block %#llx: %d",
			(unsigned long long)b->h, ret);
		return;
	}
	k = t_model_diff(&m->tm, i, m->scratch, 0, b->size);
	if (k == b->size)
		return;
	problem(m, P_CONTENT, "block %#llx (%zu bytes) differs first at byte %zu: %#x, expected %#x",
		(unsigned long long)b->h, b->size, k, m->scratch[k],
		b->bytes[k]);
	t_model_write(&m->tm, i, 0, m->scratch, b->size);
}

/* A pinned block must still be at its pinned address with the right bytes. */
static void check_pinned(struct model *m, size_t i)
{
	struct t_model_block *b = &m->tm.b[i];
	size_t off = SIZE_MAX;

	if (!b->pins)
		return;
	if (t_pool_offset_of(m->pool, b->h, &off) ||
	    m->arena + off != b->pinned_at) {
		problem(m, P_PINNED_MOVED, "block %#llx pinned at %zu, now at %zu",
			(unsigned long long)b->h,
			(size_t)(b->pinned_at - m->arena), off);
		return;
	}
	if (t_model_diff(&m->tm, i, b->pinned_at, 0, b->size) < b->size)
		problem(m, P_CONTENT, "pinned block %#llx differs through its address",
			(unsigned long long)b->h);
}

static void check_all_blocks(struct model *m)
{
	size_t i;

	for (i = 0; i < m->tm.n; i++) {
		check_block(m, i);
		check_pinned(m, i);
	}
}

/* After every operation: structure, then the figures the model knows. */
static void check_pool(struct model *m)
{
	struct t_pool_fault fault = { 0, NULL };
	struct t_pool_stats st;
	int ret = t_pool_validate(m->pool, &fault);

	if (ret) {
		test_fail_at(__FILE__, __LINE__,
			     "op %lu (%s): t_pool_validate() = %d at offset %zu: %s",
			     m->op, m->op_name, ret, fault.offset,
			     fault.reason ? fault.reason : "?");
		test_abort();
	}
	t_pool_get_stats(m->pool, &st);
	if (st.used_blocks != m->tm.n || st.pinned_blocks != m->tm.pinned ||
	    st.used_bytes != m->tm.used ||
	    st.used_bytes + st.free_bytes != st.arena_size ||
	    st.largest_free > st.free_bytes)
		problem(m, P_STATS, "blocks %zu/%u pinned %zu/%u used %zu/%zu free %zu largest %zu",
			st.used_blocks, m->tm.n, st.pinned_blocks, m->tm.pinned,
			st.used_bytes, m->tm.used, st.free_bytes, st.largest_free);
	if (st.failed_allocs != m->tm.failed) {
		problem(m, P_FAILED_COUNT, "%zu, expected %zu", st.failed_allocs,
			m->tm.failed);
		m->tm.failed = st.failed_allocs;
	}
	if (st.refused_calls != m->tm.refused) {
		problem(m, P_REFUSED_COUNT, "%zu, expected %zu", st.refused_calls,
			m->tm.refused);
		m->tm.refused = st.refused_calls;
	}
}

/* ---- model bookkeeping ---------------------------------------------- */

static bool is_live(struct model *m, uint64_t h)
{
	return t_model_find(&m->tm, h) >= 0;
}

/* ---- operations -------------------------------------------------------- */

static void op_alloc(struct model *m)
{
	struct t_pool_stats st;
	size_t size = log_uniform(m, 8192), units;
	unsigned int flags = chance(m, 20) ? T_POOL_REORDER_ON_FAIL : 0;
	bool was_running = m->pass_running;
	struct t_model_block *b;
	uint64_t h;

	if (chance(m, 1)) {
		/* refused on purpose */
		m->op_name = "alloc refused";
		h = chance(m, 50) ? t_pool_alloc_handle(m->pool, 0, flags) :
		    t_pool_alloc_handle(m->pool, size, 0x4 << pick(m, 20));
		m->tm.refused++;
		if (h != T_POOL_NO_HANDLE)
			problem(m, P_RETURN, "refused alloc gave a handle");
		return;
	}
	m->op_name = flags ? "alloc, reorder on fail" : "alloc";
	t_pool_get_stats(m->pool, &st);
	h = t_pool_alloc_handle(m->pool, size, flags);
	m->count_allocs++;
	if (flags) {
		struct t_pool_stats after;

		/* a pass that ran to its end inside the call */
		t_pool_get_stats(m->pool, &after);
		if (after.reorders != st.reorders)
			m->pass_running = false;
	}
	if (h == T_POOL_NO_HANDLE) {
		m->tm.failed++;
		m->count_alloc_fails++;
		units = round16(size) / 16;
		if (m->tm.n == m->capacity)
			return;
		/* good fit may pass over a run up to 1/16 larger than asked */
		if (st.largest_free / 16 >= units + units / 16)
			problem(m, P_ALLOC_FIT, "%zu bytes, largest free run %zu",
				size, st.largest_free);
		if (flags && !m->tm.pinned && st.free_bytes >= round16(size))
			problem(m, was_running ? P_ALLOC_REORDER_CONTINUED :
				P_ALLOC_REORDER_FRESH, "%zu bytes, %zu free",
				size, st.free_bytes);
		return;
	}
	if (m->tm.n == m->capacity) {
		problem(m, P_RETURN, "alloc succeeded with a full table");
		return;
	}
	if (t_model_was_freed(&m->tm, h))
		problem(m, P_RETURN, "alloc handed out a dead handle again");
	if (t_pool_size_of(m->pool, h) != round16(size))
		problem(m, P_RETURN, "size_of %zu for a request of %zu",
			t_pool_size_of(m->pool, h), size);
	b = t_model_add(&m->tm, h, size);
	ASSERT_TRUE(b);
	expect_ret(m, t_pool_write(m->pool, h, 0, b->bytes, b->size), 0,
		   "write of a new block");
	if (m->tm.n > m->most_blocks)
		m->most_blocks = m->tm.n;
}

static void op_free(struct model *m)
{
	size_t i = pick(m, m->tm.n);
	struct t_model_block *b = &m->tm.b[i];
	bool by_address = chance(m, 15);

	m->op_name = by_address ? "free by address" : "free";
	if (by_address) {
		size_t off;
		bool ok;

		/* an address is good until the next reorder step */
		expect_ret(m, t_pool_offset_of(m->pool, b->h, &off), 0,
			   "offset_of");
		ok = t_pool_dealloc(m->pool, m->arena + off);
		if (b->pins) {
			m->tm.refused++;
			if (ok)
				problem(m, P_RETURN, "dealloc of a pinned block");
			return;
		}
		if (!ok) {
			problem(m, P_RETURN, "dealloc of a live block refused");
			return;
		}
	} else {
		int ret = t_pool_free(m->pool, b->h);

		if (b->pins) {
			m->tm.refused++;
			expect_ret(m, ret, -EBUSY, "free of a pinned block");
			return;
		}
		expect_ret(m, ret, 0, "free");
		if (ret)
			return;
	}
	m->count_frees++;
	t_model_remove(&m->tm, i);
}

static void op_write(struct model *m)
{
	size_t i = pick(m, m->tm.n);
	struct t_model_block *b = &m->tm.b[i];
	size_t pos = pick(m, b->size + 1);
	size_t len = pick(m, b->size - pos + 1);
	size_t k;

	m->op_name = "write";
	for (k = 0; k < len; k++)
		m->scratch[k] = (unsigned char)tp_rand(&m->rng);
	expect_ret(m, t_pool_write(m->pool, b->h, pos, m->scratch, len), 0,
		   "write");
	t_model_write(&m->tm, i, pos, m->scratch, len);
	if (chance(m, 5)) {
		/* one byte too many is refused and writes nothing */
		m->op_name = "write past the end";
		m->tm.refused++;
		expect_ret(m, t_pool_write(m->pool, b->h, pos, m->scratch,
					   b->size - pos + 1), -EINVAL,
			   "write past the end");
	}
}

static void op_read(struct model *m)
{
	size_t i = pick(m, m->tm.n);
	struct t_model_block *b = &m->tm.b[i];
	size_t pos = pick(m, b->size + 1);
	size_t len = pick(m, b->size - pos + 1);

	m->op_name = "read";
	memset(m->scratch, 0xa5, len);
	expect_ret(m, t_pool_read(m->pool, b->h, pos, m->scratch, len), 0,
		   "read");
	if (t_model_diff(&m->tm, i, m->scratch, pos, len) < len)
		problem(m, P_CONTENT, "read of %zu bytes at %zu of block %#llx",
			len, pos, (unsigned long long)b->h);
}

static void op_copy(struct model *m)
{
	size_t d = pick(m, m->tm.n);
	size_t s = chance(m, 3) ? d : pick(m, m->tm.n);
	struct t_model_block *dst = &m->tm.b[d], *src = &m->tm.b[s];
	bool by_address = chance(m, 10) && dst->pins && src->pins;
	int ret;

	m->op_name = by_address ? "copy by address" : "copy";
	if (by_address)
		ret = copy_t_ptr(m->pool, dst->pinned_at, src->pinned_at) ?
		      0 : -ENOSPC;
	else
		ret = t_pool_copy(m->pool, dst->h, src->h);
	if (dst->size < src->size) {
		m->tm.refused++;
		expect_ret(m, ret, -ENOSPC, "copy into a smaller block");
		return;
	}
	expect_ret(m, ret, 0, "copy");
	if (!ret)
		t_model_copy(&m->tm, d, s);
}

static void op_clean(struct model *m)
{
	size_t i = pick(m, m->tm.n);
	struct t_model_block *b = &m->tm.b[i];
	bool by_address = b->pins && chance(m, 30);

	m->op_name = by_address ? "clean by address" : "clean";
	if (by_address)
		expect_ret(m, clean_t_ptr(m->pool, b->pinned_at), 1,
			   "clean_t_ptr");
	else
		expect_ret(m, t_pool_clean(m->pool, b->h), 0, "clean");
	t_model_clean(&m->tm, i);
}

static void op_pin(struct model *m)
{
	size_t i = pick(m, m->tm.n);
	struct t_model_block *b = &m->tm.b[i];
	unsigned char *p;

	m->op_name = "pin";
	p = t_pool_pin(m->pool, b->h);
	if (!p) {
		problem(m, P_RETURN, "pin of a live block failed");
		return;
	}
	if (b->pins && p != b->pinned_at)
		problem(m, P_PINNED_MOVED, "pinned again at another address");
	t_model_pin(&m->tm, i, p);
	if (t_model_diff(&m->tm, i, p, 0, b->size) < b->size)
		problem(m, P_CONTENT, "pinned block %#llx differs through its address",
			(unsigned long long)b->h);
	if (t_pool_handle_of(m->pool, p) != b->h)
		problem(m, P_RETURN, "handle_of a pinned address");
}

static void op_unpin(struct model *m)
{
	size_t i = pick(m, m->tm.n), k, start;
	struct t_model_block *b = &m->tm.b[i];
	int ret;

	/* mostly a pinned block, so that pins come and go */
	if (m->tm.pinned && !chance(m, 10)) {
		start = pick(m, m->tm.n);
		for (k = 0; k < m->tm.n; k++) {
			i = (start + k) % m->tm.n;
			b = &m->tm.b[i];
			if (b->pins)
				break;
		}
	}

	m->op_name = "unpin";
	ret = t_pool_unpin(m->pool, b->h);
	if (!b->pins) {
		m->tm.refused++;
		expect_ret(m, ret, -EINVAL, "unpin of an unpinned block");
		return;
	}
	expect_ret(m, ret, 0, "unpin");
	t_model_unpin(&m->tm, i);
}

static void check_after_reorder_step(struct model *m)
{
	size_t i;

	for (i = 0; m->tm.n && i < 3; i++)
		check_block(m, pick(m, m->tm.n));
	for (i = 0; i < m->tm.n; i++)
		check_pinned(m, i);
}

static void op_reorder_step(struct model *m)
{
	struct t_pool_reorder_result res;
	struct t_pool_stats st;
	size_t budget = chance(m, 10) ? 0 : log_uniform(m, 1 << 16);
	int ret;

	m->op_name = "reorder step";
	memset(&res, 0, sizeof(res));
	ret = t_pool_reorder_step(m->pool, budget, &res);
	m->count_steps++;
	if (ret != 0 && ret != 1) {
		problem(m, P_RETURN, "reorder step returned %d", ret);
		return;
	}
	m->pass_running = ret;
	t_pool_get_stats(m->pool, &st);
	if (res.largest_free != st.largest_free ||
	    res.free_blocks != st.free_blocks)
		problem(m, P_STATS, "reorder step result: largest %zu/%zu, runs %zu/%zu",
			res.largest_free, st.largest_free, res.free_blocks,
			st.free_blocks);
	if (budget && res.bytes_moved > budget)
		problem(m, P_RETURN, "step moved %zu bytes on a budget of %zu",
			res.bytes_moved, budget);
	check_after_reorder_step(m);
}

/* Step the running pass to its end, checking after every step. */
static void op_finish_pass(struct model *m)
{
	unsigned int i;

	for (i = 0; m->pass_running && i < 100000; i++) {
		op_reorder_step(m);
		check_pool(m);
	}
	m->op_name = "finish the pass";
	if (m->pass_running)
		problem(m, P_RETURN, "a pass did not end after 100000 steps");
}

/*
 * After a whole reorder: with no pins one free run at most, as large as
 * all free bytes; with pins, every free run left lies before a pinned
 * block.  @continued says whether the reorder took over a pass that
 * earlier steps had begun.
 */
static void check_compacted(struct model *m, bool continued)
{
	struct t_pool_extent *ext = malloc((2 * m->capacity + 2) * sizeof(*ext));
	enum problem kind = continued ? P_COMPACT_CONTINUED : P_COMPACT_FRESH;
	struct t_pool_stats st;
	unsigned int n, i;

	ASSERT_TRUE(ext);
	t_pool_get_stats(m->pool, &st);
	if (!m->tm.pinned && (st.largest_free != st.free_bytes ||
			   st.free_blocks > 1))
		problem(m, kind, "no pins, %zu free runs, largest %zu of %zu free bytes",
			st.free_blocks, st.largest_free, st.free_bytes);
	if (m->tm.pinned) {
		n = tp_walk_all(m->pool, ext, 2 * m->capacity + 2);
		for (i = 0; i + 1 < n; i++)
			if (ext[i].handle == T_POOL_NO_HANDLE && !ext[i + 1].pinned) {
				problem(m, kind, "%u pinned, free run at %zu before an unpinned block",
					m->tm.pinned, ext[i].offset);
				break;
			}
	}
	free(ext);
}

static void op_reorder(struct model *m)
{
	struct t_pool_reorder_result res;
	bool continued = m->pass_running;

	if (chance(m, 20)) {
		m->op_name = "reorder_t_mem";
		expect_ret(m, reorder_t_mem(m->pool), 1, "reorder_t_mem");
	} else {
		m->op_name = "reorder";
		expect_ret(m, t_pool_reorder(m->pool, &res), 0, "reorder");
	}
	m->pass_running = false;
	m->count_reorders++;
	m->count_reorders_unpinned += !m->tm.pinned;
	m->count_reorders_fresh_unpinned += !m->tm.pinned && !continued;
	check_all_blocks(m);
	check_compacted(m, continued);
}

/* Dead and forged handles: refused by every call, nothing changes. */
static void op_dead_handle(struct model *m)
{
	uint64_t h = chance(m, 70) ?
		     t_model_stale(&m->tm, (unsigned int)tp_rand(&m->rng)) : tp_rand(&m->rng);
	size_t off = 1;
	long ret;

	if (!h || is_live(m, h))
		return;
	m->count_stale++;
	switch (pick(m, 7)) {
	case 0:
		m->op_name = "free of a dead handle";
		ret = t_pool_free(m->pool, h);
		break;
	case 1:
		m->op_name = "read of a dead handle";
		ret = t_pool_read(m->pool, h, 0, m->scratch, 16);
		break;
	case 2:
		m->op_name = "write of a dead handle";
		ret = t_pool_write(m->pool, h, 0, m->scratch, 16);
		break;
	case 3:
		m->op_name = "size_of a dead handle";
		ret = t_pool_size_of(m->pool, h) ? 0 : -EINVAL;
		break;
	case 4:
		m->op_name = "pin of a dead handle";
		ret = t_pool_pin(m->pool, h) ? 0 : -EINVAL;
		break;
	case 5:
		m->op_name = "offset_of a dead handle";
		ret = t_pool_offset_of(m->pool, h, &off);
		break;
	default:
		m->op_name = "clean of a dead handle";
		ret = t_pool_clean(m->pool, h);
		break;
	}
	m->tm.refused++;
	expect_ret(m, ret, -EINVAL, m->op_name);
}

static void op_walk(struct model *m)
{
	struct t_pool_extent *ext = malloc((2 * m->capacity + 2) * sizeof(*ext));
	size_t end = 0, used = 0, blocks = 0, arena_size = 0;
	unsigned int n, i;

	ASSERT_TRUE(ext);
	m->op_name = "walk";
	n = tp_walk_all(m->pool, ext, 2 * m->capacity + 2);
	for (i = 0; i < n; i++) {
		if (ext[i].offset != end)
			problem(m, P_STATS, "walk: extent at %zu, expected %zu",
				ext[i].offset, end);
		end = ext[i].offset + ext[i].size;
		if (ext[i].handle != T_POOL_NO_HANDLE) {
			used += ext[i].size;
			blocks++;
			if (!is_live(m, ext[i].handle))
				problem(m, P_STATS, "walk shows an unknown handle");
		}
	}
	t_pool_arena(m->pool, &arena_size);
	if (end != arena_size)
		problem(m, P_STATS, "walk ends at %zu of %zu", end, arena_size);
	if (used != m->tm.used || blocks != m->tm.n)
		problem(m, P_STATS, "walk: %zu blocks, %zu bytes; model %u, %zu",
			blocks, used, m->tm.n, m->tm.used);
	free(ext);
}

/* ---- the run ------------------------------------------------------------ */

struct config {
	size_t pool_size;
	unsigned int capacity;
};

static const struct config configs[] = {
	{ 256 << 10, 384 },	/* space and table run out at about the same time */
	{ 64 << 10, 96 },	/* small and crowded */
	{ 1 << 20, 256 },	/* the table runs out first */
};

static void run_model(unsigned long seed)
{
	const struct config *cfg = &configs[(seed - 1) % ARRAY_LEN(configs)];
	unsigned long ops = MODEL_OPS, k;
	const char *env = getenv("TPOOL_MODEL_OPS");
	struct model *m = calloc(1, sizeof(*m));
	struct t_pool_stats st;

	ASSERT_TRUE(m);
	if (env && atol(env) > 0)
		ops = (unsigned long)atol(env);
	m->rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	m->pool = tp_new(cfg->pool_size, cfg->capacity);
	m->arena = t_pool_arena(m->pool, NULL);
	m->capacity = cfg->capacity;
	ASSERT_EQ(t_model_init(&m->tm, cfg->capacity, seed), 0);
	m->scratch = malloc(cfg->pool_size + 16);
	ASSERT_TRUE(m->scratch);

	for (m->op = 0; m->op < ops; m->op++) {
		size_t fill = m->tm.used * 100 / cfg->pool_size;
		size_t slots = m->tm.n * 100 / m->capacity;
		unsigned int r = (unsigned int)pick(m, 1000);

		/*
		 * Alloc more while the pool is empty, free more when it is
		 * full, so that it hovers around 80% of its bytes or slots.
		 */
		unsigned int alloc_w;

		if (slots > fill)
			fill = slots;
		alloc_w = fill < 50 ? 300 : fill < 85 ? 200 : fill < 95 ? 170 : 140;

		if (!m->tm.n || r < alloc_w) {
			op_alloc(m);
		} else if ((r -= alloc_w) < 180) {
			op_free(m);
		} else if ((r -= 180) < 120) {
			op_write(m);
		} else if ((r -= 120) < 120) {
			op_read(m);
		} else if ((r -= 120) < 50) {
			op_copy(m);
		} else if ((r -= 50) < 20) {
			op_clean(m);
		} else if ((r -= 20) < 20) {
			op_pin(m);
		} else if ((r -= 20) < 45) {
			op_unpin(m);
		} else if ((r -= 45) < 80) {
			op_reorder_step(m);
		} else if ((r -= 80) < 10) {
			op_finish_pass(m);
		} else if ((r -= 10) < 2) {
			op_reorder(m);
		} else if ((r -= 2) < 20) {
			op_dead_handle(m);
		} else if ((r -= 20) < 3) {
			op_walk(m);
		} else {
			m->op_name = "set step";
			t_pool_set_step(m->pool, chance(m, 20) ? 0 :
					log_uniform(m, 1 << 15));
		}
		check_pool(m);
		if (m->pass_running)
			m->count_in_transit_ops++;
	}

	/* Unpin everything and end with a whole reorder and a full check. */
	m->op_name = "final reorder";
	for (k = 0; k < m->tm.n; k++) {
		while (m->tm.b[k].pins) {
			expect_ret(m, t_pool_unpin(m->pool, m->tm.b[k].h), 0,
				   "unpin");
			t_model_unpin(&m->tm, k);
		}
	}
	check_pool(m);
	expect_ret(m, t_pool_reorder(m->pool, NULL), 0, "reorder");
	check_pool(m);
	check_all_blocks(m);
	check_compacted(m, m->pass_running);

	t_pool_get_stats(m->pool, &st);
	TH_LOG("%lu ops: %lu allocs (%lu failed), %lu frees, %lu steps, %lu whole reorders (%lu with no pins, %lu of them not continuing a stepped pass), %lu dead-handle calls, %lu ops during a pass, up to %zu blocks, %zu bytes moved",
	       ops, m->count_allocs, m->count_alloc_fails, m->count_frees,
	       m->count_steps, m->count_reorders, m->count_reorders_unpinned,
	       m->count_reorders_fresh_unpinned,
	       m->count_stale,
	       m->count_in_transit_ops, m->most_blocks, st.bytes_moved);
	for (k = 0; k < P_KINDS; k++)
		if (m->problems[k])
			TH_LOG("%lu x %s", m->problems[k], problem_name[k]);
	/* The run did what it is for (a run stopped short proves nothing). */
	if (ops >= MODEL_OPS) {
		EXPECT_TRUE(m->count_frees > 0 && m->count_steps > 0 &&
			    m->count_in_transit_ops > 0,
			    "no frees, no steps or nothing done during a pass");
		EXPECT_TRUE(m->count_reorders_fresh_unpinned > 0,
			    "no whole reorder with no pins outside a pass");
		EXPECT_TRUE(m->count_stale > 0, "no call with a dead handle");
		EXPECT_TRUE(m->most_blocks >= m->capacity / 2,
			    "never more than %zu blocks of %zu slots", m->most_blocks,
			    m->capacity);
	}

	while (m->tm.n)
		t_model_remove(&m->tm, m->tm.n - 1);
	t_model_destroy(&m->tm);
	free(m->scratch);
	destroy_t_pool(m->pool);
	free(m);
}

FIXTURE(model) {};
FIXTURE_VARIANT(model) { unsigned long seed; };
FIXTURE_VARIANT_ADD(model, seed_1) { .seed = 1 };	/* 256 KiB, 384 slots */
FIXTURE_VARIANT_ADD(model, seed_2) { .seed = 2 };	/* 64 KiB, 96 slots */
FIXTURE_VARIANT_ADD(model, seed_3) { .seed = 3 };	/* 1 MiB, 256 slots */
FIXTURE_VARIANT_ADD(model, seed_4) { .seed = 4 };	/* 256 KiB, 384 slots */
FIXTURE_VARIANT_ADD(model, seed_5) { .seed = 5 };	/* 64 KiB, 96 slots */
FIXTURE_VARIANT_ADD(model, seed_6) { .seed = 6 };	/* 1 MiB, 256 slots */

TEST_F_TIMEOUT(model, run, 100)
{
	run_model(variant->seed);
}

