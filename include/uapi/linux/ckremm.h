/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * ckremm userspace ABI: memory pools driven through /dev/ckremm.
 *
 * Every request is a fixed-layout struct of __u32/__u64 fields with explicit
 * padding.  Fields named reserved and pad must be zero; flags accept only
 * the bits of their mask; fields documented as "out:" only must be zero on
 * input too, so that a stale request passed again is caught.  A request
 * that fails validation returns an error and changes nothing.  Userspace
 * never sees a kernel address: a block is named by a __u64, its byte
 * offset in the pool's arena or a handle, as the pool's kind decides.
 *
 * Pools are named per open file by a small integer id (@pool).  Pools
 * created by an open file die with it, unless created with
 * CKREMM_CREATE_NAMED: a named pool outlives its creator, carries the
 * creator's uid, gid and a mode, is opened by name (checked like a file's
 * permissions) and lives until destroyed or until the module is unloaded.
 *
 * Two kinds of pool, one set of requests.  Every request that acts on a
 * block names it by one __u64, @block:
 *	CKREMM_KIND_HEADER	blocks never move; @block is the arena offset
 *		of the block's first usable byte
 *	CKREMM_KIND_TABLE	blocks move when the pool is reordered; @block
 *		is a handle (see "Table pools" below)
 * Both kinds take VERSION, CREATE, OPEN, CLOSE, DESTROY, ALLOC, FREE,
 * CLEAN, ALLOC_BATCH, FREE_BATCH, READ, WRITE, REORDER, STATS, VALIDATE,
 * LIST, WALK and mmap().  Operations that only one kind has answer the
 * other kind EOPNOTSUPP: REALLOC and a non-zero @align are the header
 * pool's; PIN, UNPIN, LOCATE, COPY, CKREMM_ALLOC_REORDER, the GC_* and
 * PAGER_* requests are the table pool's.
 *
 * ABI version 1 named blocks by offset in one set of requests and by
 * handle in another (T_ALLOC, T_FREE, ...).  Version 2 numbers its block
 * requests afresh; the numbers version 1 used for them answer EPROTO, so
 * that a program built for version 1 is refused, not misread.  Programs
 * check CKREMM_IOC_VERSION, whose number and layout never change.
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
 *	// view + a.block is the block's first byte
 *
 * Mapping: the mmap() offset is a pool's mmap_offset plus, optionally, a
 * page-aligned offset into its arena; the mapping must lie inside the arena
 * rounded up to whole pages.  Header pools, and table pools attached
 * read-only, map read-only only: PROT_WRITE fails with EACCES and
 * mprotect() cannot add it later.  Other table pools map read-write as well
 * (their arena holds block contents only).  A mapping keeps the pool's
 * memory alive after CLOSE, DESTROY or close() of the file.  A 32-bit
 * process can map pools with ids up to 255 (mmap2() carries 32 bits of page
 * offset); ids are handed out lowest first.
 *
 * Concurrent requests on one block: every block behaves as if guarded by
 * a reader-writer lock that requests try and never wait for.  READ and
 * the source of COPY share it; every other request on a block takes it
 * alone: WRITE, CLEAN, the destination of COPY, FREE, every block of a
 * FREE_BATCH, and REALLOC (the block, and the new block while a moving
 * REALLOC copies into it).  A
 * request keeps its hold for as long as it runs, however many steps a
 * large block takes, whoever else (another thread, process or open file)
 * acts on the pool meanwhile.  A request that finds a conflicting hold
 * answers EBUSY and changes nothing; so no request is left half done by
 * another, and a read never sees a block half written.  PIN, UNPIN,
 * LOCATE, REORDER, WALK, STATS and VALIDATE take no hold; a reorder
 * steps over held blocks as over pinned ones.  A request refused because
 * readers hold its block keeps new readers out until they are gone, so
 * that overlapping reads cannot refuse writers for ever.  CLOSE and
 * DESTROY of a pool never cut a running request short: it keeps the pool
 * alive until it ends.  Bytes written through a mapping of a table pool
 * take no hold: a reader that maps its pool read-write can see its own
 * writes half done.
 *
 * Sizes: @size 0 is EINVAL; a size the pool has no room for, now or ever
 * (larger than its arena), is ENOMEM, for ALLOC, ALLOC_BATCH and REALLOC
 * alike.
 *
 * Errors, common to every request:
 *	ENOTTY	not a ckremm command (type, number or direction unknown)
 *	EINVAL	the command's size is not the size of its struct, or a
 *		field fails validation: unknown flag bits, non-zero
 *		reserved/pad/out field, bad name, size or alignment, count
 *		out of range, a @block that is not a live block of the
 *		pool (an offset outside the arena or not a block's first
 *		byte; a handle that is 0, freed, stale or forged),
 *		@pos/@len outside the block
 *	EFAULT	the request or a buffer it points to is not accessible;
 *		for requests that return data, the struct is checked to be
 *		writable before anything changes
 *	ENOENT	@pool is not a pool id of this open file; OPEN: no named
 *		pool has that name
 *	EBADF	the pool is attached read-only (CKREMM_OPEN_RDONLY) and the
 *		request would change it: ALLOC, FREE, CLEAN, REALLOC,
 *		ALLOC_BATCH, FREE_BATCH, WRITE, COPY, REORDER, and PIN and
 *		UNPIN, since pins decide which blocks a reorder may move or
 *		a FREE may free; PAGER_ATTACH, PAGER_DETACH and PAGER_PURGE
 *	ENOMEM	the pool has no room for the block (ALLOC, REALLOC, the
 *		batch is refused whole; for a table pool also when its
 *		handle table is full), or the kernel is out of memory; a pool's
 *		arena and tables are never taken at the price of the OOM
 *		killer
 *	EBUSY	another request holds the block (see "Concurrent requests
 *		on one block" above): FREE, CLEAN, REALLOC, FREE_BATCH,
 *		READ, WRITE, COPY
 *	EOPNOTSUPP  the pool's kind does not take the request or one of
 *		its fields: REALLOC or a non-zero @align on a table pool;
 *		PIN, UNPIN, LOCATE, COPY, CKREMM_ALLOC_REORDER or the
 *		PAGER_* requests on a header pool
 *	EPROTO	a request number of ABI version 1 that version 2 retired
 *		(see above)
 * and to some:
 *	CREATE	E2BIG: @size above the max_pool_size module parameter;
 *		ENOMEM: the arena and its tables would leave less than a
 *		sixteenth of the machine's RAM available (MemAvailable), or
 *		could not be allocated;
 *		EINVAL: @size below CKREMM_POOL_MIN_SIZE or unknown @kind;
 *		EDQUOT: the caller's fsuid already has max_pools_per_user
 *		pools alive (named and unnamed, until their memory is freed);
 *		EEXIST: a named pool of that name exists
 *	OPEN	EACCES: the pool's mode does not grant read (RDONLY) or
 *		read and write, as for opening a file
 *	CREATE, OPEN	EMFILE: this open file has no pool id left
 *	DESTROY	EPERM: the pool is named and the caller neither owns it
 *		(fsuid) nor has CAP_SYS_ADMIN
 *	READ, WRITE	EINTR: a fatal signal stopped a long copy midway
 *	REORDER	EUCLEAN: the pool found itself inconsistent
 *	WALK	EINVAL: @cursor beyond the arena and not CKREMM_WALK_END
 *	FREE, FREE_BATCH	EBUSY: also when a table pool's block is
 *		pinned, through any attachment
 *	COPY	ENOSPC: @dst is smaller than @src
 *	PIN	EOVERFLOW: this attachment already holds UINT_MAX pins on
 *		the block, or 65535 attachments already pin it
 *	UNPIN	EINVAL: this attachment holds no pin on @block
 * A READ or WRITE that faults on the user buffer, or is
 * interrupted, may have copied a prefix; every other request either
 * completes or changes nothing (unless the caller unmaps the struct while
 * the call runs).
 */
#ifndef _UAPI_LINUX_CKREMM_H
#define _UAPI_LINUX_CKREMM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CKREMM_ABI_VERSION	2
#define CKREMM_IOC_MAGIC	0xC7

/* Pool names: NUL-terminated, [A-Za-z0-9._-], at most 31 characters. */
#define CKREMM_NAME_LEN		32
/* Most blocks one batch request carries. */
#define CKREMM_BATCH_MAX	64
/* mmap() offset of pool id p is p << CKREMM_MMAP_SHIFT. */
#define CKREMM_MMAP_SHIFT	36
/*
 * Smallest @size CKREMM_IOC_CREATE accepts; the largest is the module's
 * max_pool_size parameter (/sys/module/ckremm/parameters/max_pool_size).
 */
#define CKREMM_POOL_MIN_SIZE	4096

/* Pool kinds. */
#define CKREMM_KIND_HEADER	1	/* h_pool: inline headers, fixed blocks */
#define CKREMM_KIND_TABLE	2	/* t_pool: handles, movable blocks */

/**
 * struct ckremm_version - CKREMM_IOC_VERSION: the ABI version
 * @abi: out: CKREMM_ABI_VERSION of the running module
 * @reserved: out: zero
 *
 * The request is only written, never read.
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
 * @size: requested arena bytes, CKREMM_POOL_MIN_SIZE..max_pool_size; the
 *	pool may use slightly fewer
 * @mode: permission bits (0..0777) of a named pool; 0 means 0600;
 *	must be 0 for an unnamed pool
 * @pool: out: the pool's id in this open file
 * @mmap_offset: out: offset to pass to mmap() for the arena
 * @arena_size: out: bytes the pool manages
 * @name: the name of a named pool; must be all zero otherwise
 * @reserved: must be zero
 *
 * The pool belongs to the creator's fsuid: it counts against that user's
 * max_pools_per_user until its memory is freed, and a named pool is owned
 * by it (uid and gid are the creator's fsuid and fsgid).
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
 * DESTROY also removes a named pool's name (owner or CAP_SYS_ADMIN only,
 * whatever the attachment's mode; else EPERM and nothing changes); its
 * memory goes when the last open file attached to it, and the last
 * mapping of it, lets go.  DESTROY of an unnamed pool, or of one whose
 * name is already gone, is CLOSE.
 */
struct ckremm_pool_ref {
	__u32 pool;
	__u32 flags;
	__u64 reserved;
};

#define CKREMM_ALLOC_REORDER	(1U << 0)	/* table pools: compact, retry once */
#define CKREMM_ALLOC_FLAGS	(CKREMM_ALLOC_REORDER)

/**
 * struct ckremm_alloc - CKREMM_IOC_ALLOC: allocate one block
 * @pool: the pool's id in this open file
 * @flags: CKREMM_ALLOC_*
 * @size: bytes wanted, at least 1 (a table pool rounds up to 16)
 * @align: 0 for the pool's natural alignment, or a power of two up to
 *	the page size (header pools only)
 * @block: out: the new block
 * @reserved: must be zero
 */
struct ckremm_alloc {
	__u32 pool;
	__u32 flags;
	__u64 size;
	__u64 align;
	__u64 block;
	__u64 reserved;
};

/**
 * struct ckremm_block - FREE, CLEAN, PIN, UNPIN, LOCATE: act on a block
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @block: the block
 * @offset: out: CLEAN, PIN, LOCATE: arena offset of the block's first
 *	usable byte now (a header pool's @block itself)
 * @size: out: CLEAN, PIN, LOCATE: the block's usable bytes
 * @reserved: must be zero
 *
 * FREE and UNPIN write nothing back.  CLEAN zeroes the whole block.  PIN
 * (table pools) holds the block in place until undone by UNPIN through the
 * same pool id of the same open file, or until that attachment goes
 * (CLOSE, DESTROY, last close() of the file); its @offset stays valid that
 * long.  LOCATE's @offset is the block's only until the next reorder,
 * unless the block is pinned.
 */
struct ckremm_block {
	__u32 pool;
	__u32 flags;
	__u64 block;
	__u64 offset;
	__u64 size;
	__u64 reserved;
};

/**
 * struct ckremm_realloc - CKREMM_IOC_REALLOC: resize a block (header pools)
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @block: the block
 * @size: new size, at least 1
 * @new_block: out: where the block is now; contents are kept up to the
 *	smaller of the two sizes, and so is the block's alignment
 * @reserved: must be zero
 */
struct ckremm_realloc {
	__u32 pool;
	__u32 flags;
	__u64 block;
	__u64 size;
	__u64 new_block;
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
 * @blocks: user pointer to @count __u64 blocks: written by ALLOC_BATCH,
 *	read by FREE_BATCH
 * @reserved: must be zero
 *
 * Both are all or nothing: ALLOC_BATCH allocates every block or none;
 * FREE_BATCH checks every block (duplicates included, and for a table
 * pool that none is pinned) before it frees any.
 */
struct ckremm_batch {
	__u32 pool;
	__u32 flags;
	__u32 count;
	__u32 reserved0;
	__u64 size;
	__u64 align;
	__u64 blocks;
	__u64 reserved;
};

/**
 * struct ckremm_rw - CKREMM_IOC_READ, CKREMM_IOC_WRITE: block contents
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @block: the block
 * @pos: first byte inside the block
 * @len: bytes to copy; @pos + @len must lie inside the block's usable
 *	bytes; 0 copies nothing but still checks the block
 * @buf: user pointer to @len bytes
 * @reserved: must be zero
 *
 * A read-only attachment may READ but not WRITE (EBADF).
 */
struct ckremm_rw {
	__u32 pool;
	__u32 flags;
	__u64 block;
	__u64 pos;
	__u64 len;
	__u64 buf;
	__u64 reserved;
};

/**
 * struct ckremm_copy - CKREMM_IOC_COPY: copy one block into another
 *	(table pools)
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @dst: the destination, at least as large as @src (else ENOSPC,
 *	nothing copied)
 * @src: the source
 * @reserved: must be zero
 */
struct ckremm_copy {
	__u32 pool;
	__u32 flags;
	__u64 dst;
	__u64 src;
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
 * @table_capacity: out: most blocks at once (table pools; 0 otherwise)
 * @frag_permille: out: 1000 - 1000 * largest free block / free bytes
 * @pad: must be zero
 * @pinned_blocks: out: blocks pinned through any attachment (table
 *	pools; 0 otherwise)
 * @committed_bytes: out: bytes of the arena holding memory now: @arena_size
 *	less what a pager gave back and no allocation took again (see
 *	"Paged table pools" below)
 * @purged_bytes: out: bytes pagers gave back over the pool's life, whoever
 *	asked (ticks, PAGER_PURGE, the kernel's memory pressure)
 * @commit_failures: out: allocations refused because pages given back
 *	could not be taken again at that moment (counted in @failed_allocs
 *	too)
 *
 * A module older than the pager (CKREMM_IOC_PAGER_ATTACH answers ENOTTY)
 * leaves the last three zero.
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
	__u64 pinned_blocks;
	__u64 committed_bytes;
	__u64 purged_bytes;
	__u64 commit_failures;
};

/**
 * struct ckremm_validate - CKREMM_IOC_VALIDATE: check a pool's structure
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @status: out: 0 if consistent, -EUCLEAN if not, or -EBUSY if the pool
 *	kept changing while it was checked (try again)
 * @pad: must be zero
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
 * @uid: owner, as seen from the caller's user namespace
 * @gid: group, likewise
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
 * @count: in: room in @entries (0 just counts); out: number of named
 *	pools (may exceed the room given, in which case only that many were
 *	written)
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
#define CKREMM_EXTENT_PINNED	(1U << 1)	/* table pools: will not move */

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
 *	out: where to continue, or CKREMM_WALK_END (a call with
 *	CKREMM_WALK_END writes nothing and returns it again).  Any arena
 *	offset is accepted: the walk resumes at the first block at or after
 *	it, so a block merged away since the last call is skipped, not an
 *	error
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
#define CKREMM_IOC_REORDER	_IOWR(CKREMM_IOC_MAGIC, 0x0d, struct ckremm_reorder)
#define CKREMM_IOC_STATS	_IOWR(CKREMM_IOC_MAGIC, 0x0e, struct ckremm_stats)
#define CKREMM_IOC_VALIDATE	_IOWR(CKREMM_IOC_MAGIC, 0x0f, struct ckremm_validate)
#define CKREMM_IOC_LIST		_IOWR(CKREMM_IOC_MAGIC, 0x10, struct ckremm_list)
#define CKREMM_IOC_WALK		_IOWR(CKREMM_IOC_MAGIC, 0x11, struct ckremm_walk)

/*
 * Block requests, version 2.  Numbers 0x05..0x0c and 0x20..0x28 were
 * version 1's block requests: they answer EPROTO and are never reused.
 */
#define CKREMM_IOC_ALLOC	_IOWR(CKREMM_IOC_MAGIC, 0x40, struct ckremm_alloc)
#define CKREMM_IOC_FREE		_IOW(CKREMM_IOC_MAGIC, 0x41, struct ckremm_block)
#define CKREMM_IOC_CLEAN	_IOWR(CKREMM_IOC_MAGIC, 0x42, struct ckremm_block)
#define CKREMM_IOC_REALLOC	_IOWR(CKREMM_IOC_MAGIC, 0x43, struct ckremm_realloc)
#define CKREMM_IOC_ALLOC_BATCH	_IOW(CKREMM_IOC_MAGIC, 0x44, struct ckremm_batch)
#define CKREMM_IOC_FREE_BATCH	_IOW(CKREMM_IOC_MAGIC, 0x45, struct ckremm_batch)
#define CKREMM_IOC_READ		_IOW(CKREMM_IOC_MAGIC, 0x46, struct ckremm_rw)
#define CKREMM_IOC_WRITE	_IOW(CKREMM_IOC_MAGIC, 0x47, struct ckremm_rw)
#define CKREMM_IOC_PIN		_IOWR(CKREMM_IOC_MAGIC, 0x48, struct ckremm_block)
#define CKREMM_IOC_UNPIN	_IOW(CKREMM_IOC_MAGIC, 0x49, struct ckremm_block)
#define CKREMM_IOC_LOCATE	_IOWR(CKREMM_IOC_MAGIC, 0x4a, struct ckremm_block)
#define CKREMM_IOC_COPY		_IOW(CKREMM_IOC_MAGIC, 0x4b, struct ckremm_copy)

/*
 * Table pools (CKREMM_KIND_TABLE).  Their blocks move when the pool is
 * reordered, so userspace names them only by handle: a 64-bit value that
 * packs the block's table entry and its generation, refused (EINVAL) once
 * the block is freed.  The arena holds payload only, so it may be mapped
 * read-write; an offset (from LOCATE, PIN or WALK) and the bytes seen
 * there through a mapping stay the block's only while it is pinned, since
 * a reorder moves unpinned blocks.  A WALK reports no headers (@meta 0)
 * and flags pinned blocks CKREMM_EXTENT_PINNED.
 *
 * Pins belong to the attachment they were taken through (the pool id in
 * this open file): pins nest, UNPIN undoes one PIN of the same
 * attachment, and CLOSE, DESTROY or the last close() of the open file
 * drops every pin the attachment still holds.  A pinned block does not
 * move and cannot be freed (EBUSY), whoever pinned it.  A read-only
 * attachment can neither pin nor unpin (EBADF).
 *
 * A reorder moves at most the module parameter reorder_step_bytes per hold
 * of the pool's lock (/sys/module/ckremm/parameters/reorder_step_bytes,
 * 256..65536, default 4096); a pool keeps the value it was created with.
 */

/*
 * Collected table pools.  A garbage collector can be put in charge of an
 * empty table pool (GC_ATTACH); from then on every block of the pool is
 * an object that lives while it can be reached from the roots, and the
 * pool's other requests keep working on the objects as on blocks.  An
 * object is named by its handle; a type (GC_TYPE) says which 8-byte words
 * of it hold handles: CKREMM_GC_TYPE_WORDS (every word that is a live
 * handle of the pool), CKREMM_GC_TYPE_LEAF (none) or a registered map.
 * Blocks made by ALLOC and ALLOC_BATCH are CKREMM_GC_TYPE_WORDS objects.
 *
 * Roots are the collector's root slots (GC_ROOT_SET, GC_ROOT_GET), shared
 * by every process that has the pool, and the pinned objects: pins taken
 * by PIN, by GC_ALLOC with CKREMM_GC_ALLOC_PIN, and the holds of running
 * READ and WRITE requests.  A process has no scope in the kernel, so
 * GC_ALLOC roots its object before it returns, in a root slot
 * (CKREMM_GC_ALLOC_ROOT), by a pin (CKREMM_GC_ALLOC_PIN), or both; one of
 * them is required, or a cycle run by another process could free the
 * object before its handle is stored anywhere.  A pin taken by GC_ALLOC
 * belongs to the attachment as a PIN's does: UNPIN undoes it, and CLOSE,
 * DESTROY or the last close() of the file drops it.  The collector keeps
 * at most @max_pins objects pinned or held for writing at once: a PIN,
 * WRITE, CLEAN, COPY or GC_ALLOC that would pin one more is refused with
 * ENOSPC.
 *
 * Collection runs when asked (GC_STEP: one bounded step; GC_COLLECT: until
 * everything dead at the call is freed, then the pool is compacted) and,
 * unless the collector is manual, a step at a time paid by GC_ALLOC.
 * There are no finalisers: a dead object is freed and its handle refused
 * from then on.  Writes through a mapping of a collected pool bypass the
 * collector's write barrier; they are safe only on objects pinned through
 * the writer's attachment (a pin scans the object first), or on leaves.
 * Handles stored through a mapping are safe only while no other process
 * or thread can start a cycle (GC_ALLOC, GC_STEP, GC_COLLECT), since a
 * cycle's start scans the pinned objects under a lock plain stores do not
 * take; where others collect, store handles with WRITE.
 *
 * The collector lives as long as its pool: it goes with the pool's
 * memory, before it.
 *
 * Errors of the GC_* requests, besides the common ones:
 *	EOPNOTSUPP	a header pool, or a module built without the collector
 *	ENODEV	the pool has no collector (every request but GC_ATTACH)
 *	EEXIST	GC_ATTACH: the pool has a collector already
 *	EBUSY	GC_ATTACH: the pool has blocks
 *	ENOSPC	GC_TYPE: the collector has its most types; GC_ALLOC: its pin
 *		set is full
 *	EINTR	GC_COLLECT: a fatal signal stopped it between two steps
 */

/* Type ids every collector has. */
#define CKREMM_GC_TYPE_WORDS	0
#define CKREMM_GC_TYPE_LEAF	1
/* Most types a collector can have, the two above included. */
#define CKREMM_GC_TYPES_MAX	256
/* Most words a registered type's map covers. */
#define CKREMM_GC_MAP_WORDS_MAX	65536
/* Most work one step may be given: it bounds how long it holds the lock. */
#define CKREMM_GC_BUDGET_MAX	65536

#define CKREMM_GC_ATTACH_MANUAL	(1U << 0)	/* no steps paid by GC_ALLOC */
#define CKREMM_GC_ATTACH_FLAGS	(CKREMM_GC_ATTACH_MANUAL)

/**
 * struct ckremm_gc_setup - CKREMM_IOC_GC_ATTACH: put a collector in charge
 *	of an empty table pool
 * @pool: the pool's id in this open file
 * @flags: CKREMM_GC_ATTACH_*
 * @max_types: most types, 3..CKREMM_GC_TYPES_MAX (0: 16)
 * @roots: root slots, 1..65536 (0: 16)
 * @max_pins: most objects pinned or held for writing at once, 1..65535
 *	(0: 64)
 * @trigger_percent: a cycle begins when the bytes allocated since the
 *	last one reach this percentage of the bytes live after it,
 *	1..10000 (0: 100)
 * @trigger_min: and at least this many bytes (0: a sixteenth of the arena)
 * @pace_bytes: while a cycle runs, every this many bytes allocated pay for
 *	one step (0: 2048)
 * @step_budget: work of a paced step and of a GC_STEP with @budget 0, in
 *	units of about one word scanned, one table slot visited or 8 bytes
 *	moved, up to CKREMM_GC_BUDGET_MAX (0: 512)
 * @reserved: must be zero
 */
struct ckremm_gc_setup {
	__u32 pool;
	__u32 flags;
	__u32 max_types;
	__u32 roots;
	__u32 max_pins;
	__u32 trigger_percent;
	__u64 trigger_min;
	__u64 pace_bytes;
	__u64 step_budget;
	__u64 reserved[2];
};

#define CKREMM_GC_LAYOUT_REPEAT	(1U << 0)	/* the map repeats (arrays) */
#define CKREMM_GC_LAYOUT_FLAGS	(CKREMM_GC_LAYOUT_REPEAT)

/**
 * struct ckremm_gc_layout - CKREMM_IOC_GC_TYPE: register a type
 * @pool: the pool's id in this open file
 * @flags: CKREMM_GC_LAYOUT_*: with CKREMM_GC_LAYOUT_REPEAT the map repeats
 *	over the whole object; without it, words past @words hold no handle
 * @words: words the map covers, 1..CKREMM_GC_MAP_WORDS_MAX
 * @type: out: the new type's id, from CKREMM_GC_TYPE_LEAF + 1 up
 * @map: user pointer to (@words + 63) / 64 __u64: bit w % 64 of word
 *	w / 64 is set if word w (bytes 8w to 8w + 7) of an object holds a
 *	handle; bits past @words are ignored
 * @reserved: must be zero
 *
 * Types are shared by every process that has the pool, and cannot be
 * unregistered.
 */
struct ckremm_gc_layout {
	__u32 pool;
	__u32 flags;
	__u32 words;
	__u32 type;
	__u64 map;
	__u64 reserved;
};

#define CKREMM_GC_ALLOC_ROOT	(1U << 0)	/* store it in root slot @slot */
#define CKREMM_GC_ALLOC_PIN	(1U << 1)	/* keep it pinned */
#define CKREMM_GC_ALLOC_FLAGS	(CKREMM_GC_ALLOC_ROOT | CKREMM_GC_ALLOC_PIN)

/**
 * struct ckremm_gc_object - CKREMM_IOC_GC_ALLOC: allocate a zeroed object
 * @pool: the pool's id in this open file
 * @flags: CKREMM_GC_ALLOC_*, at least one of ROOT and PIN
 * @size: bytes, at least 1 (rounded up to 16)
 * @type: CKREMM_GC_TYPE_WORDS, CKREMM_GC_TYPE_LEAF or a registered id
 * @slot: CKREMM_GC_ALLOC_ROOT: the root slot that takes the handle
 *	(whatever it held before no longer keeps that alive); else zero
 * @handle: out: the object's handle
 * @reserved: must be zero
 *
 * The object is rooted before the collector can see it unrooted: it is
 * made pinned, stored in @slot if asked, and its pin is kept through this
 * attachment (CKREMM_GC_ALLOC_PIN) or dropped.
 */
struct ckremm_gc_object {
	__u32 pool;
	__u32 flags;
	__u64 size;
	__u32 type;
	__u32 slot;
	__u64 handle;
	__u64 reserved;
};

/**
 * struct ckremm_gc_slot - CKREMM_IOC_GC_ROOT_SET, CKREMM_IOC_GC_ROOT_GET
 * @pool: the pool's id in this open file
 * @slot: the root slot, 0..@roots - 1 of GC_ATTACH
 * @handle: ROOT_SET: a live object, or 0 to empty the slot; ROOT_GET:
 *	out: what the slot holds (0: empty; a handle whose object died
 *	since it was set is returned as it was stored)
 * @flags: must be zero
 * @pad: must be zero
 * @reserved: must be zero
 */
struct ckremm_gc_slot {
	__u32 pool;
	__u32 slot;
	__u64 handle;
	__u32 flags;
	__u32 pad;
	__u64 reserved;
};

/* Where a collection is (@phase). */
#define CKREMM_GC_PHASE_IDLE	0
#define CKREMM_GC_PHASE_MARK	1
#define CKREMM_GC_PHASE_SWEEP	2
#define CKREMM_GC_PHASE_COMPACT	3

/**
 * struct ckremm_gc_work - CKREMM_IOC_GC_STEP, CKREMM_IOC_GC_COLLECT
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @budget: GC_STEP: most work, up to CKREMM_GC_BUDGET_MAX (0: @step_budget
 *	of GC_ATTACH); GC_COLLECT: must be zero
 * @phase: out: CKREMM_GC_PHASE_* after the request
 * @cycles_done: out: cycles that ended during the request
 * @work: out: units of work done
 * @freed_objects: out: objects freed during the request
 * @freed_bytes: out: bytes they held
 * @reserved: must be zero
 *
 * GC_STEP starts a cycle if none runs, and holds the pool lock once for
 * at most @budget of work (a cycle's start costs the roots and pins).
 * GC_COLLECT finishes the cycle that runs, if any, then runs a whole new
 * one and its compaction: every object unreachable when it began is
 * freed when it returns; it works in steps, with the pool lock dropped
 * and the CPU offered between them.  GC_STEP's @freed_objects and
 * @freed_bytes are what its step freed; GC_COLLECT's what the collector
 * freed while it ran, whoever stepped it.
 */
struct ckremm_gc_work {
	__u32 pool;
	__u32 flags;
	__u64 budget;
	__u32 phase;
	__u32 cycles_done;
	__u64 work;
	__u64 freed_objects;
	__u64 freed_bytes;
	__u64 reserved;
};

/**
 * struct ckremm_gc_figures - CKREMM_IOC_GC_STATS: a snapshot of a collector
 * @pool: the pool's id in this open file
 * @phase: out: CKREMM_GC_PHASE_*
 * @cycles: out: cycles completed
 * @steps: out: steps taken, paced and asked for
 * @objects: out: objects in the pool
 * @live_bytes: out: bytes live after the last cycle
 * @allocated_bytes: out: bytes allocated through GC_ALLOC, in total
 * @freed_objects: out: objects the collector freed, in total
 * @freed_bytes: out: bytes they held
 * @pinned: out: objects in the pin set
 * @max_step_work: out: most work one step did
 * @max_start_work: out: most work one cycle's start did
 * @barrier_scans: out: objects scanned by a write, pin or free while
 *	marking
 * @overflows: out: times the grey stack was full
 * @failed_allocs: out: GC_ALLOCs refused after a collection step
 * @meta_bytes: out: bytes of the collector's own bookkeeping
 * @reserved: must be zero
 */
struct ckremm_gc_figures {
	__u32 pool;
	__u32 phase;
	__u64 cycles;
	__u64 steps;
	__u64 objects;
	__u64 live_bytes;
	__u64 allocated_bytes;
	__u64 freed_objects;
	__u64 freed_bytes;
	__u64 pinned;
	__u64 max_step_work;
	__u64 max_start_work;
	__u64 barrier_scans;
	__u64 overflows;
	__u64 failed_allocs;
	__u64 meta_bytes;
	__u64 reserved[4];
};

#define CKREMM_IOC_GC_ATTACH	_IOW(CKREMM_IOC_MAGIC, 0x50, struct ckremm_gc_setup)
#define CKREMM_IOC_GC_TYPE	_IOWR(CKREMM_IOC_MAGIC, 0x51, struct ckremm_gc_layout)
#define CKREMM_IOC_GC_ALLOC	_IOWR(CKREMM_IOC_MAGIC, 0x52, struct ckremm_gc_object)
#define CKREMM_IOC_GC_ROOT_SET	_IOW(CKREMM_IOC_MAGIC, 0x53, struct ckremm_gc_slot)
#define CKREMM_IOC_GC_ROOT_GET	_IOWR(CKREMM_IOC_MAGIC, 0x54, struct ckremm_gc_slot)
#define CKREMM_IOC_GC_STEP	_IOWR(CKREMM_IOC_MAGIC, 0x55, struct ckremm_gc_work)
#define CKREMM_IOC_GC_COLLECT	_IOWR(CKREMM_IOC_MAGIC, 0x56, struct ckremm_gc_work)
#define CKREMM_IOC_GC_STATS	_IOWR(CKREMM_IOC_MAGIC, 0x57, struct ckremm_gc_figures)

/*
 * Paged table pools.  A pager can be attached to a table pool
 * (PAGER_ATTACH): from then on the pool's arena holds memory only where
 * blocks are, or were lately.  Every period_ms the pager looks at the
 * pool; the pages at the top of the arena that have been free for
 * decay_ticks periods (and at most twice as many) are given back to the
 * kernel, and leave the memory cgroup the pool is charged to.  An
 * allocation that reaches them takes pages again, charged again; if none
 * can be had at that moment it fails with ENOMEM (counted in the pool's
 * @commit_failures).  Pages go back only while no block is pinned or held
 * by a running request: the arena's pages move when some go.  The
 * kernel's memory pressure may give back free
 * pages at the top before their time, and so may PAGER_PURGE.  With
 * CKREMM_PAGER_REORDER a pool that nobody but the pager changed for
 * decay_ticks periods is also reordered, reorder_bytes at most per
 * period, so that the free space between blocks reaches the top: only for
 * pools whose users keep handles and pins, never offsets of unpinned
 * blocks (see "Table pools" above).
 *
 * A mapping of a paged pool stays correct: a page given back is taken out
 * of every mapping first, and touching it raises SIGBUS until an
 * allocation that reaches it has committed it again, when it reads as
 * zeros.  No block lies on a page given back, so a process that touches
 * only the bytes of live blocks never sees the signal; bytes written
 * through a mapping into free space are lost when the page goes back.
 *
 * Header pools are never paged (their blocks never move, so their free
 * space cannot be gathered at the top): PAGER_ATTACH answers them
 * EOPNOTSUPP.  The pager lives until PAGER_DETACH or until the pool's
 * memory goes, before it.  PAGER_DETACH takes every page given back
 * again (charged again); where it cannot (no memory, or a block pinned or
 * held), those pages stay given back and allocations that reach them fail
 * with ENOMEM until a pager is attached again.
 *
 * Backing store.  PAGER_ATTACH with @store_bytes also gives the pool a
 * compressed store (LZ4) of that many bytes of arena: the pool may then
 * hold more block bytes than its arena.  Every period the pager pages out
 * the least recently used blocks, compressed, while fewer than
 * @free_target bytes of the arena are free, and an ALLOC that finds no
 * room pages out to make it; a block of zeros costs the store nothing, a
 * block that does not compress, or is longer than 64 KiB, stays in the
 * arena.  A paged-out block keeps
 * its handle; READ, WRITE, COPY, CLEAN, PIN and LOCATE page it in (the
 * pool where it has room, else the device, which pages others out to
 * make room, and tries once more), and fail with ENOMEM only if no room
 * can be made (every other block pinned or held, or none compresses) or
 * the store is full, and with EAGAIN if another request was paging the
 * block in or out at that moment.  A mapping shows only resident
 * blocks: a paged-out block's bytes are free space of the arena, and a
 * resident block may be paged out (and its place given to another)
 * whenever it is not pinned.  So a process that reads or writes a block
 * through its mapping pins it first (PIN pages it in and keeps it in)
 * and unpins it after.  A store is set only on a pool with no block yet
 * and stays with the pool until its memory goes: PAGER_DETACH of a pool
 * with a store is refused.  The store's arena counts with the pool's
 * against max_pool_size and the memory CREATE must leave available;
 * PAGER_STATS shows what was paged out and in.
 *
 * Errors of the PAGER_* requests, besides the common ones:
 *	EOPNOTSUPP	a header pool, or a kernel or module that cannot give
 *		pages back; PAGER_ATTACH with @store_bytes: a module built
 *		without a codec (CONFIG_CKREMM_LZ4), or a pool with a
 *		collector (GC_ATTACH)
 *	ENODEV	PAGER_DETACH, PAGER_PURGE, PAGER_STATS: the pool has no
 *		pager
 *	EEXIST	PAGER_ATTACH: the pool has a pager already
 *	EINVAL	PAGER_ATTACH: @store_bytes below CKREMM_PAGER_STORE_MIN,
 *		@free_target above the pool's arena, or @free_target without
 *		@store_bytes
 *	E2BIG	PAGER_ATTACH: the pool's arena and @store_bytes together
 *		above the max_pool_size module parameter
 *	ENOMEM	PAGER_ATTACH: the store's arena would leave less than a
 *		sixteenth of the machine's RAM available, as for CREATE, or
 *		could not be allocated
 *	EBUSY	PAGER_ATTACH with @store_bytes: the pool has a block
 *		(nothing attached); PAGER_DETACH: the pool has a store
 *	EBUSY	PAGER_PURGE: another purge of the pool was under way, or a
 *		block pinned or held (whose address must not move while
 *		the pages go), throughout: nothing was given back
 *	ENOMEM	PAGER_PURGE: the kernel had no memory to move the arena
 *		with: nothing was given back
 *	EINTR	PAGER_PURGE: a fatal signal stopped it between two steps
 */

/* Most of PAGER_ATTACH's @period_ms. */
#define CKREMM_PAGER_PERIOD_MAX	60000
/* Most of PAGER_ATTACH's @decay_ticks. */
#define CKREMM_PAGER_DECAY_MAX	1000
/* Least of PAGER_ATTACH's @store_bytes, but 0 for no store. */
#define CKREMM_PAGER_STORE_MIN	4096

#define CKREMM_PAGER_REORDER	(1U << 0)	/* compact a quiet pool */
#define CKREMM_PAGER_FLAGS	(CKREMM_PAGER_REORDER)

/**
 * struct ckremm_pager_setup - CKREMM_IOC_PAGER_ATTACH: give a table
 *	pool's free pages back when quiet
 * @pool: the pool's id in this open file
 * @flags: CKREMM_PAGER_*
 * @period_ms: milliseconds between two looks of the pager,
 *	1..CKREMM_PAGER_PERIOD_MAX (0: 100)
 * @decay_ticks: a free page goes back after this many periods, at most
 *	twice as many, 1..CKREMM_PAGER_DECAY_MAX (0: 10)
 * @keep_bytes: free bytes kept above the highest block, so that a pool
 *	that grows by less than that takes no pages again
 * @min_bytes: a give-back of fewer bytes waits for a later period
 * @step_bytes: most bytes given back per hold of the pool (0: 256 KiB)
 * @reorder_bytes: CKREMM_PAGER_REORDER: most bytes a period's reorder
 *	moves (0: 256 KiB); else must be zero
 * @store_bytes: 0: no backing store; else the bytes of the arena of a
 *	compressed store (LZ4) the pool's blocks are paged out to,
 *	CKREMM_PAGER_STORE_MIN or more (see "Backing store" above)
 * @free_target: with a store: a period pages out the least recently used
 *	blocks while fewer bytes than this of the pool's arena are free; at
 *	most the arena's size; 0: only the kernel's memory pressure and
 *	accesses that find no room page out.  Without a store: must be zero
 */
struct ckremm_pager_setup {
	__u32 pool;
	__u32 flags;
	__u32 period_ms;
	__u32 decay_ticks;
	__u64 keep_bytes;
	__u64 min_bytes;
	__u64 step_bytes;
	__u64 reorder_bytes;
	__u64 store_bytes;
	__u64 free_target;
};

/**
 * struct ckremm_pager_purge - CKREMM_IOC_PAGER_PURGE: give the free pages
 *	at the top of a paged pool back now
 * @pool: the pool's id in this open file
 * @flags: must be zero
 * @keep_bytes: free bytes to keep above the highest block
 * @budget: most bytes to give back (rounded down to a page); 0: all
 * @purged_bytes: out: bytes given back
 * @reserved: must be zero
 *
 * Gives back what the pager would give back later, now, whether it has
 * been free for long or not, in steps with the pool lock dropped between
 * them; it does not reorder (REORDER first gathers the free space).
 */
struct ckremm_pager_purge {
	__u32 pool;
	__u32 flags;
	__u64 keep_bytes;
	__u64 budget;
	__u64 purged_bytes;
	__u64 reserved;
};

/**
 * struct ckremm_pager_figures - CKREMM_IOC_PAGER_STATS: what a pool's
 *	pager did since PAGER_ATTACH
 * @pool: the pool's id in this open file
 * @flags: out: the CKREMM_PAGER_* it was attached with
 * @period_ms: out: its period
 * @decay_ticks: out: its decay, in periods
 * @ticks: out: periods it looked at the pool
 * @purged_bytes: out: bytes its periods gave back
 * @moved_bytes: out: bytes its periods' reorders moved
 * @committed_bytes: out: bytes it took again ahead of allocations that
 *	reached pages given back
 * @commit_failures: out: times it could not take them (no memory)
 * @abandoned: out: steps it gave up because a block was pinned or held
 * @shrink_scans: out: times the kernel's memory pressure asked it for
 *	pages
 * @shrink_purged_bytes: out: bytes it gave back when asked so
 * @shrink_moved_bytes: out: bytes it moved to gather them
 * @store_bytes: out: the bytes of its store's arena, as attached; 0
 *	without a store (and so are all the figures below but
 *	@resident_bytes and @resident_blocks)
 * @free_target: out: its free_target, as attached
 * @store_used: out: bytes of the store's arena in use now, its own
 *	headers included
 * @resident_bytes: out: bytes of the pool's blocks in its arena; the
 *	pool's @used_bytes (STATS) is these and @paged_out_bytes
 * @resident_blocks: out: blocks in the arena
 * @paged_out_bytes: out: bytes of the blocks paged out to the store
 * @paged_out_blocks: out: blocks paged out, @zero_blocks included
 * @zero_blocks: out: paged-out blocks that are all zeros, for which the
 *	store keeps nothing
 * @stored_bytes: out: bytes the store keeps for the paged-out blocks
 * @page_outs: out: blocks paged out, in total
 * @page_ins: out: blocks paged in, in total
 * @page_in_eagain: out: accesses the pool could not page in at once
 *	(another page-in or page-out of the block under way), in total;
 *	the device then pages in itself and tries once more
 * @store_written: out: bytes the store wrote, in total
 * @reserved: must be zero
 *
 * PAGER_PURGE's bytes are counted in the pool's @purged_bytes (STATS),
 * not here.  The figures from @store_bytes on were added with the
 * backing store, before any release carried PAGER_STATS: the request has
 * had this one size.
 */
struct ckremm_pager_figures {
	__u32 pool;
	__u32 flags;
	__u32 period_ms;
	__u32 decay_ticks;
	__u64 ticks;
	__u64 purged_bytes;
	__u64 moved_bytes;
	__u64 committed_bytes;
	__u64 commit_failures;
	__u64 abandoned;
	__u64 shrink_scans;
	__u64 shrink_purged_bytes;
	__u64 shrink_moved_bytes;
	__u64 store_bytes;
	__u64 free_target;
	__u64 store_used;
	__u64 resident_bytes;
	__u64 resident_blocks;
	__u64 paged_out_bytes;
	__u64 paged_out_blocks;
	__u64 zero_blocks;
	__u64 stored_bytes;
	__u64 page_outs;
	__u64 page_ins;
	__u64 page_in_eagain;
	__u64 store_written;
	__u64 reserved[3];
};

#define CKREMM_IOC_PAGER_ATTACH	_IOW(CKREMM_IOC_MAGIC, 0x60, struct ckremm_pager_setup)
#define CKREMM_IOC_PAGER_DETACH	_IOW(CKREMM_IOC_MAGIC, 0x61, struct ckremm_pool_ref)
#define CKREMM_IOC_PAGER_PURGE	_IOWR(CKREMM_IOC_MAGIC, 0x62, struct ckremm_pager_purge)
#define CKREMM_IOC_PAGER_STATS	_IOWR(CKREMM_IOC_MAGIC, 0x63, struct ckremm_pager_figures)

#endif /* _UAPI_LINUX_CKREMM_H */
