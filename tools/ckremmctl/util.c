// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckremmctl common code: argument parsing, error messages that say what to do
 * next, and a small JSON writer for --json.
 */
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

int ctl_getopt(struct ctl *ctl, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	int c;

	opterr = 0;	/* we word the errors ourselves */
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	switch (c) {
	case 'h':
		verb_help(ctl->verb, stdout);
		ctl->stop = true;
		ctl->status = EXIT_OK;
		return -1;
	case 'j':
		ctl->json = true;
		return 'j';
	case ':':
		ctl->status = ctl_usage(ctl, "option '%s' needs a value",
					argv[optind - 1]);
		ctl->stop = true;
		return -1;
	case '?':
		ctl->status = ctl_usage(ctl, "unknown option '%s'",
					argv[optind - 1]);
		ctl->stop = true;
		return -1;
	default:
		return c;
	}
}

int ctl_usage(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ckremmctl %s: ", ctl->verb->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: ckremmctl %s\ntry: ckremmctl help %s\n",
		ctl->verb->usage, ctl->verb->name);
	return EXIT_USAGE;
}

/* Check that argv[optind..] holds between @min and @max words. */
int want_args(struct ctl *ctl, int argc, char **argv, int min, int max,
		     const char *what)
{
	int have = argc - optind;

	if (have < min) {
		/* Name the words that are missing: skip the ones given. */
		const char *missing = what;

		for (int i = 0; i < have && strchr(missing, ' '); i++)
			missing = strchr(missing, ' ') + 1;
		return ctl_usage(ctl, "missing %s", missing);
	}
	if (max >= 0 && have > max)
		return ctl_usage(ctl, "unexpected argument '%s'",
				 argv[optind + max]);
	return EXIT_OK;
}

bool parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end;
}

/* A byte count: decimal or 0x hex, then an optional K, M, G or T
 * (powers of 1024), optionally followed by "iB" or "B". */
bool parse_size(const char *s, unsigned long long *out)
{
	static const char units[] = "KMGT";
	unsigned long long value, mult = 1;
	const char *u;
	char *end;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	value = strtoull(s, &end, 0);
	if (errno || end == s)
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

	if (!*s || *s == '-')
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

/* ------------------------------------------------------------------ */
/* Errors                                                               */

int ctl_fail(struct ctl *ctl, int err, const char *hint, const char *fmt, ...)
{
	va_list ap;

	(void)ctl;
	fputs("ckremmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(-err));
	if (hint)
		fprintf(stderr, " (%s)", hint);
	fputc('\n', stderr);
	return EXIT_FAILED;
}

static char hint_buf[256];

const char *hint_for_block(int err, const char *pool)
{
	switch (-err) {
	case EINVAL:
		snprintf(hint_buf, sizeof(hint_buf),
			 "BLOCK must be a live block (the offset or handle alloc printed), and --pos/--len must stay inside it; see the blocks: ckremmctl map %s",
			 pool);
		return hint_buf;
	case EOPNOTSUPP:
		snprintf(hint_buf, sizeof(hint_buf),
			 "pool '%s' is of a kind that does not take this request; see: ckremmctl help",
			 pool);
		return hint_buf;
	case EBUSY:
		return "the block is pinned: it cannot be freed until unpinned";
	case EBADF:
		return "the pool is attached read-only: ask its owner for write permission (see: ckremmctl list)";
	default:
		return NULL;
	}
}

const char *hint_for_space(int err, const char *pool)
{
	switch (-err) {
	case ENOMEM:
	case ENOSPC:
		snprintf(hint_buf, sizeof(hint_buf),
			 "no free block that large; see: ckremmctl stats %s; ckremmctl map %s; then try: ckremmctl reorder %s",
			 pool, pool, pool);
		return hint_buf;
	case EINVAL:
		return "SIZE must be at least 1, and --align 0 or a power of two no larger than the page size";
	default:
		return hint_for_block(err, pool);
	}
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

int ctl_open_device(struct ctl *ctl)
{
	const char *path = ckremm_dev_path(ctl->device);
	bool default_path = !strcmp(path, CKREMM_DEFAULT_DEV);
	__u32 abi = 0;
	int fd, ret;

	if (ctl->fd >= 0)
		return EXIT_OK;
	fd = ckremm_dev_open(ctl->device);
	if (fd < 0) {
		const char *hint = NULL;

		switch (-fd) {
		case ENOENT:
		case ENODEV:
		case ENXIO:
			hint = default_path ?
				"is the module loaded? try: insmod ckremm.ko" :
				"is the module loaded? try: insmod ckremm.ko; or fix --device / $CKREMM_DEV";
			break;
		case EACCES:
		case EPERM:
			hint = "the device is mode 0600: run as root, or ask root to grant access to it";
			break;
		}
		return ctl_fail(ctl, fd, hint, "%s", path);
	}
	ret = ckremm_check_version(fd, &abi);
	if (ret == -EPROTO) {
		ckremm_dev_close(fd);
		fprintf(stderr,
			"ckremmctl: %s: module speaks ABI %u, ckremmctl ABI %u (rebuild ckremmctl against the module's include/uapi/ckremm.h)\n",
			path, abi, CKREMM_ABI_VERSION);
		return EXIT_FAILED;
	}
	if (ret) {
		ckremm_dev_close(fd);
		return ctl_fail(ctl, ret,
				"not a ckremm device? point --device or $CKREMM_DEV at /dev/ckremm",
				"%s: version query", path);
	}
	ctl->fd = fd;
	return EXIT_OK;
}

int ctl_open_pool(struct ctl *ctl, const char *name, bool rdonly,
		  struct ckremm_pool *pool)
{
	const char *hint = NULL;
	int ret;

	if (!ckremm_name_valid(name))
		return ctl_usage(ctl,
				 "invalid pool name '%s': use 1 to %d of A-Z a-z 0-9 . _ -",
				 name, CKREMM_NAME_LEN - 1);
	ret = ctl_open_device(ctl);
	if (ret)
		return ret;
	ret = ckremm_pool_open(ctl->fd, name,
			       rdonly ? CKREMM_OPEN_RDONLY : 0, pool);
	if (!ret)
		return EXIT_OK;
	switch (-ret) {
	case ENOENT:
		snprintf(hint_buf, sizeof(hint_buf),
			 "no pool has that name; see: ckremmctl list; or make it: ckremmctl create %s --size 1M",
			 name);
		hint = hint_buf;
		break;
	case EACCES:
	case EPERM:
		hint = "its mode does not let you in; see its owner and mode: ckremmctl list";
		break;
	}
	return ctl_fail(ctl, ret, hint, "pool '%s'", name);
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

void json_i64(const char *key, long long value)
{
	json_key(key);
	printf("%lld", value);
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
