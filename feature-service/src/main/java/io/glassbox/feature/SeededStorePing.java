package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

/**
 * Readiness's ping of Redis, then whether Redis still holds the dataset this service loaded
 * ({@link RedisEventStore#requireData}): a Redis that restarted empty answers PING as before, while
 * every item and user is gone. While the last ping failed, the store refuses reads at once.
 */
final class SeededStorePing implements StorePing {
  private final StorePing ping;
  private final RedisEventStore store;

  /** @param ping closed with this */
  SeededStorePing(StorePing ping, RedisEventStore store) {
    this.ping = requireNonNull(ping, "ping");
    this.store = requireNonNull(store, "store");
  }

  /**
   * Throws {@link StoreUnavailableException}, or {@link StoreDataLostException} once the data is
   * gone; the store refuses reads at once until a ping passes again ({@link RedisEventStore#check}).
   */
  @Override
  public void ping() {
    store.check(ping);
  }

  /** Seeds the dataset again, as at start ({@link RedisEventStore#reseed}). */
  @Override
  public void reseed() {
    store.reseed();
  }

  @Override
  public void close() {
    ping.close();
  }
}
