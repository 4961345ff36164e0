/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm compressed store: a backing store (ckremm/store.h) that keeps
 * paged-out blocks compressed in memory, in a header pool of its own, with
 * a codec the port or the user supplies.  The design is explained at the
 * top of ckremm/paging/zstore.c.
 */
#ifndef CKREMM_ZSTORE_H
#define CKREMM_ZSTORE_H

#include <ckremm/store.h>

struct ckremm_zstore;

/**
 * struct ckremm_codec - a compressor, as a port or a user supplies it
 * @name: what it is called in statistics and figures ("lz4")
 * @scratch_size: bytes of working memory @compress needs; the store
 *	allocates them once, at creation
 * @bound: the most bytes @compress can write for @len input bytes
 * @compress: compress @len bytes at @src into at most @cap bytes at @dst,
 *	using @scratch; return the compressed length, or -E2BIG when the
 *	result would not fit in @cap.  Must not sleep
 * @decompress: decompress @clen bytes at @src into exactly @len bytes at
 *	@dst; return 0, or -EIO if the input is not what @compress wrote
 *	for @len bytes.  Must not sleep
 *
 * Both functions are called from any context the store's callers are in
 * and must neither sleep nor allocate.
 */
struct ckremm_codec {
	const char *name;
	size_t scratch_size;
	size_t (*bound)(size_t len);
	int (*compress)(const void *src, size_t len, void *dst, size_t cap,
			void *scratch);
	int (*decompress)(const void *src, size_t clen, void *dst,
			  size_t len);
};

/**
 * struct ckremm_zstore_params - the terms of a compressed store
 * @arena_size: bytes of the header pool that holds the compressed blocks
 * @max_block: the longest block the store takes (put refuses longer ones
 *	with -E2BIG); sizes the scratch area.  A put compresses under the
 *	store's lock, and a page-in at an access decompresses under the
 *	pool's, both raw spinlocks with interrupts off in the Linux port:
 *	this bounds that time (/dev/ckremm takes 64 KiB)
 * @limit_permille: a block whose copy would cost this many thousandths
 *	of its length or more (the header pool's 16-byte header, its
 *	rounding and 4 bytes of length included) is refused with -E2BIG
 *	and stays resident; 0 for 875 (7/8), at most 1000
 */
struct ckremm_zstore_params {
	size_t arena_size;
	size_t max_block;
	unsigned int limit_permille;
};

/**
 * struct ckremm_zstore_stats - a consistent snapshot of a compressed store
 * @blocks: blocks held now
 * @orig_bytes: their bytes before compression
 * @compr_bytes: their copies' bytes: the codec's output and 4 bytes of
 *	length each
 * @stored_bytes: what they cost the header pool, its headers included
 * @puts: blocks taken, in total
 * @gets: blocks given back (decompressed), in total
 * @incompressible: puts refused with -E2BIG
 * @nospc: puts refused with -ENOSPC (the header pool full)
 * @failures: gets that failed (-EIO: a key that names no block, a
 *	length that is not the block's, data that does not decompress) and
 *	drops of keys that name no block
 * @arena_size: bytes of the header pool
 * @pool_used: bytes of the header pool in use, its headers included
 */
struct ckremm_zstore_stats {
	size_t blocks;
	u64 orig_bytes;
	u64 compr_bytes;
	u64 stored_bytes;
	u64 puts;
	u64 gets;
	u64 incompressible;
	u64 nospc;
	u64 failures;
	size_t arena_size;
	size_t pool_used;
};

struct ckremm_zstore *
ckremm_zstore_create(const struct ckremm_codec *codec,
		     const struct ckremm_zstore_params *params);
void ckremm_zstore_destroy(struct ckremm_zstore *zs);
struct ckremm_store *ckremm_zstore_store(struct ckremm_zstore *zs);
void ckremm_zstore_get_stats(struct ckremm_zstore *zs,
			     struct ckremm_zstore_stats *stats);

/*
 * LZ4, where a port supplies it: the kernel's lib/lz4 in the Linux port
 * built with CONFIG_CKREMM_LZ4 (ckremm/port/linux/codec_lz4.c), liblz4 in
 * the hosted port (ckremm/port/host/lz4/codec_lz4.c, linked with -llz4).
 * A bare-metal board supplies its own codec.
 */
extern const struct ckremm_codec ckremm_codec_lz4;

#endif /* CKREMM_ZSTORE_H */
