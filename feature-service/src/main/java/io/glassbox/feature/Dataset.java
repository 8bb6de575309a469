package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;
import java.util.List;

/** The rows of a dataset as read from its files, before the store indexes them. */
public record Dataset(List<Item> items, List<Interaction> interactions) {
  public Dataset {
    items = List.copyOf(items);
    interactions = List.copyOf(interactions);
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
   * @param basketId the invoice; events of one user with the same basket id were bought together
   *     (empty when the data has no baskets)
   * @param sequence the order of events within a user that share a timestamp
   */
  public record Interaction(
      String userId, String itemId, long epochSeconds, EventType type, String basketId, long sequence) {
    /** Oldest first, rows of one second in file order: the order the store keeps a record in. */
    static final Comparator<Interaction> STORE_ORDER =
        Comparator.comparingLong(Interaction::epochSeconds).thenComparingLong(Interaction::sequence);

    public Interaction {
      requireNonNull(userId, "userId");
      requireNonNull(itemId, "itemId");
      requireNonNull(type, "type");
      requireNonNull(basketId, "basketId");
    }
  }
}
