// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * h_pool_model.c - the reference model of a header pool (see
 * h_pool_model.h for what it keeps and who uses it).
 *
 * Blocks live in b[0..n): removing one moves the last into its place, so
 * an index names a block only until the next h_model_remove().  The owner
 * map finds a block by its address in one step, which is what lets a
 * fuzzer check every extent of a walk after every call.
 */
#include "h_pool_model.h"

static size_t granule_of(const struct h_model *m, const void *ptr)
{
	return (size_t)((const u8 *)ptr - m->base) / H_POOL_MIN_ALIGN;
}

static void set_owner(struct h_model *m, const void *ptr, unsigned int i)
{
	m->owner[granule_of(m, ptr)] = i + 1;
}

static void clear_owner(struct h_model *m, const void *ptr)
{
	m->owner[granule_of(m, ptr)] = 0;
}

static void remember_stale(struct h_model *m, void *ptr)
{
	m->stale[m->stale_next] = ptr;
	m->stale_next = (m->stale_next + 1) % H_MODEL_STALE;
	if (m->n_stale < H_MODEL_STALE)
		m->n_stale++;
}

/*
 * A model of @pool, empty, for up to @max live blocks; patterns start
 * from @seed.  Returns 0, or -ENOMEM with nothing to destroy.
 */
int h_model_init(struct h_model *m, struct h_pool *pool, unsigned int max,
		 u64 seed)
{
	memset(m, 0, sizeof(*m));
	m->base = h_pool_arena(pool, &m->arena);
	m->max = max;
	m->tag = seed;
	m->b = ckremm_meta_zalloc(max * sizeof(*m->b));
	m->owner = ckremm_meta_zalloc((m->arena / H_POOL_MIN_ALIGN + 1) *
				      sizeof(*m->owner));
	if (!m->b || !m->owner) {
		ckremm_meta_free(m->b);
		ckremm_meta_free(m->owner);
		return -ENOMEM;
	}
	return 0;
}

void h_model_destroy(struct h_model *m)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		ckremm_meta_free(m->b[i].bytes);
	ckremm_meta_free(m->b);
	ckremm_meta_free(m->owner);
	m->b = NULL;
	m->owner = NULL;
	m->n = 0;
}

/*
 * A block the pool handed out at @ptr for @req bytes aligned to @align
 * (0 for none), with @usable bytes.  The model gives it a fresh pattern
 * in b->bytes, which the caller writes to the block.  Returns the block,
 * or NULL when the model is full or out of memory.
 */
struct h_model_block *h_model_add(struct h_model *m, void *ptr, size_t req,
				  size_t align, size_t usable)
{
	struct h_model_block *b;

	if (m->n == m->max)
		return NULL;
	b = &m->b[m->n];
	b->bytes = ckremm_meta_zalloc(usable);
	if (!b->bytes)
		return NULL;
	b->ptr = ptr;
	b->req = req;
	b->align = align > H_POOL_MIN_ALIGN ? align : H_POOL_MIN_ALIGN;
	b->usable = usable;
	set_owner(m, ptr, m->n);
	m->n++;
	m->used_bytes += usable + H_POOL_HEADER_SIZE;
	h_model_note_peak(m, 0);
	h_model_refill(m, m->n - 1, 0);
	return b;
}

/* Block @i was freed; the last block takes its index. */
void h_model_remove(struct h_model *m, unsigned int i)
{
	struct h_model_block *b = &m->b[i];

	m->used_bytes -= b->usable + H_POOL_HEADER_SIZE;
	remember_stale(m, b->ptr);
	clear_owner(m, b->ptr);
	ckremm_meta_free(b->bytes);
	if (i != --m->n) {
		*b = m->b[m->n];
		set_owner(m, b->ptr, i);
	}
}

/* The index of the live block whose payload starts at @ptr, or -1. */
int h_model_find(const struct h_model *m, const void *ptr)
{
	const u8 *p = ptr;

	if (p < m->base || p >= m->base + m->arena ||
	    (size_t)(p - m->base) % H_POOL_MIN_ALIGN)
		return -1;
	return (int)m->owner[granule_of(m, p)] - 1;
}

/* A pointer freed earlier and not live again (@pick chooses), or NULL. */
void *h_model_stale(const struct h_model *m, unsigned int pick)
{
	void *p;

	if (!m->n_stale)
		return NULL;
	p = m->stale[pick % m->n_stale];
	return h_model_find(m, p) < 0 ? p : NULL;
}

/*
 * The bytes a realloc of @b to @req, answered with @ptr and @usable, must
 * have kept: in place all it had room for, moved what was asked for.
 */
size_t h_model_realloc_keeps(const struct h_model_block *b, const void *ptr,
			     size_t req, size_t usable)
{
	size_t keep = ptr == b->ptr ? usable : req;

	return keep < b->usable ? keep : b->usable;
}

/*
 * Block @i is now at @ptr (it may have moved), @usable bytes for @req;
 * its first @keep bytes are what they were, the rest get a fresh pattern
 * for the caller to write.  A moved block held its old and its new place
 * at once.  Returns 0, or -ENOMEM with the model unchanged.
 */
int h_model_resize(struct h_model *m, unsigned int i, void *ptr, size_t req,
		   size_t usable, size_t keep)
{
	struct h_model_block *b = &m->b[i];
	u8 *bytes = ckremm_meta_zalloc(usable);

	if (!bytes)
		return -ENOMEM;
	memcpy(bytes, b->bytes, keep);
	ckremm_meta_free(b->bytes);
	b->bytes = bytes;
	if (ptr != b->ptr) {
		h_model_note_peak(m, usable + H_POOL_HEADER_SIZE);
		clear_owner(m, b->ptr);
		remember_stale(m, b->ptr);
		set_owner(m, ptr, i);
		b->ptr = ptr;
	}
	m->used_bytes += usable;
	m->used_bytes -= b->usable;
	b->usable = usable;
	b->req = req;
	h_model_note_peak(m, 0);
	h_model_refill(m, i, keep);
	return 0;
}

/* A fresh pattern over bytes @from to the end of block @i. */
void h_model_refill(struct h_model *m, unsigned int i, size_t from)
{
	struct h_model_block *b = &m->b[i];

	model_pattern_fill(b->bytes + from, b->usable - from, ++m->tag, from);
}

/* @len bytes of @buf were written at @pos of block @i. */
void h_model_write(struct h_model *m, unsigned int i, size_t pos,
		   const void *buf, size_t len)
{
	memcpy(m->b[i].bytes + pos, buf, len);
}

/* Block @i was cleaned: every usable byte is zero. */
void h_model_clean(struct h_model *m, unsigned int i)
{
	memset(m->b[i].bytes, 0, m->b[i].usable);
}

/*
 * Compares @len bytes of @buf with bytes @pos on of block @i: the index
 * in @buf of the first that differs, or @len.
 */
size_t h_model_diff(const struct h_model *m, unsigned int i, const void *buf,
		    size_t pos, size_t len)
{
	return model_first_diff(buf, m->b[i].bytes + pos, len);
}

/*
 * The index of a live block other than @self that overlaps @usable bytes
 * at @ptr, headers included, or -1.
 */
int h_model_overlap_at(const struct h_model *m, const void *ptr,
		       size_t usable, int self)
{
	const u8 *lo = (const u8 *)ptr - H_POOL_HEADER_SIZE;
	const u8 *hi = (const u8 *)ptr + usable;
	const struct h_model_block *b;
	unsigned int j;

	for (j = 0; j < m->n; j++) {
		b = &m->b[j];
		if ((int)j != self && lo < b->ptr + b->usable &&
		    b->ptr - H_POOL_HEADER_SIZE < hi)
			return (int)j;
	}
	return -1;
}

/* The index of a live block that overlaps block @i, or -1. */
int h_model_overlap(const struct h_model *m, unsigned int i)
{
	return h_model_overlap_at(m, m->b[i].ptr, m->b[i].usable, (int)i);
}

/* The pool held the model's blocks and @extra bytes more at one moment. */
void h_model_note_peak(struct h_model *m, size_t extra)
{
	if (m->used_bytes + extra > m->peak)
		m->peak = m->used_bytes + extra;
}

/*
 * Holds a walk of the whole arena, @n extents, against the model: every
 * used extent must be a live block of the model with its size, and every
 * live block must be shown.  Returns the index of the first extent that
 * disagrees, @n when a block is missing, or @n + 1 when all agree.
 */
size_t h_model_match_walk(const struct h_model *m,
			  const struct h_pool_extent *ext, size_t n)
{
	size_t i, used = 0;
	int k;

	for (i = 0; i < n; i++) {
		if (!ext[i].used)
			continue;
		k = h_model_find(m, m->base + ext[i].offset +
				 H_POOL_HEADER_SIZE);
		if (k < 0 || m->b[k].usable + H_POOL_HEADER_SIZE != ext[i].size)
			return i;
		used++;
	}
	return used == m->n ? n + 1 : n;
}
