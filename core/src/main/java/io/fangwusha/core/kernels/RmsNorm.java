package io.fangwusha.core.kernels;

/**
 * RMSNorm as transformers' Qwen3RMSNorm: {@code x / sqrt(mean(x^2) + eps) * weight}, all in float32. The mean of
 * squares is accumulated in double: a cheap way to make the variance independent of summation order.
 */
public final class RmsNorm {
    private RmsNorm() {}

    /** out[o..o+n) = rmsnorm(x[xo..xo+n)) * w; out may alias x. */
    public static void apply(float[] x, int xo, float[] w, float eps, float[] out, int o, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            ss += (double) v * v;
        }
        float inv = (float) (1.0 / Math.sqrt((float) (ss / n) + eps));
        for (int i = 0; i < n; i++) out[o + i] = w[i] * (x[xo + i] * inv);
    }

    /** Normalises each of {@code count} consecutive vectors of length {@code n} in place (per-head q/k norm). */
    public static void applyEach(float[] x, int xo, int count, float[] w, float eps, int n) {
        for (int h = 0; h < count; h++) apply(x, xo + h * n, w, eps, x, xo + h * n, n);
    }
}
