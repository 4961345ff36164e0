/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small test harness for the ckremm host tests.
 *
 * A test program registers named cases (TEST() for a plain case,
 * test_add() for a case with a parameter, such as a seed) and calls
 * test_main().  Each case runs in a child process of its own, so a crash,
 * a sanitizer report or a hang (per-case alarm) fails that case alone and
 * the run goes on.  Whatever the child prints is shown after the result
 * line as TAP diagnostics ("# ...").  Up to HOST_JOBS (default: the number
 * of CPUs) cases run at once; results are printed in registration order.
 *
 *   prog              TAP with a plan, then "N passed, M failed"
 *   prog --count      the number of cases, nothing else
 *   prog --offset=K   TAP lines only, numbered from K+1 (for run-tests.sh)
 *   prog NAME...      only the cases whose name contains one of NAME
 *
 * Inside a case, CHECK() reports a failure and carries on; REQUIRE() reports
 * and ends the case at once.  A case passes when it made at least one
 * check and ended without a reported failure, a signal, a sanitizer report
 * or a leak: a case that checks nothing proves nothing, and fails.
 */
#ifndef CKREMM_HOST_HARNESS_H
#define CKREMM_HOST_HARNESS_H

#include <stdbool.h>
#include <stdio.h>

typedef void (*test_fn)(unsigned long arg);

void test_add(const char *name, test_fn fn, unsigned long arg,
	      unsigned int timeout_s);
int test_main(int argc, char **argv);

void test_fail_at(const char *file, int line, const char *what,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void test_abort(void) __attribute__((noreturn));
void test_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool test_failed(void);
/* Counts one check made; the macros below call it. */
void test_checked(void);

#define TEST_TIMEOUT_DEFAULT 60

#define TEST(name)							\
	static void name(unsigned long arg);				\
	__attribute__((constructor)) static void register_##name(void)	\
	{								\
		test_add(#name, name, 0, TEST_TIMEOUT_DEFAULT);		\
	}								\
	static void name(unsigned long arg __attribute__((unused)))

/* Report a failure and go on; evaluates to the truth of cond. */
#define CHECK(cond, ...) ({						\
	bool __ok = !!(cond);						\
	test_checked();							\
	if (!__ok)							\
		test_fail_at(__FILE__, __LINE__, #cond, " " __VA_ARGS__); \
	__ok;								\
})

/* Report a failure and end the case. */
#define REQUIRE(cond, ...) do {						\
	test_checked();							\
	if (!(cond)) {							\
		test_fail_at(__FILE__, __LINE__, #cond, " " __VA_ARGS__); \
		test_abort();						\
	}								\
} while (0)

#define CHECK_EQ(a, b) ({						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	bool __ok = __a == __b;						\
	test_checked();							\
	if (!__ok)							\
		test_fail_at(__FILE__, __LINE__, #a " == " #b,		\
			     " %lld != %lld", __a, __b);		\
	__ok;								\
})

#endif /* CKREMM_HOST_HARNESS_H */
