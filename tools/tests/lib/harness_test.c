// SPDX-License-Identifier: GPL-2.0-only
/*
 * harness_test.c - ckremm_test.h checked from outside: each case runs
 * cases of harness_victim (built beside this program) and reads its TAP
 * and exit status, so that a harness that let a failure, a crash or a
 * hang pass, ran a body past an ASSERT or a failed setup, or skipped a
 * teardown, fails here.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckremm_test.h"

#define MAX_TEXTS	14

/**
 * struct victim_case - one run of harness_victim and what it must print
 * @name: the case's name here
 * @args: harness_victim's arguments (split at spaces by the shell)
 * @status: its exit status
 * @lines: lines its output must hold, whole
 * @texts: text its output must hold, anywhere
 * @absent: text its output must not hold
 */
struct victim_case {
	const char *name;
	const char *args;
	int status;
	const char *lines[MAX_TEXTS];
	const char *texts[MAX_TEXTS];
	const char *absent[3];
};

static const struct victim_case victim_cases[] = {
	{
		"passing_case_passes", "-t passes", 0,
		.lines = { "TAP version 13", "1..1", "ok 1 - passes",
			   "victim: 1 passed, 0 failed" },
	},
	{
		"failed_expect_fails_the_case_and_goes_on",
		"-t expect_goes_on", 1,
		.lines = { "not ok 1 - expect_goes_on",
			   "# harness_victim.c:35: failed: x == 4: 3 (0x3) vs 4 (0x4): x is 3",
			   "# after the failed check",
			   "victim: 0 passed, 1 failed" },
	},
	{
		"every_check_reports_its_failure", "-t every_check_fails", 1,
		.lines = { "not ok 1 - every_check_fails" },
		.texts = { ": failed: zero == one: 0 (0) vs 1 (0x1)\n",
			   ": failed: one != one: ", ": failed: one < zero: ",
			   ": failed: one <= zero: ", ": failed: zero > one: ",
			   ": failed: zero >= one: ",
			   ": failed: -one > 0u: -1 (0xffffffffffffffff) vs 0 (0)\n",
			   ": failed: zero\n",
			   ": failed: !(one)\n", ": failed: &zero == NULL\n",
			   ": failed: (void *)0 != NULL\n",
			   ": failed: -one: got -EPERM (-1), want -ENOENT\n",
			   ": failed: -one: got -EPERM (-1), want 0\n" },
	},
	{
		"assert_ends_the_case", "-t assert_ends_the_case", 1,
		.lines = { "not ok 1 - assert_ends_the_case" },
		.absent = { "not reached" },
	},
	{
		"case_without_a_check_fails", "-t checks_nothing", 1,
		.lines = { "not ok 1 - checks_nothing",
			   "# checks_nothing: the case ran without checking anything" },
	},
	{
		"skip_is_reported_and_counts_as_passed", "-t skips", 0,
		.lines = { "ok 1 - skips # SKIP no device here", "# 1 skipped",
			   "victim: 1 passed, 0 failed" },
		.absent = { "not reached" },
	},
	{
		"hang_crash_and_bad_exit_fail",
		"-t hangs -t crashes -t exits_badly", 1,
		.lines = { "not ok 1 - hangs", "# timed out after 1 s",
			   "not ok 2 - crashes",
			   "# killed by signal 11 (Segmentation fault)",
			   "not ok 3 - exits_badly",
			   "# exit status 3 (a sanitizer report?)",
			   "victim: 0 passed, 3 failed" },
	},
	{
		"timeout_option_sets_the_default",
		"--timeout=1 -t counter.one.is_one -t hangs_by_default", 1,
		.lines = { "not ok 1 - hangs_by_default", "# timed out after 1 s",
			   "ok 2 - counter.one.is_one" },
	},
	{
		/* An ASSERT in the body still runs both teardowns. */
		"fixture_runs_per_variant_with_teardowns", "-f counter", 1,
		.lines = { "ok 1 - counter.one.is_one", "# setup 1, flags 0",
			   "# reached with 10", "# teardown 10",
			   "# parent teardown: value 10, torn down 1",
			   "not ok 2 - counter.two.is_one", "# teardown 20",
			   "# parent teardown: value 20, torn down 1",
			   "ok 3 - counter.one.flags", "# setup 1, flags 5",
			   "ok 4 - counter.two.flags",
			   "victim: 3 passed, 1 failed" },
	},
	{
		"failed_setup_skips_the_body", "-f broken", 1,
		.lines = { "not ok 1 - broken.body",
			   "# teardown after a failed setup" },
		.texts = { ": failed: false: setup fails\n" },
		.absent = { "body after a failed setup" },
	},
	{
		"registered_cases_run_in_order", "even_", 1,
		.lines = { "ok 1 - even_2", "not ok 2 - even_3" },
	},
	{
		"list_by_fixture", "--list -f global", 0,
		.lines = { "even_3" },
		.texts = { "passes\nexpect_goes_on\n" },
		.absent = { "counter." },
	},
	{
		"count_by_fixture", "--count -f counter", 0,
		.lines = { "4" },
	},
	{
		"offset_numbers_on_without_plan_or_summary",
		"--offset=7 -t passes", 0,
		.lines = { "ok 8 - passes" },
		.absent = { "1..", "victim:" },
	},
	{
		"misspelt_name_is_an_error", "-t no_such_case", 2,
		.texts = { "harness_victim: no case matches 'no_such_case'\n" },
	},
	{
		"misspelt_fixture_is_an_error", "-f no_such_fixture", 2,
		.texts = { "no case matches 'no_such_fixture'\n" },
	},
};

/* Run harness_victim with @args; its output (allocated) and exit status. */
static char *run_victim(const char *args, int *status)
{
	char self[4096], cmd[4600], *out = malloc(16384);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t len = 0;
	FILE *p;

	ASSERT_NONNULL(out);
	ASSERT_GT(n, 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "TEST_JOBS=2 %s/harness_victim %s 2>&1",
		 self, args);
	p = popen(cmd, "r");
	ASSERT_NONNULL(p, "%s", cmd);
	while (len < 16383 && (n = (ssize_t)fread(out + len, 1, 16383 - len,
						    p)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	*status = pclose(p);
	ASSERT_TRUE(WIFEXITED(*status), "%s: status %#x", cmd, *status);
	*status = WEXITSTATUS(*status);
	return out;
}

/* @out holds the line @line, whole. */
static bool has_line(const char *out, const char *line)
{
	size_t len = strlen(line);
	const char *p;

	for (p = out; (p = strstr(p, line)); p++)
		if ((p == out || p[-1] == '\n') && (!p[len] || p[len] == '\n'))
			return true;
	return false;
}

static void victim_case(unsigned long i)
{
	const struct victim_case *c = &victim_cases[i];
	int status, k;
	char *out = run_victim(c->args, &status);

	EXPECT_EQ(status, c->status, "harness_victim %s", c->args);
	for (k = 0; k < MAX_TEXTS && c->lines[k]; k++)
		EXPECT_TRUE(has_line(out, c->lines[k]), "no line '%s'",
			    c->lines[k]);
	for (k = 0; k < MAX_TEXTS && c->texts[k]; k++)
		EXPECT_NONNULL(strstr(out, c->texts[k]), "no '%s'",
			       c->texts[k]);
	for (k = 0; k < 3 && c->absent[k]; k++)
		EXPECT_NULL(strstr(out, c->absent[k]), "'%s' printed",
			    c->absent[k]);
	if (test_failed())
		printf("harness_victim %s printed:\n%s", c->args, out);
	free(out);
}

TEST_CTOR(register_victim_cases)
{
	size_t i;

	for (i = 0; i < sizeof(victim_cases) / sizeof(victim_cases[0]); i++)
		test_register(victim_cases[i].name, victim_case, i, 0);
}

TEST_HARNESS_MAIN("host")
