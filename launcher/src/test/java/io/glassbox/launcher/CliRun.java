package io.glassbox.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine;

/** One {@code bin/glassbox} command run in this JVM: its exit code and what it printed. */
record CliRun(int exit, String out, String err) {
  /** Runs {@code args} as {@code bin/glassbox} would, capturing standard output and error. */
  static CliRun of(String... args) {
    return capture(() -> GlassboxCli.commandLine().execute(args));
  }

  /** Runs one command object, set up by the test beforehand, on {@code args}. */
  static CliRun ofCommand(Object command, String... args) {
    return capture(() -> new CommandLine(command).execute(args));
  }

  /** A line of the suite's log, as server-kit's logback.xml starts it: with its ISO 8601 time and zone offset. */
  private static final Pattern LOG_LINE =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(?:Z|[+-]\\d{2}:\\d{2}) .*");

  /**
   * What the command printed to standard error, the log's lines set aside: a server of the suite
   * run in this JVM logs to the same stream.
   */
  String errWithoutLogLines() {
    return err.lines().filter(line -> !LOG_LINE.matcher(line).matches()).map(line -> line + "\n")
        .collect(Collectors.joining());
  }

  /** How many times {@code text} says {@code words}: a failure's reason belongs on its status line alone. */
  static int timesSaid(String text, String words) {
    return text.split(Pattern.quote(words), -1).length - 1;
  }

  private static CliRun capture(IntSupplier run) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    int exit;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      exit = run.getAsInt();
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
    return new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
