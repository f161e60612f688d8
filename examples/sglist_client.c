// SPDX-License-Identifier: MIT
/*
 * sglist_client: exercise examples/sglist.js, a scatter-gather ioctl.
 *
 *     cc -O2 -o sglist_client examples/sglist_client.c
 *     sglist_client [/dev/sglist] [SIZE...]
 *
 * Gathers buffers of the given sizes (default 1 5000 200000: more than a
 * FUSE ioctl can map) filled with a pattern, plus one entry at an unmapped
 * address, which the driver must skip and count; then scatters the stored
 * data into fresh buffers of the same sizes and compares. Prints "ok TOTAL
 * bytes in N buffers" and exits 0; anything else exits 1 (an ioctl error
 * prints its errno: ENOTTY on the fuse channel).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct sg_entry {
	uint64_t addr;
	uint32_t len, pad;
};

struct sg_req {
	uint64_t list;
	uint32_t count, op, total, faulted;
};

#define SG_REQ _IOWR('S', 1, struct sg_req)
#define MAXBUF 64

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/sglist";
	static const uint32_t dflt[] = { 1, 5000, 200000 };
	uint32_t sizes[MAXBUF], n = 0, i, j, total = 0;
	struct sg_entry e[MAXBUF + 1];
	unsigned char *in[MAXBUF], *out[MAXBUF];
	struct sg_req req;
	int fd;

	for (i = 2; i < (uint32_t)argc && n < MAXBUF; i++)
		sizes[n++] = atoi(argv[i]);
	for (i = 0; !n && i < 3; i++)
		sizes[i] = dflt[i];
	n = n ? n : 3;
	fd = open(dev, O_RDWR);
	if (fd < 0) {
		perror(dev);
		return 1;
	}
	for (i = 0; i < n; i++) {
		in[i] = malloc(sizes[i] + 1);
		out[i] = calloc(1, sizes[i] + 1);
		for (j = 0; j < sizes[i]; j++)
			in[i][j] = (unsigned char)(i * 37 + j * 7);
		/* the bad entry goes in the middle: entries after it still count */
		e[i + (i >= n / 2)] = (struct sg_entry){ (uintptr_t)in[i], sizes[i], 0 };
		total += sizes[i];
	}
	e[n / 2] = (struct sg_entry){ 8, 16, 0 };	/* never mapped */
	req = (struct sg_req){ (uintptr_t)e, n + 1, 1, 0, 0 };
	if (ioctl(fd, SG_REQ, &req)) {
		printf("gather: errno %d (%s)\n", errno, strerror(errno));
		return 1;
	}
	if (req.total != total || req.faulted != 1) {
		printf("gather: total %u faulted %u, want %u and 1\n", req.total,
		       req.faulted, total);
		return 1;
	}
	for (i = 0; i < n; i++)
		e[i] = (struct sg_entry){ (uintptr_t)out[i], sizes[i], 0 };
	req = (struct sg_req){ (uintptr_t)e, n, 2, 0, 0 };
	if (ioctl(fd, SG_REQ, &req)) {
		printf("scatter: errno %d (%s)\n", errno, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++)
		if (memcmp(in[i], out[i], sizes[i])) {
			printf("buffer %u (%u bytes) differs after scatter\n", i,
			       sizes[i]);
			return 1;
		}
	printf("ok %u bytes in %u buffers\n", total, n);
	return 0;
}
