package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * One edit of the user's purchase record that a counterfactual row scores: the record without
 * some items (every occurrence; older purchases slide into the model window), or the record
 * reduced to some items only (in record order). The baseline is the record without nothing.
 *
 * @param kind which edit
 * @param items the items removed or kept
 */
record Counterfactual(Kind kind, Set<String> items) {
  /** Which edit. */
  enum Kind {
    /** The record without {@code items}. */
    WITHOUT,
    /** The record reduced to {@code items}. */
    ONLY
  }

  static final Counterfactual BASELINE = new Counterfactual(Kind.WITHOUT, Set.of());
  /** The record reduced to nothing: no purchases at all. */
  static final Counterfactual NO_PURCHASES = new Counterfactual(Kind.ONLY, Set.of());

  Counterfactual {
    requireNonNull(kind, "kind");
    items = Set.copyOf(items);
  }

  static Counterfactual without(Collection<String> items) {
    return new Counterfactual(Kind.WITHOUT, Set.copyOf(items));
  }

  static Counterfactual only(Collection<String> items) {
    return new Counterfactual(Kind.ONLY, Set.copyOf(items));
  }

  /** The edited record, oldest first. */
  List<String> apply(List<String> record) {
    if (kind == Kind.WITHOUT && items.isEmpty()) {
      return record;
    }
    boolean keep = kind == Kind.ONLY;
    return record.stream().filter(id -> items.contains(id) == keep).toList();
  }
}
