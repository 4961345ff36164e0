// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host test harness: one child process per case, TAP on stdout.
 * See harness.h for the interface.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

struct test_case {
	char *name;
	test_fn fn;
	unsigned long arg;
	unsigned int timeout_s;
	/* filled in by the runner */
	pid_t pid;
	FILE *output;
	int status;
	double seconds;
	struct timespec started;
	bool selected;
	bool done;
};

/*
 * Allocation failure must be seen as NULL, as in the kernel, not as a
 * sanitizer abort; and no single allocation may exceed 4 GiB, so that the
 * tests can ask for a legal pool the host cannot give.
 */
#ifdef __SANITIZE_ADDRESS__
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=4096:"
	       "detect_leaks=1:abort_on_error=0";
}
#endif

const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "print_stacktrace=1";
}

static struct test_case *cases;
static unsigned int n_cases, cap_cases;
static bool case_failed;
static unsigned long case_checks;

void test_add(const char *name, test_fn fn, unsigned long arg,
	      unsigned int timeout_s)
{
	if (n_cases == cap_cases) {
		cap_cases = cap_cases ? 2 * cap_cases : 64;
		cases = realloc(cases, cap_cases * sizeof(*cases));
		if (!cases) {
			perror("test_add");
			exit(2);
		}
	}
	memset(&cases[n_cases], 0, sizeof(cases[n_cases]));
#ifdef POOL_KEYED
	/* The same cases again over H_POOL_KEYED pools (pool_new()). */
	if (asprintf(&cases[n_cases].name, "keyed: %s", name) < 0)
		cases[n_cases].name = NULL;
#else
	cases[n_cases].name = strdup(name);
#endif
	cases[n_cases].fn = fn;
	cases[n_cases].arg = arg;
	cases[n_cases].timeout_s = timeout_s ? timeout_s : TEST_TIMEOUT_DEFAULT;
	n_cases++;
}

void test_fail_at(const char *file, int line, const char *what,
		  const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	/* Cases may fail from several threads at once: one write a line. */
	__atomic_store_n(&case_failed, true, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%s:%d: failed: %s;%s\n", file, line, what, msg);
	fflush(stdout);
}

void test_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void test_checked(void)
{
	__atomic_fetch_add(&case_checks, 1, __ATOMIC_RELAXED);
}

bool test_failed(void)
{
	return __atomic_load_n(&case_failed, __ATOMIC_RELAXED);
}

void test_abort(void)
{
	fflush(stdout);
	/* exit(), not _exit(): the sanitizers still get to report. */
	exit(1);
}

static double elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

static void start_case(struct test_case *tc)
{
	FILE *out = tmpfile();
	pid_t pid;

	if (!out) {
		perror("tmpfile");
		exit(2);
	}
	fflush(stdout);
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &tc->started);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		int fd = fileno(out);

		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		setvbuf(stdout, NULL, _IOLBF, 0);
		alarm(tc->timeout_s);
		tc->fn(tc->arg);
		if (!__atomic_load_n(&case_checks, __ATOMIC_RELAXED))
			test_fail_at(__FILE__, __LINE__, "a check",
				     " the case ran without checking anything");
		fflush(stdout);
		exit(test_failed() ? 1 : 0);
	}
	tc->pid = pid;
	tc->output = out;
}

static void print_output(FILE *out)
{
	char line[1024];
	bool at_line_start = true;

	rewind(out);
	while (fgets(line, sizeof(line), out)) {
		if (at_line_start)
			fputs("# ", stdout);
		fputs(line, stdout);
		at_line_start = strchr(line, '\n') != NULL;
	}
	if (!at_line_start)
		putchar('\n');
	fclose(out);
}

static bool report_case(struct test_case *tc, unsigned int number)
{
	int st = tc->status;
	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;

	printf("%s %u - %s\n", ok ? "ok" : "not ok", number, tc->name);
	if (!ok) {
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
			printf("# timed out after %u s\n", tc->timeout_s);
		else if (WIFSIGNALED(st))
			printf("# killed by signal %d (%s)\n", WTERMSIG(st),
			       strsignal(WTERMSIG(st)));
		else if (WEXITSTATUS(st) != 1)
			printf("# exit status %d (a sanitizer report?)\n",
			       WEXITSTATUS(st));
	}
	print_output(tc->output);
	if (getenv("HOST_TIMES"))
		printf("# %.2f s\n", tc->seconds);
	fflush(stdout);
	return ok;
}

static unsigned int job_count(void)
{
	const char *env = getenv("HOST_JOBS");
	long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (unsigned int)n;
}

/* Returns false if a name was given that no case matches. */
static bool select_cases(int argc, char **argv, unsigned long *offset,
			 bool *count_only, bool *plan)
{
	bool any_name = false;
	unsigned int i;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--count")) {
			*count_only = true;
		} else if (!strncmp(argv[a], "--offset=", 9)) {
			*offset = strtoul(argv[a] + 9, NULL, 10);
			*plan = false;
		} else {
			any_name = true;
		}
	}
	for (i = 0; i < n_cases; i++) {
		cases[i].selected = !any_name;
		for (a = 1; a < argc && !cases[i].selected; a++)
			if (argv[a][0] != '-' && strstr(cases[i].name, argv[a]))
				cases[i].selected = true;
	}
	/* A misspelt name must not pass as a run of nothing. */
	for (a = 1; a < argc; a++) {
		if (argv[a][0] == '-')
			continue;
		for (i = 0; i < n_cases; i++)
			if (strstr(cases[i].name, argv[a]))
				break;
		if (i == n_cases) {
			fprintf(stderr, "%s: no case matches '%s'\n", argv[0],
				argv[a]);
			return false;
		}
	}
	return true;
}

int test_main(int argc, char **argv)
{
	unsigned int jobs = job_count(), running = 0, next = 0, shown = 0;
	unsigned int selected = 0, passed = 0, failed = 0, i;
	unsigned long offset = 0;
	bool count_only = false, plan = true;

	if (!select_cases(argc, argv, &offset, &count_only, &plan))
		return 2;
	for (i = 0; i < n_cases; i++)
		selected += cases[i].selected;
	if (count_only) {
		printf("%u\n", selected);
		return 0;
	}
	if (plan)
		printf("1..%u\n", selected);

	/* Keep `jobs` children running; print results in order. */
	while (shown < n_cases) {
		while (next < n_cases && running < jobs) {
			if (cases[next].selected) {
				start_case(&cases[next]);
				running++;
			} else {
				cases[next].done = true;
			}
			next++;
		}
		if (running) {
			int st;
			pid_t pid = wait(&st);

			if (pid < 0 && errno == EINTR)
				continue;
			if (pid < 0) {
				perror("wait");
				return 2;
			}
			for (i = 0; i < n_cases; i++) {
				if (cases[i].pid == pid && !cases[i].done) {
					cases[i].status = st;
					cases[i].seconds =
						elapsed(&cases[i].started);
					cases[i].done = true;
					running--;
				}
			}
		}
		while (shown < n_cases && cases[shown].done) {
			if (cases[shown].selected) {
				if (report_case(&cases[shown],
						offset + passed + failed + 1))
					passed++;
				else
					failed++;
			}
			shown++;
		}
	}
	if (plan)
		printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
