#!/bin/busybox sh
# shellcheck shell=dash
# /init of the vmtest initramfs (busybox sh, PID 1). Loads the modules listed
# in /etc/modules.list, mounts the host root (9p, read-only) and the results
# share, prepares a chroot and runs guest.sh there, then powers off.
# Lines starting with "vmtest:" are read by the host (timing, progress).

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "vmtest: init"

while read -r m; do
    insmod "/lib/modules/$m.ko" || echo "vmtest: insmod $m failed"
done </etc/modules.list

# cache=loose: without it the JVM takes 4-30 s to start over 9p.
p9="trans=virtio,version=9p2000.L,msize=512000"
mount -t 9p -o "$p9,cache=loose,ro" hostroot /newroot || echo "vmtest: mount hostroot failed"
mount -t 9p -o "$p9" results /results || echo "vmtest: mount results failed"
# shellcheck source=/dev/null # written by scripts/vmtest at run time
. /results/vmtest.env
echo "vmtest: up"

R=/newroot
mkdir -p /orig
mount --bind $R /orig   # the 9p root as it is, before tmpfs hides parts of it
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p /dev/pts /dev/shm
# What udev would add; bash's <(...) needs /dev/fd.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
mount -t tmpfs -o mode=1777 tmpfs $R/tmp
mount -t tmpfs -o mode=755 tmpfs $R/run
mkdir -p $R/tmp/home
mount -t tmpfs -o mode=700 tmpfs $R/tmp/home
case $FUSD_REPO in
    /tmp/* | /run/*)    # a checkout under /tmp: show it through the tmpfs
        mkdir -p "$R$FUSD_REPO"
        mount --bind "/orig$FUSD_REPO" "$R$FUSD_REPO" ;;
esac
mount --bind /results "$R$FUSD_RESULTS"
hostname localhost
ip link set lo up

if [ -n "$FUSD_KO" ]; then
    if out=$(insmod "$R$FUSD_KO" 2>&1); then
        FUSD_KO_STATUS=loaded
    else
        FUSD_KO_STATUS="insmod failed: $out"
    fi
fi
echo "$FUSD_KO_STATUS" > /results/fusd-ko.status
echo "vmtest: fusd.ko: $FUSD_KO_STATUS"
export FUSD_KO_STATUS

export HOME=/tmp/home LANG=C.UTF-8 TERM=${TERM:-linux}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if [ "$VMTEST_SHELL" = 1 ]; then
    echo "vmtest: shell (exit to power off)"
    # cttyhack gives the shell the serial console as controlling tty (job control, ^C).
    setsid cttyhack chroot $R /bin/bash -c "cd '$FUSD_REPO' && exec bash -i"
else
    chroot $R /bin/bash "$FUSD_REPO/scripts/vmtest.d/guest.sh"
fi

sync
echo "vmtest: poweroff"
reboot -f
