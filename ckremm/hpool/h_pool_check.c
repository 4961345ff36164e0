// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ckremm header pool: the code that walks the arena.  h_pool_validate()
 * checks the whole structure, reorder_h_mem() merges and refiles free
 * blocks, h_pool_walk() reports blocks in address order; each works in
 * steps of HP_STEP_BLOCKS blocks per hold of the lock.  The allocator
 * itself is h_pool.c, which describes the design.
 */

#include "h_pool_internal.h"

static int hp_fault(struct h_pool_fault *f, u32 off, const char *reason)
{
	if (f) {
		f->offset = (size_t)off << HP_GRANULE_SHIFT;
		f->reason = reason;
	}
	return -EUCLEAN;
}

/*
 * A whole-pool check in steps: what one step leaves for the next.  The
 * blocks are walked first, then the free index class by class, then the
 * front cache.
 */
struct hp_check {
	u32 off;		/* next block to look at */
	u32 prev_units;
	bool prev_free;
	size_t used;
	size_t used_blocks;
	size_t free_blocks;
	size_t cached_blocks;
	struct ckremm_sf_check index;
	u32 cache_size;		/* the size of the front cache being looked at */
	u32 cache_entry;	/* and its next entry */
	size_t cache_seen;
};

/* Look at up to @budget blocks; 1 when the check is complete. */
static int hp_check_blocks(struct h_pool *pool, struct hp_check *c,
			   struct h_pool_fault *f, unsigned int *budget)
{
	while (c->off < pool->arena_units && *budget) {
		const struct hp_hdr *h = hp_hdr(pool, c->off);
		bool is_free = h->flags & HP_FREE;

		if (!hp_hdr_own(pool, c->off))
			return hp_fault(f, c->off, "damaged block header");
		if (h->prev_units != c->prev_units)
			return hp_fault(f, c->off, "header disagrees with the block before it");
		if (h->flags & ~HP_KNOWN_FLAGS)
			return hp_fault(f, c->off, "unknown flags in block header");
		if (is_free && (h->flags & (HP_HOLDS | HP_WRITER_WAITS)))
			return hp_fault(f, c->off, "free block held");
		if ((h->flags & HP_HELD_ALONE) && (h->flags & HP_READERS_MASK))
			return hp_fault(f, c->off, "block held alone and shared at once");
		if ((h->flags & HP_WRITER_WAITS) && !(h->flags & HP_READERS_MASK))
			return hp_fault(f, c->off, "block waits for readers it does not have");
		if (is_free && c->prev_free)
			return hp_fault(f, c->off, "two adjacent free blocks");
		if (is_free) {
			c->free_blocks++;
		} else {
			c->used += h->units;
			c->used_blocks++;
			c->cached_blocks += !!(h->flags & HP_CACHED);
		}
		c->prev_free = is_free;
		c->prev_units = h->units;
		c->off += h->units;
		(*budget)--;
	}
	if (c->off < pool->arena_units)
		return 0;
	if (c->used != pool->used_units || c->used_blocks != pool->used_blocks ||
	    c->free_blocks != pool->free_blocks ||
	    c->cached_blocks != pool->cached_blocks)
		return hp_fault(f, 0, "block counts disagree with the statistics");
	return 1;
}

/*
 * Check the front cache, up to @budget entries: each names a cached block
 * of its list's size, and the lists hold exactly the cached blocks the
 * walk counted (so no block is listed twice).  1 when complete.
 */
static int hp_check_cache(struct h_pool *pool, struct hp_check *c,
			  struct h_pool_fault *f, unsigned int *budget)
{
	u32 off, size;

	while (c->cache_size < pool->cache_sizes && *budget) {
		size = c->cache_size;
		(*budget)--;
		if (pool->cache_count[size] > HP_CACHE_DEPTH)
			return hp_fault(f, 0, "front cache list overfull");
		if (c->cache_entry == pool->cache_count[size]) {
			c->cache_entry = 0;
			c->cache_size++;
			continue;
		}
		off = pool->cache[size * HP_CACHE_DEPTH + c->cache_entry++];
		if (off > pool->arena_units - HP_MIN_UNITS ||
		    !hp_hdr_own(pool, off) ||
		    !(hp_hdr(pool, off)->flags & HP_CACHED) ||
		    hp_hdr(pool, off)->units != size + HP_MIN_UNITS)
			return hp_fault(f, off > pool->arena_units ? 0 : off,
					"front cache names a block that is not cached");
		c->cache_seen++;
	}
	if (c->cache_size < pool->cache_sizes)
		return 0;
	if (c->cache_seen != pool->cached_blocks)
		return hp_fault(f, 0, "front cache lists disagree with the blocks");
	return 1;
}

/* A free block as the index check wants to see it; false if it is not. */
static bool hp_check_run(const void *p, u32 off, struct ckremm_sf_run *r)
{
	const struct h_pool *pool = p;

	if (off > pool->arena_units - HP_MIN_UNITS || !hp_hdr_sane(pool, off) ||
	    !hp_is_free(pool, off))
		return false;
	r->units = hp_hdr(pool, off)->units;
	r->next = hp_next(pool, off);
	r->prev = hp_prev(pool, off);
	return true;
}

static int hp_check_index(struct h_pool *pool, struct hp_check *c,
			  struct h_pool_fault *f, unsigned int *budget)
{
	const char *why;
	u32 where;
	int ret;

	ret = ckremm_sf_check_step(&pool->index, &c->index, c->free_blocks,
				   budget, hp_check_run, pool, &why, &where);
	if (ret < 0)
		return hp_fault(f, where == HP_NIL ? 0 : where, why);
	return ret;
}

/* What one h_pool_validate() carries from step to step. */
struct hp_validate {
	struct h_pool *pool;
	struct h_pool_fault *fault;
	struct hp_check c;
};

/* One step of h_pool_validate(), pool lock held: see ckremm_locked_pass(). */
static int hp_validate_step(void *arg, bool restart)
{
	struct hp_validate *v = arg;
	unsigned int budget = HP_STEP_BLOCKS;
	int ret;

	if (restart)
		memset(&v->c, 0, sizeof(v->c));
	ret = hp_check_blocks(v->pool, &v->c, v->fault, &budget);
	if (ret > 0)
		ret = hp_check_index(v->pool, &v->c, v->fault, &budget);
	if (ret > 0)
		ret = hp_check_cache(v->pool, &v->c, v->fault, &budget);
	return ret;
}

/**
 * h_pool_validate() - check the whole structure of a pool
 * @pool: the pool
 * @fault: if not NULL, receives the first inconsistency found
 *
 * Walks every block header (checksums or flags, sizes, neighbour links, no two
 * adjacent free blocks), every free list (bitmaps, size classes, back
 * links, counts) and the front cache, and compares the totals with the
 * statistics.  O(blocks),
 * in steps of HP_STEP_BLOCKS with the lock dropped between them; a change
 * to the pool between two steps starts the check again, so the result is
 * that of one consistent state.  Meant for tests and debugging.
 *
 * Context: Any context; takes the pool lock with interrupts disabled, once
 * per step.
 * Return: 0 if consistent, -EUCLEAN if not, -EBUSY if the pool changed
 * under every one of HP_CHECK_TRIES attempts, -EINVAL if @pool is NULL.
 */
int h_pool_validate(struct h_pool *pool, struct h_pool_fault *fault)
{
	struct hp_validate v = { .pool = pool, .fault = fault };

	if (!pool)
		return -EINVAL;
	return ckremm_locked_pass(&pool->lock, &pool->seq, HP_CHECK_TRIES,
				  fault ? &fault->reason : NULL,
				  hp_validate_step, &v);
}
EXPORT_SYMBOL_NS_GPL(h_pool_validate, CKREMM_NS);

/*
 * Take free block @off out of the index, absorb any free blocks after it,
 * and file it again at the head of its class.
 */
static void hp_refile(struct h_pool *pool, u32 off)
{
	u32 prev_units = hp_hdr(pool, off)->prev_units;
	u32 units = hp_hdr(pool, off)->units, more;

	hp_remove(pool, off);
	while ((more = hp_absorb_next(pool, off + units)))
		units += more;
	hp_set(pool, off, prev_units, units, HP_FREE);
	hp_set_back(pool, off + units, units, false);
	hp_insert(pool, off);
	pool->seq++;
}

/**
 * reorder_h_mem() - merge adjacent free chunks and rebuild the free index
 * @pool: the pool
 *
 * Walks the blocks from the top of the arena down, merging every run of
 * adjacent free blocks into one block (frees already merge at once, so a
 * pool driven only through this API has none: the guarantee does not rest
 * on that) and filing each free block again at the head of its class, so
 * that every free list ends up in address order and the allocations that
 * follow take the lowest addresses first.  Used blocks never move.  Blocks
 * waiting in a front cache are merged first.
 *
 * O(blocks), in steps of HP_STEP_BLOCKS with the lock dropped between
 * them.  If the block the walk was to go on from is merged away meanwhile,
 * the walk starts again from the top, at most HP_CHECK_TRIES times; the
 * index is valid after every step, only its order is best effort then.
 * The walk stops at the first header that does not check out.
 *
 * Context: Any context; takes the pool lock with interrupts disabled, once
 * per step.
 * Return: true, or false if @pool is NULL or a damaged header was found.
 */
bool reorder_h_mem(struct h_pool *pool)
{
	unsigned int tries = 0, n;
	unsigned long flags;
	u32 off = HP_NIL;

	if (!pool)
		return false;
	/* Cached blocks merge like any others. */
	flags = ckremm_lock(&pool->lock);
	hp_cache_flush(pool, &flags);
	ckremm_unlock(&pool->lock, flags);
	for (;;) {
		flags = ckremm_lock(&pool->lock);
		if (off == HP_NIL || !hp_hdr_sane(pool, off)) {
			if (tries++ == HP_CHECK_TRIES)
				break;
			off = pool->last;
		}
		for (n = 0; n < HP_STEP_BLOCKS; n++) {
			if (!hp_hdr_sane(pool, off)) {
				ckremm_warn("h_pool: reorder stopped at a damaged header at offset %zu\n",
					    (size_t)off << HP_GRANULE_SHIFT);
				ckremm_unlock(&pool->lock, flags);
				return false;
			}
			if (hp_is_free(pool, off))
				hp_refile(pool, off);
			if (!off)
				goto out;
			off -= hp_hdr(pool, off)->prev_units;
		}
		ckremm_unlock(&pool->lock, flags);
	}
out:
	ckremm_unlock(&pool->lock, flags);
	return true;
}
EXPORT_SYMBOL_NS_GPL(reorder_h_mem, CKREMM_NS);

/*
 * First block at or after @want, found from the bottom of the arena in
 * steps (pool lock held on entry and on return, dropped between steps).
 * Stops early at a damaged header, which then ends the walk.
 */
static u32 hp_seek(struct h_pool *pool, u32 want, unsigned long *flags)
{
	unsigned int tries = 0, n;
	u32 off = 0;

	for (;;) {
		for (n = 0; n < HP_STEP_BLOCKS; n++) {
			if (off >= want || off >= pool->arena_units ||
			    !hp_hdr_sane(pool, off))
				return off;
			off += hp_hdr(pool, off)->units;
		}
		ckremm_unlock(&pool->lock, *flags);
		*flags = ckremm_lock(&pool->lock);
		/* Lost our place to a merge: start again, a bounded number of times. */
		if (off < pool->arena_units && !hp_hdr_sane(pool, off))
			off = tries++ < HP_CHECK_TRIES ? 0 : pool->arena_units;
	}
}

/**
 * h_pool_walk() - report the blocks of a pool in address order
 * @pool: the pool
 * @cursor: 0 to start; on return, where to continue (the arena size once
 *	the walk has reached the end)
 * @out: receives up to @max extents
 * @max: room in @out
 *
 * Each call holds the lock for at most @max blocks.  If the block at
 * @cursor has gone (merged away by a free since the last call), the walk
 * resumes at the first block at or after @cursor, found from the start of
 * the arena in steps of HP_STEP_BLOCKS with the lock dropped between them.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the number of extents written.
 */
unsigned int h_pool_walk(struct h_pool *pool, size_t *cursor,
			 struct h_pool_extent *out, unsigned int max)
{
	unsigned long flags;
	unsigned int n = 0;
	u32 off;

	if (!pool || !cursor || !out)
		return 0;
	flags = ckremm_lock(&pool->lock);
	if (*cursor >= pool->arena_size) {
		*cursor = pool->arena_size;
		goto out;
	}
	off = (u32)(*cursor >> HP_GRANULE_SHIFT);
	if ((*cursor & (HP_GRANULE - 1)) || !hp_hdr_sane(pool, off))
		off = hp_seek(pool, off + !!(*cursor & (HP_GRANULE - 1)), &flags);
	/* A damaged header ends the walk: its size cannot be trusted. */
	for (; off < pool->arena_units && n < max && hp_hdr_sane(pool, off);
	     off += hp_hdr(pool, off)->units, n++) {
		out[n].offset = (size_t)off << HP_GRANULE_SHIFT;
		out[n].size = (size_t)hp_hdr(pool, off)->units << HP_GRANULE_SHIFT;
		out[n].used = !hp_is_free(pool, off);
	}
	*cursor = off < pool->arena_units && hp_hdr_sane(pool, off) ?
		  (size_t)off << HP_GRANULE_SHIFT : pool->arena_size;
out:
	ckremm_unlock(&pool->lock, flags);
	return n;
}
EXPORT_SYMBOL_NS_GPL(h_pool_walk, CKREMM_NS);
