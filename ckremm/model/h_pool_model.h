/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * h_pool_model.h - the reference model of a header pool.
 *
 * What a header pool must hold after any sequence of calls, kept the
 * plain way: an array of the live blocks (address, request, alignment,
 * usable size and the exact bytes the usable part must hold), a map from
 * each 16-byte granule of the arena to the block whose payload starts
 * there, the last pointers freed, and the figures the pool's statistics
 * must agree with.  The model makes no call on the pool and asserts
 * nothing: the host tests, the fuzzer and KUnit drive the pool, tell the
 * model what happened, and judge what the model answers with their own
 * checks.
 *
 * A new block gets a fresh pattern in the model; its user writes the
 * block's bytes to the pool (directly or through h_pool_write()).  Every
 * write, clean and move the user makes is told to the model, so that
 * h_model_diff() can say at any time whether the pool still holds what
 * it must.
 *
 * Built in the kernel (KUnit) and on the host (tests, fuzzers); needs
 * nothing but the port layer and the pool's public header.
 */
#ifndef CKREMM_H_POOL_MODEL_H
#define CKREMM_H_POOL_MODEL_H

#include "ckremm_port.h"
#include <ckremm/h_pool.h>

#include "model_pattern.h"

/* Pointers freed last, kept for stale-pointer misuse. */
#define H_MODEL_STALE	64

struct h_model_block {
	u8 *ptr;
	size_t req;		/* the last size asked for */
	size_t align;		/* effective: H_POOL_MIN_ALIGN or more */
	size_t usable;
	u8 *bytes;		/* what the usable bytes must hold */
};

struct h_model {
	u8 *base;		/* the arena */
	size_t arena;
	struct h_model_block *b;
	unsigned int n;		/* live blocks: b[0] to b[n - 1] */
	unsigned int max;
	/* per granule: 1 + index of the block whose payload starts there */
	u32 *owner;
	void *stale[H_MODEL_STALE];
	unsigned int n_stale, stale_next;
	size_t used_bytes;	/* usable + header over live blocks */
	size_t peak;		/* the most used_bytes ever, also inside a call */
	size_t failed;		/* what stats.failed_allocs must say */
	size_t refused;		/* what stats.refused_calls must say */
	u64 tag;		/* the last pattern handed out */
};

int h_model_init(struct h_model *m, struct h_pool *pool, unsigned int max,
		 u64 seed);
void h_model_destroy(struct h_model *m);

struct h_model_block *h_model_add(struct h_model *m, void *ptr, size_t req,
				  size_t align, size_t usable);
void h_model_remove(struct h_model *m, unsigned int i);
int h_model_find(const struct h_model *m, const void *ptr);
void *h_model_stale(const struct h_model *m, unsigned int pick);

size_t h_model_realloc_keeps(const struct h_model_block *b, const void *ptr,
			     size_t req, size_t usable);
int h_model_resize(struct h_model *m, unsigned int i, void *ptr, size_t req,
		   size_t usable, size_t keep);

void h_model_refill(struct h_model *m, unsigned int i, size_t from);
void h_model_write(struct h_model *m, unsigned int i, size_t pos,
		   const void *buf, size_t len);
void h_model_clean(struct h_model *m, unsigned int i);
size_t h_model_diff(const struct h_model *m, unsigned int i, const void *buf,
		    size_t pos, size_t len);

int h_model_overlap_at(const struct h_model *m, const void *ptr,
		       size_t usable, int self);
int h_model_overlap(const struct h_model *m, unsigned int i);
void h_model_note_peak(struct h_model *m, size_t extra);
size_t h_model_match_walk(const struct h_model *m,
			  const struct h_pool_extent *ext, size_t n);

#endif /* CKREMM_H_POOL_MODEL_H */
