// SPDX-License-Identifier: GPL-2.0-only
/*
 * board.c - what the emulated boards give the pools' bare-metal port,
 * over picolibc and semihosting (ckremm/port/baremetal/ckremm_target.h
 * says what each must do): zeroed memory from picolibc's heap for pools
 * made without memory of their own and for the tables, a seed from the
 * host's clock, and the warnings, which the port counts, printed as TAP
 * diagnostics when built with MCU_VERBOSE.  It counts what it hands out
 * and fails when a test says so (board.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <semihost.h>

#include "ckremm_port.h"
#include "board.h"

size_t mcu_bm_requested, mcu_bm_largest;
unsigned long ckremm_host_nowait_failures;
void (*ckremm_host_nowait_hook)(void *arg);
void *ckremm_host_nowait_arg;

void *ckremm_bm_alloc(size_t size)
{
	if (ckremm_host_nowait_hook)
		ckremm_host_nowait_hook(ckremm_host_nowait_arg);
	if (ckremm_host_nowait_failures) {
		ckremm_host_nowait_failures--;
		return NULL;
	}
	mcu_bm_requested += size;
	if (size > mcu_bm_largest)
		mcu_bm_largest = size;
	return calloc(1, size);
}

void ckremm_bm_free(void *p)
{
	free(p);
}

u32 ckremm_bm_seed(void)
{
	return (u32)sys_semihost_time() * 2654435761U ^
	       (u32)sys_semihost_clock();
}

void ckremm_bm_vlog(const char *fmt, va_list ap)
{
#ifdef MCU_VERBOSE
	fputs("# ", stdout);
	vprintf(fmt, ap);
#else
	(void)fmt;
	(void)ap;
#endif
}
