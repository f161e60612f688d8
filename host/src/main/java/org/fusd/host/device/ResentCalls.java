package org.fusd.host.device;

/**
 * The rule for a call that a host read and never answered because it
 * crashed, sent again by the kernel to the host that took its place
 * (FUSE_NOTIFY_RESEND on fuse, FUSD_RESEND on fusd; docs/takeover.md,
 * "Crash survival"). One rule for every channel: the device's
 * {@code recovery} export decides ({@link Device#reissuesAfterCrash}).
 *
 * - "fail" (the default): the caller gets EIO. The dead host may have done
 *   the call's effect (a write taken, a byte consumed) or not; running it
 *   again is not safe in general, and an error is something a caller handles.
 * - "reissue": the call runs on the new host as if it had just arrived.
 *
 * A release always runs: the file is closed whatever the device's policy.
 */
public final class ResentCalls {
    private ResentCalls() {}

    /** True if a resent call (release: the file's last close) is answered EIO instead of run. */
    public static boolean fails(Device device, boolean release) {
        return !release && !device.reissuesAfterCrash();
    }

    /** What such a caller gets. */
    public static final Errno ERRNO = Errno.EIO;
}
