// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ckremm table pool: movable blocks named by handles, compacted on demand.
 *
 * What it is
 * ----------
 * The arena holds payload bytes only.  Everything the pool knows lives in
 * tables outside it, so an overrun of one block can damage its neighbour's
 * bytes but never the pool's bookkeeping:
 *
 *   nodes      one node per run of the arena, used or free, linked in
 *              address order; a run's length is where the next run
 *              starts.  Free runs are also filed in a segregated-fit index
 *              (ckremm_segfit.h) for O(1) good-fit allocation.  A used
 *              block's node is its handle: the handle is
 *              (generation << 32) | (node + 1), so handle 0 is never
 *              valid, and the node keeps the block's generation, pins and
 *              holds.  A reorder moves a block by changing its node's
 *              offset, so the node, and the handle, stay the block's.
 *   chunks     nodes live in chunks of TP_CHUNK_NODES, 4 KiB each, reached
 *              through a directory sized at creation for the most nodes
 *              the pool can need.  Chunks are added as blocks come and
 *              are kept until the pool is destroyed, so the tables follow
 *              the largest number of blocks the pool has held and are
 *              never copied.
 *   regions    the first node that starts in each 4 KiB of the arena, so
 *              that the seed calls that name a block by its address find
 *              it by walking at most TP_REGION_UNITS nodes.
 *
 * Generations are drawn from one counter per pool: a handle is honoured
 * only while its node holds the very block it was made for, and a stale
 * handle could be honoured by mistake only after 2^32 more allocations in
 * the pool, and then only if the block allocated exactly then took the
 * same node.
 *
 * Growing
 * -------
 * An allocation that must split a free run and finds no spare node drops
 * the lock, asks for a chunk with ckremm_meta_zalloc_nowait() (never
 * sleeps), takes the lock again and starts over.  If another CPU added a
 * chunk meanwhile, the new chunk is freed, with the lock dropped again.
 * Nothing is allocated or freed under the lock.  If the chunk cannot be
 * had, the allocation fails like one for which there is no room, and the
 * pool is as it was.
 *
 * Holds
 * -----
 * A call that works on a block for longer than one step holds it instead
 * of the lock: t_pool_read() and the source of t_pool_copy() share a
 * hold; t_pool_write(), t_pool_clean() and the destination of a copy hold
 * the block alone.  Callers that copy a block themselves (the device, to
 * and from user memory) take the same holds with t_pool_hold().  A hold
 * is a field of the block's node; taking one is refused with -EBUSY, never
 * waited for, when it conflicts with a hold already there, and a held
 * block cannot be freed (-EBUSY).  Holds name no owner: the holder's own
 * calls on the block are refused like anyone's until it lets go.  A call
 * refused for readers stops new readers from joining until the last one
 * has gone (TP_WRITER_WAITS), so overlapping readers cannot shut writers
 * out.  A reorder steps over a held block as
 * over a pinned one; the pool's own calls still copy a step at a time
 * under the lock, mapping each byte to where it is, since a block held
 * while in transit finishes its move.  t_pool_hold() moves the block the
 * rest of the way first, so that its caller's bytes stay put.  A caller
 * that owns its blocks never meets a hold it did not take.
 *
 * Costs
 * -----
 * Allocation, free, handle lookup, pin and unpin are O(1); an allocation
 * that adds a chunk also initialises its TP_CHUNK_NODES nodes.  The
 * pointer calls add a walk of at most TP_REGION_UNITS nodes.  Reads,
 * writes, copies and clears are O(bytes), in steps.  A reorder pass is
 * O(blocks + bytes moved) in steps of bounded size.  t_pool_validate() and
 * the search for a walk's cursor are O(blocks), also in steps of bounded
 * size; no call keeps interrupts off for longer than one step.
 *
 * Memory: the arena; 20 bytes per node (a block or a free run, in 4 KiB
 * chunks of 204 nodes, added as needed; 24 bytes and 170 nodes in builds
 * with the garbage collector); 4 bytes per 4 KiB of arena for
 * the regions; 8 bytes per chunk the pool may need for the directory; and
 * the pool structure.  An empty pool of 64 MiB costs about 90 KiB.
 *
 * The files
 * ---------
 * This file allocates, frees and reaches blocks; t_pool_move.c moves them
 * (compaction, and the blocks in transit); t_pool_check.c checks the
 * structure and walks it.  t_pool_internal.h holds what they share: the
 * node, the pool, and the small functions that read them.
 *
 * Context
 * -------
 * Every call takes the pool's raw spinlock with interrupts disabled and
 * may be made from any context, hard interrupts included, except creation
 * and destruction, which may sleep.  Long work drops the lock between
 * steps, which shortens the hold but not the caller's own section: a
 * whole reorder or validate called from interrupt context, or under a
 * lock of the caller's, runs until it ends with interrupts off.  Such
 * callers step a reorder themselves with t_pool_reorder_step().  An
 * allocation that grows the tables allocates with the lock dropped and
 * without sleeping; on PREEMPT_RT it cannot allocate where the caller
 * cannot sleep, and fails there once the nodes it has run out.
 */

#include "t_pool_internal.h"
void tp_refuse(struct t_pool *pool, const char *why)
{
	pool->refused_calls++;
	ckremm_trace_refuse(pool->label, why);
	ckremm_warn("t_pool: %s\n", why);
}

/* ---- nodes --------------------------------------------------------------- */

/* Add @chunk, zeroed, as chunk number pool->chunks: all its nodes spare. */
static void tp_add_chunk(struct t_pool *pool, struct tp_seg *chunk)
{
	u32 base = pool->chunks << TP_CHUNK_SHIFT;
	u32 i;

	pool->dir[pool->chunks++] = chunk;
	for (i = TP_CHUNK_NODES; i-- > 0;)
		tp_node_put(pool, base + i * sizeof(*chunk), &chunk[i], TP_NIL);
	pool->seq++;
}

/* ---- regions --------------------------------------------------------------- */

/* The run that starts at @off, or TP_NIL: at most TP_REGION_UNITS steps. */
u32 tp_find_start(const struct t_pool *pool, u32 off)
{
	u32 n = *tp_region_of(pool, off);

	while (n != TP_NIL) {
		const struct tp_seg *s = tp_seg(pool, n);

		if (s->off >= off)
			return s->off == off ? n : TP_NIL;
		n = s->next;
	}
	return TP_NIL;
}

/* ---- address order --------------------------------------------------------- */

/* ---- the free index ---------------------------------------------------- */

/*
 * A free run of at most @units, or TP_NIL; its node goes to *@sp, its
 * length to *@have.  Inlined into the allocation path; tp_find_free() is
 * the same for the paging module.
 */
static __always_inline u32 __tp_find_free(struct t_pool *pool, u32 units,
					  struct tp_seg **sp, u32 *have)
{
	unsigned int fl, sl;
	u32 n;

	ckremm_sf_class(units, &fl, &sl);
	n = pool->index.heads[fl][sl];
	if (n != TP_NIL) {
		*sp = tp_seg(pool, n);
		*have = tp_units(pool, *sp);
		if (*have >= units)
			return n;
	}
	n = ckremm_sf_search(&pool->index, units);
	if (n != TP_NIL) {
		*sp = tp_seg(pool, n);
		*have = tp_units(pool, *sp);
	}
	return n;
}

u32 tp_find_free(struct t_pool *pool, u32 units, struct tp_seg **sp,
		 u32 *have)
{
	return __tp_find_free(pool, units, sp, have);
}

/* ---- handles ----------------------------------------------------------- */

/* Node of the used block that starts at @ptr, or TP_NIL (refused). */
static u32 tp_lookup_ptr(struct t_pool *pool, const void *ptr)
{
	uintptr_t base = (uintptr_t)pool->arena;
	uintptr_t p = (uintptr_t)ptr;
	u32 n;

	if (p < base || p >= base + pool->arena_size ||
	    ((p - base) & (TP_GRANULE - 1))) {
		tp_refuse(pool, "pointer outside the pool or not at a block");
		return TP_NIL;
	}
	n = tp_find_start(pool, (u32)((p - base) >> TP_SHIFT));
	if (n == TP_NIL || !tp_is_used(tp_seg(pool, n))) {
		tp_refuse(pool, "pointer not at a live block (freed, or moved by a reorder?)");
		return TP_NIL;
	}
	return n;
}

/* ---- holds (pool lock held) ------------------------------------------------ */

/*
 * Whether used block @n may take a hold, @alone or shared.  No new reader
 * joins while a call that needs the block alone waits for the readers to
 * drain (TP_WRITER_WAITS), so overlapping readers cannot shut writers out.
 */
static bool tp_may_hold(struct t_pool *pool, u32 n, bool alone)
{
	u32 holds = tp_seg(pool, n)->holds;

	if (holds & TP_HELD_ALONE)
		return false;
	if (alone)
		return !(holds & TP_READERS_MASK);
	return !(holds & TP_WRITER_WAITS) &&
	       (holds & TP_READERS_MASK) != TP_READERS_MASK;
}

/*
 * A call that needs used block @n alone finds it held: it is refused, and
 * if readers hold the block, no new reader joins them until they are all
 * gone.  Returns -EBUSY.
 */
static int tp_busy(struct t_pool *pool, u32 n)
{
	struct tp_seg *s = tp_seg(pool, n);

	if (s->holds & TP_READERS_MASK)
		s->holds |= TP_WRITER_WAITS;
	return -EBUSY;
}

static void tp_hold_locked(struct t_pool *pool, u32 n, bool alone)
{
	tp_seg(pool, n)->holds += alone ? TP_HELD_ALONE : 1;
	pool->holds++;
}

static void tp_unhold_locked(struct t_pool *pool, u32 n, bool alone)
{
	struct tp_seg *s = tp_seg(pool, n);

	if (alone)
		s->holds &= ~TP_HELD_ALONE;
	else
		s->holds--;
	pool->holds--;
	/* The last reader gone, no writer waits for readers any more. */
	if (!(s->holds & TP_READERS_MASK))
		s->holds &= ~TP_WRITER_WAITS;
}

/* Pinned and held blocks stay where they are. */
bool tp_is_fixed(struct t_pool *pool, u32 n)
{
	const struct tp_seg *s = tp_seg(pool, n);

	return s->pins || (s->holds & TP_HOLDS);
}

/* ---- allocation and free (pool lock held) --------------------------------- */

/*
 * Allocate @units.  Returns the block's node (at *@sp), or TP_NIL with
 * *@grow set if a spare node is all that is missing (the pool is
 * unchanged), or TP_NIL with *@grow clear if there is no room (the caller
 * counts it).  The block takes the front of a free run and its node; the
 * rest of the run takes a spare node.
 */
static u32 tp_alloc_locked(struct t_pool *pool, u32 units,
			   struct tp_seg **sp, bool *grow)
{
	struct tp_seg *s, *r;
	u32 n, rn, have;

	*grow = false;
	if (pool->used_blocks == pool->capacity)
		return TP_NIL;
	n = __tp_find_free(pool, units, &s, &have);
	if (n == TP_NIL || !tp_pg_commit(pool, s->off + units))
		return TP_NIL;
	if (have != units) {
		rn = pool->spare;
		if (rn == TP_NIL) {
			*grow = true;
			return TP_NIL;
		}
		r = tp_seg(pool, rn);
		pool->spare = r->link_next;
		tp_index_remove(pool, s, have);
		r->off = s->off + units;
		r->prev_state = TP_FREE << TP_STATE_SHIFT;
		tp_link_after(pool, n, s, rn, r);
		tp_region_add(pool, rn, r);
		tp_index_insert(pool, rn, r, have - units);
	} else {
		tp_index_remove(pool, s, have);
	}

	if (!++pool->gen)
		pool->gen = 1;
	s->gen = pool->gen;
	s->pins = 0;
	s->holds = tp_pg_fresh(pool);
	tp_set_state(s, TP_USED);
	tp_gc_alloc(pool, n, s);
	pool->seq++;
	pool->used_units += units;
	if (pool->used_units > pool->peak_units)
		pool->peak_units = pool->used_units;
	pool->used_blocks++;
	*sp = s;
	return n;
}

/*
 * Make a node spare for tp_alloc_locked(): add a chunk, allocated with the
 * lock dropped (held on entry and return).  Returns 0 when there may be a
 * spare node now (another CPU's chunk, if it won the race), -ENOMEM if
 * there is no chunk to be had.
 */
int tp_grow(struct t_pool *pool, unsigned long *flags)
{
	u32 chunks = pool->chunks;
	struct tp_seg *chunk;

	if (chunks == pool->dir_size)
		return -ENOMEM;
	ckremm_unlock(&pool->lock, *flags);
	chunk = ckremm_meta_zalloc_nowait(TP_CHUNK_BYTES);
	*flags = ckremm_lock(&pool->lock);
	/* Another CPU's chunk serves as well as ours would have. */
	if (!chunk)
		return pool->chunks != chunks ? 0 : -ENOMEM;
	if (pool->chunks == chunks) {
		tp_add_chunk(pool, chunk);
		return 0;
	}
	/* Another CPU grew the table while the lock was dropped. */
	ckremm_unlock(&pool->lock, *flags);
	ckremm_meta_free(chunk);
	*flags = ckremm_lock(&pool->lock);
	return 0;
}

/*
 * tp_alloc_locked() found no spare node: add chunks, with the lock dropped
 * while each is allocated (held on entry and return), and try again.
 */
static u32 tp_alloc_growing(struct t_pool *pool, u32 units,
			    struct tp_seg **sp, unsigned long *flags)
{
	unsigned int tries = 0;
	bool grow = true;
	u32 n = TP_NIL;

	while (grow && tries++ < TP_GROW_TRIES && !tp_grow(pool, flags))
		n = tp_alloc_locked(pool, units, sp, &grow);
	return n;
}

/* tp_alloc_locked(), growing the table as needed (the lock may drop). */
u32 tp_alloc_any(struct t_pool *pool, u32 units, struct tp_seg **sp,
		 unsigned long *flags)
{
	bool grow;
	u32 n = tp_alloc_locked(pool, units, sp, &grow);

	return grow ? tp_alloc_growing(pool, units, sp, flags) : n;
}

/*
 * Run @n (at @s), linked and marked free but not filed, merges with the
 * free runs beside it, and what results is filed.  Inlined into the free
 * path; tp_merge_free() is the same for the paging module.
 */
static __always_inline void __tp_merge_free(struct t_pool *pool, u32 n,
					    struct tp_seg *s)
{
	u32 off = s->off, end = tp_end(pool, s), other;
	struct tp_seg *o;

	other = s->next;
	if (other != TP_NIL) {
		o = tp_seg(pool, other);
		if (tp_is_free(o)) {
			u32 o_end = tp_end(pool, o);

			tp_index_remove(pool, o, o_end - end);
			tp_unlink(pool, other, o);
			tp_node_put(pool, other, o, n);
			end = o_end;
		}
	}
	other = tp_prev(s);
	if (other != TP_NIL) {
		o = tp_seg(pool, other);
		if (tp_is_free(o)) {
			tp_index_remove(pool, o, off - o->off);
			off = o->off;
			tp_unlink(pool, n, s);
			tp_node_put(pool, n, s, other);
			n = other;
			s = o;
		}
	}
	tp_index_insert(pool, n, s, end - off);
}

/* Free used block @n (at @s), merging it with free runs beside it. */
void tp_free_locked(struct t_pool *pool, u32 n, struct tp_seg *s)
{
	u32 off = s->off, end = tp_end(pool, s), other;
	struct tp_seg *o;

	tp_gc_release(pool, n);
	pool->used_units -= end - off;
	pool->used_blocks--;
	pool->seq++;
	tp_set_state(s, TP_FREE);

	/* A block freed in transit ends its move: it and its hole are free. */
	if (pool->move.seg == n) {
		other = pool->move.hole;
		o = tp_seg(pool, other);
		pool->move.seg = TP_NIL;
		pool->move.hole = TP_NIL;
		tp_set_state(o, TP_FREE);
		tp_unlink(pool, n, s);
		tp_node_put(pool, n, s, other);
		n = other;
		s = o;
	}
	__tp_merge_free(pool, n, s);
}

void tp_merge_free(struct t_pool *pool, u32 n, struct tp_seg *s)
{
	__tp_merge_free(pool, n, s);
}

/* ---- creation ------------------------------------------------------------ */

/* Free what a pool has and owns, whether its making finished or not. */
static void tp_free_tables(struct t_pool *pool)
{
	u32 i;

	if (pool->own_arena && pool->arena)
		ckremm_arena_free(pool->arena);
	if (!pool->own_meta)
		return;
	for (i = 0; i < pool->chunks; i++)
		ckremm_meta_free(pool->dir[i]);
	ckremm_meta_free(pool->dir);
	ckremm_meta_free(pool->region);
	ckremm_meta_free(pool);
}

/* The shape of a pool's tables, from its arena and its capacity. */
struct tp_geometry {
	u32 capacity;
	u32 arena_units;
	u32 dir_size;	/* chunks the table may grow to */
	u32 regions;
};

/* @size is rounded and checked; @capacity 0 asks for the default. */
static void tp_geometry(size_t size, unsigned int capacity,
			struct tp_geometry *g)
{
	u64 max_nodes;
	u32 nodes;

	if (!capacity) {
		size_t c = size / 256;

		capacity = c < 64 ? 64 : c > T_POOL_MAX_CAPACITY ?
			   T_POOL_MAX_CAPACITY : (u32)c;
	}
	g->capacity = capacity;
	g->arena_units = (u32)(size >> TP_SHIFT);
	/*
	 * Runs tile the arena, at least a unit each; a free run never
	 * borders another one, so there is at most one more of them than
	 * blocks, and one hole.
	 */
	max_nodes = 2 * (u64)capacity + 2;
	if (max_nodes > g->arena_units)
		max_nodes = g->arena_units;
	/* In 32 bits: 32-bit kernels and small cores have no 64-bit divide. */
	nodes = (u32)max_nodes;
	g->dir_size = (nodes + (u32)TP_CHUNK_NODES - 1) / (u32)TP_CHUNK_NODES;
	g->regions = (g->arena_units + TP_REGION_UNITS - 1) >> TP_REGION_SHIFT;
}

/*
 * The pieces of a pool's bookkeeping, in the order they are taken: the
 * structure, the directory of chunks and the region index; the chunks of
 * nodes come after them, TP_CHUNK_BYTES each.
 */
enum {
	TP_META_POOL,
	TP_META_DIR,
	TP_META_REGION,
	TP_META_PIECES
};

static void tp_meta_pieces(const struct tp_geometry *g,
			   size_t piece[TP_META_PIECES])
{
	piece[TP_META_POOL] = sizeof(struct t_pool);
	piece[TP_META_DIR] = (size_t)g->dir_size * sizeof(struct tp_seg *);
	piece[TP_META_REGION] = (size_t)g->regions * sizeof(u32);
}

/* Bookkeeping memory, carved from @carve if the caller gave some. */
static void *tp_meta(struct ckremm_carve *carve, size_t size)
{
	return carve->base ? ckremm_carve(carve, size) : ckremm_meta_zalloc(size);
}

static bool tp_create_args_ok(size_t size, unsigned int capacity)
{
	if (size >= TP_GRANULE && size <= T_POOL_MAX_SIZE &&
	    capacity <= T_POOL_MAX_CAPACITY)
		return true;
	ckremm_warn("t_pool: cannot make a pool of %zu bytes and %u slots\n",
		    size, capacity);
	return false;
}

/*
 * Make a pool over @arena, or a new arena if NULL, with its bookkeeping
 * carved from @meta, or allocated if NULL.  Carved, the tables have all
 * their chunks from the start and never grow; allocated, they start with
 * one.  The arguments are checked.
 */
static struct t_pool *tp_create(void *arena, size_t size,
				unsigned int capacity, void *meta,
				size_t meta_size, const char *name)
{
	struct ckremm_carve carve = { .base = meta, .size = meta_size };
	size_t piece[TP_META_PIECES];
	void *got[TP_META_PIECES];
	struct tp_geometry g;
	struct t_pool *pool;
	struct tp_seg *s;
	unsigned int i;
	u32 n;

	tp_geometry(size, capacity, &g);
	tp_meta_pieces(&g, piece);
	for (i = 0; i < TP_META_PIECES; i++) {
		got[i] = tp_meta(&carve, piece[i]);
		if (!got[i])
			goto fail;
	}
	pool = got[TP_META_POOL];
	pool->dir = got[TP_META_DIR];
	pool->region = got[TP_META_REGION];
	pool->own_meta = !meta;
	pool->own_arena = !arena;
	pool->arena = arena ? arena : ckremm_arena_alloc(size);
	if (!pool->arena)
		goto fail_tables;

	ckremm_lock_init(&pool->lock);
	pool->arena_size = size;
	pool->arena_units = g.arena_units;
	pool->capacity = g.capacity;
	pool->dir_size = g.dir_size;
	pool->regions = g.regions;
	pool->step_bytes = CKREMM_STEP_BYTES;
	pool->move.seg = TP_NIL;
	pool->move.hole = TP_NIL;
	pool->cursor = TP_NIL;
	pool->spare = TP_NIL;
	tp_pg_init(pool);
	memset(pool->region, 0xff, pool->regions * sizeof(*pool->region));
	ckremm_sf_init(&pool->index);
	do {
		s = tp_meta(&carve, TP_CHUNK_BYTES);
		if (!s)
			goto fail_tables;
		tp_add_chunk(pool, s);
	} while (meta && pool->chunks < pool->dir_size);

	/* The first spare node is the whole arena. */
	n = pool->spare;
	s = tp_seg(pool, n);
	pool->spare = s->link_next;
	s->prev_state = TP_FREE << TP_STATE_SHIFT | TP_PREV_MASK;
	s->off = 0;
	s->next = TP_NIL;
	pool->first = n;
	tp_pg_set_last(pool, n);
	tp_region_add(pool, n, s);
	tp_index_insert(pool, n, s, pool->arena_units);
	pool->label = ckremm_pool_created(pool, CKREMM_POOL_TABLE, name);
	return pool;

fail_tables:
	tp_free_tables(pool);
	return NULL;
fail:
	/* Carved pieces always fit: t_pool_create_in() checked @meta_size. */
	while (!meta && i--)
		ckremm_meta_free(got[i]);
	return NULL;
}

/**
 * t_pool_create_named() - create a table pool that carries a name
 * @size: arena bytes; rounded down to a multiple of 16
 * @capacity: most blocks live at once (handles in use), or 0 for one per
 *	256 bytes of arena, at least 64
 * @name: what the environment shows the pool as (in Linux, the directory
 *	/sys/kernel/debug/ckremm/<name>/ and the pool field of its trace
 *	events), or NULL for a name made up from
 *	the pool's kind and a number; the caller's string need not outlive
 *	the call.  Names need not be unique: a name already shown gets a
 *	number appended
 *
 * The tables start with room for 204 runs and grow as blocks come (see
 * the top of this file): an empty pool costs its structure, a directory
 * of 8 bytes per 204 blocks of @capacity and 4 bytes per 4 KiB of arena
 * outside the arena; each run adds 20 bytes, in 4 KiB steps.  The arena
 * is zeroed and, like the tables, in the kernel charged to the caller's
 * memory cgroup.
 *
 * Context: Process context; may sleep.
 * Return: the pool, or NULL if @size is below 16 or above T_POOL_MAX_SIZE,
 * @capacity above T_POOL_MAX_CAPACITY, or memory is short.
 */
struct t_pool *t_pool_create_named(size_t size, unsigned int capacity,
				   const char *name)
{
	ckremm_might_sleep();
	if (!tp_create_args_ok(size, capacity))
		return NULL;
	return tp_create(NULL, size & ~(size_t)(TP_GRANULE - 1), capacity,
			 NULL, 0, name);
}
EXPORT_SYMBOL_NS_GPL(t_pool_create_named, CKREMM_NS);

/**
 * t_pool_meta_size() - bookkeeping bytes a pool made over caller memory needs
 * @size: arena bytes, as for t_pool_create_in()
 * @capacity: as for t_pool_create_named()
 *
 * The pool's structure, its directory and region index, and every chunk
 * of nodes @capacity can need (4 KiB each, 204 runs), each piece 8-byte
 * aligned, plus 7 bytes in case @meta is not.
 *
 * Context: Any context.
 * Return: the bytes t_pool_create_in() needs at @meta, or 0 if @size or
 * @capacity are refused.
 */
size_t t_pool_meta_size(size_t size, unsigned int capacity)
{
	struct ckremm_carve measure = { 0 };
	size_t piece[TP_META_PIECES];
	struct tp_geometry g;
	unsigned int i;

	size &= ~(size_t)(TP_GRANULE - 1);
	if (size < TP_GRANULE || size > T_POOL_MAX_SIZE ||
	    capacity > T_POOL_MAX_CAPACITY)
		return 0;
	tp_geometry(size, capacity, &g);
	tp_meta_pieces(&g, piece);
	for (i = 0; i < TP_META_PIECES; i++)
		ckremm_carve(&measure, piece[i]);
	for (i = 0; i < g.dir_size; i++)
		ckremm_carve(&measure, TP_CHUNK_BYTES);
	return measure.used + 7 < measure.used ? measure.used : measure.used + 7;
}
EXPORT_SYMBOL_NS_GPL(t_pool_meta_size, CKREMM_NS);

/**
 * t_pool_create_in() - create a table pool over memory the caller owns
 * @arena: the arena: memory of the caller's (a static buffer, a linker
 *	section, an SRAM bank), 16-byte aligned; its contents are the
 *	pool's until destroy_t_pool(), which leaves it to the caller
 * @size: bytes at @arena; rounded down to a multiple of 16
 * @capacity: as for t_pool_create_named()
 * @meta: memory for the pool's structure and tables, of at least
 *	t_pool_meta_size(@size, @capacity) bytes, which the pool zeroes and
 *	keeps until destroy_t_pool(); or NULL to allocate them from the port
 *	as t_pool_create() does
 * @meta_size: bytes at @meta
 * @name: as for t_pool_create_named()
 *
 * t_pool_create_named() for callers that have the memory already, as on
 * a microcontroller without a heap.  With @meta given, the tables have
 * room for @capacity blocks from the start and never grow, so neither
 * this call nor any later one on the pool allocates.  The arena need not
 * be zeroed.
 *
 * Context: Process context; may sleep (in the Linux module, to list the
 * pool in debugfs).
 * Return: the pool, or NULL if @arena is NULL or not 16-byte aligned,
 * @size or @capacity are refused as by t_pool_create_named(), @meta_size
 * is too small, or (without @meta) memory is short.
 */
struct t_pool *t_pool_create_in(void *arena, size_t size,
				unsigned int capacity, void *meta,
				size_t meta_size, const char *name)
{
	ckremm_might_sleep();
	if (!arena || ((uintptr_t)arena & (TP_GRANULE - 1))) {
		ckremm_warn("t_pool: an arena that is NULL or not 16-byte aligned\n");
		return NULL;
	}
	if (!tp_create_args_ok(size, capacity))
		return NULL;
	size &= ~(size_t)(TP_GRANULE - 1);
	if (meta && meta_size < t_pool_meta_size(size, capacity)) {
		ckremm_warn("t_pool: %zu bytes of bookkeeping memory, not %zu\n",
			    meta_size, t_pool_meta_size(size, capacity));
		return NULL;
	}
	return tp_create(arena, size, capacity, meta, meta_size, name);
}
EXPORT_SYMBOL_NS_GPL(t_pool_create_in, CKREMM_NS);

/**
 * t_pool_create() - create a table pool
 * @size: arena bytes; rounded down to a multiple of 16
 * @capacity: as for t_pool_create_named()
 *
 * t_pool_create_named() with no name.
 *
 * Context: Process context; may sleep.
 * Return: the pool, or NULL as for t_pool_create_named().
 */
struct t_pool *t_pool_create(size_t size, unsigned int capacity)
{
	return t_pool_create_named(size, capacity, NULL);
}
EXPORT_SYMBOL_NS_GPL(t_pool_create, CKREMM_NS);

/**
 * create_t_pool() - create a table pool
 * @size: arena bytes; rounded down to a multiple of 16
 *
 * Same as t_pool_create() with the default most number of blocks: one per
 * 256 bytes of arena, at least 64.
 *
 * Context: Process context; may sleep.
 * Return: the pool, or NULL.
 */
struct t_pool *create_t_pool(size_t size)
{
	return t_pool_create(size, 0);
}
EXPORT_SYMBOL_NS_GPL(create_t_pool, CKREMM_NS);

/**
 * destroy_t_pool() - free a table pool, its tables and its arena
 * @pool: the pool; live blocks go with it
 *
 * The caller must make sure no other call on @pool runs or follows.
 *
 * Context: Process context; may sleep.
 * Return: true, or false if @pool is NULL or still has a collector
 * (ckremm_gc_destroy() first).
 */
bool destroy_t_pool(struct t_pool *pool)
{
	ckremm_might_sleep();
	if (!pool)
		return false;
#ifdef CONFIG_CKREMM_GC
	if (pool->gc) {
		ckremm_warn("t_pool: destroy of a pool with a collector\n");
		return false;
	}
#endif
	ckremm_pool_destroyed(pool);
	tp_pg_destroy(pool);
	tp_free_tables(pool);
	return true;
}
EXPORT_SYMBOL_NS_GPL(destroy_t_pool, CKREMM_NS);

/* ---- allocation ------------------------------------------------------------ */

bool tp_units_for(size_t size, u32 *units)
{
	if (!size || size > T_POOL_MAX_SIZE)
		return false;
	*units = (u32)((size + TP_GRANULE - 1) >> TP_SHIFT);
	return true;
}

/**
 * t_pool_alloc_block() - allocate a block and name it by a handle
 * @pool: the pool
 * @size: bytes, at least 1; rounded up to 16
 * @flags: 0, or T_POOL_REORDER_ON_FAIL to compact the pool and try once
 *	more when no free run fits although enough bytes are free
 * @handle: receives the block's handle
 *
 * O(1), good fit: the smallest size class that surely fits is used.  With
 * T_POOL_REORDER_ON_FAIL a failing call may run a whole reorder pass (in
 * steps, the lock dropped between them) before it gives up.
 *
 * An allocation that needs a node when none is spare adds a chunk of
 * nodes, allocated without sleeping and with the lock dropped (see
 * "Growing" at the top of this file).
 *
 * Context: Any context; takes the pool lock with interrupts disabled.  On
 * PREEMPT_RT, where the caller cannot sleep the tables cannot grow.
 * Return: 0; -EINVAL if @pool or @handle is NULL, @size is 0 or @flags
 * has unknown bits; -ENOMEM if nothing fits (also a @size no pool can
 * hold), the pool holds its most blocks already or its tables cannot
 * grow.  *@handle is left alone on error.
 */
int t_pool_alloc_block(struct t_pool *pool, size_t size, unsigned int flags,
		       u64 *handle)
{
	unsigned long irqflags;
	struct tp_seg *s;
	bool retry;
	u32 units, n;
	int ret = 0;

	if (!pool || !handle) {
		ckremm_warn("t_pool: alloc from a NULL pool or into NULL\n");
		return -EINVAL;
	}
	irqflags = ckremm_lock(&pool->lock);
	if (!tp_units_for(size, &units) || (flags & ~T_POOL_REORDER_ON_FAIL)) {
		tp_refuse(pool, "alloc of size 0, of an impossible size, or with unknown flags");
		ret = size && !(flags & ~T_POOL_REORDER_ON_FAIL) ? -ENOMEM :
								    -EINVAL;
		goto out;
	}
	n = tp_alloc_any(pool, units, &s, &irqflags);
	retry = n == TP_NIL && (flags & T_POOL_REORDER_ON_FAIL) &&
		pool->used_blocks < pool->capacity &&
		pool->arena_units - pool->used_units >= units;
	if (retry) {
		ckremm_unlock(&pool->lock, irqflags);
		t_pool_reorder(pool, NULL);
		irqflags = ckremm_lock(&pool->lock);
		n = tp_alloc_any(pool, units, &s, &irqflags);
	}
	if (n != TP_NIL) {
		*handle = tp_handle(pool, n);
	} else {
		pool->failed_allocs++;
		ret = -ENOMEM;
	}
out:
	ckremm_unlock(&pool->lock, irqflags);
	ckremm_trace_alloc(pool->label, size, ret ? 0 : *handle, ret);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(t_pool_alloc_block, CKREMM_NS);

/**
 * t_pool_alloc_handle() - allocate a block and name it by a handle
 * @pool: the pool
 * @size: bytes, at least 1; rounded up to 16
 * @flags: 0, or T_POOL_REORDER_ON_FAIL (see t_pool_alloc_block())
 *
 * t_pool_alloc_block() for callers that need no reason.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the block's handle, or T_POOL_NO_HANDLE if t_pool_alloc_block()
 * fails.
 */
u64 t_pool_alloc_handle(struct t_pool *pool, size_t size, unsigned int flags)
{
	u64 handle;

	if (t_pool_alloc_block(pool, size, flags, &handle))
		return T_POOL_NO_HANDLE;
	return handle;
}
EXPORT_SYMBOL_NS_GPL(t_pool_alloc_handle, CKREMM_NS);

/*
 * Whether live block @n (at @s) may be freed: 0, or -EBUSY if it is
 * pinned (the pager's own pin on a block it copies aside), held, or kept
 * by the collector.  A paged-out block has neither pins nor holds.
 */
static int tp_may_free(struct t_pool *pool, u32 n, struct tp_seg *s)
{
	if (tp_is_out(s))
		return 0;
	if (s->pins > tp_pg_in_flight(pool, n)) {
		tp_refuse(pool, "free of a pinned block");
		return -EBUSY;
	}
	if (s->holds & TP_HOLDS)
		return tp_busy(pool, n);
	return tp_gc_free(pool, n) ? -EBUSY : 0;
}

/*
 * Free block @n, found by a lookup (TP_NIL if that refused), unless
 * pinned or held.
 */
static int tp_free_unpinned(struct t_pool *pool, u32 n)
{
	struct tp_seg *s;

	int ret;

	if (n == TP_NIL)
		return -EINVAL;
	s = tp_seg(pool, n);
	ret = tp_may_free(pool, n, s);
	if (ret)
		return ret;
	if (!tp_pg_free(pool, n, s))
		tp_free_locked(pool, n, s);
	return 0;
}

/**
 * t_pool_free() - free a block by handle
 * @pool: the pool
 * @handle: the block
 *
 * O(1).  The handle is dead afterwards: using it again is refused.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0, -EINVAL for a stale, freed or forged handle, -EBUSY if the
 * block is pinned or another call holds it.
 */
int t_pool_free(struct t_pool *pool, u64 handle)
{
	unsigned long flags;
	int ret;

	if (!pool)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	ret = tp_free_unpinned(pool, tp_lookup(pool, handle));
	ckremm_unlock(&pool->lock, flags);
	ckremm_trace_free(pool->label, handle, ret);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(t_pool_free, CKREMM_NS);

/* ---- batches --------------------------------------------------------------- */

/* Spare nodes, counted up to @want. */
static u32 tp_spares(const struct t_pool *pool, u32 want)
{
	u32 n = pool->spare, have = 0;

	while (n != TP_NIL && have < want) {
		have++;
		n = tp_seg(pool, n)->link_next;
	}
	return have;
}

/*
 * Try to have @want spare nodes, so that as many allocations can follow
 * with the lock held throughout: chunks are added with the lock dropped
 * (held on entry and return).  Best effort: an allocation that still
 * finds no spare node fails.
 */
static void tp_reserve_spares(struct t_pool *pool, u32 want,
			      unsigned long *flags)
{
	unsigned int tries = 0;

	while (tp_spares(pool, want) < want && tries++ < TP_GROW_TRIES &&
	       !tp_grow(pool, flags))
		;
}

/**
 * t_pool_alloc_batch() - allocate several blocks of one size, all or none
 * @pool: the pool
 * @size: bytes of each block, at least 1; rounded up to 16
 * @handles: receives @count handles
 * @count: 1..T_POOL_BATCH_MAX
 *
 * The spare nodes the blocks may need are added first (with the lock
 * dropped, see "Growing" at the top of this file); then every block is
 * allocated in one hold of the lock, so no other call sees some of them
 * without the others.  If one does not fit, those already taken are
 * freed again before the lock is dropped: the pool is as it was, but for
 * its tables, which may have grown.  O(@count), and O(@count) per chunk
 * added.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.  On
 * PREEMPT_RT, where the caller cannot sleep the tables cannot grow.
 * Return: 0; -EINVAL if @pool or @handles is NULL, @size is 0 or @count
 * is out of range; -ENOMEM if the blocks do not all fit (also a @size no
 * pool can hold), would pass the pool's most blocks, or need tables that
 * cannot grow.  On error @handles may hold handles of blocks freed again,
 * which every call refuses.
 */
int t_pool_alloc_batch(struct t_pool *pool, size_t size, u64 *handles,
		       unsigned int count)
{
	unsigned long flags;
	struct tp_seg *s;
	u32 units, peak, n;
	unsigned int i;
	bool grow;
	int ret = 0;

	if (!pool || !handles)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	if (!size || !count || count > T_POOL_BATCH_MAX) {
		tp_refuse(pool, "batch alloc of size 0 or of a bad count");
		ret = -EINVAL;
		goto out;
	}
	if (!tp_units_for(size, &units) ||
	    pool->capacity - pool->used_blocks < count) {
		ret = -ENOMEM;
		goto out_failed;
	}
	tp_reserve_spares(pool, count, &flags);
	peak = pool->peak_units;
	for (i = 0; i < count; i++) {
		n = tp_alloc_locked(pool, units, &s, &grow);
		if (n == TP_NIL)
			break;
		handles[i] = tp_handle(pool, n);
	}
	if (i == count)
		goto out;
	/* Seen by no one yet: neither pinned, held nor moving. */
	while (i--) {
		n = (u32)handles[i] - 1;
		tp_free_locked(pool, n, tp_seg(pool, n));
	}
	pool->peak_units = peak;
	ret = -ENOMEM;
out_failed:
	pool->failed_allocs++;
out:
	ckremm_unlock(&pool->lock, flags);
	if (ret)
		ckremm_trace_alloc(pool->label, size, 0, ret);
	else if (ckremm_trace_alloc_enabled())
		for (i = 0; i < count; i++)
			ckremm_trace_alloc(pool->label, size, handles[i], 0);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(t_pool_alloc_batch, CKREMM_NS);

/*
 * Whether block @i of a batch free may go: a live handle, not given
 * before in the batch, neither pinned nor held.  0, -EINVAL or -EBUSY.
 */
static int tp_check_batch_free(struct t_pool *pool, const u64 *handles,
			       unsigned int i)
{
	struct tp_seg *s;
	unsigned int j;
	u32 n;

	n = tp_lookup(pool, handles[i]);
	if (n == TP_NIL)
		return -EINVAL;
	for (j = 0; j < i; j++) {
		if (handles[j] == handles[i]) {
			tp_refuse(pool, "the same block twice in one batch free");
			return -EINVAL;
		}
	}
	s = tp_seg(pool, n);
	return tp_may_free(pool, n, s);
}

/**
 * t_pool_free_batch() - free several blocks, all or none
 * @pool: the pool
 * @handles: the blocks
 * @count: 1..T_POOL_BATCH_MAX
 *
 * Every handle is checked before any block is freed, in one hold of the
 * lock: a dead or repeated handle, or a pinned or held block, refuses the
 * whole batch.  O(@count^2) comparisons for the repeats, at most 2016.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL if @pool or @handles is NULL, @count is out of range,
 * or a handle is stale, freed, forged or given twice; -EBUSY if a block is
 * pinned or another call holds it.  Nothing is freed on error.
 */
int t_pool_free_batch(struct t_pool *pool, const u64 *handles,
		      unsigned int count)
{
	u64 bad = T_POOL_NO_HANDLE;
	unsigned long flags;
	unsigned int i;
	int ret = 0;
	u32 n;

	if (!pool || !handles)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	if (!count || count > T_POOL_BATCH_MAX) {
		tp_refuse(pool, "batch free of a bad count");
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < count && !ret; i++)
		ret = tp_check_batch_free(pool, handles, i);
	if (ret)
		bad = handles[i - 1];
	for (i = 0; i < count && !ret; i++) {
		n = (u32)handles[i] - 1;
		if (!tp_pg_free(pool, n, tp_seg(pool, n)))
			tp_free_locked(pool, n, tp_seg(pool, n));
	}
out:
	ckremm_unlock(&pool->lock, flags);
	if (ret)
		ckremm_trace_free(pool->label, bad, ret);
	else if (ckremm_trace_free_enabled())
		for (i = 0; i < count; i++)
			ckremm_trace_free(pool->label, handles[i], 0);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(t_pool_free_batch, CKREMM_NS);

/**
 * t_pool_alloc() - allocate a block and return its current address
 * @pool: the pool
 * @size: bytes, at least 1
 *
 * The seed's pointer interface.  The address stays valid until the block
 * is freed or until the next reorder_t_mem(), which may move it; use
 * t_pool_alloc_handle() and t_pool_pin() for a lasting name.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the block's address, or NULL.
 */
void *t_pool_alloc(struct t_pool *pool, size_t size)
{
	unsigned long flags;
	void *ptr = NULL;
	u64 handle;
	u32 n;

	handle = t_pool_alloc_handle(pool, size, 0);
	if (handle == T_POOL_NO_HANDLE)
		return NULL;
	flags = ckremm_lock(&pool->lock);
	/* A reorder may have started meanwhile; the block must be in place. */
	n = tp_lookup_settled(pool, handle, &flags);
	if (n != TP_NIL)
		ptr = tp_addr_of(pool, tp_seg(pool, n)->off);
	ckremm_unlock(&pool->lock, flags);
	return ptr;
}
EXPORT_SYMBOL_NS_GPL(t_pool_alloc, CKREMM_NS);

/**
 * t_pool_dealloc() - free a block by its current address
 * @pool: the pool
 * @ptr: an address returned by t_pool_alloc() or t_pool_pin(), not moved
 *	by a reorder since
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: true, or false if @ptr is not the start of a live block (with a
 * rate-limited warning), or the block is pinned or held by another call.
 */
bool t_pool_dealloc(struct t_pool *pool, void *ptr)
{
	u64 handle = T_POOL_NO_HANDLE;
	unsigned long flags;
	int ret;
	u32 n;

	if (!pool)
		return false;
	flags = ckremm_lock(&pool->lock);
	n = tp_lookup_ptr(pool, ptr);
	if (n != TP_NIL && ckremm_trace_free_enabled())
		handle = tp_handle(pool, n);
	ret = tp_free_unpinned(pool, n);
	ckremm_unlock(&pool->lock, flags);
	ckremm_trace_free(pool->label, handle, ret);
	return !ret;
}
EXPORT_SYMBOL_NS_GPL(t_pool_dealloc, CKREMM_NS);

/**
 * t_pool_handle_of() - the handle of the block at an address
 * @pool: the pool
 * @ptr: the block's current address
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the handle, or T_POOL_NO_HANDLE if @ptr is not a live block.
 */
u64 t_pool_handle_of(struct t_pool *pool, const void *ptr)
{
	unsigned long flags;
	u64 handle = T_POOL_NO_HANDLE;
	u32 n;

	if (!pool)
		return T_POOL_NO_HANDLE;
	flags = ckremm_lock(&pool->lock);
	n = tp_lookup_ptr(pool, ptr);
	if (n != TP_NIL)
		handle = tp_handle(pool, n);
	ckremm_unlock(&pool->lock, flags);
	return handle;
}
EXPORT_SYMBOL_NS_GPL(t_pool_handle_of, CKREMM_NS);

/**
 * t_pool_size_of() - bytes of a block
 * @pool: the pool
 * @handle: the block
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the block's size (its request rounded up to 16), or 0 for a
 * dead handle.
 */
size_t t_pool_size_of(struct t_pool *pool, u64 handle)
{
	unsigned long flags;
	size_t size = 0;
	u32 n;

	if (!pool)
		return 0;
	flags = ckremm_lock(&pool->lock);
	n = tp_lookup(pool, handle);
	if (n != TP_NIL)
		size = tp_bytes(tp_block_units(pool, tp_seg(pool, n)));
	ckremm_unlock(&pool->lock, flags);
	return size;
}
EXPORT_SYMBOL_NS_GPL(t_pool_size_of, CKREMM_NS);

/* ---- block contents -------------------------------------------------------- */

enum tp_op { TP_READ, TP_WRITE, TP_ZERO, TP_COPY };

/* @p in the block, @q in the source of a copy, @buf the caller's buffer. */
static void tp_move_bytes(u8 *p, const u8 *q, u8 *buf, size_t len,
			  enum tp_op op)
{
	if (op == TP_READ)
		memcpy(buf, p, len);
	else if (op == TP_WRITE)
		memcpy(p, buf, len);
	else if (op == TP_ZERO)
		memset(p, 0, len);
	else
		memcpy(p, q, len);
}

/*
 * Move @len bytes from @pos between block @n and @buf (or block @src), or
 * clear them, under the lock: each byte is taken where it is, also in a
 * block in transit.
 */
static void tp_access_locked(struct t_pool *pool, u32 n, u32 src,
			     size_t pos, u8 *buf, size_t len, enum tp_op op)
{
	while (len) {
		size_t contig, scontig = (size_t)-1, chunk;
		u8 *p = tp_byte(pool, n, pos, &contig);
		u8 *q = op == TP_COPY ? tp_byte(pool, src, pos, &scontig) : NULL;

		chunk = len < contig ? len : contig;
		chunk = chunk < scontig ? chunk : scontig;
		tp_move_bytes(p, q, buf, chunk, op);
		if (buf)
			buf += chunk;
		pos += chunk;
		len -= chunk;
	}
}

/* Where a block is and its size, for the calls that report them. */
struct tp_place {
	size_t offset;
	size_t size;
};

/* The place of live block @n, through pointers that may be NULL. */
static void tp_report_place(const struct t_pool *pool, u32 n,
			    size_t *offset, size_t *size)
{
	const struct tp_seg *s = tp_seg(pool, n);

	if (offset)
		*offset = tp_bytes(s->off);
	if (size)
		*size = tp_bytes(tp_units(pool, s));
}

/*
 * Move bytes between a block and a buffer, clear a block (from @pos to
 * its end: @len is not used), or copy one block into another, the pool's
 * step size at a time under the lock.  Work of more than one step holds
 * its blocks between steps: block @handle alone (shared for a read), the
 * source of a copy shared.  A held block neither dies nor starts a move,
 * but one already in transit may go on moving: every step maps each byte
 * to where it is.  With @place, block @handle is held from the first step
 * and moved the rest of the way at the end, and where it is then goes to
 * @place.
 */
static int tp_access(struct t_pool *pool, u64 handle, u64 src_handle,
		     size_t pos, u8 *buf, size_t len, enum tp_op op,
		     struct tp_place *place)
{
	bool alone = op != TP_READ, held = false;
	unsigned long flags;
	u32 n, src = TP_NIL;
	size_t size;
	int ret = 0;

	if (!pool)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	n = tp_lookup(pool, handle);
	if (n != TP_NIL && op == TP_COPY)
		src = tp_lookup(pool, src_handle);
	if (n == TP_NIL || (op == TP_COPY && src == TP_NIL)) {
		ret = -EINVAL;
		goto out;
	}
	ret = tp_pg_touch(pool, n);
	if (!ret && src != TP_NIL)
		ret = tp_pg_touch(pool, src);
	if (ret)
		goto out;
	size = tp_bytes(tp_units(pool, tp_seg(pool, n)));
	if (op == TP_ZERO && pos <= size)
		len = size - pos;
	if (pos > size || len > size - pos ||
	    (op == TP_COPY &&
	     tp_bytes(tp_units(pool, tp_seg(pool, src))) - pos < len)) {
		tp_refuse(pool, "access past the end of a block");
		ret = -EINVAL;
		goto out;
	}
	if (!tp_may_hold(pool, n, alone)) {
		ret = alone ? tp_busy(pool, n) : -EBUSY;
		goto out;
	}
	if (src != TP_NIL && !tp_may_hold(pool, src, false)) {
		ret = -EBUSY;
		goto out;
	}
	if (alone)
		tp_pg_written(pool, n);
	if (place) {
		tp_hold_locked(pool, n, alone);
		held = true;
	}
	for (;;) {
		size_t step = len < pool->step_bytes ? len : pool->step_bytes;

		if (op != TP_READ)
			tp_gc_write(pool, n, pos, step);
		tp_access_locked(pool, n, src, pos, buf, step, op);
		pos += step;
		len -= step;
		if (buf)
			buf += step;
		if (!len)
			break;
		if (!held) {
			tp_hold_locked(pool, n, alone);
			if (src != TP_NIL)
				tp_hold_locked(pool, src, false);
			held = true;
		}
		ckremm_unlock(&pool->lock, flags);
		flags = ckremm_lock(&pool->lock);
	}
	if (place) {
		tp_settle(pool, n, &flags);
		tp_report_place(pool, n, &place->offset, &place->size);
	}
	if (held) {
		tp_unhold_locked(pool, n, alone);
		if (src != TP_NIL)
			tp_unhold_locked(pool, src, false);
	}
out:
	ckremm_unlock(&pool->lock, flags);
	return ret;
}

/**
 * t_pool_read() - copy bytes out of a block
 * @pool: the pool
 * @handle: the block
 * @pos: first byte to copy
 * @buf: destination
 * @len: bytes; @pos + @len must not pass the block's size
 *
 * Safe while the block moves: each byte is read where it is.  Reads of
 * more than the pool's step size share a hold on the block between steps.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL for a dead handle or a range outside the block;
 * -EBUSY if another call holds the block alone or waits to, or 2^11 - 1
 * readers share it.  A block paged out to a backing store is paged in first
 * (ckremm/paging/store_pager.c): -EAGAIN, -ENOMEM or -EIO if it cannot be
 * now.
 */
int t_pool_read(struct t_pool *pool, u64 handle, size_t pos, void *buf,
		size_t len)
{
	if (!buf && len)
		return -EINVAL;
	return tp_access(pool, handle, 0, pos, buf, len, TP_READ, NULL);
}
EXPORT_SYMBOL_NS_GPL(t_pool_read, CKREMM_NS);

/**
 * t_pool_write() - copy bytes into a block
 * @pool: the pool
 * @handle: the block
 * @pos: first byte to write
 * @buf: source
 * @len: bytes; @pos + @len must not pass the block's size
 *
 * Writes of more than the pool's step size hold the block alone between
 * steps.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL for a dead handle or a range outside the block;
 * -EBUSY if another call holds the block.  Nothing is written on error.
 * A block paged out to a backing store is paged in first
 * (ckremm/paging/store_pager.c): -EAGAIN, -ENOMEM or -EIO if it cannot be
 * now.
 */
int t_pool_write(struct t_pool *pool, u64 handle, size_t pos,
		 const void *buf, size_t len)
{
	if (!buf && len)
		return -EINVAL;
	return tp_access(pool, handle, 0, pos, (u8 *)buf, len, TP_WRITE,
			 NULL);
}
EXPORT_SYMBOL_NS_GPL(t_pool_write, CKREMM_NS);

/**
 * t_pool_clean_locate() - zero every byte of a block and tell where it is
 * @pool: the pool
 * @handle: the block
 * @offset: if not NULL, receives the block's offset from the start of the
 *	arena once it is clean, valid until the next reorder unless the
 *	block is pinned
 * @size: if not NULL, receives the block's size
 *
 * A block larger than the pool's step size is held alone between steps;
 * a block whose place is asked for is held alone from the first step,
 * and moved the rest of the way at the end if a reorder was moving it.
 * The lookup, the clearing and the report are one call: the block
 * reported is the block cleared.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL for a dead handle; -EBUSY if another call holds the
 * block.  Nothing is cleared on error, and *@offset and *@size are left
 * alone.  A block paged out to a backing store is paged in first
 * (ckremm/paging/store_pager.c): -EAGAIN, -ENOMEM or -EIO if it cannot be
 * now.
 */
int t_pool_clean_locate(struct t_pool *pool, u64 handle, size_t *offset,
			size_t *size)
{
	struct tp_place place;
	int ret;

	if (!offset && !size)
		return tp_access(pool, handle, 0, 0, NULL, 0, TP_ZERO, NULL);
	ret = tp_access(pool, handle, 0, 0, NULL, 0, TP_ZERO, &place);
	if (ret)
		return ret;
	if (offset)
		*offset = place.offset;
	if (size)
		*size = place.size;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(t_pool_clean_locate, CKREMM_NS);

/**
 * t_pool_clean() - zero every byte of a block
 * @pool: the pool
 * @handle: the block
 *
 * t_pool_clean_locate() without the report.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL for a dead handle; -EBUSY if another call holds the
 * block.  Nothing is cleared on error.
 * A block paged out to a backing store is paged in first
 * (ckremm/paging/store_pager.c): -EAGAIN, -ENOMEM or -EIO if it cannot be
 * now.
 */
int t_pool_clean(struct t_pool *pool, u64 handle)
{
	return t_pool_clean_locate(pool, handle, NULL, NULL);
}
EXPORT_SYMBOL_NS_GPL(t_pool_clean, CKREMM_NS);

/**
 * t_pool_copy() - copy one block's contents into another
 * @pool: the pool
 * @dst: the destination block
 * @src: the source block
 *
 * Copies all of @src's bytes to the start of @dst, a step at a time,
 * holding @dst alone and sharing a hold on @src between steps.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0 (also for @dst == @src, which copies nothing); -EINVAL for a
 * dead handle; -ENOSPC if @dst is smaller than @src; -EBUSY if another
 * call holds @dst, or holds @src alone.  Nothing is copied on error.
 * A block paged out to a backing store is paged in first
 * (ckremm/paging/store_pager.c): -EAGAIN, -ENOMEM or -EIO if it cannot be
 * now.
 */
int t_pool_copy(struct t_pool *pool, u64 dst, u64 src)
{
	unsigned long flags;
	size_t dsize, ssize;
	u32 d, n;

	if (!pool)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	d = tp_lookup(pool, dst);
	n = d == TP_NIL ? TP_NIL : tp_lookup(pool, src);
	if (n == TP_NIL) {
		ckremm_unlock(&pool->lock, flags);
		return -EINVAL;
	}
	dsize = tp_bytes(tp_block_units(pool, tp_seg(pool, d)));
	ssize = tp_bytes(tp_block_units(pool, tp_seg(pool, n)));
	if (dsize < ssize)
		tp_refuse(pool, "copy into a smaller block");
	ckremm_unlock(&pool->lock, flags);
	if (dsize < ssize)
		return -ENOSPC;
	if (dst == src)
		return 0;
	return tp_access(pool, dst, src, 0, NULL, ssize, TP_COPY, NULL);
}
EXPORT_SYMBOL_NS_GPL(t_pool_copy, CKREMM_NS);

/**
 * clean_t_ptr() - zero every byte of a block named by its address
 * @pool: the pool
 * @ptr: the block's current address
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: true, or false if @ptr is not a live block.
 */
bool clean_t_ptr(struct t_pool *pool, void *ptr)
{
	u64 handle = t_pool_handle_of(pool, ptr);

	return handle != T_POOL_NO_HANDLE && !t_pool_clean(pool, handle);
}
EXPORT_SYMBOL_NS_GPL(clean_t_ptr, CKREMM_NS);

/**
 * copy_t_ptr() - copy one block's contents into another, by address
 * @pool: the pool
 * @dst: the destination block's current address
 * @src: the source block's current address
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: true, or false if either is not a live block or @dst is smaller
 * than @src.
 */
bool copy_t_ptr(struct t_pool *pool, void *dst, const void *src)
{
	u64 d = t_pool_handle_of(pool, dst);
	u64 s = d == T_POOL_NO_HANDLE ? T_POOL_NO_HANDLE :
		t_pool_handle_of(pool, src);

	return s != T_POOL_NO_HANDLE && !t_pool_copy(pool, d, s);
}
EXPORT_SYMBOL_NS_GPL(copy_t_ptr, CKREMM_NS);

/* ---- holds ----------------------------------------------------------------- */

/**
 * t_pool_hold() - hold a block while its bytes are used directly
 * @pool: the pool
 * @handle: the block
 * @alone: hold it alone, to change its bytes; else share the hold with
 *	other readers
 * @addr: receives the block's address
 * @size: receives the block's size
 *
 * While the hold lasts the block is neither freed nor moved, and while it
 * is held alone no other call reads or writes it through the pool: the
 * caller may read (or, holding it alone, write) @size bytes at @addr with
 * no lock held, also where it may sleep, as the device does to copy to
 * and from user memory.  A block in the middle of a move is moved the
 * rest of the way first, a step at a time: O(size of the block).  A
 * conflicting hold is refused, never waited for.  Release with
 * t_pool_unhold() before the pool is destroyed.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL for a dead handle; -EBUSY if another call holds the
 * block alone, or (for @alone) shares it, or (for a shared hold) a call
 * that needs it alone waits for its readers to go, or 2^11 - 1 readers
 * share it already.  A block paged out to a backing store is paged in first
 * (ckremm/paging/store_pager.c): -EAGAIN, -ENOMEM or -EIO if it cannot be
 * now.
 */
int t_pool_hold(struct t_pool *pool, u64 handle, bool alone, void **addr,
		size_t *size)
{
	unsigned long flags;
	int ret = 0;
	u32 n;

	if (!pool)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	n = tp_lookup(pool, handle);
	ret = n == TP_NIL ? -EINVAL : tp_pg_touch(pool, n);
	if (ret) {
		/* a dead handle, or a block that cannot be paged in now */
	} else if (!tp_may_hold(pool, n, alone)) {
		ret = alone ? tp_busy(pool, n) : -EBUSY;
	} else if (alone && tp_gc_fix(pool, n)) {
		ret = -ENOSPC;
	} else {
		if (alone)
			tp_pg_written(pool, n);
		tp_hold_locked(pool, n, alone);
		tp_settle(pool, n, &flags);
		*addr = tp_addr_of(pool, tp_seg(pool, n)->off);
		*size = tp_bytes(tp_units(pool, tp_seg(pool, n)));
	}
	ckremm_unlock(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(t_pool_hold, CKREMM_NS);

/**
 * t_pool_unhold() - release a hold taken with t_pool_hold()
 * @pool: the pool
 * @handle: the block
 * @alone: as given to t_pool_hold()
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0, or -EINVAL for a dead handle or a block without such a hold.
 */
int t_pool_unhold(struct t_pool *pool, u64 handle, bool alone)
{
	unsigned long flags;
	int ret = -EINVAL;
	u32 n;

	if (!pool)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	n = tp_lookup(pool, handle);
	if (n != TP_NIL) {
		/* A paged-out block is held by no one. */
		u32 holds = tp_is_out(tp_seg(pool, n)) ? 0 : tp_seg(pool, n)->holds;

		if (alone ? holds & TP_HELD_ALONE : holds & TP_READERS_MASK) {
			tp_unhold_locked(pool, n, alone);
			if (alone)
				tp_gc_unfix(pool, n);
			ret = 0;
		} else {
			tp_refuse(pool, "release of a hold not taken");
		}
	}
	ckremm_unlock(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(t_pool_unhold, CKREMM_NS);

/* ---- pins ------------------------------------------------------------------ */

/*
 * Take one pin on @handle's block (@pin) and report where it is, or drop
 * one (!@pin).  A block to pin that is in transit is moved the rest of
 * the way first, with the lock dropped between steps (held on entry and
 * return).
 */
static int tp_change_pins(struct t_pool *pool, u64 handle, bool pin,
			  size_t *offset, size_t *size)
{
	unsigned long flags;
	struct tp_seg *s;
	int ret = 0;
	u32 n;

	if (!pool)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	n = pin ? tp_lookup_settled(pool, handle, &flags) :
		  tp_lookup(pool, handle);
	if (n == TP_NIL) {
		ret = -EINVAL;
		goto out;
	}
	s = tp_seg(pool, n);
	if (pin) {
		ret = tp_pg_touch(pool, n);
		if (ret)
			goto out;
		tp_pg_written(pool, n);
	}
	if (pin && s->pins == U16_MAX) {
		tp_refuse(pool, "pin count would overflow");
		ret = -EOVERFLOW;
	} else if (!pin && (tp_is_out(s) || s->pins <= tp_pg_in_flight(pool, n))) {
		tp_refuse(pool, "unpin of a block that is not pinned");
		ret = -EINVAL;
	} else if (pin && !s->pins && tp_gc_fix(pool, n)) {
		ret = -ENOSPC;
	} else if (pin) {
		if (!s->pins++)
			pool->pinned_blocks++;
		tp_report_place(pool, n, offset, size);
	} else if (!--s->pins) {
		pool->pinned_blocks--;
		tp_gc_unfix(pool, n);
	}
	if (!ret)
		pool->seq++;
out:
	ckremm_unlock(&pool->lock, flags);
	return ret;
}

/**
 * t_pool_pin_locate() - hold a block in place and tell where it is
 * @pool: the pool
 * @handle: the block
 * @offset: if not NULL, receives the block's offset from the start of the
 *	arena, valid until the last pin is undone
 * @size: if not NULL, receives the block's size
 *
 * Pins nest; the block does not move until every pin is undone with
 * t_pool_unpin().  A block in the middle of a move is moved the rest of
 * the way first, in steps with the lock dropped between them.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL for a dead handle; -EOVERFLOW for a block already
 * pinned U16_MAX (65535) times.  Nothing changes on error.
 * A block paged out to a backing store is paged in first
 * (ckremm/paging/store_pager.c): -EAGAIN, -ENOMEM or -EIO if it cannot be
 * now.
 */
int t_pool_pin_locate(struct t_pool *pool, u64 handle, size_t *offset,
		      size_t *size)
{
	return tp_change_pins(pool, handle, true, offset, size);
}
EXPORT_SYMBOL_NS_GPL(t_pool_pin_locate, CKREMM_NS);

/**
 * t_pool_pin() - hold a block in place and get its address
 * @pool: the pool
 * @handle: the block
 *
 * t_pool_pin_locate() for callers that want the block's address.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the block's address, or NULL if t_pool_pin_locate() fails.
 */
void *t_pool_pin(struct t_pool *pool, u64 handle)
{
	size_t offset;

	if (t_pool_pin_locate(pool, handle, &offset, NULL))
		return NULL;
	return (u8 *)pool->arena + offset;
}
EXPORT_SYMBOL_NS_GPL(t_pool_pin, CKREMM_NS);

/**
 * t_pool_unpin() - undo one t_pool_pin()
 * @pool: the pool
 * @handle: the block
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0, or -EINVAL for a dead handle or a block that is not pinned.
 */
int t_pool_unpin(struct t_pool *pool, u64 handle)
{
	return tp_change_pins(pool, handle, false, NULL, NULL);
}
EXPORT_SYMBOL_NS_GPL(t_pool_unpin, CKREMM_NS);

/**
 * t_pool_locate() - where a block lives now, and its size
 * @pool: the pool
 * @handle: the block
 * @offset: if not NULL, receives the block's offset from the start of the
 *	arena
 * @size: if not NULL, receives the block's size
 *
 * Both figures come from one hold of the lock, so they describe the same
 * block.  The offset is valid until the next reorder unless the block is
 * pinned.  A block in the middle of a move is moved the rest of the way
 * first, in steps.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0, or -EINVAL for a dead handle.  A block paged out to a backing store is paged in first
 * (ckremm/paging/store_pager.c): -EAGAIN, -ENOMEM or -EIO if it cannot be
 * now.
 */
int t_pool_locate(struct t_pool *pool, u64 handle, size_t *offset,
		  size_t *size)
{
	unsigned long flags;
	int ret;
	u32 n;

	if (!pool)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	n = tp_lookup_settled(pool, handle, &flags);
	ret = n == TP_NIL ? -EINVAL : tp_pg_touch(pool, n);
	if (!ret)
		tp_report_place(pool, n, offset, size);
	ckremm_unlock(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(t_pool_locate, CKREMM_NS);

/**
 * t_pool_offset_of() - where a block lives now
 * @pool: the pool
 * @handle: the block
 * @offset: receives the block's offset from the start of the arena
 *
 * t_pool_locate() without the size.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0, or -EINVAL for a dead handle.
 */
int t_pool_offset_of(struct t_pool *pool, u64 handle, size_t *offset)
{
	return t_pool_locate(pool, handle, offset, NULL);
}
EXPORT_SYMBOL_NS_GPL(t_pool_offset_of, CKREMM_NS);

/* ---- the largest free run ----------------------------------------------- */

/* As in the header pool: the first CKREMM_SF_TOP_SCAN runs of the top class. */
size_t tp_largest_free(const struct t_pool *pool)
{
	unsigned int seen = 0;
	u32 n, best = 0;

	for (n = ckremm_sf_top(&pool->index);
	     n != TP_NIL && seen++ < CKREMM_SF_TOP_SCAN;
	     n = tp_seg(pool, n)->link_next) {
		u32 units = tp_units(pool, tp_seg(pool, n));

		if (units > best)
			best = units;
	}
	return tp_bytes(best);
}

/* ---- figures and checks ---------------------------------------------------- */

/* Bytes the pool has allocated outside the arena. */
static size_t tp_meta_bytes(const struct t_pool *pool)
{
	return sizeof(*pool) + pool->dir_size * sizeof(*pool->dir) +
	       pool->regions * sizeof(*pool->region) +
	       (size_t)pool->chunks * TP_CHUNK_BYTES;
}

/**
 * t_pool_get_stats() - take a consistent snapshot of a pool's figures
 * @pool: the pool
 * @stats: filled in
 *
 * O(1): the largest free run is looked for among the first runs of the
 * highest non-empty size class, as for the header pool.  @stats->meta_bytes
 * counts every byte the pool has allocated outside its arena: its tables
 * as they have grown so far.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 */
void t_pool_get_stats(struct t_pool *pool, struct t_pool_stats *stats)
{
	unsigned long flags;

	memset(stats, 0, sizeof(*stats));
	if (!pool)
		return;
	flags = ckremm_lock(&pool->lock);
	stats->arena_size = pool->arena_size;
	stats->used_bytes = tp_bytes(pool->used_units);
	stats->free_bytes = pool->arena_size - stats->used_bytes;
	stats->largest_free = tp_largest_free(pool);
	stats->used_blocks = pool->used_blocks;
	stats->free_blocks = pool->free_blocks;
	stats->pinned_blocks = pool->pinned_blocks;
	stats->peak_used = tp_bytes(pool->peak_units);
	stats->failed_allocs = pool->failed_allocs;
	stats->refused_calls = pool->refused_calls;
	stats->table_capacity = pool->capacity;
	stats->meta_bytes = tp_meta_bytes(pool);
	stats->reorders = pool->reorders;
	stats->bytes_moved = pool->bytes_moved;
	stats->committed_bytes = pool->arena_size;
#ifdef CONFIG_CKREMM_PAGING
	if (pool->pg.limit)
		stats->committed_bytes -= pool->pg.limit - pool->pg.committed;
	stats->purged_bytes = pool->pg.purged;
	stats->commit_failures = pool->pg.commit_failures;
	stats->paged_out_bytes = tp_bytes(pool->st.out_units);
	stats->paged_out_blocks = pool->st.out_blocks;
	stats->zero_blocks = pool->st.zero_blocks;
	stats->stored_bytes = pool->st.stored;
	stats->page_outs = pool->st.page_outs;
	stats->page_ins = pool->st.page_ins;
	stats->page_in_eagain = pool->st.eagain;
	stats->store_written = pool->st.written;
	stats->arena_moves = pool->pg.moves;
#endif
	stats->resident_bytes = stats->used_bytes;
	stats->resident_blocks = pool->used_blocks - stats->paged_out_blocks;
	stats->used_bytes += stats->paged_out_bytes;
	if (stats->free_bytes)
		stats->frag_permille = 1000 - ckremm_permille(stats->largest_free,
							      stats->free_bytes);
	ckremm_unlock(&pool->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(t_pool_get_stats, CKREMM_NS);

/**
 * t_pool_arena() - where a pool's arena lies
 * @pool: the pool
 * @size: if not NULL, receives the arena's size in bytes
 *
 * The address is valid only until the arena moves: a pager moves it in the
 * Linux kernel (a purge or a commit is a new view of its pages, counted in
 * t_pool_stats.arena_moves), which it does only while no block is pinned
 * or held, as a reorder moves unpinned blocks.  Read it with a block
 * pinned or held, or as t_pool_pin() says for the block's address.
 *
 * Context: Any context.
 * Return: the arena's first byte, or NULL if @pool is NULL.
 */
void *t_pool_arena(struct t_pool *pool, size_t *size)
{
	if (!pool)
		return NULL;
	if (size)
		*size = pool->arena_size;
	return pool->arena;
}
EXPORT_SYMBOL_NS_GPL(t_pool_arena, CKREMM_NS);
