package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The served buy-again rule on evaluation cases, worked out by hand. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ServedBuyAgainRuleTest {

  @Test
  void regularItems_mostBasketsFirst_thenTheLaterPurchase_itemsBoughtOnceLeftOut() {
    // a: b1 b2 b3 (3); b: b1 b3 (2, last at position 6); c: b2 b3 (2, last at position 8);
    // d: b1 only, twice in one basket (1).
    List<String> history = List.of("a", "b", "d", "d", "a", "c", "b", "a", "c");
    List<String> baskets = List.of("b1", "b1", "b1", "b1", "b2", "b2", "b3", "b3", "b3");

    assertEquals(List.of("a", "c", "b"), ServedBuyAgainRule.regularItems(history, baskets, 2));
    assertEquals(List.of("a"), ServedBuyAgainRule.regularItems(history, baskets, 3));
    assertEquals(List.of(), ServedBuyAgainRule.regularItems(history, baskets, 4));
  }
}
