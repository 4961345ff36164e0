// SPDX-License-Identifier: GPL-2.0-only
/*
 * The runner of harness.h: prints TAP, forks one child per case, cleans up
 * the named pools a case leaves behind, and ends with a summary line
 *
 *	dev: N passed, M failed
 *
 * (skipped cases count as passed, and are also counted in a comment).
 * Exit status 0 only if every case passed or was skipped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "harness.h"

#define DEFAULT_TIMEOUT	120	/* seconds per case; UML can be slow */

/* Written by the child running a case, read by the runner. */
struct case_result {
	int failed;
	int skipped;
	char skip_reason[200];
};

static struct case_result *result;
/* Checks made by the running case (in its own process). */
static unsigned long checks;
/* Every named pool this run makes starts with this. */
static char run_prefix[16];

void case_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	result->failed = 1;
}

void case_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result->skip_reason, sizeof(result->skip_reason), fmt, ap);
	va_end(ap);
	result->skipped = 1;
}

void case_checked(void)
{
	checks++;
}

bool case_failed(void)
{
	return result->failed;
}

const char *fixture_name(struct fixture *f, const char *suffix)
{
	char *name;

	if (f->nnames >= FIXTURE_MAX_NAMES) {
		case_fail(CASE_FILE, __LINE__, "too many named pools in one case");
		return run_prefix;
	}
	name = f->names[f->nnames++];
	if ((size_t)snprintf(name, CKREMM_NAME_LEN, "%s%s", run_prefix,
			     suffix) >= CKREMM_NAME_LEN)
		case_fail(CASE_FILE, __LINE__, "pool name suffix '%s' too long",
			  suffix);
	return name;
}

/* Destroy every named pool whose name starts with this run's prefix. */
static int sweep_named_pools(void)
{
	struct ckremm_list_entry *e;
	int fd = ckremm_dev_open(NULL);
	size_t n, swept = 0;

	if (fd < 0)
		return 0;
	if (!ckremm_list(fd, &e, &n)) {
		for (size_t i = 0; i < n; i++) {
			char name[CKREMM_NAME_LEN];

			memcpy(name, e[i].name, sizeof(name));
			name[CKREMM_NAME_LEN - 1] = '\0';
			if (!strncmp(name, run_prefix, strlen(run_prefix)) &&
			    !ckremm_destroy_by_name(fd, name))
				swept++;
		}
		free(e);
	}
	ckremm_dev_close(fd);
	return (int)swept;
}

static void fixture_setup(struct fixture *f, const struct test_case *c)
{
	int ret;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (c->flags & CASE_HOST)
		return;
	f->fd = ckremm_dev_open(NULL);
	if (f->fd < 0) {
		case_fail(CASE_FILE, __LINE__, "open %s: %s",
			  ckremm_dev_path(NULL), strerror(-f->fd));
		return;
	}
	if (c->flags & CASE_NO_POOL)
		return;
	ret = ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, FIXTURE_POOL_SIZE,
				 NULL, 0, &f->pool);
	if (ret)
		case_fail(CASE_FILE, __LINE__, "fixture pool: %s",
			  errno_name(ret));
}

static void fixture_teardown(struct fixture *f)
{
	int fd;

	if (f->nnames) {
		fd = ckremm_dev_open(NULL);
		for (int i = 0; fd >= 0 && i < f->nnames; i++)
			ckremm_destroy_by_name(fd, f->names[i]);
		if (fd >= 0)
			ckremm_dev_close(fd);
	}
	if (f->fd >= 0)
		ckremm_dev_close(f->fd);
}

/* Run one case in a child; returns 0 pass, 1 fail, 2 skip. */
static int run_case(const struct test_case *c, unsigned int timeout)
{
	struct fixture f;
	int status;
	pid_t pid;

	memset(result, 0, sizeof(*result));
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		diag("fork: %s", strerror(errno));
		return 1;
	}
	if (!pid) {
		alarm(timeout);
		fixture_setup(&f, c);
		if (!result->failed) {
			c->fn(&f);
			if (!checks && !result->skipped && !result->failed)
				case_fail(CASE_FILE, __LINE__,
					  "the case ran without checking anything");
		}
		fixture_teardown(&f);
		fflush(stdout);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			diag("waitpid: %s", strerror(errno));
			return 1;
		}
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGALRM)
			diag("timed out after %u s", timeout);
		else
			diag("killed by signal %d (%s)", WTERMSIG(status),
			     strsignal(WTERMSIG(status)));
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		diag("case exited with status %d", WEXITSTATUS(status));
		return 1;
	}
	if (result->failed)
		return 1;
	return result->skipped ? 2 : 0;
}

static void usage(FILE *out)
{
	fputs("usage: dev_test [--host-only] [--list] [--timeout SEC] [-t CASE]...\n\n"
	      "Drive /dev/ckremm (or $CKREMM_DEV) through every ioctl and print TAP.\n"
	      "  --host-only   only the cases that need no device (the map renderer)\n"
	      "  --list        print the case names and exit\n"
	      "  --timeout SEC seconds each case may take (default 120)\n"
	      "  -t CASE       run only the named cases (repeatable)\n", out);
}

static bool selected(const struct test_case *c, bool host_only,
		     char **only, int nonly)
{
	if (host_only && !(c->flags & CASE_HOST))
		return false;
	if (!nonly)
		return true;
	for (int i = 0; i < nonly; i++)
		if (!strcmp(only[i], c->name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const struct test_case *tables[] = { map_cases, dev_cases };
	unsigned int timeout = DEFAULT_TIMEOUT, planned = 0, number = 0;
	unsigned int passed = 0, failed = 0, skipped = 0;
	bool host_only = false, list = false;
	int device_error = 0;
	char **only = calloc((size_t)argc, sizeof(char *));
	int nonly = 0;

	if (!only)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--host-only")) {
			host_only = true;
		} else if (!strcmp(argv[i], "--list")) {
			list = true;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			timeout = (unsigned int)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			only[nonly++] = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(run_prefix, sizeof(run_prefix), "dt%d-", (int)getpid());
	result = mmap(NULL, sizeof(*result), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (result == MAP_FAILED) {
		perror("dev_test: mmap");
		return 1;
	}

	for (size_t t = 0; t < 2; t++)
		for (const struct test_case *c = tables[t]; c->name; c++)
			if (selected(c, host_only, only, nonly)) {
				if (list)
					puts(c->name);
				planned++;
			}
	/* A misspelt -t must not pass as a run of nothing. */
	for (int i = 0; i < nonly; i++) {
		bool known = false;

		for (size_t t = 0; t < 2 && !known; t++)
			for (const struct test_case *c = tables[t]; c->name; c++)
				if (!strcmp(c->name, only[i]) &&
				    selected(c, host_only, NULL, 0))
					known = true;
		if (!known) {
			fprintf(stderr, "dev_test: no case %s%s\n", only[i],
				host_only ? " that runs without a device" : "");
			free(only);
			return 2;
		}
	}
	if (list)
		return 0;

	printf("TAP version 13\n1..%u\n", planned);
	if (!host_only) {
		int fd = ckremm_dev_open(NULL);

		if (fd < 0) {
			device_error = -fd;
			diag("%s: %s (is the module loaded? try: insmod ckremm.ko); every case that needs it fails",
			     ckremm_dev_path(NULL), strerror(device_error));
		} else {
			ckremm_dev_close(fd);
			diag("device %s, pools named %s*",
			     ckremm_dev_path(NULL), run_prefix);
		}
	}
	for (size_t t = 0; t < 2; t++) {
		for (const struct test_case *c = tables[t]; c->name; c++) {
			int outcome, swept;

			if (!selected(c, host_only, only, nonly))
				continue;
			number++;
			if (device_error && !(c->flags & CASE_HOST)) {
				printf("not ok %u - %s # no device\n", number,
				       c->name);
				failed++;
				continue;
			}
			outcome = run_case(c, timeout);
			if (!(c->flags & CASE_HOST)) {
				swept = sweep_named_pools();
				if (swept)
					diag("%d named pool(s) left behind, destroyed",
					     swept);
			}
			if (outcome == 1) {
				printf("not ok %u - %s\n", number, c->name);
				failed++;
			} else if (outcome == 2) {
				printf("ok %u - %s # SKIP %s\n", number,
				       c->name, result->skip_reason);
				skipped++;
				passed++;
			} else {
				printf("ok %u - %s\n", number, c->name);
				passed++;
			}
		}
	}
	if (skipped)
		diag("%u skipped", skipped);
	printf("%s: %u passed, %u failed\n", host_only ? "map" : "dev",
	       passed, failed);
	free(only);
	return failed ? 1 : 0;
}
