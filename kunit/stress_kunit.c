// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit stress of both ckremm pools on every online CPU at once, from
 * threads and from hard interrupts, with a table pool that keeps being
 * compacted under its users.  A module of its own, ckremm_stress.ko, since
 * a round runs for seconds: the unit suites stay in ckremm_kunit.ko.
 *
 * One header pool and one table pool are shared by:
 *
 *   a worker thread bound to each online CPU, which allocates blocks of
 *     sizes from 1 byte to 4 KiB (log-uniform, some at larger alignments),
 *     fills each with a pattern derived from the block (its arena offset
 *     or handle) and a per-operation counter, keeps up to STRESS_HOLD
 *     blocks of each pool for a while, checks them again and again and
 *     frees them; table pool blocks are also pinned, held pinned across
 *     reorders (checked in place, written through their address, refused
 *     to free) and unpinned;
 *   an hrtimer per CPU in HRTIMER_MODE_REL_PINNED_HARD, whose callback
 *     does the same on both pools from hard interrupt context (without
 *     pins: an interrupt cannot hold one across a reorder of its own);
 *   a compactor thread, not bound, which runs whole and stepped reorder
 *     passes of the table pool with varying step sizes, reorder_h_mem()
 *     on the header pool, and both pools' validate calls;
 *   in builds with the paging module, a pager of the table pool: its work
 *     item ticking every millisecond (purges and commits ahead, each of
 *     which moves the arena), and a pager thread that acts as memory
 *     pressure, calling what the work's shrinker calls, and commits ahead
 *     at once.  A move needs every pin dropped: the pager thread asks for
 *     quiet for a moment, and the worker threads drop their pins and take
 *     none meanwhile, going on with everything else.
 *
 * A table pool block that is not pinned is checked by handle, wherever a
 * reorder has moved it meanwhile; a pinned one must stay at the offset
 * and address it was pinned at.  Every byte checked is counted.
 *
 * Each round is one parameter of the case, so that a long run is split
 * into rounds that each stay well inside KUnit's timeout of a case.  The
 * module parameters choose the round length, the number of rounds, the
 * timer period and the arena size.  A round passes when no byte and no
 * call result was wrong, every worker thread, timer and the compactor did
 * at least a floor count of work (see STRESS_MIN_THREAD below),
 * the table pool moved blocks under their holders, and at the end both
 * pools validate, hold no block and have refused no call but the frees of
 * pinned blocks made on purpose.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>

#include <ckremm/ckremm_ns.h>
#include <ckremm/h_pool.h>
#include <ckremm/pager_work.h>
#include <ckremm/t_pool.h>

#include "stress_kunit.h"

static unsigned int seconds = 10;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "length of one stress round in seconds, 1..200 (default 10)");

static unsigned int rounds = 1;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "stress rounds, one KUnit case parameter each (default 1)");

static unsigned int irq_period_us = 1000;
module_param(irq_period_us, uint, 0444);
MODULE_PARM_DESC(irq_period_us, "period of each CPU's interrupt-context stressor in us (default 1000)");

static unsigned int pool_kib = 512;
module_param(pool_kib, uint, 0444);
MODULE_PARM_DESC(pool_kib, "arena size of each pool in KiB, 64..65536 (default 512)");

/* Blocks each actor keeps per pool. */
#define STRESS_HOLD		8
/* Largest block a thread and an interrupt ask for. */
#define STRESS_THREAD_MAX	4096
#define STRESS_IRQ_MAX		256
/*
 * The least each actor does in a round: a round lasts its seconds and
 * then goes on until every worker thread has made STRESS_MIN_THREAD
 * allocations and its CPU's timer STRESS_MIN_IRQ, and the compactor has
 * ended STRESS_MIN_REORDER passes, but STRESS_OVERTIME_S more seconds at
 * most.  Emulated CPUs on a busy host are slow by orders of magnitude
 * and by the minute; counts, unlike rates, can be asked of them.
 */
#define STRESS_MIN_THREAD	200
#define STRESS_MIN_IRQ		20
#define STRESS_MIN_REORDER	20
#define STRESS_OVERTIME_S	120
/* Mismatches printed in full per round; the rest are only counted. */
#define STRESS_REPORT_MAX	8

enum stress_counter {
	SC_H_ALLOC,		/* header pool blocks allocated */
	SC_T_ALLOC,		/* table pool blocks allocated */
	SC_NOSPACE,		/* allocations that found no room */
	SC_PIN,			/* pins taken */
	SC_PIN_CHECK,		/* pinned blocks found unmoved */
	SC_PINNED_FREE,		/* frees of pinned blocks, refused as they must be */
	SC_MOVED,		/* unpinned blocks found moved by handle */
	SC_REORDER,		/* whole or stepped passes ended */
	SC_REORDER_STEP,	/* t_pool_reorder_step() calls */
	SC_H_REORDER,		/* reorder_h_mem() calls */
	SC_VALIDATE,		/* validate calls that found the pool sound */
	SC_VALIDATE_BUSY,	/* validate calls that gave up on a busy pool */
	SC_BYTES_MOVED,		/* bytes moved by this module's reorder calls */
	SC_BYTES,		/* bytes of blocks checked against their pattern */
	SC_MISMATCH,		/* bytes or places found wrong */
	SC_API,			/* calls that returned what they must not */
	SC_QUIET,		/* pager: moments of quiet asked for */
	SC_SHRUNK,		/* pager: bytes its shrink calls gave back */
	SC_COMMITTED,		/* pager: bytes it committed ahead */
	SC_NR
};

struct stress_run;

/* A header pool block an actor holds. */
struct stress_hblock {
	u8 *ptr;		/* NULL: the slot is empty */
	size_t size;
	u32 tag;
};

/* A table pool block an actor holds. */
struct stress_tblock {
	u64 handle;		/* T_POOL_NO_HANDLE: the slot is empty */
	size_t size;
	size_t off;		/* where it was last seen */
	u8 *pin;		/* its address while pinned, else NULL */
	u32 tag;
};

/*
 * One source of operations: a worker thread, or a CPU's timer callback.
 * Everything here is touched by that actor only, until the round ends.
 */
struct stress_actor {
	struct stress_run *run;
	const char *name;
	bool in_irq;
	size_t max_size;
	struct rnd_state rnd;
	u32 seq;
	u64 cnt[SC_NR];
	atomic_t allocs;	/* of both pools, read by the worker thread */
	struct stress_hblock h[STRESS_HOLD];
	struct stress_tblock t[STRESS_HOLD];
	u8 buf[STRESS_THREAD_MAX];
};

struct stress_worker {
	struct stress_actor thread;
	struct stress_actor irq;
	struct hrtimer timer;
	ktime_t period;
	struct task_struct *task;
	struct completion done;
};

struct stress_run {
	struct h_pool *hp;
	struct t_pool *tp;
	u8 *h_arena;
	size_t h_arena_size;
	size_t t_arena_size;
	unsigned long end;	/* jiffies at which the round may end */
	unsigned long last;	/* jiffies at which it ends regardless */
	atomic_t reports;	/* mismatches printed so far */
	struct stress_actor compactor;
	struct completion compactor_done;
	struct task_struct *compactor_task;
	struct ckremm_pager_work *pager_work;
	atomic_t quiet;		/* the pager asks the threads to drop pins */
	struct stress_actor pager;
	struct completion pager_done;
	struct task_struct *pager_task;
};

static bool stress_over(const struct stress_run *run)
{
	return time_after_eq(jiffies, run->end);
}

/* The round is over for an actor that has done (@quota) its least. */
static bool stress_done(const struct stress_run *run, bool quota)
{
	return time_after_eq(jiffies, run->last) ||
	       (stress_over(run) && quota);
}

static u32 stress_rand(struct stress_actor *a, u32 n)
{
	return prandom_u32_state(&a->rnd) % n;
}

/* A size from 1 to @max, log-uniform, so that small blocks dominate. */
static size_t stress_size(struct stress_actor *a, size_t max)
{
	unsigned int bits = stress_rand(a, ilog2(max)) + 1;

	return 1 + stress_rand(a, 1U << bits);
}

/* The tag of a block's contents: where it lives, and which operation. */
static u32 stress_tag(struct stress_actor *a, u64 where)
{
	return (u32)(where ^ (where >> 32)) * 0x9e3779b1U ^ ++a->seq;
}

static u8 stress_byte(u32 tag, size_t i)
{
	u32 x = tag + (u32)i * 0x85ebca6bU;

	return (u8)(x ^ (x >> 11) ^ (x >> 24));
}

static void stress_fill(u8 *p, size_t len, u32 tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = stress_byte(tag, i);
}

static void stress_report(struct stress_actor *a, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (atomic_inc_return(&a->run->reports) > STRESS_REPORT_MAX)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("ckremm_stress: %s: %pV\n", a->name, &vaf);
	va_end(args);
}

/* Count a call result that must not happen. */
static void stress_api(struct stress_actor *a, const char *call, long ret)
{
	a->cnt[SC_API]++;
	stress_report(a, "%s returned %ld", call, ret);
}

/* Check @len bytes at @p against the pattern of @tag. */
static void stress_check(struct stress_actor *a, const u8 *p, size_t len,
			 u32 tag, const char *what)
{
	size_t i;

	a->cnt[SC_BYTES] += len;
	for (i = 0; i < len; i++) {
		if (p[i] != stress_byte(tag, i)) {
			a->cnt[SC_MISMATCH]++;
			stress_report(a, "%s: byte %zu of %zu is %#x, not %#x",
				      what, i, len, p[i], stress_byte(tag, i));
			return;
		}
	}
}

/* A read through @call into a->buf returned @ret; @len bytes of @tag. */
static void stress_check_read(struct stress_actor *a, const char *call,
			      int ret, size_t len, u32 tag)
{
	if (ret)
		stress_api(a, call, ret);
	else
		stress_check(a, a->buf, len, tag, call);
}

/* ---- header pool ---------------------------------------------------- */

static void stress_h_verify(struct stress_actor *a, struct stress_hblock *b)
{
	struct stress_run *run = a->run;
	size_t len;

	if (h_pool_usable_size(run->hp, b->ptr) < b->size)
		stress_api(a, "h_pool_usable_size", 0);
	if (stress_rand(a, 4)) {
		stress_check(a, b->ptr, b->size, b->tag, "h_pool block");
		return;
	}
	/* Through the pool's own copy, a part at most a buffer long. */
	len = min(b->size, a->max_size);
	stress_check_read(a, "h_pool_read",
			  h_pool_read(run->hp, b->ptr, 0, a->buf, len), len,
			  b->tag);
}

static void stress_h_alloc(struct stress_actor *a, struct stress_hblock *b)
{
	struct stress_run *run = a->run;
	size_t size = stress_size(a, a->max_size);
	size_t align = 0;
	u8 *p;

	if (!stress_rand(a, 8)) {
		align = 32UL << stress_rand(a, 8);
		if (align > PAGE_SIZE)
			align = PAGE_SIZE;
		p = h_pool_alloc_aligned(run->hp, size, align);
	} else {
		p = h_pool_alloc(run->hp, size);
	}
	if (!p) {
		a->cnt[SC_NOSPACE]++;
		return;
	}
	a->cnt[SC_H_ALLOC]++;
	atomic_inc(&a->allocs);
	if (p < run->h_arena || p + size > run->h_arena + run->h_arena_size ||
	    (align && !IS_ALIGNED((unsigned long)p, align))) {
		a->cnt[SC_MISMATCH]++;
		stress_report(a, "h_pool block of %zu at %ld (align %zu) out of place",
			      size, (long)(p - run->h_arena), align);
		/* Not ours to touch; give it back. */
		h_pool_dealloc(run->hp, p);
		return;
	}
	b->ptr = p;
	b->size = size;
	b->tag = stress_tag(a, p - run->h_arena);
	if (stress_rand(a, 4)) {
		stress_fill(p, size, b->tag);
		return;
	}
	/* Through the pool's own copy (sizes never exceed the buffer). */
	stress_fill(a->buf, size, b->tag);
	if (h_pool_write(run->hp, p, 0, a->buf, size))
		stress_api(a, "h_pool_write", -EINVAL);
}

static void stress_h_free(struct stress_actor *a, struct stress_hblock *b)
{
	if (!h_pool_dealloc(a->run->hp, b->ptr))
		stress_api(a, "h_pool_dealloc", 0);
	b->ptr = NULL;
}

/* One operation on one of the actor's header pool slots. */
static void stress_h_op(struct stress_actor *a, struct stress_hblock *b)
{
	if (!b->ptr) {
		stress_h_alloc(a, b);
		return;
	}
	stress_h_verify(a, b);
	switch (stress_rand(a, 4)) {
	case 0:
		/* Keep it, with new contents. */
		b->tag = stress_tag(a, b->ptr - a->run->h_arena);
		stress_fill(b->ptr, b->size, b->tag);
		break;
	case 1:
		/* Keep it as it is. */
		break;
	default:
		stress_h_free(a, b);
		break;
	}
}

/* ---- table pool ----------------------------------------------------- */

/* Read a block by handle and check it; track where it lives now. */
static void stress_t_verify(struct stress_actor *a, struct stress_tblock *b)
{
	struct stress_run *run = a->run;
	size_t off, len;
	int ret;

	ret = t_pool_offset_of(run->tp, b->handle, &off);
	if (ret) {
		stress_api(a, "t_pool_offset_of", ret);
		return;
	}
	if (b->pin) {
		/* Pinned: it must not have moved, and is checked in place. */
		a->cnt[SC_PIN_CHECK]++;
		if (off != b->off ||
		    b->pin != (u8 *)t_pool_arena(run->tp, NULL) + off) {
			a->cnt[SC_MISMATCH]++;
			stress_report(a, "pinned t_pool block %#llx moved from %zu to %zu",
				      b->handle, b->off, off);
			return;
		}
		stress_check(a, b->pin, b->size, b->tag, "pinned t_pool block");
		return;
	}
	if (off != b->off)
		a->cnt[SC_MOVED]++;
	b->off = off;
	len = min(b->size, a->max_size);
	stress_check_read(a, "t_pool_read",
			  t_pool_read(run->tp, b->handle, 0, a->buf, len), len,
			  b->tag);
}

/* Give an unpinned block new contents by handle. */
static void stress_t_write(struct stress_actor *a, struct stress_tblock *b)
{
	size_t len = min(b->size, a->max_size);
	int ret;

	b->tag = stress_tag(a, b->handle);
	stress_fill(a->buf, len, b->tag);
	ret = t_pool_write(a->run->tp, b->handle, 0, a->buf, len);
	if (ret)
		stress_api(a, "t_pool_write", ret);
}

static void stress_t_alloc(struct stress_actor *a, struct stress_tblock *b)
{
	struct stress_run *run = a->run;
	size_t size = stress_size(a, a->max_size);
	unsigned int flags = 0;
	u64 handle;
	int ret;

	/* A failing alloc may run a whole pass then: not in an interrupt. */
	if (!a->in_irq && !stress_rand(a, 16))
		flags = T_POOL_REORDER_ON_FAIL;
	handle = t_pool_alloc_handle(run->tp, size, flags);
	if (handle == T_POOL_NO_HANDLE) {
		a->cnt[SC_NOSPACE]++;
		return;
	}
	a->cnt[SC_T_ALLOC]++;
	atomic_inc(&a->allocs);
	b->handle = handle;
	b->size = size;
	b->pin = NULL;
	if (t_pool_size_of(run->tp, handle) < size)
		stress_api(a, "t_pool_size_of", 0);
	ret = t_pool_offset_of(run->tp, handle, &b->off);
	if (ret)
		stress_api(a, "t_pool_offset_of", ret);
	stress_t_write(a, b);
}

static void stress_t_pin(struct stress_actor *a, struct stress_tblock *b)
{
	struct stress_run *run = a->run;
	u8 *p = t_pool_pin(run->tp, b->handle);
	int ret;

	if (!p) {
		stress_api(a, "t_pool_pin", 0);
		return;
	}
	a->cnt[SC_PIN]++;
	b->pin = p;
	ret = t_pool_offset_of(run->tp, b->handle, &b->off);
	if (ret)
		stress_api(a, "t_pool_offset_of", ret);
	else if (p != (u8 *)t_pool_arena(run->tp, NULL) + b->off)
		stress_api(a, "t_pool_pin", (long)b->off);
	/* The block may have moved on its way here: check it where it is. */
	stress_check(a, p, b->size, b->tag, "t_pool block just pinned");
}

static void stress_t_unpin(struct stress_actor *a, struct stress_tblock *b)
{
	int ret = t_pool_unpin(a->run->tp, b->handle);

	if (ret)
		stress_api(a, "t_pool_unpin", ret);
	b->pin = NULL;
}

static void stress_t_free(struct stress_actor *a, struct stress_tblock *b)
{
	int ret;

	if (b->pin)
		stress_t_unpin(a, b);
	ret = t_pool_free(a->run->tp, b->handle);
	if (ret)
		stress_api(a, "t_pool_free", ret);
	b->handle = T_POOL_NO_HANDLE;
}

/* One operation on a pinned block of a thread. */
static void stress_t_pinned_op(struct stress_actor *a, struct stress_tblock *b)
{
	struct t_pool *tp = a->run->tp;
	u8 *p;
	int ret;

	switch (stress_rand(a, 8)) {
	case 0:
	case 1:
		stress_t_unpin(a, b);
		break;
	case 2:
		/* Used in place, as a driver would. */
		b->tag = stress_tag(a, b->handle);
		stress_fill(b->pin, b->size, b->tag);
		break;
	case 3:
		ret = t_pool_free(tp, b->handle);
		if (ret == -EBUSY) {
			a->cnt[SC_PINNED_FREE]++;
		} else {
			stress_api(a, "t_pool_free of a pinned block", ret);
			if (!ret)
				b->handle = T_POOL_NO_HANDLE;
		}
		break;
	case 4:
		/* Pins nest and give the same address. */
		p = t_pool_pin(tp, b->handle);
		if (p != b->pin)
			stress_api(a, "nested t_pool_pin", (long)(p - b->pin));
		if (!p)
			break;
		a->cnt[SC_PIN]++;
		ret = t_pool_unpin(tp, b->handle);
		if (ret)
			stress_api(a, "t_pool_unpin of a nested pin", ret);
		break;
	default:
		/* Hold it pinned across more reorders. */
		break;
	}
}

/* One operation on one of the actor's table pool slots. */
static void stress_t_op(struct stress_actor *a, struct stress_tblock *b)
{
	if (b->handle == T_POOL_NO_HANDLE) {
		stress_t_alloc(a, b);
		return;
	}
	stress_t_verify(a, b);
	if (b->handle == T_POOL_NO_HANDLE)
		return;
	if (b->pin) {
		stress_t_pinned_op(a, b);
		return;
	}
	switch (stress_rand(a, 6)) {
	case 0:
		stress_t_write(a, b);
		break;
	case 1:
		if (!a->in_irq && !atomic_read(&a->run->quiet))
			stress_t_pin(a, b);
		break;
	case 2:
		break;
	default:
		stress_t_free(a, b);
		break;
	}
}

/* One operation of a worker thread or a timer callback. */
static void stress_op(struct stress_actor *a)
{
	unsigned int i = stress_rand(a, STRESS_HOLD);

	/* The pager asks for a moment without pins, for a move. */
	if (atomic_read(&a->run->quiet)) {
		unsigned int j;

		for (j = 0; j < STRESS_HOLD; j++) {
			if (a->t[j].pin)
				stress_t_unpin(a, &a->t[j]);
		}
	}

	if (stress_rand(a, 2))
		stress_h_op(a, &a->h[i]);
	else
		stress_t_op(a, &a->t[i]);
}

/* Check and free whatever the actor still holds. */
static void stress_release(struct stress_actor *a)
{
	unsigned int i;

	for (i = 0; i < STRESS_HOLD; i++) {
		if (a->h[i].ptr) {
			stress_h_verify(a, &a->h[i]);
			stress_h_free(a, &a->h[i]);
		}
		if (a->t[i].handle != T_POOL_NO_HANDLE) {
			stress_t_verify(a, &a->t[i]);
			stress_t_free(a, &a->t[i]);
		}
	}
}

/* ---- the actors ----------------------------------------------------- */

static enum hrtimer_restart stress_timer_fn(struct hrtimer *timer)
{
	struct stress_worker *w = container_of(timer, struct stress_worker,
					       timer);

	stress_op(&w->irq);
	hrtimer_forward_now(timer, w->period);
	return HRTIMER_RESTART;
}

/* Park until kthread_stop(), so that the test owns the task's end. */
void stress_park(void)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

/* Whether a worker thread and its CPU's timer have done their least. */
static bool stress_worker_quota(struct stress_worker *w)
{
	return atomic_read(&w->thread.allocs) >= STRESS_MIN_THREAD &&
	       atomic_read(&w->irq.allocs) >= STRESS_MIN_IRQ;
}

static int stress_worker_fn(void *data)
{
	struct stress_worker *w = data;

	hrtimer_start(&w->timer, w->period, HRTIMER_MODE_REL_PINNED_HARD);
	while (!stress_done(w->thread.run, stress_worker_quota(w))) {
		stress_op(&w->thread);
		cond_resched();
	}
	hrtimer_cancel(&w->timer);
	stress_release(&w->thread);
	stress_release(&w->irq);
	complete(&w->done);
	stress_park();
	return 0;
}

/* What a validate call answered: sound, busy, or a fault at @offset. */
static void stress_count_validate(struct stress_actor *a, const char *call,
				  int ret, size_t offset, const char *reason)
{
	if (!ret) {
		a->cnt[SC_VALIDATE]++;
	} else if (ret == -EBUSY) {
		a->cnt[SC_VALIDATE_BUSY]++;
	} else {
		a->cnt[SC_MISMATCH]++;
		stress_report(a, "%s: %d at %zu: %s", call, ret, offset,
			      reason ? reason : "?");
	}
}

static void stress_validate(struct stress_actor *a)
{
	struct stress_run *run = a->run;
	struct h_pool_fault hf = { 0 };
	struct t_pool_fault tf = { 0 };
	int ret;

	ret = h_pool_validate(run->hp, &hf);
	stress_count_validate(a, "h_pool_validate", ret, hf.offset, hf.reason);
	ret = t_pool_validate(run->tp, &tf);
	stress_count_validate(a, "t_pool_validate", ret, tf.offset, tf.reason);
}

/* A stepped pass with a random budget, other actors running meanwhile. */
static void stress_stepped_pass(struct stress_actor *a)
{
	struct stress_run *run = a->run;
	struct t_pool_reorder_result res = { 0 };
	size_t budget = 16UL << stress_rand(a, 10);
	int ret;

	do {
		ret = t_pool_reorder_step(run->tp, budget, &res);
		a->cnt[SC_REORDER_STEP]++;
		cond_resched();
	} while (ret > 0 && !stress_over(run));
	if (ret < 0)
		stress_api(a, "t_pool_reorder_step", ret);
	else if (!ret)
		a->cnt[SC_REORDER]++;
	a->cnt[SC_BYTES_MOVED] += res.bytes_moved;
}

static int stress_compactor_fn(void *data)
{
	struct stress_actor *a = data;
	struct stress_run *run = a->run;
	struct t_pool_reorder_result res;
	unsigned int n = 0;
	int ret;

	while (!stress_done(run, a->cnt[SC_REORDER] >= STRESS_MIN_REORDER)) {
		switch (n++ % 4) {
		case 0:
			t_pool_set_step(run->tp, 256UL << stress_rand(a, 7));
			ret = t_pool_reorder(run->tp, &res);
			if (ret) {
				stress_api(a, "t_pool_reorder", ret);
			} else {
				a->cnt[SC_REORDER]++;
				a->cnt[SC_BYTES_MOVED] += res.bytes_moved;
			}
			break;
		case 1:
			stress_stepped_pass(a);
			break;
		case 2:
			if (reorder_h_mem(run->hp))
				a->cnt[SC_H_REORDER]++;
			else
				stress_api(a, "reorder_h_mem", 0);
			break;
		default:
			stress_validate(a);
			break;
		}
		cond_resched();
	}
	complete(&run->compactor_done);
	stress_park();
	return 0;
}

/*
 * The pager thread: memory pressure (what the shrinker's count and scan
 * call) and commits ahead at once, each in a moment of quiet it asks the
 * worker threads for, while the work item ticks on its own.
 */
static int stress_pager_fn(void *data)
{
	struct stress_actor *a = data;
	struct stress_run *run = a->run;
	size_t count, committed;
	int ret;

	while (!stress_done(run, true)) {
		atomic_set(&run->quiet, 1);
		a->cnt[SC_QUIET]++;
		usleep_range(500, 1000);
		if (stress_rand(a, 2)) {
			count = ckremm_pager_work_count(run->pager_work);
			a->cnt[SC_SHRUNK] +=
				ckremm_pager_work_shrink(run->pager_work,
							 count);
		} else {
			committed = 0;
			ret = ckremm_paging_commit_t(run->tp,
						     stress_size(a, 64 * 1024),
						     &committed);
			/* Busy: the work item's move, or an irq's hold. */
			if (ret && ret != -EBUSY && ret != -ENOMEM)
				stress_api(a, "ckremm_paging_commit_t", ret);
			a->cnt[SC_COMMITTED] += committed;
		}
		atomic_set(&run->quiet, 0);
		usleep_range(1000, 3000);
	}
	complete(&run->pager_done);
	stress_park();
	return 0;
}

/*
 * With the paging module, page the table pool in the background and
 * start the pager thread; its counters are in run->pager.
 */
static int stress_pager_start(struct stress_run *run)
{
	const struct ckremm_paging_params params = {
		.decay_ticks = 4,
		.keep_bytes = 16 * 1024,
	};

	init_completion(&run->pager_done);
	if (!IS_ENABLED(CONFIG_CKREMM_PAGING))
		return 0;
	run->pager_work = ckremm_pager_work_start(run->tp, &params, 1);
	if (IS_ERR(run->pager_work))
		return PTR_ERR(run->pager_work);
	run->pager_task = kthread_create(stress_pager_fn, &run->pager,
					 "ckremm_stress_pager");
	if (IS_ERR(run->pager_task)) {
		ckremm_pager_work_stop(run->pager_work);
		return PTR_ERR(run->pager_task);
	}
	return 0;
}

/* ---- the case ------------------------------------------------------- */

KUNIT_DEFINE_ACTION_WRAPPER(stress_destroy_h_pool, destroy_h_pool,
			    struct h_pool *);
KUNIT_DEFINE_ACTION_WRAPPER(stress_destroy_t_pool, destroy_t_pool,
			    struct t_pool *);

static void stress_actor_init(struct stress_actor *a, struct stress_run *run,
			      const char *name, bool in_irq, size_t max_size)
{
	unsigned int i;

	a->run = run;
	a->name = name;
	a->in_irq = in_irq;
	a->max_size = max_size;
	prandom_seed_state(&a->rnd, get_random_u64());
	for (i = 0; i < STRESS_HOLD; i++)
		a->t[i].handle = T_POOL_NO_HANDLE;
}

void stress_sum(u64 *sum, const u64 *cnt, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sum[i] += cnt[i];
}

/*
 * Waits for a thread of a round of @secs that may run @overtime_s over;
 * fails the case if it is still running STRESS_GRACE_S after that, and
 * waits on.
 */
void stress_wait(struct kunit *test, struct completion *done,
		 unsigned int secs, unsigned int overtime_s, const char *who)
{
	unsigned long grace = (unsigned long)(secs + overtime_s +
					      STRESS_GRACE_S) * HZ;

	if (wait_for_completion_timeout(done, grace))
		return;
	KUNIT_FAIL(test, "%s still running %u s after the round", who,
		   STRESS_GRACE_S);
	/* It still uses the pools: they must outlive it. */
	wait_for_completion(done);
}

static void stress_pools(struct kunit *test)
{
	unsigned int nr_cpus = num_online_cpus(), n = 0, short_workers = 0;
	size_t arena = (size_t)clamp(pool_kib, 64U, 65536U) * 1024;
	unsigned int secs = clamp(seconds, 1U, 200U);
	u64 thread[SC_NR] = { 0 }, irq[SC_NR] = { 0 }, all[SC_NR];
	struct ckremm_pager_work_stats pws = { 0 };
	struct stress_worker **workers;
	struct h_pool_stats hs;
	struct t_pool_stats ts;
	struct stress_run *run;
	unsigned long ended;
	unsigned int i, cpu;
	int ret;

	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run);
	workers = kunit_kcalloc(test, nr_cpus, sizeof(*workers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, workers);

	run->hp = create_h_pool(arena);
	KUNIT_ASSERT_NOT_NULL(test, run->hp);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, stress_destroy_h_pool,
							run->hp), 0);
	run->tp = t_pool_create(arena, 0);
	KUNIT_ASSERT_NOT_NULL(test, run->tp);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, stress_destroy_t_pool,
							run->tp), 0);
	run->h_arena = h_pool_arena(run->hp, &run->h_arena_size);
	KUNIT_ASSERT_NOT_NULL(test, run->h_arena);
	KUNIT_ASSERT_NOT_NULL(test, t_pool_arena(run->tp, &run->t_arena_size));
	atomic_set(&run->reports, 0);
	atomic_set(&run->quiet, 0);

	for_each_online_cpu(cpu) {
		struct stress_worker *w;

		if (n == nr_cpus)
			break;
		w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, w);
		stress_actor_init(&w->thread, run, "thread", false,
				  STRESS_THREAD_MAX);
		stress_actor_init(&w->irq, run, "irq", true, STRESS_IRQ_MAX);
		init_completion(&w->done);
		hrtimer_init(&w->timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_PINNED_HARD);
		w->timer.function = stress_timer_fn;
		w->period = ns_to_ktime((u64)clamp(irq_period_us, 50U, 100000U) *
					NSEC_PER_USEC);
		w->task = kthread_create_on_cpu(stress_worker_fn, w, cpu,
						"ckremm_stress/%u");
		if (IS_ERR(w->task))
			break;
		workers[n++] = w;
	}
	stress_actor_init(&run->compactor, run, "compactor", false,
			  STRESS_THREAD_MAX);
	init_completion(&run->compactor_done);
	run->compactor_task = kthread_create(stress_compactor_fn,
					     &run->compactor,
					     "ckremm_stress_compact");
	stress_actor_init(&run->pager, run, "pager", false, STRESS_THREAD_MAX);
	ret = IS_ERR(run->compactor_task) ? 0 : stress_pager_start(run);
	if (n < nr_cpus || IS_ERR(run->compactor_task) || ret) {
		/* Threads never woken end at once, without running. */
		for (i = 0; i < n; i++)
			kthread_stop(workers[i]->task);
		if (!IS_ERR(run->compactor_task))
			kthread_stop(run->compactor_task);
		KUNIT_FAIL(test, "made %u of %u worker threads and %s compactor; pager: %d",
			   n, nr_cpus, IS_ERR(run->compactor_task) ? "no" : "a",
			   ret);
		return;
	}

	/* The threads start only now: none may start before the deadline is set. */
	run->end = jiffies + secs * HZ;
	run->last = run->end + STRESS_OVERTIME_S * HZ;
	for (i = 0; i < n; i++)
		wake_up_process(workers[i]->task);
	wake_up_process(run->compactor_task);
	if (run->pager_task)
		wake_up_process(run->pager_task);

	for (i = 0; i < n; i++)
		stress_wait(test, &workers[i]->done, secs, STRESS_OVERTIME_S,
			    "a worker");
	stress_wait(test, &run->compactor_done, secs, STRESS_OVERTIME_S,
		    "the compactor");
	if (run->pager_task)
		stress_wait(test, &run->pager_done, secs, STRESS_OVERTIME_S,
			    "the pager");
	ended = jiffies;
	for (i = 0; i < n; i++) {
		kthread_stop(workers[i]->task);
		if (!stress_worker_quota(workers[i]))
			short_workers++;
		stress_sum(thread, workers[i]->thread.cnt, SC_NR);
		stress_sum(irq, workers[i]->irq.cnt, SC_NR);
	}
	kthread_stop(run->compactor_task);
	/* Paging's calls only in builds with it: none else link them. */
	if (IS_ENABLED(CONFIG_CKREMM_PAGING) && run->pager_task) {
		kthread_stop(run->pager_task);
		t_pool_get_stats(run->tp, &ts);
		ckremm_pager_work_read(run->pager_work, &pws);
		ckremm_pager_work_stop(run->pager_work);
	}
	for (i = 0; i < SC_NR; i++)
		all[i] = thread[i] + irq[i] + run->compactor.cnt[i] +
			 run->pager.cnt[i];

	kunit_info(test, "%u CPUs, %u s asked, %u ms run, pools of %zu bytes, timer every %u us, %u workers short of their least\n",
		   n, secs, jiffies_to_msecs(ended - run->end) + secs * 1000,
		   arena, irq_period_us, short_workers);
	kunit_info(test, "thread allocs: %llu header, %llu table; irq allocs: %llu header, %llu table; no room: %llu\n",
		   thread[SC_H_ALLOC], thread[SC_T_ALLOC], irq[SC_H_ALLOC],
		   irq[SC_T_ALLOC], all[SC_NOSPACE]);
	kunit_info(test, "pins: %llu, pinned blocks checked in place: %llu, pinned frees refused: %llu, blocks found moved: %llu\n",
		   all[SC_PIN], all[SC_PIN_CHECK], all[SC_PINNED_FREE],
		   all[SC_MOVED]);
	kunit_info(test, "reorders: %llu passes in %llu steps, %llu bytes moved; header pool reorders: %llu; validations: %llu sound, %llu busy\n",
		   all[SC_REORDER], all[SC_REORDER_STEP], all[SC_BYTES_MOVED],
		   all[SC_H_REORDER], all[SC_VALIDATE], all[SC_VALIDATE_BUSY]);
	kunit_info(test, "bytes verified: %llu; mismatches: %llu; wrong results: %llu\n",
		   all[SC_BYTES], all[SC_MISMATCH], all[SC_API]);
	if (IS_ENABLED(CONFIG_CKREMM_PAGING) && run->pager_task) {
		kunit_info(test, "pager: %zu arena moves, %zu bytes given back, %zu commit failures; work: %llu ticks, %llu moves given up; shrinker: %llu counts, %llu scans; pager thread: %llu quiet moments, %llu bytes shrunk, %llu committed\n",
			   ts.arena_moves, ts.purged_bytes, ts.commit_failures,
			   pws.ticks, pws.abandoned, pws.shrink_counts,
			   pws.shrink_scans, all[SC_QUIET], all[SC_SHRUNK],
			   all[SC_COMMITTED]);
		/* The arena moved under the mutators, and gave pages back. */
		KUNIT_EXPECT_GT(test, ts.arena_moves, 0);
		KUNIT_EXPECT_GT(test, ts.purged_bytes, 0);
		KUNIT_EXPECT_GT(test, pws.ticks, 0);
		/* The kernel asked the shrinker (the guest drops its caches). */
		KUNIT_EXPECT_GT(test, pws.shrink_counts, 0);
	}

	KUNIT_EXPECT_EQ(test, all[SC_MISMATCH], 0);
	KUNIT_EXPECT_EQ(test, all[SC_API], 0);
	/* Every CPU's thread and timer, and the compactor, did their least. */
	KUNIT_EXPECT_EQ(test, short_workers, 0);
	KUNIT_EXPECT_GE(test, run->compactor.cnt[SC_REORDER],
			(u64)STRESS_MIN_REORDER);
	KUNIT_EXPECT_GT(test, irq[SC_H_ALLOC], 0);
	KUNIT_EXPECT_GT(test, irq[SC_T_ALLOC], 0);
	KUNIT_EXPECT_GT(test, all[SC_PIN], 0);
	KUNIT_EXPECT_GT(test, all[SC_PIN_CHECK], 0);
	KUNIT_EXPECT_GT(test, all[SC_MOVED], 0);
	/* Validations ran; under this load some may find the pool ever busy. */
	KUNIT_EXPECT_GT(test, all[SC_VALIDATE] + all[SC_VALIDATE_BUSY], 0);

	/* Quiet now: both pools sound, empty, and no call refused but ours. */
	KUNIT_EXPECT_EQ(test, h_pool_validate(run->hp, NULL), 0);
	KUNIT_EXPECT_EQ(test, t_pool_validate(run->tp, NULL), 0);
	h_pool_get_stats(run->hp, &hs);
	t_pool_get_stats(run->tp, &ts);
	KUNIT_EXPECT_EQ(test, hs.used_blocks, 0);
	KUNIT_EXPECT_EQ(test, hs.used_bytes, 0);
	KUNIT_EXPECT_EQ(test, hs.free_bytes, hs.arena_size);
	KUNIT_EXPECT_EQ(test, hs.refused_calls, 0);
	KUNIT_EXPECT_EQ(test, ts.used_blocks, 0);
	/* A pager's end commits every page again. */
	KUNIT_EXPECT_EQ(test, ts.committed_bytes, ts.arena_size);
	KUNIT_EXPECT_EQ(test, ts.used_bytes, 0);
	KUNIT_EXPECT_EQ(test, ts.pinned_blocks, 0);
	KUNIT_EXPECT_EQ(test, ts.free_bytes, ts.arena_size);
	KUNIT_EXPECT_EQ(test, (u64)ts.refused_calls, all[SC_PINNED_FREE]);
	KUNIT_EXPECT_GE(test, (u64)ts.bytes_moved, all[SC_BYTES_MOVED]);
	KUNIT_EXPECT_GT(test, ts.bytes_moved, 0);
}

/* Round 1..rounds, each one parameter; the pointer value is the round. */
static const void *stress_rounds_gen(const void *prev, char *desc)
{
	unsigned long round = (unsigned long)prev + 1;

	if (round > max(rounds, 1U))
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "round %lu of %u", round,
		 max(rounds, 1U));
	return (const void *)round;
}

static struct kunit_case stress_cases[] = {
	KUNIT_CASE_PARAM_ATTR(stress_pools, stress_rounds_gen,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite stress_suite = {
	.name = "ckremm_stress",
	.test_cases = stress_cases,
};

kunit_test_suites(&stress_suite);

MODULE_DESCRIPTION("KUnit stress of the ckremm pools on every CPU, in threads and hard interrupts");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(CKREMM_NS);
