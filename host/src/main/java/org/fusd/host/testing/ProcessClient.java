package org.fusd.host.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;

/**
 * A test client that makes real system calls on a mounted device from a
 * separate process: python3 running client.py (this package's resource; its
 * top comment is the line protocol). The kernel sees an ordinary process, so
 * signals, blocking and the caller's uid are the real thing.
 */
public final class ProcessClient implements Client {
    private static final HexFormat HEX = HexFormat.of();

    private final Process process;
    private final Writer requests;
    private final Map<Long, CompletableFuture<String>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final Path script;

    private ProcessClient(Process process, Path script) {
        this.process = process;
        this.script = script;
        this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readAnswers, "fusd-test-client-answers");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts python3 with the client script. */
    public static ProcessClient start() throws IOException {
        Path script = Files.createTempFile("fusd-test-client", ".py");
        script.toFile().deleteOnExit(); // also when a signal ends the run
        try (InputStream in = ProcessClient.class.getResourceAsStream("client.py")) {
            if (in == null) {
                throw new IOException("client.py is missing from the fusd-host jar");
            }
            Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Process p;
        try {
            p = new ProcessBuilder(python(), "-u", script.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            Files.deleteIfExists(script);
            throw new IOException("cannot start the test client (python3): " + e.getMessage(), e);
        }
        return new ProcessClient(p, script);
    }

    /**
     * The system's python3: one whose files stay readable while the client
     * runs as another user (a python3 under /root, such as pyenv's, is not).
     */
    private static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    @Override
    public int pid() {
        return (int) process.pid();
    }

    @Override
    public ClientCall open(String device, int flags, int uid, int gid) {
        return call("open", "open", hex(device.getBytes(StandardCharsets.UTF_8)), flags, uid, gid)
                .then(Integer::valueOf);
    }

    @Override
    public ClientCall read(int file, int size) {
        return call("read(" + size + ")", "read", file, size).then(ProcessClient::unhex);
    }

    @Override
    public ClientCall write(int file, byte[] data) {
        return call("write", "write", file, hex(data)).then(Integer::valueOf);
    }

    @Override
    public ClientCall ioctl(int file, int cmd, long arg, byte[] in) {
        return call(String.format("ioctl(0x%x)", cmd), "ioctl", file, Integer.toUnsignedLong(cmd), arg, hex(in))
                .then(s -> {
                    String[] w = s.split(" ");
                    return new ClientCall.IoctlResult(Integer.parseInt(w[0]), w[1].equals("-") ? null : unhex(w[1]));
                });
    }

    @Override
    public ClientCall poll(int file, int events, int timeoutMs) {
        return call("poll", "poll", file, events, timeoutMs).then(Integer::valueOf);
    }

    @Override
    public ClientCall setFlags(int file, int flags) {
        return call("fcntl", "setfl", file, flags).then(Integer::valueOf);
    }

    @Override
    public ClientCall mmap(int file, long length, int prot, long offset) {
        return call("mmap", "mmap", file, length, prot, offset).then(Integer::valueOf);
    }

    @Override
    public ClientCall mapRead(int map, long offset, int length) {
        return call("mapping read", "mapread", map, offset, length).then(ProcessClient::unhex);
    }

    @Override
    public ClientCall mapWrite(int map, long offset, byte[] data) {
        return call("mapping write", "mapwrite", map, offset, hex(data)).then(Integer::valueOf);
    }

    @Override
    public ClientCall munmap(int map) {
        return call("munmap", "munmap", map).then(Integer::valueOf);
    }

    @Override
    public ClientCall close(int file) {
        return call("close", "close", file).then(Integer::valueOf);
    }

    /** A request sent and its answer's text pending; then() turns it into the call a test sees. */
    private record Sent(String what, long id, CompletableFuture<String> answer, ProcessClient client) {
        ClientCall then(java.util.function.Function<String, Object> value) {
            return new ClientCall(what, answer.thenApply(value), () -> client.call("interrupt", "interrupt", id));
        }
    }

    private Sent call(String what, String op, Object... args) {
        long id = nextId.getAndIncrement();
        CompletableFuture<String> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        StringBuilder line = new StringBuilder().append(id).append(' ').append(op);
        for (Object a : args) {
            line.append(' ').append(a);
        }
        try {
            synchronized (requests) {
                requests.write(line.append('\n').toString());
                requests.flush();
            }
        } catch (IOException e) {
            waiting.remove(id);
            answer.completeExceptionally(new UncheckedIOException("the test client is gone", e));
        }
        return new Sent(what, id, answer, this);
    }

    private void readAnswers() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.split(" ", 3);
                CompletableFuture<String> f = waiting.remove(Long.parseLong(w[0]));
                if (f == null) {
                    continue;
                }
                if (w[1].equals("ok")) {
                    f.complete(w.length > 2 ? w[2] : "");
                } else {
                    f.completeExceptionally(new ErrnoException(Errno.byNumber(Integer.parseInt(w[2]))));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client died: fail what waits below
        }
        waiting.values().forEach(f -> f.completeExceptionally(new IllegalStateException("the test client exited")));
    }

    private static String hex(byte[] b) {
        return b == null || b.length == 0 ? "-" : HEX.formatHex(b);
    }

    private static byte[] unhex(String s) {
        return s.equals("-") ? new byte[0] : HEX.parseHex(s);
    }

    @Override
    public void close() {
        try {
            requests.close(); // end of input: the client closes its files and exits
        } catch (IOException ignored) {
            // it is gone already
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(script);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // a temp file left behind
        }
    }
}
