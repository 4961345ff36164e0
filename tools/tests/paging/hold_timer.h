/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hold_timer.h - forced (-include) into the sources of store_holds: every
 * hold of a pool lock is timed with CLOCK_MONOTONIC and charged to the
 * function that took it (__func__ where ckremm_lock() is called), so that
 * the holds of a page-out step can be told from those of an access that
 * pages a block in.  The lock itself is the host port's.
 */
#ifndef HOLD_TIMER_H
#define HOLD_TIMER_H

#include <time.h>

#include "ckremm_port.h"

extern const char *hold_fn;
extern u64 hold_t0;
void hold_done(const char *fn, u64 t0, u64 t1);

static inline u64 hold_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static inline unsigned long hold_lock(struct ckremm_lock *l, const char *fn)
{
	unsigned long flags = ckremm_lock(l);

	hold_fn = fn;
	hold_t0 = hold_now();
	return flags;
}

static inline void hold_unlock(struct ckremm_lock *l, unsigned long flags)
{
	hold_done(hold_fn, hold_t0, hold_now());
	ckremm_unlock(l, flags);
}

#define ckremm_lock(l)		hold_lock(l, __func__)
#define ckremm_unlock(l, f)	hold_unlock(l, f)

#endif /* HOLD_TIMER_H */
