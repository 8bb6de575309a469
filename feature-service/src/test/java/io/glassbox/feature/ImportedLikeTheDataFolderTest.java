package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.ImportResponse;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two files {@code bin/glassbox import} takes are a data folder as they are (README, "Your own
 * shop"): imported, a customer's orders are those the same files give served as a data folder.
 * Before, the import read only {@code basket_id}: a UCI-layout file's {@code invoice_no} was
 * dropped and each purchase counted as an order of its own ("in 3 of your 134 orders" for a
 * customer of 6), and a file without an order column was not grouped into one day's purchases.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ImportedLikeTheDataFolderTest {
  private static final String ITEMS = """
      item_id,title
      N1,Lamp
      N2,Rug
      N3,Mug
      """;

  /** A UCI-layout file: shop-9's three orders of two lines each, in invoice_no. */
  private static final String INVOICES = """
      invoice_no,user_id,item_id,timestamp
      536365,shop-9,N1,2023-11-14T09:00:00Z
      536365,shop-9,N2,2023-11-14T09:00:00Z
      536400,shop-9,N1,2023-11-20T09:00:00Z
      536400,shop-9,N3,2023-11-20T09:00:00Z
      536500,shop-9,N1,2023-11-27T09:00:00Z
      536500,shop-9,N2,2023-11-27T09:00:00Z
      """;

  @TempDir
  Path folder;

  /** A UCI-layout file: its orders are in invoice_no. */
  @Test
  void importedInvoiceNo_givesTheOrdersOfTheDataFolder() throws IOException {
    assertSameOrders(INVOICES, 3);
  }

  /** Without an order column, one customer's purchases of one day are one order, two here. */
  @Test
  void importedWithoutAnOrderColumn_groupsOneDaysPurchasesAsTheDataFolderDoes() throws IOException {
    assertSameOrders("""
        user_id,item_id,timestamp
        shop-9,N1,2023-11-14T09:00:00Z
        shop-9,N2,2023-11-14T17:00:00Z
        shop-9,N1,2023-11-20T09:00:00Z
        shop-9,N3,2023-11-20T10:00:00Z
        """, 2);
  }

  /**
   * The folder's own rows imported again are the events the store was started with: counted as
   * already there, not stored twice. Before, the import read another order for each of them (none,
   * where the folder read invoice_no or a day), and so stored every row a second time.
   */
  @Test
  void theDataFolderImportedAgain_storesNothingTwice() throws IOException {
    for (String interactions : List.of(INVOICES, """
        user_id,item_id,timestamp
        shop-9,N1,2023-11-20T09:00:00Z
        shop-9,N3,2023-11-20T10:00:00Z
        """)) {
      InMemoryEventStore store = TestData.memoryStore();
      store.load(folderOf(interactions));

      assertAlreadyThere(store, interactions);
    }
  }

  /**
   * A shop that names its zone (GLASSBOX_DATA_TIME_ZONE, as README asks) and imports its folder's
   * rows without --time-zone: the import's days are the shop's days, as the folder's are, so the
   * rows are found already there. They were split at UTC midnight and stored twice (R108).
   */
  @Test
  void theDataFolderImportedAgain_withoutTimeZone_takesTheShopsDays() throws IOException {
    LocalTimeZone newYork = LocalTimeZone.named("America/New_York", LocalTimeZone.DATA_FOLDER_SETTING);
    String interactions = """
        user_id,item_id,timestamp
        shop-9,N1,2023-11-14T02:00:00Z
        shop-9,N2,2023-11-14T03:00:00Z
        shop-9,N3,2023-11-20T09:00:00Z
        """;
    Files.writeString(folder.resolve("items.csv"), ITEMS);
    Files.writeString(folder.resolve("interactions.csv"), interactions);
    InMemoryEventStore store = TestData.memoryStore();
    store.load(new DatasetReader(folder, newYork).read());

    String name = "zoned-" + UUID.randomUUID();
    GrpcServer server = TestData.serving(store, name, newYork);
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try {
      assertEquals(ImportResponse.newBuilder().setRows(3).setDuplicates(3).build(),
          counts(send(FeatureAdminGrpc.newStub(channel), FeatureAdminServiceTest.Kind.INTERACTIONS, interactions)));
    } finally {
      channel.shutdownNow();
      server.close();
    }
  }

  /** On Redis too, where the folder is seeded once and kept: its rows imported again are already there. */
  @Test
  void theDataFolderImportedAgain_intoRedis_storesNothingTwice() throws IOException {
    try (RedisServer redis = RedisServer.startFresh(); RedisEventStore store = TestData.redisStore(redis.uri())) {
      store.load(folderOf(INVOICES));

      assertAlreadyThere(store, INVOICES);
    }
  }

  /** Imports {@code interactions} into {@code store}: each of its rows found already there. */
  private static void assertAlreadyThere(EventStore store, String interactions) {
    long rows = interactions.lines().count() - 1;
    history(store, admin -> assertEquals(ImportResponse.newBuilder().setRows(rows).setDuplicates(rows).build(),
        counts(send(admin, FeatureAdminServiceTest.Kind.INTERACTIONS, interactions)), interactions));
  }

  /** The folder of {@link #ITEMS} and {@code interactions}, read as the service reads it at start. */
  private Dataset folderOf(String interactions) throws IOException {
    Files.writeString(folder.resolve("items.csv"), ITEMS);
    Files.writeString(folder.resolve("interactions.csv"), interactions);
    return new DatasetReader(folder).read();
  }

  private static ImportResponse counts(ImportResponse response) {
    return response.toBuilder().clearPreviousLatestEventTime().clearLatestEventTime().clearStore().build();
  }

  private void assertSameOrders(String interactions, int orders) throws IOException {
    InMemoryEventStore fromFolder = TestData.memoryStore();
    fromFolder.load(folderOf(interactions));
    GetUserHistoryResponse served = history(fromFolder, admin -> { });

    GetUserHistoryResponse imported = history(TestData.smallStore(), admin -> {
      send(admin, FeatureAdminServiceTest.Kind.ITEMS, ITEMS);
      send(admin, FeatureAdminServiceTest.Kind.INTERACTIONS, interactions);
    });

    assertEquals(orders, served.getOrders(), "the data folder's orders");
    assertEquals(served.getOrders(), imported.getOrders(), "the import's orders");
    assertEquals(regularItems(served), regularItems(imported));
    assertEquals(served.getEventsList().stream().map(Event::getBasketId).toList(),
        imported.getEventsList().stream().map(Event::getBasketId).toList());
  }

  private static ImportResponse send(FeatureAdminGrpc.FeatureAdminStub admin, FeatureAdminServiceTest.Kind kind,
                                     String csv) {
    return FeatureAdminServiceTest.send(admin, kind, csv.getBytes(StandardCharsets.UTF_8), 1024, false);
  }

  /** shop-9's purchases and orders as served by {@code store}, once {@code imports} have run on it. */
  private static GetUserHistoryResponse history(EventStore store,
                                                Consumer<FeatureAdminGrpc.FeatureAdminStub> imports) {
    String name = "folder-" + UUID.randomUUID();
    GrpcServer server = TestData.serving(store, name);
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try {
      imports.accept(FeatureAdminGrpc.newStub(channel));
      return FeatureServiceGrpc.newBlockingStub(channel).getUserHistory(GetUserHistoryRequest.newBuilder()
          .setUserId("shop-9").setPurchasesOnly(true).setRegularItemsMinBaskets(2).build());
    } finally {
      channel.shutdownNow();
      server.close();
    }
  }

  private static List<String> regularItems(GetUserHistoryResponse history) {
    return history.getRegularItemsList().stream().map(item -> item.getItemId() + " in " + item.getBaskets()).toList();
  }
}
