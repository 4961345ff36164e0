/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm paging: what paging.c (the table pool's pager and the calls) and
 * h_paging.c (the header pool's) share.
 */
#ifndef CKREMM_PAGING_INTERNAL_H
#define CKREMM_PAGING_INTERNAL_H

#include "ckremm_port.h"
#include <ckremm/paging.h>

/* Bytes a purge step gives back at most, unless told otherwise. */
#define PG_STEP_DEFAULT		0x40000U	/* 256 KiB */

/*
 * The checks both pools' pager_init make of their arguments, the pool's
 * arena given as @arena: 0, -EINVAL or -EOPNOTSUPP.  On 0, @pager is
 * cleared and holds @params with the step sizes defaulted.
 */
static inline int pg_init_args(struct ckremm_pager *pager, const void *pool,
			       const u8 *arena,
			       const struct ckremm_paging_params *params)
{
	if (!pager || !pool || !params || !params->decay_ticks ||
	    (uintptr_t)arena & (CKREMM_PAGE_SIZE - 1))
		return -EINVAL;
	if (!CKREMM_ARENA_PURGES)
		return -EOPNOTSUPP;
	memset(pager, 0, sizeof(*pager));
	pager->params = *params;
	pager->params.step_bytes &= ~(CKREMM_PAGE_SIZE - 1);
	if (!pager->params.step_bytes)
		pager->params.step_bytes = params->step_bytes ?
					   CKREMM_PAGE_SIZE : PG_STEP_DEFAULT;
	if (!pager->params.reorder_bytes)
		pager->params.reorder_bytes = PG_STEP_DEFAULT;
	return 0;
}

/* store_pager.c: a tick's work with a table pool's store. */
void ckremm_pager_tick_store(struct ckremm_pager *pager,
			     struct ckremm_paging_result *res);

/* h_paging.c, in builds with the header pool. */
#ifdef CONFIG_CKREMM_HPOOL
void ckremm_pager_tick_h(struct ckremm_pager *pager,
			 struct ckremm_paging_result *res);
void ckremm_pager_exit_h(struct ckremm_pager *pager);
#else
static inline void ckremm_pager_tick_h(struct ckremm_pager *pager,
				       struct ckremm_paging_result *res)
{
	(void)pager;
	(void)res;
}

static inline void ckremm_pager_exit_h(struct ckremm_pager *pager)
{
	(void)pager;
}
#endif

#endif /* CKREMM_PAGING_INTERNAL_H */
