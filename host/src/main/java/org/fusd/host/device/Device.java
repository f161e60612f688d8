package org.fusd.host.device;

/**
 * A character device as channels see it: one method per {@link Op}, each
 * taking the call as data and the reply that fits it. Every call is
 * asynchronous: the device answers through the reply, now or later. Calls arrive on a
 * channel thread; a device must not block it (the script runtime hands calls
 * to the device's own thread).
 */
public interface Device {

    /** Device name: the node is /dev/NAME (or DIR/NAME on the fuse channel). */
    String name();

    /** Permission bits of the node, e.g. 0666. */
    int mode();

    /**
     * The device number asked for, for channels that create a real character
     * device (cuse): major 0 means "any free number" (the default).
     */
    default int major() {
        return 0;
    }

    /** The minor number asked for along with {@link #major()}. */
    default int minor() {
        return 0;
    }

    /**
     * The channel serving this device; called before any call, and again with
     * a new node each time the device is added under another name.
     */
    void attach(DeviceNode node);

    /**
     * A node from {@link #attach} is gone: the device was removed from it and
     * its last open file is closed. Nothing calls through it any more.
     */
    default void detach(DeviceNode node) {}

    void open(Call.Open call, OpenReply reply);

    void read(Call.Read call, ReadReply reply);

    void write(Call.Write call, WriteReply reply);

    void ioctl(Call.Ioctl call, IoctlReply reply);

    /** Answers with the events ready now. */
    void poll(Call.Poll call, PollReply reply);

    /**
     * False while {@link #poll} answers the same mask whatever the calls (a
     * device without a poll of its own): a channel that pushes masks to the
     * kernel (fusd) then need not ask again after every call. A device whose
     * answer starts to vary calls {@link DeviceNode#notifyPollers()}.
     */
    default boolean pollVaries() {
        return true;
    }

    /**
     * What happens to a call the host had read when it crashed (fusd-keeper,
     * docs/takeover.md): true, the next host runs it again (export {@code
     * recovery = "reissue"}); false, its caller gets EIO ("fail", the default:
     * a write run twice is not safe in general).
     */
    default boolean reissuesAfterCrash() {
        return false;
    }

    void flush(Call.Flush call, DoneReply reply);

    /**
     * False if {@link #flush} does nothing worth a round trip: a channel that
     * must ask for flushes (fusd: FUSD_DEV_FLUSH) then does not.
     */
    default boolean hasFlush() {
        return true;
    }

    /**
     * True if the file has a position: pread/pwrite and lseek work and reads
     * and writes carry their offset (fusd: FUSD_DEV_SEEKABLE). Channels that
     * cannot seek ignore it.
     */
    default boolean seekable() {
        return false;
    }

    /** Moves the file position (seekable devices only); the default knows no size: SEEK_SET only. */
    default void llseek(Call.Llseek call, SeekReply reply) {
        if (call.whence() == 0) {
            reply.position(call.offset());
        } else {
            reply.error(Errno.EINVAL);
        }
    }

    /** Memory clients may mmap, or null (channels that map devices: fusd). */
    default SharedMemory sharedMemory() {
        return null;
    }

    /**
     * Takes over another host's shared memory in place of this device's own (its memfd, passed
     * in a takeover or held by the keeper across a crash); see {@link SharedMemory#adopt}. A
     * script device does it on its own thread between two callbacks, so that no timer is halfway
     * through a frame when the pages change under it.
     */
    default void adoptSharedMemory(int fd) throws java.io.IOException {
        sharedMemory().adopt(fd);
    }

    /** True if {@link #mmap} wants to see each mapping (it may refuse). */
    default boolean checksMmap() {
        return false;
    }

    /** A client maps the shared memory: ok, or an errno that the mmap(2) fails with. */
    default void mmap(Call.Mmap call, DoneReply reply) {
        reply.ok();
    }

    /** The last close; the reply's errno is not seen by anyone. */
    void release(Call.Release call, DoneReply reply);
}
