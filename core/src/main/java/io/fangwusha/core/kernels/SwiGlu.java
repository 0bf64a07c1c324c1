package io.fangwusha.core.kernels;

/** SwiGLU gate: {@code gate[i] = silu(gate[i]) * up[i]}, silu(x) = x / (1 + e^-x), in place. */
public final class SwiGlu {
    private SwiGlu() {}

    public static void apply(float[] gate, float[] up, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float g = gate[i];
            gate[i] = (float) (g / (1.0 + Math.exp(-g))) * up[i];
        }
    }
}
