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
 *   segments   one node per run of the arena, used or free, linked in
 *              address order; free runs are also filed in a segregated-fit
 *              index (ckremm_segfit.h) for O(1) good-fit allocation
 *   slots      the handle table: slot i names segment slots[i].seg and
 *              carries a generation and a pin count; a handle is
 *              (generation << 32) | (i + 1), so handle 0 is never valid and
 *              a stale handle's generation no longer matches
 *   offsets    an open-addressing hash from a used block's arena offset to
 *              its segment, for the seed calls that take a pointer
 *
 * Freed slots are reused first in, first out, so a slot comes back only
 * after every other free slot has been used: a stale handle would have to
 * survive 2^32 reuses of its own slot to be honoured by mistake.
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
 * is a word of the block's slot; taking one is refused with -EBUSY, never
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
 * Allocation, free, handle lookup, pin and unpin are O(1) (the pointer
 * calls add one hash probe sequence, O(1) expected).  Reads, writes,
 * copies and clears are O(bytes), in steps.  A reorder pass is
 * O(blocks + bytes moved) in steps of bounded size.  t_pool_validate() and
 * the search for a walk's cursor are O(blocks), also in steps of bounded
 * size; no call keeps interrupts off for longer than one step.
 *
 * Memory: the arena; per table slot 16 bytes of slot, 8 bytes of hash and
 * 64 bytes of segment nodes (two per slot, for a used block and the free
 * run after it): 88 bytes per slot, plus the pool structure.
 *
 * Context
 * -------
 * Every call takes the pool's raw spinlock with interrupts disabled and
 * may be made from any context, hard interrupts included, except creation
 * and destruction, which may sleep.  Long work drops the lock between
 * steps, which shortens the hold but not the caller's own section: a
 * whole reorder or validate called from interrupt context, or under a
 * lock of the caller's, runs until it ends with interrupts off.  Such
 * callers step a reorder themselves with t_pool_reorder_step().
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

#define TP_USED			0x1U	/* names a live block */
#define TP_HOLE			0x2U	/* free run a block is moving into */

/*
 * struct tp_seg - one run of the arena
 * @off: where the run starts, in 16-byte units
 * @units: its length in 16-byte units
 * @prev: the segment before it in the arena, or TP_NIL
 * @next: the segment after it in the arena, or TP_NIL
 * @link_prev: previous free run of its class (free runs only)
 * @link_next: next free run of its class, or next spare node
 * @slot: the handle slot of a used block
 * @flags: TP_USED, TP_HOLE
 */
struct tp_seg {
	u32 off;
	u32 units;
	u32 prev;
	u32 next;
	u32 link_prev;
	u32 link_next;
	u32 slot;
	u32 flags;
};

/*
 * struct tp_slot - one entry of the handle table
 * @seg: the block's segment, or TP_NIL when the slot is free
 * @gen: generation, bumped by every free
 * @pins: how many pins hold the block in place
 * @next_free: free slot: next slot in the FIFO of free slots
 * @holds: live block: TP_HELD_ALONE, or how many calls share a hold and
 *	TP_WRITER_WAITS
 */
struct tp_slot {
	u32 seg;
	u32 gen;
	u32 pins;
	union {
		u32 next_free;
		u32 holds;
	};
};

#define TP_HELD_ALONE		BIT(31)
#define TP_WRITER_WAITS		BIT(30)	/* refused for readers: no new readers */
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

	struct tp_seg *segs;
	u32 seg_count;
	u32 spare;
	u32 first;
	struct ckremm_segfit index;

	struct tp_slot *slots;
	u32 capacity;
	u32 slot_head;
	u32 slot_tail;

	u32 *hash;
	u32 hash_mask;
	u32 hash_mult;	/* random and odd: see tp_hash_home() */
	u32 hash_shift;

	u32 seq;	/* bumped by every change to segments, index or pins */

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

static bool tp_is_free(const struct tp_seg *s)
{
	return !(s->flags & (TP_USED | TP_HOLE));
}

static void tp_refuse(struct t_pool *pool, const char *why)
{
	pool->refused_calls++;
	ckremm_warn("t_pool: %s\n", why);
}

/* ---- segment nodes --------------------------------------------------- */

static u32 tp_node_get(struct t_pool *pool)
{
	u32 n = pool->spare;

	if (n != TP_NIL)
		pool->spare = pool->segs[n].link_next;
	return n;
}

/* Release node @n, which was merged into @survivor. */
static void tp_node_put(struct t_pool *pool, u32 n, u32 survivor)
{
	if (pool->cursor == n)
		pool->cursor = survivor;
	pool->seq++;
	pool->segs[n].flags = 0;
	pool->segs[n].units = 0;
	pool->segs[n].link_next = pool->spare;
	pool->spare = n;
}

/* Unlink @n from the address order. */
static void tp_unlink(struct t_pool *pool, u32 n)
{
	struct tp_seg *s = &pool->segs[n];

	pool->seq++;
	if (s->prev != TP_NIL)
		pool->segs[s->prev].next = s->next;
	else
		pool->first = s->next;
	if (s->next != TP_NIL)
		pool->segs[s->next].prev = s->prev;
}

/* Link @n into the address order right after @at. */
static void tp_link_after(struct t_pool *pool, u32 at, u32 n)
{
	struct tp_seg *s = &pool->segs[n];

	pool->seq++;
	s->prev = at;
	s->next = pool->segs[at].next;
	if (s->next != TP_NIL)
		pool->segs[s->next].prev = n;
	pool->segs[at].next = n;
}

/* ---- the free index ---------------------------------------------------- */

static void tp_index_insert(struct t_pool *pool, u32 n)
{
	struct tp_seg *s = &pool->segs[n];
	unsigned int fl, sl;
	u32 head;

	ckremm_sf_class(s->units, &fl, &sl);
	head = pool->index.heads[fl][sl];
	s->link_next = head;
	s->link_prev = TP_NIL;
	if (head != TP_NIL)
		pool->segs[head].link_prev = n;
	pool->index.heads[fl][sl] = n;
	ckremm_sf_set(&pool->index, fl, sl, true);
	pool->free_blocks++;
	pool->seq++;
}

static void tp_index_remove(struct t_pool *pool, u32 n)
{
	struct tp_seg *s = &pool->segs[n];
	unsigned int fl, sl;

	ckremm_sf_class(s->units, &fl, &sl);
	if (s->link_next != TP_NIL)
		pool->segs[s->link_next].link_prev = s->link_prev;
	if (s->link_prev != TP_NIL) {
		pool->segs[s->link_prev].link_next = s->link_next;
	} else {
		pool->index.heads[fl][sl] = s->link_next;
		if (s->link_next == TP_NIL)
			ckremm_sf_set(&pool->index, fl, sl, false);
	}
	pool->free_blocks--;
	pool->seq++;
}

static u32 tp_find_free(struct t_pool *pool, u32 units)
{
	unsigned int fl, sl;
	u32 head;

	ckremm_sf_class(units, &fl, &sl);
	head = pool->index.heads[fl][sl];
	if (head != TP_NIL && pool->segs[head].units >= units)
		return head;
	return ckremm_sf_search(&pool->index, units);
}

/* ---- offset hash ------------------------------------------------------- */

/*
 * Multiply-shift hashing with a multiplier drawn at random per pool: the
 * top bits of off * mult.  Callers choose block sizes and so offsets; with
 * a fixed multiplier they could pile their blocks into one long probe run
 * and make every lookup under the lock walk it.  A random multiplier keeps
 * the expected run short for any set of offsets chosen without knowing it.
 */
static u32 tp_hash_home(const struct t_pool *pool, u32 off)
{
	return (off * pool->hash_mult) >> pool->hash_shift;
}

static void tp_hash_insert(struct t_pool *pool, u32 n)
{
	u32 i = tp_hash_home(pool, pool->segs[n].off);

	while (pool->hash[i] != TP_NIL)
		i = (i + 1) & pool->hash_mask;
	pool->hash[i] = n;
}

static u32 tp_hash_find(const struct t_pool *pool, u32 off)
{
	u32 i = tp_hash_home(pool, off);
	u32 n;

	while ((n = pool->hash[i]) != TP_NIL) {
		if (pool->segs[n].off == off && (pool->segs[n].flags & TP_USED))
			return n;
		i = (i + 1) & pool->hash_mask;
	}
	return TP_NIL;
}

/* Remove @n; entries after it shift back so probe sequences stay whole. */
static void tp_hash_remove(struct t_pool *pool, u32 n)
{
	u32 i = tp_hash_home(pool, pool->segs[n].off);
	u32 j;

	while (pool->hash[i] != n)
		i = (i + 1) & pool->hash_mask;
	for (j = (i + 1) & pool->hash_mask; pool->hash[j] != TP_NIL;
	     j = (j + 1) & pool->hash_mask) {
		u32 home = tp_hash_home(pool, pool->segs[pool->hash[j]].off);

		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if (((j - home) & pool->hash_mask) >= ((j - i) & pool->hash_mask)) {
			pool->hash[i] = pool->hash[j];
			i = j;
		}
	}
	pool->hash[i] = TP_NIL;
}

/* ---- handles ----------------------------------------------------------- */

static u64 tp_handle(const struct t_pool *pool, u32 slot)
{
	return ((u64)pool->slots[slot].gen << 32) | (slot + 1);
}

/* Segment of a live handle, or TP_NIL (refused and reported). */
static u32 tp_find(const struct t_pool *pool, u64 handle)
{
	u32 slot = (u32)handle - 1;

	if ((u32)handle == 0 || slot >= pool->capacity ||
	    pool->slots[slot].gen != (u32)(handle >> 32))
		return TP_NIL;
	return pool->slots[slot].seg;
}

/* As tp_find(), and a dead handle is refused and reported. */
static u32 tp_lookup(struct t_pool *pool, u64 handle)
{
	u32 n = tp_find(pool, handle);

	if (n == TP_NIL)
		tp_refuse(pool, "stale, freed or forged handle");
	return n;
}

/* Segment of the used block that starts at @ptr, or TP_NIL (refused). */
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
	n = tp_hash_find(pool, (u32)((p - base) >> TP_SHIFT));
	if (n == TP_NIL)
		tp_refuse(pool, "pointer not at a live block (freed, or moved by a reorder?)");
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
	const struct tp_seg *s = &pool->segs[n];
	size_t size = tp_bytes(s->units);

	if (pool->move.seg == n) {
		size_t done = pool->move.done;
		u32 dst = pool->segs[pool->move.hole].off;

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
	struct tp_seg *s = &pool->segs[n], *hole = &pool->segs[h];
	u32 next;

	tp_hash_remove(pool, n);
	s->off = hole->off;
	hole->off = s->off + s->units;
	tp_hash_insert(pool, n);

	/* Address order [prev, hole, s, next] becomes [prev, s, hole, next]. */
	tp_unlink(pool, h);
	tp_link_after(pool, n, h);
	hole->flags = 0;
	pool->move.seg = TP_NIL;
	pool->move.hole = TP_NIL;

	next = hole->next;
	if (next != TP_NIL && tp_is_free(&pool->segs[next])) {
		tp_index_remove(pool, next);
		hole->units += pool->segs[next].units;
		tp_unlink(pool, next);
		tp_node_put(pool, next, h);
	}
	tp_index_insert(pool, h);
}

/* Copy up to @budget more bytes of the block in transit.  Returns bytes. */
static size_t tp_move_some(struct t_pool *pool, size_t budget)
{
	struct tp_seg *s = &pool->segs[pool->move.seg];
	size_t size = tp_bytes(s->units);
	size_t n = size - pool->move.done;
	u8 *dst = tp_addr_of(pool, pool->segs[pool->move.hole].off);

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

static struct tp_slot *tp_slot_of(struct t_pool *pool, u32 n)
{
	return &pool->slots[pool->segs[n].slot];
}

/*
 * Whether used block @n may take a hold, @alone or shared.  No new reader
 * joins while a call that needs the block alone waits for the readers to
 * drain (TP_WRITER_WAITS), so overlapping readers cannot shut writers out.
 */
static bool tp_may_hold(struct t_pool *pool, u32 n, bool alone)
{
	u32 holds = tp_slot_of(pool, n)->holds;

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
	struct tp_slot *slot = tp_slot_of(pool, n);

	if (slot->holds & TP_READERS_MASK)
		slot->holds |= TP_WRITER_WAITS;
	return -EBUSY;
}

static void tp_hold_locked(struct t_pool *pool, u32 n, bool alone)
{
	tp_slot_of(pool, n)->holds += alone ? TP_HELD_ALONE : 1;
}

static void tp_unhold_locked(struct t_pool *pool, u32 n, bool alone)
{
	struct tp_slot *slot = tp_slot_of(pool, n);

	if (alone)
		slot->holds &= ~TP_HELD_ALONE;
	else
		slot->holds--;
	/* The last reader gone, no writer waits for readers any more. */
	if (!(slot->holds & TP_READERS_MASK))
		slot->holds &= ~TP_WRITER_WAITS;
}

/* Pinned and held blocks stay where they are. */
static bool tp_is_fixed(struct t_pool *pool, u32 n)
{
	const struct tp_slot *slot = tp_slot_of(pool, n);

	return slot->pins || slot->holds;
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

static void tp_account_used(struct t_pool *pool, u32 units)
{
	pool->used_units += units;
	if (pool->used_units > pool->peak_units)
		pool->peak_units = pool->used_units;
}

/* Allocate @units; returns the handle slot or TP_NIL (caller counts it). */
static u32 tp_alloc_locked(struct t_pool *pool, u32 units)
{
	u32 n, rest, slot = pool->slot_head;
	struct tp_seg *s;

	if (slot == TP_NIL)
		return TP_NIL;
	n = tp_find_free(pool, units);
	if (n == TP_NIL)
		return TP_NIL;
	tp_index_remove(pool, n);
	s = &pool->segs[n];

	/* Split off the rest; with no spare node the block keeps it. */
	if (s->units > units) {
		rest = tp_node_get(pool);
		if (rest != TP_NIL) {
			struct tp_seg *r = &pool->segs[rest];

			r->off = s->off + units;
			r->units = s->units - units;
			r->flags = 0;
			s->units = units;
			tp_link_after(pool, n, rest);
			tp_index_insert(pool, rest);
		}
	}

	pool->slot_head = pool->slots[slot].next_free;
	if (pool->slot_head == TP_NIL)
		pool->slot_tail = TP_NIL;
	pool->slots[slot].seg = n;
	pool->slots[slot].pins = 0;
	pool->slots[slot].holds = 0;
	s->flags = TP_USED;
	s->slot = slot;
	tp_hash_insert(pool, n);
	tp_account_used(pool, s->units);
	pool->used_blocks++;
	return slot;
}

static void tp_free_locked(struct t_pool *pool, u32 n)
{
	struct tp_seg *s = &pool->segs[n];
	u32 slot = s->slot, other;

	pool->slots[slot].seg = TP_NIL;
	pool->slots[slot].gen++;
	pool->slots[slot].next_free = TP_NIL;
	if (pool->slot_tail != TP_NIL)
		pool->slots[pool->slot_tail].next_free = slot;
	else
		pool->slot_head = slot;
	pool->slot_tail = slot;

	tp_hash_remove(pool, n);
	pool->used_units -= s->units;
	pool->used_blocks--;
	s->flags = 0;

	/* A block freed in transit ends its move: it and its hole are free. */
	if (pool->move.seg == n) {
		other = pool->move.hole;
		pool->move.seg = TP_NIL;
		pool->move.hole = TP_NIL;
		pool->segs[other].flags = 0;
		pool->segs[other].units += s->units;
		tp_unlink(pool, n);
		tp_node_put(pool, n, other);
		n = other;
		s = &pool->segs[n];
	}

	other = s->next;
	if (other != TP_NIL && tp_is_free(&pool->segs[other])) {
		tp_index_remove(pool, other);
		s->units += pool->segs[other].units;
		tp_unlink(pool, other);
		tp_node_put(pool, other, n);
	}
	other = s->prev;
	if (other != TP_NIL && tp_is_free(&pool->segs[other])) {
		tp_index_remove(pool, other);
		pool->segs[other].units += s->units;
		tp_unlink(pool, n);
		tp_node_put(pool, n, other);
		n = other;
	}
	tp_index_insert(pool, n);
}

/* ---- creation ------------------------------------------------------------ */

/**
 * t_pool_create() - create a table pool with a given table capacity
 * @size: arena bytes; rounded down to a multiple of 16
 * @capacity: handle table slots (most blocks live at once), or 0 for one
 *	slot per 256 bytes of arena, at least 64
 *
 * Bookkeeping costs 88 bytes per slot outside the arena (see the top of
 * this file); both arena and tables are zeroed, and in the kernel charged
 * to the caller's memory cgroup.
 *
 * Context: Process context; may sleep.
 * Return: the pool, or NULL if @size is below 16 or above T_POOL_MAX_SIZE,
 * @capacity above T_POOL_MAX_CAPACITY, or memory is short.
 */
struct t_pool *t_pool_create(size_t size, unsigned int capacity)
{
	struct t_pool *pool;
	u32 i, hash_size, shift;

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
	for (hash_size = 2, shift = 31; hash_size < 2 * capacity; hash_size <<= 1)
		shift--;

	pool = ckremm_meta_zalloc(sizeof(*pool));
	if (!pool)
		return NULL;
	pool->capacity = capacity;
	pool->seg_count = 2 * capacity + 2;
	pool->hash_mask = hash_size - 1;
	pool->hash_shift = shift;
	pool->hash_mult = ckremm_random_u32() | 1;
	pool->segs = ckremm_meta_zalloc(pool->seg_count * sizeof(*pool->segs));
	pool->slots = ckremm_meta_zalloc(capacity * sizeof(*pool->slots));
	pool->hash = ckremm_meta_zalloc(hash_size * sizeof(*pool->hash));
	pool->arena = ckremm_arena_alloc(size);
	if (!pool->segs || !pool->slots || !pool->hash || !pool->arena) {
		destroy_t_pool(pool);
		return NULL;
	}

	ckremm_lock_init(&pool->lock);
	pool->arena_size = size;
	pool->arena_units = (u32)(size >> TP_SHIFT);
	pool->step_bytes = CKREMM_STEP_BYTES;
	pool->move.seg = TP_NIL;
	pool->move.hole = TP_NIL;
	pool->cursor = TP_NIL;
	memset(pool->hash, 0xff, hash_size * sizeof(*pool->hash));
	ckremm_sf_init(&pool->index);

	for (i = 0; i < capacity; i++) {
		pool->slots[i].seg = TP_NIL;
		pool->slots[i].gen = 1;
		pool->slots[i].next_free = i + 1 < capacity ? i + 1 : TP_NIL;
	}
	pool->slot_head = 0;
	pool->slot_tail = capacity - 1;

	/* Node 0 is the whole arena; the rest are spare. */
	pool->spare = TP_NIL;
	for (i = pool->seg_count - 1; i > 0; i--) {
		pool->segs[i].link_next = pool->spare;
		pool->spare = i;
	}
	pool->segs[0].off = 0;
	pool->segs[0].units = pool->arena_units;
	pool->segs[0].prev = TP_NIL;
	pool->segs[0].next = TP_NIL;
	pool->first = 0;
	tp_index_insert(pool, 0);
	return pool;
}
EXPORT_SYMBOL_GPL(t_pool_create);

/**
 * create_t_pool() - create a table pool
 * @size: arena bytes; rounded down to a multiple of 16
 *
 * Same as t_pool_create() with the default table capacity: one slot per
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
	ckremm_might_sleep();
	if (!pool)
		return false;
	if (pool->arena)
		ckremm_arena_free(pool->arena);
	ckremm_meta_free(pool->hash);
	ckremm_meta_free(pool->slots);
	ckremm_meta_free(pool->segs);
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
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the block's handle, or T_POOL_NO_HANDLE if nothing fits, the
 * table is full, or the request is refused (size 0 or impossible, unknown
 * flags).
 */
u64 t_pool_alloc_handle(struct t_pool *pool, size_t size, unsigned int flags)
{
	unsigned long irqflags;
	u64 handle = T_POOL_NO_HANDLE;
	bool retry;
	u32 units, slot;

	if (!pool) {
		ckremm_warn("t_pool: alloc from a NULL pool\n");
		return T_POOL_NO_HANDLE;
	}
	irqflags = ckremm_lock(&pool->lock);
	if (!tp_units_for(size, &units) || (flags & ~T_POOL_REORDER_ON_FAIL)) {
		tp_refuse(pool, "alloc of size 0, of an impossible size, or with unknown flags");
		goto out;
	}
	slot = tp_alloc_locked(pool, units);
	retry = slot == TP_NIL && (flags & T_POOL_REORDER_ON_FAIL) &&
		pool->slot_head != TP_NIL &&
		tp_bytes(pool->arena_units) - tp_bytes(pool->used_units) >=
		tp_bytes(units);
	if (retry) {
		ckremm_unlock(&pool->lock, irqflags);
		t_pool_reorder(pool, NULL);
		irqflags = ckremm_lock(&pool->lock);
		slot = tp_alloc_locked(pool, units);
	}
	if (slot != TP_NIL)
		handle = tp_handle(pool, slot);
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
	if (n == TP_NIL)
		return -EINVAL;
	if (pool->slots[pool->segs[n].slot].pins) {
		tp_refuse(pool, "free of a pinned block");
		return -EBUSY;
	}
	if (pool->slots[pool->segs[n].slot].holds)
		return tp_busy(pool, n);
	tp_free_locked(pool, n);
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
		ptr = tp_addr_of(pool, pool->segs[n].off);
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
		handle = tp_handle(pool, pool->segs[n].slot);
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
		size = tp_bytes(pool->segs[n].units);
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
	if (pos > tp_bytes(pool->segs[n].units) ||
	    len > tp_bytes(pool->segs[n].units) - pos ||
	    (op == TP_COPY && tp_bytes(pool->segs[src].units) - pos < len)) {
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
 * -EBUSY if another call holds the block alone or waits to, or 2^30 - 1
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
	dsize = tp_bytes(pool->segs[d].units);
	ssize = tp_bytes(pool->segs[n].units);
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
 * that needs it alone waits for its readers to go, or 2^30 - 1 readers
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
		*addr = tp_addr_of(pool, pool->segs[n].off);
		*size = tp_bytes(pool->segs[n].units);
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
		u32 holds = tp_slot_of(pool, n)->holds;

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
 * already pinned U32_MAX times.
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
		struct tp_slot *slot = &pool->slots[pool->segs[n].slot];

		if (slot->pins == U32_MAX) {
			tp_refuse(pool, "pin count would overflow");
		} else {
			if (!slot->pins++)
				pool->pinned_blocks++;
			pool->seq++;
			ptr = tp_addr_of(pool, pool->segs[n].off);
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
		struct tp_slot *slot = &pool->slots[pool->segs[n].slot];

		if (!slot->pins) {
			tp_refuse(pool, "unpin of a block that is not pinned");
		} else {
			if (!--slot->pins)
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
		*offset = tp_bytes(pool->segs[n].off);
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
	     n = pool->segs[n].link_next) {
		if (pool->segs[n].units > best)
			best = pool->segs[n].units;
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
		     !tp_is_free(&pool->segs[hole]); nodes--)
			hole = pool->segs[hole].next;
		pool->cursor = hole;
		if (hole == TP_NIL)
			goto done;
		if (!nodes)
			break;
		if (pool->segs[hole].next == TP_NIL)
			goto done;

		n = pool->segs[hole].next;
		nodes--;
		if (tp_is_fixed(pool, n)) {
			pool->cursor = n;	/* step over the pinned block */
			continue;
		}
		tp_index_remove(pool, hole);
		pool->segs[hole].flags = TP_HOLE;
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

/**
 * t_pool_get_stats() - take a consistent snapshot of a pool's figures
 * @pool: the pool
 * @stats: filled in
 *
 * O(1): the largest free run is looked for among the first runs of the
 * highest non-empty size class, as for the header pool.
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
	stats->meta_bytes = sizeof(*pool) +
			    pool->seg_count * sizeof(*pool->segs) +
			    pool->capacity * sizeof(*pool->slots) +
			    ((size_t)pool->hash_mask + 1) * sizeof(*pool->hash);
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

/* A stepped whole-pool check: segments, then free slots, then the index. */
struct tp_check {
	u32 seq;
	int phase;
	u32 n;			/* next segment, or next free slot */
	u32 prev;
	u32 off;
	bool prev_free;
	size_t nodes;
	size_t used;
	size_t used_blocks;
	size_t free_runs;
	size_t pinned;
	struct ckremm_sf_check index;
};

/* Look at up to @budget segments; 1 when they are all checked. */
static int tp_check_segments(struct t_pool *pool, struct tp_check *c,
			     struct t_pool_fault *f, unsigned int *budget)
{
	for (; c->n != TP_NIL && *budget; (*budget)--) {
		const struct tp_seg *s = &pool->segs[c->n];

		if (c->n >= pool->seg_count || ++c->nodes > pool->seg_count)
			return tp_fault(f, c->off, "segment list leads astray");
		if (s->prev != c->prev || s->off != c->off || !s->units ||
		    s->units > pool->arena_units - c->off)
			return tp_fault(f, c->off, "segment does not follow the one before it");
		if (s->flags & TP_HOLE) {
			if (pool->move.hole != c->n || s->next != pool->move.seg)
				return tp_fault(f, c->off, "hole without a block moving into it");
		} else if (s->flags & TP_USED) {
			if (s->slot >= pool->capacity || pool->slots[s->slot].seg != c->n)
				return tp_fault(f, c->off, "block and handle table disagree");
			if (tp_hash_find(pool, s->off) != c->n)
				return tp_fault(f, c->off, "block missing from the offset hash");
			c->used += s->units;
			c->used_blocks++;
			c->pinned += !!pool->slots[s->slot].pins;
		} else {
			if (c->prev_free)
				return tp_fault(f, c->off, "two adjacent free runs");
			c->free_runs++;
		}
		c->prev_free = tp_is_free(s);
		c->prev = c->n;
		c->off += s->units;
		c->n = s->next;
	}
	if (c->n != TP_NIL)
		return 0;
	if (c->off != pool->arena_units)
		return tp_fault(f, c->off, "segments do not cover the arena");
	if (c->used != pool->used_units || c->used_blocks != pool->used_blocks ||
	    c->free_runs != pool->free_blocks || c->pinned != pool->pinned_blocks)
		return tp_fault(f, 0, "counts disagree with the statistics");
	return 1;
}

/* Look at up to @budget free slots; 1 when they are all checked. */
static int tp_check_slots(struct t_pool *pool, struct tp_check *c,
			  struct t_pool_fault *f, unsigned int *budget)
{
	for (; c->n != TP_NIL && *budget; (*budget)--) {
		if (c->n >= pool->capacity || ++c->nodes > pool->capacity ||
		    pool->slots[c->n].seg != TP_NIL)
			return tp_fault(f, 0, "free slot list broken");
		c->n = pool->slots[c->n].next_free;
	}
	if (c->n != TP_NIL)
		return 0;
	if (c->nodes + c->used_blocks != pool->capacity)
		return tp_fault(f, 0, "handle slots lost");
	return 1;
}

static bool tp_check_run(const void *p, u32 n, struct ckremm_sf_run *r)
{
	const struct t_pool *pool = p;

	if (n >= pool->seg_count || !tp_is_free(&pool->segs[n]) ||
	    !pool->segs[n].units)
		return false;
	r->units = pool->segs[n].units;
	r->next = pool->segs[n].link_next;
	r->prev = pool->segs[n].link_prev;
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
		ret = tp_check_segments(pool, c, f, &budget);
		if (ret <= 0)
			return ret;
		c->phase = 1;
		c->n = pool->slot_head;
		c->nodes = 0;
	}
	if (c->phase == 1) {
		ret = tp_check_slots(pool, c, f, &budget);
		if (ret <= 0)
			return ret;
		c->phase = 2;
	}
	ret = ckremm_sf_check_step(&pool->index, &c->index, c->free_runs,
				   &budget, tp_check_run, pool, &why, &where);
	if (ret < 0)
		return tp_fault(f, where == TP_NIL ? 0 : pool->segs[where].off,
				why);
	return ret;
}

/**
 * t_pool_validate() - check the whole structure of a pool
 * @pool: the pool
 * @fault: if not NULL, receives the first inconsistency found
 *
 * Walks the segments (they must tile the arena in order, agree with the
 * handle table and the offset hash, and never leave two free runs side by
 * side), the free slots and the free index, and compares the totals with
 * the statistics.  O(blocks), in steps of TP_CHECK_NODES with the lock
 * dropped between them; a change to the pool between two steps starts the
 * check again, so the result is that of one consistent state.  Valid in
 * the middle of a reorder pass too.  Meant for tests and debugging.
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
 * The segment containing byte @pos (or the first after it), pool lock
 * held on entry and on return.  A used block that starts at @pos is found
 * through the offset hash; anything else is sought from the bottom of the
 * arena in steps of TP_CHECK_NODES, the lock dropped between them.
 */
static u32 tp_seek(struct t_pool *pool, size_t pos, unsigned long *flags)
{
	unsigned int tries = 0, i;
	u32 n, seq;

	if (!(pos & (TP_GRANULE - 1)) && pos < pool->arena_size) {
		n = tp_hash_find(pool, (u32)(pos >> TP_SHIFT));
		if (n != TP_NIL)
			return n;
	}
	n = pool->first;
	for (;;) {
		for (i = 0; i < TP_CHECK_NODES; i++) {
			if (n == TP_NIL ||
			    tp_bytes(pool->segs[n].off + pool->segs[n].units) > pos)
				return n;
			n = pool->segs[n].next;
		}
		seq = pool->seq;
		ckremm_unlock(&pool->lock, *flags);
		*flags = ckremm_lock(&pool->lock);
		/* The segments changed: our node may be gone; start again. */
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
 * of a used block, which proceeds in steps (see tp_seek()).  A block in
 * transit is shown where its move began.
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
	     n = pool->segs[n].next, i++) {
		const struct tp_seg *s = &pool->segs[n];

		out[i].offset = tp_bytes(s->off);
		out[i].size = tp_bytes(s->units);
		out[i].handle = s->flags & TP_USED ? tp_handle(pool, s->slot) :
			       T_POOL_NO_HANDLE;
		out[i].pinned = (s->flags & TP_USED) && pool->slots[s->slot].pins;
	}
	*cursor = n != TP_NIL ? tp_bytes(pool->segs[n].off) : pool->arena_size;
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
