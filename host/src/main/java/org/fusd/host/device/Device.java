package org.fusd.host.device;

import java.nio.ByteBuffer;

/**
 * A character device as channels see it. Every call is asynchronous: the
 * device answers through the {@link Reply}, now or later. Calls arrive on a
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

    void open(OpenFile file, Reply reply);

    void read(OpenFile file, int size, long offset, Reply reply);

    /** data (position to limit) is valid until the reply completes. */
    void write(OpenFile file, ByteBuffer data, long offset, Reply reply);

    /**
     * An ioctl. {@code in} holds the _IOC_SIZE bytes copied from the caller for
     * _IOW/_IOWR commands (else empty); {@code outSize} is how many bytes the
     * caller expects back for _IOR/_IOWR.
     */
    void ioctl(OpenFile file, int cmd, long arg, ByteBuffer in, int outSize, Reply reply);

    /**
     * An ioctl with access to more of the caller's memory than the encoded
     * struct (see {@link IoctlMemory}). Channels call this one; a device that
     * only serves _IOC-encoded commands need not implement it.
     */
    default void ioctl(OpenFile file, int cmd, long arg, ByteBuffer in, int outSize, IoctlMemory memory, Reply reply) {
        ioctl(file, cmd, arg, in, outSize, reply);
    }

    /** Answer with the current event mask via {@link Reply#count(int)}. */
    void poll(OpenFile file, Reply reply);

    /**
     * False while {@link #poll} answers the same mask whatever the calls (a
     * device without a poll of its own): a channel that pushes masks to the
     * kernel (fusd) then need not ask again after every call. A device whose
     * answer starts to vary calls {@link DeviceNode#notifyPollers()}.
     */
    default boolean pollVaries() {
        return true;
    }

    void flush(OpenFile file, Reply reply);

    /** The last close; the reply's errno is not seen by anyone. */
    void release(OpenFile file, Reply reply);
}
