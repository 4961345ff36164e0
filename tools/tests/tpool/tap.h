/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tap.h - the table pool tests' TAP runner.
 *
 * Cases are listed in plain tables (struct tap_case), one table per test
 * file, gathered by main.c.  Every case runs in a child process of its own
 * with its output captured, so a crash, a sanitizer report, a leak or a
 * hang (an alarm per case) fails that one case and the run goes on.  Up to
 * TPOOL_JOBS cases (default 2) run at once; results are printed in table
 * order as
 *
 *	ok N - name
 *	not ok N - name
 *	# whatever the case printed
 *
 * and the run ends with the line "tpool: N passed, M failed".
 *
 * Inside a case, EXPECT() reports a failure and goes on, ASSERT() reports
 * and ends the case.  tap_note() prints a diagnostic line that is shown
 * whether the case passes or not.  A case that made no check at all
 * fails: it proves nothing.
 */
#ifndef TPOOL_TAP_H
#define TPOOL_TAP_H

#include <stdbool.h>
#include <stddef.h>

struct tap_case {
	const char *name;
	void (*run)(unsigned long arg);
	unsigned long arg;
	unsigned int timeout_s;		/* 0: TAP_TIMEOUT */
};

struct tap_table {
	const struct tap_case *cases;
	size_t count;
};

#define TAP_TIMEOUT	60
#define TAP_TABLE(arr)	{ (arr), sizeof(arr) / sizeof((arr)[0]) }

int tap_run(const struct tap_table *tables, size_t ntables, int argc,
	    char **argv);

void tap_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tap_fail_cond(const char *file, int line, const char *cond,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void tap_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_abort(void) __attribute__((noreturn));
bool tap_failed(void);
unsigned long tap_failures(void);
/* Counts one check made; the macros below call it. */
void tap_checked(void);

/* Evaluates to whether @cond held; reports it (with a message) if not. */
#define EXPECT(cond, ...) ({						\
	bool ok_ = !!(cond);						\
	tap_checked();							\
	if (!ok_)							\
		tap_fail_cond(__FILE__, __LINE__, #cond, " " __VA_ARGS__); \
	ok_;								\
})

#define ASSERT(cond, ...) do {						\
	if (!EXPECT(cond, __VA_ARGS__))					\
		tap_abort();						\
} while (0)

/* Integer comparison that prints both sides. */
#define EXPECT_EQ(a, b) ({						\
	long long a_ = (long long)(a);					\
	long long b_ = (long long)(b);					\
	bool ok_ = a_ == b_;						\
	tap_checked();							\
	if (!ok_)							\
		tap_fail(__FILE__, __LINE__, "%s == %s: %lld (%#llx) != %lld (%#llx)", \
			 #a, #b, a_, (unsigned long long)a_, b_,	\
			 (unsigned long long)b_);			\
	ok_;								\
})

#define ASSERT_EQ(a, b) do {						\
	if (!EXPECT_EQ(a, b))						\
		tap_abort();						\
} while (0)

#endif /* TPOOL_TAP_H */
