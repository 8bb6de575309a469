package io.glassbox.feature;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** What a user did with an item; the wire names are the proto's {@code Event.event_type} values. */
public enum EventType {
  PURCHASE("purchase"),
  CLICK("click"),
  ADD_TO_CART("add_to_cart"),
  FEEDBACK_POSITIVE("feedback_positive"),
  FEEDBACK_NEGATIVE("feedback_negative");

  private final String wireName;

  EventType(String wireName) {
    this.wireName = wireName;
  }

  /** The name used in the API and in data files, e.g. {@code "add_to_cart"}. */
  public String wireName() {
    return wireName;
  }

  /** Parses a wire name; the empty string means {@link #PURCHASE} as the proto says. */
  public static Optional<EventType> fromWireName(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of(PURCHASE);
    }
    String lower = name.toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(type -> type.wireName.equals(lower)).findFirst();
  }

  /** The accepted wire names, for error messages. */
  public static String wireNames() {
    return Arrays.stream(values()).map(EventType::wireName).collect(Collectors.joining(", "));
  }
}
