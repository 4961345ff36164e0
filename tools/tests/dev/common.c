// SPDX-License-Identifier: GPL-2.0-only
/* See common.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/ioctl.h>
#include <linux/ckremm.h>

#include "common.h"
#include "libckremm.h"

static unsigned int tap_number, tap_failed;

void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

const char *errno_name(int err)
{
	static char buf[4][32];
	static int next;
	const char *name;

	if (err < 0)
		err = -err;
	if (!err)
		return "0";
	name = strerrorname_np(err);
	if (name)
		return name;
	next = (next + 1) % 4;
	snprintf(buf[next], sizeof(buf[next]), "errno %d", err);
	return buf[next];
}

#define V1(name, dir, nr, size) { name, _IOC(dir, CKREMM_IOC_MAGIC, nr, size) }
#define V1_RW	(_IOC_READ | _IOC_WRITE)

const struct v1_request v1_requests[] = {
	V1("ALLOC", V1_RW, 0x05, 40),
	V1("FREE", _IOC_WRITE, 0x06, 32),
	V1("CLEAN", V1_RW, 0x07, 32),
	V1("REALLOC", V1_RW, 0x08, 40),
	V1("ALLOC_BATCH", _IOC_WRITE, 0x09, 48),
	V1("FREE_BATCH", _IOC_WRITE, 0x0a, 48),
	V1("READ", _IOC_WRITE, 0x0b, 48),
	V1("WRITE", _IOC_WRITE, 0x0c, 48),
	V1("T_ALLOC", V1_RW, 0x20, 32),
	V1("T_FREE", _IOC_WRITE, 0x21, 40),
	V1("T_CLEAN", _IOC_WRITE, 0x22, 40),
	V1("T_PIN", V1_RW, 0x23, 40),
	V1("T_UNPIN", _IOC_WRITE, 0x24, 40),
	V1("T_LOCATE", V1_RW, 0x25, 40),
	V1("T_READ", _IOC_WRITE, 0x26, 48),
	V1("T_WRITE", _IOC_WRITE, 0x27, 48),
	V1("T_COPY", _IOC_WRITE, 0x28, 32),
};
const unsigned int v1_request_count =
	sizeof(v1_requests) / sizeof(v1_requests[0]);

void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u - ", ok ? "" : "not ", ++tap_number);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

int tap_status(unsigned int plan)
{
	return tap_failed || tap_number != plan ? 1 : 0;
}

/* A whole decimal or 0x number in [min, max], or false. */
static bool parse_number(const char *s, unsigned long long min,
			 unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (*s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int run_opts_parse(struct run_opts *o, unsigned int max_procs, int argc,
		   char **argv, const char *usage)
{
	unsigned long long v = 0;
	bool good = true;
	int opt;

	while (good && (opt = getopt(argc, argv, "p:n:t:s:h")) != -1) {
		switch (opt) {
		case 'p':
			good = parse_number(optarg, 1, max_procs, &v);
			o->procs = (unsigned int)v;
			break;
		case 'n':
			good = parse_number(optarg, 1, ULONG_MAX, &v);
			o->count = (unsigned long)v;
			break;
		case 't':
			good = parse_number(optarg, 1, UINT_MAX, &v);
			o->seconds = (unsigned int)v;
			break;
		case 's':
			good = parse_number(optarg, 0, ULLONG_MAX, &o->seed);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			good = false;
		}
	}
	if (!good || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	return -1;
}

bool read_ull(const char *path, unsigned long long *v)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (ok)
		*v = strtoull(buf, NULL, 0);
	return ok;
}

int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

unsigned long long cap_eff(void)
{
	char line[256];
	unsigned long long v = ~0ULL;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			v = strtoull(line + 7, NULL, 16);
	fclose(f);
	return v;
}

bool module_has_lz4(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[256];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " ckremm_codec_lz4") != NULL;
	fclose(f);
	return found;
}

int destroy_named_pools(int fd, const char *prefix)
{
	struct ckremm_list_entry *e;
	size_t n;
	int found = 0;

	if (ckremm_list(fd, &e, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		e[i].name[CKREMM_NAME_LEN - 1] = '\0';
		if (!strncmp(e[i].name, prefix, strlen(prefix))) {
			found++;
			ckremm_destroy_by_name(fd, e[i].name);
		}
	}
	free(e);
	return found;
}
