/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm backing stores: where the paging module (ckremm/paging/) keeps the
 * blocks of a table pool that it has paged out of the arena.
 *
 * A store is a set of operations and the state behind them.  The pager
 * calls them with the pool lock dropped, one call at a time per store
 * unless the store says it locks itself (CKREMM_STORE_LOCKED).  An access
 * through the pool (a read, a write, a pin) that meets a paged-out block
 * calls get and drop of a store without CKREMM_STORE_SLEEPS with the pool
 * lock held, interrupts off: they must not sleep then.  A block
 * is given to the store whole, by address and length, and the store
 * returns a key that names the copy; the pool keeps the key in the
 * block's node until the block is paged in again or freed.  A store never
 * sees a zero-filled block (the pager keeps only a mark for it) and never
 * a pinned one.
 *
 * Stores in ckremm: the compressed store (ckremm/paging/zstore.c), which
 * keeps blocks compressed in memory with a codec the port supplies; the
 * external store (ckremm/paging/xstore.c, include/ckremm/xstore.h), a
 * region of external RAM or flash behind a board's callbacks; and any
 * store a user builds on these operations.
 */
#ifndef CKREMM_STORE_H
#define CKREMM_STORE_H

#include <ckremm/t_pool.h>

struct ckremm_store;

/* ckremm_store.flags */
#define CKREMM_STORE_SLEEPS	0x1U	/* get and put may sleep */
#define CKREMM_STORE_LOCKED	0x2U	/* the store locks itself: calls may
					 * come from several CPUs at once
					 */

/**
 * struct ckremm_store_ops - what a backing store does
 * @put: keep a copy of @len bytes at @src; on 0, *@key names it (all
 *	64 bits are kept) and *@stored is what it costs the store in
 *	bytes, below 128 MiB (more is taken as -E2BIG).  -E2BIG: the block
 *	does not compress (or otherwise does not fit the store's terms) and
 *	stays resident, marked so that it is not offered again until it is
 *	written; -ENOSPC: the store is full; -EIO: the medium failed.
 * @get: copy the block named by @key, @len bytes, to @dst; 0 or -EIO.
 *	The copy stays in the store until @drop.
 * @drop: forget the copy named by @key.  Never fails, never sleeps.
 */
struct ckremm_store_ops {
	int (*put)(struct ckremm_store *store, const void *src, size_t len,
		   u64 *key, size_t *stored);
	int (*get)(struct ckremm_store *store, u64 key, void *dst,
		   size_t len);
	void (*drop)(struct ckremm_store *store, u64 key);
};

/**
 * struct ckremm_store - a backing store, embedded in its owner's state
 * @ops: its operations
 * @flags: CKREMM_STORE_SLEEPS, CKREMM_STORE_LOCKED
 */
struct ckremm_store {
	const struct ckremm_store_ops *ops;
	unsigned int flags;
};

#endif /* CKREMM_STORE_H */
