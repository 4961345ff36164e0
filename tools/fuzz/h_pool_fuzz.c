// SPDX-License-Identifier: GPL-2.0-only
/*
 * h_pool_fuzz.c - libFuzzer harness for the header pool (ckremm/hpool)
 * built for the host with the host port layer.
 *
 * Input: byte 0 picks a size below 32 that create_h_pool() must refuse,
 * its top bit the pool's checks: clear for H_POOL_KEYED (the mode the
 * committed regression inputs were found in), set for the default
 * structural checks, and its bit 6 a front cache (H_POOL_CACHE), whose
 * blocks the walk shows used and the model counts apart; bytes 1-2 give the arena size (32 + 2 * v, so up to 128 KiB, not always
 * a multiple of 16).  Then operations follow, each an opcode byte and its
 * arguments (see the op table at the bottom):
 *
 *   alloc, aligned alloc, free, realloc (also of NULL), batch alloc and
 *   batch free (also with duplicates, bad pointers and bad counts), write,
 *   read, clean, reorder, partial walks from any cursor, usable size, up
 *   to 256 allocations or every n-th free in one op, and misuse: stale,
 *   interior, foreign and free-block pointers, double frees, accesses past
 *   a block's end, size 0, bad alignments, NULL pools and arguments, and
 *   headers written into a block's payload to forge a block.
 *
 * An overrun op writes input bytes past the end of a block, over the
 * block after it; from then on only what the pool promises for that case
 * is checked (see op_overrun()).
 *
 * The harness keeps the header pool's reference model (ckremm/model/
 * h_pool_model.h): every live block's pointer, requested and usable
 * size, alignment and exact contents (a pattern written at
 * allocation, then changed by every write and clean).  After every
 * operation: h_pool_validate() must pass, a walk must tile the arena with
 * exactly the model's blocks and never two free blocks side by side, the
 * statistics must match the model and the walk (counts, bytes, largest
 * free block within its documented bound, fragmentation, failed and
 * refused calls), and every byte of every live block must be as the model
 * says.  Requests that the documented bound says must fit must succeed: a
 * request whose block, plus what an aligned request borrows, is at most
 * 16/17 of the largest free block (h_pool.c, "Memory bounds"; the 15/16
 * of the header is weaker).  A refused call must return its error, count
 * once in refused_calls and leave every statistic and every arena byte as
 * it was.  Any broken promise aborts with the operation's number.
 */
#include <errno.h>

#include "fuzz_common.h"

#include <ckremm/h_pool.h>

#include "h_pool_model.h"

#define MAX_LIVE	4096
#define MAX_OPS		2048
#define WALK_CHUNK	61

static struct {
	struct h_pool *pool;
	uint8_t *arena;
	size_t size;
	struct h_model hm;	/* the reference model (h_pool_model.h) */
	struct h_pool_stats st;	/* at the last check */
	struct h_pool_extent *ext, *ext_prev;
	size_t next, next_prev;
	size_t ext_cap;
	size_t largest;		/* largest free block, header included */
	bool same_layout;	/* the op must not change the layout */
	bool damaged;		/* an owner wrote past its block */
	bool cache;		/* H_POOL_CACHE */
	uint8_t *snap;		/* arena copy for refused calls */
	struct h_pool_stats snap_st;
	uint8_t *buf;		/* scratch of arena size */
} H;

/* ---- the model --------------------------------------------------------- */

static size_t off_of(const void *p)
{
	return (size_t)((const uint8_t *)p - H.arena);
}

/*
 * Write what the model holds for [from, usable) of block @i to the pool,
 * through h_pool_write() or straight through the pointer (the caller owns
 * the bytes).
 */
static void blk_store(unsigned int i, size_t from, bool through_pool)
{
	struct h_model_block *b = &H.hm.b[i];
	size_t len = b->usable - from;

	if (through_pool) {
		int ret = h_pool_write(H.pool, b->ptr, from, b->bytes + from, len);

		EXPECT(ret == 0, "h_pool_write of a fresh block = %d", ret);
	} else {
		memcpy(b->ptr + from, b->bytes + from, len);
	}
}

static void blk_add(uint8_t *p, size_t req, size_t align, size_t usable)
{
	if (!h_model_add(&H.hm, p, req, align, usable))
		abort();
	blk_store(H.hm.n - 1, 0, (H.hm.tag & 1) && !H.damaged);
}

/* Block @i moved to @p or changed size; its first @keep bytes stay. */
static void blk_resize(unsigned int i, uint8_t *p, size_t req, size_t usable,
		       size_t keep, bool through_pool)
{
	if (h_model_resize(&H.hm, i, p, req, usable, keep))
		abort();
	blk_store(i, keep, through_pool);
}

/* Every byte of every live block as the model says. */
static void check_contents(const char *when)
{
	const struct h_model_block *b;
	unsigned int i;
	size_t d;

	for (i = 0; i < H.hm.n; i++) {
		b = &H.hm.b[i];
		d = h_model_diff(&H.hm, i, b->ptr, 0, b->usable);
		if (d < b->usable)
			FAIL("%sblock at offset %zu (usable %zu): byte %zu is %#x, model %#x",
			     when, off_of(b->ptr) - H_POOL_HEADER_SIZE, b->usable,
			     d, b->ptr[d], b->bytes[d]);
	}
}

/* ---- checks after every operation -------------------------------------- */

/* A part of a walk into H.ext. */
static unsigned int walk_some(size_t *cursor, size_t n, unsigned int max)
{
	return h_pool_walk(H.pool, cursor, H.ext + n, max);
}

static bool extent_eq(const struct h_pool_extent *a,
		      const struct h_pool_extent *b)
{
	return a->offset == b->offset && a->size == b->size && a->used == b->used;
}

/* Blocks in the front cache: @ncached of them, @cached bytes in all. */
static void check_stats(size_t nfree, size_t largest, size_t ncached,
			size_t cached)
{
	struct h_pool_stats st;
	size_t used = cached, exact;
	unsigned int i;

	for (i = 0; i < H.hm.n; i++)
		used += H.hm.b[i].usable + H_POOL_HEADER_SIZE;
	h_pool_get_stats(H.pool, &st);
	EXPECT(st.arena_size == H.size, "%zu", st.arena_size);
	EXPECT(st.cached_blocks == ncached, "%zu vs %zu", st.cached_blocks, ncached);
	EXPECT(st.used_blocks == H.hm.n + ncached, "%zu vs %u + %zu",
	       st.used_blocks, H.hm.n, ncached);
	EXPECT(st.used_bytes == used, "%zu vs %zu", st.used_bytes, used);
	EXPECT(st.free_bytes == H.size - used, "%zu", st.free_bytes);
	EXPECT(st.free_blocks == nfree, "%zu vs %zu", st.free_blocks, nfree);
	EXPECT(st.header_bytes == (H.hm.n + ncached + nfree) * H_POOL_HEADER_SIZE,
	       "%zu", st.header_bytes);
	exact = largest ? largest - H_POOL_HEADER_SIZE : 0;
	if (nfree <= 64)
		EXPECT(st.largest_free == exact, "%zu vs %zu", st.largest_free, exact);
	else
		EXPECT(st.largest_free <= exact && st.largest_free * 16 >= exact * 15,
		       "%zu vs %zu", st.largest_free, exact);
	if (st.free_bytes)
		EXPECT(st.frag_permille == 1000 - (st.largest_free + H_POOL_HEADER_SIZE) *
		       1000 / st.free_bytes, "%u (largest %zu of %zu)",
		       st.frag_permille, st.largest_free, st.free_bytes);
	else
		EXPECT(st.frag_permille == 0, "%u", st.frag_permille);
	EXPECT(st.peak_used >= st.used_bytes && st.peak_used >= H.st.peak_used &&
	       st.peak_used <= H.size, "peak %zu, used %zu, peak before %zu",
	       st.peak_used, st.used_bytes, H.st.peak_used);
	EXPECT(st.failed_allocs == H.hm.failed, "%zu vs %zu", st.failed_allocs, H.hm.failed);
	EXPECT(st.refused_calls == H.hm.refused, "%zu vs %zu", st.refused_calls, H.hm.refused);
	H.st = st;
}

static void check_all(void)
{
	struct h_pool_fault f = { 0, NULL };
	size_t off = 0, nfree = 0, nused = 0, largest = 0, i;
	size_t ncached = 0, cached = 0;
	struct h_pool_extent *t;
	bool prev_free = false;
	int ret;

	ret = h_pool_validate(H.pool, &f);
	if (ret)
		FAIL("h_pool_validate() = %d: %s at offset %zu", ret,
		     f.reason ? f.reason : "?", f.offset);

	t = H.ext_prev;
	H.ext_prev = H.ext;
	H.ext = t;
	H.next_prev = H.next;
	H.next = walk_all_with(walk_some, H.size, H.ext_cap, WALK_CHUNK);
	for (i = 0; i < H.next; i++) {
		const struct h_pool_extent *e = &H.ext[i];

		EXPECT(e->offset == off, "extent %zu at %zu, expected %zu", i,
		       e->offset, off);
		EXPECT(e->size >= 32 && !(e->size & 15) && e->size <= H.size - off,
		       "extent %zu at %zu has size %zu", i, off, e->size);
		if (e->used) {
			int k = h_model_find(&H.hm, H.arena + e->offset + H_POOL_HEADER_SIZE);
			uint32_t flags;

			/* The third word of a header holds the flags. */
			memcpy(&flags, H.arena + e->offset + 8, sizeof(flags));
			if (k < 0 && H.cache && (flags & 0x10)) {
				/* A freed block the front cache keeps. */
				ncached++;
				cached += e->size;
				prev_free = false;
				off += e->size;
				continue;
			}
			EXPECT(k >= 0, "used block at %zu unknown to the model", off);
			EXPECT(H.hm.b[k].usable + H_POOL_HEADER_SIZE == e->size,
			       "block at %zu has %zu bytes, model %zu usable", off,
			       e->size, H.hm.b[k].usable);
			nused++;
		} else {
			EXPECT(!prev_free, "two adjacent free blocks at %zu", off);
			nfree++;
			if (e->size > largest)
				largest = e->size;
		}
		prev_free = !e->used;
		off += e->size;
	}
	EXPECT(off == H.size, "walk covers %zu of %zu bytes", off, H.size);
	EXPECT(nused == H.hm.n, "walk shows %zu used blocks, model %u", nused, H.hm.n);
	H.largest = largest;
	check_stats(nfree, largest, ncached, cached);

	check_contents("");

	if (H.same_layout) {
		EXPECT(H.next == H.next_prev, "layout changed: %zu blocks, %zu before",
		       H.next, H.next_prev);
		for (i = 0; i < H.next; i++)
			EXPECT(extent_eq(&H.ext[i], &H.ext_prev[i]),
			       "layout changed at extent %zu", i);
		H.same_layout = false;
	}
}

/* A refused call changes nothing but refused_calls, not even one byte. */
static void snap_take(void)
{
	h_pool_get_stats(H.pool, &H.snap_st);
	memcpy(H.snap, H.arena, H.size);
}

static void snap_refused(unsigned int calls)
{
	struct h_pool_stats st;
	size_t d;

	h_pool_get_stats(H.pool, &st);
	EXPECT(st.refused_calls == H.snap_st.refused_calls + calls,
	       "refused_calls %zu, before %zu", st.refused_calls,
	       H.snap_st.refused_calls);
	st.refused_calls = H.snap_st.refused_calls;
	EXPECT(!memcmp(&st, &H.snap_st, sizeof(st)),
	       "a refused call changed the statistics");
	d = model_first_diff(H.arena, H.snap, H.size);
	EXPECT(d == H.size, "a refused call changed arena byte %zu", d);
	H.hm.refused += calls;
	H.same_layout = true;
}

/*
 * A request beyond the arena may be refused as impossible or fail for
 * lack of space: exactly one of the two counters grows.
 */
static void either_counted(void)
{
	struct h_pool_stats st;

	h_pool_get_stats(H.pool, &st);
	either_counted_in(&H.hm.failed, &H.hm.refused, st.failed_allocs,
			  st.refused_calls);
}

/* ---- decoding helpers ------------------------------------------------ */

static const size_t bad_aligns[] = {
	3, 24, 48, 100, 8192, 65536, (size_t)1 << 40, (size_t)-1, 17, 4095,
};

static size_t in_align(struct fuzz_in *in)
{
	uint8_t v = in_u8(in);

	if (v < 224)
		return (size_t)1 << (v % 13);	/* 1 .. 4096 */
	if (v < 232)
		return 0;
	return bad_aligns[(v - 232) % (sizeof(bad_aligns) / sizeof(bad_aligns[0]))];
}

static bool align_ok(size_t a)
{
	return !a || (is_pow2(a) && a <= 4096);
}

static size_t eff_align(size_t a)
{
	return a <= 16 ? 16 : a;
}

/*
 * Must a request fit?  A block of round16(n) + 16 bytes, plus align + 16
 * for an aligned search, is found whenever a free block of 17/16 of that
 * exists (h_pool.c, "Memory bounds").
 */
static bool must_fit(size_t req, size_t align)
{
	size_t need = round16(req) + H_POOL_HEADER_SIZE;

	if (align > 16)
		need += align + 16;
	return req && need * 17 <= H.largest * 16;
}

static int blk_pick(struct fuzz_in *in)
{
	uint16_t v = in_u16(in);

	return H.hm.n ? (int)(v % H.hm.n) : -1;
}

/*
 * A new block: where it lies, its alignment and usable size; then it
 * joins the model with a fresh pattern.  Returns its index or -1.
 */
static int take_block(void *p, size_t req, size_t align, bool must)
{
	uint8_t *q = p;
	size_t usable, off;

	if (!q) {
		EXPECT(!must, "alloc of %zu (align %zu) failed although the largest free block (%zu bytes) fits it",
		       req, align, H.largest);
		return -1;
	}
	off = off_of(q);
	EXPECT(q >= H.arena + H_POOL_HEADER_SIZE && q < H.arena + H.size,
	       "block %p outside the arena", p);
	EXPECT(!((uintptr_t)q % eff_align(align)),
	       "block at offset %zu not aligned to %zu", off, eff_align(align));
	EXPECT(h_model_find(&H.hm, q) < 0, "block at offset %zu handed out twice", off);
	usable = h_pool_usable_size(H.pool, q);
	EXPECT(usable >= req && usable <= round16(req) + 16 &&
	       usable <= H.size - off,
	       "usable size %zu for a request of %zu at offset %zu", usable, req, off);
	TRACE("    -> offset %zu usable %zu\n", off, usable);
	blk_add(q, req, eff_align(align), usable);
	return (int)H.hm.n - 1;
}

/* A pointer that no call may accept as a live block. */
static uint8_t *bad_ptr(struct fuzz_in *in)
{
	static uint8_t elsewhere[64] __attribute__((aligned(16)));
	uint8_t kind = in_u8(in);
	uint16_t r = in_u16(in);
	size_t i, nfree = 0;
	uint8_t *p;

	switch (kind % 6) {
	case 0:		/* freed before, and not a live block now */
		p = h_model_stale(&H.hm, r);
		if (p) {
			TRACE("    bad pointer: freed at offset %zu\n", off_of(p));
			return p;
		}
		break;
	case 1:		/* inside a live block */
		if (H.hm.n && H.hm.b[r % H.hm.n].usable > 1) {
			const struct h_model_block *b = &H.hm.b[r % H.hm.n];
			size_t k = 1 + in_u16(in) % (b->usable - 1);

			TRACE("    bad pointer: offset %zu inside the block at %zu\n",
			      off_of(b->ptr) + k, off_of(b->ptr));
			return b->ptr + k;
		}
		break;
	case 2:		/* the payload of a free block */
		for (i = 0; i < H.next; i++)
			nfree += !H.ext[i].used;
		for (i = 0; nfree && i < H.next; i++) {
			if (!H.ext[i].used && !(r-- % nfree)) {
				TRACE("    bad pointer: free block at %zu\n",
				      H.ext[i].offset);
				return H.arena + H.ext[i].offset + H_POOL_HEADER_SIZE;
			}
		}
		break;
	case 3: {
		static const long edge[] = { -16, 0, 8, 0x7fffffff, -4096 };
		long e = edge[r % 5];

		if (e == 0x7fffffff)
			e = (long)H.size;
		TRACE("    bad pointer: arena %+ld\n", e);
		return (uint8_t *)((uintptr_t)H.arena + (uintptr_t)e);
	}
	case 4:
		TRACE("    bad pointer: NULL\n");
		return NULL;
	default:
		TRACE("    bad pointer: outside the pool\n");
		return elsewhere + 16 * (r % 4);
	}
	TRACE("    bad pointer: end of the arena\n");
	return H.arena + H.size;
}

/* ---- operations ------------------------------------------------------- */

/*
 * A request of @req bytes aligned to @align that is bad is refused; one
 * beyond the arena is refused or fails.  Says whether the request was
 * either, having checked that @p, the answer, is no block.
 */
static bool answered_bad_request(void *p, size_t req, size_t align)
{
	if (!req || !align_ok(align)) {
		EXPECT(!p, "refused request returned a block");
		H.hm.refused++;
		return true;
	}
	if (req > H.size) {
		EXPECT(!p, "request beyond the arena returned a block");
		either_counted();
		return true;
	}
	return false;
}

/* Any other request for a new block gets one, or fails where @must allows. */
static void answer_alloc(void *p, size_t req, size_t align, bool must)
{
	if (answered_bad_request(p, req, align))
		return;
	if (!p)
		H.hm.failed++;
	take_block(p, req, align, must);
}

static void op_alloc(struct fuzz_in *in, bool aligned)
{
	size_t req = in_size(in, H.size);
	size_t align = aligned ? in_align(in) : 0;
	bool must = must_fit(req, align);
	void *p;

	if (H.hm.n == MAX_LIVE)
		return;
	TRACE("  alloc%s %zu align %zu%s\n", aligned ? "_aligned" : "", req,
	      align, must ? " (must fit)" : "");
	p = aligned ? h_pool_alloc_aligned(H.pool, req, align) :
		      h_pool_alloc(H.pool, req);
	answer_alloc(p, req, align, must);
}

static void op_free(struct fuzz_in *in)
{
	int i = blk_pick(in);
	uint8_t *p;

	if (i < 0)
		return;
	p = H.hm.b[i].ptr;
	TRACE("  free offset %zu\n", off_of(p));
	EXPECT(h_pool_dealloc(H.pool, p), "free of a live block refused");
	h_model_remove(&H.hm, i);
}

static void op_realloc(struct fuzz_in *in)
{
	uint16_t sel = in_u16(in);
	size_t req = in_size(in, H.size);
	size_t keep, usable, d;
	struct h_model_block *b;
	uint8_t *p, *old;
	unsigned int i;
	bool must;

	if (!H.hm.n || !(sel % 8)) {
		if (H.hm.n == MAX_LIVE)
			return;
		must = must_fit(req, 0);
		TRACE("  realloc NULL to %zu\n", req);
		p = h_pool_realloc(H.pool, NULL, req);
		answer_alloc(p, req, 0, must);
		return;
	}
	i = sel % H.hm.n;
	b = &H.hm.b[i];
	old = b->ptr;
	must = req <= b->usable || must_fit(req, b->align);
	TRACE("  realloc offset %zu (usable %zu, align %zu) to %zu%s\n",
	      off_of(old), b->usable, b->align, req, must ? " (must fit)" : "");
	p = h_pool_realloc(H.pool, old, req);
	if (answered_bad_request(p, req, 0))
		return;
	if (!p) {
		EXPECT(!must, "realloc to %zu failed although it must fit (largest free block %zu)",
		       req, H.largest);
		H.hm.failed++;
		return;
	}
	if (req <= b->usable)
		EXPECT(p == old, "shrinking moved the block to offset %zu", off_of(p));
	EXPECT(!((uintptr_t)p % b->align), "realloc lost the alignment %zu", b->align);
	if (p != old)
		EXPECT(h_model_find(&H.hm, p) < 0, "realloc returned a live block");
	usable = h_pool_usable_size(H.pool, p);
	EXPECT(usable >= req && usable <= round16(req) + 16,
	       "usable %zu after realloc to %zu", usable, req);
	keep = h_model_realloc_keeps(b, p, req, usable);
	d = h_model_diff(&H.hm, i, p, 0, keep);
	if (d < keep)
		FAIL("realloc to %zu lost contents: byte %zu of %zu kept", req,
		     d, keep);
	TRACE("    -> offset %zu usable %zu\n", off_of(p), usable);
	blk_resize(i, p, req, usable, keep, H.hm.tag & 1);
}

static void op_batch_alloc(struct fuzz_in *in)
{
	unsigned int count = in_u8(in) % 70, i;
	size_t req = in_size(in, H.size) % 4096;
	size_t align = in_align(in);
	bool must = count == 1 && must_fit(req, align);
	void *ptrs[70];
	size_t peak = H.st.peak_used;
	int ret;

	if (H.hm.n + count > MAX_LIVE)
		return;
	TRACE("  alloc_batch %u x %zu align %zu\n", count, req, align);
	ret = h_pool_alloc_batch(H.pool, req, align, ptrs, count);
	TRACE("    -> %d\n", ret);
	if (!count || count > H_POOL_BATCH_MAX || !req || !align_ok(align)) {
		EXPECT(ret == -EINVAL, "bad batch returned %d", ret);
		H.hm.refused++;
		H.same_layout = true;
		return;
	}
	if (ret == -ENOMEM) {
		struct h_pool_stats st;

		EXPECT(!must, "batch of one %zu-byte block failed although it must fit", req);
		h_pool_get_stats(H.pool, &st);
		EXPECT(st.peak_used == peak, "failed batch moved the peak to %zu", st.peak_used);
		H.hm.failed++;
		/* Unless it merged the front cache first. */
		H.same_layout = !H.st.cached_blocks;
		return;
	}
	EXPECT(ret == 0, "batch returned %d", ret);
	for (i = 0; i < count; i++)
		take_block(ptrs[i], req, align, true);
}

static void op_batch_free(struct fuzz_in *in)
{
	uint8_t kind = in_u8(in) % 8;
	unsigned int count = 1 + in_u8(in) % H_POOL_BATCH_MAX, i, at;
	unsigned int start = in_u16(in);
	void *ptrs[H_POOL_BATCH_MAX + 1];
	int ret;

	if (count > H.hm.n)
		count = H.hm.n;
	if (!count)
		return;
	for (i = 0; i < count; i++)
		ptrs[i] = H.hm.b[(start + i) % H.hm.n].ptr;
	if (kind < 5) {
		TRACE("  free_batch %u from block %u\n", count, start % H.hm.n);
		ret = h_pool_dealloc_batch(H.pool, ptrs, count);
		EXPECT(ret == 0, "batch free of live blocks returned %d", ret);
		for (i = 0; i < count; i++) {
			h_model_remove(&H.hm,
				       (unsigned int)h_model_find(&H.hm, ptrs[i]));
		}
		return;
	}
	switch (kind) {
	case 5:		/* a block twice */
		if (count == 1)
			count = 2;
		at = in_u8(in) % (count - 1);
		ptrs[count - 1] = ptrs[at];
		TRACE("  free_batch %u with entry %u repeated last\n", count, at);
		break;
	case 6:		/* one pointer that is no block */
		at = in_u8(in) % count;
		ptrs[at] = bad_ptr(in);
		TRACE("  free_batch %u with a bad entry %u\n", count, at);
		break;
	default:	/* count out of range */
		if (in_u8(in) & 1) {
			count = 0;
		} else {
			for (i = count; i <= H_POOL_BATCH_MAX; i++)
				ptrs[i] = ptrs[0];
			count = H_POOL_BATCH_MAX + 1;
		}
		TRACE("  free_batch count %u\n", count);
		break;
	}
	snap_take();
	ret = h_pool_dealloc_batch(H.pool, ptrs, count);
	EXPECT(ret == -EINVAL, "bad batch free returned %d", ret);
	snap_refused(1);
}

/* A range inside block @b from the input. */
static void in_range(struct fuzz_in *in, const struct h_model_block *b, size_t *pos,
		     size_t *len)
{
	*pos = in_u16(in) % (b->usable + 1);
	*len = in_u16(in) % (b->usable - *pos + 1);
}

static void op_write(struct fuzz_in *in)
{
	int i = blk_pick(in);
	size_t pos, len;
	struct h_model_block *b;
	int ret;

	if (i < 0)
		return;
	b = &H.hm.b[i];
	in_range(in, b, &pos, &len);
	TRACE("  write offset %zu [%zu, +%zu)\n", off_of(b->ptr), pos, len);
	model_pattern_fill(H.buf, len, ++H.hm.tag, pos);
	ret = h_pool_write(H.pool, b->ptr, pos, H.buf, len);
	EXPECT(ret == 0, "write returned %d", ret);
	h_model_write(&H.hm, i, pos, H.buf, len);
}

static void op_read(struct fuzz_in *in)
{
	int i = blk_pick(in);
	size_t pos, len;
	struct h_model_block *b;
	size_t d;
	int ret;

	if (i < 0)
		return;
	b = &H.hm.b[i];
	in_range(in, b, &pos, &len);
	TRACE("  read offset %zu [%zu, +%zu)\n", off_of(b->ptr), pos, len);
	memset(H.buf, 0x5a, len);
	ret = h_pool_read(H.pool, b->ptr, pos, H.buf, len);
	EXPECT(ret == 0, "read returned %d", ret);
	d = h_model_diff(&H.hm, i, H.buf, pos, len);
	EXPECT(d == len, "read byte %zu differs from the model", d);
}

static void op_clean(struct fuzz_in *in)
{
	int i = blk_pick(in);

	if (i < 0)
		return;
	TRACE("  clean offset %zu\n", off_of(H.hm.b[i].ptr));
	EXPECT(clean_h_ptr(H.pool, H.hm.b[i].ptr), "clean of a live block refused");
	h_model_clean(&H.hm, i);
}

static void op_reorder(struct fuzz_in *in)
{
	(void)in;
	TRACE("  reorder\n");
	EXPECT(reorder_h_mem(H.pool), "reorder returned false");
	/*
	 * Frees merge at once, so there is nothing to merge but what waits in
	 * a front cache: otherwise blocks stay.
	 */
	H.same_layout = !H.st.cached_blocks;
}

/* A walk from any cursor must go on from the first block at or after it. */
static void op_walk(struct fuzz_in *in)
{
	uint8_t kind = in_u8(in);
	uint16_t r = in_u16(in);
	unsigned int max = 1 + in_u8(in) % 8, got, t;
	struct h_pool_extent out[8];
	size_t cursor, c, j;

	switch (kind % 4) {
	case 0:
		cursor = 0;
		break;
	case 1:
		cursor = H.ext[r % H.next].offset;
		break;
	case 2:
		cursor = (size_t)r * 16 % (H.size + 64);
		break;
	default:
		cursor = r % (H.size + 64);
		break;
	}
	TRACE("  walk from %zu, max %u\n", cursor, max);
	c = cursor;
	got = h_pool_walk(H.pool, &c, out, max);
	if (cursor >= H.size) {
		EXPECT(!got && c == H.size, "walk past the end gave %u, cursor %zu", got, c);
		return;
	}
	for (j = 0; j < H.next && H.ext[j].offset < cursor; j++)
		;
	EXPECT(got == (H.next - j < max ? H.next - j : max),
	       "walk from %zu gave %u extents", cursor, got);
	for (t = 0; t < got; t++)
		EXPECT(extent_eq(&out[t], &H.ext[j + t]),
		       "walk from %zu: extent %u is (%zu, %zu, %d), full walk (%zu, %zu, %d)",
		       cursor, t, out[t].offset, out[t].size, out[t].used,
		       H.ext[j + t].offset, H.ext[j + t].size, H.ext[j + t].used);
	EXPECT(c == (j + got < H.next ? H.ext[j + got].offset : H.size),
	       "walk from %zu: cursor %zu after", cursor, c);
}

static void op_usable(struct fuzz_in *in)
{
	int i = blk_pick(in);
	size_t u;

	if (i < 0)
		return;
	u = h_pool_usable_size(H.pool, H.hm.b[i].ptr);
	TRACE("  usable_size offset %zu -> %zu\n", off_of(H.hm.b[i].ptr), u);
	EXPECT(u == H.hm.b[i].usable, "usable %zu, model %zu", u, H.hm.b[i].usable);
}

/*
 * Headers written into a block's payload must not make a block there:
 * either a copy of a real header, or three headers that agree with each
 * other (a block between two neighbours that name its size) with a check
 * word copied from a real header.  Only the keyed checksum can tell the
 * second kind from a real block.
 */
static void misuse_forge(struct fuzz_in *in)
{
	int i = blk_pick(in);
	uint16_t r = in_u16(in), s = in_u16(in);
	uint32_t hdr[3][4];
	size_t at, src, k;
	struct h_model_block *b;
	bool chain = r & 1;

	if (i < 0 || H.hm.b[i].usable < (chain ? 96 : 32))
		return;
	b = &H.hm.b[i];
	src = H.ext[s % H.next].offset;
	if (!chain) {
		/* a real header at payload offset at, the block after it at k */
		k = 16 * (1 + (r >> 1) % (b->usable / 16 - 1));
		at = k - H_POOL_HEADER_SIZE;
		memcpy(hdr[0], H.arena + src, H_POOL_HEADER_SIZE);
		TRACE("  misuse: header of %zu copied to offset %zu, freed there\n",
		      src, off_of(b->ptr) + at);
		memcpy(b->ptr + at, hdr[0], H_POOL_HEADER_SIZE);
		h_model_write(&H.hm, i, at, hdr[0], H_POOL_HEADER_SIZE);
	} else {
		/* prev (2 units), the forged block (2 units), next (2 units) */
		at = 16 * ((r >> 1) % (b->usable / 16 - 5));
		for (k = 0; k < 3; k++) {
			hdr[k][0] = 2;
			hdr[k][1] = 2;
			hdr[k][2] = 0;
			memcpy(&hdr[k][3], H.arena + src + 12, 4);
		}
		TRACE("  misuse: consistent headers at offset %zu, freed there\n",
		      off_of(b->ptr) + at);
		memcpy(b->ptr + at, hdr, sizeof(hdr) / 3);
		memcpy(b->ptr + at + 32, hdr[1], 16);
		memcpy(b->ptr + at + 64, hdr[2], 16);
		h_model_write(&H.hm, i, at, b->ptr + at, 80);
		k = at + 48;
	}
	snap_take();
	EXPECT(!h_pool_dealloc(H.pool, b->ptr + k), "forged block at offset %zu freed",
	       off_of(b->ptr) + k);
	snap_refused(1);
	EXPECT(!h_pool_usable_size(H.pool, b->ptr + k), "forged block has a size");
}

/* Many allocations of one size in one op, to reach large pools quickly. */
static void op_alloc_many(struct fuzz_in *in)
{
	unsigned int count = 1 + in_u8(in), k;
	size_t req = in_size(in, H.size) % 512;
	void *p;

	TRACE("  alloc %u x %zu\n", count, req);
	for (k = 0; k < count && H.hm.n < MAX_LIVE; k++) {
		p = h_pool_alloc(H.pool, req);
		if (!req) {
			EXPECT(!p, "alloc of 0 bytes accepted");
			H.hm.refused++;
			return;
		}
		if (!p) {
			H.hm.failed++;
			TRACE("    -> failed after %u\n", k);
			return;
		}
		take_block(p, req, 0, true);
	}
}

/* Free every stride-th block of the model, for fragmentation. */
static void op_free_many(struct fuzz_in *in)
{
	unsigned int stride = 2 + in_u8(in) % 6, phase = in_u8(in) % stride;
	unsigned int i;
	uint8_t *p;

	TRACE("  free every %u-th block from %u\n", stride, phase);
	for (i = H.hm.n; i-- > 0;) {
		if (i % stride != phase)
			continue;
		p = H.hm.b[i].ptr;
		EXPECT(h_pool_dealloc(H.pool, p), "free of a live block refused");
		h_model_remove(&H.hm, i);
	}
}

/* NULL for the pool or a required argument: refused, nothing changes. */
static void misuse_null(struct fuzz_in *in)
{
	int i = blk_pick(in);
	uint8_t *p = i >= 0 ? H.hm.b[i].ptr : H.arena + H_POOL_HEADER_SIZE;
	struct h_pool_extent out[1];
	struct h_pool_stats st;
	void *ptrs[1] = { p };
	size_t cursor = 0, sz = 1;
	uint8_t buf[1];

	TRACE("  misuse: NULL pool and NULL arguments\n");
	snap_take();
	EXPECT(!create_h_pool(H_POOL_MAX_SIZE + 16), "pool beyond the largest made");
	EXPECT(!h_pool_alloc(NULL, 16) && !h_pool_alloc_aligned(NULL, 16, 64),
	       "alloc from a NULL pool");
	EXPECT(!h_pool_realloc(NULL, NULL, 16) && !h_pool_realloc(NULL, p, 16),
	       "realloc in a NULL pool");
	EXPECT(!h_pool_dealloc(NULL, p) && !clean_h_ptr(NULL, p) &&
	       !reorder_h_mem(NULL) && !h_pool_usable_size(NULL, p),
	       "a NULL pool accepted");
	EXPECT(h_pool_alloc_batch(NULL, 16, 0, ptrs, 1) == -EINVAL &&
	       h_pool_dealloc_batch(NULL, ptrs, 1) == -EINVAL,
	       "batch in a NULL pool");
	EXPECT(h_pool_read(NULL, p, 0, buf, 1) == -EINVAL &&
	       h_pool_write(NULL, p, 0, buf, 1) == -EINVAL, "access in a NULL pool");
	memset(&st, 0xff, sizeof(st));
	h_pool_get_stats(NULL, &st);
	EXPECT(!st.arena_size && !st.used_blocks && !st.free_bytes,
	       "statistics of a NULL pool");
	EXPECT(h_pool_validate(NULL, NULL) == -EINVAL, "validate of a NULL pool");
	EXPECT(!h_pool_walk(NULL, &cursor, out, 1) && !h_pool_walk(H.pool, NULL, out, 1) &&
	       !h_pool_walk(H.pool, &cursor, NULL, 1), "walk with a NULL argument");
	EXPECT(!h_pool_arena(NULL, &sz), "arena of a NULL pool");
	EXPECT(!destroy_h_pool(NULL), "destroy of a NULL pool");
	snap_refused(0);

	/* NULL buffers or pointer arrays in a live pool: refused. */
	snap_take();
	EXPECT(h_pool_alloc_batch(H.pool, 16, 0, NULL, 1) == -EINVAL &&
	       h_pool_dealloc_batch(H.pool, NULL, 1) == -EINVAL,
	       "batch with a NULL array");
	EXPECT(h_pool_read(H.pool, p, 0, NULL, 1) == -EINVAL &&
	       h_pool_write(H.pool, p, 0, NULL, 1) == -EINVAL,
	       "access with a NULL buffer");
	h_pool_get_stats(H.pool, &st);
	EXPECT(st.refused_calls <= H.snap_st.refused_calls + 4, "%zu refusals for 4 calls",
	       st.refused_calls - H.snap_st.refused_calls);
	snap_refused((unsigned int)(st.refused_calls - H.snap_st.refused_calls));
}

/* ---- an owner writes past its block ------------------------------------- */

/*
 * The header pool is built to survive an overrun into the block after
 * the writer's: a damaged free-list link only leaks the blocks behind it,
 * a damaged free header must not steer a split (h_pool.c).  Taken in
 * full: calls may then be refused and blocks leak, but the pool must never
 * hand out memory of a live block, never touch a live block's bytes, and
 * never stray outside its arena.  From this op on the harness checks only
 * that.
 */
static void op_overrun(struct fuzz_in *in)
{
	unsigned int len = 1 + in_u8(in) % 32, k;
	int i = blk_pick(in);
	const struct h_pool_extent *next = NULL;
	size_t end, e;
	struct h_model_block *b;

	if (i < 0 || H.damaged)
		return;
	b = &H.hm.b[i];
	end = off_of(b->ptr) + b->usable;
	for (e = 0; e < H.next; e++)
		if (H.ext[e].offset == end)
			next = &H.ext[e];
	if (!next)
		return;
	if (next->used && len > H_POOL_HEADER_SIZE)
		len = H_POOL_HEADER_SIZE;
	if (len > next->size)
		len = (unsigned int)next->size;
	TRACE("  overrun: %u bytes past the block at %zu into the %s block at %zu\n",
	      len, off_of(b->ptr), next->used ? "used" : "free", end);
	for (k = 0; k < len; k++)
		b->ptr[b->usable + k] = in_u8(in);
	H.damaged = true;
}

static void damaged_take(uint8_t *p, size_t req, size_t align)
{
	size_t usable;

	if (!p || H.hm.n == MAX_LIVE)
		return;
	usable = h_pool_usable_size(H.pool, p);
	if (usable < req)
		usable = round16(req);
	TRACE("    -> offset %zu usable %zu\n", off_of(p), usable);
	EXPECT(p >= H.arena + H_POOL_HEADER_SIZE && usable <= H.size - off_of(p),
	       "block at %zu of %zu bytes outside the arena", off_of(p), usable);
	EXPECT(!((uintptr_t)p % eff_align(align)), "block at %zu misaligned", off_of(p));
	EXPECT(h_model_overlap_at(&H.hm, p, usable, -1) < 0,
	       "block at %zu (%zu bytes) overlaps a live block", off_of(p), usable);
	blk_add(p, req, eff_align(align), usable);
}

static void damaged_op(struct fuzz_in *in)
{
	uint8_t op = in_u8(in) % 8;
	size_t req, pos, len, keep, usable;
	struct h_model_block *b;
	uint8_t *p;
	int i;

	switch (op) {
	case 0:
	case 1:
		req = in_size(in, H.size);
		pos = op ? in_align(in) : 0;
		TRACE("  alloc %zu align %zu\n", req, pos);
		damaged_take(h_pool_alloc_aligned(H.pool, req, pos), req, pos);
		break;
	case 2:
		i = blk_pick(in);
		if (i < 0)
			break;
		TRACE("  free offset %zu\n", off_of(H.hm.b[i].ptr));
		if (h_pool_dealloc(H.pool, H.hm.b[i].ptr))
			h_model_remove(&H.hm, i);
		else
			TRACE("    refused\n");
		break;
	case 3:
		i = blk_pick(in);
		req = in_size(in, H.size);
		if (i < 0)
			break;
		b = &H.hm.b[i];
		TRACE("  realloc offset %zu to %zu\n", off_of(b->ptr), req);
		p = h_pool_realloc(H.pool, b->ptr, req);
		if (!p)
			break;
		usable = h_pool_usable_size(H.pool, p);
		if (usable < req)
			usable = round16(req);
		TRACE("    -> offset %zu usable %zu\n", off_of(p), usable);
		EXPECT(p >= H.arena + H_POOL_HEADER_SIZE && usable <= H.size - off_of(p),
		       "block at %zu outside the arena", off_of(p));
		EXPECT(h_model_overlap_at(&H.hm, p, usable, i) < 0,
		       "realloc to %zu bytes at %zu overlaps a live block", usable, off_of(p));
		keep = req < b->usable ? req : b->usable;
		EXPECT(h_model_diff(&H.hm, i, p, 0, keep) == keep,
		       "realloc lost contents");
		blk_resize(i, p, req, usable, keep, false);
		break;
	case 4:
	case 5:
		i = blk_pick(in);
		if (i < 0)
			break;
		b = &H.hm.b[i];
		in_range(in, b, &pos, &len);
		TRACE("  %s offset %zu [%zu, +%zu)\n", op == 4 ? "write" : "read",
		      off_of(b->ptr), pos, len);
		if (op == 4) {
			model_pattern_fill(H.buf, len, ++H.hm.tag, pos);
			if (!h_pool_write(H.pool, b->ptr, pos, H.buf, len))
				h_model_write(&H.hm, i, pos, H.buf, len);
		} else if (!h_pool_read(H.pool, b->ptr, pos, H.buf, len)) {
			EXPECT(h_model_diff(&H.hm, i, H.buf, pos, len) == len,
			       "read differs from the model");
		}
		break;
	case 6:
		i = blk_pick(in);
		if (i < 0)
			break;
		TRACE("  clean offset %zu\n", off_of(H.hm.b[i].ptr));
		if (clean_h_ptr(H.pool, H.hm.b[i].ptr))
			h_model_clean(&H.hm, i);
		break;
	default:
		TRACE("  reorder\n");
		reorder_h_mem(H.pool);
		break;
	}
}

/* After an overrun: every call still safe, no live byte touched. */
static void check_damaged(void)
{
	struct h_pool_fault f = { 0, NULL };
	struct h_pool_stats st;
	size_t cursor = 0, steps = 0;
	struct h_pool_extent out[16];
	int ret;

	ret = h_pool_validate(H.pool, &f);
	EXPECT(ret == 0 || ret == -EUCLEAN, "validate returned %d", ret);
	if (ret)
		TRACE("    validate: %s at %zu\n", f.reason, f.offset);
	h_pool_get_stats(H.pool, &st);
	EXPECT(st.arena_size == H.size && st.used_bytes <= H.size,
	       "statistics out of range");
	while (cursor < H.size && steps++ <= H.ext_cap)
		if (!h_pool_walk(H.pool, &cursor, out, 16))
			break;
	EXPECT(cursor <= H.size && steps <= H.ext_cap + 1, "walk did not end");
	check_contents("after an overrun, ");
}

static void op_misuse(struct fuzz_in *in)
{
	uint8_t kind = in_u8(in) % 13;
	uint8_t small[64];
	size_t pos, len, u;
	struct h_model_block *b;
	uint8_t *p;
	int i, ret;

	switch (kind) {
	case 0:
		p = bad_ptr(in);
		TRACE("  misuse: free\n");
		snap_take();
		EXPECT(!h_pool_dealloc(H.pool, p), "free of a bad pointer accepted");
		snap_refused(1);
		break;
	case 1:		/* double free */
		i = blk_pick(in);
		if (i < 0)
			return;
		p = H.hm.b[i].ptr;
		TRACE("  misuse: double free of offset %zu\n", off_of(p));
		EXPECT(h_pool_dealloc(H.pool, p), "free of a live block refused");
		h_model_remove(&H.hm, i);
		check_all();
		snap_take();
		EXPECT(!h_pool_dealloc(H.pool, p), "double free accepted");
		snap_refused(1);
		break;
	case 2:
		p = bad_ptr(in);
		TRACE("  misuse: read\n");
		snap_take();
		ret = h_pool_read(H.pool, p, 0, small, 1 + in_u8(in) % 64);
		EXPECT(ret == -EINVAL, "read of a bad pointer returned %d", ret);
		snap_refused(1);
		break;
	case 3:
		p = bad_ptr(in);
		TRACE("  misuse: write\n");
		memset(small, 0xa5, sizeof(small));
		snap_take();
		ret = h_pool_write(H.pool, p, 0, small, 1 + in_u8(in) % 64);
		EXPECT(ret == -EINVAL, "write to a bad pointer returned %d", ret);
		snap_refused(1);
		break;
	case 4:
		p = bad_ptr(in);
		TRACE("  misuse: clean\n");
		snap_take();
		EXPECT(!clean_h_ptr(H.pool, p), "clean of a bad pointer accepted");
		snap_refused(1);
		break;
	case 5:
		p = bad_ptr(in);
		if (!p)
			p = H.arena + H.size;
		TRACE("  misuse: realloc\n");
		snap_take();
		EXPECT(!h_pool_realloc(H.pool, p, 1 + in_u8(in)),
		       "realloc of a bad pointer accepted");
		snap_refused(1);
		break;
	case 6: {	/* a query: refusing it may or may not be counted */
		struct h_pool_stats st;

		p = bad_ptr(in);
		TRACE("  misuse: usable_size\n");
		u = h_pool_usable_size(H.pool, p);
		EXPECT(u == 0, "usable size %zu of a bad pointer", u);
		h_pool_get_stats(H.pool, &st);
		EXPECT(st.refused_calls == H.hm.refused ||
		       st.refused_calls == H.hm.refused + 1, "refused_calls %zu, model %zu",
		       st.refused_calls, H.hm.refused);
		H.hm.refused = st.refused_calls;
		H.same_layout = true;
		break;
	}
	case 7:		/* past the end of a block */
		i = blk_pick(in);
		if (i < 0)
			return;
		b = &H.hm.b[i];
		pos = in_u16(in) % (b->usable + 32);
		len = (pos < b->usable ? b->usable - pos : 0) + 1 + in_u8(in) % 64;
		u = in_u8(in) & 1;
		TRACE("  misuse: %s offset %zu [%zu, +%zu) of %zu\n",
		      u ? "read" : "write", off_of(b->ptr), pos, len, b->usable);
		snap_take();
		if (u)
			ret = h_pool_read(H.pool, b->ptr, pos, H.buf, len);
		else
			ret = h_pool_write(H.pool, b->ptr, pos, H.buf, len);
		EXPECT(ret == -EINVAL, "access past the end returned %d", ret);
		snap_refused(1);
		break;
	case 8:
		TRACE("  misuse: alloc 0\n");
		snap_take();
		EXPECT(!h_pool_alloc(H.pool, 0), "alloc of 0 bytes accepted");
		snap_refused(1);
		break;
	case 9:
		u = bad_aligns[in_u8(in) % (sizeof(bad_aligns) / sizeof(bad_aligns[0]))];
		TRACE("  misuse: alloc aligned to %zu\n", u);
		snap_take();
		EXPECT(!h_pool_alloc_aligned(H.pool, 16, u), "bad alignment accepted");
		snap_refused(1);
		break;
	case 10: {
		void *none[1] = { NULL };

		TRACE("  misuse: batch alloc of 0 and of %u\n", H_POOL_BATCH_MAX + 1);
		snap_take();
		ret = h_pool_alloc_batch(H.pool, 16, 0, none, 0);
		EXPECT(ret == -EINVAL, "batch of 0 returned %d", ret);
		snap_refused(1);
		if (H.hm.n + H_POOL_BATCH_MAX + 1 <= MAX_LIVE) {
			void *many[H_POOL_BATCH_MAX + 1];

			snap_take();
			ret = h_pool_alloc_batch(H.pool, 16, 0, many, H_POOL_BATCH_MAX + 1);
			EXPECT(ret == -EINVAL, "batch of %u returned %d",
			       H_POOL_BATCH_MAX + 1, ret);
			snap_refused(1);
		}
		break;
	}
	case 11:	/* headers written into a payload forge nothing */
		misuse_forge(in);
		break;
	default:
		misuse_null(in);
		break;
	}
}

/* ---- the input ------------------------------------------------------ */

static void op_alloc_any(struct fuzz_in *in)
{
	op_alloc(in, false);
}

static void op_alloc_aligned(struct fuzz_in *in)
{
	op_alloc(in, true);
}

/* Append only: the inputs in regress/ name ops by these numbers. */
enum {
	OP_ALLOC, OP_ALLOC_ALIGNED, OP_FREE, OP_REALLOC, OP_BATCH_ALLOC,
	OP_BATCH_FREE, OP_WRITE, OP_READ, OP_CLEAN, OP_REORDER, OP_WALK,
	OP_USABLE, OP_MISUSE, OP_ALLOC_MANY, OP_FREE_MANY, OP_OVERRUN,
	OP_COUNT
};

static const struct fuzz_op_kind op_kinds[OP_COUNT] = {
	[OP_ALLOC] = { "alloc", op_alloc_any },
	[OP_ALLOC_ALIGNED] = { "alloc_aligned", op_alloc_aligned },
	[OP_FREE] = { "free", op_free },
	[OP_REALLOC] = { "realloc", op_realloc },
	[OP_BATCH_ALLOC] = { "alloc_batch", op_batch_alloc },
	[OP_BATCH_FREE] = { "free_batch", op_batch_free },
	[OP_WRITE] = { "write", op_write },
	[OP_READ] = { "read", op_read },
	[OP_CLEAN] = { "clean", op_clean },
	[OP_REORDER] = { "reorder", op_reorder },
	[OP_WALK] = { "walk", op_walk },
	[OP_USABLE] = { "usable_size", op_usable },
	[OP_MISUSE] = { "misuse", op_misuse },
	[OP_ALLOC_MANY] = { "alloc_many", op_alloc_many },
	[OP_FREE_MANY] = { "free_many", op_free_many },
	[OP_OVERRUN] = { "overrun", op_overrun },
};

/* After an overrun every op is one of damaged_op's, whatever it was. */
static void step(const struct fuzz_op_kind *kind, struct fuzz_in *in)
{
	if (H.damaged) {
		fuzz_op_name = "after overrun";
		damaged_op(in);
		check_damaged();
		return;
	}
	kind->run(in);
	if (H.damaged)
		check_damaged();
	else
		check_all();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	size_t arena_size, got;
	unsigned int flags;

	memset(&H, 0, sizeof(H));
	fuzz_begin();

	arena_size = in_u8(&in);
	flags = arena_size & 0x80 ? 0 : H_POOL_KEYED;
	if (arena_size & 0x40)
		flags |= H_POOL_CACHE;
	H.cache = flags & H_POOL_CACHE;
	arena_size %= 32;
	EXPECT(!create_h_pool(arena_size), "pool of %zu bytes created", arena_size);
	arena_size = 32 + 2 * (size_t)in_u16(&in);
	TRACE("create %zu, flags %#x\n", arena_size, flags);
	H.pool = h_pool_create(arena_size, flags);
	EXPECT(H.pool, "pool of %zu bytes not created", arena_size);
	H.size = arena_size & ~(size_t)15;
	H.arena = h_pool_arena(H.pool, &got);
	EXPECT(H.arena && got == H.size && !((uintptr_t)H.arena & 4095),
	       "arena %p of %zu bytes", (void *)H.arena, got);
	H.ext_cap = H.size / 32 + 2;
	H.ext = calloc(H.ext_cap, sizeof(*H.ext));
	H.ext_prev = calloc(H.ext_cap, sizeof(*H.ext));
	H.snap = malloc(H.size);
	H.buf = malloc(H.size + 64);
	if (!H.ext || !H.ext_prev || !H.snap || !H.buf ||
	    h_model_init(&H.hm, H.pool, MAX_LIVE, 0))
		abort();
	check_all();
	EXPECT(H.next == 1 && !H.ext[0].used, "a new pool is not one free block");

	fuzz_run_ops(&in, op_kinds, OP_COUNT, MAX_OPS, step);

	fuzz_op_name = "destroy";
	EXPECT(destroy_h_pool(H.pool), "destroy refused");
	h_model_destroy(&H.hm);
	free(H.ext);
	free(H.ext_prev);
	free(H.snap);
	free(H.buf);
	return 0;
}
