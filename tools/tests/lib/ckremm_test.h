/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckremm_test.h - the one vocabulary of ckremm's userspace tests, after the
 * kernel's tools/testing/selftests/kselftest_harness.h.
 *
 *	TEST(alloc_zero_is_refused)
 *	{
 *		ASSERT_NONNULL(pool = pool_new(4096));
 *		EXPECT_NULL(h_pool_alloc(pool, 0));
 *	}
 *
 *	FIXTURE(pool) { struct t_pool *pool; };
 *	FIXTURE_VARIANT(pool) { size_t size; };
 *	FIXTURE_VARIANT_ADD(pool, small) { .size = 4096 };
 *	FIXTURE_VARIANT_ADD(pool, large) { .size = 1 << 20 };
 *	FIXTURE_SETUP(pool) { ASSERT_NONNULL(self->pool = create_t_pool(variant->size)); }
 *	FIXTURE_TEARDOWN(pool) { destroy_t_pool(self->pool); }
 *	TEST_F(pool, fills_up) { ... self->pool ... }	("pool.small.fills_up", ...)
 *
 *	TEST_HARNESS_MAIN("tpool")
 *
 * Every case runs in a child process of its own, with its output captured,
 * so that a crash, a sanitizer or leak report or a hang (an alarm per case,
 * TEST_TIMEOUT() to change it) fails that case alone and the run goes on.
 * (Built with CKREMM_TEST_NOFORK, for a board with no processes, they run
 * one after another in one process instead: see ckremm_test.c.)
 * Up to --jobs cases run at once; results are printed in the order the
 * cases were defined, as TAP:
 *
 *	TAP version 13
 *	1..N
 *	ok 1 - name
 *	not ok 2 - name
 *	# what the case printed, then why it failed
 *	ok 3 - name # SKIP why
 *	suite: N passed, M failed		(skipped cases count as passed)
 *
 * Inside a case, EXPECT_*() reports a failure and goes on (it evaluates to
 * whether the check held); ASSERT_*() reports it and ends the case, running
 * the fixture's teardown when it is called from the case's own thread.
 * Every check takes an optional printf-style message after its operands.
 * SKIP() ends the case as skipped.  A case whose body makes no check at all
 * and does not skip fails: it proves nothing.
 *
 * Cases generated from a table at start-up (sizes, seeds) are registered
 * with test_register() from a constructor, the way KUnit's parameter arrays
 * are.  Plain TESTs belong to the fixture "global" for -f.
 *
 * Command line of every test program (test_main()):
 *	NAME...		only the cases whose name contains one of NAME
 *	-t NAME		only the case named NAME exactly (repeatable)
 *	-f FIXTURE	only the cases of FIXTURE (repeatable)
 *	-l, --list	print the selected names and exit
 *	--count		print how many cases are selected and exit
 *	--offset=K	TAP lines only, numbered from K+1, no plan and no
 *			summary (a script joins several programs' runs)
 *	--jobs=N	cases at a time (or TEST_JOBS=N; default: the program's)
 *	--timeout=SEC	seconds a case may take unless it says otherwise
 *	--times		print how long each case took (or TEST_TIMES=1)
 * A NAME, -t or -f that selects nothing is an error (exit status 2), so a
 * misspelt name does not pass as a run of nothing.
 */
#ifndef CKREMM_TEST_H
#define CKREMM_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TEST_TIMEOUT_DEFAULT	60

/* ---- definitions (the harness's own; use the macros below) ----------- */

struct test_variant {
	const char *name;
	const void *data;
	struct test_variant *next;
};

struct test_fixture {
	const char *name;
	void (*setup)(void *self, const void *variant);
	void (*teardown)(void *self, const void *variant);
	void (*teardown_parent)(void *self, const void *variant);
	struct test_variant *variants;
};

/**
 * struct test_def - one defined case, or one per variant of its fixture
 * @name: the case's name (a fixture's name and a variant's come before it)
 * @fixture: NULL for a plain TEST
 * @fixture_size: bytes of the fixture's data (self)
 * @run: the body
 * @param_fn: for test_register(): the function @run calls with @arg
 * @arg: see @param_fn
 * @timeout_s: seconds; 0 for the program's default
 * @flags: the fixture's to interpret (test_current()->flags in its setup)
 */
struct test_def {
	const char *name;
	struct test_fixture *fixture;
	size_t fixture_size;
	void (*run)(const struct test_def *def, void *self,
		    const void *variant);
	void (*param_fn)(unsigned long arg);
	unsigned long arg;
	unsigned int timeout_s;
	unsigned int flags;
};

void test_define(struct test_def *def);
void test_add_variant(struct test_fixture *fixture,
		      struct test_variant *variant);

#define TEST_CTOR(id)	__attribute__((constructor)) static void id(void)
#define TEST_UNUSED	__attribute__((unused))

/* ---- plain cases ----------------------------------------------------- */

#define TEST(tn)			__TEST_IMPL(tn, 0, 0)
#define TEST_TIMEOUT(tn, seconds)	__TEST_IMPL(tn, seconds, 0)

#define __TEST_IMPL(tn, seconds, fl)					\
	static void tn(void);						\
	static void _test_run_##tn(const struct test_def *d TEST_UNUSED, \
				     void *s TEST_UNUSED,		\
				     const void *v TEST_UNUSED)		\
	{								\
		tn();							\
	}								\
	static struct test_def _test_def_##tn = {			\
		.name = #tn, .run = _test_run_##tn,			\
		.timeout_s = (seconds), .flags = (fl),			\
	};								\
	TEST_CTOR(_test_define_##tn) { test_define(&_test_def_##tn); } \
	static void tn(void)

/*
 * A case made at start-up: @fn(@arg) under @name (copied), @timeout_s
 * seconds (0: the default).  Call it from a constructor; cases run in the
 * order they were defined or registered.
 */
void test_register(const char *name, void (*fn)(unsigned long arg),
		   unsigned long arg, unsigned int timeout_s);

/* ---- fixtures -------------------------------------------------------- */

#define FIXTURE_DATA(f)		struct _test_data_##f
#define FIXTURE_VARIANT(f)	struct _test_variant_##f

/* FIXTURE(f) { members };  the data every case of @f gets as self. */
#define FIXTURE(f)							\
	FIXTURE_VARIANT(f);						\
	static struct test_fixture _test_fixture_##f = { .name = #f };	\
	FIXTURE_DATA(f)

#define __FIXTURE_HOOK(f, hook)						\
	static void f##_##hook(FIXTURE_DATA(f) *self,			\
			       const FIXTURE_VARIANT(f) *variant);	\
	static void _test_##hook##_##f(void *s, const void *v)		\
	{								\
		f##_##hook(s, v);					\
	}								\
	TEST_CTOR(_test_set_##hook##_##f)				\
	{								\
		_test_fixture_##f.hook = _test_##hook##_##f;		\
	}								\
	static void f##_##hook(FIXTURE_DATA(f) *self TEST_UNUSED,	\
			       const FIXTURE_VARIANT(f) *variant TEST_UNUSED)

/* Runs in the case's process before the body; a failure skips the body. */
#define FIXTURE_SETUP(f)		__FIXTURE_HOOK(f, setup)
/* Runs in the case's process after the body, however the body ended. */
#define FIXTURE_TEARDOWN(f)		__FIXTURE_HOOK(f, teardown)
/*
 * Runs in the runner after the case's process is gone, however it ended
 * (crash and timeout included), with what self held last: to clean up
 * what a dead case cannot.
 */
#define FIXTURE_TEARDOWN_PARENT(f)	__FIXTURE_HOOK(f, teardown_parent)

/*
 * FIXTURE_VARIANT(f) { fields };  then FIXTURE_VARIANT_ADD(f, v) { .field =
 * ... };  for each variant: every TEST_F of @f runs once per variant, as
 * "f.v.name", with variant pointing at the fields.  Without variants a
 * TEST_F runs once, as "f.name", with variant NULL.
 */
#define FIXTURE_VARIANT_ADD(f, v)					\
	static const FIXTURE_VARIANT(f) _test_variant_##f##_##v;	\
	static struct test_variant _test_vmeta_##f##_##v = {		\
		.name = #v, .data = &_test_variant_##f##_##v,		\
	};								\
	TEST_CTOR(_test_add_variant_##f##_##v)				\
	{								\
		test_add_variant(&_test_fixture_##f,			\
				 &_test_vmeta_##f##_##v);		\
	}								\
	static const FIXTURE_VARIANT(f) _test_variant_##f##_##v =

#define TEST_F(f, tn)				__TEST_F_IMPL(f, tn, 0, 0)
#define TEST_F_TIMEOUT(f, tn, seconds)	__TEST_F_IMPL(f, tn, seconds, 0)
/* @fl: bits the fixture's setup reads from test_current()->flags. */
#define TEST_F_FLAGS(f, tn, fl)		__TEST_F_IMPL(f, tn, 0, fl)

#define __TEST_F_IMPL(f, tn, seconds, fl)				\
	static void f##_##tn(FIXTURE_DATA(f) *self,			\
			       const FIXTURE_VARIANT(f) *variant);	\
	static void _test_run_##f##_##tn(const struct test_def *d TEST_UNUSED, \
					   void *s, const void *v)	\
	{								\
		f##_##tn(s, v);					\
	}								\
	static struct test_def _test_def_##f##_##tn = {		\
		.name = #tn, .fixture = &_test_fixture_##f,		\
		.fixture_size = sizeof(FIXTURE_DATA(f)),		\
		.run = _test_run_##f##_##tn,				\
		.timeout_s = (seconds), .flags = (fl),			\
	};								\
	TEST_CTOR(_test_define_##f##_##tn)				\
	{								\
		test_define(&_test_def_##f##_##tn);			\
	}								\
	static void f##_##tn(FIXTURE_DATA(f) *self TEST_UNUSED,	\
			       const FIXTURE_VARIANT(f) *variant TEST_UNUSED)

/* ---- the program ----------------------------------------------------- */

/**
 * struct test_config - what a test program's run looks like by default
 * @suite: the summary line's label, "<suite>: N passed, M failed"
 * @jobs: cases at a time; 0 for the number of CPUs
 * @timeout_s: seconds per case that does not say; 0 for
 *	TEST_TIMEOUT_DEFAULT
 * @prefix: put before every case's name (a second build of the same cases)
 * @started: if set, called once after the plan, before the first case (to
 *	say what the run runs against, as "# " lines)
 */
struct test_config {
	const char *suite;
	unsigned int jobs;
	unsigned int timeout_s;
	const char *prefix;
	void (*started)(void);
};

/* Runs the selected cases; 0 if every one passed or skipped, 1 if not,
 * 2 on a usage or system error. */
int test_main(int argc, char **argv, const struct test_config *config);

#define TEST_HARNESS_MAIN(suite_name)					\
	int main(int argc, char **argv)					\
	{								\
		static const struct test_config config = {		\
			.suite = (suite_name),				\
		};							\
		return test_main(argc, argv, &config);			\
	}

/* ---- inside a case --------------------------------------------------- */

/* The case running in this process: its name and flags. */
struct test_current {
	const char *name;
	unsigned int flags;
};
const struct test_current *test_current(void);

/* One line of diagnostics, shown after the result whether it passed or not. */
void test_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define TH_LOG(...)	test_log(__VA_ARGS__)

/* A failure at @file:@line (@line 0: @file names the place), described
 * by a printf format. */
void test_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Whether the case has failed so far (from any thread). */
bool test_failed(void);
/* End the case now, as failed if it has failed. */
void test_abort(void) __attribute__((noreturn));
/* End the case now, as skipped for the reason given. */
void test_skip(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
/* Counts one check made; the check macros call it. */
void test_checked(void);
/* -1, 0 or 1 as @a is below, equal to or above @b, by value. */
int test_order(long long a, bool a_signed, long long b, bool b_signed);
/* "EINVAL" for EINVAL or -EINVAL, "0" for 0. */
const char *test_errno_name(int err);

/* The checks' reports; @fmt is " " and the caller's message, if any. */
void test_fail_cond(const char *file, int line, const char *what,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void test_fail_cmp(const char *file, int line, const char *a, const char *op,
		   const char *b, long long va, long long vb, const char *fmt,
		   ...) __attribute__((format(printf, 8, 9)));
void test_fail_errno(const char *file, int line, const char *expr, int got,
		     int want, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#ifdef __FILE_NAME__
#define TEST_FILE	__FILE_NAME__
#else
#define TEST_FILE	__FILE__
#endif

#define SKIP(...)	test_skip(__VA_ARGS__)

/*
 * Every check evaluates to whether it held and reports it, with its source
 * text as written (macro names unexpanded) and the message, if not.  The
 * EXPECT_ and ASSERT_ forms stringify their operands themselves, so that
 * neither shows macros expanded.
 */
#define __EXPECT_COND(what, cond, ...) ({				\
	bool ok_ = (cond);						\
	test_checked();							\
	if (!ok_)							\
		test_fail_cond(TEST_FILE, __LINE__, what, " " __VA_ARGS__); \
	ok_;								\
})

/*
 * Equality compares the bits of both sides as 64-bit integers, whatever
 * their types (pointers included); order compares integers by their
 * values, whatever their types: -1 is less than 0u.
 */
#define __EXPECT_CMP(sa, op, sb, held, va, vb, ...) ({		\
	bool ok_ = (held);						\
	test_checked();							\
	if (!ok_)							\
		test_fail_cmp(TEST_FILE, __LINE__, sa, #op, sb,		\
			      (long long)(va), (long long)(vb),		\
			      " " __VA_ARGS__);				\
	ok_;								\
})
#define __EXPECT_EQ(sa, a, op, sb, b, ...) ({				\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	__EXPECT_CMP(sa, op, sb, a_ op b_, a_, b_, __VA_ARGS__);	\
})
#define __IS_SIGNED(x)	((__typeof__(x))-1 < (__typeof__(x))1)
#define __EXPECT_ORDER(sa, a, op, sb, b, ...) ({			\
	__auto_type a_ = (a);						\
	__auto_type b_ = (b);						\
	int order_ = test_order((long long)a_, __IS_SIGNED(a_),	\
				(long long)b_, __IS_SIGNED(b_));	\
	__EXPECT_CMP(sa, op, sb, order_ op 0, a_, b_, __VA_ARGS__);	\
})

/* @expr gives 0 or a negative errno: expect -@err (or 0). */
#define __EXPECT_ERRNO(what, expr, err, ...) ({				\
	int got_ = (expr), want_ = -(err);				\
	bool ok_ = got_ == want_;					\
	test_checked();							\
	if (!ok_)							\
		test_fail_errno(TEST_FILE, __LINE__, what, got_, want_,	\
				" " __VA_ARGS__);			\
	ok_;								\
})

#define EXPECT_TRUE(c, ...)	__EXPECT_COND(#c, !!(c), __VA_ARGS__)
#define EXPECT_FALSE(c, ...)	__EXPECT_COND("!(" #c ")", !(c), __VA_ARGS__)
#define EXPECT_NULL(p, ...)	__EXPECT_COND(#p " == NULL", (p) == NULL, __VA_ARGS__)
#define EXPECT_NONNULL(p, ...)	__EXPECT_COND(#p " != NULL", (p) != NULL, __VA_ARGS__)
#define EXPECT_EQ(a, b, ...)	__EXPECT_EQ(#a, a, ==, #b, b, __VA_ARGS__)
#define EXPECT_NE(a, b, ...)	__EXPECT_EQ(#a, a, !=, #b, b, __VA_ARGS__)
#define EXPECT_LT(a, b, ...)	__EXPECT_ORDER(#a, a, <, #b, b, __VA_ARGS__)
#define EXPECT_LE(a, b, ...)	__EXPECT_ORDER(#a, a, <=, #b, b, __VA_ARGS__)
#define EXPECT_GT(a, b, ...)	__EXPECT_ORDER(#a, a, >, #b, b, __VA_ARGS__)
#define EXPECT_GE(a, b, ...)	__EXPECT_ORDER(#a, a, >=, #b, b, __VA_ARGS__)
#define EXPECT_ERRNO(e, err, ...) __EXPECT_ERRNO(#e, e, err, __VA_ARGS__)
#define EXPECT_OK(e, ...)	__EXPECT_ERRNO(#e, e, 0, __VA_ARGS__)

#define __ASSERT(check) do {						\
	if (!(check))							\
		test_abort();						\
} while (0)
#define ASSERT_TRUE(c, ...)	__ASSERT(__EXPECT_COND(#c, !!(c), __VA_ARGS__))
#define ASSERT_FALSE(c, ...) \
	__ASSERT(__EXPECT_COND("!(" #c ")", !(c), __VA_ARGS__))
#define ASSERT_NULL(p, ...) \
	__ASSERT(__EXPECT_COND(#p " == NULL", (p) == NULL, __VA_ARGS__))
#define ASSERT_NONNULL(p, ...) \
	__ASSERT(__EXPECT_COND(#p " != NULL", (p) != NULL, __VA_ARGS__))
#define ASSERT_EQ(a, b, ...)	__ASSERT(__EXPECT_EQ(#a, a, ==, #b, b, __VA_ARGS__))
#define ASSERT_NE(a, b, ...)	__ASSERT(__EXPECT_EQ(#a, a, !=, #b, b, __VA_ARGS__))
#define ASSERT_LT(a, b, ...)	__ASSERT(__EXPECT_ORDER(#a, a, <, #b, b, __VA_ARGS__))
#define ASSERT_LE(a, b, ...)	__ASSERT(__EXPECT_ORDER(#a, a, <=, #b, b, __VA_ARGS__))
#define ASSERT_GT(a, b, ...)	__ASSERT(__EXPECT_ORDER(#a, a, >, #b, b, __VA_ARGS__))
#define ASSERT_GE(a, b, ...)	__ASSERT(__EXPECT_ORDER(#a, a, >=, #b, b, __VA_ARGS__))
#define ASSERT_ERRNO(e, err, ...) \
	__ASSERT(__EXPECT_ERRNO(#e, e, err, __VA_ARGS__))
#define ASSERT_OK(e, ...)	__ASSERT(__EXPECT_ERRNO(#e, e, 0, __VA_ARGS__))

#endif /* CKREMM_TEST_H */
