// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests for fusd.ko.  Run as root with the module loaded:
 *
 *   fusd_test [-l] [TEST...]      all tests, or the named ones
 *
 * Each test runs in its own child process with a time limit and prints
 * "PASS name" or "FAIL name: reason".  The load-cycle test unloads and
 * reloads the module: it needs FUSD_KO (path of fusd.ko) and no other user
 * of the module; it runs last.  FUSD_STRESS_CALLS scales the stress test.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <linux/capability.h>

#include "tdaemon.h"

struct tstats *st;
static char why[512];
static void *volatile bad_ptr = (void *)8;	/* never mapped */

#define SKIPPED 77	/* a test's return value: could not run here */

static int failf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return -1;
}

#define CHECK(cond, ...) do { if (!(cond)) return failf(__VA_ARGS__); } while (0)
#define CHECK_ERR(expr, err) do {					\
		long _r = (expr);					\
		if (_r != -(err))					\
			return failf("%s: got %ld (%s), want %s", #expr, _r,	\
				     _r < 0 ? strerror(-_r) : "ok", strerror(err)); \
	} while (0)
#define CHECK_OK(expr) do {						\
		long _r = (expr);					\
		if (_r < 0)						\
			return failf("%s: %s", #expr, strerror(-_r));	\
	} while (0)
/* a libc call returning -1/errno, as -errno */
#define SYS(expr) ((expr) < 0 ? -errno : 0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void msleep(int ms)
{
	usleep(ms * 1000);
}

/* Wait up to @ms for *@p to reach @want. */
static int wait_count(int *p, int want, int ms)
{
	while (__atomic_load_n(p, __ATOMIC_SEQ_CST) < want && ms-- > 0)
		msleep(1);
	return __atomic_load_n(p, __ATOMIC_SEQ_CST) >= want;
}

static int open_dev(const char *name, int flags)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", name);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int exists(const char *name)
{
	char path[128];
	struct stat sb;

	snprintf(path, sizeof(path), "/dev/%s", name);
	return stat(path, &sb) == 0;
}

/* Exit status of child @pid: its exit code, or 100 + signal. */
static int child_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

/* Receive the next message, skipping RELEASE/FLUSH unless wanted. */
static ssize_t recv_op(int fd, void *buf, int want_op)
{
	struct fusd_msg *m = buf;
	ssize_t n;

	for (;;) {
		n = fusd_recv(fd, buf);
		if (n < 0 || m->opcode == want_op)
			return n;
		if (m->opcode == FUSD_FLUSH)
			fusd_reply(fd, m, 0, NULL, 0);
		else if (m->opcode != FUSD_RELEASE)
			return -EPROTO;
	}
}

static int recv_nb(int fd, void *buf, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	return fusd_recv(fd, buf);
}

/* ---- ABI ---- */

static int t_abi(void)
{
	CHECK(sizeof(struct fusd_msg) == 72, "fusd_msg is %zu bytes",
	      sizeof(struct fusd_msg));
	CHECK(sizeof(struct fusd_register) == 96, "fusd_register is %zu",
	      sizeof(struct fusd_register));
	CHECK(offsetof(struct fusd_msg, req_id) == 16, "req_id offset");
	CHECK(offsetof(struct fusd_msg, offset) == 48, "offset offset");
	CHECK(offsetof(struct fusd_msg, result) == 64, "result offset");
	CHECK(FUSD_POLLIN == POLLIN && FUSD_POLLOUT == POLLOUT &&
	      FUSD_POLLERR == POLLERR && FUSD_POLLHUP == POLLHUP &&
	      FUSD_POLLRDNORM == POLLRDNORM && FUSD_POLLWRNORM == POLLWRNORM &&
	      FUSD_POLLPRI == POLLPRI, "poll bits differ from <poll.h>");
	return 0;
}

/* ---- registration ---- */

static int t_register(void)
{
	struct stat sb;
	int fd, fd2;

	fd = fusd_ctl_open();
	CHECK_OK(fd);
	CHECK_OK(fusd_register_dev(fd, 1, "ft-reg", 0640, 1234, 5678, 0, 0));
	CHECK(stat("/dev/ft-reg", &sb) == 0, "no /dev/ft-reg: %m");
	CHECK(S_ISCHR(sb.st_mode), "not a char device");
	CHECK((sb.st_mode & 07777) == 0640, "mode %o", sb.st_mode & 07777);
	CHECK(sb.st_uid == 1234 && sb.st_gid == 5678, "owner %d:%d",
	      sb.st_uid, sb.st_gid);
	CHECK(access("/sys/class/fusd/ft-reg/dev", R_OK) == 0,
	      "no /sys/class/fusd/ft-reg");
	CHECK_ERR(fusd_register_dev(fd, 2, "ft-reg", 0600, 0, 0, 0, 0), EEXIST);
	CHECK_ERR(fusd_register_dev(fd, 1, "ft-reg2", 0600, 0, 0, 0, 0), EEXIST);
	fd2 = fusd_ctl_open();
	CHECK_OK(fd2);
	CHECK_ERR(fusd_register_dev(fd2, 7, "ft-reg", 0600, 0, 0, 0, 0), EEXIST);
	CHECK_ERR(fusd_unregister_dev(fd2, 1), ENOENT);
	CHECK_OK(fusd_unregister_dev(fd, 1));
	CHECK(!exists("ft-reg"), "node still there after unregister");
	CHECK_ERR(fusd_unregister_dev(fd, 1), ENOENT);
	CHECK_OK(fusd_register_dev(fd, 1, "ft-reg", 0600, 0, 0, 0, 0));
	CHECK_OK(fusd_register_dev(fd, 2, "ft-reg-b", 0600, 0, 0, 0, 0));
	close(fd);
	CHECK(!exists("ft-reg") && !exists("ft-reg-b"),
	      "nodes still there after close");
	CHECK_OK(fusd_register_dev(fd2, 1, "ft-reg", 0600, 0, 0, 0, 0));
	close(fd2);
	return 0;
}

static int t_names(void)
{
	static const char * const bad[] = { "", "a//b", "..", ".hidden",
		"sp ace", "tab\t", "uml\xc3\xa4ut", "x*", "../etc", "/abs",
		"dir/", "a/.b", "a/../b", "a/..", "x!y" };
	struct {
		struct fusd_msg h;
		struct fusd_register r;
		char extra[4];
	} m;
	char longname[80];
	unsigned int i;
	int fd;

	fd = fusd_ctl_open();
	CHECK_OK(fd);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = fusd_register_dev(fd, 1, bad[i], 0600, 0, 0, 0, 0);

		CHECK(r == -EINVAL, "name '%s': %ld", bad[i], r);
	}
	memset(longname, 'a', sizeof(longname));
	longname[63] = 0;
	CHECK_OK(fusd_register_dev(fd, 1, longname, 0600, 0, 0, 0, 0));
	CHECK(exists(longname), "63-char name has no node");
	CHECK_OK(fusd_unregister_dev(fd, 1));
	/* a full 64-byte name has no NUL */
	fusd_hdr_init(&m.h, FUSD_REGISTER, sizeof(m.h) + sizeof(m.r));
	memset(&m.r, 0, sizeof(m.r));
	m.h.dev_id = 1;
	memset(m.r.name, 'b', sizeof(m.r.name));
	CHECK_ERR(fusd_send(fd, &m, sizeof(m.h) + sizeof(m.r)), EINVAL);
	CHECK_ERR(fusd_register_dev(fd, 1, "null", 0600, 0, 0, 0, 0), EEXIST);
	CHECK_ERR(fusd_register_dev(fd, 0, "ft-names", 0600, 0, 0, 0, 0), EINVAL);
	CHECK_ERR(fusd_register_dev(fd, 1, "ft-names", 04600, 0, 0, 0, 0), EINVAL);
	CHECK_ERR(fusd_register_dev(fd, 1, "ft-names", 0600, 0, 0, 0x8, 0), EINVAL);
	CHECK_ERR(fusd_register_dev(fd, 1, "ft-names", 0600, 0, 0, 0, 0x10000),
		  EINVAL);
	CHECK_ERR(fusd_register_dev(fd, 1, "ft-names", 0600, -1, 0, 0, 0), EINVAL);
	memset(&m, 0, sizeof(m));
	fusd_hdr_init(&m.h, FUSD_REGISTER, sizeof(m.h) + sizeof(m.r));
	m.h.dev_id = 1;
	strcpy(m.r.name, "ft-names");
	m.r.reserved[1] = 1;
	CHECK_ERR(fusd_send(fd, &m, sizeof(m.h) + sizeof(m.r)), EINVAL);
	m.r.reserved[1] = 0;
	m.h.len = sizeof(m);
	CHECK_ERR(fusd_send(fd, &m, sizeof(m)), EINVAL);
	m.h.len = sizeof(m.h) + sizeof(m.r) - 4;
	CHECK_ERR(fusd_send(fd, &m, m.h.len), EINVAL);
	CHECK(!exists("ft-names"), "a rejected name got a node");
	m.h.len = sizeof(m.h) + sizeof(m.r);
	CHECK_OK(fusd_send(fd, &m, m.h.len));
	CHECK(exists("ft-names"), "valid register after rejects failed");
	close(fd);
	return 0;
}

/* Drop CAP_SYS_ADMIN only: root without it must be refused. */
static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &h, d);
}

static int t_perm(void)
{
	pid_t pid;
	int fd;

	pid = fork();
	if (!pid) {
		if (drop_cap_sys_admin())
			_exit(2);
		fd = open("/dev/fusd", O_RDWR);
		_exit(fd < 0 && errno == EPERM ? 0 : 1);
	}
	CHECK(child_status(pid) == 0, "root without CAP_SYS_ADMIN not refused");
	pid = fork();
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open("/dev/fusd", O_RDWR);
		_exit(fd < 0 && (errno == EACCES || errno == EPERM) ? 0 : 1);
	}
	CHECK(child_status(pid) == 0, "nobody could open /dev/fusd");
	return 0;
}

/* ---- operations ---- */

static int t_ops(void)
{
	static const struct tdev devs[] = {
		{ 1, K_ECHO, "ft-echo", 0666 },
		{ 2, K_MEM, "ft-mem", 0666 },
	};
	struct tioc16 s16, g16;
	struct tioc64 i64;
	static struct tioc4k big;
	static char buf[200000];
	int fd, fd2, i, rc;
	pid_t d, pid;
	long r;

	d = td_start(devs, 2);
	CHECK(d > 0, "daemon did not start");
	fd = open_dev("ft-echo", O_RDWR);
	CHECK_OK(fd);
	CHECK(st->opens == 1, "opens %d", st->opens);
	CHECK(st->pid == (uint32_t)getpid() && st->uid == 0 && st->gid == 0,
	      "caller seen as pid %u uid %u gid %u", st->pid, st->uid, st->gid);
	CHECK((st->flags & O_ACCMODE) == O_RDWR, "flags %#x", st->flags);
	CHECK(write(fd, "hello", 5) == 5, "write: %m");
	memset(buf, 0, 16);
	CHECK(read(fd, buf, 16) == 5 && !memcmp(buf, "hello", 5), "read back");
	CHECK(read(fd, buf, 0) == 0, "zero read");
	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = i * 13;
	r = write(fd, buf, sizeof(buf));
	CHECK(r == FUSD_MAX_PAYLOAD, "big write returned %ld", r);
	memset(buf, 0, sizeof(buf));
	r = read(fd, buf, sizeof(buf));
	CHECK(r == FUSD_MAX_PAYLOAD, "big read returned %ld", r);
	for (i = 0; i < r; i++)
		CHECK(buf[i] == (char)(i * 13), "big read byte %d", i);
	CHECK(read(fd, bad_ptr, 5) < 0 && errno == EFAULT, "read to bad buf");
	CHECK(write(fd, bad_ptr, 5) < 0 && errno == EFAULT, "write bad buf");

	/* ioctl */
	for (i = 0; i < 16; i++)
		s16.b[i] = 100 + i;
	CHECK(ioctl(fd, TIOC_SET, &s16) == 0, "TIOC_SET: %m");
	memset(&g16, 0, sizeof(g16));
	CHECK(ioctl(fd, TIOC_GET, &g16) == 0 && !memcmp(&s16, &g16, 16),
	      "TIOC_GET");
	for (i = 0; i < 64; i++)
		i64.b[i] = i;
	CHECK(ioctl(fd, TIOC_INC, &i64) == 0, "TIOC_INC: %m");
	for (i = 0; i < 64; i++)
		CHECK(i64.b[i] == i + 1, "TIOC_INC byte %d", i);
	CHECK(ioctl(fd, TIOC_ARG, 41) == 42, "TIOC_ARG");
	CHECK(ioctl(fd, TIOC_COMPAT) == 0, "a 64-bit caller marked COMPAT32");
	CHECK(ioctl(fd, TIOC_BIG, &big) == 7, "TIOC_BIG");
	for (i = 0; i < 4096; i++)
		CHECK(big.b[i] == (unsigned char)(i * 31), "TIOC_BIG byte %d", i);
	CHECK(ioctl(fd, _IO('F', 99)) < 0 && errno == ENOTTY, "unknown ioctl");
	CHECK(ioctl(fd, TIOC_SET, NULL) < 0 && errno == EFAULT, "ioctl NULL");

	/* not seekable */
	CHECK(lseek(fd, 0, SEEK_SET) < 0 && errno == ESPIPE, "lseek on stream");
	CHECK(pread(fd, buf, 4, 0) < 0 && errno == ESPIPE, "pread on stream");

	/* another user's open: ids in the request */
	pid = fork();
	if (!pid) {
		if (setgroups(0, NULL) || setresgid(77, 77, 77) ||
		    setresuid(1000, 1000, 1000))
			_exit(2);
		fd2 = open_dev("ft-echo", O_WRONLY | O_NONBLOCK);
		if (fd2 < 0)
			_exit(3);
		_exit(st->uid == 1000 && st->gid == 77 &&
		      st->pid == (uint32_t)getpid() &&
		      (st->flags & O_ACCMODE) == O_WRONLY &&
		      (st->flags & O_NONBLOCK) ? 0 : 4);
	}
	rc = child_status(pid);
	CHECK(rc == 0, "other user's open: child status %d", rc);

	/* flush on every close, release on the last */
	i = st->flushes;
	fd2 = dup(fd);
	close(fd2);
	CHECK(st->flushes == i + 1, "flush on close of dup: %d", st->flushes);
	i = st->releases;
	close(fd);
	CHECK(wait_count(&st->releases, i + 1, 2000), "no RELEASE after close");

	/* seekable memory device */
	fd = open_dev("ft-mem", O_RDWR);
	CHECK_OK(fd);
	for (i = 0; i < 1000; i++)
		buf[i] = i ^ 0x5a;
	CHECK(pwrite(fd, buf, 1000, 5000) == 1000, "pwrite: %m");
	memset(buf, 0, 1000);
	CHECK(pread(fd, buf, 1000, 5000) == 1000, "pread: %m");
	for (i = 0; i < 1000; i++)
		CHECK(buf[i] == (char)(i ^ 0x5a), "pread byte %d", i);
	CHECK(lseek(fd, 0, SEEK_CUR) == 0, "pread/pwrite moved the position");
	CHECK(lseek(fd, 0, SEEK_END) == MEM_SIZE, "SEEK_END");
	CHECK(lseek(fd, 4990, SEEK_SET) == 4990, "SEEK_SET");
	CHECK(lseek(fd, 10, SEEK_CUR) == 5000, "SEEK_CUR");
	CHECK(read(fd, buf, 10) == 10 && buf[3] == (3 ^ 0x5a), "read at pos");
	CHECK(lseek(fd, 0, SEEK_CUR) == 5010, "position after read");
	CHECK(lseek(fd, -1, SEEK_SET) < 0 && errno == EINVAL, "bad seek");
	CHECK(lseek(fd, MEM_SIZE, SEEK_SET) == MEM_SIZE, "seek to end");
	CHECK(read(fd, buf, 10) == 0, "read at EOF");
	CHECK(write(fd, buf, 10) < 0 && errno == ENOSPC, "write at EOF");
	close(fd);
	td_stop(d);
	return 0;
}

static int t_nonblock(void)
{
	static const struct tdev devs[] = { { 1, K_PIPE, "ft-nb", 0666 } };
	char buf[8];
	pid_t d;
	int fd;

	d = td_start(devs, 1);
	CHECK(d > 0, "daemon did not start");
	fd = open_dev("ft-nb", O_RDWR | O_NONBLOCK);
	CHECK_OK(fd);
	CHECK(read(fd, buf, 8) < 0 && errno == EAGAIN, "read: %m");
	CHECK(write(fd, "x", 1) == 1, "write");
	CHECK(read(fd, buf, 8) == 1 && buf[0] == 'x', "read after write");
	close(fd);
	td_stop(d);
	return 0;
}

static int t_blocking_read(void)
{
	static const struct tdev devs[] = { { 1, K_PIPE, "ft-blk", 0666 } };
	pid_t d, pid;
	char buf[100];
	int fd, rc;

	d = td_start(devs, 1);
	CHECK(d > 0, "daemon did not start");
	pid = fork();
	if (!pid) {
		fd = open_dev("ft-blk", O_RDONLY);
		_exit(read(fd, buf, sizeof(buf)) == 3 && !memcmp(buf, "abc", 3) ?
		      0 : 1);
	}
	msleep(300);
	CHECK(waitpid(pid, NULL, WNOHANG) == 0, "reader did not block");
	fd = open_dev("ft-blk", O_WRONLY);
	CHECK_OK(fd);
	CHECK(write(fd, "abc", 3) == 3, "write: %m");
	rc = child_status(pid);
	CHECK(rc == 0, "reader status %d", rc);
	close(fd);
	td_stop(d);
	return 0;
}

/* ---- poll, select, epoll ---- */

enum { W_POLL, W_SELECT, W_EPOLL, W_EPOLLET };

static int wait_readable(int fd, int how, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	fd_set rs;
	int ep, r;

	switch (how) {
	case W_POLL:
		return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
	case W_SELECT:
		FD_ZERO(&rs);
		FD_SET(fd, &rs);
		return select(fd + 1, &rs, NULL, NULL, &tv) == 1;
	default:
		ep = epoll_create1(0);
		if (how == W_EPOLLET)
			ev.events |= EPOLLET;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		r = epoll_wait(ep, &out, 1, ms);
		close(ep);
		return r == 1 && (out.events & EPOLLIN);
	}
}

static int t_poll_kind(int how)
{
	static const struct tdev devs[] = { { 1, K_PIPE, "ft-poll", 0666 } };
	struct pollfd p;
	char buf[16];
	double t0;
	pid_t d, pid;
	int fd, wfd, rc;

	d = td_start(devs, 1);
	CHECK(d > 0, "daemon did not start");
	fd = open_dev("ft-poll", O_RDONLY);
	CHECK_OK(fd);
	p = (struct pollfd){ fd, POLLIN | POLLOUT, 0 };
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLOUT, "initial revents %#x",
	      p.revents);
	pid = fork();
	if (!pid) {
		t0 = now();
		rc = wait_readable(fd, how, 5000);
		_exit(rc && now() - t0 > 0.15 ? 0 : 1);
	}
	msleep(300);
	wfd = open_dev("ft-poll", O_WRONLY);
	CHECK_OK(wfd);
	CHECK(write(wfd, "ping", 4) == 4, "write: %m");
	rc = child_status(pid);
	CHECK(rc == 0, "waiter status %d (not woken by the write?)", rc);
	CHECK(wait_readable(fd, how, 0), "not readable after the write");
	CHECK(read(fd, buf, sizeof(buf)) == 4, "read: %m");
	msleep(50);
	p = (struct pollfd){ fd, POLLIN, 0 };
	CHECK(poll(&p, 1, 0) == 0, "still readable after draining");
	close(wfd);
	close(fd);
	td_stop(d);
	return 0;
}

static int t_poll(void)
{
	return t_poll_kind(W_POLL);
}

static int t_select(void)
{
	return t_poll_kind(W_SELECT);
}

static int t_epoll(void)
{
	return t_poll_kind(W_EPOLL) || t_poll_kind(W_EPOLLET) ? -1 : 0;
}

/* Per-file and device-wide notifications, with a hand-driven daemon. */
static int t_poll_notify(void)
{
	static unsigned char buf[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf;
	struct pollfd p[2];
	uint32_t fh[2];
	int ctl, fd[2], i;
	pid_t pid;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 3, "ft-pn", 0666, 0, 0, 0, 0));
	pid = fork();
	if (!pid) {
		/* answer the two OPENs */
		for (i = 0; i < 2; i++) {
			if (recv_op(ctl, buf, FUSD_OPEN) < 0)
				_exit(1);
			fusd_reply(ctl, m, 0, NULL, 0);
		}
		_exit(0);
	}
	for (i = 0; i < 2; i++) {
		fd[i] = open_dev("ft-pn", O_RDWR);
		CHECK_OK(fd[i]);
	}
	CHECK(child_status(pid) == 0, "helper failed");
	/* the fh ids are 1 and 2 in a fresh channel */
	fh[0] = 1;
	fh[1] = 2;
	p[0] = (struct pollfd){ fd[0], POLLIN | POLLOUT | POLLPRI, 0 };
	p[1] = (struct pollfd){ fd[1], POLLIN | POLLOUT | POLLPRI, 0 };
	CHECK(poll(p, 2, 0) == 0, "mask not initially 0");
	CHECK_OK(fusd_notify(ctl, 3, fh[1], FUSD_POLLPRI));
	CHECK(poll(p, 2, 0) == 1 && p[1].revents == POLLPRI && !p[0].revents,
	      "per-file notify: %#x %#x", p[0].revents, p[1].revents);
	CHECK_OK(fusd_notify(ctl, 3, 0, FUSD_POLLOUT));
	CHECK(poll(p, 2, 0) == 2 && p[0].revents == POLLOUT &&
	      p[1].revents == POLLOUT, "device notify");
	CHECK_ERR(fusd_notify(ctl, 3, 99, FUSD_POLLIN), ENOENT);
	CHECK_ERR(fusd_notify(ctl, 4, 0, FUSD_POLLIN), ENOENT);
	CHECK_ERR(fusd_notify(ctl, 3, 0, 0x20000), EINVAL);
	close(fd[0]);
	close(fd[1]);
	close(ctl);
	return 0;
}

/* ---- signals ---- */

static void on_usr1(int sig)
{
	(void)sig;
}

static pid_t reader_child(const char *name, int want_errno)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pid_t pid = fork();
	char buf[16];
	int fd;

	if (pid)
		return pid;
	sigaction(SIGUSR1, &sa, NULL);		/* no SA_RESTART */
	fd = open_dev(name, O_RDONLY);
	if (fd < 0)
		_exit(2);
	if (read(fd, buf, sizeof(buf)) >= 0)
		_exit(3);
	_exit(errno == want_errno ? 0 : 4);
}

static int t_signal(void)
{
	static unsigned char buf[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf, req;
	int ctl, rc;
	pid_t pid;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 1, "ft-sig", 0666, 0, 0, 0, 0));

	/* a request the daemon has read: INTERRUPT names it */
	pid = reader_child("ft-sig", EINTR);
	CHECK(recv_op(ctl, buf, FUSD_OPEN) > 0, "no OPEN");
	CHECK_OK(fusd_reply(ctl, m, 0, NULL, 0));
	CHECK(recv_op(ctl, buf, FUSD_READ) > 0, "no READ");
	req = *m;
	msleep(100);
	kill(pid, SIGUSR1);
	CHECK(recv_nb(ctl, buf, 2000) > 0, "no message after the signal");
	CHECK(m->opcode == FUSD_INTERRUPT && m->req_id == req.req_id,
	      "got opcode %u id %llu, want INTERRUPT %llu", m->opcode,
	      (unsigned long long)m->req_id, (unsigned long long)req.req_id);
	rc = child_status(pid);
	CHECK(rc == 0, "reader status %d (want EINTR)", rc);
	CHECK_ERR(fusd_reply(ctl, &req, 3, "abc", 3), ENOENT);

	/* a request still queued: dropped, the daemon never sees it */
	pid = reader_child("ft-sig", EINTR);
	CHECK(recv_op(ctl, buf, FUSD_OPEN) > 0, "no OPEN");
	CHECK_OK(fusd_reply(ctl, m, 0, NULL, 0));
	msleep(300);
	kill(pid, SIGUSR1);
	rc = child_status(pid);
	CHECK(rc == 0, "queued reader status %d", rc);
	while (recv_nb(ctl, buf, 200) > 0) {
		CHECK(m->opcode == FUSD_FLUSH || m->opcode == FUSD_RELEASE,
		      "daemon saw opcode %u for a dropped request", m->opcode);
		if (m->opcode == FUSD_FLUSH)
			fusd_reply(ctl, m, 0, NULL, 0);
	}
	close(ctl);
	return 0;
}

/* Replies in any order reach the right callers. */
static int t_order(void)
{
	static unsigned char buf[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf, reqs[4];
	char txt[32];
	pid_t pids[4];
	int ctl, i, n, fd;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 1, "ft-order", 0666, 0, 0, 0, 0));
	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			fd = open_dev("ft-order", O_RDONLY);
			n = read(fd, txt, sizeof(txt) - 1);
			if (n <= 0)
				_exit(2);
			txt[n] = 0;
			_exit(atoi(txt) == getpid() ? 0 : 1);
		}
	}
	for (n = 0; n < 4; ) {
		CHECK(fusd_recv(ctl, buf) > 0, "recv");
		if (m->opcode == FUSD_OPEN)
			CHECK_OK(fusd_reply(ctl, m, 0, NULL, 0));
		else if (m->opcode == FUSD_READ)
			reqs[n++] = *m;
	}
	for (i = 3; i >= 0; i--) {
		n = snprintf(txt, sizeof(txt), "%u", reqs[i].pid);
		CHECK_OK(fusd_reply(ctl, &reqs[i], n, txt, n));
	}
	for (i = 0; i < 4; i++)
		CHECK(child_status(pids[i]) == 0, "caller %d got a wrong reply", i);
	close(ctl);
	return 0;
}

/* ---- daemon death ---- */

static int t_daemon_killed(void)
{
	static const struct tdev devs[] = { { 1, K_PIPE, "ft-kill", 0666 } };
	pid_t d, readers[4], poller;
	struct pollfd p;
	double t0;
	char buf[8];
	int fd, i, rc, ctl;

	d = td_start(devs, 1);
	CHECK(d > 0, "daemon did not start");
	fd = open_dev("ft-kill", O_RDWR);
	CHECK_OK(fd);
	for (i = 0; i < 4; i++) {
		readers[i] = fork();
		if (!readers[i]) {
			int rfd = open_dev("ft-kill", O_RDONLY);

			if (read(rfd, buf, 8) >= 0)
				_exit(3);
			_exit(errno == ENODEV ? 0 : 4);
		}
	}
	poller = fork();
	if (!poller) {
		p = (struct pollfd){ fd, POLLIN, 0 };
		if (poll(&p, 1, 10000) != 1)
			_exit(3);
		_exit(p.revents & (POLLERR | POLLHUP) ? 0 : 4);
	}
	CHECK(wait_count(&st->reads, 4, 3000), "readers did not block");
	msleep(100);
	t0 = now();
	kill(d, SIGKILL);
	for (i = 0; i < 4; i++) {
		rc = child_status(readers[i]);
		CHECK(rc == 0, "reader %d status %d (want ENODEV)", i, rc);
	}
	rc = child_status(poller);
	CHECK(rc == 0, "poller status %d", rc);
	CHECK(now() - t0 < 1.0, "callers took %.2f s to wake", now() - t0);
	waitpid(d, NULL, 0);

	CHECK(read(fd, buf, 8) < 0 && errno == ENODEV, "later read: %m");
	CHECK(write(fd, buf, 8) < 0 && errno == ENODEV, "later write: %m");
	CHECK(ioctl(fd, TIOC_ARG, 1) < 0 && errno == ENODEV, "later ioctl");
	p = (struct pollfd){ fd, POLLIN | POLLOUT, 0 };
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)),
	      "later poll: %#x", p.revents);
	CHECK(!exists("ft-kill"), "node survived its daemon");
	CHECK(open_dev("ft-kill", O_RDONLY) == -ENOENT, "open after death");

	/* the name is free again while the old file is still open */
	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 1, "ft-kill", 0600, 0, 0, 0, 0));
	close(ctl);
	close(fd);
	return 0;
}

static int t_unregister_open(void)
{
	static const struct tdev devs[] = { { 5, K_ECHO, "ft-unreg", 0666 } };
	static unsigned char buf[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf;
	int ctl, fd, rc;
	pid_t pid;

	(void)devs;
	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 5, "ft-unreg", 0666, 0, 0, 0, 0));
	pid = fork();
	if (!pid) {
		fd = open_dev("ft-unreg", O_RDONLY);
		if (fd < 0)
			_exit(2);
		if (read(fd, buf, 8) >= 0)
			_exit(3);
		_exit(errno == ENODEV ? 0 : 4);
	}
	CHECK(recv_op(ctl, buf, FUSD_OPEN) > 0, "no OPEN");
	CHECK_OK(fusd_reply(ctl, m, 0, NULL, 0));
	CHECK(recv_op(ctl, buf, FUSD_READ) > 0, "no READ");
	CHECK_OK(fusd_unregister_dev(ctl, 5));
	rc = child_status(pid);
	CHECK(rc == 0, "blocked reader status %d", rc);
	CHECK(!exists("ft-unreg"), "node still there");
	CHECK_ERR(fusd_reply(ctl, m, 0, NULL, 0), ENOENT);
	CHECK(recv_nb(ctl, buf, 200) == -ETIMEDOUT,
	      "messages for an unregistered device: opcode %u", m->opcode);
	close(ctl);
	return 0;
}

/* ---- malformed messages ---- */

static int t_malformed(void)
{
	static unsigned char buf[FUSD_MSG_MAX + 16], big[FUSD_MSG_MAX + 16];
	struct fusd_msg *m = (struct fusd_msg *)buf, req, h;
	int ctl, ctl2, rc;
	pid_t pid;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 1, "ft-bad", 0666, 0, 0, 0, 0));

	fusd_hdr_init(&h, FUSD_REPLY, sizeof(h));
	CHECK_ERR(fusd_send(ctl, &h, 10), EINVAL);
	CHECK_ERR(fusd_send(ctl, &h, 0), EINVAL);
	fusd_hdr_init((struct fusd_msg *)big, FUSD_REPLY, FUSD_MSG_MAX + 1);
	CHECK_ERR(fusd_send(ctl, big, FUSD_MSG_MAX + 1), EINVAL);
	h.len = sizeof(h) + 4;
	CHECK_ERR(fusd_send(ctl, &h, sizeof(h)), EINVAL);
	fusd_hdr_init(&h, FUSD_REPLY, sizeof(h));
	h.magic ^= 1;
	CHECK_ERR(fusd_send(ctl, &h, sizeof(h)), EINVAL);
	fusd_hdr_init(&h, FUSD_REPLY, sizeof(h));
	h.version = 1;
	CHECK_ERR(fusd_send(ctl, &h, sizeof(h)), EPROTO);
	h.version = 3;
	CHECK_ERR(fusd_send(ctl, &h, sizeof(h)), EPROTO);
	fusd_hdr_init(&h, 99, sizeof(h));
	CHECK_ERR(fusd_send(ctl, &h, sizeof(h)), EINVAL);
	fusd_hdr_init(&h, FUSD_OPEN, sizeof(h));
	CHECK_ERR(fusd_send(ctl, &h, sizeof(h)), EINVAL);
	fusd_hdr_init(&h, FUSD_REPLY, sizeof(h));
	h.xflags = 2;
	CHECK_ERR(fusd_send(ctl, &h, sizeof(h)), EINVAL);
	h.xflags = FUSD_REPLY_POLL;
	h.arg = 0x10000;
	CHECK_ERR(fusd_send(ctl, &h, sizeof(h)), EINVAL);
	fusd_hdr_init(&h, FUSD_POLL_NOTIFY, sizeof(h));
	h.dev_id = 1;
	h.xflags = 1;
	CHECK_ERR(fusd_send(ctl, &h, sizeof(h)), EINVAL);
	fusd_hdr_init((struct fusd_msg *)big, FUSD_UNREGISTER, sizeof(h) + 8);
	((struct fusd_msg *)big)->dev_id = 1;
	CHECK_ERR(fusd_send(ctl, big, sizeof(h) + 8), EINVAL);
	CHECK(exists("ft-bad"), "a malformed UNREGISTER removed the device");
	CHECK(write(ctl, bad_ptr, sizeof(h)) < 0 && errno == EFAULT, "bad buf");

	pid = fork();
	if (!pid) {
		char b[16];
		int fd = open_dev("ft-bad", O_RDWR);

		if (fd < 0)
			_exit(2);
		if (read(fd, b, 16) != 3 || memcmp(b, "abc", 3))
			_exit(3);
		if (write(fd, "12345678", 8) != 8)
			_exit(4);
		_exit(0);
	}
	CHECK(recv_op(ctl, buf, FUSD_OPEN) > 0, "no OPEN");
	CHECK_ERR(fusd_reply(ctl, m, 1, NULL, 0), EINVAL);
	CHECK_ERR(fusd_reply(ctl, m, 0, "x", 1), EINVAL);
	CHECK_OK(fusd_reply(ctl, m, 0, NULL, 0));

	/* a read buffer too small for the next message */
	CHECK(read(ctl, buf, 20) < 0 && errno == EMSGSIZE, "small read buffer");
	CHECK(recv_op(ctl, buf, FUSD_READ) > 0, "no READ after EMSGSIZE");
	req = *m;
	CHECK(req.size == 16, "READ size %u", req.size);
	memset(big, 'z', 64);
	CHECK_ERR(fusd_reply(ctl, &req, 17, big, 17), EINVAL);
	CHECK_ERR(fusd_reply(ctl, &req, 5, "abcd", 4), EINVAL);
	CHECK_ERR(fusd_reply(ctl, &req, 2, "abc", 3), EINVAL);
	CHECK_ERR(fusd_reply(ctl, &req, -600, NULL, 0), EINVAL);
	CHECK_ERR(fusd_reply(ctl, &req, -512, NULL, 0), EINVAL);
	CHECK_ERR(fusd_reply(ctl, &req, -5, "abc", 3), EINVAL);
	h = req;
	h.req_id += 1000;
	CHECK_ERR(fusd_reply(ctl, &h, 3, "abc", 3), ENOENT);
	ctl2 = fusd_ctl_open();
	CHECK_OK(ctl2);
	CHECK_ERR(fusd_reply(ctl2, &req, 3, "abc", 3), ENOENT);
	CHECK_ERR(fusd_notify(ctl2, 1, 0, FUSD_POLLIN), ENOENT);
	CHECK_ERR(fusd_unregister_dev(ctl2, 1), ENOENT);
	close(ctl2);
	CHECK(exists("ft-bad"), "another channel removed the device");
	CHECK(waitpid(pid, NULL, WNOHANG) == 0, "caller woke on a bad reply");
	CHECK_OK(fusd_reply(ctl, &req, 3, "abc", 3));
	CHECK_ERR(fusd_reply(ctl, &req, 3, "abc", 3), ENOENT);

	CHECK(recv_op(ctl, buf, FUSD_WRITE) > 0, "no WRITE");
	req = *m;
	CHECK(req.size == 8 && m->len == sizeof(*m) + 8 &&
	      !memcmp(buf + sizeof(*m), "12345678", 8), "WRITE payload");
	CHECK_ERR(fusd_reply(ctl, &req, 9, NULL, 0), EINVAL);
	CHECK_ERR(fusd_reply(ctl, &req, 8, "x", 1), EINVAL);
	CHECK_OK(fusd_reply(ctl, &req, 8, NULL, 0));
	rc = child_status(pid);
	CHECK(rc == 0, "caller status %d", rc);
	close(ctl);
	return 0;
}

/* ---- 32-bit callers (compat_ioctl) ---- */

static int t_compat(void)
{
	static const struct tdev devs[] = { { 1, K_ECHO, "ft-compat", 0666 } };
	char prog[4096], *slash;
	ssize_t n;
	pid_t d, pid;
	int rc;

	n = readlink("/proc/self/exe", prog, sizeof(prog) - 32);
	CHECK(n > 0, "readlink: %m");
	prog[n] = 0;
	slash = strrchr(prog, '/');
	strcpy(slash + 1, "compat_client32");
	if (access(prog, X_OK)) {
		failf("no %s (gcc -m32 missing)", prog);
		return SKIPPED;
	}
	d = td_start(devs, 1);
	CHECK(d > 0, "daemon did not start");
	pid = fork();
	if (!pid) {
		execl(prog, prog, "/dev/ft-compat", (char *)NULL);
		_exit(99);
	}
	rc = child_status(pid);
	td_stop(d);
	CHECK(rc == 0, "32-bit client status %d", rc);
	return 0;
}

/* Random messages: only the documented errors, and the channel still works. */
static int t_fuzz(void)
{
	static unsigned char buf[FUSD_MSG_MAX + 64];
	struct fusd_msg *m = (struct fusd_msg *)buf, req;
	static const int ops[] = { FUSD_REGISTER, FUSD_UNREGISTER, FUSD_REPLY,
				   FUSD_POLL_NOTIFY, FUSD_READ, 0, 99 };
	unsigned int seed = 12345, i, j;
	int ctl, fd, rc, ok = 0;
	size_t len;
	pid_t pid;
	long r;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 1, "ft-fuzz", 0666, 0, 0, 0, 0));
	pid = fork();
	if (!pid) {
		fd = open_dev("ft-fuzz", O_RDONLY);
		_exit(fd >= 0 && read(fd, buf, 8) == 2 ? 0 : 1);
	}
	CHECK(recv_op(ctl, buf, FUSD_OPEN) > 0, "no OPEN");
	CHECK_OK(fusd_reply(ctl, m, 0, NULL, 0));
	CHECK(recv_op(ctl, buf, FUSD_READ) > 0, "no READ");
	req = *m;
	for (i = 0; i < 20000; i++) {
		switch (rand_r(&seed) % 4) {
		case 0:
			len = rand_r(&seed) % (sizeof(buf) + 1);
			break;
		case 1:
			len = sizeof(*m) + rand_r(&seed) % 200;
			break;
		case 2:
			len = sizeof(*m) + rand_r(&seed) % 8;
			break;
		default:
			len = sizeof(*m);
		}
		for (j = 0; j < len && j < 512; j++)
			buf[j] = rand_r(&seed);
		if (rand_r(&seed) % 8) {
			m->magic = FUSD_MAGIC;
			m->version = FUSD_ABI_VERSION;
			m->len = len;
			m->opcode = ops[rand_r(&seed) % 7];
			if (rand_r(&seed) % 2)
				m->xflags = rand_r(&seed) % 2;
			if (rand_r(&seed) % 2)
				m->dev_id = rand_r(&seed) % 3;
			if (rand_r(&seed) % 2)
				m->fh_id = rand_r(&seed) % 3;
			if (rand_r(&seed) % 2)
				m->arg &= FUSD_POLL_ALL;
			if (m->opcode == FUSD_REPLY && rand_r(&seed) % 2)
				m->req_id = req.req_id + rand_r(&seed) % 3;
			if (m->opcode == FUSD_UNREGISTER && m->dev_id == 1)
				m->dev_id = 2;
		}
		r = write(ctl, buf, len) < 0 ? -errno : 0;
		if (!r) {
			ok++;
			continue;
		}
		CHECK(r == -EINVAL || r == -ENOENT || r == -EEXIST ||
		      r == -EPERM || r == -EPROTO, "message %u: %s", i,
		      strerror(-r));
	}
	CHECK(exists("ft-fuzz"), "the device is gone");
	rc = waitpid(pid, NULL, WNOHANG);
	if (rc == 0)
		CHECK_OK(fusd_reply(ctl, &req, 2, "ok", 2));
	close(ctl);
	rc = child_status(pid);
	CHECK(rc == 0 || rc == 1, "reader status %d", rc);
	printf("# fuzz: %d of 20000 random messages accepted\n", ok);
	return 0;
}

/* ---- ABI version 2 ---- */

static int t_version(void)
{
	struct fusd_msg h;
	int ctl;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK(ioctl(ctl, FUSD_VERSION) == FUSD_ABI_VERSION, "FUSD_VERSION");
	CHECK(ioctl(ctl, _IO(FUSD_IOC_MAGIC, 99)) < 0 && errno == ENOTTY,
	      "unknown control ioctl");
	fusd_hdr_init(&h, FUSD_RESEND, sizeof(h));
	h.version = 1;
	CHECK_ERR(fusd_send(ctl, &h, sizeof(h)), EPROTO);
	h.version = FUSD_ABI_VERSION;
	CHECK_OK(fusd_send(ctl, &h, sizeof(h)));
	close(ctl);
	return 0;
}

/* Names with '/' make subdirectories of /dev, and work as nodes. */
static int t_subdir(void)
{
	static const struct tdev devs[] = {
		{ 1, K_ECHO, "ft-dir/sub/echo", 0666 },
		{ 2, K_ECHO, "ft-dir/two", 0666 },
	};
	struct stat sb;
	char b[8];
	int ctl, fd;
	pid_t d;

	d = td_start(devs, 2);
	CHECK(d > 0, "daemon did not start");
	CHECK(stat("/dev/ft-dir/sub/echo", &sb) == 0 && S_ISCHR(sb.st_mode),
	      "no /dev/ft-dir/sub/echo: %m");
	CHECK(access("/sys/class/fusd/ft-dir!sub!echo", F_OK) == 0,
	      "no /sys/class/fusd/ft-dir!sub!echo");
	fd = open_dev("ft-dir/sub/echo", O_RDWR);
	CHECK_OK(fd);
	CHECK(write(fd, "sub", 3) == 3 && read(fd, b, 8) == 3 &&
	      !memcmp(b, "sub", 3), "echo through a subdirectory node");
	close(fd);
	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_ERR(fusd_register_dev(ctl, 1, "ft-dir", 0600, 0, 0, 0, 0), EEXIST);
	CHECK_ERR(fusd_register_dev(ctl, 1, "ft-dir/sub", 0600, 0, 0, 0, 0),
		  EEXIST);
	close(ctl);
	td_stop(d);
	CHECK(!exists("ft-dir/sub/echo") && !exists("ft-dir/two"),
	      "nodes left after the daemon died");
	return 0;
}

/* A REPLY may carry the file's new poll mask. */
static int t_reply_poll(void)
{
	static unsigned char buf[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf, r;
	int ctl, rc;
	pid_t pid;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 1, "ft-rpoll", 0666, 0, 0, 0, 0));
	pid = fork();
	if (!pid) {
		struct pollfd p = { 0, POLLIN, 0 };
		char b[4];

		p.fd = open_dev("ft-rpoll", O_RDONLY);
		if (p.fd < 0)
			_exit(2);
		if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
			_exit(3);	/* the OPEN reply said POLLIN */
		if (read(p.fd, b, 4) != 1)
			_exit(4);
		if (poll(&p, 1, 0) != 0)
			_exit(5);	/* the READ reply cleared it */
		_exit(0);
	}
	CHECK(recv_op(ctl, buf, FUSD_OPEN) > 0, "no OPEN");
	fusd_hdr_init(&r, FUSD_REPLY, sizeof(r));
	r.req_id = m->req_id;
	r.xflags = FUSD_REPLY_POLL;
	r.arg = FUSD_POLLIN | FUSD_POLLRDNORM;
	CHECK_OK(fusd_send(ctl, &r, sizeof(r)));
	CHECK(recv_op(ctl, buf, FUSD_READ) > 0, "no READ");
	r = *m;
	fusd_hdr_init(m, FUSD_REPLY, sizeof(*m) + 1);
	m->req_id = r.req_id;
	m->xflags = FUSD_REPLY_POLL;
	m->arg = 0;
	m->result = 1;
	buf[sizeof(*m)] = 'x';
	CHECK_OK(fusd_send(ctl, buf, sizeof(*m) + 1));
	rc = child_status(pid);
	CHECK(rc == 0, "client status %d", rc);
	close(ctl);
	return 0;
}

/* FUSD_MEM_READ/WRITE: the daemon reaches the caller's memory. */
static int t_mem(void)
{
	static const struct tdev devs[] = { { 1, K_ECHO, "ft-memio", 0666 } };
	static unsigned char big[3 * FUSD_MEM_CHUNK + 123];
	struct memreq q = { 0, 0, 0 };
	long sum = 0, r;
	pid_t d;
	int fd, i;

	d = td_start(devs, 1);
	CHECK(d > 0, "daemon did not start");
	fd = open_dev("ft-memio", O_RDWR);
	CHECK_OK(fd);
	for (i = 0; i < (int)sizeof(big); i++) {
		big[i] = i * 11;
		sum += big[i];
	}
	q.buf = (uintptr_t)big;
	q.len = sizeof(big);
	q.op = MR_SUM;
	r = ioctl(fd, TIOC_MEMREQ, &q);
	CHECK(r == (sum & 0x7fffffff), "MEM_READ of %u bytes: sum %ld, want %ld",
	      q.len, r, sum);
	q.op = MR_FILL;
	CHECK(ioctl(fd, TIOC_MEMREQ, &q) >= 0, "MEM_WRITE: %m");
	for (i = 0; i < (int)sizeof(big); i++)
		CHECK(big[i] == (unsigned char)(i * 3 + 1), "MEM_WRITE byte %d", i);
	q.op = MR_INC;
	q.len = 5;
	CHECK(ioctl(fd, TIOC_MEMREQ, &q) >= 0, "read then write: %m");
	CHECK(big[0] == 2 && big[4] == 14 && big[5] == 16, "INC bytes");
	q.buf = (uintptr_t)bad_ptr;
	q.op = MR_SUM;
	CHECK(ioctl(fd, TIOC_MEMREQ, &q) < 0 && errno == EFAULT,
	      "unmapped caller address: %m");
	q.op = MR_FILL;
	q.buf = (uintptr_t)"read-only string";
	q.len = 4;
	CHECK(ioctl(fd, TIOC_MEMREQ, &q) < 0 && errno == EFAULT,
	      "write to read-only caller memory: %m");
	q.len = 0;
	CHECK(ioctl(fd, TIOC_MEMREQ, &q) == 0, "zero-length");
	close(fd);
	td_stop(d);
	return 0;
}

/* MEM ops on requests that are not a pending IOCTL, and bad arguments. */
static int t_mem_bad(void)
{
	static unsigned char buf[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf, req;
	struct fusd_mem mo;
	char local[64];
	int ctl, rc;
	pid_t pid;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 1, "ft-membad", 0666, 0, 0, 0, 0));
	pid = fork();
	if (!pid) {
		char data[64] = "caller data";
		int fd = open_dev("ft-membad", O_RDWR);

		if (fd < 0 || read(fd, local, 4) != 1)
			_exit(2);
		_exit(ioctl(fd, _IO('F', 50), data) == 7 ? 0 : 3);
	}
	CHECK(recv_op(ctl, buf, FUSD_OPEN) > 0, "no OPEN");
	CHECK_OK(fusd_reply(ctl, m, 0, NULL, 0));
	CHECK(recv_op(ctl, buf, FUSD_READ) > 0, "no READ");
	req = *m;
	mo = (struct fusd_mem){ req.req_id, 4096, (uintptr_t)local, 4, 0 };
	CHECK(ioctl(ctl, FUSD_MEM_READ, &mo) < 0 && errno == ENOENT,
	      "MEM_READ on a READ request: %m");
	CHECK_OK(fusd_reply(ctl, &req, 1, "r", 1));
	CHECK(recv_op(ctl, buf, FUSD_IOCTL) > 0, "no IOCTL");
	req = *m;
	mo = (struct fusd_mem){ req.req_id, req.offset, (uintptr_t)local, 11, 0 };
	CHECK(ioctl(ctl, FUSD_MEM_READ, &mo) == 11 &&
	      !memcmp(local, "caller data", 11), "MEM_READ: %m");
	mo.req_id += 1000;
	CHECK(ioctl(ctl, FUSD_MEM_READ, &mo) < 0 && errno == ENOENT,
	      "unknown req_id: %m");
	mo.req_id = req.req_id;
	mo.reserved = 1;
	CHECK(ioctl(ctl, FUSD_MEM_READ, &mo) < 0 && errno == EINVAL,
	      "reserved: %m");
	mo.reserved = 0;
	mo.len = FUSD_MEM_MAX + 1;
	CHECK(ioctl(ctl, FUSD_MEM_READ, &mo) < 0 && errno == EINVAL,
	      "len > FUSD_MEM_MAX: %m");
	mo.len = 4;
	mo.buf = (uintptr_t)bad_ptr;
	CHECK(ioctl(ctl, FUSD_MEM_READ, &mo) < 0 && errno == EFAULT,
	      "bad daemon buffer: %m");
	CHECK(ioctl(ctl, FUSD_MEM_WRITE, &mo) < 0 && errno == EFAULT,
	      "bad daemon source: %m");
	CHECK(ioctl(ctl, FUSD_MEM_READ, NULL) < 0 && errno == EFAULT,
	      "NULL argument: %m");
	CHECK_OK(fusd_reply(ctl, &req, 7, NULL, 0));
	mo = (struct fusd_mem){ req.req_id, req.offset, (uintptr_t)local, 4, 0 };
	CHECK(ioctl(ctl, FUSD_MEM_READ, &mo) < 0 && errno == ENOENT,
	      "MEM_READ after the reply: %m");
	rc = child_status(pid);
	CHECK(rc == 0, "caller status %d", rc);

	/* a caller killed: its request is gone for MEM ops too */
	pid = fork();
	if (!pid) {
		int fd = open_dev("ft-membad", O_RDWR);

		ioctl(fd, _IO('F', 51), local);
		_exit(1);
	}
	CHECK(recv_op(ctl, buf, FUSD_OPEN) > 0, "no OPEN");
	CHECK_OK(fusd_reply(ctl, m, 0, NULL, 0));
	CHECK(recv_op(ctl, buf, FUSD_IOCTL) > 0, "no IOCTL");
	req = *m;
	kill(pid, SIGKILL);
	rc = child_status(pid);
	CHECK(rc == 100 + SIGKILL, "caller status %d", rc);
	mo = (struct fusd_mem){ req.req_id, req.offset, (uintptr_t)local, 4, 0 };
	CHECK(ioctl(ctl, FUSD_MEM_READ, &mo) < 0 && errno == ENOENT,
	      "MEM_READ for a killed caller: %m");
	close(ctl);
	return 0;
}

/* FUSD_RESEND: a read, unanswered request comes again, marked. */
static int t_resend(void)
{
	static unsigned char buf[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf, req, h;
	int ctl, rc;
	pid_t pid;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 1, "ft-resend", 0666, 0, 0, 0, 0));
	pid = fork();
	if (!pid) {
		char b[8];
		int fd = open_dev("ft-resend", O_RDONLY);

		_exit(fd >= 0 && read(fd, b, 8) == 2 && !memcmp(b, "ok", 2) ?
		      0 : 2);
	}
	CHECK(recv_op(ctl, buf, FUSD_OPEN) > 0, "no OPEN");
	CHECK_OK(fusd_reply(ctl, m, 0, NULL, 0));
	CHECK(recv_op(ctl, buf, FUSD_READ) > 0, "no READ");
	req = *m;
	CHECK(!(req.xflags & FUSD_REQ_RESENT), "first READ marked RESENT");
	fusd_hdr_init(&h, FUSD_RESEND, sizeof(h));
	CHECK_OK(fusd_send(ctl, &h, sizeof(h)));
	CHECK(recv_nb(ctl, buf, 2000) > 0, "nothing after RESEND");
	CHECK(m->opcode == FUSD_READ && m->req_id == req.req_id &&
	      (m->xflags & FUSD_REQ_RESENT) && m->size == req.size,
	      "got opcode %u id %llu xflags %#x", m->opcode,
	      (unsigned long long)m->req_id, m->xflags);
	CHECK_OK(fusd_send(ctl, &h, sizeof(h)));	/* twice is harmless */
	CHECK(recv_nb(ctl, buf, 2000) > 0 && m->req_id == req.req_id,
	      "second RESEND");
	CHECK_OK(fusd_reply(ctl, m, 2, "ok", 2));
	rc = child_status(pid);
	CHECK(rc == 0, "reader status %d", rc);
	close(ctl);
	return 0;
}

/* FUSD_SET_SHM: its checks. */
static int t_shm_set(void)
{
	struct fusd_shm shm = { 1, -1, SHM_SIZE, { 0, 0 } };
	int ctl, mfd, plain;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 1, "ft-shmset", 0666, 0, 0, 0, 0));
	mfd = memfd_create("t", MFD_ALLOW_SEALING);
	CHECK(mfd >= 0 && ftruncate(mfd, SHM_SIZE) == 0, "memfd: %m");
	shm.fd = mfd;
	CHECK(ioctl(ctl, FUSD_SET_SHM, &shm) < 0 && errno == EINVAL,
	      "unsealed memfd accepted");
	CHECK(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0,
	      "seal: %m");
	shm.size = SHM_SIZE * 2;
	CHECK(ioctl(ctl, FUSD_SET_SHM, &shm) < 0 && errno == EINVAL,
	      "wrong size accepted");
	shm.size = 100;
	CHECK(ioctl(ctl, FUSD_SET_SHM, &shm) < 0 && errno == EINVAL,
	      "unaligned size accepted");
	shm.size = SHM_SIZE;
	shm.fd = 999;
	CHECK(ioctl(ctl, FUSD_SET_SHM, &shm) < 0 && errno == EBADF, "bad fd");
	plain = open("/proc/self/exe", O_RDONLY);
	shm.fd = plain;
	CHECK(ioctl(ctl, FUSD_SET_SHM, &shm) < 0 && errno == EINVAL,
	      "a plain file accepted");
	shm.fd = mfd;
	shm.dev_id = 2;
	CHECK(ioctl(ctl, FUSD_SET_SHM, &shm) < 0 && errno == ENOENT,
	      "unknown device");
	shm.dev_id = 1;
	shm.reserved[0] = 1;
	CHECK(ioctl(ctl, FUSD_SET_SHM, &shm) < 0 && errno == EINVAL, "reserved");
	shm.reserved[0] = 0;
	CHECK(ioctl(ctl, FUSD_SET_SHM, &shm) == 0, "SET_SHM: %m");
	CHECK(ioctl(ctl, FUSD_SET_SHM, &shm) < 0 && errno == EBUSY, "twice");
	close(ctl);
	close(mfd);
	close(plain);
	return 0;
}

/* mmap of the device: shared pages, fork, munmap, daemon death. */
static int t_mmap(void)
{
	static const struct tdev devs[] = {
		{ 1, K_SHM, "ft-shm", 0666 },
		{ 3, K_ECHO, "ft-noshm", 0666 },
	};
	unsigned char *a, *b;
	int fa, fb, i, rc;
	pid_t d, pid;

	d = td_start(devs, 2);
	CHECK(d > 0, "daemon did not start");
	fa = open_dev("ft-shm", O_RDWR);
	fb = open_dev("ft-shm", O_RDWR);
	CHECK(fa >= 0 && fb >= 0, "open");
	a = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fa, 0);
	CHECK(a != MAP_FAILED, "mmap: %m");
	for (i = 0; i < SHM_SIZE; i++)
		CHECK(a[i] == (unsigned char)(i * 7), "daemon's byte %d", i);
	b = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fb, SHM_SIZE - 4096);
	CHECK(b != MAP_FAILED, "mmap at an offset: %m");
	a[SHM_SIZE - 1] = 0xab;
	CHECK(b[4095] == 0xab, "another client's mapping does not share");
	pid = fork();
	if (!pid) {
		a[0] = 0xcd;	/* the child's write shows in the parent */
		_exit(b[4095] == 0xab ? 0 : 1);
	}
	rc = child_status(pid);
	CHECK(rc == 0 && a[0] == 0xcd, "fork: child %d, byte %#x", rc, a[0]);
	CHECK(mmap(NULL, 8192, PROT_READ, MAP_SHARED, fa, SHM_SIZE - 4096) ==
	      MAP_FAILED && errno == ENXIO, "mapping past the end: %m");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fa, SHM_SIZE * 2) ==
	      MAP_FAILED && errno == ENXIO, "offset past the end: %m");
	i = open_dev("ft-noshm", O_RDWR);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, i, 0) == MAP_FAILED &&
	      errno == ENXIO, "a device without memory: %m");
	close(i);
	close(fa);
	close(fb);
	td_stop(d);
	return 0;
}

/* FUSD_DEV_MMAP_CHECK: the daemon sees each mapping and may refuse it. */
static int t_mmap_check(void)
{
	static const struct tdev devs[] = { { 2, K_SHMCHK, "ft-shmchk", 0666 } };
	unsigned char *b;
	pid_t d;
	int i;

	d = td_start(devs, 1);
	CHECK(d > 0, "daemon did not start");
	i = open_dev("ft-shmchk", O_RDWR);
	CHECK_OK(i);
	b = mmap(NULL, 8192, PROT_READ, MAP_SHARED, i, 4096);
	CHECK(b != MAP_FAILED && st->mmaps == 1, "checked mmap: %m");
	CHECK(st->mmap_off == 4096 && st->mmap_len == 8192 &&
	      st->mmap_prot == PROT_READ &&
	      (st->mmap_xflags & FUSD_REQ_MAP_SHARED), "MMAP fields");
	CHECK(b[0] == (unsigned char)(4096 * 7), "checked mapping's bytes");
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, i, 0) ==
	      MAP_FAILED && errno == EACCES, "refused mmap: %m");
	CHECK(!(st->mmap_xflags & FUSD_REQ_MAP_SHARED), "private marked shared");
	munmap(b, 8192);
	close(i);
	td_stop(d);
	return 0;
}

/* The daemon dies: mappings keep their pages, new mmaps fail. */
static int t_mmap_death(void)
{
	static const struct tdev devs[] = { { 1, K_SHM, "ft-shmdie", 0666 } };
	unsigned char *a;
	pid_t d;
	int fa;

	d = td_start(devs, 1);
	CHECK(d > 0, "daemon did not start");
	fa = open_dev("ft-shmdie", O_RDWR);
	CHECK_OK(fa);
	a = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fa, 0);
	CHECK(a != MAP_FAILED, "mmap: %m");
	a[0] = 0xcd;
	a[SHM_SIZE - 1] = 0xab;
	td_stop(d);
	CHECK(a[0] == 0xcd && a[SHM_SIZE - 1] == 0xab &&
	      a[100] == (unsigned char)700, "mapping changed after the daemon died");
	a[1] = 1;
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fa, 0) == MAP_FAILED &&
	      errno == ENODEV, "mmap after the daemon died: %m");
	CHECK(munmap(a, SHM_SIZE) == 0, "munmap");
	close(fa);
	return 0;
}

/* UNREGISTER while a client maps the memory: the mapping stays. */
static int t_mmap_unregister(void)
{
	static unsigned char buf[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf;
	int ctl, go[2], mapped[2], rc;
	char c = 0;
	pid_t pid;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 1, "ft-shmun", 0666, 0, 0, 0, 0));
	CHECK_OK(td_shm(ctl, 1));
	CHECK(pipe(go) == 0 && pipe(mapped) == 0, "pipe");
	pid = fork();
	if (!pid) {
		int fd = open_dev("ft-shmun", O_RDWR);
		unsigned char *a;

		if (fd < 0)
			_exit(2);
		a = mmap(NULL, SHM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		if (a == MAP_FAILED || a[3] != 21 || write(mapped[1], &c, 1) != 1)
			_exit(3);
		if (read(go[0], &c, 1) != 1)	/* the device is gone now */
			_exit(4);
		if (a[3] != 21 || a[SHM_SIZE - 1] != (unsigned char)((SHM_SIZE - 1) * 7))
			_exit(5);
		if (mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED ||
		    errno != ENODEV)
			_exit(6);
		_exit(munmap(a, SHM_SIZE) ? 7 : 0);
	}
	close(mapped[1]);
	CHECK(recv_op(ctl, buf, FUSD_OPEN) > 0, "no OPEN");
	CHECK_OK(fusd_reply(ctl, m, 0, NULL, 0));
	CHECK(read(mapped[0], &c, 1) == 1, "the client did not map");
	CHECK_OK(fusd_unregister_dev(ctl, 1));
	CHECK(!exists("ft-shmun"), "node left after UNREGISTER");
	CHECK(write(go[1], &c, 1) == 1, "go");
	rc = child_status(pid);
	CHECK(rc == 0, "client status %d", rc);
	close(ctl);
	return 0;
}

/* ---- status ---- */

static int read_status(char *out, size_t size)
{
	int fd = open("/sys/kernel/debug/fusd/status", O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
		fd = open("/sys/kernel/debug/fusd/status", O_RDONLY);
	}
	if (fd < 0)
		return -errno;
	n = read(fd, out, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	out[n] = 0;
	return 0;
}

static int t_status(void)
{
	static unsigned char buf[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf;
	char text[4096], want[128];
	int ctl, fd;
	pid_t pid;

	ctl = fusd_ctl_open();
	CHECK_OK(ctl);
	CHECK_OK(fusd_register_dev(ctl, 9, "ft-status", 0666, 0, 0, 0, 0));
	pid = fork();
	if (!pid) {
		/* open: answered by the parent; then one read left waiting */
		fd = open_dev("ft-status", O_RDONLY);
		read(fd, text, 1);
		_exit(0);
	}
	CHECK(recv_op(ctl, buf, FUSD_OPEN) > 0, "no OPEN");
	CHECK_OK(fusd_reply(ctl, m, 0, NULL, 0));
	msleep(200);
	fd = -1;
	CHECK_OK(read_status(text, sizeof(text)));
	snprintf(want, sizeof(want), "\nft-status 9 %d 1 1\n", getpid());
	CHECK(strstr(text, want), "status lacks '%s': %s", want + 1, text);
	kill(pid, SIGKILL);
	child_status(pid);
	close(ctl);
	CHECK_OK(read_status(text, sizeof(text)));
	CHECK(!strstr(text, "ft-status"), "device listed after close: %s", text);
	return 0;
}

/* ---- stress: many clients, every byte checked ---- */

static int t_stress(void)
{
	static const struct tdev devs[] = { { 1, K_ECHO, "ft-stress", 0666 } };
	const char *env = getenv("FUSD_STRESS_CALLS");
	int calls = env ? atoi(env) : 10000, nclients = 64, i, bad = 0;
	pid_t d, pids[64];
	double t0;

	d = td_start(devs, 1);
	CHECK(d > 0, "daemon did not start");
	t0 = now();
	for (i = 0; i < nclients; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			unsigned char out[600], in[600];
			unsigned int seed = getpid();
			int fd = open_dev("ft-stress", O_RDWR), c, j, len;

			if (fd < 0)
				_exit(2);
			for (c = 0; c < calls; c += 2) {
				len = 1 + rand_r(&seed) % 512;
				for (j = 0; j < len; j++)
					out[j] = rand_r(&seed);
				if (write(fd, out, len) != len)
					_exit(3);
				if (read(fd, in, sizeof(in)) != len ||
				    memcmp(in, out, len))
					_exit(4);
			}
			_exit(close(fd) ? 5 : 0);
		}
	}
	for (i = 0; i < nclients; i++)
		if (child_status(pids[i]))
			bad++;
	td_stop(d);
	CHECK(!bad, "%d of %d clients failed", bad, nclients);
	printf("# stress: %d clients x %d calls in %.1f s\n", nclients, calls,
	       now() - t0);
	return 0;
}

/* ---- module load cycles (and the group parameter) ---- */

static int load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, params, 0);
	r = r ? -errno : 0;
	close(fd);
	return r;
}

static int unload(void)
{
	int i;

	/* a just-closed file may still hold the module for a moment */
	for (i = 0; i < 200; i++) {
		if (!syscall(SYS_delete_module, "fusd", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		msleep(10);
	}
	return -EBUSY;
}

static int t_group(const char *ko)
{
	gid_t grp = 4242;
	pid_t pid;
	int rc;

	CHECK_OK(load(ko, "group=4242"));
	pid = fork();
	if (!pid) {
		int fd;

		if (setgroups(1, &grp) || setresgid(5000, 5000, 5000) ||
		    setresuid(5000, 5000, 5000))
			_exit(2);
		fd = fusd_ctl_open();
		if (fd < 0)
			_exit(3);
		if (fusd_register_dev(fd, 1, "ft-grp", 0600, 0, 0, 0, 0) != -EPERM)
			_exit(4);
		if (fusd_register_dev(fd, 1, "ft-grp", 0600, 5000, 4242, 0, 0))
			_exit(5);
		_exit(exists("ft-grp") ? 0 : 6);
	}
	rc = child_status(pid);
	CHECK(rc == 0, "group member: status %d", rc);
	pid = fork();
	if (!pid) {
		if (setgroups(0, NULL) || setresgid(5000, 5000, 5000) ||
		    setresuid(5000, 5000, 5000))
			_exit(2);
		_exit(fusd_ctl_open() < 0 ? 0 : 1);
	}
	rc = child_status(pid);
	CHECK(rc == 0, "non-member could open /dev/fusd");
	CHECK_OK(unload());
	return 0;
}

static int t_load_cycle(void)
{
	static const struct tdev devs[] = { { 1, K_ECHO, "ft-cycle", 0666 } };
	const char *ko = getenv("FUSD_KO");
	char buf[64];
	int i, fd, r;
	pid_t d;

	CHECK(ko && *ko, "FUSD_KO not set");
	CHECK_OK(unload());
	if (t_group(ko))
		return -1;
	for (i = 0; i < 100; i++) {
		r = load(ko, "");
		CHECK(!r, "cycle %d: load: %s", i, strerror(-r));
		d = td_start(devs, 1);
		CHECK(d > 0, "cycle %d: daemon did not start", i);
		fd = open_dev("ft-cycle", O_RDWR);
		CHECK(fd >= 0, "cycle %d: open: %s", i, strerror(-fd));
		snprintf(buf, sizeof(buf), "cycle %d", i);
		CHECK(write(fd, buf, strlen(buf)) == (ssize_t)strlen(buf),
		      "cycle %d: write", i);
		memset(buf, 0, sizeof(buf));
		CHECK(read(fd, buf, sizeof(buf)) > 0 && atoi(buf + 6) == i,
		      "cycle %d: read back '%s'", i, buf);
		close(fd);
		td_stop(d);
		r = unload();
		CHECK(!r, "cycle %d: unload: %s", i, strerror(-r));
	}
	CHECK_OK(load(ko, ""));
	return 0;
}

/* ---- runner ---- */

struct test {
	const char *name;
	int (*fn)(void);
	int timeout;
};

static const struct test tests[] = {
	{ "abi", t_abi, 10 },
	{ "register", t_register, 30 },
	{ "names", t_names, 30 },
	{ "perm", t_perm, 30 },
	{ "ops", t_ops, 60 },
	{ "nonblock", t_nonblock, 30 },
	{ "blocking-read", t_blocking_read, 30 },
	{ "poll", t_poll, 30 },
	{ "select", t_select, 30 },
	{ "epoll", t_epoll, 30 },
	{ "poll-notify", t_poll_notify, 30 },
	{ "signal", t_signal, 30 },
	{ "reply-order", t_order, 30 },
	{ "daemon-killed", t_daemon_killed, 30 },
	{ "unregister-open", t_unregister_open, 30 },
	{ "malformed", t_malformed, 30 },
	{ "fuzz", t_fuzz, 120 },
	{ "compat-ioctl", t_compat, 30 },
	{ "version", t_version, 30 },
	{ "subdir", t_subdir, 30 },
	{ "reply-poll", t_reply_poll, 30 },
	{ "mem", t_mem, 60 },
	{ "mem-bad", t_mem_bad, 30 },
	{ "resend", t_resend, 30 },
	{ "shm-set", t_shm_set, 30 },
	{ "mmap", t_mmap, 60 },
	{ "mmap-check", t_mmap_check, 30 },
	{ "mmap-death", t_mmap_death, 30 },
	{ "mmap-unregister", t_mmap_unregister, 30 },
	{ "status", t_status, 30 },
	{ "stress", t_stress, 900 },
	{ "load-cycle", t_load_cycle, 600 },
};

/* Print the kernel stacks of the processes in group @pgid (a stuck test). */
static void dump_stuck(pid_t pgid)
{
	char path[64], buf[4096], comm[32];
	struct dirent *e;
	DIR *d = opendir("/proc");
	ssize_t n;
	int fd, p;

	while (d && (e = readdir(d))) {
		p = atoi(e->d_name);
		if (p <= 0 || getpgid(p) != pgid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", p);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? 0 : read(fd, comm, sizeof(comm) - 1);
		comm[n > 0 ? n - 1 : 0] = 0;
		if (fd >= 0)
			close(fd);
		snprintf(path, sizeof(path), "/proc/%d/stack", p);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		if (fd >= 0)
			close(fd);
		printf("# stuck: pid %d (%s):\n", p, comm);
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			printf("#   %s\n", l);
	}
	if (d)
		closedir(d);
}

static int run(const struct test *t)
{
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return -1;
	memset(st, 0, sizeof(*st));
	pid = fork();
	if (!pid) {
		close(p[0]);
		setpgid(0, 0);
		alarm(t->timeout);
		why[0] = 0;
		status = t->fn();
		if (status && write(p[1], why, strlen(why)) < 0)
			_exit(2);
		_exit(status == SKIPPED ? SKIPPED : status ? 1 : 0);
	}
	close(p[1]);
	for (n = 0; n < (t->timeout - 1) * 100; n++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		msleep(10);
	}
	if (n == (t->timeout - 1) * 100) {
		dump_stuck(pid);
		waitpid(pid, &status, 0);
	}
	/* leftover daemons and clients, which also hold the pipe open */
	kill(-pid, SIGKILL);
	while (waitpid(-pid, NULL, 0) > 0)
		;
	n = read(p[0], why, sizeof(why) - 1);
	why[n > 0 ? n : 0] = 0;
	close(p[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == SKIPPED) {
		printf("SKIP %s: %s\n", t->name, why);
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("PASS %s\n", t->name);
		fflush(stdout);
		return 0;
	}
	if (WIFSIGNALED(status))
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 "%skilled by signal %d%s", *why ? "; " : "",
			 WTERMSIG(status),
			 WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
	printf("FAIL %s: %s\n", t->name, *why ? why : "failed");
	fflush(stdout);
	return 1;
}

int main(int argc, char **argv)
{
	int n = sizeof(tests) / sizeof(tests[0]), i, j, failed = 0, ran = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (i = 0; i < n; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		return 2;
	for (i = 0; i < n; i++) {
		if (argc > 1) {
			for (j = 1; j < argc && strcmp(argv[j], tests[i].name); j++)
				;
			if (j == argc)
				continue;
		}
		failed += run(&tests[i]);
		ran++;
	}
	printf("%d passed, %d failed\n", ran - failed, failed);
	return failed ? 1 : 0;
}
