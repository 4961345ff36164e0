// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/ckremm: the garbage collector (ckremm/gc/) over a table pool, for
 * the GC_* requests of include/uapi/linux/ckremm.h.
 *
 * A pool has at most one collector, attached once by GC_ATTACH while the
 * pool is empty and kept until the pool's memory goes: the last reference
 * to the pool destroys the collector first (ckremm_dev_gc_release(), from
 * the pool's release), so every request that holds a pool reference may
 * use @pool->gc without a lock of its own.  The pointer is published
 * with a release store after the collector is made and read with an
 * acquire load.
 *
 * Roots: a process has no scope in the kernel and may die at any point,
 * so objects made for userspace are rooted by what the device can
 * account for: the shared root slots, and pins recorded by the
 * attachment they were taken through (attach.c), which CLOSE, DESTROY
 * and the last close() of the file drop.  GC_ALLOC makes its object
 * pinned under the pool lock, so no cycle ever sees it unrooted; it is
 * stored in a root slot and its pin recorded or dropped afterwards, under
 * the file's pin_lock like a PIN.
 *
 * Finalisation: none.  A finaliser is a kernel function, and userspace
 * objects hold nothing but bytes and handles of their own pool, which
 * the collector already follows; a dead object is freed by the sweep and
 * its handle refused from then on.  So the collector is made without a
 * finaliser and CKREMM_GC_FINALIZE is never passed.
 *
 * GC_COLLECT runs steps of bounded work until the cycles it needs have
 * ended, offering the CPU between them and giving up with -EINTR on a
 * fatal signal, rather than ckremm_gc_collect(), which cannot be cut
 * short.
 *
 * Locking: ckremm_gc_attach_lock (a mutex) makes GC_ATTACH's checks and
 * its publication one step; the collector's calls take the pool lock
 * themselves.  GC_ALLOC runs under the file's pin_lock (see "lock
 * ordering" at the top of ckremm_dev.c).
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include <ckremm/gc.h>
#include <ckremm/t_pool.h>

#include "ckremm_dev.h"

/* Work of each step of GC_COLLECT. */
#define CKREMM_GC_COLLECT_STEP	4096

/* The ABI's names for the collector's own values. */
static_assert(CKREMM_GC_TYPE_WORDS == CKREMM_GC_WORDS);
static_assert(CKREMM_GC_TYPE_LEAF == CKREMM_GC_LEAF);
static_assert(CKREMM_GC_TYPES_MAX == CKREMM_GC_MAX_TYPES);
static_assert(CKREMM_GC_PHASE_IDLE == CKREMM_GC_IDLE);
static_assert(CKREMM_GC_PHASE_MARK == CKREMM_GC_MARK);
static_assert(CKREMM_GC_PHASE_SWEEP == CKREMM_GC_SWEEP);
static_assert(CKREMM_GC_PHASE_COMPACT == CKREMM_GC_COMPACT);

static DEFINE_MUTEX(ckremm_gc_attach_lock);

static struct t_pool *to_t_pool(struct ckremm_pool *pool)
{
	return pool->impl;
}

/* The pool's collector: -EOPNOTSUPP for a header pool, -ENODEV if none. */
static struct ckremm_gc *ckremm_pool_gc(struct ckremm_pool *pool)
{
	struct ckremm_gc *gc;

	if (pool->ops->kind != CKREMM_KIND_TABLE)
		return ERR_PTR(-EOPNOTSUPP);
	/* Pairs with ckremm_dev_gc_attach(): @gc_roots is set. */
	gc = smp_load_acquire(&pool->gc);
	return gc ?: ERR_PTR(-ENODEV);
}

/* Fields of a GC_ATTACH the collector does not check itself. */
static bool ckremm_gc_setup_valid(const struct ckremm_gc_setup *g)
{
	return !(g->flags & ~CKREMM_GC_ATTACH_FLAGS) &&
	       !g->reserved[0] && !g->reserved[1] &&
	       (!g->max_types || (g->max_types > CKREMM_GC_TYPE_LEAF + 1 &&
				  g->max_types <= CKREMM_GC_TYPES_MAX)) &&
	       g->roots <= 0x10000U && g->max_pins <= 0xffffU &&
	       g->trigger_percent <= 10000 &&
	       g->step_budget <= CKREMM_GC_BUDGET_MAX &&
	       g->trigger_min == (size_t)g->trigger_min &&
	       g->pace_bytes == (size_t)g->pace_bytes;
}

int ckremm_dev_gc_attach(struct ckremm_pool *pool,
			 const struct ckremm_gc_setup *g)
{
	struct ckremm_gc_params p = {
		.max_types = g->max_types,
		.roots = g->roots,
		.max_pins = g->max_pins,
		.trigger_percent = g->trigger_percent,
		.trigger_min = g->trigger_min,
		.pace_bytes = g->pace_bytes,
		.step_budget = g->step_budget,
		.manual = g->flags & CKREMM_GC_ATTACH_MANUAL,
	};
	struct t_pool_stats st;
	struct ckremm_gc *gc;
	int err = 0;

	if (!ckremm_gc_setup_valid(g))
		return -EINVAL;
	if (pool->ops->kind != CKREMM_KIND_TABLE)
		return -EOPNOTSUPP;

	mutex_lock(&ckremm_gc_attach_lock);
	if (pool->gc) {
		err = -EEXIST;
		goto out;
	}
	t_pool_get_stats(to_t_pool(pool), &st);
	if (st.used_blocks) {
		err = -EBUSY;
		goto out;
	}
	gc = ckremm_gc_create(to_t_pool(pool), &p);
	if (!gc) {
		/* A block allocated since the check, or no memory. */
		t_pool_get_stats(to_t_pool(pool), &st);
		err = st.used_blocks ? -EBUSY : -ENOMEM;
		goto out;
	}
	pool->gc_roots = p.roots ?: 16;
	/* Pairs with ckremm_pool_gc(): readers see @gc_roots set. */
	smp_store_release(&pool->gc, gc);
out:
	mutex_unlock(&ckremm_gc_attach_lock);
	return err;
}

int ckremm_dev_gc_type(struct ckremm_pool *pool, const u64 *map,
		       struct ckremm_gc_layout *l)
{
	struct ckremm_gc *gc = ckremm_pool_gc(pool);
	int id;

	if (IS_ERR(gc))
		return PTR_ERR(gc);
	id = ckremm_gc_type_register(gc, map, l->words,
				     l->flags & CKREMM_GC_LAYOUT_REPEAT ?
				     CKREMM_GC_TYPE_REPEAT : 0);
	if (id < 0)
		return id;
	l->type = id;
	return 0;
}

/*
 * Make the object of GC_ALLOC @arg, pinned, and store it in its root slot
 * if asked: ckremm_attach_pin_new()'s @make.
 */
static int ckremm_gc_make(struct ckremm_pool *pool, void *arg, u64 *handle)
{
	struct ckremm_gc_object *o = arg;
	int err;

	err = ckremm_gc_alloc(pool->gc, o->size, o->type, CKREMM_GC_PIN, NULL,
			      handle);
	/* The slot was checked: this cannot fail. */
	if (!err && (o->flags & CKREMM_GC_ALLOC_ROOT))
		WARN_ON_ONCE(ckremm_gc_root_set(pool->gc, o->slot, *handle));
	return err;
}

int ckremm_dev_gc_alloc(struct ckremm_attach *att, struct ckremm_gc_object *o)
{
	struct ckremm_pool *pool = att->pool;
	struct ckremm_gc *gc = ckremm_pool_gc(pool);
	int err;

	if (IS_ERR(gc))
		return PTR_ERR(gc);
	if ((o->flags & CKREMM_GC_ALLOC_ROOT) && o->slot >= pool->gc_roots)
		return -EINVAL;
	/* The ABI's answer to a size no pool of this arena can hold. */
	if (o->size > pool->arena_size)
		return -ENOMEM;
	if (o->flags & CKREMM_GC_ALLOC_PIN)
		return ckremm_attach_pin_new(att, ckremm_gc_make, o, &o->handle);
	/* Only a root slot keeps it: its pin goes once the slot holds it. */
	err = ckremm_gc_make(pool, o, &o->handle);
	if (!err)
		WARN_ON_ONCE(t_pool_unpin(to_t_pool(pool), o->handle));
	return err;
}

int ckremm_dev_gc_root_set(struct ckremm_pool *pool,
			   const struct ckremm_gc_slot *s)
{
	struct ckremm_gc *gc = ckremm_pool_gc(pool);

	if (IS_ERR(gc))
		return PTR_ERR(gc);
	if (s->slot >= pool->gc_roots ||
	    (s->handle && ckremm_gc_type_of(gc, s->handle) < 0))
		return -EINVAL;
	return ckremm_gc_root_set(gc, s->slot, s->handle);
}

int ckremm_dev_gc_root_get(struct ckremm_pool *pool, struct ckremm_gc_slot *s)
{
	struct ckremm_gc *gc = ckremm_pool_gc(pool);

	if (IS_ERR(gc))
		return PTR_ERR(gc);
	if (s->slot >= pool->gc_roots)
		return -EINVAL;
	s->handle = ckremm_gc_root_get(gc, s->slot);
	return 0;
}

int ckremm_dev_gc_step(struct ckremm_pool *pool, struct ckremm_gc_work *w)
{
	struct ckremm_gc *gc = ckremm_pool_gc(pool);
	struct ckremm_gc_step_result res;

	if (IS_ERR(gc))
		return PTR_ERR(gc);
	ckremm_gc_step(gc, w->budget, &res);
	w->phase = res.phase;
	w->cycles_done = res.cycle_done;
	w->work = res.work;
	w->freed_objects = res.freed_objects;
	w->freed_bytes = res.freed_bytes;
	return 0;
}

int ckremm_dev_gc_collect(struct ckremm_pool *pool, struct ckremm_gc_work *w)
{
	struct ckremm_gc *gc = ckremm_pool_gc(pool);
	struct ckremm_gc_step_result res;
	struct ckremm_gc_stats before, now;
	size_t target;
	int err = 0;

	if (IS_ERR(gc))
		return PTR_ERR(gc);
	ckremm_gc_get_stats(gc, &before);
	/* A cycle that runs may have marked what is dead now: one more. */
	target = before.cycles + (before.phase == CKREMM_GC_IDLE ? 1 : 2);
	now = before;
	while (now.cycles < target) {
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		ckremm_gc_step(gc, CKREMM_GC_COLLECT_STEP, &res);
		w->work += res.work;
		cond_resched();
		ckremm_gc_get_stats(gc, &now);
	}
	w->phase = now.phase;
	w->cycles_done = now.cycles - before.cycles;
	w->freed_objects = now.freed_objects - before.freed_objects;
	w->freed_bytes = now.freed_bytes - before.freed_bytes;
	return err;
}

int ckremm_dev_gc_stats(struct ckremm_pool *pool, struct ckremm_gc_figures *f)
{
	struct ckremm_gc *gc = ckremm_pool_gc(pool);
	struct ckremm_gc_stats st;

	if (IS_ERR(gc))
		return PTR_ERR(gc);
	ckremm_gc_get_stats(gc, &st);
	f->phase = st.phase;
	f->cycles = st.cycles;
	f->steps = st.steps;
	f->objects = st.objects;
	f->live_bytes = st.live_bytes;
	f->allocated_bytes = st.allocated_bytes;
	f->freed_objects = st.freed_objects;
	f->freed_bytes = st.freed_bytes;
	f->pinned = st.pinned;
	f->max_step_work = st.max_step_work;
	f->max_start_work = st.max_start_work;
	f->barrier_scans = st.barrier_scans;
	f->overflows = st.overflows;
	f->failed_allocs = st.failed_allocs;
	f->meta_bytes = st.meta_bytes;
	return 0;
}

/* The pool's last reference: the collector goes before the pool. */
void ckremm_dev_gc_release(struct ckremm_pool *pool)
{
	ckremm_gc_destroy(pool->gc);
	pool->gc = NULL;
}
