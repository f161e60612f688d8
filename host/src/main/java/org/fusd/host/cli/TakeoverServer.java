package org.fusd.host.cli;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.fusd.host.control.ControlServer;
import org.fusd.host.device.Device;
import org.fusd.host.driver.ScriptDevice;
import org.fusd.host.sys.UnixSocket;
import org.fusd.host.takeover.HandsOver;
import org.fusd.host.takeover.HostImage;

/**
 * The running host's side of a takeover (the {@code takeover} control
 * command): stop reading, hold every device between two calls, hand the fds
 * and the {@link HostImage} to the successor, and end once it says it is
 * ready (two phases: until then, any failure makes this host read and serve
 * again, and the successor never reads).
 */
final class TakeoverServer implements ControlServer.Handler {
    /** How long readers and device threads may take to reach a pause (a script may run long). */
    static final long PAUSE_MILLIS = 5000;
    /** How long the successor may take from the image to "ready". */
    static final long READY_MILLIS = Long.getLong("fusd.takeover.readyMillis", 60_000);

    private final HandsOver channel;
    private final Map<ScriptDevice, Device> served;
    private final Runnable beforeExit;

    TakeoverServer(HandsOver channel, Map<ScriptDevice, Device> served, Runnable beforeExit) {
        this.channel = channel;
        this.served = served;
        this.beforeExit = beforeExit;
    }

    @Override
    public synchronized void handle(ControlServer.Request r) throws IOException {
        Instant paused = Instant.now();
        if (!channel.pauseReading(PAUSE_MILLIS)) {
            channel.resumeReading();
            r.error("a request was still being handled after " + PAUSE_MILLIS + " ms; try again");
            return;
        }
        List<ScriptDevice.Frozen> frozen = new ArrayList<>();
        List<HostImage.DeviceImage> images = new ArrayList<>();
        try {
            for (Map.Entry<ScriptDevice, Device> e : served.entrySet()) {
                ScriptDevice.Frozen f = e.getKey().freeze(PAUSE_MILLIS);
                if (f == null) {
                    throw new IOException(
                            e.getKey().name() + " was still running a script after " + PAUSE_MILLIS + " ms; try again");
                }
                frozen.add(f);
                images.add(channel.complete(f.image, e.getValue()));
            }
        } catch (IOException | RuntimeException e) {
            resume(frozen);
            r.error(e.getMessage());
            return;
        }
        long pausedNanos = paused.getEpochSecond() * 1_000_000_000L + paused.getNano();
        HostImage image = new HostImage(
                ProcessHandle.current().pid(),
                pausedNanos,
                channel.kind(),
                channel.mountPoint(),
                channel.nextNodeid(),
                images);
        String why;
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        ScheduledFuture<?> giveUp = timer.schedule(r.conn()::close, READY_MILLIS, TimeUnit.MILLISECONDS);
        try {
            r.ok();
            System.out.flush();
            System.err.flush();
            int[] channelFds = channel.fds();
            int[] fds = java.util.Arrays.copyOf(channelFds, channelFds.length + 2);
            fds[channelFds.length] = 1; // the host's stdout and stderr: its output goes on where it went
            fds[channelFds.length + 1] = 2;
            r.conn().send(image.encode(), fds);
            UnixSocket.Frame answer = r.conn().receive();
            why = answer == null ? "it ended before it was ready" : answer.text();
            if (why.equals("ready")) {
                r.conn().sendText("go");
                beforeExit.run();
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(Main.EXIT_OK); // no hook: they would unmount and fail the calls handed over
            }
        } catch (IOException e) {
            why = giveUp.isDone() ? "it was not ready within " + READY_MILLIS + " ms" : e.getMessage();
        } finally {
            giveUp.cancel(false);
            timer.shutdownNow();
        }
        resume(frozen);
        System.err.println("fusd: takeover failed (" + why + "); pid "
                + ProcessHandle.current().pid() + " serves on");
    }

    private void resume(List<ScriptDevice.Frozen> frozen) {
        for (ScriptDevice.Frozen f : frozen) {
            f.decide(false);
        }
        channel.resumeReading();
    }
}
