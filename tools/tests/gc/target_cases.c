// SPDX-License-Identifier: GPL-2.0-only
/*
 * target_cases.c - one promise of the collector per case.
 *
 * Each case builds a small heap by hand on the fixture's pool (64 KiB,
 * manual unless the case says otherwise), drives the collector to the
 * point the promise is about and checks the outcome: which objects are
 * live, what their bytes are, what a call returned, what the figures say.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ckremm_test.h"
#include "gc_mutator.h"

#define ARENA		(64 << 10)

FIXTURE(gc) {
	struct t_pool *pool;
	struct ckremm_gc *gc;
	struct ckremm_gc_scope scope;
	u64 slots[256];
};

static struct ckremm_gc_params manual_params = {
	.manual = true, .max_pins = 8, .roots = 8,
};

static void heap_setup(FIXTURE_DATA(gc) *self,
		     const struct ckremm_gc_params *p, unsigned int scope_max)
{
	ASSERT_NONNULL(self->pool = t_pool_create(ARENA, ARENA / 16));
	ASSERT_NONNULL(self->gc = ckremm_gc_create(self->pool, p));
	ckremm_gc_scope_init(self->gc, &self->scope, self->slots, scope_max);
}

FIXTURE_SETUP(gc)
{
	heap_setup(self, &manual_params, 256);
}

FIXTURE_TEARDOWN(gc)
{
	struct t_pool_fault fault;

	if (!self->gc)
		return;
	EXPECT_OK(t_pool_validate(self->pool, &fault), "%s", fault.reason);
	EXPECT_OK(ckremm_gc_validate(self->gc, &fault), "%s", fault.reason);
	ckremm_gc_scope_exit(self->gc, &self->scope);
	ckremm_gc_destroy(self->gc);
	EXPECT_TRUE(destroy_t_pool(self->pool));
}

static u64 alloc_in(FIXTURE_DATA(gc) *self, size_t size, unsigned int type,
		    unsigned int flags, bool scoped)
{
	u64 h = T_POOL_NO_HANDLE;

	ASSERT_OK(ckremm_gc_alloc(self->gc, size, type, flags,
				  scoped ? &self->scope : NULL, &h));
	return h;
}

static void put(struct t_pool *pool, u64 obj, size_t word, u64 v)
{
	ASSERT_OK(t_pool_write(pool, obj, word * 8, &v, 8));
}

static bool live(struct t_pool *pool, u64 h)
{
	return t_pool_size_of(pool, h) != 0;
}

/* Steps until the running cycle, or a new one, ends; returns the steps. */
static unsigned int steps_to_idle(struct ckremm_gc *gc, size_t budget)
{
	struct ckremm_gc_step_result res;
	unsigned int n = 0;

	do {
		ckremm_gc_step(gc, budget, &res);
		n++;
	} while (!res.cycle_done && n < 1000000);
	return n;
}

/* ---- references ----------------------------------------------------------- */

TEST_F(gc, forged_and_stale_handles_keep_nothing_alive)
{
	u64 holder, dead, victim, forged[5];
	unsigned int i;

	holder = alloc_in(self, 64, CKREMM_GC_WORDS, 0, true);
	dead = alloc_in(self, 16, CKREMM_GC_LEAF, 0, false);
	ASSERT_OK(t_pool_free(self->pool, dead));
	/* Likely in the freed slot, with a new generation. */
	victim = alloc_in(self, 16, CKREMM_GC_LEAF, 0, false);
	forged[0] = dead;
	forged[1] = victim ^ (1ULL << 40);
	forged[2] = victim + 1;
	forged[3] = victim ^ (1ULL << 63);
	forged[4] = ~victim;
	for (i = 0; i < ARRAY_LEN(forged); i++) {
		ASSERT_NE(forged[i], victim);
		put(self->pool, holder, i, forged[i]);
	}
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_FALSE(live(self->pool, victim), "a forged or stale word kept it");
	EXPECT_TRUE(live(self->pool, holder));
	/* The same handle, genuine, keeps it. */
	victim = alloc_in(self, 16, CKREMM_GC_LEAF, 0, false);
	put(self->pool, holder, 7, victim);
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_TRUE(live(self->pool, victim));
}

TEST_F(gc, a_map_says_which_words_are_references)
{
	static const u64 map[1] = { 0x2 };	/* word 1 of 3 */
	u64 obj, arr, kept, lost, past, rep;
	int pair, array;

	pair = ckremm_gc_type_register(self->gc, map, 3, 0);
	array = ckremm_gc_type_register(self->gc, map, 3,
					CKREMM_GC_TYPE_REPEAT);
	ASSERT_GT(pair, CKREMM_GC_LEAF);
	ASSERT_EQ(array, pair + 1);
	obj = alloc_in(self, 64, pair, 0, true);
	arr = alloc_in(self, 64, array, 0, true);
	kept = alloc_in(self, 16, CKREMM_GC_LEAF, 0, false);
	lost = alloc_in(self, 16, CKREMM_GC_LEAF, 0, false);
	past = alloc_in(self, 16, CKREMM_GC_LEAF, 0, false);
	rep = alloc_in(self, 16, CKREMM_GC_LEAF, 0, false);
	put(self->pool, obj, 1, kept);
	put(self->pool, obj, 0, lost);	/* not in the map */
	put(self->pool, obj, 4, past);	/* past the map, no REPEAT */
	put(self->pool, arr, 4, rep);	/* word 1 of the second repeat */
	put(self->pool, arr, 3, lost);
	EXPECT_EQ(ckremm_gc_type_of(self->gc, obj), pair);
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_TRUE(live(self->pool, kept));
	EXPECT_TRUE(live(self->pool, rep));
	EXPECT_FALSE(live(self->pool, lost));
	EXPECT_FALSE(live(self->pool, past));
	EXPECT_ERRNO(ckremm_gc_type_of(self->gc, lost), EINVAL);
}

/* ---- the snapshot: writes no barrier sees ---------------------------------- */

/*
 * root -> a -> b.  Marking starts (root shaded only), then the mutator
 * moves b into a root slot (no barrier) and cuts a -> b straight through
 * a pointer it fixes now.  Fixing scans a first, so b is in the snapshot.
 */
static void fixed_write_during_marking(FIXTURE_DATA(gc) *self, bool pin)
{
	struct ckremm_gc_step_result res;
	struct ckremm_gc_stats st;
	u64 a, b, zero = 0;
	size_t size;
	void *p;

	a = alloc_in(self, 32, CKREMM_GC_WORDS, 0, false);
	b = alloc_in(self, 16, CKREMM_GC_WORDS, 0, false);
	put(self->pool, a, 1, b);
	ASSERT_OK(ckremm_gc_root_set(self->gc, 0, a));
	ASSERT_OK(ckremm_gc_step(self->gc, 1, &res));
	ASSERT_EQ(res.phase, CKREMM_GC_MARK);
	ASSERT_OK(ckremm_gc_root_set(self->gc, 1, b));
	if (pin) {
		ASSERT_NONNULL(p = t_pool_pin(self->pool, a));
	} else {
		ASSERT_OK(t_pool_hold(self->pool, a, true, &p, &size));
		ASSERT_EQ(size, 32);
	}
	memcpy((u8 *)p + 8, &zero, 8);
	ASSERT_OK(ckremm_gc_root_set(self->gc, 0, T_POOL_NO_HANDLE));
	steps_to_idle(self->gc, 4);
	EXPECT_TRUE(live(self->pool, b), "lost an object the snapshot held");
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_GE(st.barrier_scans, 1);
	EXPECT_EQ(st.pinned, 1);
	if (pin)
		EXPECT_OK(t_pool_unpin(self->pool, a));
	else
		EXPECT_OK(t_pool_unhold(self->pool, a, true));
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_EQ(st.pinned, 0);
	/* a is garbage now; b lives by its root. */
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_FALSE(live(self->pool, a));
	EXPECT_TRUE(live(self->pool, b));
}

TEST_F(gc, writes_through_a_pin_taken_while_marking)
{
	fixed_write_during_marking(self, true);
}

TEST_F(gc, writes_of_a_hold_alone_taken_while_marking)
{
	fixed_write_during_marking(self, false);
}

/* Pinned before the cycle: its start scans it. */
TEST_F(gc, writes_through_a_pin_older_than_the_cycle)
{
	struct ckremm_gc_step_result res;
	u64 a, b, zero = 0;
	u8 *p;

	a = alloc_in(self, 32, CKREMM_GC_WORDS, CKREMM_GC_PIN, false);
	b = alloc_in(self, 16, CKREMM_GC_LEAF, 0, false);
	ASSERT_NONNULL(p = t_pool_pin(self->pool, a));
	memcpy(p + 16, &b, 8);
	ASSERT_OK(ckremm_gc_step(self->gc, 1, &res));
	ASSERT_OK(ckremm_gc_root_set(self->gc, 2, b));
	memcpy(p + 16, &zero, 8);
	steps_to_idle(self->gc, 3);
	EXPECT_TRUE(live(self->pool, b));
	EXPECT_OK(t_pool_unpin(self->pool, a));
	EXPECT_OK(t_pool_unpin(self->pool, a));
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_FALSE(live(self->pool, a), "unpinned, unreachable");
}

/* A write through the pool keeps what it overwrote in the snapshot. */
TEST_F(gc, a_pool_write_while_marking_keeps_the_old_value)
{
	struct ckremm_gc_step_result res;
	u64 a, b, c;

	a = alloc_in(self, 32, CKREMM_GC_WORDS, 0, true);
	b = alloc_in(self, 16, CKREMM_GC_LEAF, 0, false);
	c = alloc_in(self, 32, CKREMM_GC_WORDS, 0, false);
	put(self->pool, a, 0, c);
	put(self->pool, c, 0, b);
	ASSERT_OK(ckremm_gc_step(self->gc, 1, &res));
	ASSERT_OK(ckremm_gc_root_set(self->gc, 0, b));
	put(self->pool, c, 0, 0);	/* barrier: c scanned first */
	ASSERT_OK(ckremm_gc_root_set(self->gc, 1, c));
	put(self->pool, a, 0, 0);
	steps_to_idle(self->gc, 2);
	EXPECT_TRUE(live(self->pool, b));
	EXPECT_TRUE(live(self->pool, c));
}

/* ---- bounds -------------------------------------------------------------------- */

TEST_F(gc, the_scope_bound_gives_enospc)
{
	struct ckremm_gc_stats st;
	u64 h, saved[3];
	unsigned int i;

	ckremm_gc_scope_exit(self->gc, &self->scope);
	ckremm_gc_scope_init(self->gc, &self->scope, self->slots, 3);
	for (i = 0; i < 3; i++)
		saved[i] = alloc_in(self, 16, CKREMM_GC_LEAF, 0, true);
	EXPECT_ERRNO(ckremm_gc_alloc(self->gc, 16, CKREMM_GC_LEAF, 0,
				     &self->scope, &h), ENOSPC);
	EXPECT_ERRNO(ckremm_gc_scope_push(self->gc, &self->scope, saved[0]),
		     ENOSPC);
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_EQ(st.objects, 3, "a refused alloc left an object");
	EXPECT_EQ(self->scope.depth, 3);
	ckremm_gc_scope_restore(self->gc, &self->scope, 1);
	ckremm_gc_scope_restore(self->gc, &self->scope, 2);
	EXPECT_EQ(self->scope.depth, 1, "restore never deepens");
	EXPECT_OK(ckremm_gc_scope_push(self->gc, &self->scope, saved[2]));
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_TRUE(live(self->pool, saved[0]));
	EXPECT_FALSE(live(self->pool, saved[1]));
	EXPECT_TRUE(live(self->pool, saved[2]));
}

TEST_F(gc, the_pin_set_bound_gives_enospc)
{
	struct ckremm_gc_params p = manual_params;
	struct ckremm_gc_stats st;
	u64 a, b, c, h;
	size_t size;
	void *addr;

	ckremm_gc_scope_exit(self->gc, &self->scope);
	ckremm_gc_destroy(self->gc);
	p.max_pins = 2;
	ASSERT_NONNULL(self->gc = ckremm_gc_create(self->pool, &p));
	ckremm_gc_scope_init(self->gc, &self->scope, self->slots, 16);
	a = alloc_in(self, 16, CKREMM_GC_WORDS, CKREMM_GC_PIN, true);
	b = alloc_in(self, 16, CKREMM_GC_WORDS, 0, true);
	c = alloc_in(self, 16, CKREMM_GC_WORDS, 0, true);
	ASSERT_NONNULL(t_pool_pin(self->pool, b));
	EXPECT_NULL(t_pool_pin(self->pool, c));
	EXPECT_ERRNO(t_pool_hold(self->pool, c, true, &addr, &size), ENOSPC);
	EXPECT_ERRNO(ckremm_gc_alloc(self->gc, 16, CKREMM_GC_LEAF,
				     CKREMM_GC_PIN, &self->scope, &h), ENOSPC);
	/* Already in the set: a second pin or a hold alone fits. */
	EXPECT_NONNULL(t_pool_pin(self->pool, a));
	EXPECT_OK(t_pool_unpin(self->pool, a));
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_EQ(st.pinned, 2);
	EXPECT_EQ(st.objects, 3);
	EXPECT_OK(t_pool_unpin(self->pool, b));
	EXPECT_OK(t_pool_hold(self->pool, c, true, &addr, &size));
	EXPECT_OK(t_pool_unhold(self->pool, c, true));
	EXPECT_OK(t_pool_unpin(self->pool, a));
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_EQ(st.pinned, 0);
}

TEST_F(gc, enomem_after_one_bounded_step)
{
	struct ckremm_gc_params p = manual_params;
	struct ckremm_gc_stats before, after;
	unsigned int i, n = 0;
	int err = 0;
	u64 h;

	ckremm_gc_scope_exit(self->gc, &self->scope);
	ckremm_gc_destroy(self->gc);
	p.step_budget = 32;
	ASSERT_NONNULL(self->gc = ckremm_gc_create(self->pool, &p));
	ckremm_gc_scope_init(self->gc, &self->scope, self->slots, 16);
	/* Fill the arena with garbage: far more than one step's work. */
	for (i = 0; i < ARENA / 16; i++) {
		err = ckremm_gc_alloc(self->gc, 16, CKREMM_GC_WORDS, 0, NULL,
				      &h);
		if (err)
			break;
		n++;
	}
	ASSERT_EQ(n, ARENA / 16, "err %d", err);
	ckremm_gc_get_stats(self->gc, &before);
	EXPECT_ERRNO(ckremm_gc_alloc(self->gc, ARENA / 2, CKREMM_GC_LEAF, 0,
				     &self->scope, &h), ENOMEM);
	ckremm_gc_get_stats(self->gc, &after);
	EXPECT_LE(after.steps - before.steps, 1);
	EXPECT_LE(after.max_step_work, p.step_budget + after.max_start_work);
	EXPECT_LT(after.freed_objects - before.freed_objects, n / 4,
		  "an allocation collected the heap");
	EXPECT_EQ(after.failed_allocs, before.failed_allocs + 1);
	/* The one step may sweep, a slot a unit: no more than its budget. */
	EXPECT_LE(after.freed_objects - before.freed_objects, p.step_budget);
	EXPECT_EQ(after.objects,
		  before.objects - (after.freed_objects - before.freed_objects));
	/* A collection then makes the room. */
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_OK(ckremm_gc_alloc(self->gc, ARENA / 2, CKREMM_GC_LEAF, 0,
				  &self->scope, &h));
}

TEST_F(gc, paced_cycles_start_and_bound_each_allocation)
{
	struct ckremm_gc_params p = {
		.max_pins = 8, .trigger_min = 4096, .pace_bytes = 256,
		.step_budget = 16,
	};
	struct ckremm_gc_stats st, prev;
	unsigned int i, live_n = 0;
	u64 h, keep[32];

	ckremm_gc_scope_exit(self->gc, &self->scope);
	ckremm_gc_destroy(self->gc);
	ASSERT_NONNULL(self->gc = ckremm_gc_create(self->pool, &p));
	ckremm_gc_scope_init(self->gc, &self->scope, self->slots, 64);
	ckremm_gc_get_stats(self->gc, &prev);
	for (i = 0; i < 4000; i++) {
		bool kept = !(i % 128) && live_n < ARRAY_LEN(keep);

		ASSERT_OK(ckremm_gc_alloc(self->gc, 48, CKREMM_GC_WORDS, 0,
					  kept ? &self->scope : NULL, &h));
		if (kept)
			keep[live_n++] = h;
		ckremm_gc_get_stats(self->gc, &st);
		ASSERT_LE(st.steps - prev.steps, 1, "alloc %u", i);
		prev = st;
	}
	EXPECT_LE(st.max_step_work, p.step_budget + st.max_start_work);
	EXPECT_GE(st.cycles, 3, "allocations start cycles");
	EXPECT_GT(st.freed_objects, 3000);
	EXPECT_LT(st.objects, 1000);
	for (i = 0; i < live_n; i++)
		EXPECT_TRUE(live(self->pool, keep[i]));
}

/* ---- large objects, the grey stack ------------------------------------------ */

TEST_F(gc, a_large_object_is_scanned_over_several_steps)
{
	struct ckremm_gc_step_result res;
	size_t words = 4096, budget = 100;
	unsigned int marking = 0, i;
	u64 big, kids[4];

	big = alloc_in(self, words * 8, CKREMM_GC_WORDS, 0, true);
	for (i = 0; i < ARRAY_LEN(kids); i++) {
		kids[i] = alloc_in(self, 16, CKREMM_GC_LEAF, 0, false);
		put(self->pool, big, words - 1 - i * 500, kids[i]);
	}
	ASSERT_OK(ckremm_gc_step(self->gc, budget, &res));
	do {
		ASSERT_OK(ckremm_gc_step(self->gc, budget, &res));
		ASSERT_LE(res.work, budget);
		marking += res.phase == CKREMM_GC_MARK;
	} while (!res.cycle_done);
	EXPECT_GE(marking, words / budget - 1);
	for (i = 0; i < ARRAY_LEN(kids); i++)
		EXPECT_TRUE(live(self->pool, kids[i]));
}

/*
 * Grey objects on the stack that a barrier blackened since are popped for
 * nothing; those pops count against a step's budget, and the object
 * found after them is scanned in the next step, not at once whole.
 */
TEST_F(gc, grey_stack_pops_count_against_the_budget)
{
	struct ckremm_gc_step_result res;
	size_t budget = 10;
	unsigned int i;
	u64 big, small[60];

	big = alloc_in(self, 2048 * 8, CKREMM_GC_WORDS, 0, false);
	ASSERT_OK(ckremm_gc_root_set(self->gc, 0, big));
	for (i = 0; i < ARRAY_LEN(small); i++)
		small[i] = alloc_in(self, 16, CKREMM_GC_WORDS, 0, true);
	ASSERT_OK(ckremm_gc_step(self->gc, 1, &res));
	ASSERT_EQ(res.phase, CKREMM_GC_MARK);
	for (i = 0; i < ARRAY_LEN(small); i++)
		put(self->pool, small[i], 1, 0);
	do {
		ASSERT_OK(ckremm_gc_step(self->gc, budget, &res));
		ASSERT_LE(res.work, budget, "phase %d", res.phase);
	} while (!res.cycle_done);
	EXPECT_TRUE(live(self->pool, big));
}

TEST_F(gc, a_wide_fan_out_overflows_into_the_table_cursor)
{
	struct ckremm_gc_stats st;
	unsigned int i, n = 600;
	u64 arr, kid, grand;

	arr = alloc_in(self, n * 8, CKREMM_GC_WORDS, 0, true);
	for (i = 0; i < n; i++) {
		kid = alloc_in(self, 16, CKREMM_GC_WORDS, 0, false);
		grand = alloc_in(self, 16, CKREMM_GC_LEAF, 0, false);
		put(self->pool, kid, 0, grand);
		put(self->pool, arr, i, kid);
	}
	steps_to_idle(self->gc, 7);
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_GT(st.overflows, 0);
	EXPECT_EQ(st.objects, 1 + 2 * n, "a reachable object was freed");
	EXPECT_EQ(st.freed_objects, 0);
	/* Cut half: exactly those and their children go. */
	for (i = 0; i < n; i += 2)
		put(self->pool, arr, i, 0);
	ASSERT_OK(ckremm_gc_collect(self->gc));
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_EQ(st.objects, 1 + n);
	EXPECT_EQ(st.freed_objects, n);
}

/* ---- finalisers ---------------------------------------------------------------- */

static struct {
	unsigned int runs;
	u64 last;
	bool pin;
	struct ckremm_gc *gc;
} fin;

static void fin_fn(struct ckremm_gc *gc, u64 handle, unsigned int type,
		   void *arg)
{
	(void)type;
	(void)arg;
	fin.runs++;
	fin.last = handle;
	if (fin.pin)
		t_pool_pin(ckremm_gc_pool(gc), handle);
	/* Try to keep it through a root: the handle goes stale anyway. */
	ckremm_gc_root_set(gc, 3, handle);
}

static void fin_setup(FIXTURE_DATA(gc) *self, bool pin)
{
	struct ckremm_gc_params p = manual_params;

	ckremm_gc_scope_exit(self->gc, &self->scope);
	ckremm_gc_destroy(self->gc);
	memset(&fin, 0, sizeof(fin));
	fin.pin = pin;
	p.finalize = fin_fn;
	ASSERT_NONNULL(self->gc = ckremm_gc_create(self->pool, &p));
	ckremm_gc_scope_init(self->gc, &self->scope, self->slots, 16);
}

TEST_F(gc, a_finaliser_that_stores_its_handle_resurrects_nothing)
{
	u64 h, buf;

	fin_setup(self, false);
	EXPECT_ERRNO(ckremm_gc_alloc(self->gc, 16, CKREMM_GC_LEAF, 0x4, NULL,
				     &h), EINVAL);
	h = alloc_in(self, 16, CKREMM_GC_LEAF, CKREMM_GC_FINALIZE, false);
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_EQ(fin.runs, 1);
	EXPECT_EQ(fin.last, h);
	EXPECT_EQ(ckremm_gc_root_get(self->gc, 3), h);
	EXPECT_FALSE(live(self->pool, h), "resurrected");
	EXPECT_ERRNO(t_pool_read(self->pool, h, 0, &buf, 8), EINVAL);
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_EQ(fin.runs, 1, "ran twice");
}

TEST_F(gc, a_finaliser_that_pins_its_object_delays_the_free_once)
{
	struct ckremm_gc_stats st;
	u64 h;

	fin_setup(self, true);
	h = alloc_in(self, 16, CKREMM_GC_WORDS, CKREMM_GC_FINALIZE, false);
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_EQ(fin.runs, 1);
	EXPECT_TRUE(live(self->pool, h), "freed while pinned");
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_EQ(st.pinned, 1);
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_TRUE(live(self->pool, h), "pinned: a root");
	/* The finaliser stored it in a root slot too. */
	EXPECT_EQ(ckremm_gc_root_get(self->gc, 3), h);
	EXPECT_OK(ckremm_gc_root_set(self->gc, 3, T_POOL_NO_HANDLE));
	EXPECT_OK(t_pool_unpin(self->pool, h));
	ASSERT_OK(ckremm_gc_collect(self->gc));
	EXPECT_FALSE(live(self->pool, h));
	EXPECT_EQ(fin.runs, 1, "a second finaliser");
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_EQ(st.finalized, 1);
	EXPECT_EQ(st.freed_objects, 1);
}

TEST_F(gc, a_queued_object_cannot_be_freed_by_hand)
{
	struct ckremm_gc_step_result res;
	u64 h;

	fin_setup(self, false);
	h = alloc_in(self, 16, CKREMM_GC_LEAF, CKREMM_GC_FINALIZE, false);
	steps_to_idle(self->gc, 64);
	ckremm_gc_step(self->gc, 64, &res);
	EXPECT_EQ(fin.runs, 0, "a step ran a finaliser");
	EXPECT_TRUE(live(self->pool, h));
	EXPECT_ERRNO(t_pool_free(self->pool, h), EBUSY);
	EXPECT_EQ(ckremm_gc_finalize(self->gc, 0), 1);
	EXPECT_FALSE(live(self->pool, h));
}

/* ---- attach, detach, figures --------------------------------------------------- */

TEST_F(gc, destroy_t_pool_is_refused_while_a_collector_is_attached)
{
	u64 h = alloc_in(self, 16, CKREMM_GC_LEAF, 0, true);

	EXPECT_FALSE(destroy_t_pool(self->pool));
	EXPECT_TRUE(live(self->pool, h), "the refused destroy changed it");
	EXPECT_NULL(ckremm_gc_create(self->pool, NULL),
		    "a second collector");
}

TEST(create_on_a_pool_with_blocks_is_refused)
{
	struct ckremm_gc_params bad = { .max_types = 1 };
	struct t_pool *pool;
	struct ckremm_gc *gc;
	u64 h;

	ASSERT_NONNULL(pool = t_pool_create(4096, 0));
	EXPECT_NULL(ckremm_gc_create(NULL, NULL));
	EXPECT_NULL(ckremm_gc_create(pool, &bad));
	h = t_pool_alloc_handle(pool, 16, 0);
	ASSERT_NE(h, T_POOL_NO_HANDLE);
	EXPECT_NULL(ckremm_gc_create(pool, NULL));
	ASSERT_OK(t_pool_free(pool, h));
	ASSERT_NONNULL(gc = ckremm_gc_create(pool, NULL));
	ckremm_gc_destroy(gc);
	EXPECT_TRUE(destroy_t_pool(pool));
}

TEST_F(gc, type_registration_and_bad_arguments)
{
	struct ckremm_gc_params p = manual_params;
	struct ckremm_gc_stats a, b;
	u64 map[3] = { 1, 1, 1 }, h;
	int id, i;

	ckremm_gc_get_stats(self->gc, &a);
	id = ckremm_gc_type_register(self->gc, map, 130, 0);
	ASSERT_EQ(id, CKREMM_GC_LEAF + 1);
	ckremm_gc_get_stats(self->gc, &b);
	EXPECT_GE(b.meta_bytes - a.meta_bytes, 3 * sizeof(u64));
	EXPECT_LE(b.meta_bytes - a.meta_bytes, 3 * sizeof(u64) + 32);
	EXPECT_ERRNO(ckremm_gc_type_register(self->gc, map, 0, 0), EINVAL);
	EXPECT_ERRNO(ckremm_gc_type_register(self->gc, NULL, 1, 0), EINVAL);
	EXPECT_ERRNO(ckremm_gc_type_register(self->gc, map, 1, 0x2), EINVAL);
	EXPECT_ERRNO(ckremm_gc_type_register(self->gc, map, 0x10001, 0),
		     EINVAL);
	/* 16 types by default, two built in, one taken. */
	for (i = 0; i < 13; i++)
		ASSERT_GT(ckremm_gc_type_register(self->gc, map, 1, 0), id);
	EXPECT_ERRNO(ckremm_gc_type_register(self->gc, map, 1, 0), ENOSPC);
	EXPECT_ERRNO(ckremm_gc_alloc(self->gc, 16, 16, 0, NULL, &h), EINVAL);
	EXPECT_ERRNO(ckremm_gc_alloc(self->gc, 0, 0, 0, NULL, &h), EINVAL);
	EXPECT_ERRNO(ckremm_gc_alloc(self->gc, 16, 0, 0, NULL, NULL), EINVAL);
	EXPECT_ERRNO(ckremm_gc_alloc(self->gc, 16, 0, CKREMM_GC_FINALIZE,
				     NULL, &h), EINVAL, "no finaliser");
	EXPECT_ERRNO(ckremm_gc_root_set(self->gc, p.roots, 0), EINVAL);
	EXPECT_EQ(ckremm_gc_root_get(self->gc, p.roots), T_POOL_NO_HANDLE);
	EXPECT_ERRNO(ckremm_gc_step(NULL, 1, NULL), EINVAL);
	EXPECT_ERRNO(ckremm_gc_collect(NULL), EINVAL);
	EXPECT_EQ(ckremm_gc_finalize(NULL, 0), 0);
}

TEST_F(gc, the_figures_agree_with_what_happened)
{
	struct ckremm_gc_stats st;
	struct t_pool_stats ps;
	unsigned int i;
	size_t bytes = 0;
	u64 h;

	for (i = 0; i < 40; i++) {
		h = alloc_in(self, 16 * (i + 1), CKREMM_GC_LEAF, 0, i % 2);
		if (!(i % 2))
			bytes += 16 * (i + 1);
	}
	(void)h;
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_EQ(st.objects, 40);
	EXPECT_EQ(st.cycles, 0);
	EXPECT_EQ(st.phase, CKREMM_GC_IDLE);
	EXPECT_EQ(st.allocated_bytes, 16 * 40 * 41 / 2);
	t_pool_get_stats(self->pool, &ps);
	EXPECT_GE(st.meta_bytes, 4 * ps.used_blocks + 8 * 8);
	ASSERT_OK(ckremm_gc_collect(self->gc));
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_EQ(st.cycles, 1);
	EXPECT_EQ(st.objects, 20);
	EXPECT_EQ(st.freed_objects, 20);
	EXPECT_EQ(st.freed_bytes, bytes);
	EXPECT_EQ(st.live_bytes, 16 * 40 * 41 / 2 - bytes);
	EXPECT_GT(st.steps, 0);
	EXPECT_EQ(st.finalizers_pending, 0);
	EXPECT_EQ(st.failed_allocs, 0);
	/* From the middle of a cycle, collect finishes it and runs one more. */
	ckremm_gc_step(self->gc, 1, NULL);
	ASSERT_OK(ckremm_gc_collect(self->gc));
	ckremm_gc_get_stats(self->gc, &st);
	EXPECT_EQ(st.cycles, 3);
	EXPECT_EQ(st.phase, CKREMM_GC_IDLE);
}
