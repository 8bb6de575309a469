package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ReasonTextsTest {

  @Test
  void history_enUs_twoItems() {
    assertEquals(
        "Because you bought WHITE HANGING HEART T-LIGHT HOLDER and JUMBO BAG RED RETROSPOT: "
            + "without them it would rank #27 instead of #3.",
        ReasonTexts.history("en-US",
            List.of("WHITE HANGING HEART T-LIGHT HOLDER", "JUMBO BAG RED RETROSPOT"), 3, 27));
  }

  @Test
  void history_enUs_oneAndThreeItems() {
    assertEquals("Because you bought A: without it, it would rank #5 instead of #1.",
        ReasonTexts.history("en-US", List.of("A"), 1, 5));
    assertEquals("Because you bought A, B and C: without them it would rank #9 instead of #2.",
        ReasonTexts.history("en-US", List.of("A", "B", "C"), 2, 9));
  }

  @Test
  void history_zhCn_quotesTitlesAndNamesBothRanks() {
    assertEquals("因为您购买过「A」和「B」：如果没有它们，它会从第 3 位降到第 27 位。",
        ReasonTexts.history("zh-CN", List.of("A", "B"), 3, 27));
    assertEquals("因为您购买过「A」、「B」和「C」：如果没有它们，它会从第 1 位降到第 4 位。",
        ReasonTexts.history("zh-CN", List.of("A", "B", "C"), 1, 4));
    assertEquals("因为您购买过「A」：如果没有它，它会从第 1 位降到第 2 位。",
        ReasonTexts.history("zh-CN", List.of("A"), 1, 2));
  }

  @Test
  void history_titleWithPercentSign_isShownAsIs() {
    assertEquals("Because you bought 100% COTTON APRON: without it, it would rank #2 instead of #1.",
        ReasonTexts.history("en-US", List.of("100% COTTON APRON"), 1, 2));
  }

  @Test
  void retrievalTexts_bothLocales() {
    assertEquals("Often bought together with A and B.", ReasonTexts.coPurchase("en-US", List.of("A", "B")));
    assertEquals("经常与「A」和「B」一起购买。", ReasonTexts.coPurchase("zh-CN", List.of("A", "B")));
    assertEquals("Often bought together with items you bought.", ReasonTexts.coPurchase("en-US", List.of()));
    assertEquals("经常与您购买过的商品一起购买。", ReasonTexts.coPurchase("zh-CN", List.of()));
    assertEquals("One of the shop's best sellers.", ReasonTexts.popular("en-US"));
    assertEquals("本店热销商品。", ReasonTexts.popular("zh-CN"));
  }
}
