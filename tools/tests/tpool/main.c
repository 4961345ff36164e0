// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - the table pool test program: every case of the *_cases.c files,
 * run by tools/tests/lib/ckremm_test.c.
 *
 *   tpool_tests                 all cases, TAP, "tpool: N passed, M failed"
 *   tpool_tests --list          case names
 *   tpool_tests NAME...         cases whose name contains one of NAME
 *   tpool_tests --jobs=N        N cases at a time (or TEST_JOBS=N)
 *   tpool_tests --help          the other options
 */
#include "ckremm_test.h"

TEST_HARNESS_MAIN("tpool")
