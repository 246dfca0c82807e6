/*
 * memfd-bind-repro: which ways of mounting a sealed memfd over a file work on this kernel.
 *
 * Each case runs in a child of its own, in a private mount namespace with a fresh tmpfs on
 * /tmp, so nothing is left on the machine. A memfd with known contents is mounted over
 * /tmp/target, then /tmp/target is opened and read back. One line per case:
 *   <case> ok                       the target now reads as the memfd
 *   <case> <step> <errno name>      the step that failed
 *
 *   A  mount("/proc/self/fd/<memfd>", target, MS_BIND): the link followed, the memfd itself
 *   B  link = open("/proc/self/fd/<memfd>", O_PATH|O_NOFOLLOW);
 *      mount("/proc/self/fd/<link>", target, MS_BIND): the fd link itself is the mount's
 *      root, as runc's contrib memfd-bind and sealbench's keeper do it
 *   C  open_tree(memfd, "", OPEN_TREE_CLONE|AT_EMPTY_PATH) + move_mount
 *   D  open_tree(link, "", OPEN_TREE_CLONE|AT_EMPTY_PATH) + move_mount
 *   E  open_tree(AT_FDCWD, "/proc/self/fd/<link>", OPEN_TREE_CLONE) + move_mount
 *   F  stat("/proc/self/fd/<link>") and stat("/proc/<pid>/fd/<memfd>") (lookup only, no mount)
 *   G  as D, with the link opened as /proc/<pid>/fd/<memfd> (the pid, not "self")
 *   H  as D, with the link opened as /proc/thread-self/fd/<memfd>
 *   M  as D, with the link opened as /proc/<pid>/map_files/<range> of an mmap of the memfd
 *   P  open_tree(AT_FDCWD, "/proc/<pid>/status", OPEN_TREE_CLONE) + move_mount: a plain
 *      file of a /proc/<pid> directory, no link
 *   S  the same with /proc/sys/kernel/ostype: a proc file outside /proc/<pid>
 *   L  as D, with the link an ordinary symlink on the tmpfs (/tmp/link -> target)
 *   Y  as D, with the link /proc/mounts, an ordinary symlink of procfs
 *   X  a sealed memfd copy of /bin/sleep, executed by a child: the link is the child's
 *      /proc/<pid>/exe, mount("/proc/self/fd/<link>", target, MS_BIND); the target must then
 *      open as the sealed memfd (F_GET_SEALS)
 *
 * Build: cc -O2 -static -o repro memfd-bind-repro.c   (run as root)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

static const char payload[] = "sealbench memfd-bind reproducer\n";

static const char *ename(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ELOOP: return "ELOOP";
	case ENOTDIR: return "ENOTDIR";
	case EBUSY: return "EBUSY";
	case EXDEV: return "EXDEV";
	case ENOSYS: return "ENOSYS";
	case EBADF: return "EBADF";
	default: return strerror(e);
	}
}

static int fail(const char *name, const char *step)
{
	int e = errno;
	printf("%s %s %s\n", name, step, ename(e));
	return 1;
}

static int open_tree_(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static int move_mount_(int from, const char *from_path, int to, const char *to_path,
		       unsigned flags)
{
	return (int)syscall(SYS_move_mount, from, from_path, to, to_path, flags);
}

/* The target reads as the memfd: same bytes. */
static int check(const char *name)
{
	char buf[sizeof(payload)] = { 0 };
	int fd = open("/tmp/target", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(name, "reopen");
	if (read(fd, buf, sizeof(buf) - 1) != (ssize_t)(sizeof(payload) - 1) ||
	    memcmp(buf, payload, sizeof(payload) - 1) != 0) {
		printf("%s reopen wrong-contents\n", name);
		return 1;
	}
	close(fd);
	printf("%s ok\n", name);
	return 0;
}

static int run_case(char c)
{
	char name[2] = { c, 0 }, path[64], lpath[64];
	int memfd, link, tree, fd;
	struct stat st;

	if (unshare(CLONE_NEWNS) < 0)
		return fail(name, "unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(name, "make-private");
	if (mount("tmpfs", "/tmp", "tmpfs", 0, "size=1m") < 0)
		return fail(name, "tmpfs");
	fd = open("/tmp/target", O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
	if (fd < 0)
		return fail(name, "create-target");
	close(fd);

	memfd = memfd_create("repro", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0)
		return fail(name, "memfd_create");
	if (write(memfd, payload, sizeof(payload) - 1) != (ssize_t)(sizeof(payload) - 1))
		return fail(name, "write");
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return fail(name, "seal");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	link = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (link < 0)
		return fail(name, "open-link");
	snprintf(lpath, sizeof(lpath), "/proc/self/fd/%d", link);

	switch (c) {
	case 'A':
		if (mount(path, "/tmp/target", NULL, MS_BIND, NULL) < 0)
			return fail(name, "mount");
		return check(name);
	case 'B':
		if (mount(lpath, "/tmp/target", NULL, MS_BIND, NULL) < 0)
			return fail(name, "mount");
		return check(name);
	case 'C':
	case 'D':
	case 'E':
		if (c == 'E')
			tree = open_tree_(AT_FDCWD, lpath, OPEN_TREE_CLONE | O_CLOEXEC);
		else
			tree = open_tree_(c == 'C' ? memfd : link, "",
					  OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
		if (tree < 0)
			return fail(name, "open_tree");
		if (move_mount_(tree, "", AT_FDCWD, "/tmp/target", MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return fail(name, "move_mount");
		return check(name);
	case 'G':
	case 'H':
	case 'M':
		if (c == 'G') {
			snprintf(path, sizeof(path), "/proc/%d/fd/%d", getpid(), memfd);
		} else if (c == 'H') {
			snprintf(path, sizeof(path), "/proc/thread-self/fd/%d", memfd);
		} else {
			char *map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, memfd, 0);
			if (map == MAP_FAILED)
				return fail(name, "mmap");
			snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", getpid(),
				 (unsigned long)map, (unsigned long)map + 4096);
		}
		close(link);
		link = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (link < 0)
			return fail(name, "open-link");
		tree = open_tree_(link, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
		if (tree < 0)
			return fail(name, "open_tree");
		if (move_mount_(tree, "", AT_FDCWD, "/tmp/target", MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return fail(name, "move_mount");
		return check(name);
	case 'L':
	case 'Y':
		if (c == 'L' && symlink("target", "/tmp/link") < 0)
			return fail(name, "symlink");
		close(link);
		link = open(c == 'L' ? "/tmp/link" : "/proc/mounts", O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (link < 0)
			return fail(name, "open-link");
		tree = open_tree_(link, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
		if (tree < 0)
			return fail(name, "open_tree");
		if (move_mount_(tree, "", AT_FDCWD, "/tmp/target", MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return fail(name, "move_mount");
		printf("%s ok\n", name);
		return 0;
	case 'X': {
		int bin = open("/bin/sleep", O_RDONLY | O_CLOEXEC), copy, seals;
		char buf[65536];
		ssize_t n;
		pid_t child;
		if (bin < 0)
			return fail(name, "open-sleep");
		copy = memfd_create("repro-exe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (copy < 0)
			return fail(name, "memfd_create");
		while ((n = read(bin, buf, sizeof(buf))) > 0)
			if (write(copy, buf, n) != n)
				return fail(name, "copy");
		if (fcntl(copy, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
			return fail(name, "seal");
		child = fork();
		if (child == 0) {
			char *argv[] = { "sleep", "60", NULL }, *envp[] = { NULL };
			syscall(SYS_execveat, copy, "", argv, envp, AT_EMPTY_PATH);
			_exit(127);
		}
		usleep(300000);
		snprintf(path, sizeof(path), "/proc/%d/exe", child);
		close(link);
		link = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (link < 0) {
			kill(child, SIGKILL);
			return fail(name, "open-exe-link");
		}
		snprintf(lpath, sizeof(lpath), "/proc/self/fd/%d", link);
		if (mount(lpath, "/tmp/target", NULL, MS_BIND, NULL) < 0) {
			kill(child, SIGKILL);
			return fail(name, "mount");
		}
		fd = open("/tmp/target", O_RDONLY | O_CLOEXEC);
		seals = fd < 0 ? -1 : fcntl(fd, F_GET_SEALS);
		kill(child, SIGKILL);
		if (fd < 0)
			return fail(name, "reopen");
		if (seals < 0)
			return fail(name, "F_GET_SEALS");
		printf("%s ok seals=%#x\n", name, seals);
		return 0;
	}
	case 'P':
	case 'S':
		if (c == 'P')
			snprintf(path, sizeof(path), "/proc/%d/status", getpid());
		else
			snprintf(path, sizeof(path), "/proc/sys/kernel/ostype");
		tree = open_tree_(AT_FDCWD, path, OPEN_TREE_CLONE | O_CLOEXEC);
		if (tree < 0)
			return fail(name, "open_tree");
		if (move_mount_(tree, "", AT_FDCWD, "/tmp/target", MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return fail(name, "move_mount");
		fd = open("/tmp/target", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail(name, "reopen");
		printf("%s ok\n", name);
		return 0;
	case 'F':
		if (stat(lpath, &st) < 0)
			return fail(name, "stat-self-link");
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", getpid(), memfd);
		if (stat(path, &st) < 0)
			return fail(name, "stat-pid-fd");
		printf("F ok\n");
		return 0;
	}
	return 1;
}

int main(void)
{
	struct utsname_ {
		char s[6][65];
	} u;
	const char *cases = "ABCDEFGHMPSLYX";
	int status = 0;

	if (syscall(SYS_uname, &u) == 0)
		printf("kernel %s\n", u.s[2]);
	fflush(stdout);
	for (const char *c = cases; *c; c++) {
		pid_t pid = fork();
		if (pid == 0) {
			int r = run_case(*c);
			fflush(stdout);
			_exit(r);
		}
		int ws;
		if (pid < 0 || waitpid(pid, &ws, 0) < 0)
			return 2;
		if (!WIFEXITED(ws))
			printf("%c died\n", *c);
		status |= WIFEXITED(ws) ? WEXITSTATUS(ws) : 1;
	}
	return 0;
}
