package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class WarningLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final WarningLimiter limiter = new WarningLimiter(Duration.ofSeconds(60), now::get);

  @Test
  void firstWarning_passes_repeatsWithinTheInterval_areHeldBack_andCountedInTheNext() {
    assertEquals(0, limiter.tryAcquire());
    assertEquals(-1, limiter.tryAcquire());
    now.addAndGet(TimeUnit.SECONDS.toNanos(59));
    assertEquals(-1, limiter.tryAcquire());

    now.addAndGet(TimeUnit.SECONDS.toNanos(1));

    assertEquals(2, limiter.tryAcquire());
    assertEquals(-1, limiter.tryAcquire());
  }
}
