package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.FeatureAdminGrpc;
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
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/glassbox import --items --interactions [--validate-only]} against a real feature
 * service on a shop of one item (A): a new shop's two files are checked together, the orders
 * against the catalogue as it would be once the items file is imported; with --validate-only
 * nothing is stored, without it both are stored only once that check has passed.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ImportBothFilesTest {
  /** The service's refusal of an order of X, in neither the store nor the items file. */
  private static final String REFUSED_X = "glassbox import: INVALID_ARGUMENT: interactions CSV: 1 row is invalid,"
      + " nothing was stored: line 3: item_id \"X\" is not in the catalogue (import it with the items first)\n";

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
        // The least it may spool, so that two files of under 1 MiB each can go past it together.
        FeatureConfig.IMPORT_MAX_MIB_KEY, "1",
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
    assertEquals(REFUSED_X, commandsOwnLines(checked.err()));
    assertEquals(1, imported.exit(), imported.err());
    assertTrue(commandsOwnLines(imported.err()).startsWith(REFUSED_X), imported.err());
  }

  /** One bad order, good items: the import stores neither file, where it used to store the items. */
  @Test
  void import_badOrderWithGoodItems_storesNoItem_andSaysNothingWasStored() throws Exception {
    Path orders = Files.writeString(dir.resolve("new-orders.csv"), "user_id,item_id,timestamp\n"
        + "shopper-1,N1,2011-12-08T10:00:00Z\nshopper-1,X,2011-12-08T10:00:00Z\n");

    CliRun imported = importNewItemsAnd(orders);

    assertEquals(1, imported.exit(), imported.err());
    GetItemsResponse stored = features.getItems(GetItemsRequest.newBuilder().addItemIds("N1").addItemIds("N2").build());
    assertEquals(List.of("N1", "N2"), stored.getMissingItemIdsList());
    assertEquals("", imported.out());
    assertEquals(REFUSED_X + "glassbox import: nothing was stored: " + newItems + " and " + orders
        + " are checked together before either is stored.\n", commandsOwnLines(imported.err()));
  }

  /**
   * Two files the service can take one at a time but not together: nothing is stored, and the
   * service's refusal says how to go on (the command adds no advice of its own: one of its own,
   * "import one at a time", was wrong where the interactions alone are past the limit).
   */
  @Test
  void import_bothPastTheSpoolLimitTogether_storesNothing_andTheRefusalSaysHowToGoOn() throws Exception {
    StringBuilder manyItems = new StringBuilder("item_id,title\n");
    StringBuilder manyOrders = new StringBuilder("user_id,item_id,timestamp\n");
    for (int row = 0; row < 24_000; row++) {
      manyItems.append("M").append(row).append(",Lantern number ").append(row).append('\n');
      manyOrders.append("shopper-").append(row).append(",M").append(row).append(",2011-12-08T10:00:00Z\n");
    }
    Path bigItems = Files.writeString(dir.resolve("big-items.csv"), manyItems);
    Path bigOrders = Files.writeString(dir.resolve("big-orders.csv"), manyOrders);
    String target = "localhost:" + feature.adminPort();

    CliRun together = CliRun.of("import", "--target", target, "--items", bigItems.toString(),
        "--interactions", bigOrders.toString());

    assertEquals(1, together.exit(), together.err());
    assertEquals(List.of("M0"), features.getItems(GetItemsRequest.newBuilder().addItemIds("M0").build())
        .getMissingItemIdsList());
    assertTrue(together.err().contains("items CSV and interactions CSV together are larger than 1 MiB, the most"
        + " this service spools (" + FeatureConfig.IMPORT_MAX_MIB_KEY + "); split interactions CSV so that each part"
        + " and items CSV together fit, or import items CSV first and check interactions CSV alone"), together.err());
    assertTrue(commandsOwnLines(together.err()).endsWith("glassbox import: nothing was stored: " + bigItems + " and "
        + bigOrders + " are checked together before either is stored.\n"), together.err());
    assertEquals(0, CliRun.of("import", "--target", target, "--items", bigItems.toString()).exit());
    assertEquals(0, CliRun.of("import", "--target", target, "--interactions", bigOrders.toString()).exit());
  }

  @Test
  void import_goodPair_isCheckedTogether_thenBothAreStored() throws Exception {
    Path orders = Files.writeString(dir.resolve("new-orders.csv"), "user_id,item_id,timestamp,basket_id\n"
        + "shopper-1,N1,2011-12-08T10:00:00Z,o1\nshopper-1,N2,2011-12-08T10:00:00Z,o1\n"
        + "shopper-2,A,2011-12-08T11:00:00Z,o2\n");

    CliRun imported = importNewItemsAnd(orders);

    assertEquals(0, imported.exit(), imported.err());
    assertEquals(newItems + ", " + orders + ": checked together, 3 interactions rows valid; importing both\n"
        + newItems + ": 2 items rows, 2 stored, 0 already there\n"
        + orders + ": 3 interactions rows, 3 stored, 0 already there\n" + ImportCommand.KEPT_IN_MEMORY + "\n",
        imported.out());
    GetItemsResponse stored = features.getItems(GetItemsRequest.newBuilder().addItemIds("N1").addItemIds("N2").build());
    assertEquals(List.of(), stored.getMissingItemIdsList());
    assertEquals(2, features.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("shopper-1").build())
        .getTotalEvents());
  }

  /**
   * A line repeated in the orders file (U97 bought N1 twice in order Q1 at one moment) is an event
   * of its own, as a data folder and the trainer read it: both are stored, and a second import of
   * the file finds both there. Before, the answer said only "3 stored", the repeat unseen; now a
   * line under the counts says how many rows repeat an earlier row of the file, and what they are.
   */
  @Test
  void import_aRowRepeatedInTheOrders_isStoredAsAnEventOfItsOwn_andTheCommandSaysSo() throws Exception {
    Path orders = Files.writeString(dir.resolve("new-orders.csv"), "user_id,item_id,timestamp,event,basket_id\n"
        + "U97,N1,2011-12-08T10:00:00Z,purchase,Q1\nU97,N2,2011-12-08T10:00:00Z,purchase,Q1\n"
        + "U97,N1,2011-12-08T10:00:00Z,purchase,Q1\n");
    String repeatLine = repeatLine("1 row repeats", "is");

    CliRun imported = importNewItemsAnd(orders);
    CliRun again = CliRun.of("import", "--target", "localhost:" + feature.adminPort(),
        "--interactions", orders.toString());

    assertEquals(0, imported.exit(), imported.err());
    assertEquals(newItems + ", " + orders + ": checked together, 3 interactions rows valid; importing both\n"
        + newItems + ": 2 items rows, 2 stored, 0 already there\n"
        + orders + ": 3 interactions rows, 3 stored, 0 already there\n" + repeatLine
        + ImportCommand.KEPT_IN_MEMORY + "\n", imported.out());
    assertEquals(0, again.exit(), again.err());
    assertEquals(orders + ": 3 interactions rows, 0 stored, 3 already there\n" + repeatLine
        + ImportCommand.KEPT_IN_MEMORY + "\n", again.out());
    assertEquals(3, features.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("U97").build())
        .getTotalEvents());
  }

  /**
   * Two lines repeating earlier ones (U98 clicked N2 three times in one second) are told by the check,
   * before any is stored, where a re-import could no longer take them back: until the check counted
   * them, --validate-only said only "4 interactions rows are valid". The import then says the same
   * of the rows it stored.
   */
  @Test
  void validateOnly_rowsRepeatedInTheOrders_theCheckSaysSoBeforeAnyIsStored() throws Exception {
    Path orders = Files.writeString(dir.resolve("new-orders.csv"), "user_id,item_id,timestamp,event\n"
        + "U98,N2,2011-12-08T10:00:00Z,click\nU98,N2,2011-12-08T10:00:00Z,click\n"
        + "U98,N1,2011-12-08T10:00:00Z,click\nU98,N2,2011-12-08T10:00:00Z,click\n");

    CliRun checked = importNewItemsAnd(orders, "--validate-only");
    boolean storedByTheCheck = features.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("U98").build())
        .getKnownUser();
    CliRun imported = importNewItemsAnd(orders);

    assertEquals(0, checked.exit(), checked.err());
    assertEquals(newItems + ": 2 items rows are valid (nothing stored)\n"
        + orders + ": 4 interactions rows are valid (nothing stored)\n"
        + repeatLine("2 rows repeat", "would be stored as"), checked.out());
    assertFalse(storedByTheCheck);
    assertEquals(0, imported.exit(), imported.err());
    assertEquals(newItems + ", " + orders + ": checked together, 4 interactions rows valid; importing both\n"
        + newItems + ": 2 items rows, 2 stored, 0 already there\n"
        + orders + ": 4 interactions rows, 4 stored, 0 already there\n" + repeatLine("2 rows repeat", "is")
        + ImportCommand.KEPT_IN_MEMORY + "\n", imported.out());
  }

  /** The line under a file's counts: {@code rows} that repeat, and what {@code each} is (or would be stored as). */
  private static String repeatLine(String rows, String each) {
    return "  " + rows + " an earlier row of this file: each " + each + " an event of its own (the same event again"
        + " at that moment), as a data folder and the trainer read it; if your export wrote lines twice, remove them\n";
  }

  /**
   * The check passed and the items were stored, then the interactions' import failed (the store
   * gone, here the call answered UNAVAILABLE): the command says which file is stored, that the
   * same command again finishes it, and that the items stored live in memory (before, only the
   * import that succeeded said so).
   */
  @Test
  void import_interactionsFailingAfterTheItems_sayTheItemsAreStoredInMemory_andRunningItAgainStoresTheRest()
      throws Exception {
    Path orders = Files.writeString(dir.resolve("new-orders.csv"), "user_id,item_id,timestamp\n"
        + "shopper-1,N1,2011-12-08T10:00:00Z\n");
    ImportCommand command = new ImportCommand();
    command.items = newItems;
    command.interactions = orders;
    command.timeoutSeconds = 30;
    command.target = "localhost:" + feature.adminPort();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ManagedChannel admin = ClientChannels.forTarget(command.target);
    try {
      int exit = command.run(ClientInterceptors.intercept(admin, new StoreGoneAtSecondInteractionsCall()),
          new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

      String printed = commandsOwnLines(err.toString(StandardCharsets.UTF_8));
      assertEquals(1, exit, printed);
      assertEquals(newItems + ", " + orders + ": checked together, 1 interactions rows valid; importing both\n"
          + newItems + ": 2 items rows, 2 stored, 0 already there\n" + ImportCommand.KEPT_IN_MEMORY + "\n",
          out.toString(StandardCharsets.UTF_8));
      assertTrue(printed.startsWith("glassbox import: UNAVAILABLE: the feature store is unavailable; retry shortly\n"),
          printed);
      assertTrue(printed.endsWith("glassbox import: " + newItems + " was stored, " + orders + " was not (or not all"
          + " of it). Run the same command again once that is fixed: items are replaced by themselves, no interaction"
          + " is stored twice.\n"), printed);
      assertEquals(List.of(), features.getItems(GetItemsRequest.newBuilder().addItemIds("N1").build())
          .getMissingItemIdsList());
      assertEquals(0, command.run(admin, new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
    } finally {
      admin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertTrue(out.toString(StandardCharsets.UTF_8).endsWith(
        newItems + ": 2 items rows, 2 stored, 0 already there\n" + orders + ": 1 interactions rows, 1 stored, 0 already there\n"
            + ImportCommand.KEPT_IN_MEMORY + "\n"),
        out.toString(StandardCharsets.UTF_8));
  }

  /** {@code bin/glassbox import} of the new items and {@code interactions}, with {@code more} arguments. */
  private CliRun importNewItemsAnd(Path interactions, String... more) {
    List<String> args = new ArrayList<>(List.of("import", "--target", "localhost:" + feature.adminPort(),
        "--items", newItems.toString(), "--interactions", interactions.toString()));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  /**
   * Answers the second ImportInteractions call (the import, after the check of both) without
   * sending it, as the feature service answers when its store has gone between the items and the
   * interactions, naming itself in the trailers.
   */
  private static final class StoreGoneAtSecondInteractionsCall implements ClientInterceptor {
    private final AtomicInteger interactionsCalls = new AtomicInteger();

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      if (!method.equals(FeatureAdminGrpc.getImportInteractionsMethod()) || interactionsCalls.incrementAndGet() != 2) {
        return next.newCall(method, options);
      }
      return new ClientCall<>() {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          listener.onClose(Status.UNAVAILABLE.withDescription("the feature store is unavailable; retry shortly"),
              SuiteAnswer.trailers("feature-service", "trace-8"));
        }

        @Override
        public void request(int messages) {}

        @Override
        public void cancel(String message, Throwable cause) {}

        @Override
        public void halfClose() {}

        @Override
        public void sendMessage(ReqT message) {}
      };
    }
  }

  /** What the command printed, without the log lines of the feature service in this JVM. */
  private static String commandsOwnLines(String err) {
    return err.lines().filter(line -> line.startsWith("glassbox ")).map(line -> line + "\n")
        .collect(Collectors.joining());
  }
}
