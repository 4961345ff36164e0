/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Forced (-include) into ckremm/gc/gc.c alone when ckremm_bench.ko is
 * built (see Kbuild): times each hold of the pool lock that gc_step()
 * takes, and each reorder step the collector takes, by the time stamp
 * counter, for kbench.c's "gc" figure.  Only the collector's own unit is
 * wrapped, so the pools' other figures run the code as shipped.
 */
#ifndef KGC_LOCK_H
#define KGC_LOCK_H

#include "ckremm_port.h"
#include <ckremm/t_pool.h>

/* Defined in kbench.c, which includes this with KGC_DECLS_ONLY. */
extern bool kb_gc_on;
extern bool kb_gc_in_step;
extern u64 kb_gc_t0;
u64 kb_gc_ticks(void);
void kb_gc_held(u64 t0, u64 t1);

#ifndef KGC_DECLS_ONLY

static inline unsigned long kb_gc_lock(struct ckremm_lock *l, bool step)
{
	unsigned long flags = ckremm_lock(l);

	kb_gc_in_step = step && kb_gc_on;
	if (kb_gc_in_step)
		kb_gc_t0 = kb_gc_ticks();
	return flags;
}

static inline void kb_gc_unlock(struct ckremm_lock *l, unsigned long flags)
{
	if (kb_gc_in_step) {
		kb_gc_held(kb_gc_t0, kb_gc_ticks());
		kb_gc_in_step = false;
	}
	ckremm_unlock(l, flags);
}

/* The reorder step's own hold, with the call around it. */
static inline int kb_gc_reorder_step(struct t_pool *pool, size_t budget,
				     struct t_pool_reorder_result *res)
{
	u64 t0 = kb_gc_ticks();
	int ret = t_pool_reorder_step(pool, budget, res);

	if (kb_gc_on)
		kb_gc_held(t0, kb_gc_ticks());
	return ret;
}

#define ckremm_lock(l)		kb_gc_lock(l, !strcmp(__func__, "gc_step"))
#define ckremm_unlock(l, f)	kb_gc_unlock(l, f)
#define t_pool_reorder_step	kb_gc_reorder_step

#endif /* !KGC_DECLS_ONLY */
#endif /* KGC_LOCK_H */
