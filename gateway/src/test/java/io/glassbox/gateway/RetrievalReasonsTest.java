package io.glassbox.gateway;

import static io.glassbox.gateway.TestCatalogue.coPurchase;
import static io.glassbox.gateway.TestCatalogue.item;
import static io.glassbox.gateway.TestCatalogue.popular;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.ReasonKind;
import io.glassbox.api.v1.RetrievalSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RetrievalReasonsTest {
  private static final Map<String, Item> ITEMS = Map.of(
      "h1", item("h1").toBuilder().setTitle("RED MUG").build(),
      "h2", item("h2").toBuilder().setTitle("BLUE CUP").build());

  @Test
  void coPurchase_citesTheViaItemsByTitleInEnglish() {
    Reason reason = RetrievalReasons.of(coPurchase("x", 1, "h1", "h2"), ITEMS, "en-US").get(0);

    assertEquals(ReasonKind.REASON_KIND_CO_PURCHASE, reason.getKind());
    assertEquals("It has been bought together with RED MUG and BLUE CUP, which you bought.", reason.getText());
    assertEquals("en-US", reason.getLocale());
    assertEquals(List.of("h1", "h2"), reason.getEvidenceItemIdsList());
    assertEquals(List.of("RED MUG", "BLUE CUP"), reason.getEvidenceTitlesList());
    assertEquals(0, reason.getRankWithoutEvidence());
  }

  @Test
  void coPurchase_citesTheViaItemsByTitleInChinese() {
    Reason reason = RetrievalReasons.of(coPurchase("x", 1, "h1", "h2"), ITEMS, "zh-CN").get(0);

    assertEquals("它曾和您买过的「RED MUG」和「BLUE CUP」被一起购买。", reason.getText());
    assertEquals("zh-CN", reason.getLocale());
  }

  @Test
  void coPurchase_withTheSharedOrders_statesThemPerViaItem_andTheOrdersTheyCount() {
    Candidate candidate = coPurchase("x", 1, "h1", "h2").toBuilder().clearViaSharedOrders().addViaSharedOrders(12).addViaSharedOrders(1)
        .setViaMaxBasketSize(100).build();

    Reason reason = RetrievalReasons.of(candidate, ITEMS, "en-US").get(0);

    assertEquals("It has been bought together with RED MUG (in 12 orders of up to 100 different items) and BLUE CUP"
        + " (in one order of up to 100 different items), which you bought.", reason.getText());
  }

  @Test
  void popular_withItsPurchases_statesThem() {
    Candidate candidate = popular("x", 1).toBuilder().setPurchases(1969).build();

    assertEquals("Among the shop's top 10% best-selling items: bought 1969 times.",
        RetrievalReasons.of(candidate, ITEMS, "en-US").get(0).getText());
  }

  @Test
  void coPurchase_viaItemOutsideTheCatalogue_isCitedById() {
    Reason reason = RetrievalReasons.of(coPurchase("x", 1, "gone"), ITEMS, "en-US").get(0);

    assertEquals(List.of("gone"), reason.getEvidenceTitlesList());
    assertEquals("It has been bought together with gone, which you bought.", reason.getText());
  }

  /**
   * Without a via item it may cite (CitablePairs left none: each shares too few orders) there is
   * no co-purchase reason: "bought together with items you bought" would still tell a shopper
   * with one purchase what someone else's order held.
   */
  @Test
  void coPurchase_withoutViaItems_givesNoCoPurchaseReason() {
    Candidate both = coPurchase("x", 1).toBuilder().addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR)
        .setBestSeller(false).setPurchases(3).build();

    assertEquals(List.of(), RetrievalReasons.of(coPurchase("x", 1), ITEMS, "en-US"));
    assertEquals(List.of(ReasonKind.REASON_KIND_SALES),
        RetrievalReasons.of(both, ITEMS, "en-US").stream().map(Reason::getKind).toList());
  }

  @Test
  void popular_isABestSellerReasonWithoutEvidence() {
    List<Reason> reasons = RetrievalReasons.of(popular("x", 1), ITEMS, "zh-CN");

    assertEquals(1, reasons.size());
    assertEquals(ReasonKind.REASON_KIND_POPULAR, reasons.get(0).getKind());
    assertEquals("本店销量前 10% 的商品。", reasons.get(0).getText());
    assertEquals(List.of(), reasons.get(0).getEvidenceItemIdsList());
  }

  @Test
  void popular_notABestSeller_statesItsPurchasesAndClaimsNoPopularity() {
    // In a shop of a few hundred items every item bought is among the 500 most bought.
    Candidate once = popular("x", 1).toBuilder().setBestSeller(false).setPurchases(1).build();

    Reason en = RetrievalReasons.of(once, ITEMS, "en-US").get(0);
    Reason zh = RetrievalReasons.of(once, ITEMS, "zh-CN").get(0);

    assertEquals(ReasonKind.REASON_KIND_SALES, en.getKind());
    assertEquals("It has been bought once in this shop.", en.getText());
    assertEquals(ReasonKind.REASON_KIND_SALES, zh.getKind());
    assertEquals("它在本店已被购买 1 次。", zh.getText());
    assertEquals("zh-CN", zh.getLocale());
    assertEquals(List.of(), en.getEvidenceItemIdsList());
  }

  @Test
  void bothSources_giveCoPurchaseFirst() {
    Candidate both = coPurchase("x", 1, "h1").toBuilder()
        .addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR).setBestSeller(true).build();

    assertEquals(List.of(ReasonKind.REASON_KIND_CO_PURCHASE, ReasonKind.REASON_KIND_POPULAR),
        RetrievalReasons.of(both, ITEMS, "en-US").stream().map(Reason::getKind).toList());
  }
}
