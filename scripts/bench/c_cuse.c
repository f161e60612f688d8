// SPDX-License-Identifier: MIT
/*
 * c_cuse: the baseline CUSE daemon for benchmarks, in plain C over the raw
 * /dev/cuse fd (no libfuse), the same wire protocol fusd-host speaks.
 *
 *     c_cuse [NAME]        (default cbench; needs root and cuse.ko)
 *
 * Creates /dev/NAME (mode 0666): read(size) returns size bytes of 'x',
 * write accepts everything, everything else is a plain success or ENOSYS.
 * Prints "ready /dev/NAME" once the node exists; serves until killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define BUF_SIZE (1 << 20) + 4096

static char pattern[BUF_SIZE];

static void reply(int fd, uint64_t unique, int error, const void *body, size_t len)
{
	struct fuse_out_header h = { .len = sizeof(h) + len, .error = error, .unique = unique };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)body, len } };

	if (writev(fd, iov, len ? 2 : 1) < 0 && errno != ENOENT)
		perror("c_cuse: writev");
}

static void cuse_init(int fd, struct fuse_in_header *in, const char *name)
{
	char buf[sizeof(struct cuse_init_out) + 256];
	struct cuse_init_out *out = (struct cuse_init_out *)buf;
	int n;

	memset(buf, 0, sizeof(buf));
	out->major = FUSE_KERNEL_VERSION;
	out->minor = FUSE_KERNEL_MINOR_VERSION;
	out->max_read = 1 << 20;
	out->max_write = 1 << 20;
	n = snprintf(buf + sizeof(*out), 256, "DEVNAME=%s", name);
	reply(fd, in->unique, 0, buf, sizeof(*out) + n + 1);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "cbench";
	char *buf = malloc(BUF_SIZE), path[256];
	int fd = open("/dev/cuse", O_RDWR | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || !buf) {
		perror("c_cuse: /dev/cuse");
		return 1;
	}
	memset(pattern, 'x', sizeof(pattern));
	snprintf(path, sizeof(path), "/dev/%s", name);
	for (;;) {
		ssize_t n = read(fd, buf, BUF_SIZE);
		struct fuse_in_header *in = (struct fuse_in_header *)buf;
		void *body = buf + sizeof(*in);

		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(*in)) {
			perror("c_cuse: read");
			return n < 0 ? 1 : 0;
		}
		switch (in->opcode) {
		case CUSE_INIT:
			cuse_init(fd, in, name);
			for (n = 0; n < 5000 && stat(path, &st) != 0; n++)
				usleep(1000);	/* devtmpfs makes the node */
			chmod(path, 0666);
			printf("ready %s\n", path);
			fflush(stdout);
			break;
		case FUSE_OPEN: {
			struct fuse_open_out o = { .fh = 1, .open_flags = FOPEN_DIRECT_IO | FOPEN_NONSEEKABLE };

			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ: {
			struct fuse_read_in *r = body;

			reply(fd, in->unique, 0, pattern, r->size < sizeof(pattern) ? r->size : sizeof(pattern));
			break;
		}
		case FUSE_WRITE: {
			struct fuse_write_in *w = body;
			struct fuse_write_out o = { .size = w->size };

			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_FLUSH:
		case FUSE_RELEASE:
			reply(fd, in->unique, 0, NULL, 0);
			break;
		case FUSE_INTERRUPT:
		case FUSE_FORGET:
			break;
		default:
			reply(fd, in->unique, -ENOSYS, NULL, 0);
		}
	}
}
