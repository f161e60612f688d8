package org.fusd.host.io;

import java.io.Closeable;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.graalvm.polyglot.Value;

/** A listening TCP or unix socket: accept() gives each connection as a stream. */
public final class ServerHandle extends ApiObject implements Closeable {
    private final IoSession session;
    private final ServerSocketChannel ch;
    private final Serial acceptor = new Serial();

    ServerHandle(IoSession session, ServerSocketChannel ch) {
        this.session = session;
        this.ch = ch;
        member("accept", this::accept);
        member("port", a -> port());
        member("close", a -> {
            close();
            return null;
        });
    }

    /** accept() → stream: the next connection. */
    public Object accept(Value... all) {
        IoSession.Args a = new IoSession.Args("server.accept", all);
        return session.start(a, acceptor, () -> {
            SocketChannel c = ch.accept();
            return StreamHandle.start(session, new SocketPipe(c), "connection " + c.getRemoteAddress());
        });
    }

    /** The port it listens on (the one picked, for port 0); -1 for a unix socket. */
    public int port() {
        try {
            return ch.getLocalAddress() instanceof InetSocketAddress i ? i.getPort() : -1;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        session.forget(this);
        IoSession.closeQuietly(ch);
    }
}
