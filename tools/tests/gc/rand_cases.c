// SPDX-License-Identifier: GPL-2.0-only
/*
 * rand_cases.c - randomized mutators against the reference collector.
 *
 * A seeded generator (the seed is printed; GC_SEED=N runs that one, and
 * GC_RAND_OPS=N changes the operations per run) drives the mutator of
 * gc_mutator.h: typed objects allocated (maps with and without REPEAT,
 * WORDS, LEAF, some larger than the pool's step, some with finalisers,
 * some pinned, some garbage from the start), edges linked and cut through
 * t_pool_write(), t_pool_copy() and t_pool_clean(), stale and forged
 * values stored, root slots, a bounded scope, pins and holds alone with
 * writes straight through their addresses, collection steps of random
 * budgets, finalisers, explicit frees of unreachable objects, reorder
 * steps and whole reorders, and now and then a whole collection.  Every
 * check gc_mutator.h lists runs after every operation; every byte of
 * every object is compared every 500 operations and at the end, when all
 * roots go and one collection must leave the heap empty.
 *
 * Three configurations: manual (only the mutator's steps collect), paced
 * (allocations start cycles and pay for them in small steps) and tight (a
 * small arena, scope and pin set: -ENOMEM and -ENOSPC are common, the
 * finaliser queue holds two).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckremm_test.h"
#include "gc_mutator.h"

#ifdef CKREMM_TEST_BOARD
#define RAND_OPS	10000	/* tools/mcu: an emulated core, 4 MiB */
#define RAND_SEEDS	2
#else
#define RAND_OPS	20000
#define RAND_SEEDS	4
#endif
#define VERIFY_EVERY	500

struct rand_setup {
	const char *name;
	struct gc_mut_config cfg;
};

static const struct rand_setup setups[] = {
	{ "manual", {
		.arena = 256 << 10, .capacity = 2048, .max_objs = 1500,
		.scope_max = 64, .step_bytes = 512, .max_size = 4096,
		.params = { .manual = true, .max_pins = 16, .roots = 8 },
	} },
	{ "paced", {
		.arena = 128 << 10, .capacity = 2048, .max_objs = 1500,
		.scope_max = 48, .step_bytes = 1024, .max_size = 4096,
		.params = { .max_pins = 16, .roots = 8, .pace_bytes = 512,
			    .step_budget = 64, .trigger_min = 4096,
			    .trigger_percent = 50 },
	} },
	{ "tight", {
		.arena = 6 << 10, .capacity = 512, .max_objs = 512,
		.scope_max = 12, .step_bytes = 256, .max_size = 2048,
		.params = { .manual = true, .max_pins = 4, .roots = 4,
			    .finalize_queue = 2, .step_budget = 32 },
	} },
};

static uint32_t splitmix(void *arg)
{
	uint64_t *s = arg, z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static void report(void *arg, const char *what)
{
	(void)arg;
	test_fail_at(__FILE__, __LINE__, "%s", what);
}

static unsigned long env_ul(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

static void rand_run(unsigned long arg)
{
	const struct rand_setup *s = &setups[arg % ARRAY_LEN(setups)];
	unsigned long seed = env_ul("GC_SEED", arg / ARRAY_LEN(setups) + 1);
	unsigned long ops = env_ul("GC_RAND_OPS", RAND_OPS), k;
	static struct gc_mut mu;
	struct t_pool_stats ps;
	uint64_t state = seed;

	test_log("%s, seed %lu (GC_SEED=%lu), %lu operations", s->name, seed,
		 seed, ops);
	ASSERT_OK(gc_mut_init(&mu, &s->cfg, splitmix, report, &state));
	for (k = 0; k < ops && mu.problems < 20; k++) {
		gc_mut_op(&mu, splitmix(&state) % GC_MUT_OPS);
		if (!(k % VERIFY_EVERY))
			gc_mut_verify(&mu);
	}
	t_pool_get_stats(mu.pool, &ps);
	test_log("peak %zu of %zu bytes used, %zu objects at the end",
		 ps.peak_used, ps.arena_size, ps.used_blocks);
	gc_mut_finish(&mu);
	test_log("allocs %lu (-ENOMEM %lu, -ENOSPC %lu), links %lu, fixed writes %lu, frees %lu, cycles checked %lu, doomed checked %lu, finalised %zu, freed %zu, steps that overflowed %lu",
		 mu.allocs, mu.enomem, mu.enospc, mu.links, mu.pinned_writes,
		 mu.explicit_frees, mu.cycles_checked, mu.doomed_checked,
		 mu.finalized_seen, mu.freed_seen, mu.overflow_steps);
	EXPECT_EQ(mu.problems, 0);
	/* The run must have done what it is for. */
	EXPECT_GT(mu.cycles_checked, 0);
	EXPECT_GT(mu.doomed_checked, 0);
	EXPECT_GT(mu.finalized_seen, 0);
	EXPECT_GT(mu.freed_seen, mu.allocs / 4);
	EXPECT_GT(mu.pinned_writes, 0);
}

TEST_CTOR(rand_register)
{
	static char names[ARRAY_LEN(setups) * RAND_SEEDS][32];
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(names); i++) {
		snprintf(names[i], sizeof(names[i]), "rand.%s.seed_%u",
			 setups[i % ARRAY_LEN(setups)].name,
			 i / (unsigned int)ARRAY_LEN(setups) + 1);
		test_register(names[i], rand_run, i, 120);
	}
}
