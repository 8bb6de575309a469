package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.ExplanationsDegradedCause;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.RankingDegradedCause;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.RetrievalSource;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The terminal rendering says how buy-again places and the model's ranks relate. */
class RecommendationPrinterTest {
  private static RecommendedItem item(int rank, String id, RetrievalSource source, String reason) {
    return RecommendedItem.newBuilder().setRank(rank).setItem(Item.newBuilder().setItemId(id).setTitle("T" + id))
        .addSources(source).addReasons(Reason.newBuilder().setText(reason)).build();
  }

  @Test
  void mixedAnswer_saysTheModelsRanksCountAmongTheNewItems() {
    String text = new RecommendationPrinter().render("u", RecommendResponse.newBuilder()
        .addItems(item(1, "a", RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN, "You bought this in 2 of your 4 orders"))
        .addItems(item(2, "b", RetrievalSource.RETRIEVAL_SOURCE_POPULAR, "Popular lately"))
        .addItems(item(3, "c", RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, "Because you bought x"))
        .build());

    assertTrue(text.contains("the first place is a regular item (buy-again); the model ranks the other 2"), text);
    assertTrue(text.contains("buy again (one of your regular items; placed by rule, not scored)"), text);
    assertTrue(text.contains("- Because you bought x"), text);
  }

  @Test
  void degradedAnswer_saysWhyTheModelServiceDidNotRank() {
    RecommendResponse.Builder answer = RecommendResponse.newBuilder().setRankingDegraded(true)
        .addItems(item(1, "b", RetrievalSource.RETRIEVAL_SOURCE_POPULAR, "One of the shop's best sellers"));

    String down = new RecommendationPrinter().render("u",
        answer.setRankingDegradedCause(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE).build());
    String refused = new RecommendationPrinter().render("u",
        answer.setRankingDegradedCause(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_REFUSED_CREDENTIALS).build());
    String busy = new RecommendationPrinter().render("u",
        answer.setRankingDegradedCause(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_BUSY).build());

    // Before, both said "the model could not rank in time".
    assertTrue(down.contains("note: the model service is unavailable; items are in retrieval order."), down);
    assertTrue(refused.contains("note: the model service refused the gateway's credentials (an operator must give the"
        + " gateway a key the model service accepts: GLASSBOX_CLIENT_KEY_FILE); items are in retrieval order."),
        refused);
    assertTrue(busy.contains("note: the model service was busy (at its limit of calls at once); items are in"
        + " retrieval order."), busy);
  }

  /**
   * Before, "note: model explanations unavailable; reasons come from retrieval statistics only.":
   * jargon to whoever reads it, and no word of why.
   */
  @Test
  void explanationsDegraded_saysInPlainWordsWhatTheReasonsAreAndWhy() {
    String text = new RecommendationPrinter().render("u", RecommendResponse.newBuilder().setExplanationsDegraded(true)
        .setExplanationsDegradedCause(ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_EXPLAIN_FAILED)
        .addItems(item(1, "b", RetrievalSource.RETRIEVAL_SOURCE_POPULAR, "It has been bought 3 times in this shop."))
        .build());

    assertTrue(text.contains("  note: the model's reasons are missing: the service that explains the model's picks"
        + " did not answer in time, or failed. The reasons shown are the shop's order statistics (how often an item"
        + " was bought, and with what), not why the model picked it.\n"), text);
    assertFalse(text.contains("retrieval statistics"), text);
  }

  /**
   * Before, every degraded answer blamed the explain service: with the model service down it was
   * never asked, and the model picked nothing; when it answered but left items out, it had not failed.
   */
  @Test
  void explanationsDegraded_namesTheTrueCause_notTheExplainServiceWhenTheModelDidNotRankOrItAnswered() {
    RecommendResponse.Builder answer = RecommendResponse.newBuilder().setExplanationsDegraded(true)
        .addItems(item(1, "b", RetrievalSource.RETRIEVAL_SOURCE_POPULAR, "It has been bought 3 times in this shop."));

    String notRanked = new RecommendationPrinter().render("u", answer.setRankingDegraded(true)
        .setRankingDegradedCause(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE)
        .setExplanationsDegradedCause(ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_MODEL_DID_NOT_RANK).build());
    String leftOut = new RecommendationPrinter().render("u", answer.setRankingDegraded(false)
        .setRankingDegradedCause(RankingDegradedCause.RANKING_DEGRADED_CAUSE_UNSPECIFIED)
        .setExplanationsDegradedCause(ExplanationsDegradedCause.EXPLANATIONS_DEGRADED_CAUSE_ITEMS_LEFT_OUT).build());

    assertTrue(notRanked.contains("  note: the model did not rank these items, so it has no reasons to give: the"
        + " reasons shown are the shop's order statistics (how often an item was bought, and with what).\n"), notRanked);
    assertTrue(leftOut.contains("  note: the model's reasons are missing for some items: the service that explains"
        + " the model's picks answered, but gave none for them. Their reasons are the shop's order statistics (how"
        + " often an item was bought, and with what), not why the model picked them.\n"), leftOut);
    for (String text : List.of(notRanked, leftOut)) {
      assertFalse(text.contains("did not answer in time, or failed"), text);
    }
  }

  /** Before, a degraded answer's retrieval score was printed as "score", like the model's. */
  @Test
  void degradedAnswer_labelsEachScoreAsRetrievals_aRankedOneAsTheModels() {
    RecommendResponse.Builder answer = RecommendResponse.newBuilder().addItems(item(1, "b",
        RetrievalSource.RETRIEVAL_SOURCE_POPULAR, "One of the shop's best sellers").toBuilder().setScore(0.25f));

    String degraded = new RecommendationPrinter().render("u", answer.setRankingDegraded(true)
        .setRankingDegradedCause(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE).build());
    String ranked = new RecommendationPrinter().render("u", answer.setRankingDegraded(false)
        .clearRankingDegradedCause().build());

    assertTrue(degraded.contains("  1. Tb  [b]  retrieval score 0.250  via popular\n"), degraded);
    assertTrue(ranked.contains("  1. Tb  [b]  score 0.250  via popular\n"), ranked);
  }

  @Test
  void degradedAnswer_withBuyAgain_saysTheOthersAreInRetrievalOrder_notRankedByTheModel() {
    RecommendResponse.Builder answer = RecommendResponse.newBuilder().setRankingDegraded(true)
        .addItems(item(1, "a", RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN, "You bought this in 2 of your 4 orders"))
        .addItems(item(2, "b", RetrievalSource.RETRIEVAL_SOURCE_POPULAR, "One of the shop's best sellers"));

    String timedOut = new RecommendationPrinter().render("u",
        answer.setRankingDegradedCause(RankingDegradedCause.RANKING_DEGRADED_CAUSE_MODEL_TIMED_OUT).build());
    String unknown = new RecommendationPrinter().render("u", answer.setModelKnowsNoCandidate(true)
        .setRankingDegradedCause(RankingDegradedCause.RANKING_DEGRADED_CAUSE_UNSPECIFIED).build());

    assertTrue(timedOut.contains("note: the model service did not answer in time; items are in retrieval order."),
        timedOut);
    assertTrue(unknown.contains("note: the model knows none of the items it could rank for this user"), unknown);
    assertFalse(unknown.contains("in time"), unknown);
    for (String text : List.of(timedOut, unknown)) {
      assertTrue(text.contains("the first place is a regular item (buy-again); the other place is in retrieval order."), text);
      assertFalse(text.contains("the model ranks"), text);
    }
  }

  @Test
  void newcomer_isShownAsPlacedByRule_andTheModelsPlacesLeaveItOut() {
    RecommendedItem newcomer = item(4, "n", RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, "New in the shop")
        .toBuilder().addSources(RetrievalSource.RETRIEVAL_SOURCE_NEWCOMER).build();
    String text = new RecommendationPrinter().render("u", RecommendResponse.newBuilder()
        .addItems(item(1, "a", RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN, "You bought this in 2 of your 4 orders"))
        .addItems(item(2, "b", RetrievalSource.RETRIEVAL_SOURCE_POPULAR, "Popular lately"))
        .addItems(item(3, "c", RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, "Because you bought x"))
        .addItems(newcomer)
        .build());

    assertTrue(text.contains("the first place is a regular item (buy-again); the model ranks the next 2"), text);
    assertTrue(text.contains("note: the last place is an item new in the shop: the model does not know it yet"
        + " (placed by rule, after the model's picks)."), text);
    assertTrue(text.contains("[n]  new in the shop (unknown to the model; placed by rule, not scored)"), text);
  }

  /**
   * Two buy-again places and one newcomer's fill a list of three: before, the note said "the model
   * ranks the next 0" (and "the next 1" with one place left), as though counting were broken.
   */
  @Test
  void buyAgainAndNewcomersFillingTheList_sayTheModelRankedNone_oneOrMorePlacesLeft_readAsPlaces() {
    RecommendedItem newcomer = item(3, "n", RetrievalSource.RETRIEVAL_SOURCE_NEWCOMER, "New in the shop");
    RecommendResponse.Builder full = RecommendResponse.newBuilder()
        .addItems(item(1, "a", RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN, "You bought this in 2 of your 4 orders"))
        .addItems(item(2, "b", RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN, "You bought this in 3 of your 4 orders"));
    RecommendationPrinter printer = new RecommendationPrinter();

    String none = printer.render("u", full.clone().addItems(newcomer).build());
    String noneDegraded = printer.render("u", full.clone().addItems(newcomer).setRankingDegraded(true).build());
    String one = printer.render("u", full.clone()
        .addItems(item(3, "c", RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, "Because you bought x"))
        .addItems(newcomer.toBuilder().setRank(4)).build());
    String many = printer.render("u", full.clone()
        .addItems(item(3, "c", RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, "Because you bought x"))
        .addItems(item(4, "d", RetrievalSource.RETRIEVAL_SOURCE_POPULAR, "Popular lately")).build());

    for (String text : List.of(none, noneDegraded)) {
      assertTrue(text.contains("note: the first 2 places are regular items (buy-again); the model ranked none of"
          + " the 3 places: the buy-again and new-item places filled the list.\n"), text);
      assertFalse(text.contains("next 0"), text);
    }
    assertTrue(one.contains("the first 2 places are regular items (buy-again); the model ranks the next place,"
        + " and its reasons count ranks among these new picks.\n"), one);
    assertTrue(many.contains("the first 2 places are regular items (buy-again); the model ranks the other 2 places,"
        + " and its reasons count ranks among these new picks.\n"), many);
  }

  @Test
  void onlyBuyAgain_pointsToTheSlotsOption_andNoBuyAgain_saysNothingOfIt() {
    RecommendationPrinter printer = new RecommendationPrinter();
    String all = printer.render("u", RecommendResponse.newBuilder()
        .addItems(item(1, "a", RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN, "You bought this")).build());
    String none = printer.render("u", RecommendResponse.newBuilder()
        .addItems(item(1, "b", RetrievalSource.RETRIEVAL_SOURCE_POPULAR, "Popular lately")).build());

    assertTrue(all.contains("--buy-again-slots N"), all);
    assertFalse(none.contains("buy-again"), none);
  }

  @Test
  void coldStart_saysTheUserHasNoPurchases_notNoHistory() {
    // A shopper known only by clicks is cold-started too: the model reads purchases only.
    String text = new RecommendationPrinter().render("u", RecommendResponse.newBuilder().setColdStart(true)
        .addItems(item(1, "b", RetrievalSource.RETRIEVAL_SOURCE_POPULAR, "Popular lately")).build());

    assertTrue(text.contains("note: no purchase of this user to go on (none here, or each turned down since);"
        + " these are popular items."), text);
  }
}
