// SPDX-License-Identifier: GPL-2.0
/*
 * fusd-keeper: keeps a host's devices alive across a crash of the host.
 *
 * A FUSE connection lives as long as any process holds its /dev/fuse fd, a
 * fusd channel as long as any holds its /dev/fusd fd; requests then wait in
 * the kernel until someone reads them. The host is a
 * JVM, the very process the OOM killer picks and the one that can abort, so
 * the holder must be something else: this small process, which starts the
 * host, receives the channel's fds from it (SCM_RIGHTS) and holds them. If
 * the host is killed by a signal (SIGKILL, the OOM killer, an abort), it
 * starts the same command again at once with the fds inherited; the new host
 * attaches to the live mount instead of mounting (docs/takeover.md, "Crash
 * survival"). It also holds a memfd, the registry, that every host maps to
 * record what a successor needs: the device table and the open files.
 *
 * usage: fusd-keeper [--restarts N] [--window SEC] [--attach SEC] -- COMMAND...
 *
 * A host that exits (any status) ends the keeper with that status: that is
 * an orderly stop (SIGTERM/SIGINT to the keeper are passed on to the host,
 * SIGHUP too: it reloads). More than N crashes within SEC seconds, or a
 * restarted host that does not serve within --attach seconds, and the
 * keeper gives up: it unmounts, closes the fds (callers get the usual
 * errors) and exits 1, saying why.
 *
 * The host speaks frames on the socket named by FUSD_KEEPER (a 4-byte
 * big-endian length, then text; fds ride as SCM_RIGHTS): "hold fuse DIR"
 * with the /dev/fuse fd, "hold fusd" with the /dev/fusd control fd and the
 * memfds of its devices' shared memory, or "hold cuse ID:NAME..." with one
 * /dev/cuse fd per device (sent again when they change; a restarted host
 * gets the words after "hold" in FUSD_KEEPER_HELD),
 * "serving", and "stop" when it stops in order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELD 64
#define MAX_FRAME 4096
#define MAX_RESTARTS 100
/* The registry's size: the host maps all of it (docs/takeover.md). */
#define REGISTRY_SIZE (8 << 20)

static char **command;
static int restarts_max = 5;
static long window_s = 60;
static long attach_s = 120;

static pid_t host;
static int sock = -1;		/* our end of the host's socket */
static int registry = -1;
static int held[MAX_HELD];
static int nheld;
static char mount_dir[MAX_FRAME];
static char held_what[MAX_FRAME];	/* the last hold's words after "hold ": which fd is what */
static int stopping;		/* an orderly stop: the host's exit ends us */
static double attach_deadline;	/* a restarted host must serve by then; 0: none */
static double crashes[MAX_RESTARTS];
static int ncrashes;
static long long crashed_ns;	/* when the last host died (CLOCK_REALTIME), for the new one */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static long long realtime_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Sets our OOM score: -1000 (exempt) needs root; raising it back does not. */
static void set_oom_score(const char *value)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = write(fd, value, strlen(value));
	(void)n; /* not permitted (not root): keep the score we have */
	close(fd);
}

static void print_usage(void)
{
	fprintf(stderr,
		"usage: fusd-keeper [--restarts N] [--window SEC] [--attach SEC] -- COMMAND...\n");
	exit(2);
}

static long number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0)
		print_usage();
	return v;
}

static void release_held(void)
{
	for (int i = 0; i < nheld; i++)
		close(held[i]);
	nheld = 0;
}

/* Unmounts (callers get ENOTCONN or ENOENT), closes the fds and exits with status. */
static void end_channel(int status)
{
	if (mount_dir[0]) {
		if (geteuid() == 0) {
			umount2(mount_dir, MNT_DETACH);
		} else {
			pid_t p = fork();

			if (p == 0) {
				execlp("fusermount3", "fusermount3", "-u", "-z", "--", mount_dir,
				       (char *)NULL);
				_exit(127);
			}
			if (p > 0)
				waitpid(p, NULL, 0);
		}
	}
	release_held();
	exit(status);
}

static void give_up(const char *why)
{
	fprintf(stderr, "fusd-keeper: %s; giving up: the devices are removed\n", why);
	end_channel(1);
}

static int inheritable(int fd)
{
	return fcntl(fd, F_SETFD, 0);
}

/* Starts the host; restart: 0 for the first, else which restart and why. */
static void start_host(int restart, const char *why)
{
	int sv[2];
	sigset_t none;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("fusd-keeper: socketpair");
		give_up("cannot talk to a new host");
	}
	host = fork();
	if (host < 0) {
		perror("fusd-keeper: fork");
		give_up("cannot start a new host");
	}
	if (host == 0) {
		char env[64 + 12 * MAX_HELD];
		int n;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (inheritable(sv[1]) < 0 || inheritable(registry) < 0)
			_exit(127);
		snprintf(env, sizeof(env), "%d %d", sv[1], registry);
		setenv("FUSD_KEEPER", env, 1);
		unsetenv("FUSD_KEEPER_CHANNEL");
		unsetenv("FUSD_KEEPER_RESTART");
		unsetenv("FUSD_KEEPER_HELD");
		if (restart) {
			n = 0;
			for (int i = 0; i < nheld; i++) {
				if (inheritable(held[i]) < 0)
					_exit(127);
				n += snprintf(env + n, sizeof(env) - n, "%s%d", i ? "," : "", held[i]);
			}
			setenv("FUSD_KEEPER_CHANNEL", env, 1);
			setenv("FUSD_KEEPER_HELD", held_what, 1);
			snprintf(env, sizeof(env), "%d %lld %s", restart, crashed_ns, why);
			setenv("FUSD_KEEPER_RESTART", env, 1);
		}
		/* The keeper may be exempt from the OOM killer; its hosts are not. */
		set_oom_score("0");
		execvp(command[0], command);
		fprintf(stderr, "fusd-keeper: cannot run %s: %s\n", command[0], strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	if (sock >= 0)
		close(sock);
	sock = sv[0];
	attach_deadline = restart ? now_s() + attach_s : 0;
}

/* Reads one frame into buf (NUL-terminated), taking any fds it carries. 0 at EOF. */
static int receive(char *buf, int *fds, int *nfds)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int) * MAX_HELD)];
	} control;
	unsigned char head[4];
	size_t want = 4, got = 0, len = 0;
	char *to = (char *)head;

	*nfds = 0;
	while (got < want) {
		struct iovec iov = { to + got, want - got };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = &control, .msg_controllen = sizeof(control) };
		ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (int i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (*nfds < MAX_HELD)
					fds[(*nfds)++] = fd;
				else
					close(fd);
			}
		}
		got += n;
		if (got == 4 && want == 4) {
			len = (size_t)head[0] << 24 | head[1] << 16 | head[2] << 8 | head[3];
			if (len >= MAX_FRAME)
				return 0;
			to = buf;
			want = len;
			got = 0;
		}
	}
	buf[len] = '\0';
	return 1;
}

static void from_host(void)
{
	char buf[MAX_FRAME];
	int fds[MAX_HELD], nfds;

	if (!receive(buf, fds, &nfds)) {
		close(sock); /* the host is gone or done with us: its exit says which */
		sock = -1;
		return;
	}
	if ((!strncmp(buf, "hold fuse ", 10) || !strcmp(buf, "hold fusd") ||
	     !strncmp(buf, "hold cuse ", 10)) && nfds > 0 && !stopping) {
		/*
		 * The new set replaces the old one; it has the same channel fd,
		 * so the channel never lacks a holder. fuse names the mount to
		 * unmount when giving up; fusd and cuse have none (closing the
		 * fds removes the nodes). cuse names the device of each fd.
		 */
		release_held();
		memcpy(held, fds, nfds * sizeof(int));
		nheld = nfds;
		snprintf(mount_dir, sizeof(mount_dir), "%s", !strncmp(buf, "hold fuse ", 10) ? buf + 10 : "");
		snprintf(held_what, sizeof(held_what), "%s", buf + 5);
		return;
	}
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (!strcmp(buf, "serving")) {
		attach_deadline = 0;
	} else if (!strcmp(buf, "stop")) {
		stopping = 1; /* it unmounts; our copies must not keep the connection */
		release_held();
	}
}

static const char *describe(int status, char *buf, size_t size)
{
	const char *name = WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : NULL;

	if (name)
		snprintf(buf, size, "killed by SIG%s", name);
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	return buf;
}

/*
 * Takes the frames a dead host sent before it died: a "hold" with new fds
 * (fusd sends one when a device with shared memory comes or goes) is still
 * in the socket, and its fds with it.
 */
static void drain_host(void)
{
	while (sock >= 0) {
		struct pollfd p = { sock, POLLIN, 0 };

		if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
			return;
		from_host();
	}
}

static void host_ended(int status)
{
	char why[64], msg[256];
	double t = now_s();
	int recent = 0, code;

	drain_host();
	crashed_ns = realtime_ns();
	describe(status, why, sizeof(why));
	code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	if (nheld == 0) {
		/* It stopped in order ("stop" let the fds go), or it never had a channel. */
		if (!stopping && WIFSIGNALED(status))
			fprintf(stderr, "fusd-keeper: host %d %s before it served\n", host, why);
		exit(code);
	}
	if (stopping)
		end_channel(code); /* asked to stop, it ended without its orderly stop */
	if (!WIFSIGNALED(status)) {
		/* An exit without the orderly stop (no "stop"): end the channel it left. */
		if (attach_deadline)
			fprintf(stderr, "fusd-keeper: the restarted host %d %s before it served; giving up: the devices are removed\n",
				host, why);
		end_channel(code);
	}
	crashes[ncrashes++ % MAX_RESTARTS] = t;
	for (int i = 0; i < ncrashes && i < MAX_RESTARTS; i++)
		recent += crashes[i] > t - window_s;
	if (recent > restarts_max) {
		snprintf(msg, sizeof(msg), "host %d %s, crash %d within %ld s (--restarts %d)",
			 host, why, recent, window_s, restarts_max);
		give_up(msg);
	}
	fprintf(stderr, "fusd: host %d %s; starting a new host (restart %d of %d within %ld s); the devices stay\n",
		host, why, recent, restarts_max, window_s);
	start_host(recent, why);
}

static void on_signal(int sfd)
{
	struct signalfd_siginfo si;
	int status;
	pid_t p;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo != SIGCHLD) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			stopping = 1;
		if (host > 0)
			kill(host, si.ssi_signo);
		return;
	}
	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		if (p == host)
			host_ended(status);
	}
}

int main(int argc, char **argv)
{
	sigset_t sigs;
	int sfd, i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i += 2) {
		if (i + 1 >= argc)
			print_usage();
		if (!strcmp(argv[i], "--restarts"))
			restarts_max = number(argv[i + 1]);
		else if (!strcmp(argv[i], "--window"))
			window_s = number(argv[i + 1]);
		else if (!strcmp(argv[i], "--attach"))
			attach_s = number(argv[i + 1]);
		else
			print_usage();
	}
	if (i + 1 >= argc || restarts_max >= MAX_RESTARTS)
		print_usage();
	command = argv + i + 1;

	registry = memfd_create("fusd-registry", MFD_CLOEXEC);
	if (registry < 0 || ftruncate(registry, REGISTRY_SIZE) < 0) {
		perror("fusd-keeper: memfd");
		return 1;
	}
	/* As root, the keeper is exempt from the OOM killer (its hosts are not). */
	set_oom_score("-1000");
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("fusd-keeper: signalfd");
		return 1;
	}
	start_host(0, "");
	for (;;) {
		struct pollfd p[2] = { { sfd, POLLIN, 0 }, { sock, POLLIN, 0 } };
		int timeout = -1;

		if (attach_deadline) {
			double left = attach_deadline - now_s();

			timeout = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		if (poll(p, sock >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR) {
			perror("fusd-keeper: poll");
			give_up("the keeper failed");
		}
		if (p[0].revents)
			on_signal(sfd);
		if (sock >= 0 && p[1].revents)
			from_host();
		if (attach_deadline && now_s() >= attach_deadline) {
			char msg[128];

			snprintf(msg, sizeof(msg), "the restarted host %d did not serve within %ld s",
				 host, attach_s);
			kill(host, SIGKILL);
			give_up(msg);
		}
	}
}
