// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ckremm table pool: checking the structure, and walking it.
 *
 * t_pool_validate() checks everything the pool keeps outside its arena
 * against everything else: the runs in address order, the spare nodes,
 * the region table and the free index, and the totals of the statistics.
 * t_pool_walk() reports the runs.  Both hold the lock for a bounded number
 * of runs at a time (TP_CHECK_NODES, or the caller's room) and drop it in
 * between, so that they can be called on a busy pool; the check starts
 * over when the pool changes under it.
 */

#include "t_pool_internal.h"

static int tp_fault(struct t_pool_fault *f, u32 off, const char *reason)
{
	if (f) {
		f->offset = tp_bytes(off);
		f->reason = reason;
	}
	return -EUCLEAN;
}

/*
 * A stepped whole-pool check: runs, then spare nodes, then regions, then
 * the index.
 */
struct tp_check {
	int phase;
	u32 n;			/* next run, spare node or region */
	u32 prev;
	u32 off;
	bool prev_free;
	size_t nodes;
	size_t runs;
	size_t used;
	size_t used_blocks;
	size_t free_runs;
	size_t pinned;
	struct ckremm_sf_check index;
};

/* The first run that starts in a region must be the region's. */
static bool tp_region_ok(const struct t_pool *pool, const struct tp_check *c)
{
	bool first = c->prev == TP_NIL ||
		     tp_seg(pool, c->prev)->off >> TP_REGION_SHIFT !=
		     c->off >> TP_REGION_SHIFT;

	return !first || *tp_region_of(pool, c->off) == c->n;
}

/* Look at up to @budget runs; 1 when they are all checked. */
static int tp_check_runs(struct t_pool *pool, struct tp_check *c,
			 struct t_pool_fault *f, unsigned int *budget)
{
	for (; c->n != TP_NIL && *budget; (*budget)--) {
		const struct tp_seg *s;
		u32 state, end;

		if (!tp_node_exists(pool, c->n) ||
		    ++c->runs > (size_t)pool->chunks * TP_CHUNK_NODES)
			return tp_fault(f, c->off, "run list leads astray");
		s = tp_seg(pool, c->n);
		state = tp_state(s);
		if (s->next != TP_NIL && !tp_node_exists(pool, s->next))
			return tp_fault(f, c->off, "run list leads astray");
		end = tp_end(pool, s);
		if (tp_prev(s) != c->prev || s->off != c->off ||
		    end <= s->off || end > pool->arena_units ||
		    state == TP_SPARE)
			return tp_fault(f, c->off, "run does not follow the one before it");
		if (!tp_region_ok(pool, c))
			return tp_fault(f, c->off, "run missing from the region table");
		if (state == TP_HOLE) {
			if (pool->move.hole != c->n || s->next != pool->move.seg)
				return tp_fault(f, c->off, "hole without a block moving into it");
		} else if (state == TP_USED) {
			c->used += end - s->off;
			c->used_blocks++;
			c->pinned += !!s->pins;
		} else {
			if (c->prev_free)
				return tp_fault(f, c->off, "two adjacent free runs");
			c->free_runs++;
		}
		c->prev_free = state == TP_FREE;
		c->prev = c->n;
		c->off = end;
		c->n = s->next;
	}
	/* The last run ends where the arena does: its end is the arena's. */
	if (c->n != TP_NIL)
		return 0;
	if (c->used != pool->used_units ||
	    c->used_blocks + tp_out_blocks(pool) != pool->used_blocks ||
	    c->free_runs != pool->free_blocks || c->pinned != pool->pinned_blocks)
		return tp_fault(f, 0, "counts disagree with the statistics");
	return 1;
}

/* Look at up to @budget spare nodes; 1 when they are all checked. */
static int tp_check_spares(struct t_pool *pool, struct tp_check *c,
			   struct t_pool_fault *f, unsigned int *budget)
{
	for (; c->n != TP_NIL && *budget; (*budget)--) {
		if (!tp_node_exists(pool, c->n) ||
		    ++c->nodes > (size_t)pool->chunks * TP_CHUNK_NODES ||
		    tp_state(tp_seg(pool, c->n)) != TP_SPARE)
			return tp_fault(f, 0, "spare node list broken");
		c->n = tp_seg(pool, c->n)->link_next;
	}
	if (c->n != TP_NIL)
		return 0;
	if (c->nodes + c->runs + tp_out_nodes(pool) !=
	    (size_t)pool->chunks * TP_CHUNK_NODES)
		return tp_fault(f, 0, "nodes lost");
	return 1;
}

/*
 * Look at up to @budget regions; 1 when they are all checked.  Each names
 * no run, or a run that starts in it after one that does not.
 */
static int tp_check_regions(struct t_pool *pool, struct tp_check *c,
			    struct t_pool_fault *f, unsigned int *budget)
{
	for (; c->n < pool->regions && *budget; (*budget)--, c->n++) {
		u32 n = pool->region[c->n], prev;
		const struct tp_seg *s;

		if (n == TP_NIL)
			continue;
		s = tp_node_exists(pool, n) ? tp_seg(pool, n) : NULL;
		prev = s ? tp_prev(s) : TP_NIL;
		if (!s || tp_state(s) == TP_SPARE ||
		    s->off >> TP_REGION_SHIFT != c->n ||
		    (prev != TP_NIL &&
		     tp_seg(pool, prev)->off >> TP_REGION_SHIFT == c->n))
			return tp_fault(f, c->n << TP_REGION_SHIFT,
					"region table names a wrong run");
	}
	return c->n == pool->regions;
}

static bool tp_check_run(const void *p, u32 n, struct ckremm_sf_run *r)
{
	const struct t_pool *pool = p;
	const struct tp_seg *s;

	if (!tp_node_exists(pool, n))
		return false;
	s = tp_seg(pool, n);
	if (!tp_is_free(s) || (s->next != TP_NIL && !tp_node_exists(pool, s->next)))
		return false;
	r->units = tp_units(pool, s);
	r->next = s->link_next;
	r->prev = s->link_prev;
	return true;
}

/* One step of a check; 1 when complete. */
static int tp_check_step(struct t_pool *pool, struct tp_check *c,
			 struct t_pool_fault *f)
{
	unsigned int budget = TP_CHECK_NODES;
	const char *why;
	u32 where;
	int ret;

	if (c->phase == 0) {
		ret = tp_check_runs(pool, c, f, &budget);
		if (ret <= 0)
			return ret;
		c->phase = 1;
		c->n = pool->spare;
	}
	if (c->phase == 1) {
		ret = tp_check_spares(pool, c, f, &budget);
		if (ret <= 0)
			return ret;
		c->phase = 2;
		c->n = 0;
	}
	if (c->phase == 2) {
		ret = tp_check_regions(pool, c, f, &budget);
		if (ret <= 0)
			return ret;
		c->phase = 3;
	}
	ret = ckremm_sf_check_step(&pool->index, &c->index, c->free_runs,
				   &budget, tp_check_run, pool, &why, &where);
	if (ret < 0)
		return tp_fault(f, where == TP_NIL || !tp_node_exists(pool, where) ?
				0 : tp_seg(pool, where)->off, why);
	return ret;
}

/* What one t_pool_validate() carries from step to step. */
struct tp_validate {
	struct t_pool *pool;
	struct t_pool_fault *fault;
	struct tp_check c;
};

/* One step of t_pool_validate(), pool lock held: see ckremm_locked_pass(). */
static int tp_validate_step(void *arg, bool restart)
{
	struct tp_validate *v = arg;

	if (restart) {
		memset(&v->c, 0, sizeof(v->c));
		v->c.n = v->pool->first;
		v->c.prev = TP_NIL;
	}
	return tp_check_step(v->pool, &v->c, v->fault);
}

/**
 * t_pool_validate() - check the whole structure of a pool
 * @pool: the pool
 * @fault: if not NULL, receives the first inconsistency found
 *
 * Walks the runs (they must tile the arena in order, be found through the
 * region table and never leave two free runs side by side), the spare
 * nodes (with the runs they must make up every node of every chunk), the
 * region table and the free index, and compares the totals with the
 * statistics.  O(blocks + chunks + arena / 4 KiB), in steps of
 * TP_CHECK_NODES with the lock dropped between them; a change to the pool
 * between two steps starts the check again, so the result is that of one
 * consistent state.  Valid in the middle of a reorder pass too.  Meant
 * for tests and debugging.
 *
 * Context: Any context; takes the pool lock with interrupts disabled, once
 * per step.
 * Return: 0 if consistent, -EUCLEAN if not, -EBUSY if the pool changed
 * under every one of TP_CHECK_TRIES attempts, -EINVAL if @pool is NULL.
 */
int t_pool_validate(struct t_pool *pool, struct t_pool_fault *fault)
{
	struct tp_validate v = { .pool = pool, .fault = fault };

	if (!pool)
		return -EINVAL;
	return ckremm_locked_pass(&pool->lock, &pool->seq, TP_CHECK_TRIES,
				  fault ? &fault->reason : NULL,
				  tp_validate_step, &v);
}
EXPORT_SYMBOL_NS_GPL(t_pool_validate, CKREMM_NS);

/*
 * The run containing byte @pos (or the first after it), pool lock held on
 * entry and on return.  A run that starts at @pos is found through the
 * region table; anything else is sought from the bottom of the arena in
 * steps of TP_CHECK_NODES, the lock dropped between them.
 */
static u32 tp_seek(struct t_pool *pool, size_t pos, unsigned long *flags)
{
	unsigned int tries = 0, i;
	u32 n, seq;

	if (!(pos & (TP_GRANULE - 1)) && pos < pool->arena_size) {
		n = tp_find_start(pool, (u32)(pos >> TP_SHIFT));
		if (n != TP_NIL)
			return n;
	}
	n = pool->first;
	for (;;) {
		for (i = 0; i < TP_CHECK_NODES; i++) {
			if (n == TP_NIL ||
			    tp_bytes(tp_end(pool, tp_seg(pool, n))) > pos)
				return n;
			n = tp_seg(pool, n)->next;
		}
		seq = pool->seq;
		ckremm_unlock(&pool->lock, *flags);
		*flags = ckremm_lock(&pool->lock);
		/* The runs changed: our node may be gone; start again. */
		if (pool->seq != seq)
			n = tries++ < TP_CHECK_TRIES ? pool->first : TP_NIL;
	}
}

/**
 * t_pool_walk() - report the runs of a pool in address order
 * @pool: the pool
 * @cursor: 0 to start; on return, where to continue (the arena size once
 *	the walk has reached the end)
 * @out: receives up to @max extents
 * @max: room in @out
 *
 * The walk starts at the run that contains @cursor.  It holds the lock for
 * at most @max runs, plus the search for @cursor when it is not the start
 * of a run, which proceeds in steps (see tp_seek()).  A block in transit
 * is shown where its move began.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the number of extents written.
 */
unsigned int t_pool_walk(struct t_pool *pool, size_t *cursor,
			 struct t_pool_extent *out, unsigned int max)
{
	unsigned long flags;
	unsigned int i = 0;
	u32 n;

	if (!pool || !cursor || !out)
		return 0;
	flags = ckremm_lock(&pool->lock);
	for (n = tp_seek(pool, *cursor, &flags); n != TP_NIL && i < max;
	     n = tp_seg(pool, n)->next, i++) {
		const struct tp_seg *s = tp_seg(pool, n);
		bool used = tp_is_used(s);

		out[i].offset = tp_bytes(s->off);
		out[i].size = tp_bytes(tp_units(pool, s));
		out[i].handle = used ? tp_handle(pool, n) : T_POOL_NO_HANDLE;
		out[i].pinned = used && s->pins;
	}
	*cursor = n != TP_NIL ? tp_bytes(tp_seg(pool, n)->off) : pool->arena_size;
	ckremm_unlock(&pool->lock, flags);
	return i;
}
EXPORT_SYMBOL_NS_GPL(t_pool_walk, CKREMM_NS);
