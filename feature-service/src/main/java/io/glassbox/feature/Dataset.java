package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The rows of a dataset as read from its files, before the store indexes them.
 *
 * @param heapCheck looked at while the store is built from the rows: a data folder's first read
 *     (the start) carries one, a re-read or a dataset built in place {@link FolderHeapCheck#NONE}
 */
public record Dataset(List<Item> items, List<Interaction> interactions, FolderHeapCheck heapCheck) {
  public Dataset {
    items = List.copyOf(items);
    interactions = List.copyOf(interactions);
    requireNonNull(heapCheck, "heapCheck");
  }

  /** A dataset without a heap check. */
  public Dataset(List<Item> items, List<Interaction> interactions) {
    this(items, interactions, FolderHeapCheck.NONE);
  }

  /** Two datasets are equal when their rows are: the heap check is how they are loaded, not what. */
  @Override
  public boolean equals(Object other) {
    return other instanceof Dataset dataset && items.equals(dataset.items) && interactions.equals(dataset.interactions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(items, interactions);
  }

  @Override
  public String toString() {
    return "Dataset[items=" + items + ", interactions=" + interactions + "]";
  }

  /** One catalogue row. */
  public record Item(String itemId, String title, String brand, String category, double price) {
    public Item {
      requireNonNull(itemId, "itemId");
      requireNonNull(title, "title");
      requireNonNull(brand, "brand");
      requireNonNull(category, "category");
    }
  }

  /**
   * One interaction row.
   *
   * @param epochSeconds the second of the event's time
   * @param nanos the nanoseconds of the event's time within that second, 0..999,999,999
   * @param basketId the invoice; events of one user with the same basket id were bought together
   *     (empty when the data has no baskets)
   * @param sequence the order of events within a user that share a time
   */
  public record Interaction(String userId, String itemId, long epochSeconds, int nanos, EventType type,
                            String basketId, long sequence) {
    /**
     * Oldest first to the nanosecond, events of one moment in sequence (seq_pos, else file)
     * order: the order the store keeps a record in, and the trainer learns it in
     * (csv-event-order.tsv).
     */
    static final Comparator<Interaction> STORE_ORDER = Comparator.comparingLong(Interaction::epochSeconds)
        .thenComparingInt(Interaction::nanos).thenComparingLong(Interaction::sequence);

    public Interaction {
      requireNonNull(userId, "userId");
      requireNonNull(itemId, "itemId");
      requireNonNull(type, "type");
      requireNonNull(basketId, "basketId");
      if (nanos < 0 || nanos > 999_999_999) {
        throw new IllegalArgumentException("nanos must be 0..999999999, got " + nanos);
      }
    }

    /** The event's time. */
    Instant time() {
      return Instant.ofEpochSecond(epochSeconds, nanos);
    }
  }
}
