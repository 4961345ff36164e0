// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ckremm paging: arena pages committed on demand and given back when quiet.
 *
 * What it keeps
 * -------------
 * A table pool's reorder gathers every free byte into one run at the top of
 * the arena, so which pages hold nothing is one number: the pool keeps a
 * committed mark (struct tp_paging in t_pool_internal.h).  Every page below
 * it is committed; pages above it, up to the arena's last whole page, may
 * have been given back to the port (ckremm_arena_purge()).  Every used
 * block ends at or below the mark, and so does the destination of a block
 * a reorder moves, which lies below the block itself, so that only an
 * allocation ever needs pages committed again: tp_pg_commit() raises the
 * mark, under the pool lock, before the block is placed
 * (ckremm_arena_commit(), which never sleeps).  Tracking costs one
 * comparison per allocation and a word per pool for the run at the top.
 *
 * Giving back
 * -----------
 * A purge step takes the lock, finds the free run at the top, lowers the
 * mark to the page above its front (plus what the caller keeps), at most
 * step_bytes at a time from the top down, and marks the pool as purging;
 * then it drops the lock and gives the pages to the port, and takes the
 * lock once more to clear the mark.  While a step is out, an allocation
 * that would need the pages above the mark fails as if the pool were full
 * (counted in t_pool_stats.commit_failures): it cannot wait for the step,
 * which may run on the same CPU it interrupted.  The window is one call of
 * the port's purge over at most step_bytes.
 *
 * The decay policy
 * ----------------
 * A pager is ticked by its environment at a steady period (a timer or a
 * work item in a kernel, a main loop elsewhere), whether or not the pool is
 * used, so that an idle pool gives memory back.  Time is counted in ticks
 * and divided into decay periods of decay_ticks.  At the start of a period
 * the pool's peak_end is set to the front of the free run at the top, and
 * every allocation raises it to the end of the block it placed.  At the
 * end of the period the pages above both the present front of that run
 * and peak_end have been free for the whole period, and only they go back:
 * a page goes back after at least decay_ticks and at most twice as many
 * ticks of being free.  Against thrashing:
 *
 *   keep_bytes    stay committed above the highest block, so a pool that
 *                 breathes by less than that commits and purges nothing;
 *   min_bytes     a purge that would give back less than this waits for a
 *                 later period (each purge is a system call, or a bank's
 *                 power cycle);
 *   decay_ticks   a pool that refills within a period gives back nothing,
 *                 as peak_end records that it reached its pages.
 *
 * With CKREMM_PAGING_REORDER a pool that has been quiet (no change but the
 * pager's own) for decay_ticks is also compacted, up to reorder_bytes per
 * tick, so that free space between blocks reaches the top and goes back a
 * period later.  A reorder moves unpinned blocks: only for pools whose
 * users hold handles, pins or the collector's objects, never addresses of
 * unpinned blocks.
 *
 * Where the arena moves (the Linux kernel)
 * ----------------------------------------
 * A port may change an arena's pages only by moving the arena to a new
 * address (CKREMM_ARENA_MOVES, see ckremm_port.h): the kernel exports no
 * call that changes one page of a live vmap(), so its arena is a view of
 * the port's pages that a purge or a commit replaces with a new one.
 * Such a step marks the pool as purging, builds the new view with the
 * lock dropped (it may sleep), installs it under the lock and lets the
 * port free the old view and the pages given back with the lock dropped
 * again.  The install moves every block's address, as a reorder does
 * (t_pool_stats.arena_moves counts it, and the pool's change count
 * moves), so it is made only while no block is pinned or held: else the
 * step is abandoned, its pages kept as they were, and counted
 * (ckremm_paging_result.abandoned); where a pin or hold is out when the
 * step begins, before any view is built.  A decay period's purge is then one
 * step, whatever step_bytes says: each step costs a view of the whole
 * arena.
 *
 * A page cannot be allocated under the pool's raw spinlock (PREEMPT_RT),
 * so there ckremm_arena_commit() succeeds only for pages committed ahead,
 * which the pool counts as committed already: an allocation beyond the
 * committed pages fails (commit_failures).  The pager commits ahead, in
 * process context, at every tick: keep_bytes above the highest block, and
 * twice as much after each tick that saw commit failures (halving back
 * after four decay periods without), which the decay policy then keeps
 * too.  ckremm_paging_commit_t() commits ahead at once, for a
 * process-context caller about to allocate.  Pools on a caller's arena
 * (t_pool_create_in()) are not paged there, and neither are header
 * pools, whose blocks are named by their addresses (-EOPNOTSUPP).
 *
 * Context
 * -------
 * A pager's calls are made by one caller at a time (its own fields are not
 * locked); each takes the pool lock per step, with the port's purge called
 * between steps with the lock dropped, so the port's purge decides the
 * context (a hosted madvise(), a board's RAM bank hook; process context
 * where the arena moves).  The pool may be used from any context
 * meanwhile.  Nothing here allocates but the port's moves.
 */

#include "../tpool/t_pool_internal.h"
#include "paging_internal.h"

#define PG_STEPS_PER_TICK	64

/* @bytes rounded up to a page; the last whole page for those beyond it. */
static size_t pg_page_up(size_t bytes)
{
	if (bytes > (size_t)-CKREMM_PAGE_SIZE)
		return (size_t)-CKREMM_PAGE_SIZE;
	return (bytes + CKREMM_PAGE_SIZE - 1) & ~(CKREMM_PAGE_SIZE - 1);
}

/* Where the free run at the top of the arena starts (its end if none). */
static size_t pg_free_top(const struct t_pool *pool)
{
	const struct tp_seg *s = tp_seg(pool, pool->pg.last);

	return tp_is_free(s) ? tp_bytes(s->off) : pool->arena_size;
}

/* Whether the arena may move: no block's address is out. */
static bool pg_may_move(const struct t_pool *pool)
{
	return !pool->pinned_blocks && !pool->holds;
}

/*
 * CKREMM_ARENA_MOVES: whether a move is worth preparing (lock held).  A
 * view of the whole arena costs tens of milliseconds to build for a large
 * one; while a block is pinned or held, it would be thrown away at the
 * install: refuse now, counted as a move given up.
 */
static bool pg_move_refused(const struct t_pool *pool,
			    struct ckremm_paging_result *res)
{
	if (!CKREMM_ARENA_MOVES || pg_may_move(pool))
		return false;
	res->abandoned++;
	return true;
}

/*
 * CKREMM_ARENA_MOVES: move the arena to a view where the pages of [@lo,
 * @hi) are committed (@commit) or given back, for a caller that marked
 * the pool as purging, with the lock dropped on entry and return.  0 when
 * moved; -EBUSY if a block was pinned or held at the install (nothing
 * changed: counted in @res), -ENOMEM.
 */
static int pg_move(struct t_pool *pool, size_t lo, size_t hi, bool commit,
		   struct ckremm_paging_result *res)
{
	struct ckremm_arena_move mv;
	unsigned long flags;
	int ret;

	ret = ckremm_arena_move_prepare(pool->arena, lo, hi - lo, commit, &mv);
	if (ret)
		return ret;
	flags = ckremm_lock(&pool->lock);
	if (pg_may_move(pool)) {
		pool->arena = ckremm_arena_move_install(&mv);
		pool->seq++;
		pool->pg.moves++;
	} else {
		ret = -EBUSY;
		res->abandoned++;
	}
	ckremm_unlock(&pool->lock, flags);
	ckremm_arena_move_finish(&mv);
	return ret;
}

/*
 * One purge step: give back at most @budget bytes of committed pages above
 * the free run's front, @keep bytes more and, if @since_peak, the pool's
 * peak_end.  Returns 1 when more remain, 0 when none do, -EBUSY when
 * another step is out or (CKREMM_ARENA_MOVES) a block was pinned or
 * held, -ENOMEM when the arena could not move.
 */
static int pg_purge_step(struct t_pool *pool, size_t keep, bool since_peak,
			 size_t budget, struct ckremm_paging_result *res)
{
	struct tp_paging *pg = &pool->pg;
	unsigned long flags;
	size_t floor, lo, hi;
	int more, ret = 0;

	flags = ckremm_lock(&pool->lock);
	if (pg->purging) {
		ckremm_unlock(&pool->lock, flags);
		return -EBUSY;
	}
	floor = pg_free_top(pool);
	if (since_peak && pg->peak_end > floor)
		floor = pg->peak_end;
	if (ckremm_add_overflow(pg_page_up(floor), pg_page_up(keep), &floor))
		floor = (size_t)-1;
	hi = pg->committed;
	if (floor >= hi) {
		ckremm_unlock(&pool->lock, flags);
		return 0;
	}
	if (pg_move_refused(pool, res)) {
		ckremm_unlock(&pool->lock, flags);
		return -EBUSY;
	}
	lo = hi - floor > budget ? hi - budget : floor;
	more = lo > floor;
	/* Counted at once, so that the figures always add up. */
	pg->committed = lo;
	pg->purged += hi - lo;
	pg->purging = true;
	ckremm_unlock(&pool->lock, flags);

	if (CKREMM_ARENA_MOVES)
		ret = pg_move(pool, lo, hi, false, res);
	else
		ckremm_arena_purge(pool->arena, lo, hi - lo);

	flags = ckremm_lock(&pool->lock);
	pg->purging = false;
	if (ret) {
		pg->committed = hi;
		pg->purged -= hi - lo;
	}
	ckremm_unlock(&pool->lock, flags);
	if (ret)
		return ret;
	res->purged += hi - lo;
	res->steps++;
	return more;
}

/*
 * Commit pages so that @ahead bytes above the highest block are: 0 (done,
 * or nothing to do), -EBUSY when a purge or commit is out or
 * (CKREMM_ARENA_MOVES) a block was pinned or held, -ENOMEM.
 */
static int pg_commit_ahead(struct t_pool *pool, size_t ahead,
			   struct ckremm_paging_result *res)
{
	struct tp_paging *pg = &pool->pg;
	unsigned long flags;
	size_t lo, want;
	int ret = 0;

	flags = ckremm_lock(&pool->lock);
	if (ckremm_add_overflow(pg_page_up(pg_free_top(pool)),
				pg_page_up(ahead), &want) || want > pg->limit)
		want = pg->limit;
	lo = pg->committed;
	if (want <= lo) {
		ckremm_unlock(&pool->lock, flags);
		return 0;
	}
	if (pg->purging || pg_move_refused(pool, res)) {
		ret = -EBUSY;
	} else if (!CKREMM_ARENA_MOVES) {
		ret = ckremm_arena_commit(pool->arena, lo, want - lo);
		if (!ret)
			pg->committed = want;
	} else {
		pg->purging = true;
		ckremm_unlock(&pool->lock, flags);
		ret = pg_move(pool, lo, want, true, res);
		flags = ckremm_lock(&pool->lock);
		pg->purging = false;
		if (!ret)
			pg->committed = want;
	}
	ckremm_unlock(&pool->lock, flags);
	if (!ret)
		res->committed += want - lo;
	else if (ret == -ENOMEM)
		res->commit_failures++;
	return ret;
}

/**
 * ckremm_paging_purge_t() - give back free pages at the top of a table
 *	pool now, one bounded step
 * @pool: the pool, managed by a pager
 * @keep: free bytes to keep committed above the highest block
 * @budget: most bytes to give back in this step, rounded down to a page;
 *	0 for 256 KiB
 * @purged: bytes given back are added to it
 *
 * For memory pressure (a shrinker's scan, a low-memory hook): what the
 * decay policy would give back later, given back now, whether it has been
 * free for long or not.  The lock is held to choose the pages and dropped
 * while the port takes them.
 *
 * Where the port moves the arena to give pages back (CKREMM_ARENA_MOVES:
 * the Linux kernel), the step is one move, made only if no block is
 * pinned or held when it is installed.
 *
 * Context: where the port's purge may be called (see ckremm_port.h); takes
 * the pool lock twice (three times for a move).  With CKREMM_ARENA_MOVES,
 * process context: may sleep.
 * Return: 1 when more could go back, 0 when nothing more can, -EBUSY
 * when another purge or commit of the pool is under way or a block was
 * pinned or held when the arena had to move (nothing was given back),
 * -ENOMEM when the arena could not move, -EINVAL if @pool is NULL or no
 * pager manages it.
 */
int ckremm_paging_purge_t(struct t_pool *pool, size_t keep, size_t budget,
			  size_t *purged)
{
	struct ckremm_paging_result res = { 0 };
	int ret;

	if (!pool || !pool->pg.managed)
		return -EINVAL;
	budget &= ~(CKREMM_PAGE_SIZE - 1);
	if (!budget)
		budget = PG_STEP_DEFAULT;
	ret = pg_purge_step(pool, keep, false, budget, &res);
	if (purged)
		*purged += res.purged;
	return ret;
}
EXPORT_SYMBOL_NS_GPL(ckremm_paging_purge_t, CKREMM_NS);

/**
 * ckremm_paging_commit_t() - commit pages ahead of a table pool's
 *	allocations
 * @pool: the pool, managed by a pager
 * @ahead: free bytes to have committed above the highest block
 * @committed: if not NULL, bytes committed are added to it
 *
 * Where pages can be committed only ahead of the allocations that need
 * them, in process context (CKREMM_ARENA_MOVES: the Linux kernel), an
 * allocation beyond the committed pages fails (t_pool_stats'
 * commit_failures) until the pager's next tick commits more: a caller
 * about to allocate much calls this first.  The pages are charged to the
 * caller's memory cgroup.  Elsewhere pages are committed as allocations
 * reach them, and this commits them sooner.
 *
 * Context: With CKREMM_ARENA_MOVES, process context: may sleep; else
 * any context.  Takes the pool lock up to three times.
 * Return: 0 when the pages are committed; -EBUSY when a purge or commit
 * of the pool is under way or a block was pinned or held when the arena
 * had to move; -ENOMEM; -EINVAL if @pool is NULL or no pager manages it.
 */
int ckremm_paging_commit_t(struct t_pool *pool, size_t ahead,
			   size_t *committed)
{
	struct ckremm_paging_result res = { 0 };
	int ret;

	if (!pool || !pool->pg.managed)
		return -EINVAL;
	if (CKREMM_ARENA_MOVES)
		ckremm_might_sleep();
	ret = pg_commit_ahead(pool, ahead, &res);
	if (committed)
		*committed += res.committed;
	return ret;
}
EXPORT_SYMBOL_NS_GPL(ckremm_paging_commit_t, CKREMM_NS);

/**
 * ckremm_paging_reclaimable_t() - bytes a table pool could give back now
 * @pool: the pool, managed by a pager
 * @reorder: add what a whole reorder would gather (every free byte below
 *	the free run at the top), as far as the blocks may move
 *
 * What ckremm_paging_purge_t() with a @keep of 0 would give back in all,
 * and with @reorder, what it would give back after t_pool_reorder(): a
 * shrinker's count.  Pinned blocks do not move, so with @reorder it is an
 * upper bound while blocks are pinned.
 *
 * Context: Any context; takes the pool lock once.
 * Return: bytes, a multiple of the page size; 0 if @pool is NULL or no
 * pager manages it.
 */
size_t ckremm_paging_reclaimable_t(struct t_pool *pool, bool reorder)
{
	struct tp_paging *pg;
	unsigned long flags;
	size_t floor, bytes = 0;

	if (!pool)
		return 0;
	pg = &pool->pg;
	flags = ckremm_lock(&pool->lock);
	if (pg->managed && !pg->purging) {
		floor = pg_page_up(reorder ? tp_bytes(pool->used_units) :
				   pg_free_top(pool));
		if (pg->committed > floor)
			bytes = pg->committed - floor;
	}
	ckremm_unlock(&pool->lock, flags);
	return bytes;
}
EXPORT_SYMBOL_NS_GPL(ckremm_paging_reclaimable_t, CKREMM_NS);

/**
 * ckremm_pager_init() - manage a table pool's pages
 * @pager: the pager, owned by the caller until ckremm_pager_exit()
 * @pool: the pool; its arena must be page-aligned
 * @params: the decay policy (see struct ckremm_paging_params and the top
 *	of this file); copied
 *
 * From now on the pool commits pages before it places blocks on them,
 * and ckremm_pager_tick() gives back what has been free for long enough.
 *
 * Context: Any context; takes the pool lock once.
 * Return: 0; -EINVAL for a NULL argument, a @decay_ticks of 0 or an
 * arena not aligned to a page; -EBUSY if a pager manages the pool
 * already; -EOPNOTSUPP if the port cannot give pages back
 * (CKREMM_ARENA_PURGES is 0), or gives them back only by moving the arena
 * (CKREMM_ARENA_MOVES: the Linux kernel) and the arena is the caller's
 * (t_pool_create_in()).
 */
int ckremm_pager_init(struct ckremm_pager *pager, struct t_pool *pool,
		      const struct ckremm_paging_params *params)
{
	struct tp_paging *pg;
	unsigned long flags;
	int ret = 0;

	ret = pg_init_args(pager, pool, pool ? pool->arena : NULL, params);
	if (ret)
		return ret;
	if (CKREMM_ARENA_MOVES && !pool->own_arena)
		return -EOPNOTSUPP;
	pager->pool = pool;

	pg = &pool->pg;
	flags = ckremm_lock(&pool->lock);
	if (pg->managed) {
		ret = -EBUSY;
	} else {
		pg->managed = true;
		if (!pg->limit) {
			pg->limit = pool->arena_size & ~(CKREMM_PAGE_SIZE - 1);
			pg->committed = pg->limit;
		}
		pg->peak_end = pg_free_top(pool);
		pager->seq = pool->seq;
	}
	ckremm_unlock(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_init, CKREMM_NS);

/* Free bytes below the free run at the top: what a reorder would lift. */
static size_t pg_scattered(struct t_pool *pool)
{
	unsigned long flags;
	size_t free_bytes, top_run;

	flags = ckremm_lock(&pool->lock);
	free_bytes = pool->arena_size - tp_bytes(pool->used_units);
	top_run = pool->arena_size - pg_free_top(pool);
	ckremm_unlock(&pool->lock, flags);
	return free_bytes - top_run;
}

/* Compact a quiet pool by up to reorder_bytes. */
static void pg_reorder(struct ckremm_pager *pager,
		       struct ckremm_paging_result *res)
{
	const struct ckremm_paging_params *p = &pager->params;
	struct t_pool_reorder_result step = { 0 };
	int more;

	if (!(p->flags & CKREMM_PAGING_REORDER) ||
	    pager->quiet < p->decay_ticks || pg_scattered(pager->pool) < p->min_bytes)
		return;
	do
		more = t_pool_reorder_step(pager->pool, T_POOL_STEP_MAX, &step);
	while (more > 0 && step.bytes_moved < p->reorder_bytes);
	res->moved += step.bytes_moved;
}

/* Free bytes the pager keeps committed above the highest block. */
static size_t pg_keep(const struct ckremm_pager *pager)
{
	return pager->ahead > pager->params.keep_bytes ? pager->ahead :
	       pager->params.keep_bytes;
}

/*
 * The end of a decay period: give back what has been free for all of it,
 * if that is worth it.  True when done (the next period may begin).
 * Where the arena moves to give pages back, all of it goes in one step.
 */
static bool pg_decay(struct ckremm_pager *pager,
		     struct ckremm_paging_result *res)
{
	const struct ckremm_paging_params *p = &pager->params;
	size_t budget = CKREMM_ARENA_MOVES ? (size_t)-1 : p->step_bytes;
	size_t keep = pg_keep(pager), floor, due;
	struct t_pool *pool = pager->pool;
	struct tp_paging *pg = &pool->pg;
	unsigned long flags;
	unsigned int steps;
	int more = 1;

	flags = ckremm_lock(&pool->lock);
	floor = pg_free_top(pool);
	if (pg->peak_end > floor)
		floor = pg->peak_end;
	if (ckremm_add_overflow(pg_page_up(floor), pg_page_up(keep), &floor))
		floor = (size_t)-1;
	due = pg->committed > floor ? pg->committed - floor : 0;
	ckremm_unlock(&pool->lock, flags);
	if (!due || due < p->min_bytes)
		return true;
	for (steps = 0; more > 0 && steps < PG_STEPS_PER_TICK; steps++)
		more = pg_purge_step(pool, keep, true, budget, res);
	return more <= 0;
}

/* Decay periods without commit failures before the extra halves. */
#define PG_CALM_PERIODS		4

/*
 * CKREMM_ARENA_MOVES: commit keep_bytes ahead of the highest block, and
 * twice as much more after each tick in which allocations failed for want
 * of committed pages; the extra halves again after PG_CALM_PERIODS decay
 * periods without such failures, down to nothing.
 */
static void pg_tick_commit(struct ckremm_pager *pager,
			   struct ckremm_paging_result *res, bool period_end)
{
	struct t_pool *pool = pager->pool;
	unsigned long flags;
	size_t failures;

	flags = ckremm_lock(&pool->lock);
	failures = pool->pg.commit_failures;
	ckremm_unlock(&pool->lock, flags);
	if (failures != pager->failures) {
		pager->failures = failures;
		pager->calm = 0;
		if (pager->ahead < pager->params.keep_bytes)
			pager->ahead = pager->params.keep_bytes;
		if (pager->ahead < CKREMM_PAGE_SIZE)
			pager->ahead = CKREMM_PAGE_SIZE;
		if (pager->ahead < pool->arena_size / 2)
			pager->ahead *= 2;
	} else if (period_end && ++pager->calm >= PG_CALM_PERIODS) {
		pager->calm = 0;
		pager->ahead /= 2;
		if (pager->ahead <= pager->params.keep_bytes)
			pager->ahead = 0;
	}
	pg_commit_ahead(pool, pg_keep(pager), res);
}

/**
 * ckremm_pager_tick() - the decay policy's clock: one tick
 * @pager: the pager
 * @res: if not NULL, what the tick did is added to it
 *
 * Called by the environment at a steady period, busy or idle.  Compacts
 * a table pool quiet for a decay period (with CKREMM_PAGING_REORDER), and
 * at the end of each period gives back the pages free for all of it, in
 * steps of at most step_bytes with the pool lock dropped between them
 * (at most 64 steps per tick; the rest on the next ticks).  Where the port
 * moves the arena to change its pages (CKREMM_ARENA_MOVES: the Linux
 * kernel), the pages due go back in one move, and every tick then commits
 * pages ahead of the pool's allocations: keep_bytes above the highest
 * block, more after allocations failed for want of them.  A header pool's
 * pages go back as h_paging.c says.
 *
 * Context: where the port's purge may be called (see ckremm_port.h); with
 * CKREMM_ARENA_MOVES process context, may sleep; one caller at a time per
 * pager.
 * Return: 0, or -EINVAL if @pager is NULL or not initialised.
 */
int ckremm_pager_tick(struct ckremm_pager *pager,
		      struct ckremm_paging_result *res)
{
	struct ckremm_paging_result dummy = { 0 };
	bool period_end = false;
	struct t_pool *pool;
	unsigned long flags;
	u32 seq;

	if (!pager || (!pager->pool && !pager->hpool))
		return -EINVAL;
	if (!res)
		res = &dummy;
	if (!pager->pool) {
		ckremm_pager_tick_h(pager, res);
		return 0;
	}
	pool = pager->pool;
	flags = ckremm_lock(&pool->lock);
	seq = pool->seq;
	ckremm_unlock(&pool->lock, flags);
	if (seq != pager->seq)
		pager->quiet = 0;
	else if (pager->quiet < pager->params.decay_ticks)
		pager->quiet++;

	ckremm_pager_tick_store(pager, res);
	pg_reorder(pager, res);
	if (++pager->age >= pager->params.decay_ticks && pg_decay(pager, res)) {
		pager->age = 0;
		period_end = true;
		flags = ckremm_lock(&pool->lock);
		pool->pg.peak_end = pg_free_top(pool);
		ckremm_unlock(&pool->lock, flags);
	}
	if (CKREMM_ARENA_MOVES)
		pg_tick_commit(pager, res, period_end);

	flags = ckremm_lock(&pool->lock);
	pager->seq = pool->seq;
	ckremm_unlock(&pool->lock, flags);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_tick, CKREMM_NS);

/**
 * ckremm_pager_exit() - stop managing a pool
 * @pager: the pager
 *
 * Pages given back stay so; the pool goes on committing them as
 * allocations reach them.  Where pages can only be committed ahead
 * (CKREMM_ARENA_MOVES: the Linux kernel), every page is committed again
 * first; if that fails (no memory, or a block pinned or held), the pages
 * stay given back and allocations that need them fail until another
 * pager manages the pool.  Another pager may manage the pool afterwards.
 *
 * Context: Any context; takes the pool lock once.  With
 * CKREMM_ARENA_MOVES, process context: may sleep.
 */
void ckremm_pager_exit(struct ckremm_pager *pager)
{
	struct ckremm_paging_result res = { 0 };
	unsigned long flags;

	if (!pager)
		return;
	if (pager->hpool)
		ckremm_pager_exit_h(pager);
	if (!pager->pool)
		return;
	if (CKREMM_ARENA_MOVES)
		pg_commit_ahead(pager->pool, pager->pool->arena_size, &res);
	flags = ckremm_lock(&pager->pool->lock);
	pager->pool->pg.managed = false;
	ckremm_unlock(&pager->pool->lock, flags);
	pager->pool = NULL;
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_exit, CKREMM_NS);
