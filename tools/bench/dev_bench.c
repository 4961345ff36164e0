// SPDX-License-Identifier: GPL-2.0-only
/*
 * dev_bench: figure 6, the cost of going through /dev/ckremm.
 *
 * Runs where the ckremm module is loaded (tools/bench/run.sh runs it
 * inside UML) and prints raw figures as CSV rows, like bench_host:
 *
 *   noop        one CKREMM_IOC_VERSION round trip: the ioctl path alone
 *   alloc_free  one CKREMM_IOC_ALLOC and one CKREMM_IOC_FREE of 64 bytes
 *   single64    64 ALLOCs then 64 FREEs, one ioctl each
 *   batch64     one ALLOC_BATCH of 64 and one FREE_BATCH of 64
 *
 *   dev_bench [--runs N] [--iters N] [--device PATH]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/ckremm.h>

#define BLOCK_SIZE	64
#define BATCH		64

struct dev_ctx {
	int fd;
	__u32 pool;
	__u64 blocks[BATCH];
};

static void die(const char *what)
{
	fprintf(stderr, "dev_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void noop(struct dev_ctx *c)
{
	struct ckremm_version v = { 0 };

	if (ioctl(c->fd, CKREMM_IOC_VERSION, &v))
		die("CKREMM_IOC_VERSION");
}

static __u64 alloc_one(struct dev_ctx *c)
{
	struct ckremm_alloc a = { .pool = c->pool, .size = BLOCK_SIZE };

	if (ioctl(c->fd, CKREMM_IOC_ALLOC, &a))
		die("CKREMM_IOC_ALLOC");
	return a.block;
}

static void free_one(struct dev_ctx *c, __u64 block)
{
	struct ckremm_block b = { .pool = c->pool, .block = block };

	if (ioctl(c->fd, CKREMM_IOC_FREE, &b))
		die("CKREMM_IOC_FREE");
}

static void alloc_free(struct dev_ctx *c)
{
	free_one(c, alloc_one(c));
}

static void single64(struct dev_ctx *c)
{
	int i;

	for (i = 0; i < BATCH; i++)
		c->blocks[i] = alloc_one(c);
	for (i = 0; i < BATCH; i++)
		free_one(c, c->blocks[i]);
}

static void batch64(struct dev_ctx *c)
{
	struct ckremm_batch b = {
		.pool = c->pool, .count = BATCH, .size = BLOCK_SIZE,
		.blocks = (__u64)(uintptr_t)c->blocks,
	};

	if (ioctl(c->fd, CKREMM_IOC_ALLOC_BATCH, &b))
		die("CKREMM_IOC_ALLOC_BATCH");
	b.size = 0;
	if (ioctl(c->fd, CKREMM_IOC_FREE_BATCH, &b))
		die("CKREMM_IOC_FREE_BATCH");
}

static const struct {
	const char *series;
	const char *metric;
	void (*fn)(struct dev_ctx *c);
	unsigned int per_iter;	/* iterations per ioctl-count unit */
} cases[] = {
	{ "noop", "ns_per_call", noop, 1 },
	{ "alloc_free", "ns_per_pair", alloc_free, 1 },
	{ "single64", "ns_per_64", single64, BATCH },
	{ "batch64", "ns_per_64", batch64, 1 },
};

static unsigned long number(const char *opt, const char *arg)
{
	char *end;
	unsigned long v;

	if (!arg) {
		fprintf(stderr, "dev_bench: %s needs a value\n", opt);
		exit(2);
	}
	v = strtoul(arg, &end, 0);
	if (end == arg || *end || !v) {
		fprintf(stderr, "dev_bench: %s: not a positive number: %s\n", opt, arg);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *device = "/dev/ckremm";
	unsigned long runs = 7, iters = 20000, i, it;
	struct ckremm_create cr = { .kind = CKREMM_KIND_HEADER, .size = 1 << 20 };
	struct ckremm_version v = { 0 };
	struct dev_ctx c;
	unsigned long run;
	size_t k;
	int n;

	for (n = 1; n < argc; n += 2) {
		const char *arg = n + 1 < argc ? argv[n + 1] : NULL;

		if (!strcmp(argv[n], "--runs"))
			runs = number(argv[n], arg);
		else if (!strcmp(argv[n], "--iters"))
			iters = number(argv[n], arg);
		else if (!strcmp(argv[n], "--device") && arg)
			device = arg;
		else {
			fprintf(stderr, "usage: dev_bench [--runs N] [--iters N] [--device PATH]\n");
			return 2;
		}
	}

	c.fd = open(device, O_RDWR | O_CLOEXEC);
	if (c.fd < 0)
		die(device);
	if (ioctl(c.fd, CKREMM_IOC_VERSION, &v))
		die("CKREMM_IOC_VERSION");
	if (ioctl(c.fd, CKREMM_IOC_CREATE, &cr))
		die("CKREMM_IOC_CREATE");
	c.pool = cr.pool;
	printf("# dev: ABI %u, header pool of %llu bytes, %lu iterations per run, blocks of %d bytes\n",
	       v.abi, (unsigned long long)cr.arena_size, iters, BLOCK_SIZE);

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		for (i = 0; i < iters / 16; i++)
			cases[k].fn(&c);	/* warm-up */
	for (run = 0; run < runs; run++) {
		for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			unsigned long reps = iters / cases[k].per_iter;
			uint64_t t0, t1;

			if (!reps)
				reps = 1;
			t0 = now_ns();
			for (it = 0; it < reps; it++)
				cases[k].fn(&c);
			t1 = now_ns();
			printf("dev,%s,%s,ns,%lu,%.6g\n", cases[k].series,
			       cases[k].metric, run, (double)(t1 - t0) / reps);
			fflush(stdout);
		}
	}
	close(c.fd);
	return 0;
}
