package org.fusd.host.io;

/** A driver reached for something it was not granted; the message names the flag to add. */
public final class GrantException extends SecurityException {
    private static final long serialVersionUID = 1L;

    /** The kind of grant that was missing. */
    public final transient Grants.Kind kind;

    public GrantException(String message, Grants.Kind kind) {
        super(message);
        this.kind = kind;
    }
}
