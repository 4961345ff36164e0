// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - the table pool test program: every case table, run by tap.c.
 *
 *   tpool_tests                 all cases, TAP, "tpool: N passed, M failed"
 *   tpool_tests --list          case names
 *   tpool_tests NAME...         cases whose name contains one of NAME
 *   tpool_tests --jobs=N        N cases at a time (or TPOOL_JOBS=N)
 */
#include <stddef.h>

#include "tap.h"

extern const struct tap_case api_cases[], reorder_cases[], model_cases[],
	smp_cases[], growth_cases[], check_cases[], errno_cases[];
extern const size_t api_case_count, reorder_case_count, model_case_count,
	smp_case_count, growth_case_count, check_case_count, errno_case_count;

int main(int argc, char **argv)
{
	const struct tap_table tables[] = {
		{ api_cases, api_case_count },
		{ reorder_cases, reorder_case_count },
		{ model_cases, model_case_count },
		{ smp_cases, smp_case_count },
		{ growth_cases, growth_case_count },
		{ check_cases, check_case_count },
		{ errno_cases, errno_case_count },
	};

	return tap_run(tables, sizeof(tables) / sizeof(tables[0]), argc, argv);
}
