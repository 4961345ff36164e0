// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ckremm header pool: constant-time allocation over one arena.
 *
 * What it is
 * ----------
 * A pool owns one zeroed arena and hands out blocks of it.  Every block,
 * free or used, starts with a 16-byte header; the payload follows at a
 * 16-byte aligned address.  Blocks tile the arena with no gaps, so the
 * headers form an implicit list in address order, and each header records
 * the size of the block before it so both neighbours are found in O(1).
 * A used block never moves: its pointer is valid until it is freed.
 *
 *	arena: | hdr | payload ... | hdr | payload | hdr | free ...      |
 *	         ^ prev_units, units, flags, check    ^ next, prev links
 *
 * Free blocks are kept in a two-level segregated index in the style of
 * TLSF: the first level splits sizes by powers of two, the second splits
 * each power of two into 16 equal classes.  A bitmap per level says which
 * classes have blocks, so finding a block that fits takes two find-first-
 * set instructions and no search.  The doubly linked list of a class lives
 * in the payload of its free blocks (the 8 bytes after the header), its
 * links encoded (hp_link_mask()).
 *
 * Costs
 * -----
 * h_pool_alloc(), h_pool_dealloc() and their aligned, batch and realloc
 * forms run in constant time, and so does h_pool_get_stats(), but for
 * an allocation in a pool with a front cache that finds nothing free (see
 * "Front cache").  Only
 * h_pool_validate(), reorder_h_mem() and h_pool_walk() walk blocks; they
 * do it HP_STEP_BLOCKS blocks per hold of the lock, so no call keeps
 * interrupts off for longer than a bounded step.  Frees merge with free
 * neighbours at once (in a pool with a front cache, once the cache lets
 * go of the block), so two free blocks are never adjacent;
 * reorder_h_mem() checks the whole structure and rebuilds the free index
 * in address order, which makes later allocations prefer low addresses.
 *
 * Front cache
 * -----------
 * A pool made with H_POOL_CACHE keeps recently freed small blocks (of the
 * natural alignment, payloads up to 4 KiB) in a front cache, in the
 * spirit of glibc's tcache and the slab allocator's per-CPU lists: a
 * stack of HP_CACHE_DEPTH block offsets per block size, kept outside the
 * arena.  A free pushes the block if its size has room, touching only
 * its own header, which is marked HP_CACHED; an allocation of that exact
 * size pops the block freed last.  Neither splits, merges nor looks at a
 * neighbour, which is most of what a free and an allocation cost
 * otherwise: on the benchmark trace (tools/bench, bench_host icount) a
 * cached pool takes 97 instructions per step against 385 without, and
 * glibc 132.  The cache costs what it holds: its blocks stay the cache's
 * (used, in the statistics and a walk) until an allocation takes them,
 * and its tables are one size per HP_CACHE_ARENA_PER_SIZE bytes of arena
 * (under 1%; a pool too small for one size has no cache).  Occupancy
 * does not suffer: an allocation that finds nothing merges the cached
 * blocks first, HP_CACHE_FLUSH_STEP per hold of the lock, and searches
 * again, so it fails only where a pool without a cache would.  That
 * allocation is the cache's worst case: O(what the cache holds) in
 * bounded steps with the lock dropped between them, not O(1); so is
 * reorder_h_mem(), which merges the cache first.  A block waits in the
 * cache with the checks a caller's pointer always gets (the arena, the
 * bitmap of block starts, its own fields): its neighbours are checked
 * when it is merged, so an overrun near a cached block is found one free
 * later than in a pool without a cache.  The fast paths are those of
 * structural pools; a keyed pool with a cache takes the same steps with
 * its checksums, out of line.
 *
 * Memory bounds
 * -------------
 * Each block costs its 16-byte header, up to 15 bytes of rounding, and up
 * to 16 bytes of tail that was too small to split off: a request of n bytes
 * occupies at most round_up(n, 16) + 32 bytes of the arena.  An aligned
 * request borrows up to align + 16 bytes while it searches; the unused
 * leading part is returned to the pool as a free block.  A request of n
 * bytes succeeds whenever a free block of at least
 * (round_up(n, 16) + 16) * 17 / 16 bytes exists (the rounding up to the next
 * size class that makes the search constant-time), or when the first block
 * of n's own class is large enough.  Like every allocator that does not
 * move blocks, the pool can be defeated by a hostile pattern: Robson's bound
 * says a pool holding at most M live bytes in blocks of at most n bytes may
 * need on the order of M * log2(n) / 2 bytes to never fail.  Workloads that
 * cannot afford that use the table pool, which compacts.
 *
 * Misuse
 * ------
 * Pointers are checked before they are trusted: a pointer must lie in the
 * arena at a 16-byte boundary, it must start a block in a bitmap of block
 * starts kept outside the arena, and its header must fit the arena and
 * agree with both neighbours.  Header bytes written or copied into a
 * payload never start a block, so writers of the pool cannot forge
 * headers through block contents, and headers absorbed by a merge leave
 * the bitmap, so a stale pointer never passes.  That is the check that
 * always runs, and all that input from userspace needs: the device maps
 * a header pool's arena read-only and bounds WRITE to the payload, so
 * userspace never writes a header.
 *
 * What is left is a caller in the kernel that overruns its block into the
 * header after it.  By default (create_h_pool(), h_pool_create() without
 * flags, the device's pools unless the module's h_pool_keyed parameter is
 * set) the pool does what the kernel's own allocators do by default:
 * cheap structural checks, once per header a call relies on.  A caller's
 * block must fit the arena, carry the flags a used header is written with
 * (an alignment the pool hands out) and agree on the sizes with both
 * neighbours (their back-size and size); a free neighbour about to be
 * merged, or a free block about to be split, must carry HP_FREE alone,
 * be confirmed by the back-size of the block after it, and be linked both
 * ways on its free list (hp_is_listed()).  An overrun that changes a size
 * or a flag is refused, not merged; one that writes plausible values (the
 * alignment of another allocation, say) is not seen.  Free-list links are
 * encoded in every mode (hp_link_mask()), which is what makes a forged
 * free header fail the list check.  h_pool_create() with H_POOL_KEYED, in
 * the spirit of slub_debug, signs every header with a checksum, SipHash
 * under a random 128-bit key per pool that binds it to its offset, and
 * refuses any header that does not carry it; reading headers through a
 * mapping does not reveal the key.  The price, measured on the benchmark
 * trace (tools/bench, bench_host icount): 385 instructions per
 * alloc/free step by default, 955 keyed.  No mode can stop a caller that
 * writes back an old header of the block after it at its own place: the
 * pool sees a valid header.  A refused
 * call returns false, NULL or -EINVAL, counts in the statistics, prints
 * one rate-limited warning and leaves the pool as it was.
 *
 * Holds
 * -----
 * A call that works on a block for longer than one hold of the lock holds
 * the block instead: h_pool_read() shares the hold with other readers;
 * h_pool_write(), h_pool_clean() and the copy of a moving
 * h_pool_resize() (old block and new one) hold it alone.  Callers that
 * copy a block themselves, such as the device copying to and from user
 * memory, take the same holds with h_pool_hold().  A hold is a few bits
 * of the block's header: taking one is refused, never waited for, when
 * it conflicts with a hold already there, and a held block refuses every
 * call that would free, resize or (if held alone) touch it, with -EBUSY
 * and no change.  Holds name no owner: the holder's own calls on the
 * block are refused like anyone's until it lets go.  A call refused for
 * readers stops new readers from joining until the last one has gone
 * (HP_WRITER_WAITS), so overlapping readers cannot shut writers out.  A
 * held block's bytes are copied with the lock dropped (interrupts as the
 * caller had them): nothing else can change them or the block.  An
 * in-kernel caller that owns its blocks, as most do, never meets a hold
 * it did not take; one that shares blocks between contexts gets -EBUSY
 * (false or NULL from the seed calls) instead of a block changed half
 * way.
 *
 * Context
 * -------
 * Every call takes the pool's raw spinlock with interrupts disabled and may
 * be made from any context, hard interrupts included, except create_h_pool()
 * and destroy_h_pool(), which allocate or free memory and may sleep.
 * Copying and clearing large blocks happens under a hold, with the lock
 * dropped.  h_pool_validate() or reorder_h_mem() called from
 * interrupt context, or under a lock of the caller's, runs to its end
 * with interrupts off.
 */

#include "h_pool_internal.h"

/* hp_checksum() of a keyed pool, out of line: the hash is long. */
u32 hp_keyed_checksum(const struct h_pool *pool, u32 off,
		      const struct hp_hdr *h)
{
	return ckremm_hash4(&pool->key, off, h->prev_units, h->units, h->flags);
}

/*
 * Whether free block @off is on its class's list, linked both ways: its
 * back link names the free block whose next it is (or it heads its
 * class), and its next link names a free block whose back link names it.
 * This is the check that makes the encoded links worth their cost: a
 * used header whose HP_FREE bit an overrun set, or a free one whose links
 * it overwrote, passes only by chance, once in 2^32, since its payload
 * bytes then decode to nothing of the kind.  hp_remove() trusts what
 * passed it.
 */
static bool hp_is_listed(const struct h_pool *pool, u32 off)
{
	u32 prev = hp_prev(pool, off), next = hp_next(pool, off);
	unsigned int fl, sl;

	if (next != HP_NIL &&
	    (!hp_link_ok(pool, next) || hp_prev(pool, next) != off))
		return false;
	if (prev == HP_NIL) {
		ckremm_sf_class(hp_hdr(pool, off)->units, &fl, &sl);
		return pool->index.heads[fl][sl] == off;
	}
	return hp_link_ok(pool, prev) && hp_next(pool, prev) == off;
}

/*
 * Whether the header at @off may be trusted in full: hp_hdr_own(), a
 * free block listed both ways, and (structural mode) a block after it
 * that starts where the header says and agrees on its size.
 */
bool hp_hdr_sane(const struct h_pool *pool, u32 off)
{
	u32 next = off + hp_hdr(pool, off)->units;

	if (!hp_hdr_own(pool, off))
		return false;
	if (hp_is_free(pool, off) && !hp_is_listed(pool, off))
		return false;
	if (hp_keyed(pool))
		return true;
	return next == pool->arena_units ||
	       (hp_is_start(pool, next) &&
		hp_hdr(pool, next)->prev_units == hp_hdr(pool, off)->units);
}

/* ---- the segregated free index ----------------------------------------- */

/*
 * A free-list link lives in the payload of a free block, where an overrun
 * by the owner of the block before it can damage it.  Blocks are taken
 * off a list only once hp_is_listed() has checked both their links; a
 * free block with a damaged link is not split or merged, and
 * h_pool_validate() reports it.  A walk along a list (hp_largest_free())
 * follows a link only to a header that fits the arena and says free, and
 * ends at a damaged one.
 */
static u32 hp_checked_link(struct h_pool *pool, u32 link)
{
	if (link == HP_NIL)
		return link;
	if (link <= pool->arena_units - HP_MIN_UNITS &&
	    hp_hdr_fits(pool, link) && hp_is_free(pool, link))
		return link;
	ckremm_warn("h_pool: free list damaged (link %u)\n", link);
	return HP_NIL;
}

/*
 * Find a free block of at least @units.  The head of @units' own class is
 * tried first; otherwise the request is rounded up to the next class
 * boundary, so that any block of any class found from there fits.
 */
static __always_inline u32 hp_find_free(struct h_pool *pool, u32 units)
{
	unsigned int fl, sl;
	u32 head;

	ckremm_sf_class(units, &fl, &sl);
	head = pool->index.heads[fl][sl];
	if (head != HP_NIL && hp_hdr(pool, head)->units >= units)
		return head;
	return ckremm_sf_search(&pool->index, units);
}

/* ---- block surgery (pool lock held) ------------------------------------- */

/*
 * Absorb the block at @next into the block that ends there, if it is free
 * and passes hp_hdr_sane(): take it off its list and out of the blocks.
 * Returns its units, or 0 if it stays.
 */
u32 hp_absorb_next(struct h_pool *pool, u32 next)
{
	u32 units;

	if (next >= pool->arena_units || !hp_is_free(pool, next) ||
	    !hp_hdr_sane(pool, next))
		return 0;
	units = hp_hdr(pool, next)->units;
	hp_remove(pool, next);
	hp_poison(pool, next);
	return units;
}

/*
 * Cut used block @off down to @units, returning the excess to the pool
 * merged with a free follower.  Returns units cut.
 */
static u32 hp_trim(struct h_pool *pool, u32 off, u32 units)
{
	struct hp_hdr *h = hp_hdr(pool, off);
	u32 cut = h->units - units, free_units = cut;
	u32 rest = off + units;
	u32 next = off + h->units;

	if (cut < HP_MIN_UNITS)
		return 0;
	hp_set(pool, off, h->prev_units, units, h->flags);
	free_units += hp_absorb_next(pool, next);
	hp_set(pool, rest, units, free_units, HP_FREE);
	hp_set_back(pool, rest + free_units, free_units, false);
	hp_insert(pool, rest);
	pool->seq++;
	return cut;
}

static void hp_account_used(struct h_pool *pool, size_t units)
{
	pool->used_units += units;
	if (pool->used_units > pool->peak_units)
		pool->peak_units = pool->used_units;
}

/*
 * Allocate @units at payload alignment @align (>= 16, <= page size).  The
 * block found is cut to size in one pass: its header, the free rest after
 * it, and the back-size of the block after that.  A free block's follower
 * is never free, so nothing merges.
 */
static u32 hp_alloc_locked(struct h_pool *pool, u32 units, size_t align)
{
	u32 extra = 0, off, gap = 0, total, rest, prev_units;
	struct hp_hdr *h;

	if (align > HP_GRANULE)
		extra = (u32)(align >> HP_GRANULE_SHIFT) + 1;
	if (units > HP_NIL - extra)
		goto fail;
	off = hp_find_free(pool, units + extra);
	if (off == HP_NIL)
		goto fail;
	/* An overrun into a free block's header must not steer a split. */
	if (!hp_is_free(pool, off) || !hp_hdr_sane(pool, off)) {
		ckremm_warn("h_pool: free block header damaged at offset %zu\n",
			    (size_t)off << HP_GRANULE_SHIFT);
		goto fail;
	}
	h = hp_hdr(pool, off);
	total = h->units;
	/* The block, the gap before it, and the rest's header and links. */
	if (!hp_pg_commit(pool, off, total - units - extra > HP_MIN_UNITS ?
			  off + units + extra + HP_MIN_UNITS : off + total))
		goto fail;
	hp_remove(pool, off);
	prev_units = h->prev_units;

	/*
	 * Split off a leading free block until the payload's address is
	 * aligned (an arena of the caller's may be aligned to 16 only).
	 */
	if (align > HP_GRANULE) {
		uintptr_t payload = (uintptr_t)hp_payload(pool, off);
		uintptr_t mask = align - 1;

		gap = (u32)((((payload + mask) & ~mask) - payload) >>
			    HP_GRANULE_SHIFT);
		if (gap && gap < HP_MIN_UNITS)
			gap += (u32)(align >> HP_GRANULE_SHIFT);
	}
	if (gap) {
		hp_set(pool, off, prev_units, gap, HP_FREE);
		hp_insert(pool, off);
		off += gap;
		total -= gap;
		prev_units = gap;
	}

	rest = total - units;
	if (rest < HP_MIN_UNITS) {
		units = total;
		rest = 0;
	}
	hp_set(pool, off, prev_units, units,
	       (u32)(ckremm_ffs32((u32)align) << HP_ALIGN_SHIFT));
	if (rest) {
		hp_set(pool, off + units, units, rest, HP_FREE);
		hp_insert(pool, off + units);
	}
	hp_set_back(pool, off + total, rest ? rest : units, false);
	hp_account_used(pool, units);
	pool->used_blocks++;
	pool->seq++;
	return off;

fail:
	pool->failed_allocs++;
	return HP_NIL;
}

/*
 * Free used block @off, merging it with free neighbours.  hp_find_owned()
 * has checked the block and both neighbours, or this same hold of the
 * lock wrote them.
 */
static void hp_free_locked(struct h_pool *pool, u32 off)
{
	struct hp_hdr *h = hp_hdr(pool, off);
	u32 prev_units = h->prev_units;
	u32 units = h->units;
	u32 next = off + units;
	bool merged = false;

	pool->used_units -= units;
	pool->used_blocks--;

	if (next < pool->arena_units && hp_is_free(pool, next)) {
		units += hp_hdr(pool, next)->units;
		hp_remove(pool, next);
		hp_poison(pool, next);
		merged = true;
	}
	if (off && hp_is_free(pool, off - prev_units)) {
		u32 prev = off - prev_units;

		units += prev_units;
		prev_units = hp_hdr(pool, prev)->prev_units;
		hp_remove(pool, prev);
		hp_poison(pool, off);
		off = prev;
	}
	hp_set(pool, off, prev_units, units, HP_FREE);
	/*
	 * The block after a used block being freed was checked by
	 * hp_find_owned() or written by this same hold of the lock; the one
	 * after a merged neighbour was not.
	 */
	hp_set_back(pool, off + units, units, !merged);
	hp_insert(pool, off);
	pool->seq++;
}

/* Offset of the block whose payload is @ptr, a pointer already checked. */
static u32 hp_off_of(const struct h_pool *pool, const void *ptr)
{
	return (u32)(((const u8 *)ptr - pool->arena) >> HP_GRANULE_SHIFT) - 1;
}

/*
 * The block at @ptr as its events and the device name it: the arena offset
 * of its payload.  Any pointer, checked or not.
 */
static inline u64 hp_block_of(const struct h_pool *pool, const void *ptr)
{
	return (u64)((uintptr_t)ptr - (uintptr_t)pool->arena);
}

/*
 * Why an allocation of @size at @align (as hp_align_for() gives it) found
 * nothing: the arguments tell a refusal from a pool that is full.
 */
static int hp_alloc_error(size_t size, size_t align)
{
	return !size || !align ? -EINVAL : -ENOMEM;
}

/* ---- argument checks ---------------------------------------------------- */

static void hp_refuse(struct h_pool *pool, const char *why)
{
	pool->refused_calls++;
	ckremm_trace_refuse(pool->label, why);
	ckremm_warn("h_pool: %s\n", why);
}

/* Units of a block holding @size payload bytes; false if no pool can. */
static bool hp_units_for(size_t size, u32 *units)
{
	if (!size || size > H_POOL_MAX_SIZE - 2 * HP_GRANULE)
		return false;
	*units = (u32)(((size + HP_GRANULE - 1) >> HP_GRANULE_SHIFT) + 1);
	return true;
}

/* Normalize an alignment request; 0 if it cannot be honoured. */
static size_t hp_align_for(size_t align)
{
	if (align <= HP_GRANULE)
		return align & (align - 1) ? 0 : HP_GRANULE;
	if (align & (align - 1) || align > CKREMM_PAGE_SIZE)
		return 0;
	return align;
}

/*
 * Map a caller's pointer to the live used block whose payload it starts,
 * by the block's own header alone.  Returns the block's offset, or HP_NIL
 * with *why saying what is wrong.
 */
static __always_inline u32 hp_find_block(struct h_pool *pool,
					 const void *ptr, const char **why)
{
	uintptr_t base = (uintptr_t)pool->arena;
	uintptr_t p = (uintptr_t)ptr;
	u32 off;

	if (p < base + HP_GRANULE || p >= base + pool->arena_size) {
		*why = "pointer outside the pool";
		return HP_NIL;
	}
	if ((p - base) & (HP_GRANULE - 1)) {
		*why = "pointer not at the start of a block";
		return HP_NIL;
	}
	off = (u32)(((p - base) >> HP_GRANULE_SHIFT) - 1);
	if (!hp_hdr_own(pool, off)) {
		*why = "pointer not at the start of a block";
		return HP_NIL;
	}
	if (hp_hdr(pool, off)->flags & (HP_FREE | HP_CACHED)) {
		*why = "block already free (double free?)";
		return HP_NIL;
	}
	return off;
}

/* As hp_find_block(), and both neighbours agree on the sizes. */
static u32 hp_find_used(struct h_pool *pool, const void *ptr, const char **why)
{
	u32 off = hp_find_block(pool, ptr, why), next, prev;
	const struct hp_hdr *h;

	if (off == HP_NIL)
		return off;
	h = hp_hdr(pool, off);
	/* Both neighbours start blocks and agree on the sizes. */
	next = off + h->units;
	prev = off - h->prev_units;
	if ((next < pool->arena_units &&
	     (!hp_is_start(pool, next) ||
	      hp_hdr(pool, next)->prev_units != h->units)) ||
	    (off && (!hp_is_start(pool, prev) ||
		     hp_hdr(pool, prev)->units != h->prev_units))) {
		*why = "block headers damaged (overrun?)";
		return HP_NIL;
	}
	return off;
}

/*
 * As hp_find_used(), for a call that frees or resizes the block.  Such a
 * call merges with free neighbours, carrying their sizes into headers it
 * writes afresh, and rewrites the header after the block.  A free
 * neighbour must pass hp_hdr_sane() (its own fields, both links, and the
 * block after it), a used one after the block hp_hdr_own(), or an overrun
 * by the owner of the block could forge a free neighbour that swallows
 * live blocks; the call is refused before it changes anything.  Headers
 * further on are checked where they are reached (hp_set_back(),
 * hp_trim()).
 */
static u32 hp_find_owned(struct h_pool *pool, const void *ptr,
			 const char **why)
{
	u32 off = hp_find_used(pool, ptr, why);
	u32 next, prev;

	if (off == HP_NIL)
		return off;
	next = off + hp_hdr(pool, off)->units;
	prev = off - hp_hdr(pool, off)->prev_units;
	if ((next < pool->arena_units &&
	     !(hp_is_free(pool, next) ? hp_hdr_sane(pool, next) :
					hp_hdr_own(pool, next))) ||
	    (off && hp_is_free(pool, prev) && !hp_hdr_sane(pool, prev))) {
		*why = "block headers damaged (overrun?)";
		return HP_NIL;
	}
	return off;
}

/*
 * hp_find_used() (or, @owned, hp_find_owned()) for a call that gives up
 * on HP_NIL: the refusal is counted and reported here.
 */
static u32 hp_lookup(struct h_pool *pool, const void *ptr, bool owned)
{
	const char *why;
	u32 off;

	off = owned ? hp_find_owned(pool, ptr, &why) :
		      hp_find_used(pool, ptr, &why);
	if (off == HP_NIL)
		hp_refuse(pool, why);
	return off;
}

/* ---- holds (pool lock held) ------------------------------------------------ */

/* Sign a header afresh with new flags; its block's place and size stay. */
static void hp_set_flags(struct h_pool *pool, u32 off, u32 flags)
{
	struct hp_hdr *h = hp_hdr(pool, off);

	h->flags = flags;
	h->check = hp_checksum(pool, off, h);
}

/*
 * Whether a hold (@alone or shared) can join the holds in @flags.  No new
 * reader joins while a call that needs the block alone waits for the
 * readers to drain (HP_WRITER_WAITS), so that readers whose holds overlap
 * cannot shut writers out for ever.
 */
static bool hp_may_hold(u32 flags, bool alone)
{
	if (flags & HP_HELD_ALONE)
		return false;
	if (alone)
		return !(flags & HP_READERS_MASK);
	return !(flags & HP_WRITER_WAITS) &&
	       (flags & HP_READERS_MASK) != HP_READERS_MASK;
}

/*
 * A call that needs used block @off alone finds it held: it is refused,
 * and if readers hold the block, no new reader joins them until they are
 * all gone.  Returns -EBUSY.
 */
static int hp_busy(struct h_pool *pool, u32 off)
{
	u32 flags = hp_hdr(pool, off)->flags;

	if ((flags & HP_READERS_MASK) && !(flags & HP_WRITER_WAITS))
		hp_set_flags(pool, off, flags | HP_WRITER_WAITS);
	return -EBUSY;
}

/*
 * Hold used block @off.  Holds change no block and no index, so they do
 * not bump pool->seq: a stepped walk or check goes on across them.
 */
static int hp_hold_locked(struct h_pool *pool, u32 off, bool alone)
{
	u32 flags = hp_hdr(pool, off)->flags;

	if (!hp_may_hold(flags, alone))
		return alone ? hp_busy(pool, off) : -EBUSY;
	hp_set_flags(pool, off, alone ? flags | HP_HELD_ALONE :
					flags + HP_READER);
	return 0;
}

/* Drop a hold on @off; false if @off holds none of that kind. */
static bool hp_unhold_locked(struct h_pool *pool, u32 off, bool alone)
{
	u32 flags = hp_hdr(pool, off)->flags;

	if (alone ? !(flags & HP_HELD_ALONE) : !(flags & HP_READERS_MASK))
		return false;
	if (alone)
		flags &= ~HP_HELD_ALONE;
	else
		flags -= HP_READER;
	/* The last reader gone, no writer waits for readers any more. */
	if (!(flags & HP_READERS_MASK))
		flags &= ~HP_WRITER_WAITS;
	hp_set_flags(pool, off, flags);
	return true;
}

/* Whether used block @off is held in any way. */
static bool hp_is_held(const struct h_pool *pool, u32 off)
{
	return hp_hdr(pool, off)->flags & HP_HOLDS;
}

/* ---- the front cache (pool lock held) ------------------------------------ */

/*
 * The front cache's fast paths run for structural pools only, inlined
 * into the public calls with nothing that calls out (no hash, no
 * warning), so that they save no registers; a keyed pool, and anything
 * out of the ordinary, takes the same steps in the out-of-line slow
 * paths.  @keyed says which: in a fast path the pool is not keyed and
 * headers carry no checksum.
 */
static __always_inline bool hp_cache_signed(const struct h_pool *pool,
					    u32 off, bool keyed)
{
	const struct hp_hdr *h = hp_hdr(pool, off);

	return keyed ? h->check == hp_checksum(pool, off, h) : !h->check;
}

static __always_inline void hp_cache_set_flags(struct h_pool *pool, u32 off,
					       u32 flags, bool keyed)
{
	struct hp_hdr *h = hp_hdr(pool, off);

	h->flags = flags;
	if (keyed)
		h->check = hp_checksum(pool, off, h);
}

/*
 * Put the block whose payload @ptr is in the front cache instead of
 * merging it, if it is a live plain block (natural alignment, no holds)
 * of a cached size whose list has room.  O(1), and it touches no header
 * but the block's own: the checks are those a caller's pointer always
 * gets (the arena, a 16-byte boundary, the bitmap of block starts) and
 * the block's own fields; its neighbours are checked when it is merged
 * (hp_cache_flush_some()).  Returns false, changing nothing, if the cache
 * does not take the block: the caller frees it the long way, which says
 * what is wrong with a pointer that is.
 */
static __always_inline bool hp_cache_put(struct h_pool *pool, const void *ptr,
					 bool keyed)
{
	uintptr_t rel = (uintptr_t)ptr - (uintptr_t)pool->arena - HP_GRANULE;
	struct hp_hdr *h;
	u32 off, size;

	/* One comparison for both ends of the arena. */
	if (rel >= pool->arena_size - HP_GRANULE || (rel & (HP_GRANULE - 1)))
		return false;
	off = (u32)(rel >> HP_GRANULE_SHIFT);
	h = hp_hdr(pool, off);
	size = h->units - HP_MIN_UNITS;
	if (!hp_is_start(pool, off) || h->flags != HP_PLAIN ||
	    size >= pool->cache_sizes || h->units > pool->arena_units - off ||
	    pool->cache_count[size] == HP_CACHE_DEPTH ||
	    !hp_cache_signed(pool, off, keyed))
		return false;
	pool->cache[size * HP_CACHE_DEPTH + pool->cache_count[size]++] = off;
	hp_cache_set_flags(pool, off, HP_CACHED | HP_PLAIN, keyed);
	pool->cached_blocks++;
	pool->seq++;
	return true;
}

/*
 * Whether the cached block at @off of @units still carries the header the
 * cache wrote.  An overrun by the owner of the block before it may have
 * reached it while it waited.
 */
static __always_inline bool hp_cache_intact(const struct h_pool *pool,
					    u32 off, u32 units, bool keyed)
{
	const struct hp_hdr *h = hp_hdr(pool, off);

	return h->flags == (HP_CACHED | HP_PLAIN) && h->units == units &&
	       hp_cache_signed(pool, off, keyed);
}

/* Take the block freed last off the list of @size; it stays marked cached. */
static __always_inline u32 hp_cache_pop(struct h_pool *pool, u32 size)
{
	u8 *count = &pool->cache_count[size];

	(*count)--;
	pool->cached_blocks--;
	pool->seq++;
	return pool->cache[size * HP_CACHE_DEPTH + *count];
}

/*
 * Take a cached block of @units, the one of its size freed last: O(1).
 * The fast path (!@slow) leaves a block whose header is not the one the
 * cache wrote to the slow path, which takes it off the list and leaves it
 * where it is, still marked cached, for h_pool_validate() to report and
 * every call on it to refuse; the allocation goes on without it.
 */
static __always_inline u32 hp_cache_take(struct h_pool *pool, u32 units,
					 bool slow)
{
	u32 size = units - HP_MIN_UNITS, off;
	bool keyed = slow && hp_keyed(pool);

	if (size >= pool->cache_sizes || !pool->cache_count[size])
		return HP_NIL;
	off = pool->cache[size * HP_CACHE_DEPTH + pool->cache_count[size] - 1];
	if (!hp_cache_intact(pool, off, units, keyed)) {
		if (!slow)
			return HP_NIL;
		hp_cache_pop(pool, size);
		ckremm_warn("h_pool: cached block header damaged at offset %zu (overrun?)\n",
			    (size_t)off << HP_GRANULE_SHIFT);
		return HP_NIL;
	}
	hp_cache_pop(pool, size);
	hp_cache_set_flags(pool, off, HP_PLAIN, keyed);
	return off;
}

/*
 * Merge up to @budget cached blocks into the free index, each checked as
 * a free of it would check it (hp_find_owned()).  A block whose header or
 * neighbours an overrun damaged while it waited is taken off its list and
 * left where it is, still marked cached: validate reports it and every
 * call on it is refused, as for any block the pool no longer lists.
 */
static void hp_cache_flush_some(struct h_pool *pool, unsigned int budget)
{
	bool keyed = hp_keyed(pool);
	const char *why;
	u32 size, off;

	while (pool->cached_blocks && budget) {
		size = pool->cache_cursor;
		if (!pool->cache_count[size]) {
			pool->cache_cursor = (size + 1) % pool->cache_sizes;
			continue;
		}
		budget--;
		off = hp_cache_pop(pool, size);
		if (!hp_cache_intact(pool, off, size + HP_MIN_UNITS, keyed)) {
			why = "cached block header damaged (overrun?)";
		} else {
			hp_cache_set_flags(pool, off, HP_PLAIN, keyed);
			if (hp_find_owned(pool, hp_payload(pool, off), &why) == off) {
				hp_free_locked(pool, off);
				continue;
			}
			hp_cache_set_flags(pool, off, HP_CACHED | HP_PLAIN,
					   keyed);
		}
		ckremm_warn("h_pool: %s at offset %zu; block left out\n", why,
			    (size_t)off << HP_GRANULE_SHIFT);
	}
}

/*
 * Merge every cached block, HP_CACHE_FLUSH_STEP per hold of the lock
 * (held on entry and on return, dropped between steps).  Other CPUs may
 * cache blocks meanwhile: the flush stops after as many steps as the
 * whole cache needs.
 */
void hp_cache_flush(struct h_pool *pool, unsigned long *flags)
{
	size_t steps = (size_t)pool->cache_sizes * HP_CACHE_DEPTH /
		       HP_CACHE_FLUSH_STEP + 1;

	while (pool->cached_blocks && steps--) {
		hp_cache_flush_some(pool, HP_CACHE_FLUSH_STEP);
		ckremm_unlock(&pool->lock, *flags);
		*flags = ckremm_lock(&pool->lock);
	}
}

/*
 * hp_alloc_locked(), and if nothing fits while freed blocks wait in the
 * front cache, merge them (the lock is dropped between steps) and try
 * once more; a failure is counted once.
 */
static u32 hp_alloc_flushing(struct h_pool *pool, u32 units, size_t align,
			     unsigned long *flags)
{
	u32 off = hp_alloc_locked(pool, units, align);

	if (off == HP_NIL && hp_cached(pool) && pool->cached_blocks) {
		/* Counted once, and never seen to fall by a stats call. */
		pool->failed_allocs--;
		hp_cache_flush(pool, flags);
		off = hp_alloc_locked(pool, units, align);
	}
	return off;
}

/* ---- the public API ------------------------------------------------------ */

/* Free a pool and whatever of its arena and tables it has and owns. */
static void hp_free_tables(struct h_pool *pool)
{
	if (pool->own_arena && pool->arena)
		ckremm_arena_free(pool->arena);
#ifdef CONFIG_CKREMM_PAGING
	ckremm_meta_free(pool->pg.purged);
	ckremm_meta_free(pool->pg.seen);
#endif
	if (!pool->own_meta)
		return;
	ckremm_meta_free(pool->starts);
	ckremm_meta_free(pool->cache);
	ckremm_meta_free(pool->cache_count);
	ckremm_meta_free(pool);
}

/* Front cache sizes of a pool of @size bytes made with @flags. */
static u32 hp_cache_sizes(size_t size, unsigned int flags)
{
	if (!(flags & H_POOL_CACHE))
		return 0;
	return size / HP_CACHE_ARENA_PER_SIZE < HP_CACHE_MAX_SIZES ?
	       (u32)(size / HP_CACHE_ARENA_PER_SIZE) : HP_CACHE_MAX_SIZES;
}

/*
 * The pieces of a pool's bookkeeping, in the order they are taken: the
 * structure, the bitmap of block starts, and the front cache's lists and
 * counts (0 bytes without one).
 */
enum {
	HP_META_POOL,
	HP_META_STARTS,
	HP_META_CACHE,
	HP_META_COUNT,
	HP_META_PIECES
};

static void hp_meta_pieces(size_t size, unsigned int flags,
			   size_t piece[HP_META_PIECES])
{
	u32 cache_sizes = hp_cache_sizes(size, flags);

	piece[HP_META_POOL] = sizeof(struct h_pool);
	piece[HP_META_STARTS] = ((size >> HP_GRANULE_SHIFT) + 7) / 8;
	piece[HP_META_CACHE] = (size_t)cache_sizes * HP_CACHE_DEPTH * sizeof(u32);
	piece[HP_META_COUNT] = cache_sizes;
}

/* Whether a pool of @size bytes (already rounded) and @flags may be made. */
static bool hp_create_args_ok(size_t size, unsigned int flags)
{
	unsigned int known = HP_LEAN ? 0 : H_POOL_KEYED | H_POOL_CACHE;

	if (size >= HP_MIN_UNITS * HP_GRANULE && size <= H_POOL_MAX_SIZE &&
	    !(flags & ~known))
		return true;
	ckremm_warn("h_pool: cannot make a pool of %zu bytes (32..%zu), flags %#x\n",
		    size, (size_t)H_POOL_MAX_SIZE, flags);
	return false;
}

/*
 * Make a pool over @arena, or a new arena if NULL, with its bookkeeping
 * carved from @meta, or allocated if NULL.  The arguments are checked.
 */
static struct h_pool *hp_create(void *arena, size_t size, void *meta,
				size_t meta_size, unsigned int flags,
				const char *name)
{
	struct ckremm_carve carve = { .base = meta, .size = meta_size };
	size_t piece[HP_META_PIECES];
	void *got[HP_META_PIECES];
	struct h_pool *pool;
	unsigned int i;

	hp_meta_pieces(size, flags, piece);
	for (i = 0; i < HP_META_PIECES; i++) {
		got[i] = NULL;
		if (!piece[i])
			continue;
		got[i] = meta ? ckremm_carve(&carve, piece[i]) :
			 ckremm_meta_zalloc(piece[i]);
		if (!got[i])
			goto fail;
	}
	pool = got[HP_META_POOL];
	pool->starts = got[HP_META_STARTS];
	pool->cache = got[HP_META_CACHE];
	pool->cache_count = got[HP_META_COUNT];
	pool->cache_sizes = (u32)piece[HP_META_COUNT];
	pool->own_meta = !meta;
	pool->own_arena = !arena;
	pool->arena = arena ? arena : ckremm_arena_alloc(size);
	if (!pool->arena) {
		hp_free_tables(pool);
		return NULL;
	}
	ckremm_lock_init(&pool->lock);
	pool->arena_size = size;
	pool->arena_units = (u32)(size >> HP_GRANULE_SHIFT);
	pool->keyed = flags & H_POOL_KEYED;
	pool->link_salt = ckremm_random_u32();
	if (hp_keyed(pool))
		ckremm_hash_key_init(&pool->key);
	ckremm_sf_init(&pool->index);
	hp_set(pool, 0, 0, pool->arena_units, HP_FREE);
	hp_insert(pool, 0);
	pool->label = ckremm_pool_created(pool, CKREMM_POOL_HEADER, name);
	return pool;

fail:
	/* Carved pieces always fit: h_pool_create_in() checked @meta_size. */
	while (!meta && i--)
		ckremm_meta_free(got[i]);
	return NULL;
}

/**
 * h_pool_create() - create a header pool over a new arena
 * @size: arena bytes; rounded down to a multiple of 16
 * @flags: 0, or any of H_POOL_KEYED, to sign every header with a keyed
 *	checksum, and H_POOL_CACHE, to keep recently freed small blocks in a
 *	front cache
 *	(see "Misuse" above: it catches overruns by kernel callers that the
 *	default structural checks miss, at the price of a keyed hash per
 *	header written or trusted)
 *
 * The arena is zeroed and page-aligned; in the kernel it is vmalloc'd and
 * charged to the caller's memory cgroup.  The whole arena is one free block
 * to start with; every block costs a 16-byte header (H_POOL_HEADER_SIZE),
 * so a pool of S bytes holds at most S / 32 blocks.
 *
 * Context: Process context; may sleep.
 * Return: the pool, or NULL if @size cannot hold one 16-byte block (less
 * than 32 bytes), exceeds H_POOL_MAX_SIZE, @flags has unknown bits, or
 * memory is short.
 */
struct h_pool *h_pool_create(size_t size, unsigned int flags)
{
	return h_pool_create_named(size, flags, NULL);
}
EXPORT_SYMBOL_NS_GPL(h_pool_create, CKREMM_NS);

/**
 * h_pool_create_named() - create a header pool that carries a name
 * @size: arena bytes; rounded down to a multiple of 16
 * @flags: as for h_pool_create()
 * @name: what the environment shows the pool as (in Linux, the directory
 *	/sys/kernel/debug/ckremm/<name>/ and the pool field of its trace
 *	events), or NULL for a name made up from
 *	the pool's kind and a number; the caller's string need not outlive
 *	the call
 *
 * h_pool_create() that names the pool.  Names need not be unique: a name
 * already shown gets a number appended.
 *
 * Context: Process context; may sleep.
 * Return: the pool, or NULL as for h_pool_create().
 */
struct h_pool *h_pool_create_named(size_t size, unsigned int flags,
				   const char *name)
{
	ckremm_might_sleep();
	size &= ~(size_t)(HP_GRANULE - 1);
	if (!hp_create_args_ok(size, flags))
		return NULL;
	return hp_create(NULL, size, NULL, 0, flags, name);
}
EXPORT_SYMBOL_NS_GPL(h_pool_create_named, CKREMM_NS);

/**
 * h_pool_meta_size() - bookkeeping bytes a pool made over caller memory needs
 * @size: arena bytes, as for h_pool_create_in()
 * @flags: as for h_pool_create()
 *
 * The pool's structure, a bit per 16 bytes of arena, and with
 * H_POOL_CACHE the front cache's lists, each piece 8-byte aligned, plus 7
 * bytes in case @meta is not.
 *
 * Context: Any context.
 * Return: the bytes h_pool_create_in() needs at @meta.
 */
size_t h_pool_meta_size(size_t size, unsigned int flags)
{
	struct ckremm_carve measure = { 0 };
	size_t piece[HP_META_PIECES];
	unsigned int i;

	hp_meta_pieces(size & ~(size_t)(HP_GRANULE - 1), flags, piece);
	for (i = 0; i < HP_META_PIECES; i++)
		if (piece[i])
			ckremm_carve(&measure, piece[i]);
	return measure.used + 7 < measure.used ? measure.used : measure.used + 7;
}
EXPORT_SYMBOL_NS_GPL(h_pool_meta_size, CKREMM_NS);

/**
 * h_pool_create_in() - create a header pool over memory the caller owns
 * @arena: the arena: memory of the caller's (a static buffer, a linker
 *	section, an SRAM bank), 16-byte aligned; its contents are the
 *	pool's until destroy_h_pool(), which leaves it to the caller
 * @size: bytes at @arena; rounded down to a multiple of 16
 * @meta: memory for the pool's structure and tables, of at least
 *	h_pool_meta_size(@size, @flags) bytes, which the pool zeroes and
 *	keeps until destroy_h_pool(); or NULL to allocate them from the port
 *	as h_pool_create() does
 * @meta_size: bytes at @meta
 * @flags: as for h_pool_create()
 * @name: as for h_pool_create_named()
 *
 * h_pool_create_named() for callers that have the memory already, as on
 * a microcontroller without a heap: with @meta given, neither this call
 * nor any later one on the pool allocates.  The arena need not be zeroed;
 * blocks asked for at an alignment above 16 are aligned in the address
 * space, whatever the arena's own alignment.
 *
 * Context: Process context; may sleep (in the Linux module, to list the
 * pool in debugfs).
 * Return: the pool, or NULL if @arena is NULL or not 16-byte aligned,
 * @size or @flags are refused as by h_pool_create(), @meta_size is too
 * small, or (without @meta) memory is short.
 */
struct h_pool *h_pool_create_in(void *arena, size_t size, void *meta,
				size_t meta_size, unsigned int flags,
				const char *name)
{
	ckremm_might_sleep();
	size &= ~(size_t)(HP_GRANULE - 1);
	if (!arena || ((uintptr_t)arena & (HP_GRANULE - 1))) {
		ckremm_warn("h_pool: an arena that is NULL or not 16-byte aligned\n");
		return NULL;
	}
	if (!hp_create_args_ok(size, flags))
		return NULL;
	if (meta && meta_size < h_pool_meta_size(size, flags)) {
		ckremm_warn("h_pool: %zu bytes of bookkeeping memory, not %zu\n",
			    meta_size, h_pool_meta_size(size, flags));
		return NULL;
	}
	return hp_create(arena, size, meta, meta_size, flags, name);
}
EXPORT_SYMBOL_NS_GPL(h_pool_create_in, CKREMM_NS);

/**
 * create_h_pool() - create a header pool over a new arena
 * @size: arena bytes; rounded down to a multiple of 16
 *
 * h_pool_create() with no flags: the structural checks of "Misuse" in
 * h_pool.c, as the kernel's own allocators check by default.
 *
 * Context: Process context; may sleep.
 * Return: the pool, or NULL if @size cannot hold one 16-byte block (less
 * than 32 bytes), exceeds H_POOL_MAX_SIZE, or memory is short.
 */
struct h_pool *create_h_pool(size_t size)
{
	return h_pool_create(size, 0);
}
EXPORT_SYMBOL_NS_GPL(create_h_pool, CKREMM_NS);

/**
 * destroy_h_pool() - free a header pool and its arena
 * @pool: the pool; blocks still allocated go with it
 *
 * The caller must make sure no other call on @pool runs or follows.
 *
 * Context: Process context; may sleep.
 * Return: true, or false if @pool is NULL.
 */
bool destroy_h_pool(struct h_pool *pool)
{
	ckremm_might_sleep();
	if (!pool)
		return false;
	ckremm_pool_destroyed(pool);
	hp_free_tables(pool);
	return true;
}
EXPORT_SYMBOL_NS_GPL(destroy_h_pool, CKREMM_NS);

/*
 * One allocation the front cache did not answer, with @align normalized by
 * hp_align_for() (0 if it cannot be honoured).  The pool is locked on
 * entry and on return (*@flags); a flush of the cache drops the lock
 * between its steps.
 */
static ckremm_noinline void *hp_alloc_slow(struct h_pool *pool, size_t size,
					   size_t align, unsigned long *flags)
{
	void *ptr = NULL;
	u32 units, off;

	if (!hp_units_for(size, &units)) {
		hp_refuse(pool, "alloc of size 0 or of an impossible size");
		goto out;
	}
	if (!align) {
		hp_refuse(pool, "alloc with an alignment that is not a power of two <= page size");
		goto out;
	}
	off = HP_NIL;
	if (hp_cached(pool) && align == HP_GRANULE)
		off = hp_cache_take(pool, units, true);
	if (off == HP_NIL)
		off = hp_alloc_flushing(pool, units, align, flags);
	if (off != HP_NIL)
		ptr = hp_payload(pool, off);
out:
	return ptr;
}

/*
 * The body of h_pool_alloc() and h_pool_alloc_block(), inlined into
 * each: a block of the natural alignment and a cached size comes from the
 * front cache, anything else from hp_alloc_slow(), which the fast path
 * leaves for without saving anything (the common call pays for nothing
 * it does not use).
 */
static __always_inline void *hp_alloc(struct h_pool *pool, size_t size,
				      size_t align)
{
	unsigned long flags;
	void *ptr;
	u32 off;

	if (!pool) {
		ckremm_warn("h_pool: alloc from a NULL pool\n");
		return NULL;
	}
	flags = ckremm_lock(&pool->lock);
	if (hp_cached(pool) && !hp_keyed(pool) && align == HP_GRANULE &&
	    size - 1 < HP_CACHE_MAX_SIZES * HP_GRANULE) {
		off = hp_cache_take(pool, (u32)((size + HP_GRANULE - 1) >>
						HP_GRANULE_SHIFT) + 1, false);
		if (off != HP_NIL) {
			ckremm_unlock(&pool->lock, flags);
			ptr = hp_payload(pool, off);
			ckremm_trace_alloc(pool->label, size,
					   hp_block_of(pool, ptr), 0);
			return ptr;
		}
	}
	ptr = hp_alloc_slow(pool, size, align, &flags);
	ckremm_unlock(&pool->lock, flags);
	ckremm_trace_alloc(pool->label, size, ptr ? hp_block_of(pool, ptr) : 0,
			   ptr ? 0 : hp_alloc_error(size, align));
	return ptr;
}

/**
 * h_pool_alloc_block() - allocate a block at a given alignment
 * @pool: the pool
 * @size: payload bytes, at least 1
 * @align: 0 for 16, or a power of two up to the page size; values below 16
 *	give 16
 * @ptr: receives the payload's address
 *
 * O(1): two bitmap scans and at most two splits, or in a pool with a
 * front cache a block of the exact size freed last.  If nothing fits
 * while freed blocks wait in the cache, they are merged first, a few per
 * hold of the lock, and the search is made once more.  The usable size of
 * the block (h_pool_usable_size()) is @size rounded up to 16, or up to 16
 * bytes more when the remainder was too small to make a block of its own.
 * The reason of a failure is told by the arguments alone, so a failed
 * call is one call on the pool.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL (refused) if @pool or @ptr is NULL, @size is 0 or
 * @align is not a power of two or is above the page size; -ENOMEM if no
 * free block fits (counted in failed_allocs), also for a @size so large
 * that no pool can hold it (refused).  *@ptr is left alone on error.
 */
int h_pool_alloc_block(struct h_pool *pool, size_t size, size_t align,
		       void **ptr)
{
	size_t natural = hp_align_for(align);
	void *p;

	if (!ptr)
		return -EINVAL;
	p = hp_alloc(pool, size, natural);
	if (p) {
		*ptr = p;
		return 0;
	}
	return pool ? hp_alloc_error(size, natural) : -EINVAL;
}
EXPORT_SYMBOL_NS_GPL(h_pool_alloc_block, CKREMM_NS);

/**
 * h_pool_alloc_aligned() - allocate a block at a given alignment
 * @pool: the pool
 * @size: payload bytes, at least 1
 * @align: 0 for 16, or a power of two up to the page size; values below 16
 *	give 16
 *
 * h_pool_alloc_block() for callers that need no reason.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the payload's address, or NULL if h_pool_alloc_block() fails.
 */
void *h_pool_alloc_aligned(struct h_pool *pool, size_t size, size_t align)
{
	void *ptr;

	return h_pool_alloc_block(pool, size, align, &ptr) ? NULL : ptr;
}
EXPORT_SYMBOL_NS_GPL(h_pool_alloc_aligned, CKREMM_NS);

/**
 * h_pool_alloc() - allocate a block
 * @pool: the pool
 * @size: payload bytes, at least 1
 *
 * Same as h_pool_alloc_aligned() with the natural 16-byte alignment.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the payload's address, or NULL if nothing fits or the request is
 * refused.
 */
void *h_pool_alloc(struct h_pool *pool, size_t size)
{
	return hp_alloc(pool, size, HP_GRANULE);
}
EXPORT_SYMBOL_NS_GPL(h_pool_alloc, CKREMM_NS);

/* A free the front cache did not take, with the pool locked. */
static ckremm_noinline int hp_free_slow(struct h_pool *pool, void *ptr)
{
	u32 off;

	if (hp_cached(pool) && hp_keyed(pool) && hp_cache_put(pool, ptr, true))
		return 0;
	off = hp_lookup(pool, ptr, true);
	if (off == HP_NIL)
		return -EINVAL;
	if (hp_is_held(pool, off))
		return hp_busy(pool, off);
	hp_free_locked(pool, off);
	return 0;
}

/* The body of h_pool_free() and h_pool_dealloc(), inlined into each. */
static __always_inline int hp_free(struct h_pool *pool, void *ptr)
{
	unsigned long flags;
	int ret = 0;

	if (!pool) {
		ckremm_warn("h_pool: free into a NULL pool\n");
		return -EINVAL;
	}
	flags = ckremm_lock(&pool->lock);
	if (!hp_cached(pool) || hp_keyed(pool) || !hp_cache_put(pool, ptr, false))
		ret = hp_free_slow(pool, ptr);
	ckremm_unlock(&pool->lock, flags);
	ckremm_trace_free(pool->label, hp_block_of(pool, ptr), ret);
	return ret;
}

/**
 * h_pool_free() - free a block, saying why not
 * @pool: the pool
 * @ptr: a pointer returned by an allocation from @pool and not yet freed
 *
 * O(1).  The block merges with free neighbours at once, or in a pool with
 * a front cache, if it is a small block of the natural alignment, waits in
 * the cache for an allocation of its size (see "Front cache" above).
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL (with a rate-limited warning) if @ptr is NULL,
 * outside the pool, not the start of a live block, or already free;
 * -EBUSY if another call holds the block (see "Holds" above).  The pool
 * is unchanged on error.
 */
int h_pool_free(struct h_pool *pool, void *ptr)
{
	return hp_free(pool, ptr);
}
EXPORT_SYMBOL_NS_GPL(h_pool_free, CKREMM_NS);

/**
 * h_pool_dealloc() - free a block
 * @pool: the pool
 * @ptr: a pointer returned by an allocation from @pool and not yet freed
 *
 * h_pool_free() for callers that need no reason.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: true, or false (the pool unchanged) if h_pool_free() would
 * fail.
 */
bool h_pool_dealloc(struct h_pool *pool, void *ptr)
{
	return !hp_free(pool, ptr);
}
EXPORT_SYMBOL_NS_GPL(h_pool_dealloc, CKREMM_NS);

/**
 * h_pool_usable_size() - bytes a live block can hold
 * @pool: the pool
 * @ptr: the block
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the usable payload bytes (at least the size asked for), or 0 if
 * @ptr is not a live block of @pool.
 */
size_t h_pool_usable_size(struct h_pool *pool, const void *ptr)
{
	unsigned long flags;
	const char *why;
	size_t usable = 0;
	u32 off;

	if (!pool)
		return 0;
	flags = ckremm_lock(&pool->lock);
	off = hp_find_used(pool, ptr, &why);
	if (off != HP_NIL)
		usable = hp_usable(hp_hdr(pool, off));
	ckremm_unlock(&pool->lock, flags);
	return usable;
}
EXPORT_SYMBOL_NS_GPL(h_pool_usable_size, CKREMM_NS);

enum hp_op { HP_READ, HP_WRITE, HP_ZERO };

static void hp_move_bytes(u8 *p, void *buf, size_t len, enum hp_op op)
{
	if (op == HP_READ)
		memcpy(buf, p, len);
	else if (op == HP_WRITE)
		memcpy(p, buf, len);
	else
		memset(p, 0, len);
}

/*
 * Copy *@len bytes between byte @pos of a block and @buf, or zero the
 * block from @pos to its end (HP_ZERO, which sets *@len to the bytes
 * cleared).  Up to CKREMM_STEP_BYTES are copied under the lock; more
 * under a hold, with the lock dropped: shared for a read, alone
 * otherwise.
 */
static int hp_access(struct h_pool *pool, const void *ptr, size_t pos,
		     void *buf, size_t *len, enum hp_op op)
{
	bool alone = op != HP_READ;
	unsigned long flags;
	size_t usable;
	int ret = 0;
	u8 *p;
	u32 off;

	if (!pool) {
		ckremm_warn("h_pool: block access in a NULL pool\n");
		return -EINVAL;
	}
	flags = ckremm_lock(&pool->lock);
	off = hp_lookup(pool, ptr, false);
	if (off == HP_NIL) {
		ret = -EINVAL;
		goto out;
	}
	usable = hp_usable(hp_hdr(pool, off));
	if (op == HP_ZERO && pos <= usable)
		*len = usable - pos;
	if (pos > usable || *len > usable - pos) {
		hp_refuse(pool, "access past the end of a block");
		ret = -EINVAL;
		goto out;
	}
	p = (u8 *)hp_payload(pool, off) + pos;
	if (*len <= CKREMM_STEP_BYTES) {
		if (hp_may_hold(hp_hdr(pool, off)->flags, alone))
			hp_move_bytes(p, buf, *len, op);
		else
			ret = alone ? hp_busy(pool, off) : -EBUSY;
		goto out;
	}
	ret = hp_hold_locked(pool, off, alone);
	if (ret)
		goto out;
	ckremm_unlock(&pool->lock, flags);
	hp_move_bytes(p, buf, *len, op);
	flags = ckremm_lock(&pool->lock);
	hp_unhold_locked(pool, off, alone);
out:
	ckremm_unlock(&pool->lock, flags);
	return ret;
}

/**
 * h_pool_read() - copy bytes out of a block
 * @pool: the pool
 * @ptr: the block
 * @pos: first byte to copy, counted from the start of the payload
 * @buf: destination
 * @len: bytes to copy; may be 0
 *
 * Checks @ptr under the lock, so it is safe against a block that another
 * CPU frees meanwhile.  Up to CKREMM_STEP_BYTES are copied under the
 * lock; more under a shared hold with the lock dropped.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL if @ptr is not a live block, the range does not lie
 * inside its usable bytes, or @buf is NULL; -EBUSY if another call holds
 * the block alone or waits to, or 65535 readers share it.
 */
int h_pool_read(struct h_pool *pool, const void *ptr, size_t pos,
		void *buf, size_t len)
{
	if (!buf && len)
		return -EINVAL;
	return hp_access(pool, ptr, pos, buf, &len, HP_READ);
}
EXPORT_SYMBOL_NS_GPL(h_pool_read, CKREMM_NS);

/**
 * h_pool_write() - copy bytes into a block
 * @pool: the pool
 * @ptr: the block
 * @pos: first byte to write, counted from the start of the payload
 * @buf: source
 * @len: bytes to copy; may be 0
 *
 * Up to CKREMM_STEP_BYTES are copied under the lock; more while holding
 * the block alone, with the lock dropped.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL if @ptr is not a live block, the range does not lie
 * inside its usable bytes, or @buf is NULL; -EBUSY if another call holds
 * the block.  Nothing is written on error.
 */
int h_pool_write(struct h_pool *pool, void *ptr, size_t pos,
		 const void *buf, size_t len)
{
	if (!buf && len)
		return -EINVAL;
	return hp_access(pool, ptr, pos, (void *)buf, &len, HP_WRITE);
}
EXPORT_SYMBOL_NS_GPL(h_pool_write, CKREMM_NS);

/**
 * h_pool_clean() - zero every usable byte of a block, saying why not
 * @pool: the pool
 * @ptr: the block
 * @cleaned: if not NULL, receives the bytes cleared (the usable size)
 *
 * A block larger than CKREMM_STEP_BYTES is held alone and cleared with
 * the lock dropped.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL if @ptr is not a live block of @pool; -EBUSY if
 * another call holds the block.  Nothing is cleared on error.
 */
int h_pool_clean(struct h_pool *pool, void *ptr, size_t *cleaned)
{
	size_t len = 0;
	int ret;

	ret = hp_access(pool, ptr, 0, NULL, &len, HP_ZERO);
	if (!ret && cleaned)
		*cleaned = len;
	return ret;
}
EXPORT_SYMBOL_NS_GPL(h_pool_clean, CKREMM_NS);

/**
 * clean_h_ptr() - zero every usable byte of a block
 * @pool: the pool
 * @ptr: the block
 *
 * h_pool_clean() for callers that need no reason.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: true, or false (nothing cleared) if h_pool_clean() would fail.
 */
bool clean_h_ptr(struct h_pool *pool, void *ptr)
{
	return !h_pool_clean(pool, ptr, NULL);
}
EXPORT_SYMBOL_NS_GPL(clean_h_ptr, CKREMM_NS);

/**
 * h_pool_hold() - hold a block while its bytes are used directly
 * @pool: the pool
 * @ptr: the block
 * @alone: hold it alone, to change its bytes; else share the hold with
 *	other readers
 * @usable: if not NULL, receives the block's usable bytes
 *
 * While the hold lasts the block is not freed or resized, and while it is
 * held alone no other call reads or writes it through the pool: the
 * caller may read (or, holding it alone, write) its usable bytes at @ptr
 * with no lock held, also where it may sleep, as the device does to copy
 * to and from user memory.  A conflicting hold is refused, never waited
 * for.  Every hold must be released with h_pool_unhold() before the
 * block is freed or the pool destroyed.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL if @ptr is not a live block of @pool; -EBUSY if
 * another call holds the block alone, or (for @alone) shares it, or (for
 * a shared hold) a call that needs it alone waits for its readers to go,
 * or 65535 readers share it already.
 */
int h_pool_hold(struct h_pool *pool, const void *ptr, bool alone,
		size_t *usable)
{
	unsigned long flags;
	int ret;
	u32 off;

	if (!pool)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	off = hp_lookup(pool, ptr, false);
	if (off == HP_NIL) {
		ret = -EINVAL;
	} else {
		ret = hp_hold_locked(pool, off, alone);
		if (!ret && usable)
			*usable = hp_usable(hp_hdr(pool, off));
	}
	ckremm_unlock(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(h_pool_hold, CKREMM_NS);

/**
 * h_pool_unhold() - release a hold taken with h_pool_hold()
 * @pool: the pool
 * @ptr: the block
 * @alone: as given to h_pool_hold()
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0, or -EINVAL if @ptr is not a live block holding such a hold.
 */
int h_pool_unhold(struct h_pool *pool, const void *ptr, bool alone)
{
	unsigned long flags;
	const char *why;
	int ret = 0;
	u32 off;

	if (!pool)
		return -EINVAL;
	flags = ckremm_lock(&pool->lock);
	off = hp_find_used(pool, ptr, &why);
	if (off == HP_NIL || !hp_unhold_locked(pool, off, alone)) {
		hp_refuse(pool, off == HP_NIL ? why : "release of a hold not taken");
		ret = -EINVAL;
	}
	ckremm_unlock(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(h_pool_unhold, CKREMM_NS);

/**
 * h_pool_resize() - resize a block, keeping its contents and alignment
 * @pool: the pool
 * @ptr: the block
 * @size: new payload bytes, at least 1
 * @moved: receives the block's address, which may have changed
 *
 * Shrinking is always done in place.  Growing is in place when the next
 * block is free and large enough; otherwise a new block of the same
 * alignment is allocated, both blocks are held alone while the contents
 * are copied with the lock dropped, and the old block is freed.  No other
 * call can free, resize, read or write either block meanwhile: they get
 * -EBUSY.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL if @ptr is not a live block of @pool or @size is 0;
 * -EBUSY if another call holds the block; -ENOMEM if no free block fits
 * (also for a @size no pool can hold).  On error the block is as it was.
 */
int h_pool_resize(struct h_pool *pool, void *ptr, size_t size, void **moved)
{
	u32 units, off, next, new_off;
	unsigned long flags;
	size_t align, keep;
	struct hp_hdr *h;
	const char *why;
	int ret = 0;

	if (!pool) {
		ckremm_warn("h_pool: realloc in a NULL pool\n");
		return -EINVAL;
	}
	flags = ckremm_lock(&pool->lock);
	off = hp_find_owned(pool, ptr, &why);
	if (off == HP_NIL || !size) {
		hp_refuse(pool, off == HP_NIL ? why : "realloc to size 0");
		ret = -EINVAL;
		goto out;
	}
	if (hp_is_held(pool, off)) {
		ret = hp_busy(pool, off);
		goto out;
	}
	if (!hp_units_for(size, &units)) {
		hp_refuse(pool, "realloc to an impossible size");
		ret = -ENOMEM;
		goto out;
	}
	*moved = ptr;
	h = hp_hdr(pool, off);
	if (units <= h->units) {
		pool->used_units -= hp_trim(pool, off, units);
		goto out;
	}
	next = off + h->units;
	if (next < pool->arena_units && hp_is_free(pool, next) &&
	    (size_t)h->units + hp_hdr(pool, next)->units >= units &&
	    hp_pg_commit(pool, next, h->units + hp_hdr(pool, next)->units >
			 units + HP_MIN_UNITS ? off + units + HP_MIN_UNITS :
			 next + hp_hdr(pool, next)->units)) {
		u32 next_units = hp_hdr(pool, next)->units;

		hp_remove(pool, next);
		hp_poison(pool, next);
		hp_set(pool, off, h->prev_units, h->units + next_units, h->flags);
		hp_set_back(pool, off + h->units, h->units, false);
		pool->seq++;
		hp_account_used(pool, next_units - hp_trim(pool, off, units));
		goto out;
	}

	align = (size_t)1 << ((h->flags & HP_ALIGN_MASK) >> HP_ALIGN_SHIFT);
	keep = hp_usable(h) < size ? hp_usable(h) : size;
	/* Held alone, the block stays put while a flush drops the lock. */
	hp_hold_locked(pool, off, true);
	new_off = hp_alloc_flushing(pool, units, align, &flags);
	if (new_off == HP_NIL) {
		hp_unhold_locked(pool, off, true);
		ret = -ENOMEM;
		goto out;
	}
	hp_hold_locked(pool, new_off, true);
	ckremm_unlock(&pool->lock, flags);

	memcpy(hp_payload(pool, new_off), ptr, keep);

	flags = ckremm_lock(&pool->lock);
	hp_unhold_locked(pool, new_off, true);
	*moved = hp_payload(pool, new_off);
	/*
	 * Held alone, the old block is still the one found above, unless an
	 * overrun damaged its neighbours meanwhile: then it is left (leaked,
	 * and no longer held) rather than merged with a forged header.
	 */
	if (hp_find_owned(pool, ptr, &why) == off) {
		hp_free_locked(pool, off);
	} else {
		if (hp_find_used(pool, ptr, &why) == off)
			hp_unhold_locked(pool, off, true);
		hp_refuse(pool, why);
	}
out:
	ckremm_unlock(&pool->lock, flags);
	ckremm_trace_resize(pool->label, hp_block_of(pool, ptr), size,
			    ret ? 0 : hp_block_of(pool, *moved), ret);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(h_pool_resize, CKREMM_NS);

/**
 * h_pool_realloc() - resize a block, keeping its contents and alignment
 * @pool: the pool
 * @ptr: the block, or NULL to allocate a new one
 * @size: new payload bytes, at least 1
 *
 * h_pool_resize() in the manner of krealloc().
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: the block's address, which may have changed, or NULL if nothing
 * fits or h_pool_resize() would fail; on NULL the block is left as it was.
 */
void *h_pool_realloc(struct h_pool *pool, void *ptr, size_t size)
{
	void *moved;

	if (!ptr)
		return h_pool_alloc(pool, size);
	return h_pool_resize(pool, ptr, size, &moved) ? NULL : moved;
}
EXPORT_SYMBOL_NS_GPL(h_pool_realloc, CKREMM_NS);

/**
 * h_pool_alloc_batch() - allocate several blocks of one size at once
 * @pool: the pool
 * @size: payload bytes of each block
 * @align: as for h_pool_alloc_aligned()
 * @ptrs: receives @count pointers
 * @count: 1..H_POOL_BATCH_MAX
 *
 * All or nothing, under one hold of the lock: O(@count).  In a pool with
 * a front cache, a batch that does not fit merges the cache first (a few
 * blocks per hold of the lock) and is tried once more.
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL for a bad @count, @align or a @size of 0; -ENOMEM
 * if not all blocks fit (also for a @size no pool can hold), in which
 * case none is allocated.
 */
int h_pool_alloc_batch(struct h_pool *pool, size_t size, size_t align,
		       void **ptrs, unsigned int count)
{
	bool flushed = false;
	unsigned long flags;
	unsigned int i;
	size_t peak;
	int ret = 0;
	u32 units;

	if (!pool || !ptrs) {
		ckremm_warn("h_pool: batch alloc with a NULL argument\n");
		return -EINVAL;
	}
	flags = ckremm_lock(&pool->lock);
	align = hp_align_for(align);
	if (!count || count > H_POOL_BATCH_MAX || !align || !size) {
		hp_refuse(pool, "batch alloc with a bad count, size or alignment");
		ret = -EINVAL;
		goto out;
	}
	if (!hp_units_for(size, &units)) {
		hp_refuse(pool, "batch alloc of an impossible size");
		ret = -ENOMEM;
		goto out;
	}
again:
	peak = pool->peak_units;
	for (i = 0; i < count; i++) {
		u32 off = hp_alloc_locked(pool, units, align);

		if (off == HP_NIL) {
			while (i--)
				hp_free_locked(pool, hp_off_of(pool, ptrs[i]));
			pool->peak_units = peak;
			if (hp_cached(pool) && pool->cached_blocks && !flushed) {
				flushed = true;
				pool->failed_allocs--;
				hp_cache_flush(pool, &flags);
				goto again;
			}
			ret = -ENOMEM;
			goto out;
		}
		ptrs[i] = hp_payload(pool, off);
	}
out:
	ckremm_unlock(&pool->lock, flags);
	if (ret)
		ckremm_trace_alloc(pool->label, size, 0, ret);
	else if (ckremm_trace_alloc_enabled())
		for (i = 0; i < count; i++)
			ckremm_trace_alloc(pool->label, size,
					   hp_block_of(pool, ptrs[i]), 0);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(h_pool_alloc_batch, CKREMM_NS);

static void hp_set_mark(struct h_pool *pool, u32 off, bool mark)
{
	struct hp_hdr *h = hp_hdr(pool, off);
	u32 flags = mark ? h->flags | HP_MARK : h->flags & ~HP_MARK;

	hp_set(pool, off, h->prev_units, h->units, flags);
}

/**
 * h_pool_dealloc_batch() - free several blocks at once
 * @pool: the pool
 * @ptrs: @count blocks of @pool
 * @count: 1..H_POOL_BATCH_MAX
 *
 * Every pointer is checked, duplicates included, before any is freed,
 * under one hold of the lock: O(@count).
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 * Return: 0; -EINVAL (nothing freed) if @count is out of range or any
 * pointer is not a live block or appears twice; -EBUSY (nothing freed)
 * if another call holds any of the blocks.
 */
int h_pool_dealloc_batch(struct h_pool *pool, void *const *ptrs,
			 unsigned int count)
{
	unsigned long flags;
	u64 bad = 0;
	unsigned int i, j;
	const char *why;
	int ret = 0;
	u32 off;

	if (!pool || !ptrs) {
		ckremm_warn("h_pool: batch free with a NULL argument\n");
		return -EINVAL;
	}
	flags = ckremm_lock(&pool->lock);
	if (!count || count > H_POOL_BATCH_MAX) {
		hp_refuse(pool, "batch free with a bad count");
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < count; i++) {
		off = hp_find_owned(pool, ptrs[i], &why);
		if (off != HP_NIL && (hp_hdr(pool, off)->flags & HP_MARK)) {
			off = HP_NIL;
			why = "the same block twice in one batch free";
		}
		ret = off == HP_NIL ? -EINVAL :
		      hp_is_held(pool, off) ? hp_busy(pool, off) : 0;
		if (ret) {
			for (j = 0; j < i; j++)
				hp_set_mark(pool, hp_off_of(pool, ptrs[j]), false);
			if (ret == -EINVAL)
				hp_refuse(pool, why);
			bad = hp_block_of(pool, ptrs[i]);
			goto out;
		}
		hp_set_mark(pool, off, true);
	}
	for (i = 0; i < count; i++) {
		off = hp_off_of(pool, ptrs[i]);
		hp_set_mark(pool, off, false);
		hp_free_locked(pool, off);
	}
out:
	ckremm_unlock(&pool->lock, flags);
	if (ret)
		ckremm_trace_free(pool->label, bad, ret);
	else if (ckremm_trace_free_enabled())
		for (i = 0; i < count; i++)
			ckremm_trace_free(pool->label,
					  hp_block_of(pool, ptrs[i]), 0);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(h_pool_dealloc_batch, CKREMM_NS);

/*
 * Largest free block in units, from the first CKREMM_SF_TOP_SCAN blocks of
 * the highest non-empty class: exact unless that class holds more, and
 * never below 15/16 of the exact figure, since a class spans 1/16.
 */
static u32 hp_largest_free(struct h_pool *pool)
{
	unsigned int seen = 0;
	u32 off, best = 0;

	for (off = ckremm_sf_top(&pool->index);
	     off != HP_NIL && seen++ < CKREMM_SF_TOP_SCAN;
	     off = hp_checked_link(pool, hp_next(pool, off))) {
		if (hp_hdr(pool, off)->units > best)
			best = hp_hdr(pool, off)->units;
	}
	return best;
}

/**
 * h_pool_get_stats() - take a consistent snapshot of a pool's figures
 * @pool: the pool
 * @stats: filled in
 *
 * O(1): the largest free block is found among the first few blocks of the
 * highest non-empty size class (see struct h_pool_stats).
 *
 * Context: Any context; takes the pool lock with interrupts disabled.
 */
void h_pool_get_stats(struct h_pool *pool, struct h_pool_stats *stats)
{
	unsigned long flags;
	size_t largest;

	memset(stats, 0, sizeof(*stats));
	if (!pool)
		return;
	flags = ckremm_lock(&pool->lock);
	largest = (size_t)hp_largest_free(pool) << HP_GRANULE_SHIFT;
	stats->arena_size = pool->arena_size;
	stats->used_bytes = pool->used_units << HP_GRANULE_SHIFT;
	stats->free_bytes = pool->arena_size - stats->used_bytes;
	stats->largest_free = largest ? largest - H_POOL_HEADER_SIZE : 0;
	stats->used_blocks = pool->used_blocks;
	stats->free_blocks = pool->free_blocks;
	stats->cached_blocks = pool->cached_blocks;
	stats->peak_used = pool->peak_units << HP_GRANULE_SHIFT;
	stats->failed_allocs = pool->failed_allocs;
	stats->refused_calls = pool->refused_calls;
	stats->committed_bytes = pool->arena_size;
#ifdef CONFIG_CKREMM_PAGING
	stats->committed_bytes -= pool->pg.purged_pages * CKREMM_PAGE_SIZE;
	stats->purged_bytes = pool->pg.purged_bytes;
	stats->commit_failures = pool->pg.commit_failures;
#endif
	stats->header_bytes = (pool->used_blocks + pool->free_blocks) *
			      H_POOL_HEADER_SIZE;
	if (stats->free_bytes)
		stats->frag_permille = 1000 - ckremm_permille(largest,
							      stats->free_bytes);
	ckremm_unlock(&pool->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(h_pool_get_stats, CKREMM_NS);

/**
 * h_pool_arena() - where a pool's arena lies
 * @pool: the pool
 * @size: if not NULL, receives the arena's size in bytes
 *
 * The arena does not move for the pool's lifetime.  Offsets of blocks in
 * it are what /dev/ckremm shows userspace in place of pointers.
 *
 * Context: Any context.
 * Return: the arena's first byte, or NULL if @pool is NULL.
 */
void *h_pool_arena(struct h_pool *pool, size_t *size)
{
	if (!pool)
		return NULL;
	if (size)
		*size = pool->arena_size;
	return pool->arena;
}
EXPORT_SYMBOL_NS_GPL(h_pool_arena, CKREMM_NS);
