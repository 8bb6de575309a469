package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EventIdentityTest {
  private static final List<EventIdentity> LOOK_ALIKES = List.of(
      new EventIdentity(EventType.PURCHASE, "A in order B", ""),
      new EventIdentity(EventType.PURCHASE, "A", "B"),
      new EventIdentity(EventType.PURCHASE, "1:A", "B"),
      new EventIdentity(EventType.PURCHASE, "1", ":AB"),
      new EventIdentity(EventType.ADD_TO_CART, "😀:2:", "😀 in order "));

  @Test
  void encoded_readsBackAsTheSameIdentity_whateverTheIdsHold() {
    for (EventIdentity identity : LOOK_ALIKES) {
      assertEquals(Optional.of(identity), EventIdentity.decode(identity.encoded()));
    }
    assertEquals(LOOK_ALIKES.size(), LOOK_ALIKES.stream().map(EventIdentity::encoded).distinct().count());
  }

  @Test
  void differences_namesEachChangedFieldFirstThenNow_andNoneForNoOrder() {
    EventIdentity first = new EventIdentity(EventType.PURCHASE, "A", "");

    assertEquals("order (none first, \"X1\" now)",
        first.differences(new EventIdentity(EventType.PURCHASE, "A", "X1"), id -> id));
    assertEquals("type (purchase first, click now) and item (\"A\" first, \"B\" now) and order (none first, \"X1\" now)",
        first.differences(new EventIdentity(EventType.CLICK, "B", "X1"), id -> id));
    assertEquals("item (\"<A>\" first, \"<B>\" now)",
        first.differences(new EventIdentity(EventType.PURCHASE, "B", ""), id -> "<" + id + ">"));
  }

  @Test
  void decode_theWordsAnEarlierBuildStored_isNoIdentity() {
    assertEquals(Optional.empty(), EventIdentity.decode("purchase of A:1:B in order C"));
    assertEquals(Optional.empty(), EventIdentity.decode("1"));
  }

  @Test
  void parseText_idsHoldingTheWords_readsTheItemInTheCatalogue() {
    String text = "click of A in order B in order C";

    assertEquals(new EventIdentity(EventType.CLICK, "A in order B", "C"),
        EventIdentity.parseText(text, Set.of("A in order B")::contains));
    assertEquals(new EventIdentity(EventType.CLICK, "A", "B in order C"),
        EventIdentity.parseText(text, Set.of("A")::contains));
    assertEquals(new EventIdentity(EventType.CLICK, "A in order B in order C", ""),
        EventIdentity.parseText(text, Set.of("A in order B in order C")::contains));
  }
}
