// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp_cases.c - several threads on one table pool.
 *
 * Three workers allocate blocks, fill them with the pattern of their
 * handle, read them back, rewrite pieces with the same bytes, copy them
 * into scratch blocks and clear those, and free them again; a fourth
 * thread steps reorder passes with small budgets (now and then a whole
 * reorder, and a validation in the middle of whatever is going on); a
 * fifth pins blocks the workers have published, checks the bytes through
 * the pinned address and that the block stays put, and unpins; a worker
 * freeing a block the pinner holds gets -EBUSY and tries again.
 *
 * Any byte that differs from its pattern, any validation failure and any
 * unexpected return value counts as a mismatch; the case wants zero, a
 * clean pool at the end, and proof that moves, pins and copies happened.
 * The host port's lock is a test-and-set spinlock, so on two cores this
 * also exercises lock hand-over under preemption.
 *
 * The same case runs once more from a ThreadSanitizer build of this
 * program (tpool_tests_tsan, built beside it with -DTPOOL_TSAN), which
 * reports any access to pool state that the pool's lock does not order.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tp_check.h"

#define WORKERS		3
#define KEPT		24
#ifdef TPOOL_TSAN
#define WORKER_ITERS	15000	/* ThreadSanitizer is several times slower */
#else
#define WORKER_ITERS	40000
#endif
#define SHOWN		5

struct shared {
	struct t_pool *pool;
	unsigned char *arena;
	uint64_t published[WORKERS][KEPT];	/* atomics; 0 = empty */
	/*
	 * Who is touching a published block's bytes outside the pool's
	 * calls: 0 nobody, CLAIM_PINNER while it reads through the pinned
	 * address, CLAIM_WORKER while the owner rewrites a piece.  Keeps
	 * the test itself free of data races.
	 */
	int claim[WORKERS][KEPT];
	int workers_running;
	unsigned long mismatches;
	unsigned long pins, pinned_checks, steps, copies, allocs, alloc_fails;
};

#define CLAIM_PINNER	1
#define CLAIM_WORKER	2

static bool try_claim(int *c, int who)
{
	int none = 0;

	return __atomic_compare_exchange_n(c, &none, who, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static void unclaim(int *c)
{
	__atomic_store_n(c, 0, __ATOMIC_RELEASE);
}

struct worker {
	struct shared *sh;
	unsigned int id;
	uint64_t rng;
	uint64_t kept[KEPT];
	unsigned char buf[8192 + 128];	/* largest block and its scratch copy */
};

static void mismatch(struct shared *sh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void mismatch(struct shared *sh, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (__atomic_fetch_add(&sh->mismatches, 1, __ATOMIC_RELAXED) >= SHOWN)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	test_fail_at(__FILE__, __LINE__, "%s", msg);
}

static void count(unsigned long *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static size_t rand_size(uint64_t *rng)
{
	unsigned int bits = (unsigned int)tp_rand_below(rng, 14);

	return 1 + tp_rand_below(rng, (uint64_t)1 << bits);
}

/* Read all of @h; it must hold the pattern of @tag. */
static void verify(struct worker *w, uint64_t h, uint64_t tag, size_t size)
{
	long bad;
	int ret = t_pool_read(w->sh->pool, h, 0, w->buf, size);

	if (ret) {
		mismatch(w->sh, "worker %u: read of live %#llx: %d", w->id,
			 (unsigned long long)h, ret);
		return;
	}
	bad = tp_pattern_mismatch(w->buf, size, tag, 0);
	if (bad >= 0)
		mismatch(w->sh, "worker %u: block %#llx byte %ld of %zu wrong",
			 w->id, (unsigned long long)h, bad, size);
}

static void release(struct worker *w, unsigned int slot)
{
	uint64_t h = w->kept[slot];
	int ret;

	__atomic_store_n(&w->sh->published[w->id][slot], 0, __ATOMIC_RELEASE);
	verify(w, h, h, t_pool_size_of(w->sh->pool, h));
	/* the pinner may hold it for a moment */
	while ((ret = t_pool_free(w->sh->pool, h)) == -EBUSY)
		sched_yield();
	if (ret)
		mismatch(w->sh, "worker %u: free of %#llx: %d", w->id,
			 (unsigned long long)h, ret);
	w->kept[slot] = 0;
}

/* Copy a kept block into a fresh one, check it, clear it, free it. */
static void copy_and_clean(struct worker *w, uint64_t src)
{
	struct t_pool *pool = w->sh->pool;
	size_t size = t_pool_size_of(pool, src);
	uint64_t tmp = t_pool_alloc_handle(pool, size + tp_rand_below(&w->rng, 64), 0);
	int ret;

	if (!tmp)
		return;
	ret = t_pool_copy(pool, tmp, src);
	if (ret) {
		mismatch(w->sh, "worker %u: copy: %d", w->id, ret);
	} else if ((ret = t_pool_read(pool, tmp, 0, w->buf, size))) {
		mismatch(w->sh, "worker %u: read of a copy: %d", w->id, ret);
	} else {
		long bad = tp_pattern_mismatch(w->buf, size, src, 0);

		if (bad >= 0)
			mismatch(w->sh, "worker %u: copy byte %ld of %zu wrong",
				 w->id, bad, size);
		count(&w->sh->copies);
	}
	if (t_pool_clean(pool, tmp))
		mismatch(w->sh, "worker %u: clean failed", w->id);
	size = t_pool_size_of(pool, tmp);
	ret = t_pool_read(pool, tmp, 0, w->buf, size);
	if (ret) {
		mismatch(w->sh, "worker %u: read of a cleaned block: %d", w->id,
			 ret);
		size = 0;
	}
	while (size--)
		if (w->buf[size]) {
			mismatch(w->sh, "worker %u: cleaned byte %zu is %#x",
				 w->id, size, w->buf[size]);
			break;
		}
	if (t_pool_free(pool, tmp))
		mismatch(w->sh, "worker %u: free of a scratch block", w->id);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct t_pool *pool = w->sh->pool;
	unsigned int it, slot;

	for (it = 0; it < WORKER_ITERS; it++) {
		unsigned int what = (unsigned int)tp_rand_below(&w->rng, 10);
		size_t size, pos, len;
		uint64_t h;

		slot = (unsigned int)tp_rand_below(&w->rng, KEPT);
		h = w->kept[slot];
		if (!h) {
			unsigned int flags = tp_rand_below(&w->rng, 10) ? 0 :
					     T_POOL_REORDER_ON_FAIL;

			size = rand_size(&w->rng);
			h = t_pool_alloc_handle(pool, size, flags);
			count(&w->sh->allocs);
			if (!h) {
				count(&w->sh->alloc_fails);
				continue;
			}
			size = t_pool_size_of(pool, h);
			tp_pattern_fill(w->buf, size, h, 0);
			if (t_pool_write(pool, h, 0, w->buf, size))
				mismatch(w->sh, "worker %u: write", w->id);
			verify(w, h, h, size);
			w->kept[slot] = h;
			__atomic_store_n(&w->sh->published[w->id][slot], h,
					 __ATOMIC_RELEASE);
			continue;
		}
		size = t_pool_size_of(pool, h);
		switch (what) {
		case 0: case 1: case 2:
			release(w, slot);
			break;
		case 3: case 4:
			/* the same bytes again, over a random piece */
			pos = tp_rand_below(&w->rng, size + 1);
			len = tp_rand_below(&w->rng, size - pos + 1);
			tp_pattern_fill(w->buf, len, h, pos);
			while (!try_claim(&w->sh->claim[w->id][slot], CLAIM_WORKER))
				sched_yield();
			if (t_pool_write(pool, h, pos, w->buf, len))
				mismatch(w->sh, "worker %u: write piece", w->id);
			unclaim(&w->sh->claim[w->id][slot]);
			break;
		case 5:
			copy_and_clean(w, h);
			break;
		default:
			verify(w, h, h, size);
			break;
		}
	}
	for (slot = 0; slot < KEPT; slot++)
		if (w->kept[slot])
			release(w, slot);
	__atomic_fetch_sub(&w->sh->workers_running, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool workers_done(struct shared *sh)
{
	return !__atomic_load_n(&sh->workers_running, __ATOMIC_ACQUIRE);
}

static void *reorder_main(void *arg)
{
	struct shared *sh = arg;
	uint64_t rng = 77;
	unsigned long n = 0;

	while (!workers_done(sh)) {
		struct t_pool_fault fault = { 0, NULL };

		if (tp_rand_below(&rng, 500) == 0)
			t_pool_reorder(sh->pool, NULL);
		else
			t_pool_reorder_step(sh->pool, 1 + tp_rand_below(&rng, 6000),
					    NULL);
		count(&sh->steps);
		sched_yield();
		if (++n % 64 == 0 && t_pool_validate(sh->pool, &fault))
			mismatch(sh, "validate during the run: %s at %zu",
				 fault.reason ? fault.reason : "?", fault.offset);
	}
	return NULL;
}

static void *pinner_main(void *arg)
{
	struct shared *sh = arg;
	uint64_t rng = 99;

	while (!workers_done(sh)) {
		unsigned int wi = (unsigned int)tp_rand_below(&rng, WORKERS);
		unsigned int slot = (unsigned int)tp_rand_below(&rng, KEPT);
		int *claim = &sh->claim[wi][slot];
		unsigned char *p;
		size_t size, off;
		uint64_t h;
		long bad;
		int i;

		if (!try_claim(claim, CLAIM_PINNER))
			continue;
		h = __atomic_load_n(&sh->published[wi][slot], __ATOMIC_ACQUIRE);
		p = h ? t_pool_pin(sh->pool, h) : NULL;
		if (!p) {
			/* empty, or freed since it was published */
			unclaim(claim);
			continue;
		}
		count(&sh->pins);
		size = t_pool_size_of(sh->pool, h);
		bad = tp_pattern_mismatch(p, size, h, 0);
		if (bad >= 0)
			mismatch(sh, "pinned %#llx byte %ld of %zu wrong",
				 (unsigned long long)h, bad, size);
		if (t_pool_handle_of(sh->pool, p) != h)
			mismatch(sh, "handle_of a pinned address");
		for (i = 0; i < 4; i++) {
			sched_yield();
			if (t_pool_offset_of(sh->pool, h, &off) ||
			    sh->arena + off != p) {
				mismatch(sh, "pinned %#llx moved", (unsigned long long)h);
				break;
			}
		}
		bad = tp_pattern_mismatch(p, size, h, 0);
		if (bad >= 0)
			mismatch(sh, "pinned %#llx byte %ld changed", (unsigned long long)h, bad);
		count(&sh->pinned_checks);
		if (t_pool_unpin(sh->pool, h))
			mismatch(sh, "unpin of %#llx", (unsigned long long)h);
		unclaim(claim);
	}
	return NULL;
}

TEST_TIMEOUT(smp_smoke, 100)
{
	struct shared *sh = calloc(1, sizeof(*sh));
	struct worker *w = calloc(WORKERS, sizeof(*w));
	pthread_t wt[WORKERS], rt, pt;
	struct t_pool_stats st;
	unsigned int i;

	ASSERT_TRUE(sh && w);
	/* small enough that blocks collide and REORDER_ON_FAIL has work */
	sh->pool = tp_new(48 << 10, 1024);
	sh->arena = t_pool_arena(sh->pool, NULL);
	sh->workers_running = WORKERS;
	for (i = 0; i < WORKERS; i++) {
		w[i].sh = sh;
		w[i].id = i;
		w[i].rng = 1000 + i;
		ASSERT_TRUE(!pthread_create(&wt[i], NULL, worker_main, &w[i]));
	}
	ASSERT_TRUE(!pthread_create(&rt, NULL, reorder_main, sh));
	ASSERT_TRUE(!pthread_create(&pt, NULL, pinner_main, sh));
	for (i = 0; i < WORKERS; i++)
		pthread_join(wt[i], NULL);
	pthread_join(rt, NULL);
	pthread_join(pt, NULL);

	EXPECT_VALID(sh->pool);
	t_pool_get_stats(sh->pool, &st);
	EXPECT_EQ(sh->mismatches, 0);
	EXPECT_EQ(st.used_blocks, 0);
	EXPECT_EQ(st.used_bytes, 0);
	EXPECT_EQ(st.pinned_blocks, 0);
	/* the run did what it is for */
	EXPECT_TRUE(st.bytes_moved > 0);
	EXPECT_TRUE(sh->pins > 0 && sh->copies > 0 && sh->steps > 0);
	EXPECT_TRUE(t_pool_reorder(sh->pool, NULL) == 0);
	t_pool_get_stats(sh->pool, &st);
	EXPECT_EQ(st.free_blocks, 1);
	TH_LOG("%lu allocs (%lu failed), %lu reorder steps, %zu bytes moved, %zu reorders, %lu pins, %lu copies",
	       sh->allocs, sh->alloc_fails, sh->steps, st.bytes_moved,
	       st.reorders, sh->pins, sh->copies);
	destroy_t_pool(sh->pool);
	free(w);
	free(sh);
}

/*
 * Two threads allocate into one pool that starts with a single chunk of
 * nodes, so that both keep running out of nodes and grow the tables with
 * the lock dropped, often at the same moment.  Every block must come out
 * whole and distinct, and the tables must hold no chunk that nobody
 * needed: a thread that lost a race to grow freed its chunk.
 */
#define GROWERS		2
#define GROW_BLOCKS	6000

struct grower {
	struct t_pool *pool;
	unsigned int id;
	uint64_t h[GROW_BLOCKS];
	unsigned long bad;
};

static void *grow_run(void *arg)
{
	struct grower *g = arg;
	unsigned int i;

	for (i = 0; i < GROW_BLOCKS; i++) {
		uint64_t tag = (uint64_t)g->id << 32 | i;
		unsigned char buf[64];

		g->h[i] = t_pool_alloc_handle(g->pool, 16 + (i % 4) * 16, 0);
		if (g->h[i] == T_POOL_NO_HANDLE) {
			g->bad++;
			continue;
		}
		tp_pattern_fill(buf, sizeof(buf), tag, 0);
		if (t_pool_write(g->pool, g->h[i], 0, buf,
				 t_pool_size_of(g->pool, g->h[i])))
			g->bad++;
	}
	return NULL;
}

TEST_TIMEOUT(smp_grow_race, 100)
{
	struct t_pool *pool = tp_new(8 << 20, 0);
	struct grower *g = calloc(GROWERS, sizeof(*g));
	pthread_t t[GROWERS];
	struct t_pool_stats empty, st;
	unsigned int i, j, runs, chunks;

	ASSERT_TRUE(g);
	t_pool_get_stats(pool, &empty);
	for (i = 0; i < GROWERS; i++) {
		g[i].pool = pool;
		g[i].id = i + 1;
		ASSERT_TRUE(!pthread_create(&t[i], NULL, grow_run, &g[i]));
	}
	for (i = 0; i < GROWERS; i++)
		pthread_join(t[i], NULL);
	EXPECT_VALID(pool);
	t_pool_get_stats(pool, &st);
	EXPECT_EQ(st.used_blocks, GROWERS * GROW_BLOCKS);
	EXPECT_EQ(st.failed_allocs, 0);
	for (i = 0; i < GROWERS; i++) {
		EXPECT_EQ(g[i].bad, 0);
		for (j = 0; j < GROW_BLOCKS; j++) {
			unsigned char buf[64];
			size_t size = t_pool_size_of(pool, g[i].h[j]);

			EXPECT_EQ(size, 16 + (j % 4) * 16);
			if (size != 16 + (j % 4) * 16)
				continue;
			EXPECT_EQ(t_pool_read(pool, g[i].h[j], 0, buf, size), 0);
			EXPECT_EQ(tp_pattern_mismatch(buf, size,
						      (uint64_t)g[i].id << 32 | j,
						      0), -1);
		}
	}
	/* 204 nodes per 4 KiB chunk: as many chunks as the runs need. */
	runs = st.used_blocks + st.free_blocks;
	chunks = (unsigned int)((st.meta_bytes - empty.meta_bytes) / 4096) + 1;
	TH_LOG("%u runs in %u chunks", runs, chunks);
	EXPECT_EQ(chunks, (runs + 203) / 204);
	for (i = 0; i < GROWERS; i++)
		for (j = 0; j < GROW_BLOCKS; j++)
			EXPECT_EQ(t_pool_free(pool, g[i].h[j]), 0);
	EXPECT_VALID(pool);
	free(g);
	destroy_t_pool(pool);
}

#ifndef TPOOL_TSAN
/* Run smp_smoke in the ThreadSanitizer build; its output becomes ours. */
TEST_TIMEOUT(smp_under_tsan, 100)
{
	char self[4096], tsan[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ASSERT_TRUE(n > 0);
	self[n] = '\0';
	snprintf(tsan, sizeof(tsan), "%s_tsan", self);
	execl(tsan, tsan, "--jobs=1", "-t", "smp_smoke", "-t", "smp_grow_race",
	      (char *)NULL);
	test_fail_at(__FILE__, __LINE__, "cannot run %s: %s", tsan, strerror(errno));
	test_abort();
}
#endif

