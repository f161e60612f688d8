// SPDX-License-Identifier: GPL-2.0
/*
 * requests from device callers to the daemon, and their answers
 *
 * A caller builds a struct fusd_req, queues it on the channel and sleeps.
 * The daemon's read() moves it from the queue to the pending table and
 * copies it out; the daemon's REPLY finds it there by id, is checked
 * against what the request allows, and completes it.  A signal makes the
 * caller give up at once with EINTR: an unread request is simply dropped,
 * a read one is turned into an INTERRUPT message for the daemon, and any
 * later reply to it finds nothing (ENOENT).  When a device or the whole
 * channel goes away, every request still waiting completes with ENODEV.
 *
 * While an IOCTL waits, the daemon may read and write the caller's memory
 * (FUSD_MEM_READ/WRITE): each chunk is handed to the sleeping caller, which
 * wakes, copies in its own context and sleeps again.  FUSD_RESEND puts the
 * requests read but not answered back at the head of the queue.
 *
 * References: the caller holds one; while the request sits in the queue
 * or the pending table, that container holds another.  Requests are freed
 * outside chan->lock since their buffers may be vmalloc'ed.
 */
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/limits.h>
#include <linux/list_sort.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "fusd_int.h"

/* The largest errno a daemon may return; kernel-internal codes are above. */
#define FUSD_ERRNO_MAX	511

struct fusd_req *fusd_req_alloc(u16 opcode, u32 data_len)
{
	struct fusd_req *req;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return NULL;
	if (data_len) {
		req->data = kvmalloc(data_len, GFP_KERNEL);
		if (!req->data) {
			kfree(req);
			return NULL;
		}
	}
	refcount_set(&req->ref, 1);
	INIT_LIST_HEAD(&req->entry);
	init_waitqueue_head(&req->waitq);
	req->state = FUSD_REQ_NEW;
	req->hdr.magic = FUSD_MAGIC;
	req->hdr.version = FUSD_ABI_VERSION;
	req->hdr.opcode = opcode;
	req->hdr.len = sizeof(req->hdr) + data_len;
	return req;
}

void fusd_req_put(struct fusd_req *req)
{
	if (!req || !refcount_dec_and_test(&req->ref))
		return;
	kvfree(req->data);
	kvfree(req->reply);
	kfree(req);
}

void *fusd_reply_payload(struct fusd_req *req)
{
	return (char *)req->reply + sizeof(struct fusd_msg);
}

/* Identify the file and the calling process in the daemon's namespaces. */
static void fusd_req_stamp(struct fusd_file *ff, struct fusd_req *req)
{
	struct fusd_chan *chan = ff->dev->chan;

	req->hdr.dev_id = ff->dev->id;
	req->hdr.fh_id = ff->fh_id;
	req->hdr.pid = task_tgid_nr_ns(current, chan->pid_ns);
	req->hdr.uid = from_kuid_munged(chan->user_ns, current_fsuid());
	req->hdr.gid = from_kgid_munged(chan->user_ns, current_fsgid());
	if (in_compat_syscall())
		req->hdr.xflags |= FUSD_REQ_COMPAT32;
}

/* Never the last reference under chan->lock: the daemon's is dropped last. */
static void fusd_memop_put(struct fusd_memop *op)
{
	if (refcount_dec_and_test(&op->ref)) {
		kvfree(op->kbuf);
		kfree(op);
	}
}

/* Fail the chunk attached to @req, if any; chan->lock held. */
static void fusd_req_drop_memop(struct fusd_req *req)
{
	struct fusd_memop *op = req->memop;

	if (!op)
		return;
	req->memop = NULL;
	op->result = -ENOENT;
	complete(&op->done);
	fusd_memop_put(op);
}

/* @req has its final result; chan->lock held. */
static void fusd_req_finish(struct fusd_req *req, s64 result)
{
	req->result = result;
	req->state = FUSD_REQ_DONE;
	wake_up(&req->waitq);
}

/* Take @req out of the queue or table it is in; chan->lock held. */
static void fusd_req_unlink(struct fusd_req *req)
{
	fusd_req_drop_memop(req);
	switch (req->state) {
	case FUSD_REQ_QUEUED:
		list_del_init(&req->entry);
		if (!req->noreply)
			req->dev->pending--;
		break;
	case FUSD_REQ_SENT:
		hash_del(&req->hnode);
		req->dev->pending--;
		break;
	case FUSD_REQ_INTR:
		list_del_init(&req->entry);
		break;
	default:
		break;
	}
	req->dev = NULL;
}

static void fusd_req_enqueue(struct fusd_chan *chan, struct fusd_req *req)
{
	req->hdr.req_id = ++chan->next_req_id;
	req->state = FUSD_REQ_QUEUED;
	list_add_tail(&req->entry, &chan->queue);
}

/* The caller was signalled before an answer came: give up on @req. */
static s64 fusd_req_abandon(struct fusd_chan *chan, struct fusd_req *req)
{
	bool drop = false, wake = false;

	spin_lock(&chan->lock);
	switch (req->state) {
	case FUSD_REQ_DONE:
		spin_unlock(&chan->lock);
		return req->result;
	case FUSD_REQ_QUEUED:
		fusd_req_unlink(req);
		fusd_req_finish(req, -EINTR);
		drop = true;
		break;
	case FUSD_REQ_SENT:
		/* the table's reference moves to the queue */
		fusd_req_unlink(req);
		req->state = FUSD_REQ_INTR;
		list_add_tail(&req->entry, &chan->queue);
		wake = true;
		break;
	default:
		break;
	}
	spin_unlock(&chan->lock);
	if (wake)
		wake_up_interruptible(&chan->waitq);
	if (drop)
		fusd_req_put(req);
	return -EINTR;
}

/* Done, or a chunk of caller memory to copy?  Read without chan->lock. */
static bool fusd_req_ready(struct fusd_req *req)
{
	return READ_ONCE(req->state) == FUSD_REQ_DONE || READ_ONCE(req->memop);
}

/* Copy one chunk between our memory and the daemon's buffer, and let go. */
static void fusd_memop_run(struct fusd_memop *op)
{
	void __user *uaddr = u64_to_user_ptr(op->addr);
	unsigned long left;

	if (op->to_caller)
		left = copy_to_user(uaddr, op->kbuf, op->len);
	else
		left = copy_from_user(op->kbuf, uaddr, op->len);
	op->result = left ? -EFAULT : 0;
	complete(&op->done);
	fusd_memop_put(op);
}

/*
 * Send @req for the open file @ff and wait for its answer.  Returns the
 * daemon's result (a value >= 0 or -errno), -EINTR on a signal or -ENODEV
 * when the device or its daemon is gone.  The reply payload, if any, is
 * at fusd_reply_payload(req), req->reply_len bytes.
 */
s64 fusd_req_call(struct fusd_file *ff, struct fusd_req *req)
{
	struct fusd_dev *dev = ff->dev;
	struct fusd_chan *chan = dev->chan;

	fusd_req_stamp(ff, req);
	spin_lock(&chan->lock);
	if (dev->dead || chan->dead) {
		spin_unlock(&chan->lock);
		return -ENODEV;
	}
	refcount_inc(&req->ref);		/* the queue's */
	req->dev = dev;
	req->ff = ff;
	dev->pending++;
	fusd_req_enqueue(chan, req);
	spin_unlock(&chan->lock);
	wake_up_interruptible(&chan->waitq);

	for (;;) {
		struct fusd_memop *op;

		if (wait_event_interruptible(req->waitq, fusd_req_ready(req)))
			return fusd_req_abandon(chan, req);
		spin_lock(&chan->lock);
		op = req->memop;
		req->memop = NULL;		/* its reference is ours now */
		if (!op && req->state == FUSD_REQ_DONE) {
			spin_unlock(&chan->lock);
			return req->result;
		}
		spin_unlock(&chan->lock);
		if (op)
			fusd_memop_run(op);
	}
}

/* Queue the RELEASE message preallocated at open; no answer is awaited. */
void fusd_req_send_release(struct fusd_file *ff)
{
	struct fusd_req *req = ff->release;
	struct fusd_dev *dev = ff->dev;
	struct fusd_chan *chan = dev->chan;

	ff->release = NULL;
	fusd_req_stamp(ff, req);
	req->noreply = true;
	spin_lock(&chan->lock);
	if (dev->dead || chan->dead) {
		spin_unlock(&chan->lock);
		fusd_req_put(req);
		return;
	}
	req->dev = dev;
	fusd_req_enqueue(chan, req);	/* the allocation's reference */
	spin_unlock(&chan->lock);
	wake_up_interruptible(&chan->waitq);
}

/* Put a message whose copy to the daemon failed back at the queue's head. */
static void fusd_req_requeue(struct fusd_chan *chan, struct fusd_req *req,
			     enum fusd_req_state was)
{
	bool put = false;

	spin_lock(&chan->lock);
	if (was == FUSD_REQ_QUEUED && !req->noreply) {
		/* ours is the extra reference taken when it was sent */
		put = true;
		if (req->state == FUSD_REQ_SENT) {
			fusd_req_drop_memop(req);
			hash_del(&req->hnode);
			req->state = FUSD_REQ_QUEUED;
			list_add(&req->entry, &chan->queue);
		}
	} else {
		/* RELEASE or INTERRUPT: ours is the queue's reference */
		req->state = was;
		list_add(&req->entry, &chan->queue);
	}
	spin_unlock(&chan->lock);
	if (put)
		fusd_req_put(req);
}

/* Find the request @req_id read by the daemon; chan->lock held. */
static struct fusd_req *fusd_req_find(struct fusd_chan *chan, u64 req_id)
{
	struct fusd_req *r;

	hash_for_each_possible(chan->pending, r, hnode, req_id) {
		if (r->hdr.req_id == req_id)
			return r;
	}
	return NULL;
}

/* Have the caller of IOCTL @req_id copy one chunk; 0 or -errno. */
static int fusd_req_memop(struct fusd_chan *chan, u64 req_id,
			  struct fusd_memop *op)
{
	struct fusd_req *req;
	int ret;

	spin_lock(&chan->lock);
	req = fusd_req_find(chan, req_id);
	if (!req || req->hdr.opcode != FUSD_IOCTL) {
		spin_unlock(&chan->lock);
		return -ENOENT;
	}
	if (req->memop) {
		spin_unlock(&chan->lock);
		return -EBUSY;
	}
	refcount_inc(&req->ref);	/* ours, to detach on a signal */
	refcount_inc(&op->ref);		/* the request's */
	req->memop = op;
	wake_up(&req->waitq);
	spin_unlock(&chan->lock);

	ret = wait_for_completion_interruptible(&op->done);
	if (ret) {
		spin_lock(&chan->lock);
		if (req->memop == op) {
			req->memop = NULL;
			fusd_memop_put(op);
		}
		spin_unlock(&chan->lock);
		/* a caller already copying finishes with its own reference */
	} else {
		ret = op->result;
	}
	fusd_req_put(req);
	return ret;
}

/*
 * FUSD_MEM_READ (@to_caller false) and FUSD_MEM_WRITE: move m->len bytes
 * between the daemon's m->buf and the caller's m->addr, chunk by chunk
 * through a kernel buffer.  Returns m->len or -errno; on an error some
 * chunks may have been copied.
 */
int fusd_req_mem(struct fusd_chan *chan, const struct fusd_mem *m,
		 bool to_caller)
{
	u32 chunk = min(m->len, FUSD_MEM_CHUNK);
	struct fusd_memop *op = NULL;
	u32 done, n;
	int ret = 0;

	if (m->reserved || m->len > FUSD_MEM_MAX ||
	    m->addr + m->len < m->addr || m->buf + m->len < m->buf)
		return -EINVAL;
	if (!m->len)
		return 0;
	for (done = 0; done < m->len && !ret; done += n) {
		n = min(m->len - done, chunk);
		op = kzalloc(sizeof(*op), GFP_KERNEL);
		if (!op)
			return -ENOMEM;
		op->kbuf = kvmalloc(n, GFP_KERNEL);
		if (!op->kbuf) {
			kfree(op);
			return -ENOMEM;
		}
		refcount_set(&op->ref, 1);
		init_completion(&op->done);
		op->to_caller = to_caller;
		op->addr = m->addr + done;
		op->len = n;
		if (to_caller &&
		    copy_from_user(op->kbuf, u64_to_user_ptr(m->buf + done), n))
			ret = -EFAULT;
		if (!ret)
			ret = fusd_req_memop(chan, m->req_id, op);
		if (!ret && !to_caller &&
		    copy_to_user(u64_to_user_ptr(m->buf + done), op->kbuf, n))
			ret = -EFAULT;
		/* a caller still copying keeps the chunk alive */
		fusd_memop_put(op);
	}
	return ret ? ret : m->len;
}

/* The daemon's read(): copy out the oldest message, exactly one. */
ssize_t fusd_req_read(struct fusd_chan *chan, char __user *buf,
		      size_t count, bool nonblock)
{
	enum fusd_req_state was;
	struct fusd_req *req;
	struct fusd_msg hdr;
	size_t data_len;
	int ret;

	spin_lock(&chan->lock);
	while (list_empty(&chan->queue)) {
		spin_unlock(&chan->lock);
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(chan->waitq,
					       !list_empty_careful(&chan->queue));
		if (ret)
			return ret;
		spin_lock(&chan->lock);
	}
	req = list_first_entry(&chan->queue, struct fusd_req, entry);
	hdr = req->hdr;
	was = req->state;
	if (was == FUSD_REQ_INTR) {
		hdr.opcode = FUSD_INTERRUPT;
		hdr.len = sizeof(hdr);
		hdr.size = 0;
		hdr.offset = 0;
		hdr.arg = 0;
	}
	if (count < hdr.len) {
		spin_unlock(&chan->lock);
		return -EMSGSIZE;
	}
	list_del_init(&req->entry);
	if (was == FUSD_REQ_QUEUED && !req->noreply) {
		refcount_inc(&req->ref);	/* ours, while copying */
		req->state = FUSD_REQ_SENT;
		hash_add(chan->pending, &req->hnode, hdr.req_id);
	} else {
		req->state = FUSD_REQ_DONE;	/* the queue's ref is ours */
		req->dev = NULL;
	}
	spin_unlock(&chan->lock);

	data_len = hdr.len - sizeof(hdr);
	if (copy_to_user(buf, &hdr, sizeof(hdr)) ||
	    (data_len && copy_to_user(buf + sizeof(hdr), req->data, data_len))) {
		fusd_req_requeue(chan, req, was);
		return -EFAULT;
	}
	fusd_req_put(req);
	return hdr.len;
}

/* Does a reply with @result and @len payload bytes fit request @req? */
static int fusd_reply_check(const struct fusd_req *req, s64 result, u32 len)
{
	if (result < 0)
		return result >= -FUSD_ERRNO_MAX && len == 0 ? 0 : -EINVAL;

	switch (req->hdr.opcode) {
	case FUSD_OPEN:
	case FUSD_FLUSH:
	case FUSD_MMAP:
		return result == 0 && len == 0 ? 0 : -EINVAL;
	case FUSD_READ:
		return result == len && len <= req->out_max ? 0 : -EINVAL;
	case FUSD_WRITE:
		return result <= req->hdr.size && len == 0 ? 0 : -EINVAL;
	case FUSD_IOCTL:
		return result <= INT_MAX && len <= req->out_max ? 0 : -EINVAL;
	case FUSD_LLSEEK:
		return len == 0 ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/*
 * The daemon's REPLY.  @msg is the header at the start of @buf, a whole
 * kvmalloc'ed message; on success @buf belongs to the request.  Returns
 * -ENOENT if no request with that id awaits an answer, -EINVAL if the
 * reply does not fit the request (which then keeps waiting).
 */
int fusd_req_complete(struct fusd_chan *chan, struct fusd_msg *msg,
		      void *buf)
{
	u32 len = msg->len - sizeof(*msg);
	struct fusd_req *req;
	int ret;

	spin_lock(&chan->lock);
	req = fusd_req_find(chan, msg->req_id);
	if (!req) {
		spin_unlock(&chan->lock);
		return -ENOENT;
	}
	ret = fusd_reply_check(req, msg->result, len);
	if (ret) {
		spin_unlock(&chan->lock);
		return ret;
	}
	if ((msg->xflags & FUSD_REPLY_POLL) && !req->dev->dead)
		fusd_file_set_mask(req->ff, (__force __poll_t)msg->arg);
	fusd_req_unlink(req);
	req->reply = buf;
	req->reply_len = len;
	fusd_req_finish(req, msg->result);
	spin_unlock(&chan->lock);
	fusd_req_put(req);		/* the table's */
	return 0;
}

/* Fail @req with ENODEV and move it to @dead; chan->lock held. */
static void fusd_req_kill(struct fusd_req *req, struct list_head *dead)
{
	fusd_req_unlink(req);
	fusd_req_finish(req, -ENODEV);
	list_add(&req->entry, dead);
}

static void fusd_req_put_list(struct list_head *dead)
{
	struct fusd_req *req, *tmp;

	list_for_each_entry_safe(req, tmp, dead, entry) {
		list_del_init(&req->entry);
		fusd_req_put(req);
	}
}

/* Fail every message for device @dev_id (all of them if @all). */
static void fusd_req_fail(struct fusd_chan *chan, u32 dev_id, bool all)
{
	struct fusd_req *req, *tmp;
	struct hlist_node *htmp;
	LIST_HEAD(dead);
	int bkt;

	spin_lock(&chan->lock);
	list_for_each_entry_safe(req, tmp, &chan->queue, entry) {
		if (all || req->hdr.dev_id == dev_id)
			fusd_req_kill(req, &dead);
	}
	hash_for_each_safe(chan->pending, bkt, htmp, req, hnode) {
		if (all || req->hdr.dev_id == dev_id)
			fusd_req_kill(req, &dead);
	}
	spin_unlock(&chan->lock);
	fusd_req_put_list(&dead);
}

void fusd_req_fail_dev(struct fusd_chan *chan, u32 dev_id)
{
	fusd_req_fail(chan, dev_id, false);
}

void fusd_req_fail_all(struct fusd_chan *chan)
{
	fusd_req_fail(chan, 0, true);
}

static int fusd_req_cmp(void *priv, const struct list_head *a,
			const struct list_head *b)
{
	const struct fusd_req *ra = list_entry(a, struct fusd_req, entry);
	const struct fusd_req *rb = list_entry(b, struct fusd_req, entry);

	return ra->hdr.req_id > rb->hdr.req_id ? 1 : -1;
}

/*
 * FUSD_RESEND: every request read and not answered goes back to the head
 * of the queue, oldest first, marked FUSD_REQ_RESENT; the table's
 * reference becomes the queue's.  A chunk of caller memory being handed
 * over fails (ENOENT) for the daemon that asked.
 */
void fusd_req_resend(struct fusd_chan *chan)
{
	struct fusd_req *req;
	struct hlist_node *tmp;
	LIST_HEAD(again);
	int bkt;

	spin_lock(&chan->lock);
	hash_for_each_safe(chan->pending, bkt, tmp, req, hnode) {
		fusd_req_drop_memop(req);
		hash_del(&req->hnode);
		req->state = FUSD_REQ_QUEUED;
		req->hdr.xflags |= FUSD_REQ_RESENT;
		list_add_tail(&req->entry, &again);
	}
	list_sort(NULL, &again, fusd_req_cmp);
	list_splice(&again, &chan->queue);
	spin_unlock(&chan->lock);
	wake_up_interruptible(&chan->waitq);
}
