package org.dl4jmeta.app;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One in-process execution of an app command, with what it printed: the tests' harness for every command.
 *
 * @param code the exit code
 * @param out standard output
 * @param err standard error
 */
public record CliRun(int code, String out, String err) {

    /** @return the last non-blank line of standard output */
    public String lastLine() {
        String[] lines = out.strip().split("\\R");
        return lines[lines.length - 1];
    }

    /** @return exit code, stdout and stderr, for assertion messages */
    public String all() {
        return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }

    /**
     * @param args the app's arguments, e.g. {@code "gradcheck", "--arch", "tiny"}
     * @return the run
     */
    public static CliRun run(String... args) {
        return run(Main.commandLine(), args);
    }

    /**
     * @param command a command object (e.g. one with test hooks) or a configured command line
     * @param args its arguments
     * @return the run, with the app's error handling (bad input: exit 2)
     */
    public static CliRun run(Object command, String... args) {
        CommandLine cl = command instanceof CommandLine c ? c : Main.configure(new CommandLine(command));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
