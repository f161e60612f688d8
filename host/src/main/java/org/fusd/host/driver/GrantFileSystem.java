package org.fusd.host.driver;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.fusd.host.io.GrantException;
import org.fusd.host.io.Grants;
import org.graalvm.polyglot.io.FileSystem;

/**
 * What a script sees of the file system unless the host runs with
 * {@code --allow-io}: the files under its own directory, read only (so a
 * driver can import its sibling modules), plus what the file grants allow
 * ({@code --allow-read}, {@code --allow-write}, {@code --allow-device}; see
 * {@link Grants#checkPath}). Python's {@code open} and JS's {@code read} go
 * through here. Anything else, {@code ..} and symbolic links leading out
 * included, is refused with a SecurityException naming the flag to add; as
 * a language may turn that into a bare "permission denied" (GraalPy's
 * PermissionError), each refusal is also told to the person running the host,
 * once per path.
 *
 * Contexts are made before the script is known (spare contexts for hot
 * reload), so the directory is set when the context is given to a script;
 * until then only grants apply.
 */
final class GrantFileSystem implements FileSystem {
    private final FileSystem delegate = FileSystem.newDefaultFileSystem();
    private final Grants grants;
    private volatile Path root; // absolute, normalized, real; null: not known yet
    private volatile Consumer<String> report = m -> {};
    /** Refusals told already; a script probing in a loop is told about once per path. */
    private final Set<String> told = ConcurrentHashMap.newKeySet();

    private static final int MAX_TOLD = 100;

    GrantFileSystem(Grants grants) {
        this.grants = grants;
    }

    /** Where refusals are told (the host's log, naming the script). */
    void reportTo(Consumer<String> report) {
        this.report = report;
    }

    /** Lets the script read dir and what is under it. */
    void setRoot(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        try {
            abs = abs.toRealPath();
        } catch (IOException e) {
            // keep the normalized path: nothing to read there anyway
        }
        root = abs;
    }

    private Path read(Path p) {
        return check(Grants.Kind.READ, p, root, true);
    }

    /** A look that is no access yet (stat, access): a language searching its module path makes many. */
    private Path peek(Path p) {
        return check(Grants.Kind.READ, p, root, false);
    }

    private Path write(Path p) {
        return check(Grants.Kind.WRITE, p, null, true);
    }

    private Path check(Grants.Kind kind, Path p, Path ownDir, boolean tell) {
        try {
            grants.checkPath(kind, delegate.toAbsolutePath(p), ownDir);
            return p;
        } catch (GrantException e) {
            if (tell && told.size() < MAX_TOLD && told.add(e.getMessage())) {
                report.accept(e.getMessage());
            }
            throw e;
        }
    }

    private static boolean writes(Set<? extends OpenOption> options) {
        return options.contains(StandardOpenOption.WRITE)
                || options.contains(StandardOpenOption.APPEND)
                || options.contains(StandardOpenOption.CREATE)
                || options.contains(StandardOpenOption.CREATE_NEW)
                || options.contains(StandardOpenOption.DELETE_ON_CLOSE)
                || options.contains(StandardOpenOption.TRUNCATE_EXISTING);
    }

    @Override
    public Path parsePath(URI uri) {
        return delegate.parsePath(uri);
    }

    @Override
    public Path parsePath(String path) {
        return delegate.parsePath(path);
    }

    @Override
    public void checkAccess(Path path, Set<? extends AccessMode> modes, LinkOption... linkOptions) throws IOException {
        delegate.checkAccess(
                modes.contains(AccessMode.WRITE) ? check(Grants.Kind.WRITE, path, null, false) : peek(path),
                modes,
                linkOptions);
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        delegate.createDirectory(write(dir), attrs);
    }

    @Override
    public void delete(Path path) throws IOException {
        delegate.delete(write(path));
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        if (writes(options)) {
            write(path);
            if (options.contains(StandardOpenOption.READ)) {
                read(path);
            }
        } else {
            read(path);
        }
        return delegate.newByteChannel(path, options, attrs);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        return delegate.newDirectoryStream(read(dir), filter);
    }

    @Override
    public Path toAbsolutePath(Path path) {
        return delegate.toAbsolutePath(path);
    }

    @Override
    public Path toRealPath(Path path, LinkOption... linkOptions) throws IOException {
        return delegate.toRealPath(peek(path), linkOptions);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        return delegate.readAttributes(peek(path), attributes, options);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        delegate.setAttribute(write(path), attribute, value, options);
    }

    @Override
    public void move(Path source, Path target, java.nio.file.CopyOption... options) throws IOException {
        delegate.move(write(source), write(target), options);
    }

    @Override
    public void copy(Path source, Path target, java.nio.file.CopyOption... options) throws IOException {
        delegate.copy(read(source), write(target), options);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        delegate.createLink(write(link), write(existing));
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        delegate.createSymbolicLink(write(link), write(target), attrs);
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        return delegate.readSymbolicLink(peek(link));
    }
}
