// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ckremm paging: a table pool larger than its arena, its least recently
 * used blocks paged out to a backing store (include/ckremm/store.h).
 *
 * What it keeps
 * -------------
 * A pager given a store (ckremm_pager_set_store()) lets its table pool
 * hold more block bytes than its arena.  A paged-out block is a live
 * handle whose node is in no run of the arena: its bytes are free space,
 * and the node, whose offset and links it no longer needs, keeps the
 * store's key, the block's size and the bytes the store keeps for it
 * (TP_PAGED_OUT and tp_out_*() in t_pool_internal.h), so that nodes do
 * not grow.  A block of zeros is not given to the store: its node is
 * marked TP_ZERO_OUT and a page-in clears its new place.  A block the
 * store refuses with -E2BIG (it does not compress) is marked TP_KEEP and
 * stays resident until it is written, pinned or held to be written.
 *
 * Which blocks go: CLOCK
 * ----------------------
 * Every access through the pool (read, write, copy, clean, pin, hold,
 * locate) and every allocation sets the block's TP_REFERENCED mark, under
 * the lock it takes anyway.  A hand (tp_store_state.hand) sweeps the runs
 * in address order: a referenced block loses its mark and is passed, an
 * unreferenced one that is neither pinned, held, kept, moving nor already
 * being copied is the victim.  A sweep looks at PG_HAND_NODES runs per
 * hold of the lock at most and then gives up until the next call, so a
 * victim is a block not used for at least one turn of the hand:
 * approximate LRU, one bit per node, no list to keep in order.
 *
 * Page-out, with the lock dropped
 * -------------------------------
 * One step pages out one block, in two holds of the lock:
 *
 *   1. choose the victim, pin it (the pager's own pin: a reorder steps
 *      over it, a purge cannot reach its pages, the Linux port's views
 *      stay), set aside a spare node for the free run it will leave, and
 *      note it as outgoing;
 *   2. with the lock dropped: see whether it is all zeros, else put() it;
 *   3. take the lock, unpin, and complete only if nobody wrote, pinned or
 *      held it to be written meanwhile (tp_pg_written() marks the
 *      outgoing block dirtied): the spare node takes the block's place in
 *      the runs as free space and merges with the free runs beside it,
 *      and the block's node keeps the key.  Else the copy is dropped and
 *      the block stays; -E2BIG marks it TP_KEEP.
 *
 * A block freed while it is outgoing dies at once (its handle is
 * refused) and is freed by step 3.  Step 1 costs at most PG_HAND_NODES
 * runs, step 3 is O(1): the longest hold of a page-out step does not grow
 * with the pool or the block (tools/tests/paging measures it).
 *
 * A tick pages out while the arena has less than free_target bytes free,
 * and offers the store a block only while its size fits in what is left
 * of write_budget for the tick, which is charged what the store says it
 * wrote, copies dropped at once because the block was used meanwhile
 * included (t_pool_stats.store_written counts it for flash wear).
 * ckremm_pager_page_out() pages out a number of bytes at once.
 *
 * Page-in
 * -------
 * An access to a paged-out block pages it in at once where the store
 * does not sleep: under the pool lock, it finds a free run as an
 * allocation would, get()s the bytes into it (or clears them) and drop()s
 * the copy; the hold is one get() of one block (a decompression or a read
 * of external RAM), measured by the tests.  Where it cannot:
 *
 *   -EAGAIN  the store sleeps (CKREMM_STORE_SLEEPS), or the pager is in a
 *            call of a store that does not lock itself: the page-in is
 *            queued (up to TP_PG_WANT handles per pool) for the next tick,
 *            and ckremm_pager_page_in() does it now where sleeping is
 *            allowed;
 *   -ENOMEM  no free run of the arena fits the block: an access does not
 *            page anything out (that takes the store with the lock
 *            dropped); ckremm_pager_page_in() and the tick do, first;
 *   -EIO     the store could not read its copy; the block stays out.
 *
 * The tick and ckremm_pager_page_in() page in with the lock dropped: the
 * block takes its place in the runs pinned by the pager and marked
 * incoming (an access to it meanwhile is refused with -EAGAIN), the store
 * fills it, and the lock is taken again to let it go.
 *
 * Freeing a paged-out block
 * -------------------------
 * A free takes the pool lock only, so it cannot call the store: the node
 * of a stored block waits on a list (tp_store_state.drops, linked through
 * the node's prev bits, its handle dead at once) until the pager's next
 * call drops its copy and makes the node spare.  A zero block's node is
 * spare at once.
 *
 * Context and locking
 * -------------------
 * lock ordering: the pool lock, then the locks of a store that locks
 * itself (a compressed store: its lock, then its header pool's); the
 * store is called with the lock dropped by the pager (put, get, drop) and
 * with it held by an access (get, drop) only where the store does not sleep and no call of
 * the pager's is out, unless the store says it locks itself
 * (CKREMM_STORE_LOCKED): one call at a time per store either way.  The
 * pager's own calls with the store take it by a flag under the pool lock
 * (tp_store_state.busy), tried and never waited for: ckremm_pager_page_in()
 * and ckremm_pager_page_out() may be called by several callers and beside
 * the tick, and all but one of those that meet return -EBUSY.
 *
 * A pool with a collector (ckremm/gc/) refuses a store: the collector
 * reads objects under the lock wherever they are.  A store is set once,
 * on a pool with no block yet, and stays with the pool until it is
 * destroyed, which drops every copy still in the store.
 */

#include "../tpool/t_pool_internal.h"
#include "paging_internal.h"
#include <ckremm/store.h>

/* What a page-out step did. */
#define PG_OUT			1
#define PG_STAYED		2

/* Runs the hand looks at per hold of the lock. */
#define PG_HAND_NODES		64
/* Page-out steps, drops and queued page-ins per tick, at most. */
#define PG_STORE_STEPS		256

/* ---- the hand (pool lock held) ------------------------------------------- */

/* Whether block @n (at @s) may be paged out now, its mark aside. */
static bool pg_may_go(const struct t_pool *pool, u32 n, const struct tp_seg *s)
{
	return tp_is_used(s) && !tp_is_out(s) && s->gen && !s->pins &&
	       !(s->holds & (TP_HOLDS | TP_KEEP)) && pool->move.seg != n &&
	       tp_units(pool, s) < TP_PREV_MASK;
}

/*
 * The next victim of the hand, or TP_NIL after a lap or PG_HAND_NODES
 * runs with none; then *@more says whether a later look may still find
 * one: the hand has not yet passed a lap of runs, over as many holds as
 * it took, without clearing a mark or choosing a block.
 */
static u32 pg_victim(struct t_pool *pool, bool *more)
{
	struct tp_store_state *st = &pool->st;
	size_t runs = pool->used_blocks - st->out_blocks + pool->free_blocks;
	unsigned int seen;
	u32 n = st->hand, start;

	*more = false;
	if (n == TP_NIL || !tp_node_exists(pool, n) ||
	    tp_state(tp_seg(pool, n)) == TP_SPARE ||
	    (tp_is_used(tp_seg(pool, n)) && tp_is_out(tp_seg(pool, n))))
		n = pool->first;
	start = n;
	for (seen = 0; seen < PG_HAND_NODES; seen++) {
		struct tp_seg *s = tp_seg(pool, n);
		u32 next = s->next != TP_NIL ? s->next : pool->first;

		if (pg_may_go(pool, n, s)) {
			st->idle = 0;
			if (!(s->holds & TP_REFERENCED)) {
				st->hand = next;
				return n;
			}
			s->holds &= ~TP_REFERENCED;
		} else if (st->idle < U32_MAX) {
			st->idle++;
		}
		n = next;
		if (n == start)
			break;
	}
	st->hand = n;
	*more = st->idle < runs;
	return TP_NIL;
}

/* ---- nodes in and out of the runs (pool lock held) ----------------------- */

/* A spare node, off the spare list and counted with the paged-out ones. */
static u32 pg_take_spare(struct t_pool *pool)
{
	u32 r = pool->spare;

	if (r != TP_NIL) {
		pool->spare = tp_seg(pool, r)->link_next;
		pool->st.out_nodes++;
	}
	return r;
}

static void pg_give_spare(struct t_pool *pool, u32 r)
{
	if (r == TP_NIL)
		return;
	tp_node_put(pool, r, tp_seg(pool, r), TP_NIL);
	pool->st.out_nodes--;
}

/* Node @to (at @t) takes the place of run @from (at @f) in the runs. */
static void pg_substitute(struct t_pool *pool, u32 from, struct tp_seg *f,
			  u32 to, struct tp_seg *t)
{
	u32 prev = tp_prev(f), *r = tp_region_of(pool, f->off);

	t->off = f->off;
	tp_set_prev(t, prev);
	t->next = f->next;
	if (prev != TP_NIL)
		tp_seg(pool, prev)->next = to;
	else
		pool->first = to;
	if (t->next != TP_NIL)
		tp_set_prev(tp_seg(pool, t->next), to);
	else
		tp_pg_set_last(pool, to);
	if (*r == from)
		*r = to;
	if (pool->cursor == from)
		pool->cursor = to;
	if (pool->st.hand == from)
		pool->st.hand = to;
}

/* What a paged-out block's node keeps, while it is in no run. */
struct pg_out {
	u64 key;
	u32 units;
	size_t stored;
	bool zero;
};

static void pg_read_out(const struct tp_seg *s, struct pg_out *o)
{
	o->key = tp_out_key(s);
	o->units = tp_out_units(s);
	o->stored = tp_out_stored(s);
	o->zero = s->holds & TP_ZERO_OUT;
}

static void pg_write_out(struct tp_seg *s, const struct pg_out *o)
{
	s->off = (u32)o->key;
	s->next = (u32)(o->key >> 32);
	s->prev_state = TP_USED << TP_STATE_SHIFT | o->units;
	s->pins = (u16)o->stored;
	s->holds = TP_PAGED_OUT | (o->zero ? TP_ZERO_OUT : 0) |
		   (u16)(o->stored >> 16);
}

/*
 * Resident block @n (at @s) leaves the arena: spare node @r takes its
 * place as free space, and @n keeps @o.  Counted as paged out.
 */
static void pg_evict(struct t_pool *pool, u32 n, struct tp_seg *s, u32 r,
		     const struct pg_out *o)
{
	struct tp_store_state *st = &pool->st;
	struct tp_seg *f = tp_seg(pool, r);

	pg_substitute(pool, n, s, r, f);
	tp_set_state(f, TP_FREE);
	tp_merge_free(pool, r, f);
	pg_write_out(s, o);
	pool->used_units -= o->units;
	/* @r is a run now, @n an out node as it was counted: one for one. */
	st->out_blocks++;
	st->out_units += o->units;
	st->zero_blocks += o->zero;
	st->stored += o->stored;
	pool->seq++;
}

/*
 * Free run @f (at @fs, of @have units, filed) gives its first o->units to
 * paged-out block @n (at @s), which becomes resident there, unmarked.
 */
static void pg_place(struct t_pool *pool, u32 n, struct tp_seg *s, u32 f,
		     struct tp_seg *fs, u32 have, const struct pg_out *o)
{
	struct tp_store_state *st = &pool->st;
	u32 prev;

	tp_index_remove(pool, fs, have);
	tp_set_state(s, TP_USED);
	if (have == o->units) {
		pg_substitute(pool, f, fs, n, s);
		tp_node_put(pool, f, fs, n);
	} else {
		tp_region_del(pool, f, fs);
		prev = tp_prev(fs);
		s->off = fs->off;
		if (prev != TP_NIL) {
			tp_link_after(pool, prev, tp_seg(pool, prev), n, s);
		} else {
			tp_set_prev(s, TP_NIL);
			s->next = f;
			tp_set_prev(fs, n);
			pool->first = n;
		}
		fs->off += o->units;
		tp_region_add(pool, n, s);
		tp_region_add(pool, f, fs);
		tp_index_insert(pool, f, fs, have - o->units);
	}
	s->pins = 0;
	s->holds = TP_REFERENCED;
	pool->used_units += o->units;
	if (pool->used_units > pool->peak_units)
		pool->peak_units = pool->used_units;
	st->out_blocks--;
	st->out_nodes--;
	st->out_units -= o->units;
	st->zero_blocks -= o->zero;
	st->stored -= o->stored;
	st->page_ins++;
	pool->seq++;
}

/*
 * A free run for o->units of block bytes, committed: its node, or TP_NIL
 * if there is none.
 */
static u32 pg_find_room(struct t_pool *pool, const struct pg_out *o,
			struct tp_seg **fs, u32 *have)
{
	u32 f = tp_find_free(pool, o->units, fs, have);

	if (f == TP_NIL || !tp_pg_commit(pool, (*fs)->off + o->units))
		return TP_NIL;
	return f;
}

static void pg_pin(struct t_pool *pool, struct tp_seg *s)
{
	if (!s->pins++)
		pool->pinned_blocks++;
	pool->seq++;
}

static void pg_unpin(struct t_pool *pool, struct tp_seg *s)
{
	if (s->pins && !--s->pins)
		pool->pinned_blocks--;
	pool->seq++;
}

/* Queue a page-in of @n for the next tick, if there is room. */
static void pg_want(struct t_pool *pool, u32 n)
{
	struct tp_store_state *st = &pool->st;
	u64 h = tp_handle(pool, n);
	unsigned int i;

	for (i = 0; i < st->nwant; i++)
		if (st->want[i] == h)
			return;
	if (st->nwant < TP_PG_WANT)
		st->want[st->nwant++] = h;
}

/* ---- the pool's hooks (pool lock held) ----------------------------------- */

/*
 * tp_pg_touch() found block @n paged out or incoming: page it in now
 * where that is allowed (see "Page-in" above).
 */
int tp_pg_fault(struct t_pool *pool, u32 n)
{
	struct tp_store_state *st = &pool->st;
	struct ckremm_store *store = st->store;
	struct tp_seg *s = tp_seg(pool, n), *fs;
	struct pg_out o;
	u32 f, have;

	if (n == st->incoming || (store->flags & CKREMM_STORE_SLEEPS) ||
	    (st->busy && !(store->flags & CKREMM_STORE_LOCKED))) {
		pg_want(pool, n);
		st->eagain++;
		return -EAGAIN;
	}
	pg_read_out(s, &o);
	f = pg_find_room(pool, &o, &fs, &have);
	if (f == TP_NIL)
		return -ENOMEM;
	if (o.zero)
		memset(tp_addr_of(pool, fs->off), 0, tp_bytes(o.units));
	else if (store->ops->get(store, o.key, tp_addr_of(pool, fs->off),
				 tp_bytes(o.units)))
		return -EIO;
	pg_place(pool, n, s, f, fs, have, &o);
	if (!o.zero)
		store->ops->drop(store, o.key);
	return 0;
}

/*
 * A caller frees paged-out block @n (at @s), or one the pager copies
 * with the lock dropped: see "Freeing a paged-out block" above.
 */
void tp_pg_free_out(struct t_pool *pool, u32 n, struct tp_seg *s)
{
	struct tp_store_state *st = &pool->st;
	struct pg_out o;

	pool->seq++;
	if (!tp_is_out(s)) {
		/* In flight: the handle dies now, the pager frees the block. */
		s->gen = 0;
		return;
	}
	pg_read_out(s, &o);
	pool->used_blocks--;
	st->out_blocks--;
	st->out_units -= o.units;
	st->zero_blocks -= o.zero;
	st->stored -= o.stored;
	if (o.zero) {
		tp_node_put(pool, n, s, TP_NIL);
		st->out_nodes--;
		return;
	}
	s->gen = 0;
	tp_set_prev(s, st->drops);
	st->drops = n;
}

/**
 * tp_pg_destroy() - drop every copy a pool's store keeps
 * @pool: the pool, being destroyed
 *
 * Context: Process context, with no other call on the pool.
 */
void tp_pg_destroy(struct t_pool *pool)
{
	struct ckremm_store *store = pool->st.store;
	u32 c, i;

	if (!store)
		return;
	for (c = 0; c < pool->chunks; c++) {
		for (i = 0; i < TP_CHUNK_NODES; i++) {
			struct tp_seg *s = &pool->dir[c][i];

			if (tp_is_used(s) && tp_is_out(s) &&
			    !(s->holds & TP_ZERO_OUT))
				store->ops->drop(store, tp_out_key(s));
		}
	}
}

/* ---- the pager's calls ---------------------------------------------------- */

/*
 * The pager takes the store for a call with the lock dropped (lock
 * held): false if another of its calls has it.  Accesses keep out of a
 * store that does not lock itself meanwhile, and the pager's calls out of
 * each other: one call of the store at a time, and one block outgoing or
 * incoming.
 */
static bool pg_store_enter(struct t_pool *pool)
{
	if (pool->st.busy)
		return false;
	pool->st.busy = true;
	return true;
}

static void pg_store_leave(struct t_pool *pool)
{
	pool->st.busy = false;
}

/* Drop one copy of a freed block: 1 if there was one, 0 if none. */
static int pg_drop_one(struct t_pool *pool)
{
	struct tp_store_state *st = &pool->st;
	unsigned long flags;
	struct tp_seg *s;
	u64 key;
	u32 n;

	flags = ckremm_lock(&pool->lock);
	n = st->drops;
	if (n == TP_NIL || !pg_store_enter(pool)) {
		ckremm_unlock(&pool->lock, flags);
		return 0;
	}
	s = tp_seg(pool, n);
	st->drops = tp_prev(s);
	key = tp_out_key(s);
	tp_node_put(pool, n, s, TP_NIL);
	st->out_nodes--;
	pool->seq++;
	ckremm_unlock(&pool->lock, flags);

	st->store->ops->drop(st->store, key);

	flags = ckremm_lock(&pool->lock);
	pg_store_leave(pool);
	ckremm_unlock(&pool->lock, flags);
	return 1;
}

/* Whether @len bytes at @p are all zeros. */
static bool pg_all_zero(const u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * One page-out step (see "Page-out" above), offering the store a block of
 * at most @budget bytes.  PG_OUT when a block went out, PG_STAYED when
 * the one chosen stays (kept, or used or freed meanwhile) or the hand
 * gave up short of a lap, 0 when there is none to go or it does not fit
 * @budget; -ENOMEM when no spare node could be had, -EBUSY when another
 * call of the pager has the store, -ENOSPC or -EIO from the store.  What
 * the store wrote, a copy dropped at once included, is added to
 * *@written.
 */
static int pg_out_step(struct t_pool *pool, size_t budget, size_t *written)
{
	struct tp_store_state *st = &pool->st;
	struct ckremm_store *store = st->store;
	bool put = false, stale = true, more;
	struct pg_out o = { 0 };
	unsigned long flags;
	struct tp_seg *s;
	int ret = 0;
	u32 n, r;
	u8 *at;

	flags = ckremm_lock(&pool->lock);
	if (pool->spare == TP_NIL && tp_grow(pool, &flags))
		ret = -ENOMEM;
	else if (st->busy)
		ret = -EBUSY;
	if (ret) {
		ckremm_unlock(&pool->lock, flags);
		return ret;
	}
	n = pg_victim(pool, &more);
	r = n == TP_NIL ? TP_NIL : pg_take_spare(pool);
	if (r == TP_NIL) {
		ckremm_unlock(&pool->lock, flags);
		if (n == TP_NIL)
			return more ? PG_STAYED : 0;
		return -ENOMEM;
	}
	s = tp_seg(pool, n);
	pg_pin(pool, s);
	st->outgoing = n;
	st->dirtied = false;
	at = tp_addr_of(pool, s->off);
	o.units = tp_units(pool, s);
	st->busy = true;
	ckremm_unlock(&pool->lock, flags);

	o.zero = pg_all_zero(at, tp_bytes(o.units));
	if (!o.zero && tp_bytes(o.units) <= budget) {
		ret = store->ops->put(store, at, tp_bytes(o.units), &o.key,
				      &o.stored);
		put = !ret;
	}

	flags = ckremm_lock(&pool->lock);
	st->outgoing = TP_NIL;
	pg_unpin(pool, s);
	if (!s->gen) {
		/* Freed meanwhile. */
		tp_free_locked(pool, n, s);
	} else if (st->dirtied || s->pins || (s->holds & TP_HOLDS)) {
		/* Written, pinned or held meanwhile: it stays. */
	} else if (ret == -E2BIG || (put && o.stored >= TP_OUT_STORED_MAX)) {
		s->holds |= TP_KEEP;
	} else if (put || o.zero) {
		pg_evict(pool, n, s, r, &o);
		r = TP_NIL;
		stale = false;
		st->page_outs++;
	}
	/* A copy dropped at once wore the flash all the same. */
	if (put) {
		st->written += o.stored;
		*written += o.stored;
	}
	/* A refused block is no error, whether it is kept or stays. */
	if (ret == -E2BIG)
		ret = 0;
	pg_give_spare(pool, r);
	/* The store stays taken for the drop of a stale copy. */
	if (!(put && stale))
		pg_store_leave(pool);
	ckremm_unlock(&pool->lock, flags);
	if (put && stale) {
		store->ops->drop(store, o.key);
		flags = ckremm_lock(&pool->lock);
		pg_store_leave(pool);
		ckremm_unlock(&pool->lock, flags);
	}
	if (ret)
		return ret;
	if (!stale)
		return PG_OUT;
	return put || o.zero || tp_bytes(o.units) <= budget ? PG_STAYED : 0;
}

/*
 * Page in block @h with the lock dropped while the store fills it (see
 * "Page-in" above): 0 (also for a block already in), -EINVAL for a dead
 * handle, -ENOMEM when there is no room, -EBUSY when another call of the
 * pager has the store, -EIO from the store.  On
 * -ENOMEM, *@need is the block's size.
 */
static int pg_in_slow(struct t_pool *pool, u64 h, size_t *need)
{
	struct tp_store_state *st = &pool->st;
	struct ckremm_store *store = st->store;
	struct tp_seg *s, *fs;
	unsigned long flags;
	struct pg_out o;
	u32 n, f, have, r;
	int ret = 0;

	flags = ckremm_lock(&pool->lock);
	/* A spare node to back out with (the lock may drop for it). */
	if (pool->spare == TP_NIL && tp_grow(pool, &flags)) {
		ret = -ENOMEM;
		goto out;
	}
	if (st->busy) {
		ret = -EBUSY;
		goto out;
	}
	n = tp_find(pool, h);
	if (n == TP_NIL || !tp_is_out(tp_seg(pool, n))) {
		ret = n == TP_NIL ? -EINVAL : 0;
		goto out;
	}
	s = tp_seg(pool, n);
	pg_read_out(s, &o);
	*need = tp_bytes(o.units);
	f = pg_find_room(pool, &o, &fs, &have);
	r = f == TP_NIL ? TP_NIL : pg_take_spare(pool);
	if (r == TP_NIL) {
		ret = -ENOMEM;
		goto out;
	}
	pg_place(pool, n, s, f, fs, have, &o);
	pg_pin(pool, s);
	st->incoming = n;
	st->busy = true;
	ckremm_unlock(&pool->lock, flags);

	if (o.zero)
		memset(tp_addr_of(pool, s->off), 0, tp_bytes(o.units));
	else
		ret = store->ops->get(store, o.key, tp_addr_of(pool, s->off),
				      tp_bytes(o.units)) ? -EIO : 0;
	if (!ret && !o.zero)
		store->ops->drop(store, o.key);

	flags = ckremm_lock(&pool->lock);
	pg_store_leave(pool);
	st->incoming = TP_NIL;
	pg_unpin(pool, s);
	if (ret) {
		/* Back out, as it was: its place is free space again. */
		st->page_ins--;
		pg_evict(pool, n, s, r, &o);
		r = TP_NIL;
		/* Freed meanwhile: its copy goes as a paged-out block's does. */
		if (!s->gen)
			tp_pg_free_out(pool, n, s);
	} else if (!s->gen) {
		tp_free_locked(pool, n, s);
	}
	pg_give_spare(pool, r);
out:
	ckremm_unlock(&pool->lock, flags);
	return ret;
}

/* Bytes of the arena free now. */
static size_t pg_arena_free(struct t_pool *pool)
{
	unsigned long flags;
	size_t free_bytes;

	flags = ckremm_lock(&pool->lock);
	free_bytes = pool->arena_size - tp_bytes(pool->used_units);
	ckremm_unlock(&pool->lock, flags);
	return free_bytes;
}

/*
 * Page in @h, making room first while there is none: pages committed
 * ahead where the port commits only so (CKREMM_ARENA_MOVES), other blocks
 * paged out, and the pool compacted once when enough bytes are free but
 * not in one run (a pool with a store is used through handles and pins:
 * its blocks move when they go out and come in); where a pin still splits
 * the free space after that, more blocks go out, and the pool is compacted
 * again after each.  At most PG_STORE_STEPS steps; what the store wrote
 * is added to *@written.
 */
static int pg_in_making_room(struct t_pool *pool, u64 h, size_t *written)
{
	size_t need = 0, committed;
	unsigned int steps = 0;
	bool compacted = false;
	int ret;

	for (;;) {
		ret = pg_in_slow(pool, h, &need);
		if (ret != -ENOMEM || steps++ >= PG_STORE_STEPS)
			return ret;
		/*
		 * Where pages are committed only ahead (the kernel), the
		 * room may be there but not committed: commit it first.
		 */
		committed = 0;
		if (CKREMM_ARENA_MOVES &&
		    !ckremm_paging_commit_t(pool, need, &committed) && committed)
			continue;
		if (!compacted && pg_arena_free(pool) >= need) {
			compacted = true;
			ret = t_pool_reorder(pool, NULL);
		} else {
			ret = pg_out_step(pool, (size_t)-1, written);
			/* Its room may merge with free runs a pin kept apart. */
			if (ret == PG_OUT)
				compacted = false;
			ret = ret > 0 ? 0 : -ENOMEM;
		}
		if (ret)
			return ret;
	}
}

/**
 * ckremm_pager_set_store() - give a pager's table pool a backing store
 * @pager: the pager, managing a table pool that has no block yet
 * @store: the store; it must outlive the pool
 *
 * From now on the pool may hold more block bytes than its arena: the
 * pager's tick pages out the least recently used blocks while the arena
 * has less than the params' free_target bytes free, and an access pages
 * a block in again (see the top of this file).  The
 * store stays with the pool until destroy_t_pool(), which drops every copy
 * it keeps; ckremm_pager_exit() leaves it.
 *
 * Context: Any context; takes the pool lock once.
 * Return: 0; -EINVAL for a NULL argument, a pager of a header pool or a
 * store without put, get or drop; -EBUSY if the pool has blocks or a
 * store already; -EOPNOTSUPP for a pool with a collector.
 */
int ckremm_pager_set_store(struct ckremm_pager *pager,
			   struct ckremm_store *store)
{
	struct t_pool *pool;
	unsigned long flags;
	int ret = 0;

	if (!pager || !pager->pool || !store || !store->ops ||
	    !store->ops->put || !store->ops->get || !store->ops->drop)
		return -EINVAL;
	pool = pager->pool;
	flags = ckremm_lock(&pool->lock);
#ifdef CONFIG_CKREMM_GC
	if (pool->gc)
		ret = -EOPNOTSUPP;
#endif
	if (!ret && (pool->used_blocks || pool->st.store))
		ret = -EBUSY;
	if (!ret)
		pool->st.store = store;
	ckremm_unlock(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_set_store, CKREMM_NS);

/*
 * Page out while the arena has less than @target bytes free, the store
 * writes at most @budget bytes and no more than PG_STORE_STEPS steps are
 * taken; what was done is added to @res.  0, or an error of the last step.
 */
static int pg_page_out(struct t_pool *pool, size_t target, size_t budget,
		       struct ckremm_paging_result *res)
{
	unsigned int steps = 0;
	size_t written = 0;
	int ret = 0;

	while (steps++ < PG_STORE_STEPS && pg_arena_free(pool) < target &&
	       written < budget) {
		ret = pg_out_step(pool, budget - written, &written);
		if (ret <= 0)
			break;
		res->paged_out += ret == PG_OUT;
	}
	res->store_written += written;
	return ret < 0 ? ret : 0;
}

/**
 * ckremm_pager_page_out() - page out blocks now
 * @pager: the pager, with a store
 * @bytes: page out until this many more bytes of the arena are free
 * @res: if not NULL, what was done is added to it
 *
 * The least recently used blocks go first, as in the tick, one block per
 * step with the pool lock dropped while the store takes it, at most 256
 * steps; the tick's write budget does not apply.  For memory pressure,
 * or before a burst of allocations.
 *
 * Context: where the store's put may be called.  Calls of the pager that
 * meet (this, ckremm_pager_page_in(), a tick) do not wait for each other:
 * all but one return -EBUSY.
 * Return: 0 (also when fewer bytes could go: none is left to go, or the
 * rest are pinned, held, kept or recently used); -EINVAL without a store;
 * -ENOMEM if a spare node could not be had; -EBUSY if another call of the
 * pager (a tick, a page-in) has the store now: try again; -ENOSPC or
 * -EIO from the store.
 */
int ckremm_pager_page_out(struct ckremm_pager *pager, size_t bytes,
			  struct ckremm_paging_result *res)
{
	struct ckremm_paging_result dummy = { 0 };
	size_t target;

	if (!pager || !pager->pool || !pager->pool->st.store)
		return -EINVAL;
	if (ckremm_add_overflow(pg_arena_free(pager->pool), bytes, &target))
		target = (size_t)-1;
	return pg_page_out(pager->pool, target, (size_t)-1, res ? res : &dummy);
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_page_out, CKREMM_NS);

/**
 * ckremm_pager_page_in() - page a block in, calling the store with the
 *	pool lock dropped
 * @pager: the pager, with a store
 * @handle: the block
 *
 * For a caller whose access failed with -EAGAIN (the store sleeps) or
 * -ENOMEM (no room in the arena): pages other blocks out first while
 * there is no room, and then the block in.  A block already resident is
 * left as it is.
 *
 * Context: where the store's put and get may be called (process context
 * for a store that sleeps), and process context where the port's arenas
 * move (CKREMM_ARENA_MOVES, the Linux kernel: pages are committed ahead,
 * which may sleep); by any number of callers and beside the tick: a call
 * that meets another with the store returns -EBUSY.
 * Return: 0; -EINVAL for a dead handle or a pager without a store;
 * -ENOMEM if no room could be made; -EBUSY if another call of the pager
 * has the store now: try again (a caller that may sleep waits a little
 * first); -EIO if the store could not read the block.
 */
int ckremm_pager_page_in(struct ckremm_pager *pager, u64 handle)
{
	size_t written = 0;

	if (!pager || !pager->pool || !pager->pool->st.store)
		return -EINVAL;
	return pg_in_making_room(pager->pool, handle, &written);
}
EXPORT_SYMBOL_NS_GPL(ckremm_pager_page_in, CKREMM_NS);

/*
 * The queued page-ins, one at a time; what the store wrote to make room
 * for them is added to @res and returned.
 */
static size_t pg_page_in_wanted(struct t_pool *pool,
				struct ckremm_paging_result *res)
{
	struct tp_store_state *st = &pool->st;
	unsigned int steps = 0;
	size_t written = 0;
	unsigned long flags;
	u64 h;

	while (steps++ < PG_STORE_STEPS) {
		flags = ckremm_lock(&pool->lock);
		h = st->nwant ? st->want[--st->nwant] : T_POOL_NO_HANDLE;
		ckremm_unlock(&pool->lock, flags);
		if (h == T_POOL_NO_HANDLE)
			break;
		if (!pg_in_making_room(pool, h, &written))
			res->paged_in++;
	}
	res->store_written += written;
	return written;
}

/**
 * ckremm_pager_tick_store() - a tick's work with the store
 * @pager: the pager
 * @res: what was done is added to it
 *
 * Called by ckremm_pager_tick(): drops the copies of freed blocks, pages
 * in the blocks accesses asked for, and pages out down to free_target
 * within what is left of write_budget after the page-ins' own page-outs
 * (the page-ins are not held to it: an access is waiting for them).
 *
 * Context: as ckremm_pager_tick().
 */
void ckremm_pager_tick_store(struct ckremm_pager *pager,
			     struct ckremm_paging_result *res)
{
	const struct ckremm_paging_params *p = &pager->params;
	size_t budget = p->write_budget ? p->write_budget : (size_t)-1;
	struct t_pool *pool = pager->pool;
	unsigned int steps = 0;
	size_t written;

	if (!pool->st.store)
		return;
	while (steps++ < PG_STORE_STEPS && pg_drop_one(pool))
		;
	written = pg_page_in_wanted(pool, res);
	if (written < budget)
		pg_page_out(pool, p->free_target, budget - written, res);
}
