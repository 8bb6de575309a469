package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.glassbox.server.ConfigSource;
import io.grpc.Deadline;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CallBudgetTest {
  /** A clock that stands still, so remaining times are exact. */
  private static final class StoppedTicker extends Deadline.Ticker {
    @Override
    public long nanoTime() {
      return 0;
    }
  }

  private final Deadline.Ticker ticker = new StoppedTicker();
  private final GatewayConfig config = GatewayConfig.load(ConfigSource.of(Map.of(
      "GLASSBOX_DEFAULT_DEADLINE", "3s",
      "GLASSBOX_GATEWAY_MODEL_TIMEOUT", "1s",
      "GLASSBOX_EXPLAIN_TIMEOUT", "800ms",
      "GLASSBOX_GATEWAY_DEADLINE_MARGIN", "50ms")));

  private long millis(Deadline deadline) {
    return deadline.timeRemaining(TimeUnit.MILLISECONDS);
  }

  @Test
  void callerWithoutDeadline_getsTheDefault() {
    CallBudget budget = CallBudget.of(null, config, ticker);

    assertEquals(3_000, millis(budget.callerDeadline()));
    assertEquals(1_000, millis(budget.modelDeadline()));
    assertEquals(800, millis(budget.explainDeadline()));
  }

  @Test
  void generousCaller_keepsItsDeadlineForFeatureCallsAndOwnBudgetsElsewhere() {
    Deadline caller = Deadline.after(10, TimeUnit.SECONDS, ticker);
    CallBudget budget = CallBudget.of(caller, config, ticker);

    assertSame(caller, budget.callerDeadline());
    assertEquals(1_000, millis(budget.modelDeadline()));
    assertEquals(800, millis(budget.explainDeadline()));
  }

  @Test
  void hurriedCaller_capsModelAndExplainAtItsDeadlineLessTheMargin() {
    CallBudget budget = CallBudget.of(Deadline.after(500, TimeUnit.MILLISECONDS, ticker), config,
        ticker);

    assertEquals(450, millis(budget.modelDeadline()));
    assertEquals(450, millis(budget.explainDeadline()));
  }

  @Test
  void callerWithLessThanTwoMarginsLeft_keepsBackHalfItsTime_notTheWholeMargin() {
    CallBudget tight = CallBudget.of(Deadline.after(40, TimeUnit.MILLISECONDS, ticker), config, ticker);
    assertEquals(20, millis(tight.modelDeadline()));
    assertEquals(20, millis(tight.explainDeadline()));

    CallBudget twoMargins = CallBudget.of(Deadline.after(100, TimeUnit.MILLISECONDS, ticker), config, ticker);
    assertEquals(50, millis(twoMargins.modelDeadline()));

    CallBudget expired = CallBudget.of(Deadline.after(-5, TimeUnit.MILLISECONDS, ticker), config, ticker);
    assertEquals(-5, millis(expired.modelDeadline()));
  }
}
