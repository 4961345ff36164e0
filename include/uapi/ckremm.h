/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * ckremm userspace ABI: memory pools driven through /dev/ckremm.
 *
 * Every request is a fixed-layout struct of __u32/__u64 fields with explicit
 * padding.  Fields named reserved and pad must be zero; flags accept only
 * the bits of their mask.  A request that fails validation returns an error
 * and changes nothing.  Userspace never sees a kernel address: blocks are
 * named by their byte offset in the pool's arena.
 *
 * Pools are named per open file by a small integer id (@pool).  Pools
 * created by an open file die with it, unless created with
 * CKREMM_CREATE_NAMED: a named pool outlives its creator, carries the
 * creator's uid, gid and a mode, is opened by name (checked like a file's
 * permissions) and lives until destroyed or until the module is unloaded.
 *
 * Example:
 *
 *	int fd = open("/dev/ckremm", O_RDWR | O_CLOEXEC);
 *	struct ckremm_create c = { .kind = CKREMM_KIND_HEADER, .size = 1 << 20 };
 *	ioctl(fd, CKREMM_IOC_CREATE, &c);
 *	struct ckremm_alloc a = { .pool = c.pool, .size = 100 };
 *	ioctl(fd, CKREMM_IOC_ALLOC, &a);
 *	const char *view = mmap(NULL, c.arena_size, PROT_READ, MAP_SHARED,
 *				fd, c.mmap_offset);
 *	// view + a.offset is the block's first byte
 */
#ifndef _UAPI_LINUX_CKREMM_H
#define _UAPI_LINUX_CKREMM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CKREMM_ABI_VERSION	1
#define CKREMM_IOC_MAGIC	0xC7

/* Pool names: NUL-terminated, [A-Za-z0-9._-], at most 31 characters. */
#define CKREMM_NAME_LEN		32
/* Most offsets one batch request carries. */
#define CKREMM_BATCH_MAX	64
/* mmap() offset of pool id p is p << CKREMM_MMAP_SHIFT. */
#define CKREMM_MMAP_SHIFT	36

/* Pool kinds. */
#define CKREMM_KIND_HEADER	1	/* h_pool: inline headers, fixed blocks */
#define CKREMM_KIND_TABLE	2	/* t_pool: handles, movable blocks */

/**
 * struct ckremm_version - CKREMM_IOC_VERSION: the ABI version
 * @abi: out: CKREMM_ABI_VERSION of the running module
 * @reserved: must be zero
 */
struct ckremm_version {
	__u32 abi;
	__u32 reserved;
};

#define CKREMM_CREATE_NAMED	(1U << 0)
#define CKREMM_CREATE_FLAGS	(CKREMM_CREATE_NAMED)

/**
 * struct ckremm_create - CKREMM_IOC_CREATE: make a pool
 * @kind: CKREMM_KIND_*
 * @flags: CKREMM_CREATE_*
 * @size: requested arena bytes; the pool may use slightly fewer
 * @mode: permission bits (0..0777) of a named pool; 0 means 0600;
 *	must be 0 for an unnamed pool
 * @pool: out: the pool's id in this open file
 * @mmap_offset: out: offset to pass to mmap() for the arena
 * @arena_size: out: bytes the pool manages
 * @name: the name of a named pool; must be all zero otherwise
 * @reserved: must be zero
 */
struct ckremm_create {
	__u32 kind;
	__u32 flags;
	__u64 size;
	__u32 mode;
	__u32 pool;
	__u64 mmap_offset;
	__u64 arena_size;
	char name[CKREMM_NAME_LEN];
	__u64 reserved[2];
};

#define CKREMM_OPEN_RDONLY	(1U << 0)
#define CKREMM_OPEN_FLAGS	(CKREMM_OPEN_RDONLY)

/**
 * struct ckremm_open - CKREMM_IOC_OPEN: attach a named pool to this file
 * @name: the pool's name
 * @flags: CKREMM_OPEN_*; read-only attachments may read, map, list and
 *	query but not change the pool
 * @pool: out: the pool's id in this open file
 * @kind: out: CKREMM_KIND_*
 * @pad: must be zero
 * @arena_size: out: bytes the pool manages
 * @mmap_offset: out: offset to pass to mmap() for the arena
 * @reserved: must be zero
 */
struct ckremm_open {
	char name[CKREMM_NAME_LEN];
	__u32 flags;
	__u32 pool;
	__u32 kind;
	__u32 pad;
	__u64 arena_size;
	__u64 mmap_offset;
	__u64 reserved[2];
};

/**
 * struct ckremm_pool_ref - CKREMM_IOC_DESTROY, CKREMM_IOC_CLOSE
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @reserved: must be zero
 *
 * CLOSE detaches the pool from this open file; an unnamed pool dies then.
 * DESTROY also removes a named pool's name (owner or CAP_SYS_ADMIN only);
 * its memory goes when the last open file attached to it lets go.
 */
struct ckremm_pool_ref {
	__u32 pool;
	__u32 flags;
	__u64 reserved;
};

/**
 * struct ckremm_alloc - CKREMM_IOC_ALLOC: allocate one block
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @size: bytes wanted, at least 1
 * @align: 0 for the pool's natural alignment, or a power of two up to
 *	the page size
 * @offset: out: arena offset of the block's first byte
 * @reserved: must be zero
 */
struct ckremm_alloc {
	__u32 pool;
	__u32 flags;
	__u64 size;
	__u64 align;
	__u64 offset;
	__u64 reserved;
};

/**
 * struct ckremm_block - CKREMM_IOC_FREE, CKREMM_IOC_CLEAN: act on a block
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @offset: arena offset of the block's first byte
 * @size: out: the block's usable bytes (CLEAN only; zero for FREE)
 * @reserved: must be zero
 */
struct ckremm_block {
	__u32 pool;
	__u32 flags;
	__u64 offset;
	__u64 size;
	__u64 reserved;
};

/**
 * struct ckremm_realloc - CKREMM_IOC_REALLOC: resize a block
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @offset: arena offset of the block
 * @size: new size, at least 1
 * @new_offset: out: where the block is now; contents are kept up to the
 *	smaller of the two sizes, and so is the block's alignment
 * @reserved: must be zero
 */
struct ckremm_realloc {
	__u32 pool;
	__u32 flags;
	__u64 offset;
	__u64 size;
	__u64 new_offset;
	__u64 reserved;
};

/**
 * struct ckremm_batch - CKREMM_IOC_ALLOC_BATCH, CKREMM_IOC_FREE_BATCH
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @count: number of blocks, 1..CKREMM_BATCH_MAX
 * @reserved0: must be zero
 * @size: ALLOC_BATCH: bytes of each block; FREE_BATCH: must be zero
 * @align: ALLOC_BATCH: as in struct ckremm_alloc; FREE_BATCH: must be zero
 * @offsets: user pointer to @count __u64 offsets: written by ALLOC_BATCH,
 *	read by FREE_BATCH
 * @reserved: must be zero
 *
 * Both are all or nothing: ALLOC_BATCH allocates every block or none;
 * FREE_BATCH checks every offset (duplicates included) before it frees any.
 */
struct ckremm_batch {
	__u32 pool;
	__u32 flags;
	__u32 count;
	__u32 reserved0;
	__u64 size;
	__u64 align;
	__u64 offsets;
	__u64 reserved;
};

/**
 * struct ckremm_rw - CKREMM_IOC_READ, CKREMM_IOC_WRITE: block contents
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @offset: arena offset of the block
 * @pos: first byte inside the block
 * @len: bytes to copy; @pos + @len must lie inside the block
 * @buf: user pointer to @len bytes
 * @reserved: must be zero
 */
struct ckremm_rw {
	__u32 pool;
	__u32 flags;
	__u64 offset;
	__u64 pos;
	__u64 len;
	__u64 buf;
	__u64 reserved;
};

/**
 * struct ckremm_reorder - CKREMM_IOC_REORDER: defragment a pool
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @bytes_moved: out: payload bytes moved (always 0 for a header pool)
 * @blocks_moved: out: blocks moved (always 0 for a header pool)
 * @largest_free: out: payload bytes of the largest free block after
 * @free_blocks: out: number of free blocks after
 * @reserved: must be zero
 */
struct ckremm_reorder {
	__u32 pool;
	__u32 flags;
	__u64 bytes_moved;
	__u64 blocks_moved;
	__u64 largest_free;
	__u64 free_blocks;
	__u64 reserved[2];
};

/**
 * struct ckremm_stats - CKREMM_IOC_STATS: a snapshot of a pool
 * @pool: the pool's id in this open file
 * @kind: out: CKREMM_KIND_*
 * @arena_size: out: bytes managed
 * @used_bytes: out: bytes in used blocks (headers included)
 * @free_bytes: out: bytes in free blocks (headers included)
 * @largest_free: out: payload bytes of the largest free block
 * @used_blocks: out: allocated blocks
 * @free_blocks: out: free blocks
 * @peak_used: out: highest @used_bytes seen
 * @failed_allocs: out: allocations refused for lack of space
 * @refused_calls: out: calls refused as misuse
 * @meta_bytes: out: bookkeeping bytes (inline headers or table)
 * @table_capacity: out: table slots (table pools; 0 otherwise)
 * @frag_permille: out: 1000 - 1000 * largest free block / free bytes
 * @pad: zero
 * @reserved: must be zero
 */
struct ckremm_stats {
	__u32 pool;
	__u32 kind;
	__u64 arena_size;
	__u64 used_bytes;
	__u64 free_bytes;
	__u64 largest_free;
	__u64 used_blocks;
	__u64 free_blocks;
	__u64 peak_used;
	__u64 failed_allocs;
	__u64 refused_calls;
	__u64 meta_bytes;
	__u64 table_capacity;
	__u32 frag_permille;
	__u32 pad;
	__u64 reserved[4];
};

/**
 * struct ckremm_validate - CKREMM_IOC_VALIDATE: check a pool's structure
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @status: out: 0 if consistent, else -EUCLEAN
 * @pad: zero
 * @offset: out: arena offset of the first inconsistency
 * @reason: out: NUL-terminated description of it
 * @reserved: must be zero
 */
struct ckremm_validate {
	__u32 pool;
	__u32 flags;
	__s32 status;
	__u32 pad;
	__u64 offset;
	char reason[64];
	__u64 reserved;
};

/**
 * struct ckremm_list_entry - one named pool, as listed
 * @name: its name
 * @kind: CKREMM_KIND_*
 * @uid: owner
 * @gid: group
 * @mode: permission bits
 * @arena_size: bytes managed
 * @used_bytes: bytes in used blocks
 */
struct ckremm_list_entry {
	char name[CKREMM_NAME_LEN];
	__u32 kind;
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u64 arena_size;
	__u64 used_bytes;
};

/**
 * struct ckremm_list - CKREMM_IOC_LIST: the named pools
 * @count: in: room in @entries; out: number of named pools (may exceed
 *	the room given, in which case only that many were written)
 * @flags: must be zero
 * @entries: user pointer to @count struct ckremm_list_entry
 * @reserved: must be zero
 */
struct ckremm_list {
	__u32 count;
	__u32 flags;
	__u64 entries;
	__u64 reserved;
};

#define CKREMM_EXTENT_USED	(1U << 0)

/**
 * struct ckremm_extent - one run of the arena, as walked
 * @offset: arena offset where the run starts (its header, if any)
 * @size: bytes of the run
 * @flags: CKREMM_EXTENT_*
 * @meta: bytes of inline header at @offset (payload starts after them)
 */
struct ckremm_extent {
	__u64 offset;
	__u64 size;
	__u32 flags;
	__u32 meta;
};

/* Returned in @cursor when the walk has reached the end of the arena. */
#define CKREMM_WALK_END		(~(__u64)0)

/**
 * struct ckremm_walk - CKREMM_IOC_WALK: the blocks of a pool, in order
 * @pool: the pool's id in this open file
 * @count: in: room in @entries (1..4096); out: entries written
 * @cursor: in: 0 to start, else the cursor a previous call returned;
 *	out: where to continue, or CKREMM_WALK_END
 * @entries: user pointer to @count struct ckremm_extent
 * @reserved: must be zero
 */
struct ckremm_walk {
	__u32 pool;
	__u32 count;
	__u64 cursor;
	__u64 entries;
	__u64 reserved;
};

#define CKREMM_IOC_VERSION	_IOR(CKREMM_IOC_MAGIC, 0x00, struct ckremm_version)
#define CKREMM_IOC_CREATE	_IOWR(CKREMM_IOC_MAGIC, 0x01, struct ckremm_create)
#define CKREMM_IOC_OPEN		_IOWR(CKREMM_IOC_MAGIC, 0x02, struct ckremm_open)
#define CKREMM_IOC_CLOSE	_IOW(CKREMM_IOC_MAGIC, 0x03, struct ckremm_pool_ref)
#define CKREMM_IOC_DESTROY	_IOW(CKREMM_IOC_MAGIC, 0x04, struct ckremm_pool_ref)
#define CKREMM_IOC_ALLOC	_IOWR(CKREMM_IOC_MAGIC, 0x05, struct ckremm_alloc)
#define CKREMM_IOC_FREE		_IOW(CKREMM_IOC_MAGIC, 0x06, struct ckremm_block)
#define CKREMM_IOC_CLEAN	_IOWR(CKREMM_IOC_MAGIC, 0x07, struct ckremm_block)
#define CKREMM_IOC_REALLOC	_IOWR(CKREMM_IOC_MAGIC, 0x08, struct ckremm_realloc)
#define CKREMM_IOC_ALLOC_BATCH	_IOW(CKREMM_IOC_MAGIC, 0x09, struct ckremm_batch)
#define CKREMM_IOC_FREE_BATCH	_IOW(CKREMM_IOC_MAGIC, 0x0a, struct ckremm_batch)
#define CKREMM_IOC_READ		_IOW(CKREMM_IOC_MAGIC, 0x0b, struct ckremm_rw)
#define CKREMM_IOC_WRITE	_IOW(CKREMM_IOC_MAGIC, 0x0c, struct ckremm_rw)
#define CKREMM_IOC_REORDER	_IOWR(CKREMM_IOC_MAGIC, 0x0d, struct ckremm_reorder)
#define CKREMM_IOC_STATS	_IOWR(CKREMM_IOC_MAGIC, 0x0e, struct ckremm_stats)
#define CKREMM_IOC_VALIDATE	_IOWR(CKREMM_IOC_MAGIC, 0x0f, struct ckremm_validate)
#define CKREMM_IOC_LIST		_IOWR(CKREMM_IOC_MAGIC, 0x10, struct ckremm_list)
#define CKREMM_IOC_WALK		_IOWR(CKREMM_IOC_MAGIC, 0x11, struct ckremm_walk)

#endif /* _UAPI_LINUX_CKREMM_H */
