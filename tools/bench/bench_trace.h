/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The allocation traces the benchmarks replay, generated the same way on
 * the host and in the kernel module so that every allocator, in either
 * place, sees the same sequence of requests.
 *
 * A trace is an array of operations on numbered slots: "allocate @size
 * bytes into slot i" or "free the block in slot i".  Sizes are
 * log-uniform (every power of two between the bounds is equally likely)
 * and blocks are freed in random order.  The generator uses integers
 * only, so that the kernel can run it without the FPU.
 *
 * Outside the kernel, include this after a header that defines u32 and
 * u64 (ckremm_port.h does).
 */
#ifndef CKREMM_BENCH_TRACE_H
#define CKREMM_BENCH_TRACE_H

#ifdef __KERNEL__
#include <linux/types.h>
#endif

/**
 * struct bench_op - one step of a trace
 * @slot: the slot the step acts on, below the trace's slot count
 * @size: bytes to allocate into @slot, or 0 to free the block in it
 */
struct bench_op {
	u32 slot;
	u32 size;
};

/*
 * splitmix64: small, fast, and identical wherever it runs (the host tests'
 * seeded generator is this one too).
 */
static inline u64 splitmix64_next(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct bench_rng {
	u64 state;
};

static inline void bench_rng_seed(struct bench_rng *rng, u64 seed)
{
	rng->state = seed;
}

static inline u64 bench_rng_next(struct bench_rng *rng)
{
	return splitmix64_next(&rng->state);
}

/* Uniform in [0, @n), @n >= 1, by multiply-shift (bias below 2^-32). */
static inline u32 bench_rng_below(struct bench_rng *rng, u32 n)
{
	return (u32)(((bench_rng_next(rng) >> 32) * n) >> 32);
}

/*
 * 2^(j/16) in 16.16 fixed point for j = 0..16: the fractional powers of
 * two between which bench_log_uniform() interpolates (error below 0.03%).
 */
static const u32 bench_exp2_q16[17] = {
	65536, 68438, 71468, 74632, 77936, 81386, 84990, 88752, 92682,
	96785, 101070, 105545, 110218, 115098, 120194, 125515, 131072,
};

/*
 * A size in [@lo, @hi) whose logarithm is uniform: @lo << (k * t) for t
 * uniform in [0, 1), where @hi == @lo << @k.  2^fraction comes from the
 * table above, interpolated over the low 12 bits of the fraction.
 */
static inline u32 bench_log_uniform(struct bench_rng *rng, u32 lo,
				    unsigned int k)
{
	u64 e = (bench_rng_next(rng) >> 32) * k;	/* 32.32 exponent */
	u32 whole = (u32)(e >> 32);
	u32 frac = (u32)(e >> 16) & 0xffff;		/* 16-bit fraction */
	u32 j = frac >> 12, rest = frac & 0xfff;
	u64 mant = bench_exp2_q16[j] +
		   (((u64)(bench_exp2_q16[j + 1] - bench_exp2_q16[j]) *
		     rest) >> 12);

	return (u32)(((u64)lo << whole) * mant >> 16);
}

/**
 * struct bench_trace_shape - what bench_trace_make() generates
 * @ops: steps wanted in all; the trace may be one longer
 * @live: live blocks around which the steady phase hovers
 * @lo: smallest size, bytes
 * @k: sizes are below @lo << @k
 * @seed: the random stream; the same seed gives the same trace
 *
 * The trace first allocates @live blocks, then allocates with
 * probability (2 * @live - live now) / (2 * @live) and otherwise frees a
 * random live block, which keeps the live count near @live and never
 * above 2 * @live, and ends by freeing every block left, in random order.
 */
struct bench_trace_shape {
	u32 ops;
	u32 live;
	u32 lo;
	unsigned int k;
	u64 seed;
};

/* Slots a trace of @shape uses, and so the length of its @live array. */
static inline u32 bench_trace_slots(const struct bench_trace_shape *shape)
{
	return 2 * shape->live;
}

/*
 * Free a random live slot: swap it to the end of the live part of @live,
 * which makes it the first free one, and write the step into @op.
 */
static inline void bench_trace_free_one(struct bench_rng *rng,
					struct bench_op *op, u32 *live,
					u32 *nlive)
{
	u32 pick = bench_rng_below(rng, *nlive);
	u32 slot = live[pick];

	live[pick] = live[*nlive - 1];
	live[*nlive - 1] = slot;
	(*nlive)--;
	op->slot = slot;
	op->size = 0;
}

/**
 * bench_trace_make() - generate a trace
 * @shape: its parameters; @shape->ops >= 2 * @shape->live
 * @out: room for @shape->ops + 1 steps
 * @live: scratch room for bench_trace_slots(@shape) slot numbers
 *
 * Return: the number of steps written.
 */
static inline u32 bench_trace_make(const struct bench_trace_shape *shape,
				   struct bench_op *out, u32 *live)
{
	u32 slots = bench_trace_slots(shape);
	u32 n = 0, nlive = 0, i;
	struct bench_rng rng;

	/* live[0..nlive) are live slots; live[nlive..slots) are free ones. */
	for (i = 0; i < slots; i++)
		live[i] = i;
	bench_rng_seed(&rng, shape->seed);

	while (n + nlive < shape->ops) {
		bool alloc = n < shape->live ||
			     bench_rng_below(&rng, slots) >= nlive;

		if (alloc) {
			out[n].slot = live[nlive];
			out[n].size = bench_log_uniform(&rng, shape->lo,
							shape->k);
			nlive++;
		} else {
			bench_trace_free_one(&rng, &out[n], live, &nlive);
		}
		n++;
	}
	while (nlive)
		bench_trace_free_one(&rng, &out[n++], live, &nlive);
	return n;
}

/* A digest of a trace, printed by every replayer so that runs compare. */
static inline u64 bench_trace_digest(const struct bench_op *ops, u32 n)
{
	u64 h = 0xcbf29ce484222325ULL;
	u32 i;

	for (i = 0; i < n; i++) {
		h = (h ^ ops[i].slot) * 0x100000001b3ULL;
		h = (h ^ ops[i].size) * 0x100000001b3ULL;
	}
	return h;
}

#endif /* CKREMM_BENCH_TRACE_H */
