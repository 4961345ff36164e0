/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checks shared by the header pool host tests: the pool's own validator
 * plus everything the public API lets a caller verify from outside
 * (statistics identities, a walk that tiles the arena, snapshots that
 * prove a refused call changed nothing), and a small seeded generator.
 */
#ifndef CKREMM_HOST_POOL_CHECK_H
#define CKREMM_HOST_POOL_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ckremm/h_pool.h>

#include "ckremm_port.h"
#include "bench_trace.h"
#include "ckremm_test.h"

#define ROUND16(x) (((x) + 15) & ~(size_t)15)

/* A pool the case cannot go on without. */
struct h_pool *pool_new(size_t size);
void pool_del(struct h_pool *pool);

void pool_stats(struct h_pool *pool, struct h_pool_stats *st);
size_t pool_arena(struct h_pool *pool, unsigned char **base);
bool in_arena(struct h_pool *pool, const void *p, size_t len);

/*
 * h_pool_validate() == 0, the statistics identities, and a walk that tiles
 * the arena and agrees with the statistics.  Reports through EXPECT_TRUE() under
 * the name `where`; returns false if anything was wrong.
 */
bool pool_consistent(struct h_pool *pool, const char *where);

/* Walk the whole arena; returns the number of extents (allocated array). */
size_t pool_walk_all(struct h_pool *pool, struct h_pool_extent **out);

/*
 * Two walks name the same extents, compared field by field (the padding
 * after .used is not part of a walk's answer).
 */
bool extents_equal(const struct h_pool_extent *a, size_t na,
		   const struct h_pool_extent *b, size_t nb);

/*
 * What a refused call must leave alone: every statistic but
 * refused_calls, every arena byte, and the warning counter (which must
 * grow).
 */
struct pool_snapshot {
	struct h_pool_stats st;
	unsigned long warnings;
	unsigned char *bytes;
	size_t size;
};

void snap_take(struct h_pool *pool, struct pool_snapshot *snap);
/*
 * @calls calls were refused as misuse since the snapshot: each counted
 * once in refused_calls and warned about; nothing else changed.
 */
bool snap_refused_n(struct h_pool *pool, struct pool_snapshot *snap,
		    unsigned long calls, const char *what);
/* The same for one call. */
bool snap_refused(struct h_pool *pool, struct pool_snapshot *snap,
		  const char *what);
/*
 * Nothing about the pool changed; refused_calls and failed_allocs may
 * change only as allowed.
 */
bool snap_same(struct h_pool *pool, struct pool_snapshot *snap,
	       const char *what, bool refused_may_grow, bool failed_may_grow);
void snap_free(struct pool_snapshot *snap);

bool stats_equal_except(const struct h_pool_stats *a,
			const struct h_pool_stats *b, bool skip_refused,
			bool skip_failed, bool skip_peak, const char *what);

/* Seeded, reproducible: the benchmarks' splitmix64. */
struct rng {
	u64 s;
};

static inline uint64_t rng_next(struct rng *r)
{
	return splitmix64_next(&r->s);
}

/* Uniform in [0, n); n > 0. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

void rng_fill(struct rng *r, void *buf, size_t len);

extern unsigned long ckremm_host_warnings;

/*
 * main() of every host test program: @cases_at_once cases at a time (0:
 * one per CPU; TEST_JOBS or --jobs override it), the summary line
 * "host: N passed, M failed".  The keyed and ThreadSanitizer builds of the
 * same cases carry a prefix.
 */
#if defined(POOL_KEYED)
#define HOST_TEST_PREFIX	"keyed: "
#elif defined(__SANITIZE_THREAD__)
#define HOST_TEST_PREFIX	"tsan_"
#else
#define HOST_TEST_PREFIX	""
#endif

#define HOST_TEST_MAIN(cases_at_once)					\
	int main(int argc, char **argv)					\
	{								\
		static const struct test_config config = {		\
			.suite = "host",				\
			.jobs = (cases_at_once),			\
			.prefix = HOST_TEST_PREFIX,			\
		};							\
		return test_main(argc, argv, &config);			\
	}

#endif /* CKREMM_HOST_POOL_CHECK_H */
