// SPDX-License-Identifier: GPL-2.0-only
/*
 * Long randomized runs of the header pool against a reference model.
 *
 * The model is the list of live blocks (pointer, requested size,
 * alignment, usable size, an id) and the counters the pool must agree
 * with.  Every live block holds a byte pattern derived from its id over
 * all of its usable bytes.  Random operations (alloc with log-uniform
 * sizes 1..8192 and random alignments, free, realloc, clean, batch alloc
 * and free, reorder, read and write through the pool, probes of
 * largest_free) drive pool and model together.  After every operation:
 * h_pool_validate() is 0, the statistics agree with the model (used
 * blocks and bytes, failed and refused calls, and the peak, which the
 * model follows through the moment a moving realloc or a probe holds two
 * blocks), the touched block overlaps no other and holds its pattern.
 * Every FULL_CHECK_EVERY operations, and after a reorder: every block
 * holds its pattern and a walk of the arena shows exactly the model's
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

#define KIB 1024UL
#define MAX_LIVE 4096
#define MAX_REQ 8192
#define FULL_CHECK_EVERY 256
/* Largest usable size of a block: a request plus rounding and a tail. */
#define PAT_SPAN (MAX_REQ + 64)
#define PAT_OFFSETS 4096

struct live {
	unsigned char *p;
	size_t req;
	size_t align;		/* effective: 16 or more */
	size_t usable;
	unsigned int id;
};

struct model {
	struct h_pool *pool;
	unsigned char *base;
	size_t arena;
	struct rng r;
	bool misuse;

	struct live *v;
	size_t n;
	unsigned int next_id;
	size_t used_bytes;	/* sum of usable + header over live blocks */
	size_t failed;
	size_t refused;
	size_t peak;		/* highest used_bytes, also inside a call */
	struct h_pool_stats st;	/* after the last operation */

	/* Pointers freed earlier, for stale-pointer misuse. */
	void *stale[64];
	unsigned int n_stale, stale_pos;

	/* A second pool, for foreign pointers. */
	struct h_pool *other;
	void *foreign[4];

	unsigned long op;
	const char *op_name;
	bool acted;		/* the operation got as far as the pool */
	unsigned long counts[16];
};

static unsigned char pattern[PAT_OFFSETS + PAT_SPAN];
static unsigned char zeroes[PAT_SPAN];

static const unsigned char *pat_of(unsigned int id)
{
	return pattern + (id * 2654435761u) % PAT_OFFSETS;
}

/* Report with the operation count, so a failure can be replayed. */
#define MCHECK(m, cond, fmt, ...)					\
	EXPECT_TRUE(cond, "op %lu (%s): " fmt, (m)->op, (m)->op_name,	\
		    ##__VA_ARGS__)

static bool overlaps(const struct live *a, const struct live *b)
{
	return a->p - 16 < b->p + b->usable && b->p - 16 < a->p + a->usable;
}

static bool holds_pattern(struct model *m, const struct live *b)
{
	if (!memcmp(b->p, pat_of(b->id), b->usable))
		return true;
	for (size_t i = 0; i < b->usable; i++)
		if (b->p[i] != pat_of(b->id)[i])
			return MCHECK(m, false, "block %u (%p, %zu bytes): byte "
				      "%zu is %#x, not %#x", b->id, b->p,
				      b->usable, i, b->p[i], pat_of(b->id)[i]);
	return true;
}

/* A block new or changed: in the arena, aligned, alone, patterned. */
static bool check_touched(struct model *m, const struct live *b)
{
	bool ok = true;
	size_t i;

	ok &= MCHECK(m, in_arena(m->pool, b->p - 16, b->usable + 16),
		     "block %p+%zu outside the arena", b->p, b->usable);
	ok &= MCHECK(m, (uintptr_t)b->p % b->align == 0,
		     "block %p not aligned to %zu", b->p, b->align);
	ok &= MCHECK(m, b->usable >= b->req, "usable %zu < asked %zu",
		     b->usable, b->req);
	for (i = 0; i < m->n && ok; i++)
		if (&m->v[i] != b)
			ok &= MCHECK(m, !overlaps(&m->v[i], b),
				     "block %p+%zu overlaps %p+%zu", b->p,
				     b->usable, m->v[i].p, m->v[i].usable);
	return ok && holds_pattern(m, b);
}

static size_t log_uniform_size(struct rng *r, size_t max)
{
	unsigned int k = (unsigned int)rng_below(r, 14);
	size_t size = ((size_t)1 << k) + rng_below(r, (size_t)1 << k);

	return size > max ? max : size;
}

static size_t random_align(struct rng *r)
{
	/* 0 and 1..4096, powers of two. */
	unsigned int k = (unsigned int)rng_below(r, 14);

	return k == 13 ? 0 : (size_t)1 << k;
}

static size_t eff_align(size_t align)
{
	return align < 16 ? 16 : align;
}

static void remember_stale(struct model *m, void *p)
{
	m->stale[m->stale_pos] = p;
	m->stale_pos = (m->stale_pos + 1) % 64;
	if (m->n_stale < 64)
		m->n_stale++;
}

/* ---- after every operation ----------------------------------------------- */

/* The pool held @used bytes in used blocks at some moment. */
static void note_peak(struct model *m, size_t used)
{
	if (used > m->peak)
		m->peak = used;
}

static void check_after(struct model *m)
{
	struct h_pool_fault fault = { 0, NULL };
	struct h_pool_stats st;
	int rc = h_pool_validate(m->pool, &fault);

	MCHECK(m, rc == 0, "validate %d at %zu: %s", rc, fault.offset,
	       fault.reason ? fault.reason : "?");
	pool_stats(m->pool, &st);
	MCHECK(m, st.used_blocks == m->n, "used_blocks %zu, model %zu",
	       st.used_blocks, m->n);
	MCHECK(m, st.used_bytes == m->used_bytes, "used_bytes %zu, model %zu",
	       st.used_bytes, m->used_bytes);
	MCHECK(m, st.used_bytes + st.free_bytes == m->arena,
	       "used %zu + free %zu != %zu", st.used_bytes, st.free_bytes,
	       m->arena);
	MCHECK(m, st.header_bytes == 16 * (st.used_blocks + st.free_blocks),
	       "header_bytes %zu", st.header_bytes);
	MCHECK(m, st.failed_allocs == m->failed, "failed_allocs %zu, model %zu",
	       st.failed_allocs, m->failed);
	MCHECK(m, st.refused_calls == m->refused, "refused_calls %zu, model %zu",
	       st.refused_calls, m->refused);
	note_peak(m, m->used_bytes);
	MCHECK(m, st.peak_used == m->peak, "peak_used %zu, model %zu",
	       st.peak_used, m->peak);
	MCHECK(m, st.frag_permille <= 1000, "frag %u", st.frag_permille);
	MCHECK(m, st.largest_free <= st.free_bytes, "largest %zu > free %zu",
	       st.largest_free, st.free_bytes);
	m->st = st;
}

static int live_by_addr(const void *a, const void *b)
{
	const struct live *x = a, *y = b;

	return x->p < y->p ? -1 : x->p > y->p;
}

static void full_check(struct model *m)
{
	struct h_pool_extent *ext;
	struct live *sorted;
	size_t n, i, j = 0;

	for (i = 0; i < m->n; i++)
		if (!holds_pattern(m, &m->v[i]))
			break;
	pool_consistent(m->pool, m->op_name);
	sorted = malloc((m->n + 1) * sizeof(*sorted));
	ASSERT_TRUE(sorted);
	memcpy(sorted, m->v, m->n * sizeof(*sorted));
	qsort(sorted, m->n, sizeof(*sorted), live_by_addr);
	n = pool_walk_all(m->pool, &ext);
	for (i = 0; i < n; i++) {
		if (!ext[i].used)
			continue;
		if (!MCHECK(m, j < m->n, "walk shows more used blocks than %zu",
			    m->n))
			break;
		if (!MCHECK(m, ext[i].offset + 16 ==
			    (size_t)(sorted[j].p - m->base) &&
			    ext[i].size == sorted[j].usable + 16,
			    "walk: used %zu+%zu, model %zu+%zu", ext[i].offset,
			    ext[i].size, (size_t)(sorted[j].p - m->base) - 16,
			    sorted[j].usable + 16))
			break;
		j++;
	}
	MCHECK(m, j == m->n, "walk found %zu of %zu blocks", j, m->n);
	free(ext);
	free(sorted);
}

/* ---- operations ---------------------------------------------------------- */

static struct live *add_live(struct model *m, void *p, size_t req,
			     size_t align)
{
	struct live *b = &m->v[m->n++];

	b->p = p;
	b->req = req;
	b->align = eff_align(align);
	b->usable = h_pool_usable_size(m->pool, p);
	b->id = m->next_id++;
	m->used_bytes += b->usable + 16;
	if (b->usable <= PAT_SPAN)
		memcpy(b->p, pat_of(b->id), b->usable);
	else
		MCHECK(m, false, "usable %zu for %zu bytes", b->usable, req);
	return b;
}

static void drop_live(struct model *m, size_t i)
{
	m->used_bytes -= m->v[i].usable + 16;
	remember_stale(m, m->v[i].p);
	m->v[i] = m->v[--m->n];
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
	if (m->n == MAX_LIVE)
		return;
	m->acted = true;
	p = aligned ? h_pool_alloc_aligned(m->pool, size, align) :
		      h_pool_alloc(m->pool, size);
	if (!p) {
		m->failed++;
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

	m->op_name = "free";
	if (!m->n)
		return;
	m->acted = true;
	i = rng_below(&m->r, m->n);
	holds_pattern(m, &m->v[i]);
	MCHECK(m, h_pool_dealloc(m->pool, m->v[i].p), "free %p refused",
	       m->v[i].p);
	drop_live(m, i);
}

/* Where the block after b starts, and whether it is free and how big. */
static size_t free_after(struct model *m, const struct live *b)
{
	size_t cursor = (size_t)(b->p - m->base) + b->usable;
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
	struct live *b, old;
	unsigned char *q;

	m->op_name = "realloc";
	if (!m->n)
		return;
	m->acted = true;
	i = rng_below(&m->r, m->n);
	b = &m->v[i];
	old = *b;
	next_free = free_after(m, b);
	q = h_pool_realloc(m->pool, b->p, size);
	if (!q) {
		m->failed++;
		MCHECK(m, ROUND16(size) > old.usable,
		       "shrink of %p from %zu to %zu failed", old.p, old.usable,
		       size);
		MCHECK(m, h_pool_usable_size(m->pool, old.p) == old.usable,
		       "failed realloc changed the block");
		holds_pattern(m, b);
		return;
	}
	if (ROUND16(size) <= old.usable)
		MCHECK(m, q == old.p, "shrink %zu -> %zu moved the block",
		       old.usable, size);
	else if (old.usable + next_free >= ROUND16(size))
		MCHECK(m, q == old.p, "grow %zu -> %zu with %zu free after "
		       "moved the block", old.usable, size, next_free);
	keep = old.usable < size ? old.usable : size;
	MCHECK(m, !memcmp(q, pat_of(old.id), keep),
	       "realloc %zu -> %zu lost contents", old.usable, size);
	b->p = q;
	b->req = size;
	b->usable = h_pool_usable_size(m->pool, q);
	if (q != old.p) {
		/* The new block was taken before the old one was given back. */
		note_peak(m, m->used_bytes + b->usable + 16);
		remember_stale(m, old.p);
	}
	m->used_bytes += b->usable - old.usable;
	if (MCHECK(m, b->usable <= PAT_SPAN, "usable %zu", b->usable))
		memcpy(q, pat_of(b->id), b->usable);
	check_touched(m, b);
}

static void op_clean(struct model *m)
{
	struct live *b;

	m->op_name = "clean";
	if (!m->n)
		return;
	m->acted = true;
	b = &m->v[rng_below(&m->r, m->n)];
	MCHECK(m, clean_h_ptr(m->pool, b->p), "clean %p refused", b->p);
	MCHECK(m, !memcmp(b->p, zeroes, b->usable), "clean left bytes");
	memcpy(b->p, pat_of(b->id), b->usable);
}

static void op_read_write(struct model *m)
{
	unsigned char buf[PAT_SPAN], back[PAT_SPAN];
	size_t pos, len;
	struct live *b;

	m->op_name = "read_write";
	if (!m->n)
		return;
	m->acted = true;
	b = &m->v[rng_below(&m->r, m->n)];
	pos = rng_below(&m->r, b->usable + 1);
	len = rng_below(&m->r, b->usable - pos + 1);
	rng_fill(&m->r, buf, len);
	MCHECK(m, h_pool_write(m->pool, b->p, pos, buf, len) == 0,
	       "write %zu+%zu of %zu", pos, len, b->usable);
	MCHECK(m, !memcmp(b->p + pos, buf, len), "write did not land");
	MCHECK(m, !memcmp(b->p, pat_of(b->id), pos) &&
	       !memcmp(b->p + pos + len, pat_of(b->id) + pos + len,
		       b->usable - pos - len), "write spilled");
	MCHECK(m, h_pool_read(m->pool, b->p, pos, back, len) == 0,
	       "read %zu+%zu of %zu", pos, len, b->usable);
	MCHECK(m, !memcmp(back, buf, len), "read back differs");
	MCHECK(m, h_pool_write(m->pool, b->p, pos, pat_of(b->id) + pos, len) ==
	       0, "write back");
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
	if (m->n + count > MAX_LIVE)
		return;
	m->acted = true;
	rc = h_pool_alloc_batch(m->pool, size, align, ptrs, count);
	if (rc == -ENOMEM) {
		/* All or nothing, peak included: one failed allocation. */
		m->failed++;
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
		check_touched(m, &m->v[m->n - count + i]);
}

static void op_batch_free(struct model *m)
{
	void *ptrs[16];
	unsigned int count, i;

	m->op_name = "batch_free";
	if (!m->n)
		return;
	m->acted = true;
	count = 1 + (unsigned int)rng_below(&m->r, m->n < 16 ? m->n : 16);
	/* The last `count` blocks, after moving random ones there. */
	for (i = 0; i < count; i++) {
		size_t j = rng_below(&m->r, m->n - i);
		struct live t = m->v[j];

		m->v[j] = m->v[m->n - 1 - i];
		m->v[m->n - 1 - i] = t;
		ptrs[i] = t.p;
		holds_pattern(m, &t);
	}
	MCHECK(m, h_pool_dealloc_batch(m->pool, ptrs, count) == 0,
	       "batch free of %u", count);
	for (i = 0; i < count; i++)
		drop_live(m, m->n - 1);
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
	if (!largest || m->n == MAX_LIVE)
		return;
	m->acted = true;
	size = ((largest + 16) * 16 / 17) & ~(size_t)15;
	size = size > 16 ? size - 16 : 0;
	if (size) {
		p = h_pool_alloc(m->pool, size);
		if (!MCHECK(m, p != NULL, "alloc %zu failed, largest free %zu",
			    size, largest)) {
			m->failed++;
		} else {
			note_peak(m, m->used_bytes +
				  h_pool_usable_size(m->pool, p) + 16);
			MCHECK(m, h_pool_dealloc(m->pool, p), "free probe");
		}
	}
	MCHECK(m, h_pool_alloc(m->pool, largest + 1) == NULL,
	       "alloc %zu succeeded, largest free %zu", largest + 1, largest);
	m->failed++;
}

/* ---- misuse -------------------------------------------------------------- */

static bool is_live(struct model *m, const void *p)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->v[i].p == p)
			return true;
	return false;
}

/* A pointer the pool must not take for a block. */
static void *bad_pointer(struct model *m)
{
	struct live *b = m->n ? &m->v[rng_below(&m->r, m->n)] : NULL;
	void *p;

	switch (rng_below(&m->r, 7)) {
	case 0:
		if (m->n_stale) {
			p = m->stale[rng_below(&m->r, m->n_stale)];
			if (!is_live(m, p))
				return p;
		}
		return NULL;
	case 1:
		if (b && b->usable >= 32)
			return b->p + 16 * (1 + rng_below(&m->r, b->usable / 16 - 1));
		return m->base + m->arena;
	case 2:
		if (b)
			return b->p + 1 + rng_below(&m->r, 15);
		return m->base + 8;
	case 3:
		return m->base - 16 * (1 + rng_below(&m->r, 64));
	case 4:
		return m->base + m->arena + 16 * rng_below(&m->r, 64);
	case 5:
		return m->foreign[rng_below(&m->r, 4)];
	default:
		return b ? b->p - 16 : m->base;
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
		if (!m->n) {
			refused = 0;
			break;
		}
		refused = 2;
		{
			struct live *b = &m->v[rng_below(&m->r, m->n)];
			size_t pos = rng_below(&m->r, b->usable + 1);
			size_t len = b->usable - pos + 1 + rng_below(&m->r, 4);

			if (rng_below(&m->r, 4) == 0) {
				pos = SIZE_MAX - rng_below(&m->r, 8);
				len = 2 + rng_below(&m->r, 16);
			}
			MCHECK(m, h_pool_write(m->pool, b->p, pos, buf, len) ==
			       -EINVAL, "write %zu+%zu of %zu", pos, len,
			       b->usable);
			MCHECK(m, h_pool_read(m->pool, b->p, pos, buf, len) ==
			       -EINVAL, "read %zu+%zu of %zu", pos, len,
			       b->usable);
		}
		break;
	case 6:
		m->op_name = "misuse: batch free with a bad pointer";
		if (m->n < 3) {
			refused = 0;
			break;
		}
		ptrs[0] = m->v[0].p;
		ptrs[1] = m->v[m->n - 1].p;
		ptrs[2] = rng_below(&m->r, 2) ? bad : m->v[0].p;
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
		if (!m->n) {
			refused = 0;
			break;
		}
		MCHECK(m, !h_pool_realloc(m->pool, m->v[0].p, 0),
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
	m->refused += refused;
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

	rng_fill(&m.r, pattern, sizeof(pattern));
	m.pool = pool_new(pool_size);
	m.arena = pool_arena(m.pool, &m.base);
	m.v = calloc(MAX_LIVE, sizeof(*m.v));
	ASSERT_TRUE(m.v);
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
	TH_LOG("%lu ops, %zu live, failed_allocs %zu, refused %zu, peak %zu "
	       "of %zu", m.op - 1, m.n, m.failed, m.refused, m.peak, m.arena);
	/* The run did what it is for; after a failure that is moot. */
	m.op_name = "end of run";
	for (i = 0; i < OP_COUNT && !test_failed(); i++)
		MCHECK(&m, m.counts[i] || (i == OP_MISUSE && !misuse),
		       "no %s in %lu ops", op_names[i], ops);
	if (!test_failed()) {
		MCHECK(&m, m.failed > 0, "the pool never ran out of room");
		MCHECK(&m, !misuse || m.refused > 0, "no call was refused");
	}
	/* Empty the pool: one free block again. */
	while (m.n) {
		m.op_name = "final free";
		MCHECK(&m, h_pool_dealloc(m.pool, m.v[m.n - 1].p), "final free");
		drop_live(&m, m.n - 1);
	}
	check_after(&m);
	MCHECK(&m, m.st.free_blocks == 1 && m.st.largest_free == m.arena - 16 &&
	       m.st.frag_permille == 0, "not one free block at the end");
	free(m.v);
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
