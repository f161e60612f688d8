package org.fusd.host.device;

import java.nio.ByteBuffer;

/**
 * One call the kernel made on an open file, as plain data: which operation,
 * on which file, with which arguments. A channel decodes its wire message into
 * one of these and hands it to the {@link Device} with the matching
 * {@link Reply}. Byte arguments are valid until the reply completes.
 */
public sealed interface Call {

    Op op();

    /** The open file the call is on (for an open: the file being opened). */
    OpenFile file();

    record Open(OpenFile file) implements Call {
        @Override
        public Op op() {
            return Op.OPEN;
        }
    }

    /** size: the most bytes the caller takes. */
    record Read(OpenFile file, int size, long offset) implements Call {
        @Override
        public Op op() {
            return Op.READ;
        }
    }

    /** data: the caller's bytes, position to limit. */
    record Write(OpenFile file, ByteBuffer data, long offset) implements Call {
        @Override
        public Op op() {
            return Op.WRITE;
        }
    }

    /**
     * in: the _IOC_SIZE bytes copied from the caller for _IOW/_IOWR commands
     * (else empty); outSize: the bytes the caller takes back for _IOR/_IOWR;
     * memory: the caller's memory regions behind this call (null: only the
     * encoded struct, as in and outSize say).
     */
    record Ioctl(OpenFile file, int cmd, long arg, ByteBuffer in, int outSize, IoctlMemory memory) implements Call {
        @Override
        public Op op() {
            return Op.IOCTL;
        }
    }

    record Poll(OpenFile file) implements Call {
        @Override
        public Op op() {
            return Op.POLL;
        }
    }

    record Flush(OpenFile file) implements Call {
        @Override
        public Op op() {
            return Op.FLUSH;
        }
    }

    /** whence: SEEK_SET (0), SEEK_END (2), SEEK_DATA (3) or SEEK_HOLE (4); SEEK_CUR is resolved before. */
    record Llseek(OpenFile file, long offset, int whence) implements Call {
        @Override
        public Op op() {
            return Op.LLSEEK;
        }
    }

    /** A client maps length bytes of the device's shared memory at offset; prot: PROT_* bits. */
    record Mmap(OpenFile file, long offset, long length, int prot, boolean shared) implements Call {
        @Override
        public Op op() {
            return Op.MMAP;
        }
    }

    /** The last close: nobody sees the reply's errno. */
    record Release(OpenFile file) implements Call {
        @Override
        public Op op() {
            return Op.RELEASE;
        }
    }
}
