// SPDX-License-Identifier: GPL-2.0-only
/*
 * tap.c - runs the cases of tap.h, each in a child process, and prints TAP.
 *
 * The parent forks one child per case (at most TPOOL_JOBS at a time); the
 * child's stdout and stderr go to an unlinked temporary file which the
 * parent copies out as "# " lines once the case is over, so diagnostics,
 * sanitizer reports and leak reports stay next to the case they belong to.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#ifndef TAP_MAX_DIAG_LINES
#define TAP_MAX_DIAG_LINES	80
#endif

/* ---- inside a case (child process) ---------------------------------- */

/* Failures and checks so far; cases may check from several threads. */
static unsigned long case_failures, case_checks;

void tap_checked(void)
{
	__atomic_fetch_add(&case_checks, 1, __ATOMIC_RELAXED);
}

void tap_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&case_failures, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void tap_fail_cond(const char *file, int line, const char *cond,
		   const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&case_failures, 1, __ATOMIC_RELAXED);
	/* @fmt is " " followed by the caller's message, if any */
	fprintf(stderr, "%s:%d: failed: %s%s", file, line, cond,
		fmt[0] && fmt[1] ? ":" : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void tap_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void tap_abort(void)
{
	fprintf(stderr, "case ended at the first failed assertion\n");
	fflush(NULL);
	_exit(1);	/* skip the leak check: the case left its pools behind */
}

bool tap_failed(void)
{
	return tap_failures() != 0;
}

unsigned long tap_failures(void)
{
	return __atomic_load_n(&case_failures, __ATOMIC_RELAXED);
}

static void run_child(const struct tap_case *c, int out_fd)
{
	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
	close(out_fd);
	setvbuf(stdout, NULL, _IONBF, 0);
	alarm(c->timeout_s ? c->timeout_s : TAP_TIMEOUT);
	c->run(c->arg);
	if (!__atomic_load_n(&case_checks, __ATOMIC_RELAXED))
		tap_fail(__FILE__, __LINE__, "the case ran without checking anything");
	fflush(NULL);
	/* exit(), not _exit(): LeakSanitizer checks the case on the way out. */
	exit(tap_failed() ? 1 : 0);
}

/* ---- the runner (parent process) ------------------------------------ */

struct tap_job {
	const struct tap_case *c;
	FILE *out;
	pid_t pid;
	int status;
	bool done;
};

static void print_diagnostics(FILE *out)
{
	char line[1024];
	unsigned int shown = 0, hidden = 0;

	rewind(out);
	while (fgets(line, sizeof(line), out)) {
		size_t len = strlen(line);

		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (shown < TAP_MAX_DIAG_LINES) {
			printf("# %s\n", line);
			shown++;
		} else {
			hidden++;
		}
	}
	if (hidden)
		printf("# (%u more lines)\n", hidden);
}

/* Print one finished case; returns whether it passed. */
static bool report(unsigned int number, struct tap_job *job)
{
	int st = job->status;
	bool pass = WIFEXITED(st) && WEXITSTATUS(st) == 0;

	printf("%s %u - %s\n", pass ? "ok" : "not ok", number, job->c->name);
	print_diagnostics(job->out);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		printf("# timed out after %u s\n",
		       job->c->timeout_s ? job->c->timeout_s : TAP_TIMEOUT);
	else if (WIFSIGNALED(st))
		printf("# killed by signal %d (%s)\n", WTERMSIG(st),
		       strsignal(WTERMSIG(st)));
	else if (!pass)
		printf("# exit status %d\n", WEXITSTATUS(st));
	fclose(job->out);
	job->out = NULL;
	fflush(stdout);
	return pass;
}

static bool selected(const char *name, int argc, char **argv)
{
	bool any_filter = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--", 2))
			continue;
		any_filter = true;
		if (strstr(name, argv[i]))
			return true;
	}
	return !any_filter;
}

static bool matches_any(const struct tap_table *tables, size_t ntables,
			const char *filter)
{
	size_t t, i;

	for (t = 0; t < ntables; t++)
		for (i = 0; i < tables[t].count; i++)
			if (strstr(tables[t].cases[i].name, filter))
				return true;
	return false;
}

static unsigned int job_limit(int argc, char **argv)
{
	const char *v = getenv("TPOOL_JOBS");
	int i, n;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--jobs=", 7))
			v = argv[i] + 7;
	n = v ? atoi(v) : 2;
	return n > 0 ? (unsigned int)n : 1;
}

static bool start(struct tap_job *job)
{
	job->out = tmpfile();
	if (!job->out) {
		perror("tpool: tmpfile");
		return false;
	}
	fflush(NULL);
	job->pid = fork();
	if (job->pid < 0) {
		perror("tpool: fork");
		return false;
	}
	if (!job->pid)
		run_child(job->c, fileno(job->out));
	return true;
}

int tap_run(const struct tap_table *tables, size_t ntables, int argc,
	    char **argv)
{
	unsigned int jobs = job_limit(argc, argv);
	unsigned int n = 0, started = 0, printed = 0, running = 0;
	unsigned int passed = 0, failed = 0;
	struct timespec t0, t1;
	struct tap_job *all;
	size_t t, i;
	int arg;

	for (arg = 1; arg < argc; arg++) {
		if (!strcmp(argv[arg], "--list")) {
			for (t = 0; t < ntables; t++)
				for (i = 0; i < tables[t].count; i++)
					puts(tables[t].cases[i].name);
			return 0;
		}
	}

	for (t = 0; t < ntables; t++)
		n += tables[t].count;
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return 2;
	n = 0;
	for (t = 0; t < ntables; t++)
		for (i = 0; i < tables[t].count; i++)
			if (selected(tables[t].cases[i].name, argc, argv))
				all[n++].c = &tables[t].cases[i];
	/* A misspelt name must not pass as a run of nothing. */
	for (arg = 1; arg < argc; arg++) {
		if (!strncmp(argv[arg], "--", 2) || matches_any(tables, ntables,
								  argv[arg]))
			continue;
		fprintf(stderr, "tpool: no case matches '%s'\n", argv[arg]);
		free(all);
		return 2;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("1..%u\n", n);
	while (printed < n) {
		int st;
		pid_t pid;

		while (running < jobs && started < n) {
			if (!start(&all[started]))
				return 2;
			started++;
			running++;
		}
		pid = waitpid(-1, &st, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			perror("tpool: waitpid");
			return 2;
		}
		for (i = 0; i < started; i++) {
			if (all[i].pid == pid && !all[i].done) {
				all[i].status = st;
				all[i].done = true;
				running--;
				break;
			}
		}
		while (printed < n && all[printed].done) {
			if (report(printed + 1, &all[printed]))
				passed++;
			else
				failed++;
			printed++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %u cases, %u at a time, %.1f s\n", n, jobs,
	       (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	printf("tpool: %u passed, %u failed\n", passed, failed);
	free(all);
	return failed ? 1 : 0;
}
