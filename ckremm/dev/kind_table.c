// SPDX-License-Identifier: GPL-2.0-only
/*
 * The table pool behind /dev/ckremm: the ckremm_table_ops of struct
 * ckremm_pool_ops, and the module parameter reorder_step_bytes.
 *
 * Userspace names a table-pool block by its handle, the same 64-bit value
 * the t_pool API hands out: a reorder moves blocks, so an arena offset is
 * only a snapshot (LOCATE), stable while the block is pinned.  Handles
 * come from userspace unchecked; the pool refuses stale, freed and forged
 * ones itself, under its lock, so this file passes them straight through.
 * Blocks are never resized and all have one alignment: there is no
 * REALLOC here (the device answers it EOPNOTSUPP), and an ALLOC or
 * ALLOC_BATCH with a non-zero @align is refused with EOPNOTSUPP.
 *
 * The arena holds payload bytes only: everything the pool trusts lives in
 * tables outside it.  Userspace may therefore map it read-write
 * (.map_writable = true); bytes written through a mapping are the blocks'
 * contents and nothing else.
 *
 * A paged pool (pager.c) in the kernel has pages only where its pager
 * committed them, ahead of allocations: an ALLOC or ALLOC_BATCH that finds
 * none where its blocks would go has the pages committed for it (charged
 * to the caller's memory cgroup, in process context with no lock held)
 * and tries again (table_commit_for()), so that a pool that refills
 * between two periods of its pager is not refused for want of them.
 *
 * A reorder is one whole pass from the bottom of the arena, so that holes
 * left behind by an earlier pass are closed too; it moves at most
 * reorder_step_bytes per hold of the pool lock and drops the lock between
 * steps.
 *
 * Locking: none of its own; each t_pool call takes the pool's lock, and
 * is made with no ckremm lock held but, for PIN, UNPIN and LOCATE, the
 * pin lock of the open file (see struct ckremm_pool_ops).
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>

#include <ckremm/paging.h>
#include <ckremm/t_pool.h>

#include "ckremm_dev.h"

/* Extents converted per t_pool_walk() call, on the stack. */
#define TABLE_WALK_STEP		8

static_assert(CKREMM_BATCH_MAX <= T_POOL_BATCH_MAX);

/*
 * Most commits an allocation of a paged pool asks for, and longest it
 * waits for one that finds the pool busy (a purge of a whole arena under
 * KASAN on a loaded machine took over a quarter of a second).
 */
#define TABLE_COMMIT_TRIES	8
#define TABLE_COMMIT_WAIT_MS	1000
/*
 * Least a paged pool's allocation commits ahead: each commit moves the
 * arena, so a pool that refills block by block moves it once per this
 * much rather than once per block; the pager gives back what stays free.
 */
#define TABLE_COMMIT_AHEAD	SZ_1M

#define TABLE_STEP_MIN		256
#define TABLE_STEP_MAX		T_POOL_STEP_MAX

static unsigned long reorder_step_bytes = SZ_4K;

static int reorder_step_bytes_set(const char *val,
				  const struct kernel_param *kp)
{
	return ckremm_param_set_range(val, kp, TABLE_STEP_MIN, TABLE_STEP_MAX);
}

static const struct kernel_param_ops reorder_step_bytes_ops = {
	.set = reorder_step_bytes_set,
	.get = param_get_ulong,
};

module_param_cb(reorder_step_bytes, &reorder_step_bytes_ops,
		&reorder_step_bytes, 0644);
MODULE_PARM_DESC(reorder_step_bytes,
		 "Most bytes a table pool moves or copies per hold of its lock, 256..65536; a change applies to pools created afterwards (default 4096)");

static struct t_pool *to_t_pool(struct ckremm_pool *pool)
{
	return pool->impl;
}

static int table_create(struct ckremm_pool *pool, size_t size)
{
	struct t_pool *tp;

	if (size > T_POOL_MAX_SIZE)
		return -E2BIG;
	tp = t_pool_create_named(size, 0, pool->label);
	if (!tp)
		return -ENOMEM;
	t_pool_set_step(tp, READ_ONCE(reorder_step_bytes));
	pool->impl = tp;
	pool->arena = t_pool_arena(tp, &pool->arena_size);
	return 0;
}

static void table_destroy(struct ckremm_pool *pool)
{
	destroy_t_pool(to_t_pool(pool));
}

/*
 * After an allocation of @bytes in all failed with -ENOMEM: whether the
 * pool is paged, the allocation may have failed for want of committed
 * pages, and the pages were committed now, so that it may be tried again.
 * The first failure may be a lack of room as well: the pages are
 * committed and the allocation tried once more anyway.  A later one is
 * tried again only if the pool counted it as a commit failure (the pages
 * went again, to the pager's purge or the shrinker's), up to
 * TABLE_COMMIT_TRIES times in all; at least TABLE_COMMIT_AHEAD bytes are
 * committed.  A commit that finds a purge or another commit out, or a
 * block held, sleeps a millisecond and asks again, for up to
 * TABLE_COMMIT_WAIT_MS; not while a block is pinned, which keeps the
 * arena from moving for as long as its pin lasts.  *@failures is the
 * pool's count of commit failures after the last try, *@tries the tries.
 */
static bool table_commit_for(struct ckremm_pool *pool, size_t bytes,
			     size_t *failures, unsigned int *tries)
{
	size_t ahead = max_t(size_t, bytes, TABLE_COMMIT_AHEAD);
	struct t_pool *tp = to_t_pool(pool);
	unsigned long deadline;
	struct t_pool_stats st;
	int err;

	/* No commit makes room for more than the arena. */
	if (!IS_ENABLED(CONFIG_CKREMM_PAGING) || bytes > pool->arena_size ||
	    *tries >= TABLE_COMMIT_TRIES || fatal_signal_pending(current))
		return false;
	t_pool_get_stats(tp, &st);
	if (*tries && st.commit_failures == *failures)
		return false;
	*failures = st.commit_failures;
	++*tries;
	deadline = jiffies + msecs_to_jiffies(TABLE_COMMIT_WAIT_MS);
	for (;;) {
		err = ckremm_paging_commit_t(tp, ahead, NULL);
		if (err != -EBUSY || st.pinned_blocks ||
		    fatal_signal_pending(current) || time_after(jiffies, deadline))
			break;
		usleep_range(1000, 2000);
	}
	return !err;
}

/*
 * After an access to block @handle failed with @err: whether the pool has
 * a store and the block was paged in by the device, so that the access
 * may be tried once more.  The pool pages a block in at the access where
 * its arena has room and the store is free at that moment; else it
 * answers -ENOMEM (no room: others must be paged out, with the pool lock
 * dropped) or -EAGAIN (the block was being paged in or out), and the
 * device, in process context, pages it in through the pager (pager.c).
 */
static bool table_paged_in(struct ckremm_pool *pool, int err, u64 handle)
{
	return (err == -ENOMEM || err == -EAGAIN) &&
	       !ckremm_dev_pager_page_in(pool, handle);
}

/*
 * After an allocation of @bytes failed with -ENOMEM: whether the pool has
 * a store and blocks were paged out to make room, so that it may be tried
 * once more.  Nothing is paged out for more than the arena holds.
 */
static bool table_paged_out(struct ckremm_pool *pool, int err, size_t bytes)
{
	return err == -ENOMEM && bytes <= pool->arena_size &&
	       !ckremm_dev_pager_page_out(pool, bytes);
}

/* Every block is aligned to T_POOL_ALIGN, and no more. */
static int table_alloc(struct ckremm_pool *pool, size_t size, size_t align,
		       u32 flags, u64 *handle)
{
	unsigned int tflags = 0, tries = 0;
	size_t failures = 0;
	int err;

	if (align)
		return -EOPNOTSUPP;
	if (flags & CKREMM_ALLOC_REORDER)
		tflags |= T_POOL_REORDER_ON_FAIL;
	do
		err = t_pool_alloc_block(to_t_pool(pool), size, tflags, handle);
	while (err == -ENOMEM &&
	       table_commit_for(pool, size, &failures, &tries));
	if (table_paged_out(pool, err, size)) {
		tries = 0;
		do
			err = t_pool_alloc_block(to_t_pool(pool), size, tflags,
						 handle);
		while (err == -ENOMEM &&
		       table_commit_for(pool, size, &failures, &tries));
	}
	return err;
}

static int table_alloc_batch(struct ckremm_pool *pool, size_t size,
			     size_t align, u64 *handles, unsigned int count)
{
	unsigned int tries = 0;
	size_t failures = 0;
	int err;

	if (align)
		return -EOPNOTSUPP;
	do
		err = t_pool_alloc_batch(to_t_pool(pool), size, handles, count);
	while (err == -ENOMEM && size <= SIZE_MAX / count &&
	       table_commit_for(pool, size * count, &failures, &tries));
	if (size <= SIZE_MAX / count &&
	    table_paged_out(pool, err, size * count)) {
		tries = 0;
		do
			err = t_pool_alloc_batch(to_t_pool(pool), size,
						 handles, count);
		while (err == -ENOMEM &&
		       table_commit_for(pool, size * count, &failures, &tries));
	}
	return err;
}

static int table_free(struct ckremm_pool *pool, u64 handle)
{
	return t_pool_free(to_t_pool(pool), handle);
}

static int table_free_batch(struct ckremm_pool *pool, const u64 *handles,
			    unsigned int count)
{
	return t_pool_free_batch(to_t_pool(pool), handles, count);
}

/*
 * The calls that say where a block is and its size, in the u64 fields of
 * the ABI: the one pool call reports both, so they describe one block.
 */
static int table_report(int (*call)(struct t_pool *pool, u64 handle,
				    size_t *offset, size_t *size),
			struct ckremm_pool *pool, u64 handle, u64 *offset,
			u64 *size)
{
	size_t off, bytes;
	int err;

	err = call(to_t_pool(pool), handle, &off, &bytes);
	if (table_paged_in(pool, err, handle))
		err = call(to_t_pool(pool), handle, &off, &bytes);
	if (!err) {
		*offset = off;
		*size = bytes;
	}
	return err;
}

static int table_clean(struct ckremm_pool *pool, u64 handle, u64 *offset,
		       u64 *size)
{
	return table_report(t_pool_clean_locate, pool, handle, offset, size);
}

static int table_pin(struct ckremm_pool *pool, u64 handle, u64 *offset,
		     u64 *size)
{
	return table_report(t_pool_pin_locate, pool, handle, offset, size);
}

static int table_locate(struct ckremm_pool *pool, u64 handle, u64 *offset,
			u64 *size)
{
	return table_report(t_pool_locate, pool, handle, offset, size);
}

static int table_unpin(struct ckremm_pool *pool, u64 handle)
{
	return t_pool_unpin(to_t_pool(pool), handle);
}

static int table_hold(struct ckremm_pool *pool, u64 handle, bool alone,
		      void **addr, size_t *size)
{
	int err = t_pool_hold(to_t_pool(pool), handle, alone, addr, size);

	if (table_paged_in(pool, err, handle))
		err = t_pool_hold(to_t_pool(pool), handle, alone, addr, size);
	return err;
}

static void table_unhold(struct ckremm_pool *pool, u64 handle, bool alone)
{
	/* The hold was taken by this request: the block is alive and held. */
	WARN_ON_ONCE(t_pool_unhold(to_t_pool(pool), handle, alone));
}

static int table_copy(struct ckremm_pool *pool, u64 dst, u64 src)
{
	int err = t_pool_copy(to_t_pool(pool), dst, src);

	/* Each end may be out: page in the source, then the destination. */
	if (table_paged_in(pool, err, src) && table_paged_in(pool, err, dst))
		err = t_pool_copy(to_t_pool(pool), dst, src);
	return err;
}

static int table_reorder(struct ckremm_pool *pool, struct ckremm_reorder *r)
{
	struct t_pool_reorder_result res;
	int err;

	err = t_pool_reorder(to_t_pool(pool), &res);
	if (err)
		return err;
	r->bytes_moved = res.bytes_moved;
	r->blocks_moved = res.blocks_moved;
	return 0;
}

static void table_stats(struct ckremm_pool *pool, struct ckremm_stats *s)
{
	struct t_pool_stats st;

	t_pool_get_stats(to_t_pool(pool), &st);
	ckremm_stats_common(s, &st);
	s->meta_bytes = st.meta_bytes;
	s->table_capacity = st.table_capacity;
	s->pinned_blocks = st.pinned_blocks;
}

static int table_validate(struct ckremm_pool *pool, u64 *offset,
			  const char **reason)
{
	struct t_pool_fault fault = { 0 };
	int err;

	err = t_pool_validate(to_t_pool(pool), &fault);
	*offset = fault.offset;
	*reason = fault.reason;
	return err;
}

/*
 * t_pool_walk() resumes at the run that holds the cursor, which starts
 * before it if runs merged since the last call.  The ABI resumes at the
 * first run at or after the cursor, so such a run is left out rather than
 * reported twice: a call may report nothing and still advance *@cursor.
 */
static unsigned int table_walk(struct ckremm_pool *pool, u64 *cursor,
			       struct ckremm_extent *out, unsigned int max)
{
	struct t_pool_extent step[TABLE_WALK_STEP];
	size_t start = *cursor, pos = *cursor;
	unsigned int done = 0, n, i;

	n = t_pool_walk(to_t_pool(pool), &pos, step,
			min_t(unsigned int, max, TABLE_WALK_STEP));
	for (i = 0; i < n; i++) {
		if (step[i].offset < start)
			continue;
		out[done].offset = step[i].offset;
		out[done].size = step[i].size;
		out[done].flags = 0;
		if (step[i].handle != T_POOL_NO_HANDLE)
			out[done].flags |= CKREMM_EXTENT_USED;
		if (step[i].pinned)
			out[done].flags |= CKREMM_EXTENT_PINNED;
		out[done].meta = 0;
		done++;
	}
	*cursor = pos;
	return done;
}

const struct ckremm_pool_ops ckremm_table_ops = {
	.kind		= CKREMM_KIND_TABLE,
	.map_writable	= true,
	/*
	 * Tables grow with the blocks (see t_pool.c), up to one block per
	 * 256 bytes by default: two nodes of 20 bytes per block (a block
	 * and a free run), 4080 of every 4096 bytes of a chunk, and a
	 * directory and region table of well under a byte per 256.
	 */
	.meta_per_256	= 42,
	.create		= table_create,
	.destroy	= table_destroy,
	.alloc		= table_alloc,
	.free		= table_free,
	.clean		= table_clean,
	.alloc_batch	= table_alloc_batch,
	.free_batch	= table_free_batch,
	.hold		= table_hold,
	.unhold		= table_unhold,
	.pin		= table_pin,
	.unpin		= table_unpin,
	.locate		= table_locate,
	.copy		= table_copy,
	.reorder	= table_reorder,
	.stats		= table_stats,
	.validate	= table_validate,
	.walk		= table_walk,
};
