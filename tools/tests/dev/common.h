/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every test program of /dev/ckremm shares: TAP output, errno names
 * and, for the programs that run several processes for a bounded time,
 * their common options.
 */
#ifndef DEV_TEST_COMMON_H
#define DEV_TEST_COMMON_H

#include <stdbool.h>

/* A diagnostic line, printed as a TAP comment. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "EINVAL" for -EINVAL or EINVAL, "0" for 0. */
const char *errno_name(int err);

/* The next numbered TAP result. */
void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Exit status of a program that announced @plan results: 0 if all of
 * them were printed and passed, else 1. */
int tap_status(unsigned int plan);

/**
 * struct run_opts - how long and how wide a multi-process test runs
 * @procs: processes, -p (1..the program's maximum)
 * @count: operations or requests per process, -n (at least 1)
 * @seconds: time limit per process, -t (at least 1)
 * @seed: -s
 */
struct run_opts {
	unsigned int procs;
	unsigned long count;
	unsigned int seconds;
	unsigned long long seed;
};

/*
 * Parse -p, -n, -t, -s and -h into @o, which holds the defaults.  Returns
 * -1 to go on, or the status main() should exit with: 0 after -h, 2 after
 * a bad argument (@usage printed to stdout or stderr).
 */
int run_opts_parse(struct run_opts *o, unsigned int max_procs, int argc,
		   char **argv, const char *usage);

/*
 * Destroy every named pool @fd lists whose name starts with @prefix (a
 * run's own prefix); returns how many there were, or -1 if LIST failed.
 */
int destroy_named_pools(int fd, const char *prefix);

/* The number at the start of file @path (a module parameter, say). */
bool read_ull(const char *path, unsigned long long *v);

/* Write @s to @path; 0 or -errno. */
int write_str(const char *path, const char *s);

/* Capabilities in effect, from /proc/self/status; ~0 if unreadable. */
unsigned long long cap_eff(void);

/*
 * Whether the loaded module has a codec for a pager's store: it exports
 * ckremm_codec_lz4 only when built with CONFIG_CKREMM_LZ4.
 */
bool module_has_lz4(void);

/*
 * The block requests of ABI version 1, encoded (direction, number, size)
 * as a program built for it sends them; version 2 answers them EPROTO.
 */
struct v1_request {
	const char *name;
	unsigned long cmd;
};
extern const struct v1_request v1_requests[];
extern const unsigned int v1_request_count;

/* A 64-bit mixer (the finaliser of MurmurHash3): patterns from keys. */
static inline unsigned long long mix64(unsigned long long x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

#endif /* DEV_TEST_COMMON_H */
