package org.fusd.host.fuse;

/**
 * Told of every request a connection reads that expects an answer, and of
 * every answer written, so that a host started after this one crashes can
 * answer the requests it left behind (see org.fusd.host.keeper.Journal).
 * Called on reader and replying threads; must be cheap.
 */
public interface ReadLog {
    /** The request numbered unique was read (before it is handled). */
    void read(long unique);

    /** The answer to unique was written. */
    void answered(long unique);
}
