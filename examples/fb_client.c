// SPDX-License-Identifier: MIT
/*
 * fb_client: watch examples/fb.js (or fb.py) through shared memory.
 *
 *     cc -O2 -o fb_client examples/fb_client.c
 *     fb_client [/dev/fb] [FRAMES]
 *
 * Asks the geometry (FBIOGET_INFO), maps the device's memory read-only
 * (MAP_SHARED: the driver's own pages), then FRAMES times (default 5): waits
 * with poll(2) for a new frame, reads its number, and checks every pixel of
 * that frame's buffer against the pattern the driver draws. Also checks that
 * a writable mapping is refused (the driver's mmap callback: EACCES). Prints
 * "ok FRAMES frames" and exits 0, or says what differed and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct fb_info {
	uint32_t width, height, stride, offset;
};

#define FBIOGET_INFO _IOR('F', 1, struct fb_info)

static uint32_t color(uint32_t y, uint32_t f)
{
	return 0xff000000u | ((((y + f) * 4) & 0xff) << 16) | ((f & 0xff) << 8) |
	       (y & 0xff);
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/fb";
	int frames = argc > 2 ? atoi(argv[2]) : 5, fd, i, last = -1;
	struct fb_info info;
	size_t size;
	uint8_t *mem;

	fd = open(dev, O_RDWR);	/* so that only the driver can refuse PROT_WRITE */
	if (fd < 0 || ioctl(fd, FBIOGET_INFO, &info)) {
		perror(dev);
		return 1;
	}
	size = info.offset + 2 * (size_t)info.stride * info.height;
	if (mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) != MAP_FAILED ||
	    errno != EACCES) {
		fprintf(stderr, "a writable mapping was not refused with EACCES (%s)\n",
			strerror(errno));
		return 1;
	}
	mem = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < frames; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		const uint32_t *hdr = (const uint32_t *)mem, *px;
		uint32_t f, x, y;

		if (poll(&p, 1, 10000) != 1 || !(p.revents & POLLIN)) {
			fprintf(stderr, "no frame within 10 s\n");
			return 1;
		}
		if (read(fd, &f, 4) != 4) {
			perror("read");
			return 1;
		}
		if ((int)f <= last || hdr[2] != info.width || hdr[3] != info.height) {
			fprintf(stderr, "frame %u after %d, header %ux%u\n", f, last,
				hdr[2], hdr[3]);
			return 1;
		}
		last = f;
		px = (const uint32_t *)(mem + info.offset +
					(f & 1) * (size_t)info.stride * info.height);
		for (y = 0; y < info.height; y++)
			for (x = 0; x < info.width; x++)
				if (px[y * info.stride / 4 + x] != color(y, f) &&
				    hdr[0] < f + 2) {
					fprintf(stderr, "frame %u pixel %u,%u: %#x, want %#x\n",
						f, x, y, px[y * info.stride / 4 + x],
						color(y, f));
					return 1;
				}
	}
	printf("ok %d frames, last %d\n", frames, last);
	return 0;
}
