/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_guard.h - memory a test hands to a pool as the caller's own
 * (h_pool_create_in(), t_pool_create_in()): a buffer at a chosen offset
 * past a 4 KiB boundary, so that its alignment is known, with guard bytes
 * on both sides that the pool must never touch.
 *
 *	struct test_guard arena;
 *
 *	test_guard_new(&arena, 4096, 16);	(16-byte aligned, no more)
 *	pool = h_pool_create_in(arena.p, arena.size, ...);
 *	...
 *	test_guard_done(&arena);	(checks the guards, frees)
 */
#ifndef CKREMM_TEST_GUARD_H
#define CKREMM_TEST_GUARD_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ckremm_test.h"

#define TEST_GUARD_BYTES	64
#define TEST_GUARD_FILL		0xa5

struct test_guard {
	unsigned char *mem;	/* what was allocated */
	unsigned char *p;	/* the buffer: @offset past a 4 KiB boundary */
	size_t size;
};

static inline void test_guard_new(struct test_guard *g, size_t size,
				  size_t offset)
{
	g->mem = aligned_alloc(4096, (4096 + offset + size + TEST_GUARD_BYTES +
				      4095) & ~(size_t)4095);
	ASSERT_NONNULL(g->mem);
	g->p = g->mem + 4096 + offset;
	g->size = size;
	memset(g->p - TEST_GUARD_BYTES, TEST_GUARD_FILL, TEST_GUARD_BYTES);
	memset(g->p + size, TEST_GUARD_FILL, TEST_GUARD_BYTES);
}

static inline bool test_guard_intact(const struct test_guard *g)
{
	size_t i;

	for (i = 1; i <= TEST_GUARD_BYTES; i++)
		if (g->p[-(long)i] != TEST_GUARD_FILL ||
		    g->p[g->size + i - 1] != TEST_GUARD_FILL)
			return false;
	return true;
}

static inline void test_guard_free(struct test_guard *g)
{
	free(g->mem);
	g->mem = NULL;
}

/* The guards are as they were; then free the buffer. */
static inline void test_guard_done(struct test_guard *g)
{
	EXPECT_TRUE(test_guard_intact(g), "bytes around the buffer changed");
	test_guard_free(g);
}

#endif /* CKREMM_TEST_GUARD_H */
