package io.glassbox.gateway;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RegularItem;
import io.glassbox.texts.ReasonTexts;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * The buy-again places of one Recommend answer: the user's regular items (bought in at least
 * the configured number of distinct orders; the feature service counts them over the user's
 * record as it keeps it, the newest GLASSBOX_FEATURE_MAX_EVENTS_PER_USER events, and orders them
 * most orders first, then most recently bought) take the first
 * places, and the model's ranking of new items fills the rest. The merge the trainer evaluated
 * (trainer/glassbox_trainer/timeaware.py, {@code buy_again_rows}). It is a rule, not a model
 * claim: its items carry no score and one reason that says only how often and when the user
 * bought them.
 *
 * @param items the regular items that take the first places, in order
 * @param orders the user's distinct orders (what the reasons count against)
 * @param latestOrdersOnly the store keeps only the newest part of the user's long record, so the
 *     counts are of their latest orders (and the reasons say so)
 * @param shopZone the zone of the shop's days, which the reasons give the last purchase's day in
 */
record BuyAgain(List<RegularItem> items, int orders, boolean latestOrdersOnly, ZoneId shopZone) {
  BuyAgain {
    items = List.copyOf(items);
    requireNonNull(shopZone, "shopZone");
  }

  /** No buy-again places. */
  static BuyAgain none() {
    return new BuyAgain(List.of(), 0, false, ZoneOffset.UTC);
  }

  /** Asks {@code history} for the user's regular items for {@code places} buy-again places (none for 0). */
  static void askForRegularItems(GetUserHistoryRequest.Builder history, int places, GatewayConfig config) {
    if (places > 0) {
      history.setRegularItemsMinBaskets(config.buyAgainMinBaskets()).setMaxRegularItems(places);
    }
  }

  /**
   * The first {@code places} of the user's regular items, as the feature service ordered them, with
   * the shop's zone it names (GLASSBOX_DATA_TIME_ZONE there), read by {@code zoneReader}.
   */
  static BuyAgain of(GetUserHistoryResponse history, int places, ShopZoneReader zoneReader) {
    List<RegularItem> regular = history.getRegularItemsList().subList(
        0, Math.min(places, history.getRegularItemsCount()));
    return new BuyAgain(regular, history.getOrders(), history.getOlderEventsDropped(),
        regular.isEmpty() ? ZoneOffset.UTC : zoneReader.named(history.getTimeZone()));
  }

  List<String> itemIds() {
    return items.stream().map(RegularItem::getItemId).toList();
  }

  /**
   * The one reason of a buy-again item: "You bought this in 4 of your 9 orders, most recently on
   * 2011-11-20." (the day in the shop's zone), citing the item itself.
   *
   * @param items display fields by id, for the title (the id stands in when the catalogue lacks it)
   */
  Reason reason(RegularItem item, Map<String, Item> items, String locale) {
    ReasonTexts texts = ReasonTexts.forLocale(locale);
    Item display = items.get(item.getItemId());
    String title = display == null || display.getTitle().isEmpty() ? item.getItemId() : display.getTitle();
    Instant last = Instant.ofEpochSecond(
        item.getLastPurchaseTime().getSeconds(), item.getLastPurchaseTime().getNanos());
    int ordersStated = Math.max(orders, item.getBaskets());
    return Reason.newBuilder()
        .setKind(ReasonKind.REASON_KIND_BUY_AGAIN)
        .setText(texts.buyAgain(item.getBaskets(), ordersStated, LocalDate.ofInstant(last, shopZone),
            latestOrdersOnly))
        .setLocale(texts.tag())
        .addEvidenceItemIds(item.getItemId())
        .addEvidenceTitles(title)
        .setOrdersWithItem(item.getBaskets())
        .setOrders(ordersStated)
        .setLatestOrdersOnly(latestOrdersOnly)
        .setLastPurchaseTime(item.getLastPurchaseTime())
        .build();
  }
}
