package org.fusd.host.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.fusd.host.sys.UnixSocket;

/**
 * A host's control socket ({@link RuntimeDir}/PID.sock): one request per
 * connection, served one at a time on a daemon thread. A request is one
 * frame: lines {@code fusd-control}, the protocol {@link #VERSION}, the
 * command and its arguments. The answer starts with a frame {@code ok} or
 * {@code error: why}; what follows is the command's (see {@link Request}).
 * `fusd-host status` and `fusd-host takeover` are its clients.
 */
public final class ControlServer implements AutoCloseable {
    public static final int VERSION = 1;
    static final String MAGIC = "fusd-control";

    /** Serves one command; it may talk on the connection for as long as the command needs. */
    @FunctionalInterface
    public interface Handler {
        void handle(Request request) throws IOException;
    }

    /** One request: the command, its arguments and the connection to answer on. */
    public record Request(String command, List<String> args, UnixSocket conn) {
        public void ok() throws IOException {
            conn.sendText("ok");
        }

        public void error(String why) throws IOException {
            conn.sendText("error: " + why);
        }
    }

    private final Path path;
    private final UnixSocket listener;
    private final Handler handler;
    private final Thread thread;

    private ControlServer(Path path, UnixSocket listener, Handler handler) {
        this.path = path;
        this.listener = listener;
        this.handler = handler;
        this.thread = Thread.ofPlatform().daemon().name("fusd-control").unstarted(this::serve);
    }

    /** Listens at this process's socket and serves requests with handler. */
    public static ControlServer start(Handler handler) throws IOException {
        RuntimeDir.create();
        Path path = RuntimeDir.socketOf(ProcessHandle.current().pid());
        ControlServer s = new ControlServer(path, UnixSocket.listen(path), handler);
        s.thread.start();
        return s;
    }

    public Path path() {
        return path;
    }

    private void serve() {
        while (true) {
            UnixSocket conn;
            try {
                conn = listener.accept();
            } catch (IOException e) {
                System.err.println("fusd: control socket " + path + ": " + e.getMessage());
                return;
            }
            if (conn == null) {
                return;
            }
            try (conn) {
                UnixSocket.Frame f = conn.receive();
                if (f == null) {
                    continue;
                }
                List<String> lines = Arrays.asList(f.text().split("\n", -1));
                if (lines.size() < 3 || !lines.get(0).equals(MAGIC)) {
                    conn.sendText("error: not a fusd control request");
                    continue;
                }
                if (!lines.get(1).equals(Integer.toString(VERSION))) {
                    conn.sendText("error: control protocol version " + lines.get(1) + " is not spoken here (this host: "
                            + VERSION + "); use the fusd-host that started it");
                    continue;
                }
                handler.handle(new Request(lines.get(2), lines.subList(3, lines.size()), conn));
            } catch (IOException | RuntimeException e) {
                System.err.println("fusd: control request failed: " + e);
            }
        }
    }

    /** Stops listening and removes the socket file. */
    @Override
    public void close() {
        listener.close();
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the directory went away: nothing to remove
        }
    }

    /** Connects to the host with pid and sends a request; the answer's first frame is checked. */
    public static UnixSocket request(long pid, String command, String... args) throws IOException {
        return request(new RuntimeDir.Host(pid, RuntimeDir.socketOf(pid)), command, args);
    }

    /** The same, for a host found by {@link RuntimeDir#visibleHosts} (its socket may be in another user's dir). */
    public static UnixSocket request(RuntimeDir.Host host, String command, String... args) throws IOException {
        long pid = host.pid();
        UnixSocket s = UnixSocket.connect(host.socket());
        try {
            StringBuilder b = new StringBuilder(MAGIC)
                    .append('\n')
                    .append(VERSION)
                    .append('\n')
                    .append(command);
            for (String a : args) {
                b.append('\n').append(a);
            }
            s.sendText(b.toString());
            UnixSocket.Frame answer = s.receive();
            if (answer == null) {
                throw new IOException("host " + pid + " closed the control connection");
            }
            if (!answer.text().equals("ok")) {
                throw new IOException("host " + pid + ": " + answer.text());
            }
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }
}
