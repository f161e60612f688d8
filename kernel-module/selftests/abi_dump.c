// SPDX-License-Identifier: GPL-2.0
/*
 * Print every constant of fusd.h and the size and field offsets of its
 * structs, one "NAME VALUE" per line, for codecs in other languages to be
 * checked against (sizes as NAME.sizeof, offsets as STRUCT.FIELD).
 */
#include <stddef.h>
#include <stdio.h>

#include "../include/uapi/fusd.h"

#define C(name)		printf("%s %llu\n", #name, (unsigned long long)(name))
#define SZ(s)		printf("%s.sizeof %zu\n", #s, sizeof(struct s))
#define OFF(s, f)	printf("%s.%s %zu\n", #s, #f, offsetof(struct s, f))

int main(void)
{
	C(FUSD_MAGIC);
	C(FUSD_ABI_VERSION);
	C(FUSD_MAX_PAYLOAD);
	C(FUSD_MSG_MAX);
	C(FUSD_NAME_MAX);
	C(FUSD_MEM_MAX);
	C(FUSD_MEM_CHUNK);
	C(FUSD_SHM_MAX);
	C(FUSD_REGISTER);
	C(FUSD_UNREGISTER);
	C(FUSD_REPLY);
	C(FUSD_POLL_NOTIFY);
	C(FUSD_RESEND);
	C(FUSD_OPEN);
	C(FUSD_RELEASE);
	C(FUSD_READ);
	C(FUSD_WRITE);
	C(FUSD_IOCTL);
	C(FUSD_FLUSH);
	C(FUSD_LLSEEK);
	C(FUSD_INTERRUPT);
	C(FUSD_MMAP);
	C(FUSD_DEV_SEEKABLE);
	C(FUSD_DEV_FLUSH);
	C(FUSD_DEV_MMAP_CHECK);
	C(FUSD_DEV_FLAGS_ALL);
	C(FUSD_REQ_COMPAT32);
	C(FUSD_REQ_RESENT);
	C(FUSD_REQ_MAP_SHARED);
	C(FUSD_REPLY_POLL);
	C(FUSD_REPLY_FLAGS_ALL);
	C(FUSD_POLLIN);
	C(FUSD_POLLPRI);
	C(FUSD_POLLOUT);
	C(FUSD_POLLERR);
	C(FUSD_POLLHUP);
	C(FUSD_POLLRDNORM);
	C(FUSD_POLLWRNORM);
	C(FUSD_POLL_ALL);
	SZ(fusd_msg);
	OFF(fusd_msg, magic);
	OFF(fusd_msg, version);
	OFF(fusd_msg, opcode);
	OFF(fusd_msg, len);
	OFF(fusd_msg, dev_id);
	OFF(fusd_msg, req_id);
	OFF(fusd_msg, fh_id);
	OFF(fusd_msg, flags);
	OFF(fusd_msg, pid);
	OFF(fusd_msg, uid);
	OFF(fusd_msg, gid);
	OFF(fusd_msg, arg);
	OFF(fusd_msg, offset);
	OFF(fusd_msg, size);
	OFF(fusd_msg, xflags);
	OFF(fusd_msg, result);
	SZ(fusd_register);
	OFF(fusd_register, name);
	OFF(fusd_register, mode);
	OFF(fusd_register, uid);
	OFF(fusd_register, gid);
	OFF(fusd_register, flags);
	OFF(fusd_register, poll_mask);
	OFF(fusd_register, reserved);
	SZ(fusd_mem);
	OFF(fusd_mem, req_id);
	OFF(fusd_mem, addr);
	OFF(fusd_mem, buf);
	OFF(fusd_mem, len);
	OFF(fusd_mem, reserved);
	SZ(fusd_shm);
	OFF(fusd_shm, dev_id);
	OFF(fusd_shm, fd);
	OFF(fusd_shm, size);
	OFF(fusd_shm, reserved);
	C(FUSD_IOC_MAGIC);
	C(FUSD_VERSION);
	C(FUSD_MEM_READ);
	C(FUSD_MEM_WRITE);
	C(FUSD_SET_SHM);
	return 0;
}
