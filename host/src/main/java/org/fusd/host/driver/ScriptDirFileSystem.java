package org.fusd.host.driver;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.Map;
import java.util.Set;
import org.graalvm.polyglot.io.FileSystem;

/**
 * What a script sees of the file system without {@code --allow-io}: the files
 * under its own directory, read only (so a driver can import its sibling
 * modules), and nothing else. Anything outside, symbolic links leading out
 * included, is refused with a SecurityException naming the path.
 *
 * Contexts are made before the script is known (spare contexts for hot
 * reload), so the directory is set when the context is given to a script;
 * until then nothing is readable.
 */
final class ScriptDirFileSystem implements FileSystem {
    private final FileSystem delegate = FileSystem.newReadOnlyFileSystem(FileSystem.newDefaultFileSystem());
    private volatile Path root; // absolute, normalized, real; null: nothing readable

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

    /** The path if it lies under the script's directory (after following links), else a SecurityException. */
    private Path check(Path p) {
        Path r = root;
        Path abs = p.toAbsolutePath().normalize();
        if (r != null && abs.startsWith(r)) {
            try {
                Path real = abs.toRealPath();
                if (real.startsWith(r)) {
                    return p;
                }
            } catch (IOException e) {
                return p; // does not exist (yet): the delegate reports it
            }
        }
        throw new SecurityException("access to " + abs + " denied: a driver reads only files in its own directory ("
                + (r == null ? "none yet" : r.toString()) + "); run fusd-host with --allow-io for file access");
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
        delegate.checkAccess(check(path), modes, linkOptions);
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        delegate.createDirectory(check(dir), attrs);
    }

    @Override
    public void delete(Path path) throws IOException {
        delegate.delete(check(path));
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return delegate.newByteChannel(check(path), options, attrs);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        return delegate.newDirectoryStream(check(dir), filter);
    }

    @Override
    public Path toAbsolutePath(Path path) {
        return delegate.toAbsolutePath(path);
    }

    @Override
    public Path toRealPath(Path path, LinkOption... linkOptions) throws IOException {
        return delegate.toRealPath(check(path), linkOptions);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        return delegate.readAttributes(check(path), attributes, options);
    }
}
