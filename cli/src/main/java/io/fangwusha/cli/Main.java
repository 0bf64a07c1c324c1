package io.fangwusha.cli;

import io.fangwusha.core.FangwushaException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code fangwusha} command. User errors print one line and exit 2; {@code --verbose} adds the stack trace. */
@Command(
        name = "fangwusha",
        mixinStandardHelpOptions = true,
        version = "fangwusha 0.1.0",
        description = "Run, evaluate and serve Qwen3 models in pure Java.",
        subcommands = {
            GenerateCommand.class,
            TokenizeCommand.class,
            PerplexityCommand.class,
            InitCommand.class,
            BenchCommand.class,
            QuantizeCommand.class,
            ServeCommand.class,
            ChatCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    public static final int USER_ERROR = 2;

    @Option(names = "--verbose", description = "Print stack traces for errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI in-process (tests use this) and returns the exit code. */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(System.out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(System.err, true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            Throwable user = userError(ex);
            if (user != null) {
                line.getErr().println("error: " + user.getMessage());
            } else {
                line.getErr().println("error: internal failure: " + ex);
            }
            if (verbose) ex.printStackTrace(line.getErr());
            line.getErr().flush();
            return user != null ? USER_ERROR : 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage());
            ex.getCommandLine().getErr().println("(see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            ex.getCommandLine().getErr().flush();
            return USER_ERROR;
        });
        return cl;
    }

    private static Throwable userError(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof FangwushaException) return t;
            if (t instanceof java.nio.file.NoSuchFileException nf) return new FangwushaException(nf.getFile() + ": no such file");
            if (t instanceof OutOfMemoryError) return new FangwushaException("out of memory: give the JVM more heap (FANGWUSHA_JAVA_OPTS=-Xmx...) or use --quant");
        }
        return null;
    }
}
