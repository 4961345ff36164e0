/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * t_pool_model.h - the reference model of a table pool.
 *
 * What a table pool must hold after any sequence of calls, kept the plain
 * way: an array of the live blocks (handle, request, size, pins, the
 * address a pinned block stays at, and the exact bytes it must hold), the
 * last handles freed, and the figures the pool's statistics must agree
 * with.  Like the header pool's model (h_pool_model.h) it makes no call
 * on the pool and asserts nothing: the host tests, the fuzzer and KUnit
 * drive the pool, tell the model what happened and judge its answers with
 * their own checks.
 *
 * A new block gets a fresh pattern in the model, which its user writes to
 * the pool; every write, clean, copy, pin and unpin is told to the model,
 * so that t_model_diff() can say at any time, also in the middle of a
 * reorder, whether a block still holds what it must.
 *
 * Built in the kernel (KUnit) and on the host (tests, fuzzers); needs
 * nothing but the port layer and the pool's public header.
 */
#ifndef CKREMM_T_POOL_MODEL_H
#define CKREMM_T_POOL_MODEL_H

#include "ckremm_port.h"
#include <ckremm/t_pool.h>

#include "model_pattern.h"

/* Handles freed last, kept for stale-handle misuse and reuse checks. */
#define T_MODEL_STALE	64

struct t_model_block {
	u64 h;
	size_t req;		/* the size asked for */
	size_t size;		/* what the pool gave: req rounded up */
	unsigned int pins;
	u8 *pinned_at;		/* its address while pinned */
	size_t off;		/* where a user's last walk showed it */
	unsigned long seen;	/* which of the user's walks that was */
	u8 *bytes;		/* what the block must hold */
};

struct t_model {
	struct t_model_block *b;
	unsigned int n;		/* live blocks: b[0] to b[n - 1] */
	unsigned int max;
	unsigned int pinned;	/* blocks with pins */
	size_t used;		/* bytes of live blocks */
	size_t failed;		/* what stats.failed_allocs must say */
	size_t refused;		/* what stats.refused_calls must say */
	u64 stale[T_MODEL_STALE];
	unsigned int n_stale, stale_next;
	u64 tag;		/* the last pattern handed out */
};

int t_model_init(struct t_model *m, unsigned int max, u64 seed);
void t_model_destroy(struct t_model *m);

struct t_model_block *t_model_add(struct t_model *m, u64 h, size_t req);
void t_model_remove(struct t_model *m, unsigned int i);
int t_model_find(const struct t_model *m, u64 h);
bool t_model_was_freed(const struct t_model *m, u64 h);
u64 t_model_stale(const struct t_model *m, unsigned int pick);

void t_model_fill(struct t_model *m, unsigned int i, size_t pos, size_t len);
void t_model_write(struct t_model *m, unsigned int i, size_t pos,
		   const void *buf, size_t len);
void t_model_clean(struct t_model *m, unsigned int i);
void t_model_copy(struct t_model *m, unsigned int dst, unsigned int src);
void t_model_pin(struct t_model *m, unsigned int i, void *at);
void t_model_unpin(struct t_model *m, unsigned int i);
size_t t_model_diff(const struct t_model *m, unsigned int i, const void *buf,
		    size_t pos, size_t len);

#endif /* CKREMM_T_POOL_MODEL_H */
