/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm table pool: an arena of payload bytes only, tracked by a separate
 * table, so that blocks can move and the pool can be compacted.
 *
 * Blocks are named by handles.  A handle packs the block's entry in the
 * table and the generation the block was given when it was allocated; an
 * entry that no longer holds that block refuses it, so a stale or
 * double-freed handle is refused.  A block's address is valid only while
 * the block is pinned (t_pool_pin()) or until the next reorder (or move
 * of the arena by a pager in the Linux kernel, counted as
 * t_pool_stats.arena_moves, made only while nothing is pinned): the
 * pointer-returning calls of the seed API (t_pool_alloc(), t_pool_dealloc(),
 * clean_t_ptr(), copy_t_ptr()) work on top of handles and hand out
 * addresses that reorder_t_mem() invalidates unless the block is pinned.
 *
 * Every call takes the pool's lock (a raw spinlock, also on PREEMPT_RT) with
 * interrupts disabled and may be made from any context, hard interrupts
 * included, except create and destroy, which may sleep.  The functions are
 * documented with kernel-doc beside their definitions in
 * ckremm/tpool/t_pool.c.
 */
#ifndef CKREMM_T_POOL_H
#define CKREMM_T_POOL_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
typedef unsigned long long u64;
#endif

struct t_pool;

/* Block sizes round up to this; every block's address is aligned to it. */
#define T_POOL_ALIGN		16
/*
 * Largest arena: offsets are 32-bit counts of 16-byte granules; with a
 * 32-bit size_t, the largest multiple of 16 it can hold.
 */
#define T_POOL_MAX_SIZE		(sizeof(size_t) > 4 ?				\
				 (size_t)0xfffffff0u * T_POOL_ALIGN :		\
				 (size_t)0xfffffff0u)
/* Largest table. */
#define T_POOL_MAX_CAPACITY	0x1000000U
/* Most bytes a reorder step moves per hold of the lock (64 KiB). */
#define T_POOL_STEP_MAX		0x10000U
/* Handle 0 is never a block. */
#define T_POOL_NO_HANDLE	0ULL
/* Most blocks one batch call handles while holding the pool lock. */
#define T_POOL_BATCH_MAX	64

/* t_pool_alloc_handle() flags */
#define T_POOL_REORDER_ON_FAIL	0x1U	/* compact and retry when only
					 * fragmentation stands in the way
					 */

/**
 * struct t_pool_stats - a consistent snapshot of a table pool
 * @arena_size: bytes of the arena
 * @used_bytes: bytes in used blocks
 * @free_bytes: bytes not in used blocks
 * @largest_free: bytes of the largest free run of the arena
 * @used_blocks: live blocks
 * @free_blocks: free runs of the arena
 * @pinned_blocks: blocks pinned now
 * @peak_used: highest @resident_bytes seen (@used_bytes without a store)
 * @failed_allocs: allocations refused for lack of space, of table
 *	entries, or of memory for the table to grow
 * @refused_calls: calls refused as misuse
 * @table_capacity: most blocks the pool may hold at once (its tables grow
 *	up to it as blocks come)
 * @meta_bytes: bytes of bookkeeping outside the arena, as allocated now
 * @reorders: reorder passes completed
 * @bytes_moved: payload bytes moved by reorders, in total
 * @frag_permille: 1000 - 1000 * @largest_free / @free_bytes
 * @committed_bytes: bytes of the arena committed now: @arena_size, less
 *	what the paging module gave back (ckremm/paging/)
 * @purged_bytes: bytes the paging module gave back, in total
 * @commit_failures: allocations failed because pages could not be
 *	committed again (or were being given back at that moment)
 * @resident_bytes: bytes of the blocks in the arena; with a backing store
 *	(ckremm/paging/store_pager.c) @used_bytes is @resident_bytes plus
 *	@paged_out_bytes, and @free_bytes is the arena's less @resident_bytes
 * @resident_blocks: blocks in the arena
 * @paged_out_bytes: bytes of the blocks paged out to the store
 * @paged_out_blocks: blocks paged out, @zero_blocks of them included
 * @zero_blocks: paged-out blocks that are all zeros: the store holds
 *	nothing for them
 * @stored_bytes: bytes the store says it keeps for the paged-out blocks
 * @page_outs: blocks paged out, in total
 * @page_ins: blocks paged in, in total
 * @page_in_eagain: accesses refused with -EAGAIN because the block could
 *	not be paged in at once, in total
 * @store_written: bytes written to the store, in total
 * @arena_moves: times the paging module moved the arena to give pages
 *	back or commit them (the Linux kernel's arenas): as a reorder does,
 *	a move invalidates the address of every block not pinned
 */
struct t_pool_stats {
	size_t arena_size;
	size_t used_bytes;
	size_t free_bytes;
	size_t largest_free;
	size_t used_blocks;
	size_t free_blocks;
	size_t pinned_blocks;
	size_t peak_used;
	size_t failed_allocs;
	size_t refused_calls;
	size_t table_capacity;
	size_t meta_bytes;
	size_t reorders;
	size_t bytes_moved;
	unsigned int frag_permille;
	size_t committed_bytes;
	size_t purged_bytes;
	size_t commit_failures;
	size_t resident_bytes;
	size_t resident_blocks;
	size_t paged_out_bytes;
	size_t paged_out_blocks;
	size_t zero_blocks;
	size_t stored_bytes;
	size_t page_outs;
	size_t page_ins;
	size_t page_in_eagain;
	u64 store_written;
	size_t arena_moves;
};

/**
 * struct t_pool_reorder_result - what one reorder call did
 * @bytes_moved: payload bytes moved
 * @blocks_moved: blocks moved (a block moved in several steps counts once)
 * @largest_free: bytes of the largest free run after
 * @free_blocks: free runs after
 */
struct t_pool_reorder_result {
	size_t bytes_moved;
	size_t blocks_moved;
	size_t largest_free;
	size_t free_blocks;
};

/**
 * struct t_pool_extent - one run of the arena, as reported by a walk
 * @offset: arena offset of the run
 * @size: bytes of the run
 * @handle: the block's handle, or T_POOL_NO_HANDLE for a free run
 * @pinned: the block is pinned
 */
struct t_pool_extent {
	size_t offset;
	size_t size;
	u64 handle;
	bool pinned;
};

/**
 * struct t_pool_fault - the first inconsistency a validation found
 * @offset: arena offset where it was found
 * @reason: what is wrong, as a static string
 */
struct t_pool_fault {
	size_t offset;
	const char *reason;
};

/* The seed API. */
struct t_pool *create_t_pool(size_t size);
void *t_pool_alloc(struct t_pool *pool, size_t size);
bool t_pool_dealloc(struct t_pool *pool, void *ptr);
bool destroy_t_pool(struct t_pool *pool);
bool clean_t_ptr(struct t_pool *pool, void *ptr);
bool reorder_t_mem(struct t_pool *pool);
bool copy_t_ptr(struct t_pool *pool, void *dst, const void *src);

/* Handles. */
struct t_pool *t_pool_create(size_t size, unsigned int capacity);
struct t_pool *t_pool_create_named(size_t size, unsigned int capacity,
				   const char *name);
struct t_pool *t_pool_create_in(void *arena, size_t size,
				unsigned int capacity, void *meta,
				size_t meta_size, const char *name);
size_t t_pool_meta_size(size_t size, unsigned int capacity);
u64 t_pool_alloc_handle(struct t_pool *pool, size_t size, unsigned int flags);
int t_pool_free(struct t_pool *pool, u64 handle);
int t_pool_alloc_batch(struct t_pool *pool, size_t size, u64 *handles,
		       unsigned int count);
int t_pool_free_batch(struct t_pool *pool, const u64 *handles,
		      unsigned int count);
size_t t_pool_size_of(struct t_pool *pool, u64 handle);
int t_pool_read(struct t_pool *pool, u64 handle, size_t pos, void *buf,
		size_t len);
int t_pool_write(struct t_pool *pool, u64 handle, size_t pos,
		 const void *buf, size_t len);
int t_pool_copy(struct t_pool *pool, u64 dst, u64 src);
int t_pool_clean(struct t_pool *pool, u64 handle);
int t_pool_hold(struct t_pool *pool, u64 handle, bool alone, void **addr,
		size_t *size);
int t_pool_unhold(struct t_pool *pool, u64 handle, bool alone);
void *t_pool_pin(struct t_pool *pool, u64 handle);
int t_pool_unpin(struct t_pool *pool, u64 handle);
int t_pool_offset_of(struct t_pool *pool, u64 handle, size_t *offset);
u64 t_pool_handle_of(struct t_pool *pool, const void *ptr);

/* The same, with the reason of a failure and where the block is. */
int t_pool_alloc_block(struct t_pool *pool, size_t size, unsigned int flags,
		       u64 *handle);
int t_pool_clean_locate(struct t_pool *pool, u64 handle, size_t *offset,
			size_t *size);
int t_pool_pin_locate(struct t_pool *pool, u64 handle, size_t *offset,
		      size_t *size);
int t_pool_locate(struct t_pool *pool, u64 handle, size_t *offset,
		  size_t *size);

/* Compaction, figures and checks. */
int t_pool_reorder(struct t_pool *pool, struct t_pool_reorder_result *res);
int t_pool_reorder_step(struct t_pool *pool, size_t budget,
			struct t_pool_reorder_result *res);
void t_pool_set_step(struct t_pool *pool, size_t bytes);
void t_pool_get_stats(struct t_pool *pool, struct t_pool_stats *stats);
int t_pool_validate(struct t_pool *pool, struct t_pool_fault *fault);
unsigned int t_pool_walk(struct t_pool *pool, size_t *cursor,
			 struct t_pool_extent *out, unsigned int max);
void *t_pool_arena(struct t_pool *pool, size_t *size);

#endif /* CKREMM_T_POOL_H */
