// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit client for the compat_ioctl path: compat_client32 DEV exits 0
 * when read, write and the test daemon's ioctls work from a 32-bit process
 * and the daemon sees FUSD_REQ_COMPAT32.
 */
#define _GNU_SOURCE
#include "tdaemon.h"

struct tstats *st;

int main(int argc, char **argv)
{
	struct tioc16 s16 = { { 0 } }, g16;
	struct tioc64 i64;
	char buf[8];
	int fd, i;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		return perror(argv[1]), 3;
	for (i = 0; i < 16; i++)
		s16.b[i] = 200 - i;
	for (i = 0; i < 64; i++)
		i64.b[i] = i * 2;
	if (write(fd, "32bit", 5) != 5 || read(fd, buf, 8) != 5 ||
	    memcmp(buf, "32bit", 5))
		return fprintf(stderr, "read/write\n"), 4;
	if (ioctl(fd, TIOC_SET, &s16) || ioctl(fd, TIOC_GET, &g16) ||
	    memcmp(&s16, &g16, sizeof(s16)))
		return fprintf(stderr, "TIOC_SET/GET\n"), 5;
	if (ioctl(fd, TIOC_INC, &i64))
		return fprintf(stderr, "TIOC_INC\n"), 6;
	for (i = 0; i < 64; i++)
		if (i64.b[i] != (unsigned char)(i * 2 + 1))
			return fprintf(stderr, "TIOC_INC byte %d\n", i), 7;
	if (ioctl(fd, TIOC_ARG, 1234) != 1235)
		return fprintf(stderr, "TIOC_ARG\n"), 8;
	if (ioctl(fd, TIOC_COMPAT) != 1)
		return fprintf(stderr, "no FUSD_REQ_COMPAT32\n"), 9;
	return 0;
}
