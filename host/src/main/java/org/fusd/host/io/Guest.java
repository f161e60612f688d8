package org.fusd.host.io;

import org.graalvm.polyglot.Value;

/**
 * The script side of an {@link IoSession}: how results reach the script.
 * Implemented by the driver runtime for one loaded version of a script.
 */
public interface Guest {
    /**
     * Later, on the device thread between calls: {@code callback(error,
     * value)} under the script's budget, like a timer. value is a host value
     * (byte[] becomes the language's bytes, a Map an object) or a handle;
     * error null on success.
     */
    void complete(Value callback, IoError error, Object value);

    /**
     * A promise and the {@code (error, value)} function that settles it, for
     * a call without a callback (JS); null where a callback is required (Python).
     */
    Value[] promise();

    /** The bytes of a guest value (bytes, bytearray, ArrayBuffer, typed array; a string as UTF-8), or null. */
    byte[] bytesOf(Value v);

    /** One line for the person running the host. */
    void log(String line);
}
