package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.server.ConfigSource;
import io.grpc.Status;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Load's summary line of a failure, from a server's own words. */
class CallHintsOneLineTest {
  /** R115's review: an ANSI escape or a bidi control in a server's description reached the terminal raw. */
  @Test
  void controlCharactersOfAServersDescription_areEscaped() {
    Status status = Status.FAILED_PRECONDITION.withDescription("version \u001B[31mred\u001B[0m \u202Eevil");

    assertEquals("version \\u001B[31mred\\u001B[0m \\u202Eevil",
        CallHints.oneLine(status, "localhost:1", ConfigSource.of(Map.of())));
  }

  @Test
  void longDescription_isCutBeforeAPairOfSurrogatesNotInside() {
    String words = "x".repeat(158) + "\uD83D\uDE00" + "y".repeat(10);

    String line = CallHints.oneLine(Status.FAILED_PRECONDITION.withDescription(words), "localhost:1",
        ConfigSource.of(Map.of()));

    assertEquals("x".repeat(158) + "…", line);
  }
}
