// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every pool in debugfs: /sys/kernel/debug/ckremm/<pool>/ for each pool
 * alive, whoever made it (the device, or other kernel code through the
 * exported calls), with three files:
 *
 *   stats     the pool's counters, one "name value" line each, and its
 *             collector's (gc_*) and pager's (pager_*) if it has them
 *   map       the arena in address order, one line per block or free run
 *   validate  "ok", or where the first inconsistency is and what it is
 *
 * The pools stay portable: they only tell the port layer of themselves
 * (ckremm_pool_created() once made, ckremm_pool_destroyed() before they
 * free anything), and this file, which is Linux only, keeps the list.
 *
 * Lifetime: a pool may be destroyed while one of its files is open, or
 * being read.  Each pool has an entry here that outlives it.  A file
 * reaches the pool only between seq_file's start and stop, with the file's
 * debugfs reference held (debugfs_file_get(), so the entry stays) and
 * under the entry's mutex; the pool calls it makes there hold the pool's
 * raw spinlock for bounded steps only, and nothing is printed, copied to
 * userspace or allocated under that spinlock (a walk copies up to
 * CKREMM_DEBUGFS_WALK extents out per call, which are printed afterwards).
 * seq_file copies to userspace after stop, with no ckremm lock held.
 * ckremm_pool_destroyed() takes the entry's mutex, so it waits for a
 * reader's step, and clears the pool; readers that come later find no
 * pool and answer -ENODEV.  The directory is removed later by a work item
 * (which waits for readers in debugfs_remove_recursive() and then frees
 * the entry), because a pool may be destroyed with mmap_lock held (the
 * device's last mapping going), which directory removal must not nest in.
 *
 * lock ordering:
 *	ckremm_create_lock, mmap_lock, or nothing (callers of the hooks)
 *	  ckremm_debugfs_lock (mutex: the list of entries and the names)
 *	  entry->lock (mutex: the entry's pool pointer)
 *	    ckremm_pager_lock (mutex: the device's pagers, pager.c)
 *	    pool lock (raw spinlock, irqsave, taken inside each pool call)
 * ckremm_debugfs_lock and an entry's lock never nest, and no debugfs call
 * (which takes debugfs's inode locks) is made under either.
 */
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <ckremm/gc.h>
#include <ckremm/h_pool.h>
#include <ckremm/t_pool.h>

#include "ckremm_port.h"
#include "ckremm_dev.h"

/*
 * Longest directory name, with room for a device label (dev-<name>) whole
 * and the suffix of a repeated name.
 */
#define CKREMM_DEBUGFS_NAME_LEN	64
/* Extents a map read copies out of a pool per hold of its lock. */
#define CKREMM_DEBUGFS_WALK	16

/**
 * struct ckremm_debugfs_pool - a pool as debugfs shows it
 * @node: in ckremm_debugfs_pools while the pool lives, then in
 *	ckremm_debugfs_dead until the reaper frees the entry
 * @lock: guards @pool; held by readers around each pool call
 * @pool: the struct h_pool or struct t_pool, NULL once destroyed
 * @kind: CKREMM_POOL_HEADER or CKREMM_POOL_TABLE
 * @dir: the pool's directory, or an error pointer
 * @name: the directory's name
 */
struct ckremm_debugfs_pool {
	struct list_head node;
	struct mutex lock;	/* guards @pool */
	void *pool;
	unsigned int kind;
	struct dentry *dir;
	char name[CKREMM_DEBUGFS_NAME_LEN];
};

static DEFINE_MUTEX(ckremm_debugfs_lock);
static LIST_HEAD(ckremm_debugfs_pools);
static LIST_HEAD(ckremm_debugfs_dead);
static struct dentry *ckremm_debugfs_root;
static unsigned long ckremm_debugfs_seq;

static void ckremm_debugfs_reap(struct work_struct *work);
static DECLARE_WORK(ckremm_debugfs_reaper, ckremm_debugfs_reap);

/*
 * Start a reader's access to the entry behind @file: the entry stays until
 * ckremm_debugfs_put(), and its pool, if any, until then too.  Return the
 * entry, locked, or an error pointer if the file was removed.
 */
static struct ckremm_debugfs_pool *ckremm_debugfs_get(const struct file *file)
{
	struct dentry *dentry = file->f_path.dentry;
	struct ckremm_debugfs_pool *e;
	int err;

	err = debugfs_file_get(dentry);
	if (err)
		return ERR_PTR(err);
	e = file_inode(file)->i_private;
	mutex_lock(&e->lock);
	return e;
}

static void ckremm_debugfs_put(const struct file *file,
			       struct ckremm_debugfs_pool *e)
{
	mutex_unlock(&e->lock);
	debugfs_file_put(file->f_path.dentry);
}

/* ---- stats ----------------------------------------------------------- */

/*
 * Whether @e is a header pool, also to the compiler: in a module built
 * with one kind of pool only (ckremm.config), the other kind's calls
 * below are dead code and are not linked.
 */
static bool ckremm_debugfs_is_header(const struct ckremm_debugfs_pool *e)
{
	if (!IS_ENABLED(CONFIG_CKREMM_TPOOL))
		return true;
	return IS_ENABLED(CONFIG_CKREMM_HPOOL) && e->kind == CKREMM_POOL_HEADER;
}

static void ckremm_debugfs_row(struct seq_file *m, const char *key, u64 value)
{
	seq_printf(m, "%-15s %llu\n", key, value);
}

/* The kind and the counters both kinds keep, as ckremmctl stats names them. */
static void ckremm_debugfs_common(struct seq_file *m, const char *kind,
				  const struct ckremm_stats *c)
{
	seq_printf(m, "%-15s %s\n", "kind", kind);
	ckremm_debugfs_row(m, "arena_size", c->arena_size);
	ckremm_debugfs_row(m, "used_bytes", c->used_bytes);
	ckremm_debugfs_row(m, "free_bytes", c->free_bytes);
	ckremm_debugfs_row(m, "largest_free", c->largest_free);
	ckremm_debugfs_row(m, "used_blocks", c->used_blocks);
	ckremm_debugfs_row(m, "free_blocks", c->free_blocks);
	ckremm_debugfs_row(m, "peak_used", c->peak_used);
	ckremm_debugfs_row(m, "failed_allocs", c->failed_allocs);
	ckremm_debugfs_row(m, "refused_calls", c->refused_calls);
	ckremm_debugfs_row(m, "frag_permille", c->frag_permille);
	ckremm_debugfs_row(m, "committed", c->committed_bytes);
	ckremm_debugfs_row(m, "purged", c->purged_bytes);
	ckremm_debugfs_row(m, "commit_failures", c->commit_failures);
}

static void ckremm_debugfs_h_stats(struct seq_file *m, struct h_pool *pool)
{
	struct ckremm_stats c = { 0 };
	struct h_pool_stats s;

	h_pool_get_stats(pool, &s);
	ckremm_stats_common(&c, &s);
	ckremm_debugfs_common(m, "header", &c);
	ckremm_debugfs_row(m, "cached_blocks", s.cached_blocks);
	ckremm_debugfs_row(m, "header_bytes", s.header_bytes);
}

/*
 * The figures of a table pool's collector, if it has one, as ckremmctl gc
 * stats names them, each prefixed "gc_".
 */
static void ckremm_debugfs_gc_stats(struct seq_file *m, struct t_pool *pool)
{
#if IS_ENABLED(CONFIG_CKREMM_GC)
	static const char * const phases[] = {
		[CKREMM_GC_IDLE] = "idle",
		[CKREMM_GC_MARK] = "mark",
		[CKREMM_GC_SWEEP] = "sweep",
		[CKREMM_GC_COMPACT] = "compact",
	};
	struct ckremm_gc_stats g;

	if (ckremm_gc_pool_stats(pool, &g))
		return;
	seq_printf(m, "%-15s %s\n", "gc_phase",
		   g.phase < ARRAY_SIZE(phases) ? phases[g.phase] : "?");
	ckremm_debugfs_row(m, "gc_cycles", g.cycles);
	ckremm_debugfs_row(m, "gc_steps", g.steps);
	ckremm_debugfs_row(m, "gc_objects", g.objects);
	ckremm_debugfs_row(m, "gc_live_bytes", g.live_bytes);
	ckremm_debugfs_row(m, "gc_allocated", g.allocated_bytes);
	ckremm_debugfs_row(m, "gc_freed_objects", g.freed_objects);
	ckremm_debugfs_row(m, "gc_freed_bytes", g.freed_bytes);
	ckremm_debugfs_row(m, "gc_pinned", g.pinned);
	ckremm_debugfs_row(m, "gc_max_step", g.max_step_work);
	ckremm_debugfs_row(m, "gc_max_start", g.max_start_work);
	ckremm_debugfs_row(m, "gc_barrier_scans", g.barrier_scans);
	ckremm_debugfs_row(m, "gc_overflows", g.overflows);
	ckremm_debugfs_row(m, "gc_failed_allocs", g.failed_allocs);
	ckremm_debugfs_row(m, "gc_meta_bytes", g.meta_bytes);
#endif
}

/*
 * What the pager of a device pool did, if it has one, as ckremmctl stats
 * names it, each prefixed "pager_" (pager.c).
 */
static void ckremm_debugfs_pager_stats(struct seq_file *m, struct t_pool *pool)
{
	ckremm_dev_pager_show(m, pool);
}

static void ckremm_debugfs_t_stats(struct seq_file *m, struct t_pool *pool)
{
	struct ckremm_stats c = { 0 };
	struct t_pool_stats s;

	t_pool_get_stats(pool, &s);
	ckremm_stats_common(&c, &s);
	ckremm_debugfs_common(m, "table", &c);
	ckremm_debugfs_row(m, "pinned_blocks", s.pinned_blocks);
	ckremm_debugfs_row(m, "table_capacity", s.table_capacity);
	ckremm_debugfs_row(m, "meta_bytes", s.meta_bytes);
	ckremm_debugfs_row(m, "reorders", s.reorders);
	ckremm_debugfs_row(m, "bytes_moved", s.bytes_moved);
	ckremm_debugfs_gc_stats(m, pool);
	ckremm_debugfs_pager_stats(m, pool);
}

static int ckremm_debugfs_stats_show(struct seq_file *m, void *v)
{
	struct ckremm_debugfs_pool *e = ckremm_debugfs_get(m->file);
	int err = 0;

	if (IS_ERR(e))
		return PTR_ERR(e);
	if (!e->pool)
		err = -ENODEV;
	else if (ckremm_debugfs_is_header(e))
		ckremm_debugfs_h_stats(m, e->pool);
	else
		ckremm_debugfs_t_stats(m, e->pool);
	ckremm_debugfs_put(m->file, e);
	return err;
}

/* ---- validate -------------------------------------------------------- */

static int ckremm_debugfs_validate_show(struct seq_file *m, void *v)
{
	struct ckremm_debugfs_pool *e = ckremm_debugfs_get(m->file);
	const char *reason = NULL;
	size_t offset = 0;
	int err;

	if (IS_ERR(e))
		return PTR_ERR(e);
	if (!e->pool) {
		err = -ENODEV;
	} else if (ckremm_debugfs_is_header(e)) {
		struct h_pool_fault f = { 0 };

		err = h_pool_validate(e->pool, &f);
		offset = f.offset;
		reason = f.reason;
	} else {
		struct t_pool_fault f = { 0 };

		err = t_pool_validate(e->pool, &f);
		offset = f.offset;
		reason = f.reason;
	}
	ckremm_debugfs_put(m->file, e);

	if (err == -ENODEV)
		return err;
	if (!err)
		seq_puts(m, "ok\n");
	else if (err == -EUCLEAN)
		seq_printf(m, "inconsistent at offset %zu: %s\n", offset,
			   reason ?: "(no reason given)");
	else
		seq_printf(m, "not checked: %d\n", err);
	return 0;
}

/* ---- map ------------------------------------------------------------- */

/**
 * struct ckremm_debugfs_map - where a read of a map file is
 * @cursor: arena offset the next walk call starts at
 * @end: @cursor is at the end of the arena
 * @pos: seq_file position of @ext[@i]
 * @n: extents in @ext
 * @i: the extent shown next
 * @entry: the entry, while held between start and stop, else NULL
 * @ext: extents copied out of the pool, whichever kind it is
 */
struct ckremm_debugfs_map {
	size_t cursor;
	bool end;
	loff_t pos;
	unsigned int n;
	unsigned int i;
	struct ckremm_debugfs_pool *entry;
	union {
		struct h_pool_extent h[CKREMM_DEBUGFS_WALK];
		struct t_pool_extent t[CKREMM_DEBUGFS_WALK];
	} ext;
};

/* Copy the next extents out of the pool; false at the end of the arena. */
static bool ckremm_debugfs_map_fill(struct ckremm_debugfs_map *it)
{
	struct ckremm_debugfs_pool *e = it->entry;
	size_t before;

	it->i = 0;
	it->n = 0;
	while (!it->n && !it->end) {
		before = it->cursor;
		if (ckremm_debugfs_is_header(e))
			it->n = h_pool_walk(e->pool, &it->cursor, it->ext.h,
					    CKREMM_DEBUGFS_WALK);
		else
			it->n = t_pool_walk(e->pool, &it->cursor, it->ext.t,
					    CKREMM_DEBUGFS_WALK);
		/* A walk that neither reports nor advances has ended. */
		if (!it->n && it->cursor <= before)
			it->end = true;
		if (!it->n && !it->end)
			cond_resched();
	}
	return it->n;
}

static void *ckremm_debugfs_map_start(struct seq_file *m, loff_t *pos)
{
	struct ckremm_debugfs_map *it = m->private;
	struct ckremm_debugfs_pool *e = ckremm_debugfs_get(m->file);

	if (IS_ERR(e))
		return e;
	it->entry = e;
	if (!e->pool)
		return ERR_PTR(-ENODEV);
	/* A seek elsewhere than where the last read stopped starts over. */
	if (*pos != it->pos || !*pos) {
		it->cursor = 0;
		it->end = false;
		it->pos = 0;
		it->n = 0;
		it->i = 0;
	}
	while (it->pos < *pos || it->i >= it->n) {
		if (it->i >= it->n && !ckremm_debugfs_map_fill(it))
			return NULL;
		if (it->pos < *pos) {
			it->i++;
			it->pos++;
		}
	}
	return it;
}

static void *ckremm_debugfs_map_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct ckremm_debugfs_map *it = v;

	(*pos)++;
	it->pos = *pos;
	if (++it->i < it->n)
		return it;
	return ckremm_debugfs_map_fill(it) ? it : NULL;
}

static void ckremm_debugfs_map_stop(struct seq_file *m, void *v)
{
	struct ckremm_debugfs_map *it = m->private;

	if (it->entry) {
		ckremm_debugfs_put(m->file, it->entry);
		it->entry = NULL;
	}
}

static int ckremm_debugfs_map_show(struct seq_file *m, void *v)
{
	struct ckremm_debugfs_map *it = v;

	if (ckremm_debugfs_is_header(it->entry)) {
		const struct h_pool_extent *x = &it->ext.h[it->i];

		seq_printf(m, "%zu %zu %s\n", x->offset, x->size,
			   x->used ? "used" : "free");
	} else {
		const struct t_pool_extent *x = &it->ext.t[it->i];

		if (x->handle == T_POOL_NO_HANDLE)
			seq_printf(m, "%zu %zu free\n", x->offset, x->size);
		else
			seq_printf(m, "%zu %zu used %llu%s\n", x->offset,
				   x->size, x->handle,
				   x->pinned ? " pinned" : "");
	}
	return 0;
}

static const struct seq_operations ckremm_debugfs_map_ops = {
	.start	= ckremm_debugfs_map_start,
	.next	= ckremm_debugfs_map_next,
	.stop	= ckremm_debugfs_map_stop,
	.show	= ckremm_debugfs_map_show,
};

static int ckremm_debugfs_map_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &ckremm_debugfs_map_ops,
				sizeof(struct ckremm_debugfs_map));
}

static const struct file_operations ckremm_debugfs_map_fops = {
	.owner		= THIS_MODULE,
	.open		= ckremm_debugfs_map_open,
	.read_iter	= seq_read_iter,
	.llseek		= seq_lseek,
	.release	= seq_release_private,
};

/*
 * The files are made with debugfs_create_file_unsafe(): every access to
 * the entry is bracketed by ckremm_debugfs_get()/ckremm_debugfs_put(), so
 * that no debugfs reference is held while seq_file copies to userspace.
 */
static int ckremm_debugfs_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, ckremm_debugfs_stats_show, NULL);
}

static int ckremm_debugfs_validate_open(struct inode *inode, struct file *file)
{
	return single_open(file, ckremm_debugfs_validate_show, NULL);
}

static const struct file_operations ckremm_debugfs_stats_fops = {
	.owner		= THIS_MODULE,
	.open		= ckremm_debugfs_stats_open,
	.read_iter	= seq_read_iter,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static const struct file_operations ckremm_debugfs_validate_fops = {
	.owner		= THIS_MODULE,
	.open		= ckremm_debugfs_validate_open,
	.read_iter	= seq_read_iter,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* ---- the list of pools ------------------------------------------------ */

static bool ckremm_debugfs_name_taken(const char *name)
{
	struct ckremm_debugfs_pool *e;

	lockdep_assert_held(&ckremm_debugfs_lock);
	list_for_each_entry(e, &ckremm_debugfs_pools, node)
		if (!strcmp(e->name, name))
			return true;
	list_for_each_entry(e, &ckremm_debugfs_dead, node)
		if (!strcmp(e->name, name))
			return true;
	return false;
}

/*
 * Name @e after @name, or after its kind if @name is NULL or empty: a
 * directory name, so a '/' or an unprintable byte becomes '_', and a
 * name already shown gets "-<n>" appended.
 */
static void ckremm_debugfs_name(struct ckremm_debugfs_pool *e,
				const char *name)
{
	char base[CKREMM_DEBUGFS_NAME_LEN - 21];
	bool numbered = !name || !*name;
	size_t i;

	lockdep_assert_held(&ckremm_debugfs_lock);
	if (numbered)
		name = ckremm_pool_kind_name(e->kind);
	strscpy(base, name, sizeof(base));
	for (i = 0; base[i]; i++)
		if (base[i] == '/' || !isgraph(base[i]))
			base[i] = '_';
	if (!strcmp(base, ".") || !strcmp(base, ".."))
		base[0] = '_';
	strscpy(e->name, base, sizeof(e->name));
	/* A pool named after its kind is always numbered, any name until unique. */
	while (numbered || ckremm_debugfs_name_taken(e->name)) {
		snprintf(e->name, sizeof(e->name), "%s-%lu", base,
			 ++ckremm_debugfs_seq);
		numbered = false;
	}
}

/**
 * ckremm_pool_created() - show a new pool in debugfs
 * @pool: the struct h_pool or struct t_pool
 * @kind: CKREMM_POOL_HEADER or CKREMM_POOL_TABLE
 * @name: the name its creator gave it, or NULL
 *
 * Called by the pools once @pool is made.  Like every debugfs call it
 * cannot fail the caller: a pool for which memory is short is not shown.
 *
 * Context: Process context; may sleep.
 * Return: the name @pool is shown under, which its trace events carry:
 * valid until the entry is freed, after ckremm_pool_destroyed(); the
 * kind's name if the pool is not shown.
 */
const char *ckremm_pool_created(void *pool, unsigned int kind,
				const char *name)
{
	struct ckremm_debugfs_pool *e;

	might_sleep();
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ckremm_pool_kind_name(kind);
	mutex_init(&e->lock);
	e->pool = pool;
	e->kind = kind;

	/*
	 * The name is taken under the lock, the directory made without it:
	 * debugfs takes its directory's inode lock, which a reader of the
	 * directory holds while it faults on user memory (mmap_lock), and
	 * ckremm_pool_destroyed() may take ckremm_debugfs_lock under
	 * mmap_lock.  No one else touches @e until the pool's creator
	 * destroys it, which is after this returns.
	 */
	mutex_lock(&ckremm_debugfs_lock);
	ckremm_debugfs_name(e, name);
	list_add_tail(&e->node, &ckremm_debugfs_pools);
	mutex_unlock(&ckremm_debugfs_lock);

	e->dir = debugfs_create_dir(e->name, ckremm_debugfs_root);
	debugfs_create_file_unsafe("stats", 0400, e->dir, e,
				   &ckremm_debugfs_stats_fops);
	debugfs_create_file_unsafe("map", 0400, e->dir, e,
				   &ckremm_debugfs_map_fops);
	debugfs_create_file_unsafe("validate", 0400, e->dir, e,
				   &ckremm_debugfs_validate_fops);
	return e->name;
}

/**
 * ckremm_pool_destroyed() - take a pool out of debugfs
 * @pool: the pool, about to be freed
 *
 * Called by the pools before they free anything.  Waits for a reader's
 * step on @pool; readers after it find no pool.  The directory goes later
 * (see the top of this file).
 *
 * Context: Process context; may sleep, also with mmap_lock held.
 */
void ckremm_pool_destroyed(void *pool)
{
	struct ckremm_debugfs_pool *e, *found = NULL;

	might_sleep();
	mutex_lock(&ckremm_debugfs_lock);
	list_for_each_entry(e, &ckremm_debugfs_pools, node) {
		if (e->pool == pool) {
			found = e;
			break;
		}
	}
	mutex_unlock(&ckremm_debugfs_lock);
	if (!found)
		return;

	/*
	 * The entry goes to the reaper only once this is done with it: on
	 * the dead list, a reaper already scheduled may free it at once.
	 * Until then it stays on the live list, where nothing else takes it
	 * (only this pool's destruction does, and the pool is not yet freed,
	 * so no new pool has its address).
	 */
	mutex_lock(&found->lock);
	found->pool = NULL;
	mutex_unlock(&found->lock);

	mutex_lock(&ckremm_debugfs_lock);
	list_move_tail(&found->node, &ckremm_debugfs_dead);
	mutex_unlock(&ckremm_debugfs_lock);
	schedule_work(&ckremm_debugfs_reaper);
}

/* Remove the directories of destroyed pools and free their entries. */
static void ckremm_debugfs_reap(struct work_struct *work)
{
	struct ckremm_debugfs_pool *e, *next;
	LIST_HEAD(doomed);

	mutex_lock(&ckremm_debugfs_lock);
	list_splice_init(&ckremm_debugfs_dead, &doomed);
	mutex_unlock(&ckremm_debugfs_lock);

	list_for_each_entry_safe(e, next, &doomed, node) {
		/* Waits for readers between debugfs_file_get() and _put(). */
		debugfs_remove_recursive(e->dir);
		mutex_destroy(&e->lock);
		kfree(e);
	}
}

/* Module init: the directory every pool's directory goes in. */
void ckremm_debugfs_init(void)
{
	ckremm_debugfs_root = debugfs_create_dir("ckremm", NULL);
}

/*
 * Module exit, once the device's pools are gone (other modules' pools went
 * before, since they hold the module): remove what is left.
 */
void ckremm_debugfs_exit(void)
{
	flush_work(&ckremm_debugfs_reaper);
	ckremm_debugfs_reap(NULL);
	WARN_ON_ONCE(!list_empty(&ckremm_debugfs_pools));
	debugfs_remove_recursive(ckremm_debugfs_root);
}
