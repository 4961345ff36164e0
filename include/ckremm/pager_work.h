/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckremm pager driven in the background (Linux only): a delayed work item
 * that ticks a table pool's pager (include/ckremm/paging.h) every period,
 * commits pages ahead of the pool's allocations in process context,
 * charged to the memory cgroup of the task that started it, and a
 * shrinker through which the kernel's memory pressure asks for the pages
 * a purge (and, with CKREMM_PAGING_REORDER, a reorder) can give back.
 * Documented with kernel-doc in ckremm/dev/pager_work.c.
 */
#ifndef CKREMM_PAGER_WORK_H
#define CKREMM_PAGER_WORK_H

#include <ckremm/paging.h>

struct ckremm_pager_work;

/**
 * struct ckremm_pager_work_stats - what a pager work item did, in total
 * @ticks: ticks of the pager the work ran
 * @purged_bytes: bytes given back by the ticks' decay policy
 * @committed_bytes: bytes committed ahead of the pool's allocations
 * @moved_bytes: bytes the ticks' reorders moved (CKREMM_PAGING_REORDER)
 * @abandoned: purge or commit steps given up because a block was pinned
 *	or held when the arena had to move (their pages kept as they were)
 * @commit_failures: commits ahead that failed for want of memory
 * @shrink_counts: calls of the shrinker's count
 * @shrink_scans: calls of the shrinker's scan
 * @shrink_purged_bytes: bytes the shrinker's scans gave back
 * @shrink_moved_bytes: bytes the shrinker's scans' reorder steps moved
 */
struct ckremm_pager_work_stats {
	u64 ticks;
	u64 purged_bytes;
	u64 committed_bytes;
	u64 moved_bytes;
	u64 abandoned;
	u64 commit_failures;
	u64 shrink_counts;
	u64 shrink_scans;
	u64 shrink_purged_bytes;
	u64 shrink_moved_bytes;
};

struct ckremm_pager_work *
ckremm_pager_work_start(struct t_pool *pool,
			const struct ckremm_paging_params *params,
			unsigned int period_ms);
void ckremm_pager_work_kick(struct ckremm_pager_work *work);
void ckremm_pager_work_read(struct ckremm_pager_work *work,
			    struct ckremm_pager_work_stats *stats);
int ckremm_pager_work_set_store(struct ckremm_pager_work *work,
				struct ckremm_store *store);
int ckremm_pager_work_page_in(struct ckremm_pager_work *work, u64 handle);
int ckremm_pager_work_page_out(struct ckremm_pager_work *work, size_t bytes);
size_t ckremm_pager_work_count(struct ckremm_pager_work *work);
size_t ckremm_pager_work_shrink(struct ckremm_pager_work *work, size_t bytes);
void ckremm_pager_work_stop(struct ckremm_pager_work *work);

#endif /* CKREMM_PAGER_WORK_H */
