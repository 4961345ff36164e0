// SPDX-License-Identifier: GPL-2.0-only
/*
 * t_pool_fuzz.c - libFuzzer harness for the table pool (ckremm/tpool)
 * built for the host with the host port layer.
 *
 * Input: byte 0 picks a size below 16 that t_pool_create() must refuse;
 * bytes 1-2 give the arena size (16 + 2 * v, up to 128 KiB, not always a
 * multiple of 16); byte 3 the table capacity (0 for the default, else
 * 1..255 slots, so a full table is common).  Then operations follow, each
 * an opcode byte and its arguments (see the op table at the bottom):
 *
 *   alloc by handle (plain, T_POOL_REORDER_ON_FAIL, unknown flags) and by
 *   pointer, free by handle and by pointer, write, read, clean and copy by
 *   handle and by pointer, pin, unpin, whole reorders (both calls), single
 *   reorder steps with a budget and a step size from the input (so blocks
 *   sit half moved while other operations run), size_of, offset_of,
 *   handle_of, partial walks from any cursor, up to 256 allocations or
 *   every n-th free in one op, and misuse: freed and forged handles for
 *   every call, stale, interior and foreign pointers, frees of pinned
 *   blocks, unpins of unpinned ones, accesses past the end, copies into
 *   smaller blocks, size 0, unknown flags, NULL pools and arguments.
 *
 * The harness keeps the table pool's reference model (ckremm/model/
 * t_pool_model.h): every live handle with its size, pin count, pinned
 * address and exact contents.  After every operation:
 * t_pool_validate() must pass; a walk must tile the arena with exactly the
 * model's blocks (sizes, pins; a pinned block where it was pinned), never
 * two free runs side by side; the statistics must match the model and the
 * walk; and every byte of every block, read through the pool (each byte
 * where it is, also mid-move) and for pinned blocks also straight through
 * the pinned address, must be as the model says.  Documented promises are
 * checked where they apply: an allocation succeeds when a free run of
 * 17/16 of the request exists and a slot is free, and with
 * T_POOL_REORDER_ON_FAIL whenever enough bytes are free and nothing is
 * pinned; a reorder keeps the order of blocks, moves them only down,
 * leaves every free run at the top or before a pinned block (one run at
 * the top without pins) and reports exactly what it moved; a step moves no
 * more than its budget; new handles never repeat a handle seen before; a
 * refused call returns its error, counts once in refused_calls and
 * changes nothing else.  Any broken promise aborts.
 */
#include <errno.h>

#include "fuzz_common.h"

#include <ckremm/t_pool.h>

#include "t_pool_model.h"

#define MAX_LIVE	600
#define MAX_DEAD	64
#define MAX_OPS		2048
#define WALK_CHUNK	37
#define DEFAULT_STEP	4096

static struct {
	struct t_pool *pool;
	uint8_t *arena;
	size_t size;
	unsigned int cap;
	struct t_model tm;	/* the reference model (t_pool_model.h) */
	unsigned long *start;	/* per granule: the last walk that showed a
				 * used block starting there */
	uint8_t *old_ptr[MAX_DEAD];
	unsigned int nold, old_next;
	size_t reorders;
	size_t step;
	bool in_pass;		/* a stepped reorder pass is under way */
	bool may_move;		/* this op may move bytes (bytes_moved grows) */
	bool same_layout;	/* this op must not change the layout */
	struct t_pool_stats st;
	struct t_pool_stats snap_st;
	struct t_pool_extent *ext, *ext_prev;
	size_t next, next_prev, ext_cap;
	size_t largest;		/* largest handle-less run of the last walk */
	size_t nfree;
	unsigned long walk;
	uint8_t *buf;
} T;

/* ---- the model --------------------------------------------------------- */

static size_t off_of(const void *p)
{
	return (size_t)((const uint8_t *)p - T.arena);
}

static void old_push(uint8_t *p)
{
	T.old_ptr[T.old_next] = p;
	T.old_next = (T.old_next + 1) % MAX_DEAD;
	if (T.nold < MAX_DEAD)
		T.nold++;
}

/* Is a used block at arena offset @off, as the last walk showed? */
static bool live_start(size_t off)
{
	return off < T.size && !(off & 15) && T.start[off >> 4] == T.walk;
}

/* A new block joins the model, and its pattern is written to it. */
static unsigned int blk_add(u64 h, size_t req)
{
	struct t_model_block *b = t_model_add(&T.tm, h, req);
	int ret;

	if (!b)
		abort();
	ret = t_pool_write(T.pool, h, 0, b->bytes, b->size);
	EXPECT(ret == 0, "write of a new block returned %d", ret);
	return T.tm.n - 1;
}

/* ---- checks after every operation -------------------------------------- */

/* A part of a walk into T.ext. */
static unsigned int walk_some(size_t *cursor, size_t n, unsigned int max)
{
	return t_pool_walk(T.pool, cursor, T.ext + n, max);
}

static bool extent_eq(const struct t_pool_extent *a,
		      const struct t_pool_extent *b)
{
	return a->offset == b->offset && a->size == b->size &&
	       a->handle == b->handle && a->pinned == b->pinned;
}

static void check_stats(void)
{
	struct t_pool_stats st;
	size_t used = 0;
	unsigned int i;

	for (i = 0; i < T.tm.n; i++)
		used += T.tm.b[i].size;
	t_pool_get_stats(T.pool, &st);
	EXPECT(st.arena_size == T.size, "%zu", st.arena_size);
	EXPECT(st.used_blocks == T.tm.n, "%zu vs %u", st.used_blocks, T.tm.n);
	EXPECT(st.used_bytes == used, "%zu vs %zu", st.used_bytes, used);
	EXPECT(st.free_bytes == T.size - used, "%zu", st.free_bytes);
	EXPECT(st.pinned_blocks == T.tm.pinned, "%zu", st.pinned_blocks);
	EXPECT(st.table_capacity == T.cap, "%zu vs %u", st.table_capacity, T.cap);
	EXPECT(st.failed_allocs == T.tm.failed, "%zu vs %zu", st.failed_allocs, T.tm.failed);
	EXPECT(st.refused_calls == T.tm.refused, "%zu vs %zu", st.refused_calls, T.tm.refused);
	EXPECT(st.reorders == T.reorders, "%zu vs %zu", st.reorders, T.reorders);
	EXPECT(st.peak_used >= st.used_bytes && st.peak_used >= T.st.peak_used &&
	       st.peak_used <= T.size, "peak %zu, used %zu, before %zu",
	       st.peak_used, st.used_bytes, T.st.peak_used);
	EXPECT(st.bytes_moved >= T.st.bytes_moved, "bytes_moved went back");
	if (!T.may_move)
		EXPECT(st.bytes_moved == T.st.bytes_moved,
		       "bytes moved by an op that moves nothing: %zu, before %zu",
		       st.bytes_moved, T.st.bytes_moved);
	if (!T.in_pass) {
		/* No block in transit: every handle-less run is a free run. */
		EXPECT(st.free_blocks == T.nfree, "%zu vs %zu", st.free_blocks, T.nfree);
		if (T.nfree <= 64)
			EXPECT(st.largest_free == T.largest, "%zu vs %zu",
			       st.largest_free, T.largest);
		else
			EXPECT(st.largest_free <= T.largest &&
			       st.largest_free * 16 >= T.largest * 15,
			       "%zu vs %zu", st.largest_free, T.largest);
	} else {
		/* ... else one of them may be the hole a block moves into. */
		EXPECT(st.free_blocks == T.nfree || st.free_blocks + 1 == T.nfree,
		       "%zu vs %zu runs mid-pass", st.free_blocks, T.nfree);
		EXPECT(st.largest_free <= T.largest, "%zu vs %zu", st.largest_free,
		       T.largest);
	}
	if (st.free_bytes)
		EXPECT(st.frag_permille == 1000 - st.largest_free * 1000 / st.free_bytes,
		       "%u (largest %zu of %zu)", st.frag_permille,
		       st.largest_free, st.free_bytes);
	else
		EXPECT(st.frag_permille == 0, "%u", st.frag_permille);
	T.st = st;
}

static void check_all(void)
{
	struct t_pool_fault f = { 0, NULL };
	struct t_pool_extent *t;
	size_t off = 0, nused = 0, i;
	bool prev_free = false, hole_seen = false;
	unsigned int k;
	int ret;

	ret = t_pool_validate(T.pool, &f);
	if (ret)
		FAIL("t_pool_validate() = %d: %s at offset %zu", ret,
		     f.reason ? f.reason : "?", f.offset);

	t = T.ext_prev;
	T.ext_prev = T.ext;
	T.ext = t;
	T.next_prev = T.next;
	T.next = walk_all_with(walk_some, T.size, T.ext_cap, WALK_CHUNK);
	T.walk++;
	T.nfree = 0;
	T.largest = 0;
	for (i = 0; i < T.next; i++) {
		const struct t_pool_extent *e = &T.ext[i];

		EXPECT(e->offset == off, "run %zu at %zu, expected %zu", i,
		       e->offset, off);
		EXPECT(e->size && !(e->size & 15) && e->size <= T.size - off,
		       "run %zu at %zu has size %zu", i, off, e->size);
		if (e->handle != T_POOL_NO_HANDLE) {
			int j = t_model_find(&T.tm, e->handle);
			struct t_model_block *b;

			EXPECT(j >= 0, "block %#llx at %zu unknown to the model",
			       e->handle, off);
			b = &T.tm.b[j];
			EXPECT(b->seen != T.walk, "block %#llx shown twice", b->h);
			EXPECT(b->size == e->size, "block %#llx has %zu bytes, model %zu",
			       b->h, e->size, b->size);
			EXPECT(e->pinned == (b->pins > 0), "block %#llx pinned %d, model %u pins",
			       b->h, e->pinned, b->pins);
			if (b->pins)
				EXPECT(off == off_of(b->pinned_at),
				       "pinned block %#llx moved from %zu to %zu", b->h,
				       off_of(b->pinned_at), off);
			b->seen = T.walk;
			b->off = off;
			T.start[off >> 4] = T.walk;
			nused++;
			prev_free = false;
		} else {
			/*
			 * Mid-pass, the hole a block moves into shows as a
			 * run without a handle right before that block; a
			 * block freed just below it leaves a free run next
			 * to it until the move ends.  Nothing else may.
			 */
			if (prev_free) {
				EXPECT(T.in_pass && !hole_seen && i + 1 < T.next &&
				       T.ext[i + 1].handle != T_POOL_NO_HANDLE,
				       "two adjacent free runs at %zu", off);
				hole_seen = true;
			}
			prev_free = true;
			T.nfree++;
			if (e->size > T.largest)
				T.largest = e->size;
		}
		off += e->size;
	}
	EXPECT(off == T.size, "walk covers %zu of %zu bytes", off, T.size);
	EXPECT(nused == T.tm.n, "walk shows %zu blocks, model %u", nused, T.tm.n);
	check_stats();

	for (k = 0; k < T.tm.n; k++) {
		const struct t_model_block *b = &T.tm.b[k];
		size_t d;

		memset(T.buf, 0x5a, b->size);
		ret = t_pool_read(T.pool, b->h, 0, T.buf, b->size);
		EXPECT(ret == 0, "read of block %#llx returned %d", b->h, ret);
		d = model_first_diff(T.buf, b->bytes, b->size);
		if (d < b->size)
			FAIL("block %#llx at %zu (%zu bytes): byte %zu is %#x, model %#x",
			     b->h, b->off, b->size, d, T.buf[d], b->bytes[d]);
		if (b->pins) {
			d = model_first_diff(b->pinned_at, b->bytes, b->size);
			if (d < b->size)
				FAIL("pinned block %#llx: byte %zu at its address is %#x, model %#x",
				     b->h, d, b->pinned_at[d], b->bytes[d]);
		}
	}

	if (T.same_layout) {
		EXPECT(T.next == T.next_prev, "layout changed: %zu runs, %zu before",
		       T.next, T.next_prev);
		for (i = 0; i < T.next; i++)
			EXPECT(extent_eq(&T.ext[i], &T.ext_prev[i]),
			       "layout changed at run %zu", i);
	}
	T.same_layout = false;
	T.may_move = false;
}

/* A refused call counts once and changes no figure and no run. */
static void snap_take(void)
{
	t_pool_get_stats(T.pool, &T.snap_st);
}

static void snap_refused(unsigned int calls)
{
	struct t_pool_stats st;

	t_pool_get_stats(T.pool, &st);
	EXPECT(st.refused_calls == T.snap_st.refused_calls + calls,
	       "refused_calls %zu, before %zu", st.refused_calls,
	       T.snap_st.refused_calls);
	st.refused_calls = T.snap_st.refused_calls;
	EXPECT(!memcmp(&st, &T.snap_st, sizeof(st)),
	       "a refused call changed the statistics");
	T.tm.refused += calls;
	T.same_layout = true;
}

/* A request beyond the arena: refused or failed, one counter grows. */
static void either_counted(void)
{
	struct t_pool_stats st;

	t_pool_get_stats(T.pool, &st);
	either_counted_in(&T.tm.failed, &T.tm.refused, st.failed_allocs,
			  st.refused_calls);
}

/* ---- decoding helpers ------------------------------------------------ */

static int blk_pick(struct fuzz_in *in)
{
	uint16_t v = in_u16(in);

	return T.tm.n ? (int)(v % T.tm.n) : -1;
}

/* A step or budget: 0 (the default), 1..15, 16..2304, or 512..49152. */
static size_t in_step(struct fuzz_in *in)
{
	uint8_t v = in_u8(in);

	if (v < 16)
		return v;
	if (v < 160)
		return (size_t)(v - 15) * 16;
	return (size_t)(v - 159) * 512;
}

/* Must an allocation of @req succeed? */
static bool must_fit(size_t req, bool reorder)
{
	size_t need = round16(req);

	if (!req || T.tm.n >= T.cap)
		return false;
	if (reorder && !T.tm.pinned && T.size - T.st.used_bytes >= need)
		return true;
	return !T.in_pass && need * 17 <= T.largest * 16;
}

/* A new handle: never seen before, of the right size; joins the model. */
static int take_handle(u64 h, size_t req)
{
	size_t sz;

	EXPECT((uint32_t)h, "handle %#llx names no node", h);
	EXPECT(t_model_find(&T.tm, h) < 0, "handle %#llx names a live block", h);
	EXPECT(!t_model_was_freed(&T.tm, h), "handle %#llx given out again", h);
	sz = t_pool_size_of(T.pool, h);
	EXPECT(sz == round16(req), "size_of %zu for a request of %zu", sz, req);
	TRACE("    -> handle %#llx\n", h);
	return (int)blk_add(h, req);
}

/* A handle that no call may accept. */
static u64 bad_handle(struct fuzz_in *in)
{
	uint8_t kind = in_u8(in);
	uint16_t r = in_u16(in);
	u64 h;
	int i;

	switch (kind % 6) {
	case 0:
		h = t_model_stale(&T.tm, r);
		if (h != T_POOL_NO_HANDLE) {
			TRACE("    bad handle: freed %#llx\n", h);
			return h;
		}
		break;
	case 1:		/* a live slot, another generation */
		if (T.tm.n) {
			h = T.tm.b[r % T.tm.n].h;
			h += (kind & 0x80) ? (1ULL << 32) : -(1ULL << 32);
			if (t_model_find(&T.tm, h) < 0) {
				TRACE("    bad handle: %#llx, another generation\n", h);
				return h;
			}
		}
		break;
	case 2:		/* a node past every chunk the pool can have */
		h = (1ULL << 32) | (0x10000000ULL + r);
		TRACE("    bad handle: %#llx, past the table\n", h);
		return h;
	case 3:		/* slot part 0 */
		h = (u64)(r + 1) << 32;
		TRACE("    bad handle: %#llx\n", h);
		return h;
	case 4:		/* the first generation of some slot */
		h = (1ULL << 32) | (1 + r % T.cap);
		i = t_model_find(&T.tm, h);
		if (i < 0) {
			TRACE("    bad handle: %#llx, first generation\n", h);
			return h;
		}
		break;
	default:
		break;
	}
	TRACE("    bad handle: 0\n");
	return T_POOL_NO_HANDLE;
}

/* A pointer that is not the start of a live block. */
static uint8_t *bad_ptr(struct fuzz_in *in)
{
	static uint8_t elsewhere[64] __attribute__((aligned(16)));
	uint8_t kind = in_u8(in);
	uint16_t r = in_u16(in);
	uint8_t *p;
	size_t i;

	switch (kind % 6) {
	case 0:		/* handed out before, nothing starts there now */
		if (T.nold) {
			p = T.old_ptr[r % T.nold];
			if (!live_start(off_of(p))) {
				TRACE("    bad pointer: old, offset %zu\n", off_of(p));
				return p;
			}
		}
		break;
	case 1:		/* inside a block */
		if (T.tm.n && T.tm.b[r % T.tm.n].size > 1) {
			const struct t_model_block *b = &T.tm.b[r % T.tm.n];
			size_t k = 1 + in_u16(in) % (b->size - 1);

			if (!live_start(b->off + k)) {
				TRACE("    bad pointer: offset %zu inside block %#llx at %zu\n",
				      b->off + k, b->h, b->off);
				return T.arena + b->off + k;
			}
		}
		break;
	case 2:		/* a run without a block */
		for (i = 0; i < T.next; i++) {
			if (T.ext[(i + r) % T.next].handle == T_POOL_NO_HANDLE) {
				TRACE("    bad pointer: free run at %zu\n",
				      T.ext[(i + r) % T.next].offset);
				return T.arena + T.ext[(i + r) % T.next].offset;
			}
		}
		break;
	case 3:
		TRACE("    bad pointer: NULL\n");
		return NULL;
	case 4:
		TRACE("    bad pointer: outside the pool\n");
		return elsewhere + 16 * (r % 4);
	default:
		break;
	}
	TRACE("    bad pointer: end of the arena\n");
	return (uint8_t *)((uintptr_t)T.arena + T.size);
}

/* ---- operations ------------------------------------------------------- */

static void op_alloc_handle(struct fuzz_in *in)
{
	size_t req = in_size(in, T.size);
	uint8_t fl = in_u8(in) % 8;
	unsigned int flags = fl < 3 ? T_POOL_REORDER_ON_FAIL :
			     fl == 3 ? (0x2U << (in_u8(in) % 31)) : 0;
	bool reorder = flags == T_POOL_REORDER_ON_FAIL;
	bool must = !(flags & ~T_POOL_REORDER_ON_FAIL) && must_fit(req, reorder);
	struct t_pool_stats st;
	u64 h;

	if (T.tm.n == MAX_LIVE)
		return;
	TRACE("  alloc_handle %zu flags %#x%s\n", req, flags, must ? " (must fit)" : "");
	T.may_move = reorder;
	h = t_pool_alloc_handle(T.pool, req, flags);
	if (reorder) {
		/* A retry runs a whole reorder pass first. */
		t_pool_get_stats(T.pool, &st);
		EXPECT(st.reorders == T.reorders || st.reorders == T.reorders + 1,
		       "%zu reorders, %zu before", st.reorders, T.reorders);
		if (st.reorders != T.reorders)
			T.in_pass = false;
		T.reorders = st.reorders;
	}
	if (!req || (flags & ~T_POOL_REORDER_ON_FAIL)) {
		EXPECT(h == T_POOL_NO_HANDLE, "refused request gave a handle");
		T.tm.refused++;
		T.same_layout = true;
		return;
	}
	if (req > T.size) {
		EXPECT(h == T_POOL_NO_HANDLE, "request beyond the arena gave a handle");
		either_counted();
		return;
	}
	if (h == T_POOL_NO_HANDLE) {
		EXPECT(!must, "alloc of %zu failed: %u of %u slots used, largest free run %zu, %zu bytes free, %u pinned",
		       req, T.tm.n, T.cap, T.largest, T.size - T.st.used_bytes,
		       T.tm.pinned);
		T.tm.failed++;
		return;
	}
	take_handle(h, req);
}

static void op_alloc_ptr(struct fuzz_in *in)
{
	size_t req = in_size(in, T.size);
	bool must = must_fit(req, false);
	uint8_t *p;
	u64 h;

	if (T.tm.n == MAX_LIVE)
		return;
	TRACE("  alloc %zu%s\n", req, must ? " (must fit)" : "");
	p = t_pool_alloc(T.pool, req);
	if (!req) {
		EXPECT(!p, "alloc of 0 gave a block");
		T.tm.refused++;
		T.same_layout = true;
		return;
	}
	if (req > T.size) {
		EXPECT(!p, "request beyond the arena gave a block");
		either_counted();
		return;
	}
	if (!p) {
		EXPECT(!must, "alloc of %zu failed: largest free run %zu, %u of %u slots",
		       req, T.largest, T.tm.n, T.cap);
		T.tm.failed++;
		return;
	}
	EXPECT(p >= T.arena && p < T.arena + T.size && !((uintptr_t)p & 15),
	       "block %p outside the arena or misaligned", (void *)p);
	TRACE("    -> offset %zu\n", off_of(p));
	h = t_pool_handle_of(T.pool, p);
	EXPECT(h != T_POOL_NO_HANDLE, "no handle for a new block");
	old_push(p);
	take_handle(h, req);
}

static void op_free(struct fuzz_in *in, bool by_ptr)
{
	int i = blk_pick(in);
	struct t_model_block *b;
	uint8_t *p;
	int ret;

	if (i < 0)
		return;
	b = &T.tm.b[i];
	p = T.arena + b->off;
	TRACE("  free %s %#llx at %zu%s\n", by_ptr ? "pointer of" : "handle",
	      b->h, b->off, b->pins ? " (pinned)" : "");
	if (b->pins)
		snap_take();
	if (by_ptr) {
		old_push(p);
		ret = t_pool_dealloc(T.pool, p) ? 0 : -EBUSY;
	} else {
		ret = t_pool_free(T.pool, b->h);
	}
	if (b->pins) {
		EXPECT(ret == -EBUSY, "free of a pinned block returned %d", ret);
		snap_refused(1);
		return;
	}
	EXPECT(ret == 0, "free of a live block returned %d", ret);
	t_model_remove(&T.tm, i);
}

static void in_range(struct fuzz_in *in, const struct t_model_block *b, size_t *pos,
		     size_t *len)
{
	*pos = in_u16(in) % (b->size + 1);
	*len = in_u16(in) % (b->size - *pos + 1);
}

static void op_write(struct fuzz_in *in)
{
	int i = blk_pick(in);
	size_t pos, len;
	struct t_model_block *b;
	int ret;

	if (i < 0)
		return;
	b = &T.tm.b[i];
	in_range(in, b, &pos, &len);
	TRACE("  write %#llx [%zu, +%zu)\n", b->h, pos, len);
	model_pattern_fill(T.buf, len, ++T.tm.tag, pos);
	ret = t_pool_write(T.pool, b->h, pos, T.buf, len);
	EXPECT(ret == 0, "write returned %d", ret);
	t_model_write(&T.tm, i, pos, T.buf, len);
}

static void op_read(struct fuzz_in *in)
{
	int i = blk_pick(in);
	size_t pos, len;
	struct t_model_block *b;
	size_t d;
	int ret;

	if (i < 0)
		return;
	b = &T.tm.b[i];
	in_range(in, b, &pos, &len);
	TRACE("  read %#llx [%zu, +%zu)\n", b->h, pos, len);
	memset(T.buf, 0xa5, len);
	ret = t_pool_read(T.pool, b->h, pos, T.buf, len);
	EXPECT(ret == 0, "read returned %d", ret);
	d = model_first_diff(T.buf, b->bytes + pos, len);
	EXPECT(d == len, "read byte %zu differs from the model", d);
}

static void op_clean(struct fuzz_in *in)
{
	bool by_ptr = in_u8(in) & 1;
	int i = blk_pick(in);
	struct t_model_block *b;

	if (i < 0)
		return;
	b = &T.tm.b[i];
	TRACE("  clean %s %#llx at %zu\n", by_ptr ? "pointer of" : "handle",
	      b->h, b->off);
	if (by_ptr)
		EXPECT(clean_t_ptr(T.pool, T.arena + b->off), "clean by pointer refused");
	else
		EXPECT(t_pool_clean(T.pool, b->h) == 0, "clean refused");
	t_model_clean(&T.tm, i);
}

static void op_copy(struct fuzz_in *in)
{
	bool by_ptr = in_u8(in) & 1;
	int d = blk_pick(in), s = blk_pick(in);
	struct t_model_block *bd, *bs;
	int ret;

	if (d < 0)
		return;
	bd = &T.tm.b[d];
	bs = &T.tm.b[s];
	TRACE("  copy %s %#llx (%zu bytes) <- %#llx (%zu bytes)\n",
	      by_ptr ? "pointers of" : "handles", bd->h, bd->size, bs->h, bs->size);
	if (bd->size < bs->size)
		snap_take();
	if (by_ptr)
		ret = copy_t_ptr(T.pool, T.arena + bd->off, T.arena + bs->off) ?
		      0 : -ENOSPC;
	else
		ret = t_pool_copy(T.pool, bd->h, bs->h);
	if (bd->size < bs->size) {
		EXPECT(ret == -ENOSPC, "copy into a smaller block returned %d", ret);
		snap_refused(1);
		return;
	}
	EXPECT(ret == 0, "copy returned %d", ret);
	t_model_copy(&T.tm, d, s);
}

static void op_pin(struct fuzz_in *in)
{
	int i = blk_pick(in);
	struct t_model_block *b;
	uint8_t *p;
	size_t d;

	if (i < 0)
		return;
	b = &T.tm.b[i];
	TRACE("  pin %#llx (%u pins)\n", b->h, b->pins);
	T.may_move = true;	/* a block in transit completes its move */
	p = t_pool_pin(T.pool, b->h);
	EXPECT(p, "pin of a live block refused");
	EXPECT(p >= T.arena && p < T.arena + T.size && !((uintptr_t)p & 15),
	       "pinned address %p outside the arena", (void *)p);
	if (b->pins)
		EXPECT(p == b->pinned_at, "a pinned block moved from %zu to %zu",
		       off_of(b->pinned_at), off_of(p));
	TRACE("    -> offset %zu\n", off_of(p));
	d = model_first_diff(p, b->bytes, b->size);
	EXPECT(d == b->size, "pinned block: byte %zu differs from the model", d);
	t_model_pin(&T.tm, i, p);
	old_push(p);
}

static void op_unpin(struct fuzz_in *in)
{
	int i = blk_pick(in);
	struct t_model_block *b;
	int ret;

	if (i < 0)
		return;
	b = &T.tm.b[i];
	TRACE("  unpin %#llx (%u pins)\n", b->h, b->pins);
	if (!b->pins)
		snap_take();
	ret = t_pool_unpin(T.pool, b->h);
	if (!b->pins) {
		EXPECT(ret == -EINVAL, "unpin of an unpinned block returned %d", ret);
		snap_refused(1);
		return;
	}
	EXPECT(ret == 0, "unpin returned %d", ret);
	t_model_unpin(&T.tm, i);
}

/*
 * What every reorder call must do: keep the blocks in address order, move
 * them only down, and report what it moved.  Called after check_all(),
 * with the layout before in ext_prev.
 */
static void check_moves(size_t moved, size_t *changed_bytes,
			size_t *changed_blocks)
{
	size_t i, j = 0;

	*changed_bytes = 0;
	*changed_blocks = 0;
	for (i = 0; i < T.next_prev; i++) {
		const struct t_pool_extent *was = &T.ext_prev[i];

		if (was->handle == T_POOL_NO_HANDLE)
			continue;
		while (j < T.next && T.ext[j].handle == T_POOL_NO_HANDLE)
			j++;
		EXPECT(j < T.next && T.ext[j].handle == was->handle,
		       "block %#llx no longer in its place in the address order",
		       was->handle);
		EXPECT(T.ext[j].offset <= was->offset,
		       "block %#llx moved up from %zu to %zu", was->handle,
		       was->offset, T.ext[j].offset);
		if (T.ext[j].offset != was->offset) {
			*changed_bytes += was->size;
			(*changed_blocks)++;
		}
		j++;
	}
	EXPECT(T.st.bytes_moved - T.snap_st.bytes_moved == moved,
	       "reorder reports %zu bytes moved, statistics %zu", moved,
	       T.st.bytes_moved - T.snap_st.bytes_moved);
}

static void op_reorder(struct fuzz_in *in)
{
	bool seed_call = in_u8(in) & 1, fresh = !T.in_pass;
	struct t_pool_reorder_result res;
	size_t bytes, blocks, i;

	TRACE("  reorder%s%s\n", seed_call ? " (reorder_t_mem)" : "",
	      fresh ? "" : " during a stepped pass");
	memset(&res, 0x6b, sizeof(res));
	snap_take();
	T.may_move = true;
	if (seed_call)
		EXPECT(reorder_t_mem(T.pool), "reorder_t_mem returned false");
	else
		EXPECT(t_pool_reorder(T.pool, &res) == 0, "t_pool_reorder failed");
	T.reorders++;
	T.in_pass = false;
	check_all();
	check_moves(seed_call ? T.st.bytes_moved - T.snap_st.bytes_moved :
		    res.bytes_moved, &bytes, &blocks);
	if (!seed_call) {
		TRACE("    -> moved %zu bytes, %zu blocks; largest %zu, %zu runs\n",
		      res.bytes_moved, res.blocks_moved, res.largest_free,
		      res.free_blocks);
		EXPECT(res.largest_free == T.st.largest_free &&
		       res.free_blocks == T.st.free_blocks,
		       "result says largest %zu in %zu runs, statistics %zu in %zu",
		       res.largest_free, res.free_blocks, T.st.largest_free,
		       T.st.free_blocks);
		if (fresh)
			EXPECT(res.bytes_moved == bytes && res.blocks_moved == blocks,
			       "moved %zu bytes in %zu blocks, the layout says %zu in %zu",
			       res.bytes_moved, res.blocks_moved, bytes, blocks);
	}
	/* Every free run is at the top or in front of a pinned block. */
	for (i = 0; i + 1 < T.next; i++)
		if (T.ext[i].handle == T_POOL_NO_HANDLE)
			EXPECT(T.ext[i + 1].pinned,
			       "free run at %zu before unpinned block %#llx after a reorder",
			       T.ext[i].offset, T.ext[i + 1].handle);
}

static void op_reorder_step(struct fuzz_in *in)
{
	uint8_t set = in_u8(in);
	size_t step = in_step(in), budget = in_step(in), bytes, blocks;
	struct t_pool_reorder_result res;
	size_t base_bytes = in_u16(in), base_blocks = in_u8(in);
	int ret;

	if (set & 1) {
		TRACE("  set_step %zu\n", step);
		t_pool_set_step(T.pool, step);
		T.step = step ? step : DEFAULT_STEP;
	}
	TRACE("  reorder_step budget %zu (step %zu)%s\n", budget, T.step,
	      T.in_pass ? "" : ", new pass");
	memset(&res, 0, sizeof(res));
	res.bytes_moved = base_bytes;
	res.blocks_moved = base_blocks;
	snap_take();
	T.may_move = true;
	ret = t_pool_reorder_step(T.pool, budget, &res);
	TRACE("    -> %d, moved %zu bytes\n", ret, res.bytes_moved - base_bytes);
	EXPECT(ret == 0 || ret == 1, "step returned %d", ret);
	T.in_pass = ret == 1;
	T.reorders += !ret;
	check_all();
	EXPECT(res.bytes_moved >= base_bytes && res.blocks_moved >= base_blocks,
	       "step did not add to the result");
	check_moves(res.bytes_moved - base_bytes, &bytes, &blocks);
	EXPECT(res.bytes_moved - base_bytes <= (budget ? budget : T.step),
	       "step moved %zu bytes, budget %zu", res.bytes_moved - base_bytes,
	       budget ? budget : T.step);
	EXPECT(res.largest_free == T.st.largest_free &&
	       res.free_blocks == T.st.free_blocks,
	       "result says largest %zu in %zu runs, statistics %zu in %zu",
	       res.largest_free, res.free_blocks, T.st.largest_free,
	       T.st.free_blocks);
}

static void op_query(struct fuzz_in *in)
{
	uint8_t kind = in_u8(in) % 3;
	int i = blk_pick(in);
	struct t_model_block *b;
	size_t off, sz;
	u64 h;

	if (i < 0)
		return;
	b = &T.tm.b[i];
	switch (kind) {
	case 0:
		sz = t_pool_size_of(T.pool, b->h);
		TRACE("  size_of %#llx -> %zu\n", b->h, sz);
		EXPECT(sz == b->size, "size_of %zu, model %zu", sz, b->size);
		T.same_layout = true;
		break;
	case 1:
		T.may_move = true;	/* completes a move in transit */
		EXPECT(t_pool_offset_of(T.pool, b->h, &off) == 0, "offset_of refused");
		TRACE("  offset_of %#llx -> %zu\n", b->h, off);
		check_all();
		EXPECT(b->off == off, "offset_of says %zu, the walk %zu", off, b->off);
		break;
	default:
		h = t_pool_handle_of(T.pool, T.arena + b->off);
		TRACE("  handle_of offset %zu -> %#llx\n", b->off, h);
		EXPECT(h == b->h, "handle_of gives %#llx, model %#llx", h, b->h);
		old_push(T.arena + b->off);
		T.same_layout = true;
		break;
	}
}

/* A walk from any cursor starts at the run that holds the cursor. */
static void op_walk(struct fuzz_in *in)
{
	uint8_t kind = in_u8(in);
	uint16_t r = in_u16(in);
	unsigned int max = 1 + in_u8(in) % 8, got, t;
	struct t_pool_extent out[8];
	size_t cursor, c, j;

	switch (kind % 3) {
	case 0:
		cursor = 0;
		break;
	case 1:
		cursor = T.ext[r % T.next].offset;
		break;
	default:
		cursor = r % (T.size + 64);
		break;
	}
	TRACE("  walk from %zu, max %u\n", cursor, max);
	c = cursor;
	got = t_pool_walk(T.pool, &c, out, max);
	T.same_layout = true;
	if (cursor >= T.size) {
		EXPECT(!got && c == T.size, "walk past the end gave %u, cursor %zu",
		       got, c);
		return;
	}
	for (j = 0; T.ext[j].offset + T.ext[j].size <= cursor; j++)
		;
	EXPECT(got == (T.next - j < max ? T.next - j : max),
	       "walk from %zu gave %u runs", cursor, got);
	for (t = 0; t < got; t++)
		EXPECT(extent_eq(&out[t], &T.ext[j + t]),
		       "walk from %zu: run %u is (%zu, %zu, %#llx), full walk (%zu, %zu, %#llx)",
		       cursor, t, out[t].offset, out[t].size, out[t].handle,
		       T.ext[j + t].offset, T.ext[j + t].size, T.ext[j + t].handle);
	EXPECT(c == (j + got < T.next ? T.ext[j + got].offset : T.size),
	       "walk from %zu: cursor %zu after", cursor, c);
}

/* Every handle call with a handle that names no live block. */
static void misuse_handle(struct fuzz_in *in)
{
	uint8_t call = in_u8(in) % 10;
	u64 h = bad_handle(in);
	int other = blk_pick(in);
	u64 live = other >= 0 ? T.tm.b[other].h : h;
	uint8_t small[32];
	size_t off = 0;
	int ret = 0;

	TRACE("  misuse: call %u with handle %#llx\n", call, h);
	snap_take();
	switch (call) {
	case 0:
		ret = t_pool_free(T.pool, h);
		break;
	case 1:
		ret = t_pool_size_of(T.pool, h) ? 1 : -EINVAL;
		break;
	case 2:
		ret = t_pool_read(T.pool, h, 0, small, 1 + in_u8(in) % 32);
		break;
	case 3:
		memset(small, 0x3c, sizeof(small));
		ret = t_pool_write(T.pool, h, 0, small, 1 + in_u8(in) % 32);
		break;
	case 4:
		ret = t_pool_clean(T.pool, h);
		break;
	case 5:
		ret = t_pool_copy(T.pool, h, live);
		break;
	case 6:
		ret = t_pool_copy(T.pool, live, h);
		break;
	case 7:
		ret = t_pool_pin(T.pool, h) ? 1 : -EINVAL;
		break;
	case 8:
		ret = t_pool_unpin(T.pool, h);
		break;
	default:
		ret = t_pool_offset_of(T.pool, h, &off);
		break;
	}
	EXPECT(ret == -EINVAL, "call %u with a dead handle returned %d", call, ret);
	snap_refused(1);
}

/* Every pointer call with a pointer that starts no live block. */
static void misuse_ptr(struct fuzz_in *in)
{
	uint8_t call = in_u8(in) % 5;
	uint8_t *p = bad_ptr(in);
	int other = blk_pick(in);
	uint8_t *live = other >= 0 ? T.arena + T.tm.b[other].off : p;
	bool ok;

	TRACE("  misuse: pointer call %u\n", call);
	snap_take();
	switch (call) {
	case 0:
		ok = t_pool_dealloc(T.pool, p);
		break;
	case 1:
		ok = clean_t_ptr(T.pool, p);
		break;
	case 2:
		ok = t_pool_handle_of(T.pool, p) != T_POOL_NO_HANDLE;
		break;
	case 3:
		ok = copy_t_ptr(T.pool, p, live);
		break;
	default:
		ok = copy_t_ptr(T.pool, live, p);
		break;
	}
	EXPECT(!ok, "pointer call %u accepted a bad pointer", call);
	snap_refused(1);
}

/* Many allocations of one size in one op, to reach large pools quickly. */
static void op_alloc_many(struct fuzz_in *in)
{
	unsigned int count = 1 + in_u8(in), k;
	size_t req = in_size(in, T.size) % 512;
	u64 h;

	TRACE("  alloc_handle %u x %zu\n", count, req);
	for (k = 0; k < count && T.tm.n < MAX_LIVE; k++) {
		h = t_pool_alloc_handle(T.pool, req, 0);
		if (!req) {
			EXPECT(h == T_POOL_NO_HANDLE, "alloc of 0 gave a handle");
			T.tm.refused++;
			return;
		}
		if (h == T_POOL_NO_HANDLE) {
			T.tm.failed++;
			TRACE("    -> failed after %u\n", k);
			return;
		}
		take_handle(h, req);
	}
}

/* Free every stride-th unpinned block of the model. */
static void op_free_many(struct fuzz_in *in)
{
	unsigned int stride = 2 + in_u8(in) % 6, phase = in_u8(in) % stride;
	unsigned int i;
	int ret;

	TRACE("  free every %u-th block from %u\n", stride, phase);
	for (i = T.tm.n; i-- > 0;) {
		if (i % stride != phase || T.tm.b[i].pins)
			continue;
		ret = t_pool_free(T.pool, T.tm.b[i].h);
		EXPECT(ret == 0, "free of %#llx returned %d", T.tm.b[i].h, ret);
		t_model_remove(&T.tm, i);
	}
}

/* NULL for the pool or a required argument: refused, nothing changes. */
static void misuse_null(struct fuzz_in *in)
{
	int i = blk_pick(in);
	u64 h = i >= 0 ? T.tm.b[i].h : T_POOL_NO_HANDLE;
	uint8_t *p = i >= 0 ? T.arena + T.tm.b[i].off : T.arena;
	struct t_pool_reorder_result res;
	struct t_pool_extent out[1];
	struct t_pool_stats st;
	size_t cursor = 0, off, sz = 1;
	uint8_t buf[1];

	TRACE("  misuse: NULL pool and NULL arguments\n");
	snap_take();
	EXPECT(!t_pool_create(16, T_POOL_MAX_CAPACITY + 1) &&
	       !t_pool_create(T_POOL_MAX_SIZE + 16, 1), "impossible pool made");
	EXPECT(t_pool_alloc_handle(NULL, 16, 0) == T_POOL_NO_HANDLE &&
	       !t_pool_alloc(NULL, 16), "alloc from a NULL pool");
	EXPECT(t_pool_free(NULL, h) == -EINVAL && !t_pool_dealloc(NULL, p) &&
	       !t_pool_size_of(NULL, h) && t_pool_clean(NULL, h) == -EINVAL &&
	       !clean_t_ptr(NULL, p) && t_pool_copy(NULL, h, h) == -EINVAL &&
	       !copy_t_ptr(NULL, p, p) && !t_pool_pin(NULL, h) &&
	       t_pool_unpin(NULL, h) == -EINVAL &&
	       t_pool_offset_of(NULL, h, &off) == -EINVAL &&
	       t_pool_handle_of(NULL, p) == T_POOL_NO_HANDLE,
	       "a NULL pool accepted");
	EXPECT(t_pool_read(NULL, h, 0, buf, 1) == -EINVAL &&
	       t_pool_write(NULL, h, 0, buf, 1) == -EINVAL, "access in a NULL pool");
	memset(&res, 0x6b, sizeof(res));
	EXPECT(t_pool_reorder(NULL, &res) == -EINVAL && !res.bytes_moved &&
	       !res.blocks_moved && t_pool_reorder_step(NULL, 0, NULL) == -EINVAL &&
	       !reorder_t_mem(NULL), "reorder of a NULL pool");
	t_pool_set_step(NULL, 16);
	memset(&st, 0xff, sizeof(st));
	t_pool_get_stats(NULL, &st);
	EXPECT(!st.arena_size && !st.used_blocks && !st.table_capacity,
	       "statistics of a NULL pool");
	EXPECT(t_pool_validate(NULL, NULL) == -EINVAL, "validate of a NULL pool");
	EXPECT(!t_pool_walk(NULL, &cursor, out, 1) && !t_pool_walk(T.pool, NULL, out, 1) &&
	       !t_pool_walk(T.pool, &cursor, NULL, 1), "walk with a NULL argument");
	EXPECT(!t_pool_arena(NULL, &sz) && !destroy_t_pool(NULL), "NULL pool");
	snap_refused(0);

	/* NULL buffers in a live pool: refused, counted or not. */
	if (h != T_POOL_NO_HANDLE) {
		snap_take();
		EXPECT(t_pool_read(T.pool, h, 0, NULL, 1) == -EINVAL &&
		       t_pool_write(T.pool, h, 0, NULL, 1) == -EINVAL,
		       "access with a NULL buffer");
		t_pool_get_stats(T.pool, &st);
		EXPECT(st.refused_calls <= T.snap_st.refused_calls + 2,
		       "%zu refusals for 2 calls", st.refused_calls - T.snap_st.refused_calls);
		snap_refused((unsigned int)(st.refused_calls - T.snap_st.refused_calls));
	}
}

static void op_misuse(struct fuzz_in *in)
{
	uint8_t kind = in_u8(in) % 6;
	size_t pos, len;
	struct t_model_block *b;
	uint8_t *p;
	int i, ret;
	bool rd;

	switch (kind) {
	case 0:
		misuse_handle(in);
		break;
	case 1:
		misuse_ptr(in);
		break;
	case 2:		/* past the end */
		i = blk_pick(in);
		if (i < 0)
			return;
		b = &T.tm.b[i];
		pos = in_u16(in) % (b->size + 32);
		len = (pos < b->size ? b->size - pos : 0) + 1 + in_u8(in) % 64;
		rd = in_u8(in) & 1;
		TRACE("  misuse: %s %#llx [%zu, +%zu) of %zu\n", rd ? "read" : "write",
		      b->h, pos, len, b->size);
		memset(T.buf, 0x77, len);
		snap_take();
		ret = rd ? t_pool_read(T.pool, b->h, pos, T.buf, len) :
			   t_pool_write(T.pool, b->h, pos, T.buf, len);
		EXPECT(ret == -EINVAL, "access past the end returned %d", ret);
		snap_refused(1);
		break;
	case 3:
		TRACE("  misuse: alloc 0\n");
		snap_take();
		EXPECT(t_pool_alloc_handle(T.pool, 0, 0) == T_POOL_NO_HANDLE,
		       "alloc of 0 gave a handle");
		snap_refused(1);
		break;
	case 5:
		misuse_null(in);
		break;
	default:	/* a pinned block cannot be freed, by handle or pointer */
		i = blk_pick(in);
		if (i < 0)
			return;
		b = &T.tm.b[i];
		TRACE("  misuse: pin %#llx, then free it\n", b->h);
		T.may_move = true;
		p = t_pool_pin(T.pool, b->h);
		EXPECT(p, "pin of a live block refused");
		t_model_pin(&T.tm, i, p);
		check_all();
		snap_take();
		ret = t_pool_free(T.pool, b->h);
		EXPECT(ret == -EBUSY, "free of a pinned block returned %d", ret);
		snap_refused(1);
		check_all();
		snap_take();
		EXPECT(!t_pool_dealloc(T.pool, b->pinned_at), "pinned block freed by pointer");
		snap_refused(1);
		break;
	}
}

/* ---- the input ------------------------------------------------------ */

static void op_free_handle(struct fuzz_in *in)
{
	op_free(in, false);
}

static void op_dealloc(struct fuzz_in *in)
{
	op_free(in, true);
}

/* Append only: the inputs in regress/ name ops by these numbers. */
enum {
	OP_ALLOC_HANDLE, OP_ALLOC_PTR, OP_FREE, OP_DEALLOC, OP_WRITE, OP_READ,
	OP_CLEAN, OP_COPY, OP_PIN, OP_UNPIN, OP_REORDER, OP_REORDER_STEP,
	OP_QUERY, OP_WALK, OP_MISUSE, OP_ALLOC_MANY, OP_FREE_MANY, OP_COUNT
};

static const struct fuzz_op_kind op_kinds[OP_COUNT] = {
	[OP_ALLOC_HANDLE] = { "alloc_handle", op_alloc_handle },
	[OP_ALLOC_PTR] = { "alloc", op_alloc_ptr },
	[OP_FREE] = { "free", op_free_handle },
	[OP_DEALLOC] = { "dealloc", op_dealloc },
	[OP_WRITE] = { "write", op_write },
	[OP_READ] = { "read", op_read },
	[OP_CLEAN] = { "clean", op_clean },
	[OP_COPY] = { "copy", op_copy },
	[OP_PIN] = { "pin", op_pin },
	[OP_UNPIN] = { "unpin", op_unpin },
	[OP_REORDER] = { "reorder", op_reorder },
	[OP_REORDER_STEP] = { "reorder_step", op_reorder_step },
	[OP_QUERY] = { "query", op_query },
	[OP_WALK] = { "walk", op_walk },
	[OP_MISUSE] = { "misuse", op_misuse },
	[OP_ALLOC_MANY] = { "alloc_many", op_alloc_many },
	[OP_FREE_MANY] = { "free_many", op_free_many },
};

static void step(const struct fuzz_op_kind *kind, struct fuzz_in *in)
{
	kind->run(in);
	check_all();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	size_t arena_size, got;
	unsigned int cap;

	memset(&T, 0, sizeof(T));
	fuzz_begin();

	arena_size = in_u8(&in) % 16;
	EXPECT(!t_pool_create(arena_size, 0), "pool of %zu bytes created", arena_size);
	EXPECT(!t_pool_create(4096, T_POOL_MAX_CAPACITY + 1),
	       "pool with %u slots created", T_POOL_MAX_CAPACITY + 1);
	arena_size = 16 + 2 * (size_t)in_u16(&in);
	cap = in_u8(&in);
	TRACE("create %zu, %u slots\n", arena_size, cap);
	T.pool = cap ? t_pool_create(arena_size, cap) : create_t_pool(arena_size);
	EXPECT(T.pool, "pool of %zu bytes, %u slots not created", arena_size, cap);
	T.size = arena_size & ~(size_t)15;
	if (!cap)
		cap = T.size / 256 < 64 ? 64 : (unsigned int)(T.size / 256);
	T.cap = cap;
	T.step = DEFAULT_STEP;
	T.arena = t_pool_arena(T.pool, &got);
	EXPECT(T.arena && got == T.size && !((uintptr_t)T.arena & 15),
	       "arena %p of %zu bytes", (void *)T.arena, got);
	T.ext_cap = 2 * (size_t)cap + 4;
	T.ext = calloc(T.ext_cap, sizeof(*T.ext));
	T.ext_prev = calloc(T.ext_cap, sizeof(*T.ext));
	T.start = calloc(T.size / 16, sizeof(*T.start));
	T.buf = malloc(T.size + 64);
	if (t_model_init(&T.tm, MAX_LIVE, 0))
		abort();
	if (!T.ext || !T.ext_prev || !T.start || !T.buf)
		abort();
	check_all();
	EXPECT(T.next == 1 && T.ext[0].handle == T_POOL_NO_HANDLE,
	       "a new pool is not one free run");
	EXPECT(T.st.meta_bytes >= 4096 && T.st.meta_bytes <= 8192 + T.size / 1024 +
	       8 * ((size_t)cap / 100 + 1),
	       "%zu bytes of tables for an empty pool of %zu bytes and %u blocks",
	       T.st.meta_bytes, T.size, cap);

	fuzz_run_ops(&in, op_kinds, OP_COUNT, MAX_OPS, step);

	fuzz_op_name = "destroy";
	EXPECT(destroy_t_pool(T.pool), "destroy refused");
	t_model_destroy(&T.tm);
	free(T.ext);
	free(T.ext_prev);
	free(T.start);
	free(T.buf);
	return 0;
}
