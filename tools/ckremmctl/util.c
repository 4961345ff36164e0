// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckremmctl common code: argument parsing, error messages that say what to do
 * next, and a small JSON writer for --json.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ckremmctl.h"

/* ------------------------------------------------------------------ */
/* Options and arguments                                                */

/* Most options a verb has besides --json and --help. */
#define VERB_OPTS_MAX	8

/*
 * The verb's own options @opts (NULL if none) followed by --json and
 * --help, and getopt's string of the same options as letters (each with
 * ':' if it takes a value, after a leading ':' so that a missing value is
 * reported as such).
 */
static void all_options(const struct option *opts, struct option *all,
			char *letters)
{
	static const struct option common[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t n = 0, i;

	for (; opts && opts[n].name && n < VERB_OPTS_MAX; n++)
		all[n] = opts[n];
	assert(!opts || !opts[n].name);	/* else raise VERB_OPTS_MAX */
	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		all[n + i] = common[i];
	*letters++ = ':';
	for (i = 0; all[i].name; i++) {
		*letters++ = (char)all[i].val;
		if (all[i].has_arg != no_argument)
			*letters++ = ':';
		if (all[i].has_arg == optional_argument)
			*letters++ = ':';
	}
	*letters = '\0';
}

/*
 * The verb's next option from @opts, as getopt_long() returns it, or -1
 * when the options end.  --json and --help are taken here for every verb:
 * --help prints the verb's help and exits 0; an unknown option or a
 * missing value is a usage error.
 */
int ctl_getopt(struct ctl *ctl, int argc, char **argv,
	       const struct option *opts)
{
	struct option all[VERB_OPTS_MAX + 3];
	char letters[2 * (VERB_OPTS_MAX + 2) + 2];
	int c;

	all_options(opts, all, letters);
	opterr = 0;	/* we word the errors ourselves */
	c = getopt_long(argc, argv, letters, all, NULL);
	switch (c) {
	case 'h':
		verb_help(ctl->verb, stdout);
		ctl_exit(EXIT_OK);
	case ':':
		ctl_usage(ctl, "option '%s' needs a value", argv[optind - 1]);
	case '?':
		ctl_usage(ctl, "unknown option '%s'", argv[optind - 1]);
	case 'j':
		ctl->json = true;
		break;
	}
	return c;
}

/* The subcommand of @subs whose name, after "VERB ", is @name, or NULL. */
const struct verb *find_sub(const struct verb *subs, size_t n,
			    const char *name)
{
	for (size_t i = 0; i < n; i++) {
		const char *sub = strchr(subs[i].name, ' ');

		if (sub && !strcmp(sub + 1, name))
			return &subs[i];
	}
	return NULL;
}

/*
 * Run the subcommand argv[1] of the verb being run, one of @subs: its
 * own options and words follow it; the verb's --help is taken here.
 */
int run_sub(struct ctl *ctl, int argc, char **argv, const struct verb *subs,
	    size_t n)
{
	const struct verb *sub;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "-h") ||
				  !strcmp(argv[1], "--help"))) {
			verb_help(ctl->verb, stdout);
			return EXIT_OK;
		}
		ctl_usage(ctl, "missing SUBCOMMAND");
	}
	sub = find_sub(subs, n, argv[1]);
	if (!sub)
		ctl_usage(ctl, "unknown subcommand '%s'", argv[1]);
	ctl->verb = sub;
	optind = 0;
	return sub->run(ctl, argc - 1, argv + 1);
}

/* For a verb with no options of its own: take --json and --help. */
void ctl_no_options(struct ctl *ctl, int argc, char **argv)
{
	while (ctl_getopt(ctl, argc, argv, NULL) != -1)
		;
}

void ctl_usage(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ckremmctl %s: ", ctl->verb->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: ckremmctl %s\ntry: ckremmctl help %s\n",
		ctl->verb->usage, ctl->verb->name);
	exit(EXIT_USAGE);
}

/*
 * Check that the words left after the options are those @what names, one
 * per word ("NAME BLOCK"); a last word ending in "..." may repeat.
 */
void want_args(struct ctl *ctl, int argc, char **argv, const char *what)
{
	int have = argc - optind, want = *what ? 1 : 0;
	const char *word;

	for (word = what; (word = strchr(word, ' ')); word++)
		want++;
	if (have < want) {
		/* Name the words that are missing: skip the ones given. */
		for (word = what; have > 0; have--)
			word = strchr(word, ' ') + 1;
		ctl_usage(ctl, "missing %s", word);
	}
	if (have > want && !strstr(what, "..."))
		ctl_usage(ctl, "unexpected argument '%s'", argv[optind + want]);
}

/*
 * Digits of a number, decimal or (after 0x) hex, at the start of @s: the
 * value goes to *@out and the first byte after the digits to *@end.  No
 * sign, no space, no octal: "010" is ten.
 */
static bool parse_digits(const char *s, unsigned long long *out, char **end)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned char first = (unsigned char)s[hex ? 2 : 0];

	if (hex ? !isxdigit(first) : !isdigit(first))
		return false;
	errno = 0;
	*out = strtoull(s, end, hex ? 16 : 10);
	return !errno;
}

static bool parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	return parse_digits(s, out, &end) && !*end;
}

/* A byte count: a number, then an optional K, M, G or T (powers of 1024),
 * optionally followed by "iB" or "B". */
static bool parse_size(const char *s, unsigned long long *out)
{
	static const char units[] = "KMGT";
	unsigned long long value, mult = 1;
	const char *u;
	char *end;

	if (!parse_digits(s, &value, &end))
		return false;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u)
			return false;
		mult = 1ULL << (10 * (u - units + 1));
		end++;
		if (!strcasecmp(end, "iB") || !strcasecmp(end, "B"))
			end += strlen(end);
		if (*end)
			return false;
	}
	if (value > ULLONG_MAX / mult)
		return false;
	*out = value * mult;
	return true;
}

/* Permission bits in octal, 0..0777. */
bool parse_mode(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (s[0] < '0' || s[0] > '7')
		return false;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || v > 0777)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* A byte value: 0..255 in decimal or 0x hex, or one non-digit character. */
bool parse_byte(const char *s, unsigned char *out)
{
	unsigned long long v;

	if (s[0] && !s[1] && !isdigit((unsigned char)s[0])) {
		*out = (unsigned char)s[0];
		return true;
	}
	if (!parse_u64(s, &v) || v > 255)
		return false;
	*out = (unsigned char)v;
	return true;
}

/* A number word or option value (@what names it), or a usage error. */
__u64 arg_number(struct ctl *ctl, const char *what, const char *s)
{
	unsigned long long v;

	if (!parse_u64(s, &v))
		ctl_usage(ctl, "%s '%s' is not a number", what, s);
	return v;
}

/* As arg_number(), and within @min..@max. */
__u64 arg_range(struct ctl *ctl, const char *what, const char *s,
		__u64 min, __u64 max)
{
	unsigned long long v;

	if (!parse_u64(s, &v) || v < min || v > max)
		ctl_usage(ctl, "%s '%s' is not %llu..%llu", what, s,
			  (unsigned long long)min, (unsigned long long)max);
	return v;
}

/* A byte count with an optional K, M, G or T, or a usage error. */
__u64 arg_size(struct ctl *ctl, const char *what, const char *s)
{
	unsigned long long v;

	if (!parse_size(s, &v))
		ctl_usage(ctl, "%s '%s' is not a size (e.g. 4096, 0x1000, 4K, 1M)",
			  what, s);
	return v;
}

void check_pool_name(struct ctl *ctl, const char *name)
{
	if (!ckremm_name_valid(name))
		ctl_usage(ctl, "invalid pool name '%s': use 1 to %d of A-Z a-z 0-9 . _ -",
			  name, CKREMM_NAME_LEN - 1);
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */

/* End the command with @status, reporting output that could not be written. */
void ctl_exit(int status)
{
	if (fflush(stdout) && status == EXIT_OK) {
		perror("ckremmctl: standard output");
		status = EXIT_FAILED;
	}
	exit(status);
}

static void report(const char *pool, int err, const char *hint,
		   const char *fmt, va_list ap)
{
	fputs("ckremmctl: ", stderr);
	if (pool)
		fprintf(stderr, "pool '%s': ", pool);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(-err));
	if (hint)
		fprintf(stderr, " (%s)", hint);
	fputc('\n', stderr);
}

/* Report a refusal: what was asked, the error -@err (none if 0) and a
 * hint (may be NULL) on stderr.  Returns EXIT_FAILED. */
int ctl_fail(int err, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(NULL, err, hint, fmt, ap);
	va_end(ap);
	return EXIT_FAILED;
}

/* As ctl_fail(), for a request to @pool. */
int pool_fail(const struct ckremm_pool *pool, int err, const char *hint,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(pool->name, err, hint, fmt, ap);
	va_end(ap);
	return EXIT_FAILED;
}

static char hint_buf[256];

/* The hint in @table for the failure -@err, with @pool's name filled in,
 * or NULL if the table has none. */
const char *find_hint(const struct errno_hint *table, int err,
		      const char *pool)
{
	for (; table->err; table++) {
		if (table->err == -err) {
			snprintf(hint_buf, sizeof(hint_buf), table->text, pool);
			return hint_buf;
		}
	}
	return NULL;
}

static const struct errno_hint block_hints[] = {
	{ EINVAL, "BLOCK must be a live block (the offset or handle alloc printed), and --pos/--len must stay inside it; see the blocks: ckremmctl map %1$s" },
	{ EOPNOTSUPP, "pool '%1$s' is of a kind that does not take this request; see: ckremmctl help" },
	{ EBUSY, "the block is pinned (it cannot be freed until unpinned) or another request is working on it: try again" },
	{ EBADF, "the pool is attached read-only: ask its owner for write permission (see: ckremmctl list)" },
	{ 0, NULL },
};

static const struct errno_hint space_hints[] = {
	{ ENOMEM, "no free block that large; see: ckremmctl stats %1$s; ckremmctl map %1$s; then try: ckremmctl reorder %1$s" },
	{ EINVAL, "SIZE must be at least 1, and --align 0 or a power of two no larger than the page size" },
	{ 0, NULL },
};

/* For a request naming a block. */
const char *hint_for_block(int err, const char *pool)
{
	return find_hint(block_hints, err, pool);
}

/* For a request that makes or grows a block. */
const char *hint_for_space(int err, const char *pool)
{
	const char *hint = find_hint(space_hints, err, pool);

	return hint ? hint : hint_for_block(err, pool);
}

const char *fmt_bytes(unsigned long long bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, size, "%llu B", bytes);
		return buf;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Device and pools                                                     */

static const char no_module[] =
	"is the module loaded? try: modprobe ckremm (or insmod ckremm.ko); or fix --device / $CKREMM_DEV";
static const char device_mode[] =
	"the device is for root and the ckremm group: ask root to add you (adduser USER ckremm), or run as root";

static const struct errno_hint device_hints[] = {
	{ ENOENT, no_module },
	{ ENODEV, no_module },
	{ ENXIO, no_module },
	{ EACCES, device_mode },
	{ EPERM, device_mode },
	{ 0, NULL },
};

static const struct errno_hint pool_open_hints[] = {
	{ ENOENT, "no pool has that name; see: ckremmctl list; or make it: ckremmctl create %1$s --size 1M" },
	{ EACCES, "its mode does not let you in; see its owner and mode: ckremmctl list" },
	{ 0, NULL },
};

/* Open the device once per command and check that it speaks our ABI. */
int ctl_open_device(struct ctl *ctl)
{
	const char *path = ckremm_dev_path(ctl->device);
	__u32 abi = 0;
	int fd, ret;

	if (ctl->fd >= 0)
		return EXIT_OK;
	fd = ckremm_dev_open(ctl->device);
	if (fd < 0)
		return ctl_fail(fd, find_hint(device_hints, fd, NULL), "%s",
				path);
	ret = ckremm_check_version(fd, &abi);
	if (ret == -EPROTO) {
		ckremm_dev_close(fd);
		return ctl_fail(0, "rebuild ckremmctl against the module's include/uapi/linux/ckremm.h",
				"%s: module speaks ABI %u, ckremmctl ABI %u",
				path, abi, CKREMM_ABI_VERSION);
	}
	if (ret) {
		ckremm_dev_close(fd);
		return ctl_fail(ret, "not a ckremm device? point --device or $CKREMM_DEV at /dev/ckremm",
				"%s: version query", path);
	}
	ctl->fd = fd;
	return EXIT_OK;
}

/* Attach the named pool @name, read-only if @rdonly. */
int ctl_open_pool(struct ctl *ctl, const char *name, bool rdonly,
		  struct ckremm_pool *pool)
{
	int ret;

	check_pool_name(ctl, name);
	ret = ctl_open_device(ctl);
	if (ret)
		return ret;
	ret = ckremm_pool_open(ctl->fd, name, rdonly ? CKREMM_OPEN_RDONLY : 0,
			       pool);
	if (ret)
		return ctl_fail(ret, find_hint(pool_open_hints, ret, name),
				"pool '%s'", name);
	return EXIT_OK;
}

/* For a verb whose only word is NAME: check that, then attach the pool. */
int ctl_open_pool_arg(struct ctl *ctl, int argc, char **argv, bool rdonly,
		      struct ckremm_pool *pool)
{
	want_args(ctl, argc, argv, "NAME");
	return ctl_open_pool(ctl, argv[optind], rdonly, pool);
}

int ctl_open_pool_words(struct ctl *ctl, int argc, char **argv,
			const char *usage, bool rdonly,
			struct ckremm_pool *pool, __u64 *numbers)
{
	const char *word = strchr(usage, ' ');
	char name[16];

	ctl_no_options(ctl, argc, argv);
	want_args(ctl, argc, argv, usage);
	for (int i = 1; word; i++, numbers++) {
		const char *end = strchr(++word, ' ');
		int len = end ? (int)(end - word) : (int)strlen(word);

		snprintf(name, sizeof(name), "%.*s", len, word);
		*numbers = strcmp(name, "SIZE") ?
			   arg_number(ctl, name, argv[optind + i]) :
			   arg_size(ctl, name, argv[optind + i]);
		word = end;
	}
	return ctl_open_pool(ctl, argv[optind], rdonly, pool);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

/* Whether the next value at each nesting depth needs a comma first. */
static bool json_comma[32];
static int json_depth;

static void json_string_body(const char *s, size_t len)
{
	putchar('"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Comma and key for the next value; @key is NULL inside arrays. */
static void json_key(const char *key)
{
	if (json_comma[json_depth])
		putchar(',');
	json_comma[json_depth] = true;
	if (key) {
		json_string_body(key, strlen(key));
		putchar(':');
	}
}

static void json_open(const char *key, char bracket)
{
	json_key(key);
	putchar(bracket);
	if (json_depth < (int)(sizeof(json_comma) / sizeof(json_comma[0])) - 1)
		json_depth++;
	json_comma[json_depth] = false;
}

static void json_close(char bracket)
{
	putchar(bracket);
	if (json_depth > 0)
		json_depth--;
}

void json_begin(void)
{
	json_depth = 0;
	json_comma[0] = false;
	json_open(NULL, '{');
}

void json_end(void)
{
	json_close('}');
	putchar('\n');
}

void json_object_begin(const char *key)
{
	json_open(key, '{');
}

void json_object_end(void)
{
	json_close('}');
}

void json_array_begin(const char *key)
{
	json_open(key, '[');
}

void json_array_end(void)
{
	json_close(']');
}

void json_u64(const char *key, unsigned long long value)
{
	json_key(key);
	printf("%llu", value);
}

void json_u64s(const struct json_u64_field *fields)
{
	for (; fields->key; fields++)
		json_u64(fields->key, fields->value);
}

void json_bool(const char *key, bool value)
{
	json_key(key);
	fputs(value ? "true" : "false", stdout);
}

void json_str(const char *key, const char *value)
{
	json_strn(key, value, strlen(value));
}

void json_strn(const char *key, const char *value, size_t len)
{
	json_key(key);
	json_string_body(value, len);
}

void json_hex(const char *key, const unsigned char *data, size_t len)
{
	json_key(key);
	putchar('"');
	for (size_t i = 0; i < len; i++)
		printf("%02x", data[i]);
	putchar('"');
}

void json_null(const char *key)
{
	json_key(key);
	fputs("null", stdout);
}
