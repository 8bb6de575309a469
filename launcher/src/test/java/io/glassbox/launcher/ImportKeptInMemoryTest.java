package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.ImportChunk;
import io.glassbox.api.v1.ImportResponse;
import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.FeatureMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import io.glassbox.server.ServerSettings;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code bin/glassbox import} says of where the rows went. Before, both stores said only
 * "stored", and an operator who restarted a suite on the memory store (up's default) found the rows
 * gone, then trained on a folder without them. On the memory store, ImportBothFilesTest asserts the
 * note after an import (goodPair) and none after a check (validateOnly); here, Redis and the rest.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ImportKeptInMemoryTest {
  @TempDir Path dir;
  private Path shop;
  private Path items;
  private Path orders;

  @BeforeEach
  void writeFiles() throws IOException {
    shop = Files.createDirectory(dir.resolve("shop"));
    Files.writeString(shop.resolve("items.csv"), "item_id,title\nA,Mug\n");
    Files.writeString(shop.resolve("interactions.csv"), "user_id,item_id,timestamp\nu1,A,2011-12-09T12:50:00Z\n");
    items = Files.writeString(dir.resolve("new-items.csv"), "item_id,title\nN1,Lantern\n");
    orders = Files.writeString(dir.resolve("new-orders.csv"),
        "user_id,item_id,timestamp,basket_id\nshopper-1,N1,2011-12-08T10:00:00Z,o1\n");
  }

  /** Redis keeps the rows across a restart of the feature service: the counts alone. */
  @Test
  void import_intoRedis_saysOnlyWhatWasStored() {
    try (RedisServer redis = RedisServer.startFresh();
        GrpcServer feature = featureService(Map.of(FeatureConfig.STORE_KEY, "redis",
            FeatureConfig.REDIS_URI_KEY, redis.uri().toString()))) {
      CliRun imported = importBoth(feature);

      assertEquals(0, imported.exit(), imported.err());
      assertEquals(storedLines(), imported.out());
    }
  }

  /** The note's words, pinned here alone: the other tests expect ImportCommand.KEPT_IN_MEMORY where it is printed. */
  @Test
  void keptInMemoryNote_saysTheRowsAreLostWhenItStops_andHowToKeepThem() {
    assertEquals("Note: these rows live in the feature service's memory and are lost when it stops; to keep them,"
        + " run it on Redis (a redis-server at GLASSBOX_REDIS_URI and GLASSBOX_FEATURE_STORE=redis, which bin/glassbox"
        + " up --store redis sets; on Kubernetes the redis component; see feature-service/README.md, Stores) and import"
        + " them there. train --data reads a data folder's files, not rows imported into a running suite.",
        ImportCommand.KEPT_IN_MEMORY);
  }

  /**
   * A feature service from before ImportResponse.store (it leaves the field unset) says nothing of
   * where the rows went: no line, rather than one that may be wrong.
   */
  @Test
  void import_intoAServerThatNamesNoStore_saysOnlyWhatWasStored() throws Exception {
    Server olderService = SuiteAnswer.serve(new FeatureAdminGrpc.FeatureAdminImplBase() {
      @Override
      public StreamObserver<ImportChunk> importItems(StreamObserver<ImportResponse> replies) {
        return SuiteAnswer.answeredOnceSent(() -> {
          replies.onNext(ImportResponse.newBuilder().setRows(1).setStored(1).build());
          replies.onCompleted();
        });
      }
    });
    try {
      CliRun imported = CliRun.of("import", "--target", "localhost:" + olderService.getPort(),
          "--items", items.toString());

      assertEquals(0, imported.exit(), imported.err());
      assertEquals(items + ": 1 items rows, 1 stored, 0 already there\n", imported.out());
    } finally {
      olderService.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Both helps say it, import's of the memory store too; picocli wraps them to the terminal's width. */
  @Test
  void importAndTrainHelp_sayTrainReadsTheDataFolder_notRowsImportedIntoARunningSuite() {
    CliRun importHelp = CliRun.of("import", "--help");
    CliRun trainHelp = CliRun.of("train", "--help");

    assertEquals(0, importHelp.exit(), importHelp.err());
    assertTrue(importHelp.out().replaceAll("\\s+", " ").contains("A suite on the memory store (up's default) keeps"
        + " them at most until it stops (feature-service/README.md, Stores); train --data reads a data folder's files,"
        + " not rows imported here."),
        importHelp.out());
    assertEquals(0, trainHelp.exit(), trainHelp.err());
    assertTrue(trainHelp.out().replaceAll("\\s+", " ").contains("the files import takes. Only these files are read,"
        + " not rows imported into a running suite: add those to the files to train on them."), trainHelp.out());
  }

  /** The lines of an import of both files that stored one item and one order. */
  private String storedLines() {
    return items + ", " + orders + ": checked together, 1 interactions rows valid; importing both\n"
        + items + ": 1 items rows, 1 stored, 0 already there\n"
        + orders + ": 1 interactions rows, 1 stored, 0 already there\n";
  }

  /** A feature service on free ports serving the shop folder, with {@code settings} added. */
  private GrpcServer featureService(Map<String, String> settings) {
    Map<String, String> config = new HashMap<>(Map.of(
        FeatureConfig.DATA_DIR_KEY, shop.toString(),
        FeatureConfig.PORT_KEY, "0",
        FeatureConfig.ADMIN_PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0"));
    config.putAll(settings);
    return FeatureMain.start(ConfigSource.of(config));
  }

  private CliRun importBoth(GrpcServer feature, String... more) {
    List<String> args = new ArrayList<>(List.of("import", "--target", "localhost:" + feature.adminPort(),
        "--items", items.toString(), "--interactions", orders.toString()));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }
}
