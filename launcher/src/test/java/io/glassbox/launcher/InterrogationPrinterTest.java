package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.AdditionSource;
import io.glassbox.api.v1.AdditionTrial;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.HistoryChange;
import io.glassbox.api.v1.HistoryItemEffect;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.WhatIfItem;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The terminal rendering of the interrogation answers: the cases the real suite rarely shows. */
class InterrogationPrinterTest {
  @Test
  void explainItem_withoutReasonsOrTitles_saysSoAndCountsWhatItLeavesToJson() {
    ExplainItemResponse.Builder response = ExplainItemResponse.newBuilder()
        .setItem(Item.newBuilder().setItemId("X9").setTitle("X9"))       // no catalogue title: the id
        .setRank(40).setRankedCandidateCount(500).setTopK(10).setScore(1.5f);
    for (int i = 0; i < InterrogationPrinter.SHOWN + 3; i++) {
      response.addEffects(HistoryItemEffect.newBuilder().setItemId("h" + i).setTitle("H" + i).setRankWithout(41 + i));
    }

    String text = new InterrogationPrinter().explainItem("u", response.build());

    assertTrue(text.startsWith("Item [X9] for user u\n"), text);
    assertTrue(text.contains("rank #40 among 500 candidates (top 10: out)"), text);
    assertTrue(text.contains("No reason: no purchase and no trend moves it enough to be cited."), text);
    assertTrue(text.contains("H0 [h0]  without it: rank #41"), text);
    assertFalse(text.contains("[h" + InterrogationPrinter.SHOWN + "]"), text);
    assertTrue(text.contains("... 3 more (--json prints all)"), text);
    assertTrue(text.contains("not among the 499 items retrieved for this user: Recommend does not rank it"), text);
    assertFalse(new InterrogationPrinter().explainItem("u", response.setRetrieved(true).build())
        .contains("not among"), "a retrieved item is not flagged");
  }

  /**
   * The purchases holding an item back are listed under their own heading, strongest first as the
   * answer orders them, not cut off behind a full list of those holding it up.
   */
  @Test
  void explainItem_purchasesHoldingItBack_areListedApartFromThoseHoldingItUp() {
    ExplainItemResponse.Builder response = ExplainItemResponse.newBuilder()
        .setItem(Item.newBuilder().setItemId("CA-011").setTitle("MUG")).setRank(27).setRankedCandidateCount(500)
        .setTopK(10).setScore(0.5f);
    for (int i = 0; i < InterrogationPrinter.SHOWN + 2; i++) {
      response.addEffects(HistoryItemEffect.newBuilder().setItemId("up" + i).setRankWithout(60 - i)
          .setScoreChange(-0.2f + 0.01f * i));
    }
    response.addEffects(HistoryItemEffect.newBuilder().setItemId("tea").setTitle("EARL GREY").setRankWithout(19)
        .setScoreChange(0.155f));
    response.addEffects(HistoryItemEffect.newBuilder().setItemId("same").setRankWithout(27).setScoreChange(0.001f));

    String text = new InterrogationPrinter().explainItem("u", response.build());

    assertTrue(text.contains("  Holding it up (without the purchase it ranks lower), strongest first:\n"
        + "    [up0]  without it: rank #60, score change -0.200"), text);
    assertTrue(text.contains("    ... 2 more (--json prints all)\n"
        + "  Holding it back (without the purchase it ranks higher), strongest first:\n"
        + "    EARL GREY [tea]  without it: rank #19, score change +0.155"), text);
    assertTrue(text.endsWith("  Leaving its rank as it is (#27 without the purchase too), largest score change first:\n"
        + "    [same]  without it: rank #27, score change +0.001; its contribution +0.000\n"), text);
  }

  /**
   * Without a purchase an item's score can rise while its rank falls, when other items' scores
   * rise more (and the other way round): before, "score change +0.208" under "Holding it up" read
   * as a contradiction with nothing to say why.
   */
  @Test
  void explainItem_scoreMovingAgainstTheRank_saysTheOthersMovedMore() {
    ExplainItemResponse response = ExplainItemResponse.newBuilder()
        .setItem(Item.newBuilder().setItemId("20727").setTitle("LUNCH BAG")).setRank(6).setRankedCandidateCount(500)
        .setTopK(10).setScore(0.9f)
        .addEffects(HistoryItemEffect.newBuilder().setItemId("gloss").setTitle("DOUGHNUT LIP GLOSS")
            .setRankWithout(17).setScoreChange(0.208f).setContribution(0.05f))
        .addEffects(HistoryItemEffect.newBuilder().setItemId("down").setRankWithout(9).setScoreChange(-0.1f))
        .addEffects(HistoryItemEffect.newBuilder().setItemId("tea").setTitle("EARL GREY").setRankWithout(3)
            .setScoreChange(-0.031f))
        .addEffects(HistoryItemEffect.newBuilder().setItemId("cup").setRankWithout(4).setScoreChange(0.12f))
        .build();

    String text = new InterrogationPrinter().explainItem("u", response);

    assertTrue(text.contains("  Holding it up (without the purchase it ranks lower), strongest first:\n"
        + "    DOUGHNUT LIP GLOSS [gloss]  without it: rank #17, score change +0.208, but others rise more;"
        + " its contribution +0.050\n"
        + "    [down]  without it: rank #9, score change -0.100; its contribution +0.000\n"), text);
    assertTrue(text.contains("  Holding it back (without the purchase it ranks higher), strongest first:\n"
        + "    EARL GREY [tea]  without it: rank #3, score change -0.031, but others fall more;"
        + " its contribution +0.000\n"
        + "    [cup]  without it: rank #4, score change +0.120; its contribution +0.000\n"), text);
    String whyNot = new InterrogationPrinter().whyNot("u", WhyNotResponse.newBuilder().setRank(14).setTopK(10)
        .addHoldingBack(response.getEffects(2).toBuilder().setRankWithout(11)).build());
    assertTrue(whyNot.contains("EARL GREY [tea]  without it: rank #11, score change -0.031, but others fall more;"),
        whyNot);
  }

  @Test
  void whyNot_namesTheChangesPurchasesByTitleWhereTheAnswerHasThem() {
    WhyNotResponse response = WhyNotResponse.newBuilder()
        .setItem(Item.newBuilder().setItemId("T").setTitle("TEAPOT")).setRank(14).setRankedCandidateCount(500)
        .setTopK(10).setKthItemId("K").setScoreGap(0.25f).setText("It ranks #14.")
        .addHoldingBack(HistoryItemEffect.newBuilder().setItemId("a").setTitle("APRON").setRankWithout(11))
        .setSmallestChange(HistoryChange.newBuilder().addRemoveItemIds("a").addRemoveItemIds("z").setRankAfter(9))
        .setSmallestAddition(HistoryChange.newBuilder().addAddItemIds("c").setRankAfter(8))
        .setAdditionsTried(20)
        .addSingleAdditions(AdditionTrial.newBuilder().setItemId("c").setTitle("CUP").setRankAfter(8)
            .setSource(AdditionSource.ADDITION_SOURCE_CO_PURCHASE))
        .build();

    String text = new InterrogationPrinter().whyNot("u", response);

    assertTrue(text.contains("; 0.250 below #10 (K)"), text);
    assertTrue(text.contains("Smallest removal found that brings it into the top 10: remove APRON [a], remove [z] -> rank #9"),
        text);
    assertTrue(text.contains("Smallest addition found that does: buy CUP [c] -> rank #8"), text);
    assertTrue(text.contains("CUP [c]  rank #8 after buying it (bought with it)"), text);

    String nothingHolds = new InterrogationPrinter().whyNot("u", response.toBuilder()
        .clearHoldingBack().clearSmallestChange().build());
    assertTrue(nothingHolds.contains("Smallest removal found that brings it into the top 10: none: no purchase holds"
        + " it back"), nothingHolds);

    String inTop = new InterrogationPrinter().whyNot("u", response.toBuilder().setInTopK(true).setRank(3).build());
    assertTrue(inTop.contains("rank #3 among 500 candidates, score 0.000; already in the top 10"), inTop);
    assertFalse(inTop.contains("Smallest"), inTop);
  }

  @Test
  void whatIf_saysWhatChangedAndListsTheItemsThatLeftTheTop() {
    WhatIfResponse response = WhatIfResponse.newBuilder().setTopK(2).setRankedCandidateCount(499)
        .addRanking(WhatIfItem.newBuilder().setItem(Item.newBuilder().setItemId("a").setTitle("APRON"))
            .setRankBefore(3).setRankAfter(1).setScoreBefore(1f).setScoreAfter(2f).setText("Up from #3 to #1."))
        .addLeftTopK(WhatIfItem.newBuilder().setItem(Item.newBuilder().setItemId("b").setTitle("BOWL"))
            .setRankBefore(1).setRankAfter(12).setText("Down from #1 to #12."))
        .addLeftTopK(WhatIfItem.newBuilder().setItem(Item.newBuilder().setItemId("y").setTitle("YARN"))
            .setRankBefore(2).setScoreBefore(1.5f).setText("Was #2; bought now, so it is no longer recommended."))
        .build();
    InterrogationPrinter printer = new InterrogationPrinter();

    String both = printer.whatIf("u", List.of("x"), List.of("y", "z"), response);
    assertTrue(both.startsWith("What if user u had not bought x and had bought y, z\n"), both);
    assertTrue(both.contains("new top 2 among 499 candidates"), both);
    assertTrue(both.contains("  #3 ->   #1  APRON [a]  score 1.000 -> 2.000\n       - Up from #3 to #1.\n"), both);
    assertTrue(both.contains("Left the top 2:\n    #1 ->  #12  BOWL [b]"), both);
    assertTrue(both.contains("\n    #2 -> bought  YARN [y]  score 1.500\n       - Was #2; bought now, so it is no "
        + "longer recommended.\n"), both);
    assertTrue(printer.whatIf("u", List.of(), List.of("y"), response).startsWith("What if user u had also bought y\n"));
    assertTrue(printer.whatIf("u", List.of("x"), List.of(), response).startsWith("What if user u had not bought x\n"));
    // An item removed twice is removed once (every purchase of it); one added twice is bought twice.
    assertTrue(printer.whatIf("u", List.of("x", "x"), List.of("y", "y"), response)
        .startsWith("What if user u had not bought x and had bought y, y\n"));
  }
}
