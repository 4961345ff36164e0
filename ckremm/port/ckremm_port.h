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
 *
 * and provides u8/u16/u32/u64, size_t, bool, memcpy() and memset().
 *
 * To carry a pool into another environment, copy ckremm/port/ with the
 * pool's folder and write one more port_<env>.h beside the two here.
 */
#ifndef CKREMM_PORT_H
#define CKREMM_PORT_H

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

/*
 * One step of a check that walks a pool a bounded step per hold of its
 * lock and must start over whenever the pool changed between two steps.
 * Called with the lock held before each step, with the pool's change count
 * @seq; *@seen is the count the current pass started at, *@tries the
 * passes started so far (0 before the first).
 *
 * Returns 0 to go on with the pass, 1 to start it over (the caller resets
 * its state; *@seen is now @seq), or -EBUSY when the pool changed under
 * every one of @max_tries passes after the first, *@reason (if not NULL)
 * then saying so.
 */
static inline int ckremm_pass_step(unsigned int *tries, unsigned int max_tries,
				   u32 *seen, u32 seq, const char **reason)
{
	if (*tries && *seen == seq)
		return 0;
	if ((*tries)++ == max_tries) {
		if (reason)
			*reason = "pool kept changing: try again";
		return -EBUSY;
	}
	*seen = seq;
	return 1;
}

#endif /* CKREMM_PORT_H */
