package org.fusd.host.device;

/** A device as served by a channel: what the device may ask of it. */
public interface DeviceNode {

    /** Tell pollers of this device that its poll mask may have changed. */
    void notifyPollers();
}
