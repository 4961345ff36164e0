/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckremm device internals shared by the files of ckremm/dev/: a pool as
 * the device sees it, an open file and its attachments, and the table of
 * operations through which the ioctls reach one kind of pool.
 *
 * The device core (ckremm_dev.c, registry.c, attach.c, ioctl.c)
 * validates every request field that the ABI defines, finds the pool,
 * holds a reference on it and copies to and from userspace.  A kind
 * (kind_header.c, kind_table.c) only translates between the names
 * userspace gives blocks (arena offsets or handles) and its pool's own
 * calls; it never sees a user pointer and never sleeps under the pool's
 * lock.
 *
 * Locking: this header takes no lock; the locks it declares, and their
 * order, are described in "lock ordering" at the top of ckremm_dev.c.
 */
#ifndef CKREMM_DEV_H
#define CKREMM_DEV_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include <uapi/linux/ckremm.h>

struct file;
struct kernel_param;
struct ckremm_pool;
struct ckremm_gc;
struct ckremm_dev_pager;
struct ckremm_zstore;
struct seq_file;
struct t_pool;

/**
 * struct ckremm_pool_ops - the operations of one kind of pool
 * @kind: CKREMM_KIND_* of the pools made through this table
 * @map_writable: whether the arena may be mapped writable; false when the
 *	arena holds metadata that userspace must not forge
 * @meta_per_256: most bytes of memory outside the arena that a pool
 *	takes per 256 bytes of arena (its tables), for the memory check of
 *	CREATE
 * @create: make the pool's arena of at most @size bytes and set
 *	@pool->impl, @pool->arena (the start of a whole vmalloc allocation,
 *	which the device maps page by page) and @pool->arena_size; may
 *	sleep, and may take the new pool's lock; called under
 *	ckremm_create_lock; 0, -E2BIG (beyond what the kind can manage) or
 *	-ENOMEM
 * @destroy: free what @create made; may sleep
 * @alloc: ALLOC: a block of @size bytes (>= 1) at @align (0, or a power
 *	of two up to PAGE_SIZE) with CKREMM_ALLOC_* @flags; its name goes
 *	to *@block; 0, -ENOMEM, or -EOPNOTSUPP for an @align or a flag the
 *	kind does not take
 * @free: FREE: 0, -EINVAL or -EBUSY (held by another request, or pinned)
 * @clean: CLEAN: zero the block; where it is then and its usable size go
 *	to *@offset and *@size; 0, -EINVAL or -EBUSY
 * @realloc: REALLOC: resize the block to @size (>= 1); its new name goes
 *	to *@new_block; 0, -EINVAL, -EBUSY or -ENOMEM (block unchanged)
 * @alloc_batch: ALLOC_BATCH: @count (1..CKREMM_BATCH_MAX) blocks as
 *	@alloc makes them, all or none, named in @blocks; 0, -ENOMEM or
 *	-EOPNOTSUPP as for @alloc
 * @free_batch: FREE_BATCH: free @count blocks, checking all of them
 *	(repeats, holds and pins included) before freeing any; 0, -EINVAL
 *	or -EBUSY
 * @hold: READ, WRITE: hold the block, alone (@alone) or shared with
 *	other readers, so that its @size bytes at @addr may be used with no
 *	lock held; 0, -EINVAL or -EBUSY
 * @unhold: release the hold that @hold took
 * @pin: PIN: take one pin, so that the block neither moves nor can be
 *	freed until @unpin; where it is and its size go to *@offset and
 *	*@size; 0, -EINVAL or -EOVERFLOW (the kind's most pins)
 * @unpin: UNPIN: drop one pin taken by @pin; 0 or -EINVAL
 * @locate: LOCATE: where the block is now and its size; 0 or -EINVAL
 * @copy: COPY: copy block @src into block @dst; 0, -EINVAL, -EBUSY (a
 *	block held by another request) or -ENOSPC (@dst smaller than @src);
 *	nothing copied on error
 * @reorder: REORDER: defragment; fills @r->bytes_moved and
 *	@r->blocks_moved (the device the rest); 0 or -errno
 * @stats: STATS, LIST: fill the out fields of @s but @s->kind
 * @validate: VALIDATE: 0 if consistent, else -EUCLEAN or -EBUSY (the
 *	pool kept changing under the check) as struct ckremm_validate has
 *	them, with where and what in *@offset and *@reason (a static string,
 *	or NULL)
 * @walk: WALK: report up to @max extents from the first one at or after
 *	*@cursor (an arena offset below @pool->arena_size) into @out, from
 *	one call of the pool's walk, and advance *@cursor past them, to
 *	@pool->arena_size at the end; returns the number written, which may
 *	be fewer than @max, or 0 with *@cursor advanced; the device calls it
 *	again until it has enough or *@cursor stops
 *
 * A block is named by a u64, @block (@dst, @src): an arena offset or a
 * handle, as the kind decides; names come from userspace unchecked, and
 * the kind refuses those that name no live block with -EINVAL.  A kind
 * that does not have an operation leaves it NULL (a header pool: @realloc
 * set, @pin, @unpin, @locate and @copy NULL; a table pool the other way
 * round), and the device answers its request with EOPNOTSUPP without
 * calling anything.  A request holds every block it works on for as long
 * as it works on it (the pool's holds: see include/uapi/linux/ckremm.h), so a
 * request that conflicts with it is refused with -EBUSY and changes
 * nothing.  Every call but @create and @destroy is made with a reference
 * on the pool held and no ckremm lock taken, except that @pin, @unpin and
 * @locate may run under the pin lock of the open file that records the
 * pins (a mutex); none sleeps but @create and @destroy, and a table
 * pool's @alloc and @alloc_batch, which commit a paged pool's pages
 * ahead when they find none (kind_table.c).
 */
struct ckremm_pool_ops {
	u32 kind;
	bool map_writable;
	unsigned int meta_per_256;
	int (*create)(struct ckremm_pool *pool, size_t size);
	void (*destroy)(struct ckremm_pool *pool);

	int (*alloc)(struct ckremm_pool *pool, size_t size, size_t align,
		     u32 flags, u64 *block);
	int (*free)(struct ckremm_pool *pool, u64 block);
	int (*clean)(struct ckremm_pool *pool, u64 block, u64 *offset,
		     u64 *size);
	int (*realloc)(struct ckremm_pool *pool, u64 block, size_t size,
		       u64 *new_block);
	int (*alloc_batch)(struct ckremm_pool *pool, size_t size, size_t align,
			   u64 *blocks, unsigned int count);
	int (*free_batch)(struct ckremm_pool *pool, const u64 *blocks,
			  unsigned int count);
	int (*hold)(struct ckremm_pool *pool, u64 block, bool alone,
		    void **addr, size_t *size);
	void (*unhold)(struct ckremm_pool *pool, u64 block, bool alone);
	int (*pin)(struct ckremm_pool *pool, u64 block, u64 *offset,
		   u64 *size);
	int (*unpin)(struct ckremm_pool *pool, u64 block);
	int (*locate)(struct ckremm_pool *pool, u64 block, u64 *offset,
		      u64 *size);
	int (*copy)(struct ckremm_pool *pool, u64 dst, u64 src);

	int (*reorder)(struct ckremm_pool *pool, struct ckremm_reorder *r);
	void (*stats)(struct ckremm_pool *pool, struct ckremm_stats *s);
	int (*validate)(struct ckremm_pool *pool, u64 *offset,
			const char **reason);
	unsigned int (*walk)(struct ckremm_pool *pool, u64 *cursor,
			     struct ckremm_extent *out, unsigned int max);
};

/**
 * struct ckremm_pool - a pool of any kind, as the device holds it
 * @ref: one for the named registry while the pool has a name, one for
 *	each attachment to an open file, one for each mapping
 * @ops: the pool's operations, those of its kind
 * @impl: the kind's own pool (struct h_pool or struct t_pool)
 * @arena: kernel address of the arena when the pool was made:
 *	page-aligned, in the vmalloc range; never shown to userspace.  A
 *	table pool's arena moves when a pager gives pages back or commits
 *	them (ckremm/paging/paging.c): valid for a table pool only until
 *	then, so used only at creation
 * @pages: the Linux port's record of the arena, the same for its life,
 *	from which mappings fault pages in (ckremm_dev.c)
 * @arena_size: bytes the pool manages, from offset 0 of @arena
 * @uid: the creator's fsuid: owner of a named pool, and the user the pool
 *	is charged to against max_pools_per_user
 * @gid: the creator's fsgid
 * @mode: permission bits of a named pool
 * @node: in the named registry while the pool has a name, else empty
 * @name: the name it was created with, or all zero
 * @label: what debugfs shows it as: "dev-<name>" for a named pool,
 *	"dev-<tgid>-<n>" for another (the creator's thread group id, and a
 *	number counted for every such pool)
 * @gc: a table pool's collector (collector.c), NULL until GC_ATTACH
 *	publishes it; set once, destroyed by the last reference
 * @gc_roots: the collector's root slots, set before @gc is published
 * @pager: a table pool's pager (pager.c), NULL but between PAGER_ATTACH
 *	and PAGER_DETACH; under ckremm_pager_lock
 * @store: a table pool's compressed store (pager.c), NULL unless
 *	PAGER_ATTACH gave it one; set once under ckremm_pager_lock, freed
 *	by the last reference after the pool's memory
 * @map_lock: guards @maps
 * @maps: the address spaces the arena is mapped through (struct
 *	ckremm_mmapping, ckremm_dev.c)
 *
 * Everything but @ref, @node, @gc, @gc_roots, @pager, @store and @maps is set
 * before the pool becomes visible and never changes.  The last reference frees the
 * pool's memory, its pager and its collector first.
 */
struct ckremm_pool {
	struct kref ref;
	const struct ckremm_pool_ops *ops;
	void *impl;
	void *arena;
	struct ckremm_arena *pages;
	size_t arena_size;
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	struct list_head node;
	char name[CKREMM_NAME_LEN];
	char label[CKREMM_NAME_LEN + 8];
	struct ckremm_gc *gc;
	unsigned int gc_roots;
	struct ckremm_dev_pager *pager;
	struct ckremm_zstore *store;
	struct mutex map_lock;		/* guards @maps */
	struct list_head maps;
};

/* The header pool (struct h_pool): kind_header.c. */
extern const struct ckremm_pool_ops ckremm_header_ops;
/* The table pool (struct t_pool): kind_table.c. */
extern const struct ckremm_pool_ops ckremm_table_ops;

/* Page offset bits of an mmap() offset that select a page of the arena. */
/*
 * Fill the counters of a struct ckremm_stats that both kinds keep under the
 * same names from a pool's own stats (struct h_pool_stats or struct
 * t_pool_stats: a macro, since the two are distinct types).  The kind
 * fills in the rest.
 */
#define ckremm_stats_common(s, st) do {				\
	struct ckremm_stats *__s = (s);				\
	typeof(st) __st = (st);					\
								\
	__s->arena_size = __st->arena_size;			\
	__s->used_bytes = __st->used_bytes;			\
	__s->free_bytes = __st->free_bytes;			\
	__s->largest_free = __st->largest_free;			\
	__s->used_blocks = __st->used_blocks;			\
	__s->free_blocks = __st->free_blocks;			\
	__s->peak_used = __st->peak_used;			\
	__s->failed_allocs = __st->failed_allocs;		\
	__s->refused_calls = __st->refused_calls;		\
	__s->frag_permille = __st->frag_permille;		\
	__s->committed_bytes = __st->committed_bytes;		\
	__s->purged_bytes = __st->purged_bytes;			\
	__s->commit_failures = __st->commit_failures;		\
} while (0)

#define CKREMM_MMAP_PGSHIFT	(CKREMM_MMAP_SHIFT - PAGE_SHIFT)

/**
 * struct ckremm_file - one open file of /dev/ckremm
 * @pools: pool id -> struct ckremm_attach; ids from 1, lowest free first.
 *	Its xa_lock orders lookups against CLOSE and DESTROY.
 * @pin_lock: guards the pin records of every attachment of this file and
 *	keeps an attachment found under it from being freed
 */
struct ckremm_file {
	struct xarray pools;
	struct mutex pin_lock;	/* pin records; see struct ckremm_attach */
};

/**
 * struct ckremm_attach - a pool as seen through one id of one open file
 * @pool: the pool; the attachment holds one reference on it
 * @read_only: attached with CKREMM_OPEN_RDONLY: may read, map and query
 * @pins: struct ckremm_pin by handle: the blocks pinned through this
 *	attachment (table pools only); under the file's pin_lock
 */
struct ckremm_attach {
	struct ckremm_pool *pool;
	bool read_only;
	struct rb_root pins;
};

/* Module parameters (ckremm_dev.c): max_pool_size, max_pools_per_user. */
extern unsigned long ckremm_max_pool_size;
extern unsigned int ckremm_max_pools_per_user;
int ckremm_param_set_range(const char *val, const struct kernel_param *kp,
			   unsigned long min, unsigned long max);

/*
 * registry.c: the pools, the per-user quota and the named registry.
 * ckremm_registry (the named pools, by their node) and ckremm_users are
 * guarded by ckremm_registry_lock and ckremm_users_lock (see "lock
 * ordering" in ckremm_dev.c); each function's comment is beside its
 * definition.
 */
extern struct mutex ckremm_registry_lock;
extern struct list_head ckremm_registry;
extern struct xarray ckremm_users;
const struct ckremm_pool_ops *ckremm_pool_ops_find(u32 kind);
struct ckremm_pool *ckremm_pool_create(const struct ckremm_pool_ops *ops,
				       size_t size, const char *name,
				       umode_t mode);
void ckremm_pool_put(struct ckremm_pool *pool);
int ckremm_pool_memory_lock(size_t arena_size, size_t bytes);
void ckremm_pool_memory_unlock(void);
bool ckremm_name_valid(const char *name);
int ckremm_pool_permission(const struct ckremm_pool *pool, bool read_only);
bool ckremm_may_destroy(const struct ckremm_pool *pool);
bool ckremm_registry_has(const char *name);
int ckremm_registry_add(struct ckremm_pool *pool);
struct ckremm_pool *ckremm_registry_get(const char *name);
void ckremm_registry_drain(void);

/*
 * attach.c: one open file's attachments, and the pins taken through
 * them; each function's comment is beside its definition.
 */
struct ckremm_attach *ckremm_attach_new(struct ckremm_pool *pool,
					bool read_only);
void ckremm_attach_free(struct ckremm_file *cf, struct ckremm_attach *att);
int ckremm_file_add(struct ckremm_file *cf, struct ckremm_attach *att,
		    u32 *id);
struct ckremm_pool *ckremm_file_get_pool(struct ckremm_file *cf,
					 unsigned long id, bool *read_only);
struct ckremm_attach *ckremm_file_find_attach(struct ckremm_file *cf,
					      unsigned long id, bool modify);
struct ckremm_attach *ckremm_file_detach(struct ckremm_file *cf, u32 id,
					 const struct ckremm_pool *pool);
int ckremm_attach_pin(struct ckremm_attach *att, u64 block, u64 *offset,
		      u64 *size);
int ckremm_attach_unpin(struct ckremm_attach *att, u64 block);
int ckremm_attach_pin_new(struct ckremm_attach *att,
			  int (*make)(struct ckremm_pool *pool, void *arg,
				      u64 *handle),
			  void *arg, u64 *handle);

/*
 * collector.c: the GC_* requests on a table pool's collector, each given
 * the request as copied in, its fields but the pool's checked by ioctl.c;
 * a build without the collector answers them EOPNOTSUPP.
 */
#if IS_ENABLED(CONFIG_CKREMM_GC)
int ckremm_dev_gc_attach(struct ckremm_pool *pool,
			 const struct ckremm_gc_setup *g);
int ckremm_dev_gc_type(struct ckremm_pool *pool, const u64 *map,
		       struct ckremm_gc_layout *l);
int ckremm_dev_gc_alloc(struct ckremm_attach *att, struct ckremm_gc_object *o);
int ckremm_dev_gc_root_set(struct ckremm_pool *pool,
			   const struct ckremm_gc_slot *s);
int ckremm_dev_gc_root_get(struct ckremm_pool *pool, struct ckremm_gc_slot *s);
int ckremm_dev_gc_step(struct ckremm_pool *pool, struct ckremm_gc_work *w);
int ckremm_dev_gc_collect(struct ckremm_pool *pool, struct ckremm_gc_work *w);
int ckremm_dev_gc_stats(struct ckremm_pool *pool, struct ckremm_gc_figures *f);
void ckremm_dev_gc_release(struct ckremm_pool *pool);
#else
static inline int ckremm_dev_gc_attach(struct ckremm_pool *pool,
				       const struct ckremm_gc_setup *g)
{
	return -EOPNOTSUPP;
}

static inline int ckremm_dev_gc_type(struct ckremm_pool *pool, const u64 *map,
				     struct ckremm_gc_layout *l)
{
	return -EOPNOTSUPP;
}

static inline int ckremm_dev_gc_alloc(struct ckremm_attach *att,
				      struct ckremm_gc_object *o)
{
	return -EOPNOTSUPP;
}

static inline int ckremm_dev_gc_root_set(struct ckremm_pool *pool,
					 const struct ckremm_gc_slot *s)
{
	return -EOPNOTSUPP;
}

static inline int ckremm_dev_gc_root_get(struct ckremm_pool *pool,
					 struct ckremm_gc_slot *s)
{
	return -EOPNOTSUPP;
}

static inline int ckremm_dev_gc_step(struct ckremm_pool *pool,
				     struct ckremm_gc_work *w)
{
	return -EOPNOTSUPP;
}

static inline int ckremm_dev_gc_collect(struct ckremm_pool *pool,
					struct ckremm_gc_work *w)
{
	return -EOPNOTSUPP;
}

static inline int ckremm_dev_gc_stats(struct ckremm_pool *pool,
				      struct ckremm_gc_figures *f)
{
	return -EOPNOTSUPP;
}

static inline void ckremm_dev_gc_release(struct ckremm_pool *pool)
{
}
#endif

/*
 * pager.c: the PAGER_* requests on a table pool's pager, each given the
 * request as copied in, its fields but the pool's checked by ioctl.c, and
 * what debugfs shows of a pager; a build without the paging module
 * answers them EOPNOTSUPP.
 */
#if IS_ENABLED(CONFIG_CKREMM_PAGING)
int ckremm_dev_pager_attach(struct ckremm_pool *pool,
			    const struct ckremm_pager_setup *s);
int ckremm_dev_pager_detach(struct ckremm_pool *pool);
int ckremm_dev_pager_purge(struct ckremm_pool *pool,
			   struct ckremm_pager_purge *pp);
int ckremm_dev_pager_stats(struct ckremm_pool *pool,
			   struct ckremm_pager_figures *f);
void ckremm_dev_pager_show(struct seq_file *m, struct t_pool *tpool);
void ckremm_dev_pager_release(struct ckremm_pool *pool);
int ckremm_dev_pager_page_in(struct ckremm_pool *pool, u64 handle);
int ckremm_dev_pager_page_out(struct ckremm_pool *pool, size_t bytes);
void ckremm_dev_store_free(struct ckremm_zstore *zs);
#else
static inline int ckremm_dev_pager_attach(struct ckremm_pool *pool,
					  const struct ckremm_pager_setup *s)
{
	return -EOPNOTSUPP;
}

static inline int ckremm_dev_pager_detach(struct ckremm_pool *pool)
{
	return -EOPNOTSUPP;
}

static inline int ckremm_dev_pager_purge(struct ckremm_pool *pool,
					 struct ckremm_pager_purge *pp)
{
	return -EOPNOTSUPP;
}

static inline int ckremm_dev_pager_stats(struct ckremm_pool *pool,
					 struct ckremm_pager_figures *f)
{
	return -EOPNOTSUPP;
}

static inline void ckremm_dev_pager_show(struct seq_file *m,
					 struct t_pool *tpool)
{
}

static inline void ckremm_dev_pager_release(struct ckremm_pool *pool)
{
}

static inline int ckremm_dev_pager_page_in(struct ckremm_pool *pool,
					   u64 handle)
{
	return -ENODEV;
}

static inline int ckremm_dev_pager_page_out(struct ckremm_pool *pool,
					    size_t bytes)
{
	return -ENODEV;
}

static inline void ckremm_dev_store_free(struct ckremm_zstore *zs)
{
}
#endif

/*
 * debugfs.c: /sys/kernel/debug/ckremm/, every pool's stats, map and
 * validate; the pools reach it through ckremm_pool_created() and
 * ckremm_pool_destroyed() (ckremm/port/linux/ckremm_target.h).
 */
void ckremm_debugfs_init(void);
void ckremm_debugfs_exit(void);

/* ioctl.c: the unlocked_ioctl (and, through compat_ptr_ioctl, compat) entry. */
long ckremm_ioctl(struct file *file, unsigned int cmd, unsigned long uarg);

#endif /* CKREMM_DEV_H */
