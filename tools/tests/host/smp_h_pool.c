// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrency smoke test of the header pool on the host: several threads
 * hammer one pool (alloc, aligned alloc, free, realloc, clean, read and
 * write through the pool, batches) and hand blocks to each other through
 * shared slots, so that blocks are freed by a thread other than the one
 * that allocated them.  Every block carries a signature (owner, sequence
 * number, usable size) and a pattern over all its bytes, checked before
 * it is freed.  Validation runs from the threads while others work, and
 * once more at the end, when the pool must be one free block again.
 *
 * Built twice: with AddressSanitizer (smp_h_pool) and with
 * ThreadSanitizer (smp_h_pool_tsan), which checks the lock discipline of
 * the pool and of the host port's spinlock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pool_check.h"

#ifdef __SANITIZE_THREAD__
#define OPS_PER_THREAD 6000
#else
#define OPS_PER_THREAD 25000
#endif

#define KIB 1024UL
#define MAX_THREADS 4
#define LOCAL_MAX 48
#define SLOTS 16
#define SIG_MAGIC 0xc3a5e17du

struct sig {
	uint32_t owner;
	uint32_t seq;
	uint32_t usable;
	uint32_t magic;
};

enum smp_mode {
	SMP_PLAIN,
	SMP_WITH_REORDER,	/* one more thread reorders, walks, validates */
	SMP_WITH_MISUSE,	/* refused calls from every thread */
};

struct shared {
	struct h_pool *pool;
	size_t arena;
	void *slots[SLOTS];
	unsigned int threads;
	enum smp_mode mode;
	int running;
};

struct worker {
	struct shared *sh;
	pthread_t thread;
	uint32_t id;
	uint32_t seq;
	struct rng r;
	void *local[LOCAL_MAX];
	unsigned int n;
	unsigned long refused;
};

static unsigned char pat(uint32_t seq, size_t i)
{
	return (unsigned char)(seq * 31u + i * 13u + (i >> 7));
}

/* Sign a block over all its usable bytes. */
static void stamp(struct worker *w, void *p)
{
	size_t usable = h_pool_usable_size(w->sh->pool, p), i;
	struct sig s = { w->id, ++w->seq, (uint32_t)usable, SIG_MAGIC };
	unsigned char *b = p;

	EXPECT_TRUE(usable >= 16, "usable %zu of live block %p", usable, p);
	memcpy(b, &s, sizeof(s));
	for (i = sizeof(s); i < usable; i++)
		b[i] = pat(s.seq, i);
}

/* A signed block holds its signature and pattern; returns its usable size. */
static size_t verify(struct shared *sh, const void *p)
{
	const unsigned char *b = p;
	struct sig s;
	size_t usable = h_pool_usable_size(sh->pool, p), i;

	memcpy(&s, b, sizeof(s));
	if (!EXPECT_TRUE(s.magic == SIG_MAGIC && s.usable == usable,
			 "block %p: magic %#x, usable %u, pool says %zu", p, s.magic,
			 s.usable, usable))
		return 0;
	for (i = sizeof(s); i < usable; i++)
		if (b[i] != pat(s.seq, i))
			return EXPECT_TRUE(false, "block %p of thread %u: byte %zu",
					   p, s.owner, i);
	return usable;
}

static size_t log_size(struct rng *r, size_t max)
{
	unsigned int k = (unsigned int)rng_below(r, 13);
	size_t size = ((size_t)1 << k) + rng_below(r, (size_t)1 << k);

	return size > max ? max : size;
}

static void drop_local(struct worker *w, unsigned int i)
{
	w->local[i] = w->local[--w->n];
}

static void free_local(struct worker *w, unsigned int i)
{
	verify(w->sh, w->local[i]);
	EXPECT_TRUE(h_pool_dealloc(w->sh->pool, w->local[i]), "free %p",
		    w->local[i]);
	drop_local(w, i);
}

static void check_stats(struct shared *sh)
{
	struct h_pool_fault fault = { 0, NULL };
	struct h_pool_stats st;
	int rc = h_pool_validate(sh->pool, &fault);

	EXPECT_TRUE(rc == 0, "validate %d at %zu: %s", rc, fault.offset,
		    fault.reason ? fault.reason : "?");
	h_pool_get_stats(sh->pool, &st);
	EXPECT_TRUE(st.used_bytes + st.free_bytes == st.arena_size &&
		    st.header_bytes == 16 * (st.used_blocks + st.free_blocks) &&
		    st.peak_used >= st.used_bytes && st.frag_permille <= 1000,
		    "inconsistent snapshot: used %zu free %zu blocks %zu/%zu",
		    st.used_bytes, st.free_bytes, st.used_blocks, st.free_blocks);
}

static void op_alloc(struct worker *w)
{
	size_t size = log_size(&w->r, 4096);
	void *p;

	if (w->n == LOCAL_MAX)
		free_local(w, (unsigned int)rng_below(&w->r, w->n));
	if (rng_below(&w->r, 4)) {
		p = h_pool_alloc(w->sh->pool, size);
	} else {
		size_t align = (size_t)1 << rng_below(&w->r, 13);

		p = h_pool_alloc_aligned(w->sh->pool, size, align);
		EXPECT_TRUE(!p || (uintptr_t)p % align == 0, "%p align %zu", p,
			    align);
	}
	if (!p)
		return;
	EXPECT_TRUE(in_arena(w->sh->pool, p, size), "%p outside", p);
	stamp(w, p);
	w->local[w->n++] = p;
}

static void op_realloc(struct worker *w)
{
	unsigned int i = (unsigned int)rng_below(&w->r, w->n);
	size_t size = log_size(&w->r, 4096), old_usable, keep;
	unsigned char *old = w->local[i], *copy, *q;

	old_usable = verify(w->sh, old);
	copy = malloc(old_usable + 1);
	ASSERT_TRUE(copy);
	memcpy(copy, old, old_usable);
	q = h_pool_realloc(w->sh->pool, old, size);
	if (q) {
		keep = old_usable < size ? old_usable : size;
		EXPECT_TRUE(!memcmp(q, copy, keep), "realloc lost contents");
		w->local[i] = q;
		stamp(w, q);
	} else {
		verify(w->sh, old);
	}
	free(copy);
}

static void op_clean(struct worker *w)
{
	void *p = w->local[rng_below(&w->r, w->n)];
	size_t usable = verify(w->sh, p), i;
	const unsigned char *b = p;

	EXPECT_TRUE(clean_h_ptr(w->sh->pool, p), "clean %p", p);
	for (i = 0; i < usable; i++)
		if (b[i])
			break;
	EXPECT_TRUE(i == usable, "clean left byte %zu", i);
	stamp(w, p);
}

static void op_read_write(struct worker *w)
{
	unsigned char *p = w->local[rng_below(&w->r, w->n)];
	unsigned char buf[256], back[256];
	size_t usable = verify(w->sh, p);
	size_t len = rng_below(&w->r, usable < 256 ? usable + 1 : 257);
	size_t pos = rng_below(&w->r, usable - len + 1);

	rng_fill(&w->r, buf, len);
	EXPECT_TRUE(h_pool_write(w->sh->pool, p, pos, buf, len) == 0, "write");
	EXPECT_TRUE(h_pool_read(w->sh->pool, p, pos, back, len) == 0, "read");
	EXPECT_TRUE(!memcmp(back, buf, len) && !memcmp(p + pos, buf, len),
		    "read/write %zu+%zu", pos, len);
	stamp(w, p);
}

/* Give a block to whoever takes the slot next; free what was there. */
static void op_handoff(struct worker *w)
{
	unsigned int i = (unsigned int)rng_below(&w->r, w->n);
	void **slot = &w->sh->slots[rng_below(&w->r, SLOTS)];
	void *mine = w->local[i], *theirs;

	drop_local(w, i);
	theirs = __atomic_exchange_n(slot, mine, __ATOMIC_ACQ_REL);
	if (theirs) {
		verify(w->sh, theirs);
		EXPECT_TRUE(h_pool_dealloc(w->sh->pool, theirs), "free handed %p",
			    theirs);
	}
}

static void op_batch(struct worker *w)
{
	void *ptrs[8];
	unsigned int count = 1 + (unsigned int)rng_below(&w->r, 8), i;
	int rc;

	if (w->n + count > LOCAL_MAX) {
		/* Free some in one batch instead. */
		for (i = 0; i < count && i < w->n; i++) {
			ptrs[i] = w->local[w->n - 1 - i];
			verify(w->sh, ptrs[i]);
		}
		EXPECT_TRUE(h_pool_dealloc_batch(w->sh->pool, ptrs, i) == 0,
			    "batch free of %u", i);
		w->n -= i;
		return;
	}
	rc = h_pool_alloc_batch(w->sh->pool, log_size(&w->r, 1024),
				rng_below(&w->r, 2) ? 0 : 64, ptrs, count);
	if (rc == -ENOMEM)
		return;
	if (!EXPECT_TRUE(rc == 0, "batch alloc: %d", rc))
		return;
	for (i = 0; i < count; i++) {
		stamp(w, ptrs[i]);
		w->local[w->n++] = ptrs[i];
	}
}

/* Refused calls: pointers into the middle of this thread's own blocks. */
static void op_misuse(struct worker *w)
{
	unsigned char *p = w->local[rng_below(&w->r, w->n)];
	size_t usable = verify(w->sh, p);

	if (usable >= 32)
		EXPECT_TRUE(!h_pool_dealloc(w->sh->pool, p + 16), "interior freed");
	EXPECT_TRUE(!h_pool_dealloc(w->sh->pool, p + 8), "unaligned freed");
	EXPECT_TRUE(!clean_h_ptr(w->sh->pool, p + 16), "interior cleaned");
	w->refused += 2 + (usable >= 32);
	verify(w->sh, p);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned long op;

	for (op = 0; op < OPS_PER_THREAD && !test_failed(); op++) {
		unsigned int x = (unsigned int)rng_below(&w->r, 100);

		if (!w->n || x < 35)
			op_alloc(w);
		else if (x < 60)
			free_local(w, (unsigned int)rng_below(&w->r, w->n));
		else if (x < 70)
			op_realloc(w);
		else if (x < 74)
			op_clean(w);
		else if (x < 80)
			op_read_write(w);
		else if (x < 88)
			op_handoff(w);
		else if (x < 94)
			op_batch(w);
		else if (x < 96)
			check_stats(w->sh);
		else if (w->sh->mode == SMP_WITH_MISUSE)
			op_misuse(w);
	}
	while (w->n)
		free_local(w, w->n - 1);
	return NULL;
}

/* Reorder, walk and validate while the workers run. */
static void *maintainer_main(void *arg)
{
	struct shared *sh = arg;
	struct h_pool_extent ext[16];
	unsigned long rounds = 0;

	while (__atomic_load_n(&sh->running, __ATOMIC_ACQUIRE) &&
	       !test_failed()) {
		size_t cursor = 0, last_end = 0;
		unsigned int n, i, calls = 0;

		EXPECT_TRUE(reorder_h_mem(sh->pool), "reorder refused");
		while ((n = h_pool_walk(sh->pool, &cursor, ext, 16))) {
			for (i = 0; i < n; i++) {
				EXPECT_TRUE(ext[i].offset >= last_end &&
					    ext[i].offset + ext[i].size <= sh->arena,
					    "walk: %zu+%zu after %zu", ext[i].offset,
					    ext[i].size, last_end);
				last_end = ext[i].offset + ext[i].size;
			}
			ASSERT_TRUE(++calls < 1u << 20, "walk does not end");
		}
		EXPECT_TRUE(cursor == sh->arena, "walk ended at %zu", cursor);
		check_stats(sh);
		rounds++;
	}
	TH_LOG("%lu maintenance rounds", rounds);
	return NULL;
}

static void smp_case(unsigned long arg)
{
	unsigned int threads = (unsigned int)(arg & 0xff), i;
	struct shared sh = { .threads = threads, .mode = arg >> 8,
			     .running = 1 };
	struct worker w[MAX_THREADS];
	struct h_pool_stats st;
	pthread_t maint;
	unsigned long refused = 0;

	/* Small enough that 4 threads sometimes fill it. */
	sh.pool = pool_new(192 * KIB);
	h_pool_arena(sh.pool, &sh.arena);
	if (sh.mode == SMP_WITH_REORDER)
		ASSERT_TRUE(!pthread_create(&maint, NULL, maintainer_main, &sh));
	for (i = 0; i < threads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].sh = &sh;
		w[i].id = i + 1;
		w[i].r.s = 1000 + i;
		ASSERT_TRUE(!pthread_create(&w[i].thread, NULL, worker_main, &w[i]));
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		refused += w[i].refused;
	}
	__atomic_store_n(&sh.running, 0, __ATOMIC_RELEASE);
	if (sh.mode == SMP_WITH_REORDER)
		pthread_join(maint, NULL);
	for (i = 0; i < SLOTS; i++) {
		if (!sh.slots[i])
			continue;
		verify(&sh, sh.slots[i]);
		EXPECT_TRUE(h_pool_dealloc(sh.pool, sh.slots[i]), "free slot %u", i);
	}
	pool_consistent(sh.pool, "after the threads");
	h_pool_get_stats(sh.pool, &st);
	EXPECT_TRUE(st.used_blocks == 0 && st.free_blocks == 1 &&
		    st.largest_free == sh.arena - 16 && st.frag_permille == 0,
		    "not one free block at the end: %zu used, %zu free",
		    st.used_blocks, st.free_blocks);
	/* Each refused call counts once; nothing else is refused. */
	EXPECT_TRUE(st.refused_calls == refused, "refused_calls %zu, made %lu",
		    st.refused_calls, refused);
	if (sh.mode == SMP_WITH_MISUSE)
		EXPECT_TRUE(refused > 0, "no refused call was made");
	TH_LOG("peak %zu of %zu, %zu failed allocations", st.peak_used,
	       sh.arena, st.failed_allocs);
	pool_del(sh.pool);
}

/* Pools made and destroyed from several threads at once. */
static void *creator_main(void *arg)
{
	struct rng r = { (uintptr_t)arg };
	unsigned int i;

	for (i = 0; i < 200 && !test_failed(); i++) {
		struct h_pool *pool = create_h_pool(4096 + 16 * rng_below(&r, 64));
		void *p;

		if (!EXPECT_TRUE(pool, "create"))
			break;
		p = h_pool_alloc(pool, 100);
		EXPECT_TRUE(p && h_pool_dealloc(pool, p), "alloc/free");
		EXPECT_TRUE(destroy_h_pool(pool), "destroy");
	}
	return NULL;
}

static void create_case(unsigned long threads)
{
	pthread_t t[MAX_THREADS];
	unsigned long i;

	for (i = 0; i < threads; i++)
		ASSERT_TRUE(!pthread_create(&t[i], NULL, creator_main,
					    (void *)(i + 1)));
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
}

/* ---- conflicts on shared blocks ---------------------------------------- */

/*
 * Threads aim writes, reads, cleans and moving resizes at the same few
 * blocks, with no agreement about who owns what: the holds are all that
 * keeps them apart.  A write covers the first CONFLICT_SPAN bytes of a
 * block with its tag and that tag's pattern, a clean makes them zero, a
 * resize keeps them; so every read that succeeds must see one whole
 * pattern or zeros, never a mix.  Blocks move when they grow: a thread
 * may aim at a stale pointer, which the pool refuses or which names
 * another live block by then, and both are fine.
 */
#define CONFLICT_BLOCKS	4
#define CONFLICT_SPAN	(3 * 4096 + 512)	/* more than one step */

struct conflict {
	struct h_pool *pool;
	void *blocks[CONFLICT_BLOCKS];
	unsigned long reads, busy, moves;
};

struct conflict_worker {
	struct conflict *c;
	pthread_t thread;
	uint32_t id;
	struct rng r;
};

static void tag_fill(unsigned char *buf, uint32_t tag)
{
	size_t i;

	memcpy(buf, &tag, sizeof(tag));
	for (i = sizeof(tag); i < CONFLICT_SPAN; i++)
		buf[i] = tag ? pat(tag, i) : 0;
}

/* One whole pattern (or zeros): the tag it carries, else CHECK fails. */
static void tag_check(const unsigned char *buf, const void *block)
{
	uint32_t tag;
	size_t i;

	memcpy(&tag, buf, sizeof(tag));
	for (i = sizeof(tag); i < CONFLICT_SPAN; i++)
		if (buf[i] != (tag ? pat(tag, i) : 0)) {
			EXPECT_TRUE(false, "block %p torn: tag %#x, byte %zu", block,
				    tag, i);
			return;
		}
}

static void *conflict_main(void *arg)
{
	struct conflict_worker *w = arg;
	struct conflict *c = w->c;
	unsigned char *buf = malloc(CONFLICT_SPAN);
	uint32_t seq = 0;
	unsigned int n;

	if (!EXPECT_TRUE(buf, "malloc"))
		return NULL;
	for (n = 0; n < OPS_PER_THREAD / 4 && !test_failed(); n++) {
		unsigned int i = (unsigned int)rng_below(&w->r, CONFLICT_BLOCKS);
		void *p = __atomic_load_n(&c->blocks[i], __ATOMIC_ACQUIRE);
		void *moved;
		int ret;

		switch (rng_below(&w->r, 4)) {
		case 0:
			tag_fill(buf, (w->id << 24) | ++seq);
			ret = h_pool_write(c->pool, p, 0, buf, CONFLICT_SPAN);
			break;
		case 1:
			ret = h_pool_read(c->pool, p, 0, buf, CONFLICT_SPAN);
			if (!ret) {
				tag_check(buf, p);
				__atomic_add_fetch(&c->reads, 1, __ATOMIC_RELAXED);
			}
			break;
		case 2:
			ret = h_pool_clean(c->pool, p, NULL);
			break;
		default:
			ret = h_pool_resize(c->pool, p, CONFLICT_SPAN +
					    rng_below(&w->r, 8 * KIB), &moved);
			if (!ret && moved != p &&
			    __atomic_compare_exchange_n(&c->blocks[i], &p, moved,
							false, __ATOMIC_RELEASE,
							__ATOMIC_RELAXED))
				__atomic_add_fetch(&c->moves, 1, __ATOMIC_RELAXED);
			break;
		}
		EXPECT_TRUE(!ret || ret == -EBUSY || ret == -EINVAL,
			    "thread %u: answer %d", w->id, ret);
		if (ret == -EBUSY)
			__atomic_add_fetch(&c->busy, 1, __ATOMIC_RELAXED);
	}
	free(buf);
	return NULL;
}

static void conflict_case(unsigned long threads)
{
	struct conflict_worker w[MAX_THREADS];
	struct conflict c = { .pool = pool_new(1024 * KIB) };
	unsigned long i;

	for (i = 0; i < CONFLICT_BLOCKS; i++) {
		c.blocks[i] = h_pool_alloc(c.pool, CONFLICT_SPAN);
		ASSERT_TRUE(c.blocks[i] && h_pool_clean(c.pool, c.blocks[i], NULL) == 0);
	}
	for (i = 0; i < threads; i++) {
		w[i] = (struct conflict_worker){ .c = &c, .id = (uint32_t)i + 1,
						  .r = { i * 7919 + 17 } };
		ASSERT_TRUE(!pthread_create(&w[i].thread, NULL, conflict_main, &w[i]));
	}
	for (i = 0; i < threads; i++)
		pthread_join(w[i].thread, NULL);
	pool_consistent(c.pool, "after the conflicts");
	TH_LOG("%lu whole reads, %lu answers EBUSY, %lu blocks moved",
	       c.reads, c.busy, c.moves);
	EXPECT_TRUE(c.reads > 0 && c.moves > 0, "the threads read and moved blocks");
	pool_del(c.pool);
}

__attribute__((constructor)) static void register_smp(void)
{
	test_register("smp_2_threads", smp_case, 2 | (SMP_PLAIN << 8), 120);
	test_register("smp_4_threads", smp_case, 4 | (SMP_PLAIN << 8), 120);
	test_register("smp_3_threads_with_reorder_walk_validate", smp_case,
		      3 | (SMP_WITH_REORDER << 8), 120);
	test_register("smp_4_threads_with_refused_calls", smp_case,
		      4 | (SMP_WITH_MISUSE << 8), 120);
	test_register("smp_create_destroy_from_4_threads", create_case, 4, 60);
	test_register("smp_conflicts_on_4_shared_blocks", conflict_case, 3,
		      120);
}

/* Each case runs threads of its own: one case at a time. */
HOST_TEST_MAIN(1)
