/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * gc_model.h - the reference model of a collector's heap.
 *
 * A shadow of what a mutator did to a collected table pool, kept the
 * plain way: per live object its handle, size, type, the exact bytes it
 * must hold and whether it has a finaliser; the roots (root slots, scope
 * stacks, pins and holds alone); and reachability from those roots,
 * computed by a plain traversal over the shadow, never incrementally.
 *
 * The model follows the collector's rule for references: a word of an
 * object is a reference if its type's map says so (every word for
 * CKREMM_GC_WORDS, none for CKREMM_GC_LEAF) and its value is the handle
 * of an object the model holds.  So a forged or stale value keeps nothing
 * alive here either.
 *
 * Like the pools' models it makes no call on the collector and asserts
 * nothing: the host tests, the fuzzer and KUnit drive the collector, tell
 * the model what they did, and judge with their own checks:
 *
 *   - every object gc_model_reach() finds reachable must still be live in
 *     the pool, with the bytes gc_model_diff() compares against;
 *   - an object the collector freed must not have been reachable: the
 *     caller calls gc_model_reach() and gc_model_remove() it;
 *   - an object unreachable when a cycle begins must be gone (or its
 *     finaliser queued) when that cycle ends;
 *   - gc_model_finalized() counts finaliser runs, to be exactly one for
 *     every dead object with a finaliser.
 *
 * Objects live in o[0..n): removing one moves the last into its place, so
 * an index names an object only until the next gc_model_remove(); a
 * handle names it for good, through gc_model_find().
 *
 * Built in the kernel (KUnit) and on the host (tests, fuzzer); needs
 * nothing but the port layer and the collector's public header.
 */
#ifndef CKREMM_GC_MODEL_H
#define CKREMM_GC_MODEL_H

#include "ckremm_port.h"
#include <ckremm/gc.h>

#include "model_pattern.h"

/* Scopes the model keeps, each with its own bound. */
#define GC_MODEL_SCOPES		8

struct gc_model_obj {
	u64 h;
	size_t size;		/* bytes the pool gave: the request rounded up */
	unsigned int type;
	bool final;		/* allocated with CKREMM_GC_FINALIZE */
	unsigned int finalized;	/* times its finaliser ran */
	unsigned int fixed;	/* pins plus holds alone */
	bool reached;		/* by the last gc_model_reach() */
	u8 *bytes;		/* what the object must hold */
};

struct gc_model_type {
	unsigned int words;	/* 0: not registered */
	unsigned int flags;	/* CKREMM_GC_TYPE_REPEAT */
	u64 *map;
};

struct gc_model_scope {
	u64 *slots;
	unsigned int depth;
	unsigned int max;	/* 0: not in use */
};

struct gc_model {
	struct gc_model_obj *o;
	unsigned int n;		/* live objects: o[0] to o[n - 1] */
	unsigned int max;
	struct gc_model_type *types;
	unsigned int max_types;
	u64 *roots;		/* the root slots */
	unsigned int nroots;
	struct gc_model_scope scopes[GC_MODEL_SCOPES];
	unsigned int *hash;	/* object index + 1 by handle, for reach */
	unsigned int hash_size;
	unsigned int *work;	/* reach's stack */
	u64 tag;		/* the last pattern handed out */
};

int gc_model_init(struct gc_model *m, unsigned int max, unsigned int max_types,
		  unsigned int roots, u64 seed);
void gc_model_destroy(struct gc_model *m);
int gc_model_type_set(struct gc_model *m, unsigned int id, const u64 *map,
		      unsigned int words, unsigned int flags);

struct gc_model_obj *gc_model_add(struct gc_model *m, u64 h, size_t size,
				  unsigned int type, bool final);
void gc_model_remove(struct gc_model *m, unsigned int i);
int gc_model_find(const struct gc_model *m, u64 h);

bool gc_model_is_ref(const struct gc_model *m, unsigned int i, size_t w);
u64 gc_model_word(const struct gc_model *m, unsigned int i, size_t w);
void gc_model_fill(struct gc_model *m, unsigned int i, size_t pos, size_t len);
void gc_model_write(struct gc_model *m, unsigned int i, size_t pos,
		    const void *buf, size_t len);
void gc_model_clean(struct gc_model *m, unsigned int i);
void gc_model_copy(struct gc_model *m, unsigned int dst, unsigned int src);
size_t gc_model_diff(const struct gc_model *m, unsigned int i,
		     const void *buf, size_t pos, size_t len);

int gc_model_root_set(struct gc_model *m, unsigned int slot, u64 h);
int gc_model_scope_init(struct gc_model *m, unsigned int id, unsigned int max);
void gc_model_scope_exit(struct gc_model *m, unsigned int id);
int gc_model_scope_push(struct gc_model *m, unsigned int id, u64 h);
void gc_model_scope_restore(struct gc_model *m, unsigned int id,
			    unsigned int depth);
void gc_model_fix(struct gc_model *m, unsigned int i);
void gc_model_unfix(struct gc_model *m, unsigned int i);

unsigned int gc_model_reach(struct gc_model *m);
int gc_model_finalized(struct gc_model *m, u64 h);

#endif /* CKREMM_GC_MODEL_H */
