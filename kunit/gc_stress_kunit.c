// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit stress of the ckremm garbage collector on every online CPU at once,
 * in ckremm_stress.ko beside the pools' stress (kunit/stress_kunit.c).
 *
 * One table pool with a collector (paced, not manual) is shared by:
 *
 *   a mutator thread bound to each online CPU, with a root slot and a
 *     scope of its own, which builds a graph of typed nodes (two
 *     references, a tag, a payload) through ckremm_gc_alloc() and
 *     t_pool_write(), cuts and relinks it, moves its root, pins a node
 *     across its other operations (its payload rewritten in place, never
 *     its references: a cycle's start reads a pinned object's references
 *     under the pool lock, which a write through the pointer on another
 *     CPU does not take), and reads back what it can reach, over and over;
 *   an hrtimer per CPU in hard interrupt context, whose callback
 *     allocates through ckremm_gc_alloc() with a scope of its own or with
 *     CKREMM_GC_PIN, checks and lets go of what it holds, and takes a
 *     collection step now and then;
 *   a collector thread, not bound, which takes steps of random budgets
 *     (marking in the smallest, from 1 to 8), runs the finalisers,
 *     collects whole now and then and validates the pool.
 *
 * Each mutator keeps a shadow of its graph: the node in each of its
 * slots, the slots its two references name, its tag and payload.  What
 * its root, its pinned node and their references reach is reachable; a
 * node it can no longer reach it forgets.  Every node it can reach must
 * be live and hold what the shadow says; a read that finds it freed, or
 * changed, is a mismatch.  At the end, once every actor has stopped and a
 * collection has run, the pool must hold exactly the nodes the shadows
 * reach, each intact, and validate; when the roots are dropped, nothing,
 * with each finaliser run exactly once.
 *
 * The round lasts gc_seconds and then goes on until each mutator and
 * timer has done a floor of work and the collector has ended a floor of
 * cycles, with a floor of barrier scans among them, GS_OVERTIME_S more
 * seconds at most.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <ckremm/ckremm_ns.h>
#include <ckremm/gc.h>
#include <ckremm/t_pool.h>

#include "stress_kunit.h"

static unsigned int gc_seconds = 5;
module_param(gc_seconds, uint, 0444);
MODULE_PARM_DESC(gc_seconds, "length of the collector's stress round in seconds, 0..100, 0 to skip it (default 5)");

static unsigned int gc_pool_kib = 512;
module_param(gc_pool_kib, uint, 0444);
MODULE_PARM_DESC(gc_pool_kib, "arena of the collector's pool in KiB, 64..65536 (default 512)");

static unsigned int gc_irq_period_us = 1000;
module_param(gc_irq_period_us, uint, 0444);
MODULE_PARM_DESC(gc_irq_period_us, "period of each CPU's interrupt-context allocator in us (default 1000)");

/* Words of a node: two references, the tag, then the payload. */
#define GS_LEFT			0
#define GS_RIGHT		1
#define GS_TAG			2
#define GS_PAYLOAD		(3 * 8)
#define GS_MAX_SIZE		256
/* Nodes a mutator's graph has at most, and its scope's room. */
#define GS_NODES		96
#define GS_SCOPE		4
/* Objects a timer holds at most on its scope, and pinned. */
#define GS_IRQ_HOLD		4
#define GS_IRQ_MAX		128
/* The floors of a round, and how long it may run past its time. */
#define GS_MIN_ALLOCS		200
#define GS_MIN_IRQ		20
#define GS_MIN_CYCLES		5
#define GS_MIN_BARRIER		3
#define GS_OVERTIME_S		60
#define GS_REPORT_MAX		8

enum gs_counter {
	GS_ALLOC,		/* nodes a mutator allocated */
	GS_FINAL,		/* of them with a finaliser */
	GS_NOSPACE,		/* allocations refused for room */
	GS_LINK,		/* references written */
	GS_CUT,			/* references erased */
	GS_ROOT,		/* root moved */
	GS_PIN,			/* nodes pinned */
	GS_DROP,		/* nodes a mutator could no longer reach */
	GS_CHECKED,		/* nodes read back and found intact */
	GS_IRQ_ALLOC,		/* objects a timer allocated */
	GS_STEP,		/* collection steps the collector took */
	GS_COLLECT,		/* whole collections it ran */
	GS_VALIDATE,		/* validations that found the pool sound */
	GS_MISMATCH,		/* reachable objects found freed or changed */
	GS_API,			/* calls that returned what they must not */
	GS_NR
};

struct gs_run;

/* A node in the shadow of a mutator's graph. */
struct gs_node {
	u64 h;			/* 0: the slot is free */
	s8 link[2];		/* slots the references name, or -1 */
	bool reached;
	u16 size;
	u32 seed;		/* of the payload */
};

/* What every actor has: its counters and its random state. */
struct gs_actor {
	struct gs_run *run;
	const char *name;
	struct rnd_state rnd;
	u64 cnt[GS_NR];
};

struct gs_irq {
	struct gs_actor a;
	struct ckremm_gc_scope scope;
	u64 scope_slots[GS_IRQ_HOLD];
	u64 pinned[GS_IRQ_HOLD];
	unsigned int npinned;
	unsigned int ticks;
	atomic_t allocs;
};

struct gs_mutator {
	struct gs_actor a;
	struct ckremm_gc_scope scope;
	u64 scope_slots[GS_SCOPE];
	unsigned int root_slot;
	int root;		/* slot of the rooted node, or -1 */
	int pinned;		/* slot of the pinned node, or -1 */
	u8 *pin;		/* its address */
	struct gs_node n[GS_NODES];
	u8 stack[GS_NODES];	/* gs_reach_from()'s: each slot once */
	u8 buf[GS_MAX_SIZE];
	u8 want[GS_MAX_SIZE];
	atomic_t allocs;

	struct gs_irq irq;
	struct hrtimer timer;
	ktime_t period;
	struct task_struct *task;
	struct completion done;
};

struct gs_run {
	struct t_pool *pool;
	struct ckremm_gc *gc;
	int node;		/* the node type */
	unsigned long end;
	unsigned long last;
	atomic_t reports;
	atomic_t finalized;
	atomic_t final_bad;
	atomic_t cycles_seen;
	struct gs_actor collector;
	struct task_struct *collector_task;
	struct completion collector_done;
};

static bool gs_over(const struct gs_run *run)
{
	return time_after_eq(jiffies, run->end);
}

static bool gs_done(const struct gs_run *run, bool quota)
{
	return time_after_eq(jiffies, run->last) || (gs_over(run) && quota);
}

static u32 gs_rand(struct gs_actor *a, u32 n)
{
	return prandom_u32_state(&a->rnd) % n;
}

/* The tag of the object @h names: no handle of any pool. */
static u64 gs_tag(u64 h)
{
	return (h * 0x9e3779b97f4a7c15ULL) | BIT_ULL(63);
}

static u8 gs_byte(u32 seed, size_t i)
{
	u32 x = seed + (u32)i * 0x85ebca6bU;

	return (u8)(x ^ (x >> 13) ^ (x >> 24));
}

static void gs_report(struct gs_actor *a, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (atomic_inc_return(&a->run->reports) > GS_REPORT_MAX)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("ckremm_gc_stress: %s: %pV\n", a->name, &vaf);
	va_end(args);
}

static void gs_api(struct gs_actor *a, const char *call, long ret)
{
	a->cnt[GS_API]++;
	gs_report(a, "%s returned %ld", call, ret);
}

static void gs_mismatch(struct gs_actor *a, const char *what, u64 h)
{
	a->cnt[GS_MISMATCH]++;
	gs_report(a, "%s: object %#llx", what, h);
}

/* The finaliser: the dead object is still there, with its tag. */
static void gs_finalize(struct ckremm_gc *gc, u64 h, unsigned int type,
			void *arg)
{
	struct gs_run *run = arg;
	u64 tag = 0;

	if (t_pool_read(run->pool, h, GS_TAG * 8, &tag, sizeof(tag)) ||
	    tag != gs_tag(h) || type != run->node)
		atomic_inc(&run->final_bad);
	atomic_inc(&run->finalized);
}

/* ---- a mutator's graph ------------------------------------------------ */

/* The node's bytes as the shadow says, into m->want. */
static void gs_expected(struct gs_mutator *m, const struct gs_node *x)
{
	u64 w[3] = {
		x->link[0] >= 0 ? m->n[x->link[0]].h : 0,
		x->link[1] >= 0 ? m->n[x->link[1]].h : 0,
		gs_tag(x->h),
	};
	size_t i;

	memcpy(m->want, w, sizeof(w));
	for (i = GS_PAYLOAD; i < x->size; i++)
		m->want[i] = gs_byte(x->seed, i);
}

/* Node @i must be live and hold what the shadow says. */
static void gs_check(struct gs_mutator *m, int i)
{
	struct gs_node *x = &m->n[i];
	const u8 *have = m->buf;
	int ret;

	gs_expected(m, x);
	if (i == m->pinned) {
		have = m->pin;
	} else {
		ret = t_pool_read(m->a.run->pool, x->h, 0, m->buf, x->size);
		if (ret) {
			gs_mismatch(&m->a, ret == -EINVAL ?
				    "reachable node freed" : "read refused",
				    x->h);
			return;
		}
	}
	if (memcmp(have, m->want, x->size)) {
		gs_mismatch(&m->a, "reachable node changed", x->h);
		return;
	}
	m->a.cnt[GS_CHECKED]++;
}

/* Mark slot @i, if it is one, and what it reaches. */
static void gs_reach_from(struct gs_mutator *m, int i)
{
	unsigned int sp = 0, side;

	if (i < 0 || m->n[i].reached)
		return;
	m->n[i].reached = true;
	m->stack[sp++] = i;
	while (sp) {
		const struct gs_node *x = &m->n[m->stack[--sp]];

		for (side = 0; side < 2; side++) {
			int j = x->link[side];

			if (j >= 0 && !m->n[j].reached) {
				m->n[j].reached = true;
				m->stack[sp++] = j;
			}
		}
	}
}

/*
 * Mark what the root and the pinned node reach, forget the rest; returns
 * the nodes reached.
 */
static unsigned int gs_reach(struct gs_mutator *m, bool forget)
{
	unsigned int i, reached = 0;

	for (i = 0; i < GS_NODES; i++)
		m->n[i].reached = false;
	if (m->root >= 0)
		gs_reach_from(m, m->root);
	if (m->pinned >= 0)
		gs_reach_from(m, m->pinned);
	for (i = 0; i < GS_NODES; i++) {
		if (!m->n[i].h)
			continue;
		if (m->n[i].reached) {
			reached++;
		} else if (forget) {
			m->n[i].h = 0;
			m->a.cnt[GS_DROP]++;
		}
	}
	return reached;
}

/* A random reached node, or -1. */
static int gs_pick(struct gs_mutator *m)
{
	unsigned int i, start = gs_rand(&m->a, GS_NODES);

	for (i = 0; i < GS_NODES; i++) {
		unsigned int j = (start + i) % GS_NODES;

		if (m->n[j].h && m->n[j].reached)
			return j;
	}
	return -1;
}

/* A reached node with an empty reference, or any reached one, or -1. */
static int gs_pick_open(struct gs_mutator *m)
{
	unsigned int tries;
	int p = -1;

	for (tries = 0; tries < 8; tries++) {
		p = gs_pick(m);
		if (p < 0 || m->n[p].link[0] < 0 || m->n[p].link[1] < 0)
			break;
	}
	return p;
}

static int gs_free_slot(struct gs_mutator *m)
{
	unsigned int i;

	for (i = 0; i < GS_NODES; i++)
		if (!m->n[i].h)
			return i;
	return -1;
}

/* Reference @side of node @p now names slot @to (-1: none). */
static void gs_link(struct gs_mutator *m, int p, unsigned int side, int to)
{
	u64 v = to >= 0 ? m->n[to].h : 0;
	int ret;

	ret = t_pool_write(m->a.run->pool, m->n[p].h, side * 8, &v, sizeof(v));
	if (ret) {
		gs_mismatch(&m->a, "write to a reachable node refused", m->n[p].h);
		return;
	}
	m->n[p].link[side] = to;
	m->a.cnt[to >= 0 ? GS_LINK : GS_CUT]++;
}

static void gs_set_root(struct gs_mutator *m, int i)
{
	int ret = ckremm_gc_root_set(m->a.run->gc, m->root_slot, m->n[i].h);

	if (ret)
		gs_api(&m->a, "ckremm_gc_root_set", ret);
	else
		m->root = i;
	m->a.cnt[GS_ROOT]++;
}

/* A new node, on the scope until the graph holds it. */
static void gs_alloc(struct gs_mutator *m)
{
	struct gs_run *run = m->a.run;
	unsigned int depth = m->scope.depth, flags = 0;
	int j = gs_free_slot(m), p, ret;
	struct gs_node *x;
	size_t size;
	u64 h;

	if (j < 0)
		return;
	size = GS_PAYLOAD + 8 + gs_rand(&m->a, GS_MAX_SIZE - GS_PAYLOAD - 7);
	if (!gs_rand(&m->a, 8))
		flags = CKREMM_GC_FINALIZE;
	ret = ckremm_gc_alloc(run->gc, size, run->node, flags, &m->scope, &h);
	if (ret == -ENOMEM) {
		m->a.cnt[GS_NOSPACE]++;
		return;
	}
	if (ret) {
		gs_api(&m->a, "ckremm_gc_alloc", ret);
		return;
	}
	m->a.cnt[GS_ALLOC]++;
	m->a.cnt[GS_FINAL] += !!flags;
	atomic_inc(&m->allocs);
	if (m->scope.depth != depth + 1 || m->scope.slots[depth] != h)
		gs_api(&m->a, "ckremm_gc_alloc's push", m->scope.depth);
	x = &m->n[j];
	*x = (struct gs_node){
		.h = h, .link = { -1, -1 }, .size = ALIGN(size, T_POOL_ALIGN),
		.seed = prandom_u32_state(&m->a.rnd),
	};
	if (t_pool_size_of(run->pool, h) != x->size)
		gs_api(&m->a, "t_pool_size_of", t_pool_size_of(run->pool, h));
	gs_expected(m, x);
	ret = t_pool_write(run->pool, h, 0, m->want, x->size);
	if (ret)
		gs_mismatch(&m->a, "write to a new node refused", h);

	p = m->root >= 0 ? gs_pick_open(m) : -1;
	if (p < 0)
		gs_set_root(m, j);
	else
		gs_link(m, p, m->n[p].link[0] < 0 ? 0 : 1, j);
	ckremm_gc_scope_restore(run->gc, &m->scope, depth);
}

static void gs_pin_op(struct gs_mutator *m)
{
	struct gs_run *run = m->a.run;
	struct gs_node *x;
	size_t i;
	int p, ret;

	if (m->pinned >= 0) {
		x = &m->n[m->pinned];
		gs_check(m, m->pinned);
		if (gs_rand(&m->a, 2)) {
			/* The payload rewritten in place; never a reference. */
			x->seed = prandom_u32_state(&m->a.rnd);
			for (i = GS_PAYLOAD; i < x->size; i++)
				m->pin[i] = gs_byte(x->seed, i);
			return;
		}
		ret = t_pool_unpin(run->pool, x->h);
		if (ret)
			gs_api(&m->a, "t_pool_unpin", ret);
		m->pinned = -1;
		m->pin = NULL;
		return;
	}
	p = gs_pick(m);
	if (p < 0)
		return;
	m->pin = t_pool_pin(run->pool, m->n[p].h);
	if (!m->pin) {
		gs_mismatch(&m->a, "pin of a reachable node refused", m->n[p].h);
		return;
	}
	m->pinned = p;
	m->a.cnt[GS_PIN]++;
	gs_check(m, p);
}

/*
 * One operation of a mutator, and the shadow brought up to date.  The
 * graph grows to most of its slots and stays there, so that marking has
 * work enough for the mutators' writes and pins to meet it: a cut drops a
 * subtree, so cuts come mostly when the graph is full, links are mostly
 * added where a reference is empty, and a new root comes seldom.
 */
static void gs_mutate(struct gs_mutator *m)
{
	bool full = gs_free_slot(m) < 0;
	int p, q;

	switch (gs_rand(&m->a, 64)) {
	case 0 ... 23:
		if (!full) {
			gs_alloc(m);
			break;
		}
		fallthrough;
	case 24 ... 25:
		p = gs_pick(m);
		if (p >= 0)
			gs_link(m, p, gs_rand(&m->a, 2), -1);
		break;
	case 26 ... 33:
		/* Shared nodes and cycles, into an empty reference mostly. */
		p = gs_pick_open(m);
		q = gs_pick(m);
		if (p >= 0 && q >= 0)
			gs_link(m, p, m->n[p].link[0] < 0 ? 0 : 1, q);
		break;
	case 40:
		/* The graph moves under a new root, seldom. */
		p = gs_pick(m);
		if (p >= 0 && !gs_rand(&m->a, 4))
			gs_set_root(m, p);
		break;
	case 41 ... 44:
		gs_pin_op(m);
		break;
	default:
		p = gs_pick(m);
		if (p >= 0)
			gs_check(m, p);
		break;
	}
	gs_reach(m, true);
}

static void gs_check_all(struct gs_mutator *m)
{
	unsigned int i;

	gs_reach(m, true);
	for (i = 0; i < GS_NODES; i++)
		if (m->n[i].h)
			gs_check(m, i);
}

/* ---- a timer's objects ------------------------------------------------- */

static void gs_irq_check(struct gs_irq *q, u64 h)
{
	u64 tag = 0;
	int ret = t_pool_read(q->a.run->pool, h, GS_TAG * 8, &tag, sizeof(tag));

	if (ret || tag != gs_tag(h))
		gs_mismatch(&q->a, ret ? "held object freed" : "held object changed",
			    h);
	else
		q->a.cnt[GS_CHECKED]++;
}

static void gs_irq_alloc(struct gs_irq *q, bool pin)
{
	struct gs_run *run = q->a.run;
	size_t size = 24 + gs_rand(&q->a, GS_IRQ_MAX - 24);
	int type = gs_rand(&q->a, 2) ? run->node : CKREMM_GC_LEAF;
	u64 h, tag;
	int ret;

	ret = ckremm_gc_alloc(run->gc, size, type, pin ? CKREMM_GC_PIN : 0,
			      pin ? NULL : &q->scope, &h);
	if (ret == -ENOMEM) {
		q->a.cnt[GS_NOSPACE]++;
		return;
	}
	if (ret) {
		gs_api(&q->a, "ckremm_gc_alloc in a hard irq", ret);
		return;
	}
	q->a.cnt[GS_IRQ_ALLOC]++;
	atomic_inc(&q->allocs);
	tag = gs_tag(h);
	ret = t_pool_write(run->pool, h, GS_TAG * 8, &tag, sizeof(tag));
	if (ret)
		gs_mismatch(&q->a, "write to a new object refused", h);
	if (pin)
		q->pinned[q->npinned++] = h;
}

static void gs_irq_op(struct gs_irq *q)
{
	struct gs_run *run = q->a.run;
	unsigned int depth = q->scope.depth;
	int ret;

	if (gs_rand(&q->a, 2)) {
		if (depth < GS_IRQ_HOLD && gs_rand(&q->a, 2)) {
			gs_irq_alloc(q, false);
		} else if (depth) {
			gs_irq_check(q, q->scope.slots[depth - 1]);
			ckremm_gc_scope_restore(run->gc, &q->scope, depth - 1);
		}
	} else {
		if (q->npinned < GS_IRQ_HOLD && gs_rand(&q->a, 2)) {
			gs_irq_alloc(q, true);
		} else if (q->npinned) {
			u64 h = q->pinned[--q->npinned];

			gs_irq_check(q, h);
			ret = t_pool_unpin(run->pool, h);
			if (ret)
				gs_api(&q->a, "t_pool_unpin in a hard irq", ret);
		}
	}
	if (!(++q->ticks % 8)) {
		ret = ckremm_gc_step(run->gc, 64, NULL);
		if (ret)
			gs_api(&q->a, "ckremm_gc_step in a hard irq", ret);
	}
}

/* Let go of what the timer holds (its timer stopped). */
static void gs_irq_release(struct gs_irq *q)
{
	while (q->scope.depth) {
		gs_irq_check(q, q->scope.slots[q->scope.depth - 1]);
		ckremm_gc_scope_restore(q->a.run->gc, &q->scope,
					q->scope.depth - 1);
	}
	while (q->npinned) {
		u64 h = q->pinned[--q->npinned];

		gs_irq_check(q, h);
		if (t_pool_unpin(q->a.run->pool, h))
			gs_api(&q->a, "t_pool_unpin", -EINVAL);
	}
}

/* ---- the actors -------------------------------------------------------- */

static enum hrtimer_restart gs_timer_fn(struct hrtimer *timer)
{
	struct gs_mutator *m = container_of(timer, struct gs_mutator, timer);

	gs_irq_op(&m->irq);
	hrtimer_forward_now(timer, m->period);
	return HRTIMER_RESTART;
}

static bool gs_mutator_quota(struct gs_mutator *m)
{
	return atomic_read(&m->allocs) >= GS_MIN_ALLOCS &&
	       atomic_read(&m->irq.allocs) >= GS_MIN_IRQ;
}

static bool gs_collector_quota(struct gs_run *run)
{
	struct ckremm_gc_stats st;

	ckremm_gc_get_stats(run->gc, &st);
	return st.cycles >= GS_MIN_CYCLES &&
	       st.barrier_scans >= GS_MIN_BARRIER;
}

/*
 * A mutator goes on until the collector has met its floors too: the
 * barrier scans need the mutators' writes.
 */
static bool gs_mutator_done(struct gs_mutator *m)
{
	struct gs_run *run = m->a.run;

	if (time_after_eq(jiffies, run->last))
		return true;
	return gs_over(run) && gs_mutator_quota(m) && gs_collector_quota(run);
}

static int gs_mutator_fn(void *data)
{
	struct gs_mutator *m = data;
	unsigned int ops = 0;

	hrtimer_start(&m->timer, m->period, HRTIMER_MODE_REL_PINNED_HARD);
	while (!gs_mutator_done(m)) {
		gs_mutate(m);
		if (!(++ops % 16))
			gs_check_all(m);
		cond_resched();
	}
	hrtimer_cancel(&m->timer);
	gs_irq_release(&m->irq);
	if (m->pinned >= 0) {
		gs_check(m, m->pinned);
		if (t_pool_unpin(m->a.run->pool, m->n[m->pinned].h))
			gs_api(&m->a, "t_pool_unpin", -EINVAL);
		m->pinned = -1;
		m->pin = NULL;
	}
	gs_check_all(m);
	complete(&m->done);
	stress_park();
	return 0;
}

/* Validate the pool while the others use it: sound, or busy. */
static void gs_validate(struct gs_actor *a)
{
	struct t_pool_fault fault = { 0 };
	int ret = t_pool_validate(a->run->pool, &fault);

	if (!ret) {
		a->cnt[GS_VALIDATE]++;
	} else if (ret != -EBUSY) {
		a->cnt[GS_MISMATCH]++;
		gs_report(a, "t_pool_validate: %d at %zu: %s", ret,
			  fault.offset, fault.reason ? fault.reason : "?");
	}
}

static int gs_collector_fn(void *data)
{
	struct gs_actor *a = data;
	struct gs_run *run = a->run;
	struct ckremm_gc_step_result res = { .phase = CKREMM_GC_IDLE };
	unsigned int n = 0;
	size_t budget;
	int ret;

	while (!gs_done(run, gs_collector_quota(run))) {
		n++;
		if (!(n % 512)) {
			ret = ckremm_gc_collect(run->gc);
			if (ret)
				gs_api(a, "ckremm_gc_collect", ret);
			a->cnt[GS_COLLECT]++;
		} else if (!(n % 64)) {
			ckremm_gc_finalize(run->gc, 0);
			gs_validate(a);
		} else {
			/*
			 * Marking, and the start of a cycle, in the smallest
			 * steps, so that the mutators' writes and pins meet
			 * it; the rest in larger ones.
			 */
			if (res.phase == CKREMM_GC_MARK ||
			    res.phase == CKREMM_GC_IDLE)
				budget = 1 + gs_rand(a, 8);
			else
				budget = 64UL << gs_rand(a, 4);
			ret = ckremm_gc_step(run->gc, budget, &res);
			if (ret)
				gs_api(a, "ckremm_gc_step", ret);
			a->cnt[GS_STEP]++;
		}
		/*
		 * A pause of a tick after each cycle and after every fourth
		 * step of marking, as a background collector: marking then
		 * spans the mutators' calls.  (A timer_list's sleep: the
		 * hrtimer sleep of usleep_range() has a race of the kernel's
		 * own that KCSAN reports.)
		 */
		if (res.cycle_done || (res.phase == CKREMM_GC_MARK && !(n % 4))) {
			res.cycle_done = false;
			schedule_timeout_uninterruptible(1);
		} else {
			cond_resched();
		}
	}
	ckremm_gc_finalize(run->gc, 0);
	gs_validate(a);
	complete(&run->collector_done);
	stress_park();
	return 0;
}

/* ---- the case ------------------------------------------------------------ */

static void gs_actor_init(struct gs_actor *a, struct gs_run *run,
			  const char *name)
{
	a->run = run;
	a->name = name;
	prandom_seed_state(&a->rnd, get_random_u64());
}

static void gs_teardown(void *arg)
{
	struct gs_run *run = arg;

	ckremm_gc_destroy(run->gc);
	destroy_t_pool(run->pool);
}

/*
 * The pool's table grown to its capacity now, in process context: a
 * table that grows in a hard interrupt would ask the slab allocator from
 * there, whose locks are no raw spinlocks (see ckremm_meta_zalloc_nowait()
 * in the Linux port).  As many blocks as the table holds, then collected:
 * its chunks stay.
 */
static void gs_grow_table(struct kunit *test, struct gs_run *run)
{
	struct t_pool_stats ps;
	size_t i;

	t_pool_get_stats(run->pool, &ps);
	for (i = 0; i < ps.table_capacity; i++)
		if (t_pool_alloc_handle(run->pool, T_POOL_ALIGN, 0) ==
		    T_POOL_NO_HANDLE)
			break;
	KUNIT_EXPECT_EQ(test, ckremm_gc_collect(run->gc), 0);
	t_pool_get_stats(run->pool, &ps);
	KUNIT_ASSERT_EQ(test, ps.used_blocks, 0);
}

static struct gs_run *gs_run_new(struct kunit *test)
{
	static const u64 node_map = BIT_ULL(GS_LEFT) | BIT_ULL(GS_RIGHT);
	size_t arena = (size_t)clamp(gc_pool_kib, 64U, 65536U) * 1024;
	unsigned int cpus = num_online_cpus();
	struct ckremm_gc_params p = {
		.roots = cpus,
		.max_pins = cpus * (GS_IRQ_HOLD + 1),
		/* Paced steps small, and often: every 2 KiB allocated. */
		.step_budget = 32,
		.pace_bytes = 2048,
		.finalize = gs_finalize,
	};
	struct gs_run *run;

	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run);
	run->pool = t_pool_create(arena, 0);
	KUNIT_ASSERT_NOT_NULL(test, run->pool);
	p.finalize_arg = run;
	run->gc = ckremm_gc_create(run->pool, &p);
	if (!run->gc)
		destroy_t_pool(run->pool);
	KUNIT_ASSERT_NOT_NULL(test, run->gc);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, gs_teardown, run),
			0);
	run->node = ckremm_gc_type_register(run->gc, &node_map, 2, 0);
	KUNIT_ASSERT_GT(test, run->node, CKREMM_GC_LEAF);
	gs_grow_table(test, run);
	return run;
}

static void gs_mutator_init(struct gs_mutator *m, struct gs_run *run,
			    unsigned int slot)
{
	gs_actor_init(&m->a, run, "mutator");
	gs_actor_init(&m->irq.a, run, "irq");
	m->root_slot = slot;
	m->root = -1;
	m->pinned = -1;
	ckremm_gc_scope_init(run->gc, &m->scope, m->scope_slots, GS_SCOPE);
	ckremm_gc_scope_init(run->gc, &m->irq.scope, m->irq.scope_slots,
			     GS_IRQ_HOLD);
	init_completion(&m->done);
	hrtimer_init(&m->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	m->timer.function = gs_timer_fn;
	m->period = ns_to_ktime((u64)clamp(gc_irq_period_us, 50U, 100000U) *
				NSEC_PER_USEC);
}

/*
 * Once every actor has stopped: after a collection the pool holds exactly
 * what the shadows reach, intact; with the roots gone, nothing.
 */
static void gs_final_checks(struct kunit *test, struct gs_run *run,
			    struct gs_mutator **m, unsigned int n,
			    u64 finals)
{
	struct ckremm_gc_stats st;
	struct t_pool_stats ps;
	unsigned int i, reached = 0;
	u64 mismatches = 0;

	KUNIT_EXPECT_EQ(test, ckremm_gc_collect(run->gc), 0);
	for (i = 0; i < n; i++) {
		u64 before = m[i]->a.cnt[GS_MISMATCH];

		gs_check_all(m[i]);
		reached += gs_reach(m[i], false);
		mismatches += m[i]->a.cnt[GS_MISMATCH] - before;
	}
	KUNIT_EXPECT_EQ_MSG(test, mismatches, 0,
			    "reachable nodes freed or changed after the round");
	ckremm_gc_get_stats(run->gc, &st);
	KUNIT_EXPECT_EQ_MSG(test, st.objects, (size_t)reached,
			    "objects after a collection, against what the mutators reach");
	KUNIT_EXPECT_EQ(test, st.pinned, 0);
	KUNIT_EXPECT_EQ(test, t_pool_validate(run->pool, NULL), 0);

	for (i = 0; i < n; i++) {
		ckremm_gc_scope_exit(run->gc, &m[i]->scope);
		ckremm_gc_scope_exit(run->gc, &m[i]->irq.scope);
		KUNIT_EXPECT_EQ(test, ckremm_gc_root_set(run->gc,
							 m[i]->root_slot, 0), 0);
	}
	KUNIT_EXPECT_EQ(test, ckremm_gc_collect(run->gc), 0);
	ckremm_gc_get_stats(run->gc, &st);
	t_pool_get_stats(run->pool, &ps);
	KUNIT_EXPECT_EQ(test, st.objects, 0);
	KUNIT_EXPECT_EQ(test, ps.used_bytes, 0);
	KUNIT_EXPECT_EQ(test, ps.free_blocks, 1);
	/* Every finaliser ran, once, and found its object whole. */
	KUNIT_EXPECT_EQ(test, (u64)atomic_read(&run->finalized), finals);
	KUNIT_EXPECT_EQ(test, (u64)st.finalized, finals);
	KUNIT_EXPECT_EQ(test, atomic_read(&run->final_bad), 0);
	KUNIT_EXPECT_EQ(test, ps.refused_calls, 0);
	KUNIT_EXPECT_EQ(test, t_pool_validate(run->pool, NULL), 0);
}

static void gc_stress(struct kunit *test)
{
	unsigned int nr_cpus = num_online_cpus(), n = 0, short_mutators = 0;
	unsigned int secs = min(gc_seconds, 100U), i, cpu;
	u64 mut[GS_NR] = { 0 }, irq[GS_NR] = { 0 }, *col;
	struct gs_mutator **m;
	struct ckremm_gc_stats st;
	struct gs_run *run;
	unsigned long ended;

	if (!secs)
		kunit_skip(test, "gc_seconds=0");
	run = gs_run_new(test);
	m = kunit_kcalloc(test, nr_cpus, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	atomic_set(&run->reports, 0);
	atomic_set(&run->finalized, 0);
	atomic_set(&run->final_bad, 0);

	for_each_online_cpu(cpu) {
		if (n == nr_cpus)
			break;
		m[n] = kunit_kzalloc(test, sizeof(*m[n]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m[n]);
		gs_mutator_init(m[n], run, n);
		m[n]->task = kthread_create_on_cpu(gs_mutator_fn, m[n], cpu,
						   "ckremm_gc_stress/%u");
		if (IS_ERR(m[n]->task)) {
			ckremm_gc_scope_exit(run->gc, &m[n]->scope);
			ckremm_gc_scope_exit(run->gc, &m[n]->irq.scope);
			break;
		}
		n++;
	}
	gs_actor_init(&run->collector, run, "collector");
	init_completion(&run->collector_done);
	run->collector_task = kthread_create(gs_collector_fn, &run->collector,
					     "ckremm_gc_collect");
	if (n < nr_cpus || IS_ERR(run->collector_task)) {
		for (i = 0; i < n; i++) {
			kthread_stop(m[i]->task);
			ckremm_gc_scope_exit(run->gc, &m[i]->scope);
			ckremm_gc_scope_exit(run->gc, &m[i]->irq.scope);
		}
		if (!IS_ERR(run->collector_task))
			kthread_stop(run->collector_task);
		KUNIT_FAIL(test, "made %u of %u mutators and %s collector", n,
			   nr_cpus, IS_ERR(run->collector_task) ? "no" : "a");
		return;
	}

	run->end = jiffies + secs * HZ;
	run->last = run->end + GS_OVERTIME_S * HZ;
	for (i = 0; i < n; i++)
		wake_up_process(m[i]->task);
	wake_up_process(run->collector_task);

	for (i = 0; i < n; i++)
		stress_wait(test, &m[i]->done, secs, GS_OVERTIME_S,
			    "a mutator");
	stress_wait(test, &run->collector_done, secs, GS_OVERTIME_S,
		    "the collector");
	ended = jiffies;
	for (i = 0; i < n; i++) {
		kthread_stop(m[i]->task);
		if (!gs_mutator_quota(m[i]))
			short_mutators++;
		stress_sum(mut, m[i]->a.cnt, GS_NR);
		stress_sum(irq, m[i]->irq.a.cnt, GS_NR);
	}
	kthread_stop(run->collector_task);
	col = run->collector.cnt;
	ckremm_gc_get_stats(run->gc, &st);

	kunit_info(test, "%u CPUs, %u s asked, %u ms run, pool of %u KiB, %u mutators short of their least\n",
		   n, secs, jiffies_to_msecs(ended - run->end) + secs * 1000,
		   clamp(gc_pool_kib, 64U, 65536U), short_mutators);
	kunit_info(test, "mutators: %llu nodes (%llu with finalisers), %llu links, %llu cuts, %llu roots moved, %llu pins, %llu nodes let go; no room: %llu\n",
		   mut[GS_ALLOC], mut[GS_FINAL], mut[GS_LINK], mut[GS_CUT],
		   mut[GS_ROOT], mut[GS_PIN], mut[GS_DROP], mut[GS_NOSPACE]);
	kunit_info(test, "hard irq: %llu objects, no room %llu; collector: %llu steps, %llu collections, %llu validations; %zu cycles, %zu objects freed, %zu finalised, %zu barrier scans, %zu most work in a step\n",
		   irq[GS_IRQ_ALLOC], irq[GS_NOSPACE], col[GS_STEP], col[GS_COLLECT],
		   col[GS_VALIDATE], st.cycles, st.freed_objects, st.finalized,
		   st.barrier_scans, st.max_step_work);
	kunit_info(test, "objects checked: %llu; mismatches: %llu; wrong results: %llu\n",
		   mut[GS_CHECKED] + irq[GS_CHECKED],
		   mut[GS_MISMATCH] + irq[GS_MISMATCH] + col[GS_MISMATCH],
		   mut[GS_API] + irq[GS_API] + col[GS_API]);

	/* Zero mismatches mean something only if objects were read back. */
	KUNIT_EXPECT_GT(test, mut[GS_CHECKED] + irq[GS_CHECKED], 0);
	KUNIT_EXPECT_EQ(test, mut[GS_MISMATCH] + irq[GS_MISMATCH] +
			col[GS_MISMATCH], 0);
	KUNIT_EXPECT_EQ(test, mut[GS_API] + irq[GS_API] + col[GS_API], 0);
	KUNIT_EXPECT_EQ(test, short_mutators, 0);
	KUNIT_EXPECT_GE(test, st.cycles, (size_t)GS_MIN_CYCLES);
	KUNIT_EXPECT_GT(test, irq[GS_IRQ_ALLOC], 0);
	KUNIT_EXPECT_GT(test, mut[GS_CUT], 0);
	KUNIT_EXPECT_GT(test, mut[GS_PIN], 0);
	KUNIT_EXPECT_GT(test, mut[GS_DROP], 0);
	KUNIT_EXPECT_GT(test, st.freed_objects, 0);
	KUNIT_EXPECT_GE(test, st.barrier_scans, (size_t)GS_MIN_BARRIER);
	KUNIT_EXPECT_GT(test, col[GS_VALIDATE], 0);

	gs_final_checks(test, run, m, n, mut[GS_FINAL]);
}

static struct kunit_case gc_stress_cases[] = {
	KUNIT_CASE_SLOW(gc_stress),
	{}
};

static struct kunit_suite gc_stress_suite = {
	.name = "ckremm_gc_stress",
	.test_cases = gc_stress_cases,
};

kunit_test_suites(&gc_stress_suite);
