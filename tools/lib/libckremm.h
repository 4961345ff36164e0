/* SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause */
/*
 * libckremm: a small C library over the /dev/ckremm ioctl ABI
 * (include/uapi/linux/ckremm.h), used by ckremmctl and the device tests.
 *
 * Three layers, each usable alone:
 *
 *   ckremm_ioc_*()    one wrapper per ioctl: fills nothing in, checks
 *                     nothing, returns 0 or -errno.  The tests use these to
 *                     send deliberately bad requests.
 *   ckremm_pool_*()   and the other calls over a struct ckremm_pool:
 *                     build well-formed requests and return 0 or -errno.
 *   ckremm_map_*()    pure functions that turn a pool's extents into a
 *                     picture of the arena; they touch no device.
 *
 * Every call that can fail returns the failure as a negative errno, so
 * callers compare against -ENOENT etc. directly rather than read errno.
 *
 * Example:
 *
 *	int fd = ckremm_dev_open(NULL);
 *	struct ckremm_pool pool;
 *	__u64 block;
 *
 *	if (fd < 0 || ckremm_pool_create(fd, CKREMM_KIND_HEADER, 1 << 20,
 *					 "demo", 0600, &pool) ||
 *	    ckremm_alloc(&pool, 100, &block))
 *		... report ...
 *	ckremm_write(&pool, block, 0, "hello", 5);
 */
#ifndef LIBCKREMM_H
#define LIBCKREMM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/ckremm.h>

#define CKREMM_DEFAULT_DEV	"/dev/ckremm"
/* Environment variable that overrides CKREMM_DEFAULT_DEV. */
#define CKREMM_DEV_ENV		"CKREMM_DEV"

/* ------------------------------------------------------------------ */
/* The device                                                           */

/* The device path to use: @path if not NULL, else $CKREMM_DEV, else
 * /dev/ckremm. */
const char *ckremm_dev_path(const char *path);

/* Open the device (see ckremm_dev_path()) read-write, close-on-exec.
 * Returns the file descriptor, or -errno. */
int ckremm_dev_open(const char *path);

/* Close a descriptor from ckremm_dev_open(); every pool it created
 * without a name dies with it.  Returns 0 or -errno. */
int ckremm_dev_close(int fd);

/* Ask the module for its ABI version into @abi (may be NULL).  Returns 0
 * when it is CKREMM_ABI_VERSION, -EPROTO when it differs, or -errno. */
int ckremm_check_version(int fd, __u32 *abi);

/* ------------------------------------------------------------------ */
/* One wrapper per ioctl: return 0 or -errno                            */

int ckremm_ioc_version(int fd, struct ckremm_version *arg);
int ckremm_ioc_create(int fd, struct ckremm_create *arg);
int ckremm_ioc_open(int fd, struct ckremm_open *arg);
int ckremm_ioc_close(int fd, struct ckremm_pool_ref *arg);
int ckremm_ioc_destroy(int fd, struct ckremm_pool_ref *arg);
int ckremm_ioc_alloc(int fd, struct ckremm_alloc *arg);
int ckremm_ioc_free(int fd, struct ckremm_block *arg);
int ckremm_ioc_clean(int fd, struct ckremm_block *arg);
int ckremm_ioc_realloc(int fd, struct ckremm_realloc *arg);
int ckremm_ioc_alloc_batch(int fd, struct ckremm_batch *arg);
int ckremm_ioc_free_batch(int fd, struct ckremm_batch *arg);
int ckremm_ioc_read(int fd, struct ckremm_rw *arg);
int ckremm_ioc_write(int fd, struct ckremm_rw *arg);
int ckremm_ioc_pin(int fd, struct ckremm_block *arg);
int ckremm_ioc_unpin(int fd, struct ckremm_block *arg);
int ckremm_ioc_locate(int fd, struct ckremm_block *arg);
int ckremm_ioc_copy(int fd, struct ckremm_copy *arg);
int ckremm_ioc_reorder(int fd, struct ckremm_reorder *arg);
int ckremm_ioc_stats(int fd, struct ckremm_stats *arg);
int ckremm_ioc_validate(int fd, struct ckremm_validate *arg);
int ckremm_ioc_list(int fd, struct ckremm_list *arg);
int ckremm_ioc_walk(int fd, struct ckremm_walk *arg);
int ckremm_ioc_gc_attach(int fd, struct ckremm_gc_setup *arg);
int ckremm_ioc_gc_type(int fd, struct ckremm_gc_layout *arg);
int ckremm_ioc_gc_alloc(int fd, struct ckremm_gc_object *arg);
int ckremm_ioc_gc_root_set(int fd, struct ckremm_gc_slot *arg);
int ckremm_ioc_gc_root_get(int fd, struct ckremm_gc_slot *arg);
int ckremm_ioc_gc_step(int fd, struct ckremm_gc_work *arg);
int ckremm_ioc_gc_collect(int fd, struct ckremm_gc_work *arg);
int ckremm_ioc_gc_stats(int fd, struct ckremm_gc_figures *arg);
int ckremm_ioc_pager_attach(int fd, struct ckremm_pager_setup *arg);
int ckremm_ioc_pager_detach(int fd, struct ckremm_pool_ref *arg);
int ckremm_ioc_pager_purge(int fd, struct ckremm_pager_purge *arg);
int ckremm_ioc_pager_stats(int fd, struct ckremm_pager_figures *arg);

/* Any request by number, for requests the ABI does not define.  Returns 0
 * (or the ioctl's non-negative result) or -errno. */
int ckremm_ioc_raw(int fd, unsigned long request, void *arg);

/* ------------------------------------------------------------------ */
/* Names and kinds                                                      */

/* True if @name is a valid pool name: 1..31 of [A-Za-z0-9._-]. */
bool ckremm_name_valid(const char *name);

/* "header", "table" or "unknown". */
const char *ckremm_kind_name(__u32 kind);

/* CKREMM_KIND_* for "header"/"h" or "table"/"t"; 0 if unknown. */
__u32 ckremm_kind_parse(const char *word);

/* ------------------------------------------------------------------ */
/* Pools                                                                */

/**
 * struct ckremm_pool - a pool attached to an open device file
 * @fd: the device file the pool id belongs to
 * @id: the pool's id in @fd
 * @kind: CKREMM_KIND_*
 * @arena_size: bytes the pool manages
 * @mmap_offset: offset to pass to mmap() for the arena
 * @name: the pool's name, empty for an unnamed pool
 */
struct ckremm_pool {
	int fd;
	__u32 id;
	__u32 kind;
	__u64 arena_size;
	__u64 mmap_offset;
	char name[CKREMM_NAME_LEN];
};

/* Create a pool of @kind and @size bytes.  A non-NULL @name makes a named
 * pool with permission bits @mode (0 means 0600); with a NULL @name, @mode
 * must be 0.  Returns 0 with @pool filled in, or -errno (-ENAMETOOLONG if
 * @name does not fit the ABI's name field). */
int ckremm_pool_create(int fd, __u32 kind, __u64 size, const char *name,
		       __u32 mode, struct ckremm_pool *pool);

/* Attach the named pool @name to @fd; @flags is CKREMM_OPEN_* (e.g.
 * CKREMM_OPEN_RDONLY).  Returns 0 with @pool filled in, or -errno. */
int ckremm_pool_open(int fd, const char *name, __u32 flags,
		     struct ckremm_pool *pool);

/* Detach @pool from its file; an unnamed pool dies.  Returns 0 or -errno. */
int ckremm_pool_close(struct ckremm_pool *pool);

/* Detach @pool and, if named, remove its name so no one can open it again.
 * Returns 0 or -errno. */
int ckremm_pool_destroy(struct ckremm_pool *pool);

/* Attach the named pool @name to @fd, read-only if its mode allows (DESTROY
 * needs ownership, not write permission), and destroy it.  Returns 0 or
 * -errno. */
int ckremm_destroy_by_name(int fd, const char *name);

/* ------------------------------------------------------------------ */
/* Blocks                                                               */

/*
 * A block is named by one __u64, as the pool's kind decides: the arena
 * offset of its first usable byte in a header pool, its handle in a table
 * pool.  Every call below takes both kinds; what only one kind has
 * (realloc and alignment for header pools; pins, locate, copy and
 * CKREMM_ALLOC_REORDER for table pools) returns -EOPNOTSUPP on the other.
 */

/* True if @pool names its blocks by handle (a table pool). */
bool ckremm_pool_by_handle(const struct ckremm_pool *pool);

/* Allocate @size bytes at the pool's natural alignment; the block goes to
 * @block.  Returns 0 or -errno. */
int ckremm_alloc(struct ckremm_pool *pool, __u64 size, __u64 *block);

/* As ckremm_alloc(), with the block's first byte aligned to @align (a
 * power of two up to the page size, or 0) and @flags CKREMM_ALLOC_*
 * (CKREMM_ALLOC_REORDER: compact a table pool and retry once if nothing
 * fits).  Returns 0 or -errno. */
int ckremm_alloc_ex(struct ckremm_pool *pool, __u64 size, __u64 align,
		    __u32 flags, __u64 *block);

/* Free @block (-EBUSY while a table pool's block is pinned).  Returns 0
 * or -errno. */
int ckremm_free(struct ckremm_pool *pool, __u64 block);

/* One ALLOC_BATCH request: @count (1..CKREMM_BATCH_MAX) blocks of @size
 * bytes into @blocks; all or none.  Returns 0 or -errno. */
int ckremm_alloc_batch(struct ckremm_pool *pool, __u64 size, __u64 align,
		       __u64 *blocks, unsigned int count);

/* One FREE_BATCH request: @count (1..CKREMM_BATCH_MAX) blocks, all
 * checked before any is freed.  Returns 0 or -errno. */
int ckremm_free_batch(struct ckremm_pool *pool, const __u64 *blocks,
		      unsigned int count);

/* Any number of blocks, in batches of CKREMM_BATCH_MAX.  If a batch
 * fails, the blocks the earlier batches made are freed again, so the call
 * is all or nothing.  Returns 0 or -errno. */
int ckremm_alloc_many(struct ckremm_pool *pool, __u64 size, __u64 align,
		      __u64 *blocks, size_t count);

/* Any number of blocks, in batches of CKREMM_BATCH_MAX.  Each batch is
 * all or nothing; batches before a failing one stay freed.  Returns 0 or
 * -errno, with the number of blocks freed in @freed (may be NULL). */
int ckremm_free_many(struct ckremm_pool *pool, const __u64 *blocks,
		     size_t count, size_t *freed);

/* Copy @len bytes from byte @pos of @block into @buf.  Returns 0 or
 * -errno. */
int ckremm_read(struct ckremm_pool *pool, __u64 block, __u64 pos,
		void *buf, __u64 len);

/* Copy @len bytes from @buf to byte @pos of @block.  Returns 0 or -errno. */
int ckremm_write(struct ckremm_pool *pool, __u64 block, __u64 pos,
		 const void *buf, __u64 len);

/* Zero @block; the arena offset of its first usable byte goes to @offset
 * and its usable size to @size (either may be NULL).  Returns 0 or
 * -errno. */
int ckremm_clean(struct ckremm_pool *pool, __u64 block, __u64 *offset,
		 __u64 *size);

/* Resize the header pool's @block to @size bytes, keeping its contents
 * and alignment; where it lives now goes to @new_block.  Returns 0 or
 * -errno. */
int ckremm_realloc(struct ckremm_pool *pool, __u64 block, __u64 size,
		   __u64 *new_block);

/* Pin the table pool's @block so that reorders leave it where it is,
 * through this attachment until unpinned or closed; where it is goes to
 * @offset and its size to @size (either may be NULL).  Returns 0 or
 * -errno. */
int ckremm_pin(struct ckremm_pool *pool, __u64 block, __u64 *offset,
	       __u64 *size);

/* Drop a pin this attachment holds on @block.  Returns 0 or -errno. */
int ckremm_unpin(struct ckremm_pool *pool, __u64 block);

/* Where the table pool's @block is now and its size (either may be
 * NULL).  Returns 0 or -errno. */
int ckremm_locate(struct ckremm_pool *pool, __u64 block, __u64 *offset,
		  __u64 *size);

/* Copy the table pool's block @src into @dst, which must be at least as
 * large (else -ENOSPC).  Returns 0 or -errno. */
int ckremm_copy(struct ckremm_pool *pool, __u64 dst, __u64 src);

/* ------------------------------------------------------------------ */
/* The garbage collector of a table pool                                */

/*
 * A collector owns every block of its table pool: objects live while
 * they can be reached from the root slots or a pin (see "Collected table
 * pools" in linux/ckremm.h).  These calls answer -EOPNOTSUPP for a header
 * pool and -ENODEV for a pool without a collector.
 */

/* Put a collector in charge of @pool, which must be empty; @setup (NULL
 * for every default) gives its sizes and pacing, its @pool field is
 * ignored.  Returns 0 or -errno. */
int ckremm_gc_attach(struct ckremm_pool *pool,
		     const struct ckremm_gc_setup *setup);

/* Register a type whose objects hold handles in the words whose bits are
 * set in @map (bit w % 64 of @map[w / 64], @words words);
 * CKREMM_GC_LAYOUT_REPEAT in @flags repeats the map over the object.  The
 * new type id goes to @type.  Returns 0 or -errno. */
int ckremm_gc_type(struct ckremm_pool *pool, const __u64 *map,
		   __u32 words, __u32 flags, __u32 *type);

/* Allocate a zeroed object of @size bytes and @type, rooted as @flags
 * (CKREMM_GC_ALLOC_*) says: in root slot @slot, pinned through @pool, or
 * both.  The handle goes to @handle.  Returns 0 or -errno. */
int ckremm_gc_alloc(struct ckremm_pool *pool, __u64 size, __u32 type,
		    __u32 flags, __u32 slot, __u64 *handle);

/* Store @handle (0 to empty it) in root slot @slot.  Returns 0 or
 * -errno. */
int ckremm_gc_root_set(struct ckremm_pool *pool, __u32 slot, __u64 handle);

/* The handle root slot @slot holds (0: empty) into @handle.  Returns 0 or
 * -errno. */
int ckremm_gc_root_get(struct ckremm_pool *pool, __u32 slot, __u64 *handle);

/* One step of at most @budget work (0: the collector's step budget);
 * what it did goes to @out (may be NULL).  Returns 0 or -errno. */
int ckremm_gc_step(struct ckremm_pool *pool, __u64 budget,
		   struct ckremm_gc_work *out);

/* Collect until every object dead at the call is freed and the pool is
 * compacted; what it did goes to @out (may be NULL).  Returns 0 or
 * -errno. */
int ckremm_gc_collect(struct ckremm_pool *pool, struct ckremm_gc_work *out);

/* The collector's figures into @out.  Returns 0 or -errno. */
int ckremm_gc_stats(struct ckremm_pool *pool, struct ckremm_gc_figures *out);

/* "idle", "mark", "sweep", "compact" or "unknown". */
const char *ckremm_gc_phase_name(__u32 phase);

/* ------------------------------------------------------------------ */
/* The pager of a table pool                                            */

/*
 * A pager gives a table pool's free pages back to the kernel when they
 * have been free for a while (see "Paged table pools" in linux/ckremm.h).
 * These calls answer -EOPNOTSUPP for a header pool, or where the kernel
 * cannot give pages back, and -ENODEV for a pool without a pager.
 */

/* Attach a pager to @pool; @setup (NULL for every default) gives its
 * period and decay policy and, in @store_bytes and @free_target, a
 * compressed store; its @pool field is ignored.  Returns 0 or -errno. */
int ckremm_pager_attach(struct ckremm_pool *pool,
			const struct ckremm_pager_setup *setup);

/* Stop @pool's pager; every page it gave back is taken again (see
 * PAGER_DETACH in linux/ckremm.h).  Returns 0 or -errno. */
int ckremm_pager_detach(struct ckremm_pool *pool);

/* Give back now the free pages at the top of @pool, keeping @keep_bytes
 * above the highest block, at most @budget bytes (0: all); the bytes
 * given back go to @purged (may be NULL).  Returns 0 or -errno. */
int ckremm_pager_purge(struct ckremm_pool *pool, __u64 keep_bytes,
		       __u64 budget, __u64 *purged);

/* What @pool's pager did into @out.  Returns 0 or -errno. */
int ckremm_pager_stats(struct ckremm_pool *pool,
		       struct ckremm_pager_figures *out);

/* ------------------------------------------------------------------ */
/* Whole-pool operations                                                */

/* Defragment the pool; what moved goes to @out (may be NULL).  Returns 0
 * or -errno. */
int ckremm_reorder(struct ckremm_pool *pool, struct ckremm_reorder *out);

/* A snapshot of the pool's counters.  Returns 0 or -errno. */
int ckremm_stats(struct ckremm_pool *pool, struct ckremm_stats *out);

/* Check the pool's structure; the verdict goes to @out (may be NULL).
 * Returns 0 if consistent, -EUCLEAN if not (@out->offset and
 * @out->reason say where and why), or -errno if the check could not run. */
int ckremm_validate(struct ckremm_pool *pool, struct ckremm_validate *out);

/* The named pools, in a buffer grown until all fit.  On success *@entries
 * is a malloc()ed array the caller frees (NULL if there are none) and
 * *@count its length.  Returns 0 or -errno. */
int ckremm_list(int fd, struct ckremm_list_entry **entries, size_t *count);

/* Called by ckremm_walk() once per extent; a non-zero return stops the
 * walk and becomes ckremm_walk()'s result. */
typedef int (*ckremm_walk_fn)(const struct ckremm_extent *extent, void *ctx);

/* Call @fn for every extent of the arena, in arena order.  Returns 0,
 * @fn's non-zero result, or -errno. */
int ckremm_walk(struct ckremm_pool *pool, ckremm_walk_fn fn, void *ctx);

/* Every extent of the arena in a malloc()ed array the caller frees.
 * Returns 0 or -errno. */
int ckremm_walk_all(struct ckremm_pool *pool, struct ckremm_extent **extents,
		    size_t *count);

/* The usable bytes of a block: for a header pool found by walking the
 * arena, for a table pool by LOCATE.
 * Returns 0, -EINVAL if there is no such live block, or -errno. */
int ckremm_block_size(struct ckremm_pool *pool, __u64 block, __u64 *size);

/* Map the whole arena read-only (MAP_SHARED) into *@view.  Returns 0 or
 * -errno. */
int ckremm_map_arena(struct ckremm_pool *pool, const void **view);

/* Undo ckremm_map_arena().  Returns 0 or -errno. */
int ckremm_unmap_arena(struct ckremm_pool *pool, const void *view);

/* ------------------------------------------------------------------ */
/* Arena maps: pure functions from extents to a picture                 */

/* What a cell of the picture covers. */
enum ckremm_cell {
	CKREMM_CELL_NONE,	/* no extent reported for its span */
	CKREMM_CELL_FREE,	/* only free bytes */
	CKREMM_CELL_MIXED,	/* used and free bytes */
	CKREMM_CELL_USED,	/* only used bytes */
};

/**
 * struct ckremm_map_cell - bytes of one cell's span, by state
 * @used: bytes in used extents
 * @free: bytes in free extents
 */
struct ckremm_map_cell {
	__u64 used;
	__u64 free;
};

/**
 * struct ckremm_map - an arena cut into @ncells equal spans, and totals
 * @arena_size: bytes of the arena
 * @ncells: cells in @cells; cell i spans
 *	[arena_size * i / ncells, arena_size * (i + 1) / ncells)
 * @cells: caller-provided array of @ncells
 * @used_bytes: bytes in used extents (headers included)
 * @free_bytes: bytes in free extents (headers included)
 * @used_blocks: used extents seen
 * @free_blocks: free extents seen
 * @pinned_blocks: used extents flagged CKREMM_EXTENT_PINNED
 * @largest_free: bytes of the largest free extent (header included)
 * @largest_free_payload: the same extent's bytes after its header
 * @outside_bytes: bytes of extents past the arena's end (ignored)
 */
struct ckremm_map {
	__u64 arena_size;
	unsigned int ncells;
	struct ckremm_map_cell *cells;
	__u64 used_bytes;
	__u64 free_bytes;
	__u64 used_blocks;
	__u64 free_blocks;
	__u64 pinned_blocks;
	__u64 largest_free;
	__u64 largest_free_payload;
	__u64 outside_bytes;
};

/* Start an empty map of @arena_size bytes over @cells[@ncells]. */
void ckremm_map_init(struct ckremm_map *map, __u64 arena_size,
		     struct ckremm_map_cell *cells, unsigned int ncells);

/* First arena byte of cell @i (i == ncells gives arena_size). */
__u64 ckremm_map_cell_start(const struct ckremm_map *map, unsigned int i);

/* Account one extent; extents may come in any order. */
void ckremm_map_add(struct ckremm_map *map, const struct ckremm_extent *e);

/* The state of cell @i. */
enum ckremm_cell ckremm_map_cell_state(const struct ckremm_map *map,
				       unsigned int i);

/* External fragmentation in permille: 0 when all free bytes form one
 * extent, approaching 1000 as they splinter:
 * 1000 - 1000 * largest_free / free_bytes; 0 with no free bytes. */
unsigned int ckremm_map_frag_permille(const struct ckremm_map *map);

/* Draw cells [@first, @first + @count) into @out as one NUL-terminated
 * line: '#' used, '+' mixed, '.' free, ' ' none; with @utf8, shaded
 * blocks (U+2588 used, U+2593/U+2592 mixed mostly used/mostly free, U+2591
 * free).  Returns the bytes written (without the NUL), or -ENOSPC if
 * @out_size is too small (4 bytes per cell and the NUL always suffice). */
int ckremm_map_draw(const struct ckremm_map *map, unsigned int first,
		    unsigned int count, bool utf8, char *out, size_t out_size);

#endif /* LIBCKREMM_H */
