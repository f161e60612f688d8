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
 *
 * An upgrade under the keeper (fusd-host takeover of a kept host): the host
 * sends "successor" followed by the successor's working directory and
 * command, each NUL-terminated; the keeper starts it as its own child, with
 * a socket of its own, and answers "started PID" (or "refused WHY"). The
 * successor takes the channel over from the host as any successor does.
 * The host says "handed-over" just before it exits: the successor is then
 * the host, and its command, without --take-over, is what a crash restarts.
 * A successor that ends before that leaves the host serving; a host that
 * dies before that takes the successor with it (both are then one crash).
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
#define MAX_FRAME 65536
#define MAX_ARGS 512
#define MAX_RESTARTS 100
/* The registry's size: the host maps all of it (docs/takeover.md). */
#define REGISTRY_SIZE (8 << 20)

static char **command;
static int restarts_max = 5;
static long window_s = 60;
static long attach_s = 120;

static pid_t host;
static int sock = -1;		/* our end of the host's socket */
static pid_t next;		/* a successor taking over from host; 0: none */
static int next_sock = -1;	/* our end of its socket */
static char next_frame[MAX_FRAME];	/* its "successor" frame: the strings argv points into */
static char *next_argv[MAX_ARGS];	/* its command without --take-over: a crash restarts it */
static char host_frame[MAX_FRAME];	/* once it took over: the strings command points into */
static char *host_argv[MAX_ARGS];
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

/*
 * Starts argv (in cwd, if not NULL) with a socket to us, whose end we keep
 * in *our_end; restart: 0 unless it attaches after a crash (which restart).
 */
static pid_t spawn(char **argv, const char *cwd, int restart, const char *why, int *our_end)
{
	int sv[2];
	sigset_t none;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("fusd-keeper: socketpair");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fusd-keeper: fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		char env[64 + 12 * MAX_HELD];
		int n;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (inheritable(sv[1]) < 0 || inheritable(registry) < 0)
			_exit(127);
		if (cwd && chdir(cwd) < 0) {
			fprintf(stderr, "fusd-keeper: cannot enter %s: %s\n", cwd, strerror(errno));
			_exit(127);
		}
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
		execvp(argv[0], argv);
		fprintf(stderr, "fusd-keeper: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	*our_end = sv[0];
	return pid;
}

/* Starts the host; restart: 0 for the first, else which restart and why. */
static void start_host(int restart, const char *why)
{
	int s;

	host = spawn(command, NULL, restart, why, &s);
	if (host < 0)
		give_up(restart ? "cannot start a new host" : "cannot start the host");
	if (sock >= 0)
		close(sock);
	sock = s;
	attach_deadline = restart ? now_s() + attach_s : 0;
}

/* Reads one frame into buf (NUL-terminated), taking any fds it carries. 0 at EOF. */
static int receive(int from, char *buf, int *fds, int *nfds, size_t *length)
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
		ssize_t n = recvmsg(from, &msg, MSG_CMSG_CLOEXEC);

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
	*length = len;
	return 1;
}

/* Sends one frame of text to the host. */
static void reply(int to, const char *text)
{
	size_t len = strlen(text);
	unsigned char head[4] = { len >> 24, len >> 16, len >> 8, len };
	struct iovec iov[2] = { { head, 4 }, { (void *)text, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	if (sendmsg(to, &msg, MSG_NOSIGNAL) < 0)
		perror("fusd-keeper: answering the host");
}

/*
 * "successor": starts it (buf holds the frame, len bytes: the word, then
 * NUL-terminated strings: working directory, then the command).
 */
static void start_successor(const char *buf, size_t len)
{
	char *argv[MAX_ARGS], *p, *end, *cwd, answer[64];
	int argc = 0, kept = 0;

	if (next) {
		reply(sock, "refused a takeover is under way already");
		return;
	}
	memcpy(next_frame, buf, len);
	next_frame[len] = '\0';
	end = next_frame + len;
	p = next_frame + strlen("successor") + 1;
	if (p >= end) {
		reply(sock, "refused no working directory");
		return;
	}
	cwd = p;
	p += strlen(p) + 1;
	while (p < end && argc < MAX_ARGS - 1) {
		argv[argc++] = p;
		p += strlen(p) + 1;
	}
	argv[argc] = NULL;
	if (argc == 0 || p < end) {
		reply(sock, "refused no command, or more than 511 words");
		return;
	}
	next = spawn(argv, cwd, 0, "", &next_sock);
	if (next < 0) {
		next = 0;
		reply(sock, "refused the keeper could not start it");
		return;
	}
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--take-over") && i + 1 < argc)
			i++;
		else
			next_argv[kept++] = argv[i];
	}
	next_argv[kept] = NULL;
	snprintf(answer, sizeof(answer), "started %d", next);
	reply(sock, answer);
}

/* "handed-over": the successor is the host from now on; the old one exits. */
static void successor_took_over(void)
{
	if (!next)
		return;
	fprintf(stderr, "fusd-keeper: host %d handed over to %d\n", host, next);
	host = next;
	close(sock);
	sock = next_sock;
	next = 0;
	next_sock = -1;
	memcpy(host_frame, next_frame, sizeof(host_frame)); /* a later successor's frame reuses next_frame */
	for (int i = 0; i < MAX_ARGS; i++)
		host_argv[i] = next_argv[i] ? host_frame + (next_argv[i] - next_frame) : NULL;
	command = host_argv;
}

/* A frame from the host (successor: 0) or from the successor taking over (1). */
static void from_host(int successor)
{
	static char buf[MAX_FRAME];
	int fds[MAX_HELD], nfds;
	int *from = successor ? &next_sock : &sock;
	size_t len;

	if (!receive(*from, buf, fds, &nfds, &len)) {
		close(*from); /* the host is gone or done with us: its exit says which */
		*from = -1;
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
	if (successor)
		return; /* it says "serving" once it has taken over: nothing to do */
	if (!strcmp(buf, "serving")) {
		attach_deadline = 0;
	} else if (!strcmp(buf, "stop")) {
		stopping = 1; /* it unmounts; our copies must not keep the connection */
		release_held();
	} else if (!strcmp(buf, "successor") && len > strlen("successor")) {
		start_successor(buf, len);
	} else if (!strcmp(buf, "handed-over")) {
		successor_took_over();
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
		from_host(0);
	}
}

static void host_ended(int status)
{
	char why[64], msg[256];
	double t = now_s();
	int recent = 0, code;

	drain_host();
	if (next) {
		/* It died taking over: the successor may have read already. Both go; one crash. */
		kill(next, SIGKILL);
		waitpid(next, NULL, 0);
		close(next_sock);
		next_sock = -1;
		next = 0;
	}
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
		if (p == host) {
			host_ended(status);
		} else if (p == next) {
			char why[64];

			fprintf(stderr, "fusd-keeper: the successor %d %s before it took over; host %d serves on\n",
				next, describe(status, why, sizeof(why)), host);
			if (next_sock >= 0)
				close(next_sock);
			next_sock = -1;
			next = 0;
		}
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
		struct pollfd p[3] = { { sfd, POLLIN, 0 }, { sock, POLLIN, 0 }, { next_sock, POLLIN, 0 } };
		int timeout = -1;

		if (attach_deadline) {
			double left = attach_deadline - now_s();

			timeout = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		if (poll(p, 3, timeout) < 0 && errno != EINTR) {
			perror("fusd-keeper: poll");
			give_up("the keeper failed");
		}
		if (p[0].revents)
			on_signal(sfd);
		if (sock >= 0 && p[1].revents)
			from_host(0);
		if (next_sock >= 0 && p[2].revents)
			from_host(1);
		if (attach_deadline && now_s() >= attach_deadline) {
			char msg[128];

			snprintf(msg, sizeof(msg), "the restarted host %d did not serve within %ld s",
				 host, attach_s);
			kill(host, SIGKILL);
			give_up(msg);
		}
	}
}
