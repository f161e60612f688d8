// SPDX-License-Identifier: GPL-2.0
/*
 * The VM bench's measures of what fusd ABI version 2 adds (scripts/vmtest.d/
 * bench): one JSON line each.
 *
 *   bench_v2 mmap DEV BYTES SECS     bulk read of DEV's shared memory, mapped
 *                                    MAP_SHARED: {"mb_s": ...}
 *   bench_v2 memfd BYTES SECS        the same read of a plain memfd mapping
 *   bench_v2 mem DEV LEN SECS        an ioctl whose driver reads LEN bytes of
 *                                    the caller's memory (_IOW('B', 3, 16)
 *                                    {u64 buf; u32 len; u32 pad}): p50 and
 *                                    MB/s of caller memory read
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct memreq {
	uint64_t buf;
	uint32_t len, pad;
};

#define MEMREAD _IOW('B', 3, struct memreq)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sum the mapping as u64s, again and again, for secs: MB/s read. */
static int bulk(const void *p, size_t bytes, double secs)
{
	const volatile uint64_t *w = p;
	double t0 = now(), t;
	uint64_t sum = 0;
	size_t i, passes = 0;

	do {
		for (i = 0; i < bytes / 8; i++)
			sum += w[i];
		passes++;
		t = now() - t0;
	} while (t < secs);
	printf("{\"mb_s\": %.1f, \"passes\": %zu, \"sum\": %llu}\n",
	       passes * bytes / t / 1e6, passes, (unsigned long long)sum);
	return 0;
}

int main(int argc, char **argv)
{
	size_t bytes;
	void *p;
	int fd;

	if (argc == 5 && !strcmp(argv[1], "mmap")) {
		bytes = strtoul(argv[3], NULL, 0);
		fd = open(argv[2], O_RDONLY);
		p = fd < 0 ? MAP_FAILED :
		    mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return perror(argv[2]), 1;
		return bulk(p, bytes, atof(argv[4]));
	}
	if (argc == 4 && !strcmp(argv[1], "memfd")) {
		bytes = strtoul(argv[2], NULL, 0);
		fd = memfd_create("bench", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, bytes))
			return perror("memfd"), 1;
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return perror("mmap"), 1;
		memset(p, 'x', bytes);
		munmap(p, bytes);
		p = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return perror("mmap"), 1;
		return bulk(p, bytes, atof(argv[3]));
	}
	if (argc == 5 && !strcmp(argv[1], "mem")) {
		uint32_t len = strtoul(argv[3], NULL, 0);
		double secs = atof(argv[4]), t0, t1, *lat;
		char *buf = malloc(len ? len : 1);
		struct memreq q = { (uintptr_t)buf, len, 0 };
		size_t n = 0, cap = 1 << 20;
		long r;

		lat = malloc(cap * sizeof(*lat));
		memset(buf, 'y', len);
		fd = open(argv[2], O_RDWR);
		if (fd < 0)
			return perror(argv[2]), 1;
		t0 = now();
		do {
			t1 = now();
			r = ioctl(fd, MEMREAD, &q);
			if (r != (long)len) {
				fprintf(stderr, "ioctl: %ld (%s)\n", r, strerror(errno));
				return 1;
			}
			if (n < cap)
				lat[n] = (now() - t1) * 1e6;
			n++;
		} while (now() - t0 < secs);
		t1 = now() - t0;
		qsort(lat, n < cap ? n : cap, sizeof(*lat), cmp);
		printf("{\"calls\": %zu, \"p50_us\": %.1f, \"mb_s\": %.1f}\n", n,
		       lat[(n < cap ? n : cap) / 2], n * (double)len / t1 / 1e6);
		return 0;
	}
	fprintf(stderr, "usage: bench_v2 mmap DEV BYTES SECS | memfd BYTES SECS | mem DEV LEN SECS\n");
	return 2;
}
