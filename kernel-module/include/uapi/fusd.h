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
 *
 * What carries a pointer or a file descriptor of the daemon is an ioctl on
 * /dev/fusd, never a message: a write() handler must not dereference user
 * pointers or look up fds (the writer may not be the daemon, e.g. splice).
 */
#ifndef _UAPI_LINUX_FUSD_H
#define _UAPI_LINUX_FUSD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define FUSD_MAGIC		0x44535546U	/* "FUSD" in memory (LE) */
#define FUSD_ABI_VERSION	2

/* Largest payload in either direction; reads and writes are clamped to it. */
#define FUSD_MAX_PAYLOAD	131072U
/* A daemon's read buffer of this size always holds the next message. */
#define FUSD_MSG_MAX		(sizeof(struct fusd_msg) + FUSD_MAX_PAYLOAD)

#define FUSD_NAME_MAX		64	/* device name incl. the final NUL */

/* FUSD_MEM_READ/WRITE: bytes per call; copied in chunks of FUSD_MEM_CHUNK. */
#define FUSD_MEM_MAX		(64U << 20)
#define FUSD_MEM_CHUNK		65536U
/* FUSD_SET_SHM: the largest shared memory of one device. */
#define FUSD_SHM_MAX		(1ULL << 30)

/* Opcodes sent by the daemon to the kernel. */
#define FUSD_REGISTER		1	/* payload struct fusd_register */
#define FUSD_UNREGISTER		2	/* dev_id names the device */
#define FUSD_REPLY		3	/* req_id, result, payload */
#define FUSD_POLL_NOTIFY	4	/* dev_id, fh_id (0: all), arg = mask */
#define FUSD_RESEND		5	/* queue read, unanswered requests again */

/* Opcodes sent by the kernel to the daemon (requests). */
#define FUSD_OPEN		16	/* reply: result 0 or -errno */
#define FUSD_RELEASE		17	/* no reply */
#define FUSD_READ		18	/* size, offset; reply: data */
#define FUSD_WRITE		19	/* offset, payload; reply: count */
#define FUSD_IOCTL		20	/* arg = cmd, offset = raw arg, size */
#define FUSD_FLUSH		21	/* FUSD_DEV_FLUSH only; reply: 0 or -errno */
#define FUSD_LLSEEK		22	/* offset, arg = whence; reply: pos */
#define FUSD_INTERRUPT		23	/* no reply; req_id names the request */
#define FUSD_MMAP		24	/* offset, size, arg = prot; reply: 0 */

/* struct fusd_register.flags */
#define FUSD_DEV_SEEKABLE	0x1	/* llseek, pread, pwrite allowed */
#define FUSD_DEV_FLUSH		0x2	/* send FLUSH on every close() */
#define FUSD_DEV_MMAP_CHECK	0x4	/* send MMAP before each mmap() */
#define FUSD_DEV_FLAGS_ALL	(FUSD_DEV_SEEKABLE | FUSD_DEV_FLUSH | \
				 FUSD_DEV_MMAP_CHECK)

/* struct fusd_msg.xflags of a request (kernel -> daemon) */
#define FUSD_REQ_COMPAT32	0x1	/* the caller is a 32-bit process */
#define FUSD_REQ_RESENT		0x2	/* queued again by FUSD_RESEND */
#define FUSD_REQ_MAP_SHARED	0x4	/* MMAP: MAP_SHARED (else private) */

/* struct fusd_msg.xflags of a FUSD_REPLY (daemon -> kernel) */
#define FUSD_REPLY_POLL		0x1	/* arg = the file's new poll mask */
#define FUSD_REPLY_FLAGS_ALL	FUSD_REPLY_POLL

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
 * @arg:	IOCTL: command; LLSEEK: whence; MMAP: prot; POLL_NOTIFY and
 *		REPLY with FUSD_REPLY_POLL: poll mask
 * @offset:	READ/WRITE: file position; LLSEEK: offset; IOCTL: raw argument;
 *		MMAP: byte offset in the shared memory
 * @size:	READ: bytes wanted; WRITE: bytes in payload; IOCTL: _IOC_SIZE;
 *		MMAP: length
 * @xflags:	requests: FUSD_REQ_*; REPLY: FUSD_REPLY_*; otherwise zero
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
	__u32 xflags;
	__s64 result;
};

/**
 * struct fusd_register - payload of FUSD_REGISTER
 * @name:	NUL-terminated node name, 1..63 chars: components of
 *		[A-Za-z0-9_.-] joined by '/', none empty, none starting
 *		with '.'; the node is /dev/@name (subdirectories made)
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

/**
 * struct fusd_mem - argument of the FUSD_MEM_READ and FUSD_MEM_WRITE ioctls
 * @req_id:	an IOCTL request read from this channel and not answered
 * @addr:	address in the calling process
 * @buf:	address in the daemon: destination (READ) or source (WRITE)
 * @len:	bytes, at most FUSD_MEM_MAX
 * @reserved:	zero
 *
 * The copy runs in the caller's own context (see docs/fusd-abi.md); the
 * ioctl returns @len, or -1 with EFAULT (bad @addr or @buf), ENOENT (no
 * such request waiting), EINTR (either side was signalled), EINVAL.
 */
struct fusd_mem {
	__u64 req_id;
	__u64 addr;
	__u64 buf;
	__u32 len;
	__u32 reserved;
};

/**
 * struct fusd_shm - argument of the FUSD_SET_SHM ioctl
 * @dev_id:	a device registered on this channel, without memory yet
 * @fd:		a memfd sealed with F_SEAL_SHRINK | F_SEAL_GROW
 * @size:	its size: a multiple of the page size, 1 .. FUSD_SHM_MAX
 * @reserved:	zero
 *
 * A client's mmap() of the node then maps these pages (MAP_SHARED shares
 * them with the daemon and every other client).
 */
struct fusd_shm {
	__u32 dev_id;
	__s32 fd;
	__u64 size;
	__u32 reserved[2];
};

#define FUSD_IOC_MAGIC		0xF5
/* ioctls on /dev/fusd */
#define FUSD_VERSION		_IO(FUSD_IOC_MAGIC, 0)	/* returns the ABI version */
#define FUSD_MEM_READ		_IOW(FUSD_IOC_MAGIC, 1, struct fusd_mem)
#define FUSD_MEM_WRITE		_IOW(FUSD_IOC_MAGIC, 2, struct fusd_mem)
#define FUSD_SET_SHM		_IOW(FUSD_IOC_MAGIC, 3, struct fusd_shm)

#endif /* _UAPI_LINUX_FUSD_H */
