package org.fusd.host.channel;

import java.io.IOException;
import org.fusd.host.device.Device;

/** A way for the kernel's calls on device files to reach devices in this process. */
public interface Channel extends AutoCloseable {

    /** Short name used by --channel: fuse, cuse, fusd, loopback. */
    String kind();

    /** Makes the device appear (node created, calls delivered). */
    void add(Device device) throws IOException;

    /** New opens of the name fail; files already open keep working until closed. */
    void remove(String name);

    /** Where a user finds a device, e.g. /run/fusd/hello or /dev/hello. */
    String pathOf(String name);

    /** Stops serving, removes every node. Idempotent. */
    @Override
    void close();
}
