/*
 * bench_client: the one measuring client every benchmark driver is run with.
 *
 * It makes plain syscalls on a device file (or on /dev/zero, or on a pipe to
 * a peer process it forks, the "pipe" target) and prints one JSON line:
 *
 *   rt    PATH [-n CALLS] [-w WARMUP] [-t MAXSEC]
 *         1-byte read() round trips, each timed alone; p50/p99/mean in µs.
 *         On "pipe": write 1 byte to the peer, read its 1-byte answer.
 *   read  PATH -b BLOCK -t SECONDS [-k CLIENTS]
 *   write PATH -b BLOCK -t SECONDS [-k CLIENTS]
 *         Throughput: CLIENTS threads, each with its own open file, call
 *         read()/write() with BLOCK bytes back to back for SECONDS; prints
 *         total MB/s (MB = 10^6 bytes). On "pipe" each client has its own
 *         peer process writing (read) or draining (write) its pipe.
 *   check PATH [-p BYTE] [-m MAX]
 *         Correctness, not timing: reads of several sizes return exactly
 *         that many bytes, all equal to BYTE (default 'x'); writes return
 *         the full count. Sizes above MAX are left out (fusd.ko clamps a
 *         read or write to 128 KiB). Exit 0 and "ok", or 1 and what was wrong.
 *
 * Device files are opened afresh per client and used with read()/write()
 * (never pread: the devices are nonseekable).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 256
#define PIPE_TARGET "pipe"

static const char *path;
static size_t block = 4096;
static double seconds = 1.0;
static int clients = 1;
static int pattern = 'x';
static size_t check_max = 1 << 20;

static pid_t peers[MAX_CLIENTS];
static int npeers;

static atomic_int stop;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_client: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int is_pipe(void)
{
	return strcmp(path, PIPE_TARGET) == 0;
}

/* Peer of the pipe target: answer each byte (pingpong), produce or drain. */
static void peer_loop(int in, int out, char mode)
{
	char *buf = malloc(block > 1 ? block : 1);

	signal(SIGPIPE, SIG_IGN);
	memset(buf, pattern, block > 1 ? block : 1);
	for (;;) {
		ssize_t n;

		if (mode == 'p') {
			if (read(in, buf, 1) != 1 || write(out, buf, 1) != 1)
				break;
		} else if (mode == 'r') {
			if (write(out, buf, block) <= 0)
				break;
		} else {
			n = read(in, buf, block);
			if (n <= 0)
				break;
		}
	}
	_exit(0);
}

/*
 * Opens one client's end. mode: 'r' read, 'w' write, 'p' ping-pong (the
 * returned fd is read from; *wfd is written to).
 */
static int open_target(char mode, int *wfd)
{
	int to_peer[2], from_peer[2];
	pid_t pid;
	int fd;

	if (!is_pipe()) {
		fd = open(path, mode == 'w' ? O_WRONLY : O_RDONLY);
		if (fd < 0)
			die(path);
		if (wfd)
			*wfd = -1;
		return fd;
	}
	if (pipe(to_peer) || pipe(from_peer))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(to_peer[1]);
		close(from_peer[0]);
		peer_loop(to_peer[0], from_peer[1], mode);
	}
	peers[npeers++] = pid;
	close(to_peer[0]);
	close(from_peer[1]);
	if (mode == 'p') {
		*wfd = to_peer[1];
		return from_peer[0];
	}
	if (mode == 'r') {
		close(to_peer[1]);
		return from_peer[0];
	}
	close(from_peer[0]);
	return to_peer[1];
}

static void reap_peers(void)
{
	for (int i = 0; i < npeers; i++)
		waitpid(peers[i], NULL, 0);
	npeers = 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run_rt(long calls, long warmup)
{
	double *lat = malloc(sizeof(double) * calls);
	double start, sum = 0;
	char c = 'x';
	int wfd, fd;
	long n = 0;

	if (!lat)
		die("malloc");
	fd = open_target('p', &wfd);
	start = now();
	for (long i = -warmup; i < calls; i++) {
		double t0 = now(), t1;

		if (wfd >= 0 && write(wfd, &c, 1) != 1)
			die("write");
		if (read(fd, &c, 1) != 1)
			die("read");
		t1 = now();
		if (i < 0)
			continue;
		lat[n++] = (t1 - t0) * 1e6;
		if (n >= 100 && t1 - start > seconds)
			break;
	}
	close(fd);
	if (wfd >= 0)
		close(wfd);
	reap_peers();
	for (long i = 0; i < n; i++)
		sum += lat[i];
	qsort(lat, n, sizeof(double), cmp_double);
	printf("{\"p50_us\": %.3f, \"p99_us\": %.3f, \"mean_us\": %.3f, \"n\": %ld}\n",
	       lat[n / 2], lat[(n * 99) / 100], sum / n, n);
	free(lat);
	return 0;
}

struct worker {
	pthread_t thread;
	int fd;
	char mode;
	long long bytes;
	long long calls;
	pthread_barrier_t *go;
	int err;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char *buf = malloc(block);

	if (!buf) {
		w->err = ENOMEM;
		return NULL;
	}
	memset(buf, pattern, block);
	pthread_barrier_wait(w->go);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		ssize_t n = w->mode == 'r' ? read(w->fd, buf, block)
					   : write(w->fd, buf, block);
		if (n <= 0) {
			w->err = n < 0 ? errno : EIO;
			break;
		}
		w->bytes += n;
		w->calls++;
	}
	free(buf);
	return NULL;
}

static int run_throughput(char mode)
{
	struct worker *ws = calloc(clients, sizeof(*ws));
	pthread_barrier_t go;
	long long bytes = 0, calls = 0;
	struct timespec nap;
	double t0, t1;
	int err = 0;

	if (!ws)
		die("calloc");
	signal(SIGPIPE, SIG_IGN);
	pthread_barrier_init(&go, NULL, clients + 1);
	for (int i = 0; i < clients; i++) {
		ws[i].fd = open_target(mode, NULL);
		ws[i].mode = mode;
		ws[i].go = &go;
		if (pthread_create(&ws[i].thread, NULL, work, &ws[i]))
			die("pthread_create");
	}
	pthread_barrier_wait(&go);
	t0 = now();
	nap.tv_sec = (time_t)seconds;
	nap.tv_nsec = (long)((seconds - nap.tv_sec) * 1e9);
	nanosleep(&nap, NULL);
	atomic_store(&stop, 1);
	for (int i = 0; i < clients; i++) {
		pthread_join(ws[i].thread, NULL);
		bytes += ws[i].bytes;
		calls += ws[i].calls;
		if (ws[i].err)
			err = ws[i].err;
	}
	t1 = now();
	for (int i = 0; i < clients; i++)
		close(ws[i].fd);
	reap_peers();
	if (err) {
		errno = err;
		die(mode == 'r' ? "read" : "write");
	}
	printf("{\"mb_s\": %.3f, \"bytes\": %lld, \"calls\": %lld, \"seconds\": %.4f, \"clients\": %d}\n",
	       bytes / (t1 - t0) / 1e6, bytes, calls, t1 - t0, clients);
	free(ws);
	return 0;
}

/* Reads `size` bytes in one read() and checks count and content. */
static int check_read(int fd, size_t size, char *buf)
{
	ssize_t n;

	memset(buf, pattern ^ 0x55, size);
	n = read(fd, buf, size);
	if (n != (ssize_t)size) {
		printf("read(%zu) returned %zd%s%s\n", size, n,
		       n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		return 1;
	}
	for (size_t i = 0; i < size; i++) {
		if (buf[i] != (char)pattern) {
			printf("read(%zu): byte %zu is 0x%02x, want 0x%02x\n",
			       size, i, (unsigned char)buf[i], pattern);
			return 1;
		}
	}
	return 0;
}

static int run_check(void)
{
	static const size_t sizes[] = { 1, 7, 4096, 4096, 65536, 131075,
					1 << 20 };
	char *buf = malloc(1 << 20);
	int bad = 0, fd, wfd;

	if (!buf)
		die("malloc");
	if (is_pipe()) {
		/* The pipe has no device behaviour: check the ping-pong only. */
		char c = 0;

		fd = open_target('p', &wfd);
		bad = write(wfd, "x", 1) != 1 || read(fd, &c, 1) != 1 || c != 'x';
		if (bad)
			printf("ping-pong failed\n");
		close(fd);
		close(wfd);
		reap_peers();
		goto out;
	}
	for (int pass = 0; pass < 2; pass++) {	/* twice: fresh opens work */
		fd = open_target('r', NULL);
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			if (sizes[i] <= check_max)
				bad |= check_read(fd, sizes[i], buf);
		close(fd);
		fd = open_target('w', NULL);
		memset(buf, 'y', 1 << 20);
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			ssize_t n;

			if (sizes[i] > check_max)
				continue;
			n = write(fd, buf, sizes[i]);

			if (n != (ssize_t)sizes[i]) {
				printf("write(%zu) returned %zd%s%s\n", sizes[i], n,
				       n < 0 ? ": " : "",
				       n < 0 ? strerror(errno) : "");
				bad = 1;
			}
		}
		close(fd);
	}
out:
	if (!bad)
		printf("ok\n");
	free(buf);
	return bad;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_client rt|read|write|check PATH|pipe "
		"[-b BLOCK] [-t SECONDS] [-k CLIENTS] [-n CALLS] [-w WARMUP] [-p BYTE] "
		"[-m MAX]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long calls = 20000, warmup = 2000;
	const char *mode;
	int opt;

	while ((opt = getopt(argc, argv, "b:t:k:n:w:p:m:")) != -1) {
		switch (opt) {
		case 'b': block = strtoul(optarg, NULL, 0); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'k': clients = atoi(optarg); break;
		case 'n': calls = atol(optarg); break;
		case 'w': warmup = atol(optarg); break;
		case 'p': pattern = (int)strtol(optarg, NULL, 0); break;
		case 'm': check_max = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (argc - optind != 2 || block < 1 || block > (1 << 24) ||
	    clients < 1 || clients > MAX_CLIENTS || calls < 1 || warmup < 0)
		usage();
	mode = argv[optind];
	path = argv[optind + 1];
	if (strcmp(mode, "rt") == 0)
		return run_rt(calls, warmup);
	if (strcmp(mode, "read") == 0)
		return run_throughput('r');
	if (strcmp(mode, "write") == 0)
		return run_throughput('w');
	if (strcmp(mode, "check") == 0)
		return run_check();
	usage();
	return 2;
}
