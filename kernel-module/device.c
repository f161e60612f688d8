// SPDX-License-Identifier: GPL-2.0
/*
 * devices registered by daemons, and the calls made on their nodes
 *
 * FUSD_REGISTER creates a struct fusd_dev: a cdev and a device in the fusd
 * class, so that devtmpfs or udev makes /dev/NAME with the mode and owner
 * the daemon asked for.  Unregistering, or the daemon closing its channel,
 * marks the device dead, fails its waiting calls and removes the node at
 * once; the structure itself lives on until its last opener closes.
 *
 * The file operations turn each call into a request (req.c) carrying the
 * caller's size, offset and data, and copy the answer back.  Poll never
 * asks the daemon: it reports the mask the daemon last pushed with
 * FUSD_POLL_NOTIFY or a REPLY.  mmap() maps the memfd the daemon gave with
 * FUSD_SET_SHM: the vma becomes a mapping of that shmem file, so faults are
 * served by shmem and never reach the daemon.
 */
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs_struct.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "fusd_int.h"

#define FUSD_DEAD_MASK	(EPOLLERR | EPOLLHUP)

/*
 * A node name: components of [A-Za-z0-9_.-] joined by '/', none empty and
 * none starting with '.'.  The device is named with '!' for '/' (sysfs),
 * and devtmpfs and udev turn it back into subdirectories of /dev.
 */
static bool fusd_name_ok(const char *name)
{
	size_t len = strnlen(name, FUSD_NAME_MAX);
	size_t i;

	if (len == 0 || len == FUSD_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		bool start = i == 0 || name[i - 1] == '/';

		if (start && (name[i] == '.' || name[i] == '/'))
			return false;
		if (!isascii(name[i]) ||
		    (!isalnum(name[i]) && !strchr("_.-/", name[i])))
			return false;
	}
	return name[len - 1] != '/';
}

/* May a daemon without CAP_SYS_ADMIN give its node @uid and @gid? */
static bool fusd_owner_ok(const struct cred *cred, kuid_t uid, kgid_t gid)
{
	const struct group_info *gi = cred->group_info;
	int i;

	if (!uid_eq(uid, cred->fsuid))
		return false;
	if (gid_eq(gid, cred->fsgid))
		return true;
	for (i = 0; i < gi->ngroups; i++) {
		if (gid_eq(gid, gi->gid[i]))
			return true;
	}
	return false;
}

/* Check @reg and translate its owner, for the daemon that opened @chan. */
static int fusd_reg_check(struct fusd_chan *chan, u32 id,
			  const struct fusd_register *reg, kuid_t *uid,
			  kgid_t *gid)
{
	if (!id || !fusd_name_ok(reg->name) || (reg->mode & ~0777U) ||
	    (reg->flags & ~FUSD_DEV_FLAGS_ALL) ||
	    (reg->poll_mask & ~FUSD_POLL_ALL) || reg->reserved[0] ||
	    reg->reserved[1] || reg->reserved[2])
		return -EINVAL;
	*uid = make_kuid(chan->cred->user_ns, reg->uid);
	*gid = make_kgid(chan->cred->user_ns, reg->gid);
	if (!uid_valid(*uid) || !gid_valid(*gid))
		return -EINVAL;
	if (!chan->admin && !fusd_owner_ok(chan->cred, *uid, *gid))
		return -EPERM;
	return 0;
}

/* Is @node (a relative path) there below @root? */
static bool fusd_path_exists(const struct path *root, const char *node)
{
	struct file *f;

#ifdef FUSD_FILE_OPEN_ROOT_PATH
	f = file_open_root(root, node, O_PATH | O_NOFOLLOW, 0);
#else
	f = file_open_root(root->dentry, root->mnt, node, O_PATH | O_NOFOLLOW,
			   0);
#endif
	if (IS_ERR(f))
		return false;
	fput(f);
	return true;
}

/*
 * Does /dev/@name exist for the daemon or for init?  Both views count:
 * a daemon in a chroot must not shadow a device the system has.
 */
static bool fusd_node_exists(const char *name)
{
	struct task_struct *init;
	struct path root;
	bool found = true;
	char *node;

	node = kasprintf(GFP_KERNEL, "dev/%s", name);
	if (!node)
		return true;
	get_fs_root(current->fs, &root);
	found = fusd_path_exists(&root, node);
	path_put(&root);
	rcu_read_lock();
	init = get_pid_task(find_pid_ns(1, &init_pid_ns), PIDTYPE_PID);
	rcu_read_unlock();
	if (!found && init) {
		task_lock(init);
		if (init->fs)
			get_fs_root(init->fs, &root);
		else
			root.mnt = NULL;
		task_unlock(init);
		if (root.mnt) {
			found = fusd_path_exists(&root, node);
			path_put(&root);
		}
	}
	if (init)
		put_task_struct(init);
	kfree(node);
	return found;
}

/* Is @name or @id taken by a fusd device?  fusd_mutex held. */
static bool fusd_dev_taken(struct fusd_chan *chan, u32 id, const char *name)
{
	struct fusd_dev *dev;

	list_for_each_entry(dev, &fusd_all_devs, all_entry) {
		if ((dev->chan == chan && dev->id == id) ||
		    !strcmp(dev->name, name))
			return true;
	}
	return false;
}

static void fusd_dev_release(struct device *d)
{
	struct fusd_dev *dev = container_of(d, struct fusd_dev, dev);

	ida_free(&fusd_minors, MINOR(d->devt));
	fusd_chan_put(dev->chan);
	if (dev->shm)
		fput(dev->shm);
	kfree(dev);
}

int fusd_dev_register(struct fusd_chan *chan, u32 id,
		      const struct fusd_register *reg)
{
	struct fusd_dev *dev;
	kuid_t uid;
	kgid_t gid;
	int minor, ret;

	ret = fusd_reg_check(chan, id, reg, &uid, &gid);
	if (ret)
		return ret;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->id = id;
	dev->flags = reg->flags;
	dev->mode = reg->mode;
	dev->uid = uid;
	dev->gid = gid;
	dev->poll_mask = (__force __poll_t)reg->poll_mask;
	strscpy(dev->name, reg->name, sizeof(dev->name));
	INIT_LIST_HEAD(&dev->files);

	if (fusd_node_exists(dev->name)) {
		kfree(dev);
		return -EEXIST;
	}
	mutex_lock(&fusd_mutex);
	if (fusd_dev_taken(chan, id, dev->name)) {
		ret = -EEXIST;
		goto err_free;
	}
	minor = ida_alloc_range(&fusd_minors, 1, FUSD_MINORS - 1, GFP_KERNEL);
	if (minor < 0) {
		ret = minor;
		goto err_free;
	}
	/* from here on, put_device() frees dev, the minor and the chan ref */
	kref_get(&chan->ref);
	dev->chan = chan;
	device_initialize(&dev->dev);
	dev->dev.class = fusd_class;
	dev->dev.type = &fusd_type;
	dev->dev.devt = MKDEV(MAJOR(fusd_devt), minor);
	dev->dev.release = fusd_dev_release;
	ret = dev_set_name(&dev->dev, "%s", dev->name);
	if (ret)
		goto err_put;
	cdev_init(&dev->cdev, &fusd_dev_fops);
	dev->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&dev->cdev, &dev->dev);
	if (ret)
		goto err_put;
	list_add_tail(&dev->all_entry, &fusd_all_devs);
	spin_lock(&chan->lock);
	list_add_tail(&dev->chan_entry, &chan->devs);
	spin_unlock(&chan->lock);
	mutex_unlock(&fusd_mutex);
	return 0;

err_put:
	mutex_unlock(&fusd_mutex);
	put_device(&dev->dev);
	return ret;
err_free:
	mutex_unlock(&fusd_mutex);
	kfree(dev);
	return ret;
}

/* Tear down @dev, already off chan->devs; fusd_mutex held. */
static void fusd_dev_kill(struct fusd_dev *dev)
{
	struct fusd_chan *chan = dev->chan;
	struct fusd_file *ff;

	spin_lock(&chan->lock);
	dev->dead = true;
	dev->poll_mask = FUSD_DEAD_MASK;
	list_for_each_entry(ff, &dev->files, dev_entry) {
		WRITE_ONCE(ff->poll_mask, FUSD_DEAD_MASK);
		wake_up_interruptible_poll(&ff->pollq, FUSD_DEAD_MASK);
	}
	spin_unlock(&chan->lock);
	fusd_req_fail_dev(chan, dev->id);
	list_del(&dev->all_entry);
	cdev_device_del(&dev->cdev, &dev->dev);
	put_device(&dev->dev);
}

/* Find the live device @id of @chan; chan->lock held. */
static struct fusd_dev *fusd_dev_find(struct fusd_chan *chan, u32 id)
{
	struct fusd_dev *dev;

	list_for_each_entry(dev, &chan->devs, chan_entry) {
		if (dev->id == id)
			return dev;
	}
	return NULL;
}

int fusd_dev_unregister(struct fusd_chan *chan, u32 id)
{
	struct fusd_dev *dev;

	mutex_lock(&fusd_mutex);
	spin_lock(&chan->lock);
	dev = fusd_dev_find(chan, id);
	if (dev)
		list_del(&dev->chan_entry);
	spin_unlock(&chan->lock);
	if (dev)
		fusd_dev_kill(dev);
	mutex_unlock(&fusd_mutex);
	return dev ? 0 : -ENOENT;
}

void fusd_dev_unregister_all(struct fusd_chan *chan)
{
	struct fusd_dev *dev, *tmp;
	LIST_HEAD(devs);

	mutex_lock(&fusd_mutex);
	spin_lock(&chan->lock);
	list_splice_init(&chan->devs, &devs);
	spin_unlock(&chan->lock);
	list_for_each_entry_safe(dev, tmp, &devs, chan_entry) {
		list_del(&dev->chan_entry);
		fusd_dev_kill(dev);
	}
	mutex_unlock(&fusd_mutex);
}

int fusd_dev_poll_notify(struct fusd_chan *chan, u32 id, u32 fh_id,
			 __poll_t mask)
{
	struct fusd_file *ff;
	struct fusd_dev *dev;
	int ret = -ENOENT;

	spin_lock(&chan->lock);
	dev = fusd_dev_find(chan, id);
	if (!dev)
		goto out;
	if (!fh_id)
		dev->poll_mask = mask;
	list_for_each_entry(ff, &dev->files, dev_entry) {
		if (fh_id && ff->fh_id != fh_id)
			continue;
		fusd_file_set_mask(ff, mask);
		ret = 0;
	}
	if (!fh_id)
		ret = 0;
out:
	spin_unlock(&chan->lock);
	return ret;
}

/* A file's poll mask changes; chan->lock held. */
void fusd_file_set_mask(struct fusd_file *ff, __poll_t mask)
{
	WRITE_ONCE(ff->poll_mask, mask);
	wake_up_interruptible_poll(&ff->pollq, mask);
}

/* Is @f a shmem file that can neither shrink nor grow? */
static bool fusd_shm_ok(struct file *f, u64 size)
{
	const unsigned int seals = F_SEAL_SHRINK | F_SEAL_GROW;
	struct inode *inode = file_inode(f);

	if (!shmem_file(f) || !(f->f_mode & FMODE_WRITE))
		return false;
	if ((SHMEM_I(inode)->seals & seals) != seals)
		return false;
	return i_size_read(inode) == size;
}

int fusd_dev_set_shm(struct fusd_chan *chan, const struct fusd_shm *shm)
{
	struct fusd_dev *dev;
	struct file *f;
	int ret = 0;

	if (shm->reserved[0] || shm->reserved[1] || !shm->size ||
	    shm->size > FUSD_SHM_MAX || !PAGE_ALIGNED(shm->size))
		return -EINVAL;
	f = fget(shm->fd);
	if (!f)
		return -EBADF;
	if (!fusd_shm_ok(f, shm->size)) {
		fput(f);
		return -EINVAL;
	}
	spin_lock(&chan->lock);
	dev = fusd_dev_find(chan, shm->dev_id);
	if (!dev) {
		ret = -ENOENT;
	} else if (dev->shm) {
		ret = -EBUSY;
	} else {
		dev->shm = f;
		dev->shm_size = shm->size;
		f = NULL;
	}
	spin_unlock(&chan->lock);
	if (f)
		fput(f);
	return ret;
}

static int fusd_dev_open(struct inode *inode, struct file *file)
{
	struct fusd_dev *dev = container_of(inode->i_cdev, struct fusd_dev,
					    cdev);
	struct fusd_chan *chan = dev->chan;
	struct fusd_file *ff;
	struct fusd_req *req;
	s64 res;

	ff = kzalloc(sizeof(*ff), GFP_KERNEL);
	if (!ff)
		return -ENOMEM;
	ff->release = fusd_req_alloc(FUSD_RELEASE, 0);
	req = fusd_req_alloc(FUSD_OPEN, 0);
	if (!ff->release || !req) {
		res = -ENOMEM;
		goto err_free;
	}
	get_device(&dev->dev);
	ff->dev = dev;
	init_waitqueue_head(&ff->pollq);

	spin_lock(&chan->lock);
	if (dev->dead) {
		spin_unlock(&chan->lock);
		res = -ENODEV;
		goto err_put;
	}
	ff->fh_id = ++chan->next_fh_id ? : ++chan->next_fh_id;
	ff->poll_mask = dev->poll_mask;
	list_add_tail(&ff->dev_entry, &dev->files);
	dev->open_count++;
	spin_unlock(&chan->lock);

	file->private_data = ff;
	if (!(dev->flags & FUSD_DEV_SEEKABLE))
		stream_open(inode, file);
	req->hdr.flags = file->f_flags;
	res = fusd_req_call(ff, req);
	if (res < 0)
		goto err_unlink;
	fusd_req_put(req);
	return 0;

err_unlink:
	spin_lock(&chan->lock);
	list_del(&ff->dev_entry);
	dev->open_count--;
	spin_unlock(&chan->lock);
err_put:
	put_device(&dev->dev);
err_free:
	fusd_req_put(req);
	fusd_req_put(ff->release);
	kfree(ff);
	return res;
}

static int fusd_dev_release_file(struct inode *inode, struct file *file)
{
	struct fusd_file *ff = file->private_data;
	struct fusd_dev *dev = ff->dev;

	spin_lock(&dev->chan->lock);
	list_del(&ff->dev_entry);
	dev->open_count--;
	spin_unlock(&dev->chan->lock);
	ff->release->hdr.flags = file->f_flags;
	fusd_req_send_release(ff);
	put_device(&dev->dev);
	kfree(ff);
	return 0;
}

static ssize_t fusd_dev_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	u32 n = min_t(size_t, count, FUSD_MAX_PAYLOAD);
	struct fusd_req *req;
	s64 res;

	if (!n)
		return 0;
	req = fusd_req_alloc(FUSD_READ, 0);
	if (!req)
		return -ENOMEM;
	req->hdr.flags = file->f_flags;
	req->hdr.size = n;
	req->hdr.offset = ppos ? *ppos : 0;
	req->out_max = n;
	res = fusd_req_call(file->private_data, req);
	if (res > 0) {
		if (copy_to_user(buf, fusd_reply_payload(req), res))
			res = -EFAULT;
		else if (ppos)
			*ppos += res;
	}
	fusd_req_put(req);
	return res;
}

static ssize_t fusd_dev_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	u32 n = min_t(size_t, count, FUSD_MAX_PAYLOAD);
	struct fusd_req *req;
	s64 res;

	if (!n)
		return 0;
	req = fusd_req_alloc(FUSD_WRITE, n);
	if (!req)
		return -ENOMEM;
	if (copy_from_user(req->data, buf, n)) {
		res = -EFAULT;
		goto out;
	}
	req->hdr.flags = file->f_flags;
	req->hdr.size = n;
	req->hdr.offset = ppos ? *ppos : 0;
	res = fusd_req_call(file->private_data, req);
	if (res > 0 && ppos)
		*ppos += res;
out:
	fusd_req_put(req);
	return res;
}

static long fusd_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	u32 size = _IOC_SIZE(cmd);
	u32 in = (_IOC_DIR(cmd) & _IOC_WRITE) ? size : 0;
	struct fusd_req *req;
	s64 res;

	req = fusd_req_alloc(FUSD_IOCTL, in);
	if (!req)
		return -ENOMEM;
	if (in && copy_from_user(req->data, uarg, in)) {
		res = -EFAULT;
		goto out;
	}
	req->hdr.flags = file->f_flags;
	req->hdr.arg = cmd;
	req->hdr.offset = arg;
	req->hdr.size = size;
	req->out_max = (_IOC_DIR(cmd) & _IOC_READ) ? size : 0;
	res = fusd_req_call(file->private_data, req);
	if (res >= 0 && req->reply_len &&
	    copy_to_user(uarg, fusd_reply_payload(req), req->reply_len))
		res = -EFAULT;
out:
	fusd_req_put(req);
	return res;
}

#ifdef CONFIG_COMPAT
static long fusd_dev_compat_ioctl(struct file *file, unsigned int cmd,
				  unsigned long arg)
{
	return fusd_dev_ioctl(file, cmd, (unsigned long)compat_ptr(arg));
}
#endif

static __poll_t fusd_dev_poll(struct file *file, poll_table *wait)
{
	struct fusd_file *ff = file->private_data;

	poll_wait(file, &ff->pollq, wait);
	return READ_ONCE(ff->poll_mask);
}

static int fusd_dev_flush(struct file *file, fl_owner_t id)
{
	struct fusd_file *ff = file->private_data;
	struct fusd_req *req;
	s64 res;

	if (!(ff->dev->flags & FUSD_DEV_FLUSH))
		return 0;
	req = fusd_req_alloc(FUSD_FLUSH, 0);
	if (!req)
		return -ENOMEM;
	req->hdr.flags = file->f_flags;
	res = fusd_req_call(ff, req);
	fusd_req_put(req);
	return res;
}

/* Ask the daemon whether this mapping may be made (FUSD_DEV_MMAP_CHECK). */
static int fusd_dev_mmap_check(struct file *file, struct vm_area_struct *vma)
{
	struct fusd_req *req;
	s64 res;

	req = fusd_req_alloc(FUSD_MMAP, 0);
	if (!req)
		return -ENOMEM;
	req->hdr.flags = file->f_flags;
	req->hdr.offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
	req->hdr.size = vma->vm_end - vma->vm_start;
	req->hdr.arg = (vma->vm_flags & VM_READ ? PROT_READ : 0) |
		       (vma->vm_flags & VM_WRITE ? PROT_WRITE : 0) |
		       (vma->vm_flags & VM_EXEC ? PROT_EXEC : 0);
	if (vma->vm_flags & VM_SHARED)
		req->hdr.xflags |= FUSD_REQ_MAP_SHARED;
	res = fusd_req_call(file->private_data, req);
	fusd_req_put(req);
	return res;
}

/*
 * Map the device's shared memory: the vma becomes a mapping of the memfd
 * itself (vma_set_file), so every client and the daemon share its pages.
 */
static int fusd_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct fusd_file *ff = file->private_data;
	struct fusd_dev *dev = ff->dev;
	unsigned long len = vma->vm_end - vma->vm_start;
	struct file *shm;
	u64 size, off;
	int ret;

	spin_lock(&dev->chan->lock);
	shm = dev->dead ? NULL : dev->shm;
	size = dev->shm_size;
	if (shm)
		get_file(shm);
	spin_unlock(&dev->chan->lock);
	if (!shm)
		return dev->dead ? -ENODEV : -ENXIO;
	off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	ret = -ENXIO;
	if (vma->vm_pgoff > (size >> PAGE_SHIFT) || len > size - off)
		goto out;
	if (dev->flags & FUSD_DEV_MMAP_CHECK) {
		ret = fusd_dev_mmap_check(file, vma);
		if (ret)
			goto out;
	}
	vma_set_file(vma, shm);
	ret = call_mmap(shm, vma);
out:
	fput(shm);
	return ret;
}

static loff_t fusd_dev_llseek(struct file *file, loff_t offset, int whence)
{
	struct fusd_file *ff = file->private_data;
	struct fusd_req *req;
	s64 res;

	if (!(ff->dev->flags & FUSD_DEV_SEEKABLE))
		return -ESPIPE;
	if (whence == SEEK_CUR) {
		if (!offset)
			return file->f_pos;
		if (check_add_overflow(offset, file->f_pos, &offset))
			return -EOVERFLOW;
		whence = SEEK_SET;
	}
	req = fusd_req_alloc(FUSD_LLSEEK, 0);
	if (!req)
		return -ENOMEM;
	req->hdr.flags = file->f_flags;
	req->hdr.offset = offset;
	req->hdr.arg = whence;
	res = fusd_req_call(ff, req);
	if (res >= 0)
		file->f_pos = res;
	fusd_req_put(req);
	return res;
}

const struct file_operations fusd_dev_fops = {
	.owner = THIS_MODULE,
	.open = fusd_dev_open,
	.release = fusd_dev_release_file,
	.read = fusd_dev_read,
	.write = fusd_dev_write,
	.unlocked_ioctl = fusd_dev_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = fusd_dev_compat_ioctl,
#endif
	.poll = fusd_dev_poll,
	.flush = fusd_dev_flush,
	.llseek = fusd_dev_llseek,
	.mmap = fusd_dev_mmap,
};
