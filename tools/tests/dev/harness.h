/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small TAP harness for the /dev/ckremm tests: one fixture, many small
 * named cases, each run in a child process of its own so that a crash, a
 * hang or a leaked pool in one case cannot spoil the next.
 *
 *	TEST(alloc_zero_size)
 *	{
 *		__u64 off;
 *
 *		ASSERT_ERRNO(ckremm_alloc(&f->pool, 0, &off), EINVAL);
 *	}
 *
 * A case gets @f, a fixture whose device is open (f->fd) and whose
 * f->pool is a fresh unnamed header pool of FIXTURE_POOL_SIZE bytes.
 * Cases name their named pools with fixture_name(), which also arranges
 * for them to be destroyed when the case ends, however it ends.
 *
 * CHECK*() records a failure and goes on; ASSERT*() records a failure and
 * returns from the case; SKIP() ends the case as skipped.  A case that
 * ends without having made a single check (and not skipped) fails: it
 * proves nothing.
 */
#ifndef DEV_TEST_HARNESS_H
#define DEV_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common.h"
#include "libckremm.h"

#define FIXTURE_POOL_SIZE	(1U << 20)
#define FIXTURE_MAX_NAMES	32

/**
 * struct fixture - what every case starts with
 * @fd: the device, open read-write (-1 for cases that need no device)
 * @pool: an unnamed header pool of FIXTURE_POOL_SIZE bytes in @fd
 * @names: named pools this case made, destroyed after it
 * @nnames: entries in @names
 */
struct fixture {
	int fd;
	struct ckremm_pool pool;
	char names[FIXTURE_MAX_NAMES][CKREMM_NAME_LEN];
	int nnames;
};

/* Case needs no device: it runs under --host-only too. */
#define CASE_HOST	(1U << 0)
/* Case needs the device but makes its own pools: no f->pool. */
#define CASE_NO_POOL	(1U << 1)

struct test_case {
	const char *name;
	void (*fn)(struct fixture *f);
	unsigned int flags;
};

#define TEST(name) static void name(struct fixture *f __attribute__((unused)))
#define CASE(name, flags) { #name, name, flags }

/* Tables of cases, ending with a { NULL } entry. */
extern const struct test_case dev_cases[];
extern const struct test_case map_cases[];

/* Results of the running case. */
void case_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void case_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool case_failed(void);
/* Counts one check made; CHECK() calls it. */
void case_checked(void);
/* A pool name for this run: the run's prefix, then @suffix.  The case's
 * teardown destroys the pool of that name if it exists.  Returns a pointer
 * into @f, valid for the case's life. */
const char *fixture_name(struct fixture *f, const char *suffix);

/* Where a check sits, without the build's directory. */
#ifdef __FILE_NAME__
#define CASE_FILE __FILE_NAME__
#else
#define CASE_FILE __FILE__
#endif

#define CHECK(cond, ...)						\
	(case_checked(), (cond) ? true :				\
	 (case_fail(CASE_FILE, __LINE__, __VA_ARGS__), false))

#define ASSERT(cond, ...)						\
	do {								\
		if (!CHECK(cond, __VA_ARGS__))				\
			return;						\
	} while (0)

/* @expr gives 0 or -errno; expect 0. */
#define CHECK_OK(expr)							\
	({								\
		int ret_ = (expr);					\
		CHECK(ret_ == 0, "%s: got %s, want success", #expr,	\
		      errno_name(ret_));				\
	})

#define ASSERT_OK(expr)							\
	do {								\
		if (!CHECK_OK(expr))					\
			return;						\
	} while (0)

/* @expr gives 0 or -errno; expect -@err exactly. */
#define CHECK_ERRNO(expr, err)						\
	({								\
		int ret_ = (expr);					\
		CHECK(ret_ == -(err), "%s: got %s, want %s", #expr,	\
		      errno_name(ret_), errno_name(err));		\
	})

#define ASSERT_ERRNO(expr, err)						\
	do {								\
		if (!CHECK_ERRNO(expr, err))				\
			return;						\
	} while (0)

#define CHECK_EQ(a, b)							\
	({								\
		unsigned long long a_ = (a), b_ = (b);			\
		CHECK(a_ == b_, "%s == %s: %llu != %llu", #a, #b, a_, b_); \
	})

#define ASSERT_EQ(a, b)							\
	do {								\
		if (!CHECK_EQ(a, b))					\
			return;						\
	} while (0)

#define SKIP(...)							\
	do {								\
		case_skip(__VA_ARGS__);					\
		return;							\
	} while (0)

#endif /* DEV_TEST_HARNESS_H */
