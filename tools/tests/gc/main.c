// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - the collector's host tests (ckremm/gc), run by
 * tools/tests/lib/ckremm_test.c:
 *
 *   rand_cases.c     randomized mutators against the reference collector
 *                    (ckremm/model/gc_model.h), through gc_mutator.c
 *   target_cases.c   one promise each: forged and stale handles, pinned
 *                    writes while marking, holds alone, the scope's and the
 *                    pin set's bounds, -ENOMEM after a bounded step, paced
 *                    cycles, large objects over several steps, the grey
 *                    stack's overflow, finalisers, refused creates and
 *                    destroys, the figures
 *   smp_cases.c      mutators on several threads and a collector thread;
 *                    also run from gc_tests_tsan, a ThreadSanitizer build
 *
 * Every build that links the collector defines CONFIG_CKREMM_GC=1, as
 * the pool's table nodes carry the collector's word only then.
 *
 *   gc_tests                 all cases, TAP, "gc: N passed, M failed"
 *   gc_tests --list          case names
 *   gc_tests NAME...         cases whose name contains one of NAME
 *   GC_SEED=N gc_tests rand.paced.seed_1    that run with seed N
 *   gc_tests --help          the other options
 */
#include "ckremm_test.h"

TEST_HARNESS_MAIN("gc")
