/*
 * c_raw_fuse: the benchmark device as a minimal raw-FUSE daemon in C.
 *
 * No libfuse: it opens /dev/fuse, mounts with mount(2) and speaks the wire
 * protocol itself, one request per read(2) and one reply per write(2)/writev(2),
 * on a single thread. It is the floor the other drivers are compared with.
 * Serves MOUNT/bench (docs/benchmarks.md): read(size) returns `size` bytes of
 * 'x', write(data) accepts all of it; opens are direct_io, nonseekable and
 * stream, like the fusd fuse channel's, so every call reaches the daemon.
 *
 * usage: c_raw_fuse MOUNTDIR      (as root)
 * Prints "ready" once mounted; SIGTERM/SIGINT unmount (lazily) and exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define BENCH_INO 2
#define BENCH_NAME "bench"
#define MAX_IO (1 << 20)
#define REQ_BUF (MAX_IO + 4096)

static const char *mountdir;
static char *pattern;
static int fuse_fd;

static void on_signal(int sig)
{
	(void)sig;
	umount2(mountdir, MNT_DETACH);
	_exit(0);
}

static void reply(uint64_t unique, int error, const void *body, size_t len)
{
	struct fuse_out_header h = {
		.len = sizeof(h) + len, .error = error, .unique = unique,
	};
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)body, .iov_len = len },
	};

	/* ENOENT: the request was interrupted meanwhile; nothing to do. */
	if (writev(fuse_fd, iov, len ? 2 : 1) < 0 && errno != ENOENT)
		perror("c_raw_fuse: writev");
}

static void fill_attr(uint64_t ino, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->nlink = ino == FUSE_ROOT_ID ? 2 : 1;
	a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0666;
	a->blksize = 4096;
}

static void do_init(struct fuse_in_header *in, struct fuse_init_in *arg)
{
	struct fuse_init_out out;

	memset(&out, 0, sizeof(out));
	out.major = FUSE_KERNEL_VERSION;
	out.minor = arg->minor < FUSE_KERNEL_MINOR_VERSION ? arg->minor : FUSE_KERNEL_MINOR_VERSION;
	out.max_readahead = arg->max_readahead;
	out.flags = arg->flags & (FUSE_BIG_WRITES | FUSE_MAX_PAGES);
	out.max_background = 16;
	out.congestion_threshold = 12;
	out.max_write = MAX_IO;
	out.time_gran = 1;
	out.max_pages = MAX_IO / 4096;
	reply(in->unique, 0, &out, sizeof(out));
}

static void do_lookup(struct fuse_in_header *in, const char *name)
{
	struct fuse_entry_out e;

	if (in->nodeid != FUSE_ROOT_ID || strcmp(name, BENCH_NAME) != 0) {
		reply(in->unique, -ENOENT, NULL, 0);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.nodeid = BENCH_INO;
	e.entry_valid = 3600;
	e.attr_valid = 3600;
	fill_attr(BENCH_INO, &e.attr);
	reply(in->unique, 0, &e, sizeof(e));
}

static void do_getattr(struct fuse_in_header *in)
{
	struct fuse_attr_out a;

	memset(&a, 0, sizeof(a));
	a.attr_valid = 3600;
	fill_attr(in->nodeid, &a.attr);
	reply(in->unique, 0, &a, sizeof(a));
}

static void do_open(struct fuse_in_header *in, int dir)
{
	struct fuse_open_out o;

	memset(&o, 0, sizeof(o));
	if (!dir)
		o.open_flags = FOPEN_DIRECT_IO | FOPEN_NONSEEKABLE | FOPEN_STREAM;
	reply(in->unique, 0, &o, sizeof(o));
}

static void do_readdir(struct fuse_in_header *in, struct fuse_read_in *arg)
{
	static const char *names[] = { ".", "..", BENCH_NAME };
	static const uint64_t inos[] = { FUSE_ROOT_ID, FUSE_ROOT_ID, BENCH_INO };
	char buf[256];
	size_t used = 0;

	for (uint64_t i = arg->offset; i < 3; i++) {
		struct fuse_dirent *d = (struct fuse_dirent *)(buf + used);
		size_t len = FUSE_DIRENT_SIZE(&(struct fuse_dirent){ .namelen = strlen(names[i]) });

		if (used + len > arg->size || used + len > sizeof(buf))
			break;
		memset(d, 0, len);
		d->ino = inos[i];
		d->off = i + 1;
		d->namelen = strlen(names[i]);
		d->type = i < 2 ? 4 : 8;
		memcpy(d->name, names[i], d->namelen);
		used += len;
	}
	reply(in->unique, 0, buf, used);
}

static void serve(char *buf)
{
	for (;;) {
		ssize_t n = read(fuse_fd, buf, REQ_BUF);
		struct fuse_in_header *in = (struct fuse_in_header *)buf;
		void *arg = buf + sizeof(*in);

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOENT)
				continue;
			if (errno != ENODEV)
				perror("c_raw_fuse: read");
			return;
		}
		if ((size_t)n < sizeof(*in))
			continue;
		switch (in->opcode) {
		case FUSE_INIT:
			do_init(in, arg);
			break;
		case FUSE_LOOKUP:
			do_lookup(in, arg);
			break;
		case FUSE_GETATTR:
		case FUSE_SETATTR:
			do_getattr(in);
			break;
		case FUSE_OPEN:
			do_open(in, 0);
			break;
		case FUSE_OPENDIR:
			do_open(in, 1);
			break;
		case FUSE_READDIR:
			do_readdir(in, arg);
			break;
		case FUSE_READ: {
			struct fuse_read_in *r = arg;
			size_t len = r->size < MAX_IO ? r->size : MAX_IO;

			reply(in->unique, 0, pattern, len);
			break;
		}
		case FUSE_WRITE: {
			struct fuse_write_out w = { .size = ((struct fuse_write_in *)arg)->size };

			reply(in->unique, 0, &w, sizeof(w));
			break;
		}
		case FUSE_POLL: {
			struct fuse_poll_out p = { .revents = 0x1 | 0x4 | 0x40 | 0x100 };

			reply(in->unique, 0, &p, sizeof(p));
			break;
		}
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
		case FUSE_FLUSH:
		case FUSE_DESTROY:
			reply(in->unique, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:	/* every request is answered at once */
			break;
		default:
			reply(in->unique, -ENOSYS, NULL, 0);
		}
	}
}

int main(int argc, char **argv)
{
	char data[128];
	char *buf;
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc != 2) {
		fprintf(stderr, "usage: c_raw_fuse MOUNTDIR\n");
		return 2;
	}
	mountdir = argv[1];
	pattern = malloc(MAX_IO);
	buf = malloc(REQ_BUF);
	if (!pattern || !buf)
		return 1;
	memset(pattern, 'x', MAX_IO);
	fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse_fd < 0) {
		perror("c_raw_fuse: /dev/fuse");
		return 1;
	}
	snprintf(data, sizeof(data), "fd=%d,rootmode=40000,user_id=%u,group_id=%u,allow_other",
		 fuse_fd, getuid(), getgid());
	if (mount("c_raw_fuse", mountdir, "fuse.c_raw_fuse", MS_NOSUID | MS_NODEV, data) < 0) {
		perror("c_raw_fuse: mount");
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	serve(buf);
	umount2(mountdir, MNT_DETACH);
	return 0;
}
