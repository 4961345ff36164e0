// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/ckremm: memory pools driven from userspace.
 *
 * Each open file of this misc device holds a table of pools, named by small
 * ids (from 1).  A pool created through a file belongs to it and dies when
 * the file is released.  A pool created with a name also sits in a global
 * registry: it carries its creator's fsuid, fsgid and a mode, other files
 * attach it by name (checked like opening a file), it is listed, and it
 * lives until it is destroyed by its owner (or CAP_SYS_ADMIN) or the module
 * is unloaded.  Every pool operation is one ioctl for both kinds of pool
 * (include/uapi/linux/ckremm.h); a block is named by one u64, an arena offset
 * (header pools) or a handle (table pools, whose blocks move), never by a
 * kernel address, and the pool's kind decides which.  The arena can be
 * mapped with mmap() at the offset the create or open request returned:
 * read-only for a header pool, whose arena holds the headers it trusts,
 * and read-write for a table pool, whose arena holds payload only.
 *
 * Userspace can use a pool with (w/o error handling):
 *
 *     fd = open("/dev/ckremm", O_RDWR);
 *     struct ckremm_create c = { .kind = CKREMM_KIND_HEADER, .size = 1 << 20 };
 *     ioctl(fd, CKREMM_IOC_CREATE, &c);
 *     struct ckremm_alloc a = { .pool = c.pool, .size = 64 };
 *     ioctl(fd, CKREMM_IOC_ALLOC, &a);
 *     struct ckremm_rw w = { .pool = c.pool, .block = a.block,
 *                            .len = 5, .buf = (__u64)(uintptr_t)"hello" };
 *     ioctl(fd, CKREMM_IOC_WRITE, &w);
 *     view = mmap(NULL, c.arena_size, PROT_READ, MAP_SHARED, fd,
 *                 c.mmap_offset);
 *     // view + a.block holds "hello"
 *     close(fd);  // the pool and its memory go, once view is unmapped
 *
 * Files: registry.c holds the pools, the per-user quota, the registry of
 * named pools and their permissions; attach.c an open file's
 * attachments and their pins; ioctl.c the ioctls, their dispatch table
 * and the checks common to every request; kind_header.c and kind_table.c
 * each kind's operations (struct ckremm_pool_ops); this file the file
 * operations, mmap, the module parameters max_pool_size and
 * max_pools_per_user, and module init and exit; debugfs.c every pool in
 * debugfs; collector.c a table pool's garbage collector (GC_* requests);
 * pager.c a table pool's pager (PAGER_* requests).
 *
 * Context and cost: every entry point runs in process context and may
 * sleep; pool calls hold the pool's raw spinlock for bounded steps.
 * Creating a pool allocates its whole arena (pages seen through a vmap()
 * view, ckremm/port/linux/arena_linux.c), charged to the caller's memory
 * cgroup, as is every other allocation made on a caller's
 * behalf.  READ and WRITE hold their block (see "Holds" in ioctl.c) and
 * copy between it and user memory with no lock held (writes through a
 * one-page bounce buffer); a read never waits for a user page while it
 * holds the block.  mmap() maps nothing up front: pages are faulted in as
 * they are touched, and a table pool's pages that a pager gives back
 * leave every mapping first (touching them then raises SIGBUS).
 * max_pool_size bounds one arena and max_pools_per_user the pools that one
 * fsuid has alive (named or not, until their memory is freed).
 *
 * Lifetime: struct ckremm_pool is reference counted.  The named registry
 * holds one reference while the pool has a name, each attachment to an
 * open file holds one, and each mapping holds one (vm_ops open/close), so
 * a mapping outlives both the file and the name.  Ioctls look a pool up
 * and take a reference under the file table's lock, and drop it when done,
 * so a CLOSE of the same id from another thread cannot free the pool under
 * them.  The last reference frees the arena, which may sleep; references
 * are therefore never dropped under a spinlock.  A table pool's collector
 * (collector.c) lives as long as the pool: the last reference destroys it,
 * then the pool.
 *
 * lock ordering (of every file in ckremm/dev/):
 *	mmap_lock (the core holds it around ->mmap and vm_ops->close)
 *	  cf->pools.xa_lock (spinlock: one open file's id table)
 *	  ckremm_users_lock (mutex: pools charged per fsuid)
 *	  pool->map_lock (mutex: the address spaces a pool is mapped
 *	  through; also taken under a pager's work lock, pager_work.c)
 *	    i_mmap_rwsem (unmap_mapping_range() of pages a pager gives back)
 *	ckremm_registry_lock (mutex: the named registry)
 *	  cf->pools.xa_lock
 *	  pool lock (raw spinlock, irqsave, taken inside each pool call)
 *	cf->pin_lock (mutex: pin records of one open file's attachments;
 *	  also held by GC_ALLOC, which records the pin of its new object)
 *	  pool lock
 *	  ckremm_pager_lock (PIN of a block paged out to a store, which
 *	  the device pages in through the pager, pager.c)
 *	ckremm_gc_attach_lock (mutex: GC_ATTACH's checks and publication)
 *	  pool lock (taken inside the pool's and the collector's calls)
 *	mmap_lock (a pool's last mapping frees it), a debugfs entry's lock
 *	  ckremm_pager_lock (mutex: every pool's pager, pager.c; held
 *	  across a pager's start and stop and a PAGER_PURGE)
 *	    a pager's work lock (pager_work.c), pool->map_lock and
 *	    i_mmap_rwsem (a purge's moves zap the mappings), pool lock
 *	ckremm_create_lock (mutex: the memory check and allocation of
 *	  CREATE and of a PAGER_ATTACH store, pager.c, before its lock)
 *	  pool lock (a new table pool's, to set its step)
 *	  ckremm_debugfs_lock, a debugfs entry's lock (debugfs.c, whose
 *	  "lock ordering" places them; also taken when a pool is freed,
 *	  under mmap_lock or with no ckremm lock held)
 *
 * A lock is taken with nothing held or under locks above it only; locks on
 * one level never nest.  mmap_lock comes first because ->mmap looks up the
 * pool (xa_lock) and the last vm_ops->close frees it, which uncharges its
 * user (ckremm_users_lock).  So no copy_to_user() or copy_from_user() runs
 * under any ckremm lock, mutexes included: a fault on a user buffer takes
 * mmap_lock.  References are dropped with no ckremm lock held, since the
 * last one frees the pool.
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include <uapi/linux/ckremm.h>

#include "ckremm_dev.h"
#include "ckremm_port.h"

/* Largest arena any pool can have: its mmap() window. */
#define CKREMM_POOL_SIZE_LIMIT \
	((unsigned long)min_t(u64, ULONG_MAX, 1ULL << CKREMM_MMAP_SHIFT))

static_assert(CKREMM_MMAP_SHIFT > PAGE_SHIFT);

unsigned long ckremm_max_pool_size = 64UL << 20;
unsigned int ckremm_max_pools_per_user = 16;

/*
 * Set the unsigned long module parameter @kp from @val, refused with
 * -EINVAL unless it lies in @min..@max: a kernel_param_ops.set of the
 * device's bounded parameters.
 */
int ckremm_param_set_range(const char *val, const struct kernel_param *kp,
			   unsigned long min, unsigned long max)
{
	unsigned long value;
	int err;

	err = kstrtoul(val, 0, &value);
	if (err)
		return err;
	if (value < min || value > max)
		return -EINVAL;
	WRITE_ONCE(*(unsigned long *)kp->arg, value);
	return 0;
}

static int max_pool_size_set(const char *val, const struct kernel_param *kp)
{
	return ckremm_param_set_range(val, kp, CKREMM_POOL_MIN_SIZE,
				      CKREMM_POOL_SIZE_LIMIT);
}

static const struct kernel_param_ops max_pool_size_ops = {
	.set = max_pool_size_set,
	.get = param_get_ulong,
};

module_param_cb(max_pool_size, &max_pool_size_ops, &ckremm_max_pool_size,
		0644);
MODULE_PARM_DESC(max_pool_size,
		 "Largest arena of one pool in bytes; larger creates fail with E2BIG (default 64 MiB)");
module_param_named(max_pools_per_user, ckremm_max_pools_per_user, uint, 0644);
MODULE_PARM_DESC(max_pools_per_user,
		 "Most pools one fsuid may have alive, named or not; more fail with EDQUOT (default 16)");

/* mmap */

/*
 * vm_flags became writable only through vm_flags_mod() and friends in 6.3;
 * the module also builds for 6.1.
 */
#if KERNEL_VERSION(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL, 0) < \
	KERNEL_VERSION(6, 3, 0)
static void ckremm_vma_mod_flags(struct vm_area_struct *vma,
				 unsigned long set, unsigned long clear)
{
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
}
#else
static void ckremm_vma_mod_flags(struct vm_area_struct *vma,
				 vm_flags_t set, vm_flags_t clear)
{
	vm_flags_mod(vma, set, clear);
}
#endif

/**
 * struct ckremm_mmapping - an address space a pool's arena is mapped
 *	through
 * @node: in the pool's @maps
 * @pool: the pool
 * @mapping: the device file's address space
 * @base: the page offset in @mapping at which the arena starts (the
 *	pool's id in the file that mapped it, shifted)
 * @vmas: mappings through it; each holds a reference to @pool
 *
 * Mappings fault pages in (ckremm_vm_fault()), so that pages a pager
 * gives back leave them: the port calls ckremm_pool_unmap() for those
 * pages before it frees them (ckremm/port/linux/arena_linux.c), which
 * zaps them in every address space the arena is mapped through.  Offsets
 * that name the same arena page in other files' pools are zapped too, and
 * their pages faulted in again.
 */
struct ckremm_mmapping {
	struct list_head node;
	struct ckremm_pool *pool;
	struct address_space *mapping;
	pgoff_t base;
	unsigned int vmas;
};

/* The port's hook: pages [@offset, @offset + @len) left @data's arena. */
static void ckremm_pool_unmap(void *data, size_t offset, size_t len)
{
	struct ckremm_pool *pool = data;
	struct ckremm_mmapping *m;

	mutex_lock(&pool->map_lock);
	list_for_each_entry(m, &pool->maps, node)
		unmap_mapping_range(m->mapping,
				    ((loff_t)m->base << PAGE_SHIFT) + offset,
				    len, 1);
	mutex_unlock(&pool->map_lock);
}

static void ckremm_vm_open(struct vm_area_struct *vma)
{
	struct ckremm_mmapping *m = vma->vm_private_data;

	mutex_lock(&m->pool->map_lock);
	m->vmas++;
	mutex_unlock(&m->pool->map_lock);
	kref_get(&m->pool->ref);
}

static void ckremm_vm_close(struct vm_area_struct *vma)
{
	struct ckremm_mmapping *m = vma->vm_private_data;
	struct ckremm_pool *pool = m->pool;

	mutex_lock(&pool->map_lock);
	if (!--m->vmas) {
		list_del(&m->node);
		kfree(m);
	}
	mutex_unlock(&pool->map_lock);
	ckremm_pool_put(pool);
}

/*
 * A page of the arena, as sound/core/pcm_native.c hands out its buffers'.
 * The port's array of pages says which page is the arena's now; the page
 * is locked before it goes into the page table and checked again under
 * the lock, so that a pager's purge, which locks each page it takes
 * before it zaps the mappings, cannot miss it.  A page the pager gave
 * back is no block's: touching it raises SIGBUS.
 */
static vm_fault_t ckremm_vm_fault(struct vm_fault *vmf)
{
	struct ckremm_mmapping *m = vmf->vma->vm_private_data;
	unsigned long index = vmf->pgoff - m->base;
	struct page *page;

	page = ckremm_arena_get_page(m->pool->pages, index);
	if (!page)
		return VM_FAULT_SIGBUS;
	lock_page(page);
	if (!ckremm_arena_has_page(m->pool->pages, index, page)) {
		/* Taken meanwhile: fault again, and see it gone. */
		unlock_page(page);
		put_page(page);
		return VM_FAULT_NOPAGE;
	}
	vmf->page = page;
	return VM_FAULT_LOCKED;
}

static const struct vm_operations_struct ckremm_vm_ops = {
	.open	= ckremm_vm_open,
	.close	= ckremm_vm_close,
	.fault	= ckremm_vm_fault,
};

/*
 * The pool's record of @mapping at @base, with one more mapping, or -ENOMEM.
 * Context: under mmap_lock.
 */
static int ckremm_mmapping_get(struct ckremm_pool *pool,
			       struct address_space *mapping, pgoff_t base,
			       struct ckremm_mmapping **out)
{
	struct ckremm_mmapping *m, *fresh;

	/* Allocated before the lock, which the pager's purge takes. */
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return -ENOMEM;
	mutex_lock(&pool->map_lock);
	list_for_each_entry(m, &pool->maps, node) {
		if (m->mapping == mapping && m->base == base)
			goto found;
	}
	m = fresh;
	fresh = NULL;
	m->pool = pool;
	m->mapping = mapping;
	m->base = base;
	list_add(&m->node, &pool->maps);
	ckremm_arena_set_unmap(pool->pages, ckremm_pool_unmap, pool);
found:
	m->vmas++;
	mutex_unlock(&pool->map_lock);
	kfree(fresh);
	*out = m;
	return 0;
}

/*
 * The mmap() offset is the pool's id << CKREMM_MMAP_SHIFT plus, optionally,
 * a page-aligned offset into its arena; the mapping must lie inside the
 * arena (its last page may run past arena_size: those bytes are zero and
 * belong to no block).  A header pool's arena is mapped read-only, for
 * good: VM_MAYWRITE is cleared so that mprotect() cannot add PROT_WRITE.
 * A table pool's arena holds no metadata and may be mapped read-write,
 * except through a read-only attachment, which maps it as a header pool's.
 * Pages are faulted in as they are touched (ckremm_vm_fault()).
 */
static int ckremm_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long first = vma->vm_pgoff & (BIT(CKREMM_MMAP_PGSHIFT) - 1);
	unsigned long id = vma->vm_pgoff >> CKREMM_MMAP_PGSHIFT;
	unsigned long pages = vma_pages(vma);
	struct ckremm_file *cf = file->private_data;
	struct ckremm_mmapping *m;
	unsigned long arena_pages;
	struct ckremm_pool *pool;
	bool read_only, writable;
	int err;

	pool = ckremm_file_get_pool(cf, id, &read_only);
	if (IS_ERR(pool))
		return -EINVAL;
	writable = pool->ops->map_writable && !read_only;
	if (!writable && (vma->vm_flags & VM_WRITE)) {
		err = -EACCES;
		goto err_put;
	}
	arena_pages = DIV_ROUND_UP(pool->arena_size, PAGE_SIZE);
	if (first >= arena_pages || pages > arena_pages - first) {
		err = -EINVAL;
		goto err_put;
	}
	err = ckremm_mmapping_get(pool, file->f_mapping, vma->vm_pgoff - first,
				  &m);
	if (err)
		goto err_put;

	ckremm_vma_mod_flags(vma, VM_DONTEXPAND, writable ? 0 : VM_MAYWRITE);
	/* The mapping keeps the pool's reference; vm_ops close drops it. */
	vma->vm_private_data = m;
	vma->vm_ops = &ckremm_vm_ops;
	return 0;

err_put:
	ckremm_pool_put(pool);
	return err;
}

/* The device */

static int ckremm_open(struct inode *inode, struct file *file)
{
	struct ckremm_file *cf;
	int err;

	err = nonseekable_open(inode, file);
	if (err)
		return err;
	cf = kzalloc(sizeof(*cf), GFP_KERNEL_ACCOUNT);
	if (!cf)
		return -ENOMEM;
	xa_init_flags(&cf->pools, XA_FLAGS_ALLOC1);
	mutex_init(&cf->pin_lock);
	file->private_data = cf;
	return 0;
}

static int ckremm_release(struct inode *inode, struct file *file)
{
	struct ckremm_file *cf = file->private_data;
	struct ckremm_attach *att;
	unsigned long id;

	/* One attachment per CREATE or OPEN: as many as userspace made. */
	xa_for_each(&cf->pools, id, att) {
		xa_erase(&cf->pools, id);
		ckremm_attach_free(cf, att);
		cond_resched();
	}
	xa_destroy(&cf->pools);
	mutex_destroy(&cf->pin_lock);
	kfree(cf);
	return 0;
}

static const struct file_operations ckremm_fops = {
	.owner		= THIS_MODULE,
	.open		= ckremm_open,
	.release	= ckremm_release,
	.unlocked_ioctl	= ckremm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= ckremm_mmap,
};

static struct miscdevice ckremm_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ckremm",
	.fops	= &ckremm_fops,
	.mode	= 0600,
};

static int __init ckremm_init(void)
{
	int err;

	ckremm_debugfs_init();
	err = misc_register(&ckremm_misc);
	if (err)
		ckremm_debugfs_exit();
	return err;
}

static void __exit ckremm_exit(void)
{
	misc_deregister(&ckremm_misc);
	ckremm_registry_drain();
	xa_destroy(&ckremm_users);
	ckremm_debugfs_exit();
}

module_init(ckremm_init);
module_exit(ckremm_exit);

MODULE_DESCRIPTION("ckremm memory pools and the /dev/ckremm device");
MODULE_VERSION(CKREMM_VERSION);
MODULE_LICENSE("GPL");
