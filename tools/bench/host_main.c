// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_host: the host-side ckremm benchmarks (figures 1, 4, 5 and 7 of
 * tools/bench/README.md).  Prints raw figures as CSV; see bench_host.h.
 */
#include <stdarg.h>
#include <time.h>

#include "bench_host.h"

static const char usage[] =
	"usage: bench_host <benchmark> [options]\n"
	"\n"
	"benchmarks:\n"
	"  speed      ns per operation on one trace: h_pool, h_pool_cache, t_pool,\n"
	"             glibc\n"
	"  icount     one replay of one allocator (--only), for callgrind\n"
	"  frag       occupancy at the first failed allocation\n"
	"  reorder    t_pool compaction throughput against memmove\n"
	"  overhead   metadata bytes per block and per pool\n"
	"\n"
	"options (defaults in brackets):\n"
	"  --runs N        measured runs per figure [7]\n"
	"  --ops N         steps of the speed trace [2097152]\n"
	"  --live N        live blocks of the speed trace [32768]\n"
	"  --arena BYTES   arena of the speed and reorder pools [64 MiB]\n"
	"  --seeds N       fragmentation seeds per size range [20]\n"
	"  --frag-arena B  fragmentation arena [8 MiB]\n"
	"  --seed N        first random seed [1]\n"
	"  --only NAME     icount: h_pool, h_pool_cache (H_POOL_CACHE),\n"
	"                  h_pool_keyed (H_POOL_KEYED), t_pool or glibc\n";

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench_host: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void *bench_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		bench_die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

/*
 * The CPU time of this thread, not the wall clock: on a shared machine the
 * wall clock also counts the time other processes held the CPU, which is
 * not the allocator's.  Cache and memory-bandwidth contention still show.
 */
u64 bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

void bench_row(const char *figure, const char *series, const char *metric,
	       const char *unit, unsigned int run, double value)
{
	printf("%s,%s,%s,%s,%u,%.6g\n", figure, series, metric, unit, run,
	       value);
	fflush(stdout);
}

int bench_trace_alloc(struct bench_trace *t, const struct bench_opts *o)
{
	struct bench_trace_shape shape = {
		.ops = o->ops, .live = o->live, .lo = 16, .k = 8,
		.seed = o->seed,
	};
	u32 *scratch;

	if (o->ops < 2 * o->live)
		bench_die("--ops must be at least twice --live");
	t->slots = bench_trace_slots(&shape);
	t->ops = bench_xcalloc((size_t)o->ops + 1, sizeof(*t->ops));
	scratch = bench_xcalloc(t->slots, sizeof(*scratch));
	t->count = bench_trace_make(&shape, t->ops, scratch);
	free(scratch);
	t->digest = bench_trace_digest(t->ops, t->count);
	printf("# trace: %u steps, %u slots, sizes 16..4096 log-uniform, seed %llu, digest %016llx\n",
	       t->count, t->slots, (unsigned long long)o->seed,
	       (unsigned long long)t->digest);
	return 0;
}

void bench_trace_free(struct bench_trace *t)
{
	free(t->ops);
	t->ops = NULL;
}

static unsigned long long parse_number(const char *opt, const char *arg)
{
	unsigned long long v;
	char *end;

	if (!arg)
		bench_die("%s needs a value", opt);
	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end)
		bench_die("%s: not a number: %s", opt, arg);
	return v;
}

int main(int argc, char **argv)
{
	struct bench_opts o = {
		.runs = 7,
		.ops = 1U << 21,
		.live = 32768,
		.arena = 64UL << 20,
		.seeds = 20,
		.frag_arena = 8UL << 20,
		.seed = 1,
	};
	const char *what;
	int i;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	what = argv[1];
	for (i = 2; i < argc; i++) {
		const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(opt, "--runs"))
			o.runs = (unsigned int)parse_number(opt, arg);
		else if (!strcmp(opt, "--ops"))
			o.ops = (u32)parse_number(opt, arg);
		else if (!strcmp(opt, "--live"))
			o.live = (u32)parse_number(opt, arg);
		else if (!strcmp(opt, "--arena"))
			o.arena = (size_t)parse_number(opt, arg);
		else if (!strcmp(opt, "--seeds"))
			o.seeds = (unsigned int)parse_number(opt, arg);
		else if (!strcmp(opt, "--frag-arena"))
			o.frag_arena = (size_t)parse_number(opt, arg);
		else if (!strcmp(opt, "--seed"))
			o.seed = parse_number(opt, arg);
		else if (!strcmp(opt, "--only") && arg)
			o.only = arg;
		else {
			fprintf(stderr, "bench_host: unknown option %s\n%s", opt, usage);
			return 2;
		}
		i++;
	}
	if (!o.runs || !o.seeds || !o.live)
		bench_die("--runs, --seeds and --live must be at least 1");

	if (!strcmp(what, "speed"))
		return bench_speed(&o);
	if (!strcmp(what, "icount"))
		return bench_icount(&o);
	if (!strcmp(what, "frag"))
		return bench_frag(&o);
	if (!strcmp(what, "reorder"))
		return bench_reorder(&o);
	if (!strcmp(what, "overhead"))
		return bench_overhead(&o);
	fprintf(stderr, "bench_host: unknown benchmark %s\n%s", what, usage);
	return 2;
}
