// SPDX-License-Identifier: GPL-2.0-only
/*
 * harness_victim.c - cases with known outcomes, most of them failures, for
 * harness_test.c to run and read: what ckremm_test.h promises a case that
 * fails, crashes, hangs, skips or checks nothing.  Not a test of its own.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "ckremm_test.h"

TEST(passes)
{
	EXPECT_EQ(2 + 2, 4);
	EXPECT_NE(1, 2);
	EXPECT_LT(1u, 2u);
	EXPECT_LE(2, 2);
	EXPECT_GT(3L, 2L);
	EXPECT_GE(3, 3);
	EXPECT_LT(-1, 0u);		/* by value, whatever the types */
	EXPECT_GT(sizeof(int), 0);
	EXPECT_TRUE(1);
	EXPECT_FALSE(0);
	EXPECT_NULL(NULL);
	EXPECT_NONNULL("x");
	EXPECT_ERRNO(-22, 22);
	EXPECT_OK(0);
}

TEST(expect_goes_on)
{
	int x = 3;

	EXPECT_EQ(x, 4, "x is %d", x);
	TH_LOG("after the failed check");
}

/* Each check that fails says so: one line each. */
TEST(every_check_fails)
{
	int zero = 0, one = 1;

	EXPECT_EQ(zero, one);
	EXPECT_NE(one, one);
	EXPECT_LT(one, zero);
	EXPECT_LE(one, zero);
	EXPECT_GT(zero, one);
	EXPECT_GE(zero, one);
	EXPECT_GT(-one, 0u);
	EXPECT_TRUE(zero);
	EXPECT_FALSE(one);
	EXPECT_NULL(&zero);
	EXPECT_NONNULL((void *)0);
	EXPECT_ERRNO(-one, 2);
	EXPECT_OK(-one);
}

TEST(assert_ends_the_case)
{
	ASSERT_EQ(1, 2);
	TH_LOG("not reached");
}

TEST(checks_nothing)
{
}

TEST(skips)
{
	SKIP("no %s here", "device");
	TH_LOG("not reached");
}

TEST_TIMEOUT(hangs, 1)
{
	EXPECT_TRUE(1);
	for (;;)
		pause();
}

/* Only with --timeout: the default is a minute. */
TEST(hangs_by_default)
{
	EXPECT_TRUE(1);
	for (;;)
		pause();
}

TEST(crashes)
{
	EXPECT_TRUE(1);
	raise(SIGSEGV);
}

TEST(exits_badly)
{
	EXPECT_TRUE(1);
	exit(3);
}

FIXTURE(counter) {
	int value;
	bool torn_down;
};

FIXTURE_VARIANT(counter) {
	int start;
};

FIXTURE_VARIANT_ADD(counter, one) { .start = 1 };
FIXTURE_VARIANT_ADD(counter, two) { .start = 2 };

FIXTURE_SETUP(counter)
{
	ASSERT_EQ(self->value, 0);	/* self starts zeroed */
	self->value = variant->start;
	TH_LOG("setup %d, flags %u", self->value, test_current()->flags);
}

FIXTURE_TEARDOWN(counter)
{
	TH_LOG("teardown %d", self->value);
	self->torn_down = true;
}

FIXTURE_TEARDOWN_PARENT(counter)
{
	printf("# parent teardown: value %d, torn down %d\n", self->value,
	       self->torn_down);
}

TEST_F(counter, is_one)
{
	self->value *= 10;
	ASSERT_EQ(self->value, 10);
	TH_LOG("reached with %d", self->value);
}

TEST_F_FLAGS(counter, flags, 5)
{
	EXPECT_EQ(test_current()->flags, 5);
}

FIXTURE(broken) {
	int unused;
};

FIXTURE_SETUP(broken)
{
	ASSERT_TRUE(false, "setup fails");
}

FIXTURE_TEARDOWN(broken)
{
	TH_LOG("teardown after a failed setup");
}

TEST_F(broken, body)
{
	TH_LOG("body after a failed setup");
	EXPECT_TRUE(1);
}

static void even(unsigned long arg)
{
	EXPECT_EQ(arg % 2, 0);
}

TEST_CTOR(register_even)
{
	test_register("even_2", even, 2, 0);
	test_register("even_3", even, 3, 0);
}

TEST_HARNESS_MAIN("victim")
