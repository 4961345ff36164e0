/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gc_mutator.h - a mutator that drives a collector and the reference
 * collector (ckremm/model/gc_model.h) side by side and checks the one
 * against the other after every operation.
 *
 * Shared by the randomized host cases (rand_cases.c, a seeded generator
 * picks the operations), the libFuzzer harness (tools/fuzz/gc_fuzz.c, the
 * input does) and the boards (tools/mcu).  The mutator keeps to what a
 * real program can do: it only touches objects the model finds reachable
 * (it holds no handle to the others, except to free them explicitly), so
 * the collector's snapshot promises apply:
 *
 *   - an object the collector freed was unreachable in the model, and
 *     every object still live holds exactly the bytes the model says;
 *   - an object unreachable when a cycle began is gone (or its finaliser
 *     queued, which the check then runs) when that cycle ends, and gone
 *     after a ckremm_gc_collect() that began with it unreachable;
 *   - a finaliser runs exactly once per dead object allocated with
 *     CKREMM_GC_FINALIZE, never inside ckremm_gc_alloc(), on an object
 *     the model finds unreachable and whose bytes are intact;
 *   - t_pool_validate() passes; the collector's figures agree with the
 *     model (objects, freed, finalised, pin set); a step does no more
 *     work than its budget, beyond a cycle's start;
 *   - a refused scope push or pin (-ENOSPC) happens exactly when the model
 *     says the scope or the pin set is full.
 *
 * A broken promise is counted in &gc_mut.problems and described through
 * the caller's report function (the first few of each run).
 */
#ifndef CKREMM_TESTS_GC_MUTATOR_H
#define CKREMM_TESTS_GC_MUTATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ckremm/gc.h>

#include "gc_model.h"

#ifndef ARRAY_LEN
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* The types every mutator registers, after CKREMM_GC_WORDS and _LEAF. */
enum {
	GC_MUT_PAIR = CKREMM_GC_LEAF + 1,	/* words 0, 1 of 4; none after */
	GC_MUT_ARRAY,		/* every even word, repeated */
	GC_MUT_WIDE,		/* words 0, 65 and 69 of a 70-word map */
	GC_MUT_TYPES
};

#define GC_MUT_MAX_FIXED	32	/* pins and holds the mutator keeps */
#define GC_MUT_STALE		32	/* handles freed last */

struct gc_mut_config {
	size_t arena;		/* bytes of the pool */
	unsigned int capacity;	/* its table */
	unsigned int max_objs;	/* the model's bound: allocs stop there */
	unsigned int scope_max;
	struct ckremm_gc_params params;	/* finalize and its arg are set */
	size_t step_bytes;	/* t_pool_set_step(): large objects */
	size_t max_size;	/* largest object asked for */
};

/* The next choice, uniform in 0..2^32 - 1 (a generator or an input). */
typedef uint32_t (*gc_mut_next_fn)(void *arg);
/* A broken promise, described. */
typedef void (*gc_mut_report_fn)(void *arg, const char *what);

struct gc_mut_fixed {
	u64 h;
	uint8_t *addr;
	bool pin;		/* a pin, else a hold alone */
};

struct gc_mut {
	struct gc_mut_config cfg;
	struct t_pool *pool;
	struct ckremm_gc *gc;
	struct gc_model m;
	struct ckremm_gc_scope scope;
	u64 *scope_slots;
	gc_mut_next_fn next;
	gc_mut_report_fn report;
	void *arg;

	struct gc_mut_fixed fixed[GC_MUT_MAX_FIXED];
	unsigned int nfixed;
	u64 stale[GC_MUT_STALE];
	unsigned int nstale;

	/* The model's reachable objects, by index, while not dirty. */
	unsigned int *reach;
	unsigned int nreach;
	bool dirty;

	/* Objects unreachable when the running cycle began. */
	u64 *doomed;
	unsigned int ndoomed;
	size_t doomed_until;	/* stats.cycles at which they must be gone */
	u64 *idle_dead;	/* unreachable before this op, while idle */
	unsigned int nidle_dead;

	bool in_alloc;
	struct ckremm_gc_stats st;	/* after the last operation */
	size_t freed_seen;	/* objects the collector freed, as seen */
	size_t finalized_seen;

	unsigned long ops, problems;
	unsigned long allocs, enomem, enospc, cycles_checked, doomed_checked;
	unsigned long links, pinned_writes, explicit_frees, overflow_steps;
	char buf[256];
};

int gc_mut_init(struct gc_mut *mu, const struct gc_mut_config *cfg,
		gc_mut_next_fn next, gc_mut_report_fn report, void *arg);
void gc_mut_op(struct gc_mut *mu, unsigned int op);
/* Operations gc_mut_op() knows: it takes op % GC_MUT_OPS. */
#define GC_MUT_OPS	24
const char *gc_mut_op_name(unsigned int op);
void gc_mut_verify(struct gc_mut *mu);
void gc_mut_finish(struct gc_mut *mu);
void gc_mut_problem(struct gc_mut *mu, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* CKREMM_TESTS_GC_MUTATOR_H */
