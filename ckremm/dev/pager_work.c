// SPDX-License-Identifier: GPL-2.0-only
/*
 * A table pool's pager driven in the background, and asked by the
 * kernel's memory pressure: a delayed work item on the kernel's unbound
 * workqueue that ticks the pager (include/ckremm/paging.h) every period,
 * and a shrinker.  Linux only: the portable pager (ckremm/paging/) knows
 * nothing of either and is called only through its exported API.
 *
 * In the kernel, an arena's pages are given back and committed by moving
 * the arena to a new view of its pages (ckremm/port/linux/port_linux.c),
 * in process context, only while no block is pinned or held.  The work's
 * tick does both: the decay policy's purge and the commit ahead of the
 * pool's allocations, which cannot commit pages themselves under the
 * pool's raw spinlock.  The pages a tick commits are charged to the
 * memory cgroup of the task that started the work, as the pool's first
 * pages were charged to the task that created it (set_active_memcg()
 * around the tick); pages given back leave the charge they were taken
 * under.
 *
 * The shrinker counts the pages a purge could give back now and, with
 * CKREMM_PAGING_REORDER, those a reorder would gather (the free space
 * between blocks); its scan is a reorder step of as many bytes as it is
 * asked for pages (with CKREMM_PAGING_REORDER) and a purge of as many
 * pages, keeping none above the highest block, as zsmalloc compacts from
 * its shrinker.  A purge moves the arena: it allocates the new view's
 * page table and its page array (a pointer per page) before it frees
 * pages.  The scan gives way (SHRINK_STOP) to a tick under way and to
 * reclaim that may not block.
 *
 * lock ordering:
 *	work->lock (mutex: one tick or scan at a time; a scan only tries it)
 *	  the pool lock (raw spinlock, taken inside the pool's calls)
 *	  a page's lock, then a device pool's map_lock and i_mmap_rwsem
 *	  (ckremm_dev.c), while a purge takes the pages out of mappings
 *
 *	struct ckremm_pager_work *w;
 *
 *	w = ckremm_pager_work_start(pool, &params, 100);
 *	if (IS_ERR(w))
 *		return PTR_ERR(w);
 *	...				allocate, free; no ticks
 *	ckremm_pager_work_stop(w);	before destroy_t_pool(pool)
 */

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/workqueue.h>

#include <ckremm/ckremm_ns.h>
#include <ckremm/pager_work.h>

/*
 * Linux 6.7 replaced register_shrinker() of a struct shrinker of the
 * caller's with shrinker_alloc() and shrinker_register().  The version is
 * tested as <linux/version.h> gives it (LINUX_VERSION_MAJOR and
 * LINUX_VERSION_PATCHLEVEL), as include/ckremm/ckremm_ns.h does.
 */
#define PW_SHRINKER_ALLOC \
	(KERNEL_VERSION(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL, 0) >= \
	 KERNEL_VERSION(6, 7, 0))

/* Bytes a shrinker's scan moves per reorder step it takes. */
#define PW_REORDER_STEP		0x10000U

struct ckremm_pager_work {
	struct t_pool *pool;
	struct ckremm_pager pager;
	struct mem_cgroup *memcg;	/* the starter's; NULL without memcg */
	unsigned long period;		/* jiffies between ticks */
	struct delayed_work dwork;
	struct mutex lock;		/* one tick or scan at a time */
	struct ckremm_pager_work_stats stats;	/* under @lock, but: */
	atomic64_t shrink_counts;	/* not to miss one while a tick runs */
#if PW_SHRINKER_ALLOC
	struct shrinker *shrinker;
#else
	struct shrinker shrinker;
#endif
};

#if PW_SHRINKER_ALLOC
static struct ckremm_pager_work *ckremm_pager_work_of(struct shrinker *s)
{
	return s->private_data;
}
#else
static struct ckremm_pager_work *ckremm_pager_work_of(struct shrinker *s)
{
	return container_of(s, struct ckremm_pager_work, shrinker);
}
#endif

static bool ckremm_pager_work_reorders(struct ckremm_pager_work *w)
{
	return w->pager.params.flags & CKREMM_PAGING_REORDER;
}

static void ckremm_pager_work_add(struct ckremm_pager_work *w,
				  const struct ckremm_paging_result *res)
{
	w->stats.purged_bytes += res->purged;
	w->stats.committed_bytes += res->committed;
	w->stats.moved_bytes += res->moved;
	w->stats.abandoned += res->abandoned;
	w->stats.commit_failures += res->commit_failures;
}

static void ckremm_pager_work_fn(struct work_struct *work)
{
	struct ckremm_pager_work *w = container_of(to_delayed_work(work),
						   struct ckremm_pager_work,
						   dwork);
	struct ckremm_paging_result res = { 0 };
	struct mem_cgroup *old;

	mutex_lock(&w->lock);
	old = set_active_memcg(w->memcg);
	ckremm_pager_tick(&w->pager, &res);
	set_active_memcg(old);
	w->stats.ticks++;
	ckremm_pager_work_add(w, &res);
	mutex_unlock(&w->lock);
	queue_delayed_work(system_unbound_wq, &w->dwork, w->period);
}

/**
 * ckremm_pager_work_count() - what the work's shrinker counts
 * @work: what ckremm_pager_work_start() returned
 *
 * Context: Any context; takes the pool lock once.
 * Return: the bytes a purge could give back now and, with
 * CKREMM_PAGING_REORDER, those a reorder would gather
 * (ckremm_paging_reclaimable_t()).
 */
size_t ckremm_pager_work_count(struct ckremm_pager_work *work)
{
	if (IS_ERR_OR_NULL(work))
		return 0;
	return ckremm_paging_reclaimable_t(work->pool,
					   ckremm_pager_work_reorders(work));
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_work_count, CKREMM_NS);

/**
 * ckremm_pager_work_shrink() - what the work's shrinker's scan does
 * @work: what ckremm_pager_work_start() returned
 * @bytes: bytes asked for
 *
 * With CKREMM_PAGING_REORDER, reorder steps until @bytes have moved or
 * the pool is compact; then a purge of at most @bytes, rounded down to
 * pages, keeping nothing above the highest block.
 *
 * Context: Process context; may sleep.
 * Return: bytes given back; 0 also when a tick is under way.
 */
size_t ckremm_pager_work_shrink(struct ckremm_pager_work *work, size_t bytes)
{
	struct t_pool_reorder_result step = { 0 };
	size_t purged = 0;
	int more;

	if (IS_ERR_OR_NULL(work) || !mutex_trylock(&work->lock))
		return 0;
	work->stats.shrink_scans++;
	if (ckremm_pager_work_reorders(work)) {
		do
			more = t_pool_reorder_step(work->pool, PW_REORDER_STEP,
						   &step);
		while (more > 0 && step.bytes_moved < bytes);
		work->stats.shrink_moved_bytes += step.bytes_moved;
	}
	ckremm_paging_purge_t(work->pool, 0, bytes, &purged);
	work->stats.shrink_purged_bytes += purged;
	mutex_unlock(&work->lock);
	return purged;
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_work_shrink, CKREMM_NS);

static unsigned long ckremm_pager_count(struct shrinker *s,
					struct shrink_control *sc)
{
	struct ckremm_pager_work *w = ckremm_pager_work_of(s);
	size_t bytes = ckremm_pager_work_count(w);

	atomic64_inc(&w->shrink_counts);
	return bytes ? bytes >> PAGE_SHIFT : SHRINK_EMPTY;
}

static unsigned long ckremm_pager_scan(struct shrinker *s,
				       struct shrink_control *sc)
{
	struct ckremm_pager_work *w = ckremm_pager_work_of(s);
	size_t purged;

	if (!gfpflags_allow_blocking(sc->gfp_mask))
		return SHRINK_STOP;
	purged = ckremm_pager_work_shrink(w, sc->nr_to_scan << PAGE_SHIFT);
	return purged ? purged >> PAGE_SHIFT : SHRINK_STOP;
}

#if PW_SHRINKER_ALLOC
static int ckremm_pager_shrinker_add(struct ckremm_pager_work *w)
{
	w->shrinker = shrinker_alloc(0, "ckremm-pager");
	if (!w->shrinker)
		return -ENOMEM;
	w->shrinker->count_objects = ckremm_pager_count;
	w->shrinker->scan_objects = ckremm_pager_scan;
	w->shrinker->private_data = w;
	shrinker_register(w->shrinker);
	return 0;
}

static void ckremm_pager_shrinker_del(struct ckremm_pager_work *w)
{
	shrinker_free(w->shrinker);
}
#else
static int ckremm_pager_shrinker_add(struct ckremm_pager_work *w)
{
	w->shrinker.count_objects = ckremm_pager_count;
	w->shrinker.scan_objects = ckremm_pager_scan;
	w->shrinker.seeks = DEFAULT_SEEKS;
	return register_shrinker(&w->shrinker, "ckremm-pager");
}

static void ckremm_pager_shrinker_del(struct ckremm_pager_work *w)
{
	unregister_shrinker(&w->shrinker);
}
#endif

/**
 * ckremm_pager_work_start() - page a table pool in the background
 * @pool: the pool, made by the port (not on a caller's arena)
 * @params: the decay policy (see include/ckremm/paging.h); copied
 * @period_ms: milliseconds between two ticks of the pager, 1 or more
 *
 * Makes a pager of @pool (ckremm_pager_init()), queues a delayed work
 * item on system_unbound_wq that ticks it every @period_ms, the first
 * tick at once, until ckremm_pager_work_stop(), and registers a shrinker
 * through which memory pressure asks for the pool's free pages.  Pages
 * the ticks commit are charged to the memory cgroup of the caller.  A
 * tick costs two or three holds of the pool lock when it has nothing to
 * do; a purge or a commit moves the arena, which costs a vmap() and a
 * vunmap() of the whole arena, and is made only while no block is pinned
 * or held.
 *
 * Context: Process context; may sleep.
 * Return: the work, for ckremm_pager_work_stop(); ERR_PTR(-EINVAL) if
 * @pool or @params is NULL, @period_ms or @params->decay_ticks 0;
 * ERR_PTR(-EBUSY) if a pager manages @pool already; ERR_PTR(-EOPNOTSUPP)
 * if @pool's arena is the caller's; ERR_PTR(-ENOMEM).
 */
struct ckremm_pager_work *
ckremm_pager_work_start(struct t_pool *pool,
			const struct ckremm_paging_params *params,
			unsigned int period_ms)
{
	struct ckremm_pager_work *w;
	int err;

	might_sleep();
	if (!pool || !params || !period_ms)
		return ERR_PTR(-EINVAL);
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return ERR_PTR(-ENOMEM);
	err = ckremm_pager_init(&w->pager, pool, params);
	if (err)
		goto err_free;
	w->pool = pool;
	w->period = max(msecs_to_jiffies(period_ms), 1UL);
	mutex_init(&w->lock);
	INIT_DELAYED_WORK(&w->dwork, ckremm_pager_work_fn);
	err = ckremm_pager_shrinker_add(w);
	if (err)
		goto err_exit;
	w->memcg = get_mem_cgroup_from_mm(current->mm);
	queue_delayed_work(system_unbound_wq, &w->dwork, 0);
	return w;

err_exit:
	mutex_destroy(&w->lock);
	ckremm_pager_exit(&w->pager);
err_free:
	kfree(w);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_work_start, CKREMM_NS);

/**
 * ckremm_pager_work_kick() - tick the pager now
 * @work: what ckremm_pager_work_start() returned
 *
 * The next tick runs at once instead of at the end of the period; the
 * ticks after it keep the period.
 *
 * Context: Any context.
 */
void ckremm_pager_work_kick(struct ckremm_pager_work *work)
{
	if (IS_ERR_OR_NULL(work))
		return;
	mod_delayed_work(system_unbound_wq, &work->dwork, 0);
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_work_kick, CKREMM_NS);

/**
 * ckremm_pager_work_read() - what the work and its shrinker did
 * @work: what ckremm_pager_work_start() returned
 * @stats: filled with the totals since the start
 *
 * The pool's own figures (committed_bytes, purged_bytes,
 * commit_failures, arena_moves) are in t_pool_get_stats().
 *
 * Context: Process context; may sleep (waits for a tick under way).
 */
void ckremm_pager_work_read(struct ckremm_pager_work *work,
			    struct ckremm_pager_work_stats *stats)
{
	might_sleep();
	memset(stats, 0, sizeof(*stats));
	if (IS_ERR_OR_NULL(work))
		return;
	mutex_lock(&work->lock);
	*stats = work->stats;
	mutex_unlock(&work->lock);
	stats->shrink_counts = atomic64_read(&work->shrink_counts);
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_work_read, CKREMM_NS);

/**
 * ckremm_pager_work_set_store() - give the work's pool a backing store
 * @work: what ckremm_pager_work_start() returned
 * @store: the store; it must outlive the pool
 *
 * ckremm_pager_set_store() on the work's pager, between two ticks.
 *
 * Context: Process context; may sleep (waits for a tick under way).
 * Return: what ckremm_pager_set_store() returns; -EINVAL without @work.
 */
int ckremm_pager_work_set_store(struct ckremm_pager_work *work,
				struct ckremm_store *store)
{
	int err;

	if (IS_ERR_OR_NULL(work))
		return -EINVAL;
	mutex_lock(&work->lock);
	err = ckremm_pager_set_store(&work->pager, store);
	mutex_unlock(&work->lock);
	return err;
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_work_set_store, CKREMM_NS);

/**
 * ckremm_pager_work_page_in() - page a block in for an access that could
 *	not
 * @work: what ckremm_pager_work_start() returned, with a store
 * @handle: the block
 *
 * ckremm_pager_page_in() between two ticks, pages committed charged as a
 * tick's are: other blocks are paged out while the arena has no room.
 *
 * Context: Process context; may sleep.
 * Return: what ckremm_pager_page_in() returns; -EINVAL without @work;
 * -EINTR if a fatal signal came while a tick was under way.
 */
int ckremm_pager_work_page_in(struct ckremm_pager_work *work, u64 handle)
{
	struct mem_cgroup *old;
	int err;

	if (IS_ERR_OR_NULL(work))
		return -EINVAL;
	if (mutex_lock_killable(&work->lock))
		return -EINTR;
	old = set_active_memcg(work->memcg);
	err = ckremm_pager_page_in(&work->pager, handle);
	set_active_memcg(old);
	mutex_unlock(&work->lock);
	return err;
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_work_page_in, CKREMM_NS);

/**
 * ckremm_pager_work_page_out() - page out to make room for an allocation
 * @work: what ckremm_pager_work_start() returned, with a store
 * @bytes: page out until this many more bytes of the arena are free
 *
 * ckremm_pager_page_out() between two ticks; what it paged out and what
 * the store wrote are counted in the pool's own figures.
 *
 * Context: Process context; may sleep.
 * Return: what ckremm_pager_page_out() returns; -EINVAL without @work;
 * -EINTR if a fatal signal came while a tick was under way.
 */
int ckremm_pager_work_page_out(struct ckremm_pager_work *work, size_t bytes)
{
	struct mem_cgroup *old;
	int err;

	if (IS_ERR_OR_NULL(work))
		return -EINVAL;
	if (mutex_lock_killable(&work->lock))
		return -EINTR;
	/* A node table grown meanwhile is charged as a tick's would be. */
	old = set_active_memcg(work->memcg);
	err = ckremm_pager_page_out(&work->pager, bytes, NULL);
	set_active_memcg(old);
	mutex_unlock(&work->lock);
	return err;
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_work_page_out, CKREMM_NS);

/**
 * ckremm_pager_work_stop() - stop paging a pool in the background
 * @work: what ckremm_pager_work_start() returned, or NULL
 *
 * Unregisters the shrinker, waits for a tick under way to end, commits
 * every page of the pool again (ckremm_pager_exit()) and frees @work.
 * No tick or scan begins once this returns.
 *
 * Context: Process context; may sleep.
 */
void ckremm_pager_work_stop(struct ckremm_pager_work *work)
{
	struct mem_cgroup *old;

	might_sleep();
	if (IS_ERR_OR_NULL(work))
		return;
	ckremm_pager_shrinker_del(work);
	cancel_delayed_work_sync(&work->dwork);
	old = set_active_memcg(work->memcg);
	ckremm_pager_exit(&work->pager);
	set_active_memcg(old);
	mem_cgroup_put(work->memcg);
	mutex_destroy(&work->lock);
	kfree(work);
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_work_stop, CKREMM_NS);
