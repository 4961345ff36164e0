// SPDX-License-Identifier: GPL-2.0-only
/*
 * store_main.c - the store pager's cases alone (store_cases.c,
 * xstore_cases.c), for the emulated boards (tools/mcu), whose port gives
 * pages back through the board's RAM bank hooks (CKREMM_BM_PAGE_HOOKS):
 * here they keep every bank powered.  On the host the cases run in the
 * paging suite (paging_cases.c).
 */
#include "ckremm_port.h"
#include "ckremm_test.h"

void ckremm_bm_purge(void *at, size_t len)
{
	(void)at;
	(void)len;
}

int ckremm_bm_commit(void *at, size_t len)
{
	(void)at;
	(void)len;
	return 0;
}

TEST_HARNESS_MAIN("store")
