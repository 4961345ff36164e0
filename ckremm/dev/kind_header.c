// SPDX-License-Identifier: GPL-2.0-only
/*
 * The header pool behind /dev/ckremm: the ckremm_header_ops of struct
 * ckremm_pool_ops, and the module parameter h_pool_keyed.
 *
 * Userspace names a block by the arena offset of its payload's first byte;
 * this file turns such offsets into the pointers that the h_pool API takes
 * and back.  An offset outside the arena is refused here, so the pointer
 * made from one points into the arena; the pool itself then decides
 * whether a live block starts there, under its own lock.  Blocks never
 * move, so the table pool's operations (PIN, UNPIN, LOCATE, COPY and
 * CKREMM_ALLOC_REORDER) are not here: the device answers them EOPNOTSUPP.
 *
 * A header pool keeps each block's header inline in the arena, so its arena
 * is only ever mapped read-only (.map_writable = false): a writable mapping
 * would let userspace forge the headers the pool trusts.
 *
 * Locking: none of its own; each h_pool call takes the pool's lock, and
 * is made with no ckremm lock held (see struct ckremm_pool_ops).
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>

#include <ckremm/h_pool.h>

#include "ckremm_dev.h"

/* Extents converted per h_pool_walk() call, on the stack. */
#define HEADER_WALK_STEP	8

static_assert(CKREMM_BATCH_MAX <= H_POOL_BATCH_MAX);

static bool h_pool_keyed;
module_param(h_pool_keyed, bool, 0644);
MODULE_PARM_DESC(h_pool_keyed,
		 "Header pools created afterwards sign every header with a keyed checksum (H_POOL_KEYED), which also catches overruns by kernel callers that keep a header plausible, for a keyed hash per header; N checks structure only (default N)");

static struct h_pool *to_h_pool(struct ckremm_pool *pool)
{
	return pool->impl;
}

/*
 * The pointer that offset @offset from userspace makes, if it lies inside
 * the arena; the pool itself then decides, under its lock, whether a live
 * block starts there.
 */
static int header_ptr(struct ckremm_pool *pool, u64 offset, void **ptr)
{
	if (offset >= pool->arena_size)
		return -EINVAL;
	*ptr = (u8 *)pool->arena + offset;
	return 0;
}

static u64 header_offset(struct ckremm_pool *pool, const void *ptr)
{
	return (const u8 *)ptr - (const u8 *)pool->arena;
}

static int header_create(struct ckremm_pool *pool, size_t size)
{
	struct h_pool *hp;

	if (size > H_POOL_MAX_SIZE)
		return -E2BIG;
	hp = h_pool_create_named(size, READ_ONCE(h_pool_keyed) ? H_POOL_KEYED : 0,
				 pool->label);
	if (!hp)
		return -ENOMEM;
	pool->impl = hp;
	pool->arena = h_pool_arena(hp, &pool->arena_size);
	return 0;
}

static void header_destroy(struct ckremm_pool *pool)
{
	destroy_h_pool(to_h_pool(pool));
}

static int header_alloc(struct ckremm_pool *pool, size_t size, size_t align,
			u32 flags, u64 *offset)
{
	void *ptr;
	int err;

	/* Blocks of a header pool never move: there is nothing to compact. */
	if (flags & CKREMM_ALLOC_REORDER)
		return -EOPNOTSUPP;
	err = h_pool_alloc_block(to_h_pool(pool), size, align, &ptr);
	if (!err)
		*offset = header_offset(pool, ptr);
	return err;
}

static int header_alloc_batch(struct ckremm_pool *pool, size_t size,
			      size_t align, u64 *offsets, unsigned int count)
{
	void *ptrs[CKREMM_BATCH_MAX];
	unsigned int i;
	int err;

	err = h_pool_alloc_batch(to_h_pool(pool), size, align, ptrs, count);
	for (i = 0; !err && i < count; i++)
		offsets[i] = header_offset(pool, ptrs[i]);
	return err;
}

static int header_free(struct ckremm_pool *pool, u64 offset)
{
	void *ptr;

	return header_ptr(pool, offset, &ptr) ?:
	       h_pool_free(to_h_pool(pool), ptr);
}

static int header_free_batch(struct ckremm_pool *pool, const u64 *offsets,
			     unsigned int count)
{
	void *ptrs[CKREMM_BATCH_MAX];
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < count; i++)
		err = header_ptr(pool, offsets[i], &ptrs[i]);
	return err ?: h_pool_dealloc_batch(to_h_pool(pool), ptrs, count);
}

/* A header pool's block is where its offset says: @offset is @block. */
static int header_clean(struct ckremm_pool *pool, u64 block, u64 *offset,
			u64 *size)
{
	size_t cleaned;
	void *ptr;
	int err;

	err = header_ptr(pool, block, &ptr) ?:
	      h_pool_clean(to_h_pool(pool), ptr, &cleaned);
	if (!err) {
		*offset = block;
		*size = cleaned;
	}
	return err;
}

static int header_realloc(struct ckremm_pool *pool, u64 offset, size_t size,
			  u64 *new_offset)
{
	void *ptr, *moved;
	int err;

	err = header_ptr(pool, offset, &ptr) ?:
	      h_pool_resize(to_h_pool(pool), ptr, size, &moved);
	if (!err)
		*new_offset = header_offset(pool, moved);
	return err;
}

static int header_hold(struct ckremm_pool *pool, u64 offset, bool alone,
		       void **addr, size_t *size)
{
	void *ptr;
	int err;

	err = header_ptr(pool, offset, &ptr) ?:
	      h_pool_hold(to_h_pool(pool), ptr, alone, size);
	if (!err)
		*addr = ptr;
	return err;
}

static void header_unhold(struct ckremm_pool *pool, u64 offset, bool alone)
{
	/* The hold was taken by this request: the block is alive and held. */
	WARN_ON_ONCE(h_pool_unhold(to_h_pool(pool),
				   (u8 *)pool->arena + offset, alone));
}

static int header_reorder(struct ckremm_pool *pool, struct ckremm_reorder *r)
{
	/* Used blocks of a header pool never move: nothing to report. */
	return reorder_h_mem(to_h_pool(pool)) ? 0 : -EUCLEAN;
}

static void header_stats(struct ckremm_pool *pool, struct ckremm_stats *s)
{
	struct h_pool_stats st;

	h_pool_get_stats(to_h_pool(pool), &st);
	ckremm_stats_common(s, &st);
	s->meta_bytes = st.header_bytes;
	s->table_capacity = 0;
}

static int header_validate(struct ckremm_pool *pool, u64 *offset,
			   const char **reason)
{
	struct h_pool_fault fault = { 0 };
	int err;

	err = h_pool_validate(to_h_pool(pool), &fault);
	*offset = fault.offset;
	*reason = fault.reason;
	return err;
}

static unsigned int header_walk(struct ckremm_pool *pool, u64 *cursor,
				struct ckremm_extent *out, unsigned int max)
{
	struct h_pool_extent step[HEADER_WALK_STEP];
	size_t pos = *cursor;
	unsigned int n, i;

	n = h_pool_walk(to_h_pool(pool), &pos, step,
			min_t(unsigned int, max, HEADER_WALK_STEP));
	for (i = 0; i < n; i++) {
		out[i].offset = step[i].offset;
		out[i].size = step[i].size;
		out[i].flags = step[i].used ? CKREMM_EXTENT_USED : 0;
		out[i].meta = H_POOL_HEADER_SIZE;
	}
	*cursor = pos;
	return n;
}

const struct ckremm_pool_ops ckremm_header_ops = {
	.kind		= CKREMM_KIND_HEADER,
	.map_writable	= false,
	/* The bitmap of block starts: a bit per 16 bytes. */
	.meta_per_256	= 2,
	.create		= header_create,
	.destroy	= header_destroy,
	.alloc		= header_alloc,
	.free		= header_free,
	.clean		= header_clean,
	.realloc	= header_realloc,
	.alloc_batch	= header_alloc_batch,
	.free_batch	= header_free_batch,
	.hold		= header_hold,
	.unhold		= header_unhold,
	.reorder	= header_reorder,
	.stats		= header_stats,
	.validate	= header_validate,
	.walk		= header_walk,
};
