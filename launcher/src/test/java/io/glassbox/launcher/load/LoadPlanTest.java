package io.glassbox.launcher.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoadPlanTest {
  private static final Duration SECOND = Duration.ofSeconds(1);

  @Test
  void schedule_spacesCallsEvenlyFromZero() {
    LoadPlan plan = new LoadPlan(3, SECOND, 1, SECOND);

    assertEquals(3, plan.requestCount());
    assertEquals(0, plan.dueOffsetNanos(0));
    assertEquals(333_333_333, plan.dueOffsetNanos(1));
    assertEquals(666_666_667, plan.dueOffsetNanos(2));
    assertEquals(15_000, new LoadPlan(50, Duration.ofMinutes(5), 64, SECOND).requestCount());
  }

  @Test
  void plan_outsideItsBounds_isRefusedWithTheReason() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoadPlan(0, SECOND, 1, SECOND))
        .getMessage().contains("rate"));
    assertThrows(IllegalArgumentException.class, () -> new LoadPlan(5_001, SECOND, 1, SECOND));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoadPlan(1, Duration.ofHours(2), 1, SECOND))
        .getMessage().contains("duration"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoadPlan(5_000, Duration.ofHours(1), 1, SECOND))
        .getMessage().contains("calls"));
    assertThrows(IllegalArgumentException.class, () -> new LoadPlan(1, SECOND, 0, SECOND));
    assertThrows(IllegalArgumentException.class, () -> new LoadPlan(1, SECOND, 1, Duration.ofMinutes(2)));
    assertThrows(IllegalArgumentException.class, () -> new LoadPlan(0.5, SECOND, 1, SECOND));
  }

  @Test
  void target_mustBeThisMachine() {
    assertEquals("localhost:50051", LoopbackTarget.require("localhost:50051"));
    assertEquals("127.0.0.1:1", LoopbackTarget.require("127.0.0.1:1"));
    assertEquals("[::1]:50051", LoopbackTarget.require("[::1]:50051"));
    assertEquals("dns:///localhost:50051", LoopbackTarget.require("dns:///localhost:50051"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> LoopbackTarget.require("10.1.2.3:50051"))
        .getMessage().contains("loopback"));
    assertThrows(IllegalArgumentException.class, () -> LoopbackTarget.require("localhost"));
    assertThrows(IllegalArgumentException.class, () -> LoopbackTarget.require("localhost:70000"));
    assertThrows(IllegalArgumentException.class, () -> LoopbackTarget.require("dns://8.8.8.8/localhost:1"));
  }
}
