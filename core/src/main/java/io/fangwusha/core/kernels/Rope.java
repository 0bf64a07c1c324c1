package io.fangwusha.core.kernels;

/**
 * Rotary position embedding in the half-split ("NEOX") layout that transformers' rotate_half uses: element i pairs
 * with element i + d/2. Inverse frequencies are computed in float32 like transformers
 * ({@code 1 / theta^(2i/d)}), the angle as float32 {@code pos * inv_freq}, then cos/sin of that float32 angle.
 */
public final class Rope {
    private final int headDim;
    private final float[] invFreq;

    public Rope(int headDim, double theta) {
        this.headDim = headDim;
        this.invFreq = new float[headDim / 2];
        for (int i = 0; i < headDim / 2; i++) {
            invFreq[i] = (float) (1.0 / Math.pow(theta, (double) (2 * i) / headDim));
        }
    }

    /** Rotates {@code heads} consecutive head vectors at {@code x[off..]} for position {@code pos}. */
    public void apply(float[] x, int off, int heads, int pos) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float angle = (float) pos * invFreq[i];
            float c = (float) Math.cos(angle), s = (float) Math.sin(angle);
            for (int h = 0; h < heads; h++) {
                int b = off + h * headDim;
                float x1 = x[b + i], x2 = x[b + i + half];
                x[b + i] = x1 * c - x2 * s;
                x[b + i + half] = x2 * c + x1 * s;
            }
        }
    }
}
