package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The in-memory store's evictions on /metrics by segment, from 0 before the load: the alert on
 * protected evictions (customers losing their history) reads them.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EvictedUsersMetricTest {
  private final PrometheusRegistry metrics = new PrometheusRegistry();

  @Test
  void beforeTheLoad_bothSegmentsAreAtZero_thenEvictionsCountByTheSegmentTheyCameFrom() throws IOException {
    InMemoryEventStore store = observedStoreWithin(6);
    assertEquals(List.of(evicted("probation", 0), evicted("protected", 0)), samples());

    store.load(TestData.small());
    store.append(List.of(click("r1", 1)));
    store.append(List.of(click("r2", 2)));
    store.append(List.of(click("once", 3)));
    store.append(List.of(click("n1", 4)));
    // Past 6 users the least recently active on probation went first: r1.
    assertFalse(store.history("r1", 10).knownUser());
    assertEquals(List.of(evicted("probation", 1), evicted("protected", 0)), samples());
  }

  /** The dataset past the bound at load: its users are protected, and the eldest two go. */
  @Test
  void protectedUsersEvicted_countAsProtected() throws IOException {
    InMemoryEventStore store = observedStoreWithin(1);

    store.load(TestData.small());

    assertEquals(List.of(evicted("probation", 0), evicted("protected", 2)), samples());
  }

  /** An empty store of at most {@code maxUsers} users, its evictions registered on {@link #metrics}. */
  private InMemoryEventStore observedStoreWithin(int maxUsers) {
    InMemoryEventStore store = new InMemoryEventStore(100, 200, "GBP",
        new StoreBounds(10, maxUsers, 1000, Duration.ofDays(1), 1000), System::nanoTime);
    new EvictedUsersMetric(store).register(metrics);
    return store;
  }

  private static NewEvent click(String user, long second) {
    return new NewEvent(user, new RecordedEvent("A", Instant.ofEpochSecond(second), EventType.CLICK));
  }

  private static String evicted(String segment, int count) {
    return EvictedUsersMetric.NAME + "_total{segment=\"" + segment + "\"} " + count + ".0";
  }

  private List<String> samples() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(out, metrics.scrape());
    return out.toString(StandardCharsets.UTF_8).lines()
        .filter(line -> line.startsWith(EvictedUsersMetric.NAME + "_total")).toList();
  }
}
