// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ckremm paging for the header pool: the page-sized interiors of large
 * free blocks given back when quiet.
 *
 * What it keeps
 * -------------
 * A header pool's blocks never move, so its free space stays where frees
 * leave it: the pager gives back the whole pages inside free blocks, past
 * the block's header and free-list links (its first 32 bytes), which stay.
 * Two bits per page, in bitmaps outside the arena (struct hp_paging in
 * h_pool_internal.h): purged, and seen (inside a free block when the pager
 * last looked, and nothing placed on it since).  An allocation or a resize
 * that writes on what was a free block first commits the purged pages of
 * the range it writes, its block and the header and links of the rest it
 * leaves, and clears their seen bits (hp_pg_commit(), under the lock):
 * O(pages written).
 *
 * The decay policy
 * ----------------
 * As for the table pool (paging.c), ticks come from the environment and
 * decay periods are decay_ticks long.  At the end of each period the pager
 * walks the pool's blocks (h_pool_walk(), a bounded step per hold of the
 * lock, up to 1024 blocks per tick): in every free block, under the lock,
 * pages seen at the last walk and not purged are given back, in runs of
 * at least min_bytes (one page if 0) and at most step_bytes with the lock
 * dropped while the port takes them; pages not seen yet are marked seen.
 * A page goes back after one to two periods of being free; a page that an
 * allocation reached in between is seen afresh.  keep_bytes does not
 * apply.  While a run is out, an allocation that needs one of its pages
 * fails as if nothing fitted (commit_failures).
 *
 * Context: as paging.c.
 */

#include "../hpool/h_pool_internal.h"
#include "paging_internal.h"

#define PG_H_WALK		16	/* blocks per hold of the lock */
#define PG_H_PER_TICK		1024	/* blocks a tick looks at */

static void pg_h_set(u32 *map, size_t p)
{
	map[p / 32] |= BIT(p % 32);
}

/**
 * ckremm_pager_init_h() - manage a header pool's pages
 * @pager: the pager, owned by the caller until ckremm_pager_exit()
 * @pool: the pool; its arena must be page-aligned
 * @params: the decay policy (see the top of this file); copied
 *
 * Context: process context, may sleep (allocates two bits per page of the
 * arena, kept until the pool is destroyed); takes the pool lock once.
 * Return: 0; -EINVAL for a NULL argument, a @decay_ticks of 0 or an arena
 * not aligned to a page; -EBUSY if a pager manages the pool already;
 * -ENOMEM; -EOPNOTSUPP if the port cannot give pages back, or gives them
 * back only by moving the arena (CKREMM_ARENA_MOVES: the Linux kernel),
 * which a header pool, whose blocks are named by their addresses, never
 * does.
 */
int ckremm_pager_init_h(struct ckremm_pager *pager, struct h_pool *pool,
			const struct ckremm_paging_params *params)
{
	size_t pages, words;
	u32 *purged, *seen;
	unsigned long flags;
	int ret = 0;

	ret = pg_init_args(pager, pool, pool ? pool->arena : NULL, params);
	if (ret)
		return ret;
	if (CKREMM_ARENA_MOVES)
		return -EOPNOTSUPP;
	pages = pool->arena_size / CKREMM_PAGE_SIZE;
	words = pages / 32 + 1;
	purged = ckremm_meta_zalloc(words * sizeof(u32));
	seen = ckremm_meta_zalloc(words * sizeof(u32));
	if (!purged || !seen) {
		ckremm_meta_free(purged);
		ckremm_meta_free(seen);
		return -ENOMEM;
	}
	pager->hpool = pool;

	flags = ckremm_lock(&pool->lock);
	if (pool->pg.managed) {
		ret = -EBUSY;
	} else {
		pool->pg.managed = true;
		if (!pool->pg.seen) {
			pool->pg.purged = purged;
			pool->pg.seen = seen;
			pool->pg.pages = pages;
			purged = NULL;
			seen = NULL;
		}
	}
	ckremm_unlock(&pool->lock, flags);
	ckremm_meta_free(purged);
	ckremm_meta_free(seen);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_init_h, CKREMM_NS);

/*
 * Under the lock: in the free block at byte @at, if it is one, mark the
 * pages not seen yet and find the first run of at least @min pages seen
 * and not purged, from page *@from on, at most @max pages.  Returns its
 * length (0 for none), its first page in *@from.
 */
static size_t pg_h_find(struct h_pool *pool, size_t at, size_t *from,
			size_t min, size_t max)
{
	struct hp_paging *pg = &pool->pg;
	u32 off = (u32)(at >> HP_GRANULE_SHIFT);
	size_t a, b, p, run = 0;

	if (off >= pool->arena_units || !hp_is_start(pool, off) ||
	    !hp_is_free(pool, off))
		return 0;
	a = (at + HP_MIN_UNITS * HP_GRANULE + CKREMM_PAGE_SIZE - 1) /
	    CKREMM_PAGE_SIZE;
	b = (at + ((size_t)hp_hdr(pool, off)->units << HP_GRANULE_SHIFT)) /
	    CKREMM_PAGE_SIZE;
	if (b > pg->pages)
		b = pg->pages;
	if (a < *from)
		a = *from;
	for (p = a; p < b; p++) {
		if (!hp_pg_bit(pg->purged, p) && hp_pg_bit(pg->seen, p)) {
			if (!run)
				*from = p;
			if (++run == max)
				return run;
			continue;
		}
		if (run >= min)
			return run;
		run = 0;
		if (!hp_pg_bit(pg->purged, p))
			pg_h_set(pg->seen, p);
	}
	return run >= min ? run : 0;
}

/* Give back what has been free since the last walk in the block at @at. */
static void pg_h_block(struct ckremm_pager *pager, size_t at,
		       struct ckremm_paging_result *res)
{
	const struct ckremm_paging_params *p = &pager->params;
	struct h_pool *pool = pager->hpool;
	struct hp_paging *pg = &pool->pg;
	size_t min = p->min_bytes / CKREMM_PAGE_SIZE;
	size_t max = p->step_bytes / CKREMM_PAGE_SIZE;
	size_t from = 0, run, i;
	unsigned long flags;

	if (!min)
		min = 1;
	for (;;) {
		flags = ckremm_lock(&pool->lock);
		run = pg->purging_hi == pg->purging_lo ?
		      pg_h_find(pool, at, &from, min, max) : 0;
		if (!run) {
			ckremm_unlock(&pool->lock, flags);
			return;
		}
		for (i = from; i < from + run; i++) {
			pg_h_set(pg->purged, i);
			pg->seen[i / 32] &= ~BIT(i % 32);
		}
		pg->purged_pages += run;
		pg->purging_lo = from;
		pg->purging_hi = from + run;
		ckremm_unlock(&pool->lock, flags);

		ckremm_arena_purge(pool->arena, from * CKREMM_PAGE_SIZE,
				   run * CKREMM_PAGE_SIZE);

		flags = ckremm_lock(&pool->lock);
		pg->purging_lo = 0;
		pg->purging_hi = 0;
		pg->purged_bytes += run * CKREMM_PAGE_SIZE;
		ckremm_unlock(&pool->lock, flags);
		res->purged += run * CKREMM_PAGE_SIZE;
		res->steps++;
		from += run;
	}
}

/* One tick of a header pool's pager (ckremm_pager_tick()). */
void ckremm_pager_tick_h(struct ckremm_pager *pager,
			 struct ckremm_paging_result *res)
{
	struct h_pool_extent ext[PG_H_WALK];
	struct h_pool *pool = pager->hpool;
	unsigned int n, i, looked = 0;
	size_t min_block;

	if (!pager->walking && ++pager->age < pager->params.decay_ticks)
		return;
	pager->walking = true;
	min_block = CKREMM_PAGE_SIZE + HP_MIN_UNITS * HP_GRANULE;
	while (looked < PG_H_PER_TICK && pager->cursor < pool->arena_size) {
		n = h_pool_walk(pool, &pager->cursor, ext, PG_H_WALK);
		if (!n)
			break;
		for (i = 0; i < n; i++)
			if (!ext[i].used && ext[i].size >= min_block)
				pg_h_block(pager, ext[i].offset, res);
		looked += n;
	}
	if (looked < PG_H_PER_TICK) {
		pager->walking = false;
		pager->cursor = 0;
		pager->age = 0;
	}
}

/* ckremm_pager_exit() for a header pool: the bitmaps stay with the pool. */
void ckremm_pager_exit_h(struct ckremm_pager *pager)
{
	unsigned long flags;

	flags = ckremm_lock(&pager->hpool->lock);
	pager->hpool->pg.managed = false;
	ckremm_unlock(&pager->hpool->lock, flags);
	pager->hpool = NULL;
}
