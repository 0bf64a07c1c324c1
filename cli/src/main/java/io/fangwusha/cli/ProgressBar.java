package io.fangwusha.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr for long jobs; a no-op when disabled so short runs and scripts stay quiet. */
final class ProgressBar implements AutoCloseable {
    private final me.tongfei.progressbar.ProgressBar bar;

    private ProgressBar(me.tongfei.progressbar.ProgressBar bar) {
        this.bar = bar;
    }

    static ProgressBar forTokens(String task, long total, boolean enabled) {
        if (!enabled) return new ProgressBar(null);
        return new ProgressBar(new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit(" tok", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .showSpeed()
                .build());
    }

    void update(long done) {
        if (bar != null) bar.stepTo(done);
    }

    void finish() {
        if (bar != null) bar.stepTo(bar.getMax());
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
