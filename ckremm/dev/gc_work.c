// SPDX-License-Identifier: GPL-2.0-only
/*
 * A collector driven in the background: a delayed work item on the
 * kernel's unbound workqueue that, every interval, runs one collection
 * cycle of a collector with ckremm_gc_step() and then its finalisers
 * with ckremm_gc_finalize(), for in-kernel users that would rather not
 * take steps themselves.  Linux only: the portable collector
 * (ckremm/gc/gc.c) knows nothing of it and is called only through its
 * exported API.
 *
 * A run of the work takes at most GC_WORK_STEPS steps of the collector's
 * &ckremm_gc_params.step_budget, each with the pool lock held once, and
 * yields the worker between them; a cycle that needs more is continued by
 * the next run, queued at once.  The finalisers run in the worker's
 * process context, with no lock held.
 *
 *	struct ckremm_gc_work *w = ckremm_gc_work_start(gc, 100);
 *
 *	if (IS_ERR(w))
 *		return PTR_ERR(w);
 *	...				allocate, drop roots; no steps
 *	ckremm_gc_work_stop(w);		before ckremm_gc_destroy(gc)
 */

#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <ckremm/ckremm_ns.h>
#include <ckremm/gc_work.h>

/* Most steps one run of the work takes before it yields the worker. */
#define GC_WORK_STEPS	256

struct ckremm_gc_work {
	struct ckremm_gc *gc;
	unsigned long interval;		/* jiffies between cycles */
	struct delayed_work dwork;
};

static void ckremm_gc_work_fn(struct work_struct *work)
{
	struct ckremm_gc_work *w = container_of(to_delayed_work(work),
						struct ckremm_gc_work, dwork);
	struct ckremm_gc_step_result res;
	unsigned int steps = 0;

	do {
		ckremm_gc_step(w->gc, 0, &res);
		/* A sweep that found the queue full waits for it. */
		if (res.finalizers_pending && res.phase == CKREMM_GC_SWEEP)
			ckremm_gc_finalize(w->gc, 0);
		cond_resched();
	} while (!res.cycle_done && ++steps < GC_WORK_STEPS);
	ckremm_gc_finalize(w->gc, 0);
	queue_delayed_work(system_unbound_wq, &w->dwork,
			   res.cycle_done ? w->interval : 0);
}

/**
 * ckremm_gc_work_start() - collect in the background
 * @gc: the collector
 * @interval_ms: milliseconds from the end of one cycle to the start of
 *	the next, 1 or more
 *
 * Queues a delayed work item on system_unbound_wq that runs a whole
 * cycle of @gc (its start, marking, sweep and compaction, in steps of
 * &ckremm_gc_params.step_budget) and the finalisers it queued, then waits
 * @interval_ms and does it again, until ckremm_gc_work_stop().  The first
 * cycle begins at once.  Each cycle costs what a cycle costs, the roots,
 * the live objects and a walk of the pool's table, whether anything was
 * allocated or not: choose @interval_ms accordingly.  The caller's own
 * steps and collections may go on meanwhile.  Stop the work before
 * ckremm_gc_destroy().
 *
 * Context: Process context; may sleep.
 * Return: the work, to be given to ckremm_gc_work_stop(); ERR_PTR(-EINVAL)
 * if @gc is NULL or @interval_ms 0, ERR_PTR(-ENOMEM).
 */
struct ckremm_gc_work *ckremm_gc_work_start(struct ckremm_gc *gc,
					    unsigned int interval_ms)
{
	struct ckremm_gc_work *w;

	might_sleep();
	if (!gc || !interval_ms)
		return ERR_PTR(-EINVAL);
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->gc = gc;
	w->interval = max(msecs_to_jiffies(interval_ms), 1UL);
	INIT_DELAYED_WORK(&w->dwork, ckremm_gc_work_fn);
	queue_delayed_work(system_unbound_wq, &w->dwork, 0);
	return w;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_work_start, CKREMM_NS);

/**
 * ckremm_gc_work_stop() - stop collecting in the background
 * @work: what ckremm_gc_work_start() returned, or NULL
 *
 * Waits for a run under way to end (its cycle may be left half done: the
 * next step of anyone continues it) and frees @work.  No run of the work
 * begins once this returns.
 *
 * Context: Process context; may sleep.
 */
void ckremm_gc_work_stop(struct ckremm_gc_work *work)
{
	might_sleep();
	if (IS_ERR_OR_NULL(work))
		return;
	cancel_delayed_work_sync(&work->dwork);
	kfree(work);
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_work_stop, CKREMM_NS);
