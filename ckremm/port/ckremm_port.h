/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckremm port layer: the one place that knows where the pools run.
 *
 * The pools (ckremm/hpool, ckremm/tpool) include this header and nothing
 * else from their environment.  It maps, for the Linux kernel or for a host
 * C library:
 *
 *   arena memory        ckremm_arena_alloc()/ckremm_arena_free()
 *   pool metadata       ckremm_meta_zalloc()/ckremm_meta_free(), and
 *                       ckremm_meta_zalloc_nowait() for tables that grow
 *   the pool lock       struct ckremm_lock, ckremm_lock()/ckremm_unlock()
 *   bit scans           ckremm_fls32(), ckremm_ffs32()
 *   overflow checks     ckremm_add_overflow()
 *   diagnostics         ckremm_warn() (rate limited)
 *   randomness          ckremm_random_u32()
 *   sizes               CKREMM_PAGE_SIZE, CKREMM_STEP_BYTES
 *   exports             EXPORT_SYMBOL_NS_GPL(sym, CKREMM_NS), a no-op
 *                       outside the kernel
 *   pool registry       ckremm_pool_created()/ckremm_pool_destroyed(), how
 *                       the environment learns of each pool and names it
 *                       (the Linux module lists them in debugfs)
 *   tracing             ckremm_trace_alloc(), _free(), _resize(),
 *                       _refuse(), _reorder_step(), and whether the first
 *                       two are on (the Linux module's tracepoints,
 *                       ckremm_trace.h)
 *
 * A port that has no registry or no tracing leaves CKREMM_POOL_REGISTRY or
 * CKREMM_TRACE undefined and gets the no-ops below.
 *
 * and provides u8/u16/u32/u64, size_t, bool, memcpy() and memset().
 *
 * To carry a pool into another environment, copy ckremm/port/ with the
 * pool's folder and write one more port_<env>.h beside the two here.
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

#ifdef __KERNEL__
#include "port_linux.h"
#else
#include "port_host.h"
#endif

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
