// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/fusd, the daemon's end of fusd
 *
 * Each open of /dev/fusd is a channel.  read() hands the daemon one request
 * at a time (req.c); write() takes exactly one message from it, checks its
 * header and dispatches on the opcode: device registration (device.c), replies
 * and RESEND (req.c) and poll mask changes (device.c).  A malformed message
 * fails with EINVAL before anything is changed, one of another ABI version
 * with EPROTO.  What takes a pointer or an fd of the daemon is an ioctl:
 * FUSD_MEM_READ/WRITE (req.c) and FUSD_SET_SHM (device.c).  Closing the last fd of a channel
 * removes its devices and fails every request still waiting on it.
 */
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "fusd_int.h"

static void fusd_chan_free(struct kref *ref)
{
	struct fusd_chan *chan = container_of(ref, struct fusd_chan, ref);

	put_pid(chan->owner);
	put_cred(chan->cred);
	put_user_ns(chan->user_ns);
	put_pid_ns(chan->pid_ns);
	kfree(chan);
}

void fusd_chan_put(struct fusd_chan *chan)
{
	kref_put(&chan->ref, fusd_chan_free);
}

static int fusd_ctl_open(struct inode *inode, struct file *file)
{
	struct fusd_chan *chan;

	if (!fusd_may_control())
		return -EPERM;
	chan = kzalloc(sizeof(*chan), GFP_KERNEL);
	if (!chan)
		return -ENOMEM;
	spin_lock_init(&chan->lock);
	INIT_LIST_HEAD(&chan->queue);
	hash_init(chan->pending);
	INIT_LIST_HEAD(&chan->devs);
	init_waitqueue_head(&chan->waitq);
	kref_init(&chan->ref);
	chan->owner = get_pid(task_tgid(current));
	chan->cred = get_cred(file->f_cred);
	chan->admin = capable(CAP_SYS_ADMIN);
	chan->user_ns = get_user_ns(file->f_cred->user_ns);
	chan->pid_ns = get_pid_ns(task_active_pid_ns(current));
	file->private_data = chan;
	return stream_open(inode, file);
}

static int fusd_ctl_release(struct inode *inode, struct file *file)
{
	struct fusd_chan *chan = file->private_data;

	spin_lock(&chan->lock);
	chan->dead = true;
	spin_unlock(&chan->lock);
	fusd_dev_unregister_all(chan);
	fusd_req_fail_all(chan);
	fusd_chan_put(chan);
	return 0;
}

static ssize_t fusd_ctl_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	return fusd_req_read(file->private_data, buf, count,
			     file->f_flags & O_NONBLOCK);
}

/* Header checks common to every message from the daemon. */
static bool fusd_msg_ok(const struct fusd_msg *msg, size_t count)
{
	size_t body = count - sizeof(*msg);

	if (msg->len != count)
		return false;
	if (msg->opcode == FUSD_REPLY)
		return !(msg->xflags & ~FUSD_REPLY_FLAGS_ALL) &&
		       (!(msg->xflags & FUSD_REPLY_POLL) ||
			!(msg->arg & ~FUSD_POLL_ALL));
	if (msg->xflags)
		return false;
	switch (msg->opcode) {
	case FUSD_REGISTER:
		return body == sizeof(struct fusd_register);
	case FUSD_UNREGISTER:
	case FUSD_RESEND:
		return body == 0;
	case FUSD_POLL_NOTIFY:
		return body == 0 && !(msg->arg & ~FUSD_POLL_ALL);
	default:
		return false;
	}
}

static ssize_t fusd_ctl_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct fusd_chan *chan = file->private_data;
	struct fusd_msg *msg;
	void *buf;
	int ret;

	if (count < sizeof(*msg) || count > FUSD_MSG_MAX)
		return -EINVAL;
	buf = kvmalloc(count, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, ubuf, count)) {
		ret = -EFAULT;
		goto out;
	}
	msg = buf;
	if (msg->magic != FUSD_MAGIC) {
		ret = -EINVAL;
		goto out;
	}
	if (msg->version != FUSD_ABI_VERSION) {
		ret = -EPROTO;
		goto out;
	}
	if (!fusd_msg_ok(msg, count)) {
		ret = -EINVAL;
		goto out;
	}
	switch (msg->opcode) {
	case FUSD_REGISTER:
		ret = fusd_dev_register(chan, msg->dev_id,
					(struct fusd_register *)(msg + 1));
		break;
	case FUSD_UNREGISTER:
		ret = fusd_dev_unregister(chan, msg->dev_id);
		break;
	case FUSD_POLL_NOTIFY:
		ret = fusd_dev_poll_notify(chan, msg->dev_id, msg->fh_id,
					   (__force __poll_t)msg->arg);
		break;
	case FUSD_RESEND:
		fusd_req_resend(chan);
		ret = 0;
		break;
	default:	/* FUSD_REPLY */
		ret = fusd_req_complete(chan, msg, buf);
		if (!ret)
			buf = NULL;	/* now owned by the request */
		break;
	}
out:
	kvfree(buf);
	return ret ? ret : count;
}

static __poll_t fusd_ctl_poll(struct file *file, poll_table *wait)
{
	struct fusd_chan *chan = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &chan->waitq, wait);
	if (!list_empty_careful(&chan->queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static long fusd_ctl_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct fusd_chan *chan = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct fusd_mem mem;
	struct fusd_shm shm;

	switch (cmd) {
	case FUSD_VERSION:
		return FUSD_ABI_VERSION;
	case FUSD_MEM_READ:
	case FUSD_MEM_WRITE:
		if (copy_from_user(&mem, uarg, sizeof(mem)))
			return -EFAULT;
		return fusd_req_mem(chan, &mem, cmd == FUSD_MEM_WRITE);
	case FUSD_SET_SHM:
		if (copy_from_user(&shm, uarg, sizeof(shm)))
			return -EFAULT;
		return fusd_dev_set_shm(chan, &shm);
	default:
		return -ENOTTY;
	}
}

#ifdef CONFIG_COMPAT
static long fusd_ctl_compat_ioctl(struct file *file, unsigned int cmd,
				  unsigned long arg)
{
	/* the structs have one layout for 32- and 64-bit daemons */
	return fusd_ctl_ioctl(file, cmd, (unsigned long)compat_ptr(arg));
}
#endif

const struct file_operations fusd_ctl_fops = {
	.owner = THIS_MODULE,
	.open = fusd_ctl_open,
	.release = fusd_ctl_release,
	.read = fusd_ctl_read,
	.write = fusd_ctl_write,
	.poll = fusd_ctl_poll,
	.unlocked_ioctl = fusd_ctl_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = fusd_ctl_compat_ioctl,
#endif
};
