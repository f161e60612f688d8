package org.fusd.host.testing;

/**
 * The calls a driver test makes on a device, as a process would make them:
 * each returns at once with the pending {@link ClientCall}. Files are small
 * numbers (file descriptors on a real channel). Implementations: in process on
 * the loopback channel ({@link LoopbackClient}), or real system calls from a
 * separate process on a mounted channel ({@link ProcessClient}).
 */
public interface Client extends AutoCloseable {
    /** "Same as the test host": no uid or gid switch. */
    int SAME_ID = -1;

    /** open(2) of the device; the answer is the file (an Integer). uid/gid: who opens it, or SAME_ID. */
    ClientCall open(String device, int flags, int uid, int gid);

    /** read(2) of at most size bytes; the answer is a byte[]. */
    ClientCall read(int file, int size);

    /** write(2); the answer is the count written (an Integer). */
    ClientCall write(int file, byte[] data);

    /**
     * ioctl(2). For a command with _IOC_WRITE, in holds its _IOC_SIZE bytes;
     * for one without direction bits, arg is the plain argument. The answer is
     * a {@link ClientCall.IoctlResult}.
     */
    ClientCall ioctl(int file, int cmd, long arg, byte[] in);

    /** poll(2) on one file for up to timeoutMs; the answer is the ready events (an Integer, 0 on timeout). */
    ClientCall poll(int file, int events, int timeoutMs);

    /** fcntl(F_SETFL, flags): O_NONBLOCK and O_APPEND can change; the answer is 0. */
    ClientCall setFlags(int file, int flags);

    /**
     * mmap(2) of length bytes of the file at offset, MAP_SHARED, with prot
     * (PROT_READ | PROT_WRITE); the answer is the mapping (an Integer).
     */
    ClientCall mmap(int file, long length, int prot, long offset);

    /** Copies length bytes at offset out of a mapping; the answer is a byte[]. */
    ClientCall mapRead(int map, long offset, int length);

    /** Stores data at offset into a mapping; the answer is 0. */
    ClientCall mapWrite(int map, long offset, byte[] data);

    /** munmap(2) of a mapping; the answer is 0. */
    ClientCall munmap(int map);

    /** close(2); the answer is 0. */
    ClientCall close(int file);

    /** The pid a driver sees in file.pid for this client's opens. */
    int pid();

    /** Ends the client (closing whatever it still holds). */
    @Override
    void close();
}
