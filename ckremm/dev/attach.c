// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/ckremm: one open file's table of pools (its attachments) and
 * the pins taken through each attachment.
 *
 * Pins: a table-pool pin belongs to the attachment it was taken through
 * (one pool id of one open file), which records each pinned handle with a
 * count.  CLOSE, DESTROY and release of the file drop the attachment's
 * pins before its pool reference, so pins never outlive the attachment and
 * its blocks become movable again.  The records of all attachments of a
 * file are guarded by the file's pin_lock, a mutex held across the
 * attachment's lookup and its pool calls: an attachment is freed only
 * after it was taken out of the id table and pin_lock was taken once
 * more, so a PIN racing with CLOSE either fails to find the id or has
 * its pin dropped by the CLOSE.
 *
 * Locking: the id table (cf->pools) is an xarray whose xa_lock orders a
 * lookup, which takes a pool reference under it, against CLOSE and
 * DESTROY, which take the attachment out under it.  cf->pin_lock (a
 * mutex) guards every attachment's pin records and is held across the
 * pool calls that pin and unpin (which take the pool's lock), so pins in
 * the records and pins in the pool agree.  See "lock ordering" at the top
 * of ckremm_dev.c.
 */

#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <uapi/linux/ckremm.h>

#include "ckremm_dev.h"

/*
 * Largest pool id in one open file: id << CKREMM_MMAP_SHIFT must be a
 * positive loff_t, and its page offset must fit vm_pgoff (an unsigned
 * long).  A 32-bit process's mmap2() carries 32 bits of page offset, so it
 * can map ids up to 255; ids are handed out lowest first.
 */
#define CKREMM_MAX_ID	((u32)min_t(u64, ULONG_MAX >> CKREMM_MMAP_PGSHIFT, \
				    (1ULL << (63 - CKREMM_MMAP_SHIFT)) - 1))

/**
 * struct ckremm_pin - pins one attachment holds on one block
 * @node: in the attachment's @pins, ordered by @handle
 * @handle: the block
 * @count: PIN requests not yet undone by UNPIN, at least 1; however
 *	many, the pool holds a single pin for them
 */
struct ckremm_pin {
	struct rb_node node;
	u64 handle;
	unsigned int count;
};

/* One open file's pool table */

struct ckremm_attach *ckremm_attach_new(struct ckremm_pool *pool,
					bool read_only)
{
	struct ckremm_attach *att;

	att = kmalloc(sizeof(*att), GFP_KERNEL_ACCOUNT);
	if (att) {
		att->pool = pool;
		att->read_only = read_only;
		att->pins = RB_ROOT;
	}
	return att;
}

/* Drop every pin @att holds; its pool may then move the blocks again. */
static void ckremm_attach_unpin_all(struct ckremm_attach *att)
{
	struct ckremm_pool *pool = att->pool;
	struct ckremm_pin *pin, *next;

	rbtree_postorder_for_each_entry_safe(pin, next, &att->pins, node) {
		/* A pinned block cannot be freed: this cannot fail. */
		WARN_ON_ONCE(pool->ops->unpin(pool, pin->handle));
		kfree(pin);
		cond_resched();
	}
	att->pins = RB_ROOT;
}

/*
 * Free an attachment that has left @cf's id table: its pins first, then
 * its pool reference.  Taking pin_lock waits for a PIN or UNPIN that
 * found @att before it left the table.
 */
void ckremm_attach_free(struct ckremm_file *cf,
			struct ckremm_attach *att)
{
	mutex_lock(&cf->pin_lock);
	ckremm_attach_unpin_all(att);
	mutex_unlock(&cf->pin_lock);
	ckremm_pool_put(att->pool);
	kfree(att);
}

int ckremm_file_add(struct ckremm_file *cf, struct ckremm_attach *att,
		    u32 *id)
{
	int err;

	err = xa_alloc(&cf->pools, id, att, XA_LIMIT(1, CKREMM_MAX_ID),
		       GFP_KERNEL_ACCOUNT);
	/* Every id is taken: as with file descriptors. */
	return err == -EBUSY ? -EMFILE : err;
}

/*
 * The pool behind @id with a reference for the caller, or -ENOENT.
 * *@read_only, if @read_only is not NULL, says whether the attachment is
 * read-only (CKREMM_OPEN_RDONLY).
 */
struct ckremm_pool *ckremm_file_get_pool(struct ckremm_file *cf,
					 unsigned long id,
					 bool *read_only)
{
	struct ckremm_pool *pool = ERR_PTR(-ENOENT);
	struct ckremm_attach *att;

	xa_lock(&cf->pools);
	att = xa_load(&cf->pools, id);
	if (att) {
		pool = att->pool;
		kref_get(&pool->ref);
		if (read_only)
			*read_only = att->read_only;
	}
	xa_unlock(&cf->pools);
	return pool;
}

/*
 * The attachment behind @id, valid while the caller holds @cf->pin_lock.
 * -ENOENT if @id is not attached, -EBADF if @modify and the attachment is
 * read-only.
 */
struct ckremm_attach *ckremm_file_find_attach(struct ckremm_file *cf,
					      unsigned long id,
					      bool modify)
{
	struct ckremm_attach *att;

	lockdep_assert_held(&cf->pin_lock);
	att = xa_load(&cf->pools, id);
	if (!att)
		return ERR_PTR(-ENOENT);
	if (modify && att->read_only)
		return ERR_PTR(-EBADF);
	return att;
}

/*
 * Take @id out of the table, if it holds an attachment (of @pool, unless
 * @pool is NULL).  Only one caller gets a given attachment back.  An id
 * that CREATE has reserved but not yet filled reads as empty.
 */
struct ckremm_attach *ckremm_file_detach(struct ckremm_file *cf,
					 u32 id,
					 const struct ckremm_pool *pool)
{
	struct ckremm_attach *att;

	xa_lock(&cf->pools);
	att = xa_load(&cf->pools, id);
	if (att && (!pool || att->pool == pool))
		__xa_erase(&cf->pools, id);
	else
		att = NULL;
	xa_unlock(&cf->pools);
	return att;
}

/* Pins */

static int ckremm_pin_cmp(const void *key, const struct rb_node *node)
{
	u64 handle = *(const u64 *)key;
	u64 other = rb_entry(node, struct ckremm_pin, node)->handle;

	return handle < other ? -1 : handle > other;
}

static bool ckremm_pin_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct ckremm_pin, node)->handle <
	       rb_entry(b, struct ckremm_pin, node)->handle;
}

static struct ckremm_pin *ckremm_pin_find(struct ckremm_attach *att,
					  u64 handle)
{
	struct rb_node *node = rb_find(&handle, &att->pins, ckremm_pin_cmp);

	return node ? rb_entry(node, struct ckremm_pin, node) : NULL;
}

/*
 * Pin @block through @att and tell where it is and its size.  The first
 * pin of a block through an attachment pins the block in the pool; later
 * ones only count, so the pool holds one pin per attachment however often
 * userspace asks.
 */
int ckremm_attach_pin(struct ckremm_attach *att, u64 block, u64 *offset,
		      u64 *size)
{
	struct ckremm_pool *pool = att->pool;
	struct ckremm_pin *pin;
	int err;

	pin = ckremm_pin_find(att, block);
	if (pin) {
		if (pin->count == UINT_MAX)
			return -EOVERFLOW;
		err = pool->ops->locate(pool, block, offset, size);
		if (!err)
			pin->count++;
		return err;
	}

	pin = kmalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return -ENOMEM;
	err = pool->ops->pin(pool, block, offset, size);
	if (err) {
		kfree(pin);
		return err;
	}
	pin->handle = block;
	pin->count = 1;
	rb_add(&pin->node, &att->pins, ckremm_pin_less);
	return 0;
}

/* Undo one PIN of @handle through @att; -EINVAL if there was none. */
int ckremm_attach_unpin(struct ckremm_attach *att, u64 handle)
{
	struct ckremm_pool *pool = att->pool;
	struct ckremm_pin *pin;

	pin = ckremm_pin_find(att, handle);
	if (!pin)
		return -EINVAL;
	if (--pin->count)
		return 0;
	rb_erase(&pin->node, &att->pins);
	kfree(pin);
	/* A pinned block cannot be freed: this cannot fail. */
	WARN_ON_ONCE(pool->ops->unpin(pool, handle));
	return 0;
}

/*
 * Record a pin of a block that @make(@att's pool, @arg, @handle) makes and
 * returns pinned once (GC_ALLOC), so that the block is this attachment's
 * pin from its first moment and UNPIN or the attachment's end drops it.
 * The record is allocated first: once @make succeeded, nothing fails.
 */
int ckremm_attach_pin_new(struct ckremm_attach *att,
			  int (*make)(struct ckremm_pool *pool, void *arg,
				      u64 *handle),
			  void *arg, u64 *handle)
{
	struct ckremm_pin *pin;
	int err;

	pin = kmalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return -ENOMEM;
	err = make(att->pool, arg, handle);
	if (err) {
		kfree(pin);
		return err;
	}
	pin->handle = *handle;
	pin->count = 1;
	rb_add(&pin->node, &att->pins, ckremm_pin_less);
	return 0;
}
