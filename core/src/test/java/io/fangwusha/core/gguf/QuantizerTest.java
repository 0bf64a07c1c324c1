package io.fangwusha.core.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Hand-worked blocks for the rules of ggml's reference quantizers (values computed here, not by the code). */
class QuantizerTest {

    @Test
    void q8_0RoundsHalvesAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f; // amax 127 → d = 1, id = 1
        x[1] = 2.5f;
        x[2] = -2.5f; // roundf → -3 (Java's Math.round would give -2)
        x[3] = -127f;
        x[4] = 0.49999997f; // largest float below 0.5 → 0
        MemorySegment b = MemorySegment.ofArray(new byte[34]);
        Quantizer.quantizeRowQ8_0(x, 0, 32, b, 0);
        assertThat(b.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)).isEqualTo(Float.floatToFloat16(1f));
        assertThat(b.get(ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) 127);
        assertThat(b.get(ValueLayout.JAVA_BYTE, 3)).isEqualTo((byte) 3);
        assertThat(b.get(ValueLayout.JAVA_BYTE, 4)).isEqualTo((byte) -3);
        assertThat(b.get(ValueLayout.JAVA_BYTE, 5)).isEqualTo((byte) -127);
        assertThat(b.get(ValueLayout.JAVA_BYTE, 6)).isEqualTo((byte) 0);
    }

    @Test
    void q4_0UsesSignedMaxAndClampsAt15() {
        float[] x = new float[32];
        x[0] = -8f; // first of largest magnitude → max = -8, d = 1, id = 1
        x[1] = 8f; // same magnitude, later: ignored for max; 8 + 8.5 = 16.5 → 16 → clamped 15
        x[2] = 3.4f; // 11.9 → 11
        x[3] = -0.6f; // 7.9 → 7
        x[16] = 7f; // high nibble of byte 0: 15
        x[17] = -7.5f; // 1.0 → 1
        MemorySegment b = MemorySegment.ofArray(new byte[18]);
        Quantizer.quantizeRowQ4_0(x, 0, 32, b, 0);
        assertThat(b.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)).isEqualTo(Float.floatToFloat16(1f));
        assertThat(b.get(ValueLayout.JAVA_BYTE, 2) & 0xFF).isEqualTo(0 | (15 << 4));
        assertThat(b.get(ValueLayout.JAVA_BYTE, 3) & 0xFF).isEqualTo(15 | (1 << 4));
        assertThat(b.get(ValueLayout.JAVA_BYTE, 4) & 0xFF).isEqualTo(11 | (8 << 4)); // x[18] = 0 → 8
        assertThat(b.get(ValueLayout.JAVA_BYTE, 5) & 0xFF).isEqualTo(7 | (8 << 4));
        // max positive: d = 8 / -8 = -1
        float[] y = new float[32];
        y[0] = 8f;
        Quantizer.quantizeRowQ4_0(y, 0, 32, b, 0);
        assertThat(b.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)).isEqualTo(Float.floatToFloat16(-1f));
        assertThat(b.get(ValueLayout.JAVA_BYTE, 2) & 0x0F).isEqualTo(0); // 8 * -1 + 8.5 = 0.5 → 0
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(Quantizer.toBf16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80); // tie, even stays
        assertThat(Quantizer.toBf16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82); // tie, odd rounds up
        assertThat(Quantizer.toBf16(Float.intBitsToFloat(0x3F808001))).isEqualTo((short) 0x3F81);
    }
}
