package org.fusd.host.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A connected TCP or unix stream socket. */
final class SocketPipe implements Pipe {
    private final SocketChannel ch;

    SocketPipe(SocketChannel ch) {
        this.ch = ch;
    }

    @Override
    public int read(ByteBuffer b) throws IOException {
        return ch.read(b);
    }

    @Override
    public void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
