package org.fusd.host.io;

import com.sun.jna.Memory;
import java.util.Map;
import java.util.TreeMap;
import org.fusd.host.sys.Libc;

/** A serial port's line settings, through the host's libc: speed and raw mode. */
final class Termios {
    /** Baud rates and their termios constants (Linux, asm-generic/termbits.h). */
    private static final Map<Integer, Integer> SPEEDS = new TreeMap<>();

    static {
        int[][] table = {
            {50, 1},
            {75, 2},
            {110, 3},
            {134, 4},
            {150, 5},
            {200, 6},
            {300, 7},
            {600, 8},
            {1200, 9},
            {1800, 10},
            {2400, 11},
            {4800, 12},
            {9600, 13},
            {19200, 14},
            {38400, 15},
            {57600, 0010001},
            {115200, 0010002},
            {230400, 0010003},
            {460800, 0010004},
            {500000, 0010005},
            {576000, 0010006},
            {921600, 0010007},
            {1000000, 0010010},
            {1152000, 0010011},
            {1500000, 0010012},
            {2000000, 0010013},
            {2500000, 0010014},
            {3000000, 0010015},
            {3500000, 0010016},
            {4000000, 0010017}
        };
        for (int[] row : table) {
            SPEEDS.put(row[0], row[1]);
        }
    }

    private Termios() {}

    /** The termios constant of a baud rate; IllegalArgumentException listing the rates there are. */
    static int speedConstant(int baud) {
        Integer c = SPEEDS.get(baud);
        if (c == null) {
            throw new IllegalArgumentException(
                    "RangeError: io.openDevice: speed " + baud + " is not a serial speed; one of " + SPEEDS.keySet());
        }
        return c;
    }

    /** Sets fd's speed (if not null) and raw mode (if raw); fd must be a terminal (else ENOTTY). */
    static void apply(int fd, Integer speed, boolean raw) {
        if (speed == null && !raw) {
            return;
        }
        try (Memory t = new Memory(Libc.TERMIOS_SIZE)) {
            t.clear();
            Libc.Ext.INSTANCE.tcgetattr(fd, t);
            if (raw) {
                Libc.Ext.INSTANCE.cfmakeraw(t);
            }
            if (speed != null) {
                Libc.Ext.INSTANCE.cfsetspeed(t, speedConstant(speed));
            }
            Libc.Ext.INSTANCE.tcsetattr(fd, Libc.TCSANOW, t);
        }
    }
}
