package org.fusd.host.channel.fusd;

import java.util.function.IntConsumer;
import org.fusd.host.device.Call;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.Errno;
import org.fusd.host.device.NodeLife;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.Reply;
import org.fusd.host.device.SilentEncoder;

/**
 * A device registered on the fusd channel: its dev_id, its open files and
 * whether it was removed. The {@link DeviceNode} handed to the device:
 * {@link #notifyPollers()} asks the device for each open file's mask and
 * pushes the answers with FUSD_POLL_NOTIFY (the kernel never asks: it
 * reports the mask it was last told).
 */
final class FusdNode implements DeviceNode {
    final FusdChannel channel;
    final Device device;
    final int devId;
    final String name;
    /** Between REGISTER and its record in the keeper's registry, or being unregistered; guarded by the channel. */
    boolean unsure;

    private final NodeLife<FusdFile> life;

    FusdNode(FusdChannel channel, Device device, int devId, String name) {
        this.channel = channel;
        this.device = device;
        this.devId = devId;
        this.name = name;
        // The module fails every call on an unregistered device: unregister only when nothing is open.
        this.life = new NodeLife<>(() -> {
            channel.unregister(this);
            device.detach(this);
        });
    }

    boolean isRemoved() {
        return life.isRemoved();
    }

    /** New opens fail from now on; unregistered at the last release (see {@link NodeLife}). */
    void remove() {
        life.remove();
    }

    void opened(FusdFile f) {
        life.opened(f);
    }

    void released(FusdFile f) {
        life.released(f);
    }

    @Override
    public void notifyPollers() {
        for (FusdFile f : life.files()) {
            refreshPoll(f);
        }
    }

    /**
     * Asks the device for f's mask and pushes it (FUSD_POLL_NOTIFY). A
     * refresh already queued for f is enough: it runs after whatever state
     * change led here.
     */
    void refreshPoll(FusdFile f) {
        if (f.refreshQueued.compareAndSet(false, true)) {
            ask(f, new PollPush(f, f.ask(), null));
        }
    }

    /**
     * Asks the device for f's mask and gives then the mask to carry in the
     * reply it is about to send (FUSD_REPLY_POLL), or -1 if it did not change.
     */
    void pollForReply(FusdFile f, IntConsumer then) {
        ask(f, new PollPush(f, f.ask(), then));
    }

    private void ask(FusdFile f, PollPush push) {
        PollReply r = new PollReply(push, 0);
        try {
            device.poll(new Call.Poll(f.file), r);
        } catch (RuntimeException e) {
            r.error(Errno.EIO);
        }
    }

    /**
     * The answer to a poll the channel asked on its own, never written as a
     * reply: pushed with POLL_NOTIFY, or handed to carry for the reply about
     * to be sent.
     */
    private final class PollPush extends SilentEncoder {
        private final FusdFile f;
        private final long seq;
        private final IntConsumer carry;
        private int carried = -1;

        PollPush(FusdFile f, long seq, IntConsumer carry) {
            this.f = f;
            this.seq = seq;
            this.carry = carry;
        }

        @Override
        public void polled(PollReply r, int mask) {
            if (carry != null) {
                carried = f.claimMask(seq, mask);
            } else {
                f.pushMask(channel, seq, mask);
            }
        }

        @Override
        public void error(Reply r, Errno errno) {
            // no mask: the last one pushed stays
        }

        @Override
        public void settled(Reply r, Object lentBuffer) {
            if (carry != null) {
                carry.accept(carried); // the reply goes out whatever the answer
            } else {
                f.refreshQueued.set(false);
            }
        }
    }
}
