package org.fusd.host.driver;

/** A driver script could not be loaded; the message names the file (and line when known). */
public final class ScriptLoadException extends RuntimeException {
    public ScriptLoadException(String message) {
        super(message, null, false, false);
    }
}
