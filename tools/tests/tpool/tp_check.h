/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tp_check.h - checks shared by the table pool tests: fill patterns that
 * tell every block and every byte position apart, the structural check
 * after each operation, and snapshots of what a refused call must leave
 * unchanged.
 */
#ifndef TPOOL_TP_CHECK_H
#define TPOOL_TP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ckremm/t_pool.h>

#include "ckremm_test.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Byte @k of the pattern named @tag.  Neighbouring bytes and shifted
 * copies of a pattern differ, so a block read at a wrong offset or from a
 * wrong place shows up.
 */
static inline unsigned char tp_pattern_byte(uint64_t tag, size_t k)
{
	uint64_t x = (tag ^ ((uint64_t)k << 20) ^ k) * 0x9e3779b97f4a7c15ULL;

	return (unsigned char)(x >> 56);
}

void tp_pattern_fill(void *buf, size_t len, uint64_t tag, size_t from);
/* Index of the first byte of @buf that is not the pattern, or -1. */
long tp_pattern_mismatch(const void *buf, size_t len, uint64_t tag,
			 size_t from);

/* Write the pattern over the whole block; false (reported) on error. */
bool tp_fill_block(struct t_pool *pool, uint64_t handle, uint64_t tag);
/* Read the whole block and compare with the pattern (reported). */
bool tp_block_has(struct t_pool *pool, uint64_t handle, uint64_t tag);
/* Read the whole block and compare with @expect (reported). */
bool tp_block_equals(struct t_pool *pool, uint64_t handle,
		     const void *expect, size_t len);

/* t_pool_validate() == 0, with the fault reported if not. */
bool tp_valid_at(struct t_pool *pool, const char *file, int line);
#define EXPECT_VALID(pool)	tp_valid_at((pool), __FILE__, __LINE__)
#define ASSERT_VALID(pool)	do {					\
	if (!tp_valid_at((pool), __FILE__, __LINE__))			\
		test_abort();						\
} while (0)

/* Every extent of the pool in address order; returns the count. */
unsigned int tp_walk_all(struct t_pool *pool, struct t_pool_extent *ext,
			 unsigned int max);

/* Field by field: the structure has padding. */
bool tp_same_extents(const struct t_pool_extent *a,
		     const struct t_pool_extent *b, unsigned int n);

/*
 * What a refused call must not change: the statistics (except
 * refused_calls) and the layout.
 */
struct tp_snapshot {
	struct t_pool_stats stats;
	unsigned int next;
	struct t_pool_extent ext[256];
};

void tp_snap(struct t_pool *pool, struct tp_snapshot *snap);
/* Compare with @before; expects refused_calls to have grown by @refused. */
bool tp_unchanged_at(struct t_pool *pool, const struct tp_snapshot *before,
		     size_t refused, const char *file, int line);
#define EXPECT_UNCHANGED(pool, before, refused)				\
	tp_unchanged_at((pool), (before), (refused), __FILE__, __LINE__)

/* A pool that must exist. */
struct t_pool *tp_new(size_t size, unsigned int capacity);

/* A small deterministic generator (xorshift64*), one per user. */
static inline uint64_t tp_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t tp_rand_below(uint64_t *state, uint64_t n)
{
	return n ? tp_rand(state) % n : 0;
}

#endif /* TPOOL_TP_CHECK_H */
