package org.fusd.host.io;

import java.io.Closeable;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import org.graalvm.polyglot.Value;

/** A UDP socket: send(data, host, port), recv() → {data, host, port}. */
public final class UdpHandle extends ApiObject implements Closeable {
    private final IoSession session;
    private final DatagramChannel ch;
    private final Serial sender = new Serial();
    private final Serial receiver = new Serial();
    private final Grants grants;

    UdpHandle(IoSession session, DatagramChannel ch, Grants grants) {
        this.session = session;
        this.ch = ch;
        this.grants = grants;
        member("send", this::send);
        member("recv", this::recv);
        member("port", a -> port());
        member("close", a -> {
            close();
            return null;
        });
    }

    /** send(data, host, port) → bytes sent (each address needs --allow-net). */
    public Object send(Value... all) {
        IoSession.Args a = new IoSession.Args("udp.send", all);
        byte[] data = FileHandle.bytes(session, a, 0);
        String host = a.string(1, null);
        long port = a.number(2, Long.MIN_VALUE);
        return session.start(a, sender, () -> {
            grants.checkNet(host, (int) port);
            return ch.send(ByteBuffer.wrap(data), new InetSocketAddress(host, (int) port));
        });
    }

    /** recv() → {data, host, port}: the next datagram. */
    public Object recv(Value... all) {
        IoSession.Args a = new IoSession.Args("udp.recv", all);
        return session.start(a, receiver, () -> {
            ByteBuffer b = ByteBuffer.allocate(65536);
            InetSocketAddress from = (InetSocketAddress) ch.receive(b);
            return IoSession.datagram(Arrays.copyOf(b.array(), b.position()), from.getHostString(), from.getPort());
        });
    }

    /** The local port. */
    public int port() {
        try {
            return ((InetSocketAddress) ch.getLocalAddress()).getPort();
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
