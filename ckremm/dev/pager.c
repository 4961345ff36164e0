// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/ckremm: a table pool's pager (ckremm/paging/), for the PAGER_*
 * requests of include/uapi/linux/ckremm.h.
 *
 * A pool has at most one pager, attached by PAGER_ATTACH and kept until
 * PAGER_DETACH or until the pool's memory goes: the last reference to the
 * pool stops the pager first (ckremm_dev_pager_release(), from the pool's
 * release), as it destroys the collector.  The pager is a work item of
 * ckremm_pager_work_start() (include/ckremm/pager_work.h), which ticks it
 * every period and lets the kernel's memory pressure purge through a
 * shrinker; this file only makes, finds, reads and stops it.
 *
 * Header pools are not paged: their pointers never move, so their free
 * space stays scattered between blocks; PAGER_ATTACH answers EOPNOTSUPP.
 *
 * Every attached pager is in ckremm_pagers, so that debugfs, which knows
 * the pools by their struct t_pool alone, can show what a pool's pager
 * did (ckremm_dev_pager_show()).
 *
 * Locking: ckremm_pager_lock (a mutex) guards @pool->pager of every pool
 * and ckremm_pagers; it is held across a pager's start and stop, which
 * may sleep, and across a PAGER_PURGE, whose steps take the pool lock
 * themselves.  It is taken under a debugfs entry's lock, and under
 * mmap_lock when a pool's last mapping frees it (see "lock ordering" in
 * ckremm_dev.c).
 */
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <ckremm/pager_work.h>
#include <ckremm/paging.h>
#include <ckremm/t_pool.h>

#include "ckremm_dev.h"

/* PAGER_PURGE's steps: most bytes each, most tries that find one out. */
#define CKREMM_PAGER_PURGE_STEP		0x40000U	/* 256 KiB */
#define CKREMM_PAGER_PURGE_TRIES	16

/* PAGER_ATTACH's defaults. */
#define CKREMM_PAGER_PERIOD_DEFAULT	100	/* ms */
#define CKREMM_PAGER_DECAY_DEFAULT	10	/* periods */

/**
 * struct ckremm_dev_pager - a pool's pager, as the device keeps it
 * @node: in ckremm_pagers
 * @tpool: the pool it manages
 * @work: the work item that ticks it
 * @flags: CKREMM_PAGER_* it was attached with
 * @period_ms: its period
 * @decay_ticks: its decay, in periods
 */
struct ckremm_dev_pager {
	struct list_head node;
	struct t_pool *tpool;
	struct ckremm_pager_work *work;
	u32 flags;
	u32 period_ms;
	u32 decay_ticks;
};

static DEFINE_MUTEX(ckremm_pager_lock);
static LIST_HEAD(ckremm_pagers);

static struct t_pool *to_t_pool(struct ckremm_pool *pool)
{
	return pool->impl;
}

/* Fields of a PAGER_ATTACH that no pager may take. */
static bool ckremm_pager_setup_valid(const struct ckremm_pager_setup *s)
{
	return !(s->flags & ~CKREMM_PAGER_FLAGS) &&
	       !s->reserved[0] && !s->reserved[1] &&
	       s->period_ms <= CKREMM_PAGER_PERIOD_MAX &&
	       s->decay_ticks <= CKREMM_PAGER_DECAY_MAX &&
	       ((s->flags & CKREMM_PAGER_REORDER) || !s->reorder_bytes) &&
	       s->keep_bytes == (size_t)s->keep_bytes &&
	       s->min_bytes == (size_t)s->min_bytes &&
	       s->step_bytes == (size_t)s->step_bytes &&
	       s->reorder_bytes == (size_t)s->reorder_bytes;
}

int ckremm_dev_pager_attach(struct ckremm_pool *pool,
			    const struct ckremm_pager_setup *s)
{
	struct ckremm_paging_params p = {
		.decay_ticks = s->decay_ticks ?: CKREMM_PAGER_DECAY_DEFAULT,
		.keep_bytes = s->keep_bytes,
		.min_bytes = s->min_bytes,
		.step_bytes = s->step_bytes,
		.reorder_bytes = s->reorder_bytes,
		.flags = s->flags & CKREMM_PAGER_REORDER ?
			 CKREMM_PAGING_REORDER : 0,
	};
	struct ckremm_dev_pager *dp;
	int err = 0;

	if (!ckremm_pager_setup_valid(s))
		return -EINVAL;
	if (pool->ops->kind != CKREMM_KIND_TABLE)
		return -EOPNOTSUPP;

	dp = kzalloc(sizeof(*dp), GFP_KERNEL_ACCOUNT);
	if (!dp)
		return -ENOMEM;
	dp->tpool = to_t_pool(pool);
	dp->flags = s->flags;
	dp->period_ms = s->period_ms ?: CKREMM_PAGER_PERIOD_DEFAULT;
	dp->decay_ticks = p.decay_ticks;

	mutex_lock(&ckremm_pager_lock);
	if (pool->pager) {
		err = -EEXIST;
		goto out;
	}
	dp->work = ckremm_pager_work_start(dp->tpool, &p, dp->period_ms);
	if (IS_ERR(dp->work)) {
		err = PTR_ERR(dp->work);
		goto out;
	}
	list_add(&dp->node, &ckremm_pagers);
	pool->pager = dp;
	dp = NULL;
out:
	mutex_unlock(&ckremm_pager_lock);
	kfree(dp);
	return err;
}

/* Stop @dp and free it; under ckremm_pager_lock. */
static void ckremm_pager_stop(struct ckremm_pool *pool)
{
	struct ckremm_dev_pager *dp = pool->pager;

	lockdep_assert_held(&ckremm_pager_lock);
	list_del(&dp->node);
	pool->pager = NULL;
	ckremm_pager_work_stop(dp->work);
	kfree(dp);
}

int ckremm_dev_pager_detach(struct ckremm_pool *pool)
{
	int err = 0;

	if (pool->ops->kind != CKREMM_KIND_TABLE)
		return -EOPNOTSUPP;
	mutex_lock(&ckremm_pager_lock);
	if (pool->pager)
		ckremm_pager_stop(pool);
	else
		err = -ENODEV;
	mutex_unlock(&ckremm_pager_lock);
	return err;
}

/*
 * Give back what the pool's top free run holds now, a step of at most
 * CKREMM_PAGER_PURGE_STEP at a time; a step refused with -EBUSY (another
 * purge or commit out, the pager's or the shrinker's, or a block pinned
 * or held when the arena had to move) is tried again after the CPU was
 * offered, up to CKREMM_PAGER_PURGE_TRIES times in all.
 */
static int ckremm_pager_purge_now(struct t_pool *tpool,
				  struct ckremm_pager_purge *pp)
{
	u64 budget = pp->budget ?: U64_MAX;
	unsigned int busy = 0;
	size_t purged = 0;
	int ret;

	do {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (budget - purged < PAGE_SIZE) {
			ret = 0;
			break;
		}
		ret = ckremm_paging_purge_t(tpool, pp->keep_bytes,
					    min_t(u64, budget - purged,
						  CKREMM_PAGER_PURGE_STEP),
					    &purged);
		if (ret == -EBUSY)
			busy++;
		cond_resched();
	} while (ret > 0 || (ret == -EBUSY && busy < CKREMM_PAGER_PURGE_TRIES));
	pp->purged_bytes = purged;
	/* What was given back stands; a refusal after it is for next time. */
	if (ret == -EBUSY || ret == -ENOMEM)
		return purged ? 0 : ret;
	return ret < 0 ? ret : 0;
}

int ckremm_dev_pager_purge(struct ckremm_pool *pool,
			   struct ckremm_pager_purge *pp)
{
	int err;

	if (pool->ops->kind != CKREMM_KIND_TABLE)
		return -EOPNOTSUPP;
	if (pp->keep_bytes != (size_t)pp->keep_bytes)
		return -EINVAL;
	err = mutex_lock_killable(&ckremm_pager_lock);
	if (err)
		return err;
	err = pool->pager ? ckremm_pager_purge_now(to_t_pool(pool), pp) :
			    -ENODEV;
	mutex_unlock(&ckremm_pager_lock);
	return err;
}

/* What @dp did into @f; under ckremm_pager_lock. */
static void ckremm_pager_read(const struct ckremm_dev_pager *dp,
			      struct ckremm_pager_figures *f)
{
	struct ckremm_pager_work_stats st;

	ckremm_pager_work_read(dp->work, &st);
	f->flags = dp->flags;
	f->period_ms = dp->period_ms;
	f->decay_ticks = dp->decay_ticks;
	f->ticks = st.ticks;
	f->purged_bytes = st.purged_bytes;
	f->moved_bytes = st.moved_bytes;
	f->committed_bytes = st.committed_bytes;
	f->commit_failures = st.commit_failures;
	f->abandoned = st.abandoned;
	f->shrink_scans = st.shrink_scans;
	f->shrink_purged_bytes = st.shrink_purged_bytes;
	f->shrink_moved_bytes = st.shrink_moved_bytes;
}

int ckremm_dev_pager_stats(struct ckremm_pool *pool,
			   struct ckremm_pager_figures *f)
{
	int err = 0;

	if (pool->ops->kind != CKREMM_KIND_TABLE)
		return -EOPNOTSUPP;
	mutex_lock(&ckremm_pager_lock);
	if (pool->pager)
		ckremm_pager_read(pool->pager, f);
	else
		err = -ENODEV;
	mutex_unlock(&ckremm_pager_lock);
	return err;
}

/**
 * ckremm_dev_pager_show() - what the pager of a device pool did, for
 *	debugfs
 * @m: the stats file
 * @tpool: the pool
 *
 * One "pager_<figure> <value>" line per figure of struct
 * ckremm_pager_figures, as ckremmctl stats names them; nothing if no
 * pager of the device manages @tpool.
 *
 * Context: process context; takes ckremm_pager_lock.
 */
void ckremm_dev_pager_show(struct seq_file *m, struct t_pool *tpool)
{
	struct ckremm_pager_figures f = { 0 };
	struct ckremm_dev_pager *dp;
	bool found = false;

	mutex_lock(&ckremm_pager_lock);
	list_for_each_entry(dp, &ckremm_pagers, node) {
		if (dp->tpool == tpool) {
			ckremm_pager_read(dp, &f);
			found = true;
			break;
		}
	}
	mutex_unlock(&ckremm_pager_lock);
	if (!found)
		return;
	seq_printf(m, "%-15s %u\n", "pager_period_ms", f.period_ms);
	seq_printf(m, "%-15s %u\n", "pager_decay", f.decay_ticks);
	seq_printf(m, "%-15s %u\n", "pager_reorder",
		   !!(f.flags & CKREMM_PAGER_REORDER));
	seq_printf(m, "%-15s %llu\n", "pager_ticks", f.ticks);
	seq_printf(m, "%-15s %llu\n", "pager_purged", f.purged_bytes);
	seq_printf(m, "%-15s %llu\n", "pager_moved", f.moved_bytes);
	seq_printf(m, "%-15s %llu\n", "pager_committed", f.committed_bytes);
	seq_printf(m, "%-15s %llu\n", "pager_commit_failures", f.commit_failures);
	seq_printf(m, "%-15s %llu\n", "pager_abandoned", f.abandoned);
	seq_printf(m, "%-15s %llu\n", "pager_shrink_scans", f.shrink_scans);
	seq_printf(m, "%-15s %llu\n", "pager_shrink_purged", f.shrink_purged_bytes);
	seq_printf(m, "%-15s %llu\n", "pager_shrink_moved", f.shrink_moved_bytes);
}

/* The pool's last reference: the pager goes before the pool. */
void ckremm_dev_pager_release(struct ckremm_pool *pool)
{
	mutex_lock(&ckremm_pager_lock);
	if (pool->pager)
		ckremm_pager_stop(pool);
	mutex_unlock(&ckremm_pager_lock);
}
