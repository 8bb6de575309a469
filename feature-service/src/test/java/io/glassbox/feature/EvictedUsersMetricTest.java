package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * protected and demoted evictions (customers losing their history) reads them.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EvictedUsersMetricTest {
  private final PrometheusRegistry metrics = new PrometheusRegistry();

  @Test
  void beforeTheLoad_everySegmentIsAtZero_thenEvictionsCountByTheSegmentTheyCameFrom() throws IOException {
    InMemoryEventStore store = observedStoreWithin(6);
    assertEquals(List.of(evicted("demoted", 0), evicted("probation", 0), evicted("protected", 0)), samples());

    store.load(TestData.small());
    store.append(List.of(click("r1", 1)));
    store.append(List.of(click("r2", 2)));
    store.append(List.of(click("once", 3)));
    store.append(List.of(click("n1", 4)));
    // Past 6 users the least recently active on probation went first: r1.
    assertFalse(store.history("r1", 10).knownUser());
    assertEquals(List.of(evicted("demoted", 0), evicted("probation", 1), evicted("protected", 0)), samples());
  }

  /** The dataset past the bound at load: its users are protected, and the eldest two go. */
  @Test
  void protectedUsersEvicted_countAsProtected() throws IOException {
    InMemoryEventStore store = observedStoreWithin(1);

    store.load(TestData.small());

    assertEquals(List.of(evicted("demoted", 0), evicted("probation", 0), evicted("protected", 2)), samples());
  }

  /**
   * A customer put back on probation (the protected segment holds at most 80% of 3 users: the
   * dataset's least recently active, u3) and then evicted by a new id is a customer losing their
   * history, not a one-call user: counted as demoted, which the alert reads.
   */
  @Test
  void demotedUserEvicted_countsAsDemoted_notProbation() throws IOException {
    InMemoryEventStore store = observedStoreWithin(3);
    store.load(TestData.small());
    assertFalse(store.isProtected("u3"));

    store.append(List.of(click("n1", 1)));

    assertFalse(store.history("u3", 10).knownUser());
    assertEquals(List.of(evicted("demoted", 1), evicted("probation", 0), evicted("protected", 0)), samples());
  }

  /**
   * u3 comes back (protected again), which puts u2 back on probation; the next new id evicts u2
   * (demoted), the one after it n1 (a one-call user: probation).
   */
  @Test
  void userDemotedByAReturningOne_countsAsDemoted_newUsersAsProbation() throws IOException {
    InMemoryEventStore store = observedStoreWithin(3);
    store.load(TestData.small());
    store.append(List.of(click("u3", 1)));
    assertTrue(store.isProtected("u3"));

    assertFalse(store.isProtected("u2"));

    store.append(List.of(click("n1", 2)));
    assertFalse(store.history("u2", 10).knownUser());
    store.append(List.of(click("n2", 3)));
    assertFalse(store.history("n1", 10).knownUser());

    assertEquals(List.of(evicted("demoted", 1), evicted("probation", 1), evicted("protected", 0)), samples());
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
