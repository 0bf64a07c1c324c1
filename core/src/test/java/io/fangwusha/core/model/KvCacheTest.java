package io.fangwusha.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.kernels.HalfVectors;
import org.junit.jupiter.api.Test;

class KvCacheTest {
    @Test
    void bytesFollowTheElementType() {
        // 3 layers x (keys + values) x 10 positions x kvDim 32 (2 heads of 16)
        assertThat(new KvCache(3, 2, 16, 10).bytes()).isEqualTo(3L * 2 * 10 * 32 * 4);
        assertThat(new KvCache(3, 2, 16, 10, KvCacheType.F32).bytes()).isEqualTo(7680);
        assertThat(new KvCache(3, 2, 16, 10, KvCacheType.F16).bytes()).isEqualTo(3840);
        assertThat(new KvCache(3, 2, 16, 10, KvCacheType.BF16).bytes()).isEqualTo(3840);
        KvCache h = new KvCache(3, 2, 16, 10, KvCacheType.BF16);
        assertThat(h.keys).isNull();
        assertThat(2L * h.keys16.length * h.keys16[0].length * Short.BYTES).isEqualTo(h.bytes());
    }

    @Test
    void storeRoundsEachValueOnce() {
        float[] k = {1.0009765625f, 3.14159265f, -65520f, 1e-7f}, v = {0.1f, -2.5f, 1e30f, Float.NaN};
        KvCache f16 = new KvCache(1, 1, 4, 2, KvCacheType.F16), bf16 = new KvCache(1, 1, 4, 2, KvCacheType.BF16);
        f16.store(0, 1, k, 0, v, 0);
        bf16.store(0, 1, k, 0, v, 0);
        for (int i = 0; i < 4; i++) {
            assertThat(f16.keys16[0][4 + i]).isEqualTo(Float.floatToFloat16(k[i]));
            assertThat(f16.values16[0][4 + i]).isEqualTo(Float.floatToFloat16(v[i]));
            assertThat(bf16.keys16[0][4 + i]).isEqualTo(HalfVectors.toBf16(k[i]));
            assertThat(bf16.values16[0][4 + i]).isEqualTo(HalfVectors.toBf16(v[i]));
        }
        assertThat(Float.float16ToFloat(f16.keys16[0][6])).isEqualTo(Float.NEGATIVE_INFINITY); // beyond F16's range
        assertThat(HalfVectors.bf16ToFloat(bf16.values16[0][6]) / 1e30).isCloseTo(1, org.assertj.core.data.Offset.offset(1.0 / 256));
        assertThat(Float.isNaN(HalfVectors.bf16ToFloat(bf16.values16[0][7]))).isTrue();
        assertThat(f16.keys16[0][0]).isZero(); // position 0 untouched
    }

    /** Each KV head's rows are contiguous over positions (an attention job streams one head). */
    @Test
    void storeLaysOutEachHeadsPositionsContiguously() {
        int heads = 3, headDim = 4, capacity = 5;
        KvCache c = new KvCache(2, heads, headDim, capacity);
        float[] k = new float[heads * headDim], v = new float[heads * headDim];
        for (int p = 0; p < capacity; p++) {
            for (int i = 0; i < k.length; i++) {
                k[i] = 100 * p + i;
                v[i] = -(100 * p + i);
            }
            c.store(1, p, k, 0, v, 0);
        }
        for (int head = 0; head < heads; head++) {
            for (int p = 0; p < capacity; p++) {
                for (int i = 0; i < headDim; i++) {
                    int at = (head * capacity + p) * headDim + i;
                    assertThat(c.at(head, p) + i).isEqualTo(at);
                    assertThat(c.keys[1][at]).isEqualTo(100 * p + head * headDim + i);
                    assertThat(c.values[1][at]).isEqualTo(-(100 * p + head * headDim + i));
                }
            }
        }
        assertThat(c.keys[0]).containsOnly(0f); // other layers untouched
    }

    @Test
    void typesParseCaseInsensitivelyAndNameTheOption() {
        assertThat(KvCacheType.parse("f32")).isEqualTo(KvCacheType.F32);
        assertThat(KvCacheType.parse("F16")).isEqualTo(KvCacheType.F16);
        assertThat(KvCacheType.parse("Bf16")).isEqualTo(KvCacheType.BF16);
        assertThatThrownBy(() -> KvCacheType.parse("q4")).isInstanceOf(FangwushaException.class)
                .hasMessageContaining("--kv-type").hasMessageContaining("q4").hasMessageNotContaining("\n");
    }
}
