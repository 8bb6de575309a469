package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainTarget;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.UserRanking;
import io.glassbox.api.v1.WhatIfRequest;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotRequest;
import io.glassbox.server.LogCapture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * An item the user has already bought, asked about, sent among the candidates or added where the
 * model would have to rank it, is refused FAILED_PRECONDITION as the gateway refuses it: the model ranks only items the
 * user has not bought. On the embedded data and the shipped model.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BoughtItemTest {
  /** SET OF 72 SKULL PAPER DOILIES, bought; two lunch bags retrieved. */
  private static final String BOUGHT = "21211";
  private static final UserRanking RANKING = UserRanking.newBuilder()
      .addRecordItemIds(BOUGHT).addAllCandidateItemIds(List.of("20727", "22437")).build();
  private static final UserRanking RANKING_WITH_BOUGHT_CANDIDATE = RANKING.toBuilder()
      .addCandidateItemIds(BOUGHT).build();

  private static RealExplainSuite suite;

  @BeforeAll
  static void start() {
    suite = new RealExplainSuite();
  }

  @AfterAll
  static void stop() {
    if (suite != null) {
      suite.close();
    }
  }

  @Test
  void whyNotAndExplainItem_itemInTheRecord_areFailedPreconditionNamingIt() {
    for (UserRanking ranking : List.of(RANKING, RANKING_WITH_BOUGHT_CANDIDATE)) {
      assertRefused("item_id \"21211\" is in ranking.record_item_ids", () -> suite.explain.whyNot(
          WhyNotRequest.newBuilder().setRanking(ranking).setItemId(BOUGHT).build()));
      assertRefused("item_id \"21211\" is in ranking.record_item_ids", () -> suite.explain.explainItem(
          ExplainItemRequest.newBuilder().setRanking(ranking).setItemId(BOUGHT).build()));
    }
  }

  @Test
  void whatIf_addingAPurchaseThatIsACandidate_isFailedPrecondition_andOneThatIsNotIsBoughtAgain() {
    assertRefused("add_item_ids[0] \"21211\" is in ranking.record_item_ids and among ranking.candidate_item_ids",
        () -> suite.explain.whatIf(WhatIfRequest.newBuilder()
            .setRanking(RANKING_WITH_BOUGHT_CANDIDATE).addAddItemIds(BOUGHT).build()));

    WhatIfResponse again = suite.explain.whatIf(
        WhatIfRequest.newBuilder().setRanking(RANKING).addAddItemIds(BOUGHT).build());

    assertEquals(List.of(BOUGHT, BOUGHT), again.getHistoryItemIdsList());
    assertEquals(2, again.getRankingCount());
    assertEquals(0, again.getLeftTopKCount());
  }

  @Test
  void everyCall_aBoughtItemAmongTheCandidates_isFailedPreconditionNamingIt() {
    String start = "ranking.candidate_item_ids[2] \"21211\" is in ranking.record_item_ids";
    assertRefused(start, () -> suite.explain.explainItem(
        ExplainItemRequest.newBuilder().setRanking(RANKING_WITH_BOUGHT_CANDIDATE).setItemId("20727").build()));
    assertRefused(start, () -> suite.explain.whyNot(
        WhyNotRequest.newBuilder().setRanking(RANKING_WITH_BOUGHT_CANDIDATE).setItemId("22437").build()));
    assertRefused(start, () -> suite.explain.whatIf(
        WhatIfRequest.newBuilder().setRanking(RANKING_WITH_BOUGHT_CANDIDATE).addRemoveItemIds(BOUGHT).build()));
  }

  @Test
  void explain_aBoughtItemInTheSlate_isFailedPreconditionNamingIt() {
    ExplainRequest request = ExplainRequest.newBuilder()
        .addHistoryItemIds(BOUGHT).addAllSlateItemIds(RANKING_WITH_BOUGHT_CANDIDATE.getCandidateItemIdsList())
        .addTargets(ExplainTarget.newBuilder().setItemId("20727").addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR))
        .build();

    assertRefused("slate_item_ids[2] \"21211\" is in history_item_ids",
        () -> suite.explain.explain(request));
    assertRefused("slate_item_ids[2] \"21211\" is in record_item_ids",
        () -> suite.explain.explain(request.toBuilder().addRecordItemIds(BOUGHT).build()));
  }

  @Test
  void refusals_areLoggedAtDebug_soAFaultAfterThemIsStillWarned() {
    List<ILoggingEvent> logged;
    try (LogCapture log = LogCapture.of(ExplainGrpcService.class, ch.qos.logback.classic.Level.DEBUG)) {
      assertThrows(StatusRuntimeException.class, () -> suite.explain.explainItem(
          ExplainItemRequest.newBuilder().setRanking(RANKING).setItemId(BOUGHT).build()));
      assertThrows(StatusRuntimeException.class, () -> suite.explain.explainItem(ExplainItemRequest.newBuilder()
          .setRanking(RANKING.toBuilder().setModelVersion("no-such-version")).setItemId("20727").build()));
      logged = log.lines();
    }

    List<String> warnings = logged.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).toList();
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("no-such-version"), warnings.toString());
  }

  private static void assertRefused(String start, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getStatus().getDescription());
    String description = e.getStatus().getDescription();
    assertTrue(description.startsWith(start), description);
    assertTrue(description.contains("the model ranks only items the user has not bought"), description);
  }
}
