// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp_cases.c - mutators on several threads and a collector thread.
 *
 * Each of three mutator threads owns a list rooted in its own root slot:
 * a head object whose word 0 names the first node; a node (a registered
 * type: words 0 and 1 are references) names the next node and a leaf
 * child, and carries in words 2 and 3 a value derived from its own
 * handle; the child's bytes are a pattern of its handle.  A thread pushes
 * new nodes (allocated on its own scope, which it cuts back after linking
 * them), cuts its list's tail off, rewrites a node's value through a pin
 * now and then, and walks its list checking every node and child.  A
 * fourth thread steps the collector with random budgets and runs the
 * finalisers, with an occasional whole collection.
 *
 * Every round ends at a quiescent point (all threads wait on a barrier):
 * the pool must validate, and after a collection the heap must hold
 * exactly the heads and the nodes and children the lists reach, no pins.
 * The case runs again from the ThreadSanitizer build (gc_tests_tsan),
 * which reports any access the pool lock does not order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckremm_test.h"
#include "gc_mutator.h"

#define THREADS		3
#define ROUNDS		8
#ifdef GC_TSAN
#define OPS_PER_ROUND	1000	/* ThreadSanitizer is several times slower */
#else
#define OPS_PER_ROUND	4000
#endif
#define MAX_LEN		120
#define NODE_SALT	0x5bd1e9955bd1e995ULL

struct smp {
	struct t_pool *pool;
	struct ckremm_gc *gc;
	int node_type;
	pthread_barrier_t round;
	unsigned int done;		/* atomic: mutators' rounds ended */
	unsigned long problems;		/* atomic */
	unsigned long pushes, cuts, pinned_writes, steps;	/* atomic */
};

struct mutator {
	struct smp *sh;
	unsigned int id;
	u64 rng;
	struct ckremm_gc_scope scope;
	u64 slots[8];
	u64 head;
	unsigned int len;
};

static uint32_t next32(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static void problem(struct smp *sh, const char *what, u64 h, int err)
{
	if (__atomic_fetch_add(&sh->problems, 1, __ATOMIC_RELAXED) < 8)
		test_log("%s: %#llx (%d)", what, (unsigned long long)h, err);
}

static void count(unsigned long *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static u64 word(struct mutator *mu, u64 obj, size_t w)
{
	u64 v = 0;
	int err = t_pool_read(mu->sh->pool, obj, w * 8, &v, 8);

	if (err)
		problem(mu->sh, "read of a reachable object", obj, err);
	return v;
}

static void store(struct mutator *mu, u64 obj, size_t w, u64 v)
{
	int err = t_pool_write(mu->sh->pool, obj, w * 8, &v, 8);

	if (err)
		problem(mu->sh, "write of a reachable object", obj, err);
}

static void push_node(struct mutator *mu)
{
	struct smp *sh = mu->sh;
	u64 node, child, val[2];
	u8 bytes[48];
	int err;

	err = ckremm_gc_alloc(sh->gc, 32, (unsigned int)sh->node_type, 0,
			      &mu->scope, &node);
	if (!err)
		err = ckremm_gc_alloc(sh->gc, sizeof(bytes), CKREMM_GC_LEAF,
				      0, &mu->scope, &child);
	if (err) {
		ckremm_gc_scope_restore(sh->gc, &mu->scope, 0);
		if (err != -ENOMEM)
			problem(sh, "alloc", 0, err);
		return;
	}
	model_pattern_fill(bytes, sizeof(bytes), child, 0);
	if (t_pool_write(sh->pool, child, 0, bytes, sizeof(bytes)))
		problem(sh, "write of a new child", child, 0);
	val[0] = node ^ NODE_SALT;
	val[1] = ~node;
	if (t_pool_write(sh->pool, node, 16, val, sizeof(val)))
		problem(sh, "write of a new node", node, 0);
	store(mu, node, 1, child);
	store(mu, node, 0, word(mu, mu->head, 0));
	store(mu, mu->head, 0, node);
	ckremm_gc_scope_restore(sh->gc, &mu->scope, 0);
	mu->len++;
	count(&sh->pushes);
}

/* The node at @pos of the list (0: the first). */
static u64 node_at(struct mutator *mu, unsigned int pos)
{
	u64 n = word(mu, mu->head, 0);

	while (pos-- && n)
		n = word(mu, n, 0);
	return n;
}

static void cut_tail(struct mutator *mu, unsigned int keep)
{
	if (!keep) {
		store(mu, mu->head, 0, 0);
	} else {
		u64 n = node_at(mu, keep - 1);

		if (!n)
			return;
		store(mu, n, 0, 0);
	}
	mu->len = keep;
	count(&mu->sh->cuts);
}

/* Rewrite a node's value (the same) through a pin: no barrier. */
static void pinned_write(struct mutator *mu)
{
	u64 n = node_at(mu, next32(&mu->rng) % (mu->len + 1)), v;
	u8 *p;

	if (!n)
		return;
	p = t_pool_pin(mu->sh->pool, n);
	if (!p) {
		problem(mu->sh, "pin of a reachable node", n, 0);
		return;
	}
	v = n ^ NODE_SALT;
	memcpy(p + 16, &v, 8);
	if (t_pool_unpin(mu->sh->pool, n))
		problem(mu->sh, "unpin", n, 0);
	count(&mu->sh->pinned_writes);
}

/* Every node and child of the list as they must be; returns its length. */
static unsigned int walk(struct mutator *mu)
{
	u8 bytes[48], want[48];
	unsigned int len = 0;
	u64 n = word(mu, mu->head, 0), child;

	while (n && len <= MAX_LEN * 2) {
		if (word(mu, n, 2) != (n ^ NODE_SALT) || word(mu, n, 3) != ~n)
			problem(mu->sh, "node value changed", n, 0);
		child = word(mu, n, 1);
		model_pattern_fill(want, sizeof(want), child, 0);
		if (t_pool_read(mu->sh->pool, child, 0, bytes, sizeof(bytes)) ||
		    memcmp(bytes, want, sizeof(want)))
			problem(mu->sh, "child lost or changed", child, 0);
		n = word(mu, n, 0);
		len++;
	}
	if (len != mu->len)
		problem(mu->sh, "list length differs", mu->head, (int)len);
	return len;
}

static void *mutator_main(void *arg)
{
	struct mutator *mu = arg;
	unsigned int r, k;

	for (r = 0; r < ROUNDS; r++) {
		for (k = 0; k < OPS_PER_ROUND; k++) {
			uint32_t c = next32(&mu->rng) % 16;

			if (mu->len >= MAX_LEN)
				cut_tail(mu, MAX_LEN / 4);
			else if (c < 9)
				push_node(mu);
			else if (c < 10)
				cut_tail(mu, next32(&mu->rng) % (mu->len + 1));
			else if (c < 12)
				pinned_write(mu);
			else if (c < 13)
				walk(mu);
		}
		__atomic_fetch_add(&mu->sh->done, 1, __ATOMIC_RELEASE);
		walk(mu);
		pthread_barrier_wait(&mu->sh->round);	/* quiescent */
		pthread_barrier_wait(&mu->sh->round);	/* checked */
	}
	return NULL;
}

static void *collector_main(void *arg)
{
	struct smp *sh = arg;
	struct ckremm_gc_step_result res;
	unsigned int r;
	u64 rng = 99;

	for (r = 1; r <= ROUNDS; r++) {
		while (__atomic_load_n(&sh->done, __ATOMIC_ACQUIRE) <
		       r * THREADS) {
			uint32_t c = next32(&rng);

			if (!(c % 500))
				ckremm_gc_collect(sh->gc);
			else
				ckremm_gc_step(sh->gc, 1 + c % 256, &res);
			if (!(c % 7))
				ckremm_gc_finalize(sh->gc, 0);
			count(&sh->steps);
			if (!(c % 16))
				sched_yield();
		}
		pthread_barrier_wait(&sh->round);	/* quiescent */
		pthread_barrier_wait(&sh->round);	/* checked */
	}
	return NULL;
}

TEST_TIMEOUT(smp_mutators_and_a_collector, 120)
{
	static const u64 node_map[1] = { 0x3 };
	static struct mutator mu[THREADS];
	static struct smp sh;
	struct ckremm_gc_params p = {
		.roots = THREADS, .pace_bytes = 1024, .step_budget = 64,
	};
	struct ckremm_gc_stats st;
	struct t_pool_fault fault;
	pthread_t th[THREADS], col;
	unsigned int i, r, expect;

	memset(&sh, 0, sizeof(sh));
	ASSERT_NONNULL(sh.pool = t_pool_create(1 << 20, 16384));
	ASSERT_NONNULL(sh.gc = ckremm_gc_create(sh.pool, &p));
	sh.node_type = ckremm_gc_type_register(sh.gc, node_map, 4, 0);
	ASSERT_GT(sh.node_type, CKREMM_GC_LEAF);
	ASSERT_OK(pthread_barrier_init(&sh.round, NULL, THREADS + 2));
	for (i = 0; i < THREADS; i++) {
		memset(&mu[i], 0, sizeof(mu[i]));
		mu[i].sh = &sh;
		mu[i].id = i;
		mu[i].rng = 1000 + i;
		ckremm_gc_scope_init(sh.gc, &mu[i].scope, mu[i].slots,
				     ARRAY_LEN(mu[i].slots));
		ASSERT_OK(ckremm_gc_alloc(sh.gc, 16, CKREMM_GC_WORDS, 0,
					  &mu[i].scope, &mu[i].head));
		ASSERT_OK(ckremm_gc_root_set(sh.gc, i, mu[i].head));
		ckremm_gc_scope_restore(sh.gc, &mu[i].scope, 0);
	}
	for (i = 0; i < THREADS; i++)
		ASSERT_OK(pthread_create(&th[i], NULL, mutator_main, &mu[i]));
	ASSERT_OK(pthread_create(&col, NULL, collector_main, &sh));
	for (r = 0; r < ROUNDS; r++) {
		pthread_barrier_wait(&sh.round);
		/* Quiescent: nothing runs but this thread. */
		EXPECT_OK(t_pool_validate(sh.pool, &fault), "%s", fault.reason);
		ASSERT_OK(ckremm_gc_collect(sh.gc));
		ckremm_gc_get_stats(sh.gc, &st);
		expect = 0;
		for (i = 0; i < THREADS; i++)
			expect += 1 + 2 * walk(&mu[i]);
		EXPECT_EQ(st.objects, expect, "round %u", r);
		EXPECT_EQ(st.pinned, 0);
		pthread_barrier_wait(&sh.round);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_join(col, NULL);
	ckremm_gc_get_stats(sh.gc, &st);
	TH_LOG("pushes %lu, cuts %lu, pinned writes %lu, collector steps %lu, cycles %zu, freed %zu, barrier scans %zu",
	       sh.pushes, sh.cuts, sh.pinned_writes, sh.steps, st.cycles,
	       st.freed_objects, st.barrier_scans);
	EXPECT_EQ(sh.problems, 0);
	EXPECT_GT(st.cycles, ROUNDS);
	EXPECT_GT(st.freed_objects, sh.pushes / 2);
	EXPECT_GT(sh.pinned_writes, 0);
	for (i = 0; i < THREADS; i++) {
		ckremm_gc_root_set(sh.gc, i, T_POOL_NO_HANDLE);
		ckremm_gc_scope_exit(sh.gc, &mu[i].scope);
	}
	ASSERT_OK(ckremm_gc_collect(sh.gc));
	ckremm_gc_get_stats(sh.gc, &st);
	EXPECT_EQ(st.objects, 0);
	pthread_barrier_destroy(&sh.round);
	ckremm_gc_destroy(sh.gc);
	EXPECT_TRUE(destroy_t_pool(sh.pool));
}

#ifndef GC_TSAN
/* Run the threaded case in the ThreadSanitizer build; its output is ours. */
TEST_TIMEOUT(smp_under_tsan, 200)
{
	char self[4096], tsan[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ASSERT_TRUE(n > 0);
	self[n] = '\0';
	snprintf(tsan, sizeof(tsan), "%s_tsan", self);
	execl(tsan, tsan, "--jobs=1", "-t", "smp_mutators_and_a_collector",
	      (char *)NULL);
	test_fail_at(__FILE__, __LINE__, "cannot run %s: %s", tsan,
		     strerror(errno));
	test_abort();
}
#endif
