/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A test daemon serving three kinds of device, run in a child process:
 *   ECHO  per open file, a read returns what the last write on it stored
 *   MEM   a seekable 256 KiB memory shared by all opens (pread, lseek)
 *   PIPE  a FIFO: reads block until a write comes (O_NONBLOCK: EAGAIN),
 *         and the poll mask follows the fill level (POLL_NOTIFY)
 *   SHM   64 KiB of shared memory (FUSD_SET_SHM), byte i = i * 7 at start;
 *         SHMCHK the same, and every mmap is asked (FUSD_DEV_MMAP_CHECK):
 *         PROT_EXEC is refused with EACCES
 * plus a few ioctls, one of which reads and writes the caller's memory
 * (FUSD_MEM_READ/WRITE).  Counters live in memory shared with the tests.
 */
#ifndef FUSD_TDAEMON_H
#define FUSD_TDAEMON_H

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "tlib.h"

enum { K_ECHO = 1, K_MEM, K_PIPE, K_SHM, K_SHMCHK };

#define MEM_SIZE	(256 * 1024)
#define NFH		1024
#define NDEFER		256

#define TIOC_SET	_IOW('F', 1, struct tioc16)
#define TIOC_GET	_IOR('F', 2, struct tioc16)
#define TIOC_INC	_IOWR('F', 3, struct tioc64)
#define TIOC_ARG	_IO('F', 4)
#define TIOC_BIG	_IOR('F', 5, struct tioc4k)
#define TIOC_COMPAT	_IO('F', 6)	/* 1 if the caller is 32-bit */
#define TIOC_MEMREQ	_IOW('F', 7, struct memreq)

#define SHM_SIZE	65536

/*
 * TIOC_MEMREQ: a pointer in a struct, as block drivers' requests have.
 * op SUM: the sum of the bytes; FILL: byte i = i * 3 + 1; INC: every
 * byte + 1 (read, then write back).
 */
enum { MR_SUM = 1, MR_FILL, MR_INC };
struct memreq {
	uint64_t buf;
	uint32_t len;
	uint32_t op;
};

struct tioc16 { unsigned char b[16]; };
struct tioc64 { unsigned char b[64]; };
struct tioc4k { unsigned char b[4096]; };

struct tstats {
	int opens, releases, flushes, interrupts, reads, writes, ioctls;
	int llseeks, reply_errs, mmaps;
	uint32_t mmap_prot, mmap_xflags;
	uint64_t mmap_off, mmap_len;
	uint32_t pid, uid, gid, flags, fh;	/* of the last OPEN */
	uint64_t intr_id;
};

struct tdev {
	uint32_t id;
	int kind;
	const char *name;
	uint32_t mode;
};

extern struct tstats *st;

struct fhbuf {
	uint32_t fh, len;
	unsigned char data[FUSD_MAX_PAYLOAD];
};

struct deferred {
	uint64_t req_id;
	uint32_t size, dev, fh;
	int used;
};

struct tdaemon {
	int fd;
	const struct tdev *devs;
	int ndev;
	unsigned char mem[MEM_SIZE];
	struct fhbuf *fhs[NFH];
	unsigned char pipe[65536];
	uint32_t plen, pmask, pdev;
	struct deferred defer[NDEFER];
	struct tioc16 ioc;
};

#define PIPE_MASK(d)	(FUSD_POLLOUT | FUSD_POLLWRNORM | \
			 ((d)->plen ? FUSD_POLLIN | FUSD_POLLRDNORM : 0))

static int td_kind(struct tdaemon *d, uint32_t id)
{
	int i;

	for (i = 0; i < d->ndev; i++)
		if (d->devs[i].id == id)
			return d->devs[i].kind;
	return 0;
}

static struct fhbuf *td_fh(struct tdaemon *d, uint32_t fh)
{
	struct fhbuf **slot = &d->fhs[fh % NFH];

	if (!*slot)
		*slot = calloc(1, sizeof(**slot));
	if ((*slot)->fh != fh) {
		(*slot)->fh = fh;
		(*slot)->len = 0;
	}
	return *slot;
}

static void td_reply(struct tdaemon *d, const struct fusd_msg *m,
		     int64_t res, const void *data, uint32_t len)
{
	if (fusd_reply(d->fd, m, res, data, len))
		__atomic_add_fetch(&st->reply_errs, 1, __ATOMIC_SEQ_CST);
}

static void td_pipe_update(struct tdaemon *d)
{
	struct fusd_msg r;
	uint32_t n;
	int i;

	for (i = 0; i < NDEFER && d->plen; i++) {
		if (!d->defer[i].used)
			continue;
		n = d->defer[i].size < d->plen ? d->defer[i].size : d->plen;
		memset(&r, 0, sizeof(r));
		r.req_id = d->defer[i].req_id;
		r.dev_id = d->defer[i].dev;
		r.fh_id = d->defer[i].fh;
		td_reply(d, &r, n, d->pipe, n);
		memmove(d->pipe, d->pipe + n, d->plen - n);
		d->plen -= n;
		d->defer[i].used = 0;
	}
	if (PIPE_MASK(d) != d->pmask) {
		d->pmask = PIPE_MASK(d);
		fusd_notify(d->fd, d->pdev, 0, d->pmask);
	}
}

static void td_read(struct tdaemon *d, struct fusd_msg *m, int kind)
{
	struct fhbuf *b;
	uint32_t n;
	int i;

	switch (kind) {
	case K_ECHO:
		b = td_fh(d, m->fh_id);
		n = m->size < b->len ? m->size : b->len;
		td_reply(d, m, n, b->data, n);
		break;
	case K_MEM:
		n = 0;
		if (m->offset < MEM_SIZE)
			n = MEM_SIZE - m->offset;
		if (n > m->size)
			n = m->size;
		td_reply(d, m, n, d->mem + m->offset, n);
		break;
	case K_PIPE:
		if (d->plen) {
			n = m->size < d->plen ? m->size : d->plen;
			td_reply(d, m, n, d->pipe, n);
			memmove(d->pipe, d->pipe + n, d->plen - n);
			d->plen -= n;
			td_pipe_update(d);
		} else if (m->flags & O_NONBLOCK) {
			td_reply(d, m, -EAGAIN, NULL, 0);
		} else {
			for (i = 0; i < NDEFER && d->defer[i].used; i++)
				;
			if (i == NDEFER) {
				td_reply(d, m, -EBUSY, NULL, 0);
				break;
			}
			d->defer[i] = (struct deferred){ m->req_id, m->size,
							 m->dev_id, m->fh_id, 1 };
		}
		break;
	}
}

static void td_write(struct tdaemon *d, struct fusd_msg *m, int kind,
		     const unsigned char *p)
{
	struct fhbuf *b;
	uint32_t n;

	switch (kind) {
	case K_ECHO:
		b = td_fh(d, m->fh_id);
		memcpy(b->data, p, m->size);
		b->len = m->size;
		td_reply(d, m, m->size, NULL, 0);
		break;
	case K_MEM:
		if (m->offset >= MEM_SIZE) {
			td_reply(d, m, -ENOSPC, NULL, 0);
			break;
		}
		n = MEM_SIZE - m->offset;
		if (n > m->size)
			n = m->size;
		memcpy(d->mem + m->offset, p, n);
		td_reply(d, m, n, NULL, 0);
		break;
	case K_PIPE:
		n = sizeof(d->pipe) - d->plen;
		if (n > m->size)
			n = m->size;
		memcpy(d->pipe + d->plen, p, n);
		d->plen += n;
		td_reply(d, m, n, NULL, 0);
		td_pipe_update(d);
		break;
	}
}

static long td_mem(struct tdaemon *d, const struct fusd_msg *m, uint64_t addr,
		   void *buf, uint32_t len, unsigned long cmd)
{
	struct fusd_mem mo = { m->req_id, addr, (uintptr_t)buf, len, 0 };
	long r = ioctl(d->fd, cmd, &mo);

	return r < 0 ? -errno : r;
}

static void td_memreq(struct tdaemon *d, struct fusd_msg *m,
		      const struct memreq *q)
{
	unsigned char *b = malloc(q->len ? q->len : 1);
	long r = 0, sum = 0;
	uint32_t i;

	if (q->op != MR_FILL)
		r = td_mem(d, m, q->buf, b, q->len, FUSD_MEM_READ);
	for (i = 0; r >= 0 && i < q->len; i++) {
		sum += b[i];
		if (q->op == MR_FILL)
			b[i] = i * 3 + 1;
		else
			b[i]++;
	}
	if (r >= 0 && q->op != MR_SUM)
		r = td_mem(d, m, q->buf, b, q->len, FUSD_MEM_WRITE);
	free(b);
	td_reply(d, m, r < 0 ? r : sum & 0x7fffffff, NULL, 0);
}

static void td_ioctl(struct tdaemon *d, struct fusd_msg *m,
		     const unsigned char *p)
{
	unsigned char out[4096];
	int i;

	switch (m->arg) {
	case TIOC_SET:
		memcpy(&d->ioc, p, sizeof(d->ioc));
		td_reply(d, m, 0, NULL, 0);
		break;
	case TIOC_GET:
		td_reply(d, m, 0, &d->ioc, sizeof(d->ioc));
		break;
	case TIOC_INC:
		for (i = 0; i < 64; i++)
			out[i] = p[i] + 1;
		td_reply(d, m, 0, out, 64);
		break;
	case TIOC_ARG:
		td_reply(d, m, (m->offset & 0xffff) + 1, NULL, 0);
		break;
	case TIOC_BIG:
		for (i = 0; i < 4096; i++)
			out[i] = i * 31;
		td_reply(d, m, 7, out, 4096);
		break;
	case TIOC_COMPAT:
		td_reply(d, m, !!(m->xflags & FUSD_REQ_COMPAT32), NULL, 0);
		break;
	case TIOC_MEMREQ:
		td_memreq(d, m, (const struct memreq *)p);
		break;
	default:
		td_reply(d, m, -ENOTTY, NULL, 0);
	}
}

static void td_llseek(struct tdaemon *d, struct fusd_msg *m)
{
	int64_t pos = (int64_t)m->offset;

	if (m->arg == SEEK_END)
		pos += MEM_SIZE;
	else if (m->arg != SEEK_SET)
		pos = -1;
	td_reply(d, m, pos < 0 || pos > MEM_SIZE ? -EINVAL : pos, NULL, 0);
}

static void td_handle(struct tdaemon *d, struct fusd_msg *m)
{
	unsigned char *p = (unsigned char *)(m + 1);
	int kind = td_kind(d, m->dev_id);
	int i;

	switch (m->opcode) {
	case FUSD_OPEN:
		st->pid = m->pid;
		st->uid = m->uid;
		st->gid = m->gid;
		st->flags = m->flags;
		st->fh = m->fh_id;
		__atomic_add_fetch(&st->opens, 1, __ATOMIC_SEQ_CST);
		td_reply(d, m, 0, NULL, 0);
		break;
	case FUSD_RELEASE:
		__atomic_add_fetch(&st->releases, 1, __ATOMIC_SEQ_CST);
		break;
	case FUSD_FLUSH:
		__atomic_add_fetch(&st->flushes, 1, __ATOMIC_SEQ_CST);
		td_reply(d, m, 0, NULL, 0);
		break;
	case FUSD_READ:
		__atomic_add_fetch(&st->reads, 1, __ATOMIC_SEQ_CST);
		td_read(d, m, kind);
		break;
	case FUSD_WRITE:
		__atomic_add_fetch(&st->writes, 1, __ATOMIC_SEQ_CST);
		td_write(d, m, kind, p);
		break;
	case FUSD_IOCTL:
		__atomic_add_fetch(&st->ioctls, 1, __ATOMIC_SEQ_CST);
		td_ioctl(d, m, p);
		break;
	case FUSD_LLSEEK:
		__atomic_add_fetch(&st->llseeks, 1, __ATOMIC_SEQ_CST);
		td_llseek(d, m);
		break;
	case FUSD_MMAP:
		st->mmap_prot = m->arg;
		st->mmap_xflags = m->xflags;
		st->mmap_off = m->offset;
		st->mmap_len = m->size;
		__atomic_add_fetch(&st->mmaps, 1, __ATOMIC_SEQ_CST);
		td_reply(d, m, m->arg & PROT_EXEC ? -EACCES : 0, NULL, 0);
		break;
	case FUSD_INTERRUPT:
		st->intr_id = m->req_id;
		__atomic_add_fetch(&st->interrupts, 1, __ATOMIC_SEQ_CST);
		for (i = 0; i < NDEFER; i++)
			if (d->defer[i].used && d->defer[i].req_id == m->req_id)
				d->defer[i].used = 0;
		break;
	}
}

/* Give device @id 64 KiB of sealed shared memory, byte i = i * 7. */
static int td_shm(int fd, uint32_t id)
{
	struct fusd_shm shm = { id, -1, SHM_SIZE, { 0, 0 } };
	unsigned char *p;
	int i, err = 0;

	shm.fd = memfd_create("td-shm", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (shm.fd < 0 || ftruncate(shm.fd, SHM_SIZE) ||
	    fcntl(shm.fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return -errno;
	p = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, shm.fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (i = 0; i < SHM_SIZE; i++)
		p[i] = i * 7;
	if (ioctl(fd, FUSD_SET_SHM, &shm))
		err = -errno;
	close(shm.fd);	/* the kernel and our mapping keep the memory */
	return err;
}

/*
 * Fork a daemon serving @devs; returns its pid once the devices exist, or
 * -1.  It runs until killed (or its channel fails).
 */
static pid_t td_start(const struct tdev *devs, int ndev)
{
	static unsigned char buf[FUSD_MSG_MAX];
	struct tdaemon *d;
	int sync[2], i, err = 0;
	char ok = 0;
	pid_t pid;

	if (pipe(sync))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(sync[1]);
		if (read(sync[0], &ok, 1) != 1 || ok != 1) {
			waitpid(pid, NULL, 0);
			pid = -1;
		}
		close(sync[0]);
		return pid;
	}
	close(sync[0]);
	d = calloc(1, sizeof(*d));
	d->fd = fusd_ctl_open();
	d->devs = devs;
	d->ndev = ndev;
	if (d->fd < 0)
		_exit(1);
	for (i = 0; i < ndev && !err; i++) {
		uint32_t flags = FUSD_DEV_FLUSH |
				(devs[i].kind == K_MEM ? FUSD_DEV_SEEKABLE : 0) |
				(devs[i].kind == K_SHMCHK ? FUSD_DEV_MMAP_CHECK : 0);
		uint32_t mask = FUSD_POLLIN | FUSD_POLLOUT | FUSD_POLLRDNORM |
				FUSD_POLLWRNORM;

		if (devs[i].kind == K_PIPE) {
			d->pdev = devs[i].id;
			d->pmask = mask = PIPE_MASK(d);
		}
		err = fusd_register_dev(d->fd, devs[i].id, devs[i].name,
					devs[i].mode ? devs[i].mode : 0666,
					0, 0, flags, mask);
		if (!err && devs[i].kind >= K_SHM)
			err = td_shm(d->fd, devs[i].id);
		if (err)
			fprintf(stderr, "register %s: %s\n", devs[i].name,
				strerror(-err));
	}
	ok = !err;
	if (write(sync[1], &ok, 1) != 1 || err)
		_exit(1);
	close(sync[1]);
	for (;;) {
		ssize_t n = fusd_recv(d->fd, buf);

		if (n < 0)
			_exit(2);
		td_handle(d, (struct fusd_msg *)buf);
	}
}

static void td_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

#endif /* FUSD_TDAEMON_H */
