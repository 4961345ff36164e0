// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckremmctl pager: the pager of a named table pool, one subcommand per
 * request (attach, detach, purge).  What the pager did is part of
 * "ckremmctl stats", and the space it gave back of "ckremmctl map".
 *
 * The pager belongs to the pool, not to the command: it keeps working
 * after "pager attach" exits, until "pager detach" or the pool's end.
 */
#include <errno.h>
#include <stdlib.h>

#include "ckremmctl.h"

static int pager_attach(struct ctl *ctl, int argc, char **argv);
static int pager_detach(struct ctl *ctl, int argc, char **argv);
static int pager_purge(struct ctl *ctl, int argc, char **argv);

#define PAGER_COMMON_HELP \
	"  -j, --json          print JSON instead of text\n" \
	"  -h, --help          show this help\n"

/* Each subcommand as a verb: its name is "pager SUB", for help and errors. */
static const struct verb pager_subs[] = {
	{
		"pager attach", pager_attach,
		"pager attach NAME [--period MS] [--decay N] [--keep SIZE] [--min SIZE] [--step SIZE] [--reorder [SIZE]] [--store SIZE [--free-target SIZE]]",
		"give a table pool's free pages back when they stay free",
		"Every period the pager looks at the pool; the free pages at the\n"
		"top of its arena that stayed free for N periods (at most 2N) go\n"
		"back to the kernel and out of the pool's memory cgroup charge.\n\n"
		"  -p, --period MS     milliseconds between two looks, 1..60000\n"
		"                      (default 100)\n"
		"  -D, --decay N       periods a page stays free before it goes back,\n"
		"                      1..1000 (default 10)\n"
		"  -k, --keep SIZE     free bytes kept above the highest block\n"
		"  -m, --min SIZE      give back nothing less than this at a time\n"
		"  -s, --step SIZE     most bytes given back per hold of the pool\n"
		"                      (default 256K)\n"
		"  -r, --reorder[=SIZE]\n"
		"                      also compact the pool once nobody changed it\n"
		"                      for N periods, SIZE bytes moved at most per\n"
		"                      period (default 256K): only for pools whose\n"
		"                      users keep handles, never offsets\n"
		"  -S, --store SIZE    also page the least recently used blocks out\n"
		"                      to a compressed store (LZ4) of SIZE bytes, so\n"
		"                      that the pool holds more than its arena; only\n"
		"                      on a pool with no block yet, and for good: the\n"
		"                      pager cannot be detached then\n"
		"  -F, --free-target SIZE\n"
		"                      with --store: page out every period while\n"
		"                      fewer than SIZE bytes of the arena are free\n"
		PAGER_COMMON_HELP,
	},
	{
		"pager detach", pager_detach,
		"pager detach NAME",
		"stop the pool's pager",
		"Every page given back is taken again (and charged again).  A pool\n"
		"with a store keeps its pager.\n\n"
		PAGER_COMMON_HELP,
	},
	{
		"pager purge", pager_purge,
		"pager purge NAME [--keep SIZE] [--budget SIZE]",
		"give the free pages at the top of the pool back now",
		"What the pager would give back later, given back now, however\n"
		"short a time it was free; 'ckremmctl reorder NAME' first gathers\n"
		"the free space at the top.\n\n"
		"  -k, --keep SIZE     free bytes kept above the highest block\n"
		"  -b, --budget SIZE   most bytes given back (default: all)\n"
		PAGER_COMMON_HELP,
	},
};

#define NSUBS (sizeof(pager_subs) / sizeof(pager_subs[0]))

const struct verb *pager_find_sub(const char *name)
{
	return find_sub(pager_subs, NSUBS, name);
}

int verb_pager(struct ctl *ctl, int argc, char **argv)
{
	return run_sub(ctl, argc, argv, pager_subs, NSUBS);
}

static const struct errno_hint pager_hints[] = {
	{ EOPNOTSUPP, "the pager works on table pools only (ckremmctl create %1$s --kind table), in a kernel and module that can give pages back; a store needs a module built with LZ4 and a pool without a collector" },
	{ ENODEV, "%1$s has no pager: ckremmctl pager attach %1$s" },
	{ EEXIST, "%1$s has a pager already: ckremmctl pager detach %1$s first" },
	{ EBUSY, "another purge of %1$s was under way (try again); or a store: one is given only to a pool with no block yet, and keeps its pager" },
	{ E2BIG, "the pool's arena and its store together exceed the module's max_pool_size" },
	{ ENOTTY, "the module is older than the pager: load this version's ckremm.ko" },
	{ EINVAL, "see ckremmctl help pager" },
	{ 0, NULL },
};

static int pager_fail(const struct ckremm_pool *pool, int err,
		      const char *what)
{
	return pool_fail(pool, err, find_hint(pager_hints, err, pool->name),
			 "%s", what);
}

/* "NAME: WORD" or {"pool": NAME, "pager": @attached}. */
static void print_attached(struct ctl *ctl, const struct ckremm_pool *pool,
			   bool attached)
{
	if (ctl->json) {
		json_begin();
		json_str("pool", pool->name);
		json_bool("pager", attached);
		json_end();
	} else {
		printf("%s: %s\n", pool->name,
		       attached ? "paged" : "pager detached");
	}
}

static int pager_attach(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "decay", required_argument, NULL, 'D' },
		{ "keep", required_argument, NULL, 'k' },
		{ "min", required_argument, NULL, 'm' },
		{ "step", required_argument, NULL, 's' },
		{ "reorder", optional_argument, NULL, 'r' },
		{ "store", required_argument, NULL, 'S' },
		{ "free-target", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct ckremm_pager_setup s = { 0 };
	struct ckremm_pool pool;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1) {
		switch (c) {
		case 'p':
			s.period_ms = arg_range(ctl, "--period", optarg, 1,
						CKREMM_PAGER_PERIOD_MAX);
			break;
		case 'D':
			s.decay_ticks = arg_range(ctl, "--decay", optarg, 1,
						  CKREMM_PAGER_DECAY_MAX);
			break;
		case 'k':
			s.keep_bytes = arg_size(ctl, "--keep", optarg);
			break;
		case 'm':
			s.min_bytes = arg_size(ctl, "--min", optarg);
			break;
		case 's':
			s.step_bytes = arg_size(ctl, "--step", optarg);
			break;
		case 'r':
			s.flags |= CKREMM_PAGER_REORDER;
			if (optarg)
				s.reorder_bytes = arg_size(ctl, "--reorder",
							   optarg);
			break;
		case 'S':
			s.store_bytes = arg_size(ctl, "--store", optarg);
			break;
		case 'F':
			s.free_target = arg_size(ctl, "--free-target", optarg);
			break;
		}
	}
	if (s.free_target && !s.store_bytes)
		ctl_usage(ctl, "--free-target needs --store");
	want_args(ctl, argc, argv, "NAME");
	ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;
	ret = ckremm_pager_attach(&pool, &s);
	if (ret)
		return pager_fail(&pool, ret, "pager attach");
	print_attached(ctl, &pool, true);
	return EXIT_OK;
}

static int pager_detach(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_pool pool;
	int ret;

	ctl_no_options(ctl, argc, argv);
	want_args(ctl, argc, argv, "NAME");
	ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;
	ret = ckremm_pager_detach(&pool);
	if (ret)
		return pager_fail(&pool, ret, "pager detach");
	print_attached(ctl, &pool, false);
	return EXIT_OK;
}

static int pager_purge(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keep", required_argument, NULL, 'k' },
		{ "budget", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	__u64 keep = 0, budget = 0, purged = 0;
	struct ckremm_stats st;
	struct ckremm_pool pool;
	char a[32], b[32];
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1) {
		if (c == 'k')
			keep = arg_size(ctl, "--keep", optarg);
		else if (c == 'b')
			budget = arg_size(ctl, "--budget", optarg);
	}
	want_args(ctl, argc, argv, "NAME");
	ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;
	ret = ckremm_pager_purge(&pool, keep, budget, &purged);
	if (ret)
		return pager_fail(&pool, ret, "pager purge");
	ret = ckremm_stats(&pool, &st);
	if (ret)
		return pool_fail(&pool, ret, NULL, "stats");
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64("purged_bytes", purged);
		json_u64("committed_bytes", st.committed_bytes);
		json_end();
	} else {
		printf("%s: gave back %llu bytes (%s); %llu bytes (%s) committed\n",
		       pool.name, (unsigned long long)purged,
		       fmt_bytes(purged, a, sizeof(a)),
		       (unsigned long long)st.committed_bytes,
		       fmt_bytes(st.committed_bytes, b, sizeof(b)));
	}
	return EXIT_OK;
}
