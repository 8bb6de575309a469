package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** What a person sees when a client command finds no suite to call. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CliCallsTest {
  @Test
  void recommend_withNothingListening_exitsOneAndSaysHowToStartTheSuite() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();               // closed again: nothing listens there
    }
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    int exit;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      exit = new CommandLine(new GlassboxCli()).execute("recommend", "--user", "12348",
          "--target", "localhost:" + port);
    } finally {
      System.setErr(original);
    }

    String printed = err.toString(StandardCharsets.UTF_8);
    assertEquals(1, exit, printed);
    assertTrue(printed.contains("glassbox: UNAVAILABLE"), printed);
    assertTrue(printed.contains("nothing answered at localhost:" + port + ". Is the suite up?"), printed);
    assertTrue(printed.contains("bin/glassbox up"), printed);
  }
}
