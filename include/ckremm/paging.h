/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm paging: arena pages committed on demand and given back when quiet.
 *
 * A pager manages one pool.  The pool commits pages as allocations reach
 * them; the pager, ticked by its environment (a timer or work item, a main
 * loop), gives back pages that have been free for a decay time, a bounded
 * step at a time with the pool lock dropped.  In a table pool, those at
 * the top of the arena, where a reorder (which the pager may run when the
 * pool is quiet) gathers all free space; in a header pool, the whole
 * pages inside free blocks.  The design and the parameters are explained
 * at the top of ckremm/paging/paging.c and h_paging.c.
 *
 * A table pool's pager may also be given a backing store
 * (include/ckremm/store.h): the pool may then hold more block bytes than
 * its arena, its least recently used blocks paged out to the store and
 * paged in again when they are used (ckremm/paging/store_pager.c).
 */
#ifndef CKREMM_PAGING_H
#define CKREMM_PAGING_H

#include <ckremm/t_pool.h>

struct h_pool;
struct ckremm_store;

/* ckremm_paging_params.flags */
#define CKREMM_PAGING_REORDER	0x1U	/* compact a quiet pool: invalidates
					 * the addresses of unpinned blocks
					 */

/**
 * struct ckremm_paging_params - how eagerly a pager gives pages back
 * @decay_ticks: a page goes back once it has been free for this many
 *	ticks, at most twice as many; at least 1
 * @keep_bytes: free bytes kept committed above the highest block, so
 *	that a pool that grows a little again commits nothing
 * @min_bytes: a purge that would give back less than this waits
 * @step_bytes: most bytes one purge step gives back (one call of the
 *	port's purge, with the pool lock dropped); 0 for 256 KiB
 * @reorder_bytes: with CKREMM_PAGING_REORDER, most bytes a tick moves;
 *	0 for 256 KiB
 * @flags: 0 or CKREMM_PAGING_REORDER
 * @free_target: with a store: a tick pages out the least recently used
 *	blocks while fewer bytes than this of the arena are free; 0 for none
 * @write_budget: with a store: most bytes a tick has the store write
 *	(a block is offered only while its size fits what is left); 0 for
 *	no limit
 */
struct ckremm_paging_params {
	unsigned int decay_ticks;
	size_t keep_bytes;
	size_t min_bytes;
	size_t step_bytes;
	size_t reorder_bytes;
	unsigned int flags;
	size_t free_target;
	size_t write_budget;
};

/**
 * struct ckremm_pager - a pager; its fields are the pager's own
 * @pool: the table pool it manages, or NULL
 * @hpool: the header pool it manages, or NULL
 * @params: its parameters, as checked
 * @age: ticks since the present decay period began
 * @quiet: ticks for which the pool did not change but by the pager
 * @seq: the pool's change count when the pager last looked
 * @cursor: header pool: where the walk over the blocks is
 * @walking: header pool: a walk is under way
 * @ahead: table pool where pages are committed ahead: bytes committed
 *	ahead beyond keep_bytes, after allocations failed for want of them
 * @failures: the pool's commit failures when the pager last looked
 * @calm: decay periods since the last commit failure, up to 4
 */
struct ckremm_pager {
	struct t_pool *pool;
	struct h_pool *hpool;
	struct ckremm_paging_params params;
	unsigned int age;
	unsigned int quiet;
	unsigned int seq;
	size_t cursor;
	bool walking;
	size_t ahead;
	size_t failures;
	unsigned int calm;
};

/**
 * struct ckremm_paging_result - what a tick did
 * @purged: bytes given back
 * @steps: purge steps
 * @moved: bytes a reorder moved
 * @paged_out: blocks paged out to the store
 * @paged_in: blocks paged in that accesses had queued
 * @store_written: bytes the store wrote (what it keeps of what went out)
 * @committed: bytes committed ahead of the pool's allocations, where the
 *	port commits pages only so (CKREMM_ARENA_MOVES: the Linux kernel)
 * @abandoned: purges or commits given up because a block was pinned or
 *	held when the arena had to move (their pages kept as they were)
 * @commit_failures: commits ahead that failed for want of memory
 */
struct ckremm_paging_result {
	size_t purged;
	unsigned int steps;
	size_t moved;
	size_t paged_out;
	size_t paged_in;
	size_t store_written;
	size_t committed;
	unsigned int abandoned;
	unsigned int commit_failures;
};

int ckremm_pager_init(struct ckremm_pager *pager, struct t_pool *pool,
		      const struct ckremm_paging_params *params);
int ckremm_pager_init_h(struct ckremm_pager *pager, struct h_pool *pool,
			const struct ckremm_paging_params *params);
int ckremm_pager_tick(struct ckremm_pager *pager,
		      struct ckremm_paging_result *res);
int ckremm_paging_purge_t(struct t_pool *pool, size_t keep, size_t budget,
			  size_t *purged);
int ckremm_paging_commit_t(struct t_pool *pool, size_t ahead,
			   size_t *committed);
size_t ckremm_paging_reclaimable_t(struct t_pool *pool, bool reorder);
void ckremm_pager_exit(struct ckremm_pager *pager);

/* A backing store for the table pool (store_pager.c). */
int ckremm_pager_set_store(struct ckremm_pager *pager,
			   struct ckremm_store *store);
int ckremm_pager_page_out(struct ckremm_pager *pager, size_t bytes,
			  struct ckremm_paging_result *res);
int ckremm_pager_page_in(struct ckremm_pager *pager, u64 handle);

#endif /* CKREMM_PAGING_H */
