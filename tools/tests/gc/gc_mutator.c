// SPDX-License-Identifier: GPL-2.0-only
/*
 * gc_mutator.c - the mutator of gc_mutator.h: operations on a collected
 * pool and its reference model, and the checks after each.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gc_mutator.h"

#define SHOWN_PROBLEMS	8

static const char *const op_names[GC_MUT_OPS] = {
	"alloc", "alloc", "alloc", "alloc", "link", "link", "link", "cut",
	"copy", "clean", "fill", "root", "push", "restore", "pin", "unfix",
	"hold", "fixed_write", "step", "step", "finalize", "free_dead",
	"reorder", "collect",
};

const char *gc_mut_op_name(unsigned int op)
{
	return op_names[op % GC_MUT_OPS];
}

void gc_mut_problem(struct gc_mut *mu, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (++mu->problems > SHOWN_PROBLEMS)
		return;
	n = snprintf(mu->buf, sizeof(mu->buf), "op %lu: ", mu->ops);
	va_start(ap, fmt);
	vsnprintf(mu->buf + n, sizeof(mu->buf) - n, fmt, ap);
	va_end(ap);
	mu->report(mu->arg, mu->buf);
}

static uint32_t rnd(struct gc_mut *mu, uint32_t n)
{
	return n ? mu->next(mu->arg) % n : 0;
}

/* ---- the model's view ------------------------------------------------------ */

static void reach(struct gc_mut *mu)
{
	unsigned int i;

	if (!mu->dirty)
		return;
	gc_model_reach(&mu->m);
	mu->nreach = 0;
	for (i = 0; i < mu->m.n; i++)
		if (mu->m.o[i].reached)
			mu->reach[mu->nreach++] = i;
	mu->dirty = false;
}

/* The address object @h is held alone at, or NULL. */
static uint8_t *held_alone(const struct gc_mut *mu, u64 h)
{
	unsigned int i;

	for (i = 0; i < mu->nfixed; i++)
		if (mu->fixed[i].h == h && !mu->fixed[i].pin)
			return mu->fixed[i].addr;
	return NULL;
}

/*
 * A reachable object's index, or -1 if none is; not one held alone, which
 * the pool's calls refuse.
 */
static int pick_live(struct gc_mut *mu)
{
	unsigned int tries;

	reach(mu);
	for (tries = 0; mu->nreach && tries < 4; tries++) {
		unsigned int i = mu->reach[rnd(mu, mu->nreach)];

		if (!held_alone(mu, mu->m.o[i].h))
			return (int)i;
	}
	return -1;
}

/* Objects in the collector's pin set, as the model has them. */
static unsigned int fixed_objects(const struct gc_mut *mu)
{
	unsigned int i, n = 0;

	for (i = 0; i < mu->m.n; i++)
		n += mu->m.o[i].fixed > 0;
	return n;
}

/* A value no live object has: zero, a stale handle or a forged one. */
static u64 dead_value(struct gc_mut *mu)
{
	u64 v;

	switch (rnd(mu, 3)) {
	case 0:
		return T_POOL_NO_HANDLE;
	case 1:
		if (mu->nstale) {
			v = mu->stale[rnd(mu, mu->nstale)];
			break;
		}
		v = 0;
		break;
	default:
		v = (u64)mu->next(mu->arg) << 32 | mu->next(mu->arg);
		break;
	}
	return gc_model_find(&mu->m, v) < 0 ? v : T_POOL_NO_HANDLE;
}

static void add_stale(struct gc_mut *mu, u64 h)
{
	mu->stale[mu->nstale < GC_MUT_STALE ? mu->nstale++ :
		  rnd(mu, GC_MUT_STALE)] = h;
}

/* ---- checks ------------------------------------------------------------------ */

/* Object @i's bytes from @pos on, through the pool, against the model. */
static void check_bytes(struct gc_mut *mu, unsigned int i, size_t pos,
			size_t len)
{
	uint8_t buf[512], *at = held_alone(mu, mu->m.o[i].h);

	if (at) {
		if (gc_model_diff(&mu->m, i, at + pos, pos, len) != len)
			gc_mut_problem(mu, "held %#llx differs at its address",
				       (unsigned long long)mu->m.o[i].h);
		return;
	}
	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf), k;
		int err = t_pool_read(mu->pool, mu->m.o[i].h, pos, buf, n);

		if (err) {
			gc_mut_problem(mu, "read of live %#llx (%s) gives %d",
				       (unsigned long long)mu->m.o[i].h,
				       mu->m.o[i].reached ? "reachable" :
				       "unreachable", err);
			return;
		}
		k = gc_model_diff(&mu->m, i, buf, pos, n);
		if (k != n) {
			gc_mut_problem(mu, "object %#llx byte %zu is %#x, not %#x",
				       (unsigned long long)mu->m.o[i].h, pos + k,
				       buf[k], mu->m.o[i].bytes[pos + k]);
			return;
		}
		pos += n;
		len -= n;
	}
}

/*
 * Take out of the model what the collector freed: each must have been
 * unreachable, and finalised once if it had a finaliser.
 */
static void sync_freed(struct gc_mut *mu)
{
	unsigned int i = 0;

	reach(mu);
	while (i < mu->m.n) {
		struct gc_model_obj *o = &mu->m.o[i];

		if (t_pool_size_of(mu->pool, o->h)) {
			i++;
			continue;
		}
		if (o->reached)
			gc_mut_problem(mu, "reachable object %#llx was freed",
				       (unsigned long long)o->h);
		if (o->finalized != (o->final ? 1U : 0U))
			gc_mut_problem(mu, "object %#llx freed after %u finalisers (wants %d)",
				       (unsigned long long)o->h, o->finalized,
				       o->final);
		mu->freed_seen++;
		add_stale(mu, o->h);
		gc_model_remove(&mu->m, i);
		mu->dirty = true;
	}
}

/* Everything unreachable in the model, while the collector is idle. */
static void note_idle_dead(struct gc_mut *mu)
{
	unsigned int i;

	mu->nidle_dead = 0;
	if (mu->st.phase != CKREMM_GC_IDLE)
		return;
	reach(mu);
	for (i = 0; i < mu->m.n; i++)
		if (!mu->m.o[i].reached)
			mu->idle_dead[mu->nidle_dead++] = mu->m.o[i].h;
}

/* The doomed objects must be gone; queued finalisers are run first. */
static void check_doomed(struct gc_mut *mu, const u64 *list, unsigned int n,
			 const char *when)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		int i = gc_model_find(&mu->m, list[k]);

		if (i >= 0 && mu->m.o[i].final && !mu->m.o[i].finalized) {
			ckremm_gc_finalize(mu->gc, 0);
			sync_freed(mu);
			break;
		}
	}
	for (k = 0; k < n; k++)
		if (gc_model_find(&mu->m, list[k]) >= 0)
			gc_mut_problem(mu, "object %#llx, unreachable %s, is still live",
				       (unsigned long long)list[k], when);
	mu->doomed_checked += n;
}

/*
 * Object @i, unreachable, is freed while marking runs: the free scans it
 * first, as it must for an object the snapshot holds, so what it reaches
 * may float to the next cycle.  Take that out of the doomed.
 */
static void spare_reached_from(struct gc_mut *mu, unsigned int i)
{
	unsigned int k = 0;

	if (gc_model_scope_init(&mu->m, GC_MODEL_SCOPES - 1, 1))
		return;
	gc_model_scope_push(&mu->m, GC_MODEL_SCOPES - 1, mu->m.o[i].h);
	gc_model_reach(&mu->m);
	while (k < mu->ndoomed) {
		int j = gc_model_find(&mu->m, mu->doomed[k]);

		if (j >= 0 && mu->m.o[j].reached)
			mu->doomed[k] = mu->doomed[--mu->ndoomed];
		else
			k++;
	}
	gc_model_scope_exit(&mu->m, GC_MODEL_SCOPES - 1);
	mu->dirty = true;
}

/* After every operation: structure, figures, the cycles' promises. */
static void after_op(struct gc_mut *mu, const struct ckremm_gc_stats *before)
{
	struct t_pool_fault fault;
	struct ckremm_gc_stats *st = &mu->st;
	bool started;

	if (t_pool_validate(mu->pool, &fault))
		gc_mut_problem(mu, "validate: %s at %zu", fault.reason,
			       fault.offset);
	ckremm_gc_get_stats(mu->gc, st);
	if (st->freed_objects != mu->freed_seen ||
	    st->finalized != mu->finalized_seen)
		sync_freed(mu);
	ckremm_gc_get_stats(mu->gc, st);
	if (st->objects != mu->m.n)
		gc_mut_problem(mu, "stats: %zu objects, the model %u",
			       st->objects, mu->m.n);
	if (st->freed_objects != mu->freed_seen)
		gc_mut_problem(mu, "stats: %zu freed, seen %zu",
			       st->freed_objects, mu->freed_seen);
	if (st->finalized != mu->finalized_seen)
		gc_mut_problem(mu, "stats: %zu finalised, seen %zu",
			       st->finalized, mu->finalized_seen);
	if (st->pinned != fixed_objects(mu))
		gc_mut_problem(mu, "stats: pin set of %zu, the model %u",
			       st->pinned, fixed_objects(mu));
	if (st->cycles < before->cycles)
		gc_mut_problem(mu, "stats: cycles went back");

	/* A cycle ended that had doomed objects. */
	if (mu->doomed_until && st->cycles >= mu->doomed_until) {
		check_doomed(mu, mu->doomed, mu->ndoomed,
			     "when its cycle began");
		mu->cycles_checked++;
		mu->doomed_until = 0;
		mu->ndoomed = 0;
	}
	/* A cycle began in this operation. */
	started = before->phase == CKREMM_GC_IDLE ?
		  st->cycles > before->cycles || st->phase != CKREMM_GC_IDLE :
		  st->cycles > before->cycles && st->phase != CKREMM_GC_IDLE;
	if (started && mu->nidle_dead) {
		memcpy(mu->doomed, mu->idle_dead,
		       mu->nidle_dead * sizeof(*mu->doomed));
		mu->ndoomed = mu->nidle_dead;
		mu->doomed_until = st->phase == CKREMM_GC_IDLE ?
				   st->cycles : st->cycles + 1;
		if (st->cycles >= mu->doomed_until) {
			check_doomed(mu, mu->doomed, mu->ndoomed,
				     "when its cycle began");
			mu->cycles_checked++;
			mu->doomed_until = 0;
			mu->ndoomed = 0;
		}
	}
	mu->nidle_dead = 0;
}

/* ---- the finaliser ------------------------------------------------------------ */

static void finalizer(struct ckremm_gc *gc, u64 handle, unsigned int type,
		      void *arg)
{
	struct gc_mut *mu = arg;
	int i;

	(void)gc;
	mu->finalized_seen++;
	if (mu->in_alloc)
		gc_mut_problem(mu, "finaliser of %#llx ran in an allocation",
			       (unsigned long long)handle);
	reach(mu);
	i = gc_model_finalized(&mu->m, handle);
	if (i < 0) {
		gc_mut_problem(mu, "finaliser of unknown %#llx",
			       (unsigned long long)handle);
		return;
	}
	if (!mu->m.o[i].final || mu->m.o[i].finalized != 1 ||
	    mu->m.o[i].reached || mu->m.o[i].type != type)
		gc_mut_problem(mu, "finaliser of %#llx: final %d, run %u times, reachable %d, type %u for %u",
			       (unsigned long long)handle, mu->m.o[i].final,
			       mu->m.o[i].finalized, mu->m.o[i].reached, type,
			       mu->m.o[i].type);
	check_bytes(mu, (unsigned int)i, 0, mu->m.o[i].size);
}

/* ---- operations ------------------------------------------------------------------ */

static size_t pick_size(struct gc_mut *mu)
{
	size_t size;

	if (!rnd(mu, 24) && mu->cfg.step_bytes)
		size = mu->cfg.step_bytes + 1 + rnd(mu, 2 * mu->cfg.step_bytes);
	else
		size = 1 + rnd(mu, 1U << (3 + rnd(mu, 8)));
	return size < mu->cfg.max_size ? size : mu->cfg.max_size;
}

/* Write @v to word @w of object @i, through the pool, and to the model. */
static void store_word(struct gc_mut *mu, unsigned int i, size_t w,
		       u64 v)
{
	int err = t_pool_write(mu->pool, mu->m.o[i].h, w * 8, &v, 8);

	if (err) {
		gc_mut_problem(mu, "write to %#llx: %d",
			       (unsigned long long)mu->m.o[i].h, err);
		return;
	}
	gc_model_write(&mu->m, i, w * 8, &v, 8);
	mu->dirty = true;
}

/* A reference word of object @i, or -1 after a few tries. */
static long pick_ref_word(struct gc_mut *mu, unsigned int i)
{
	size_t words = mu->m.o[i].size / 8;
	unsigned int tries;

	for (tries = 0; tries < 8; tries++) {
		size_t w = rnd(mu, (uint32_t)words);

		if (gc_model_is_ref(&mu->m, i, w))
			return (long)w;
	}
	return -1;
}

static void op_alloc(struct gc_mut *mu)
{
	unsigned int type = rnd(mu, GC_MUT_TYPES), flags = 0, k;
	size_t size = pick_size(mu);
	bool scoped = rnd(mu, 10) != 0, want_nospc;
	struct ckremm_gc_stats before = mu->st;
	struct ckremm_gc_scope *scope = scoped ? &mu->scope : NULL;
	u64 h = 0;
	int err, i;

	if (mu->m.n == mu->m.max)
		return;
	if (!rnd(mu, 6))
		flags |= CKREMM_GC_FINALIZE;
	if (!rnd(mu, 12) && mu->nfixed < GC_MUT_MAX_FIXED)
		flags |= CKREMM_GC_PIN;
	/* Mostly make room on a full scope first. */
	if (scoped && mu->scope.depth == mu->scope.max && rnd(mu, 4)) {
		ckremm_gc_scope_restore(mu->gc, &mu->scope, mu->scope.max / 2);
		gc_model_scope_restore(&mu->m, 0, mu->scope.max / 2);
		mu->dirty = true;
	}
	want_nospc = (scoped && mu->m.scopes[0].depth == mu->m.scopes[0].max) ||
		     ((flags & CKREMM_GC_PIN) &&
		      fixed_objects(mu) == mu->cfg.params.max_pins);
	note_idle_dead(mu);
	mu->in_alloc = true;
	err = ckremm_gc_alloc(mu->gc, size, type, flags, scope, &h);
	mu->in_alloc = false;
	mu->allocs++;
	if (err == -ENOSPC) {
		mu->enospc++;
		if (!want_nospc)
			gc_mut_problem(mu, "alloc refused -ENOSPC, scope %u/%u, pins %u",
				       mu->m.scopes[0].depth,
				       mu->m.scopes[0].max, fixed_objects(mu));
		return;
	}
	if (want_nospc)
		gc_mut_problem(mu, "alloc gave %d, not -ENOSPC", err);
	if (err == -ENOMEM) {
		struct ckremm_gc_stats now;

		mu->enomem++;
		ckremm_gc_get_stats(mu->gc, &now);
		/* One collection step, never a whole collection. */
		if (now.steps > before.steps + 1)
			gc_mut_problem(mu, "-ENOMEM after %zu steps",
				       now.steps - before.steps);
		if (now.failed_allocs != before.failed_allocs + 1)
			gc_mut_problem(mu, "-ENOMEM not counted");
		return;
	}
	if (err) {
		gc_mut_problem(mu, "alloc of %zu gave %d", size, err);
		return;
	}
	if (!gc_model_add(&mu->m, h, size, type, flags & CKREMM_GC_FINALIZE)) {
		gc_mut_problem(mu, "the model is out of memory");
		return;
	}
	i = (int)mu->m.n - 1;
	mu->dirty = true;
	if (scoped)
		gc_model_scope_push(&mu->m, 0, h);
	if (t_pool_size_of(mu->pool, h) != mu->m.o[i].size) {
		/* A cycle began in the allocation's step and took it. */
		if (scoped || (flags & CKREMM_GC_PIN))
			gc_mut_problem(mu, "new rooted object %#llx is gone",
				       (unsigned long long)h);
		return;
	}
	if (flags & CKREMM_GC_PIN) {
		size_t off, sz;

		gc_model_fix(&mu->m, (unsigned int)i);
		if (t_pool_offset_of(mu->pool, h, &off)) {
			gc_mut_problem(mu, "offset of a pinned object");
		} else {
			mu->fixed[mu->nfixed].h = h;
			mu->fixed[mu->nfixed].pin = true;
			mu->fixed[mu->nfixed++].addr =
				(uint8_t *)t_pool_arena(mu->pool, &sz) + off;
		}
	}
	if (!scoped && !(flags & CKREMM_GC_PIN))
		return;		/* garbage from the start: never touched */
	check_bytes(mu, (unsigned int)i, 0, mu->m.o[i].size < 256 ?
		    mu->m.o[i].size : 256);
	/* Some references to reachable objects, and some data. */
	k = rnd(mu, 4);
	/* Now and then a wide fan-out, for the grey stack to overflow. */
	if (type == GC_MUT_ARRAY && !rnd(mu, 4))
		k = (unsigned int)(mu->m.o[i].size / 16);
	for (; k; k--) {
		long w = pick_ref_word(mu, (unsigned int)i);
		int j = pick_live(mu);

		i = gc_model_find(&mu->m, h);
		if (w >= 0 && j >= 0)
			store_word(mu, (unsigned int)i, (size_t)w,
				   mu->m.o[j].h);
	}
	if (type == CKREMM_GC_LEAF || !rnd(mu, 3)) {
		size_t len = mu->m.o[i].size < 64 ? mu->m.o[i].size : 64;

		i = gc_model_find(&mu->m, h);
		gc_model_fill(&mu->m, (unsigned int)i, mu->m.o[i].size - len,
			      len);
		if (t_pool_write(mu->pool, h, mu->m.o[i].size - len,
				 mu->m.o[i].bytes + mu->m.o[i].size - len, len))
			gc_mut_problem(mu, "write of new %#llx",
				       (unsigned long long)h);
	}
}

static void op_link(struct gc_mut *mu, bool cut)
{
	int i = pick_live(mu), j = pick_live(mu);
	long w;

	if (i < 0)
		return;
	w = pick_ref_word(mu, (unsigned int)i);
	if (w < 0)
		return;
	store_word(mu, (unsigned int)i, (size_t)w,
		   cut || j < 0 ? dead_value(mu) : mu->m.o[j].h);
	mu->links++;
}

static void op_copy(struct gc_mut *mu)
{
	int src = pick_live(mu), dst = pick_live(mu), err;

	if (src < 0 || dst < 0 || mu->m.o[dst].size < mu->m.o[src].size)
		return;
	err = t_pool_copy(mu->pool, mu->m.o[dst].h, mu->m.o[src].h);
	if (err) {
		gc_mut_problem(mu, "copy: %d", err);
		return;
	}
	gc_model_copy(&mu->m, (unsigned int)dst, (unsigned int)src);
	mu->dirty = true;
}

static void op_clean(struct gc_mut *mu)
{
	int i = pick_live(mu), err;

	if (i < 0 || rnd(mu, 3))
		return;
	err = t_pool_clean(mu->pool, mu->m.o[i].h);
	if (err) {
		gc_mut_problem(mu, "clean: %d", err);
		return;
	}
	gc_model_clean(&mu->m, (unsigned int)i);
	mu->dirty = true;
}

static void op_fill(struct gc_mut *mu)
{
	int i = pick_live(mu);
	size_t pos, len;

	if (i < 0)
		return;
	pos = rnd(mu, (uint32_t)mu->m.o[i].size);
	len = 1 + rnd(mu, (uint32_t)(mu->m.o[i].size - pos));
	if (len > 1024)
		len = 1024;
	gc_model_fill(&mu->m, (unsigned int)i, pos, len);
	if (t_pool_write(mu->pool, mu->m.o[i].h, pos, mu->m.o[i].bytes + pos,
			 len))
		gc_mut_problem(mu, "fill: write refused");
	mu->dirty = true;
}

static void op_root(struct gc_mut *mu)
{
	unsigned int slot = rnd(mu, mu->m.nroots + 1);
	int i = pick_live(mu), err, want;
	u64 h = i >= 0 && rnd(mu, 3) ? mu->m.o[i].h : dead_value(mu);

	want = gc_model_root_set(&mu->m, slot, h);
	err = ckremm_gc_root_set(mu->gc, slot, h);
	if (err != want)
		gc_mut_problem(mu, "root_set(%u) gave %d, not %d", slot, err,
			       want);
	if (!err && ckremm_gc_root_get(mu->gc, slot) != h)
		gc_mut_problem(mu, "root_get(%u) differs", slot);
	mu->dirty = true;
}

static void op_push(struct gc_mut *mu)
{
	int i = pick_live(mu), err, want;
	u64 h = i >= 0 ? mu->m.o[i].h : dead_value(mu);

	want = gc_model_scope_push(&mu->m, 0, h);
	err = ckremm_gc_scope_push(mu->gc, &mu->scope, h);
	if (err != want)
		gc_mut_problem(mu, "scope push gave %d, not %d", err, want);
	if (err == -ENOSPC)
		mu->enospc++;
}

static void op_restore(struct gc_mut *mu)
{
	unsigned int depth = rnd(mu, mu->scope.depth + 1);

	/* Now and then keep most of it. */
	if (rnd(mu, 2))
		depth = mu->scope.depth - (mu->scope.depth - depth) / 4;
	ckremm_gc_scope_restore(mu->gc, &mu->scope, depth);
	gc_model_scope_restore(&mu->m, 0, depth);
	if (mu->scope.depth != mu->m.scopes[0].depth)
		gc_mut_problem(mu, "scope depth %u, the model %u",
			       mu->scope.depth, mu->m.scopes[0].depth);
	mu->dirty = true;
}

static void op_fix(struct gc_mut *mu, bool pin)
{
	int i = pick_live(mu), err = 0;
	bool full, had;
	void *addr = NULL;
	size_t size;

	if (i < 0 || mu->nfixed == GC_MUT_MAX_FIXED)
		return;
	had = mu->m.o[i].fixed > 0;
	full = fixed_objects(mu) == mu->cfg.params.max_pins;
	if (pin) {
		addr = t_pool_pin(mu->pool, mu->m.o[i].h);
		err = addr ? 0 : -ENOSPC;
	} else {
		err = t_pool_hold(mu->pool, mu->m.o[i].h, true, &addr, &size);
		if (err == -EBUSY)
			return;	/* held alone already */
	}
	if (err) {
		mu->enospc++;
		if (err != -ENOSPC || !full || had)
			gc_mut_problem(mu, "%s of %#llx gave %d, pin set %u/%u",
				       pin ? "pin" : "hold",
				       (unsigned long long)mu->m.o[i].h, err,
				       fixed_objects(mu),
				       mu->cfg.params.max_pins);
		return;
	}
	if (full && !had)
		gc_mut_problem(mu, "%s past a full pin set",
			       pin ? "pin" : "hold");
	gc_model_fix(&mu->m, (unsigned int)i);
	mu->fixed[mu->nfixed].h = mu->m.o[i].h;
	mu->fixed[mu->nfixed].addr = addr;
	mu->fixed[mu->nfixed++].pin = pin;
	mu->dirty = true;
}

static void op_unfix(struct gc_mut *mu)
{
	struct gc_mut_fixed *f;
	int i, err;

	if (!mu->nfixed)
		return;
	f = &mu->fixed[rnd(mu, mu->nfixed)];
	i = gc_model_find(&mu->m, f->h);
	err = f->pin ? t_pool_unpin(mu->pool, f->h) :
		       t_pool_unhold(mu->pool, f->h, true);
	if (err || i < 0)
		gc_mut_problem(mu, "unfix of %#llx: %d, in the model %d",
			       (unsigned long long)f->h, err, i);
	if (i >= 0)
		gc_model_unfix(&mu->m, (unsigned int)i);
	*f = mu->fixed[--mu->nfixed];
	mu->dirty = true;
}

/* A write straight through a pinned or held address: no barrier. */
static void op_fixed_write(struct gc_mut *mu)
{
	struct gc_mut_fixed *f;
	int i, j;
	long w;

	if (!mu->nfixed)
		return;
	f = &mu->fixed[rnd(mu, mu->nfixed)];
	i = gc_model_find(&mu->m, f->h);
	if (i < 0) {
		gc_mut_problem(mu, "fixed %#llx is gone",
			       (unsigned long long)f->h);
		return;
	}
	if (model_first_diff(f->addr, mu->m.o[i].bytes, mu->m.o[i].size) !=
	    mu->m.o[i].size)
		gc_mut_problem(mu, "fixed %#llx differs at its address",
			       (unsigned long long)f->h);
	w = pick_ref_word(mu, (unsigned int)i);
	j = pick_live(mu);
	if (w >= 0) {
		u64 v = j >= 0 && rnd(mu, 4) ? mu->m.o[j].h :
						    dead_value(mu);

		memcpy(f->addr + w * 8, &v, 8);
		gc_model_write(&mu->m, (unsigned int)i, (size_t)w * 8, &v, 8);
	} else {
		size_t len = mu->m.o[i].size < 32 ? mu->m.o[i].size : 32;

		gc_model_fill(&mu->m, (unsigned int)i, 0, len);
		memcpy(f->addr, mu->m.o[i].bytes, len);
	}
	mu->pinned_writes++;
	mu->dirty = true;
}

static void op_step(struct gc_mut *mu)
{
	struct ckremm_gc_step_result res;
	struct ckremm_gc_stats now;
	size_t budget = rnd(mu, 4) ? 1 + rnd(mu, 64) : 1 + rnd(mu, 4096);
	bool idle = mu->st.phase == CKREMM_GC_IDLE;
	int err;

	note_idle_dead(mu);
	err = ckremm_gc_step(mu->gc, budget, &res);
	ckremm_gc_get_stats(mu->gc, &now);
	if (err)
		gc_mut_problem(mu, "step: %d", err);
	if (res.work > budget +
	    (idle ? now.max_start_work : 0))
		gc_mut_problem(mu, "step of budget %zu did %zu (start %zu)",
			       budget, res.work, now.max_start_work);
	if (res.phase != now.phase)
		gc_mut_problem(mu, "step says phase %d, stats %d", res.phase,
			       now.phase);
	if (now.overflows != mu->st.overflows)
		mu->overflow_steps++;
}

static void op_free_dead(struct gc_mut *mu)
{
	unsigned int k, i;
	int err;

	reach(mu);
	if (mu->nreach == mu->m.n)
		return;
	for (k = rnd(mu, mu->m.n), i = 0; i < mu->m.n; i++)
		if (!mu->m.o[(k + i) % mu->m.n].reached)
			break;
	i = (k + i) % mu->m.n;
	if (mu->st.phase == CKREMM_GC_MARK)
		spare_reached_from(mu, i);
	err = t_pool_free(mu->pool, mu->m.o[i].h);
	if (err == -EBUSY && mu->m.o[i].final && !mu->m.o[i].finalized)
		return;		/* its finaliser is queued */
	if (err) {
		gc_mut_problem(mu, "free of dead %#llx: %d",
			       (unsigned long long)mu->m.o[i].h, err);
		return;
	}
	add_stale(mu, mu->m.o[i].h);
	gc_model_remove(&mu->m, i);
	mu->explicit_frees++;
	mu->dirty = true;
}

static void op_reorder(struct gc_mut *mu)
{
	struct t_pool_reorder_result res;

	if (!rnd(mu, 16))
		t_pool_reorder(mu->pool, &res);
	else
		t_pool_reorder_step(mu->pool, rnd(mu, 2048), &res);
}

static void op_collect(struct gc_mut *mu)
{
	unsigned int i, n = 0;
	u64 *dead = mu->idle_dead;

	if (rnd(mu, 8)) {
		int j = pick_live(mu);

		if (j >= 0)
			check_bytes(mu, (unsigned int)j, 0, mu->m.o[j].size);
		return;
	}
	reach(mu);
	for (i = 0; i < mu->m.n; i++)
		if (!mu->m.o[i].reached)
			dead[n++] = mu->m.o[i].h;
	if (ckremm_gc_collect(mu->gc))
		gc_mut_problem(mu, "collect failed");
	sync_freed(mu);
	check_doomed(mu, dead, n, "when the collection began");
	/* Its own cycles have checked the doomed: they are gone. */
	mu->ndoomed = 0;
	mu->doomed_until = 0;
	mu->nidle_dead = 0;
}

/**
 * gc_mut_op() - run one operation and check the heap after it
 * @mu: the mutator
 * @op: which (taken modulo GC_MUT_OPS)
 */
void gc_mut_op(struct gc_mut *mu, unsigned int op)
{
	struct ckremm_gc_stats before = mu->st;

	mu->ops++;
	switch (op % GC_MUT_OPS) {
	case 0: case 1: case 2: case 3:
		op_alloc(mu);
		break;
	case 4: case 5: case 6:
		op_link(mu, false);
		break;
	case 7:
		op_link(mu, true);
		break;
	case 8:
		op_copy(mu);
		break;
	case 9:
		op_clean(mu);
		break;
	case 10:
		op_fill(mu);
		break;
	case 11:
		op_root(mu);
		break;
	case 12:
		op_push(mu);
		break;
	case 13:
		op_restore(mu);
		break;
	case 14:
		op_fix(mu, true);
		break;
	case 15:
		op_unfix(mu);
		break;
	case 16:
		op_fix(mu, false);
		break;
	case 17:
		op_fixed_write(mu);
		break;
	case 18: case 19:
		op_step(mu);
		break;
	case 20:
		ckremm_gc_finalize(mu->gc, rnd(mu, 3));
		break;
	case 21:
		op_free_dead(mu);
		break;
	case 22:
		op_reorder(mu);
		break;
	default:
		op_collect(mu);
		break;
	}
	after_op(mu, &before);
}

/**
 * gc_mut_verify() - every byte of every live object, and the fixed
 * objects' addresses
 * @mu: the mutator
 */
void gc_mut_verify(struct gc_mut *mu)
{
	unsigned int i;

	reach(mu);
	for (i = 0; i < mu->m.n; i++)
		check_bytes(mu, i, 0, mu->m.o[i].size);
	for (i = 0; i < mu->nfixed; i++) {
		int j = gc_model_find(&mu->m, mu->fixed[i].h);

		if (j < 0 || model_first_diff(mu->fixed[i].addr,
					      mu->m.o[j].bytes,
					      mu->m.o[j].size) !=
			     mu->m.o[j].size)
			gc_mut_problem(mu, "fixed %#llx moved or changed",
				       (unsigned long long)mu->fixed[i].h);
	}
}

/**
 * gc_mut_init() - a pool, a collector over it, the model and the scope
 * @mu: the mutator
 * @cfg: sizes; its params' finaliser is the mutator's
 * @next: the source of choices
 * @report: where broken promises are described
 * @arg: passed to @next and @report
 *
 * Return: 0, or -ENOMEM (nothing to finish).
 */
int gc_mut_init(struct gc_mut *mu, const struct gc_mut_config *cfg,
		gc_mut_next_fn next, gc_mut_report_fn report, void *arg)
{
	static const u64 pair[1] = { 0x3 };
	static const u64 array[1] = { 0x1 };
	static const u64 wide[2] = { 0x1, (1ULL << 1) | (1ULL << 5) };
	unsigned int roots;

	memset(mu, 0, sizeof(*mu));
	mu->cfg = *cfg;
	mu->next = next;
	mu->report = report;
	mu->arg = arg;
	mu->cfg.params.finalize = finalizer;
	mu->cfg.params.finalize_arg = mu;
	if (!mu->cfg.params.max_types)
		mu->cfg.params.max_types = 8;
	roots = mu->cfg.params.roots ? mu->cfg.params.roots : 16;
	mu->pool = t_pool_create(cfg->arena, cfg->capacity);
	if (!mu->pool)
		return -ENOMEM;
	if (cfg->step_bytes)
		t_pool_set_step(mu->pool, cfg->step_bytes);
	mu->gc = ckremm_gc_create(mu->pool, &mu->cfg.params);
	mu->scope_slots = calloc(cfg->scope_max, sizeof(*mu->scope_slots));
	mu->reach = calloc(cfg->max_objs, sizeof(*mu->reach));
	mu->doomed = calloc(cfg->max_objs, sizeof(*mu->doomed));
	mu->idle_dead = calloc(cfg->max_objs, sizeof(*mu->idle_dead));
	if (!mu->gc || !mu->scope_slots || !mu->reach || !mu->doomed ||
	    !mu->idle_dead ||
	    gc_model_init(&mu->m, cfg->max_objs, mu->cfg.params.max_types,
			  roots, 1) ||
	    gc_model_scope_init(&mu->m, 0, cfg->scope_max))
		goto fail;
	if (ckremm_gc_type_register(mu->gc, pair, 4, 0) != GC_MUT_PAIR ||
	    ckremm_gc_type_register(mu->gc, array, 2,
				    CKREMM_GC_TYPE_REPEAT) != GC_MUT_ARRAY ||
	    ckremm_gc_type_register(mu->gc, wide, 70, 0) != GC_MUT_WIDE)
		goto fail;
	gc_model_type_set(&mu->m, GC_MUT_PAIR, pair, 4, 0);
	gc_model_type_set(&mu->m, GC_MUT_ARRAY, array, 2,
			  CKREMM_GC_TYPE_REPEAT);
	gc_model_type_set(&mu->m, GC_MUT_WIDE, wide, 70, 0);
	ckremm_gc_scope_init(mu->gc, &mu->scope, mu->scope_slots,
			     cfg->scope_max);
	ckremm_gc_get_stats(mu->gc, &mu->st);
	mu->dirty = true;
	return 0;
fail:
	gc_model_destroy(&mu->m);
	if (mu->gc)
		ckremm_gc_destroy(mu->gc);
	destroy_t_pool(mu->pool);
	free(mu->scope_slots);
	free(mu->reach);
	free(mu->doomed);
	free(mu->idle_dead);
	return -ENOMEM;
}

/**
 * gc_mut_finish() - drop every root, collect, and take it all down
 * @mu: the mutator
 *
 * With no roots left a collection must free every object, each with a
 * finaliser after exactly one run of it.
 */
void gc_mut_finish(struct gc_mut *mu)
{
	struct ckremm_gc_stats st;
	unsigned int i;

	gc_mut_verify(mu);
	while (mu->nfixed)
		op_unfix(mu);
	ckremm_gc_scope_restore(mu->gc, &mu->scope, 0);
	gc_model_scope_restore(&mu->m, 0, 0);
	for (i = 0; i < mu->m.nroots; i++) {
		ckremm_gc_root_set(mu->gc, i, T_POOL_NO_HANDLE);
		gc_model_root_set(&mu->m, i, T_POOL_NO_HANDLE);
	}
	mu->dirty = true;
	ckremm_gc_collect(mu->gc);
	sync_freed(mu);
	ckremm_gc_get_stats(mu->gc, &st);
	if (mu->m.n || st.objects || st.pinned || st.finalizers_pending)
		gc_mut_problem(mu, "with no roots, %u objects in the model, %zu in the heap, %zu pinned, %zu finalisers pending",
			       mu->m.n, st.objects, st.pinned,
			       st.finalizers_pending);
	if (st.freed_objects != mu->freed_seen ||
	    st.finalized != mu->finalized_seen)
		gc_mut_problem(mu, "stats at the end: freed %zu/%zu, finalised %zu/%zu",
			       st.freed_objects, mu->freed_seen, st.finalized,
			       mu->finalized_seen);
	if (destroy_t_pool(mu->pool))
		gc_mut_problem(mu, "destroy_t_pool with a collector");
	ckremm_gc_scope_exit(mu->gc, &mu->scope);
	ckremm_gc_destroy(mu->gc);
	if (!destroy_t_pool(mu->pool))
		gc_mut_problem(mu, "destroy_t_pool refused after gc destroy");
	gc_model_destroy(&mu->m);
	free(mu->scope_slots);
	free(mu->reach);
	free(mu->doomed);
	free(mu->idle_dead);
}
