// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/ckremm: the ioctls, each checked and copied in by ckremm_ioctl()
 * and served by one handler of the table at its end.
 *
 * Holds: the device serves many processes at once and never assumes that
 * one of them owns a block.  Every request that works on a block for
 * longer than one hold of the pool lock holds the block in the pool
 * (h_pool_hold(), t_pool_hold(), or the pool call itself for CLEAN,
 * REALLOC and T_COPY): READ and T_READ share the hold, every other
 * request needs it alone, and a request that meets a conflicting hold is
 * refused with EBUSY before it changes anything.  So a failed request
 * leaves every byte as it was, and no request sees its block freed,
 * resized or rewritten by another half way through.
 *
 * Locking: see "lock ordering" at the top of ckremm_dev.c.
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

#include <uapi/ckremm.h>

#include "ckremm_dev.h"

/* Most extents CKREMM_IOC_WALK reports per call. */
#define CKREMM_WALK_MAX		4096
/* Extents gathered per copy_to_user() of a walk. */
#define CKREMM_WALK_CHUNK	64

/* Requests on a pool, and checks shared by several of them */

/* How a request names the blocks of its pool. */
enum ckremm_naming {
	CKREMM_NAMES_NONE,	/* no block, or blocks of either kind (WALK) */
	CKREMM_NAMES_OFFSET,	/* by arena offset, as header pools do */
	CKREMM_NAMES_HANDLE,	/* by handle, as table pools do */
};

/*
 * A request that names blocks one way is not supported by a pool whose
 * blocks are named the other: its kind lacks the operations.
 */
static int ckremm_check_naming(const struct ckremm_pool *pool,
			       enum ckremm_naming naming)
{
	bool by_handle = naming == CKREMM_NAMES_HANDLE;

	if (naming != CKREMM_NAMES_NONE && pool->ops->by_handle != by_handle)
		return -EOPNOTSUPP;
	return 0;
}

/*
 * The pool a request names by its id @id, with a reference for the
 * caller.  -ENOENT if @id is not attached to @cf, -EBADF if the request
 * changes the pool (@modify) and the attachment is read-only, -EOPNOTSUPP
 * if the request names blocks the other way than the pool does.
 */
static struct ckremm_pool *ckremm_request_pool(struct ckremm_file *cf, u32 id,
					       bool modify,
					       enum ckremm_naming naming)
{
	struct ckremm_pool *pool;
	bool read_only;
	int err;

	pool = ckremm_file_get_pool(cf, id, &read_only);
	if (IS_ERR(pool))
		return pool;
	err = modify && read_only ? -EBADF : ckremm_check_naming(pool, naming);
	if (err) {
		ckremm_pool_put(pool);
		return ERR_PTR(err);
	}
	return pool;
}

/*
 * A block as a request names it: an arena offset must lie inside the
 * arena before the kind makes a pointer of it; a handle is checked by the
 * pool alone.
 */
static int ckremm_check_block(const struct ckremm_pool *pool,
			      enum ckremm_naming naming, u64 block)
{
	if (naming == CKREMM_NAMES_OFFSET && block >= pool->arena_size)
		return -EINVAL;
	return 0;
}

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

/* The ioctls */

/*
 * A request as copied in.  @rw also carries T_READ and T_WRITE: struct
 * ckremm_t_rw is struct ckremm_rw with @handle in the place of @offset.
 */
union ckremm_ioctl_arg {
	struct ckremm_version version;
	struct ckremm_create create;
	struct ckremm_open open;
	struct ckremm_pool_ref ref;
	struct ckremm_alloc alloc;
	struct ckremm_block block;
	struct ckremm_realloc realloc;
	struct ckremm_batch batch;
	struct ckremm_rw rw;
	struct ckremm_reorder reorder;
	struct ckremm_stats stats;
	struct ckremm_validate validate;
	struct ckremm_list list;
	struct ckremm_walk walk;
	struct ckremm_t_alloc t_alloc;
	struct ckremm_t_block t_block;
	struct ckremm_t_copy t_copy;
};

static_assert(sizeof(struct ckremm_t_rw) == sizeof(struct ckremm_rw));
static_assert(offsetof(struct ckremm_t_rw, handle) ==
	      offsetof(struct ckremm_rw, offset));
static_assert(offsetof(struct ckremm_t_rw, pos) ==
	      offsetof(struct ckremm_rw, pos));
static_assert(offsetof(struct ckremm_t_rw, buf) ==
	      offsetof(struct ckremm_rw, buf));
static_assert(offsetof(struct ckremm_t_rw, reserved) ==
	      offsetof(struct ckremm_rw, reserved));

static int ckremm_ioctl_version(struct ckremm_file *cf,
				union ckremm_ioctl_arg *arg)
{
	arg->version.abi = CKREMM_ABI_VERSION;
	return 0;
}

static int ckremm_check_create(const struct ckremm_create *c)
{
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

static int ckremm_ioctl_create(struct ckremm_file *cf,
			       union ckremm_ioctl_arg *arg)
{
	struct ckremm_create *c = &arg->create;
	bool named = c->flags & CKREMM_CREATE_NAMED;
	const struct ckremm_pool_ops *ops;
	struct ckremm_attach *att;
	struct ckremm_pool *pool;
	u32 id;
	int err;

	err = ckremm_check_create(c);
	if (err)
		return err;
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
	att = ckremm_attach_new(pool, false);
	if (!att) {
		err = -ENOMEM;
		goto err_put_pool;
	}
	/*
	 * Reserve the id first: once the name is published nothing may fail,
	 * or another process could attach a pool whose creation then fails.
	 */
	err = ckremm_file_add(cf, NULL, &id);
	if (err)
		goto err_free_att;
	if (named) {
		err = ckremm_registry_add(pool);
		if (err)
			goto err_release_id;
	}

	c->pool = id;
	c->mmap_offset = (u64)id << CKREMM_MMAP_SHIFT;
	c->arena_size = pool->arena_size;
	/* Fills the reserved slot: allocates nothing, cannot fail. */
	xa_store(&cf->pools, id, att, GFP_KERNEL_ACCOUNT);
	return 0;

err_release_id:
	xa_release(&cf->pools, id);
err_free_att:
	kfree(att);
err_put_pool:
	ckremm_pool_put(pool);
	return err;
}

static int ckremm_ioctl_open(struct ckremm_file *cf,
			     union ckremm_ioctl_arg *arg)
{
	struct ckremm_open *o = &arg->open;
	bool read_only = o->flags & CKREMM_OPEN_RDONLY;
	struct ckremm_attach *att;
	struct ckremm_pool *pool;
	u32 id;
	int err;

	if (o->flags & ~CKREMM_OPEN_FLAGS || !ckremm_name_valid(o->name))
		return -EINVAL;
	if (o->pool || o->kind || o->pad || o->arena_size || o->mmap_offset ||
	    !mem_is_zero(o->reserved, sizeof(o->reserved)))
		return -EINVAL;

	pool = ckremm_registry_get(o->name);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = ckremm_pool_permission(pool, read_only);
	if (err)
		goto err_put_pool;
	att = ckremm_attach_new(pool, read_only);
	if (!att) {
		err = -ENOMEM;
		goto err_put_pool;
	}
	err = ckremm_file_add(cf, att, &id);
	if (err)
		goto err_free_att;

	o->pool = id;
	o->kind = pool->ops->kind;
	o->arena_size = pool->arena_size;
	o->mmap_offset = (u64)id << CKREMM_MMAP_SHIFT;
	return 0;

err_free_att:
	kfree(att);
err_put_pool:
	ckremm_pool_put(pool);
	return err;
}

static int ckremm_ioctl_close(struct ckremm_file *cf,
			      union ckremm_ioctl_arg *arg)
{
	struct ckremm_pool_ref *r = &arg->ref;
	struct ckremm_attach *att;

	if (r->flags || r->reserved)
		return -EINVAL;
	att = ckremm_file_detach(cf, r->pool, NULL);
	if (!att)
		return -ENOENT;
	ckremm_attach_free(cf, att);
	return 0;
}

static int ckremm_ioctl_destroy(struct ckremm_file *cf,
				union ckremm_ioctl_arg *arg)
{
	struct ckremm_pool_ref *r = &arg->ref;
	struct ckremm_attach *att;
	struct ckremm_pool *pool;
	bool named;
	int err;

	if (r->flags || r->reserved)
		return -EINVAL;
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

static int ckremm_ioctl_alloc(struct ckremm_file *cf,
			      union ckremm_ioctl_arg *arg)
{
	struct ckremm_alloc *a = &arg->alloc;
	struct ckremm_pool *pool;
	int err;

	if (a->flags || a->offset || a->reserved)
		return -EINVAL;
	err = ckremm_check_alloc_args(a->size, a->align);
	if (err)
		return err;
	pool = ckremm_request_pool(cf, a->pool, true, CKREMM_NAMES_OFFSET);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = pool->ops->alloc(pool, a->size, a->align, &a->offset);
	ckremm_pool_put(pool);
	return err;
}

/*
 * FREE, CLEAN, T_FREE and T_CLEAN: free or zero the block @block of pool
 * @id, named as @naming says.  A header-pool clean reports in @size the
 * block's usable bytes.
 */
static int ckremm_free_or_clean(struct ckremm_file *cf, u32 id,
				enum ckremm_naming naming, u64 block,
				bool clean, u64 *size)
{
	struct ckremm_pool *pool;
	int err;

	pool = ckremm_request_pool(cf, id, true, naming);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = ckremm_check_block(pool, naming, block);
	if (err)
		goto out_put;
	if (clean)
		err = pool->ops->clean(pool, block, size);
	else
		err = pool->ops->free(pool, block);
out_put:
	ckremm_pool_put(pool);
	return err;
}

static int ckremm_ioctl_free(struct ckremm_file *cf,
			     union ckremm_ioctl_arg *arg)
{
	struct ckremm_block *b = &arg->block;

	if (b->flags || b->size || b->reserved)
		return -EINVAL;
	return ckremm_free_or_clean(cf, b->pool, CKREMM_NAMES_OFFSET,
				    b->offset, false, NULL);
}

static int ckremm_ioctl_clean(struct ckremm_file *cf,
			      union ckremm_ioctl_arg *arg)
{
	struct ckremm_block *b = &arg->block;

	if (b->flags || b->size || b->reserved)
		return -EINVAL;
	return ckremm_free_or_clean(cf, b->pool, CKREMM_NAMES_OFFSET,
				    b->offset, true, &b->size);
}

static int ckremm_ioctl_realloc(struct ckremm_file *cf,
				union ckremm_ioctl_arg *arg)
{
	struct ckremm_realloc *r = &arg->realloc;
	struct ckremm_pool *pool;
	int err;

	if (r->flags || r->new_offset || r->reserved)
		return -EINVAL;
	err = ckremm_check_alloc_args(r->size, 0);
	if (err)
		return err;
	pool = ckremm_request_pool(cf, r->pool, true, CKREMM_NAMES_OFFSET);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = ckremm_check_block(pool, CKREMM_NAMES_OFFSET, r->offset) ?:
	      pool->ops->realloc(pool, r->offset, r->size, &r->new_offset);
	ckremm_pool_put(pool);
	return err;
}

static int ckremm_check_batch(const struct ckremm_batch *b)
{
	if (b->flags || b->reserved0 || b->reserved)
		return -EINVAL;
	if (!b->count || b->count > CKREMM_BATCH_MAX)
		return -EINVAL;
	return 0;
}

static int ckremm_ioctl_alloc_batch(struct ckremm_file *cf,
				    union ckremm_ioctl_arg *arg)
{
	struct ckremm_batch *b = &arg->batch;
	u64 __user *uoffsets = u64_to_user_ptr(b->offsets);
	struct ckremm_pool *pool;
	size_t bytes;
	u64 *offsets;
	int err;

	err = ckremm_check_batch(b) ?: ckremm_check_alloc_args(b->size,
							       b->align);
	if (err)
		return err;
	pool = ckremm_request_pool(cf, b->pool, true, CKREMM_NAMES_OFFSET);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	bytes = b->count * sizeof(*offsets);
	offsets = kmalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!offsets) {
		err = -ENOMEM;
		goto out_put;
	}
	/* The offsets are the result: make sure they can be delivered. */
	if (clear_user(uoffsets, bytes)) {
		err = -EFAULT;
		goto out_free;
	}
	err = pool->ops->alloc_batch(pool, b->size, b->align, offsets,
				      b->count);
	if (err)
		goto out_free;
	if (copy_to_user(uoffsets, offsets, bytes)) {
		/* Undo, so that a failed request leaves the pool as it was. */
		pool->ops->free_batch(pool, offsets, b->count);
		err = -EFAULT;
	}
out_free:
	kfree(offsets);
out_put:
	ckremm_pool_put(pool);
	return err;
}

static int ckremm_ioctl_free_batch(struct ckremm_file *cf,
				   union ckremm_ioctl_arg *arg)
{
	struct ckremm_batch *b = &arg->batch;
	struct ckremm_pool *pool;
	unsigned int i;
	size_t bytes;
	u64 *offsets;
	int err;

	err = ckremm_check_batch(b);
	if (err)
		return err;
	if (b->size || b->align)
		return -EINVAL;
	pool = ckremm_request_pool(cf, b->pool, true, CKREMM_NAMES_OFFSET);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	bytes = b->count * sizeof(*offsets);
	offsets = kmalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!offsets) {
		err = -ENOMEM;
		goto out_put;
	}
	/* One copy of the offsets: the ones checked are the ones freed. */
	if (copy_from_user(offsets, u64_to_user_ptr(b->offsets), bytes)) {
		err = -EFAULT;
		goto out_free;
	}
	for (i = 0; i < b->count && !err; i++)
		err = ckremm_check_block(pool, CKREMM_NAMES_OFFSET, offsets[i]);
	if (!err)
		err = pool->ops->free_batch(pool, offsets, b->count);
out_free:
	kfree(offsets);
out_put:
	ckremm_pool_put(pool);
	return err;
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

/*
 * READ, WRITE, T_READ and T_WRITE: @rw->offset holds the block's offset or
 * handle, as @naming says.
 */
static int ckremm_ioctl_rw(struct ckremm_file *cf, const struct ckremm_rw *rw,
			   enum ckremm_naming naming, bool write)
{
	struct ckremm_pool *pool;
	int err;

	if (rw->flags || rw->reserved)
		return -EINVAL;
	pool = ckremm_request_pool(cf, rw->pool, write, naming);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = ckremm_check_block(pool, naming, rw->offset) ?:
	      ckremm_copy_block(pool, rw->offset, rw->pos, rw->len, rw->buf,
				write);
	ckremm_pool_put(pool);
	return err;
}

static int ckremm_ioctl_read(struct ckremm_file *cf,
			     union ckremm_ioctl_arg *arg)
{
	return ckremm_ioctl_rw(cf, &arg->rw, CKREMM_NAMES_OFFSET, false);
}

static int ckremm_ioctl_write(struct ckremm_file *cf,
			      union ckremm_ioctl_arg *arg)
{
	return ckremm_ioctl_rw(cf, &arg->rw, CKREMM_NAMES_OFFSET, true);
}

static int ckremm_ioctl_reorder(struct ckremm_file *cf,
				union ckremm_ioctl_arg *arg)
{
	struct ckremm_reorder *r = &arg->reorder;
	struct ckremm_pool *pool;
	int err;

	if (!ckremm_zero_from(r, offsetofend(struct ckremm_reorder, pool),
			      sizeof(*r)))
		return -EINVAL;
	pool = ckremm_request_pool(cf, r->pool, true, CKREMM_NAMES_NONE);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = pool->ops->reorder(pool, r);
	ckremm_pool_put(pool);
	return err;
}

static int ckremm_ioctl_stats(struct ckremm_file *cf,
			      union ckremm_ioctl_arg *arg)
{
	struct ckremm_stats *s = &arg->stats;
	struct ckremm_pool *pool;

	if (!ckremm_zero_from(s, offsetofend(struct ckremm_stats, pool),
			      sizeof(*s)))
		return -EINVAL;
	pool = ckremm_request_pool(cf, s->pool, false, CKREMM_NAMES_NONE);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	s->kind = pool->ops->kind;
	pool->ops->stats(pool, s);
	ckremm_pool_put(pool);
	return 0;
}

static int ckremm_ioctl_validate(struct ckremm_file *cf,
				 union ckremm_ioctl_arg *arg)
{
	struct ckremm_validate *v = &arg->validate;
	struct ckremm_pool *pool;
	const char *reason = NULL;
	u64 offset = 0;

	if (!ckremm_zero_from(v, offsetofend(struct ckremm_validate, pool),
			      sizeof(*v)))
		return -EINVAL;
	pool = ckremm_request_pool(cf, v->pool, false, CKREMM_NAMES_NONE);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	/* The check's verdict, even "try again", is the request's result. */
	v->status = pool->ops->validate(pool, &offset, &reason);
	if (v->status) {
		v->offset = offset;
		strscpy(v->reason, reason ?: "unknown", sizeof(v->reason));
	}
	ckremm_pool_put(pool);
	return 0;
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

static int ckremm_ioctl_list(struct ckremm_file *cf,
			     union ckremm_ioctl_arg *arg)
{
	struct ckremm_list *l = &arg->list;
	struct ckremm_list_entry *entries = NULL;
	struct ckremm_pool *pool;
	u32 room, n = 0;
	int err = 0;

	if (l->flags || l->reserved)
		return -EINVAL;

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
		n = pool->ops->walk(pool, &cursor, chunk,
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

static int ckremm_ioctl_walk(struct ckremm_file *cf,
			     union ckremm_ioctl_arg *arg)
{
	struct ckremm_walk *w = &arg->walk;
	struct ckremm_pool *pool;
	int err;

	if (w->reserved || !w->count || w->count > CKREMM_WALK_MAX)
		return -EINVAL;
	pool = ckremm_request_pool(cf, w->pool, false, CKREMM_NAMES_NONE);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = ckremm_walk(pool, w);
	ckremm_pool_put(pool);
	return err;
}

/* Table-pool requests: blocks named by handle */

static int ckremm_ioctl_t_alloc(struct ckremm_file *cf,
				union ckremm_ioctl_arg *arg)
{
	struct ckremm_t_alloc *a = &arg->t_alloc;
	struct ckremm_pool *pool;
	int err;

	if (a->flags & ~CKREMM_T_ALLOC_FLAGS || a->handle || a->reserved)
		return -EINVAL;
	err = ckremm_check_alloc_args(a->size, 0);
	if (err)
		return err;
	pool = ckremm_request_pool(cf, a->pool, true, CKREMM_NAMES_HANDLE);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = pool->ops->t_alloc(pool, a->size, a->flags, &a->handle);
	ckremm_pool_put(pool);
	return err;
}

static int ckremm_check_t_block(const struct ckremm_t_block *b)
{
	return b->flags || b->offset || b->size || b->reserved ? -EINVAL : 0;
}

static int ckremm_ioctl_t_free(struct ckremm_file *cf,
			       union ckremm_ioctl_arg *arg)
{
	struct ckremm_t_block *b = &arg->t_block;

	return ckremm_check_t_block(b) ?:
	       ckremm_free_or_clean(cf, b->pool, CKREMM_NAMES_HANDLE,
				    b->handle, false, NULL);
}

static int ckremm_ioctl_t_clean(struct ckremm_file *cf,
				union ckremm_ioctl_arg *arg)
{
	struct ckremm_t_block *b = &arg->t_block;

	return ckremm_check_t_block(b) ?:
	       ckremm_free_or_clean(cf, b->pool, CKREMM_NAMES_HANDLE,
				    b->handle, true, NULL);
}

/*
 * Pins are a change: they decide which blocks a reorder may move and which
 * may be freed, so a read-only attachment may not take or drop them.
 */
static int ckremm_ioctl_t_pin_unpin(struct ckremm_file *cf,
				    struct ckremm_t_block *b, bool pin)
{
	struct ckremm_attach *att;
	int err;

	err = ckremm_check_t_block(b);
	if (err)
		return err;
	mutex_lock(&cf->pin_lock);
	att = ckremm_file_find_attach(cf, b->pool, true);
	if (IS_ERR(att))
		err = PTR_ERR(att);
	else if (!att->pool->ops->by_handle)
		err = -EOPNOTSUPP;
	else if (pin)
		err = ckremm_attach_pin(att, b);
	else
		err = ckremm_attach_unpin(att, b->handle);
	mutex_unlock(&cf->pin_lock);
	return err;
}

static int ckremm_ioctl_t_pin(struct ckremm_file *cf,
			      union ckremm_ioctl_arg *arg)
{
	return ckremm_ioctl_t_pin_unpin(cf, &arg->t_block, true);
}

static int ckremm_ioctl_t_unpin(struct ckremm_file *cf,
				union ckremm_ioctl_arg *arg)
{
	return ckremm_ioctl_t_pin_unpin(cf, &arg->t_block, false);
}

static int ckremm_ioctl_t_locate(struct ckremm_file *cf,
				 union ckremm_ioctl_arg *arg)
{
	struct ckremm_t_block *b = &arg->t_block;
	struct ckremm_pool *pool;
	int err;

	err = ckremm_check_t_block(b);
	if (err)
		return err;
	pool = ckremm_request_pool(cf, b->pool, false, CKREMM_NAMES_HANDLE);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = pool->ops->locate(pool, b->handle, &b->offset, &b->size);
	ckremm_pool_put(pool);
	return err;
}

static int ckremm_ioctl_t_read(struct ckremm_file *cf,
			       union ckremm_ioctl_arg *arg)
{
	return ckremm_ioctl_rw(cf, &arg->rw, CKREMM_NAMES_HANDLE, false);
}

static int ckremm_ioctl_t_write(struct ckremm_file *cf,
				union ckremm_ioctl_arg *arg)
{
	return ckremm_ioctl_rw(cf, &arg->rw, CKREMM_NAMES_HANDLE, true);
}

static int ckremm_ioctl_t_copy(struct ckremm_file *cf,
			       union ckremm_ioctl_arg *arg)
{
	struct ckremm_t_copy *c = &arg->t_copy;
	struct ckremm_pool *pool;
	int err;

	if (c->flags || c->reserved)
		return -EINVAL;
	pool = ckremm_request_pool(cf, c->pool, true, CKREMM_NAMES_HANDLE);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = pool->ops->copy(pool, c->dst, c->src);
	ckremm_pool_put(pool);
	return err;
}

/**
 * struct ckremm_ioctl_desc - one ioctl of /dev/ckremm
 * @cmd: its full command number: direction, size, type and number
 * @handler: does the work on the request, already copied in; fills in
 *	the out fields; returns 0 or -errno
 */
struct ckremm_ioctl_desc {
	unsigned int cmd;
	int (*handler)(struct ckremm_file *cf, union ckremm_ioctl_arg *arg);
};

static const struct ckremm_ioctl_desc ckremm_ioctls[] = {
	[_IOC_NR(CKREMM_IOC_VERSION)] = { CKREMM_IOC_VERSION, ckremm_ioctl_version },
	[_IOC_NR(CKREMM_IOC_CREATE)] = { CKREMM_IOC_CREATE, ckremm_ioctl_create },
	[_IOC_NR(CKREMM_IOC_OPEN)] = { CKREMM_IOC_OPEN, ckremm_ioctl_open },
	[_IOC_NR(CKREMM_IOC_CLOSE)] = { CKREMM_IOC_CLOSE, ckremm_ioctl_close },
	[_IOC_NR(CKREMM_IOC_DESTROY)] = { CKREMM_IOC_DESTROY, ckremm_ioctl_destroy },
	[_IOC_NR(CKREMM_IOC_ALLOC)] = { CKREMM_IOC_ALLOC, ckremm_ioctl_alloc },
	[_IOC_NR(CKREMM_IOC_FREE)] = { CKREMM_IOC_FREE, ckremm_ioctl_free },
	[_IOC_NR(CKREMM_IOC_CLEAN)] = { CKREMM_IOC_CLEAN, ckremm_ioctl_clean },
	[_IOC_NR(CKREMM_IOC_REALLOC)] = { CKREMM_IOC_REALLOC, ckremm_ioctl_realloc },
	[_IOC_NR(CKREMM_IOC_ALLOC_BATCH)] = { CKREMM_IOC_ALLOC_BATCH, ckremm_ioctl_alloc_batch },
	[_IOC_NR(CKREMM_IOC_FREE_BATCH)] = { CKREMM_IOC_FREE_BATCH, ckremm_ioctl_free_batch },
	[_IOC_NR(CKREMM_IOC_READ)] = { CKREMM_IOC_READ, ckremm_ioctl_read },
	[_IOC_NR(CKREMM_IOC_WRITE)] = { CKREMM_IOC_WRITE, ckremm_ioctl_write },
	[_IOC_NR(CKREMM_IOC_REORDER)] = { CKREMM_IOC_REORDER, ckremm_ioctl_reorder },
	[_IOC_NR(CKREMM_IOC_STATS)] = { CKREMM_IOC_STATS, ckremm_ioctl_stats },
	[_IOC_NR(CKREMM_IOC_VALIDATE)] = { CKREMM_IOC_VALIDATE, ckremm_ioctl_validate },
	[_IOC_NR(CKREMM_IOC_LIST)] = { CKREMM_IOC_LIST, ckremm_ioctl_list },
	[_IOC_NR(CKREMM_IOC_WALK)] = { CKREMM_IOC_WALK, ckremm_ioctl_walk },
	[_IOC_NR(CKREMM_IOC_T_ALLOC)] = { CKREMM_IOC_T_ALLOC, ckremm_ioctl_t_alloc },
	[_IOC_NR(CKREMM_IOC_T_FREE)] = { CKREMM_IOC_T_FREE, ckremm_ioctl_t_free },
	[_IOC_NR(CKREMM_IOC_T_CLEAN)] = { CKREMM_IOC_T_CLEAN, ckremm_ioctl_t_clean },
	[_IOC_NR(CKREMM_IOC_T_PIN)] = { CKREMM_IOC_T_PIN, ckremm_ioctl_t_pin },
	[_IOC_NR(CKREMM_IOC_T_UNPIN)] = { CKREMM_IOC_T_UNPIN, ckremm_ioctl_t_unpin },
	[_IOC_NR(CKREMM_IOC_T_LOCATE)] = { CKREMM_IOC_T_LOCATE, ckremm_ioctl_t_locate },
	[_IOC_NR(CKREMM_IOC_T_READ)] = { CKREMM_IOC_T_READ, ckremm_ioctl_t_read },
	[_IOC_NR(CKREMM_IOC_T_WRITE)] = { CKREMM_IOC_T_WRITE, ckremm_ioctl_t_write },
	[_IOC_NR(CKREMM_IOC_T_COPY)] = { CKREMM_IOC_T_COPY, ckremm_ioctl_t_copy },
};

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

	if (_IOC_TYPE(cmd) != CKREMM_IOC_MAGIC ||
	    nr >= ARRAY_SIZE(ckremm_ioctls))
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

	err = desc->handler(cf, &arg);
	if (!err && (_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(argp, &arg, size))
		err = -EFAULT;
	return err;
}
