// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckremmctl verbs: each parses its arguments, attaches the pool by name,
 * makes its requests and prints the outcome as text or JSON.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckremmctl.h"

/* Most blocks one alloc command hands out; keeps its output printable. */
#define ALLOC_COUNT_MAX	(1U << 20)

/* The JSON key for a block: what the pool's kind names blocks by. */
static const char *block_key(const struct ckremm_pool *pool)
{
	return ckremm_pool_by_handle(pool) ? "handle" : "offset";
}

/* A verb's JSON result: the pool's name, then @fields. */
static void json_result(const struct ckremm_pool *pool,
			const struct json_u64_field *fields)
{
	json_begin();
	json_str("pool", pool->name);
	json_u64s(fields);
	json_end();
}

static void print_pool(struct ctl *ctl, const struct ckremm_pool *pool,
		       const char *verb)
{
	char human[32];

	if (ctl->json) {
		json_begin();
		json_str("name", pool->name);
		json_str("kind", ckremm_kind_name(pool->kind));
		json_u64("arena_size", pool->arena_size);
		json_u64("pool_id", pool->id);
		json_u64("mmap_offset", pool->mmap_offset);
		json_str("result", verb);
		json_end();
		return;
	}
	printf("%s: %s pool, arena %llu bytes (%s), mmap offset 0x%llx\n",
	       pool->name, ckremm_kind_name(pool->kind),
	       (unsigned long long)pool->arena_size,
	       fmt_bytes(pool->arena_size, human, sizeof(human)),
	       (unsigned long long)pool->mmap_offset);
}

/* ------------------------------------------------------------------ */

static const struct errno_hint create_hints[] = {
	{ EEXIST, "pick another name, or remove it first: ckremmctl destroy %1$s" },
	{ EINVAL, "--size must be at least 4K" },
	{ E2BIG, "--size is above the module's cap: /sys/module/ckremm/parameters/max_pool_size" },
	{ ENOMEM, "not enough memory for that arena: try a smaller --size" },
	{ EDQUOT, "too many pools for this user (cap: /sys/module/ckremm/parameters/max_pools_per_user); remove some: ckremmctl list, ckremmctl destroy NAME" },
	{ EOPNOTSUPP, "this module does not build that kind of pool: try --kind header" },
	{ 0, NULL },
};

int verb_create(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "kind", required_argument, NULL, 'k' },
		{ "mode", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	__u32 kind = CKREMM_KIND_HEADER;
	unsigned int mode = 0600;
	struct ckremm_pool pool;
	const char *name;
	__u64 size = 0;
	bool have_size = false;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1) {
		switch (c) {
		case 's':
			size = arg_size(ctl, "--size", optarg);
			have_size = true;
			break;
		case 'k':
			kind = ckremm_kind_parse(optarg);
			if (!kind)
				ctl_usage(ctl, "unknown kind '%s': use header or table",
					  optarg);
			break;
		case 'm':
			if (!parse_mode(optarg, &mode))
				ctl_usage(ctl, "--mode '%s' is not octal 0..0777",
					  optarg);
			break;
		}
	}
	want_args(ctl, argc, argv, "NAME");
	if (!have_size)
		ctl_usage(ctl, "missing --size SIZE");
	name = argv[optind];
	check_pool_name(ctl, name);
	ret = ctl_open_device(ctl);
	if (ret)
		return ret;
	ret = ckremm_pool_create(ctl->fd, kind, size, name, mode, &pool);
	if (ret)
		return ctl_fail(ret, find_hint(create_hints, ret, name),
				"create pool '%s'", name);
	print_pool(ctl, &pool, "created");
	return EXIT_OK;
}

int verb_open(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "read-only", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct ckremm_pool pool;
	bool rdonly = false;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1)
		if (c == 'r')
			rdonly = true;
	ret = ctl_open_pool_arg(ctl, argc, argv, rdonly, &pool);
	if (ret)
		return ret;
	print_pool(ctl, &pool, "opened");
	return EXIT_OK;
}

/*
 * @count blocks, all or none.  A batch takes no flags, so @flags'
 * CKREMM_ALLOC_REORDER is done as the module does it for one block:
 * compact once when nothing fits, and try again.
 */
static int alloc_blocks(struct ckremm_pool *pool, __u64 size, __u64 align,
			__u32 flags, __u64 *blocks, size_t count)
{
	int ret;

	if (count == 1)
		return ckremm_alloc_ex(pool, size, align, flags, blocks);
	ret = ckremm_alloc_many(pool, size, align, blocks, count);
	if (ret == -ENOMEM && (flags & CKREMM_ALLOC_REORDER)) {
		ret = ckremm_reorder(pool, NULL);
		if (!ret)
			ret = ckremm_alloc_many(pool, size, align, blocks,
						count);
	}
	return ret;
}

int verb_alloc(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "align", required_argument, NULL, 'a' },
		{ "count", required_argument, NULL, 'n' },
		{ "reorder", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long count = 1;
	struct ckremm_pool pool;
	__u64 size, align = 0, *blocks;
	bool reorder = false, by_handle;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1) {
		switch (c) {
		case 'r':
			reorder = true;
			break;
		case 'a':
			align = arg_size(ctl, "--align", optarg);
			break;
		case 'n':
			count = arg_range(ctl, "--count", optarg, 1,
					  ALLOC_COUNT_MAX);
			break;
		}
	}
	want_args(ctl, argc, argv, "NAME SIZE");
	size = arg_size(ctl, "SIZE", argv[optind + 1]);
	ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;

	by_handle = ckremm_pool_by_handle(&pool);
	if (by_handle && align)
		return pool_fail(&pool, -EOPNOTSUPP,
				 "table pools align every block to 16 bytes: drop --align",
				 "alloc --align");
	if (!by_handle && reorder)
		return pool_fail(&pool, -EOPNOTSUPP,
				 "--reorder is for table pools; a header pool's blocks never move",
				 "alloc --reorder");

	blocks = calloc(count, sizeof(*blocks));
	if (!blocks)
		return ctl_fail(-ENOMEM, NULL, "alloc");
	ret = alloc_blocks(&pool, size, align,
			   reorder ? CKREMM_ALLOC_REORDER : 0, blocks, count);
	if (ret) {
		free(blocks);
		return pool_fail(&pool, ret, hint_for_space(ret, pool.name),
				 "alloc %llu x %llu bytes", count,
				 (unsigned long long)size);
	}
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_str("kind", ckremm_kind_name(pool.kind));
		json_u64("size", size);
		json_u64("align", align);
		json_array_begin(by_handle ? "handles" : "offsets");
		for (unsigned long long i = 0; i < count; i++)
			json_u64(NULL, blocks[i]);
		json_array_end();
		json_end();
	} else {
		for (unsigned long long i = 0; i < count; i++)
			printf("%llu\n", (unsigned long long)blocks[i]);
	}
	free(blocks);
	return EXIT_OK;
}

static const struct errno_hint free_batch_hints[] = {
	{ EINVAL, "every BLOCK must start a used block, each named once; see: ckremmctl map %1$s" },
	{ 0, NULL },
};

int verb_free(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_pool pool;
	const char *hint = NULL;
	size_t n, i, freed;
	__u64 *blocks;
	int ret;

	ctl_no_options(ctl, argc, argv);
	want_args(ctl, argc, argv, "NAME BLOCK...");
	n = (size_t)(argc - optind - 1);
	blocks = calloc(n, sizeof(*blocks));
	if (!blocks)
		return ctl_fail(-ENOMEM, NULL, "free");
	for (i = 0; i < n; i++)
		blocks[i] = arg_number(ctl, "BLOCK", argv[optind + 1 + i]);
	ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret) {
		free(blocks);
		return ret;
	}

	ret = ckremm_free_many(&pool, blocks, n, &freed);
	free(blocks);
	if (ret) {
		if (freed)
			fprintf(stderr, "ckremmctl: freed the first %zu of %zu blocks; the rest were not freed\n",
				freed, n);
		if (n > 1)
			hint = find_hint(free_batch_hints, ret, pool.name);
		return pool_fail(&pool, ret,
				 hint ? hint : hint_for_block(ret, pool.name),
				 "free");
	}
	if (ctl->json) {
		json_result(&pool, (const struct json_u64_field[]){
			{ "freed", freed }, { "requested", n }, { NULL, 0 },
		});
	}
	return EXIT_OK;
}

/*
 * Everything on standard input, in a malloc()ed buffer, but no more than
 * a little over @max bytes: the caller refuses more than @max anyway.
 */
static int slurp_stdin(unsigned char **data, __u64 *len, __u64 max)
{
	size_t cap = 65536, n = 0;
	unsigned char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	while (n <= max) {
		ssize_t r;

		if (n == cap) {
			unsigned char *grown = NULL;

			if (cap <= SIZE_MAX / 2)
				grown = realloc(buf, cap * 2);
			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
			cap *= 2;
		}
		r = read(STDIN_FILENO, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(buf);
			return (int)r;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	*data = buf;
	*len = n;
	return 0;
}

/*
 * Whether @len bytes may lie inside one block of @pool.  No block is
 * larger than the arena, so a longer READ or WRITE is refused here,
 * before a buffer that large is made.
 */
static bool fits_a_block(const struct ckremm_pool *pool, __u64 len)
{
	return len <= pool->arena_size && len <= SIZE_MAX;
}

/* A read or write of @len bytes at @pos in @block, refused with @err. */
static int rw_fail(const struct ckremm_pool *pool, const char *what,
		   int err, __u64 block, __u64 pos, __u64 len)
{
	return pool_fail(pool, err, hint_for_block(err, pool->name),
			 "%s %llu bytes at %llu+%llu", what,
			 (unsigned long long)len, (unsigned long long)block,
			 (unsigned long long)pos);
}

int verb_write(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pos", required_argument, NULL, 'p' },
		{ "data", required_argument, NULL, 'd' },
		{ "pattern", required_argument, NULL, 'P' },
		{ "len", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *data = NULL;
	unsigned char pattern = 0, *buf = NULL;
	bool have_pattern = false, have_len = false;
	struct ckremm_pool pool;
	__u64 block, pos = 0, len = 0;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1) {
		switch (c) {
		case 'p':
			pos = arg_size(ctl, "--pos", optarg);
			break;
		case 'd':
			data = optarg;
			break;
		case 'P':
			if (!parse_byte(optarg, &pattern))
				ctl_usage(ctl, "--pattern '%s' is not a byte (0..255, 0x.., or one character)",
					  optarg);
			have_pattern = true;
			break;
		case 'l':
			len = arg_size(ctl, "--len", optarg);
			have_len = true;
			break;
		}
	}
	want_args(ctl, argc, argv, "NAME BLOCK");
	block = arg_number(ctl, "BLOCK", argv[optind + 1]);
	if (data && have_pattern)
		ctl_usage(ctl, "give either --data or --pattern, not both");
	if (have_pattern != have_len)
		ctl_usage(ctl, "--pattern and --len go together");
	if (!data && !have_pattern && isatty(STDIN_FILENO))
		ctl_usage(ctl, "nothing to write: give --data STRING, --pattern BYTE --len N, or pipe the bytes in");
	ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;

	if (data) {
		len = strlen(data);
	} else if (!have_pattern) {
		ret = slurp_stdin(&buf, &len, pool.arena_size);
		if (ret)
			return ctl_fail(ret, NULL, "standard input");
	}
	if (!fits_a_block(&pool, len)) {
		free(buf);
		return rw_fail(&pool, "write", -EINVAL, block, pos, len);
	}
	if (have_pattern) {
		buf = malloc(len ? (size_t)len : 1);
		if (!buf)
			return ctl_fail(-ENOMEM, NULL, "write");
		memset(buf, pattern, (size_t)len);
	}
	ret = ckremm_write(&pool, block, pos, data ? (const void *)data : buf,
			   len);
	free(buf);
	if (ret)
		return rw_fail(&pool, "write", ret, block, pos, len);
	if (ctl->json) {
		json_result(&pool, (const struct json_u64_field[]){
			{ block_key(&pool), block }, { "pos", pos },
			{ "len", len }, { NULL, 0 },
		});
	}
	return EXIT_OK;
}

static void hex_dump(const unsigned char *buf, size_t len, __u64 pos)
{
	for (size_t line = 0; line < len; line += 16) {
		size_t i, n = len - line < 16 ? len - line : 16;

		printf("%08llx ", (unsigned long long)(pos + line));
		for (i = 0; i < 16; i++) {
			if (i == 8)
				putchar(' ');
			if (i < n)
				printf(" %02x", buf[line + i]);
			else
				fputs("   ", stdout);
		}
		fputs("  |", stdout);
		for (i = 0; i < n; i++) {
			unsigned char ch = buf[line + i];

			putchar(ch >= 0x20 && ch < 0x7f ? ch : '.');
		}
		puts("|");
	}
}

int verb_read(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pos", required_argument, NULL, 'p' },
		{ "len", required_argument, NULL, 'l' },
		{ "hex", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	bool hex = false, have_len = false;
	struct ckremm_pool pool;
	__u64 block, pos = 0, len = 0, size;
	unsigned char *buf;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1) {
		switch (c) {
		case 'p':
			pos = arg_size(ctl, "--pos", optarg);
			break;
		case 'l':
			len = arg_size(ctl, "--len", optarg);
			have_len = true;
			break;
		case 'x':
			hex = true;
			break;
		}
	}
	want_args(ctl, argc, argv, "NAME BLOCK");
	block = arg_number(ctl, "BLOCK", argv[optind + 1]);
	ret = ctl_open_pool(ctl, argv[optind], true, &pool);
	if (ret)
		return ret;

	if (!have_len) {
		ret = ckremm_block_size(&pool, block, &size);
		if (ret)
			return pool_fail(&pool, ret, hint_for_block(ret, pool.name),
					 "no used block %llu",
					 (unsigned long long)block);
		if (pos > size)
			return pool_fail(&pool, -EINVAL, NULL,
					 "--pos %llu is past the block's %llu bytes",
					 (unsigned long long)pos,
					 (unsigned long long)size);
		len = size - pos;
	}
	if (!fits_a_block(&pool, len))
		return rw_fail(&pool, "read", -EINVAL, block, pos, len);
	buf = malloc(len ? (size_t)len : 1);
	if (!buf)
		return ctl_fail(-ENOMEM, NULL, "read");
	ret = ckremm_read(&pool, block, pos, buf, len);
	if (ret) {
		free(buf);
		return rw_fail(&pool, "read", ret, block, pos, len);
	}
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64(block_key(&pool), block);
		json_u64("pos", pos);
		json_u64("len", len);
		json_hex("hex", buf, (size_t)len);
		json_end();
	} else if (hex) {
		hex_dump(buf, (size_t)len, pos);
	} else {
		fwrite(buf, 1, (size_t)len, stdout);
	}
	free(buf);
	return EXIT_OK;
}

int verb_clean(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_pool pool;
	__u64 block, size = 0;
	int ret;

	ret = ctl_open_pool_words(ctl, argc, argv, "NAME BLOCK", false, &pool,
				  &block);
	if (ret)
		return ret;
	ret = ckremm_clean(&pool, block, NULL, &size);
	if (ret)
		return pool_fail(&pool, ret, hint_for_block(ret, pool.name),
				 "clean %llu", (unsigned long long)block);
	if (ctl->json) {
		json_result(&pool, (const struct json_u64_field[]){
			{ block_key(&pool), block }, { "size", size },
			{ NULL, 0 },
		});
	}
	return EXIT_OK;
}

static const struct errno_hint realloc_hints[] = {
	{ EINVAL, "BLOCK must start a used block and SIZE be at least 1; see: ckremmctl map %1$s" },
	{ EOPNOTSUPP, "a table pool does not resize blocks: alloc a new one and use ckremmctl copy" },
	{ 0, NULL },
};

int verb_realloc(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_pool pool;
	__u64 words[2], new_offset = 0;	/* BLOCK, SIZE */
	__u64 block, size;
	const char *hint;
	int ret;

	ret = ctl_open_pool_words(ctl, argc, argv, "NAME BLOCK SIZE", false,
				  &pool, words);
	if (ret)
		return ret;
	block = words[0];
	size = words[1];
	ret = ckremm_realloc(&pool, block, size, &new_offset);
	if (ret) {
		hint = find_hint(realloc_hints, ret, pool.name);
		return pool_fail(&pool, ret,
				 hint ? hint : hint_for_space(ret, pool.name),
				 "realloc %llu to %llu bytes",
				 (unsigned long long)block,
				 (unsigned long long)size);
	}
	if (ctl->json) {
		json_result(&pool, (const struct json_u64_field[]){
			{ block_key(&pool), block }, { "size", size },
			{ "new_offset", new_offset }, { NULL, 0 },
		});
	} else {
		printf("%llu\n", (unsigned long long)new_offset);
	}
	return EXIT_OK;
}

/*
 * A verb that takes only NAME: attach the pool (read-only if @rdonly) and
 * let @fn make its request and print the outcome.
 */
static int on_pool(struct ctl *ctl, int argc, char **argv, bool rdonly,
		   int (*fn)(struct ctl *ctl, struct ckremm_pool *pool))
{
	struct ckremm_pool pool;
	int ret;

	ret = ctl_open_pool_words(ctl, argc, argv, "NAME", rdonly, &pool, NULL);
	return ret ? ret : fn(ctl, &pool);
}

static int reorder_pool(struct ctl *ctl, struct ckremm_pool *pool)
{
	struct ckremm_reorder r;
	int ret = ckremm_reorder(pool, &r);

	if (ret)
		return pool_fail(pool, ret, hint_for_block(ret, pool->name),
				 "reorder");
	if (ctl->json) {
		json_result(pool, (const struct json_u64_field[]){
			{ "bytes_moved", r.bytes_moved },
			{ "blocks_moved", r.blocks_moved },
			{ "largest_free", r.largest_free },
			{ "free_blocks", r.free_blocks }, { NULL, 0 },
		});
	} else {
		printf("%s: moved %llu bytes in %llu blocks; largest free %llu bytes, %llu free block%s\n",
		       pool->name, (unsigned long long)r.bytes_moved,
		       (unsigned long long)r.blocks_moved,
		       (unsigned long long)r.largest_free,
		       (unsigned long long)r.free_blocks,
		       r.free_blocks == 1 ? "" : "s");
	}
	return EXIT_OK;
}

int verb_reorder(struct ctl *ctl, int argc, char **argv)
{
	return on_pool(ctl, argc, argv, false, reorder_pool);
}

/* A pager's store, from row @n of @rows on: the rows after them. */
static size_t store_rows(const struct ckremm_pager_figures *f,
			 struct json_u64_field *rows, size_t n)
{
	const struct json_u64_field store[] = {
		{ "pager_store", f->store_bytes },
		{ "pager_free_target", f->free_target },
		{ "pager_store_used", f->store_used },
		{ "pager_paged_out", f->paged_out_bytes },
		{ "pager_paged_out_blocks", f->paged_out_blocks },
		{ "pager_zero_blocks", f->zero_blocks },
		{ "pager_stored", f->stored_bytes },
		{ "pager_page_outs", f->page_outs },
		{ "pager_page_ins", f->page_ins },
		{ "pager_page_in_eagain", f->page_in_eagain },
		{ "pager_store_written", f->store_written },
	};

	if (!f->store_bytes)
		return n;
	for (size_t i = 0; i < sizeof(store) / sizeof(store[0]); i++)
		rows[n++] = store[i];
	return n;
}

/*
 * What the pool's pager did, as rows named as debugfs names them; false
 * when the pool has no pager (or the module none at all).
 */
static bool pager_rows(struct ckremm_pool *pool, struct json_u64_field *rows)
{
	struct ckremm_pager_figures f;
	size_t n = 0;

	if (pool->kind != CKREMM_KIND_TABLE || ckremm_pager_stats(pool, &f))
		return false;
	rows[n++] = (struct json_u64_field){ "pager_period_ms", f.period_ms };
	rows[n++] = (struct json_u64_field){ "pager_decay", f.decay_ticks };
	rows[n++] = (struct json_u64_field){
		"pager_reorder", !!(f.flags & CKREMM_PAGER_REORDER) };
	rows[n++] = (struct json_u64_field){ "pager_ticks", f.ticks };
	rows[n++] = (struct json_u64_field){ "pager_purged", f.purged_bytes };
	rows[n++] = (struct json_u64_field){ "pager_moved", f.moved_bytes };
	rows[n++] = (struct json_u64_field){
		"pager_committed", f.committed_bytes };
	rows[n++] = (struct json_u64_field){
		"pager_commit_failures", f.commit_failures };
	rows[n++] = (struct json_u64_field){ "pager_abandoned", f.abandoned };
	rows[n++] = (struct json_u64_field){
		"pager_shrink_scans", f.shrink_scans };
	rows[n++] = (struct json_u64_field){
		"pager_shrink_purged", f.shrink_purged_bytes };
	rows[n++] = (struct json_u64_field){
		"pager_shrink_moved", f.shrink_moved_bytes };
	rows[n++] = (struct json_u64_field){
		"pager_resident", f.resident_bytes };
	rows[n++] = (struct json_u64_field){
		"pager_resident_blocks", f.resident_blocks };
	n = store_rows(&f, rows, n);
	rows[n] = (struct json_u64_field){ NULL, 0 };
	return true;
}

static int stats_of_pool(struct ctl *ctl, struct ckremm_pool *pool)
{
	struct json_u64_field pager[32];
	struct ckremm_stats s;
	bool paged;
	int ret = ckremm_stats(pool, &s);

	if (ret)
		return pool_fail(pool, ret, NULL, "stats");
	paged = pager_rows(pool, pager);

	const struct json_u64_field rows[] = {
		{ "arena_size", s.arena_size },
		{ "used_bytes", s.used_bytes },
		{ "free_bytes", s.free_bytes },
		{ "largest_free", s.largest_free },
		{ "used_blocks", s.used_blocks },
		{ "free_blocks", s.free_blocks },
		{ "peak_used", s.peak_used },
		{ "failed_allocs", s.failed_allocs },
		{ "refused_calls", s.refused_calls },
		{ "meta_bytes", s.meta_bytes },
		{ "table_capacity", s.table_capacity },
		{ "pinned_blocks", s.pinned_blocks },
		{ "frag_permille", s.frag_permille },
		{ "committed", s.committed_bytes },
		{ "purged", s.purged_bytes },
		{ "commit_failures", s.commit_failures },
		{ NULL, 0 },
	};

	if (ctl->json) {
		json_begin();
		json_str("pool", pool->name);
		json_str("kind", ckremm_kind_name(s.kind));
		json_u64s(rows);
		json_bool("paged", paged);
		if (paged)
			json_u64s(pager);
		json_end();
		return EXIT_OK;
	}
	printf("%-15s %s\n%-15s %s\n", "pool", pool->name, "kind",
	       ckremm_kind_name(s.kind));
	for (size_t i = 0; rows[i].key; i++)
		printf("%-15s %llu\n", rows[i].key,
		       (unsigned long long)rows[i].value);
	printf("%-15s %s\n", "paged", paged ? "yes" : "no");
	for (size_t i = 0; paged && pager[i].key; i++)
		printf("%-15s %llu\n", pager[i].key,
		       (unsigned long long)pager[i].value);
	return EXIT_OK;
}

int verb_stats(struct ctl *ctl, int argc, char **argv)
{
	return on_pool(ctl, argc, argv, true, stats_of_pool);
}

static int validate_pool(struct ctl *ctl, struct ckremm_pool *pool)
{
	struct ckremm_validate v;
	int ret = ckremm_validate(pool, &v);

	if (ret && ret != -EUCLEAN)
		return pool_fail(pool, ret, NULL, "validate");
	v.reason[sizeof(v.reason) - 1] = '\0';
	if (ctl->json) {
		json_begin();
		json_str("pool", pool->name);
		json_bool("ok", !ret);
		if (ret) {
			json_u64("offset", v.offset);
			json_str("reason", v.reason);
		}
		json_end();
	} else if (!ret) {
		printf("%s: ok\n", pool->name);
	} else {
		printf("%s: inconsistent at offset %llu: %s\n", pool->name,
		       (unsigned long long)v.offset,
		       v.reason[0] ? v.reason : "(no reason given)");
	}
	return ret ? EXIT_FAILED : EXIT_OK;
}

int verb_validate(struct ctl *ctl, int argc, char **argv)
{
	return on_pool(ctl, argc, argv, true, validate_pool);
}

int verb_list(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_list_entry *e;
	size_t n, i;
	int ret;

	ctl_no_options(ctl, argc, argv);
	want_args(ctl, argc, argv, "");
	ret = ctl_open_device(ctl);
	if (ret)
		return ret;
	ret = ckremm_list(ctl->fd, &e, &n);
	if (ret)
		return ctl_fail(ret, NULL, "list");
	if (ctl->json) {
		json_begin();
		json_array_begin("pools");
		for (i = 0; i < n; i++) {
			json_object_begin(NULL);
			json_strn("name", e[i].name,
				  strnlen(e[i].name, CKREMM_NAME_LEN));
			json_str("kind", ckremm_kind_name(e[i].kind));
			json_u64("arena_size", e[i].arena_size);
			json_u64("used_bytes", e[i].used_bytes);
			json_u64("mode", e[i].mode);
			json_u64("uid", e[i].uid);
			json_u64("gid", e[i].gid);
			json_object_end();
		}
		json_array_end();
		json_end();
	} else {
		printf("%-31s %-6s %12s %12s %5s %6s %6s\n", "NAME", "KIND",
		       "ARENA", "USED", "MODE", "UID", "GID");
		for (i = 0; i < n; i++)
			printf("%-31.*s %-6s %12llu %12llu %05o %6u %6u\n",
			       (int)strnlen(e[i].name, CKREMM_NAME_LEN),
			       e[i].name, ckremm_kind_name(e[i].kind),
			       (unsigned long long)e[i].arena_size,
			       (unsigned long long)e[i].used_bytes,
			       e[i].mode, e[i].uid, e[i].gid);
	}
	free(e);
	return EXIT_OK;
}

static const struct errno_hint destroy_hints[] = {
	{ ENOENT, "no pool has that name; see: ckremmctl list" },
	{ EACCES, "its mode does not let you in; see its owner and mode: ckremmctl list" },
	{ EPERM, "only its owner or root may destroy it; see: ckremmctl list" },
	{ 0, NULL },
};

int verb_destroy(struct ctl *ctl, int argc, char **argv)
{
	int i, ret, status = EXIT_OK;

	ctl_no_options(ctl, argc, argv);
	want_args(ctl, argc, argv, "NAME...");
	for (i = optind; i < argc; i++)
		check_pool_name(ctl, argv[i]);
	ret = ctl_open_device(ctl);
	if (ret)
		return ret;
	if (ctl->json) {
		json_begin();
		json_array_begin("destroyed");
	}
	for (i = optind; i < argc; i++) {
		ret = ckremm_destroy_by_name(ctl->fd, argv[i]);
		if (ret)
			status = ctl_fail(ret, find_hint(destroy_hints, ret, argv[i]),
					  "destroy pool '%s'", argv[i]);
		else if (ctl->json)
			json_str(NULL, argv[i]);
	}
	if (ctl->json) {
		json_array_end();
		json_end();
	}
	return status;
}

int verb_locate(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_pool pool;
	__u64 handle, offset = 0, size = 0;
	int ret;

	ret = ctl_open_pool_words(ctl, argc, argv, "NAME HANDLE", true, &pool,
				  &handle);
	if (ret)
		return ret;
	ret = ckremm_locate(&pool, handle, &offset, &size);
	if (ret)
		return pool_fail(&pool, ret, hint_for_block(ret, pool.name),
				 "locate %llu", (unsigned long long)handle);
	if (ctl->json) {
		json_result(&pool, (const struct json_u64_field[]){
			{ "handle", handle }, { "offset", offset },
			{ "size", size }, { NULL, 0 },
		});
	} else {
		printf("offset %llu size %llu\n", (unsigned long long)offset,
		       (unsigned long long)size);
	}
	return EXIT_OK;
}

int verb_copy(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_pool pool;
	__u64 words[2], dst, src;	/* DST, SRC */
	int ret;

	ret = ctl_open_pool_words(ctl, argc, argv, "NAME DST SRC", false, &pool,
				  words);
	if (ret)
		return ret;
	dst = words[0];
	src = words[1];
	ret = ckremm_copy(&pool, dst, src);
	if (ret)
		return pool_fail(&pool, ret,
				 -ret == ENOSPC ?
				 "DST is smaller than SRC: alloc a DST at least as large" :
				 hint_for_block(ret, pool.name),
				 "copy %llu to %llu", (unsigned long long)src,
				 (unsigned long long)dst);
	if (ctl->json) {
		json_result(&pool, (const struct json_u64_field[]){
			{ "dst", dst }, { "src", src }, { NULL, 0 },
		});
	}
	return EXIT_OK;
}
