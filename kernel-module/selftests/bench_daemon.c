// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal fusd daemon for benchmarks: serves /dev/NAME (default
 * fusd-bench), where every read returns one byte 'x' and every write is
 * accepted whole.  Runs until killed.  Usage: bench_daemon [NAME]
 */
#include "tlib.h"

int main(int argc, char **argv)
{
	static unsigned char buf[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf;
	const char *name = argc > 1 ? argv[1] : "fusd-bench";
	int fd = fusd_ctl_open(), err;

	if (fd < 0) {
		fprintf(stderr, "bench_daemon: /dev/fusd: %s\n", strerror(-fd));
		return 1;
	}
	err = fusd_register_dev(fd, 1, name, 0666, 0, 0, 0,
				FUSD_POLLIN | FUSD_POLLOUT);
	if (err) {
		fprintf(stderr, "bench_daemon: register %s: %s\n", name,
			strerror(-err));
		return 1;
	}
	printf("ready /dev/%s\n", name);
	fflush(stdout);
	while (fusd_recv(fd, buf) > 0) {
		switch (m->opcode) {
		case FUSD_READ:
			fusd_reply(fd, m, 1, "x", 1);
			break;
		case FUSD_WRITE:
			fusd_reply(fd, m, m->size, NULL, 0);
			break;
		case FUSD_RELEASE:
		case FUSD_INTERRUPT:
			break;
		case FUSD_IOCTL:
			fusd_reply(fd, m, -ENOTTY, NULL, 0);
			break;
		default:
			fusd_reply(fd, m, 0, NULL, 0);
		}
	}
	return 0;
}
