/* A runtime build that is slower by a known amount, for calibrating the A/B gate: it
 * busy-waits DELAY_NS on the CPU (as slower code would, rather than sleeping) when the
 * subcommand is `run`, then execs the real runtime with the same arguments. Built with
 *   gcc -O2 -DREAL='"/usr/sbin/runc"' -DDELAY_NS=880000 -o runc-slow slow-runtime.c
 * DELAY_NS=0 gives the control build: the same extra exec, no extra work. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef REAL
#error "build with -DREAL='\"/path/to/runtime\"'"
#endif
#ifndef DELAY_NS
#define DELAY_NS 0
#endif

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "run") == 0 && DELAY_NS > 0) {
			long long until = now_ns() + DELAY_NS;
			while (now_ns() < until)
				;
			break;
		}
	}
	argv[0] = REAL;
	execv(REAL, argv);
	perror("slow-runtime: execv " REAL);
	return 127;
}
