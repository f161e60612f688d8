package org.fusd.host.takeover;

import org.fusd.host.device.Device;

/**
 * A channel whose kernel connections a successor host can take over: it
 * stops reading without reading another request, says which fds to pass,
 * and adds to each device's image what only it knows (node ids, fh and poll
 * handles). See docs/takeover.md.
 */
public interface HandsOver {
    String kind();

    /** Stops reading; false if a reader was still busy after millis (then {@link #resumeReading}). */
    boolean pauseReading(long millis);

    /** Reads again: the takeover did not happen. */
    void resumeReading();

    /**
     * Fills in what only the channel knows of a device's image (after the pause). Throws
     * IllegalStateException if the device cannot be handed over now.
     */
    HostImage.DeviceImage complete(HostImage.DeviceImage d, Device device);

    /** The connection fds to pass, in the order the completed images refer to them. */
    int[] fds();

    /** The fuse mount directory, or null for channels without one. */
    String mountPoint();

    /** The node id the next device gets (fuse), else 0. */
    long nextNodeid();

    /** Starts reading on the connections a successor adopted. */
    void startReading();
}
