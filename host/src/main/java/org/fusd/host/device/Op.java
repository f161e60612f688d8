package org.fusd.host.device;

/** The operations on an open device file; the name is the script callback's name in both languages. */
public enum Op {
    OPEN("open"),
    READ("read"),
    WRITE("write"),
    IOCTL("ioctl"),
    POLL("poll"),
    FLUSH("flush"),
    RELEASE("release"),
    LLSEEK("llseek"),
    MMAP("mmap");

    private final String callback;

    Op(String callback) {
        this.callback = callback;
    }

    /** The script callback's name, also the name traces and messages use. */
    public String callback() {
        return callback;
    }
}
