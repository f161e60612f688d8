package org.fusd.host.channel.fusd;

import org.fusd.host.device.OpenFile;

/**
 * One open file of a fusd device: the kernel's fh_id, the host's OpenFile and
 * the poll mask last pushed for it. Pushes are ordered by a sequence number
 * taken when the device was asked for its mask, so a slow answer to an old
 * question never overwrites a newer mask.
 */
final class FusdFile {
    final FusdNode node;
    final int fhId;
    final OpenFile file;
    /** Writes the answers to this file's requests. */
    final FusdEncoder encoder;
    /** Where the keeper's registry records this file (FusdChannel.Log), 0: not recorded. */
    volatile int slot;

    private long asked; // guarded by this
    private long pushed; // guarded by this
    private int mask = -1; // last mask pushed; guarded by this
    /** A refresh is queued on the device and not answered yet: another one would be redundant. */
    final java.util.concurrent.atomic.AtomicBoolean refreshQueued = new java.util.concurrent.atomic.AtomicBoolean();

    FusdFile(FusdNode node, int fhId, OpenFile file) {
        this.node = node;
        this.fhId = fhId;
        this.file = file;
        this.encoder = new FusdEncoder(node.channel, this);
    }

    /** A new question to the device; its answer goes to {@link #pushMask}. */
    synchronized long ask() {
        return ++asked;
    }

    /**
     * The mask to carry in a reply (FUSD_REPLY_POLL), recorded as pushed; -1
     * if a newer answer was pushed or it did not change.
     */
    synchronized int claimMask(long seq, int newMask) {
        if (seq <= pushed) {
            return -1;
        }
        pushed = seq;
        int m = newMask & FusdAbi.FUSD_POLL_ALL;
        if (m == mask) {
            return -1;
        }
        mask = m;
        return m;
    }

    /** Sends the mask unless a newer answer was sent or it did not change. */
    synchronized void pushMask(FusdChannel channel, long seq, int newMask) {
        if (seq <= pushed) {
            return;
        }
        pushed = seq;
        int m = newMask & FusdAbi.FUSD_POLL_ALL;
        if (m == mask) {
            return;
        }
        mask = m;
        channel.sendPollNotify(node.devId, fhId, m);
    }
}
