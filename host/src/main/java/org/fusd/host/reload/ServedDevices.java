package org.fusd.host.reload;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.fusd.host.device.Device;
import org.fusd.host.driver.ScriptDevice;

/**
 * The devices a host serves now, each with what its channel was given for it
 * (the device itself, or a decorator such as --trace's). Hot reload adds the
 * devices a new version of a script defines and takes away the ones it drops
 * once their last file is closed; status and takeover read it live.
 */
public final class ServedDevices {
    private final List<ScriptDevice> order = new CopyOnWriteArrayList<>();
    private final Map<ScriptDevice, Device> served = new ConcurrentHashMap<>();

    public void add(ScriptDevice device, Device onChannel) {
        if (served.putIfAbsent(device, onChannel) == null) {
            order.add(device);
        }
    }

    public void remove(ScriptDevice device) {
        served.remove(device);
        order.remove(device);
    }

    /** The devices in the order they were added (a live, thread-safe view). */
    public List<ScriptDevice> devices() {
        return order;
    }

    /** Each device with what the channel was given for it (a live, thread-safe view). */
    public Map<ScriptDevice, Device> onChannel() {
        return served;
    }

    /** What the channel was given for device, or null if it is not served. */
    public Device onChannel(ScriptDevice device) {
        return served.get(device);
    }
}
