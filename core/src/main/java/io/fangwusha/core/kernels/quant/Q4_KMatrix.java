package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml Q4_K: super-blocks of 256 elements in 144 bytes: {@code f16 d}, {@code f16 dmin}, 12 bytes of 6-bit
 * sub-block scales and mins (8 of each, packed), 128 bytes of nibbles. The super-block is 4 chunks of 64 elements;
 * chunk {@code j} uses 32 bytes, whose low nibbles are elements {@code 64j+0..31} (sub-block {@code 2j}) and high
 * nibbles elements {@code 64j+32..63} (sub-block {@code 2j+1}). Value = {@code d*sc[s]*q - dmin*m[s]}.
 */
final class Q4_KMatrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    Q4_KMatrix(Tensor t) {
        super(t, DType.Q4_K);
    }

    /**
     * Sub-block {@code s} (0..7) scale (low 8 bits of the result) and min (next 8 bits). Sub-blocks 0..3 keep
     * their 6-bit scale/min in the low 6 bits of bytes {@code s} / {@code s+4}; sub-blocks 4..7 take their low 4 bits
     * from the nibbles of byte {@code s+4} (scale low, min high) and their top 2 bits from the spare top bits of
     * bytes {@code s-4} (scale) and {@code s} (min).
     */
    static int scaleMin(MemorySegment seg, long scales, int s) {
        int sc;
        int m;
        if (s < 4) {
            sc = u8(seg, scales + s) & 63;
            m = u8(seg, scales + s + 4) & 63;
        } else {
            int b = u8(seg, scales + s + 4);
            sc = (b & 0x0F) | ((u8(seg, scales + s - 4) >> 6) << 4);
            m = (b >> 4) | ((u8(seg, scales + s) >> 6) << 4);
        }
        return sc | (m << 8);
    }

    private static int u8(MemorySegment seg, long off) {
        return seg.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    @Override
    void decodeRow(long rowOffset, float[] dst, int off) {
        long src = rowOffset;
        for (int blk = 0; blk < blocksPerRow; blk++, src += 144, off += 256) {
            float d = f16(data, src);
            float dmin = f16(data, src + 2);
            for (int j = 0; j < 4; j++) {
                int sm1 = scaleMin(data, src + 4, 2 * j);
                int sm2 = scaleMin(data, src + 4, 2 * j + 1);
                float a1 = d * (sm1 & 0xFF), b1 = dmin * (sm1 >> 8);
                float a2 = d * (sm2 & 0xFF), b2 = dmin * (sm2 >> 8);
                int base = off + 64 * j;
                for (int h = 0; h < 2; h++) {
                    ByteVector q = ByteVector.fromMemorySegment(B, data, src + 16 + 32 * j + 16 * h, LE);
                    ByteVector lo = q.and((byte) 0x0F);
                    ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
                    for (int p = 0; p < PARTS; p++) {
                        ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(a1).sub(b1)
                                .intoArray(dst, base + 16 * h + p * L);
                        ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(a2).sub(b2)
                                .intoArray(dst, base + 32 + 16 * h + p * L);
                    }
                }
            }
        }
    }
}
