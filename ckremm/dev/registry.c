// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/ckremm: the pools themselves (creation, reference counting and
 * release), the per-user quota, the registry of named pools and the
 * permissions of attaching and destroying them.
 *
 * Locking: ckremm_registry_lock (a mutex) guards the list of named pools
 * and each pool's @node; ckremm_users_lock (a mutex) guards the pools
 * charged to each fsuid; ckremm_create_lock (a mutex) makes CREATE's
 * memory check and its allocation one step, and is held while a kind
 * makes its pool (which may take the new pool's lock).  None is held
 * while another of them is taken, nor across a copy to or from user
 * memory, and the last reference to a pool, which frees it, is dropped
 * with none held.  See "lock ordering" at the top of ckremm_dev.c.
 */

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include <uapi/linux/ckremm.h>

#include "ckremm_dev.h"
#include "ckremm_port.h"

/* Guards ckremm_registry: the named pools, linked by their node. */
DEFINE_MUTEX(ckremm_registry_lock);
/* Makes CREATE's memory check and arena allocation one step. */
static DEFINE_MUTEX(ckremm_create_lock);
LIST_HEAD(ckremm_registry);

static DEFINE_MUTEX(ckremm_users_lock);
/*
 * kuid value -> xa_mk_value(number of pools charged to it).  Shared by
 * every user, so its nodes are not charged to whoever happens to add one.
 */
DEFINE_XARRAY(ckremm_users);

/* Per-user quota */

static int ckremm_user_charge(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	unsigned long pools;
	void *entry;
	int err = 0;

	mutex_lock(&ckremm_users_lock);
	entry = xa_load(&ckremm_users, key);
	pools = entry ? xa_to_value(entry) : 0;
	if (pools >= READ_ONCE(ckremm_max_pools_per_user))
		err = -EDQUOT;
	else
		err = xa_err(xa_store(&ckremm_users, key,
				      xa_mk_value(pools + 1), GFP_KERNEL));
	mutex_unlock(&ckremm_users_lock);
	return err;
}

static void ckremm_user_uncharge(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	unsigned long pools;

	mutex_lock(&ckremm_users_lock);
	pools = xa_to_value(xa_load(&ckremm_users, key));
	if (pools > 1)
		xa_store(&ckremm_users, key, xa_mk_value(pools - 1),
			 GFP_KERNEL);
	else
		xa_erase(&ckremm_users, key);
	mutex_unlock(&ckremm_users_lock);
}

/* Pools */

const struct ckremm_pool_ops *ckremm_pool_ops_find(u32 kind)
{
	/* A kind the module was built without (ckremm.config) is known. */
	switch (kind) {
	case CKREMM_KIND_HEADER:
		return IS_ENABLED(CONFIG_CKREMM_HPOOL) ? &ckremm_header_ops :
						  ERR_PTR(-EOPNOTSUPP);
	case CKREMM_KIND_TABLE:
		return IS_ENABLED(CONFIG_CKREMM_TPOOL) ? &ckremm_table_ops :
						  ERR_PTR(-EOPNOTSUPP);
	default:
		return ERR_PTR(-EINVAL);
	}
}

/*
 * Whether the machine can spare a pool of @ops's kind over @size bytes of
 * arena for userspace.  The pool's memory is asked for with __GFP_RETRY_MAYFAIL,
 * so its own allocation fails rather than start the OOM killer; but a pool
 * that took the last reclaimable pages would have the next allocation of
 * any other process start it.  So a pool must leave a sixteenth of RAM
 * available (MemAvailable in /proc/meminfo) after its arena and tables.
 * Creators take ckremm_create_lock around the check and the allocation,
 * so that two of them cannot both pass the check on the same free memory.
 */
static bool ckremm_memory_allows(const struct ckremm_pool_ops *ops, size_t size)
{
	unsigned long pages = (size >> PAGE_SHIFT) + !!offset_in_page(size);
	long avail = si_mem_available();

	pages += DIV_ROUND_UP(pages * ops->meta_per_256, 256);
	return avail > 0 &&
	       pages + totalram_pages() / 16 <= (unsigned long)avail;
}

/**
 * ckremm_pool_memory_lock() - charge more memory of a pool as CREATE does
 * @arena_size: the bytes of the pool's arena
 * @bytes: the bytes more it asks for (a backing store's arena)
 *
 * @arena_size and @bytes together must fit max_pool_size, and @bytes
 * leave a sixteenth of RAM available, as a pool's arena must at CREATE.
 * On 0 the caller allocates the memory and calls
 * ckremm_pool_memory_unlock(), so that no creator passes the check on the
 * same free memory meanwhile.
 *
 * Context: Process context; may sleep; takes ckremm_create_lock.
 * Return: 0 with ckremm_create_lock held; -E2BIG beyond max_pool_size;
 * -ENOMEM if the machine cannot spare @bytes; -EINTR on a fatal signal.
 */
int ckremm_pool_memory_lock(size_t arena_size, size_t bytes)
{
	unsigned long pages = (bytes >> PAGE_SHIFT) + !!offset_in_page(bytes);
	long avail;

	if (bytes > READ_ONCE(ckremm_max_pool_size) ||
	    arena_size > READ_ONCE(ckremm_max_pool_size) - bytes)
		return -E2BIG;
	if (mutex_lock_killable(&ckremm_create_lock))
		return -EINTR;
	avail = si_mem_available();
	if (avail > 0 && pages + totalram_pages() / 16 <= (unsigned long)avail)
		return 0;
	mutex_unlock(&ckremm_create_lock);
	return -ENOMEM;
}

/* The end of what ckremm_pool_memory_lock() began. */
void ckremm_pool_memory_unlock(void)
{
	mutex_unlock(&ckremm_create_lock);
}

/* Numbers the device's unnamed pools in their debugfs labels. */
static atomic_long_t ckremm_unnamed_seq = ATOMIC_LONG_INIT(0);

struct ckremm_pool *ckremm_pool_create(const struct ckremm_pool_ops *ops,
				       size_t size, const char *name,
				       umode_t mode)
{
	struct ckremm_pool *pool;
	int err;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL_ACCOUNT);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	kref_init(&pool->ref);
	INIT_LIST_HEAD(&pool->node);
	mutex_init(&pool->map_lock);
	INIT_LIST_HEAD(&pool->maps);
	pool->ops = ops;
	pool->uid = current_fsuid();
	pool->gid = current_fsgid();
	pool->mode = mode;
	if (name)
		memcpy(pool->name, name, CKREMM_NAME_LEN);
	if (name && name[0])
		snprintf(pool->label, sizeof(pool->label), "dev-%.*s",
			 CKREMM_NAME_LEN - 1, name);
	else
		snprintf(pool->label, sizeof(pool->label), "dev-%d-%lu",
			 task_tgid_nr(current),
			 (unsigned long)atomic_long_inc_return(&ckremm_unnamed_seq));

	err = ckremm_user_charge(pool->uid);
	if (err)
		goto err_free;
	err = mutex_lock_killable(&ckremm_create_lock);
	if (err)
		goto err_uncharge;
	err = ckremm_memory_allows(ops, size) ? ops->create(pool, size) :
						 -ENOMEM;
	mutex_unlock(&ckremm_create_lock);
	if (err)
		goto err_uncharge;
	/* ckremm_mmap() maps the port's arena page by page. */
	if (WARN_ON_ONCE(!is_vmalloc_addr(pool->arena) ||
			 !PAGE_ALIGNED(pool->arena))) {
		err = -ENOMEM;
		goto err_destroy;
	}
	pool->pages = ckremm_arena_record(pool->arena);
	return pool;

err_destroy:
	ops->destroy(pool);
err_uncharge:
	ckremm_user_uncharge(pool->uid);
err_free:
	kfree(pool);
	return ERR_PTR(err);
}

static void ckremm_pool_release(struct kref *ref)
{
	struct ckremm_pool *pool = container_of(ref, struct ckremm_pool, ref);

	if (pool->pager)
		ckremm_dev_pager_release(pool);
	if (pool->gc)
		ckremm_dev_gc_release(pool);
	pool->ops->destroy(pool);
	/* The pool dropped its copies: its store goes after it. */
	ckremm_dev_store_free(pool->store);
	ckremm_user_uncharge(pool->uid);
	mutex_destroy(&pool->map_lock);
	kfree(pool);
}

/* Context: process context, no spinlock held: the last put frees the arena. */
void ckremm_pool_put(struct ckremm_pool *pool)
{
	might_sleep();
	kref_put(&pool->ref, ckremm_pool_release);
}

/* Names and permissions */

static bool ckremm_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* 1..31 of [A-Za-z0-9._-], then NUL bytes to the end of the field. */
bool ckremm_name_valid(const char *name)
{
	size_t len = strnlen(name, CKREMM_NAME_LEN);
	size_t i;

	if (!len || len == CKREMM_NAME_LEN)
		return false;
	for (i = 0; i < len; i++) {
		if (!ckremm_name_char_ok(name[i]))
			return false;
	}
	return mem_is_zero(name + len, CKREMM_NAME_LEN - len);
}

/*
 * Whether the caller may attach a named pool, decided as for opening a
 * file: the owner's bits if the fsuid owns the pool, else the group's bits
 * if the caller is in its group, else the other bits; CAP_DAC_OVERRIDE
 * overrides them, and CAP_DAC_READ_SEARCH does for reading alone.
 */
int ckremm_pool_permission(const struct ckremm_pool *pool,
			   bool read_only)
{
	unsigned int want = read_only ? MAY_READ : MAY_READ | MAY_WRITE;
	unsigned int mode = pool->mode;

	if (uid_eq(current_fsuid(), pool->uid))
		mode >>= 6;
	else if (in_group_p(pool->gid))
		mode >>= 3;
	if (!(want & ~mode & (MAY_READ | MAY_WRITE)))
		return 0;
	if (capable(CAP_DAC_OVERRIDE))
		return 0;
	if (read_only && capable(CAP_DAC_READ_SEARCH))
		return 0;
	return -EACCES;
}

bool ckremm_may_destroy(const struct ckremm_pool *pool)
{
	return uid_eq(current_fsuid(), pool->uid) || capable(CAP_SYS_ADMIN);
}

/* The named registry */

static struct ckremm_pool *ckremm_registry_find(const char *name)
{
	struct ckremm_pool *pool;

	lockdep_assert_held(&ckremm_registry_lock);
	list_for_each_entry(pool, &ckremm_registry, node) {
		if (!memcmp(pool->name, name, CKREMM_NAME_LEN))
			return pool;
	}
	return NULL;
}

bool ckremm_registry_has(const char *name)
{
	bool found;

	mutex_lock(&ckremm_registry_lock);
	found = ckremm_registry_find(name);
	mutex_unlock(&ckremm_registry_lock);
	return found;
}

/* Publish @pool under its name; the registry takes a reference. */
int ckremm_registry_add(struct ckremm_pool *pool)
{
	int err = 0;

	mutex_lock(&ckremm_registry_lock);
	if (ckremm_registry_find(pool->name)) {
		err = -EEXIST;
	} else {
		kref_get(&pool->ref);
		list_add_tail(&pool->node, &ckremm_registry);
	}
	mutex_unlock(&ckremm_registry_lock);
	return err;
}

/* The named pool @name with a reference for the caller, or -ENOENT. */
struct ckremm_pool *ckremm_registry_get(const char *name)
{
	struct ckremm_pool *pool;

	mutex_lock(&ckremm_registry_lock);
	pool = ckremm_registry_find(name);
	if (pool)
		kref_get(&pool->ref);
	mutex_unlock(&ckremm_registry_lock);
	return pool ?: ERR_PTR(-ENOENT);
}

/* Module unload: no file is open, so these are the last references. */
void ckremm_registry_drain(void)
{
	struct ckremm_pool *pool, *next;
	LIST_HEAD(doomed);

	mutex_lock(&ckremm_registry_lock);
	list_splice_init(&ckremm_registry, &doomed);
	mutex_unlock(&ckremm_registry_lock);

	list_for_each_entry_safe(pool, next, &doomed, node) {
		list_del_init(&pool->node);
		ckremm_pool_put(pool);
	}
}
