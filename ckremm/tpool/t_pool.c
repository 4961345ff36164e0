// SPDX-License-Identifier: GPL-2.0-only
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
 * Compaction
 * ----------
 * reorder_t_mem() slides used blocks towards the start of the arena.  A
 * pass keeps a cursor; each step finds the next free run F from the
 * cursor and moves the used block U just after it down into F, so that U
 * starts where F did and F moves up behind U, where it merges with any
 * free run after it.  With no pins, one pass leaves every used block at
 * the bottom and all free space as one run at the top.  A pinned block is
 * not moved: the pass steps over it, leaving the free run in front of it
 * until it is unpinned.
 *
 * A step copies at most a budget of bytes (t_pool_set_step(), by default
 * CKREMM_STEP_BYTES) with the lock held and then drops the lock, so
 * allocations, frees and accesses from other CPUs interleave with a
 * compaction.  A block larger than the budget moves over several steps;
 * while it is in transit its first bytes are at the new place and the rest
 * at the old one, and every access through the pool maps each byte to
 * where it is.  Freeing a block in transit simply ends its move; pinning
 * it, or asking where it is, completes the move first, a step at a time.
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
 * chunks of 204 nodes, added as needed); 4 bytes per 4 KiB of arena for
 * the regions; 8 bytes per chunk the pool may need for the directory; and
 * the pool structure.  An empty pool of 64 MiB costs about 90 KiB.
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

/*
 * Nodes come in chunks of one 4 KiB allocation: 204 nodes of 20 bytes.  A
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
 *	TP_WRITER_WAITS
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
};

#define TP_HELD_ALONE		BIT(15)
#define TP_WRITER_WAITS		BIT(14)	/* refused for readers: no new readers */
#define TP_READERS_MASK		(TP_WRITER_WAITS - 1)

/* The block in transit during a reorder step, if any. */
struct tp_move {
	u32 seg;
	u32 hole;
	size_t done;
};

struct t_pool {
	struct ckremm_lock lock;
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
	size_t failed_allocs;
	size_t refused_calls;
	size_t reorders;
	size_t bytes_moved;
};

static size_t tp_bytes(u32 units)
{
	return (size_t)units << TP_SHIFT;
}

static u8 *tp_addr_of(const struct t_pool *pool, u32 units)
{
	return pool->arena + tp_bytes(units);
}

static void tp_refuse(struct t_pool *pool, const char *why)
{
	pool->refused_calls++;
	ckremm_warn("t_pool: %s\n", why);
}

/* ---- nodes --------------------------------------------------------------- */

static struct tp_seg *tp_seg(const struct t_pool *pool, u32 n)
{
	u8 *chunk = (u8 *)pool->dir[n >> TP_CHUNK_SHIFT];

	return (struct tp_seg *)(chunk + (n & (TP_CHUNK_BYTES - 1)));
}

/* Whether @n names a node of a chunk the pool has. */
static bool tp_node_exists(const struct t_pool *pool, u32 n)
{
	u32 at = n & (TP_CHUNK_BYTES - 1);

	return (n >> TP_CHUNK_SHIFT) < pool->chunks && at < TP_CHUNK_USED &&
	       !(at % sizeof(struct tp_seg));
}

static u32 tp_state(const struct tp_seg *s)
{
	return s->prev_state >> TP_STATE_SHIFT;
}

static void tp_set_state(struct tp_seg *s, u32 state)
{
	s->prev_state = (s->prev_state & TP_PREV_MASK) | state << TP_STATE_SHIFT;
}

static bool tp_is_free(const struct tp_seg *s)
{
	return tp_state(s) == TP_FREE;
}

static bool tp_is_used(const struct tp_seg *s)
{
	return tp_state(s) == TP_USED;
}

static u32 tp_prev(const struct tp_seg *s)
{
	u32 p = s->prev_state & TP_PREV_MASK;

	return p == TP_PREV_MASK ? TP_NIL : p;
}

static void tp_set_prev(struct tp_seg *s, u32 p)
{
	s->prev_state = (s->prev_state & ~TP_PREV_MASK) | (p & TP_PREV_MASK);
}

/* Where run @s ends, in units. */
static u32 tp_end(const struct t_pool *pool, const struct tp_seg *s)
{
	return s->next == TP_NIL ? pool->arena_units :
	       tp_seg(pool, s->next)->off;
}

static u32 tp_units(const struct t_pool *pool, const struct tp_seg *s)
{
	return tp_end(pool, s) - s->off;
}

/* Make node @n (at @s) spare, merged into @survivor or never used. */
static inline void tp_node_put(struct t_pool *pool, u32 n, struct tp_seg *s,
			       u32 survivor)
{
	if (pool->cursor == n)
		pool->cursor = survivor;
	s->prev_state = TP_SPARE << TP_STATE_SHIFT | TP_PREV_MASK;
	s->next = TP_NIL;
	s->link_next = pool->spare;
	pool->spare = n;
}

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

static u32 *tp_region_of(const struct t_pool *pool, u32 off)
{
	return &pool->region[off >> TP_REGION_SHIFT];
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

/* The run that starts at @off, or TP_NIL: at most TP_REGION_UNITS steps. */
static u32 tp_find_start(const struct t_pool *pool, u32 off)
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
	a->next = n;
}

/* ---- the free index ---------------------------------------------------- */

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

/*
 * A free run of at most @units, or TP_NIL; its node goes to *@sp, its
 * length to *@have.
 */
static u32 tp_find_free(struct t_pool *pool, u32 units, struct tp_seg **sp,
			u32 *have)
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

/* ---- handles ----------------------------------------------------------- */

static u64 tp_handle(const struct t_pool *pool, u32 n)
{
	return ((u64)tp_seg(pool, n)->gen << 32) | (n + 1);
}

/* Node of a live handle's block, or TP_NIL. */
static inline u32 tp_find(const struct t_pool *pool, u64 handle)
{
	u32 n = (u32)handle - 1;
	const struct tp_seg *s;

	if (!tp_node_exists(pool, n))
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

/* ---- moving blocks ------------------------------------------------------ */

/*
 * Address of byte @pos of block @n and how many bytes from there are
 * contiguous; a block in transit is in two pieces.
 */
static u8 *tp_byte(const struct t_pool *pool, u32 n, size_t pos,
		   size_t *contig)
{
	const struct tp_seg *s = tp_seg(pool, n);
	size_t size = tp_bytes(tp_units(pool, s));

	if (pool->move.seg == n) {
		size_t done = pool->move.done;
		u32 dst = tp_seg(pool, pool->move.hole)->off;

		if (pos < done) {
			*contig = done - pos;
			return tp_addr_of(pool, dst) + pos;
		}
	}
	*contig = size - pos;
	return tp_addr_of(pool, s->off) + pos;
}

/* The move is complete: swap block and hole, merge the hole upwards. */
static void tp_finish_move(struct t_pool *pool)
{
	u32 n = pool->move.seg, h = pool->move.hole;
	struct tp_seg *s = tp_seg(pool, n), *hole = tp_seg(pool, h);
	u32 units = tp_units(pool, s), *r = tp_region_of(pool, hole->off);
	u32 next;

	/* Address order [prev, hole, s, next] becomes [prev, s, hole, next]. */
	tp_region_del(pool, n, s);
	if (*r == h)
		*r = n;
	tp_unlink(pool, h, hole);
	s->off = hole->off;
	hole->off = s->off + units;
	tp_link_after(pool, n, s, h, hole);
	tp_region_add(pool, h, hole);
	tp_set_state(hole, TP_FREE);
	pool->move.seg = TP_NIL;
	pool->move.hole = TP_NIL;
	pool->seq++;

	next = hole->next;
	if (next != TP_NIL && tp_is_free(tp_seg(pool, next))) {
		struct tp_seg *nx = tp_seg(pool, next);

		tp_index_remove(pool, nx, tp_units(pool, nx));
		tp_unlink(pool, next, nx);
		tp_node_put(pool, next, nx, h);
	}
	tp_index_insert(pool, h, hole, tp_units(pool, hole));
}

/* Copy up to @budget more bytes of the block in transit.  Returns bytes. */
static size_t tp_move_some(struct t_pool *pool, size_t budget)
{
	struct tp_seg *s = tp_seg(pool, pool->move.seg);
	size_t size = tp_bytes(tp_units(pool, s));
	size_t n = size - pool->move.done;
	u8 *dst = tp_addr_of(pool, tp_seg(pool, pool->move.hole)->off);

	if (n > budget)
		n = budget;
	memmove(dst + pool->move.done,
		tp_addr_of(pool, s->off) + pool->move.done, n);
	pool->move.done += n;
	pool->bytes_moved += n;
	if (pool->move.done == size)
		tp_finish_move(pool);
	return n;
}

/*
 * tp_lookup(), and if the block is in transit, finish its move a step at
 * a time with the lock dropped between steps (held on entry and return).
 * Returns TP_NIL if the handle is dead, or dies while the lock is dropped.
 */
static u32 tp_lookup_settled(struct t_pool *pool, u64 handle,
			     unsigned long *flags)
{
	u32 n = tp_lookup(pool, handle);

	while (n != TP_NIL && pool->move.seg == n) {
		tp_move_some(pool, pool->step_bytes);
		if (pool->move.seg != n)
			break;
		ckremm_unlock(&pool->lock, *flags);
		*flags = ckremm_lock(&pool->lock);
		n = tp_find(pool, handle);
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
}

static void tp_unhold_locked(struct t_pool *pool, u32 n, bool alone)
{
	struct tp_seg *s = tp_seg(pool, n);

	if (alone)
		s->holds &= ~TP_HELD_ALONE;
	else
		s->holds--;
	/* The last reader gone, no writer waits for readers any more. */
	if (!(s->holds & TP_READERS_MASK))
		s->holds &= ~TP_WRITER_WAITS;
}

/* Pinned and held blocks stay where they are. */
static bool tp_is_fixed(struct t_pool *pool, u32 n)
{
	const struct tp_seg *s = tp_seg(pool, n);

	return s->pins || s->holds;
}

/*
 * A held block in transit is moved the rest of the way, a step at a time
 * with the lock dropped between steps (held on entry and return); being
 * held, it neither dies nor starts another move meanwhile.
 */
static void tp_settle(struct t_pool *pool, u32 n, unsigned long *flags)
{
	while (pool->move.seg == n) {
		tp_move_some(pool, pool->step_bytes);
		if (pool->move.seg != n)
			break;
		ckremm_unlock(&pool->lock, *flags);
		*flags = ckremm_lock(&pool->lock);
	}
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
	n = tp_find_free(pool, units, &s, &have);
	if (n == TP_NIL)
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
	s->holds = 0;
	tp_set_state(s, TP_USED);
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
static int tp_grow(struct t_pool *pool, unsigned long *flags)
{
	u32 chunks = pool->chunks;
	struct tp_seg *chunk;

	if (chunks == pool->dir_size)
		return -ENOMEM;
	ckremm_unlock(&pool->lock, *flags);
	chunk = ckremm_meta_zalloc_nowait(TP_CHUNK_BYTES);
	*flags = ckremm_lock(&pool->lock);
	if (!chunk)
		return -ENOMEM;
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
static u32 tp_alloc_any(struct t_pool *pool, u32 units, struct tp_seg **sp,
			unsigned long *flags)
{
	bool grow;
	u32 n = tp_alloc_locked(pool, units, sp, &grow);

	return grow ? tp_alloc_growing(pool, units, sp, flags) : n;
}

/* Free used block @n (at @s), merging it with free runs beside it. */
static void tp_free_locked(struct t_pool *pool, u32 n, struct tp_seg *s)
{
	u32 off = s->off, end = tp_end(pool, s), other;
	struct tp_seg *o;

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
		off = s->off;
	}

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

/* ---- creation ------------------------------------------------------------ */

/**
 * t_pool_create() - create a table pool with a given most number of blocks
 * @size: arena bytes; rounded down to a multiple of 16
 * @capacity: most blocks live at once (handles in use), or 0 for one per
 *	256 bytes of arena, at least 64
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
struct t_pool *t_pool_create(size_t size, unsigned int capacity)
{
	struct tp_seg *chunk;
	struct t_pool *pool;
	u64 max_nodes;
	u32 n;

	ckremm_might_sleep();
	if (size < TP_GRANULE || size > T_POOL_MAX_SIZE ||
	    capacity > T_POOL_MAX_CAPACITY) {
		ckremm_warn("t_pool: cannot make a pool of %zu bytes and %u slots\n",
			    size, capacity);
		return NULL;
	}
	size &= ~(size_t)(TP_GRANULE - 1);
	if (!capacity) {
		size_t c = size / 256;

		capacity = c < 64 ? 64 : c > T_POOL_MAX_CAPACITY ?
			   T_POOL_MAX_CAPACITY : (u32)c;
	}

	pool = ckremm_meta_zalloc(sizeof(*pool));
	if (!pool)
		return NULL;
	pool->arena_units = (u32)(size >> TP_SHIFT);
	/*
	 * Runs tile the arena, at least a unit each; a free run never
	 * borders another one, so there is at most one more of them than
	 * blocks, and one hole.
	 */
	max_nodes = 2 * (u64)capacity + 2;
	if (max_nodes > pool->arena_units)
		max_nodes = pool->arena_units;
	pool->dir_size = (u32)((max_nodes + TP_CHUNK_NODES - 1) / TP_CHUNK_NODES);
	pool->regions = (pool->arena_units + TP_REGION_UNITS - 1) >> TP_REGION_SHIFT;
	pool->dir = ckremm_meta_zalloc(pool->dir_size * sizeof(*pool->dir));
	pool->region = ckremm_meta_zalloc(pool->regions * sizeof(*pool->region));
	chunk = ckremm_meta_zalloc(TP_CHUNK_BYTES);
	pool->arena = ckremm_arena_alloc(size);
	if (!pool->dir || !pool->region || !pool->arena || !chunk) {
		ckremm_meta_free(chunk);
		destroy_t_pool(pool);
		return NULL;
	}

	ckremm_lock_init(&pool->lock);
	pool->arena_size = size;
	pool->capacity = capacity;
	pool->step_bytes = CKREMM_STEP_BYTES;
	pool->move.seg = TP_NIL;
	pool->move.hole = TP_NIL;
	pool->cursor = TP_NIL;
	pool->spare = TP_NIL;
	memset(pool->region, 0xff, pool->regions * sizeof(*pool->region));
	ckremm_sf_init(&pool->index);
	tp_add_chunk(pool, chunk);

	/* The first node is the whole arena. */
	n = pool->spare;
	pool->spare = chunk->link_next;
	chunk->prev_state = TP_FREE << TP_STATE_SHIFT | TP_PREV_MASK;
	chunk->off = 0;
	chunk->next = TP_NIL;
	pool->first = n;
	tp_region_add(pool, n, chunk);
	tp_index_insert(pool, n, chunk, pool->arena_units);
	return pool;
}
EXPORT_SYMBOL_GPL(t_pool_create);

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
EXPORT_SYMBOL_GPL(create_t_pool);

/**
 * destroy_t_pool() - free a table pool, its tables and its arena
 * @pool: the pool; live blocks go with it
 *
 * The caller must make sure no other call on @pool runs or follows.
 *
 * Context: Process context; may sleep.
 * Return: true, or false if @pool is NULL.
 */
bool destroy_t_pool(struct t_pool *pool)
{
	u32 i;

	ckremm_might_sleep();
	if (!pool)
		return false;
	if (pool->arena)
		ckremm_arena_free(pool->arena);
	for (i = 0; i < pool->chunks; i++)
		ckremm_meta_free(pool->dir[i]);
	ckremm_meta_free(pool->dir);
	ckremm_meta_free(pool->region);
	ckremm_meta_free(pool);
	return true;
}
EXPORT_SYMBOL_GPL(destroy_t_pool);

/**
 * t_pool_set_step() - bound the bytes a reorder moves per lock hold
 * @pool: the pool
 * @bytes: bytes per step; 0 restores CKREMM_STEP_BYTES; at most
 *	T_POOL_STEP_MAX (larger values are clamped)
 *
 * Smaller steps shorten the time interrupts are off on this CPU and other
 * CPUs wait for the lock; larger steps make a reorder cheaper in total.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 */
void t_pool_set_step(struct t_pool *pool, size_t bytes)
{
	unsigned long flags;

	if (!pool)
		return;
	flags = ckremm_lock(&pool->lock);
	pool->step_bytes = !bytes ? CKREMM_STEP_BYTES :
			   bytes > T_POOL_STEP_MAX ? T_POOL_STEP_MAX : bytes;
	ckremm_unlock(&pool->lock, flags);
}
EXPORT_SYMBOL_GPL(t_pool_set_step);

/* ---- allocation ------------------------------------------------------------ */

static bool tp_units_for(size_t size, u32 *units)
{
	if (!size || size > T_POOL_MAX_SIZE)
		return false;
	*units = (u32)((size + TP_GRANULE - 1) >> TP_SHIFT);
	return true;
}

/**
 * t_pool_alloc_handle() - allocate a block and name it by a handle
 * @pool: the pool
 * @size: bytes, at least 1; rounded up to 16
 * @flags: 0, or T_POOL_REORDER_ON_FAIL to compact the pool and try once
 *	more when no free run fits although enough bytes are free
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
 * Return: the block's handle, or T_POOL_NO_HANDLE if nothing fits, the
 * pool holds its most blocks already, the tables cannot grow, or the
 * request is refused (size 0 or impossible, unknown flags).
 */
u64 t_pool_alloc_handle(struct t_pool *pool, size_t size, unsigned int flags)
{
	unsigned long irqflags;
	u64 handle = T_POOL_NO_HANDLE;
	struct tp_seg *s;
	bool retry;
	u32 units, n;

	if (!pool) {
		ckremm_warn("t_pool: alloc from a NULL pool\n");
		return T_POOL_NO_HANDLE;
	}
	irqflags = ckremm_lock(&pool->lock);
	if (!tp_units_for(size, &units) || (flags & ~T_POOL_REORDER_ON_FAIL)) {
		tp_refuse(pool, "alloc of size 0, of an impossible size, or with unknown flags");
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
	if (n != TP_NIL)
		handle = (u64)s->gen << 32 | (n + 1);
	else
		pool->failed_allocs++;
out:
	ckremm_unlock(&pool->lock, irqflags);
	return handle;
}
EXPORT_SYMBOL_GPL(t_pool_alloc_handle);

/*
 * Free block @n, found by a lookup (TP_NIL if that refused), unless
 * pinned or held.
 */
static int tp_free_unpinned(struct t_pool *pool, u32 n)
{
	struct tp_seg *s;

	if (n == TP_NIL)
		return -EINVAL;
	s = tp_seg(pool, n);
	if (s->pins) {
		tp_refuse(pool, "free of a pinned block");
		return -EBUSY;
	}
	if (s->holds)
		return tp_busy(pool, n);
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
	return ret;
}
EXPORT_SYMBOL_GPL(t_pool_free);

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
EXPORT_SYMBOL_GPL(t_pool_alloc);

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
	unsigned long flags;
	int ret;

	if (!pool)
		return false;
	flags = ckremm_lock(&pool->lock);
	ret = tp_free_unpinned(pool, tp_lookup_ptr(pool, ptr));
	ckremm_unlock(&pool->lock, flags);
	return !ret;
}
EXPORT_SYMBOL_GPL(t_pool_dealloc);

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
EXPORT_SYMBOL_GPL(t_pool_handle_of);

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
		size = tp_bytes(tp_units(pool, tp_seg(pool, n)));
	ckremm_unlock(&pool->lock, flags);
	return size;
}
EXPORT_SYMBOL_GPL(t_pool_size_of);

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

/*
 * Move bytes between a block and a buffer, clear a block, or copy one
 * block into another, the pool's step size at a time under the lock.
 * Work of more than one step holds its blocks between steps: block
 * @handle alone (shared for a read), the source of a copy shared.  A held
 * block neither dies nor starts a move, but one already in transit may
 * go on moving: every step maps each byte to where it is.
 */
static int tp_access(struct t_pool *pool, u64 handle, u64 src_handle,
		     size_t pos, u8 *buf, size_t len, enum tp_op op)
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
	size = tp_bytes(tp_units(pool, tp_seg(pool, n)));
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
	for (;;) {
		size_t step = len < pool->step_bytes ? len : pool->step_bytes;

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
 * -EBUSY if another call holds the block alone or waits to, or 2^14 - 1
 * readers share it.
 */
int t_pool_read(struct t_pool *pool, u64 handle, size_t pos, void *buf,
		size_t len)
{
	if (!buf && len)
		return -EINVAL;
	return tp_access(pool, handle, 0, pos, buf, len, TP_READ);
}
EXPORT_SYMBOL_GPL(t_pool_read);

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
 */
int t_pool_write(struct t_pool *pool, u64 handle, size_t pos,
		 const void *buf, size_t len)
{
	if (!buf && len)
		return -EINVAL;
	return tp_access(pool, handle, 0, pos, (u8 *)buf, len, TP_WRITE);
}
EXPORT_SYMBOL_GPL(t_pool_write);

/**
 * t_pool_clean() - zero every byte of a block
 * @pool: the pool
 * @handle: the block
 *
 * A block larger than the pool's step size is held alone between steps.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL for a dead handle; -EBUSY if another call holds the
 * block.  Nothing is cleared on error.
 */
int t_pool_clean(struct t_pool *pool, u64 handle)
{
	size_t size = t_pool_size_of(pool, handle);

	if (!size)
		return -EINVAL;
	return tp_access(pool, handle, 0, 0, NULL, size, TP_ZERO);
}
EXPORT_SYMBOL_GPL(t_pool_clean);

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
	dsize = tp_bytes(tp_units(pool, tp_seg(pool, d)));
	ssize = tp_bytes(tp_units(pool, tp_seg(pool, n)));
	if (dsize < ssize)
		tp_refuse(pool, "copy into a smaller block");
	ckremm_unlock(&pool->lock, flags);
	if (dsize < ssize)
		return -ENOSPC;
	if (dst == src)
		return 0;
	return tp_access(pool, dst, src, 0, NULL, ssize, TP_COPY);
}
EXPORT_SYMBOL_GPL(t_pool_copy);

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
EXPORT_SYMBOL_GPL(clean_t_ptr);

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
EXPORT_SYMBOL_GPL(copy_t_ptr);

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
 * that needs it alone waits for its readers to go, or 2^14 - 1 readers
 * share it already.
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
	if (n == TP_NIL) {
		ret = -EINVAL;
	} else if (!tp_may_hold(pool, n, alone)) {
		ret = alone ? tp_busy(pool, n) : -EBUSY;
	} else {
		tp_hold_locked(pool, n, alone);
		tp_settle(pool, n, &flags);
		*addr = tp_addr_of(pool, tp_seg(pool, n)->off);
		*size = tp_bytes(tp_units(pool, tp_seg(pool, n)));
	}
	ckremm_unlock(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(t_pool_hold);

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
		u32 holds = tp_seg(pool, n)->holds;

		if (alone ? holds & TP_HELD_ALONE : holds & TP_READERS_MASK) {
			tp_unhold_locked(pool, n, alone);
			ret = 0;
		} else {
			tp_refuse(pool, "release of a hold not taken");
		}
	}
	ckremm_unlock(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(t_pool_unhold);

/* ---- pins ------------------------------------------------------------------ */

/**
 * t_pool_pin() - hold a block in place and get its address
 * @pool: the pool
 * @handle: the block
 *
 * Pins nest; the block does not move until every pin is undone with
 * t_pool_unpin().  A block in the middle of a move is moved the rest of
 * the way first, in steps with the lock dropped between them.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the block's address, or NULL for a dead handle or a block
 * already pinned U16_MAX (65535) times.
 */
void *t_pool_pin(struct t_pool *pool, u64 handle)
{
	unsigned long flags;
	void *ptr = NULL;
	u32 n;

	if (!pool)
		return NULL;
	flags = ckremm_lock(&pool->lock);
	n = tp_lookup_settled(pool, handle, &flags);
	if (n != TP_NIL) {
		struct tp_seg *s = tp_seg(pool, n);

		if (s->pins == U16_MAX) {
			tp_refuse(pool, "pin count would overflow");
		} else {
			if (!s->pins++)
				pool->pinned_blocks++;
			pool->seq++;
			ptr = tp_addr_of(pool, s->off);
		}
	}
	ckremm_unlock(&pool->lock, flags);
	return ptr;
}
EXPORT_SYMBOL_GPL(t_pool_pin);

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
	unsigned long flags;
	int ret = -EINVAL;
	u32 n;

	if (!pool)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	n = tp_lookup(pool, handle);
	if (n != TP_NIL) {
		struct tp_seg *s = tp_seg(pool, n);

		if (!s->pins) {
			tp_refuse(pool, "unpin of a block that is not pinned");
		} else {
			if (!--s->pins)
				pool->pinned_blocks--;
			pool->seq++;
			ret = 0;
		}
	}
	ckremm_unlock(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(t_pool_unpin);

/**
 * t_pool_offset_of() - where a block lives now
 * @pool: the pool
 * @handle: the block
 * @offset: receives the block's offset from the start of the arena
 *
 * Valid until the next reorder unless the block is pinned.  A block in the
 * middle of a move is moved the rest of the way first, in steps.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0, or -EINVAL for a dead handle.
 */
int t_pool_offset_of(struct t_pool *pool, u64 handle, size_t *offset)
{
	unsigned long flags;
	u32 n;

	if (!pool)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	n = tp_lookup_settled(pool, handle, &flags);
	if (n != TP_NIL)
		*offset = tp_bytes(tp_seg(pool, n)->off);
	ckremm_unlock(&pool->lock, flags);
	return n == TP_NIL ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(t_pool_offset_of);

/* ---- compaction ------------------------------------------------------------ */

/* As in the header pool: the first CKREMM_SF_TOP_SCAN runs of the top class. */
static size_t tp_largest_free(const struct t_pool *pool)
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

/*
 * One step of a reorder pass: move at most @budget bytes and look at most
 * TP_STEP_NODES segments.  Returns true while the pass has more to do.
 */
static bool tp_reorder_step_locked(struct t_pool *pool, size_t budget,
				   struct t_pool_reorder_result *res)
{
	unsigned int nodes = TP_STEP_NODES;
	struct tp_seg *hs;

	if (pool->cursor == TP_NIL)
		pool->cursor = pool->first;
	while (budget && nodes) {
		u32 hole, n;

		if (pool->move.seg != TP_NIL) {
			size_t moved = tp_move_some(pool, budget);

			budget -= moved;
			if (res)
				res->bytes_moved += moved;
			continue;
		}
		/* Next free run from the cursor. */
		for (hole = pool->cursor; hole != TP_NIL && nodes &&
		     !tp_is_free(tp_seg(pool, hole)); nodes--)
			hole = tp_seg(pool, hole)->next;
		pool->cursor = hole;
		if (hole == TP_NIL)
			goto done;
		if (!nodes)
			break;
		n = tp_seg(pool, hole)->next;
		if (n == TP_NIL)
			goto done;

		nodes--;
		if (tp_is_fixed(pool, n)) {
			pool->cursor = n;	/* step over the pinned block */
			continue;
		}
		hs = tp_seg(pool, hole);
		tp_index_remove(pool, hs, tp_units(pool, hs));
		tp_set_state(hs, TP_HOLE);
		pool->seq++;
		pool->move.seg = n;
		pool->move.hole = hole;
		pool->move.done = 0;
		if (res)
			res->blocks_moved++;
	}
	return true;

done:
	pool->cursor = TP_NIL;
	pool->reorders++;
	return false;
}

static void tp_reorder_result(struct t_pool *pool,
			      struct t_pool_reorder_result *res)
{
	if (!res)
		return;
	res->largest_free = tp_largest_free(pool);
	res->free_blocks = pool->free_blocks;
}

/**
 * t_pool_reorder_step() - run one bounded step of a reorder pass
 * @pool: the pool
 * @budget: most bytes to move in this step; 0 for the pool's step size;
 *	clamped to T_POOL_STEP_MAX
 * @res: if not NULL, bytes and blocks moved are added to it and the free
 *	figures after the step are stored
 *
 * For callers that want to spread a compaction out themselves, e.g. one
 * step per timer tick.  Several callers may step the same pass.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 1 while the pass has more to do, 0 when it has ended, -EINVAL if
 * @pool is NULL.
 */
int t_pool_reorder_step(struct t_pool *pool, size_t budget,
			struct t_pool_reorder_result *res)
{
	unsigned long flags;
	bool more;

	if (!pool)
		return -EINVAL;
	if (!budget)
		budget = pool->step_bytes;
	else if (budget > T_POOL_STEP_MAX)
		budget = T_POOL_STEP_MAX;
	flags = ckremm_lock(&pool->lock);
	more = tp_reorder_step_locked(pool, budget, res);
	tp_reorder_result(pool, res);
	ckremm_unlock(&pool->lock, flags);
	return more;
}
EXPORT_SYMBOL_GPL(t_pool_reorder_step);

/**
 * t_pool_reorder() - compact a pool: one whole reorder pass
 * @pool: the pool
 * @res: if not NULL, zeroed and then filled with what the pass did
 *
 * Runs steps of the pool's step size, dropping the lock between them,
 * from the bottom of the arena (a stepped pass under way is restarted).
 * With no pins and no concurrent allocations, all free space ends as one
 * run at the top of the arena, as large as the free byte count.  Contents
 * are preserved byte for byte; handles stay valid, addresses of unpinned
 * blocks do not.
 *
 * Context: Any context; takes the pool lock with interrupts disabled, once
 * per step.  O(blocks + bytes moved).
 * Return: 0, or -EINVAL if @pool is NULL.
 */
int t_pool_reorder(struct t_pool *pool, struct t_pool_reorder_result *res)
{
	unsigned long flags;
	int ret;

	if (res)
		memset(res, 0, sizeof(*res));
	if (!pool)
		return -EINVAL;
	/*
	 * Start over from the bottom of the arena even if a stepped pass is
	 * under way: holes may have opened behind its cursor.
	 */
	flags = ckremm_lock(&pool->lock);
	pool->cursor = pool->first;
	ckremm_unlock(&pool->lock, flags);
	do
		ret = t_pool_reorder_step(pool, 0, res);
	while (ret > 0);
	return ret;
}
EXPORT_SYMBOL_GPL(t_pool_reorder);

/**
 * reorder_t_mem() - compact a pool (the seed's call)
 * @pool: the pool
 *
 * Same as t_pool_reorder().  Every address of an unpinned block obtained
 * before the call may be stale after it.
 *
 * Context: Any context; see t_pool_reorder().
 * Return: true, or false if @pool is NULL.
 */
bool reorder_t_mem(struct t_pool *pool)
{
	return !t_pool_reorder(pool, NULL);
}
EXPORT_SYMBOL_GPL(reorder_t_mem);

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
	if (stats->free_bytes)
		stats->frag_permille = 1000 - ckremm_permille(stats->largest_free,
							      stats->free_bytes);
	ckremm_unlock(&pool->lock, flags);
}
EXPORT_SYMBOL_GPL(t_pool_get_stats);

static int tp_fault(struct t_pool_fault *f, u32 off, const char *reason)
{
	if (f) {
		f->offset = tp_bytes(off);
		f->reason = reason;
	}
	return -EUCLEAN;
}

/*
 * A stepped whole-pool check: runs, then spare nodes, then regions, then
 * the index.
 */
struct tp_check {
	u32 seq;
	int phase;
	u32 n;			/* next run, spare node or region */
	u32 prev;
	u32 off;
	bool prev_free;
	size_t nodes;
	size_t runs;
	size_t used;
	size_t used_blocks;
	size_t free_runs;
	size_t pinned;
	struct ckremm_sf_check index;
};

/* The first run that starts in a region must be the region's. */
static bool tp_region_ok(const struct t_pool *pool, const struct tp_check *c)
{
	bool first = c->prev == TP_NIL ||
		     tp_seg(pool, c->prev)->off >> TP_REGION_SHIFT !=
		     c->off >> TP_REGION_SHIFT;

	return !first || *tp_region_of(pool, c->off) == c->n;
}

/* Look at up to @budget runs; 1 when they are all checked. */
static int tp_check_runs(struct t_pool *pool, struct tp_check *c,
			 struct t_pool_fault *f, unsigned int *budget)
{
	for (; c->n != TP_NIL && *budget; (*budget)--) {
		const struct tp_seg *s;
		u32 state, end;

		if (!tp_node_exists(pool, c->n) ||
		    ++c->runs > (size_t)pool->chunks * TP_CHUNK_NODES)
			return tp_fault(f, c->off, "run list leads astray");
		s = tp_seg(pool, c->n);
		state = tp_state(s);
		if (s->next != TP_NIL && !tp_node_exists(pool, s->next))
			return tp_fault(f, c->off, "run list leads astray");
		end = tp_end(pool, s);
		if (tp_prev(s) != c->prev || s->off != c->off ||
		    end <= s->off || end > pool->arena_units ||
		    state == TP_SPARE)
			return tp_fault(f, c->off, "run does not follow the one before it");
		if (!tp_region_ok(pool, c))
			return tp_fault(f, c->off, "run missing from the region table");
		if (state == TP_HOLE) {
			if (pool->move.hole != c->n || s->next != pool->move.seg)
				return tp_fault(f, c->off, "hole without a block moving into it");
		} else if (state == TP_USED) {
			c->used += end - s->off;
			c->used_blocks++;
			c->pinned += !!s->pins;
		} else {
			if (c->prev_free)
				return tp_fault(f, c->off, "two adjacent free runs");
			c->free_runs++;
		}
		c->prev_free = state == TP_FREE;
		c->prev = c->n;
		c->off = end;
		c->n = s->next;
	}
	if (c->n != TP_NIL)
		return 0;
	if (c->off != pool->arena_units)
		return tp_fault(f, c->off, "runs do not cover the arena");
	if (c->used != pool->used_units || c->used_blocks != pool->used_blocks ||
	    c->free_runs != pool->free_blocks || c->pinned != pool->pinned_blocks)
		return tp_fault(f, 0, "counts disagree with the statistics");
	return 1;
}

/* Look at up to @budget spare nodes; 1 when they are all checked. */
static int tp_check_spares(struct t_pool *pool, struct tp_check *c,
			   struct t_pool_fault *f, unsigned int *budget)
{
	for (; c->n != TP_NIL && *budget; (*budget)--) {
		if (!tp_node_exists(pool, c->n) ||
		    ++c->nodes > (size_t)pool->chunks * TP_CHUNK_NODES ||
		    tp_state(tp_seg(pool, c->n)) != TP_SPARE)
			return tp_fault(f, 0, "spare node list broken");
		c->n = tp_seg(pool, c->n)->link_next;
	}
	if (c->n != TP_NIL)
		return 0;
	if (c->nodes + c->runs != (size_t)pool->chunks * TP_CHUNK_NODES)
		return tp_fault(f, 0, "nodes lost");
	return 1;
}

/*
 * Look at up to @budget regions; 1 when they are all checked.  Each names
 * no run, or a run that starts in it after one that does not.
 */
static int tp_check_regions(struct t_pool *pool, struct tp_check *c,
			    struct t_pool_fault *f, unsigned int *budget)
{
	for (; c->n < pool->regions && *budget; (*budget)--, c->n++) {
		u32 n = pool->region[c->n], prev;
		const struct tp_seg *s;

		if (n == TP_NIL)
			continue;
		s = tp_node_exists(pool, n) ? tp_seg(pool, n) : NULL;
		prev = s ? tp_prev(s) : TP_NIL;
		if (!s || tp_state(s) == TP_SPARE ||
		    s->off >> TP_REGION_SHIFT != c->n ||
		    (prev != TP_NIL &&
		     tp_seg(pool, prev)->off >> TP_REGION_SHIFT == c->n))
			return tp_fault(f, c->n << TP_REGION_SHIFT,
					"region table names a wrong run");
	}
	return c->n == pool->regions;
}

static bool tp_check_run(const void *p, u32 n, struct ckremm_sf_run *r)
{
	const struct t_pool *pool = p;
	const struct tp_seg *s;

	if (!tp_node_exists(pool, n))
		return false;
	s = tp_seg(pool, n);
	if (!tp_is_free(s) || (s->next != TP_NIL && !tp_node_exists(pool, s->next)))
		return false;
	r->units = tp_units(pool, s);
	r->next = s->link_next;
	r->prev = s->link_prev;
	return true;
}

/* One step of a check; 1 when complete. */
static int tp_check_step(struct t_pool *pool, struct tp_check *c,
			 struct t_pool_fault *f)
{
	unsigned int budget = TP_CHECK_NODES;
	const char *why;
	u32 where;
	int ret;

	if (c->phase == 0) {
		ret = tp_check_runs(pool, c, f, &budget);
		if (ret <= 0)
			return ret;
		c->phase = 1;
		c->n = pool->spare;
	}
	if (c->phase == 1) {
		ret = tp_check_spares(pool, c, f, &budget);
		if (ret <= 0)
			return ret;
		c->phase = 2;
		c->n = 0;
	}
	if (c->phase == 2) {
		ret = tp_check_regions(pool, c, f, &budget);
		if (ret <= 0)
			return ret;
		c->phase = 3;
	}
	ret = ckremm_sf_check_step(&pool->index, &c->index, c->free_runs,
				   &budget, tp_check_run, pool, &why, &where);
	if (ret < 0)
		return tp_fault(f, where == TP_NIL || !tp_node_exists(pool, where) ?
				0 : tp_seg(pool, where)->off, why);
	return ret;
}

/**
 * t_pool_validate() - check the whole structure of a pool
 * @pool: the pool
 * @fault: if not NULL, receives the first inconsistency found
 *
 * Walks the runs (they must tile the arena in order, be found through the
 * region table and never leave two free runs side by side), the spare
 * nodes (with the runs they must make up every node of every chunk), the
 * region table and the free index, and compares the totals with the
 * statistics.  O(blocks + chunks + arena / 4 KiB), in steps of
 * TP_CHECK_NODES with the lock dropped between them; a change to the pool
 * between two steps starts the check again, so the result is that of one
 * consistent state.  Valid in the middle of a reorder pass too.  Meant
 * for tests and debugging.
 *
 * Context: Any context; takes the pool lock with interrupts disabled, once
 * per step.
 * Return: 0 if consistent, -EUCLEAN if not, -EBUSY if the pool changed
 * under every one of TP_CHECK_TRIES attempts, -EINVAL if @pool is NULL.
 */
int t_pool_validate(struct t_pool *pool, struct t_pool_fault *fault)
{
	struct tp_check c = { 0 };
	unsigned int tries = 0;
	unsigned long flags;
	int ret;

	if (!pool)
		return -EINVAL;
	do {
		flags = ckremm_lock(&pool->lock);
		if (!tries || c.seq != pool->seq) {
			if (tries++ == TP_CHECK_TRIES) {
				ckremm_unlock(&pool->lock, flags);
				if (fault)
					fault->reason = "pool kept changing: try again";
				return -EBUSY;
			}
			memset(&c, 0, sizeof(c));
			c.seq = pool->seq;
			c.n = pool->first;
			c.prev = TP_NIL;
		}
		ret = tp_check_step(pool, &c, fault);
		ckremm_unlock(&pool->lock, flags);
	} while (!ret);
	return ret < 0 ? ret : 0;
}
EXPORT_SYMBOL_GPL(t_pool_validate);

/*
 * The run containing byte @pos (or the first after it), pool lock held on
 * entry and on return.  A run that starts at @pos is found through the
 * region table; anything else is sought from the bottom of the arena in
 * steps of TP_CHECK_NODES, the lock dropped between them.
 */
static u32 tp_seek(struct t_pool *pool, size_t pos, unsigned long *flags)
{
	unsigned int tries = 0, i;
	u32 n, seq;

	if (!(pos & (TP_GRANULE - 1)) && pos < pool->arena_size) {
		n = tp_find_start(pool, (u32)(pos >> TP_SHIFT));
		if (n != TP_NIL)
			return n;
	}
	n = pool->first;
	for (;;) {
		for (i = 0; i < TP_CHECK_NODES; i++) {
			if (n == TP_NIL ||
			    tp_bytes(tp_end(pool, tp_seg(pool, n))) > pos)
				return n;
			n = tp_seg(pool, n)->next;
		}
		seq = pool->seq;
		ckremm_unlock(&pool->lock, *flags);
		*flags = ckremm_lock(&pool->lock);
		/* The runs changed: our node may be gone; start again. */
		if (pool->seq != seq)
			n = tries++ < TP_CHECK_TRIES ? pool->first : TP_NIL;
	}
}

/**
 * t_pool_walk() - report the runs of a pool in address order
 * @pool: the pool
 * @cursor: 0 to start; on return, where to continue (the arena size once
 *	the walk has reached the end)
 * @out: receives up to @max extents
 * @max: room in @out
 *
 * The walk starts at the run that contains @cursor.  It holds the lock for
 * at most @max runs, plus the search for @cursor when it is not the start
 * of a run, which proceeds in steps (see tp_seek()).  A block in transit
 * is shown where its move began.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the number of extents written.
 */
unsigned int t_pool_walk(struct t_pool *pool, size_t *cursor,
			 struct t_pool_extent *out, unsigned int max)
{
	unsigned long flags;
	unsigned int i = 0;
	u32 n;

	if (!pool || !cursor || !out)
		return 0;
	flags = ckremm_lock(&pool->lock);
	for (n = tp_seek(pool, *cursor, &flags); n != TP_NIL && i < max;
	     n = tp_seg(pool, n)->next, i++) {
		const struct tp_seg *s = tp_seg(pool, n);
		bool used = tp_is_used(s);

		out[i].offset = tp_bytes(s->off);
		out[i].size = tp_bytes(tp_units(pool, s));
		out[i].handle = used ? tp_handle(pool, n) : T_POOL_NO_HANDLE;
		out[i].pinned = used && s->pins;
	}
	*cursor = n != TP_NIL ? tp_bytes(tp_seg(pool, n)->off) : pool->arena_size;
	ckremm_unlock(&pool->lock, flags);
	return i;
}
EXPORT_SYMBOL_GPL(t_pool_walk);

/**
 * t_pool_arena() - where a pool's arena lies
 * @pool: the pool
 * @size: if not NULL, receives the arena's size in bytes
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
EXPORT_SYMBOL_GPL(t_pool_arena);
