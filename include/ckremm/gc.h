/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm garbage collector: a precise, incremental, compacting collector
 * over a table pool.
 *
 * A collector is attached to one table pool and owns every block in it:
 * blocks are objects, named by the pool's handles, and an object lives as
 * long as it can be reached from the roots.  References inside objects are
 * handles, stored as native 64-bit words at 8-byte offsets; an object's
 * type says which words they are.  The roots are the pinned objects, the
 * collector's root slots and the handles on root scopes.
 *
 * Marking is incremental, with a snapshot taken when a cycle begins: every
 * object reachable then, and every object allocated since, survives the
 * cycle.  The pool's own writes (t_pool_write(), t_pool_copy(),
 * t_pool_clean(), a free) keep the snapshot by marking what they
 * overwrite; a pin, or a hold for writing, taken while marking runs
 * scans the object first, so writes through a pinned pointer need no
 * barrier.  One rule comes with that: the start of a cycle scans the
 * pinned objects under the pool lock, which their owners' plain stores
 * do not take, so handles must not be stored through a pinned pointer
 * while another CPU may start a cycle (a paced allocation, a step, a work
 * item): where other CPUs collect, store handles with t_pool_write().
 * Bytes that are not handles may be stored through a pin at any time, and
 * a runtime whose one thread both mutates and collects needs no care.
 * Collection runs in steps of bounded work with the pool lock
 * dropped between them, and ends with the pool's reorder, so the heap is
 * one free run apart from pinned islands.
 *
 * The functions are documented with kernel-doc beside their definitions in
 * ckremm/gc/gc.c; the design is explained at the top of that file.
 */
#ifndef CKREMM_GC_H
#define CKREMM_GC_H

#include <ckremm/t_pool.h>

struct ckremm_gc;

/* Type ids every collector has. */
#define CKREMM_GC_WORDS		0	/* every word that is a live handle of
					 * the heap is a reference
					 */
#define CKREMM_GC_LEAF		1	/* no references: bytes only */
/* Most types a collector can have, the two above included. */
#define CKREMM_GC_MAX_TYPES	256

/* ckremm_gc_type_register() flags */
#define CKREMM_GC_TYPE_REPEAT	0x1U	/* the map repeats over the whole object
					 * (arrays); else words past it hold
					 * no handle
					 */

/* ckremm_gc_alloc() flags */
#define CKREMM_GC_FINALIZE	0x1U	/* run the finaliser when it dies */
#define CKREMM_GC_PIN		0x2U	/* return the object pinned */

/* Where a collection is, as ckremm_gc_step() reports it. */
enum ckremm_gc_phase {
	CKREMM_GC_IDLE,		/* no cycle is running */
	CKREMM_GC_MARK,		/* marking from the snapshot */
	CKREMM_GC_SWEEP,	/* freeing what was not marked */
	CKREMM_GC_COMPACT,	/* reordering the pool */
};

/**
 * typedef ckremm_gc_finalizer - a heap's finaliser
 * @gc: the collector
 * @handle: the dead object, still allocated while the finaliser runs;
 *	handles stored in it may name objects that died with it and are
 *	gone
 * @type: its type id
 * @arg: &ckremm_gc_params.finalize_arg
 *
 * Called once per dead object allocated with CKREMM_GC_FINALIZE, from
 * ckremm_gc_finalize() and never with the pool lock held.  The object is
 * freed when it returns, whatever the finaliser did with its handle: a
 * handle kept anywhere is stale, and the pool refuses it.
 */
typedef void (*ckremm_gc_finalizer)(struct ckremm_gc *gc, u64 handle,
				    unsigned int type, void *arg);

/**
 * struct ckremm_gc_params - how a collector is sized and paced
 * @max_types: most types, CKREMM_GC_LEAF + 1 to CKREMM_GC_MAX_TYPES
 *	(0: 16)
 * @roots: root slots (0: 16)
 * @max_pins: most objects pinned or held for writing at once (0: 64);
 *	the collector keeps them in a set, as roots
 * @finalize_queue: dead objects whose finaliser may wait at once (0: 32)
 * @trigger_percent: a cycle begins when the bytes allocated since the last
 *	one ended reach this percentage of the bytes live after it (0: 100)
 * @trigger_min: and at least this many bytes (0: 1/16 of the arena)
 * @pace_bytes: while a cycle runs, every this many bytes allocated through
 *	ckremm_gc_alloc() pay for one step of @step_budget (0: 2048); a
 *	compaction ends only if 8 * @step_budget is more than this
 * @step_budget: work of a paced step, in units of about one word scanned
 *	or one table slot visited or 8 bytes moved (0: 512)
 * @manual: no paced steps: only the caller's calls collect
 * @finalize: the finaliser, or NULL
 * @finalize_arg: passed to @finalize
 */
struct ckremm_gc_params {
	unsigned int max_types;
	unsigned int roots;
	unsigned int max_pins;
	unsigned int finalize_queue;
	unsigned int trigger_percent;
	size_t trigger_min;
	size_t pace_bytes;
	size_t step_budget;
	bool manual;
	ckremm_gc_finalizer finalize;
	void *finalize_arg;
};

/**
 * struct ckremm_gc_scope - a stack of roots for temporaries
 * @slots: the caller's array of handles
 * @depth: handles on the stack
 * @max: room in @slots
 * @next: the next scope of the collector (the collector's)
 *
 * One per thread of a mutator, in the manner of mruby's arena: objects
 * pushed on it are roots until the stack is cut below them with
 * ckremm_gc_scope_restore().  Its bound is @max; a push past it is
 * refused with -ENOSPC, never dropped.
 */
struct ckremm_gc_scope {
	u64 *slots;
	unsigned int depth;
	unsigned int max;
	struct ckremm_gc_scope *next;
};

/**
 * struct ckremm_gc_step_result - what one step did
 * @phase: where the collection is after the step
 * @work: units of work done
 * @cycle_done: a cycle ended in this step
 * @freed_objects: objects freed in this step
 * @freed_bytes: bytes freed in this step
 * @finalizers_pending: dead objects wait for ckremm_gc_finalize()
 */
struct ckremm_gc_step_result {
	enum ckremm_gc_phase phase;
	size_t work;
	bool cycle_done;
	size_t freed_objects;
	size_t freed_bytes;
	size_t finalizers_pending;
};

/**
 * struct ckremm_gc_stats - a consistent snapshot of a collector
 * @phase: where the collection is
 * @cycles: cycles completed
 * @steps: steps taken, paced and called
 * @objects: objects in the heap
 * @live_bytes: bytes live after the last cycle
 * @allocated_bytes: bytes allocated through the collector, in total
 * @freed_objects: objects freed by sweeps and finalisers, in total
 * @freed_bytes: bytes they held
 * @finalized: finalisers run
 * @finalizers_pending: dead objects waiting for their finaliser
 * @pinned: objects in the pin set
 * @max_step_work: most work one step did
 * @max_start_work: most work one cycle's start did (the roots and pins)
 * @barrier_scans: barriers that shaded while marking: a write's, copy's or
 *	clear's overwritten words, or a pinned, held or freed object whole
 * @overflows: times the grey stack was full and the table cursor took over
 * @failed_allocs: allocations refused after a collection step
 * @meta_bytes: bytes of the collector's own bookkeeping
 */
struct ckremm_gc_stats {
	enum ckremm_gc_phase phase;
	size_t cycles;
	size_t steps;
	size_t objects;
	size_t live_bytes;
	size_t allocated_bytes;
	size_t freed_objects;
	size_t freed_bytes;
	size_t finalized;
	size_t finalizers_pending;
	size_t pinned;
	size_t max_step_work;
	size_t max_start_work;
	size_t barrier_scans;
	size_t overflows;
	size_t failed_allocs;
	size_t meta_bytes;
};

struct ckremm_gc *ckremm_gc_create(struct t_pool *pool,
				   const struct ckremm_gc_params *params);
void ckremm_gc_destroy(struct ckremm_gc *gc);
struct t_pool *ckremm_gc_pool(struct ckremm_gc *gc);

int ckremm_gc_type_register(struct ckremm_gc *gc, const u64 *map,
			    unsigned int words, unsigned int flags);

int ckremm_gc_alloc(struct ckremm_gc *gc, size_t size, unsigned int type,
		    unsigned int flags, struct ckremm_gc_scope *scope,
		    u64 *handle);
int ckremm_gc_type_of(struct ckremm_gc *gc, u64 handle);

int ckremm_gc_root_set(struct ckremm_gc *gc, unsigned int slot, u64 handle);
u64 ckremm_gc_root_get(struct ckremm_gc *gc, unsigned int slot);

void ckremm_gc_scope_init(struct ckremm_gc *gc, struct ckremm_gc_scope *scope,
			  u64 *slots, unsigned int max);
void ckremm_gc_scope_exit(struct ckremm_gc *gc, struct ckremm_gc_scope *scope);
int ckremm_gc_scope_push(struct ckremm_gc *gc, struct ckremm_gc_scope *scope,
			 u64 handle);
void ckremm_gc_scope_restore(struct ckremm_gc *gc,
			     struct ckremm_gc_scope *scope, unsigned int depth);

int ckremm_gc_step(struct ckremm_gc *gc, size_t budget,
		   struct ckremm_gc_step_result *res);
int ckremm_gc_collect(struct ckremm_gc *gc);
unsigned int ckremm_gc_finalize(struct ckremm_gc *gc, unsigned int max);
void ckremm_gc_get_stats(struct ckremm_gc *gc, struct ckremm_gc_stats *stats);
int ckremm_gc_validate(struct ckremm_gc *gc, struct t_pool_fault *fault);
int ckremm_gc_pool_stats(struct t_pool *pool, struct ckremm_gc_stats *stats);

#endif /* CKREMM_GC_H */
