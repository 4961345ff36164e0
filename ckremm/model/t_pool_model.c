// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * t_pool_model.c - the reference model of a table pool (see
 * t_pool_model.h for what it keeps and who uses it).
 *
 * Blocks live in b[0..n): removing one moves the last into its place, so
 * an index names a block only until the next t_model_remove(); a handle
 * names it for good, through t_model_find().
 */
#include "t_pool_model.h"

/*
 * A model, empty, for up to @max live blocks; patterns start from @seed.
 * Returns 0, or -ENOMEM with nothing to destroy.
 */
int t_model_init(struct t_model *m, unsigned int max, u64 seed)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
	m->tag = seed;
	m->b = ckremm_meta_zalloc(max * sizeof(*m->b));
	return m->b ? 0 : -ENOMEM;
}

void t_model_destroy(struct t_model *m)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		ckremm_meta_free(m->b[i].bytes);
	ckremm_meta_free(m->b);
	m->b = NULL;
	m->n = 0;
}

/*
 * A block the pool handed out as @h for @req bytes, which it rounds up to
 * T_POOL_ALIGN.  The model gives it a fresh pattern in b->bytes, which
 * the caller writes to the block.  Returns the block, or NULL when the
 * model is full or out of memory.
 */
struct t_model_block *t_model_add(struct t_model *m, u64 h, size_t req)
{
	size_t size = (req + T_POOL_ALIGN - 1) & ~(size_t)(T_POOL_ALIGN - 1);
	struct t_model_block *b;

	if (m->n == m->max)
		return NULL;
	b = &m->b[m->n];
	memset(b, 0, sizeof(*b));
	b->bytes = ckremm_meta_zalloc(size);
	if (!b->bytes)
		return NULL;
	b->h = h;
	b->req = req;
	b->size = size;
	m->n++;
	m->used += size;
	t_model_fill(m, m->n - 1, 0, size);
	return b;
}

/* Block @i was freed; the last block takes its index. */
void t_model_remove(struct t_model *m, unsigned int i)
{
	struct t_model_block *b = &m->b[i];

	m->stale[m->stale_next] = b->h;
	m->stale_next = (m->stale_next + 1) % T_MODEL_STALE;
	if (m->n_stale < T_MODEL_STALE)
		m->n_stale++;
	m->used -= b->size;
	if (b->pins)
		m->pinned--;
	ckremm_meta_free(b->bytes);
	if (i != --m->n)
		*b = m->b[m->n];
}

/* The index of the live block @h names, or -1. */
int t_model_find(const struct t_model *m, u64 h)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->b[i].h == h)
			return (int)i;
	return -1;
}

/* Was @h one of the last handles freed? */
bool t_model_was_freed(const struct t_model *m, u64 h)
{
	unsigned int i;

	for (i = 0; i < m->n_stale; i++)
		if (m->stale[i] == h)
			return true;
	return false;
}

/* A handle freed earlier and not live again (@pick chooses), or none. */
u64 t_model_stale(const struct t_model *m, unsigned int pick)
{
	u64 h;

	if (!m->n_stale)
		return T_POOL_NO_HANDLE;
	h = m->stale[pick % m->n_stale];
	return t_model_find(m, h) < 0 ? h : T_POOL_NO_HANDLE;
}

/* A fresh pattern over @len bytes at @pos of block @i. */
void t_model_fill(struct t_model *m, unsigned int i, size_t pos, size_t len)
{
	model_pattern_fill(m->b[i].bytes + pos, len, ++m->tag, pos);
}

/* @len bytes of @buf were written at @pos of block @i. */
void t_model_write(struct t_model *m, unsigned int i, size_t pos,
		   const void *buf, size_t len)
{
	memcpy(m->b[i].bytes + pos, buf, len);
}

/* Block @i was cleaned: all zero. */
void t_model_clean(struct t_model *m, unsigned int i)
{
	memset(m->b[i].bytes, 0, m->b[i].size);
}

/* Block @src was copied to the start of block @dst (also the same one). */
void t_model_copy(struct t_model *m, unsigned int dst, unsigned int src)
{
	memmove(m->b[dst].bytes, m->b[src].bytes, m->b[src].size);
}

/* Block @i was pinned, at @at. */
void t_model_pin(struct t_model *m, unsigned int i, void *at)
{
	struct t_model_block *b = &m->b[i];

	if (!b->pins++)
		m->pinned++;
	b->pinned_at = at;
}

/* A pin of block @i, which has one, was dropped. */
void t_model_unpin(struct t_model *m, unsigned int i)
{
	struct t_model_block *b = &m->b[i];

	if (!--b->pins) {
		m->pinned--;
		b->pinned_at = NULL;
	}
}

/*
 * Compares @len bytes of @buf with bytes @pos on of block @i: the index
 * in @buf of the first that differs, or @len.
 */
size_t t_model_diff(const struct t_model *m, unsigned int i, const void *buf,
		    size_t pos, size_t len)
{
	return model_first_diff(buf, m->b[i].bytes + pos, len);
}
