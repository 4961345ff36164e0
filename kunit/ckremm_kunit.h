/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckremm_kunit.h - helpers both KUnit files of ckremm_kunit.ko share
 * (kunit/ckremm_kunit.c): whether a case has failed, the seeds of the
 * random suites, calls made in atomic context, and each pool's
 * consistency expectations.
 *
 * Random choices come from the kernel's prandom (struct rnd_state,
 * prandom_seed_state(), prandom_u32_state()): a fixed seed gives the same
 * run every time.
 */
#ifndef CKREMM_KUNIT_H
#define CKREMM_KUNIT_H

#include <kunit/test.h>
#include <linux/prandom.h>

#include <ckremm/h_pool.h>
#include <ckremm/t_pool.h>

/* A case that has failed stops early: what follows would only repeat it. */
static inline bool case_failed(struct kunit *test)
{
	return READ_ONCE(test->status) == KUNIT_FAILURE;
}

/* The seeds every random suite runs with, one parameter each. */
#define CKREMM_KUNIT_SEEDS	3
extern const u32 ckremm_kunit_seeds[CKREMM_KUNIT_SEEDS];
void ckremm_kunit_seed_desc(const u32 *seed, char *desc);

void run_under_raw_lock(void (*fn)(void *arg), void *arg);
void run_in_hardirq(struct kunit *test, void (*fn)(void *arg), void *arg);

/* What a walk of a header pool's whole arena found. */
struct h_walk_totals {
	size_t extents;
	size_t used_blocks;
	size_t free_blocks;
	size_t used_bytes;
	size_t free_bytes;
	size_t largest_free_block;
	bool adjacent_free;
};

void h_walk_pool(struct kunit *test, struct h_pool *pool, unsigned int batch,
		 struct h_walk_totals *t);
void expect_h_pool_consistent(struct kunit *test, struct h_pool *pool);

/* What a walk of a table pool's whole arena found. */
struct t_walk_sum {
	size_t extents;
	size_t used_blocks;
	size_t used_bytes;
	size_t free_runs;
	size_t free_bytes;
	size_t largest_free;
	size_t pinned;
	bool adjacent_free;
};

size_t t_walk_pool(struct kunit *test, struct t_pool *pool,
		   unsigned int batch, struct t_walk_sum *sum,
		   struct t_pool_extent *ext, size_t max);
void expect_t_pool_consistent(struct kunit *test, struct t_pool *pool,
			      bool settled);

#endif /* CKREMM_KUNIT_H */
