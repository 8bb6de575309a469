package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shop's catalogue of 150,000 items, with titles as long as Amazon Beauty's, loads into the
 * deployed model service's heap ({@link ServiceJvm#DEPLOYED_FLAGS}) at start, and a new version of
 * it loads next to the one serving, and scores: its text files (a 2.4 MB vocabulary.tsv, 29 MB of
 * title vectors) are bounded by what parsing them holds, not refused for their size.
 */
@Timeout(value = 200, unit = TimeUnit.SECONDS)
class LargeCatalogueReloadTest {
  private static final int ITEMS = 150_000;
  /** Distinct title words: Beauty's 12,101 items share 5,532; a catalogue grows its words more slowly than its items. */
  private static final int WORDS = 40_000;
  /** Near the largest catalogue the deployed heap reloads next to itself (2026-12-07, README). */
  private static final int EDGE_ITEMS = 190_000;
  private static final int RELOADS = 4;

  @TempDir Path modelDirectory;
  @TempDir Path logs;

  @Test
  void reloadModel_onAPort_deployedHeap_catalogueOf150kItemsWithBeautyTitles_loadsAndScores() throws Exception {
    ModelFolders.addLargeCatalogueVersion(modelDirectory, "v1", ITEMS, WORDS);
    ModelFolders.addLargeCatalogueVersion(modelDirectory, "v2", ITEMS, WORDS);

    Map<String, String> results = ServiceJvm.run(logs, ServiceJvm.DEPLOYED_FLAGS, ServiceWithLargeCatalogue.class, 2,
        modelDirectory.toString(), Integer.toString(ITEMS));

    assertEquals("loaded v2", results.get("v2"));
    assertEquals("v2 2", results.get("score"));
  }

  /**
   * The bound of a parse is measured once, after a full collection, when the parse begins: a
   * catalogue near the largest the deployed heap takes, reloaded again and again next to itself,
   * is loaded every time or refused every time, not as the last collection happened to fall.
   */
  @Test
  void reloadModel_onAPort_deployedHeap_sameLargeCatalogueBackToBack_sameOutcomeEveryTime() throws Exception {
    for (String version : List.of("v1", "v2", "v3")) {
      ModelFolders.addLargeCatalogueVersion(modelDirectory, version, EDGE_ITEMS, WORDS);
    }

    Map<String, String> results = ServiceJvm.run(logs, ServiceJvm.DEPLOYED_FLAGS, ServiceReloadingBackToBack.class,
        RELOADS, modelDirectory.toString(), Integer.toString(RELOADS));

    // Loaded or refused; a refusal's figures may differ by what else the heap holds at the time.
    String first = results.get("reload1").split(" ", 2)[0];
    for (int reload = 2; reload <= RELOADS; reload++) {
      assertEquals(first, results.get("reload" + reload).split(" ", 2)[0], "reload " + reload + " of " + results);
    }
  }

  /**
   * The model service serving v1 on free ports (arguments: the model directory, the reload count);
   * reloads v2 and v3 in turn, back to back, printing each outcome.
   */
  static final class ServiceReloadingBackToBack {
    private ServiceReloadingBackToBack() {}

    public static void main(String[] args) {
      GrpcServer server = ToyModelMain.start(Path.of(args[0]), "v1");
      ManagedChannel admin = ToyModelMain.channelTo(server.adminPort());
      try {
        for (int reload = 1; reload <= Integer.parseInt(args[1]); reload++) {
          ServiceJvm.result("reload" + reload,
              ServiceJvm.reload(ModelAdminGrpc.newBlockingStub(admin), reload % 2 == 1 ? "v2" : "v3"));
        }
      } finally {
        admin.shutdownNow();
        server.close();
      }
      System.exit(0);
    }
  }

  /**
   * The model service serving v1 on free ports (arguments: the model directory, the item count);
   * reloads v2, then scores the first and the last item after the second.
   */
  static final class ServiceWithLargeCatalogue {
    private ServiceWithLargeCatalogue() {}

    public static void main(String[] args) {
      GrpcServer server = ToyModelMain.start(Path.of(args[0]), "v1");
      int items = Integer.parseInt(args[1]);
      ManagedChannel admin = ToyModelMain.channelTo(server.adminPort());
      ManagedChannel channel = ToyModelMain.channelTo(server.port());
      try {
        ServiceJvm.result("v2", ServiceJvm.reload(ModelAdminGrpc.newBlockingStub(admin), "v2"));
        var response = ModelServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
            .score(ScoreRequest.newBuilder().addRows(ScoreRow.newBuilder()
                .addHistoryItemIds(ModelFolders.catalogueId(2))
                .addAllCandidateItemIds(List.of(ModelFolders.catalogueId(1), ModelFolders.catalogueId(items))))
                .build());
        ServiceJvm.result("score", response.getModelVersion() + " " + response.getRows(0).getScoresCount());
      } finally {
        admin.shutdownNow();
        channel.shutdownNow();
        server.close();
      }
      System.exit(0);
    }
  }
}
