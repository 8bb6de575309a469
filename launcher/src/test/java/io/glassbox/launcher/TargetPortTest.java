package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a --target's port is read: as gRPC reads it, and never left out. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TargetPortTest {
  /** Without a port gRPC called 443, where no server of the suite listens, and said nothing answered. */
  @Test
  void target_withoutAPort_isAUsageError() {
    for (String target : List.of("localhost", "dns:///localhost", "[::1]", "localhost:")) {
      CliRun run = CliRun.of("health", "--target", target);

      assertEquals(2, run.exit(), target + ": " + run.err());
      assertTrue(run.err().startsWith("Invalid value for option '--target': '" + target + "' is not an address:"
          + " it has no port; give host:port (localhost:50051)\n"), run.err());
    }
  }
}
