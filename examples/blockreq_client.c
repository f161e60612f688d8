// SPDX-License-Identifier: MIT
/*
 * blockreq_client: exercise examples/blockreq.js, an ioctl whose argument is
 * a struct holding a pointer to a buffer (a nested pointer).
 *
 *     cc -O2 -o blockreq_client examples/blockreq_client.c
 *     blockreq_client [/dev/blockreq] [LEN]
 *
 * Stores LEN (default 5000) patterned bytes with op 1, asks the stored size
 * with a plain _IOR ioctl, fetches them back into a fresh buffer with op 2
 * and compares. Prints "ok LEN" and exits 0, or says what differed and exits
 * 1; an ioctl error prints errno and exits 2 (ENOTTY on the fuse channel).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct blockreq {
	uint64_t buf;
	uint32_t len;
	uint32_t op;
};

#define BLOCKREQ _IOW('B', 1, struct blockreq)
#define BLOCKSIZE _IOR('B', 2, uint32_t)
#define OP_STORE 1
#define OP_FETCH 2

static int request(int fd, void *buf, uint32_t len, uint32_t op)
{
	struct blockreq req = { .buf = (uintptr_t)buf, .len = len, .op = op };

	return ioctl(fd, BLOCKREQ, &req);
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/blockreq";
	uint32_t len = argc > 2 ? (uint32_t)atoi(argv[2]) : 5000, size = 0, i;
	unsigned char *out = malloc(len + 1), *in = malloc(len + 16);
	int fd = open(dev, O_RDWR), r;

	if (fd < 0 || !out || !in) {
		perror(dev);
		return 2;
	}
	for (i = 0; i < len; i++)
		out[i] = (unsigned char)(i * 7 + 3);
	memset(in, 0xee, len + 16);

	r = request(fd, out, len, OP_STORE);
	if (r < 0) {
		printf("store: errno %d (%s)\n", errno, strerror(errno));
		return 2;
	}
	if ((uint32_t)r != len) {
		printf("store returned %d, expected %u\n", r, len);
		return 1;
	}
	if (ioctl(fd, BLOCKSIZE, &size) < 0 || size != len) {
		printf("BLOCKSIZE: %u (errno %d), expected %u\n", size, errno, len);
		return 1;
	}
	r = request(fd, in, len, OP_FETCH);
	if (r < 0) {
		printf("fetch: errno %d (%s)\n", errno, strerror(errno));
		return 2;
	}
	if ((uint32_t)r != len || memcmp(in, out, len) != 0) {
		printf("fetch returned %d bytes, differing from what was stored\n", r);
		return 1;
	}
	for (i = len; i < len + 16; i++) {
		if (in[i] != 0xee) {
			printf("fetch wrote past the buffer at %u\n", i);
			return 1;
		}
	}
	printf("ok %u\n", len);
	close(fd);
	return 0;
}
