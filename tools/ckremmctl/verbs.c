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

#define COMMON_OPTS \
	{ "json", no_argument, NULL, 'j' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ NULL, 0, NULL, 0 }

/* Most blocks one alloc command hands out; keeps its output printable. */
#define ALLOC_COUNT_MAX	(1U << 20)

static const struct option common_opts[] = { COMMON_OPTS };

/* Parse only --json and --help; the rest is positional. */
static int common_getopt(struct ctl *ctl, int argc, char **argv)
{
	while (ctl_getopt(ctl, argc, argv, ":jh", common_opts) != -1)
		;
	return ctl->stop ? ctl->status : -1;
}

/* A BLOCK argument: an arena offset (header pools) or a handle (table). */
static int arg_block(struct ctl *ctl, const char *s, __u64 *out)
{
	unsigned long long v;

	if (!parse_u64(s, &v))
		return ctl_usage(ctl, "BLOCK '%s' is not a number", s);
	*out = v;
	return EXIT_OK;
}

static int arg_size(struct ctl *ctl, const char *what, const char *s,
		    __u64 *out)
{
	unsigned long long v;

	if (!parse_size(s, &v))
		return ctl_usage(ctl, "%s '%s' is not a size (e.g. 4096, 0x1000, 4K, 1M)",
				 what, s);
	*out = v;
	return EXIT_OK;
}

/* The JSON key for a block: what the pool's kind names blocks by. */
static const char *block_key(const struct ckremm_pool *pool)
{
	return ckremm_pool_by_handle(pool) ? "handle" : "offset";
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

int verb_create(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "kind", required_argument, NULL, 'k' },
		{ "mode", required_argument, NULL, 'm' },
		COMMON_OPTS
	};
	__u32 kind = CKREMM_KIND_HEADER;
	unsigned int mode = 0600;
	const char *name, *hint = NULL;
	struct ckremm_pool pool;
	__u64 size = 0;
	bool have_size = false;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, ":s:k:m:jh", opts)) != -1) {
		switch (c) {
		case 's':
			ret = arg_size(ctl, "--size", optarg, &size);
			if (ret)
				return ret;
			have_size = true;
			break;
		case 'k':
			kind = ckremm_kind_parse(optarg);
			if (!kind)
				return ctl_usage(ctl, "unknown kind '%s': use header or table",
						 optarg);
			break;
		case 'm':
			if (!parse_mode(optarg, &mode))
				return ctl_usage(ctl, "--mode '%s' is not octal 0..0777",
						 optarg);
			break;
		}
	}
	if (ctl->stop)
		return ctl->status;
	ret = want_args(ctl, argc, argv, 1, 1, "NAME");
	if (ret)
		return ret;
	if (!have_size)
		return ctl_usage(ctl, "missing --size SIZE");
	name = argv[optind];
	if (!ckremm_name_valid(name))
		return ctl_usage(ctl,
				 "invalid pool name '%s': use 1 to %d of A-Z a-z 0-9 . _ -",
				 name, CKREMM_NAME_LEN - 1);
	ret = ctl_open_device(ctl);
	if (ret)
		return ret;
	ret = ckremm_pool_create(ctl->fd, kind, size, name, mode, &pool);
	if (ret) {
		static char buf[160];

		switch (-ret) {
		case EEXIST:
			snprintf(buf, sizeof(buf),
				 "pick another name, or remove it first: ckremmctl destroy %s",
				 name);
			hint = buf;
			break;
		case EINVAL:
		case EFBIG:
		case E2BIG:
		case ERANGE:
			hint = "--size is outside what the module accepts; its cap is in /sys/module/ckremm/parameters/";
			break;
		case ENOMEM:
			hint = "not enough memory for that arena: try a smaller --size";
			break;
		case EDQUOT:
		case EMFILE:
		case ENOSPC:
		case EUSERS:
			hint = "too many pools for this user (cap: /sys/module/ckremm/parameters/max_pools_per_user); remove some: ckremmctl list, ckremmctl destroy NAME";
			break;
		case EOPNOTSUPP:
		case EPROTONOSUPPORT:
			hint = "this module does not build that kind of pool: try --kind header";
			break;
		}
		return ctl_fail(ctl, ret, hint, "create pool '%s'", name);
	}
	print_pool(ctl, &pool, "created");
	return EXIT_OK;
}

int verb_open(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "read-only", no_argument, NULL, 'r' },
		COMMON_OPTS
	};
	struct ckremm_pool pool;
	bool rdonly = false;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, ":rjh", opts)) != -1)
		if (c == 'r')
			rdonly = true;
	if (ctl->stop)
		return ctl->status;
	ret = want_args(ctl, argc, argv, 1, 1, "NAME");
	if (!ret)
		ret = ctl_open_pool(ctl, argv[optind], rdonly, &pool);
	if (ret)
		return ret;
	print_pool(ctl, &pool, "opened");
	return EXIT_OK;
}

/* @count table-pool blocks, all or none: there is no batch request. */
static int table_alloc_many(struct ckremm_pool *pool, __u64 size, bool reorder,
			    __u64 *handles, unsigned long long count)
{
	unsigned long long done;
	int ret = 0;

	for (done = 0; done < count; done++) {
		ret = ckremm_t_alloc(pool, size,
				     reorder ? CKREMM_T_ALLOC_REORDER : 0,
				     &handles[done]);
		if (ret)
			break;
	}
	if (ret)
		while (done--)
			ckremm_t_free(pool, handles[done]);
	return ret;
}

int verb_alloc(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "align", required_argument, NULL, 'a' },
		{ "count", required_argument, NULL, 'n' },
		{ "reorder", no_argument, NULL, 'r' },
		COMMON_OPTS
	};
	unsigned long long count = 1;
	struct ckremm_pool pool;
	__u64 size = 0, align = 0, *blocks;
	bool reorder = false;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, ":a:n:rjh", opts)) != -1) {
		switch (c) {
		case 'r':
			reorder = true;
			break;
		case 'a':
			ret = arg_size(ctl, "--align", optarg, &align);
			if (ret)
				return ret;
			break;
		case 'n':
			if (!parse_u64(optarg, &count) || !count ||
			    count > ALLOC_COUNT_MAX)
				return ctl_usage(ctl, "--count '%s' is not 1..%u",
						 optarg, ALLOC_COUNT_MAX);
			break;
		}
	}
	if (ctl->stop)
		return ctl->status;
	ret = want_args(ctl, argc, argv, 2, 2, "NAME SIZE");
	if (!ret)
		ret = arg_size(ctl, "SIZE", argv[optind + 1], &size);
	if (!ret)
		ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;

	if (ckremm_pool_by_handle(&pool) && align)
		return ctl_fail(ctl, -EOPNOTSUPP,
				"table pools align every block to 16 bytes: drop --align",
				"pool '%s': alloc --align", pool.name);
	if (!ckremm_pool_by_handle(&pool) && reorder)
		return ctl_fail(ctl, -EOPNOTSUPP,
				"--reorder is for table pools; a header pool's blocks never move",
				"pool '%s': alloc --reorder", pool.name);

	blocks = calloc(count, sizeof(*blocks));
	if (!blocks)
		return ctl_fail(ctl, -ENOMEM, NULL, "alloc");
	if (ckremm_pool_by_handle(&pool))
		ret = table_alloc_many(&pool, size, reorder, blocks, count);
	else if (count == 1)
		ret = ckremm_alloc_aligned(&pool, size, align, blocks);
	else
		ret = ckremm_alloc_many(&pool, size, align, blocks, count);
	if (ret) {
		free(blocks);
		return ctl_fail(ctl, ret, hint_for_space(ret, pool.name),
				"pool '%s': alloc %llu x %llu bytes", pool.name,
				count, (unsigned long long)size);
	}
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_str("kind", ckremm_kind_name(pool.kind));
		json_u64("size", size);
		json_u64("align", align);
		json_array_begin(ckremm_pool_by_handle(&pool) ? "handles" :
				 "offsets");
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

int verb_free(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_pool pool;
	size_t n, freed = 0;
	__u64 *offsets;
	int ret;

	ret = common_getopt(ctl, argc, argv);
	if (ret >= 0)
		return ret;
	ret = want_args(ctl, argc, argv, 2, -1, "NAME BLOCK...");
	if (ret)
		return ret;
	n = (size_t)(argc - optind - 1);
	offsets = calloc(n, sizeof(*offsets));
	if (!offsets)
		return ctl_fail(ctl, -ENOMEM, NULL, "free");
	for (size_t i = 0; i < n && !ret; i++)
		ret = arg_block(ctl, argv[optind + 1 + i], &offsets[i]);
	if (!ret)
		ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret) {
		free(offsets);
		return ret;
	}
	if (ckremm_pool_by_handle(&pool)) {
		/* No batch request for handles: one at a time, in order. */
		for (freed = 0; freed < n; freed++) {
			ret = ckremm_t_free(&pool, offsets[freed]);
			if (ret)
				break;
		}
	} else if (n == 1) {
		ret = ckremm_free(&pool, offsets[0]);
		freed = ret ? 0 : 1;
	} else {
		ret = ckremm_free_many(&pool, offsets, n, &freed);
	}
	if (ret) {
		const char *hint = hint_for_block(ret, pool.name);
		char buf[160];

		if (n > 1 && -ret == EINVAL && !ckremm_pool_by_handle(&pool)) {
			snprintf(buf, sizeof(buf),
				 "every BLOCK must start a used block, each named once; see: ckremmctl map %s",
				 pool.name);
			hint = buf;
		}
		if (freed)
			fprintf(stderr, "ckremmctl: freed %zu of %zu blocks before the one that failed\n",
				freed, n);
		free(offsets);
		return ctl_fail(ctl, ret, hint, "pool '%s': free", pool.name);
	}
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64("freed", freed);
		json_u64("requested", n);
		json_end();
	}
	free(offsets);
	return EXIT_OK;
}

/* Everything on standard input, in a malloc()ed buffer. */
static int slurp_stdin(unsigned char **data, size_t *len)
{
	size_t cap = 65536, n = 0;
	unsigned char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			unsigned char *grown = realloc(buf, cap * 2);

			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
			cap *= 2;
		}
		r = read(STDIN_FILENO, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
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

int verb_write(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pos", required_argument, NULL, 'p' },
		{ "data", required_argument, NULL, 'd' },
		{ "pattern", required_argument, NULL, 'P' },
		{ "len", required_argument, NULL, 'l' },
		COMMON_OPTS
	};
	const char *data = NULL;
	unsigned char pattern = 0, *buf = NULL;
	bool have_pattern = false, have_len = false;
	struct ckremm_pool pool;
	__u64 offset = 0, pos = 0, len = 0;
	size_t n = 0;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, ":p:d:P:l:jh", opts)) != -1) {
		switch (c) {
		case 'p':
			ret = arg_size(ctl, "--pos", optarg, &pos);
			if (ret)
				return ret;
			break;
		case 'd':
			data = optarg;
			break;
		case 'P':
			if (!parse_byte(optarg, &pattern))
				return ctl_usage(ctl, "--pattern '%s' is not a byte (0..255, 0x.., or one character)",
						 optarg);
			have_pattern = true;
			break;
		case 'l':
			ret = arg_size(ctl, "--len", optarg, &len);
			if (ret)
				return ret;
			have_len = true;
			break;
		}
	}
	if (ctl->stop)
		return ctl->status;
	ret = want_args(ctl, argc, argv, 2, 2, "NAME BLOCK");
	if (!ret)
		ret = arg_block(ctl, argv[optind + 1], &offset);
	if (ret)
		return ret;
	if (data && have_pattern)
		return ctl_usage(ctl, "give either --data or --pattern, not both");
	if (have_pattern != have_len)
		return ctl_usage(ctl, "--pattern and --len go together");
	if (!data && !have_pattern && isatty(STDIN_FILENO))
		return ctl_usage(ctl, "nothing to write: give --data STRING, --pattern BYTE --len N, or pipe the bytes in");
	if (have_len && len > (__u64)SIZE_MAX / 2)
		return ctl_usage(ctl, "--len is too large");
	ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;

	if (data) {
		n = strlen(data);
		ret = ckremm_block_write(&pool, offset, pos, data, n);
	} else if (have_pattern) {
		n = (size_t)len;
		buf = malloc(n ? n : 1);
		if (!buf)
			return ctl_fail(ctl, -ENOMEM, NULL, "write");
		memset(buf, pattern, n);
		ret = ckremm_block_write(&pool, offset, pos, buf, n);
	} else {
		ret = slurp_stdin(&buf, &n);
		if (ret)
			return ctl_fail(ctl, ret, NULL, "standard input");
		ret = ckremm_block_write(&pool, offset, pos, buf, n);
	}
	free(buf);
	if (ret)
		return ctl_fail(ctl, ret, hint_for_block(ret, pool.name),
				"pool '%s': write %zu bytes at %llu+%llu", pool.name,
				n, (unsigned long long)offset,
				(unsigned long long)pos);
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64(block_key(&pool), offset);
		json_u64("pos", pos);
		json_u64("len", n);
		json_end();
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
		COMMON_OPTS
	};
	bool hex = false, have_len = false;
	struct ckremm_pool pool;
	__u64 offset = 0, pos = 0, len = 0, block = 0;
	unsigned char *buf;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, ":p:l:xjh", opts)) != -1) {
		switch (c) {
		case 'p':
			ret = arg_size(ctl, "--pos", optarg, &pos);
			if (ret)
				return ret;
			break;
		case 'l':
			ret = arg_size(ctl, "--len", optarg, &len);
			if (ret)
				return ret;
			have_len = true;
			break;
		case 'x':
			hex = true;
			break;
		}
	}
	if (ctl->stop)
		return ctl->status;
	ret = want_args(ctl, argc, argv, 2, 2, "NAME BLOCK");
	if (!ret)
		ret = arg_block(ctl, argv[optind + 1], &offset);
	if (ret)
		return ret;
	if (have_len && len > (__u64)SIZE_MAX / 2)
		return ctl_usage(ctl, "--len is too large");
	ret = ctl_open_pool(ctl, argv[optind], true, &pool);
	if (ret)
		return ret;
	if (!have_len) {
		ret = ckremm_block_size(&pool, offset, &block);
		if (ret)
			return ctl_fail(ctl, ret, hint_for_block(ret, pool.name),
					"pool '%s': no used block %llu",
					pool.name, (unsigned long long)offset);
		if (pos > block)
			return ctl_fail(ctl, -EINVAL, NULL,
					"pool '%s': --pos %llu is past the block's %llu bytes",
					pool.name, (unsigned long long)pos,
					(unsigned long long)block);
		len = block - pos;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (!buf)
		return ctl_fail(ctl, -ENOMEM, NULL, "read");
	ret = ckremm_block_read(&pool, offset, pos, buf, len);
	if (ret) {
		free(buf);
		return ctl_fail(ctl, ret, hint_for_block(ret, pool.name),
				"pool '%s': read %llu bytes at %llu+%llu",
				pool.name, (unsigned long long)len,
				(unsigned long long)offset,
				(unsigned long long)pos);
	}
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64(block_key(&pool), offset);
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
	__u64 offset = 0, size = 0;
	int ret;

	ret = common_getopt(ctl, argc, argv);
	if (ret >= 0)
		return ret;
	ret = want_args(ctl, argc, argv, 2, 2, "NAME BLOCK");
	if (!ret)
		ret = arg_block(ctl, argv[optind + 1], &offset);
	if (!ret)
		ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;
	ret = ckremm_block_clean(&pool, offset, &size);
	if (ret)
		return ctl_fail(ctl, ret, hint_for_block(ret, pool.name),
				"pool '%s': clean %llu", pool.name,
				(unsigned long long)offset);
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64(block_key(&pool), offset);
		json_u64("size", size);
		json_end();
	}
	return EXIT_OK;
}

int verb_realloc(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_pool pool;
	__u64 offset = 0, size = 0, new_offset = 0;
	int ret;

	ret = common_getopt(ctl, argc, argv);
	if (ret >= 0)
		return ret;
	ret = want_args(ctl, argc, argv, 3, 3, "NAME BLOCK SIZE");
	if (!ret)
		ret = arg_block(ctl, argv[optind + 1], &offset);
	if (!ret)
		ret = arg_size(ctl, "SIZE", argv[optind + 2], &size);
	if (!ret)
		ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;
	ret = ckremm_realloc(&pool, offset, size, &new_offset);
	if (ret) {
		const char *hint = hint_for_space(ret, pool.name);
		char buf[160];

		if (-ret == EINVAL) {
			snprintf(buf, sizeof(buf),
				 "BLOCK must start a used block and SIZE be at least 1; see: ckremmctl map %s",
				 pool.name);
			hint = buf;
		} else if (-ret == EOPNOTSUPP) {
			hint = "a table pool does not resize blocks: alloc a new one and use ckremmctl copy";
		}
		return ctl_fail(ctl, ret, hint,
				"pool '%s': realloc %llu to %llu bytes", pool.name,
				(unsigned long long)offset,
				(unsigned long long)size);
	}
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64(block_key(&pool), offset);
		json_u64("size", size);
		json_u64("new_offset", new_offset);
		json_end();
	} else {
		printf("%llu\n", (unsigned long long)new_offset);
	}
	return EXIT_OK;
}

int verb_reorder(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_reorder r;
	struct ckremm_pool pool;
	int ret;

	ret = common_getopt(ctl, argc, argv);
	if (ret >= 0)
		return ret;
	ret = want_args(ctl, argc, argv, 1, 1, "NAME");
	if (!ret)
		ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;
	ret = ckremm_reorder(&pool, &r);
	if (ret)
		return ctl_fail(ctl, ret, hint_for_block(ret, pool.name),
				"pool '%s': reorder", pool.name);
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64("bytes_moved", r.bytes_moved);
		json_u64("blocks_moved", r.blocks_moved);
		json_u64("largest_free", r.largest_free);
		json_u64("free_blocks", r.free_blocks);
		json_end();
	} else {
		printf("%s: moved %llu bytes in %llu blocks; largest free %llu bytes, %llu free block%s\n",
		       pool.name, (unsigned long long)r.bytes_moved,
		       (unsigned long long)r.blocks_moved,
		       (unsigned long long)r.largest_free,
		       (unsigned long long)r.free_blocks,
		       r.free_blocks == 1 ? "" : "s");
	}
	return EXIT_OK;
}

int verb_stats(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_stats s;
	struct ckremm_pool pool;
	int ret;

	ret = common_getopt(ctl, argc, argv);
	if (ret >= 0)
		return ret;
	ret = want_args(ctl, argc, argv, 1, 1, "NAME");
	if (!ret)
		ret = ctl_open_pool(ctl, argv[optind], true, &pool);
	if (ret)
		return ret;
	ret = ckremm_stats(&pool, &s);
	if (ret)
		return ctl_fail(ctl, ret, NULL, "pool '%s': stats", pool.name);

	const struct {
		const char *key;
		__u64 value;
	} rows[] = {
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
	};
	size_t nrows = sizeof(rows) / sizeof(rows[0]);

	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_str("kind", ckremm_kind_name(s.kind));
		for (size_t i = 0; i < nrows; i++)
			json_u64(rows[i].key, rows[i].value);
		json_end();
		return EXIT_OK;
	}
	printf("%-15s %s\n%-15s %s\n", "pool", pool.name, "kind",
	       ckremm_kind_name(s.kind));
	for (size_t i = 0; i < nrows; i++)
		printf("%-15s %llu\n", rows[i].key,
		       (unsigned long long)rows[i].value);
	return EXIT_OK;
}

int verb_validate(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_validate v;
	struct ckremm_pool pool;
	int ret;

	ret = common_getopt(ctl, argc, argv);
	if (ret >= 0)
		return ret;
	ret = want_args(ctl, argc, argv, 1, 1, "NAME");
	if (!ret)
		ret = ctl_open_pool(ctl, argv[optind], true, &pool);
	if (ret)
		return ret;
	ret = ckremm_validate(&pool, &v);
	if (ret && ret != -EUCLEAN)
		return ctl_fail(ctl, ret, NULL, "pool '%s': validate", pool.name);
	v.reason[sizeof(v.reason) - 1] = '\0';
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_bool("ok", !ret);
		if (ret) {
			json_u64("offset", v.offset);
			json_str("reason", v.reason);
		}
		json_end();
	} else if (!ret) {
		printf("%s: ok\n", pool.name);
	} else {
		printf("%s: inconsistent at offset %llu: %s\n", pool.name,
		       (unsigned long long)v.offset,
		       v.reason[0] ? v.reason : "(no reason given)");
	}
	return ret ? EXIT_FAILED : EXIT_OK;
}

int verb_list(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_list_entry *e = NULL;
	size_t n = 0;
	int ret;

	ret = common_getopt(ctl, argc, argv);
	if (ret >= 0)
		return ret;
	ret = want_args(ctl, argc, argv, 0, 0, "");
	if (!ret)
		ret = ctl_open_device(ctl);
	if (ret)
		return ret;
	ret = ckremm_list(ctl->fd, &e, &n);
	if (ret)
		return ctl_fail(ctl, ret, NULL, "list");
	if (ctl->json) {
		json_begin();
		json_array_begin("pools");
		for (size_t i = 0; e && i < n; i++) {
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
		for (size_t i = 0; e && i < n; i++) {
			char name[CKREMM_NAME_LEN + 1] = { 0 };

			memcpy(name, e[i].name, CKREMM_NAME_LEN);
			printf("%-31s %-6s %12llu %12llu %05o %6u %6u\n",
			       name, ckremm_kind_name(e[i].kind),
			       (unsigned long long)e[i].arena_size,
			       (unsigned long long)e[i].used_bytes,
			       e[i].mode, e[i].uid, e[i].gid);
		}
	}
	free(e);
	return EXIT_OK;
}

int verb_destroy(struct ctl *ctl, int argc, char **argv)
{
	int ret, status = EXIT_OK;

	ret = common_getopt(ctl, argc, argv);
	if (ret >= 0)
		return ret;
	ret = want_args(ctl, argc, argv, 1, -1, "NAME");
	if (ret)
		return ret;
	for (int i = optind; i < argc; i++)
		if (!ckremm_name_valid(argv[i]))
			return ctl_usage(ctl,
					 "invalid pool name '%s': use 1 to %d of A-Z a-z 0-9 . _ -",
					 argv[i], CKREMM_NAME_LEN - 1);
	if (ctl->json) {
		json_begin();
		json_array_begin("destroyed");
	}
	for (int i = optind; i < argc; i++) {
		struct ckremm_pool pool;

		ret = ctl_open_pool(ctl, argv[i], false, &pool);
		if (ret) {
			status = ret;
			continue;
		}
		ret = ckremm_pool_destroy(&pool);
		if (ret) {
			status = ctl_fail(ctl, ret,
					  -ret == EPERM || -ret == EACCES ?
					  "only its owner or root may destroy it; see: ckremmctl list" :
					  NULL,
					  "destroy pool '%s'", argv[i]);
			ckremm_pool_close(&pool);
			continue;
		}
		if (ctl->json)
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
	__u64 handle = 0, offset = 0, size = 0;
	int ret;

	ret = common_getopt(ctl, argc, argv);
	if (ret >= 0)
		return ret;
	ret = want_args(ctl, argc, argv, 2, 2, "NAME HANDLE");
	if (!ret)
		ret = arg_block(ctl, argv[optind + 1], &handle);
	if (!ret)
		ret = ctl_open_pool(ctl, argv[optind], true, &pool);
	if (ret)
		return ret;
	ret = ckremm_t_locate(&pool, handle, &offset, &size);
	if (ret)
		return ctl_fail(ctl, ret, hint_for_block(ret, pool.name),
				"pool '%s': locate %llu", pool.name,
				(unsigned long long)handle);
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64("handle", handle);
		json_u64("offset", offset);
		json_u64("size", size);
		json_end();
	} else {
		printf("offset %llu size %llu\n", (unsigned long long)offset,
		       (unsigned long long)size);
	}
	return EXIT_OK;
}

int verb_copy(struct ctl *ctl, int argc, char **argv)
{
	struct ckremm_pool pool;
	__u64 dst = 0, src = 0;
	int ret;

	ret = common_getopt(ctl, argc, argv);
	if (ret >= 0)
		return ret;
	ret = want_args(ctl, argc, argv, 3, 3, "NAME DST SRC");
	if (!ret)
		ret = arg_block(ctl, argv[optind + 1], &dst);
	if (!ret)
		ret = arg_block(ctl, argv[optind + 2], &src);
	if (!ret)
		ret = ctl_open_pool(ctl, argv[optind], false, &pool);
	if (ret)
		return ret;
	ret = ckremm_t_copy(&pool, dst, src);
	if (ret) {
		const char *hint = hint_for_block(ret, pool.name);

		if (-ret == ENOSPC)
			hint = "DST is smaller than SRC: alloc a DST at least as large";
		return ctl_fail(ctl, ret, hint, "pool '%s': copy %llu to %llu",
				pool.name, (unsigned long long)src,
				(unsigned long long)dst);
	}
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64("dst", dst);
		json_u64("src", src);
		json_end();
	}
	return EXIT_OK;
}
