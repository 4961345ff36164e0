// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ckremm table pool: moving blocks.
 *
 * Compaction
 * ----------
 * reorder_t_mem() slides used blocks towards the start of the arena.  A
 * pass keeps a cursor; each step finds the next free run F from the
 * cursor and moves the used block U just after it down into F, so that U
 * starts where F did and F moves up behind U, where it merges with any
 * free run after it.  With no pins, one pass leaves every used block at
 * the bottom and all free space as one run at the top.  A pinned block is
 * not moved: the pass steps over it, leaving the free run in front of it
 * until it is unpinned.
 *
 * A step copies at most a budget of bytes (t_pool_set_step(), by default
 * CKREMM_STEP_BYTES) with the lock held and then drops the lock, so
 * allocations, frees and accesses from other CPUs interleave with a
 * compaction.  A block larger than the budget moves over several steps;
 * while it is in transit its first bytes are at the new place and the rest
 * at the old one, and every access through the pool maps each byte to
 * where it is.  Freeing a block in transit simply ends its move; pinning
 * it, or asking where it is, completes the move first, a step at a time.
 *
 * The nodes, the free index and the regions are explained at the top of
 * t_pool.c.
 */

#include "t_pool_internal.h"

/*
 * Address of byte @pos of block @n and how many bytes from there are
 * contiguous; a block in transit is in two pieces.
 */
u8 *tp_byte(const struct t_pool *pool, u32 n, size_t pos,
	    size_t *contig)
{
	const struct tp_seg *s = tp_seg(pool, n);
	size_t size = tp_bytes(tp_units(pool, s));

	if (pool->move.seg == n) {
		size_t done = pool->move.done;
		u32 dst = tp_seg(pool, pool->move.hole)->off;

		if (pos < done) {
			*contig = done - pos;
			return tp_addr_of(pool, dst) + pos;
		}
	}
	*contig = size - pos;
	return tp_addr_of(pool, s->off) + pos;
}

/* The move is complete: swap block and hole, merge the hole upwards. */
static void tp_finish_move(struct t_pool *pool)
{
	u32 n = pool->move.seg, h = pool->move.hole;
	struct tp_seg *s = tp_seg(pool, n), *hole = tp_seg(pool, h);
	u32 units = tp_units(pool, s), *r = tp_region_of(pool, hole->off);
	u32 next;

	/* Address order [prev, hole, s, next] becomes [prev, s, hole, next]. */
	tp_region_del(pool, n, s);
	if (*r == h)
		*r = n;
	tp_unlink(pool, h, hole);
	s->off = hole->off;
	hole->off = s->off + units;
	tp_link_after(pool, n, s, h, hole);
	tp_region_add(pool, h, hole);
	tp_set_state(hole, TP_FREE);
	pool->move.seg = TP_NIL;
	pool->move.hole = TP_NIL;
	pool->seq++;

	next = hole->next;
	if (next != TP_NIL && tp_is_free(tp_seg(pool, next))) {
		struct tp_seg *nx = tp_seg(pool, next);

		tp_index_remove(pool, nx, tp_units(pool, nx));
		tp_unlink(pool, next, nx);
		tp_node_put(pool, next, nx, h);
	}
	tp_index_insert(pool, h, hole, tp_units(pool, hole));
}

/* Copy up to @budget more bytes of the block in transit.  Returns bytes. */
size_t tp_move_some(struct t_pool *pool, size_t budget)
{
	struct tp_seg *s = tp_seg(pool, pool->move.seg);
	size_t size = tp_bytes(tp_units(pool, s));
	size_t n = size - pool->move.done;
	u8 *dst = tp_addr_of(pool, tp_seg(pool, pool->move.hole)->off);

	if (n > budget)
		n = budget;
	memmove(dst + pool->move.done,
		tp_addr_of(pool, s->off) + pool->move.done, n);
	pool->move.done += n;
	pool->bytes_moved += n;
	if (pool->move.done == size)
		tp_finish_move(pool);
	return n;
}

/*
 * tp_lookup(), and if the block is in transit, finish its move a step at
 * a time with the lock dropped between steps (held on entry and return).
 * Returns TP_NIL if the handle is dead, or dies while the lock is dropped.
 */
u32 tp_lookup_settled(struct t_pool *pool, u64 handle,
		      unsigned long *flags)
{
	u32 n = tp_lookup(pool, handle);

	while (n != TP_NIL && pool->move.seg == n) {
		tp_move_some(pool, pool->step_bytes);
		if (pool->move.seg != n)
			break;
		ckremm_unlock(&pool->lock, *flags);
		*flags = ckremm_lock(&pool->lock);
		n = tp_find(pool, handle);
	}
	return n;
}

/*
 * A held block in transit is moved the rest of the way, a step at a time
 * with the lock dropped between steps (held on entry and return); being
 * held, it neither dies nor starts another move meanwhile.
 */
void tp_settle(struct t_pool *pool, u32 n, unsigned long *flags)
{
	while (pool->move.seg == n) {
		tp_move_some(pool, pool->step_bytes);
		if (pool->move.seg != n)
			break;
		ckremm_unlock(&pool->lock, *flags);
		*flags = ckremm_lock(&pool->lock);
	}
}

/**
 * t_pool_set_step() - bound the bytes a reorder moves per lock hold
 * @pool: the pool
 * @bytes: bytes per step; 0 restores CKREMM_STEP_BYTES; at most
 *	T_POOL_STEP_MAX (larger values are clamped)
 *
 * Smaller steps shorten the time interrupts are off on this CPU and other
 * CPUs wait for the lock; larger steps make a reorder cheaper in total.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 */
void t_pool_set_step(struct t_pool *pool, size_t bytes)
{
	unsigned long flags;

	if (!pool)
		return;
	flags = ckremm_lock(&pool->lock);
	pool->step_bytes = !bytes ? CKREMM_STEP_BYTES :
			   bytes > T_POOL_STEP_MAX ? T_POOL_STEP_MAX : bytes;
	ckremm_unlock(&pool->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(t_pool_set_step, CKREMM_NS);

/*
 * One step of a reorder pass: move at most @budget bytes and look at most
 * TP_STEP_NODES segments, adding what it moved to @res.  Returns true
 * while the pass has more to do.
 */
static bool tp_reorder_step_locked(struct t_pool *pool, size_t budget,
				   struct t_pool_reorder_result *res)
{
	unsigned int nodes = TP_STEP_NODES;
	struct tp_seg *hs;

	if (pool->cursor == TP_NIL)
		pool->cursor = pool->first;
	while (budget && nodes) {
		u32 hole, n;

		if (pool->move.seg != TP_NIL) {
			size_t moved = tp_move_some(pool, budget);

			budget -= moved;
			res->bytes_moved += moved;
			continue;
		}
		/* Next free run from the cursor. */
		for (hole = pool->cursor; hole != TP_NIL && nodes &&
		     !tp_is_free(tp_seg(pool, hole)); nodes--)
			hole = tp_seg(pool, hole)->next;
		pool->cursor = hole;
		if (hole == TP_NIL)
			goto done;
		if (!nodes)
			break;
		n = tp_seg(pool, hole)->next;
		if (n == TP_NIL)
			goto done;

		nodes--;
		if (tp_is_fixed(pool, n)) {
			pool->cursor = n;	/* step over the pinned block */
			continue;
		}
		hs = tp_seg(pool, hole);
		tp_index_remove(pool, hs, tp_units(pool, hs));
		tp_set_state(hs, TP_HOLE);
		pool->seq++;
		pool->move.seg = n;
		pool->move.hole = hole;
		pool->move.done = 0;
		res->blocks_moved++;
	}
	return true;

done:
	pool->cursor = TP_NIL;
	pool->reorders++;
	return false;
}

static void tp_reorder_result(struct t_pool *pool,
			      struct t_pool_reorder_result *res)
{
	res->largest_free = tp_largest_free(pool);
	res->free_blocks = pool->free_blocks;
}

/**
 * t_pool_reorder_step() - run one bounded step of a reorder pass
 * @pool: the pool
 * @budget: most bytes to move in this step; 0 for the pool's step size;
 *	clamped to T_POOL_STEP_MAX
 * @res: if not NULL, bytes and blocks moved are added to it and the free
 *	figures after the step are stored
 *
 * For callers that want to spread a compaction out themselves, e.g. one
 * step per timer tick.  Several callers may step the same pass.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 1 while the pass has more to do, 0 when it has ended, -EINVAL if
 * @pool is NULL.
 */
int t_pool_reorder_step(struct t_pool *pool, size_t budget,
			struct t_pool_reorder_result *res)
{
	struct t_pool_reorder_result step = { 0 };
	unsigned long flags;
	bool more;

	if (!pool)
		return -EINVAL;
	if (!budget)
		budget = pool->step_bytes;
	else if (budget > T_POOL_STEP_MAX)
		budget = T_POOL_STEP_MAX;
	flags = ckremm_lock(&pool->lock);
	more = tp_reorder_step_locked(pool, budget, &step);
	tp_reorder_result(pool, &step);
	ckremm_unlock(&pool->lock, flags);
	if (res) {
		res->bytes_moved += step.bytes_moved;
		res->blocks_moved += step.blocks_moved;
		res->largest_free = step.largest_free;
		res->free_blocks = step.free_blocks;
	}
	ckremm_trace_reorder_step(pool->label, step.blocks_moved,
				  step.bytes_moved, more, step.largest_free);
	return more;
}
EXPORT_SYMBOL_NS_GPL(t_pool_reorder_step, CKREMM_NS);

/**
 * t_pool_reorder() - compact a pool: one whole reorder pass
 * @pool: the pool
 * @res: if not NULL, zeroed and then filled with what the pass did
 *
 * Runs steps of the pool's step size, dropping the lock between them,
 * from the bottom of the arena (a stepped pass under way is restarted).
 * With no pins and no concurrent allocations, all free space ends as one
 * run at the top of the arena, as large as the free byte count.  Contents
 * are preserved byte for byte; handles stay valid, addresses of unpinned
 * blocks do not.
 *
 * Context: Any context; takes the pool lock with interrupts disabled, once
 * per step.  O(blocks + bytes moved).
 * Return: 0, or -EINVAL if @pool is NULL.
 */
int t_pool_reorder(struct t_pool *pool, struct t_pool_reorder_result *res)
{
	unsigned long flags;
	int ret;

	if (res)
		memset(res, 0, sizeof(*res));
	if (!pool)
		return -EINVAL;
	/*
	 * Start over from the bottom of the arena even if a stepped pass is
	 * under way: holes may have opened behind its cursor.
	 */
	flags = ckremm_lock(&pool->lock);
	pool->cursor = pool->first;
	ckremm_unlock(&pool->lock, flags);
	do
		ret = t_pool_reorder_step(pool, 0, res);
	while (ret > 0);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(t_pool_reorder, CKREMM_NS);

/**
 * reorder_t_mem() - compact a pool (the seed's call)
 * @pool: the pool
 *
 * Same as t_pool_reorder().  Every address of an unpinned block obtained
 * before the call may be stale after it.
 *
 * Context: Any context; see t_pool_reorder().
 * Return: true, or false if @pool is NULL.
 */
bool reorder_t_mem(struct t_pool *pool)
{
	return !t_pool_reorder(pool, NULL);
}
EXPORT_SYMBOL_NS_GPL(reorder_t_mem, CKREMM_NS);
