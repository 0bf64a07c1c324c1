package io.fangwusha.core.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a 1-D little-endian float32 NumPy .npy file (format version 1 or 2). */
public final class Npy {
    private Npy() {}

    public static float[] readFloats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.get(0) != (byte) 0x93 || b.get(1) != 'N') throw new IOException(file + ": not a .npy file");
        int major = b.get(6);
        int headerLen = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
        int start = (major == 1 ? 10 : 12);
        String header = new String(b.array(), start, headerLen, StandardCharsets.US_ASCII);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) throw new IOException(file + ": expected C-order <f4, got " + header);
        int dataStart = start + headerLen;
        float[] out = new float[(b.capacity() - dataStart) / 4];
        b.position(dataStart);
        b.asFloatBuffer().get(out);
        return out;
    }
}
