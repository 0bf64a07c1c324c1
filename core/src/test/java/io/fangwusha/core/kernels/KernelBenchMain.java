package io.fangwusha.core.kernels;

import io.fangwusha.core.weights.DType;
import java.util.Collection;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the kernel JMH benchmarks whose class name matches {@code args[0]} (optionally {@code param=v1,v2} pairs
 * after it) and prints, per result, GFLOP/s ({@code 2*rows*cols*batch / time}) and GB/s (weight bytes / time: each
 * call reads the weights once whatever the batch). Benchmarks need params {@code type} and {@code shape}
 * ({@code ROWSxCOLS}); the batch is 1 for a method named {@code matvec}, else the {@code batch} param (default 1).
 */
public final class KernelBenchMain {
    private KernelBenchMain() {}

    public static void main(String[] args) throws Exception {
        OptionsBuilder b = new OptionsBuilder();
        b.include(args.length > 0 ? args[0] : "Bench");
        for (int i = 1; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            b.param(kv[0], kv[1].split(","));
        }
        Options opts = b.build();
        Collection<RunResult> results = new Runner(opts).run();
        System.out.println();
        System.out.printf(Locale.ROOT, "%-40s %-12s %-11s %5s %10s %9s %8s%n", "benchmark", "type", "shape", "batch", "us/call", "GFLOP/s", "GB/s");
        for (RunResult r : results) {
            var params = r.getParams();
            String type = params.getParam("type"), shape = params.getParam("shape");
            String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
            String bp = params.getParam("batch");
            int batch = method.equals("matvec") || bp == null ? 1 : Integer.parseInt(bp);
            String[] rc = shape.split("x");
            long rows = Long.parseLong(rc[0]), cols = Long.parseLong(rc[1]);
            DType dt = DType.valueOf(type);
            double us = r.getPrimaryResult().getScore();
            if (us < 1e-3) continue; // a benchmark that does nothing for this combination
            double gflops = 2.0 * rows * cols * batch / (us * 1e3);
            double gbs = dt.bytesFor(rows * cols) / (us * 1e3);
            System.out.printf(Locale.ROOT, "%-40s %-12s %-11s %5d %10.1f %9.2f %8.2f%n",
                    params.getBenchmark().replace("io.fangwusha.core.kernels.", ""), type, shape, batch, us, gflops, gbs);
        }
    }
}
