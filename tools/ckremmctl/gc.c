// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckremmctl gc: the garbage collector of a named table pool, one
 * subcommand per request (attach, type, alloc, root, step, collect,
 * stats).
 *
 * Each command is a process of its own, and its pins die with it: an
 * object that "gc alloc" makes must outlive the command, so it is always
 * stored in a root slot (--slot), and other objects reach it from there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ckremmctl.h"

static int gc_attach(struct ctl *ctl, int argc, char **argv);
static int gc_type(struct ctl *ctl, int argc, char **argv);
static int gc_alloc(struct ctl *ctl, int argc, char **argv);
static int gc_root(struct ctl *ctl, int argc, char **argv);
static int gc_step(struct ctl *ctl, int argc, char **argv);
static int gc_collect(struct ctl *ctl, int argc, char **argv);
static int gc_stats(struct ctl *ctl, int argc, char **argv);

#define GC_COMMON_HELP \
	"  -j, --json          print JSON instead of text\n" \
	"  -h, --help          show this help\n"

/* Each subcommand as a verb: its name is "gc SUB", for help and errors. */
static const struct verb gc_subs[] = {
	{
		"gc attach", gc_attach,
		"gc attach NAME [--manual] [--roots N] [--max-types N] [--max-pins N] [--trigger PERCENT] [--budget N]",
		"put a collector in charge of an empty table pool",
		"  -M, --manual        no collection paid by allocations: only 'gc step'\n"
		"                      and 'gc collect' collect\n"
		"  -R, --roots N       root slots (default 16)\n"
		"  -T, --max-types N   most types, the two built-in ones included\n"
		"                      (default 16)\n"
		"  -P, --max-pins N    most objects pinned at once (default 64)\n"
		"  --trigger PERCENT   a cycle starts when this percentage of the live\n"
		"                      bytes was allocated since the last (default 100)\n"
		"  -b, --budget N      work of a paced step (default 512)\n"
		GC_COMMON_HELP,
	},
	{
		"gc type", gc_type,
		"gc type NAME MAP [--repeat]",
		"register a type, print its id",
		"MAP is one character per 8-byte word of an object: 1 if the word\n"
		"holds a handle, 0 if not (e.g. 0110).\n\n"
		"  -r, --repeat        the map repeats over the whole object (arrays)\n"
		GC_COMMON_HELP,
	},
	{
		"gc alloc", gc_alloc,
		"gc alloc NAME SIZE --slot N [--type TYPE]",
		"allocate a zeroed object into a root slot, print its handle",
		"  -s, --slot N        the root slot that keeps it alive\n"
		"  -t, --type TYPE     0 (every word that is a live handle is one, the\n"
		"                      default), 1 (no handles) or an id 'gc type' printed\n"
		GC_COMMON_HELP,
	},
	{
		"gc root", gc_root,
		"gc root NAME SLOT [HANDLE]",
		"print a root slot, or set it",
		"Without HANDLE, print the handle SLOT holds (0: empty). With HANDLE,\n"
		"store it there (0 empties the slot); what the slot held before is\n"
		"no longer kept alive by it.\n\n"
		GC_COMMON_HELP,
	},
	{
		"gc step", gc_step,
		"gc step NAME [--budget N]",
		"do one bounded step of collection",
		"  -b, --budget N      most work (default: the collector's step budget)\n"
		GC_COMMON_HELP,
	},
	{
		"gc collect", gc_collect,
		"gc collect NAME",
		"free every object dead now, compact the pool",
		GC_COMMON_HELP,
	},
	{
		"gc stats", gc_stats,
		"gc stats NAME",
		"print the collector's figures",
		GC_COMMON_HELP,
	},
};

#define NSUBS (sizeof(gc_subs) / sizeof(gc_subs[0]))

const struct verb *gc_find_sub(const char *name)
{
	return find_sub(gc_subs, NSUBS, name);
}

int verb_gc(struct ctl *ctl, int argc, char **argv)
{
	return run_sub(ctl, argc, argv, gc_subs, NSUBS);
}

static const struct errno_hint gc_hints[] = {
	{ EOPNOTSUPP, "the collector works on table pools only (ckremmctl create %1$s --kind table), in a module built with it" },
	{ ENODEV, "%1$s has no collector: ckremmctl gc attach %1$s" },
	{ EEXIST, "%1$s has a collector already: see ckremmctl gc stats %1$s" },
	{ EBUSY, "a collector takes an empty pool only: create a new one" },
	{ ENOSPC, "the collector is full: attach it with more --max-types or --max-pins" },
	{ EINVAL, "see ckremmctl help gc" },
	{ 0, NULL },
};

static int gc_fail(const struct ckremm_pool *pool, int err, const char *what)
{
	return pool_fail(pool, err, find_hint(gc_hints, err, pool->name),
			 "%s", what);
}

static int gc_attach(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "manual", no_argument, NULL, 'M' },
		{ "roots", required_argument, NULL, 'R' },
		{ "max-types", required_argument, NULL, 'T' },
		{ "max-pins", required_argument, NULL, 'P' },
		{ "trigger", required_argument, NULL, 'g' },
		{ "budget", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct ckremm_gc_setup g = { 0 };
	struct ckremm_pool pool;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1) {
		switch (c) {
		case 'M':
			g.flags |= CKREMM_GC_ATTACH_MANUAL;
			break;
		case 'R':
			g.roots = arg_range(ctl, "--roots", optarg, 1, 65536);
			break;
		case 'T':
			g.max_types = arg_range(ctl, "--max-types", optarg, 3,
						CKREMM_GC_TYPES_MAX);
			break;
		case 'P':
			g.max_pins = arg_range(ctl, "--max-pins", optarg, 1,
					       65535);
			break;
		case 'g':
			g.trigger_percent = arg_range(ctl, "--trigger", optarg,
						      1, 10000);
			break;
		case 'b':
			g.step_budget = arg_range(ctl, "--budget", optarg, 1,
						  CKREMM_GC_BUDGET_MAX);
			break;
		}
	}
	want_args(ctl, argc, argv, "NAME");
	ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;
	ret = ckremm_gc_attach(&pool, &g);
	if (ret)
		return gc_fail(&pool, ret, "gc attach");
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_bool("collected", true);
		json_end();
	} else {
		printf("%s: collected\n", pool.name);
	}
	return EXIT_OK;
}

static int gc_type(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repeat", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct ckremm_pool pool;
	__u32 flags = 0, type;
	const char *map;
	__u64 *bits;
	size_t words, i;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1) {
		if (c == 'r')
			flags |= CKREMM_GC_LAYOUT_REPEAT;
	}
	want_args(ctl, argc, argv, "NAME MAP");
	map = argv[optind + 1];
	words = strlen(map);
	if (!words || words > CKREMM_GC_MAP_WORDS_MAX ||
	    strspn(map, "01") != words)
		ctl_usage(ctl, "MAP must be 1 to %u characters 0 or 1, got '%s'",
			  CKREMM_GC_MAP_WORDS_MAX, map);
	bits = calloc((words + 63) / 64, sizeof(*bits));
	if (!bits)
		return ctl_fail(-ENOMEM, NULL, "gc type");
	for (i = 0; i < words; i++) {
		if (map[i] == '1')
			bits[i / 64] |= 1ULL << (i % 64);
	}
	ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (!ret) {
		ret = ckremm_gc_type(&pool, bits, words, flags, &type);
		ret = ret ? gc_fail(&pool, ret, "gc type") : EXIT_OK;
	}
	free(bits);
	if (ret)
		return ret;
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64("type", type);
		json_end();
	} else {
		printf("%u\n", type);
	}
	return EXIT_OK;
}

static int gc_alloc(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slot", required_argument, NULL, 's' },
		{ "type", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	__u64 size, handle, slot = 0, type = CKREMM_GC_TYPE_WORDS;
	struct ckremm_pool pool;
	bool have_slot = false;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1) {
		switch (c) {
		case 's':
			slot = arg_range(ctl, "--slot", optarg, 0, 65535);
			have_slot = true;
			break;
		case 't':
			type = arg_range(ctl, "--type", optarg, 0,
					 CKREMM_GC_TYPES_MAX - 1);
			break;
		}
	}
	want_args(ctl, argc, argv, "NAME SIZE");
	if (!have_slot)
		ctl_usage(ctl, "missing --slot: the object dies with this command unless a root slot keeps it");
	size = arg_size(ctl, "SIZE", argv[optind + 1]);
	ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;
	ret = ckremm_gc_alloc(&pool, size, type, CKREMM_GC_ALLOC_ROOT, slot,
			      &handle);
	if (ret)
		return ret == -ENOMEM ?
		       pool_fail(&pool, ret, hint_for_space(ret, pool.name),
				 "gc alloc %llu bytes",
				 (unsigned long long)size) :
		       gc_fail(&pool, ret, "gc alloc");
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64("slot", slot);
		json_u64("handle", handle);
		json_end();
	} else {
		printf("%llu\n", (unsigned long long)handle);
	}
	return EXIT_OK;
}

static int gc_root(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_pool pool;
	__u64 slot, handle = 0;
	bool set;
	int ret;

	ctl_no_options(ctl, argc, argv);
	set = argc - optind >= 3;
	want_args(ctl, argc, argv, set ? "NAME SLOT HANDLE" : "NAME SLOT");
	slot = arg_range(ctl, "SLOT", argv[optind + 1], 0, 65535);
	if (set)
		handle = arg_number(ctl, "HANDLE", argv[optind + 2]);
	ret = ctl_open_pool(ctl, argv[optind], !set, &pool);
	if (ret)
		return ret;
	ret = set ? ckremm_gc_root_set(&pool, slot, handle) :
		    ckremm_gc_root_get(&pool, slot, &handle);
	if (ret)
		return gc_fail(&pool, ret, "gc root");
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64("slot", slot);
		json_u64("handle", handle);
		json_end();
	} else if (!set) {
		printf("%llu\n", (unsigned long long)handle);
	}
	return EXIT_OK;
}

/*
 * A result as "key value" lines or one JSON object: the pool, its
 * collector's phase, then @rows.
 */
static void print_rows(struct ctl *ctl, const struct ckremm_pool *pool,
		       __u32 phase, const struct json_u64_field *rows)
{
	if (ctl->json) {
		json_begin();
		json_str("pool", pool->name);
		json_str("phase", ckremm_gc_phase_name(phase));
		json_u64s(rows);
		json_end();
		return;
	}
	printf("%-15s %s\n%-15s %s\n", "pool", pool->name, "phase",
	       ckremm_gc_phase_name(phase));
	for (size_t i = 0; rows[i].key; i++)
		printf("%-15s %llu\n", rows[i].key,
		       (unsigned long long)rows[i].value);
}

/* gc step (@collect false, with --budget) and gc collect. */
static int gc_work(struct ctl *ctl, int argc, char **argv, bool collect)
{
	static const struct option opts[] = {
		{ "budget", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct ckremm_gc_work w;
	struct ckremm_pool pool;
	__u64 budget = 0;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, collect ? NULL : opts)) != -1) {
		if (c == 'b')
			budget = arg_range(ctl, "--budget", optarg, 1,
					   CKREMM_GC_BUDGET_MAX);
	}
	want_args(ctl, argc, argv, "NAME");
	ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;
	ret = collect ? ckremm_gc_collect(&pool, &w) :
			ckremm_gc_step(&pool, budget, &w);
	if (ret)
		return gc_fail(&pool, ret, ctl->verb->name);

	const struct json_u64_field rows[] = {
		{ "cycles_done", w.cycles_done },
		{ "work", w.work },
		{ "freed_objects", w.freed_objects },
		{ "freed_bytes", w.freed_bytes },
		{ NULL, 0 },
	};

	print_rows(ctl, &pool, w.phase, rows);
	return EXIT_OK;
}

static int gc_step(struct ctl *ctl, int argc, char **argv)
{
	return gc_work(ctl, argc, argv, false);
}

static int gc_collect(struct ctl *ctl, int argc, char **argv)
{
	return gc_work(ctl, argc, argv, true);
}

static int gc_stats(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_gc_figures f;
	struct ckremm_pool pool;
	int ret;

	ctl_no_options(ctl, argc, argv);
	want_args(ctl, argc, argv, "NAME");
	ret = ctl_open_pool(ctl, argv[optind], true, &pool);
	if (ret)
		return ret;
	ret = ckremm_gc_stats(&pool, &f);
	if (ret)
		return gc_fail(&pool, ret, "gc stats");

	const struct json_u64_field rows[] = {
		{ "cycles", f.cycles },
		{ "steps", f.steps },
		{ "objects", f.objects },
		{ "live_bytes", f.live_bytes },
		{ "allocated", f.allocated_bytes },
		{ "freed_objects", f.freed_objects },
		{ "freed_bytes", f.freed_bytes },
		{ "pinned", f.pinned },
		{ "max_step", f.max_step_work },
		{ "max_start", f.max_start_work },
		{ "barrier_scans", f.barrier_scans },
		{ "overflows", f.overflows },
		{ "failed_allocs", f.failed_allocs },
		{ "meta_bytes", f.meta_bytes },
		{ NULL, 0 },
	};

	print_rows(ctl, &pool, f.phase, rows);
	return EXIT_OK;
}
