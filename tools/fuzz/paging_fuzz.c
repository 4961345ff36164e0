// SPDX-License-Identifier: GPL-2.0-only
/*
 * paging_fuzz.c - libFuzzer harness for the paging module (ckremm/paging)
 * over a table pool, with the compressed store (ckremm/paging/zstore.c)
 * and the hosted port's LZ4, built for the host with the host port layer.
 *
 * Input: byte 0 picks the arena (16..76 KiB in pages), byte 1 the
 * stores' arenas (8..68 KiB), byte 2 the pager: decay ticks (bits 0-1),
 * purge step (2-3), free_target (4-5), whether the pool pages out to a
 * compressed store of its own (6), compaction when quiet (7).  Then
 * operations follow, each an opcode byte and its arguments (see the op
 * table at the bottom):
 *
 *   alloc (sometimes with the next commit made to fail; with a store, a
 *   page-out to make room when the arena is full), free, write the
 *   model's pattern, write a run of one byte (which compresses), read,
 *   reorder steps and whole reorders, purge steps, ticks of the decay
 *   policy (with a store: page-outs down to free_target, drops of freed
 *   blocks' copies); page-outs of some bytes and page-ins of a block;
 *   and on a second store of the harness's own: put a live block's bytes
 *   (stash), get and drop one (unstash), get with a mis-sized or shifted
 *   key.  A write or read of a paged-out block pages it in first
 *   (ckremm_pager_page_in(), which makes room), as a user would.
 *
 * Purged pages are made inaccessible by the host port until committed
 * again (ckremm_host_purge_protect), so a block placed, moved or read on
 * a page the pool did not commit faults at once.  The harness keeps the
 * table pool's reference model (ckremm/model/t_pool_model.h).  After
 * every operation t_pool_validate() must pass and every byte of every
 * block must be what the model says, read where the block is without
 * paging anything in: from the arena, or from the pool's store (a get of
 * the block's key, which leaves the copy) or zeros for a paged-out one;
 * the pool's figures must count what is out, and its store must hold
 * every byte the pool says it keeps.  Every stash's get must give back
 * the bytes put and the stash store's figures must count them.  At the
 * end, with the pool destroyed and the stashes dropped, both stores'
 * header pools must have every byte back.
 */
#include <errno.h>

#include "fuzz_common.h"

#include <ckremm/paging.h>
#include <ckremm/t_pool.h>
#include <ckremm/zstore.h>

#include "t_pool_internal.h"
#include "t_pool_model.h"

#define PAGE		4096
#define MAX_LIVE	256
#define MAX_OPS		1024
#define MAX_STASH	16

struct stash {
	u64 key;
	size_t len;
	size_t stored;		/* what put said it costs */
	u8 *bytes;
};

static struct {
	struct t_pool *pool;
	struct ckremm_pager pager;
	struct ckremm_zstore *zs;	/* the stashes' */
	struct ckremm_store *store;
	struct ckremm_zstore *pzs;	/* the pool's, or NULL */
	struct ckremm_store *pstore;
	struct t_model tm;
	size_t size;
	u8 *buf;
	struct stash stash[MAX_STASH];
	unsigned int n_stash;
	size_t stashed;		/* bytes of the stashes */
	size_t stored;		/* what the store said they cost */
} P;

static unsigned int pick_block(struct fuzz_in *in)
{
	return in_u16(in) % P.tm.n;
}

static struct tp_seg *node_of(u64 h)
{
	u32 n = tp_find(P.pool, h);

	EXPECT(n != TP_NIL, "live handle %#llx not found",
	       (unsigned long long)h);
	return tp_seg(P.pool, n);
}

/*
 * Block @i in the arena, paged in if it was out: false if there was no
 * room for it (every other block kept resident, as incompressible ones
 * are).
 */
static bool make_resident(unsigned int i)
{
	int ret;

	if (!tp_is_out(node_of(P.tm.b[i].h)))
		return true;
	ret = ckremm_pager_page_in(&P.pager, P.tm.b[i].h);
	TRACE("  page in block %u: %d\n", i, ret);
	EXPECT(!ret || ret == -ENOMEM, "page-in: %d", ret);
	EXPECT(ret || !tp_is_out(node_of(P.tm.b[i].h)), "still out");
	return !ret;
}

/*
 * Block @i's bytes as they are, paging nothing in: from the arena
 * (mapped through a move in transit), the pool's store or zeros.
 */
static void peek(unsigned int i, u8 *buf)
{
	u64 h = P.tm.b[i].h;
	size_t len = P.tm.b[i].size, pos = 0, contig;
	u32 n = tp_find(P.pool, h);
	struct tp_seg *s = node_of(h);
	int ret;

	if (tp_is_out(s)) {
		EXPECT(tp_bytes(tp_out_units(s)) == len, "out: %zu bytes, not %zu",
		       tp_bytes(tp_out_units(s)), len);
		if (s->holds & TP_ZERO_OUT) {
			memset(buf, 0, len);
			return;
		}
		ret = P.pstore->ops->get(P.pstore, tp_out_key(s), buf, len);
		EXPECT(!ret, "the store's copy of block %u: %d", i, ret);
		return;
	}
	while (pos < len) {
		u8 *p = tp_byte(P.pool, n, pos, &contig);

		if (contig > len - pos)
			contig = len - pos;
		memcpy(buf + pos, p, contig);
		pos += contig;
	}
}

static void op_alloc(struct fuzz_in *in)
{
	size_t size = in_size(in, P.size);
	bool fail_commit = in_u8(in) % 8 == 0;
	struct t_model_block *b;
	u64 h;
	int ret;

	if (P.tm.n >= MAX_LIVE)
		return;
	ckremm_host_commit_failures = fail_commit;
	ret = t_pool_alloc_block(P.pool, size, 0, &h);
	ckremm_host_commit_failures = 0;
	if (ret == -ENOMEM && P.pstore && size <= P.size) {
		int out = ckremm_pager_page_out(&P.pager, size, NULL);

		TRACE("  page out %zu for it: %d\n", size, out);
		EXPECT(!out || out == -ENOSPC, "page-out: %d", out);
		ret = t_pool_alloc_block(P.pool, size, 0, &h);
	}
	TRACE("  alloc %zu%s: %d\n", size, fail_commit ? " (commit fails)" : "",
	      ret);
	if (ret) {
		EXPECT(ret == -ENOMEM || (ret == -EINVAL && !size),
		       "alloc of %zu: %d", size, ret);
		return;
	}
	b = t_model_add(&P.tm, h, size);
	EXPECT(b, "model full");
	EXPECT(!t_pool_write(P.pool, h, 0, b->bytes, b->size),
	       "write of a new block of %zu", b->size);
}

static void op_free(struct fuzz_in *in)
{
	unsigned int i;

	if (!P.tm.n)
		return;
	i = pick_block(in);
	EXPECT(!t_pool_free(P.pool, P.tm.b[i].h), "free of block %u", i);
	t_model_remove(&P.tm, i);
}

/*
 * A live block, and a span of it: false if there is none.  Reads the
 * block's pick and the span's start and length.
 */
static bool pick_span(struct fuzz_in *in, unsigned int *i, size_t *pos,
		      size_t *len)
{
	size_t size;

	if (!P.tm.n)
		return false;
	*i = pick_block(in);
	size = P.tm.b[*i].size;
	*pos = in_u16(in) % size;
	*len = 1 + in_u16(in) % (size - *pos);
	return true;
}

static void op_write_pattern(struct fuzz_in *in)
{
	unsigned int i;
	size_t pos, len;

	if (!pick_span(in, &i, &pos, &len) || !make_resident(i))
		return;
	t_model_fill(&P.tm, i, pos, len);
	EXPECT(!t_pool_write(P.pool, P.tm.b[i].h, pos, P.tm.b[i].bytes + pos,
			     len), "write of %zu at %zu", len, pos);
}

static void op_write_run(struct fuzz_in *in)
{
	unsigned int i;
	size_t pos, len;
	u8 c;

	if (!pick_span(in, &i, &pos, &len))
		return;
	c = in_u8(in);
	if (!make_resident(i))
		return;
	memset(P.buf, c, len);
	t_model_write(&P.tm, i, pos, P.buf, len);
	EXPECT(!t_pool_write(P.pool, P.tm.b[i].h, pos, P.buf, len),
	       "write of %zu at %zu", len, pos);
}

static void op_reorder_step(struct fuzz_in *in)
{
	int ret = t_pool_reorder_step(P.pool, 1 + in_u16(in), NULL);

	EXPECT(ret >= 0, "reorder step: %d", ret);
}

static void op_reorder(struct fuzz_in *in)
{
	(void)in;
	EXPECT(!t_pool_reorder(P.pool, NULL), "reorder refused");
}

static void op_purge(struct fuzz_in *in)
{
	size_t keep = (in_u8(in) % 4) * PAGE, budget = (in_u8(in) % 16) * PAGE;
	size_t purged = 0;
	int ret = ckremm_paging_purge_t(P.pool, keep, budget, &purged);

	TRACE("  purge keep %zu budget %zu: %d, %zu\n", keep, budget, ret,
	      purged);
	EXPECT(ret == 0 || ret == 1, "purge step: %d", ret);
}

static void op_tick(struct fuzz_in *in)
{
	struct ckremm_paging_result res = { 0 };

	(void)in;
	EXPECT(!ckremm_pager_tick(&P.pager, &res), "tick refused");
}

static void op_page_out(struct fuzz_in *in)
{
	struct ckremm_paging_result res = { 0 };
	size_t bytes = in_u16(in);
	int ret = ckremm_pager_page_out(&P.pager, bytes, &res);

	TRACE("  page out %zu: %d, %zu blocks\n", bytes, ret, res.paged_out);
	if (!P.pstore)
		EXPECT(ret == -EINVAL, "page-out without a store: %d", ret);
	else
		EXPECT(!ret || ret == -ENOSPC, "page-out: %d", ret);
}

static void op_page_in(struct fuzz_in *in)
{
	unsigned int i;
	int ret;

	if (!P.tm.n)
		return;
	i = pick_block(in);
	if (P.pstore) {
		make_resident(i);
		return;
	}
	ret = ckremm_pager_page_in(&P.pager, P.tm.b[i].h);
	EXPECT(ret == -EINVAL, "page-in without a store: %d", ret);
}

/* A live block's bytes put in the store, and got back at once. */
static void op_stash(struct fuzz_in *in)
{
	struct stash *s;
	unsigned int i;
	size_t stored = 0, len;
	int ret;

	if (!P.tm.n || P.n_stash == MAX_STASH)
		return;
	i = pick_block(in);
	len = P.tm.b[i].size;
	peek(i, P.buf);
	s = &P.stash[P.n_stash];
	ret = P.store->ops->put(P.store, P.buf, len, &s->key, &stored);
	TRACE("  stash block %u of %zu: %d, %zu stored\n", i, len, ret, stored);
	if (ret) {
		EXPECT(ret == -E2BIG || ret == -ENOSPC, "put: %d", ret);
		return;
	}
	EXPECT(stored * 1000 < len * 875, "stored %zu for %zu", stored, len);
	s->len = len;
	s->stored = stored;
	s->bytes = malloc(len);
	EXPECT(s->bytes, "malloc");
	memcpy(s->bytes, P.buf, len);
	memset(P.buf, 0xee, len);
	EXPECT(!P.store->ops->get(P.store, s->key, P.buf, len), "get");
	EXPECT(!memcmp(P.buf, s->bytes, len), "stash differs at once");
	P.n_stash++;
	P.stashed += len;
	P.stored += stored;
}

static void unstash(unsigned int j)
{
	struct stash *s = &P.stash[j];

	memset(P.buf, 0xee, s->len);
	EXPECT(!P.store->ops->get(P.store, s->key, P.buf, s->len), "get");
	EXPECT(!memcmp(P.buf, s->bytes, s->len), "stash %u differs", j);
	P.store->ops->drop(P.store, s->key);
	P.stored -= s->stored;
	P.stashed -= s->len;
	free(s->bytes);
	*s = P.stash[--P.n_stash];
}

static void op_unstash(struct fuzz_in *in)
{
	if (P.n_stash)
		unstash(in_u8(in) % P.n_stash);
}

/* Keys that are a stash's, but for the length or the offset, fail. */
static void op_bad_get(struct fuzz_in *in)
{
	struct ckremm_zstore_stats before, after;
	struct stash *s;
	u64 key;
	size_t len;
	u8 how;

	if (!P.n_stash)
		return;
	s = &P.stash[in_u8(in) % P.n_stash];
	how = in_u8(in);
	key = s->key;
	len = s->len;
	switch (how % 3) {
	case 0:
		len += 1 + how / 3;
		break;
	case 1:
		len -= 1 + (how / 3) % (len - 1);
		break;
	default:
		key += (u64)(1 + how / 3) << 32;
		break;
	}
	ckremm_zstore_get_stats(P.zs, &before);
	EXPECT(P.store->ops->get(P.store, key, P.buf, len) == -EIO,
	       "get of a bad key %#llx, %zu bytes", (unsigned long long)key,
	       len);
	ckremm_zstore_get_stats(P.zs, &after);
	EXPECT(after.failures == before.failures + 1, "failure not counted");
}

static void op_read(struct fuzz_in *in)
{
	unsigned int i;
	size_t pos, len;

	if (!pick_span(in, &i, &pos, &len) || !make_resident(i))
		return;
	EXPECT(!t_pool_read(P.pool, P.tm.b[i].h, pos, P.buf, len), "read");
	EXPECT(t_model_diff(&P.tm, i, P.buf, pos, len) == len,
	       "block %u differs", i);
}

static void check_all(void)
{
	struct ckremm_zstore_stats st, pst;
	struct t_pool_stats ts;
	struct t_pool_fault fault;
	size_t out = 0, out_bytes = 0, zero = 0;
	unsigned int i;

	EXPECT(!t_pool_validate(P.pool, &fault), "pool: %s at %zu",
	       fault.reason, fault.offset);
	for (i = 0; i < P.tm.n; i++) {
		size_t size = P.tm.b[i].size;
		struct tp_seg *s = node_of(P.tm.b[i].h);

		peek(i, P.buf);
		EXPECT(t_model_diff(&P.tm, i, P.buf, 0, size) == size,
		       "block %u of %zu bytes differs (%s)", i, size,
		       tp_is_out(s) ? "paged out" : "resident");
		if (tp_is_out(s)) {
			out++;
			out_bytes += size;
			zero += !!(s->holds & TP_ZERO_OUT);
		}
	}
	t_pool_get_stats(P.pool, &ts);
	EXPECT(ts.used_blocks == P.tm.n && ts.paged_out_blocks == out &&
	       ts.paged_out_bytes == out_bytes && ts.zero_blocks == zero,
	       "pool: %zu blocks, %zu out (%zu bytes, %zu zero), not %u, %zu (%zu, %zu)",
	       ts.used_blocks, ts.paged_out_blocks, ts.paged_out_bytes,
	       ts.zero_blocks, P.tm.n, out, out_bytes, zero);
	if (P.pzs) {
		/* Copies of freed blocks wait in the store for a tick. */
		ckremm_zstore_get_stats(P.pzs, &pst);
		EXPECT(pst.blocks >= out - zero && pst.stored_bytes >= ts.stored_bytes &&
		       pst.pool_used == pst.stored_bytes,
		       "pool's store: %zu blocks costing %llu (pool %zu); the pool has %zu out costing %zu",
		       pst.blocks, (unsigned long long)pst.stored_bytes,
		       pst.pool_used, out - zero, ts.stored_bytes);
	}
	ckremm_zstore_get_stats(P.zs, &st);
	EXPECT(st.blocks == P.n_stash && st.orig_bytes == P.stashed &&
	       st.stored_bytes == P.stored && st.pool_used == P.stored,
	       "store: %zu blocks of %llu bytes costing %llu (pool %zu), not %u of %zu costing %zu",
	       st.blocks, (unsigned long long)st.orig_bytes,
	       (unsigned long long)st.stored_bytes, st.pool_used, P.n_stash,
	       P.stashed, P.stored);
}

enum {
	OP_ALLOC, OP_FREE, OP_WRITE_PATTERN, OP_WRITE_RUN, OP_READ,
	OP_REORDER_STEP, OP_REORDER, OP_PURGE, OP_TICK, OP_STASH, OP_UNSTASH,
	OP_BAD_GET, OP_PAGE_OUT, OP_PAGE_IN, OP_COUNT
};

static const struct fuzz_op_kind op_kinds[OP_COUNT] = {
	[OP_ALLOC] = { "alloc", op_alloc },
	[OP_FREE] = { "free", op_free },
	[OP_WRITE_PATTERN] = { "write_pattern", op_write_pattern },
	[OP_WRITE_RUN] = { "write_run", op_write_run },
	[OP_READ] = { "read", op_read },
	[OP_REORDER_STEP] = { "reorder_step", op_reorder_step },
	[OP_REORDER] = { "reorder", op_reorder },
	[OP_PURGE] = { "purge", op_purge },
	[OP_TICK] = { "tick", op_tick },
	[OP_STASH] = { "stash", op_stash },
	[OP_UNSTASH] = { "unstash", op_unstash },
	[OP_BAD_GET] = { "bad_get", op_bad_get },
	[OP_PAGE_OUT] = { "page_out", op_page_out },
	[OP_PAGE_IN] = { "page_in", op_page_in },
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
	struct ckremm_zstore_params zp = { .max_block = 20 * PAGE };
	struct ckremm_paging_params pp = { 0 };
	struct ckremm_zstore_stats st;
	u8 knobs;

	memset(&P, 0, sizeof(P));
	fuzz_begin();
	ckremm_host_purge_protect = true;
	P.size = (4 + in_u8(&in) % 16) * PAGE;
	zp.arena_size = (2 + in_u8(&in) % 16) * PAGE;
	knobs = in_u8(&in);
	pp.decay_ticks = 1 + knobs % 4;
	pp.step_bytes = (knobs / 4 % 4) * PAGE;
	pp.free_target = (knobs / 16 % 4) * 2 * PAGE;
	pp.flags = knobs & 0x80 ? CKREMM_PAGING_REORDER : 0;
	TRACE("create %zu, stores %zu, decay %u step %zu target %zu flags %#x%s\n",
	      P.size, zp.arena_size, pp.decay_ticks, pp.step_bytes,
	      pp.free_target, pp.flags, knobs & 0x40 ? ", paged" : "");
	P.pool = t_pool_create(P.size, 0);
	EXPECT(P.pool, "pool of %zu bytes not created", P.size);
	EXPECT(!ckremm_pager_init(&P.pager, P.pool, &pp), "pager refused");
	if (knobs & 0x40) {
		zp.max_block = P.size;
		P.pzs = ckremm_zstore_create(&ckremm_codec_lz4, &zp);
		EXPECT(P.pzs, "the pool's store not created");
		P.pstore = ckremm_zstore_store(P.pzs);
		EXPECT(!ckremm_pager_set_store(&P.pager, P.pstore),
		       "store refused");
		zp.max_block = 20 * PAGE;
	}
	P.zs = ckremm_zstore_create(&ckremm_codec_lz4, &zp);
	EXPECT(P.zs, "store not created");
	P.store = ckremm_zstore_store(P.zs);
	/* Room for a get of a mis-sized key, which must write nothing. */
	P.buf = malloc(P.size + PAGE);
	if (!P.buf || t_model_init(&P.tm, MAX_LIVE, 0))
		abort();
	check_all();

	fuzz_run_ops(&in, op_kinds, OP_COUNT, MAX_OPS, step);

	fuzz_op_name = "destroy";
	while (P.n_stash)
		unstash(P.n_stash - 1);
	ckremm_zstore_get_stats(P.zs, &st);
	EXPECT(!st.blocks && !st.pool_used && !st.stored_bytes,
	       "store not empty: %zu blocks, %zu bytes of its pool",
	       st.blocks, st.pool_used);
	ckremm_zstore_destroy(P.zs);
	ckremm_pager_exit(&P.pager);
	EXPECT(destroy_t_pool(P.pool), "destroy refused");
	if (P.pzs) {
		ckremm_zstore_get_stats(P.pzs, &st);
		EXPECT(!st.blocks && !st.pool_used,
		       "the pool's store keeps %zu blocks, %zu bytes of its pool",
		       st.blocks, st.pool_used);
		ckremm_zstore_destroy(P.pzs);
	}
	t_model_destroy(&P.tm);
	free(P.buf);
	return 0;
}
