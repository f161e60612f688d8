// SPDX-License-Identifier: GPL-2.0
/*
 * fusd.ko: module setup, the fusd device class and the status file
 *
 * The module owns one char device region: minor 0 is the control node
 * /dev/fusd that daemons open (chan.c), the other minors are the devices
 * the daemons register (device.c).  All nodes belong to the "fusd" class, and
 * its device type's devnode callback gives devtmpfs (and, through the
 * DEVMODE/DEVUID/DEVGID uevent variables, udev) each node's mode and owner.
 * The status listing lives in debugfs at fusd/status.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/seq_file.h>

#include "fusd_int.h"

static int group = -1;
module_param(group, int, 0444);
MODULE_PARM_DESC(group, "gid whose members may open /dev/fusd (-1: CAP_SYS_ADMIN only)");

/* Every registered device, for name checks and the status file. */
DEFINE_MUTEX(fusd_mutex);
LIST_HEAD(fusd_all_devs);		/* protected by fusd_mutex */

struct class *fusd_class;
dev_t fusd_devt;
DEFINE_IDA(fusd_minors);

static struct cdev fusd_ctl_cdev;
static struct device *fusd_ctl_dev;
static struct dentry *fusd_debugfs;

bool fusd_may_control(void)
{
	if (capable(CAP_SYS_ADMIN))
		return true;
	return group >= 0 && in_group_p(make_kgid(&init_user_ns, group));
}

#ifdef FUSD_CONST_DEVNODE
static char *fusd_devnode(const struct device *d, umode_t *mode,
			  kuid_t *uid, kgid_t *gid)
#else
static char *fusd_devnode(struct device *d, umode_t *mode,
			  kuid_t *uid, kgid_t *gid)
#endif
{
	const struct fusd_dev *dev;

	if (MINOR(d->devt) == 0) {
		if (mode)
			*mode = group >= 0 ? 0660 : 0600;
		if (gid && group >= 0)
			*gid = make_kgid(&init_user_ns, group);
		return NULL;
	}
	dev = container_of(d, struct fusd_dev, dev);
	if (mode)
		*mode = dev->mode;
	if (uid)
		*uid = dev->uid;
	if (gid)
		*gid = dev->gid;
	return NULL;
}

const struct device_type fusd_type = {
	.name = "fusd",
	.devnode = fusd_devnode,
};

static void fusd_ctl_dev_release(struct device *dev)
{
	kfree(dev);
}

static int fusd_status_show(struct seq_file *m, void *unused)
{
	struct fusd_dev *dev;
	unsigned int opens, pending;

	seq_puts(m, "name dev_id owner_pid open_count pending\n");
	mutex_lock(&fusd_mutex);
	list_for_each_entry(dev, &fusd_all_devs, all_entry) {
		spin_lock(&dev->chan->lock);
		opens = dev->open_count;
		pending = dev->pending;
		spin_unlock(&dev->chan->lock);
		seq_printf(m, "%s %u %d %u %u\n", dev->name, dev->id,
			   pid_vnr(dev->chan->owner), opens, pending);
	}
	mutex_unlock(&fusd_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fusd_status);

static int fusd_ctl_create(void)
{
	struct device *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	device_initialize(dev);
	dev->class = fusd_class;
	dev->type = &fusd_type;
	dev->devt = MKDEV(MAJOR(fusd_devt), 0);
	dev->release = fusd_ctl_dev_release;
	ret = dev_set_name(dev, "fusd");
	if (ret)
		goto err_put;
	cdev_init(&fusd_ctl_cdev, &fusd_ctl_fops);
	fusd_ctl_cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&fusd_ctl_cdev, dev);
	if (ret)
		goto err_put;
	fusd_ctl_dev = dev;
	return 0;

err_put:
	put_device(dev);
	return ret;
}

static int __init fusd_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&fusd_devt, 0, FUSD_MINORS, "fusd");
	if (ret)
		return ret;
#ifdef FUSD_CLASS_CREATE_NO_OWNER
	fusd_class = class_create("fusd");
#else
	fusd_class = class_create(THIS_MODULE, "fusd");
#endif
	if (IS_ERR(fusd_class)) {
		ret = PTR_ERR(fusd_class);
		goto err_region;
	}
	ret = fusd_ctl_create();
	if (ret)
		goto err_class;
	fusd_debugfs = debugfs_create_dir("fusd", NULL);
	debugfs_create_file("status", 0444, fusd_debugfs, NULL,
			    &fusd_status_fops);
	return 0;

err_class:
	class_destroy(fusd_class);
err_region:
	unregister_chrdev_region(fusd_devt, FUSD_MINORS);
	return ret;
}

static void __exit fusd_exit(void)
{
	debugfs_remove_recursive(fusd_debugfs);
	cdev_device_del(&fusd_ctl_cdev, fusd_ctl_dev);
	put_device(fusd_ctl_dev);
	class_destroy(fusd_class);
	unregister_chrdev_region(fusd_devt, FUSD_MINORS);
	ida_destroy(&fusd_minors);
}

module_init(fusd_init);
module_exit(fusd_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("fusd: character devices served by user-space daemons");
MODULE_VERSION("1.0");
