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
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LargeCatalogueReloadTest {
  private static final int ITEMS = 150_000;
  /** Distinct title words: Beauty's 12,101 items share 5,532; a catalogue grows its words more slowly than its items. */
  private static final int WORDS = 40_000;

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
