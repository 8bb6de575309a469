package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which failures of a scrape are the client's doing (logged at DEBUG) and which stay errors. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MetricsPortTest {
  @Test
  void clientGone_aResetOrABrokenPipe_asTheJdkWordsThem() {
    assertTrue(MetricsPort.clientGone(new IOException("Connection reset by peer")));
    assertTrue(MetricsPort.clientGone(new IOException("Connection reset")));
    assertTrue(MetricsPort.clientGone(new IOException("Broken pipe")));
    assertTrue(MetricsPort.clientGone(new IOException(
        "An established connection was aborted by the software in your host machine")));
  }

  @Test
  void clientGone_notAnyOtherFailure() {
    assertFalse(MetricsPort.clientGone(new IOException("No space left on device")));
    assertFalse(MetricsPort.clientGone(new IOException("insufficient bytes written to stream")));
    assertFalse(MetricsPort.clientGone(new IOException()));
  }
}
