/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm table pool: what t_pool.c, t_pool_move.c and t_pool_check.c
 * share.  The data structures are explained at the top of t_pool.c.
 *
 * Every function declared here is called with the pool lock held, except
 * where its comment says it drops the lock between steps.
 */
#ifndef CKREMM_T_POOL_INTERNAL_H
#define CKREMM_T_POOL_INTERNAL_H

#include "ckremm_port.h"
#include "ckremm_segfit.h"
#include <ckremm/t_pool.h>

#define TP_SHIFT		4
#define TP_GRANULE		BIT(TP_SHIFT)
#define TP_NIL			CKREMM_SF_NIL
/* Segment nodes a reorder step may look at before it lets go of the lock. */
#define TP_STEP_NODES		64
/* Segments a check or a seek looks at per hold of the lock. */
#define TP_CHECK_NODES		256
/* Fresh starts a stepped check makes when the pool changes under it. */
#define TP_CHECK_TRIES		16
/* Chunks an allocation adds before it gives up on other CPUs' appetite. */
#define TP_GROW_TRIES		4
/* Page-ins a pool queues for its pager's next tick (see store_pager.c). */
#define TP_PG_WANT		8

/*
 * Nodes come in chunks of one 4 KiB allocation: 204 nodes of 20 bytes (170
 * of 24 bytes in builds with the collector).  A
 * node's number is its chunk << TP_CHUNK_SHIFT | its byte offset in the
 * chunk, so that finding a node takes a shift, a mask and an addition.
 */
#define TP_CHUNK_BYTES		4096U
#define TP_CHUNK_SHIFT		12
#define TP_CHUNK_NODES		(TP_CHUNK_BYTES / sizeof(struct tp_seg))
#define TP_CHUNK_USED		(TP_CHUNK_NODES * sizeof(struct tp_seg))

/* The arena is cut into regions of 4 KiB for the pointer calls. */
#define TP_REGION_SHIFT		8
#define TP_REGION_UNITS		BIT(TP_REGION_SHIFT)

/*
 * A node's state, in the top bits of tp_seg.prev_state.  A hole is the
 * free run a block is moving into; a spare node is in no run.
 */
#define TP_STATE_SHIFT		30
#define TP_FREE			0U
#define TP_USED			1U
#define TP_HOLE			2U
#define TP_SPARE		3U
#define TP_PREV_MASK		(BIT(TP_STATE_SHIFT) - 1)

/*
 * struct tp_seg - one node: a run of the arena, or a spare
 * @off: where the run starts, in 16-byte units
 * @prev_state: the run before it in the arena (TP_PREV_MASK if none), and
 *	the state in the top two bits
 * @next: the run after it in the arena, or TP_NIL; the run ends where
 *	that one starts, or at the end of the arena
 * @link_prev: free run: previous free run of its class
 * @link_next: free run: next free run of its class; spare: next spare
 * @gen: used block: the generation in its handle
 * @pins: used block: how many pins hold it in place
 * @holds: used block: TP_HELD_ALONE, or how many calls share a hold and
 *	TP_WRITER_WAITS; and the paging module's marks (TP_PAGED_OUT,
 *	TP_REFERENCED, TP_KEEP, TP_ZERO_OUT)
 * @gc: used block of a pool with a collector: its type, colour and pin
 *	set slot (ckremm/gc/gc.c); 0 otherwise.  Only in builds with the
 *	collector, whose nodes are 24 bytes.
 */
struct tp_seg {
	u32 off;
	u32 prev_state;
	u32 next;
	union {
		struct {
			u32 link_prev;
			u32 link_next;
		};
		struct {
			u32 gen;
			u16 pins;
			u16 holds;
		};
	};
#ifdef CONFIG_CKREMM_GC
	u32 gc;
#endif
};

#define TP_HELD_ALONE		BIT(15)
#define TP_WRITER_WAITS		BIT(14)	/* refused for readers: no new readers */
/*
 * The paging module's marks (ckremm/paging/store_pager.c), set only in
 * pools with a backing store.  A paged-out block's node is in no run: it
 * keeps TP_PAGED_OUT (and TP_ZERO_OUT for a zero-filled block, of which
 * nothing is stored) in @holds, the store's key in @off (low half) and
 * @next (high half), its size in units in the prev bits of @prev_state,
 * and the bytes the store keeps for it in @pins and the low bits of @holds
 * (tp_out_*() below).  A paged-out block has neither pins nor holds.
 */
#define TP_PAGED_OUT		BIT(13)	/* no extent: the block is in the store */
#define TP_REFERENCED		BIT(12)	/* resident: used since the hand passed */
#define TP_ZERO_OUT		BIT(12)	/* paged out: zero-filled, not stored */
#define TP_KEEP			BIT(11)	/* resident: the store refused it */
#define TP_READERS_MASK		(TP_KEEP - 1)
#define TP_HOLDS		(TP_HELD_ALONE | TP_WRITER_WAITS | TP_READERS_MASK)

/*
 * struct tp_paging - which pages of the arena are committed, for the
 *	paging module (ckremm/paging/); only in builds with it
 * @committed: bytes [0, @committed) of the arena are committed, a page
 *	multiple; every used block (and a block's destination in a reorder,
 *	which lies below the block) ends at or below it, and so does the
 *	front of the free run at the top.  The pages from @committed up to
 *	@limit may be purged.
 * @limit: the arena's size rounded down to a page; the page it cuts
 *	is never purged.  0 while no pager manages the pool: nothing is
 *	purged and nothing needs committing.
 * @peak_end: highest end of a block an allocation placed since the pager
 *	last reset it (bytes)
 * @purging: a purge step has the pages above @committed: an allocation
 *	that needs them fails as if the pool were full
 * @managed: a pager manages the pool
 * @last: the run at the top of the arena
 * @purged: bytes purged, in total, a step under way included (taken
 *	back if it fails): committed and purged bytes change together
 * @commit_failures: allocations failed for want of a commit
 * @moves: purges and commits that moved the arena (CKREMM_ARENA_MOVES)
 */
struct tp_paging {
	size_t committed;
	size_t limit;
	size_t peak_end;
	bool purging;
	bool managed;
	u32 last;
	size_t purged;
	size_t commit_failures;
	size_t moves;
};

/*
 * struct tp_store_state - a table pool's backing store, for the paging
 *	module (ckremm/paging/store_pager.c); only in builds with it
 * @store: the store, or NULL: no block is ever paged out
 * @hand: the CLOCK hand, a run of the arena, or TP_NIL (start at the
 *	first run)
 * @outgoing: the block being paged out with the lock dropped, internally
 *	pinned, or TP_NIL
 * @incoming: the block being paged in with the lock dropped (a store that
 *	sleeps), internally pinned, or TP_NIL
 * @drops: freed paged-out blocks whose copies the pager has still to
 *	drop, linked through their prev bits; TP_NIL when none
 * @idle: runs the hand passed since it last cleared a mark or chose a
 *	block: a lap of them with neither, and nothing can go now
 * @dirtied: @outgoing was written, pinned or held alone meanwhile
 * @busy: the pager is in a call of the store with the lock dropped
 * @nwant: handles in @want
 * @want: page-ins refused with -EAGAIN, for the pager's next tick
 * @out_nodes: nodes of paged-out blocks and of @drops
 * @out_blocks: paged-out blocks
 * @out_units: their units
 * @zero_blocks: paged-out zero-filled blocks
 * @stored: bytes the store keeps for the paged-out blocks
 * @page_outs: blocks paged out, in total
 * @page_ins: blocks paged in, in total
 * @eagain: page-ins refused with -EAGAIN, in total
 * @written: bytes written to the store, in total
 */
struct tp_store_state {
	struct ckremm_store *store;
	u32 hand;
	u32 outgoing;
	u32 incoming;
	u32 drops;
	u32 idle;
	bool dirtied;
	bool busy;
	u8 nwant;
	u64 want[TP_PG_WANT];
	u32 out_nodes;
	size_t out_blocks;
	size_t out_units;
	size_t zero_blocks;
	size_t stored;
	size_t page_outs;
	size_t page_ins;
	size_t eagain;
	u64 written;
};

/* The block in transit during a reorder step, if any. */
struct tp_move {
	u32 seg;
	u32 hole;
	size_t done;
};

struct t_pool {
	struct ckremm_lock lock;
	const char *label;	/* the port's name of the pool (its events') */
	bool own_arena;		/* the arena is the port's, freed with the pool */
	bool own_meta;		/* this structure and the tables are the port's */
	u8 *arena;
	size_t arena_size;
	u32 arena_units;

	struct tp_seg **dir;	/* the chunks of nodes */
	u32 chunks;		/* chunks in use */
	u32 dir_size;		/* room in @dir */
	u32 spare;		/* first spare node, or TP_NIL */
	u32 first;		/* the run at the start of the arena */
	struct ckremm_segfit index;
	u32 *region;		/* per region: first node that starts in it */
	u32 regions;

	u32 capacity;
	u32 gen;		/* generation of the last block allocated */

	u32 seq;	/* bumped by every change to nodes, index or pins */

	u32 cursor;	/* where a reorder pass is; TP_NIL when none is */
	struct tp_move move;
	size_t step_bytes;

	size_t used_units;
	size_t peak_units;
	size_t used_blocks;
	size_t free_blocks;
	size_t pinned_blocks;
	size_t holds;		/* holds taken and not released */
	size_t failed_allocs;
	size_t refused_calls;
	size_t reorders;
	size_t bytes_moved;
#ifdef CONFIG_CKREMM_GC
	struct ckremm_gc *gc;	/* the collector that owns the blocks */
#endif
#ifdef CONFIG_CKREMM_PAGING
	struct tp_paging pg;
	struct tp_store_state st;
#endif
};

void tp_refuse(struct t_pool *pool, const char *why);

static inline size_t tp_bytes(u32 units)
{
	return (size_t)units << TP_SHIFT;
}

static inline u8 *tp_addr_of(const struct t_pool *pool, u32 units)
{
	return pool->arena + tp_bytes(units);
}

static inline struct tp_seg *tp_seg(const struct t_pool *pool, u32 n)
{
	u8 *chunk = (u8 *)pool->dir[n >> TP_CHUNK_SHIFT];

	return (struct tp_seg *)(chunk + (n & (TP_CHUNK_BYTES - 1)));
}

/* Whether @n names a node of a chunk the pool has. */
static inline bool tp_node_exists(const struct t_pool *pool, u32 n)
{
	u32 at = n & (TP_CHUNK_BYTES - 1);

	return (n >> TP_CHUNK_SHIFT) < pool->chunks && at < TP_CHUNK_USED &&
	       !(at % sizeof(struct tp_seg));
}

static inline u32 tp_state(const struct tp_seg *s)
{
	return s->prev_state >> TP_STATE_SHIFT;
}

static inline void tp_set_state(struct tp_seg *s, u32 state)
{
	s->prev_state = (s->prev_state & TP_PREV_MASK) | state << TP_STATE_SHIFT;
}

static inline bool tp_is_free(const struct tp_seg *s)
{
	return tp_state(s) == TP_FREE;
}

static inline bool tp_is_used(const struct tp_seg *s)
{
	return tp_state(s) == TP_USED;
}

static inline u32 tp_prev(const struct tp_seg *s)
{
	u32 p = s->prev_state & TP_PREV_MASK;

	return p == TP_PREV_MASK ? TP_NIL : p;
}

static inline void tp_set_prev(struct tp_seg *s, u32 p)
{
	s->prev_state = (s->prev_state & ~TP_PREV_MASK) | (p & TP_PREV_MASK);
}

/* Where run @s ends, in units. */
static inline u32 tp_end(const struct t_pool *pool, const struct tp_seg *s)
{
	return s->next == TP_NIL ? pool->arena_units :
	       tp_seg(pool, s->next)->off;
}

static inline u32 tp_units(const struct t_pool *pool, const struct tp_seg *s)
{
	return tp_end(pool, s) - s->off;
}

static inline u32 *tp_region_of(const struct t_pool *pool, u32 off)
{
	return &pool->region[off >> TP_REGION_SHIFT];
}

static inline u64 tp_handle(const struct t_pool *pool, u32 n)
{
	return ((u64)tp_seg(pool, n)->gen << 32) | (n + 1);
}

/*
 * The backing store's hooks (ckremm/paging/store_pager.c), pool lock held;
 * in builds without the paging module no block is ever paged out.
 */
#ifdef CONFIG_CKREMM_PAGING
/* Used block @s is paged out (or its copy waits to be dropped). */
static inline bool tp_is_out(const struct tp_seg *s)
{
	return s->holds & TP_PAGED_OUT;
}

static inline u32 tp_out_units(const struct tp_seg *s)
{
	return s->prev_state & TP_PREV_MASK;
}

static inline u64 tp_out_key(const struct tp_seg *s)
{
	return (u64)s->next << 32 | s->off;
}

/* Bytes the store keeps for paged-out block @s: below TP_OUT_STORED_MAX. */
#define TP_OUT_STORED_MAX	((size_t)(TP_READERS_MASK + 1) << 16)
static inline size_t tp_out_stored(const struct tp_seg *s)
{
	return (size_t)(s->holds & TP_READERS_MASK) << 16 | s->pins;
}

/* Marks a block is born with: referenced, in a pool with a store. */
static inline u16 tp_pg_fresh(const struct t_pool *pool)
{
	return pool->st.store ? TP_REFERENCED : 0;
}

/* Node @n leaves the runs; @survivor, if any, takes its place. */
static inline void tp_pg_node_gone(struct t_pool *pool, u32 n, u32 survivor)
{
	if (pool->st.hand == n)
		pool->st.hand = survivor;
}

int tp_pg_fault(struct t_pool *pool, u32 n);
void tp_pg_free_out(struct t_pool *pool, u32 n, struct tp_seg *s);
void tp_pg_destroy(struct t_pool *pool);

/* Live blocks that are paged out, and nodes in no run because of them. */
static inline size_t tp_out_blocks(const struct t_pool *pool)
{
	return pool->st.out_blocks;
}

static inline size_t tp_out_nodes(const struct t_pool *pool)
{
	return pool->st.out_nodes;
}

/* The pool has a backing store: a collector is refused. */
static inline bool tp_has_store(const struct t_pool *pool)
{
	return pool->st.store;
}

static inline void tp_pg_init(struct t_pool *pool)
{
	pool->st.hand = TP_NIL;
	pool->st.outgoing = TP_NIL;
	pool->st.incoming = TP_NIL;
	pool->st.drops = TP_NIL;
}

/*
 * Live block @n is about to be used: 0 once it is resident (paged in if
 * it was out) and marked referenced; -EAGAIN, -ENOMEM or -EIO if it
 * cannot be paged in now (see store_pager.c).
 */
static inline int tp_pg_touch(struct t_pool *pool, u32 n)
{
	struct tp_seg *s = tp_seg(pool, n);

	if (!pool->st.store)
		return 0;
	if (tp_is_out(s) || n == pool->st.incoming)
		return tp_pg_fault(pool, n);
	s->holds |= TP_REFERENCED;
	return 0;
}

/*
 * Resident block @n is about to be written, pinned or held alone: the
 * store may be offered it again, and a copy of it under way is stale.
 */
static inline void tp_pg_written(struct t_pool *pool, u32 n)
{
	if (!pool->st.store)
		return;
	tp_seg(pool, n)->holds &= ~TP_KEEP;
	if (n == pool->st.outgoing)
		pool->st.dirtied = true;
}

/*
 * A caller frees block @n (at @s), neither pinned nor held by anyone but
 * the pager: true if the paging module saw to it (a paged-out block, or
 * one the pager is copying, which it frees when its copy returns).
 */
static inline bool tp_pg_free(struct t_pool *pool, u32 n, struct tp_seg *s)
{
	if (!tp_is_out(s) && n != pool->st.outgoing && n != pool->st.incoming)
		return false;
	tp_pg_free_out(pool, n, s);
	return true;
}

/* Whether block @n is one the pager works on with the lock dropped. */
static inline bool tp_pg_in_flight(const struct t_pool *pool, u32 n)
{
	return n == pool->st.outgoing || n == pool->st.incoming;
}
#else
static inline bool tp_is_out(const struct tp_seg *s)
{
	(void)s;
	return false;
}

static inline u32 tp_out_units(const struct tp_seg *s)
{
	(void)s;
	return 0;
}

static inline u16 tp_pg_fresh(const struct t_pool *pool)
{
	(void)pool;
	return 0;
}

static inline void tp_pg_node_gone(struct t_pool *pool, u32 n, u32 survivor)
{
	(void)pool;
	(void)n;
	(void)survivor;
}

static inline int tp_pg_touch(struct t_pool *pool, u32 n)
{
	(void)pool;
	(void)n;
	return 0;
}

static inline void tp_pg_written(struct t_pool *pool, u32 n)
{
	(void)pool;
	(void)n;
}

static inline bool tp_pg_free(struct t_pool *pool, u32 n, struct tp_seg *s)
{
	(void)pool;
	(void)n;
	(void)s;
	return false;
}

static inline bool tp_pg_in_flight(const struct t_pool *pool, u32 n)
{
	(void)pool;
	(void)n;
	return false;
}

static inline void tp_pg_destroy(struct t_pool *pool)
{
	(void)pool;
}

static inline size_t tp_out_blocks(const struct t_pool *pool)
{
	(void)pool;
	return 0;
}

static inline size_t tp_out_nodes(const struct t_pool *pool)
{
	(void)pool;
	return 0;
}

static inline bool tp_has_store(const struct t_pool *pool)
{
	(void)pool;
	return false;
}

static inline void tp_pg_init(struct t_pool *pool)
{
	(void)pool;
}
#endif

/* Units of live block @s, resident or paged out. */
static inline u32 tp_block_units(const struct t_pool *pool,
				 const struct tp_seg *s)
{
	return tp_is_out(s) ? tp_out_units(s) : tp_units(pool, s);
}

/* Make node @n (at @s) spare, merged into @survivor or never used. */
static inline void tp_node_put(struct t_pool *pool, u32 n, struct tp_seg *s,
			       u32 survivor)
{
	if (pool->cursor == n)
		pool->cursor = survivor;
	tp_pg_node_gone(pool, n, survivor);
	s->prev_state = TP_SPARE << TP_STATE_SHIFT | TP_PREV_MASK;
	s->next = TP_NIL;
	s->link_next = pool->spare;
	pool->spare = n;
}

/* Run @n (at @s), linked, starts where it is: first of its region? */
static inline void tp_region_add(struct t_pool *pool, u32 n, const struct tp_seg *s)
{
	u32 off = s->off;
	u32 *r = tp_region_of(pool, off);

	if (*r == TP_NIL || tp_seg(pool, *r)->off > off)
		*r = n;
}

/* Run @n (at @s), still linked, is going away from where it starts. */
static inline void tp_region_del(struct t_pool *pool, u32 n, const struct tp_seg *s)
{
	u32 *r = tp_region_of(pool, s->off);

	if (*r != n)
		return;
	if (s->next != TP_NIL &&
	    tp_region_of(pool, tp_seg(pool, s->next)->off) == r)
		*r = s->next;
	else
		*r = TP_NIL;
}

/*
 * The paging module's hooks (ckremm/paging/): the run at the top of the
 * arena, and pages committed before a block is placed on them; nothing in
 * builds without it.
 */
#ifdef CONFIG_CKREMM_PAGING
static inline void tp_pg_set_last(struct t_pool *pool, u32 n)
{
	pool->pg.last = n;
}

/*
 * Block bytes up to @end (units) are about to be placed: commit the pages
 * below it that are not.  False if they cannot be (nothing changes).
 */
static inline bool tp_pg_commit(struct t_pool *pool, u32 end)
{
	struct tp_paging *pg = &pool->pg;
	size_t want = tp_bytes(end), top;

	if (want > pg->peak_end)
		pg->peak_end = want;
	if (want <= pg->committed)
		return true;
	top = (want + CKREMM_PAGE_SIZE - 1) & ~(CKREMM_PAGE_SIZE - 1);
	if (top > pg->limit)
		top = pg->limit;
	if (top <= pg->committed)
		return true;
	if (pg->purging ||
	    ckremm_arena_commit(pool->arena, pg->committed, top - pg->committed)) {
		pg->commit_failures++;
		return false;
	}
	pg->committed = top;
	return true;
}
#else
static inline void tp_pg_set_last(struct t_pool *pool, u32 n)
{
	(void)pool;
	(void)n;
}

static inline bool tp_pg_commit(struct t_pool *pool, u32 end)
{
	(void)pool;
	(void)end;
	return true;
}
#endif

/*
 * Unlink run @n (at @s) from the address order: the run before it grows
 * over it.
 */
static inline void tp_unlink(struct t_pool *pool, u32 n, struct tp_seg *s)
{
	u32 prev = tp_prev(s);

	tp_region_del(pool, n, s);
	if (prev != TP_NIL)
		tp_seg(pool, prev)->next = s->next;
	else
		pool->first = s->next;
	if (s->next != TP_NIL)
		tp_set_prev(tp_seg(pool, s->next), prev);
	else
		tp_pg_set_last(pool, prev);
}

/*
 * Link @n (at @s), whose offset is set, into the address order right after
 * @at (at @a).
 */
static inline void tp_link_after(struct t_pool *pool, u32 at, struct tp_seg *a,
				 u32 n, struct tp_seg *s)
{
	tp_set_prev(s, at);
	s->next = a->next;
	if (s->next != TP_NIL)
		tp_set_prev(tp_seg(pool, s->next), n);
	else
		tp_pg_set_last(pool, n);
	a->next = n;
}

/* File free run @n (at @s) of @units. */
static inline void tp_index_insert(struct t_pool *pool, u32 n, struct tp_seg *s,
				   u32 units)
{
	unsigned int fl, sl;
	u32 head;

	ckremm_sf_class(units, &fl, &sl);
	head = pool->index.heads[fl][sl];
	s->link_next = head;
	s->link_prev = TP_NIL;
	if (head != TP_NIL)
		tp_seg(pool, head)->link_prev = n;
	pool->index.heads[fl][sl] = n;
	ckremm_sf_set(&pool->index, fl, sl, true);
	pool->free_blocks++;
}

/* Remove free run @s, filed when it had @units, as it still has. */
static inline void tp_index_remove(struct t_pool *pool, struct tp_seg *s, u32 units)
{
	unsigned int fl, sl;

	if (s->link_next != TP_NIL)
		tp_seg(pool, s->link_next)->link_prev = s->link_prev;
	if (s->link_prev != TP_NIL) {
		tp_seg(pool, s->link_prev)->link_next = s->link_next;
	} else {
		ckremm_sf_class(units, &fl, &sl);
		pool->index.heads[fl][sl] = s->link_next;
		if (s->link_next == TP_NIL)
			ckremm_sf_set(&pool->index, fl, sl, false);
	}
	pool->free_blocks--;
}

/* Node of a live handle's block, or TP_NIL. */
static inline u32 tp_find(const struct t_pool *pool, u64 handle)
{
	u32 n = (u32)handle - 1;
	const struct tp_seg *s;

	/* Generation 0 is never given: it marks blocks that died in flight. */
	if (!tp_node_exists(pool, n) || !(u32)(handle >> 32))
		return TP_NIL;
	s = tp_seg(pool, n);
	if (!tp_is_used(s) || s->gen != (u32)(handle >> 32))
		return TP_NIL;
	return n;
}

/* As tp_find(), and a dead handle is refused and reported. */
static inline u32 tp_lookup(struct t_pool *pool, u64 handle)
{
	u32 n = tp_find(pool, handle);

	if (n == TP_NIL)
		tp_refuse(pool, "stale, freed or forged handle");
	return n;
}

/*
 * The collector's hooks (ckremm/gc/gc.c), called with the pool lock held
 * by the calls that make, change, fix in place or free a block of a pool
 * with a collector; nothing in builds without one.
 */
#ifdef CONFIG_CKREMM_GC
void ckremm_gc_on_alloc(struct ckremm_gc *gc, u32 n, struct tp_seg *s);
void ckremm_gc_on_write(struct ckremm_gc *gc, u32 n, size_t pos, size_t len);
int ckremm_gc_on_fix(struct ckremm_gc *gc, u32 n);
void ckremm_gc_on_unfix(struct ckremm_gc *gc, u32 n);
int ckremm_gc_on_free(struct ckremm_gc *gc, u32 n);
void ckremm_gc_on_release(struct ckremm_gc *gc, u32 n);

/* Block @n (at @s) was just allocated. */
static inline void tp_gc_alloc(struct t_pool *pool, u32 n, struct tp_seg *s)
{
	s->gc = 0;
	if (pool->gc)
		ckremm_gc_on_alloc(pool->gc, n, s);
}

/*
 * Bytes [@pos, @pos + @len) of block @n are about to be overwritten by the
 * pool's own call.
 */
static inline void tp_gc_write(struct t_pool *pool, u32 n, size_t pos,
			       size_t len)
{
	if (pool->gc)
		ckremm_gc_on_write(pool->gc, n, pos, len);
}

/*
 * Block @n is about to be pinned, or held for writing by a caller: 0, or
 * -ENOSPC if the collector's pin set is full (nothing changes then).
 */
static inline int tp_gc_fix(struct t_pool *pool, u32 n)
{
	return pool->gc ? ckremm_gc_on_fix(pool->gc, n) : 0;
}

/* A pin or a caller's hold for writing of block @n has gone. */
static inline void tp_gc_unfix(struct t_pool *pool, u32 n)
{
	if (pool->gc)
		ckremm_gc_on_unfix(pool->gc, n);
}

/*
 * A caller frees block @n: 0 once the collector is done with it, or
 * -EBUSY if its finaliser is queued.
 */
static inline int tp_gc_free(struct t_pool *pool, u32 n)
{
	return pool->gc ? ckremm_gc_on_free(pool->gc, n) : 0;
}

/* Block @n is being freed, by its caller or by the collector. */
static inline void tp_gc_release(struct t_pool *pool, u32 n)
{
	if (pool->gc)
		ckremm_gc_on_release(pool->gc, n);
}
#else
static inline void tp_gc_alloc(struct t_pool *pool, u32 n, struct tp_seg *s)
{
	(void)pool;
	(void)n;
	(void)s;
}

static inline void tp_gc_write(struct t_pool *pool, u32 n, size_t pos,
			       size_t len)
{
	(void)pool;
	(void)n;
	(void)pos;
	(void)len;
}

static inline int tp_gc_fix(struct t_pool *pool, u32 n)
{
	(void)pool;
	(void)n;
	return 0;
}

static inline void tp_gc_unfix(struct t_pool *pool, u32 n)
{
	(void)pool;
	(void)n;
}

static inline int tp_gc_free(struct t_pool *pool, u32 n)
{
	(void)pool;
	(void)n;
	return 0;
}

static inline void tp_gc_release(struct t_pool *pool, u32 n)
{
	(void)pool;
	(void)n;
}
#endif

/* t_pool.c */
u32 tp_find_start(const struct t_pool *pool, u32 off);
u32 tp_alloc_any(struct t_pool *pool, u32 units, struct tp_seg **sp,
		 unsigned long *flags);
bool tp_units_for(size_t size, u32 *units);
void tp_free_locked(struct t_pool *pool, u32 n, struct tp_seg *s);
void tp_merge_free(struct t_pool *pool, u32 n, struct tp_seg *s);
u32 tp_find_free(struct t_pool *pool, u32 units, struct tp_seg **sp,
		 u32 *have);
int tp_grow(struct t_pool *pool, unsigned long *flags);
bool tp_is_fixed(struct t_pool *pool, u32 n);
size_t tp_largest_free(const struct t_pool *pool);

/* t_pool_move.c */
u8 *tp_byte(const struct t_pool *pool, u32 n, size_t pos,
	    size_t *contig);
size_t tp_move_some(struct t_pool *pool, size_t budget);
u32 tp_lookup_settled(struct t_pool *pool, u64 handle,
		      unsigned long *flags);
void tp_settle(struct t_pool *pool, u32 n, unsigned long *flags);

#endif /* CKREMM_T_POOL_INTERNAL_H */
