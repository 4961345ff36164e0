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
 * A pager may be given a compressed store (ckremm/paging/zstore.c, the
 * kernel's LZ4) at PAGER_ATTACH, on a pool with no block yet.  The store
 * belongs to the pool, not to the pager (@pool->store): the pool drops
 * its copies when it is destroyed, so the store is destroyed after it
 * (ckremm_dev_store_release(), from the pool's release); a pager stopped
 * before that would leave the paged-out blocks with nobody to page them
 * in where the arena has no room, so PAGER_DETACH refuses a pool with a
 * store.  Accesses that the pool could not page in at once are paged in
 * here (ckremm_dev_pager_page_in()), and allocations that found no room
 * page out (ckremm_dev_pager_page_out()), both through the pager's work.
 *
 * Every attached pager is in ckremm_pagers, so that debugfs, which knows
 * the pools by their struct t_pool alone, can show what a pool's pager
 * did (ckremm_dev_pager_show()).
 *
 * Locking: ckremm_pager_lock (a mutex) guards @pool->pager of every pool
 * and ckremm_pagers; it is held across a pager's start and stop, which
 * may sleep, across a PAGER_PURGE, whose steps take the pool lock
 * themselves, and across the device's page-ins and page-outs (under an
 * open file's pin_lock for PIN).  A store is made with it dropped.  It
 * is taken under a debugfs entry's lock, and under mmap_lock when a
 * pool's last mapping frees it (see "lock ordering" in ckremm_dev.c).
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
#include <ckremm/zstore.h>

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
 * @zs: the pool's compressed store, or NULL; the pool's, which outlives
 *	the pager
 * @store_bytes: the bytes of the store's arena asked for, or 0
 * @free_target: the free_target it was attached with
 */
struct ckremm_dev_pager {
	struct list_head node;
	struct t_pool *tpool;
	struct ckremm_pager_work *work;
	u32 flags;
	u32 period_ms;
	u32 decay_ticks;
	struct ckremm_zstore *zs;
	u64 store_bytes;
	u64 free_target;
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
	       (s->store_bytes || !s->free_target) &&
	       (!s->store_bytes || s->store_bytes >= CKREMM_PAGER_STORE_MIN) &&
	       s->period_ms <= CKREMM_PAGER_PERIOD_MAX &&
	       s->decay_ticks <= CKREMM_PAGER_DECAY_MAX &&
	       ((s->flags & CKREMM_PAGER_REORDER) || !s->reorder_bytes) &&
	       s->keep_bytes == (size_t)s->keep_bytes &&
	       s->min_bytes == (size_t)s->min_bytes &&
	       s->step_bytes == (size_t)s->step_bytes &&
	       s->reorder_bytes == (size_t)s->reorder_bytes &&
	       s->store_bytes == (size_t)s->store_bytes &&
	       s->free_target == (size_t)s->free_target;
}

/*
 * Whether @pool can take the pager @s asks for: -EEXIST if it has one; a
 * store is set once, and a pool with one keeps its pager (-EBUSY).  Under
 * ckremm_pager_lock.
 */
static int ckremm_pager_taken(struct ckremm_pool *pool,
			      const struct ckremm_pager_setup *s)
{
	lockdep_assert_held(&ckremm_pager_lock);
	if (pool->pager)
		return -EEXIST;
	return s->store_bytes && pool->store ? -EBUSY : 0;
}

#ifdef CONFIG_CKREMM_LZ4
/*
 * The longest block a device pool's store takes: a put compresses, and an
 * access's page-in decompresses, with interrupts off (the store's raw lock,
 * the pool's), so one pass of the codec is held to this.  Longer blocks
 * stay in the arena, as blocks that do not compress do.
 */
#define CKREMM_PAGER_STORE_BLOCK_MAX	(64U << 10)

/*
 * A compressed store of @s->store_bytes for @pool, taking blocks of up to
 * CKREMM_PAGER_STORE_BLOCK_MAX; its arena is charged as a pool's would be
 * (ckremm_pool_memory_check()).  NULL in *@zs for no store.
 */
static int ckremm_pager_store_new(struct ckremm_pool *pool,
				  const struct ckremm_pager_setup *s,
				  struct ckremm_zstore **zs)
{
	struct ckremm_zstore_params zp = {
		.arena_size = s->store_bytes,
		.max_block = min_t(size_t, pool->arena_size,
				   CKREMM_PAGER_STORE_BLOCK_MAX),
	};
	int err;

	*zs = NULL;
	if (!s->store_bytes)
		return 0;
	err = ckremm_pool_memory_lock(pool->arena_size, s->store_bytes);
	if (err)
		return err;
	*zs = ckremm_zstore_create(&ckremm_codec_lz4, &zp);
	ckremm_pool_memory_unlock();
	return *zs ? 0 : -ENOMEM;
}
#else
/* No codec in this build: no store. */
static int ckremm_pager_store_new(struct ckremm_pool *pool,
				  const struct ckremm_pager_setup *s,
				  struct ckremm_zstore **zs)
{
	*zs = NULL;
	return s->store_bytes ? -EOPNOTSUPP : 0;
}
#endif

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
		.free_target = s->free_target,
	};
	struct ckremm_dev_pager *dp;
	struct ckremm_zstore *zs = NULL;
	int err = 0;

	if (!ckremm_pager_setup_valid(s))
		return -EINVAL;
	if (pool->ops->kind != CKREMM_KIND_TABLE)
		return -EOPNOTSUPP;
	if (s->free_target > pool->arena_size)
		return -EINVAL;

	dp = kzalloc(sizeof(*dp), GFP_KERNEL_ACCOUNT);
	if (!dp)
		return -ENOMEM;
	dp->tpool = to_t_pool(pool);
	dp->flags = s->flags;
	dp->period_ms = s->period_ms ?: CKREMM_PAGER_PERIOD_DEFAULT;
	dp->decay_ticks = p.decay_ticks;
	dp->store_bytes = s->store_bytes;
	dp->free_target = s->free_target;

	/*
	 * The store is made with ckremm_pager_lock dropped: its memory
	 * check takes ckremm_create_lock, which comes first.  A pool that
	 * has a pager is refused before, and again after.
	 */
	mutex_lock(&ckremm_pager_lock);
	err = ckremm_pager_taken(pool, s);
	mutex_unlock(&ckremm_pager_lock);
	if (!err)
		err = ckremm_pager_store_new(pool, s, &zs);
	if (err)
		goto out_free;
	mutex_lock(&ckremm_pager_lock);
	err = ckremm_pager_taken(pool, s);
	if (err)
		goto out;
	dp->work = ckremm_pager_work_start(dp->tpool, &p, dp->period_ms);
	if (IS_ERR(dp->work)) {
		err = PTR_ERR(dp->work);
		goto out;
	}
	if (zs) {
		err = ckremm_pager_work_set_store(dp->work,
						  ckremm_zstore_store(zs));
		if (err) {
			ckremm_pager_work_stop(dp->work);
			goto out;
		}
		pool->store = zs;
		dp->zs = zs;
		zs = NULL;
	}
	list_add(&dp->node, &ckremm_pagers);
	pool->pager = dp;
	dp = NULL;
out:
	mutex_unlock(&ckremm_pager_lock);
out_free:
	ckremm_dev_store_free(zs);
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
	if (!pool->pager)
		err = -ENODEV;
	else if (pool->store)
		err = -EBUSY;
	else
		ckremm_pager_stop(pool);
	mutex_unlock(&ckremm_pager_lock);
	return err;
}

/*
 * Whether the device may page for @pool: it has a store, and so a
 * pager (PAGER_DETACH refuses such a pool, and the pager stops only when
 * the pool's memory goes).  @pool->store is set under ckremm_pager_lock
 * before the pool could have a block to page.
 */
static bool ckremm_pager_pages(struct ckremm_pool *pool)
{
	return pool->ops->kind == CKREMM_KIND_TABLE && READ_ONCE(pool->store);
}

/*
 * Page block @arg of @pool in (@in), or out until @arg more bytes of its
 * arena are free, through its pager; -ENODEV without a store.
 */
static int ckremm_pager_through(struct ckremm_pool *pool, bool in, u64 arg)
{
	struct ckremm_pager_work *work;
	int err;

	if (!ckremm_pager_pages(pool))
		return -ENODEV;
	err = mutex_lock_killable(&ckremm_pager_lock);
	if (err)
		return err;
	work = pool->pager ? pool->pager->work : NULL;
	if (!work)
		err = -ENODEV;
	else if (in)
		err = ckremm_pager_work_page_in(work, arg);
	else
		err = ckremm_pager_work_page_out(work, (size_t)arg);
	mutex_unlock(&ckremm_pager_lock);
	return err;
}

/**
 * ckremm_dev_pager_page_in() - page in a block an access found out
 * @pool: a table pool
 * @handle: the block
 *
 * For an access the pool refused with -ENOMEM (no room in the arena) or
 * -EAGAIN (the block was being paged in or out): pages the block in
 * through the pool's pager, paging others out while there is no room.
 *
 * Context: Process context; may sleep; takes ckremm_pager_lock.
 * Return: 0 if the block was paged in (or is resident) and the access
 * may be tried again; -ENODEV if the pool has no store; else what
 * ckremm_pager_work_page_in() returns.
 */
int ckremm_dev_pager_page_in(struct ckremm_pool *pool, u64 handle)
{
	return ckremm_pager_through(pool, true, handle);
}

/**
 * ckremm_dev_pager_page_out() - make room for an allocation
 * @pool: a table pool
 * @bytes: the bytes the allocation asked for
 *
 * For an allocation the pool refused with -ENOMEM: pages out the least
 * recently used blocks until @bytes more of the arena are free, or none
 * can go.
 *
 * Context: Process context; may sleep; takes ckremm_pager_lock.
 * Return: 0 if something may have changed and the allocation may be
 * tried again; -ENODEV if the pool has no store; else what
 * ckremm_pager_work_page_out() returns.
 */
int ckremm_dev_pager_page_out(struct ckremm_pool *pool, size_t bytes)
{
	return ckremm_pager_through(pool, false, bytes);
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

/* What @dp's pool and store hold and did, into @f. */
static void ckremm_pager_read_store(const struct ckremm_dev_pager *dp,
				    struct ckremm_pager_figures *f)
{
	struct t_pool_stats ts;

	t_pool_get_stats(dp->tpool, &ts);
	f->resident_bytes = ts.resident_bytes;
	f->resident_blocks = ts.resident_blocks;
	if (!dp->zs)
		return;
#ifdef CONFIG_CKREMM_LZ4
	{
		struct ckremm_zstore_stats zst;

		ckremm_zstore_get_stats(dp->zs, &zst);
		f->store_used = zst.pool_used;
	}
#endif
	f->store_bytes = dp->store_bytes;
	f->free_target = dp->free_target;
	f->paged_out_bytes = ts.paged_out_bytes;
	f->paged_out_blocks = ts.paged_out_blocks;
	f->zero_blocks = ts.zero_blocks;
	f->stored_bytes = ts.stored_bytes;
	f->page_outs = ts.page_outs;
	f->page_ins = ts.page_ins;
	f->page_in_eagain = ts.page_in_eagain;
	f->store_written = ts.store_written;
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
	ckremm_pager_read_store(dp, f);
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
	seq_printf(m, "%-15s %llu\n", "pager_resident", f.resident_bytes);
	seq_printf(m, "%-15s %llu\n", "pager_resident_blocks", f.resident_blocks);
	if (!f.store_bytes)
		return;
	seq_printf(m, "%-15s %llu\n", "pager_store", f.store_bytes);
	seq_printf(m, "%-15s %llu\n", "pager_free_target", f.free_target);
	seq_printf(m, "%-15s %llu\n", "pager_store_used", f.store_used);
	seq_printf(m, "%-15s %llu\n", "pager_paged_out", f.paged_out_bytes);
	seq_printf(m, "%-15s %llu\n", "pager_paged_out_blocks", f.paged_out_blocks);
	seq_printf(m, "%-15s %llu\n", "pager_zero_blocks", f.zero_blocks);
	seq_printf(m, "%-15s %llu\n", "pager_stored", f.stored_bytes);
	seq_printf(m, "%-15s %llu\n", "pager_page_outs", f.page_outs);
	seq_printf(m, "%-15s %llu\n", "pager_page_ins", f.page_ins);
	seq_printf(m, "%-15s %llu\n", "pager_page_in_eagain", f.page_in_eagain);
	seq_printf(m, "%-15s %llu\n", "pager_store_written", f.store_written);
}

/**
 * ckremm_dev_store_free() - free a compressed store
 * @zs: the store, or NULL; no pool may use it any more
 *
 * Context: Process context; may sleep.
 */
void ckremm_dev_store_free(struct ckremm_zstore *zs)
{
#ifdef CONFIG_CKREMM_LZ4
	ckremm_zstore_destroy(zs);
#endif
}

/* The pool's last reference: the pager goes before the pool. */
void ckremm_dev_pager_release(struct ckremm_pool *pool)
{
	mutex_lock(&ckremm_pager_lock);
	if (pool->pager)
		ckremm_pager_stop(pool);
	mutex_unlock(&ckremm_pager_lock);
}
