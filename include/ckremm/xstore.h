/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm external store: a backing store (include/ckremm/store.h) over a
 * region the CPU does not address directly (external RAM behind SPI or
 * a memory controller, serial flash), reached through a board's read,
 * write and erase callbacks.  Its space is managed in ordinary memory: a
 * bitmap of the region's granules, which the caller gives
 * (ckremm_xstore_map_bytes() says how large).  The design is at the top
 * of ckremm/paging/xstore.c.
 */
#ifndef CKREMM_XSTORE_H
#define CKREMM_XSTORE_H

#include <ckremm/store.h>

/**
 * struct ckremm_xstore_ops - what the board does to the region
 * @read: copy @len bytes at @addr of the region to @dst; 0, or a
 *	negative errno (the store reports -EIO)
 * @write: copy @len bytes at @src to @addr of the region, erased before
 *	if @erase is given; 0 or a negative errno
 * @erase: make @len bytes at @addr writable again (flash); @addr and
 *	@len are multiples of the granule, which must then be a multiple
 *	of the flash's erase unit; NULL for RAM
 */
struct ckremm_xstore_ops {
	int (*read)(void *ctx, u64 addr, void *dst, size_t len);
	int (*write)(void *ctx, u64 addr, const void *src, size_t len);
	int (*erase)(void *ctx, u64 addr, size_t len);
};

/**
 * struct ckremm_xstore - an external store; its fields are its own
 * @store: what the pager is given (ckremm_pager_set_store(pager,
 *	&xs->store))
 * @ops: the board's callbacks
 * @ctx: what they are given
 * @map: a bit per granule, set while a copy uses it
 * @granules: granules in the region
 * @shift: log2 of the granule's bytes
 * @cursor: where the next search for free granules starts
 * @used: granules in use
 * @written: bytes written to the region, in total
 * @erased: bytes erased, in total
 */
struct ckremm_xstore {
	struct ckremm_store store;
	const struct ckremm_xstore_ops *ops;
	void *ctx;
	unsigned long *map;
	u32 granules;
	unsigned int shift;
	u32 cursor;
	u32 used;
	u64 written;
	u64 erased;
};

size_t ckremm_xstore_map_bytes(u64 size, size_t granule);
int ckremm_xstore_init(struct ckremm_xstore *xs,
		       const struct ckremm_xstore_ops *ops, void *ctx,
		       u64 size, size_t granule, void *map, size_t map_bytes,
		       unsigned int flags);

#endif /* CKREMM_XSTORE_H */
