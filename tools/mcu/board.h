/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * board.h - what board.c keeps beside the bare-metal port's hooks: the
 * bytes the pools asked ckremm_bm_alloc() for since the last reset, and
 * the largest single request among them (bench.c tells a pool's arena
 * from its other memory by it).
 */
#ifndef CKREMM_MCU_BOARD_H
#define CKREMM_MCU_BOARD_H

#include <stddef.h>

extern size_t mcu_bm_requested, mcu_bm_largest;

static inline void mcu_bm_count_reset(void)
{
	mcu_bm_requested = 0;
	mcu_bm_largest = 0;
}

#endif /* CKREMM_MCU_BOARD_H */
