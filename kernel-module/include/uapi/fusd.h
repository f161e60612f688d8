/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * fusd.h - the user-space ABI of fusd.ko (framework for user-space devices)
 *
 * A daemon opens /dev/fusd and exchanges messages with the kernel over it:
 * every read() returns exactly one message, every write() carries exactly
 * one.  A message is a struct fusd_msg header followed by hdr.len -
 * sizeof(struct fusd_msg) bytes of payload.  All fields are fixed-width,
 * in host byte order, naturally aligned and explicitly padded, so the layout
 * is identical for 32- and 64-bit processes.  docs/fusd-abi.md describes the
 * message flow and the validation rules.
 */
#ifndef _UAPI_LINUX_FUSD_H
#define _UAPI_LINUX_FUSD_H

#include <linux/types.h>

#define FUSD_MAGIC		0x44535546U	/* "FUSD" in memory (LE) */
#define FUSD_ABI_VERSION	1

/* Largest payload in either direction; reads and writes are clamped to it. */
#define FUSD_MAX_PAYLOAD	131072U
/* A daemon's read buffer of this size always holds the next message. */
#define FUSD_MSG_MAX		(sizeof(struct fusd_msg) + FUSD_MAX_PAYLOAD)

#define FUSD_NAME_MAX		64	/* device name incl. the final NUL */

/* Opcodes sent by the daemon to the kernel. */
#define FUSD_REGISTER		1	/* payload struct fusd_register */
#define FUSD_UNREGISTER		2	/* dev_id names the device */
#define FUSD_REPLY		3	/* req_id, result, payload */
#define FUSD_POLL_NOTIFY	4	/* dev_id, fh_id (0: all), arg = mask */

/* Opcodes sent by the kernel to the daemon (requests). */
#define FUSD_OPEN		16	/* reply: result 0 or -errno */
#define FUSD_RELEASE		17	/* no reply */
#define FUSD_READ		18	/* size, offset; reply: data */
#define FUSD_WRITE		19	/* offset, payload; reply: count */
#define FUSD_IOCTL		20	/* arg = cmd, offset = raw arg, size */
#define FUSD_FLUSH		21	/* FUSD_DEV_FLUSH only; reply: 0 or -errno */
#define FUSD_LLSEEK		22	/* offset, arg = whence; reply: pos */
#define FUSD_INTERRUPT		23	/* no reply; req_id names the request */

/* struct fusd_register.flags */
#define FUSD_DEV_SEEKABLE	0x1	/* llseek, pread, pwrite allowed */
#define FUSD_DEV_FLUSH		0x2	/* send FLUSH on every close() */
#define FUSD_DEV_FLAGS_ALL	(FUSD_DEV_SEEKABLE | FUSD_DEV_FLUSH)

/* Poll mask bits (the values of POLLIN etc. on Linux). */
#define FUSD_POLLIN		0x0001
#define FUSD_POLLPRI		0x0002
#define FUSD_POLLOUT		0x0004
#define FUSD_POLLERR		0x0008
#define FUSD_POLLHUP		0x0010
#define FUSD_POLLRDNORM		0x0040
#define FUSD_POLLWRNORM		0x0100
#define FUSD_POLL_ALL		0x015f	/* every bit above */

/**
 * struct fusd_msg - header of every message, in both directions
 * @magic:	FUSD_MAGIC
 * @version:	FUSD_ABI_VERSION
 * @opcode:	FUSD_REGISTER ... FUSD_INTERRUPT
 * @len:	bytes in the message, header included
 * @dev_id:	device id, chosen by the daemon in FUSD_REGISTER (non-zero)
 * @req_id:	request id, chosen by the kernel; echoed in FUSD_REPLY
 * @fh_id:	open file id, chosen by the kernel at FUSD_OPEN (non-zero)
 * @flags:	the caller's open flags (O_NONBLOCK, O_ACCMODE, ...)
 * @pid:	caller's thread group id, in the daemon's pid namespace
 * @uid:	caller's fsuid, in the daemon's user namespace
 * @gid:	caller's fsgid, in the daemon's user namespace
 * @arg:	IOCTL: command; LLSEEK: whence; POLL_NOTIFY: poll mask
 * @offset:	READ/WRITE: file position; LLSEEK: offset; IOCTL: raw argument
 * @size:	READ: bytes wanted; WRITE: bytes in payload; IOCTL: _IOC_SIZE
 * @pad:	zero
 * @result:	REPLY: value returned to the caller (>= 0) or -errno
 */
struct fusd_msg {
	__u32 magic;
	__u16 version;
	__u16 opcode;
	__u32 len;
	__u32 dev_id;
	__u64 req_id;
	__u32 fh_id;
	__u32 flags;
	__u32 pid;
	__u32 uid;
	__u32 gid;
	__u32 arg;
	__u64 offset;
	__u32 size;
	__u32 pad;
	__s64 result;
};

/**
 * struct fusd_register - payload of FUSD_REGISTER
 * @name:	NUL-terminated node name: [A-Za-z0-9_.-], 1..63 chars, no
 *		leading '.'; the node is /dev/@name
 * @mode:	permission bits of the node (at most 0777)
 * @uid:	owner of the node, in the daemon's user namespace
 * @gid:	group of the node, in the daemon's user namespace
 * @flags:	FUSD_DEV_* flags
 * @poll_mask:	initial poll mask of the device (FUSD_POLL* bits)
 * @reserved:	zero
 */
struct fusd_register {
	char name[FUSD_NAME_MAX];
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 flags;
	__u32 poll_mask;
	__u32 reserved[3];
};

#endif /* _UAPI_LINUX_FUSD_H */
