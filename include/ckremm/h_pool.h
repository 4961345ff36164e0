/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm header pool: a constant-time allocator over one arena whose
 * blocks carry a 16-byte inline header.  Pointers never move.
 *
 * Every call takes the pool's lock (a raw spinlock, also on PREEMPT_RT) with
 * interrupts disabled and may be made from any context, hard interrupts
 * included, except create_h_pool() and destroy_h_pool(), which may sleep.
 * The functions are documented with kernel-doc beside their definitions in
 * ckremm/hpool/h_pool.c.
 */
#ifndef CKREMM_H_POOL_H
#define CKREMM_H_POOL_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#endif

struct h_pool;

/* Bytes of inline header in front of every block, free or used. */
#define H_POOL_HEADER_SIZE	16
/* Every block's payload is aligned to this; sizes round up to it. */
#define H_POOL_MIN_ALIGN	16
/*
 * Largest arena: block offsets are 32-bit counts of 16-byte granules; with a
 * 32-bit size_t, the largest multiple of 16 it can hold.
 */
#define H_POOL_MAX_SIZE		(sizeof(size_t) > 4 ?				\
				 (size_t)0xffffffffu * H_POOL_MIN_ALIGN :	\
				 (size_t)0xfffffff0u)
/* Most blocks one batch call handles while holding the pool lock. */
#define H_POOL_BATCH_MAX	64

/* h_pool_create() flag: sign every header with a keyed checksum. */
#define H_POOL_KEYED		0x1U
/*
 * h_pool_create() flag: keep recently freed small blocks in a front cache
 * and hand them out again before they are merged (see h_pool.c, "Front
 * cache").
 */
#define H_POOL_CACHE		0x2U

/**
 * struct h_pool_stats - a consistent snapshot of a header pool
 * @arena_size: bytes managed by the pool, headers included
 * @used_bytes: bytes in used blocks, their headers included
 * @free_bytes: bytes in free blocks, their headers included
 * @largest_free: payload bytes of the largest free block (exact unless
 *	more than 64 free blocks share the largest size class; then at
 *	least 15/16 of it).  A request
 *	whose block (payload rounded up to 16, plus the header) is at most
 *	15/16 of that block always succeeds; a larger one up to the whole
 *	block succeeds only if that block heads its size class (the price
 *	of constant-time search, see h_pool.c)
 * @used_blocks: number of allocated blocks
 * @free_blocks: number of free blocks in the free index
 * @cached_blocks: freed blocks waiting in the front cache (H_POOL_CACHE).
 *	Until an allocation takes them or a flush merges them they are the
 *	cache's: counted in @used_blocks and @used_bytes, reported used by
 *	a walk
 * @peak_used: highest @used_bytes since the pool was created
 * @failed_allocs: allocation requests refused for lack of space
 * @refused_calls: calls refused as misuse (bad pointer, double free, ...)
 * @header_bytes: bytes spent on inline headers
 * @frag_permille: external fragmentation, 0 when all free bytes form one
 *	block, approaching 1000 as free space splinters:
 *	1000 - 1000 * (largest free block) / @free_bytes
 * @committed_bytes: bytes of the arena committed now: @arena_size, less
 *	the pages the paging module gave back (ckremm/paging/)
 * @purged_bytes: bytes the paging module gave back, in total
 * @commit_failures: allocations and resizes failed because pages could
 *	not be committed again (or were being given back at that moment)
 */
struct h_pool_stats {
	size_t arena_size;
	size_t used_bytes;
	size_t free_bytes;
	size_t largest_free;
	size_t used_blocks;
	size_t free_blocks;
	size_t cached_blocks;
	size_t peak_used;
	size_t failed_allocs;
	size_t refused_calls;
	size_t header_bytes;
	unsigned int frag_permille;
	size_t committed_bytes;
	size_t purged_bytes;
	size_t commit_failures;
};

/**
 * struct h_pool_extent - one block of the arena, as reported by a walk
 * @offset: offset of the block's header from the arena start
 * @size: bytes of the block, header included
 * @used: true for an allocated block; its payload starts at
 *	@offset + H_POOL_HEADER_SIZE
 */
struct h_pool_extent {
	size_t offset;
	size_t size;
	bool used;
};

/**
 * struct h_pool_fault - the first inconsistency a validation found
 * @offset: arena offset of the block where it was found
 * @reason: what is wrong, as a static string
 */
struct h_pool_fault {
	size_t offset;
	const char *reason;
};

struct h_pool *create_h_pool(size_t size);
struct h_pool *h_pool_create(size_t size, unsigned int flags);
struct h_pool *h_pool_create_named(size_t size, unsigned int flags,
				   const char *name);
struct h_pool *h_pool_create_in(void *arena, size_t size, void *meta,
				size_t meta_size, unsigned int flags,
				const char *name);
size_t h_pool_meta_size(size_t size, unsigned int flags);
bool destroy_h_pool(struct h_pool *pool);
void *h_pool_alloc(struct h_pool *pool, size_t size);
void *h_pool_alloc_aligned(struct h_pool *pool, size_t size, size_t align);
void *h_pool_realloc(struct h_pool *pool, void *ptr, size_t size);
bool h_pool_dealloc(struct h_pool *pool, void *ptr);
bool clean_h_ptr(struct h_pool *pool, void *ptr);
bool reorder_h_mem(struct h_pool *pool);

int h_pool_alloc_block(struct h_pool *pool, size_t size, size_t align,
		       void **ptr);
int h_pool_free(struct h_pool *pool, void *ptr);
int h_pool_resize(struct h_pool *pool, void *ptr, size_t size, void **moved);
int h_pool_clean(struct h_pool *pool, void *ptr, size_t *cleaned);
int h_pool_hold(struct h_pool *pool, const void *ptr, bool alone,
		size_t *usable);
int h_pool_unhold(struct h_pool *pool, const void *ptr, bool alone);

size_t h_pool_usable_size(struct h_pool *pool, const void *ptr);
int h_pool_alloc_batch(struct h_pool *pool, size_t size, size_t align,
		       void **ptrs, unsigned int count);
int h_pool_dealloc_batch(struct h_pool *pool, void *const *ptrs,
			 unsigned int count);
int h_pool_read(struct h_pool *pool, const void *ptr, size_t pos,
		void *buf, size_t len);
int h_pool_write(struct h_pool *pool, void *ptr, size_t pos,
		 const void *buf, size_t len);
void h_pool_get_stats(struct h_pool *pool, struct h_pool_stats *stats);
int h_pool_validate(struct h_pool *pool, struct h_pool_fault *fault);
unsigned int h_pool_walk(struct h_pool *pool, size_t *cursor,
			 struct h_pool_extent *out, unsigned int max);
void *h_pool_arena(struct h_pool *pool, size_t *size);

#endif /* CKREMM_H_POOL_H */
