package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * What a resend under an event id must repeat: the event's type, item and order (empty for
 * none). Not its time: a client that leaves the time to the gateway resends the same event with
 * a later one. Compared field by field; ids may hold any character, spaces and ":" included.
 */
public record EventIdentity(EventType type, String itemId, String basketId) {
  /** The words of a {@link #text} before its item id and before its order id. */
  private static final String OF = " of ";
  private static final String IN_ORDER = " in order ";

  public EventIdentity {
    requireNonNull(type, "type");
    requireNonNull(itemId, "itemId");
    requireNonNull(basketId, "basketId");
  }

  /**
   * The form the Redis store keeps under a dedupe key where the words read two ways ({@link #stored}),
   * which reads back one way only: the type,
   * the item id with its length before it, then the order id, e.g. {@code purchase:5:82482581180}
   * (as {@link NewEvent#dedupeKey} prefixes the user id). Equal forms are equal identities.
   */
  String encoded() {
    return type.wireName() + ":" + itemId.length() + ":" + itemId + basketId;
  }

  /**
   * What the Redis store keeps under a dedupe key: the {@link #text} an earlier build kept for every
   * event, where it names this identity alone (no order, an item id without " in order "), so that
   * a replica of that build takes a resend of the event as a duplicate during a rolling upgrade or
   * after a rollback; else {@link #encoded}. The words "purchase of A in order B" also name item
   * "A in order B" without an order, so an event with an order is always encoded.
   */
  String stored() {
    return basketId.isEmpty() && !itemId.contains(IN_ORDER) ? text(UnaryOperator.identity()) : encoded();
  }

  /** The identity {@link #encoded} wrote, or empty for a value of another form. */
  static Optional<EventIdentity> decode(String encoded) {
    int typeEnd = encoded.indexOf(':');
    int lengthEnd = encoded.indexOf(':', typeEnd + 1);
    if (typeEnd < 0 || lengthEnd < 0) {
      return Optional.empty();
    }
    Optional<EventType> type = decodeType(encoded.substring(0, typeEnd));
    int itemEnd;
    try {
      itemEnd = lengthEnd + 1 + Integer.parseInt(encoded.substring(typeEnd + 1, lengthEnd));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (type.isEmpty() || itemEnd <= lengthEnd || itemEnd > encoded.length()) {
      return Optional.empty();
    }
    return Optional.of(new EventIdentity(type.get(), encoded.substring(lengthEnd + 1, itemEnd),
        encoded.substring(itemEnd)));
  }

  /**
   * How a message names it, each id passed through {@code quote}: {@code purchase of 82482 in order
   * 581180}. Not to be read back: ids may hold " in order ".
   */
  String text(UnaryOperator<String> quote) {
    return type.wireName() + OF + quote.apply(itemId) + (basketId.isEmpty() ? "" : IN_ORDER + quote.apply(basketId));
  }

  /**
   * What {@code sent} changes of this identity, each id passed through {@code quote}, e.g.
   * {@code order (none first, "X1" now)} or {@code type (purchase first, click now) and item ("82482"
   * first, "22437" now)}: the fields a resend must repeat, so a caller sees why it was no resend.
   */
  String differences(EventIdentity sent, UnaryOperator<String> quote) {
    List<String> fields = new ArrayList<>();
    if (type != sent.type) {
      fields.add("type (" + type.wireName() + " first, " + sent.type.wireName() + " now)");
    }
    if (!itemId.equals(sent.itemId)) {
      fields.add("item (\"" + quote.apply(itemId) + "\" first, \"" + quote.apply(sent.itemId) + "\" now)");
    }
    if (!basketId.equals(sent.basketId)) {
      fields.add("order (" + quotedOrNone(basketId, quote) + " first, " + quotedOrNone(sent.basketId, quote) + " now)");
    }
    return String.join(" and ", fields);
  }

  private static String quotedOrNone(String id, UnaryOperator<String> quote) {
    return id.isEmpty() ? "none" : "\"" + quote.apply(id) + "\"";
  }

  /**
   * The identity whose {@link #text} is {@code text}, as the Redis store kept it before
   * {@link #encoded} (a dedupe key written by an earlier build, within its window). The text reads
   * several ways when an id holds " in order ": the item is the first reading whose item id is
   * in the catalogue ({@code inCatalogue}; the earlier event's item was), else the whole rest.
   */
  static EventIdentity parseText(String text, Predicate<String> inCatalogue) {
    int of = text.indexOf(OF);
    EventType type = (of < 0 ? Optional.<EventType>empty() : decodeType(text.substring(0, of)))
        .orElseThrow(() -> new IllegalArgumentException("not an event identity: " + text));
    String rest = text.substring(of + OF.length());
    List<EventIdentity> readings = new ArrayList<>();
    readings.add(new EventIdentity(type, rest, ""));
    for (int order = rest.indexOf(IN_ORDER); order >= 0; order = rest.indexOf(IN_ORDER, order + 1)) {
      readings.add(new EventIdentity(type, rest.substring(0, order), rest.substring(order + IN_ORDER.length())));
    }
    return readings.stream().filter(reading -> inCatalogue.test(reading.itemId())).findFirst().orElse(readings.get(0));
  }

  /** The type of exactly this wire name (not of its other spellings, as a request may use). */
  private static Optional<EventType> decodeType(String wireName) {
    return Arrays.stream(EventType.values()).filter(type -> type.wireName().equals(wireName)).findFirst();
  }
}
