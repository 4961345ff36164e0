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
 *                       the environment learns of each pool (the Linux
 *                       module lists them in debugfs; elsewhere no-ops)
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

#ifdef __KERNEL__
#include "port_linux.h"
#else
#include "port_host.h"
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

#endif /* CKREMM_PORT_H */
