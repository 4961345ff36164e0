// SPDX-License-Identifier: GPL-2.0-only
/*
 * Long randomized runs of the header pool against a reference model.
 *
 * The model is the header pool's reference model (ckremm/model/
 * h_pool_model.h): the live blocks (pointer, requested size, alignment,
 * usable size and the exact bytes each must hold, a pattern at first,
 * then what writes, cleans and reallocs left) and the counters the pool
 * must agree with.  Random operations (alloc with log-uniform
 * sizes 1..8192 and random alignments, free, realloc, clean, batch alloc
 * and free, reorder, read and write through the pool, probes of
 * largest_free) drive pool and model together.  After every operation:
 * h_pool_validate() is 0, the statistics agree with the model (used
 * blocks and bytes, failed and refused calls, and the peak, which the
 * model follows through the moment a moving realloc or a probe holds two
 * blocks), the touched block overlaps no other and holds its bytes.
 * Every FULL_CHECK_EVERY operations, and after a reorder: every block
 * holds its bytes and a walk of the arena shows exactly the model's
 * blocks.
 *
 * The misuse variant sprinkles in calls that must be refused (double and
 * stale frees, interior, unaligned, outside and foreign pointers, bad
 * alignments, out-of-range reads and writes, bad batches); each must
 * leave every arena byte and statistic but refused_calls as it was, and
 * count exactly once.  A run must have done what it is for: every kind of
 * operation, a pool that ran out of room and, with misuse, refusals.
 *
 * A case's name carries its seed, pool size and length: rerun one with
 *   model_h_pool seed_5_
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pool_check.h"
#include "h_pool_model.h"

#define KIB 1024UL
#define MAX_LIVE 4096
#define MAX_REQ 8192
#define FULL_CHECK_EVERY 256
/* Largest usable size of a block: a request plus rounding and a tail. */
#define PAT_SPAN (MAX_REQ + 64)

/* The pool, its reference model (h_pool_model.h) and the run's state. */
struct model {
	struct h_pool *pool;
	unsigned char *base;
	size_t arena;
	struct rng r;
	bool misuse;
	struct h_model hm;
	struct h_pool_stats st;	/* after the last operation */

	/* A second pool, for foreign pointers. */
	struct h_pool *other;
	void *foreign[4];

	unsigned long op;
	const char *op_name;
	bool acted;		/* the operation got as far as the pool */
	unsigned long counts[16];
};

/* Report with the operation count, so a failure can be replayed. */
#define MCHECK(m, cond, fmt, ...)					\
	EXPECT_TRUE(cond, "op %lu (%s): " fmt, (m)->op, (m)->op_name,	\
		    ##__VA_ARGS__)

static struct h_model_block *blk(struct model *m, size_t i)
{
	return &m->hm.b[i];
}

static size_t pick_block(struct model *m)
{
	return rng_below(&m->r, m->hm.n);
}

/* Operation @name on a random live block *@i; false if there is none. */
static bool start_on_block(struct model *m, const char *name, size_t *i)
{
	m->op_name = name;
	if (!m->hm.n)
		return false;
	m->acted = true;
	*i = pick_block(m);
	return true;
}

static bool holds_contents(struct model *m, size_t i)
{
	const struct h_model_block *b = blk(m, i);
	size_t bad = h_model_diff(&m->hm, i, b->ptr, 0, b->usable);

	return MCHECK(m, bad == b->usable, "block at %p (%zu bytes): byte "
		      "%zu is %#x, not %#x", b->ptr, b->usable, bad,
		      bad < b->usable ? b->ptr[bad] : 0,
		      bad < b->usable ? b->bytes[bad] : 0);
}

/* A block new or changed: in the arena, aligned, alone, as the model says. */
static bool check_touched(struct model *m, size_t i)
{
	const struct h_model_block *b = blk(m, i);
	int other = h_model_overlap(&m->hm, (unsigned int)i);
	bool ok = true;

	ok &= MCHECK(m, in_arena(m->pool, b->ptr - 16, b->usable + 16),
		     "block %p+%zu outside the arena", b->ptr, b->usable);
	ok &= MCHECK(m, (uintptr_t)b->ptr % b->align == 0,
		     "block %p not aligned to %zu", b->ptr, b->align);
	ok &= MCHECK(m, b->usable >= b->req &&
		     b->usable <= ROUND16(b->req) + 16,
		     "usable %zu for a request of %zu", b->usable, b->req);
	ok &= MCHECK(m, other < 0, "block %p+%zu overlaps %p+%zu", b->ptr,
		     b->usable, other < 0 ? NULL : blk(m, other)->ptr,
		     other < 0 ? 0 : blk(m, other)->usable);
	return ok && holds_contents(m, i);
}

static size_t log_uniform_size(struct rng *r, size_t max)
{
	unsigned int k = (unsigned int)rng_below(r, 14);
	size_t size = ((size_t)1 << k) + rng_below(r, (size_t)1 << k);

	return size > max ? max : size;
}

static size_t random_align(struct rng *r)
{
	/* 0 and 1..4096, powers of two, up to what the port takes. */
	unsigned int k = (unsigned int)rng_below(r, 14);
	size_t align = k == 13 ? 0 : (size_t)1 << k;

	return align > CKREMM_PAGE_SIZE ? CKREMM_PAGE_SIZE : align;
}

/* ---- after every operation ----------------------------------------------- */

static void check_after(struct model *m)
{
	struct h_pool_fault fault = { 0, NULL };
	struct h_pool_stats st;
	int rc = h_pool_validate(m->pool, &fault);

	MCHECK(m, rc == 0, "validate %d at %zu: %s", rc, fault.offset,
	       fault.reason ? fault.reason : "?");
	pool_stats(m->pool, &st);
	MCHECK(m, st.used_blocks == m->hm.n, "used_blocks %zu, model %u",
	       st.used_blocks, m->hm.n);
	MCHECK(m, st.used_bytes == m->hm.used_bytes,
	       "used_bytes %zu, model %zu", st.used_bytes, m->hm.used_bytes);
	MCHECK(m, st.used_bytes + st.free_bytes == m->arena,
	       "used %zu + free %zu != %zu", st.used_bytes, st.free_bytes,
	       m->arena);
	MCHECK(m, st.header_bytes == 16 * (st.used_blocks + st.free_blocks),
	       "header_bytes %zu", st.header_bytes);
	MCHECK(m, st.failed_allocs == m->hm.failed,
	       "failed_allocs %zu, model %zu", st.failed_allocs, m->hm.failed);
	MCHECK(m, st.refused_calls == m->hm.refused,
	       "refused_calls %zu, model %zu", st.refused_calls,
	       m->hm.refused);
	h_model_note_peak(&m->hm, 0);
	MCHECK(m, st.peak_used == m->hm.peak, "peak_used %zu, model %zu",
	       st.peak_used, m->hm.peak);
	MCHECK(m, st.frag_permille <= 1000, "frag %u", st.frag_permille);
	MCHECK(m, st.largest_free <= st.free_bytes, "largest %zu > free %zu",
	       st.largest_free, st.free_bytes);
	m->st = st;
}

static void full_check(struct model *m)
{
	struct h_pool_extent *ext;
	size_t n, i, bad;

	for (i = 0; i < m->hm.n; i++)
		if (!holds_contents(m, i))
			break;
	pool_consistent(m->pool, m->op_name);
	n = pool_walk_all(m->pool, &ext);
	bad = h_model_match_walk(&m->hm, ext, n);
	if (bad < n)
		MCHECK(m, false, "walk: used %zu+%zu is no block of the model",
		       ext[bad].offset, ext[bad].size);
	else
		MCHECK(m, bad > n, "walk misses blocks of the model");
	free(ext);
}

/* ---- operations ---------------------------------------------------------- */

/* A block the pool handed out joins the model, its bytes written. */
static size_t add_live(struct model *m, void *p, size_t req, size_t align)
{
	struct h_model_block *b;

	b = h_model_add(&m->hm, p, req, align, h_pool_usable_size(m->pool, p));
	ASSERT_NONNULL(b);
	memcpy(b->ptr, b->bytes, b->usable);
	return m->hm.n - 1;
}

/*
 * The pool's documented guarantee: a request of n bytes succeeds when a
 * free block of (round_up(n, 16) + 16) * 17 / 16 bytes exists; an aligned
 * one may need align + 16 bytes more for its search.
 */
static bool must_fit(struct model *m, size_t size, size_t align)
{
	size_t need = ROUND16(size) + 16 + (align > 16 ? align + 16 : 0);

	return need * 17 <= (m->st.largest_free + 16) * 16 &&
	       m->st.free_blocks > 0;
}

static void op_alloc(struct model *m, bool aligned)
{
	size_t size = log_uniform_size(&m->r, MAX_REQ);
	size_t align = aligned ? random_align(&m->r) : 0;
	void *p;

	m->op_name = aligned ? "alloc_aligned" : "alloc";
	if (m->hm.n == MAX_LIVE)
		return;
	m->acted = true;
	p = aligned ? h_pool_alloc_aligned(m->pool, size, align) :
		      h_pool_alloc(m->pool, size);
	if (!p) {
		m->hm.failed++;
		MCHECK(m, !must_fit(m, size, align),
		       "alloc %zu align %zu failed, largest free %zu", size,
		       align, m->st.largest_free);
		return;
	}
	MCHECK(m, ROUND16(size) <= m->st.largest_free,
	       "alloc %zu succeeded, largest free was %zu", size,
	       m->st.largest_free);
	check_touched(m, add_live(m, p, size, align));
}

static void op_free(struct model *m)
{
	size_t i;

	if (!start_on_block(m, "free", &i))
		return;
	holds_contents(m, i);
	MCHECK(m, h_pool_dealloc(m->pool, blk(m, i)->ptr), "free %p refused",
	       blk(m, i)->ptr);
	h_model_remove(&m->hm, (unsigned int)i);
}

/* Where the block after b starts, and whether it is free and how big. */
static size_t free_after(struct model *m, const struct h_model_block *b)
{
	size_t cursor = (size_t)(b->ptr - m->base) + b->usable;
	size_t want = cursor;
	struct h_pool_extent e;

	if (cursor >= m->arena)
		return 0;
	if (h_pool_walk(m->pool, &cursor, &e, 1) != 1 || e.offset != want)
		return 0;
	return e.used ? 0 : e.size;
}

static void op_realloc(struct model *m)
{
	size_t size = log_uniform_size(&m->r, MAX_REQ), i, keep, next_free;
	size_t usable, bad;
	struct h_model_block *b;
	unsigned char *q;

	if (!start_on_block(m, "realloc", &i))
		return;
	b = blk(m, i);
	next_free = free_after(m, b);
	q = h_pool_realloc(m->pool, b->ptr, size);
	if (!q) {
		m->hm.failed++;
		MCHECK(m, ROUND16(size) > b->usable,
		       "shrink of %p from %zu to %zu failed", b->ptr,
		       b->usable, size);
		MCHECK(m, h_pool_usable_size(m->pool, b->ptr) == b->usable,
		       "failed realloc changed the block");
		holds_contents(m, i);
		return;
	}
	if (ROUND16(size) <= b->usable)
		MCHECK(m, q == b->ptr, "shrink %zu -> %zu moved the block",
		       b->usable, size);
	else if (b->usable + next_free >= ROUND16(size))
		MCHECK(m, q == b->ptr, "grow %zu -> %zu with %zu free after "
		       "moved the block", b->usable, size, next_free);
	usable = h_pool_usable_size(m->pool, q);
	keep = h_model_realloc_keeps(b, q, size, usable);
	bad = h_model_diff(&m->hm, i, q, 0, keep);
	MCHECK(m, bad == keep, "realloc %zu -> %zu lost byte %zu of %zu kept",
	       b->usable, size, bad, keep);
	ASSERT_EQ(h_model_resize(&m->hm, i, q, size, usable, keep), 0);
	memcpy(q + keep, b->bytes + keep, usable - keep);
	check_touched(m, i);
}

static void op_clean(struct model *m)
{
	struct h_model_block *b;
	size_t i;

	if (!start_on_block(m, "clean", &i))
		return;
	b = blk(m, i);
	MCHECK(m, clean_h_ptr(m->pool, b->ptr), "clean %p refused", b->ptr);
	h_model_clean(&m->hm, i);
	MCHECK(m, h_model_diff(&m->hm, i, b->ptr, 0, b->usable) == b->usable,
	       "clean left bytes");
	h_model_refill(&m->hm, i, 0);
	memcpy(b->ptr, b->bytes, b->usable);
}

static void op_read_write(struct model *m)
{
	unsigned char buf[PAT_SPAN], back[PAT_SPAN];
	struct h_model_block *b;
	size_t i, pos, len;

	if (!start_on_block(m, "read_write", &i))
		return;
	b = blk(m, i);
	pos = rng_below(&m->r, b->usable + 1);
	len = rng_below(&m->r, b->usable - pos + 1);
	rng_fill(&m->r, buf, len);
	MCHECK(m, h_pool_write(m->pool, b->ptr, pos, buf, len) == 0,
	       "write %zu+%zu of %zu", pos, len, b->usable);
	MCHECK(m, !memcmp(b->ptr + pos, buf, len), "write did not land");
	MCHECK(m, h_model_diff(&m->hm, i, b->ptr, 0, pos) == pos &&
	       h_model_diff(&m->hm, i, b->ptr + pos + len, pos + len,
			    b->usable - pos - len) == b->usable - pos - len,
	       "write spilled");
	h_model_write(&m->hm, i, pos, buf, len);
	MCHECK(m, h_pool_read(m->pool, b->ptr, pos, back, len) == 0,
	       "read %zu+%zu of %zu", pos, len, b->usable);
	MCHECK(m, !memcmp(back, buf, len), "read back differs");
	rng_fill(&m->r, buf, len);
	MCHECK(m, h_pool_write(m->pool, b->ptr, pos, buf, len) == 0,
	       "write again");
	h_model_write(&m->hm, i, pos, buf, len);
}

static void op_batch_alloc(struct model *m)
{
	void *ptrs[H_POOL_BATCH_MAX];
	unsigned int count = 1 + (unsigned int)rng_below(&m->r, 16), i;
	size_t size = log_uniform_size(&m->r, 2048);
	size_t align = rng_below(&m->r, 2) ? random_align(&m->r) : 0;
	struct h_pool_stats now;
	int rc;

	m->op_name = "batch_alloc";
	if (!rng_below(&m->r, 8))
		count = H_POOL_BATCH_MAX;
	if (m->hm.n + count > MAX_LIVE)
		return;
	m->acted = true;
	rc = h_pool_alloc_batch(m->pool, size, align, ptrs, count);
	if (rc == -ENOMEM) {
		/* All or nothing, peak included: one failed allocation. */
		m->hm.failed++;
		pool_stats(m->pool, &now);
		stats_equal_except(&m->st, &now, false, true, false,
				   "batch -ENOMEM");
		return;
	}
	if (!MCHECK(m, rc == 0, "batch of %u x %zu align %zu: %d", count,
		    size, align, rc))
		return;
	for (i = 0; i < count; i++)
		add_live(m, ptrs[i], size, align);
	for (i = 0; i < count; i++)
		check_touched(m, m->hm.n - count + i);
}

static void op_batch_free(struct model *m)
{
	void *ptrs[16];
	unsigned int count, i, j;
	size_t k;

	m->op_name = "batch_free";
	if (!m->hm.n)
		return;
	m->acted = true;
	count = 1 + (unsigned int)rng_below(&m->r, m->hm.n < 16 ? m->hm.n : 16);
	/* `count` different blocks, chosen at random. */
	for (i = 0; i < count; i++) {
		do {
			k = pick_block(m);
			for (j = 0; j < i && ptrs[j] != blk(m, k)->ptr; j++)
				;
		} while (j < i);
		ptrs[i] = blk(m, k)->ptr;
		holds_contents(m, k);
	}
	MCHECK(m, h_pool_dealloc_batch(m->pool, ptrs, count) == 0,
	       "batch free of %u", count);
	for (i = 0; i < count; i++)
		h_model_remove(&m->hm,
			       (unsigned int)h_model_find(&m->hm, ptrs[i]));
}

static void op_reorder(struct model *m)
{
	m->op_name = "reorder";
	m->acted = true;
	MCHECK(m, reorder_h_mem(m->pool), "reorder refused");
	full_check(m);
}

/* largest_free, as the pool documents it: a request a 1/16 smaller fits. */
static void op_probe(struct model *m)
{
	size_t largest = m->st.largest_free, size;
	void *p;

	m->op_name = "probe";
	if (!largest || m->hm.n == MAX_LIVE)
		return;
	m->acted = true;
	size = ((largest + 16) * 16 / 17) & ~(size_t)15;
	size = size > 16 ? size - 16 : 0;
	if (size) {
		p = h_pool_alloc(m->pool, size);
		if (!MCHECK(m, p != NULL, "alloc %zu failed, largest free %zu",
			    size, largest)) {
			m->hm.failed++;
		} else {
			h_model_note_peak(&m->hm,
					  h_pool_usable_size(m->pool, p) + 16);
			MCHECK(m, h_pool_dealloc(m->pool, p), "free probe");
		}
	}
	MCHECK(m, h_pool_alloc(m->pool, largest + 1) == NULL,
	       "alloc %zu succeeded, largest free %zu", largest + 1, largest);
	m->hm.failed++;
}

/* ---- misuse -------------------------------------------------------------- */

/* A pointer the pool must not take for a block. */
static void *bad_pointer(struct model *m)
{
	struct h_model_block *b = m->hm.n ? blk(m, pick_block(m)) : NULL;

	switch (rng_below(&m->r, 7)) {
	case 0:
		return h_model_stale(&m->hm, (unsigned int)rng_next(&m->r));
	case 1:
		if (b && b->usable >= 32)
			return b->ptr + 16 * (1 + rng_below(&m->r, b->usable / 16 - 1));
		return m->base + m->arena;
	case 2:
		if (b)
			return b->ptr + 1 + rng_below(&m->r, 15);
		return m->base + 8;
	case 3:
		return m->base - 16 * (1 + rng_below(&m->r, 64));
	case 4:
		return m->base + m->arena + 16 * rng_below(&m->r, 64);
	case 5:
		return m->foreign[rng_below(&m->r, 4)];
	default:
		return b ? b->ptr - 16 : m->base;
	}
}

static void op_misuse(struct model *m)
{
	static unsigned char buf[PAT_SPAN + 64];
	struct pool_snapshot s;
	void *ptrs[8];
	void *bad = bad_pointer(m);
	unsigned int kind = (unsigned int)rng_below(&m->r, 10);
	unsigned int refused = 1;	/* calls made that must be refused */
	int rc;

	m->op_name = "misuse";
	snap_take(m->pool, &s);
	switch (kind) {
	case 0:
		m->op_name = "misuse: free";
		MCHECK(m, !h_pool_dealloc(m->pool, bad), "freed %p", bad);
		break;
	case 1:
		m->op_name = "misuse: clean";
		MCHECK(m, !clean_h_ptr(m->pool, bad), "cleaned %p", bad);
		break;
	case 2:
		m->op_name = "misuse: realloc";
		MCHECK(m, !h_pool_realloc(m->pool, bad ? bad : m->base + 8, 64),
		       "realloc of %p", bad);
		break;
	case 3:
		m->op_name = "misuse: read/write";
		MCHECK(m, h_pool_write(m->pool, bad, 0, buf, 1) == -EINVAL,
		       "write through %p", bad);
		MCHECK(m, h_pool_read(m->pool, bad, 0, buf, 1) == -EINVAL,
		       "read through %p", bad);
		refused = 2;
		break;
	case 4:
		m->op_name = "misuse: bad alignment";
		MCHECK(m, !h_pool_alloc_aligned(m->pool, 16,
						 rng_below(&m->r, 2) ? 48 : 8192),
		       "bad alignment taken");
		break;
	case 5:
		m->op_name = "misuse: access past the end";
		if (!m->hm.n) {
			refused = 0;
			break;
		}
		refused = 2;
		{
			struct h_model_block *b = blk(m, pick_block(m));
			size_t pos = rng_below(&m->r, b->usable + 1);
			size_t len = b->usable - pos + 1 + rng_below(&m->r, 4);

			if (rng_below(&m->r, 4) == 0) {
				pos = SIZE_MAX - rng_below(&m->r, 8);
				len = 2 + rng_below(&m->r, 16);
			}
			MCHECK(m, h_pool_write(m->pool, b->ptr, pos, buf, len) ==
			       -EINVAL, "write %zu+%zu of %zu", pos, len,
			       b->usable);
			MCHECK(m, h_pool_read(m->pool, b->ptr, pos, buf, len) ==
			       -EINVAL, "read %zu+%zu of %zu", pos, len,
			       b->usable);
		}
		break;
	case 6:
		m->op_name = "misuse: batch free with a bad pointer";
		if (m->hm.n < 3) {
			refused = 0;
			break;
		}
		ptrs[0] = blk(m, 0)->ptr;
		ptrs[1] = blk(m, m->hm.n - 1)->ptr;
		ptrs[2] = rng_below(&m->r, 2) ? bad : blk(m, 0)->ptr;
		MCHECK(m, h_pool_dealloc_batch(m->pool, ptrs, 3) == -EINVAL,
		       "bad batch taken");
		break;
	case 7:
		m->op_name = "misuse: batch alloc, bad count";
		rc = h_pool_alloc_batch(m->pool, 16, 0, ptrs,
					rng_below(&m->r, 2) ? 0 :
					H_POOL_BATCH_MAX + 1);
		MCHECK(m, rc == -EINVAL, "batch alloc: %d", rc);
		break;
	case 8:
		m->op_name = "misuse: realloc to 0";
		if (!m->hm.n) {
			refused = 0;
			break;
		}
		MCHECK(m, !h_pool_realloc(m->pool, blk(m, 0)->ptr, 0),
		       "realloc to 0");
		break;
	default:
		m->op_name = "misuse: alloc 0";
		MCHECK(m, !h_pool_alloc(m->pool, 0), "alloc 0");
		break;
	}
	if (refused)
		snap_refused_n(m->pool, &s, refused, m->op_name);
	else
		snap_same(m->pool, &s, m->op_name, false, false);
	snap_free(&s);
	m->hm.refused += refused;
	m->acted = refused > 0;
}

/* ---- the run ------------------------------------------------------------- */

enum { OP_ALLOC, OP_ALLOC_ALIGNED, OP_FREE, OP_REALLOC, OP_CLEAN, OP_RW,
       OP_BATCH_ALLOC, OP_BATCH_FREE, OP_REORDER, OP_PROBE, OP_MISUSE,
       OP_COUNT };

static const char *const op_names[OP_COUNT] = {
	"alloc", "alloc_aligned", "free", "realloc", "clean", "read_write",
	"batch_alloc", "batch_free", "reorder", "probe", "misuse",
};

static unsigned int pick_op(struct model *m)
{
	/* Allocate less as the pool fills, so it swings between full and not. */
	unsigned int fill = (unsigned int)(m->st.used_bytes * 100 / m->arena);
	unsigned int grow = fill < 50 ? 60 : fill < 85 ? 40 : 20;
	unsigned int w[OP_COUNT] = {
		[OP_ALLOC] = grow,
		[OP_ALLOC_ALIGNED] = grow / 3,
		[OP_FREE] = 35,
		[OP_REALLOC] = 15,
		[OP_CLEAN] = 4,
		[OP_RW] = 8,
		[OP_BATCH_ALLOC] = grow / 10,
		[OP_BATCH_FREE] = 4,
		[OP_REORDER] = 1,
		[OP_PROBE] = 2,
		[OP_MISUSE] = m->misuse ? 6 : 0,
	};
	unsigned int total = 0, i, x;

	for (i = 0; i < OP_COUNT; i++)
		total += w[i];
	x = (unsigned int)rng_below(&m->r, total);
	for (i = 0; x >= w[i]; i++)
		x -= w[i];
	return i;
}

static void run_model(uint64_t seed, size_t pool_size, unsigned long ops,
		      bool misuse)
{
	struct model m = { .r = { seed }, .misuse = misuse };
	unsigned int i;

	m.pool = pool_new(pool_size);
	m.arena = pool_arena(m.pool, &m.base);
	ASSERT_EQ(h_model_init(&m.hm, m.pool, MAX_LIVE, seed), 0);
	m.other = pool_new(4 * KIB);
	for (i = 0; i < 4; i++)
		ASSERT_TRUE(m.foreign[i] = h_pool_alloc(m.other, 100));
	m.op_name = "start";
	check_after(&m);

	for (m.op = 1; m.op <= ops; m.op++) {
		unsigned int op = pick_op(&m);

		m.acted = false;
		switch (op) {
		case OP_ALLOC:
			op_alloc(&m, false);
			break;
		case OP_ALLOC_ALIGNED:
			op_alloc(&m, true);
			break;
		case OP_FREE:
			op_free(&m);
			break;
		case OP_REALLOC:
			op_realloc(&m);
			break;
		case OP_CLEAN:
			op_clean(&m);
			break;
		case OP_RW:
			op_read_write(&m);
			break;
		case OP_BATCH_ALLOC:
			op_batch_alloc(&m);
			break;
		case OP_BATCH_FREE:
			op_batch_free(&m);
			break;
		case OP_REORDER:
			op_reorder(&m);
			break;
		case OP_PROBE:
			op_probe(&m);
			break;
		default:
			op_misuse(&m);
			break;
		}
		m.counts[op] += m.acted;
		check_after(&m);
		if (m.op % FULL_CHECK_EVERY == 0)
			full_check(&m);
		if (test_failed()) {
			TH_LOG("stopped at op %lu of seed %llu", m.op,
			       (unsigned long long)seed);
			break;
		}
	}
	full_check(&m);
	TH_LOG("%lu ops, %u live, failed_allocs %zu, refused %zu, peak %zu "
	       "of %zu", m.op - 1, m.hm.n, m.hm.failed, m.hm.refused, m.hm.peak,
	       m.arena);
	/* The run did what it is for; after a failure that is moot. */
	m.op_name = "end of run";
	for (i = 0; i < OP_COUNT && !test_failed(); i++)
		MCHECK(&m, m.counts[i] || (i == OP_MISUSE && !misuse),
		       "no %s in %lu ops", op_names[i], ops);
	if (!test_failed()) {
		MCHECK(&m, m.hm.failed > 0, "the pool never ran out of room");
		MCHECK(&m, !misuse || m.hm.refused > 0, "no call was refused");
	}
	/* Empty the pool: one free block again. */
	while (m.hm.n) {
		m.op_name = "final free";
		MCHECK(&m, h_pool_dealloc(m.pool, blk(&m, m.hm.n - 1)->ptr),
		       "final free");
		h_model_remove(&m.hm, m.hm.n - 1);
	}
	check_after(&m);
	MCHECK(&m, m.st.free_blocks == 1 && m.st.largest_free == m.arena - 16 &&
	       m.st.frag_permille == 0, "not one free block at the end");
	h_model_destroy(&m.hm);
	pool_del(m.pool);
	pool_del(m.other);
}

struct model_case {
	uint64_t seed;
	size_t pool_size;
	unsigned long ops;
	bool misuse;
};

/*
 * About a million operations in all.  Validation is O(blocks), so the
 * large pools (thousands of live blocks) run shorter and the small ones,
 * which are full and fail allocations more often, run longer.
 */
#ifdef CKREMM_TEST_BOARD
/*
 * On a board (tools/mcu: 4 MiB of RAM, an emulated core some hundred
 * times slower): pools up to a quarter of its RAM, with the model's copy
 * of every byte beside them, and a fifth of the operations, each kind of
 * pool kept.
 */
static const struct model_case model_cases[] = {
	{ 1, 256 * KIB, 25000, false },
	{ 2, 64 * KIB, 40000, false },
	{ 3, 1024 * KIB, 8000, false },
	{ 4, 100000 + 8, 40000, false },
	{ 6, 32 * KIB, 40000, false },
	{ 101, 128 * KIB, 20000, true },
	{ 103, 512 * KIB, 8000, true },
};
#else
static const struct model_case model_cases[] = {
	{ 1, 256 * KIB, 50000, false },
	{ 2, 64 * KIB, 150000, false },
	{ 3, 1024 * KIB, 15000, false },
	{ 4, 100000 + 8, 150000, false },
	{ 5, 128 * KIB, 100000, false },
	{ 6, 32 * KIB, 150000, false },
	{ 7, 96 * KIB + 16, 150000, false },
	{ 8, 48 * KIB + 32, 150000, false },
	{ 101, 128 * KIB, 50000, true },
	{ 102, 64 * KIB, 60000, true },
	{ 103, 512 * KIB, 10000, true },
	{ 104, 100000 + 8, 50000, true },
};
#endif

static void model_case_fn(unsigned long i)
{
	const struct model_case *c = &model_cases[i];

	run_model(c->seed, c->pool_size, c->ops, c->misuse);
}

__attribute__((constructor)) static void register_models(void)
{
	unsigned int i;
	char name[96];

	for (i = 0; i < sizeof(model_cases) / sizeof(model_cases[0]); i++) {
		const struct model_case *c = &model_cases[i];

		snprintf(name, sizeof(name), "model_%sseed_%llu_pool_%zu_ops_%lu",
			 c->misuse ? "misuse_" : "",
			 (unsigned long long)c->seed, c->pool_size, c->ops);
		test_register(name, model_case_fn, i, 150);
	}
}

HOST_TEST_MAIN(0)
