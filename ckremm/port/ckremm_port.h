/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm port interface: everything the pools need from where they run.
 *
 * The pools (ckremm/hpool/, ckremm/tpool/ and the index they share,
 * ckremm/segfit/) include this header and nothing else from their
 * environment.  A port is one folder beside this file whose
 * ckremm_target.h provides what the list below names, plus the port's .c
 * files if it has any.  A build chooses its port by the include path
 * alone, this folder first and the port's after it:
 *
 *	-I ckremm/port -I ckremm/port/<target>
 *
 * so that no #ifdef anywhere names a target: a new port is a new folder.
 *
 *   linux/      the Linux kernel (ckremm.ko): arenas of pages charged to
 *               the memory cgroup page by page and seen through a vmap()
 *               view (a purge or a commit moves the arena to a new view),
 *               a raw spinlock taken with interrupts off,
 *               hsiphash, get_random_u32(), the debugfs registry and the
 *               tracepoints (ckremm_trace.h)
 *   host/       a hosted C library (the tests, fuzzers and benchmarks):
 *               mmap()ed arenas whose pages madvise() gives back,
 *               calloc(), a C11-atomics spinlock, SipHash, a seed from
 *               the clock and the process id
 *   baremetal/  single-core microcontrollers without an OS: an interrupt
 *               mask as the lock, memory, seed, log and (optionally) RAM
 *               bank power from the board, nothing of a C library but
 *               memcpy(), memmove(), memset()
 *
 * What a port's ckremm_target.h provides:
 *
 *   types        u8, u16, u32, u64, size_t, uintptr_t, bool, NULL,
 *                U16_MAX, U32_MAX, BIT(), __always_inline, ckremm_noinline
 *   errors       EINVAL, ENOMEM, EBUSY, ENOSPC, EOVERFLOW, EUCLEAN: the
 *                pools return them negated
 *   copy, fill   memcpy(), memmove(), memset()
 *   the lock     struct ckremm_lock, ckremm_lock_init(), ckremm_lock()
 *                returning the flags ckremm_unlock() takes back: mutual
 *                exclusion from every other caller that can reach the pool,
 *                other CPUs and interrupt handlers alike (a spinlock with
 *                interrupts off; on one core, an interrupt mask).  Holds are
 *                short and bounded, and nothing under one sleeps.
 *   memory       ckremm_arena_alloc(): zeroed, CKREMM_PAGE_SIZE-aligned, or
 *                NULL; ckremm_arena_free().  ckremm_meta_zalloc(): zeroed
 *                bookkeeping, or NULL; ckremm_meta_free().
 *                ckremm_meta_zalloc_nowait(): the same for tables that grow
 *                while the pool is in use, from any context the pool lock
 *                can be taken in, never sleeping (it may always fail)
 *   pages        ckremm_arena_purge(arena, offset, len): the arena's
 *                pages in [offset, offset + len), page-aligned, hold
 *                nothing the pool needs: give them back (or do nothing);
 *                called with the pool lock dropped, where the caller of
 *                the paging module's tick runs.  ckremm_arena_commit(arena,
 *                offset, len): make such pages usable again before a block
 *                is placed on them; called with the pool lock held, never
 *                sleeping; 0, or -ENOMEM (the allocation fails).  A purged
 *                page's bytes are undefined until then (zero on the ports
 *                here).  Only the paging module (ckremm/paging/) purges.
 *                CKREMM_ARENA_PURGES: 1 if a purge gives memory back, 0 if
 *                the hooks do nothing (the paging module then refuses).
 *                CKREMM_ARENA_MOVES: optional, 1 if the port changes an
 *                arena's pages only by moving the arena to a new address
 *                (Linux: a new vmap() view).  Such a port defines neither
 *                ckremm_arena_purge() nor ckremm_arena_commit(): below,
 *                the first does nothing and the second succeeds only for
 *                pages committed ahead, in process context, which the
 *                pool counts as committed already (a page cannot be
 *                allocated under a raw spinlock).  It defines struct
 *                ckremm_arena_move, and the moves, on arenas of
 *                ckremm_arena_alloc() only:
 *                ckremm_arena_move_prepare(arena, offset, len, commit, mv)
 *                with the pool lock dropped (may sleep; 0 or -ENOMEM),
 *                ckremm_arena_move_install(mv) under the lock (returns the
 *                arena's new address; the old one is valid until the
 *                finish), ckremm_arena_move_finish(mv) with the lock
 *                dropped, installed or not.  The paging module makes
 *                moves one at a time per arena, installs one only while
 *                no block is pinned or held, and counts it as a reorder
 *                (t_pool_stats.arena_moves)
 *   sizes        CKREMM_PAGE_SIZE; CKREMM_STEP_BYTES, the bytes copied or
 *                cleared per hold of the lock (default below)
 *   bit scans    ckremm_fls32(), ckremm_ffs32(), ckremm_add_overflow()
 *   randomness   ckremm_random_u32(), never called under the pool lock;
 *                struct ckremm_hash_key, ckremm_hash_key_init() and
 *                ckremm_hash4(), a keyed hash whose key its outputs do not
 *                give away (H_POOL_KEYED headers)
 *   diagnostics  ckremm_warn(fmt, ...): a caller's misuse, refused; printed
 *                at a bounded rate, or counted; ckremm_might_sleep(), an
 *                assertion where the port has one
 *   exports      EXPORT_SYMBOL_NS_GPL(sym, ns) and CKREMM_NS: a declaration
 *                that does nothing outside the kernel
 *   registry     optional: with CKREMM_POOL_REGISTRY defined,
 *                ckremm_pool_created() and ckremm_pool_destroyed(), how the
 *                environment learns of each pool and names it (the Linux
 *                module lists them in debugfs); else the no-ops below
 *   tracing      optional: with CKREMM_TRACE defined, ckremm_trace_alloc(),
 *                _free(), _resize(), _refuse(), _reorder_step(), and
 *                ckremm_trace_alloc_enabled() and _free_enabled(); else the
 *                no-ops below
 *
 * Nothing else: no thread, timer, file or allocation call of a C library.
 */
#ifndef CKREMM_PORT_H
#define CKREMM_PORT_H

/* The kinds of pool ckremm_pool_created() is told of. */
#define CKREMM_POOL_HEADER	1	/* struct h_pool */
#define CKREMM_POOL_TABLE	2	/* struct t_pool */

/* The name of a kind of pool, which also names a pool that has no other. */
static inline const char *ckremm_pool_kind_name(unsigned int kind)
{
	return kind == CKREMM_POOL_HEADER ? "h_pool" : "t_pool";
}

/* The port the build chose by its include path. */
#include "ckremm_target.h"

#ifndef CKREMM_POOL_REGISTRY
/* No list of pools: a pool is known by its kind. */
static inline const char *ckremm_pool_created(void *pool, unsigned int kind,
					      const char *name)
{
	(void)pool;
	(void)name;
	return ckremm_pool_kind_name(kind);
}

static inline void ckremm_pool_destroyed(void *pool)
{
	(void)pool;
}
#endif

#ifdef CKREMM_ARENA_MOVES
/*
 * Pages change only by moves: nothing is given back or committed in place,
 * so a commit under the lock fails but for pages committed ahead, which
 * the pool counts as committed already and never asks for.
 */
static inline void ckremm_arena_purge(void *arena, size_t offset, size_t len)
{
	(void)arena;
	(void)offset;
	(void)len;
}

static inline int ckremm_arena_commit(void *arena, size_t offset, size_t len)
{
	(void)arena;
	(void)offset;
	(void)len;
	return -ENOMEM;
}

int ckremm_arena_move_prepare(void *arena, size_t offset, size_t len,
			      bool commit, struct ckremm_arena_move *mv);
void *ckremm_arena_move_install(struct ckremm_arena_move *mv);
void ckremm_arena_move_finish(struct ckremm_arena_move *mv);
#else
/* Pages change in place: arenas never move. */
#define CKREMM_ARENA_MOVES	0

struct ckremm_arena_move {
	void *view;
};

static inline int ckremm_arena_move_prepare(void *arena, size_t offset,
					    size_t len, bool commit,
					    struct ckremm_arena_move *mv)
{
	(void)arena;
	(void)offset;
	(void)len;
	(void)commit;
	mv->view = NULL;
	return -ENOMEM;
}

static inline void *ckremm_arena_move_install(struct ckremm_arena_move *mv)
{
	return mv->view;
}

static inline void ckremm_arena_move_finish(struct ckremm_arena_move *mv)
{
	(void)mv;
}
#endif

#ifndef CKREMM_TRACE
/* No tracing: the hooks do nothing, and their arguments are dead code. */
static inline void ckremm_trace_alloc(const char *pool, size_t size, u64 block,
				      int result)
{
	(void)pool;
	(void)size;
	(void)block;
	(void)result;
}

static inline void ckremm_trace_free(const char *pool, u64 block, int result)
{
	(void)pool;
	(void)block;
	(void)result;
}

static inline void ckremm_trace_resize(const char *pool, u64 block,
				       size_t size, u64 moved, int result)
{
	(void)pool;
	(void)block;
	(void)size;
	(void)moved;
	(void)result;
}

static inline void ckremm_trace_refuse(const char *pool, const char *reason)
{
	(void)pool;
	(void)reason;
}

static inline void ckremm_trace_reorder_step(const char *pool,
					     unsigned int blocks,
					     size_t bytes, bool more,
					     size_t largest)
{
	(void)pool;
	(void)blocks;
	(void)bytes;
	(void)more;
	(void)largest;
}

static inline bool ckremm_trace_alloc_enabled(void)
{
	return false;
}

static inline bool ckremm_trace_free_enabled(void)
{
	return false;
}
#endif

/*
 * Bytes that a pool copies or clears while holding its lock before it
 * drops the lock and lets other CPUs in.  Bounds the lock hold time of
 * clean, read, write and copy calls on large blocks.
 */
#ifndef CKREMM_STEP_BYTES
#define CKREMM_STEP_BYTES 4096
#endif

/**
 * struct ckremm_carve - bookkeeping memory a caller gave a pool
 * @base: the memory, or NULL to only measure what the pieces need
 * @size: bytes at @base
 * @used: bytes carved (or needed) so far, with the padding before each
 *	piece
 *
 * A pool made over memory of its own (h_pool_create_in(),
 * t_pool_create_in()) takes its structure and tables from the caller's
 * bookkeeping memory in pieces, one after another, each aligned to 8
 * bytes; the same pieces measured with @base NULL say how much it needs.
 */
struct ckremm_carve {
	u8 *base;
	size_t size;
	size_t used;
};

/*
 * The next piece of @size bytes, zeroed; NULL if it does not fit, or
 * always when measuring.  @c->used grows either way (to SIZE_MAX on
 * overflow, which nothing fits).
 */
static inline void *ckremm_carve(struct ckremm_carve *c, size_t size)
{
	uintptr_t start = (uintptr_t)c->base + c->used;
	size_t pad = (size_t)(((start + 7) & ~(uintptr_t)7) - start);
	size_t at = c->used + pad;

	if (ckremm_add_overflow(at, size, &c->used)) {
		c->used = (size_t)-1;
		return NULL;
	}
	if (!c->base || c->used > c->size)
		return NULL;
	memset(c->base + at, 0, size);
	return c->base + at;
}

/*
 * 1000 * @part / @whole for @part <= @whole, without 64-bit division, which
 * 32-bit kernels do not link.
 */
static inline unsigned int ckremm_permille(size_t part, size_t whole)
{
	if (whole <= (size_t)-1 / 1000)
		return (unsigned int)(part * 1000 / whole);
	return (unsigned int)(part / (whole / 1000));
}

/**
 * ckremm_locked_pass() - a pass over a pool in bounded steps, started over
 *	whenever the pool changed between two of them
 * @lock: the pool's lock, taken around each step
 * @seq: the pool's change count, read under @lock
 * @max_tries: passes allowed in all
 * @reason: if not NULL, set to say why when the pass gives up
 * @step: one step, called with @lock held: @restart is true at the start of
 *	a pass (the step resets its state); returns 0 for more steps, > 0 when
 *	the pass is done, < 0 on an error that ends it
 * @arg: passed to @step
 *
 * Lets the checks of a pool (validate) see one consistent state without
 * holding the lock for longer than a step.
 *
 * Return: 0 when a pass completed, @step's error, or -EBUSY when the pool
 * changed under every one of @max_tries passes.
 */
static inline int ckremm_locked_pass(struct ckremm_lock *lock, const u32 *seq,
				     unsigned int max_tries, const char **reason,
				     int (*step)(void *arg, bool restart),
				     void *arg)
{
	unsigned int tries = 0;
	unsigned long flags;
	u32 seen = 0;
	int ret;

	do {
		flags = ckremm_lock(lock);
		if (tries && seen == *seq) {
			ret = step(arg, false);
		} else if (tries++ == max_tries) {
			if (reason)
				*reason = "pool kept changing: try again";
			ret = -EBUSY;
		} else {
			seen = *seq;
			ret = step(arg, true);
		}
		ckremm_unlock(lock, flags);
	} while (!ret);
	return ret < 0 ? ret : 0;
}

#endif /* CKREMM_PORT_H */
