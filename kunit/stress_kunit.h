/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stress_kunit.h - what the stress rounds of ckremm_stress.ko share: the
 * pools' (kunit/stress_kunit.c), the collector's
 * (kunit/gc_stress_kunit.c) and the store pager's
 * (kunit/store_stress_kunit.c).  Defined in kunit/stress_kunit.c.
 */
#ifndef CKREMM_STRESS_KUNIT_H
#define CKREMM_STRESS_KUNIT_H

#include <kunit/test.h>
#include <linux/completion.h>

/* A thread still running this long after its round should have ended. */
#define STRESS_GRACE_S		60

void stress_park(void);
void stress_wait(struct kunit *test, struct completion *done,
		 unsigned int secs, unsigned int overtime_s, const char *who);
void stress_sum(u64 *sum, const u64 *cnt, unsigned int n);

#endif /* CKREMM_STRESS_KUNIT_H */
