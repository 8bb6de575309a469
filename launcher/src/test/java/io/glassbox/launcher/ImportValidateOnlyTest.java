package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetItemsResponse;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.FeatureMain;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/glassbox import --items --interactions --validate-only} against a real feature service
 * on a shop of one item (A): a new shop's two files are checked together, the orders against the
 * catalogue as it would be once the items file is imported, and nothing is stored.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ImportValidateOnlyTest {
  @TempDir Path dir;
  /** The new shop's items file: N1 and N2, neither in the store. */
  private Path newItems;
  private GrpcServer feature;
  private ManagedChannel channel;
  private FeatureServiceGrpc.FeatureServiceBlockingStub features;

  @BeforeEach
  void start() throws Exception {
    Path shop = Files.createDirectory(dir.resolve("shop"));
    Files.writeString(shop.resolve("items.csv"), "item_id,title\nA,Mug\n");
    Files.writeString(shop.resolve("interactions.csv"), "user_id,item_id,timestamp\nu1,A,2011-12-09T12:50:00Z\n");
    feature = FeatureMain.start(ConfigSource.of(Map.of(
        FeatureConfig.DATA_DIR_KEY, shop.toString(),
        FeatureConfig.PORT_KEY, "0",
        FeatureConfig.ADMIN_PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0")));
    channel = ClientChannels.forTarget("localhost:" + feature.port());
    newItems = Files.writeString(dir.resolve("new-items.csv"),
        "item_id,title,price\nN1,Lantern,4.95\nN2,Lantern stand,2.10\n");
    features = FeatureServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    feature.close();
  }

  @Test
  void validateOnly_ordersOfItemsInTheItemsFile_areValid_andNothingIsStored() throws Exception {
    Path orders = Files.writeString(dir.resolve("new-orders.csv"), "user_id,item_id,timestamp,basket_id\n"
        + "shopper-1,N1,2011-12-08T10:00:00Z,o1\nshopper-1,N2,2011-12-08T10:00:00Z,o1\n"
        + "shopper-2,A,2011-12-08T11:00:00Z,o2\n");

    CliRun checked = importNewItemsAnd(orders, "--validate-only");

    assertEquals(0, checked.exit(), checked.err());
    assertEquals(newItems + ": 2 items rows are valid (nothing stored)\n"
        + orders + ": 3 interactions rows are valid (nothing stored)\n", checked.out());
    GetItemsResponse stored = features.getItems(GetItemsRequest.newBuilder().addItemIds("N1").addItemIds("N2").build());
    assertEquals(List.of("N1", "N2"), stored.getMissingItemIdsList());
    assertFalse(features.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("shopper-1").build())
        .getKnownUser(), "no order stored");
  }

  /** An order of an item in neither the store nor the items file: refused with the real import's words. */
  @Test
  void validateOnly_orderOfAnItemInNeither_isRefusedAsTheImportRefusesIt() throws Exception {
    Path orders = Files.writeString(dir.resolve("new-orders.csv"), "user_id,item_id,timestamp\n"
        + "shopper-1,N1,2011-12-08T10:00:00Z\nshopper-1,X,2011-12-08T10:00:00Z\n");

    CliRun checked = importNewItemsAnd(orders, "--validate-only");
    CliRun imported = importNewItemsAnd(orders);

    assertEquals(1, checked.exit(), checked.err());
    assertEquals("glassbox import: INVALID_ARGUMENT: interactions CSV: 1 row is invalid, nothing was stored:"
        + " line 3: item_id \"X\" is not in the catalogue (import it with the items first)\n",
        commandsOwnLines(checked.err()));
    assertEquals(1, imported.exit(), imported.err());
    assertEquals(commandsOwnLines(checked.err()), commandsOwnLines(imported.err()));
  }

  /** {@code bin/glassbox import} of the new items and {@code interactions}, with {@code more} arguments. */
  private CliRun importNewItemsAnd(Path interactions, String... more) {
    List<String> args = new ArrayList<>(List.of("import", "--target", "localhost:" + feature.adminPort(),
        "--items", newItems.toString(), "--interactions", interactions.toString()));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  /** What the command printed, without the log lines of the feature service in this JVM. */
  private static String commandsOwnLines(String err) {
    return err.lines().filter(line -> line.startsWith("glassbox ")).map(line -> line + "\n")
        .collect(Collectors.joining());
  }
}
