/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host benchmarks of the ckremm pools: shared declarations.
 *
 * Every benchmark prints its raw figures to stdout as CSV rows
 *
 *	figure,series,metric,unit,run,value
 *
 * one per measured run, and comments starting with '#'.  Medians, ratios
 * and the summary table are made from these rows by tools/bench/run.sh,
 * the same way for the host figures and for those of the kernel module.
 */
#ifndef CKREMM_BENCH_HOST_H
#define CKREMM_BENCH_HOST_H

#include "ckremm_port.h"
#include "bench_trace.h"

#define BENCH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Options shared by the benchmarks; each uses the ones it needs. */
struct bench_opts {
	unsigned int runs;	/* measured runs (medians are taken over them) */
	u32 ops;		/* steps of the speed trace */
	u32 live;		/* live blocks the speed trace hovers around */
	size_t arena;		/* arena bytes of the pools */
	unsigned int seeds;	/* fragmentation: seeds per size range */
	size_t frag_arena;	/* fragmentation: arena bytes */
	u64 seed;		/* first seed of every random stream */
	const char *only;	/* icount: the one allocator to replay */
};

/* The speed trace of figure 1, shared by speed, icount and overhead. */
struct bench_trace {
	struct bench_op *ops;
	u32 count;
	u32 slots;
	u64 digest;
};

int bench_trace_alloc(struct bench_trace *t, const struct bench_opts *o);
void bench_trace_free(struct bench_trace *t);

u64 bench_now_ns(void);
void bench_row(const char *figure, const char *series, const char *metric,
	       const char *unit, unsigned int run, double value);
void *bench_xcalloc(size_t n, size_t size);
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						    noreturn));

int bench_speed(const struct bench_opts *o);
int bench_icount(const struct bench_opts *o);
int bench_frag(const struct bench_opts *o);
int bench_reorder(const struct bench_opts *o);
int bench_overhead(const struct bench_opts *o);

#endif /* CKREMM_BENCH_HOST_H */
