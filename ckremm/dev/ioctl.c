// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/ckremm: the ioctls.  ckremm_ioctl() owns the path every request
 * takes, in this order: the command is found in ckremm_ioctls[] (indexed
 * by _IOC_NR behind array_index_nospec), its direction and size compared
 * with the table's, the struct copied in (and, for one that returns data,
 * written back unchanged, so that a result that cannot be delivered fails
 * before anything changes), its fields checked (the descriptor's @check:
 * flag masks, reserved, pad and out fields zero, sizes and counts in
 * range), then the pool it names found through the open file and the
 * attachment's rights checked (EBADF for a change through a read-only
 * attachment), and only then its handler run: for a request on blocks,
 * one operation of the pool's kind (struct ckremm_pool_ops), which the
 * kind may not have (EOPNOTSUPP).  The out fields are copied back last.
 * The numbers ABI version 1 used for its block requests answer EPROTO.
 *
 * Holds: the device serves many processes at once and never assumes that
 * one of them owns a block.  Every request that works on a block for
 * longer than one hold of the pool lock holds the block in the pool
 * (h_pool_hold(), t_pool_hold(), or the pool call itself for CLEAN,
 * REALLOC and COPY): READ and the source of COPY share the hold, every
 * other request needs it alone, and a request that meets a conflicting
 * hold is refused with EBUSY before it changes anything.  So a failed
 * request leaves every byte as it was, and no request sees its block
 * freed, resized or rewritten by another half way through.
 *
 * Locking: a request on a pool holds a reference on it, taken under the
 * file's xa_lock, and no ckremm lock while the kind's operation runs
 * (which takes the pool's lock); PIN, UNPIN and GC_ALLOC run under the
 * file's pin_lock instead.  GC_ATTACH takes ckremm_gc_attach_lock
 * (collector.c), the PAGER_* requests ckremm_pager_lock (pager.c).
 * CREATE, OPEN, DESTROY and LIST take the registry's locks.  No copy to
 * or from user memory runs under any of them: see "lock ordering" at the
 * top of ckremm_dev.c.
 */

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <uapi/linux/ckremm.h>

#include "ckremm_dev.h"

/* Most extents CKREMM_IOC_WALK reports per call. */
#define CKREMM_WALK_MAX		4096
/* Extents gathered per copy_to_user() of a walk. */
#define CKREMM_WALK_CHUNK	64

/* The block requests of ABI version 1, by number: refused with EPROTO. */
#define CKREMM_V1_BLOCK_FIRST	0x05
#define CKREMM_V1_BLOCK_LAST	0x0c
#define CKREMM_V1_TABLE_FIRST	0x20
#define CKREMM_V1_TABLE_LAST	0x28

/*
 * A request as copied in.  Every request on a pool starts with its __u32
 * pool id, which @pool reads whatever the request.
 */
union ckremm_ioctl_arg {
	u32 pool;
	struct ckremm_version version;
	struct ckremm_create create;
	struct ckremm_open open;
	struct ckremm_pool_ref ref;
	struct ckremm_alloc alloc;
	struct ckremm_block block;
	struct ckremm_realloc realloc;
	struct ckremm_batch batch;
	struct ckremm_rw rw;
	struct ckremm_copy copy;
	struct ckremm_reorder reorder;
	struct ckremm_stats stats;
	struct ckremm_validate validate;
	struct ckremm_list list;
	struct ckremm_walk walk;
	struct ckremm_gc_setup gc_setup;
	struct ckremm_gc_layout gc_layout;
	struct ckremm_gc_object gc_object;
	struct ckremm_gc_slot gc_slot;
	struct ckremm_gc_work gc_work;
	struct ckremm_gc_figures gc_figures;
	struct ckremm_pager_setup pager_setup;
	struct ckremm_pager_purge pager_purge;
	struct ckremm_pager_figures pager_figures;
};

static_assert(offsetof(struct ckremm_alloc, pool) == 0);
static_assert(offsetof(struct ckremm_block, pool) == 0);
static_assert(offsetof(struct ckremm_realloc, pool) == 0);
static_assert(offsetof(struct ckremm_batch, pool) == 0);
static_assert(offsetof(struct ckremm_rw, pool) == 0);
static_assert(offsetof(struct ckremm_copy, pool) == 0);
static_assert(offsetof(struct ckremm_reorder, pool) == 0);
static_assert(offsetof(struct ckremm_stats, pool) == 0);
static_assert(offsetof(struct ckremm_validate, pool) == 0);
static_assert(offsetof(struct ckremm_walk, pool) == 0);
static_assert(offsetof(struct ckremm_gc_setup, pool) == 0);
static_assert(offsetof(struct ckremm_gc_layout, pool) == 0);
static_assert(offsetof(struct ckremm_gc_object, pool) == 0);
static_assert(offsetof(struct ckremm_gc_slot, pool) == 0);
static_assert(offsetof(struct ckremm_gc_work, pool) == 0);
static_assert(offsetof(struct ckremm_gc_figures, pool) == 0);
static_assert(offsetof(struct ckremm_pager_setup, pool) == 0);
static_assert(offsetof(struct ckremm_pager_purge, pool) == 0);
static_assert(offsetof(struct ckremm_pager_figures, pool) == 0);

/*
 * The collector's requests have one layout on every ABI, 32-bit ones
 * included (compat_ptr_ioctl): whole __u64s, no implicit padding.
 */
static_assert(sizeof(struct ckremm_gc_setup) == 64);
static_assert(sizeof(struct ckremm_gc_layout) == 32);
static_assert(sizeof(struct ckremm_gc_object) == 40);
static_assert(sizeof(struct ckremm_gc_slot) == 32);
static_assert(sizeof(struct ckremm_gc_work) == 56);
static_assert(sizeof(struct ckremm_gc_figures) == 152);
/* And so have the pager's. */
static_assert(sizeof(struct ckremm_pager_setup) == 64);
static_assert(sizeof(struct ckremm_pager_purge) == 40);
static_assert(sizeof(struct ckremm_pager_figures) == 216);
/* STATS took its paging figures from its reserved words: the same size. */
static_assert(sizeof(struct ckremm_stats) == 136);

/* What a request acts on, found by ckremm_ioctl() before its handler. */
enum ckremm_scope {
	CKREMM_ON_FILE,	/* the open file: no pool, or a pool it finds itself */
	CKREMM_ON_POOL,	/* the pool @pool names, with a reference */
	CKREMM_ON_PINS,	/* the attachment @pool names, under its pin_lock */
};

/**
 * struct ckremm_req - what a request's handler works on
 * @cf: the open file the request came through
 * @pool: CKREMM_ON_POOL, CKREMM_ON_PINS: the pool the request names
 * @att: CKREMM_ON_PINS: the attachment the request names
 */
struct ckremm_req {
	struct ckremm_file *cf;
	struct ckremm_pool *pool;
	struct ckremm_attach *att;
};

/* Field checks, made before the pool is looked up */

/* Whether the bytes of @req from @from to @size are all zero. */
static bool ckremm_zero_from(const void *req, size_t from, size_t size)
{
	return mem_is_zero((const u8 *)req + from, size - from);
}

/*
 * The size and alignment a request asks of a new block: at least one
 * byte, and no alignment or a power of two up to the page size.  A size
 * that size_t cannot hold (only a 32-bit kernel can be asked for one) is
 * not malformed, but no arena is that large: the pool has no room for it.
 */
static int ckremm_check_alloc_args(u64 size, u64 align)
{
	if (!size)
		return -EINVAL;
	if (align > PAGE_SIZE || (align && !is_power_of_2(align)))
		return -EINVAL;
	if (size != (size_t)size)
		return -ENOMEM;
	return 0;
}

static int ckremm_check_alloc(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_alloc *a = &arg->alloc;

	if (a->flags & ~CKREMM_ALLOC_FLAGS || a->block || a->reserved)
		return -EINVAL;
	return ckremm_check_alloc_args(a->size, a->align);
}

/* FREE, CLEAN, PIN, UNPIN and LOCATE: the out fields must be zero too. */
static int ckremm_check_block(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_block *b = &arg->block;

	return b->flags || b->offset || b->size || b->reserved ? -EINVAL : 0;
}

static int ckremm_check_realloc(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_realloc *r = &arg->realloc;

	if (r->flags || r->new_block || r->reserved)
		return -EINVAL;
	return ckremm_check_alloc_args(r->size, 0);
}

static int ckremm_check_batch(const struct ckremm_batch *b)
{
	if (b->flags || b->reserved0 || b->reserved)
		return -EINVAL;
	if (!b->count || b->count > CKREMM_BATCH_MAX)
		return -EINVAL;
	return 0;
}

static int ckremm_check_alloc_batch(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_batch *b = &arg->batch;

	return ckremm_check_batch(b) ?:
	       ckremm_check_alloc_args(b->size, b->align);
}

static int ckremm_check_free_batch(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_batch *b = &arg->batch;

	if (b->size || b->align)
		return -EINVAL;
	return ckremm_check_batch(b);
}

static int ckremm_check_rw(const union ckremm_ioctl_arg *arg)
{
	return arg->rw.flags || arg->rw.reserved ? -EINVAL : 0;
}

static int ckremm_check_copy(const union ckremm_ioctl_arg *arg)
{
	return arg->copy.flags || arg->copy.reserved ? -EINVAL : 0;
}

/* REORDER, STATS, VALIDATE: every field after @pool is flags or out. */
static int ckremm_check_reorder(const union ckremm_ioctl_arg *arg)
{
	return ckremm_zero_from(arg, sizeof(u32),
				sizeof(struct ckremm_reorder)) ? 0 : -EINVAL;
}

static int ckremm_check_stats(const union ckremm_ioctl_arg *arg)
{
	return ckremm_zero_from(arg, sizeof(u32),
				sizeof(struct ckremm_stats)) ? 0 : -EINVAL;
}

static int ckremm_check_validate(const union ckremm_ioctl_arg *arg)
{
	return ckremm_zero_from(arg, sizeof(u32),
				sizeof(struct ckremm_validate)) ? 0 : -EINVAL;
}

static int ckremm_check_walk(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_walk *w = &arg->walk;

	if (w->reserved || !w->count || w->count > CKREMM_WALK_MAX)
		return -EINVAL;
	return 0;
}

/* The collector's requests: fields checked before the pool is found */

static int ckremm_check_gc_attach(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_gc_setup *g = &arg->gc_setup;

	if (g->flags & ~CKREMM_GC_ATTACH_FLAGS ||
	    !mem_is_zero(g->reserved, sizeof(g->reserved)))
		return -EINVAL;
	return 0;
}

static int ckremm_check_gc_type(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_gc_layout *l = &arg->gc_layout;

	if (l->flags & ~CKREMM_GC_LAYOUT_FLAGS || l->type || l->reserved)
		return -EINVAL;
	if (!l->words || l->words > CKREMM_GC_MAP_WORDS_MAX)
		return -EINVAL;
	return 0;
}

static int ckremm_check_gc_alloc(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_gc_object *o = &arg->gc_object;

	if (o->flags & ~CKREMM_GC_ALLOC_FLAGS || !o->flags)
		return -EINVAL;
	if ((!(o->flags & CKREMM_GC_ALLOC_ROOT) && o->slot) || o->handle ||
	    o->reserved || o->type >= CKREMM_GC_TYPES_MAX)
		return -EINVAL;
	return ckremm_check_alloc_args(o->size, 0);
}

static int ckremm_check_gc_root_set(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_gc_slot *s = &arg->gc_slot;

	return s->flags || s->pad || s->reserved ? -EINVAL : 0;
}

static int ckremm_check_gc_root_get(const union ckremm_ioctl_arg *arg)
{
	return arg->gc_slot.handle ? -EINVAL : ckremm_check_gc_root_set(arg);
}

/* GC_STEP, GC_COLLECT: every field after @budget is out or reserved. */
static int ckremm_check_gc_work(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_gc_work *w = &arg->gc_work;

	if (w->flags || w->budget > CKREMM_GC_BUDGET_MAX)
		return -EINVAL;
	return ckremm_zero_from(w, offsetof(struct ckremm_gc_work, phase),
				sizeof(*w)) ? 0 : -EINVAL;
}

static int ckremm_check_gc_collect(const union ckremm_ioctl_arg *arg)
{
	return arg->gc_work.budget ? -EINVAL : ckremm_check_gc_work(arg);
}

static int ckremm_check_gc_stats(const union ckremm_ioctl_arg *arg)
{
	return ckremm_zero_from(arg, sizeof(u32),
				sizeof(struct ckremm_gc_figures)) ? 0 : -EINVAL;
}

/* The pager's requests: fields checked before the pool is found */

static int ckremm_check_pager_attach(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_pager_setup *s = &arg->pager_setup;

	if (s->flags & ~CKREMM_PAGER_FLAGS)
		return -EINVAL;
	if (s->period_ms > CKREMM_PAGER_PERIOD_MAX ||
	    s->decay_ticks > CKREMM_PAGER_DECAY_MAX)
		return -EINVAL;
	if (!(s->flags & CKREMM_PAGER_REORDER) && s->reorder_bytes)
		return -EINVAL;
	/* A store of fewer bytes, or a free target without one. */
	if (s->store_bytes ? s->store_bytes < CKREMM_PAGER_STORE_MIN :
			     s->free_target)
		return -EINVAL;
	return 0;
}

static int ckremm_check_pager_purge(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_pager_purge *p = &arg->pager_purge;

	return p->flags || p->purged_bytes || p->reserved ? -EINVAL : 0;
}

static int ckremm_check_pager_stats(const union ckremm_ioctl_arg *arg)
{
	return ckremm_zero_from(arg, sizeof(u32),
				sizeof(struct ckremm_pager_figures)) ?
	       0 : -EINVAL;
}

/* Requests on the open file */

static int ckremm_ioctl_version(struct ckremm_req *rq,
				union ckremm_ioctl_arg *arg)
{
	arg->version.abi = CKREMM_ABI_VERSION;
	return 0;
}

static int ckremm_check_create(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_create *c = &arg->create;

	if (c->flags & ~CKREMM_CREATE_FLAGS)
		return -EINVAL;
	if (c->pool || c->mmap_offset || c->arena_size ||
	    !mem_is_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	if (c->flags & CKREMM_CREATE_NAMED) {
		if (!ckremm_name_valid(c->name) || c->mode & ~0777U)
			return -EINVAL;
	} else if (!mem_is_zero(c->name, sizeof(c->name)) || c->mode) {
		return -EINVAL;
	}
	if (c->size < CKREMM_POOL_MIN_SIZE)
		return -EINVAL;
	if (c->size > READ_ONCE(ckremm_max_pool_size))
		return -E2BIG;
	return 0;
}

/*
 * A new attachment of @pool to @cf, under an id reserved for it that
 * reads as empty until ckremm_attach_publish(); ckremm_attach_cancel()
 * undoes it.  The caller's reference on @pool becomes the attachment's
 * once it is published.
 */
static int ckremm_attach_reserve(struct ckremm_file *cf,
				 struct ckremm_pool *pool, bool read_only,
				 struct ckremm_attach **att, u32 *id)
{
	int err;

	*att = ckremm_attach_new(pool, read_only);
	if (!*att)
		return -ENOMEM;
	err = ckremm_file_add(cf, NULL, id);
	if (err)
		kfree(*att);
	return err;
}

static void ckremm_attach_cancel(struct ckremm_file *cf,
				 struct ckremm_attach *att, u32 id)
{
	xa_release(&cf->pools, id);
	kfree(att);
}

/* Fill the reserved id: allocates nothing, cannot fail. */
static void ckremm_attach_publish(struct ckremm_file *cf,
				  struct ckremm_attach *att, u32 id)
{
	xa_store(&cf->pools, id, att, GFP_KERNEL_ACCOUNT);
}

static u64 ckremm_mmap_offset(u32 id)
{
	return (u64)id << CKREMM_MMAP_SHIFT;
}

static int ckremm_ioctl_create(struct ckremm_req *rq,
			       union ckremm_ioctl_arg *arg)
{
	struct ckremm_file *cf = rq->cf;
	struct ckremm_create *c = &arg->create;
	bool named = c->flags & CKREMM_CREATE_NAMED;
	const struct ckremm_pool_ops *ops;
	struct ckremm_attach *att;
	struct ckremm_pool *pool;
	u32 id;
	int err;

	ops = ckremm_pool_ops_find(c->kind);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	/* Spare a large vmalloc; ckremm_registry_add() has the final say. */
	if (named && ckremm_registry_has(c->name))
		return -EEXIST;

	pool = ckremm_pool_create(ops, c->size, named ? c->name : NULL,
				  c->mode ?: 0600);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	/*
	 * Reserve the id first: once the name is published nothing may fail,
	 * or another process could attach a pool whose creation then fails.
	 */
	err = ckremm_attach_reserve(cf, pool, false, &att, &id);
	if (err)
		goto err_put_pool;
	if (named) {
		err = ckremm_registry_add(pool);
		if (err)
			goto err_cancel;
	}

	c->pool = id;
	c->mmap_offset = ckremm_mmap_offset(id);
	c->arena_size = pool->arena_size;
	ckremm_attach_publish(cf, att, id);
	return 0;

err_cancel:
	ckremm_attach_cancel(cf, att, id);
err_put_pool:
	ckremm_pool_put(pool);
	return err;
}

static int ckremm_check_open(const union ckremm_ioctl_arg *arg)
{
	const struct ckremm_open *o = &arg->open;

	if (o->flags & ~CKREMM_OPEN_FLAGS || !ckremm_name_valid(o->name))
		return -EINVAL;
	if (o->pool || o->kind || o->pad || o->arena_size || o->mmap_offset ||
	    !mem_is_zero(o->reserved, sizeof(o->reserved)))
		return -EINVAL;
	return 0;
}

static int ckremm_ioctl_open(struct ckremm_req *rq,
			     union ckremm_ioctl_arg *arg)
{
	struct ckremm_file *cf = rq->cf;
	struct ckremm_open *o = &arg->open;
	bool read_only = o->flags & CKREMM_OPEN_RDONLY;
	struct ckremm_attach *att;
	struct ckremm_pool *pool;
	u32 id;
	int err;

	pool = ckremm_registry_get(o->name);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = ckremm_pool_permission(pool, read_only) ?:
	      ckremm_attach_reserve(cf, pool, read_only, &att, &id);
	if (err) {
		ckremm_pool_put(pool);
		return err;
	}

	o->pool = id;
	o->kind = pool->ops->kind;
	o->arena_size = pool->arena_size;
	o->mmap_offset = ckremm_mmap_offset(id);
	ckremm_attach_publish(cf, att, id);
	return 0;
}

/* CLOSE, DESTROY */
static int ckremm_check_pool_ref(const union ckremm_ioctl_arg *arg)
{
	return arg->ref.flags || arg->ref.reserved ? -EINVAL : 0;
}

static int ckremm_ioctl_close(struct ckremm_req *rq,
			      union ckremm_ioctl_arg *arg)
{
	struct ckremm_file *cf = rq->cf;
	struct ckremm_pool_ref *r = &arg->ref;
	struct ckremm_attach *att;

	att = ckremm_file_detach(cf, r->pool, NULL);
	if (!att)
		return -ENOENT;
	ckremm_attach_free(cf, att);
	return 0;
}

static int ckremm_ioctl_destroy(struct ckremm_req *rq,
				union ckremm_ioctl_arg *arg)
{
	struct ckremm_file *cf = rq->cf;
	struct ckremm_pool_ref *r = &arg->ref;
	struct ckremm_attach *att;
	struct ckremm_pool *pool;
	bool named;
	int err;

	pool = ckremm_file_get_pool(cf, r->pool, NULL);
	if (IS_ERR(pool))
		return PTR_ERR(pool);

	mutex_lock(&ckremm_registry_lock);
	named = !list_empty(&pool->node);
	if (named && !ckremm_may_destroy(pool)) {
		err = -EPERM;
		goto out_unlock;
	}
	/* Lost a race with CLOSE of the same id: nothing to do. */
	att = ckremm_file_detach(cf, r->pool, pool);
	if (!att) {
		err = -ENOENT;
		goto out_unlock;
	}
	if (named)
		list_del_init(&pool->node);
	mutex_unlock(&ckremm_registry_lock);

	if (named)
		ckremm_pool_put(pool);	/* the registry's reference */
	ckremm_attach_free(cf, att);
	ckremm_pool_put(pool);
	return 0;

out_unlock:
	mutex_unlock(&ckremm_registry_lock);
	ckremm_pool_put(pool);
	return err;
}

static void ckremm_list_fill(struct ckremm_list_entry *e,
			     struct ckremm_pool *pool)
{
	struct ckremm_stats st = { 0 };

	pool->ops->stats(pool, &st);
	memcpy(e->name, pool->name, CKREMM_NAME_LEN);
	e->kind = pool->ops->kind;
	e->uid = from_kuid_munged(current_user_ns(), pool->uid);
	e->gid = from_kgid_munged(current_user_ns(), pool->gid);
	e->mode = pool->mode;
	e->arena_size = pool->arena_size;
	e->used_bytes = st.used_bytes;
}

static int ckremm_check_list(const union ckremm_ioctl_arg *arg)
{
	return arg->list.flags || arg->list.reserved ? -EINVAL : 0;
}

static int ckremm_ioctl_list(struct ckremm_req *rq,
			     union ckremm_ioctl_arg *arg)
{
	struct ckremm_list *l = &arg->list;
	struct ckremm_list_entry *entries = NULL;
	struct ckremm_pool *pool;
	u32 room, n = 0;
	int err = 0;

	mutex_lock(&ckremm_registry_lock);
	room = min_t(size_t, l->count, list_count_nodes(&ckremm_registry));
	if (room) {
		entries = kvcalloc(room, sizeof(*entries), GFP_KERNEL_ACCOUNT);
		if (!entries) {
			mutex_unlock(&ckremm_registry_lock);
			return -ENOMEM;
		}
	}
	list_for_each_entry(pool, &ckremm_registry, node) {
		if (n < room)
			ckremm_list_fill(&entries[n], pool);
		n++;
	}
	mutex_unlock(&ckremm_registry_lock);

	if (room && copy_to_user(u64_to_user_ptr(l->entries), entries,
				 room * sizeof(*entries)))
		err = -EFAULT;
	l->count = n;
	kvfree(entries);
	return err;
}

/* Requests on blocks: one operation of the pool's kind each */

static int ckremm_ioctl_alloc(struct ckremm_req *rq,
			      union ckremm_ioctl_arg *arg)
{
	struct ckremm_alloc *a = &arg->alloc;

	return rq->pool->ops->alloc(rq->pool, a->size, a->align, a->flags,
				    &a->block);
}

static int ckremm_ioctl_free(struct ckremm_req *rq,
			     union ckremm_ioctl_arg *arg)
{
	return rq->pool->ops->free(rq->pool, arg->block.block);
}

static int ckremm_ioctl_clean(struct ckremm_req *rq,
			      union ckremm_ioctl_arg *arg)
{
	struct ckremm_block *b = &arg->block;

	return rq->pool->ops->clean(rq->pool, b->block, &b->offset, &b->size);
}

static int ckremm_ioctl_realloc(struct ckremm_req *rq,
				union ckremm_ioctl_arg *arg)
{
	const struct ckremm_pool_ops *ops = rq->pool->ops;
	struct ckremm_realloc *r = &arg->realloc;

	if (!ops->realloc)
		return -EOPNOTSUPP;
	return ops->realloc(rq->pool, r->block, r->size, &r->new_block);
}

static int ckremm_ioctl_alloc_batch(struct ckremm_req *rq,
				    union ckremm_ioctl_arg *arg)
{
	struct ckremm_batch *b = &arg->batch;
	u64 __user *ublocks = u64_to_user_ptr(b->blocks);
	struct ckremm_pool *pool = rq->pool;
	size_t bytes = b->count * sizeof(u64);
	u64 blocks[CKREMM_BATCH_MAX];
	int err;

	/* The blocks are the result: make sure they can be delivered. */
	if (clear_user(ublocks, bytes))
		return -EFAULT;
	err = pool->ops->alloc_batch(pool, b->size, b->align, blocks,
				      b->count);
	if (err)
		return err;
	if (copy_to_user(ublocks, blocks, bytes)) {
		/*
		 * Undo, so that a failed request leaves the pool as it was.
		 * Nobody was told the new names, but a table pool's handles
		 * can be guessed: one pinned meanwhile stays, as it would
		 * after any refused FREE_BATCH.
		 */
		pool->ops->free_batch(pool, blocks, b->count);
		return -EFAULT;
	}
	return 0;
}

static int ckremm_ioctl_free_batch(struct ckremm_req *rq,
				   union ckremm_ioctl_arg *arg)
{
	struct ckremm_batch *b = &arg->batch;
	u64 blocks[CKREMM_BATCH_MAX];

	/* One copy of the names: the blocks checked are the blocks freed. */
	if (copy_from_user(blocks, u64_to_user_ptr(b->blocks),
			   b->count * sizeof(u64)))
		return -EFAULT;
	return rq->pool->ops->free_batch(rq->pool, blocks, b->count);
}

/*
 * Copy @len bytes between @p, in a block this request holds, and user
 * memory at @ubuf, a page at a time.  Writes pass through the one-page
 * @bounce, because copy_from_user() zero-fills what it could not copy,
 * and a write that faults must leave the bytes after its copied prefix
 * alone.  Reads never wait for a user page: that could keep the block
 * held for as long as a page fault takes, and a fault on a file mapping
 * takes as long as the file's server wants, so a mere reader could shut
 * the block's writers out.  A read that would fault returns -EAGAIN for
 * the caller to let go of the block and fault the buffer in.
 */
static int ckremm_copy_held(u8 *p, u8 __user *ubuf, size_t len, void *bounce,
			    bool write)
{
	size_t step, done;

	for (done = 0; done < len; done += step) {
		step = min_t(size_t, len - done, PAGE_SIZE);
		if (write) {
			if (copy_from_user(bounce, ubuf + done, step))
				return -EFAULT;
			memcpy(p + done, bounce, step);
		} else if (copy_to_user_nofault(ubuf + done, p + done, step)) {
			return -EAGAIN;
		}
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/*
 * Copy between @block and user memory.  The block is held for the whole
 * copy, shared for a read and alone for a write, so it can neither die nor
 * change size nor (table pools) move, and no other request writes it
 * meanwhile: its bytes are copied with no lock held.  A read that meets a
 * user page it would have to wait for lets go of the block, faults the
 * buffer in and starts again, so that what it returns is still one
 * consistent picture of the block.  The whole range is checked against
 * the block first, so an out-of-range request copies nothing; a fault in
 * the user buffer of a write, or a fatal signal, can leave a prefix
 * copied.
 */
static int ckremm_copy_block(struct ckremm_pool *pool, u64 block, u64 pos,
			     u64 len, u64 buf, bool write)
{
	u8 __user *ubuf = u64_to_user_ptr(buf);
	void *bounce = NULL;
	size_t usable;
	void *addr;
	int err;

	if (write && len) {
		bounce = kmalloc(min_t(u64, len, PAGE_SIZE), GFP_KERNEL_ACCOUNT);
		if (!bounce)
			return -ENOMEM;
	}
	for (;;) {
		err = pool->ops->hold(pool, block, write, &addr, &usable);
		if (err)
			break;
		if (pos > usable || len > usable - pos)
			err = -EINVAL;
		else
			err = ckremm_copy_held((u8 *)addr + pos, ubuf, len,
					       bounce, write);
		pool->ops->unhold(pool, block, write);
		if (err != -EAGAIN)
			break;
		if (fault_in_writeable((char __user *)ubuf, len)) {
			err = -EFAULT;
			break;
		}
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(bounce);
	return err;
}

static int ckremm_ioctl_read(struct ckremm_req *rq,
			     union ckremm_ioctl_arg *arg)
{
	const struct ckremm_rw *rw = &arg->rw;

	return ckremm_copy_block(rq->pool, rw->block, rw->pos, rw->len,
				 rw->buf, false);
}

static int ckremm_ioctl_write(struct ckremm_req *rq,
			      union ckremm_ioctl_arg *arg)
{
	const struct ckremm_rw *rw = &arg->rw;

	return ckremm_copy_block(rq->pool, rw->block, rw->pos, rw->len,
				 rw->buf, true);
}

/*
 * Pins are a change: they decide which blocks a reorder may move and which
 * may be freed, so a read-only attachment may not take or drop them.
 */
static int ckremm_ioctl_pin(struct ckremm_req *rq,
			    union ckremm_ioctl_arg *arg)
{
	struct ckremm_block *b = &arg->block;

	if (!rq->pool->ops->pin)
		return -EOPNOTSUPP;
	return ckremm_attach_pin(rq->att, b->block, &b->offset, &b->size);
}

static int ckremm_ioctl_unpin(struct ckremm_req *rq,
			      union ckremm_ioctl_arg *arg)
{
	if (!rq->pool->ops->unpin)
		return -EOPNOTSUPP;
	return ckremm_attach_unpin(rq->att, arg->block.block);
}

static int ckremm_ioctl_locate(struct ckremm_req *rq,
			       union ckremm_ioctl_arg *arg)
{
	const struct ckremm_pool_ops *ops = rq->pool->ops;
	struct ckremm_block *b = &arg->block;

	if (!ops->locate)
		return -EOPNOTSUPP;
	return ops->locate(rq->pool, b->block, &b->offset, &b->size);
}

static int ckremm_ioctl_copy(struct ckremm_req *rq,
			     union ckremm_ioctl_arg *arg)
{
	const struct ckremm_pool_ops *ops = rq->pool->ops;
	const struct ckremm_copy *c = &arg->copy;

	if (!ops->copy)
		return -EOPNOTSUPP;
	return ops->copy(rq->pool, c->dst, c->src);
}

/* Requests on a whole pool */

/* What a reorder left is what the figures say right after it. */
static int ckremm_ioctl_reorder(struct ckremm_req *rq,
				union ckremm_ioctl_arg *arg)
{
	struct ckremm_reorder *r = &arg->reorder;
	struct ckremm_stats st = { 0 };
	int err;

	err = rq->pool->ops->reorder(rq->pool, r);
	if (err)
		return err;
	rq->pool->ops->stats(rq->pool, &st);
	r->largest_free = st.largest_free;
	r->free_blocks = st.free_blocks;
	return 0;
}

static int ckremm_ioctl_stats(struct ckremm_req *rq,
			      union ckremm_ioctl_arg *arg)
{
	struct ckremm_stats *s = &arg->stats;

	s->kind = rq->pool->ops->kind;
	rq->pool->ops->stats(rq->pool, s);
	return 0;
}

static int ckremm_ioctl_validate(struct ckremm_req *rq,
				 union ckremm_ioctl_arg *arg)
{
	struct ckremm_validate *v = &arg->validate;
	const char *reason = NULL;
	u64 offset = 0;

	/* The check's verdict, even "try again", is the request's result. */
	v->status = rq->pool->ops->validate(rq->pool, &offset, &reason);
	if (v->status) {
		v->offset = offset;
		strscpy(v->reason, reason ?: "unknown", sizeof(v->reason));
	}
	return 0;
}

/*
 * Up to @max extents from *@cursor on, from as many calls of the kind's
 * walk as it takes; fewer only at the end of the arena, or if the pool
 * stops advancing the cursor.
 */
static unsigned int ckremm_walk_fill(struct ckremm_pool *pool, u64 *cursor,
				     struct ckremm_extent *out,
				     unsigned int max)
{
	unsigned int n = 0;
	u64 before;

	while (n < max && *cursor < pool->arena_size) {
		before = *cursor;
		n += pool->ops->walk(pool, cursor, out + n, max - n);
		if (*cursor == before)
			break;
	}
	return n;
}

static int ckremm_walk(struct ckremm_pool *pool, struct ckremm_walk *w)
{
	struct ckremm_extent __user *uentries = u64_to_user_ptr(w->entries);
	struct ckremm_extent *chunk;
	u64 cursor = w->cursor;
	unsigned int done = 0, n;
	int err = 0;

	if (cursor == CKREMM_WALK_END) {
		w->count = 0;
		return 0;
	}
	if (cursor > pool->arena_size)
		return -EINVAL;

	chunk = kmalloc_array(CKREMM_WALK_CHUNK, sizeof(*chunk),
			      GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return -ENOMEM;
	while (done < w->count && cursor < pool->arena_size) {
		n = ckremm_walk_fill(pool, &cursor, chunk,
				     min(w->count - done, CKREMM_WALK_CHUNK));
		if (!n)
			break;
		if (copy_to_user(uentries + done, chunk, n * sizeof(*chunk))) {
			err = -EFAULT;
			break;
		}
		done += n;
	}
	kfree(chunk);
	if (err)
		return err;
	w->count = done;
	w->cursor = cursor < pool->arena_size ? cursor : CKREMM_WALK_END;
	return 0;
}

static int ckremm_ioctl_walk(struct ckremm_req *rq,
			     union ckremm_ioctl_arg *arg)
{
	return ckremm_walk(rq->pool, &arg->walk);
}

/* Requests on a pool's collector (collector.c) */

static int ckremm_ioctl_gc_attach(struct ckremm_req *rq,
				  union ckremm_ioctl_arg *arg)
{
	return ckremm_dev_gc_attach(rq->pool, &arg->gc_setup);
}

/* The map is copied in here, with no lock held; the collector copies it. */
static int ckremm_ioctl_gc_type(struct ckremm_req *rq,
				union ckremm_ioctl_arg *arg)
{
	struct ckremm_gc_layout *l = &arg->gc_layout;
	size_t bytes = DIV_ROUND_UP(l->words, 64) * sizeof(u64);
	u64 *map;
	int err;

	map = kmalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;
	err = copy_from_user(map, u64_to_user_ptr(l->map), bytes) ? -EFAULT :
	      ckremm_dev_gc_type(rq->pool, map, l);
	kfree(map);
	return err;
}

static int ckremm_ioctl_gc_alloc(struct ckremm_req *rq,
				 union ckremm_ioctl_arg *arg)
{
	return ckremm_dev_gc_alloc(rq->att, &arg->gc_object);
}

static int ckremm_ioctl_gc_root_set(struct ckremm_req *rq,
				    union ckremm_ioctl_arg *arg)
{
	return ckremm_dev_gc_root_set(rq->pool, &arg->gc_slot);
}

static int ckremm_ioctl_gc_root_get(struct ckremm_req *rq,
				    union ckremm_ioctl_arg *arg)
{
	return ckremm_dev_gc_root_get(rq->pool, &arg->gc_slot);
}

static int ckremm_ioctl_gc_step(struct ckremm_req *rq,
				union ckremm_ioctl_arg *arg)
{
	return ckremm_dev_gc_step(rq->pool, &arg->gc_work);
}

static int ckremm_ioctl_gc_collect(struct ckremm_req *rq,
				   union ckremm_ioctl_arg *arg)
{
	return ckremm_dev_gc_collect(rq->pool, &arg->gc_work);
}

static int ckremm_ioctl_gc_stats(struct ckremm_req *rq,
				 union ckremm_ioctl_arg *arg)
{
	return ckremm_dev_gc_stats(rq->pool, &arg->gc_figures);
}

/* Requests on a table pool's pager (pager.c) */

static int ckremm_ioctl_pager_attach(struct ckremm_req *rq,
				     union ckremm_ioctl_arg *arg)
{
	return ckremm_dev_pager_attach(rq->pool, &arg->pager_setup);
}

static int ckremm_ioctl_pager_detach(struct ckremm_req *rq,
				     union ckremm_ioctl_arg *arg)
{
	return ckremm_dev_pager_detach(rq->pool);
}

static int ckremm_ioctl_pager_purge(struct ckremm_req *rq,
				    union ckremm_ioctl_arg *arg)
{
	return ckremm_dev_pager_purge(rq->pool, &arg->pager_purge);
}

static int ckremm_ioctl_pager_stats(struct ckremm_req *rq,
				    union ckremm_ioctl_arg *arg)
{
	return ckremm_dev_pager_stats(rq->pool, &arg->pager_figures);
}

/**
 * struct ckremm_ioctl_desc - one ioctl of /dev/ckremm
 * @cmd: its full command number: direction, size, type and number
 * @scope: what ckremm_ioctl() finds for it before @handler: nothing, a
 *	pool or an attachment, by the request's leading @pool
 * @modify: it changes the pool: refused with EBADF through a read-only
 *	attachment
 * @check: NULL, or checks the request's fields before anything is looked
 *	up: 0, or -EINVAL (-E2BIG, -ENOMEM for sizes no pool can have)
 * @handler: does the work on the request, already copied in; fills in
 *	the out fields; returns 0 or -errno
 */
struct ckremm_ioctl_desc {
	unsigned int cmd;
	enum ckremm_scope scope;
	bool modify;
	int (*check)(const union ckremm_ioctl_arg *arg);
	int (*handler)(struct ckremm_req *rq, union ckremm_ioctl_arg *arg);
};

/* The descriptor of CKREMM_IOC_<_name>, at the index of its number. */
#define CKREMM_IOCTL(_name, _scope, _modify, _check, _handler)		\
	[_IOC_NR(CKREMM_IOC_##_name)] = {				\
		.cmd = CKREMM_IOC_##_name, .scope = (_scope),		\
		.modify = (_modify), .check = (_check),			\
		.handler = (_handler),					\
	}

static const struct ckremm_ioctl_desc ckremm_ioctls[] = {
	CKREMM_IOCTL(VERSION, CKREMM_ON_FILE, false, NULL,
		     ckremm_ioctl_version),
	CKREMM_IOCTL(CREATE, CKREMM_ON_FILE, false,
		     ckremm_check_create, ckremm_ioctl_create),
	CKREMM_IOCTL(OPEN, CKREMM_ON_FILE, false,
		     ckremm_check_open, ckremm_ioctl_open),
	CKREMM_IOCTL(CLOSE, CKREMM_ON_FILE, false,
		     ckremm_check_pool_ref, ckremm_ioctl_close),
	CKREMM_IOCTL(DESTROY, CKREMM_ON_FILE, false,
		     ckremm_check_pool_ref, ckremm_ioctl_destroy),
	CKREMM_IOCTL(REORDER, CKREMM_ON_POOL, true,
		     ckremm_check_reorder, ckremm_ioctl_reorder),
	CKREMM_IOCTL(STATS, CKREMM_ON_POOL, false,
		     ckremm_check_stats, ckremm_ioctl_stats),
	CKREMM_IOCTL(VALIDATE, CKREMM_ON_POOL, false,
		     ckremm_check_validate, ckremm_ioctl_validate),
	CKREMM_IOCTL(LIST, CKREMM_ON_FILE, false,
		     ckremm_check_list, ckremm_ioctl_list),
	CKREMM_IOCTL(WALK, CKREMM_ON_POOL, false,
		     ckremm_check_walk, ckremm_ioctl_walk),
	CKREMM_IOCTL(ALLOC, CKREMM_ON_POOL, true,
		     ckremm_check_alloc, ckremm_ioctl_alloc),
	CKREMM_IOCTL(FREE, CKREMM_ON_POOL, true,
		     ckremm_check_block, ckremm_ioctl_free),
	CKREMM_IOCTL(CLEAN, CKREMM_ON_POOL, true,
		     ckremm_check_block, ckremm_ioctl_clean),
	CKREMM_IOCTL(REALLOC, CKREMM_ON_POOL, true,
		     ckremm_check_realloc, ckremm_ioctl_realloc),
	CKREMM_IOCTL(ALLOC_BATCH, CKREMM_ON_POOL, true,
		     ckremm_check_alloc_batch, ckremm_ioctl_alloc_batch),
	CKREMM_IOCTL(FREE_BATCH, CKREMM_ON_POOL, true,
		     ckremm_check_free_batch, ckremm_ioctl_free_batch),
	CKREMM_IOCTL(READ, CKREMM_ON_POOL, false,
		     ckremm_check_rw, ckremm_ioctl_read),
	CKREMM_IOCTL(WRITE, CKREMM_ON_POOL, true,
		     ckremm_check_rw, ckremm_ioctl_write),
	CKREMM_IOCTL(PIN, CKREMM_ON_PINS, true,
		     ckremm_check_block, ckremm_ioctl_pin),
	CKREMM_IOCTL(UNPIN, CKREMM_ON_PINS, true,
		     ckremm_check_block, ckremm_ioctl_unpin),
	CKREMM_IOCTL(LOCATE, CKREMM_ON_POOL, false,
		     ckremm_check_block, ckremm_ioctl_locate),
	CKREMM_IOCTL(COPY, CKREMM_ON_POOL, true,
		     ckremm_check_copy, ckremm_ioctl_copy),
	CKREMM_IOCTL(GC_ATTACH, CKREMM_ON_POOL, true,
		     ckremm_check_gc_attach, ckremm_ioctl_gc_attach),
	CKREMM_IOCTL(GC_TYPE, CKREMM_ON_POOL, true,
		     ckremm_check_gc_type, ckremm_ioctl_gc_type),
	CKREMM_IOCTL(GC_ALLOC, CKREMM_ON_PINS, true,
		     ckremm_check_gc_alloc, ckremm_ioctl_gc_alloc),
	CKREMM_IOCTL(GC_ROOT_SET, CKREMM_ON_POOL, true,
		     ckremm_check_gc_root_set, ckremm_ioctl_gc_root_set),
	CKREMM_IOCTL(GC_ROOT_GET, CKREMM_ON_POOL, false,
		     ckremm_check_gc_root_get, ckremm_ioctl_gc_root_get),
	CKREMM_IOCTL(GC_STEP, CKREMM_ON_POOL, true,
		     ckremm_check_gc_work, ckremm_ioctl_gc_step),
	CKREMM_IOCTL(GC_COLLECT, CKREMM_ON_POOL, true,
		     ckremm_check_gc_collect, ckremm_ioctl_gc_collect),
	CKREMM_IOCTL(GC_STATS, CKREMM_ON_POOL, false,
		     ckremm_check_gc_stats, ckremm_ioctl_gc_stats),
	CKREMM_IOCTL(PAGER_ATTACH, CKREMM_ON_POOL, true,
		     ckremm_check_pager_attach, ckremm_ioctl_pager_attach),
	CKREMM_IOCTL(PAGER_DETACH, CKREMM_ON_POOL, true,
		     ckremm_check_pool_ref, ckremm_ioctl_pager_detach),
	CKREMM_IOCTL(PAGER_PURGE, CKREMM_ON_POOL, true,
		     ckremm_check_pager_purge, ckremm_ioctl_pager_purge),
	CKREMM_IOCTL(PAGER_STATS, CKREMM_ON_POOL, false,
		     ckremm_check_pager_stats, ckremm_ioctl_pager_stats),
};

/* A number ABI version 1 gave a block request, which version 2 retired. */
static bool ckremm_retired(unsigned int nr)
{
	return (nr >= CKREMM_V1_BLOCK_FIRST && nr <= CKREMM_V1_BLOCK_LAST) ||
	       (nr >= CKREMM_V1_TABLE_FIRST && nr <= CKREMM_V1_TABLE_LAST);
}

/*
 * Run @desc's handler on @arg, with the pool or attachment it acts on
 * found first, and let go of them after.
 */
static int ckremm_run(const struct ckremm_ioctl_desc *desc,
		      struct ckremm_file *cf, union ckremm_ioctl_arg *arg)
{
	struct ckremm_req rq = { .cf = cf };
	bool read_only;
	int err;

	switch (desc->scope) {
	case CKREMM_ON_FILE:
		return desc->handler(&rq, arg);
	case CKREMM_ON_POOL:
		rq.pool = ckremm_file_get_pool(cf, arg->pool, &read_only);
		if (IS_ERR(rq.pool))
			return PTR_ERR(rq.pool);
		err = desc->modify && read_only ? -EBADF :
		      desc->handler(&rq, arg);
		ckremm_pool_put(rq.pool);
		return err;
	case CKREMM_ON_PINS:
		mutex_lock(&cf->pin_lock);
		rq.att = ckremm_file_find_attach(cf, arg->pool, desc->modify);
		if (IS_ERR(rq.att)) {
			err = PTR_ERR(rq.att);
		} else {
			rq.pool = rq.att->pool;
			err = desc->handler(&rq, arg);
		}
		mutex_unlock(&cf->pin_lock);
		return err;
	}
	return -ENOTTY;
}

long ckremm_ioctl(struct file *file, unsigned int cmd,
		  unsigned long uarg)
{
	struct ckremm_file *cf = file->private_data;
	void __user *argp = (void __user *)uarg;
	const struct ckremm_ioctl_desc *desc;
	union ckremm_ioctl_arg arg;
	unsigned int nr = _IOC_NR(cmd);
	unsigned int size;
	int err;

	if (_IOC_TYPE(cmd) != CKREMM_IOC_MAGIC)
		return -ENOTTY;
	if (ckremm_retired(nr))
		return -EPROTO;
	if (nr >= ARRAY_SIZE(ckremm_ioctls))
		return -ENOTTY;
	nr = array_index_nospec(nr, ARRAY_SIZE(ckremm_ioctls));
	desc = &ckremm_ioctls[nr];
	if (!desc->handler || _IOC_DIR(cmd) != _IOC_DIR(desc->cmd))
		return -ENOTTY;
	size = _IOC_SIZE(desc->cmd);
	if (_IOC_SIZE(cmd) != size)
		return -EINVAL;

	memset(&arg, 0, sizeof(arg));
	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		if (copy_from_user(&arg, argp, size))
			return -EFAULT;
		/*
		 * A request whose result cannot be written back must fail
		 * before it changes anything: write the request back as it
		 * came in, before acting on it.
		 */
		if ((_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(argp, &arg, size))
			return -EFAULT;
	}

	err = desc->check ? desc->check(&arg) : 0;
	if (!err)
		err = ckremm_run(desc, cf, &arg);
	if (!err && (_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(argp, &arg, size))
		err = -EFAULT;
	return err;
}
