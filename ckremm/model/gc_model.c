// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * gc_model.c - the reference model of a collector's heap (see gc_model.h
 * for what it keeps and who uses it).
 *
 * Reachability is a plain depth-first traversal from the roots over the
 * shadow bytes, with a hash of the live handles rebuilt on each call:
 * O(objects + words) per call, nothing kept between calls, so there is no
 * incremental state in the model to be wrong in the same way as the
 * collector's.
 */
#include "gc_model.h"

/**
 * gc_model_init() - an empty model
 * @m: the model
 * @max: most live objects
 * @max_types: type ids, as &ckremm_gc_params.max_types
 * @roots: root slots, as &ckremm_gc_params.roots
 * @seed: where the patterns start
 *
 * Return: 0, or -ENOMEM with nothing to destroy.
 */
int gc_model_init(struct gc_model *m, unsigned int max, unsigned int max_types,
		  unsigned int roots, u64 seed)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
	m->max_types = max_types;
	m->nroots = roots;
	m->tag = seed;
	for (m->hash_size = 16; m->hash_size < 2 * max; m->hash_size *= 2)
		;
	m->o = ckremm_meta_zalloc(max * sizeof(*m->o));
	m->types = ckremm_meta_zalloc(max_types * sizeof(*m->types));
	m->roots = ckremm_meta_zalloc(roots * sizeof(*m->roots));
	m->hash = ckremm_meta_zalloc(m->hash_size * sizeof(*m->hash));
	m->work = ckremm_meta_zalloc(max * sizeof(*m->work));
	if (!m->o || !m->types || !m->roots || !m->hash || !m->work) {
		gc_model_destroy(m);
		return -ENOMEM;
	}
	return 0;
}

/**
 * gc_model_destroy() - free a model's memory
 * @m: the model
 */
void gc_model_destroy(struct gc_model *m)
{
	unsigned int i;

	if (m->o)
		for (i = 0; i < m->n; i++)
			ckremm_meta_free(m->o[i].bytes);
	if (m->types)
		for (i = 0; i < m->max_types; i++)
			ckremm_meta_free(m->types[i].map);
	for (i = 0; i < GC_MODEL_SCOPES; i++)
		ckremm_meta_free(m->scopes[i].slots);
	ckremm_meta_free(m->o);
	ckremm_meta_free(m->types);
	ckremm_meta_free(m->roots);
	ckremm_meta_free(m->hash);
	ckremm_meta_free(m->work);
	memset(m, 0, sizeof(*m));
}

/**
 * gc_model_type_set() - a type the collector registered
 * @m: the model
 * @id: the id ckremm_gc_type_register() returned
 * @map: its map, as given to it
 * @words: words the map covers
 * @flags: its flags
 *
 * Return: 0, -EINVAL for an id out of range, -ENOMEM.
 */
int gc_model_type_set(struct gc_model *m, unsigned int id, const u64 *map,
		      unsigned int words, unsigned int flags)
{
	unsigned int k, n = (words + 63) / 64;
	struct gc_model_type *t;

	if (id <= CKREMM_GC_LEAF || id >= m->max_types || !words)
		return -EINVAL;
	t = &m->types[id];
	ckremm_meta_free(t->map);
	t->map = ckremm_meta_zalloc(n * sizeof(u64));
	if (!t->map)
		return -ENOMEM;
	for (k = 0; k < n; k++)
		t->map[k] = map[k];
	if (words % 64)
		t->map[n - 1] &= (1ULL << (words % 64)) - 1;
	t->words = words;
	t->flags = flags;
	return 0;
}

/**
 * gc_model_add() - an object the collector allocated
 * @m: the model
 * @h: its handle
 * @size: the size asked for; the model rounds it up to T_POOL_ALIGN
 * @type: its type id
 * @final: allocated with CKREMM_GC_FINALIZE
 *
 * Its bytes are zero, as ckremm_gc_alloc() leaves them.
 *
 * Return: the object, or NULL when the model is full or out of memory.
 */
struct gc_model_obj *gc_model_add(struct gc_model *m, u64 h, size_t size,
				  unsigned int type, bool final)
{
	size_t bytes = (size + T_POOL_ALIGN - 1) & ~(size_t)(T_POOL_ALIGN - 1);
	struct gc_model_obj *o;

	if (m->n == m->max)
		return NULL;
	o = &m->o[m->n];
	memset(o, 0, sizeof(*o));
	o->bytes = ckremm_meta_zalloc(bytes);
	if (!o->bytes)
		return NULL;
	o->h = h;
	o->size = bytes;
	o->type = type;
	o->final = final;
	m->n++;
	return o;
}

/**
 * gc_model_remove() - object @i is gone from the pool
 * @m: the model
 * @i: its index; the last object takes it
 */
void gc_model_remove(struct gc_model *m, unsigned int i)
{
	ckremm_meta_free(m->o[i].bytes);
	if (i != --m->n)
		m->o[i] = m->o[m->n];
}

/**
 * gc_model_find() - the object a handle names
 * @m: the model
 * @h: the handle
 *
 * Return: its index, or -1.
 */
int gc_model_find(const struct gc_model *m, u64 h)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->o[i].h == h)
			return (int)i;
	return -1;
}

/**
 * gc_model_is_ref() - whether the collector reads a word as a reference
 * @m: the model
 * @i: the object
 * @w: the word, bytes 8 * @w to 8 * @w + 7
 *
 * Return: true if word @w of object @i is a reference when it holds a
 * live handle.
 */
bool gc_model_is_ref(const struct gc_model *m, unsigned int i, size_t w)
{
	const struct gc_model_obj *o = &m->o[i];
	const struct gc_model_type *t;

	if (w >= o->size / 8 || o->type == CKREMM_GC_LEAF)
		return false;
	if (o->type == CKREMM_GC_WORDS || o->type >= m->max_types)
		return true;
	t = &m->types[o->type];
	if (!t->words)
		return true;
	if (!(t->flags & CKREMM_GC_TYPE_REPEAT) && w >= t->words)
		return false;
	w %= t->words;
	return t->map[w / 64] & (1ULL << (w % 64));
}

/**
 * gc_model_word() - word @w of object @i as the model has it
 * @m: the model
 * @i: the object
 * @w: the word
 *
 * Return: its value.
 */
u64 gc_model_word(const struct gc_model *m, unsigned int i, size_t w)
{
	u64 v;

	memcpy(&v, m->o[i].bytes + w * 8, sizeof(v));
	return v;
}

/**
 * gc_model_fill() - a fresh pattern over part of an object
 * @m: the model
 * @i: the object
 * @pos: the first byte
 * @len: bytes
 *
 * The caller writes the same bytes to the pool (gc_model_diff() against
 * o->bytes + @pos gives them).
 */
void gc_model_fill(struct gc_model *m, unsigned int i, size_t pos, size_t len)
{
	model_pattern_fill(m->o[i].bytes + pos, len, ++m->tag, pos);
}

/**
 * gc_model_write() - bytes were written to an object
 * @m: the model
 * @i: the object
 * @pos: where
 * @buf: the bytes
 * @len: how many
 */
void gc_model_write(struct gc_model *m, unsigned int i, size_t pos,
		    const void *buf, size_t len)
{
	memcpy(m->o[i].bytes + pos, buf, len);
}

/**
 * gc_model_clean() - an object was cleaned: all zero
 * @m: the model
 * @i: the object
 */
void gc_model_clean(struct gc_model *m, unsigned int i)
{
	memset(m->o[i].bytes, 0, m->o[i].size);
}

/**
 * gc_model_copy() - object @src was copied to the start of object @dst
 * @m: the model
 * @dst: the destination, at least as large as @src; may be @src
 * @src: the source
 */
void gc_model_copy(struct gc_model *m, unsigned int dst, unsigned int src)
{
	memmove(m->o[dst].bytes, m->o[src].bytes, m->o[src].size);
}

/**
 * gc_model_diff() - compare bytes read from the pool with the model
 * @m: the model
 * @i: the object
 * @buf: @len bytes read from it at @pos
 * @pos: where they were read
 * @len: how many
 *
 * Return: the index in @buf of the first byte that differs, or @len.
 */
size_t gc_model_diff(const struct gc_model *m, unsigned int i,
		     const void *buf, size_t pos, size_t len)
{
	return model_first_diff(buf, m->o[i].bytes + pos, len);
}

/**
 * gc_model_root_set() - a handle was stored in a root slot
 * @m: the model
 * @slot: the slot
 * @h: the handle, or T_POOL_NO_HANDLE
 *
 * Return: 0, or -EINVAL for a slot out of range (as the collector says).
 */
int gc_model_root_set(struct gc_model *m, unsigned int slot, u64 h)
{
	if (slot >= m->nroots)
		return -EINVAL;
	m->roots[slot] = h;
	return 0;
}

/**
 * gc_model_scope_init() - a scope was registered
 * @m: the model
 * @id: the model's name for it, below GC_MODEL_SCOPES
 * @max: its bound
 *
 * Return: 0, -EINVAL for a bad id, -ENOMEM.
 */
int gc_model_scope_init(struct gc_model *m, unsigned int id, unsigned int max)
{
	struct gc_model_scope *sc;

	if (id >= GC_MODEL_SCOPES || !max)
		return -EINVAL;
	sc = &m->scopes[id];
	ckremm_meta_free(sc->slots);
	memset(sc, 0, sizeof(*sc));
	sc->slots = ckremm_meta_zalloc(max * sizeof(*sc->slots));
	if (!sc->slots)
		return -ENOMEM;
	sc->max = max;
	return 0;
}

/**
 * gc_model_scope_exit() - a scope was unregistered: no roots any more
 * @m: the model
 * @id: its id
 */
void gc_model_scope_exit(struct gc_model *m, unsigned int id)
{
	struct gc_model_scope *sc = &m->scopes[id];

	ckremm_meta_free(sc->slots);
	memset(sc, 0, sizeof(*sc));
}

/**
 * gc_model_scope_push() - a handle was pushed on a scope
 * @m: the model
 * @id: the scope
 * @h: the handle
 *
 * Return: 0, or -ENOSPC if the scope is full, as the collector must say.
 */
int gc_model_scope_push(struct gc_model *m, unsigned int id, u64 h)
{
	struct gc_model_scope *sc = &m->scopes[id];

	if (sc->depth == sc->max)
		return -ENOSPC;
	sc->slots[sc->depth++] = h;
	return 0;
}

/**
 * gc_model_scope_restore() - a scope was cut back
 * @m: the model
 * @id: the scope
 * @depth: the depth kept; a larger one changes nothing
 */
void gc_model_scope_restore(struct gc_model *m, unsigned int id,
			    unsigned int depth)
{
	if (depth < m->scopes[id].depth)
		m->scopes[id].depth = depth;
}

/**
 * gc_model_fix() - object @i was pinned, or held alone: a root
 * @m: the model
 * @i: the object
 */
void gc_model_fix(struct gc_model *m, unsigned int i)
{
	m->o[i].fixed++;
}

/**
 * gc_model_unfix() - a pin or a hold alone of object @i was dropped
 * @m: the model
 * @i: the object, which has one
 */
void gc_model_unfix(struct gc_model *m, unsigned int i)
{
	m->o[i].fixed--;
}

static unsigned int gc_model_slot(const struct gc_model *m, u64 h)
{
	return (unsigned int)((h * 0x9e3779b97f4a7c15ULL) >> 32) &
	       (m->hash_size - 1);
}

/* The index of the object @h names, through the hash reach built. */
static int gc_model_lookup(const struct gc_model *m, u64 h)
{
	unsigned int k = gc_model_slot(m, h);

	for (; m->hash[k]; k = (k + 1) & (m->hash_size - 1))
		if (m->o[m->hash[k] - 1].h == h)
			return (int)m->hash[k] - 1;
	return -1;
}

/* Mark the object @h names, if it is one, and put it on the stack. */
static void gc_model_shade(struct gc_model *m, u64 h, unsigned int *sp)
{
	int i = gc_model_lookup(m, h);

	if (i < 0 || m->o[i].reached)
		return;
	m->o[i].reached = true;
	m->work[(*sp)++] = (unsigned int)i;
}

/**
 * gc_model_reach() - what the roots reach now
 * @m: the model
 *
 * Sets &gc_model_obj.reached on every object reachable from a root slot,
 * a handle on a scope, or a pinned or held object, through the words the
 * types say are references.
 *
 * Return: the number of objects reachable.
 */
unsigned int gc_model_reach(struct gc_model *m)
{
	unsigned int i, k, sp = 0, reached = 0;

	memset(m->hash, 0, m->hash_size * sizeof(*m->hash));
	for (i = 0; i < m->n; i++) {
		m->o[i].reached = false;
		for (k = gc_model_slot(m, m->o[i].h); m->hash[k];
		     k = (k + 1) & (m->hash_size - 1))
			;
		m->hash[k] = i + 1;
	}
	for (i = 0; i < m->nroots; i++)
		gc_model_shade(m, m->roots[i], &sp);
	for (i = 0; i < GC_MODEL_SCOPES; i++)
		for (k = 0; k < m->scopes[i].depth; k++)
			gc_model_shade(m, m->scopes[i].slots[k], &sp);
	for (i = 0; i < m->n; i++)
		if (m->o[i].fixed)
			gc_model_shade(m, m->o[i].h, &sp);
	while (sp) {
		unsigned int j = m->work[--sp];
		size_t w;

		reached++;
		for (w = 0; w < m->o[j].size / 8; w++)
			if (gc_model_is_ref(m, j, w))
				gc_model_shade(m, gc_model_word(m, j, w), &sp);
	}
	return reached;
}

/**
 * gc_model_finalized() - the finaliser ran for an object
 * @m: the model
 * @h: the handle it was given
 *
 * Return: the object's index (its &gc_model_obj.finalized counts the
 * runs), or -1 if the model has no such object.
 */
int gc_model_finalized(struct gc_model *m, u64 h)
{
	int i = gc_model_find(m, h);

	if (i >= 0)
		m->o[i].finalized++;
	return i;
}
