package io.glassbox.feature;

/**
 * Asks the store's backend whether it answers, for {@link StoreReadiness}: one ping at a time, on
 * its thread. The in-memory store has no backend: {@link #NONE}.
 */
interface StorePing extends AutoCloseable {
  /** The in-memory store's: the store is the process, so there is nothing to ask. */
  StorePing NONE = () -> {};

  /**
   * Returns once the backend answers a trivial command, within a deadline of the ping's own;
   * throws {@link StoreUnavailableException} when it does not.
   */
  void ping();

  /**
   * Seeds the backend again after {@link #ping} threw {@link StoreDataLostException}; throws, the
   * data still lost, when it cannot. Only a ping that can throw that seeds.
   */
  default void reseed() {
    throw new IllegalStateException("this store's backend cannot lose its data");
  }

  /** Releases the ping's connection; nothing else uses it. */
  @Override
  default void close() {}
}
