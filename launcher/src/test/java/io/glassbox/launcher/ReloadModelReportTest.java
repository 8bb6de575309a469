package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ReloadModelResponse;
import io.glassbox.api.v1.TestUsers;
import io.glassbox.api.v1.TitleSimilarityTerm;
import io.glassbox.api.v1.TrendTerm;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@code bin/glassbox reload-model} says of a swap. Before, a version without the
 * recent-sales and title terms (recorded test HR@10 0.20) swapped in over the shipped one (0.43)
 * with only "is active (was X)", and loading the active version again looked like a swap.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReloadModelReportTest {
  /** The shipped version's test cases, as its metadata.json records them for all three scorings. */
  private static final TestUsers SHIPPED_CASES = TestUsers.newBuilder().setCount(2483)
      .setSha256("f2df1c9e01f1c1bb119124176f3dd8daa8fdfb4d09583ff9fda7ec26eb088a17").build();
  private static final TestUsers OTHER_CASES = TestUsers.newBuilder().setCount(2483).setSha256("c".repeat(64)).build();
  private static final ModelInfo SHIPPED = ModelInfo.newBuilder().setModelName("shop").setVersion("20261122-050136")
      .setDataset("shop").setTrend(TrendTerm.getDefaultInstance()).setTitleSimilarity(TitleSimilarityTerm.getDefaultInstance())
      .putAllMetrics(Map.of("test_hr@10", 0.2948, "test_ndcg@10", 0.0551, "trend_test_hr@10", 0.3661,
          "trend_test_ndcg@10", 0.0712, "title_test_hr@10", 0.4281, "title_test_ndcg@10", 0.0950))
      .putAllTestUsers(Map.of("test", SHIPPED_CASES, "trend_test", SHIPPED_CASES, "title_test", SHIPPED_CASES))
      .build();
  private static final ModelInfo QUICK = ModelInfo.newBuilder().setModelName("shop").setVersion("20261206-230000")
      .setDataset("shop").putAllMetrics(Map.of("test_hr@10", 0.2004, "test_ndcg@10", 0.0402)).build();

  private Server server;

  @AfterEach
  void stop() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** The real command against a model admin port that answers {@code response}. */
  private CliRun reload(ReloadModelResponse response, String version) throws IOException {
    server = SuiteAnswer.serve(new ModelAdminGrpc.ModelAdminImplBase() {
      @Override
      public void reloadModel(ReloadModelRequest request, StreamObserver<ReloadModelResponse> responses) {
        responses.onNext(response);
        responses.onCompleted();
      }
    });
    return CliRun.of("reload-model", "--version", version, "--target", "localhost:" + server.getPort());
  }

  @Test
  void aVersionWithoutTheTermsOverOneWithThem_saysWhatIsLostAndBothFigures_andTheWayBack() throws IOException {
    CliRun run = reload(ReloadModelResponse.newBuilder().setActive(QUICK).setPreviousVersion(SHIPPED.getVersion())
        .setPrevious(SHIPPED).build(), QUICK.getVersion());

    assertEquals(0, run.exit(), run.err());
    assertEquals("Model shop version 20261206-230000 is active (was 20261122-050136).\n"
        + "Version 20261206-230000 has no recent-sales term (\"Popular lately\") and no title term; 20261122-050136 had them.\n"
        + "Recorded test HR@10 / NDCG@10 (each version's metadata.json, as it is served): 20261206-230000 0.200 / 0.040"
        + " (model alone); 20261122-050136 0.428 / 0.095 (model + recent sales + titles).\n"
        + "Whether both are means over the same test cases is unknown: the model service did not report"
        + " 20261206-230000's.\n"
        + "20261206-230000 scores lower than 20261122-050136 did; to go back: bin/glassbox reload-model --version"
        + " 20261122-050136 --target localhost:" + server.getPort() + "\n", run.out());
  }

  @Test
  void versionsServedWithTheirTerms_compareTheCasesOfTheFiguresShown_notTheModelAlones() throws IOException {
    // Terms fit on every user over a model tested on other cases: the title figures shown are on
    // the shipped version's cases, so they compare; the model-alone ones, not shown, do not matter.
    ModelInfo titles = SHIPPED.toBuilder().setVersion("20261207-010000")
        .putAllMetrics(Map.of("title_test_hr@10", 0.4012, "title_test_ndcg@10", 0.0901))
        .putTestUsers("test", OTHER_CASES).build();
    CliRun run = reload(ReloadModelResponse.newBuilder().setActive(titles).setPreviousVersion(SHIPPED.getVersion())
        .setPrevious(SHIPPED).build(), titles.getVersion());

    assertEquals(0, run.exit(), run.err());
    assertEquals("Model shop version 20261207-010000 is active (was 20261122-050136).\n"
        + "Recorded test HR@10 / NDCG@10 (each version's metadata.json, as it is served): 20261207-010000 0.401 / 0.090"
        + " (model + recent sales + titles); 20261122-050136 0.428 / 0.095 (model + recent sales + titles).\n"
        + "20261207-010000 scores lower than 20261122-050136 did; to go back: bin/glassbox reload-model --version"
        + " 20261122-050136 --target localhost:" + server.getPort() + "\n", run.out());
  }

  @Test
  void aVersionServedWithTheTrendTerm_onOtherCasesThanItsModels_isNotLikeForLike() throws IOException {
    // The model tested on the shipped version's cases, the trend figures shown on other ones.
    ModelInfo trend = SHIPPED.toBuilder().setVersion("20261207-020000").clearTitleSimilarity()
        .putTestUsers("trend_test", OTHER_CASES).build();
    ModelInfo shippedWithoutTitles = SHIPPED.toBuilder().clearTitleSimilarity().build();
    CliRun run = reload(ReloadModelResponse.newBuilder().setActive(trend).setPreviousVersion(SHIPPED.getVersion())
        .setPrevious(shippedWithoutTitles).build(), trend.getVersion());

    assertEquals(0, run.exit(), run.err());
    assertEquals("Model shop version 20261207-020000 is active (was 20261122-050136).\n"
        + "Recorded test HR@10 / NDCG@10 (each version's metadata.json, as it is served): 20261207-020000 0.366 / 0.071"
        + " (model + recent sales); 20261122-050136 0.366 / 0.071 (model + recent sales).\n"
        + "Not like for like: 20261207-020000's figures are means over 2483 test users, 20261122-050136's over other"
        + " test cases of 2483 users; they do not tell which version ranks better.\n", run.out());
  }

  @Test
  void theActiveVersionAgain_isSaidToBeLoadedAgain() throws IOException {
    CliRun run = reload(ReloadModelResponse.newBuilder().setActive(SHIPPED).setPreviousVersion(SHIPPED.getVersion())
        .setPrevious(SHIPPED).build(), SHIPPED.getVersion());

    assertEquals(0, run.exit(), run.err());
    assertEquals("Model shop version 20261122-050136 was already active: loaded again from its folder.\n", run.out());
  }

  @Test
  void aFirstLoad_orAServiceThatSendsNoPrevious_saysTheSwapAlone() throws IOException {
    CliRun run = reload(ReloadModelResponse.newBuilder().setActive(SHIPPED).setPreviousVersion(QUICK.getVersion())
        .build(), "");

    assertEquals(0, run.exit(), run.err());
    assertEquals("Model shop version 20261122-050136 is active (was 20261206-230000).\n", run.out());
  }
}
