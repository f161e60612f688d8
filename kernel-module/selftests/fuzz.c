// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: random and mutated messages to /dev/fusd, over every opcode and
 * control ioctl, while live clients use the devices (reads, writes, pointer
 * ioctls the daemon answers with FUSD_MEM_READ/WRITE, mmap of shared memory,
 * poll) and are killed at random; daemons (channels) die and come back.
 *
 *   fuzz [MESSAGES] [SEED]        default 1000000 messages, seed 1
 *
 * Prints progress and a last line "fuzz: N messages in S s (R/s), ..." and
 * exits 0 if every write/ioctl failed only with errnos fusd-abi.md lists and
 * the devices still work at the end; the kernel log is the suite's to check.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "tlib.h"

#define NCLIENTS	4
#define NDEV		3
#define SHM		65536
#define CIOC_MEM	_IOWR('Z', 1, struct cmem)

struct cmem { uint64_t buf; uint32_t len, op; };

static unsigned int seed = 1;
static unsigned long sent, accepted, bad_errno, mem_ops, mem_ok, replies;

static unsigned int rnd(unsigned int n)
{
	return n ? (unsigned int)rand_r(&seed) % n : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *dev_name(int i)
{
	static const char * const names[NDEV] = {
		"fz-a", "fz-dir/b", "fz-dir/sub/c"
	};

	return names[i];
}

/* ---- clients: everything a caller can do, until killed ---- */

static void client(int id)
{
	static unsigned char buf[300000];
	unsigned int s = id * 7919 + seed;
	char path[64];

	for (;;) {
		int fd, i, n = rand_r(&s) % 3;
		struct cmem q;
		void *m;

		snprintf(path, sizeof(path), "/dev/%s", dev_name(n));
		fd = open(path, (rand_r(&s) % 4 ? O_RDWR : O_RDWR | O_NONBLOCK));
		if (fd < 0) {
			usleep(1000);
			continue;
		}
		for (i = 0; i < 20; i++) {
			struct pollfd p = { fd, POLLIN | POLLOUT, 0 };

			switch (rand_r(&s) % 7) {
			case 0:
				if (read(fd, buf, rand_r(&s) % 200000) < 0)
					break;
				break;
			case 1:
				if (write(fd, buf, rand_r(&s) % 200000) < 0)
					break;
				break;
			case 2:
			case 3:
				q.buf = rand_r(&s) % 8 ? (uintptr_t)buf : 8;
				q.len = rand_r(&s) % sizeof(buf);
				q.op = rand_r(&s);
				ioctl(fd, CIOC_MEM, &q);
				break;
			case 4:
				m = mmap(NULL, SHM, PROT_READ | (rand_r(&s) % 2 ? PROT_WRITE : 0),
					 rand_r(&s) % 2 ? MAP_SHARED : MAP_PRIVATE, fd,
					 (rand_r(&s) % 3) * 4096);
				if (m != MAP_FAILED) {
					volatile unsigned char *v = m;
					unsigned char x = v[0] + v[SHM - 8192 - 1];

					(void)x;
					munmap(m, SHM);
				}
				break;
			case 5:
				poll(&p, 1, rand_r(&s) % 3);
				break;
			default:
				lseek(fd, rand_r(&s) % 1000, SEEK_SET);
				ioctl(fd, _IO('Z', rand_r(&s) % 4), rand_r(&s));
			}
		}
		close(fd);
	}
}

/* ---- the daemon side ---- */

struct chan {
	int fd;
	uint64_t ids[64];	/* requests read, maybe unanswered */
	struct fusd_msg last;	/* a real request, to mutate */
};

static int chan_open(struct chan *c, int devs)
{
	struct fusd_shm shm = { 0, -1, SHM, { 0, 0 } };
	int i;

	memset(c, 0, sizeof(*c));
	c->fd = fusd_ctl_open();
	if (c->fd < 0)
		return c->fd;
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	for (i = 0; i < devs; i++) {
		if (fusd_register_dev(c->fd, i + 1, dev_name(i), 0666, 0, 0,
				      FUSD_DEV_FLAGS_ALL & rnd(8), 0x145))
			continue;
		shm.dev_id = i + 1;
		shm.fd = memfd_create("fz", MFD_ALLOW_SEALING | MFD_CLOEXEC);
		if (shm.fd >= 0 && !ftruncate(shm.fd, SHM) &&
		    !fcntl(shm.fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
			ioctl(c->fd, FUSD_SET_SHM, &shm);
		if (shm.fd >= 0)
			close(shm.fd);
	}
	return 0;
}

static int errno_ok(int e)
{
	return e == EINVAL || e == ENOENT || e == EEXIST || e == EPERM ||
	       e == EPROTO || e == EBUSY || e == EFAULT || e == EBADF ||
	       e == EINTR || e == ENOMEM || e == ENOSPC || e == ENOTTY;
}

static void count(long r)
{
	sent++;
	if (r >= 0)
		accepted++;
	else if (!errno_ok(errno)) {
		bad_errno++;
		if (bad_errno < 10)
			fprintf(stderr, "fuzz: unexpected errno %d (%s)\n",
				errno, strerror(errno));
	}
}

/* Answer a request sensibly most of the time (so clients make progress). */
static void answer(struct chan *c, struct fusd_msg *m)
{
	static unsigned char out[FUSD_MSG_MAX];
	struct fusd_msg *r = (struct fusd_msg *)out;
	uint32_t n = 0;
	int64_t res = 0;

	c->ids[rnd(64)] = m->req_id;
	c->last = *m;
	if (m->opcode == FUSD_RELEASE || m->opcode == FUSD_INTERRUPT)
		return;
	if (rnd(10) == 0)
		return;			/* left unanswered: RESEND, death */
	if (m->opcode == FUSD_IOCTL && m->size == sizeof(struct cmem) &&
	    m->len == sizeof(*m) + sizeof(struct cmem)) {
		struct cmem *q = (struct cmem *)(m + 1);
		static unsigned char mb[300000];
		struct fusd_mem mo = { m->req_id, q->buf, (uintptr_t)mb,
				       q->len % sizeof(mb), 0 };

		if (rnd(4) == 0)
			mo.addr = rnd(2) ? (uint64_t)rnd(1 << 20) : ~0ULL - rnd(100);
		mem_ops++;
		if (ioctl(c->fd, q->op & 1 ? FUSD_MEM_WRITE : FUSD_MEM_READ,
			  &mo) >= 0)
			mem_ok++;
		else if (!errno_ok(errno))
			bad_errno++;
	}
	switch (m->opcode) {
	case FUSD_READ:
		n = rnd(m->size + 1);
		res = n;
		break;
	case FUSD_WRITE:
		res = rnd(m->size + 1);
		break;
	case FUSD_LLSEEK:
		res = rnd(100000);
		break;
	case FUSD_IOCTL:
		n = m->arg >> 30 & 2 ? rnd(m->size + 1) : 0;
		res = rnd(3);
		break;
	default:
		res = rnd(4) ? 0 : -EACCES;
	}
	if (rnd(8) == 0) {
		res = -(int64_t)rnd(600);
		n = 0;
	}
	fusd_hdr_init(r, FUSD_REPLY, sizeof(*r) + n);
	r->req_id = m->req_id;
	r->result = res;
	if (rnd(3) == 0) {
		r->xflags = FUSD_REPLY_POLL;
		r->arg = rnd(2) ? FUSD_POLLIN | FUSD_POLLOUT : rnd(0x400);
	}
	replies++;
	count(write(c->fd, out, sizeof(*r) + n) < 0 ? -1 : 0);
}

/* One random or mutated message, or a control ioctl. */
static void junk(struct chan *c)
{
	static unsigned char buf[FUSD_MSG_MAX + 64];
	static const int ops[] = { FUSD_REGISTER, FUSD_UNREGISTER, FUSD_REPLY,
		FUSD_POLL_NOTIFY, FUSD_RESEND, FUSD_OPEN, FUSD_READ, FUSD_MMAP,
		FUSD_INTERRUPT, 0, 6, 99, 0xffff };
	struct fusd_msg *m = (struct fusd_msg *)buf;
	struct fusd_register *reg = (struct fusd_register *)(m + 1);
	size_t len, i;
	long r;

	switch (rnd(16)) {
	case 0: {		/* MEM on a request we saw, or a random one */
		struct fusd_mem mo = { rnd(2) ? c->ids[rnd(64)] : rnd(1000),
				       rnd(2) ? 8 : (uintptr_t)buf, (uintptr_t)buf,
				       rnd(4) ? rnd(70000) : rnd(-1U), rnd(8) == 0 };

		if (rnd(6) == 0)
			mo.buf = rnd(2) ? 8 : ~0ULL;
		r = ioctl(c->fd, rnd(2) ? FUSD_MEM_READ : FUSD_MEM_WRITE, &mo);
		count(r);
		return;
	}
	case 1: {
		struct fusd_shm shm = { rnd(5), rnd(2) ? (int)rnd(40) - 2 : c->fd,
					rnd(2) ? SHM : rnd(1 << 20),
					{ rnd(8) == 0, 0 } };

		count(ioctl(c->fd, rnd(8) ? FUSD_SET_SHM : _IOW(0xF5, rnd(8), long),
			    &shm));
		return;
	}
	case 2:
		count(ioctl(c->fd, FUSD_VERSION) == FUSD_ABI_VERSION ? 0 : -1);
		return;
	case 3:		/* the last real request, mutated, written back */
		memcpy(buf, &c->last, sizeof(c->last));
		len = sizeof(*m);
		m->opcode = FUSD_REPLY;
		buf[rnd(sizeof(*m))] ^= 1 << rnd(8);
		break;
	default:
		len = rnd(4) ? sizeof(*m) + rnd(128) : rnd(sizeof(buf));
		for (i = 0; i < len && i < 512; i++)
			buf[i] = rnd(256);
		if (rnd(8)) {
			m->magic = FUSD_MAGIC;
			m->version = rnd(16) ? FUSD_ABI_VERSION : rnd(4);
			m->len = rnd(16) ? len : rnd(1000);
			m->opcode = ops[rnd(sizeof(ops) / sizeof(ops[0]))];
			m->xflags = rnd(2) ? 0 : rnd(8);
			m->dev_id = rnd(5);
			m->fh_id = rnd(2) ? c->last.fh_id : rnd(5);
			m->req_id = rnd(2) ? c->ids[rnd(64)] : rnd(1000);
			if (rnd(2))
				m->arg &= FUSD_POLL_ALL;
			if (m->opcode == FUSD_REGISTER && rnd(2)) {
				len = sizeof(*m) + sizeof(*reg);
				m->len = len;
				memset(reg, 0, sizeof(*reg));
				snprintf(reg->name, sizeof(reg->name), "fz-x%u%s",
					 rnd(4), rnd(4) ? "" : "/..");
				reg->mode = rnd(2) ? 0666 : rnd(-1U);
				reg->flags = rnd(16);
				reg->poll_mask = rnd(2) ? 0 : rnd(0x400);
			}
			if (m->opcode == FUSD_UNREGISTER && m->dev_id <= NDEV)
				m->dev_id += 10;	/* keep ours */
		}
	}
	count(write(c->fd, buf, len) < 0 ? -1 : 0);
}

int main(int argc, char **argv)
{
	static unsigned char in[FUSD_MSG_MAX];
	unsigned long total = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	pid_t kids[NCLIENTS];
	unsigned long deaths = 0, kills = 0, next = 100000;
	struct chan c, other;
	double t0;
	int i;

	seed = argc > 2 ? atoi(argv[2]) : 1;
	signal(SIGPIPE, SIG_IGN);
	if (chan_open(&c, NDEV) || chan_open(&other, 0)) {
		fprintf(stderr, "fuzz: cannot open /dev/fusd\n");
		return 2;
	}
	for (i = 0; i < NCLIENTS; i++) {
		kids[i] = fork();
		if (!kids[i]) {
			close(c.fd);
			close(other.fd);
			client(i);
		}
	}
	t0 = now();
	while (sent < total) {
		ssize_t n;
		int k;

		for (k = 0; k < 4; k++) {
			n = read(c.fd, in, sizeof(in));
			if (n < (ssize_t)sizeof(struct fusd_msg))
				break;
			answer(&c, (struct fusd_msg *)in);
		}
		junk(rnd(8) ? &c : &other);
		if (rnd(20000) == 0) {		/* the daemon dies; a new one */
			close(c.fd);
			chan_open(&c, NDEV);
			deaths++;
		}
		if (rnd(3000) == 0) {		/* a takeover asks for requests again */
			struct fusd_msg h;

			fusd_hdr_init(&h, FUSD_RESEND, sizeof(h));
			count(write(c.fd, &h, sizeof(h)) < 0 ? -1 : 0);
		}
		if (rnd(5000) == 0) {		/* a client killed mid-call */
			k = rnd(NCLIENTS);
			kill(kids[k], SIGKILL);
			waitpid(kids[k], NULL, 0);
			kids[k] = fork();
			if (!kids[k]) {
				close(c.fd);
				close(other.fd);
				client(k);
			}
			kills++;
		}
		if (sent >= next) {
			printf("# fuzz: %lu messages, %.0f/s\n", sent,
			       sent / (now() - t0));
			fflush(stdout);
			next += 100000;
		}
	}
	for (i = 0; i < NCLIENTS; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	printf("fuzz: %lu messages in %.1f s (%.0f/s),", sent, now() - t0,
	       sent / (now() - t0));
	printf(" %lu accepted, %lu replies, %lu mem ops (%lu ok),", accepted,
	       replies, mem_ops, mem_ok);
	printf(" %lu daemon deaths, %lu clients killed, %lu unexpected errnos\n",
	       deaths, kills, bad_errno);
	close(c.fd);
	close(other.fd);
	return bad_errno ? 1 : 0;
}
