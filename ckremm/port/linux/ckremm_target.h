/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckremm port for the Linux kernel (see ../ckremm_port.h for the interface).
 *
 * Arenas are zeroed pages of the port's own seen through a vmap() view,
 * that can be mapped to userspace page by page, charged to the memory
 * cgroup of the task that creates the pool.  Arenas and tables are large
 * and their size is chosen by the caller, who may be acting for userspace:
 * they are asked for with __GFP_RETRY_MAYFAIL, so that when memory is
 * short the allocation fails after reclaim instead of starting the OOM
 * killer (globally or in the memory cgroup).
 *
 * The pool lock is a raw_spinlock_t taken with interrupts disabled, on
 * PREEMPT_RT too, where a spinlock_t would become a sleeping lock.  Pools
 * are for code that cannot sleep: hard interrupt handlers, hrtimer
 * callbacks in HRTIMER_MODE_HARD, sections under other raw locks.  A
 * sleeping lock would shut all of them out on PREEMPT_RT, and would buy
 * nothing, because every hold is short and bounded: the pools hold the
 * lock for constant work (one alloc or free, one batch of at most
 * H_POOL_BATCH_MAX blocks) or for one step of longer work
 * (CKREMM_STEP_BYTES copied, HP_STEP_BLOCKS or TP_CHECK_NODES blocks
 * checked, the extents a walk's caller asked for, a reorder step of at
 * most T_POOL_STEP_MAX bytes), and drop it between steps.  Nothing under
 * the lock sleeps, allocates, frees or takes
 * another lock; only a rate-limited warning may print.  A table that
 * grows does so with the lock dropped (ckremm_meta_zalloc_nowait()).
 */
#ifndef CKREMM_TARGET_LINUX_H
#define CKREMM_TARGET_LINUX_H

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/preempt.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

#include <ckremm/ckremm_ns.h>

#define CKREMM_PAGE_SIZE PAGE_SIZE

/*
 * The pools export their calls with EXPORT_SYMBOL_NS_GPL(sym, CKREMM_NS):
 * GPL-only, in the namespace CKREMM, which a module using them imports
 * (CKREMM_NS, spelled as the kernel being built for expects, comes from
 * include/ckremm/ckremm_ns.h).
 */

/*
 * The module lists every pool in debugfs (ckremm/dev/debugfs.c): a pool
 * tells it of itself once made, with the name it was given (or NULL), and
 * is told the name it is shown under, which its trace events carry; and
 * again before it frees anything.  Both may sleep.  A build of the pools
 * without the module (the benchmark module compiles them in) does not
 * define CKREMM_POOL_REGISTRY and takes ckremm_port.h's no-ops.
 */
#ifdef CKREMM_POOL_REGISTRY
const char *ckremm_pool_created(void *pool, unsigned int kind,
				const char *name);
void ckremm_pool_destroyed(void *pool);
#endif

/*
 * Tracepoints (ckremm_trace.h, defined in port_linux.c) where CKREMM_TRACE
 * is defined, as in the module.  The call site is the caller of the
 * exported call that the hook is inlined into.
 */
#ifdef CKREMM_TRACE
#include "ckremm_trace.h"

/*
 * Each hook tests its event's static key before it computes an argument,
 * so that a disabled event costs its call site the key's no-op and
 * nothing else: the compiler would otherwise compute the block, the
 * result and the call site ahead of the tracepoint's own test.
 */
#define ckremm_trace_alloc(pool, size, block, result)			\
	do {								\
		if (trace_ckremm_alloc_enabled())			\
			trace_ckremm_alloc(pool, size, block, result,	\
					   _RET_IP_);			\
	} while (0)
#define ckremm_trace_free(pool, block, result)				\
	do {								\
		if (trace_ckremm_free_enabled())			\
			trace_ckremm_free(pool, block, result, _RET_IP_); \
	} while (0)
#define ckremm_trace_resize(pool, block, size, moved, result)		\
	do {								\
		if (trace_ckremm_resize_enabled())			\
			trace_ckremm_resize(pool, block, size, moved,	\
					    result, _RET_IP_);		\
	} while (0)
#define ckremm_trace_refuse(pool, reason) trace_ckremm_refuse(pool, reason)
#define ckremm_trace_reorder_step(pool, blocks, bytes, more, largest) \
	trace_ckremm_reorder_step(pool, blocks, bytes, more, largest)
#define ckremm_trace_alloc_enabled() trace_ckremm_alloc_enabled()
#define ckremm_trace_free_enabled() trace_ckremm_free_enabled()
#endif

/* A slow path out of line: the fast path that leaves for it saves nothing. */
#define ckremm_noinline noinline

struct ckremm_lock {
	raw_spinlock_t lock;	/* guards one pool's whole state */
};

static inline void ckremm_lock_init(struct ckremm_lock *l)
{
	raw_spin_lock_init(&l->lock);
}

static inline unsigned long ckremm_lock(struct ckremm_lock *l)
	__acquires(&l->lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&l->lock, flags);
	return flags;
}

static inline void ckremm_unlock(struct ckremm_lock *l, unsigned long flags)
	__releases(&l->lock)
{
	raw_spin_unlock_irqrestore(&l->lock, flags);
}

/*
 * Arenas (port_linux.c): pages of the port's own, allocated one by one
 * with GFP_KERNEL_ACCOUNT, so that the memory cgroup is charged page by
 * page and uncharged as each page is freed, and seen by the kernel through
 * one view made by vmap(), which the device maps to userspace page by
 * page.  Context: process context; may sleep.  A pool too large for the
 * machine is an ordinary failure the caller reports, not a reason to warn.
 */
void *ckremm_arena_alloc(size_t size);
void ckremm_arena_free(void *arena);

/*
 * The paging module's hooks (ckremm/paging/).  The kernel exports no call
 * that changes one page of a live vmap(), so an arena's pages change only
 * by moving the arena: CKREMM_ARENA_MOVES.  A purge or a commit is a
 * struct ckremm_arena_move, prepared with the pool lock dropped (a new
 * vmap() of the new page set: it may sleep), installed under the lock
 * (the new view's address becomes the arena's) and finished with the lock
 * dropped (the old view unmapped, the pages given back freed).  Slots of
 * a view that hold no page of the arena map one zeroed filler page of the
 * arena's own, so that the view keeps the arena's size.  A page cannot be
 * allocated under the pool's raw spinlock (PREEMPT_RT): ckremm_port.h's
 * ckremm_arena_commit() for such ports commits nothing under the lock.
 */
#define CKREMM_ARENA_PURGES	1
#define CKREMM_ARENA_MOVES	1

/**
 * struct ckremm_arena_move - a change of an arena's pages, under way
 * @arena: the port's record of the arena (arena_linux.c)
 * @pages: the new view's pages, one per slot
 * @view: the new view
 * @old_pages: the view's pages before, once installed
 * @old_view: the view before, once installed
 * @offset: first byte of the pages that change
 * @len: bytes of them
 * @commit: the pages are committed (else given back)
 * @installed: the new view is the arena's
 */
struct ckremm_arena_move {
	struct ckremm_arena *arena;
	struct page **pages;
	void *view;
	struct page **old_pages;
	void *old_view;
	size_t offset;
	size_t len;
	bool commit;
	bool installed;
};

/*
 * For the device's mappings of arenas to userspace (ckremm/dev/), which
 * fault pages in: documented in arena_linux.c.
 */
struct page;
struct ckremm_arena *ckremm_arena_record(void *arena);
void ckremm_arena_set_unmap(struct ckremm_arena *a,
			    void (*unmap)(void *data, size_t offset, size_t len),
			    void *data);
struct page *ckremm_arena_get_page(struct ckremm_arena *a, unsigned long index);
bool ckremm_arena_has_page(struct ckremm_arena *a, unsigned long index,
			   struct page *page);

/* Context: process context; may sleep.  Fails rather than OOM-kill. */
static inline void *ckremm_meta_zalloc(size_t size)
{
	return kvzalloc(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN |
			__GFP_RETRY_MAYFAIL);
}

/*
 * Context: any context, with no lock of the caller's held on PREEMPT_RT.
 * For tables that grow while the pool is in use: never sleeps, never
 * reclaims, never warns; fails instead.  On PREEMPT_RT the slab allocator
 * takes sleeping locks, so where the caller cannot sleep (hard interrupt,
 * interrupts or preemption off) it is not asked at all and the call fails.
 * Elsewhere a caller in hard interrupt context or under a raw lock of its
 * own reaches the slab allocator's spinlock_t locks, which lockdep with
 * CONFIG_PROVE_RAW_LOCK_NESTING reports as an invalid wait context: such
 * callers are best served by a table pool whose tables have grown
 * beforehand, in process context (they never shrink).  A chunk is charged
 * to the memory cgroup of whichever task grows the table.
 */
static inline void *ckremm_meta_zalloc_nowait(size_t size)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && !preemptible())
		return NULL;
	return kzalloc(size, GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN);
}

/* Also for ckremm_meta_zalloc_nowait() memory, in the same contexts. */
static inline void ckremm_meta_free(void *p)
{
	kvfree(p);
}

static inline void ckremm_might_sleep(void)
{
	might_sleep();
}

/* Index (1-based) of the most significant set bit; 0 for 0. */
static inline unsigned int ckremm_fls32(u32 x)
{
	return fls(x);
}

/* Index (0-based) of the least significant set bit; x must not be 0. */
static inline unsigned int ckremm_ffs32(u32 x)
{
	return __ffs(x);
}

#define ckremm_add_overflow(a, b, d) check_add_overflow(a, b, d)

/*
 * A keyed hash whose key cannot be recovered from its outputs: hsiphash
 * (SipHash-1-3 on 64-bit kernels) with a random 128-bit key per pool.
 */
struct ckremm_hash_key {
	hsiphash_key_t key;
};

static inline void ckremm_hash_key_init(struct ckremm_hash_key *k)
{
	get_random_bytes(&k->key, sizeof(k->key));
}

static inline u32 ckremm_hash4(const struct ckremm_hash_key *k, u32 a, u32 b,
			       u32 c, u32 d)
{
	return hsiphash_4u32(a, b, c, d, &k->key);
}

/* Takes a sleeping lock on PREEMPT_RT: never under the pool lock. */
static inline u32 ckremm_random_u32(void)
{
	return get_random_u32();
}

/* A caller's misuse: refused, reported at a bounded rate. */
#define ckremm_warn(fmt, ...) \
	pr_warn_ratelimited("ckremm: " fmt, ##__VA_ARGS__)

#endif /* CKREMM_TARGET_LINUX_H */
