package org.fusd.host.driver;

/** The device calls a script can implement; the name is the callback's name in both languages. */
enum Op {
    OPEN("open"),
    READ("read"),
    WRITE("write"),
    IOCTL("ioctl"),
    POLL("poll"),
    FLUSH("flush"),
    RELEASE("release");

    final String callback;

    Op(String callback) {
        this.callback = callback;
    }
}
