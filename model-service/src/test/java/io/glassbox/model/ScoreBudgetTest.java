package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.server.MessageLimits;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The Score response budget on the shipped model (history length 50): a request within the
 * per-field limits whose answer would be tens of megabytes is refused before inference, and
 * calls that ended do not run the model.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScoreBudgetTest {
  private ModelServiceUnderTest service;
  private List<String> items;
  private int historyLength;

  @BeforeAll
  void start() {
    java.nio.file.Path shipped = ModelFolders.shippedModelVersion().orElseThrow();
    service = ModelServiceUnderTest.loaded(
        ModelServiceUnderTest.cpuConfig(shipped.getParent().getParent(), "uci-online-retail"));
    LoadedModel model = service.registry.active().orElseThrow();
    historyLength = model.maxHistoryLength();
    items = new ArrayList<>();
    for (int i = 1; i <= Math.min(2000, model.vocabulary().size()); i++) {
      items.add(model.vocabulary().idAt(i));
    }
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void score_theIssuesEightyFourMegabyteRequest_isRefusedBeforeInference() {
    // 256 rows x 781 candidates = 199,936 cells: within MAX_CELLS, but with attention and
    // contribution over 50 history items the answer would be about 84 MB.
    ScoreRequest request = request(256, 781, true, true);

    long started = System.nanoTime();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> service.stub.score(request));
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("over the 16 MiB response budget"), e.getStatus().getDescription());
    assertTrue(tookMillis < 5000, "refused after " + tookMillis + " ms");
    assertTrue(ResponseBudget.estimate(query(request), historyLength) > 80_000_000L);
  }

  @Test
  void score_overBudget_isRefusedBeforeItsIdsAreEvenLookedUp() {
    // The same request with one id the model does not know: were the ids resolved to model
    // indices (the step before building tensors and running the model), this would be
    // INVALID_ARGUMENT naming the id. The budget is checked first.
    ScoreRequest valid = request(256, 781, true, true);
    ScoreRequest request = valid.toBuilder()
        .setRows(0, valid.getRows(0).toBuilder().setCandidateItemIds(0, "not-an-item")).build();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> service.stub.score(request));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
  }

  @Test
  void score_largestRowWithEvidence_isAnswered_andTheEstimateBoundsTheRealSize() {
    ScoreRequest request = request(2, 2000, true, true);

    ScoreResponse response = service.stub.score(request);

    long estimate = ResponseBudget.estimate(query(request), historyLength);
    int actual = response.getSerializedSize();
    assertTrue(estimate >= actual, "estimate " + estimate + " < actual " + actual);
    assertTrue(estimate < actual * 1.1, "estimate " + estimate + " far above actual " + actual);
    assertTrue(actual < MessageLimits.MAX_MESSAGE_BYTES);
  }

  @Test
  void score_withoutEvidence_isWithinBudgetAtTheCellLimit() {
    assertTrue(ResponseBudget.estimate(query(request(256, 781, false, false)), historyLength)
        < MessageLimits.MAX_MESSAGE_BYTES);
  }

  @Test
  void score_forACallAlreadyCancelled_doesNotRunTheModel() throws Exception {
    ScoreQuery query = query(request(1, 10, false, false));
    Context.CancellableContext cancelled = Context.current().withCancellation();
    cancelled.cancel(null);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> cancelled.call(() -> service.scorer.score(query)));

    assertEquals(Status.Code.CANCELLED, e.getStatus().getCode());
  }

  private ScoreRequest request(int rows, int candidates, boolean attention, boolean contribution) {
    ScoreRequest.Builder request = ScoreRequest.newBuilder()
        .setIncludeAttention(attention).setIncludeContribution(contribution);
    for (int r = 0; r < rows; r++) {
      ScoreRow.Builder row = request.addRowsBuilder();
      for (int h = 0; h < historyLength; h++) {
        row.addHistoryItemIds(items.get((r + h * 7) % items.size()));
      }
      for (int c = 0; c < candidates; c++) {
        row.addCandidateItemIds(items.get((r + c) % items.size()));
      }
    }
    return request.build();
  }

  private static ScoreQuery query(ScoreRequest request) {
    List<ScoreQuery.Row> rows = new ArrayList<>();
    for (ScoreRow row : request.getRowsList()) {
      rows.add(new ScoreQuery.Row(row.getHistoryItemIdsList(), row.getCandidateItemIdsList()));
    }
    return new ScoreQuery(rows, request.getIncludeAttention(), request.getIncludeContribution(),
        ScoreQuery.UnknownItems.REJECT, Optional.empty());
  }
}
