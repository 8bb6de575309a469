package io.glassbox.launcher;

import io.glassbox.feature.EventType;
import io.glassbox.feature.RecordedEvent;
import io.glassbox.feature.RegularItems;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The buy-again rule exactly as the feature service serves it ({@link RegularItems}), applied to
 * an evaluation case's history, for {@code bin/glassbox evaluate-model --buy-again-slots}.
 */
final class ServedBuyAgainRule {
  private ServedBuyAgainRule() {}

  /**
   * The regular items of a history (oldest first, every event a purchase) with each event's
   * basket; the rule orders by record position, so the events' times only need to keep that order.
   */
  static List<String> regularItems(List<String> history, List<String> historyBaskets, int minBaskets) {
    List<RecordedEvent> record = new ArrayList<>(history.size());
    for (int i = 0; i < history.size(); i++) {
      record.add(new RecordedEvent(history.get(i), Instant.ofEpochSecond(i), EventType.PURCHASE,
          historyBaskets.get(i)));
    }
    return RegularItems.of(record, minBaskets, Integer.MAX_VALUE).items().stream()
        .map(RegularItems.RegularItem::itemId).toList();
  }
}
