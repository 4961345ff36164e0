/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * board.h - what board.c keeps beside the bare-metal port's hooks, for the
 * test images (which include it first) and bench.c.
 */
#ifndef CKREMM_MCU_BOARD_H
#define CKREMM_MCU_BOARD_H

#include <stddef.h>

/*
 * The hosted port's test hooks, which the tests set and the board's
 * ckremm_bm_alloc() honours: before each allocation it calls
 * ckremm_host_nowait_hook(ckremm_host_nowait_arg) if set, then fails
 * while ckremm_host_nowait_failures is not 0, counting it down.  The
 * hosted port applies them to the allocations of growing tables only;
 * the bare-metal port makes every allocation through the one call.
 */
extern unsigned long ckremm_host_nowait_failures;
extern void (*ckremm_host_nowait_hook)(void *arg);
extern void *ckremm_host_nowait_arg;

/*
 * The bytes the pools asked ckremm_bm_alloc() for since the last reset,
 * and the largest single request among them (bench.c tells a pool's
 * arena from its other memory by it).
 */

extern size_t mcu_bm_requested, mcu_bm_largest;

static inline void mcu_bm_count_reset(void)
{
	mcu_bm_requested = 0;
	mcu_bm_largest = 0;
}

#endif /* CKREMM_MCU_BOARD_H */
