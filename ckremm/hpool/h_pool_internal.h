/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm header pool: what h_pool.c (the allocator) and h_pool_check.c
 * (validate, reorder and walk) share: the layout of a block header, the
 * pool, and the helpers that read and write headers and the free index.
 * See the top of h_pool.c for the design.
 */
#ifndef CKREMM_H_POOL_INTERNAL_H
#define CKREMM_H_POOL_INTERNAL_H

#include "ckremm_port.h"
#include "ckremm_segfit.h"
#include <ckremm/h_pool.h>

#define HP_GRANULE_SHIFT	4
#define HP_GRANULE		BIT(HP_GRANULE_SHIFT)
/* One header granule and one payload granule (room for the free links). */
#define HP_MIN_UNITS		2U
/* Block sizes and offsets are counted in 16-byte units and fit 32 bits. */
#define HP_NIL			CKREMM_SF_NIL

#define HP_FREE			0x1U	/* block is in the free index */
#define HP_MARK			0x2U	/* transient: claimed by a batch free */
#define HP_HELD_ALONE		0x4U	/* one request holds the block alone */
#define HP_WRITER_WAITS		0x8U	/* refused for readers: no new readers */
#define HP_CACHED		0x10U	/* freed, waiting in the front cache */
#define HP_ALIGN_SHIFT		8	/* log2 of the requested alignment */
#define HP_ALIGN_MASK		(0xffU << HP_ALIGN_SHIFT)
/* log2 of the largest alignment handed out, the page size */
#define HP_MAX_ALIGN_SHIFT	(ckremm_ffs32((u32)CKREMM_PAGE_SIZE))
#define HP_READER		BIT(16)	/* one shared hold, counted */
#define HP_READERS_MASK		(0xffffU * HP_READER)
#define HP_HOLDS		(HP_HELD_ALONE | HP_READERS_MASK)
/* The flags of a used block of the natural alignment, free to cache. */
#define HP_PLAIN		(HP_GRANULE_SHIFT << HP_ALIGN_SHIFT)
#define HP_KNOWN_FLAGS		(HP_FREE | HP_CACHED | HP_ALIGN_MASK | \
				 HP_HOLDS | HP_WRITER_WAITS)

/* Blocks a walk over the arena looks at per hold of the lock. */
#define HP_STEP_BLOCKS		256
/* Fresh starts a stepped walk makes when the pool changes under it. */
#define HP_CHECK_TRIES		16

/* Front cache (H_POOL_CACHE): blocks kept per size. */
#define HP_CACHE_DEPTH		32
/* Sizes cached: blocks of 2..257 units, payloads of up to 4 KiB. */
#define HP_CACHE_MAX_SIZES	256
/* One cached size per this much arena, so the cache costs under 1%. */
#define HP_CACHE_ARENA_PER_SIZE	16384
/* Cached blocks a flush merges per hold of the lock. */
#define HP_CACHE_FLUSH_STEP	8

/*
 * struct hp_hdr - the inline header at the start of every block
 * @prev_units: size of the block just before this one; 0 for the first
 * @units: size of this block in 16-byte units, header included
 * @flags: HP_FREE, HP_MARK, the requested alignment's log2, and the
 *	holds on a used block (HP_HELD_ALONE, or a count of HP_READER and
 *	HP_WRITER_WAITS)
 * @check: hp_checksum() of the fields above and the block's offset in a
 *	keyed pool; 0 in others
 */
struct hp_hdr {
	u32 prev_units;
	u32 units;
	u32 flags;
	u32 check;
};

/* In the first payload bytes of a free block: its free-list neighbours. */
struct hp_links {
	u32 next;
	u32 prev;
};

/*
 * struct hp_paging - which pages of the arena the paging module gave back
 *	(ckremm/paging/h_paging.c); only in builds with it
 * @purged: bit per whole page of the arena: given back, to be committed
 *	before anything is written on it
 * @seen: bit per page: inside a free block's interior when the pager last
 *	looked, and nothing placed on it since; NULL while no pager ever
 *	managed the pool (nothing is purged, nothing needs committing)
 * @pages: whole pages of the arena
 * @purged_pages: bits set in @purged
 * @purging_lo: first page a purge step has out
 * @purging_hi: the page after its last; equal to @purging_lo when none
 *	is out.  An allocation that needs one of them fails.
 * @managed: a pager manages the pool
 * @purged_bytes: bytes given back, in total
 * @commit_failures: allocations failed for want of a commit
 */
struct hp_paging {
	u32 *purged;
	u32 *seen;
	size_t pages;
	size_t purged_pages;
	size_t purging_lo;
	size_t purging_hi;
	bool managed;
	size_t purged_bytes;
	size_t commit_failures;
};

struct h_pool {
	struct ckremm_lock lock;
	const char *label;	/* the port's name of the pool (its events') */
	u8 *arena;
	size_t arena_size;
	u32 arena_units;
	struct ckremm_hash_key key;
	bool keyed;	/* H_POOL_KEYED: headers carry hp_checksum() */
	bool own_arena;	/* the arena is the port's, freed with the pool */
	bool own_meta;	/* this structure and the tables are the port's */
	u32 link_salt;	/* see hp_link_mask() */
	u8 *starts;	/* bit per unit: a header the pool wrote starts there */

	struct ckremm_segfit index;
	u32 last;	/* offset of the last block of the arena */
	u32 seq;	/* bumped by every change to a header or the index */

	size_t used_units;
	size_t peak_units;
	size_t used_blocks;
	size_t free_blocks;
	size_t failed_allocs;
	size_t refused_calls;

	/* H_POOL_CACHE; see "Front cache" in h_pool.c */
	u32 *cache;		/* HP_CACHE_DEPTH offsets per size */
	u8 *cache_count;	/* blocks cached per size */
	u32 cache_sizes;	/* sizes cached: blocks of 2..cache_sizes + 1 units */
	u32 cache_cursor;	/* size a flush looks at next */
	size_t cached_blocks;	/* counted in used_blocks and used_units too */
#ifdef CONFIG_CKREMM_PAGING
	struct hp_paging pg;
#endif
};

/*
 * A lean build (CONFIG_CKREMM_HPOOL_LEAN in ckremm.config) leaves out the
 * keyed headers and the front cache, for the smallest code: H_POOL_KEYED
 * and H_POOL_CACHE are refused, and to the compiler no pool has either, so
 * their code goes.
 */
#ifdef CONFIG_CKREMM_HPOOL_LEAN
#define HP_LEAN		1
#else
#define HP_LEAN		0
#endif

/* Whether @pool signs its headers (H_POOL_KEYED). */
static __always_inline bool hp_keyed(const struct h_pool *pool)
{
	return !HP_LEAN && pool->keyed;
}

/* Whether @pool has a front cache (H_POOL_CACHE). */
static __always_inline bool hp_cached(const struct h_pool *pool)
{
	return !HP_LEAN && pool->cache;
}

/* ---- headers --------------------------------------------------------- */

static inline struct hp_hdr *hp_hdr(const struct h_pool *pool, u32 off)
{
	return (struct hp_hdr *)(pool->arena + ((size_t)off << HP_GRANULE_SHIFT));
}

static inline struct hp_links *hp_links(const struct h_pool *pool, u32 off)
{
	return (struct hp_links *)(hp_hdr(pool, off) + 1);
}

/*
 * Free-list links are stored encoded, in the spirit of the kernel's
 * CONFIG_SLAB_FREELIST_HARDENED: XORed with a random value of the pool's
 * and a mix of the offset of the block that holds them.  An overrun that
 * writes a plausible offset over a free block's links then decodes to a
 * link that hp_checked_link() refuses, rather than one that steers the
 * next allocation into a block of the overrun's choosing.  (Userspace,
 * which can read links through a mapping, cannot write them.)
 */
static inline u32 hp_link_mask(const struct h_pool *pool, u32 off)
{
	return pool->link_salt ^ (off * 0x9e3779b1U);
}

static inline u32 hp_next(const struct h_pool *pool, u32 off)
{
	return hp_links(pool, off)->next ^ hp_link_mask(pool, off);
}

static inline u32 hp_prev(const struct h_pool *pool, u32 off)
{
	return hp_links(pool, off)->prev ^ hp_link_mask(pool, off);
}

static inline void hp_set_next(struct h_pool *pool, u32 off, u32 next)
{
	hp_links(pool, off)->next = next ^ hp_link_mask(pool, off);
}

static inline void hp_set_prev(struct h_pool *pool, u32 off, u32 prev)
{
	hp_links(pool, off)->prev = prev ^ hp_link_mask(pool, off);
}

static inline void *hp_payload(const struct h_pool *pool, u32 off)
{
	return hp_hdr(pool, off) + 1;
}

static inline size_t hp_usable(const struct hp_hdr *h)
{
	return ((size_t)h->units - 1) << HP_GRANULE_SHIFT;
}

static inline bool hp_is_free(const struct h_pool *pool, u32 off)
{
	return hp_hdr(pool, off)->flags & HP_FREE;
}

/*
 * The paging module's hook: before an allocation or a resize writes on
 * units [@from, @to) of what was a free block, commit the pages of it the
 * pager gave back, and forget that the others were seen free.  False if
 * they cannot be committed or a purge step has one out (nothing changes
 * but pages committed).  Always true in builds without the module.
 */
#ifdef CONFIG_CKREMM_PAGING
static inline bool hp_pg_bit(const u32 *map, size_t p)
{
	return map[p / 32] & BIT(p % 32);
}

static inline bool hp_pg_commit(struct h_pool *pool, u32 from, u32 to)
{
	struct hp_paging *pg = &pool->pg;
	size_t first, last, p, run;

	if (!pg->seen)
		return true;
	first = ((size_t)from << HP_GRANULE_SHIFT) / CKREMM_PAGE_SIZE;
	last = (((size_t)to << HP_GRANULE_SHIFT) + CKREMM_PAGE_SIZE - 1) /
	       CKREMM_PAGE_SIZE;
	if (last > pg->pages)
		last = pg->pages;
	if (first < pg->purging_hi && pg->purging_lo < last)
		goto fail;
	for (p = first; p < last; p = run + 1) {
		run = p;
		if (!hp_pg_bit(pg->purged, p))
			continue;
		while (run < last && hp_pg_bit(pg->purged, run))
			run++;
		if (ckremm_arena_commit(pool->arena, p * CKREMM_PAGE_SIZE,
					(run - p) * CKREMM_PAGE_SIZE))
			goto fail;
		pg->purged_pages -= run - p;
		for (; p < run; p++)
			pg->purged[p / 32] &= ~BIT(p % 32);
	}
	for (p = first; p < last; p++)
		pg->seen[p / 32] &= ~BIT(p % 32);
	return true;
fail:
	pg->commit_failures++;
	return false;
}
#else
static inline bool hp_pg_commit(struct h_pool *pool, u32 from, u32 to)
{
	(void)pool;
	(void)from;
	(void)to;
	return true;
}
#endif

/*
 * Binds a header to its offset under the pool's secret key (H_POOL_KEYED
 * pools; 0 in others).  The key must not be recoverable from headers,
 * which userspace may read through a mapping of the arena: hence a keyed
 * PRF rather than a cheap mix.
 */
u32 hp_keyed_checksum(const struct h_pool *pool, u32 off,
		      const struct hp_hdr *h);

static __always_inline u32 hp_checksum(const struct h_pool *pool, u32 off,
				       const struct hp_hdr *h)
{
	if (!hp_keyed(pool))
		return 0;
	return hp_keyed_checksum(pool, off, h);
}

static __always_inline bool hp_is_start(const struct h_pool *pool,
					u32 off)
{
	return pool->starts[off >> 3] & BIT(off & 7);
}

static __always_inline void hp_set(struct h_pool *pool, u32 off,
				   u32 prev_units, u32 units, u32 flags)
{
	struct hp_hdr *h = hp_hdr(pool, off);

	pool->starts[off >> 3] |= BIT(off & 7);
	h->prev_units = prev_units;
	h->units = units;
	h->flags = flags;
	h->check = hp_checksum(pool, off, h);
	if (off + units == pool->arena_units)
		pool->last = off;
}

/* A header swallowed by a merge must never validate again. */
static inline void hp_poison(struct h_pool *pool, u32 off)
{
	memset(hp_hdr(pool, off), 0, sizeof(struct hp_hdr));
	pool->starts[off >> 3] &= ~BIT(off & 7);
}

/*
 * Does the header at @off describe a block that fits the arena, at a place
 * where the pool started a block?  Header bytes copied into a payload, as
 * a writer of the pool can do, never start a block.
 */
static __always_inline bool hp_hdr_fits(const struct h_pool *pool,
					u32 off)
{
	const struct hp_hdr *h = hp_hdr(pool, off);

	/* Unsigned wrap folds each pair of bounds into one comparison. */
	return hp_is_start(pool, off) &&
	       h->units - HP_MIN_UNITS <= pool->arena_units - off - HP_MIN_UNITS &&
	       (off ? h->prev_units - 1 < off : !h->prev_units);
}

/*
 * ...and is it a header the pool wrote?  Checked where a caller's pointer
 * or a list head is about to be trusted; headers reached from one already
 * checked are only checked to fit, which keeps every access inside the
 * arena.  A keyed pool asks for the checksum; others for the flags a
 * header of its kind is written with (HP_MARK is a batch free's, within
 * one hold of the lock) and, when the header is to be trusted, a block
 * after it that starts where the header says and agrees on its size, and
 * for a free header, its place on its free list (hp_hdr_sane()).  A
 * whole-pool check asks hp_hdr_own() of every header and compares the
 * sizes itself, so that it names the damaged header rather than the one
 * before it.
 */
static __always_inline bool hp_hdr_own(const struct h_pool *pool,
				       u32 off)
{
	const struct hp_hdr *h = hp_hdr(pool, off);
	u32 flags = h->flags, align;

	if (!hp_hdr_fits(pool, off))
		return false;
	if (hp_keyed(pool))
		return h->check == hp_checksum(pool, off, h);
	/* A free header is written with HP_FREE alone, a cached one so. */
	if (flags & HP_FREE)
		return flags == HP_FREE && !h->check;
	if (flags & HP_CACHED)
		return flags == (HP_CACHED | HP_PLAIN) && !h->check;
	/* A used one with the alignment it was allocated with. */
	align = (flags & HP_ALIGN_MASK) >> HP_ALIGN_SHIFT;
	return !(flags & ~(HP_KNOWN_FLAGS | HP_MARK)) && !h->check &&
	       align - HP_GRANULE_SHIFT <= HP_MAX_ALIGN_SHIFT - HP_GRANULE_SHIFT;
}

/*
 * Tell the block at @next, unless it is the end of the arena, that the
 * block before it is now @units long.  Callers reach @next from a header
 * they have checked, so it starts a block.  The structural mode writes
 * that one field and vouches for nothing else.  A keyed pool signs the
 * header afresh, so it asks for its checksum first, unless @checked says
 * the caller has just checked it: a header forged by an overrun is left
 * as found, for the calls that trust it to refuse.  Only the header's own
 * fields are asked for, not its agreement with the block after it, which
 * an overrun of this block's neighbour cannot have changed.
 */
static __always_inline void hp_set_back(struct h_pool *pool, u32 next,
					u32 units, bool checked)
{
	struct hp_hdr *h;

	if (next >= pool->arena_units)
		return;
	if (hp_keyed(pool) && !checked && !hp_hdr_own(pool, next)) {
		ckremm_warn("h_pool: block header damaged at offset %zu (overrun?)\n",
			    (size_t)next << HP_GRANULE_SHIFT);
		return;
	}
	h = hp_hdr(pool, next);
	h->prev_units = units;
	h->check = hp_checksum(pool, next, h);
}

/* Whether a free-list link may be followed: it names a free block. */
static __always_inline bool hp_link_ok(const struct h_pool *pool,
				       u32 link)
{
	return link <= pool->arena_units - HP_MIN_UNITS &&
	       hp_is_start(pool, link) && hp_is_free(pool, link);
}

static __always_inline void hp_insert(struct h_pool *pool, u32 off)
{
	unsigned int fl, sl;
	u32 head;

	ckremm_sf_class(hp_hdr(pool, off)->units, &fl, &sl);
	head = pool->index.heads[fl][sl];
	hp_set_next(pool, off, head);
	hp_set_prev(pool, off, HP_NIL);
	if (head != HP_NIL)
		hp_set_prev(pool, head, off);
	pool->index.heads[fl][sl] = off;
	ckremm_sf_set(&pool->index, fl, sl, true);
	pool->free_blocks++;
}

/* Take free block @off, which passed hp_is_listed(), off its list. */
static __always_inline void hp_remove(struct h_pool *pool, u32 off)
{
	u32 next = hp_next(pool, off), prev = hp_prev(pool, off);
	unsigned int fl, sl;

	ckremm_sf_class(hp_hdr(pool, off)->units, &fl, &sl);
	if (next != HP_NIL)
		hp_set_prev(pool, next, prev);
	if (prev != HP_NIL) {
		hp_set_next(pool, prev, next);
	} else {
		pool->index.heads[fl][sl] = next;
		if (next == HP_NIL)
			ckremm_sf_set(&pool->index, fl, sl, false);
	}
	pool->free_blocks--;
}

bool hp_hdr_sane(const struct h_pool *pool, u32 off);
u32 hp_absorb_next(struct h_pool *pool, u32 next);
void hp_cache_flush(struct h_pool *pool, unsigned long *flags);

#endif /* CKREMM_H_POOL_INTERNAL_H */
