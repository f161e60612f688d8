// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal fusd daemon for benchmarks: serves /dev/NAME (default
 * fusd-bench), where every read returns the bytes asked for, all 'x' (at
 * most FUSD_MAX_PAYLOAD, the module's clamp), and every write is accepted
 * whole: the benchmark device of docs/benchmarks.md.  The read reply is
 * built in place (header before a buffer of 'x'), so a read costs one
 * write(2) and no copy.  The device also has BENCH_SHM bytes of shared
 * memory (FUSD_SET_SHM), all 'x', for the mmap measure.  Runs until killed.
 * Usage: bench_daemon [NAME]
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "tlib.h"

#define BENCH_SHM	(1 << 20)

/* BENCH_SHM bytes of 'x' in a sealed memfd, given to device 1. */
static int bench_shm(int fd)
{
	struct fusd_shm shm = { 1, -1, BENCH_SHM, { 0, 0 } };
	void *p;
	int err = 0;

	shm.fd = memfd_create("bench", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (shm.fd < 0 || ftruncate(shm.fd, BENCH_SHM) ||
	    fcntl(shm.fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return -errno;
	p = mmap(NULL, BENCH_SHM, PROT_READ | PROT_WRITE, MAP_SHARED, shm.fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	memset(p, 'x', BENCH_SHM);
	munmap(p, BENCH_SHM);
	if (ioctl(fd, FUSD_SET_SHM, &shm))
		err = -errno;
	close(shm.fd);
	return err;
}

int main(int argc, char **argv)
{
	static unsigned char buf[FUSD_MSG_MAX], out[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf;
	struct fusd_msg *r = (struct fusd_msg *)out;
	const char *name = argc > 1 ? argv[1] : "fusd-bench";
	int fd = fusd_ctl_open(), err;
	uint32_t n;

	if (fd < 0) {
		fprintf(stderr, "bench_daemon: /dev/fusd: %s\n", strerror(-fd));
		return 1;
	}
	err = fusd_register_dev(fd, 1, name, 0666, 0, 0, 0,
				FUSD_POLLIN | FUSD_POLLOUT);
	if (!err)
		err = bench_shm(fd);
	if (err) {
		fprintf(stderr, "bench_daemon: register %s: %s\n", name,
			strerror(-err));
		return 1;
	}
	memset(out + sizeof(*r), 'x', FUSD_MAX_PAYLOAD);
	printf("ready /dev/%s\n", name);
	fflush(stdout);
	while (fusd_recv(fd, buf) > 0) {
		switch (m->opcode) {
		case FUSD_READ:
			n = m->size < FUSD_MAX_PAYLOAD ? m->size : FUSD_MAX_PAYLOAD;
			fusd_hdr_init(r, FUSD_REPLY, sizeof(*r) + n);
			r->req_id = m->req_id;
			r->dev_id = m->dev_id;
			r->fh_id = m->fh_id;
			r->result = n;
			fusd_send(fd, out, sizeof(*r) + n);
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
