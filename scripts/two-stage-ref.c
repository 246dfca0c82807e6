/*
 * The cheapest honest two-stage start, in C: vfork, exec self as "stage 2", which execs
 * /bin/true; reap. vfork, as posix_spawn, Go's os/exec and sealbench do; built static,
 * like sealbench's stage 2 (and runc). sealbench's noclone exec-true start should cost
 * the same (within 5%).
 *
 *   two-stage-ref N     time N starts, print one line per start: nanoseconds
 *   two-stage-ref --stage2
 *                       (internal) exec /bin/true
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <signal.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static char *const true_argv[] = {"/bin/true", NULL};
	static char *const env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	char self[4096];
	ssize_t len;
	int n;

	if (argc > 1 && strcmp(argv[1], "--stage2") == 0) {
		execve("/bin/true", true_argv, env);
		return 127;
	}
	if (argc != 2 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: %s N\n", argv[0]);
		return 2;
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		return 1;
	self[len] = '\0';
	char *const stage2_argv[] = {self, "--stage2", NULL};

	for (int i = 0; i < n; i++) {
		int status;
		long long t0 = now_ns();
		pid_t pid = vfork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			execve(self, (char **)stage2_argv, (char **)env);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return 1;
		printf("%lld\n", now_ns() - t0);
	}
	return 0;
}
