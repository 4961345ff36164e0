// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ckremm garbage collector: precise, incremental, compacting, over a table
 * pool.
 *
 * What it keeps
 * -------------
 * Everything per object lives in one 32-bit word of the object's node in
 * the pool's table (tp_seg.gc), so the collector adds 4 bytes to each node
 * and nothing to the arena:
 *
 *   bits 0-7    the type id: CKREMM_GC_WORDS, CKREMM_GC_LEAF or a
 *               registered type, whose map says which words hold handles
 *   GC_MARK     reached in this cycle (or allocated during it)
 *   GC_GREY     reached but not scanned yet
 *   GC_FINAL    the finaliser runs when the object dies
 *   GC_QUEUED   dead, its finaliser queued: never swept, never traced
 *   bits 16-31  the object's place in the pin set, plus one, or 0
 *
 * A word of an object counts as a reference only if it is a live handle of
 * this pool: its node exists, holds a used block, and has the generation
 * the word names.  So a stale or forged value never keeps garbage alive,
 * and an untyped object (CKREMM_GC_WORDS) can be scanned word by word.
 *
 * A cycle
 * -------
 * IDLE -> MARK -> SWEEP -> COMPACT -> IDLE.  Outside MARK and SWEEP no
 * object has GC_MARK.
 *
 * The start of a cycle is one step that costs the roots and the pins,
 * never the heap: it shades every root slot, every handle on a scope and
 * every object in the pin set, and scans the pinned ones at once, since
 * their owners write them without a barrier.  From then on marking keeps
 * that snapshot (snapshot at the beginning): every object reachable at the
 * start is marked, because a reference can leave an object only through
 *
 *   - the pool's own writes, copies and clears: each step shades the
 *     handles in the words it is about to overwrite, unless the object is
 *     black (ckremm_gc_on_write()); a free scans the object first;
 *   - a pinned pointer, or a caller's hold for writing: pinning or holding
 *     an object while marking runs scans it first (gc_on_fix()), and the
 *     objects pinned when the cycle began were scanned by its start.
 *
 * The scan of the pinned objects at the start is atomic for the pool's
 * calls but not for plain stores through pinned pointers, which take no
 * lock: a handle moved from a pinned object not yet scanned into one
 * already scanned, while the start runs on another CPU, would be missed.
 * So handles are stored through a pin only where no other CPU can start
 * a cycle meanwhile (gc.h says so to callers); anything else stored
 * through a pin is not the collector's business.
 *
 * Objects allocated while marking are black.  Roots need no barrier: what
 * they held at the start was shaded then, and whatever they take later
 * was reachable at the start or is new.  The end of marking is only the
 * test that the grey set is empty: no final pass over roots or heap.
 *
 * The grey set cannot overflow: an object is grey by its GC_GREY bit.  A
 * small stack in front of the bits keeps marking depth-first and O(live);
 * when the stack is full, a cursor over the table is moved back to the
 * object shaded, and marking finishes by walking the table from the cursor
 * for grey bits.  A large object is scanned over several steps, from
 * where the last step stopped.
 *
 * The sweep walks the table once, up to the chunks it has, in steps: it
 * clears the marks of survivors and frees the rest, or queues those with a
 * finaliser.  Objects allocated during the sweep are marked when they take
 * a node the sweep has not reached.  Compaction is the pool's own reorder,
 * a step at a time with the collector's lock (the pool's) dropped.
 *
 * Every step holds the pool lock once, for at most its budget of work: a
 * word scanned, a table slot visited, or 8 bytes moved.  The locked part
 * of a cycle's start is bounded by the roots and pins instead.  A
 * compaction step takes the pool's reorder steps, each a hold of its own,
 * until its budget of slots visited or bytes moved is spent: one reorder
 * step visits a few dozen nodes, and a compaction that moved less than
 * the mutator allocates would never end.
 *
 * Finalisers
 * ----------
 * A dead object with GC_FINAL goes to a bounded queue, not to the free
 * list; ckremm_gc_finalize() runs the queue with no lock held, and frees
 * each object when its finaliser returns, so a handle the finaliser kept
 * is stale from then on: no resurrection.  When the queue is full the
 * sweep waits where it is until the queue is run.  Allocation never runs
 * a finaliser.
 *
 * Context
 * -------
 * Creating, destroying and registering types may sleep; every other call
 * takes the pool lock with interrupts disabled and may be made from any
 * context, as the pool's calls may.  ckremm_gc_collect() and
 * ckremm_gc_finalize() drop the lock between steps but keep going until
 * they are done; the finaliser runs in their caller's context.
 */

#include "../tpool/t_pool_internal.h"
#include <ckremm/gc.h>

#define GC_TYPE_MASK		0xffU
#define GC_MARK			BIT(8)
#define GC_GREY			BIT(9)
#define GC_FINAL		BIT(10)
#define GC_QUEUED		BIT(11)
#define GC_PIN_SHIFT		16
#define GC_MAX_PINS		0xffffU
/* Most words a registered type's map may have. */
#define GC_MAX_MAP_WORDS	0x10000U
/* Grey objects kept on the stack before the table cursor takes over. */
#define GC_STACK		64
#define GC_NONE			U32_MAX
/* Work of the steps ckremm_gc_collect() takes. */
#define GC_COLLECT_BUDGET	4096

/* A registered type: which words of an object hold handles. */
struct gc_type {
	u32 words;
	u32 flags;
	u64 map[];
};

struct ckremm_gc {
	struct t_pool *pool;
	struct ckremm_gc_params p;
	enum ckremm_gc_phase phase;

	struct gc_type **types;
	unsigned int ntypes;
	u64 *roots;
	struct ckremm_gc_scope *scopes;
	u32 *pins;
	unsigned int npins;

	/* Marking: the stack, the table cursor, the object being scanned. */
	u32 stack[GC_STACK];
	unsigned int sp;
	u32 cursor;
	u32 scan;
	size_t scan_word;

	u32 sweep;
	/* The pool's count of reorder passes at which compaction is done. */
	size_t compact_goal;

	u64 *queue;
	unsigned int queue_head;
	unsigned int queued;

	u32 seq;	/* bumped by every change to colours, types or pins */

	size_t since_cycle;
	size_t debt;
	size_t trigger;
	size_t meta_bytes;
	struct ckremm_gc_stats st;
};

/* ---- the table, as the collector walks it --------------------------------- */

/* The node at index @i of the table, counting chunk by chunk. */
static u32 gc_node(u32 i)
{
	return (i / TP_CHUNK_NODES) << TP_CHUNK_SHIFT |
	       (i % TP_CHUNK_NODES) * sizeof(struct tp_seg);
}

static u32 gc_index(u32 n)
{
	return (n >> TP_CHUNK_SHIFT) * TP_CHUNK_NODES +
	       (n & (TP_CHUNK_BYTES - 1)) / sizeof(struct tp_seg);
}

/* Slots in the table as it is now. */
static u32 gc_table_end(const struct ckremm_gc *gc)
{
	return gc->pool->chunks * TP_CHUNK_NODES;
}

static size_t gc_bytes(const struct t_pool *pool, const struct tp_seg *s)
{
	return tp_bytes(tp_units(pool, s));
}

/* Word @w of object @n, wherever its bytes are (also in transit). */
static u64 gc_read_word(const struct t_pool *pool, u32 n, size_t w)
{
	size_t pos = w * 8, contig, i;
	u8 *p = tp_byte(pool, n, pos, &contig);
	u8 b[8];
	u64 v;

	if (contig >= 8) {
		memcpy(&v, p, 8);
		return v;
	}
	for (i = 0; i < 8; i++)
		b[i] = *tp_byte(pool, n, pos + i, &contig);
	memcpy(&v, b, 8);
	return v;
}

/* ---- marking ---------------------------------------------------------------- */

static bool gc_is_leaf(u32 word)
{
	return (word & GC_TYPE_MASK) == CKREMM_GC_LEAF;
}

/*
 * Words of object @n (at @s) that may hold handles, and whether word @w of
 * them does.
 */
static size_t gc_scan_words(const struct ckremm_gc *gc, const struct tp_seg *s)
{
	size_t words = gc_bytes(gc->pool, s) / 8;
	const struct gc_type *t = gc->types[s->gc & GC_TYPE_MASK];

	if (gc_is_leaf(s->gc))
		return 0;
	if (t && !(t->flags & CKREMM_GC_TYPE_REPEAT) && t->words < words)
		return t->words;
	return words;
}

static bool gc_is_ref(const struct ckremm_gc *gc, const struct tp_seg *s,
		      size_t w)
{
	const struct gc_type *t = gc->types[s->gc & GC_TYPE_MASK];

	if (!t)
		return true;
	w %= t->words;
	return t->map[w / 64] & (1ULL << (w % 64));
}

/* Make a grey object's greyness known to the walk that will scan it. */
static void gc_push(struct ckremm_gc *gc, u32 n)
{
	u32 i;

	if (gc->sp < GC_STACK) {
		gc->stack[gc->sp++] = n;
		return;
	}
	i = gc_index(n);
	if (gc->cursor == GC_NONE || i < gc->cursor)
		gc->cursor = i;
	gc->st.overflows++;
}

/* Shade the object @v names, if @v is a live handle of the pool. */
static void gc_shade(struct ckremm_gc *gc, u64 v)
{
	u32 n = tp_find(gc->pool, v);
	struct tp_seg *s;

	if (n == TP_NIL)
		return;
	s = tp_seg(gc->pool, n);
	if (s->gc & (GC_MARK | GC_QUEUED))
		return;
	s->gc |= GC_MARK;
	if (gc_is_leaf(s->gc))
		return;
	s->gc |= GC_GREY;
	gc_push(gc, n);
}

/*
 * Scan object @n (at @s) from word *@w for at most @budget words; clears
 * GC_GREY when it reaches the end.  Returns the work done.
 */
static size_t gc_scan_some(struct ckremm_gc *gc, u32 n, struct tp_seg *s,
			   size_t *w, size_t budget)
{
	size_t words = gc_scan_words(gc, s), work = 0;

	for (; *w < words && work < budget; (*w)++, work++)
		if (gc_is_ref(gc, s, *w))
			gc_shade(gc, gc_read_word(gc->pool, n, *w));
	if (*w >= words)
		s->gc &= ~GC_GREY;
	return work;
}

/*
 * Scan object @n whole now, unless it is black or dead, and make it black.
 * Returns whether it scanned.
 */
static bool gc_blacken(struct ckremm_gc *gc, u32 n)
{
	struct tp_seg *s = tp_seg(gc->pool, n);
	size_t w = 0;

	if ((s->gc & (GC_MARK | GC_GREY)) == GC_MARK || (s->gc & GC_QUEUED))
		return false;
	s->gc |= GC_MARK | GC_GREY;
	gc_scan_some(gc, n, s, &w, (size_t)-1);
	return true;
}

/* The snapshot's barrier: object @n is about to change behind marking. */
static void gc_scan_now(struct ckremm_gc *gc, u32 n)
{
	if (gc->phase == CKREMM_GC_MARK && gc_blacken(gc, n)) {
		gc->st.barrier_scans++;
		gc->seq++;
	}
}

/*
 * The next grey object to scan, or TP_NIL; *@work counts slots visited,
 * up to @budget: entries a barrier or a free made stale count too.
 */
static u32 gc_next_grey(struct ckremm_gc *gc, size_t *work, size_t budget)
{
	u32 end = gc_table_end(gc);

	while (gc->sp && *work < budget) {
		u32 n = gc->stack[--gc->sp];
		struct tp_seg *s = tp_seg(gc->pool, n);

		(*work)++;
		if (tp_is_used(s) && (s->gc & GC_GREY))
			return n;
	}
	while (gc->cursor != GC_NONE && *work < budget) {
		u32 n = gc_node(gc->cursor);
		struct tp_seg *s = tp_seg(gc->pool, n);

		(*work)++;
		if (++gc->cursor >= end)
			gc->cursor = GC_NONE;
		if (tp_is_used(s) && (s->gc & GC_GREY))
			return n;
	}
	return TP_NIL;
}

/* Mark for @budget; returns the work done, and ends marking when done. */
static size_t gc_mark_some(struct ckremm_gc *gc, size_t budget)
{
	size_t work = 0;

	while (work < budget) {
		struct tp_seg *s;

		if (gc->scan == TP_NIL) {
			gc->scan = gc_next_grey(gc, &work, budget);
			gc->scan_word = 0;
			if (gc->scan == TP_NIL) {
				if (!gc->sp && gc->cursor == GC_NONE) {
					gc->phase = CKREMM_GC_SWEEP;
					gc->sweep = 0;
				}
				break;
			}
			/* Finding it took the budget: scan it next step. */
			if (work >= budget)
				break;
		}
		s = tp_seg(gc->pool, gc->scan);
		/* Freed, or scanned whole by a barrier, since the last step. */
		if (!tp_is_used(s) || !(s->gc & GC_GREY)) {
			gc->scan = TP_NIL;
			continue;
		}
		work += gc_scan_some(gc, gc->scan, s, &gc->scan_word,
				     budget - work);
		if (!(s->gc & GC_GREY))
			gc->scan = TP_NIL;
	}
	return work;
}

/* Drop pin set entry @i: swap the last one into its place. */
static void gc_pin_drop(struct ckremm_gc *gc, unsigned int i)
{
	struct t_pool *pool = gc->pool;
	u32 last = gc->pins[--gc->npins];

	tp_seg(pool, gc->pins[i])->gc &= (1U << GC_PIN_SHIFT) - 1;
	if (i != gc->npins) {
		struct tp_seg *l = tp_seg(pool, last);

		gc->pins[i] = last;
		l->gc = (l->gc & ((1U << GC_PIN_SHIFT) - 1)) |
			(i + 1) << GC_PIN_SHIFT;
	}
}

static bool gc_fixed(const struct tp_seg *s)
{
	return s->pins || (s->holds & TP_HELD_ALONE);
}

/* A cycle begins: shade the roots, scan the pinned objects. */
static size_t gc_start(struct ckremm_gc *gc)
{
	const struct ckremm_gc_scope *sc;
	unsigned int i = 0;
	size_t work = 0;

	gc->phase = CKREMM_GC_MARK;
	gc->sp = 0;
	gc->cursor = GC_NONE;
	gc->scan = TP_NIL;
	for (i = 0; i < gc->p.roots; i++)
		gc_shade(gc, gc->roots[i]);
	work += gc->p.roots;
	for (sc = gc->scopes; sc; sc = sc->next) {
		for (i = 0; i < sc->depth; i++)
			gc_shade(gc, sc->slots[i]);
		work += sc->depth;
	}
	i = 0;
	while (i < gc->npins) {
		u32 n = gc->pins[i];
		struct tp_seg *s = tp_seg(gc->pool, n);

		work++;
		if (!gc_fixed(s)) {
			/* A hold of the pool's own outlived the pin. */
			gc_pin_drop(gc, i);
			continue;
		}
		gc_blacken(gc, n);
		work += gc_scan_words(gc, s);
		i++;
	}
	if (work > gc->st.max_start_work)
		gc->st.max_start_work = work;
	return work;
}

/* ---- sweeping --------------------------------------------------------------- */

/* Finish a sweep: the live bytes set when the next cycle begins. */
static void gc_sweep_done(struct ckremm_gc *gc)
{
	size_t live = gc->pool->used_units << TP_SHIFT;
	/* In 64 bits: a 32-bit size_t would wrap at 10000 percent. */
	u64 t = (u64)(live / 100) * gc->p.trigger_percent;

	gc->st.live_bytes = live;
	if (t > (size_t)-1)
		t = (size_t)-1;
	gc->trigger = t > gc->p.trigger_min ? (size_t)t : gc->p.trigger_min;
	gc->since_cycle = 0;
	gc->phase = CKREMM_GC_COMPACT;
	/*
	 * Done when a pass begun after the sweep has ended, whoever ended
	 * it: another caller's step (an allocation's, a user's) may end the
	 * pass ours stepped, and ours would then only ever see passes begin.
	 */
	gc->compact_goal = gc->pool->reorders +
			   (gc->pool->cursor != TP_NIL ? 2 : 1);
}

/*
 * Sweep node @n: free it if it died, queue it if it has a finaliser, clear
 * its mark if it lived.  Returns false, the node untouched, if its
 * finaliser must wait for room in the queue.
 */
static bool gc_sweep_node(struct ckremm_gc *gc, u32 n,
			  struct ckremm_gc_step_result *res)
{
	struct t_pool *pool = gc->pool;
	struct tp_seg *s = tp_seg(pool, n);
	size_t bytes;

	/* No object, queued already, or dead but a call is at its bytes. */
	if (!tp_is_used(s) || (s->gc & GC_QUEUED) ||
	    (!(s->gc & GC_MARK) && (s->pins || s->holds)))
		return true;
	if (s->gc & GC_MARK) {
		s->gc &= ~(GC_MARK | GC_GREY);
		return true;
	}
	if (s->gc & GC_FINAL) {
		if (gc->queued == gc->p.finalize_queue)
			return false;
		gc->queue[(gc->queue_head + gc->queued++) %
			  gc->p.finalize_queue] = tp_handle(pool, n);
		s->gc |= GC_QUEUED;
		return true;
	}
	bytes = gc_bytes(pool, s);
	tp_free_locked(pool, n, s);
	gc->st.freed_objects++;
	gc->st.freed_bytes += bytes;
	if (res) {
		res->freed_objects++;
		res->freed_bytes += bytes;
	}
	return true;
}

/*
 * Sweep for @budget slots; returns the work done.  Stops early at the end
 * of the table (the sweep is done) or at a finaliser the full queue cannot
 * take (the sweep waits).
 */
static size_t gc_sweep_some(struct ckremm_gc *gc, size_t budget,
			    struct ckremm_gc_step_result *res)
{
	size_t work = 0;

	while (work < budget) {
		if (gc->sweep >= gc_table_end(gc)) {
			gc_sweep_done(gc);
			break;
		}
		if (!gc_sweep_node(gc, gc_node(gc->sweep), res))
			break;
		gc->sweep++;
		work++;
	}
	return work;
}

/* ---- hooks of the pool (pool lock held) ------------------------------------- */

/* A new object is black while marking, and while sweeping ahead of it. */
void ckremm_gc_on_alloc(struct ckremm_gc *gc, u32 n, struct tp_seg *s)
{
	gc->seq++;
	if (gc->phase == CKREMM_GC_MARK ||
	    (gc->phase == CKREMM_GC_SWEEP && gc_index(n) >= gc->sweep))
		s->gc = GC_MARK;
}

/*
 * The snapshot's barrier for the pool's writes, copies and clears: the
 * handles in the words about to be overwritten are shaded, unless the
 * object is black.  Bounded by the call's step (CKREMM_STEP_BYTES), not
 * by the object, which need not be scanned whole for its other words.
 */
void ckremm_gc_on_write(struct ckremm_gc *gc, u32 n, size_t pos, size_t len)
{
	struct tp_seg *s = tp_seg(gc->pool, n);
	size_t w, end;

	if (gc->phase != CKREMM_GC_MARK || !len || (s->gc & GC_QUEUED) ||
	    (s->gc & (GC_MARK | GC_GREY)) == GC_MARK)
		return;
	end = (pos + len + 7) / 8;
	if (end > gc_scan_words(gc, s))
		end = gc_scan_words(gc, s);
	for (w = pos / 8; w < end; w++)
		if (gc_is_ref(gc, s, w))
			gc_shade(gc, gc_read_word(gc->pool, n, w));
	gc->st.barrier_scans++;
	gc->seq++;
}

int ckremm_gc_on_fix(struct ckremm_gc *gc, u32 n)
{
	struct tp_seg *s = tp_seg(gc->pool, n);

	if (!(s->gc >> GC_PIN_SHIFT)) {
		if (gc->npins == gc->p.max_pins) {
			tp_refuse(gc->pool, "collector's pin set is full");
			return -ENOSPC;
		}
		gc->pins[gc->npins++] = n;
		s->gc |= gc->npins << GC_PIN_SHIFT;
		gc->seq++;
	}
	gc_scan_now(gc, n);
	return 0;
}

void ckremm_gc_on_unfix(struct ckremm_gc *gc, u32 n)
{
	struct tp_seg *s = tp_seg(gc->pool, n);

	if (!gc_fixed(s) && (s->gc >> GC_PIN_SHIFT)) {
		gc_pin_drop(gc, (s->gc >> GC_PIN_SHIFT) - 1);
		gc->seq++;
	}
}

int ckremm_gc_on_free(struct ckremm_gc *gc, u32 n)
{
	if (tp_seg(gc->pool, n)->gc & GC_QUEUED) {
		tp_refuse(gc->pool, "free of an object whose finaliser is queued");
		return -EBUSY;
	}
	gc_scan_now(gc, n);
	return 0;
}

void ckremm_gc_on_release(struct ckremm_gc *gc, u32 n)
{
	struct tp_seg *s = tp_seg(gc->pool, n);

	if (s->gc >> GC_PIN_SHIFT)
		gc_pin_drop(gc, (s->gc >> GC_PIN_SHIFT) - 1);
	s->gc = 0;
	gc->seq++;
}

/* ---- creation ---------------------------------------------------------------- */

static void gc_free_all(struct ckremm_gc *gc)
{
	unsigned int i;

	if (gc->types)
		for (i = CKREMM_GC_LEAF + 1; i < gc->p.max_types; i++)
			ckremm_meta_free(gc->types[i]);
	ckremm_meta_free(gc->types);
	ckremm_meta_free(gc->roots);
	ckremm_meta_free(gc->pins);
	ckremm_meta_free(gc->queue);
	ckremm_meta_free(gc);
}

/* @p with its zeroes replaced by the defaults; false if out of range. */
static bool gc_params(const struct t_pool *pool,
		      const struct ckremm_gc_params *in,
		      struct ckremm_gc_params *p)
{
	if (in)
		*p = *in;
	else
		memset(p, 0, sizeof(*p));
	if (!p->max_types)
		p->max_types = 16;
	if (!p->roots)
		p->roots = 16;
	if (!p->max_pins)
		p->max_pins = 64;
	if (!p->finalize_queue)
		p->finalize_queue = 32;
	if (!p->trigger_percent)
		p->trigger_percent = 100;
	if (!p->trigger_min)
		p->trigger_min = pool->arena_size / 16;
	/*
	 * A step moves up to 8 * step_budget bytes when compacting: twice
	 * what it pays for by default, so the pass outruns the mutator.
	 */
	if (!p->pace_bytes)
		p->pace_bytes = 2048;
	if (!p->step_budget)
		p->step_budget = 512;
	return p->max_types > CKREMM_GC_LEAF + 1 &&
	       p->max_types <= CKREMM_GC_MAX_TYPES &&
	       p->max_pins <= GC_MAX_PINS && p->roots <= 0x10000U &&
	       p->finalize_queue <= 0x10000U && p->trigger_percent <= 10000;
}

/**
 * ckremm_gc_create() - put a collector in charge of a table pool
 * @pool: an empty table pool, without a collector
 * @params: sizes and pacing, or NULL for the defaults (see
 *	struct ckremm_gc_params; a field left 0 takes its default)
 *
 * From now on every block of @pool is an object of the collector: blocks
 * the pool's own calls allocate are of type CKREMM_GC_WORDS, and any
 * block not reachable from the roots is freed by the next cycle.  The
 * collector's bookkeeping is allocated here, once: its structure, the
 * types' table, the root slots, the pin set and the finaliser queue.
 * Each node of the pool's table carries 4 bytes for it in builds with the
 * collector.
 *
 * Context: Process context; may sleep.
 * Return: the collector, or NULL if @pool is NULL, not empty or has a
 * collector or a backing store (ckremm/paging/store_pager.c), a
 * parameter is out of range, or memory is short.
 */
struct ckremm_gc *ckremm_gc_create(struct t_pool *pool,
				   const struct ckremm_gc_params *params)
{
	struct ckremm_gc *gc;
	unsigned long flags;
	bool taken;

	ckremm_might_sleep();
	if (!pool)
		return NULL;
	gc = ckremm_meta_zalloc(sizeof(*gc));
	if (!gc)
		return NULL;
	gc->pool = pool;
	if (!gc_params(pool, params, &gc->p)) {
		ckremm_warn("gc: parameters out of range\n");
		ckremm_meta_free(gc);
		return NULL;
	}
	gc->types = ckremm_meta_zalloc(gc->p.max_types * sizeof(*gc->types));
	gc->roots = ckremm_meta_zalloc(gc->p.roots * sizeof(*gc->roots));
	gc->pins = ckremm_meta_zalloc((gc->p.max_pins ? gc->p.max_pins : 1) *
				      sizeof(*gc->pins));
	gc->queue = ckremm_meta_zalloc(gc->p.finalize_queue *
				       sizeof(*gc->queue));
	if (!gc->types || !gc->roots || !gc->pins || !gc->queue) {
		gc_free_all(gc);
		return NULL;
	}
	gc->ntypes = CKREMM_GC_LEAF + 1;
	gc->phase = CKREMM_GC_IDLE;
	gc->scan = TP_NIL;
	gc->cursor = GC_NONE;
	gc->trigger = gc->p.trigger_min;
	gc->meta_bytes = sizeof(*gc) +
			 gc->p.max_types * sizeof(*gc->types) +
			 gc->p.roots * sizeof(*gc->roots) +
			 gc->p.max_pins * sizeof(*gc->pins) +
			 gc->p.finalize_queue * sizeof(*gc->queue);

	flags = ckremm_lock(&pool->lock);
	taken = pool->gc || pool->used_blocks || tp_has_store(pool);
	if (!taken)
		pool->gc = gc;
	ckremm_unlock(&pool->lock, flags);
	if (taken) {
		ckremm_warn("gc: the pool has blocks, a collector or a store already\n");
		gc_free_all(gc);
		return NULL;
	}
	return gc;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_create, CKREMM_NS);

/**
 * ckremm_gc_destroy() - take the collector off its pool and free it
 * @gc: the collector, or NULL
 *
 * The pool and its blocks stay, without a collector; finalisers still
 * queued are not run.  The caller must make sure no other call on @gc
 * runs or follows, and that no scope is still registered.
 *
 * Context: Process context; may sleep.
 */
void ckremm_gc_destroy(struct ckremm_gc *gc)
{
	struct t_pool *pool;
	unsigned long flags;
	u32 i, end;

	ckremm_might_sleep();
	if (!gc)
		return;
	pool = gc->pool;
	flags = ckremm_lock(&pool->lock);
	pool->gc = NULL;
	end = gc_table_end(gc);
	/* No hook reads the words now; clear them a chunk at a time. */
	for (i = 0; i < end; i++) {
		if (i && !(i % TP_CHUNK_NODES)) {
			ckremm_unlock(&pool->lock, flags);
			flags = ckremm_lock(&pool->lock);
		}
		tp_seg(pool, gc_node(i))->gc = 0;
	}
	ckremm_unlock(&pool->lock, flags);
	gc_free_all(gc);
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_destroy, CKREMM_NS);

/**
 * ckremm_gc_pool() - the table pool a collector is in charge of
 * @gc: the collector
 *
 * Objects are read, written, pinned and freed with the pool's calls.
 *
 * Context: Any context.
 * Return: the pool.
 */
struct t_pool *ckremm_gc_pool(struct ckremm_gc *gc)
{
	return gc->pool;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_pool, CKREMM_NS);

/**
 * ckremm_gc_type_register() - register the layout of a type of object
 * @gc: the collector
 * @map: bit w % 64 of @map[w / 64] set if word w (bytes 8w to 8w + 7) of
 *	an object of the type holds a handle
 * @words: words @map covers, 1 to 65536
 * @flags: 0, or CKREMM_GC_TYPE_REPEAT for a map that repeats over the
 *	whole object; without it, the words of an object past @words hold
 *	no handles
 *
 * The map is copied.  Types cannot be unregistered.
 *
 * Context: Process context; may sleep.
 * Return: the type id, from CKREMM_GC_LEAF + 1 up; -EINVAL for a bad
 * argument; -ENOSPC if the collector has its most types; -ENOMEM.
 */
int ckremm_gc_type_register(struct ckremm_gc *gc, const u64 *map,
			    unsigned int words, unsigned int flags)
{
	size_t bytes = (words + 63) / 64 * sizeof(u64);
	struct gc_type *t;
	unsigned long irqflags;
	int id;

	ckremm_might_sleep();
	if (!gc || !map || !words || words > GC_MAX_MAP_WORDS ||
	    (flags & ~CKREMM_GC_TYPE_REPEAT))
		return -EINVAL;
	t = ckremm_meta_zalloc(sizeof(*t) + bytes);
	if (!t)
		return -ENOMEM;
	t->words = words;
	t->flags = flags;
	memcpy(t->map, map, bytes);
	if (words % 64)
		t->map[words / 64] &= (1ULL << (words % 64)) - 1;

	irqflags = ckremm_lock(&gc->pool->lock);
	id = gc->ntypes < gc->p.max_types ? (int)gc->ntypes++ : -ENOSPC;
	if (id >= 0) {
		gc->types[id] = t;
		gc->meta_bytes += sizeof(*t) + bytes;
	}
	ckremm_unlock(&gc->pool->lock, irqflags);
	if (id < 0)
		ckremm_meta_free(t);
	return id;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_type_register, CKREMM_NS);

/* ---- steps -------------------------------------------------------------------- */

/*
 * Work for @budget under the lock, up to the end of the sweep: a cycle's
 * start first if @start and none runs.  Returns the work done.
 */
static size_t gc_work_locked(struct ckremm_gc *gc, size_t budget, bool start,
			     struct ckremm_gc_step_result *res)
{
	size_t work = 0;

	if (gc->phase == CKREMM_GC_IDLE) {
		if (!start)
			return 0;
		work = gc_start(gc);
	}
	if (gc->phase == CKREMM_GC_MARK && work < budget)
		work += gc_mark_some(gc, budget - work);
	/* Marking may end within the budget; the sweep goes on from there. */
	if (gc->phase == CKREMM_GC_SWEEP && work < budget)
		work += gc_sweep_some(gc, budget - work, res);
	return work;
}

/* Where the collection is after a step of @work, pool lock held. */
static void gc_report_locked(const struct ckremm_gc *gc,
			     struct ckremm_gc_step_result *res, size_t work)
{
	if (!res)
		return;
	res->phase = gc->phase;
	res->finalizers_pending = gc->queued;
	res->work += work;
}

/*
 * One step: locked work, or one reorder step when compacting.  The lock is
 * not held on entry or return.
 */
static int gc_step(struct ckremm_gc *gc, size_t budget, bool start,
		   struct ckremm_gc_step_result *res)
{
	struct t_pool *pool = gc->pool;
	unsigned long flags;
	size_t work, cycles;
	bool compact;
	int more;

	flags = ckremm_lock(&pool->lock);
	compact = gc->phase == CKREMM_GC_COMPACT;
	cycles = gc->st.cycles;
	work = compact ? 0 : gc_work_locked(gc, budget, start, res);
	if (work) {
		gc->seq++;
		gc->st.steps++;
		if (work > gc->st.max_step_work)
			gc->st.max_step_work = work;
	}
	gc_report_locked(gc, res, work);
	ckremm_unlock(&pool->lock, flags);

	if (compact) {
		struct t_pool_reorder_result moved = { 0 };
		size_t bytes = budget < T_POOL_STEP_MAX / 8 ?
			       budget * 8 : T_POOL_STEP_MAX;
		size_t calls = 0;

		/*
		 * A reorder step visits at most TP_STEP_NODES nodes, so small
		 * objects move a few hundred bytes in one: take reorder steps,
		 * each its own hold of the lock, up to @budget nodes visited
		 * or 8 * @budget bytes moved, or a mutator that allocates as
		 * fast as the pass moves keeps it from ending.
		 */
		do
			more = t_pool_reorder_step(pool,
						   bytes - moved.bytes_moved,
						   &moved);
		while (more > 0 && moved.bytes_moved < bytes &&
		       (++calls + 1) * TP_STEP_NODES <= budget);
		flags = ckremm_lock(&pool->lock);
		gc->st.steps++;
		work = budget;
		if (pool->reorders >= gc->compact_goal &&
		    gc->phase == CKREMM_GC_COMPACT && gc->st.cycles == cycles) {
			gc->phase = CKREMM_GC_IDLE;
			gc->st.cycles++;
			if (res)
				res->cycle_done = true;
		}
		gc_report_locked(gc, res, work);
		ckremm_unlock(&pool->lock, flags);
	}
	return 0;
}

/**
 * ckremm_gc_step() - do one bounded step of collection
 * @gc: the collector
 * @budget: most work, in units of about one word scanned, one table slot
 *	visited or 8 bytes moved; 0 for &ckremm_gc_params.step_budget
 * @res: if not NULL, receives what the step did (zeroed first)
 *
 * Starts a cycle if none runs.  A step holds the pool lock once, for at
 * most @budget of work, except a cycle's start, which costs the roots,
 * the scopes and the pinned objects' words however large @budget is.  A
 * compaction step is t_pool_reorder_step() calls, the lock dropped
 * between them, until 8 * @budget bytes (at most T_POOL_STEP_MAX) moved
 * or @budget nodes visited.  A sweep that finds the finaliser queue full
 * waits for ckremm_gc_finalize().
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0, or -EINVAL if @gc is NULL.
 */
int ckremm_gc_step(struct ckremm_gc *gc, size_t budget,
		   struct ckremm_gc_step_result *res)
{
	if (!gc)
		return -EINVAL;
	if (res)
		memset(res, 0, sizeof(*res));
	return gc_step(gc, budget ? budget : gc->p.step_budget, true, res);
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_step, CKREMM_NS);

/**
 * ckremm_gc_finalize() - run queued finalisers and free their objects
 * @gc: the collector
 * @max: most finalisers to run; 0 for all that are queued
 *
 * Each finaliser runs with no lock held; its object is freed when it
 * returns.  An object its finaliser left pinned or held is not freed: it
 * dies, without a second finaliser, in a cycle after its last pin goes.
 *
 * Context: The finaliser's context; takes the pool lock with interrupts
 * disabled around each object.
 * Return: finalisers run.
 */
unsigned int ckremm_gc_finalize(struct ckremm_gc *gc, unsigned int max)
{
	struct t_pool *pool;
	unsigned int ran = 0;
	unsigned long flags;

	if (!gc)
		return 0;
	pool = gc->pool;
	while (!max || ran < max) {
		unsigned int type = 0;
		struct tp_seg *s;
		u64 handle;
		u32 n;

		flags = ckremm_lock(&pool->lock);
		if (!gc->queued) {
			ckremm_unlock(&pool->lock, flags);
			break;
		}
		handle = gc->queue[gc->queue_head];
		gc->queue_head = (gc->queue_head + 1) % gc->p.finalize_queue;
		gc->queued--;
		n = tp_find(pool, handle);
		if (n != TP_NIL)
			type = tp_seg(pool, n)->gc & GC_TYPE_MASK;
		ckremm_unlock(&pool->lock, flags);
		if (n == TP_NIL)
			continue;

		if (gc->p.finalize)
			gc->p.finalize(gc, handle, type, gc->p.finalize_arg);
		ran++;

		flags = ckremm_lock(&pool->lock);
		gc->st.finalized++;
		n = tp_find(pool, handle);
		if (n != TP_NIL) {
			s = tp_seg(pool, n);
			s->gc &= ~(GC_QUEUED | GC_FINAL);
			gc->seq++;
			if (!s->pins && !s->holds) {
				gc->st.freed_objects++;
				gc->st.freed_bytes += gc_bytes(pool, s);
				tp_free_locked(pool, n, s);
			}
		}
		ckremm_unlock(&pool->lock, flags);
	}
	return ran;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_finalize, CKREMM_NS);

/**
 * ckremm_gc_collect() - collect until everything dead now is freed
 * @gc: the collector
 *
 * Finishes the cycle that runs, if any, then runs a whole new one, its
 * compaction and the finalisers it queued: every object unreachable when
 * the call began is freed when it returns.  Works in steps of bounded work
 * with the pool lock dropped between them, so other CPUs keep using the
 * pool; but the call itself runs until it is done.
 *
 * Context: Any context where the finaliser may run; with the lock dropped
 * between steps, a caller in atomic context keeps its own section for the
 * whole collection.
 * Return: 0, or -EINVAL if @gc is NULL.
 */
int ckremm_gc_collect(struct ckremm_gc *gc)
{
	struct ckremm_gc_step_result res;
	unsigned long flags;
	size_t target;

	if (!gc)
		return -EINVAL;
	flags = ckremm_lock(&gc->pool->lock);
	target = gc->st.cycles + (gc->phase == CKREMM_GC_IDLE ? 1 : 2);
	ckremm_unlock(&gc->pool->lock, flags);
	for (;;) {
		memset(&res, 0, sizeof(res));
		gc_step(gc, GC_COLLECT_BUDGET, true, &res);
		if (res.finalizers_pending && res.phase == CKREMM_GC_SWEEP)
			ckremm_gc_finalize(gc, 0);
		flags = ckremm_lock(&gc->pool->lock);
		res.cycle_done = gc->st.cycles >= target;
		ckremm_unlock(&gc->pool->lock, flags);
		if (res.cycle_done)
			break;
	}
	ckremm_gc_finalize(gc, 0);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_collect, CKREMM_NS);

/* ---- allocation ----------------------------------------------------------------- */

/*
 * Allocate @units for ckremm_gc_alloc() under the lock: typed, coloured,
 * pinned and pushed on @scope as asked.  Returns the node or TP_NIL with
 * *@err set.
 */
static u32 gc_alloc_locked(struct ckremm_gc *gc, u32 units, unsigned int type,
			   unsigned int flags, struct ckremm_gc_scope *scope,
			   unsigned long *irqflags, int *err)
{
	struct t_pool *pool = gc->pool;
	struct tp_seg *s;
	u32 n;

	if (scope && scope->depth == scope->max) {
		*err = -ENOSPC;
		return TP_NIL;
	}
	if ((flags & CKREMM_GC_PIN) && gc->npins == gc->p.max_pins) {
		*err = -ENOSPC;
		return TP_NIL;
	}
	n = tp_alloc_any(pool, units, &s, irqflags);
	if (n == TP_NIL) {
		*err = -ENOMEM;
		return TP_NIL;
	}
	/* The lock may have dropped while the table grew. */
	if ((scope && scope->depth == scope->max) ||
	    ((flags & CKREMM_GC_PIN) && gc->npins == gc->p.max_pins)) {
		tp_free_locked(pool, n, s);
		*err = -ENOSPC;
		return TP_NIL;
	}
	s->gc |= type;
	if (flags & CKREMM_GC_FINALIZE)
		s->gc |= GC_FINAL;
	if (flags & CKREMM_GC_PIN) {
		ckremm_gc_on_fix(gc, n);
		s->pins = 1;
		pool->pinned_blocks++;
	}
	if (scope)
		scope->slots[scope->depth++] = tp_handle(pool, n);
	gc->st.allocated_bytes += tp_bytes(units);
	*err = 0;
	return n;
}

/*
 * Count @bytes allocated, pool lock held: whether the allocation pays with
 * a step (at most one).
 */
static bool gc_pace_locked(struct ckremm_gc *gc, size_t bytes)
{
	bool step;

	if (gc->p.manual)
		return false;
	gc->since_cycle += bytes;
	if (gc->phase == CKREMM_GC_IDLE) {
		step = gc->since_cycle >= gc->trigger;
	} else {
		gc->debt += bytes;
		step = gc->debt >= gc->p.pace_bytes;
		if (step)
			gc->debt -= gc->p.pace_bytes;
		if (gc->debt > gc->p.pace_bytes)
			gc->debt = gc->p.pace_bytes;
	}
	return step;
}

/**
 * ckremm_gc_alloc() - allocate a zeroed object
 * @gc: the collector
 * @size: bytes, at least 1; rounded up to 16
 * @type: CKREMM_GC_WORDS, CKREMM_GC_LEAF or a registered type id
 * @flags: CKREMM_GC_FINALIZE to run the finaliser when the object dies
 *	(the collector needs one), CKREMM_GC_PIN to get it pinned
 * @scope: if not NULL, the new handle is pushed on it before the lock is
 *	dropped, so that no cycle can take the object before its caller has
 *	stored it; with neither @scope nor CKREMM_GC_PIN, a cycle another
 *	CPU starts meanwhile may free it
 * @handle: receives the object's handle
 *
 * O(1) plus zeroing, which for objects larger than the pool's step size
 * runs a step at a time with the object held.  Unless the collector is
 * manual, the allocation then pays for what it allocated with at most one
 * step of &ckremm_gc_params.step_budget, starting a cycle when enough was
 * allocated since the last.  When nothing fits, it takes at most one
 * collection step and one reorder step, and tries once more: never an
 * unbounded collection.  No finaliser runs in an allocation.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL for a bad argument; -ENOSPC if @scope is full or the
 * pin set is; -ENOMEM if nothing fits after the step.
 */
int ckremm_gc_alloc(struct ckremm_gc *gc, size_t size, unsigned int type,
		    unsigned int flags, struct ckremm_gc_scope *scope,
		    u64 *handle)
{
	struct t_pool *pool;
	unsigned long irqflags;
	unsigned int tries;
	bool large, pay = false;
	u32 units, n = TP_NIL;
	int err = 0;

	if (!gc || !handle || !tp_units_for(size, &units) ||
	    (flags & ~(CKREMM_GC_FINALIZE | CKREMM_GC_PIN)) ||
	    ((flags & CKREMM_GC_FINALIZE) && !gc->p.finalize))
		return -EINVAL;
	pool = gc->pool;
	large = tp_bytes(units) > pool->step_bytes;
	for (tries = 0; tries < 2 && n == TP_NIL; tries++) {
		if (tries) {
			/* One bounded step of each, then one more try. */
			gc_step(gc, gc->p.step_budget, true, NULL);
			t_pool_reorder_step(pool, 0, NULL);
		}
		irqflags = ckremm_lock(&pool->lock);
		if (type >= gc->ntypes) {
			ckremm_unlock(&pool->lock, irqflags);
			return -EINVAL;
		}
		n = gc_alloc_locked(gc, units, large ? CKREMM_GC_LEAF : type,
				    flags, scope, &irqflags, &err);
		if (n != TP_NIL) {
			*handle = tp_handle(pool, n);
			pay = gc_pace_locked(gc, tp_bytes(units));
			if (!large)
				memset(tp_addr_of(pool, tp_seg(pool, n)->off), 0,
				       tp_bytes(units));
		} else if (err == -ENOMEM && tries) {
			pool->failed_allocs++;
			gc->st.failed_allocs++;
		}
		ckremm_unlock(&pool->lock, irqflags);
		if (err != -ENOMEM)
			break;
	}
	if (err)
		return err;
	if (large) {
		/* A leaf while it is cleared a step at a time: never scanned. */
		t_pool_clean(pool, *handle);
		irqflags = ckremm_lock(&pool->lock);
		n = tp_find(pool, *handle);
		if (n != TP_NIL) {
			struct tp_seg *s = tp_seg(pool, n);

			s->gc = (s->gc & ~GC_TYPE_MASK) | type;
			gc->seq++;
		}
		ckremm_unlock(&pool->lock, irqflags);
	}
	ckremm_trace_alloc(pool->label, size, *handle, 0);
	if (pay)
		gc_step(gc, gc->p.step_budget, true, NULL);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_alloc, CKREMM_NS);

/**
 * ckremm_gc_type_of() - the type of an object
 * @gc: the collector
 * @handle: the object
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the type id, or -EINVAL for a dead handle.
 */
int ckremm_gc_type_of(struct ckremm_gc *gc, u64 handle)
{
	unsigned long flags;
	int ret = -EINVAL;
	u32 n;

	if (!gc)
		return -EINVAL;
	flags = ckremm_lock(&gc->pool->lock);
	n = tp_find(gc->pool, handle);
	if (n != TP_NIL)
		ret = tp_seg(gc->pool, n)->gc & GC_TYPE_MASK;
	ckremm_unlock(&gc->pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_type_of, CKREMM_NS);

/* ---- roots -------------------------------------------------------------------- */

/**
 * ckremm_gc_root_set() - store a handle in a root slot
 * @gc: the collector
 * @slot: 0 to &ckremm_gc_params.roots - 1
 * @handle: the object the slot keeps alive, or T_POOL_NO_HANDLE
 *
 * A root keeps its object, and what it reaches, alive.  The handle is not
 * checked: a dead one keeps nothing alive.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0, or -EINVAL for a slot out of range.
 */
int ckremm_gc_root_set(struct ckremm_gc *gc, unsigned int slot, u64 handle)
{
	unsigned long flags;

	if (!gc || slot >= gc->p.roots)
		return -EINVAL;
	flags = ckremm_lock(&gc->pool->lock);
	gc->roots[slot] = handle;
	ckremm_unlock(&gc->pool->lock, flags);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_root_set, CKREMM_NS);

/**
 * ckremm_gc_root_get() - the handle in a root slot
 * @gc: the collector
 * @slot: 0 to &ckremm_gc_params.roots - 1
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the handle, or T_POOL_NO_HANDLE for an empty slot or one out of
 * range.
 */
u64 ckremm_gc_root_get(struct ckremm_gc *gc, unsigned int slot)
{
	unsigned long flags;
	u64 handle;

	if (!gc || slot >= gc->p.roots)
		return T_POOL_NO_HANDLE;
	flags = ckremm_lock(&gc->pool->lock);
	handle = gc->roots[slot];
	ckremm_unlock(&gc->pool->lock, flags);
	return handle;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_root_get, CKREMM_NS);

/**
 * ckremm_gc_scope_init() - register a root scope
 * @gc: the collector
 * @scope: the scope, owned by the caller until ckremm_gc_scope_exit()
 * @slots: its stack: @max handles
 * @max: the bound; a push past it is refused with -ENOSPC
 *
 * A cycle's start costs the handles on every scope, so a scope is for
 * temporaries, cut back as the caller returns.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 */
void ckremm_gc_scope_init(struct ckremm_gc *gc, struct ckremm_gc_scope *scope,
			  u64 *slots, unsigned int max)
{
	unsigned long flags;

	scope->slots = slots;
	scope->depth = 0;
	scope->max = max;
	flags = ckremm_lock(&gc->pool->lock);
	scope->next = gc->scopes;
	gc->scopes = scope;
	ckremm_unlock(&gc->pool->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_scope_init, CKREMM_NS);

/**
 * ckremm_gc_scope_exit() - unregister a root scope
 * @gc: the collector
 * @scope: a scope registered with ckremm_gc_scope_init()
 *
 * Its handles are roots no more.  O(scopes).
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 */
void ckremm_gc_scope_exit(struct ckremm_gc *gc, struct ckremm_gc_scope *scope)
{
	struct ckremm_gc_scope **p;
	unsigned long flags;

	flags = ckremm_lock(&gc->pool->lock);
	for (p = &gc->scopes; *p; p = &(*p)->next) {
		if (*p == scope) {
			*p = scope->next;
			break;
		}
	}
	scope->depth = 0;
	ckremm_unlock(&gc->pool->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_scope_exit, CKREMM_NS);

/**
 * ckremm_gc_scope_push() - make a handle a root until its scope is cut
 * @gc: the collector
 * @scope: a registered scope
 * @handle: the handle
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0, or -ENOSPC if the scope is full (nothing is pushed).
 */
int ckremm_gc_scope_push(struct ckremm_gc *gc, struct ckremm_gc_scope *scope,
			 u64 handle)
{
	unsigned long flags;
	int ret = 0;

	flags = ckremm_lock(&gc->pool->lock);
	if (scope->depth < scope->max)
		scope->slots[scope->depth++] = handle;
	else
		ret = -ENOSPC;
	ckremm_unlock(&gc->pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_scope_push, CKREMM_NS);

/**
 * ckremm_gc_scope_restore() - cut a scope back to a depth it had
 * @gc: the collector
 * @scope: a registered scope
 * @depth: the depth to keep (read from @scope->depth before the pushes to
 *	undo); a depth above the current one changes nothing
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 */
void ckremm_gc_scope_restore(struct ckremm_gc *gc,
			     struct ckremm_gc_scope *scope, unsigned int depth)
{
	unsigned long flags;

	flags = ckremm_lock(&gc->pool->lock);
	if (depth < scope->depth)
		scope->depth = depth;
	ckremm_unlock(&gc->pool->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_scope_restore, CKREMM_NS);

/* ---- checks ------------------------------------------------------------------- */

/* Where ckremm_gc_validate() is in its pass. */
struct gc_check {
	struct ckremm_gc *gc;
	struct t_pool_fault *fault;
	u32 i;
	unsigned int pinned;
	unsigned int queued;
};

/* Node @i's collector word against the collector's state, or a reason. */
static const char *gc_check_node(const struct ckremm_gc *gc, u32 i)
{
	const struct tp_seg *s = tp_seg(gc->pool, gc_node(i));
	u32 w = s->gc, pin = w >> GC_PIN_SHIFT;

	if (!tp_is_used(s))
		return w ? "collector word on a node that is no block" : NULL;
	if ((w & GC_TYPE_MASK) >= gc->ntypes)
		return "object of an unregistered type";
	if (pin && (pin > gc->npins || gc->pins[pin - 1] != gc_node(i)))
		return "object's pin set slot names another object";
	if (s->pins && !pin)
		return "pinned object missing from the pin set";
	if ((w & GC_GREY) && !(w & GC_MARK))
		return "grey object without its mark";
	if ((w & GC_GREY) && gc_is_leaf(w))
		return "grey leaf object";
	if ((w & GC_QUEUED) && !(w & GC_FINAL))
		return "queued object without a finaliser";
	if ((w & GC_MARK) && (gc->phase == CKREMM_GC_IDLE ||
			      gc->phase == CKREMM_GC_COMPACT ||
			      (gc->phase == CKREMM_GC_SWEEP && i < gc->sweep)))
		return "object marked outside marking or behind the sweep";
	if ((w & GC_GREY) && gc->phase != CKREMM_GC_MARK)
		return "grey object outside marking";
	return NULL;
}

/* One step of ckremm_gc_validate(), pool lock held. */
static int gc_check_step(void *arg, bool restart)
{
	struct gc_check *c = arg;
	const struct ckremm_gc *gc = c->gc;
	u32 end = gc_table_end(gc), stop;
	const char *why = NULL;

	if (restart) {
		c->i = 0;
		c->pinned = 0;
		c->queued = 0;
	}
	stop = end - c->i > TP_CHECK_NODES ? c->i + TP_CHECK_NODES : end;
	for (; c->i < stop && !why; c->i++) {
		const struct tp_seg *s = tp_seg(gc->pool, gc_node(c->i));

		why = gc_check_node(gc, c->i);
		c->pinned += tp_is_used(s) && (s->gc >> GC_PIN_SHIFT);
		c->queued += tp_is_used(s) && (s->gc & GC_QUEUED);
	}
	if (!why && c->i == end) {
		if (c->pinned != gc->npins)
			why = "pin set holds objects that are not in it";
		else if (c->queued < gc->queued)
			why = "finaliser queue longer than its objects";
		else
			return 1;
	}
	if (!why)
		return 0;
	if (c->fault) {
		c->fault->offset = tp_bytes(tp_seg(gc->pool,
						   gc_node(c->i - 1))->off);
		c->fault->reason = why;
	}
	return -EUCLEAN;
}

/**
 * ckremm_gc_validate() - check the collector's word in every node
 * @gc: the collector
 * @fault: if not NULL, receives the first inconsistency found (the offset
 *	of the object, or of the last one looked at)
 *
 * Checks each node of the pool's table against the collector: types
 * registered, the pin set and the objects in it naming each other, every
 * pinned object in it, colours that fit the phase (no mark outside a
 * cycle's marking and sweep, none behind the sweep, no grey outside
 * marking), queued objects flagged for a finaliser, and no collector word
 * on a node that holds no block.  O(table), in steps of TP_CHECK_NODES
 * with the lock dropped between them; a change between two steps starts
 * the check again.  Does not check the pool itself: t_pool_validate()
 * does.  Meant for tests and debugging.
 *
 * Context: Any context; takes the pool lock with interrupts disabled, once
 * per step.
 * Return: 0 if consistent, -EUCLEAN if not, -EBUSY if the collector or the
 * pool changed under every one of TP_CHECK_TRIES attempts, -EINVAL if
 * @gc is NULL.
 */
int ckremm_gc_validate(struct ckremm_gc *gc, struct t_pool_fault *fault)
{
	struct gc_check c = { .gc = gc, .fault = fault };

	if (!gc)
		return -EINVAL;
	return ckremm_locked_pass(&gc->pool->lock, &gc->seq, TP_CHECK_TRIES,
				  fault ? &fault->reason : NULL,
				  gc_check_step, &c);
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_validate, CKREMM_NS);

/* ---- figures ------------------------------------------------------------------ */

/* Fill @stats from @gc, with its pool's lock held. */
static void gc_stats_locked(struct ckremm_gc *gc, struct ckremm_gc_stats *stats)
{
	*stats = gc->st;
	stats->phase = gc->phase;
	stats->objects = gc->pool->used_blocks;
	stats->finalizers_pending = gc->queued;
	stats->pinned = gc->npins;
	stats->meta_bytes = gc->meta_bytes +
			    (size_t)gc_table_end(gc) * sizeof(u32);
}

/**
 * ckremm_gc_get_stats() - a consistent snapshot of a collector's figures
 * @gc: the collector
 * @stats: receives them
 *
 * &ckremm_gc_stats.meta_bytes counts the collector's own structures and
 * the 4 bytes it adds to each node of the pool's table as allocated now.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 */
void ckremm_gc_get_stats(struct ckremm_gc *gc, struct ckremm_gc_stats *stats)
{
	unsigned long flags;

	flags = ckremm_lock(&gc->pool->lock);
	gc_stats_locked(gc, stats);
	ckremm_unlock(&gc->pool->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_get_stats, CKREMM_NS);

/**
 * ckremm_gc_pool_stats() - the figures of a pool's collector, if it has one
 * @pool: a table pool
 * @stats: receives them, as ckremm_gc_get_stats() gives them
 *
 * For code that holds the pool but not its collector, such as a pool
 * listing: the collector is looked up and read under the pool lock, so
 * one that ckremm_gc_destroy() is taking off meanwhile is either read
 * whole or not found.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0, or -ENOENT if @pool has no collector.
 */
int ckremm_gc_pool_stats(struct t_pool *pool, struct ckremm_gc_stats *stats)
{
	unsigned long flags;
	int err = -ENOENT;

	flags = ckremm_lock(&pool->lock);
	if (pool->gc) {
		gc_stats_locked(pool->gc, stats);
		err = 0;
	}
	ckremm_unlock(&pool->lock, flags);
	return err;
}
EXPORT_SYMBOL_NS_GPL(ckremm_gc_pool_stats, CKREMM_NS);
