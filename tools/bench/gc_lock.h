/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Forced (-include) into every pool and collector source bench_gc builds:
 * times each hold of the pool lock by the time stamp counter and tells
 * bench_gc which function took it (__func__ at the call), so that the
 * holds of the collector's steps can be told from the allocator's.  The
 * lock itself is the host port's; only the two calls are wrapped.
 */
#ifndef BENCH_GC_LOCK_H
#define BENCH_GC_LOCK_H

#include <x86intrin.h>

#include "ckremm_port.h"

extern int bench_lock_on;
extern const char *bench_lock_fn;
extern u64 bench_lock_t0;
void bench_lock_held(const char *fn, u64 t0, u64 t1);

static inline unsigned long bench_lock(struct ckremm_lock *l, const char *fn)
{
	unsigned long flags = ckremm_lock(l);

	if (bench_lock_on) {
		bench_lock_fn = fn;
		bench_lock_t0 = __rdtsc();
	}
	return flags;
}

static inline void bench_unlock(struct ckremm_lock *l, unsigned long flags)
{
	if (bench_lock_on)
		bench_lock_held(bench_lock_fn, bench_lock_t0, __rdtsc());
	ckremm_unlock(l, flags);
}

#define ckremm_lock(l)		bench_lock(l, __func__)
#define ckremm_unlock(l, f)	bench_unlock(l, f)

#endif /* BENCH_GC_LOCK_H */
