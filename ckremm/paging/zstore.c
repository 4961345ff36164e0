// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ckremm compressed store: paged-out blocks kept compressed in memory, as
 * zram keeps pages in zsmalloc.
 *
 * What it keeps
 * -------------
 * The compressed bytes of each block live in a header pool (ckremm/hpool)
 * that the store creates over an arena of its own, so that its space is
 * managed, counted and checked by ckremm's own allocator: a put is one
 * h_pool_alloc() of the compressed length, a drop one h_pool_free().  The
 * block's key packs where the copy lies and how long it is, so the store
 * keeps no table:
 *
 *	key = (payload offset / H_POOL_MIN_ALIGN) << 32 | length of the copy
 *
 * The copy is the block's length (4 bytes, for the statistics and to
 * check a get's length) and the codec's output; with the pool's 16-byte
 * header that is all a block costs beyond its compressed bytes.  A get
 * checks the key against the pool (a live block at that offset, long
 * enough for the length) before it reads, so a stale or made-up key fails
 * with -EIO instead of decompressing whatever lies there.
 *
 * Refusals
 * --------
 * A block whose copy would cost limit_permille of its length or more
 * (7/8 unless the creator says otherwise), the pool's header and rounding
 * included, is refused with -E2BIG: keeping it would save too little for
 * the time it takes to decompress, and the pager keeps it resident.  So
 * blocks of a few dozen bytes are always refused.  The codec is told the
 * limit as its output capacity, so that LZ4 gives up as soon as it
 * passes it.  A full pool refuses with -ENOSPC.  Both leave the store
 * unchanged.
 *
 * Locking
 * -------
 * The store locks itself (CKREMM_STORE_LOCKED): its calls may come from
 * several CPUs and from any context, interrupts included, and none
 * sleeps or allocates.  The store's lock (a ckremm_lock: a raw spinlock
 * with interrupts disabled in the Linux port) guards the one scratch
 * area and the statistics; a put holds it while the codec compresses
 * into the scratch area and the result is copied into the pool, so the
 * longest hold is one compression of max_block bytes.  A get holds it only
 * to count: it decompresses straight from the pool into the caller's
 * buffer, so page-ins on several CPUs do not wait for each other.  A
 * drop while a get of the same key is under way is the caller's misuse
 * (the pager never does it: a key belongs to one block).
 *
 * lock ordering:
 *	zs->lock
 *	  h_pool lock (taken inside h_pool_alloc(), h_pool_free(),
 *	  h_pool_usable_size(), h_pool_get_stats())
 */

#include "ckremm_port.h"
#include <ckremm/h_pool.h>
#include <ckremm/zstore.h>

#define ZS_LIMIT_DEFAULT	875	/* 7/8 */
#define ZS_LEN_MASK		0xffffffffULL
#define ZS_HDR			sizeof(u32)	/* the block's length */
/* What a copy costs beyond the codec's output, before rounding. */
#define ZS_OVERHEAD		(ZS_HDR + H_POOL_HEADER_SIZE)

struct ckremm_zstore {
	struct ckremm_store store;	/* first: what the pager calls */
	const struct ckremm_codec *codec;
	struct h_pool *pool;
	u8 *arena;			/* the pool's arena, for keys */
	size_t arena_size;
	size_t max_block;
	unsigned int limit_permille;
	struct ckremm_lock lock;	/* guards what follows */
	void *scratch;			/* the codec's working memory */
	u8 *out;			/* a copy being made: ZS_HDR +
					 * bound(max_block)
					 */
	struct ckremm_zstore_stats st;
};

static struct ckremm_zstore *zs_of(struct ckremm_store *store)
{
	return (struct ckremm_zstore *)store;
}

/* What a copy may not cost, the pool's header included, for @len bytes. */
static size_t zs_limit(const struct ckremm_zstore *zs, size_t len)
{
	return (size_t)((u64)len * zs->limit_permille / 1000);
}

static u64 zs_key(const struct ckremm_zstore *zs, const u8 *at, size_t clen)
{
	return (u64)((at - zs->arena) / H_POOL_MIN_ALIGN) << 32 | clen;
}

/* The copy a key names, or NULL if it names no live block long enough. */
static u8 *zs_copy(struct ckremm_zstore *zs, u64 key, size_t *clen)
{
	u64 off = (key >> 32) * H_POOL_MIN_ALIGN;
	u8 *at;

	*clen = key & ZS_LEN_MASK;
	if (off >= zs->arena_size || *clen <= ZS_HDR)
		return NULL;
	at = zs->arena + off;
	if (h_pool_usable_size(zs->pool, at) < *clen)
		return NULL;
	return at;
}

/*
 * Compresses @len bytes at @src into a copy in the pool: the copy, its
 * length in *@clen and its cost in *@cost, or an ERR of -E2BIG or
 * -ENOSPC.  Called with zs->lock held, for the scratch area.
 */
static u8 *zs_copy_in(struct ckremm_zstore *zs, const void *src, size_t len,
		      size_t limit, size_t *clen, size_t *cost, int *err)
{
	u32 len32 = len;
	int n;
	u8 *at;

	*err = -E2BIG;
	if (limit <= ZS_OVERHEAD + 1)
		return NULL;
	n = zs->codec->compress(src, len, zs->out + ZS_HDR,
				limit - ZS_OVERHEAD - 1, zs->scratch);
	if (n <= 0 || ZS_OVERHEAD + n >= limit)
		return NULL;
	*clen = ZS_HDR + n;
	at = h_pool_alloc(zs->pool, *clen);
	if (!at) {
		*err = -ENOSPC;
		return NULL;
	}
	/*
	 * What the copy costs: its bytes rounded up by the pool, and the
	 * pool's header.  Known only now (the pool may round up by more
	 * than its alignment rather than leave a sliver free).
	 */
	*cost = h_pool_usable_size(zs->pool, at) + H_POOL_HEADER_SIZE;
	if (*cost >= limit) {
		h_pool_free(zs->pool, at);
		return NULL;
	}
	memcpy(zs->out, &len32, ZS_HDR);
	memcpy(at, zs->out, *clen);
	return at;
}

static int zs_put(struct ckremm_store *store, const void *src, size_t len,
		  u64 *key, size_t *stored)
{
	struct ckremm_zstore *zs = zs_of(store);
	size_t limit = 0, clen = 0, cost = 0;
	unsigned long flags;
	int err;
	u8 *at;

	if (len && len <= zs->max_block)
		limit = zs_limit(zs, len);
	flags = ckremm_lock(&zs->lock);
	at = zs_copy_in(zs, src, len, limit, &clen, &cost, &err);
	if (!at) {
		if (err == -ENOSPC)
			zs->st.nospc++;
		else
			zs->st.incompressible++;
		ckremm_unlock(&zs->lock, flags);
		return err;
	}
	*key = zs_key(zs, at, clen);
	*stored = cost;
	zs->st.blocks++;
	zs->st.puts++;
	zs->st.orig_bytes += len;
	zs->st.compr_bytes += clen;
	zs->st.stored_bytes += cost;
	ckremm_unlock(&zs->lock, flags);
	return 0;
}

static int zs_get(struct ckremm_store *store, u64 key, void *dst, size_t len)
{
	struct ckremm_zstore *zs = zs_of(store);
	unsigned long flags;
	size_t clen;
	int ret = -EIO;
	u32 len32 = 0;
	u8 *at;

	at = zs_copy(zs, key, &clen);
	if (at)
		memcpy(&len32, at, ZS_HDR);
	if (at && len32 == len && len)
		ret = zs->codec->decompress(at + ZS_HDR, clen - ZS_HDR, dst,
					    len) ? -EIO : 0;
	flags = ckremm_lock(&zs->lock);
	if (ret)
		zs->st.failures++;
	else
		zs->st.gets++;
	ckremm_unlock(&zs->lock, flags);
	return ret;
}

static void zs_drop(struct ckremm_store *store, u64 key)
{
	struct ckremm_zstore *zs = zs_of(store);
	unsigned long flags;
	size_t clen, usable = 0;
	u32 len32 = 0;
	u8 *at;

	flags = ckremm_lock(&zs->lock);
	at = zs_copy(zs, key, &clen);
	if (at) {
		usable = h_pool_usable_size(zs->pool, at);
		memcpy(&len32, at, ZS_HDR);
	}
	if (!at || h_pool_free(zs->pool, at)) {
		zs->st.failures++;
		ckremm_unlock(&zs->lock, flags);
		ckremm_warn("zstore: drop of a key that names no block\n");
		return;
	}
	/* What put counted: the block's length, its copy, the pool's bytes. */
	zs->st.blocks--;
	zs->st.orig_bytes -= len32;
	zs->st.compr_bytes -= clen;
	zs->st.stored_bytes -= usable + H_POOL_HEADER_SIZE;
	ckremm_unlock(&zs->lock, flags);
}

static const struct ckremm_store_ops zs_ops = {
	.put = zs_put,
	.get = zs_get,
	.drop = zs_drop,
};

/**
 * ckremm_zstore_create() - a compressed store over a header pool of its own
 * @codec: the compressor; must outlive the store
 * @params: the store's terms (see struct ckremm_zstore_params); copied
 *
 * Allocates the pool's arena, the codec's scratch area and an output
 * buffer of @codec->bound(@params->max_block) bytes.  Hand
 * ckremm_zstore_store() to a pager.
 *
 * Context: Process context; may sleep.
 * Return: the store, or NULL if an argument is NULL or out of range
 * (@max_block 0 or above 4 GiB less a byte, @limit_permille above 1000,
 * an arena that cannot hold a block) or memory ran out.
 */
struct ckremm_zstore *
ckremm_zstore_create(const struct ckremm_codec *codec,
		     const struct ckremm_zstore_params *params)
{
	struct ckremm_zstore *zs;
	size_t out_size;

	/*
	 * max_block from 1 to ZS_LEN_MASK: written so that a 32-bit size_t,
	 * which cannot exceed it, draws no warning.
	 */
	if (!codec || !params || !codec->bound || !codec->compress ||
	    !codec->decompress || (u64)(params->max_block - 1) >= ZS_LEN_MASK ||
	    params->limit_permille > 1000)
		return NULL;
	out_size = codec->bound(params->max_block);
	if (out_size < params->max_block ||
	    ckremm_add_overflow(out_size, ZS_HDR, &out_size))
		return NULL;

	zs = ckremm_meta_zalloc(sizeof(*zs));
	if (!zs)
		return NULL;
	zs->store.ops = &zs_ops;
	zs->store.flags = CKREMM_STORE_LOCKED;
	zs->codec = codec;
	zs->max_block = params->max_block;
	zs->limit_permille = params->limit_permille ? params->limit_permille :
			     ZS_LIMIT_DEFAULT;
	ckremm_lock_init(&zs->lock);
	zs->out = ckremm_meta_zalloc(out_size);
	if (!zs->out)
		goto fail;
	if (codec->scratch_size) {
		zs->scratch = ckremm_meta_zalloc(codec->scratch_size);
		if (!zs->scratch)
			goto fail;
	}
	zs->pool = h_pool_create(params->arena_size, 0);
	if (!zs->pool)
		goto fail;
	zs->arena = h_pool_arena(zs->pool, &zs->arena_size);
	return zs;

fail:
	ckremm_meta_free(zs->scratch);
	ckremm_meta_free(zs->out);
	ckremm_meta_free(zs);
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(ckremm_zstore_create, CKREMM_NS);

/**
 * ckremm_zstore_destroy() - free a compressed store and every copy in it
 * @zs: the store, or NULL; no pager may use it any more
 *
 * Context: Process context; may sleep.
 */
void ckremm_zstore_destroy(struct ckremm_zstore *zs)
{
	if (!zs)
		return;
	destroy_h_pool(zs->pool);
	ckremm_meta_free(zs->scratch);
	ckremm_meta_free(zs->out);
	ckremm_meta_free(zs);
}
EXPORT_SYMBOL_NS_GPL(ckremm_zstore_destroy, CKREMM_NS);

/**
 * ckremm_zstore_store() - the backing store a pager calls
 * @zs: the store
 *
 * Context: Any context.
 * Return: the store's operations and flags, or NULL if @zs is NULL.
 */
struct ckremm_store *ckremm_zstore_store(struct ckremm_zstore *zs)
{
	return zs ? &zs->store : NULL;
}
EXPORT_SYMBOL_NS_GPL(ckremm_zstore_store, CKREMM_NS);

/**
 * ckremm_zstore_get_stats() - what the store holds and has done
 * @zs: the store
 * @stats: filled with a consistent snapshot
 *
 * Context: Any context; takes the store's lock and the pool's.
 */
void ckremm_zstore_get_stats(struct ckremm_zstore *zs,
			     struct ckremm_zstore_stats *stats)
{
	struct h_pool_stats hs;
	unsigned long flags;

	if (!zs || !stats)
		return;
	flags = ckremm_lock(&zs->lock);
	*stats = zs->st;
	h_pool_get_stats(zs->pool, &hs);
	ckremm_unlock(&zs->lock, flags);
	stats->arena_size = hs.arena_size;
	stats->pool_used = hs.used_bytes;
}
EXPORT_SYMBOL_NS_GPL(ckremm_zstore_get_stats, CKREMM_NS);
