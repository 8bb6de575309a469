package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Deadline;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ServerMetricsTest {
  /** A clock that stands still, so that the time left is what the test says. */
  private static final Deadline.Ticker STILL = new Deadline.Ticker() {
    @Override
    public long nanoTime() {
      return 0;
    }
  };

  private static Deadline in(long millis) {
    return Deadline.after(millis, TimeUnit.MILLISECONDS, STILL);
  }

  private static long millis(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /**
   * Before, a cancel within 250 ms of the deadline counted DEADLINE_EXCEEDED whatever the call's
   * timeout: with a timeout of 250 ms or less every cancel did, one its client sent after 5 ms
   * included, as did the gateway's cancel of the other Score shards within a short budget.
   */
  @Test
  void unansweredEnd_aShortTimeoutCancelledEarly_isCancelled_nearItsDeadline_isTheDeadlines() {
    assertEquals(Status.Code.CANCELLED, ServerMetrics.unansweredEnd(in(195), millis(5)), "200 ms, cancelled after 5");
    assertEquals(Status.Code.CANCELLED, ServerMetrics.unansweredEnd(in(100), millis(100)), "200 ms, halfway");
    assertEquals(Status.Code.DEADLINE_EXCEEDED, ServerMetrics.unansweredEnd(in(40), millis(160)),
        "200 ms, within its quarter");
    assertEquals(Status.Code.DEADLINE_EXCEEDED, ServerMetrics.unansweredEnd(in(-3), millis(203)), "past it");
  }

  @Test
  void unansweredEnd_aLongTimeout_keeps250msOfSlack() {
    assertEquals(Status.Code.DEADLINE_EXCEEDED, ServerMetrics.unansweredEnd(in(240), millis(9760)));
    assertEquals(Status.Code.CANCELLED, ServerMetrics.unansweredEnd(in(260), millis(9740)));
    assertEquals(Status.Code.CANCELLED, ServerMetrics.unansweredEnd(null, millis(5)), "no deadline");
  }
}
