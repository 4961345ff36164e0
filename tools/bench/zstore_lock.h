/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Forced (-include) into every pool, paging and store source bench_zstore
 * builds: times each hold of a ckremm lock with the monotonic clock and
 * keeps the longest hold per function that took it (__func__ at the
 * call), so that a purge step's holds (pg_purge_step) and a page-out
 * step's (pg_out_step) can be told from the rest.  The lock itself is the
 * host port's; only the two calls are wrapped.  One thread: holds nest
 * only as the store's pool's inside the store's, which the stack of
 * starts keeps apart.
 *
 * On a shared machine the thread is sometimes descheduled while it holds
 * a lock, which no kernel with interrupts off would do, and the first
 * touch of an arena's page faults here, where the Linux port's arenas are
 * mapped whole when they are made: a hold during which the thread was
 * switched out or took a page fault (its context switches and faults,
 * read with getrusage() outside the timed span, changed) is not kept,
 * only counted (bench_lock_switched), so that what is kept is the time
 * spent inside the step.
 */
#ifndef BENCH_ZSTORE_LOCK_H
#define BENCH_ZSTORE_LOCK_H

#include <sys/resource.h>
#include <time.h>

#include "ckremm_port.h"

#define BENCH_LOCK_DEPTH	4

extern int bench_lock_on;
extern unsigned int bench_lock_depth;
extern const char *bench_lock_fn[BENCH_LOCK_DEPTH];
extern u64 bench_lock_t0[BENCH_LOCK_DEPTH];
extern long bench_lock_csw[BENCH_LOCK_DEPTH];
extern unsigned long bench_lock_switched;
void bench_lock_held(const char *fn, u64 ns);

/* The thread's context switches and page faults so far. */
static inline long bench_lock_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw + ru.ru_minflt + ru.ru_majflt;
}

static inline u64 bench_lock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline unsigned long bench_lock(struct ckremm_lock *l, const char *fn)
{
	unsigned int d = bench_lock_depth;
	unsigned long flags;

	if (bench_lock_on && d < BENCH_LOCK_DEPTH)
		bench_lock_csw[d] = bench_lock_switches();
	flags = ckremm_lock(l);
	if (bench_lock_on && d < BENCH_LOCK_DEPTH) {
		bench_lock_fn[d] = fn;
		bench_lock_depth++;
		bench_lock_t0[d] = bench_lock_now();
	}
	return flags;
}

static inline void bench_unlock(struct ckremm_lock *l, unsigned long flags)
{
	u64 ns = 0;
	unsigned int d;

	if (bench_lock_on && bench_lock_depth)
		ns = bench_lock_now() - bench_lock_t0[bench_lock_depth - 1];
	ckremm_unlock(l, flags);
	if (!bench_lock_on || !bench_lock_depth)
		return;
	d = --bench_lock_depth;
	if (bench_lock_switches() == bench_lock_csw[d])
		bench_lock_held(bench_lock_fn[d], ns);
	else
		bench_lock_switched++;
}

#define ckremm_lock(l)		bench_lock(l, __func__)
#define ckremm_unlock(l, f)	bench_unlock(l, f)

#endif /* BENCH_ZSTORE_LOCK_H */
