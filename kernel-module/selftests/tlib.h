/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the fusd selftests and benchmarks: speaking the fusd
 * protocol on /dev/fusd with plain read() and write(), one message each.
 */
#ifndef FUSD_TLIB_H
#define FUSD_TLIB_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../include/uapi/fusd.h"

/* Open /dev/fusd; returns the fd or -errno. */
static inline int fusd_ctl_open(void)
{
	int fd = open("/dev/fusd", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static inline void fusd_hdr_init(struct fusd_msg *m, uint16_t op,
				 uint32_t len)
{
	memset(m, 0, sizeof(*m));
	m->magic = FUSD_MAGIC;
	m->version = FUSD_ABI_VERSION;
	m->opcode = op;
	m->len = len;
}

/* write() one message; returns 0 or -errno. */
static inline int fusd_send(int fd, const void *msg, size_t len)
{
	ssize_t n = write(fd, msg, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static inline int fusd_register_dev(int fd, uint32_t id, const char *name,
				    uint32_t mode, uint32_t uid, uint32_t gid,
				    uint32_t flags, uint32_t poll_mask)
{
	struct {
		struct fusd_msg h;
		struct fusd_register r;
	} m;

	fusd_hdr_init(&m.h, FUSD_REGISTER, sizeof(m));
	m.h.dev_id = id;
	memset(&m.r, 0, sizeof(m.r));
	memcpy(m.r.name, name, strnlen(name, sizeof(m.r.name) - 1));
	m.r.mode = mode;
	m.r.uid = uid;
	m.r.gid = gid;
	m.r.flags = flags;
	m.r.poll_mask = poll_mask;
	return fusd_send(fd, &m, sizeof(m));
}

static inline int fusd_unregister_dev(int fd, uint32_t id)
{
	struct fusd_msg m;

	fusd_hdr_init(&m, FUSD_UNREGISTER, sizeof(m));
	m.dev_id = id;
	return fusd_send(fd, &m, sizeof(m));
}

static inline int fusd_notify(int fd, uint32_t dev, uint32_t fh,
			      uint32_t mask)
{
	struct fusd_msg m;

	fusd_hdr_init(&m, FUSD_POLL_NOTIFY, sizeof(m));
	m.dev_id = dev;
	m.fh_id = fh;
	m.arg = mask;
	return fusd_send(fd, &m, sizeof(m));
}

/* Reply to request @req with @result and @len bytes of @data. */
static inline int fusd_reply(int fd, const struct fusd_msg *req,
			     int64_t result, const void *data, uint32_t len)
{
	static __thread unsigned char buf[FUSD_MSG_MAX];
	struct fusd_msg *m = (struct fusd_msg *)buf;

	fusd_hdr_init(m, FUSD_REPLY, sizeof(*m) + len);
	m->req_id = req->req_id;
	m->dev_id = req->dev_id;
	m->fh_id = req->fh_id;
	m->result = result;
	if (len)
		memcpy(buf + sizeof(*m), data, len);
	return fusd_send(fd, buf, sizeof(*m) + len);
}

/* read() one message into @buf (FUSD_MSG_MAX bytes); returns len or -errno. */
static inline ssize_t fusd_recv(int fd, void *buf)
{
	ssize_t n;

	do {
		n = read(fd, buf, FUSD_MSG_MAX);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

#endif /* FUSD_TLIB_H */
