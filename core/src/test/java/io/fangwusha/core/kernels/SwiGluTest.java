package io.fangwusha.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SwiGluTest {
    /**
     * Every element, in a vector or in the tail, gets {@code silu(g) * up} from the one-element form, bit for bit,
     * and that is within 4 ulp of the double-precision {@code g / (1 + e^-g) * up}; large negative gates go to -0.
     */
    @Test
    void vectorAndTailAgreeAndStayCloseToTheExactValue() {
        Random rnd = new Random(8);
        int n = 20_000 + 7;
        float[] gate = new float[n + 6], up = new float[n + 6];
        for (int i = 0; i < gate.length; i++) {
            gate[i] = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(12) - 4));
            up[i] = (float) rnd.nextGaussian();
        }
        gate[3] = 0f;
        gate[4] = -200f;
        gate[5] = 200f;
        float[] g0 = gate.clone();
        SwiGlu.apply(gate, up, 3, n);
        assertThat(gate[0]).isEqualTo(g0[0]);
        assertThat(gate[n + 3]).isEqualTo(g0[n + 3]);
        for (int i = 3; i < n + 3; i++) {
            assertThat(gate[i]).as("element %d", i).isEqualTo(SwiGlu.silu(g0[i]) * up[i]);
            float exact = (float) (g0[i] / (1.0 + Math.exp(-g0[i])) * up[i]);
            int ulps = Math.abs(Float.floatToIntBits(gate[i]) - Float.floatToIntBits(exact));
            if (Math.abs(exact) > 1e-30f) assertThat(ulps).as("ulps at %s * %s", g0[i], up[i]).isLessThanOrEqualTo(4);
        }
        assertThat(gate[3]).isEqualTo(0f);
        assertThat(Math.abs(gate[4])).isEqualTo(0f);
        assertThat(gate[5]).isEqualTo(200f * up[5]);
    }
}
