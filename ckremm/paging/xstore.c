// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ckremm external store: blocks paged out to a region the CPU reaches
 * only through a board's callbacks (include/ckremm/xstore.h).
 *
 * What it keeps
 * -------------
 * The region is cut into granules of a power-of-two size.  A copy takes
 * the fewest whole granules that hold it, contiguous in the region, so
 * that it is one read and one write (and one erase, for flash); the key
 * is the first granule and the count, (count << 32) | first, so that a
 * drop needs nothing but the key.  Which granules are in use is a bitmap
 * in ordinary memory, one bit per granule, given by the caller: nothing
 * is allocated, and the region holds the blocks' bytes only (a power cut
 * loses the map: the region is a cache of the pool, not a file system).
 *
 * A put searches the bitmap for a run of free granules next-fit, from
 * where the last put ended, a word of 32 or 64 granules at a time where
 * the word is full: O(granules / word) at worst, with the pool lock
 * dropped (the pager calls put so).  A get is one read; a drop clears
 * the copy's bits, O(its granules), and may be called with the pool lock
 * held (a page-in at an access, where the store does not sleep).
 *
 * Flash: with an erase callback, the granules of a copy are erased just
 * before they are written, so that a granule is erased once per write;
 * the pager's write budget (ckremm_paging_params.write_budget) bounds the
 * bytes written per tick, and written and erased count them in total.
 * Granules are taken next-fit, so writes move on through the region
 * rather than wearing its start.
 *
 * Errors: -E2BIG for a block larger than the region (it stays resident),
 * -ENOSPC when no run of free granules fits, -EIO when a callback fails.
 *
 * Context: the callbacks' own.  A store whose callbacks sleep must say so
 * (CKREMM_STORE_SLEEPS); it does not lock itself, so the pager serialises
 * its calls.
 */

#include "ckremm_port.h"
#include <ckremm/xstore.h>

#define XS_WORD_BITS	(8 * sizeof(unsigned long))

static bool xs_bit(const struct ckremm_xstore *xs, u32 i)
{
	return xs->map[i / XS_WORD_BITS] >> (i % XS_WORD_BITS) & 1;
}

static void xs_set(struct ckremm_xstore *xs, u32 first, u32 count, bool on)
{
	u32 i;

	for (i = first; i < first + count; i++) {
		unsigned long bit = 1UL << (i % XS_WORD_BITS);

		if (on)
			xs->map[i / XS_WORD_BITS] |= bit;
		else
			xs->map[i / XS_WORD_BITS] &= ~bit;
	}
}

/*
 * The first granule of @count free ones in a row, searched from the
 * cursor to the end and then from the start; U32_MAX if none.
 */
static u32 xs_find(const struct ckremm_xstore *xs, u32 count)
{
	u32 start = xs->cursor, i = start, run = 0, seen = 0;

	while (seen < xs->granules + count) {
		if (i == xs->granules) {
			/* A run does not wrap round the end of the region. */
			i = 0;
			run = 0;
		}
		if (!(i % XS_WORD_BITS) && xs->map[i / XS_WORD_BITS] == ~0UL &&
		    i + XS_WORD_BITS <= xs->granules) {
			i += XS_WORD_BITS;
			seen += XS_WORD_BITS;
			run = 0;
			continue;
		}
		run = xs_bit(xs, i) ? 0 : run + 1;
		i++;
		seen++;
		if (run == count)
			return i - count;
	}
	return U32_MAX;
}

static struct ckremm_xstore *xs_of(struct ckremm_store *store)
{
	return (struct ckremm_xstore *)store;
}

static int xs_put(struct ckremm_store *store, const void *src, size_t len,
		  u64 *key, size_t *stored)
{
	struct ckremm_xstore *xs = xs_of(store);
	size_t granule = (size_t)1 << xs->shift;
	u64 at;
	u32 count, first;

	if (!len || (len - 1) >> xs->shift >= xs->granules)
		return -E2BIG;
	count = (u32)(((len - 1) >> xs->shift) + 1);
	first = xs_find(xs, count);
	if (first == U32_MAX)
		return -ENOSPC;
	at = (u64)first << xs->shift;
	if (xs->ops->erase) {
		if (xs->ops->erase(xs->ctx, at, (size_t)count * granule))
			return -EIO;
		xs->erased += (u64)count * granule;
	}
	if (xs->ops->write(xs->ctx, at, src, len))
		return -EIO;
	xs->written += len;
	xs_set(xs, first, count, true);
	xs->used += count;
	xs->cursor = first + count == xs->granules ? 0 : first + count;
	*key = (u64)count << 32 | first;
	*stored = (size_t)count * granule;
	return 0;
}

static int xs_get(struct ckremm_store *store, u64 key, void *dst, size_t len)
{
	struct ckremm_xstore *xs = xs_of(store);

	return xs->ops->read(xs->ctx, (u64)(u32)key << xs->shift, dst, len) ?
	       -EIO : 0;
}

static void xs_drop(struct ckremm_store *store, u64 key)
{
	struct ckremm_xstore *xs = xs_of(store);
	u32 count = (u32)(key >> 32);

	xs_set(xs, (u32)key, count, false);
	xs->used -= count;
}

static const struct ckremm_store_ops xs_ops = {
	.put = xs_put,
	.get = xs_get,
	.drop = xs_drop,
};

/**
 * ckremm_xstore_map_bytes() - bytes of bitmap an external store needs
 * @size: bytes of the region
 * @granule: bytes per granule, a power of two
 *
 * Context: Any context.
 * Return: the bytes ckremm_xstore_init() needs at @map: a bit per
 * granule, in whole unsigned longs.
 */
size_t ckremm_xstore_map_bytes(u64 size, size_t granule)
{
	u64 granules = granule ? size / granule : 0;

	return (size_t)((granules + XS_WORD_BITS - 1) / XS_WORD_BITS) *
	       sizeof(unsigned long);
}
EXPORT_SYMBOL_NS_GPL(ckremm_xstore_map_bytes, CKREMM_NS);

/**
 * ckremm_xstore_init() - make a backing store of an external region
 * @xs: the store, owned by the caller
 * @ops: the board's callbacks; read and write are required
 * @ctx: given to the callbacks
 * @size: bytes of the region; a last part granule is not used
 * @granule: bytes per granule, a power of two from 16 to 2 GiB; a copy
 *	takes whole granules (for flash, a multiple of the erase unit)
 * @map: ckremm_xstore_map_bytes(@size, @granule) bytes, aligned for an
 *	unsigned long, kept by the store until it is no longer used
 * @map_bytes: bytes at @map
 * @flags: CKREMM_STORE_SLEEPS if the callbacks may sleep
 *
 * The store starts empty; give it to a pager with
 * ckremm_pager_set_store(pager, &@xs->store).
 *
 * Context: Any context.
 * Return: 0; -EINVAL for a NULL argument, a missing callback, a granule
 * that is not a power of two from 16 to 2 GiB, a region of no granule or of more
 * than 2^32 - 1, a short @map or unknown @flags.
 */
int ckremm_xstore_init(struct ckremm_xstore *xs,
		       const struct ckremm_xstore_ops *ops, void *ctx,
		       u64 size, size_t granule, void *map, size_t map_bytes,
		       unsigned int flags)
{
	u64 granules = granule ? size / granule : 0;

	if (!xs || !ops || !ops->read || !ops->write || !map ||
	    granule < 16 || granule > 0x80000000U ||
	    (granule & (granule - 1)) || !granules ||
	    granules >= U32_MAX || (flags & ~CKREMM_STORE_SLEEPS) ||
	    map_bytes < ckremm_xstore_map_bytes(size, granule))
		return -EINVAL;
	memset(xs, 0, sizeof(*xs));
	memset(map, 0, ckremm_xstore_map_bytes(size, granule));
	xs->store.ops = &xs_ops;
	xs->store.flags = flags;
	xs->ops = ops;
	xs->ctx = ctx;
	xs->map = map;
	xs->granules = (u32)granules;
	xs->shift = ckremm_fls32((u32)granule) - 1;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(ckremm_xstore_init, CKREMM_NS);
