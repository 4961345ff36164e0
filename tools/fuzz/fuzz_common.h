/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_common.h - what both pool fuzzers share: reading operations out of
 * a fuzzer's input, the trace of decoded operations and the failure
 * report; fuzz_common.c runs the operations a fuzzer's table names.  The
 * fill patterns come with the reference models
 * (ckremm/model/model_pattern.h).
 *
 * An input is read front to back; once it is used up every read returns
 * zero, so any input decodes to some finite sequence of operations.
 *
 * FUZZ_TRACE=1 in the environment prints every decoded operation and its
 * outcome on stderr: run a fuzzer on one saved input to see what it did.
 */
#ifndef CKREMM_FUZZ_COMMON_H
#define CKREMM_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_pattern.h"

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline bool in_more(const struct fuzz_in *in)
{
	return in->n > 0;
}

static inline uint8_t in_u8(struct fuzz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t in_u16(struct fuzz_in *in)
{
	uint16_t lo = in_u8(in);

	return lo | (uint16_t)in_u8(in) << 8;
}

static inline uint32_t in_u32(struct fuzz_in *in)
{
	uint32_t lo = in_u16(in);

	return lo | (uint32_t)in_u16(in) << 16;
}

/*
 * A request size from two bytes: the top two bits pick a range (up to 64
 * bytes, 1 KiB, 16 KiB, or a share of @arena up to a little past it), so
 * small blocks are common and whole-arena requests possible.  0 happens.
 */
static inline size_t in_size(struct fuzz_in *in, size_t arena)
{
	uint16_t v = in_u16(in);

	switch (v >> 14) {
	case 0:
		return v & 63;
	case 1:
		return v & 1023;
	case 2:
		return v & 16383;
	default:
		return (size_t)(v & 0x3fff) * (arena + 64) / 0x3fff;
	}
}

/* Operation counter and name, for the failure report and the trace. */
extern unsigned long fuzz_op;
extern const char *fuzz_op_name;
extern bool fuzz_trace;

/* Before a new input's pool is made: no operation has run yet. */
static inline void fuzz_begin(void)
{
	fuzz_op = 0;
	fuzz_op_name = NULL;
}

#define TRACE(...) do {							\
	if (fuzz_trace)							\
		fprintf(stderr, __VA_ARGS__);				\
} while (0)

/* A broken promise: say which operation broke it and crash. */
__attribute__((noreturn, format(printf, 3, 4)))
static inline void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FUZZ FAIL %s:%d at op %lu (%s): ", file, line,
		fuzz_op, fuzz_op_name ? fuzz_op_name : "create");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define FAIL(...) fuzz_fail(__FILE__, __LINE__, __VA_ARGS__)
#define EXPECT(cond, fmt, ...) do {					\
	if (!(cond))							\
		FAIL("%s: " fmt, #cond, ##__VA_ARGS__);			\
} while (0)

/*
 * One call of a pool's walk: up to @max extents from *@cursor into the
 * array at @out, which starts @n extents into the caller's array.
 */
typedef unsigned int (*fuzz_walk_fn)(size_t *cursor, size_t n,
				     unsigned int max);

/*
 * Walks a whole arena of @size bytes through @walk, at most @chunk
 * extents a call, into an array with room for @cap: each call must make
 * progress and the last must end at the arena's end.  Returns how many
 * extents the walk gave.
 */
static inline size_t walk_all_with(fuzz_walk_fn walk, size_t size, size_t cap,
				   unsigned int chunk)
{
	size_t cursor = 0, n = 0, room;
	unsigned int got;

	do {
		room = cap - n;
		got = walk(&cursor, n, room < chunk ? (unsigned int)room : chunk);
		n += got;
		if (cursor < size)
			EXPECT(got && n < cap,
			       "walk stalled at cursor %zu after %zu extents",
			       cursor, n);
	} while (cursor < size);
	EXPECT(cursor == size, "walk ended at cursor %zu", cursor);
	return n;
}

/*
 * A request beyond the arena may be refused as impossible or fail for
 * lack of space: of the counters a model expects (*@failed, *@refused),
 * exactly one must have grown, by one, to the pool's @now_failed and
 * @now_refused, which the model then takes.
 */
static inline void either_counted_in(size_t *failed, size_t *refused,
				     size_t now_failed, size_t now_refused)
{
	EXPECT(now_failed + now_refused == *failed + *refused + 1 &&
	       now_failed >= *failed && now_refused >= *refused,
	       "failed %zu refused %zu, before %zu %zu", now_failed,
	       now_refused, *failed, *refused);
	*failed = now_failed;
	*refused = now_refused;
}

/*
 * One kind of operation: its name, for the report and the trace, and what
 * runs it.  A fuzzer's table of these is indexed by the operation's number,
 * which its saved inputs name.
 */
struct fuzz_op_kind {
	const char *name;
	void (*run)(struct fuzz_in *in);
};

/*
 * How a fuzzer runs one operation of @kind and checks its pool after it:
 * @kind->run(@in), unless the pool's state calls for something else.
 */
typedef void (*fuzz_step_fn)(const struct fuzz_op_kind *kind,
			     struct fuzz_in *in);

/*
 * Reads operations from @in until it is used up or @max_ops have run: a
 * byte picks one of the @nkinds in @kinds, which is counted in fuzz_op,
 * named in fuzz_op_name and the trace, and handed to @step.
 */
void fuzz_run_ops(struct fuzz_in *in, const struct fuzz_op_kind *kinds,
		  unsigned int nkinds, unsigned long max_ops, fuzz_step_fn step);

static inline size_t round16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

static inline bool is_pow2(size_t n)
{
	return n && !(n & (n - 1));
}

extern unsigned long ckremm_host_warnings;

#endif /* CKREMM_FUZZ_COMMON_H */
