/* SPDX-License-Identifier: GPL-2.0 */
/*
 * objects shared by the parts of fusd.ko
 *
 * A channel (struct fusd_chan) is one open of /dev/fusd: the daemon's end.
 * It owns the devices the daemon registered (struct fusd_dev, one cdev and
 * one node each), a FIFO of messages the daemon has not read yet and a table
 * of requests read but not yet answered.  A struct fusd_file is one open of
 * a device node.  A struct fusd_req is one message to the daemon; the caller
 * that made it sleeps until the daemon replies, a signal arrives or the
 * channel dies.
 *
 * Lifetimes: a request holds no reference of its own after it leaves the
 * queue and table; a file holds its device (get_device); a device holds its
 * channel (kref); the channel's fd holds the channel too.  So the channel
 * outlives every device and file that can reach it.
 *
 * Lock order: fusd_mutex, then chan->lock.  chan->lock is a spinlock and
 * protects the request queue and table, the state of every request, the
 * devs list and, per device, dead, poll_mask, files and counters.
 */
#ifndef FUSD_INT_H
#define FUSD_INT_H

#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "include/uapi/fusd.h"

/* Minor 0 is /dev/fusd; devices use 1 .. FUSD_MINORS - 1. */
#define FUSD_MINORS		4096

struct fusd_chan {
	spinlock_t lock;		/* see "Lock order" above */
	bool dead;			/* fd released; under lock */
	struct list_head queue;		/* unread messages; under lock */
	DECLARE_HASHTABLE(pending, 6);	/* read, unanswered; under lock */
	struct list_head devs;		/* registered devices; under lock */
	u64 next_req_id;		/* under lock */
	u32 next_fh_id;			/* under lock */
	wait_queue_head_t waitq;	/* daemon readers and pollers */
	struct kref ref;
	struct pid *owner;		/* daemon's thread group */
	const struct cred *cred;	/* of the opener: node owner checks */
	bool admin;			/* opener had CAP_SYS_ADMIN */
	struct user_namespace *user_ns;	/* ids are translated into these */
	struct pid_namespace *pid_ns;
};

struct fusd_dev {
	struct device dev;		/* refcount: frees the fusd_dev */
	struct cdev cdev;
	struct fusd_chan *chan;		/* counted reference */
	struct list_head chan_entry;	/* in chan->devs; under chan->lock */
	struct list_head all_entry;	/* in fusd_all_devs; fusd_mutex */
	u32 id;				/* daemon's dev_id */
	u32 flags;			/* FUSD_DEV_* */
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	char name[FUSD_NAME_MAX];
	/* under chan->lock: */
	bool dead;			/* unregistered or channel dead */
	struct file *shm;		/* FUSD_SET_SHM memfd (counted), or NULL */
	u64 shm_size;
	__poll_t poll_mask;		/* device-wide mask; new files start here */
	struct list_head files;		/* open fusd_files */
	unsigned int open_count;
	unsigned int pending;		/* requests queued or awaiting reply */
};

struct fusd_file {
	struct fusd_dev *dev;		/* counted (get_device) */
	u32 fh_id;
	struct list_head dev_entry;	/* in dev->files; under chan->lock */
	__poll_t poll_mask;		/* under chan->lock */
	wait_queue_head_t pollq;
	struct fusd_req *release;	/* preallocated RELEASE message */
};

/*
 * One FUSD_MEM_READ/WRITE chunk: the daemon hands it to the caller waiting in
 * the IOCTL, which copies between its own memory and @kbuf.  Two references:
 * the daemon's, and the request's while attached (then the caller's).
 */
struct fusd_memop {
	refcount_t ref;
	bool to_caller;			/* FUSD_MEM_WRITE */
	u64 addr;			/* in the caller */
	void *kbuf;			/* owned by the daemon's side */
	u32 len;
	int result;
	struct completion done;
};

enum fusd_req_state {
	FUSD_REQ_NEW,		/* not yet sent */
	FUSD_REQ_QUEUED,	/* in chan->queue, not yet read */
	FUSD_REQ_SENT,		/* read by the daemon, in chan->pending */
	FUSD_REQ_INTR,		/* caller gave up: INTERRUPT is queued */
	FUSD_REQ_DONE,		/* result is final */
};

struct fusd_req {
	refcount_t ref;
	struct list_head entry;		/* in chan->queue; under chan->lock */
	struct hlist_node hnode;	/* in chan->pending; under chan->lock */
	enum fusd_req_state state;	/* under chan->lock */
	struct fusd_dev *dev;		/* valid while queued or pending */
	struct fusd_file *ff;		/* valid while the caller waits */
	bool noreply;			/* RELEASE: no answer expected */
	struct fusd_memop *memop;	/* for the caller to run; chan->lock */
	struct fusd_msg hdr;		/* header sent to the daemon */
	void *data;			/* payload sent (hdr.len - header) */
	u32 out_max;			/* largest reply payload accepted */
	/* set when state becomes DONE: */
	s64 result;
	void *reply;			/* whole reply message (kvmalloc) */
	u32 reply_len;			/* payload bytes in reply */
	wait_queue_head_t waitq;	/* the caller: DONE or a memop */
};

extern struct mutex fusd_mutex;
extern struct list_head fusd_all_devs;
extern struct class *fusd_class;
extern dev_t fusd_devt;
extern struct ida fusd_minors;
extern const struct device_type fusd_type;

/* main.c */
bool fusd_may_control(void);

/* req.c */
struct fusd_req *fusd_req_alloc(u16 opcode, u32 data_len);
void fusd_req_put(struct fusd_req *req);
s64 fusd_req_call(struct fusd_file *ff, struct fusd_req *req);
ssize_t fusd_req_read(struct fusd_chan *chan, char __user *buf,
		      size_t count, bool nonblock);
void fusd_req_send_release(struct fusd_file *ff);
int fusd_req_complete(struct fusd_chan *chan, struct fusd_msg *reply,
		      void *buf);
void fusd_req_fail_dev(struct fusd_chan *chan, u32 dev_id);
void fusd_req_fail_all(struct fusd_chan *chan);
void *fusd_reply_payload(struct fusd_req *req);
int fusd_req_mem(struct fusd_chan *chan, const struct fusd_mem *m,
		 bool to_caller);
void fusd_req_resend(struct fusd_chan *chan);

/* chan.c */
extern const struct file_operations fusd_ctl_fops;
void fusd_chan_put(struct fusd_chan *chan);

/* device.c */
extern const struct file_operations fusd_dev_fops;
int fusd_dev_register(struct fusd_chan *chan, u32 id,
		      const struct fusd_register *reg);
int fusd_dev_unregister(struct fusd_chan *chan, u32 id);
void fusd_dev_unregister_all(struct fusd_chan *chan);
int fusd_dev_poll_notify(struct fusd_chan *chan, u32 id, u32 fh_id,
			 __poll_t mask);
void fusd_file_set_mask(struct fusd_file *ff, __poll_t mask);
int fusd_dev_set_shm(struct fusd_chan *chan, const struct fusd_shm *shm);

#endif /* FUSD_INT_H */
