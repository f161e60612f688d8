// SPDX-License-Identifier: GPL-2.0
/*
 * Measure the round trip of a 1-byte read: bench_client [DEV] [N]
 * (default /dev/fusd-bench, 100000).  Prints "reads N", "median_us X",
 * "mean_us X" and "p99_us X".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/fusd-bench";
	long i, n = argc > 2 ? atol(argv[2]) : 100000;
	double *t = malloc(sizeof(*t) * (n > 0 ? n : 1)), sum = 0, t0;
	int fd = open(dev, O_RDONLY);
	char c;

	if (fd < 0 || n <= 0 || !t) {
		perror(dev);
		return 1;
	}
	for (i = 0; i < n / 100 + 10; i++)	/* warm up */
		if (read(fd, &c, 1) != 1)
			return perror("read"), 1;
	for (i = 0; i < n; i++) {
		t0 = now_us();
		if (read(fd, &c, 1) != 1)
			return perror("read"), 1;
		t[i] = now_us() - t0;
		sum += t[i];
	}
	qsort(t, n, sizeof(*t), cmp);
	printf("reads %ld\nmedian_us %.2f\nmean_us %.2f\np99_us %.2f\n", n,
	       t[n / 2], sum / n, t[n * 99 / 100]);
	return 0;
}
