package org.fusd.host.channel.fuse;

import java.nio.file.Path;

/**
 * A host in its own JVM for the tests that need one (stale mounts, signals,
 * non-root): mounts at args[0] with a "pipe" and an "echo" device, prints
 * READY and serves until killed. SIGTERM unmounts through the shutdown hook.
 */
public final class ChildHost {
    private ChildHost() {}

    public static void main(String[] args) throws Exception {
        FuseChannel ch = FuseChannel.open(Path.of(args[0])).closeOnExit();
        ch.add(new PipeDevice("pipe"));
        ch.add(new EchoDevice("echo"));
        System.out.println("READY " + ch.pathOf("pipe"));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
