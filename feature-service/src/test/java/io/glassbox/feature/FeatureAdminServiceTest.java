package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.FeatureStore;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.ImportChunk;
import io.glassbox.api.v1.ImportResponse;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.RegularItem;
import io.glassbox.api.v1.RetrieveCandidatesRequest;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.core.metrics.Counter;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** FeatureAdmin's CSV imports through a real stub, into the small dataset's in-memory store. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FeatureAdminServiceTest {
  private static final String ITEMS = """
      item_id,title,brand,category,price
      N1,"Lamp, brass",Acme,Home > Lighting,12.50
      N2,Rug,,,
      A,"Alpha mug ""XL\""",,,3
      """;
  private static final String INTERACTIONS = """
      user_id,item_id,timestamp,event
      shop-1,N1,1700000000,purchase
      shop-1,N2,2023-11-14T22:13:21Z,click
      shop-1,N1,1700000000,purchase
      shop-2,A,1700000100,
      """;

  private GrpcServer server;
  private ManagedChannel channel;
  private FeatureAdminGrpc.FeatureAdminStub admin;
  private FeatureServiceGrpc.FeatureServiceBlockingStub features;

  @BeforeEach
  void start() {
    InMemoryEventStore store = TestData.smallStore();
    String name = "admin-" + UUID.randomUUID();
    server = TestData.serving(store, name);
    channel = InProcessChannelBuilder.forName(name).build();
    admin = FeatureAdminGrpc.newStub(channel);
    features = FeatureServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  enum Kind { ITEMS, INTERACTIONS }

  private ImportResponse send(Kind kind, byte[] csv, int chunkBytes, boolean validateOnly) {
    return send(admin, kind, csv, chunkBytes, validateOnly);
  }

  /** Streams {@code csv} to {@code admin} in chunks of {@code chunkBytes}; the response, or the error thrown. */
  static ImportResponse send(
      FeatureAdminGrpc.FeatureAdminStub admin, Kind kind, byte[] csv, int chunkBytes, boolean validateOnly) {
    return send(admin, kind, csv, chunkBytes, validateOnly, new String[0]);
  }

  /** As above, with {@code timeZones[i]} as the time_zone of chunk i (none past its end). */
  static ImportResponse send(FeatureAdminGrpc.FeatureAdminStub admin, Kind kind, byte[] csv, int chunkBytes,
                             boolean validateOnly, String[] timeZones) {
    List<ImportChunk> chunks = new ArrayList<>();
    for (int from = 0, chunk = 0; from < csv.length; from += chunkBytes, chunk++) {
      chunks.add(ImportChunk.newBuilder()
          .setCsv(ByteString.copyFrom(csv, from, Math.min(chunkBytes, csv.length - from)))
          .setValidateOnly(validateOnly)
          .setTimeZone(chunk < timeZones.length ? timeZones[chunk] : "")
          .build());
    }
    return send(admin, kind, chunks);
  }

  /** Streams {@code chunks} to {@code admin}; the response, or the error thrown. */
  static ImportResponse send(FeatureAdminGrpc.FeatureAdminStub admin, Kind kind, List<ImportChunk> chunks) {
    CompletableFuture<ImportResponse> result = new CompletableFuture<>();
    StreamObserver<ImportResponse> responses = new StreamObserver<>() {
      @Override
      public void onNext(ImportResponse response) {
        result.complete(response);
      }

      @Override
      public void onError(Throwable error) {
        result.completeExceptionally(error);
      }

      @Override
      public void onCompleted() {}
    };
    Function<StreamObserver<ImportResponse>, StreamObserver<ImportChunk>> method =
        kind == Kind.ITEMS ? admin::importItems : admin::importInteractions;
    StreamObserver<ImportChunk> requests = method.apply(responses);
    chunks.forEach(requests::onNext);
    requests.onCompleted();
    try {
      return result.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (StatusRuntimeException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private ImportResponse send(Kind kind, String csv) {
    return send(kind, csv.getBytes(StandardCharsets.UTF_8), 7, false);
  }

  /** The response without the newest event times and the store, which only some tests are about. */
  private static ImportResponse counts(ImportResponse response) {
    return response.toBuilder().clearPreviousLatestEventTime().clearLatestEventTime().clearStore().build();
  }

  private static Timestamp seconds(long seconds) {
    return Timestamp.newBuilder().setSeconds(seconds).build();
  }

  private GetUserHistoryResponse history(String user) {
    return features.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).build());
  }

  private Item item(String itemId) {
    return features.getItems(GetItemsRequest.newBuilder().addItemIds(itemId).build()).getItems(0);
  }

  @Test
  void importItemsThenInteractions_inSmallChunks_storesThemAll() {
    ImportResponse items = send(Kind.ITEMS, ITEMS);
    ImportResponse interactions = send(Kind.INTERACTIONS, INTERACTIONS);

    assertEquals(ImportResponse.newBuilder().setRows(3).setStored(3).build(), counts(items));
    assertEquals(ImportResponse.newBuilder().setRows(4).setStored(4).setRepeatedRows(1).build(), counts(interactions));
    // The small dataset's newest event is at second 200; the items move nothing, the interactions
    // make their newest (1700000100) the time recent purchases are counted up to.
    assertEquals(seconds(200), items.getPreviousLatestEventTime());
    assertEquals(seconds(200), items.getLatestEventTime());
    assertEquals(seconds(200), interactions.getPreviousLatestEventTime());
    assertEquals(seconds(1_700_000_100L), interactions.getLatestEventTime());
    assertEquals(seconds(1_700_000_100L), features.retrieveCandidates(RetrieveCandidatesRequest.newBuilder()
        .setUserId("shop-1").setLimit(1).build()).getAsOf());
    assertEquals("Lamp, brass", item("N1").getTitle());
    assertEquals("Home > Lighting", item("N1").getCategory());
    assertEquals(12.5, item("N1").getPrice());
    assertEquals(2, item("N1").getInteractionCount());
    assertEquals("Alpha mug \"XL\"", item("A").getTitle());
    assertEquals(4, item("A").getInteractionCount());
    GetUserHistoryResponse shop1 = history("shop-1");
    assertEquals(3, shop1.getTotalEvents());
    assertEquals("N2", shop1.getEvents(2).getItemId());
    assertEquals("click", shop1.getEvents(2).getEventType());
    assertEquals(1_700_000_001L, shop1.getEvents(2).getTime().getSeconds());
  }

  /**
   * Files a spreadsheet set to a language with decimal commas saves as "CSV UTF-8": a byte order
   * mark, semicolons, prices with a decimal comma; times as a database or pandas writes them (a
   * space before the time, offsets +00:00, +0100 or +01). Read as the comma-separated file with
   * the same values would be.
   */
  @Test
  void importItemsThenInteractions_savedBySpreadsheetWithSemicolonsAndDecimalCommas_storesTheSameValues() {
    String items = "\uFEFFitem_id;title;price\nS1;\"Mug; red\";3,50\nS2;Tea towel;12\nS3;Rug;,75\n";
    String interactions = "\uFEFFuser_id;item_id;timestamp;basket_id\n"
        + "sheet-1;S1;2011-12-09 12:50:00+00:00;o1\n"
        + "sheet-1;S2;2011-12-09 13:50:00.5+0100;o1\n"
        + "sheet-1;S3;2011-12-10 12:50+01;o2\n";

    assertEquals(ImportResponse.newBuilder().setRows(3).setStored(3).build(),
        counts(send(Kind.ITEMS, items.getBytes(StandardCharsets.UTF_8), 7, false)));
    assertEquals(ImportResponse.newBuilder().setRows(3).setStored(3).build(), counts(send(Kind.INTERACTIONS, interactions)));

    assertEquals("Mug; red", item("S1").getTitle());
    assertEquals(3.5, item("S1").getPrice());
    assertEquals(12, item("S2").getPrice());
    assertEquals(0.75, item("S3").getPrice());
    GetUserHistoryResponse sheet1 = history("sheet-1");
    long noon = Instant.parse("2011-12-09T12:50:00Z").getEpochSecond();
    assertEquals(List.of(noon, noon, noon + 86_400 - 3_600),
        sheet1.getEventsList().stream().map(event -> event.getTime().getSeconds()).toList());
    assertEquals(List.of("S1", "S2", "S3"), sheet1.getEventsList().stream().map(Event::getItemId).toList());
  }

  /**
   * Unix seconds that fit a long but no Instant: a row refused like any unreadable time. They used
   * to escape the import as a DateTimeException that kept the import slot, so every later import
   * was refused as "another import is running" until a restart.
   */
  @Test
  void importInteractions_secondsNoInstantHolds_namesTheLine_andTheNextImportRuns() {
    send(Kind.ITEMS, ITEMS);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(Kind.INTERACTIONS,
        "user_id,item_id,timestamp\nshop-1,N1,9000000000000000000\n"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("line 2: timestamp must be unix seconds or ISO-8601"),
        e.getStatus().getDescription());
    assertEquals(ImportResponse.newBuilder().setRows(1).setStored(1).build(),
        counts(send(Kind.INTERACTIONS, "user_id,item_id,timestamp\nshop-1,N1,1700000000\n")));
  }

  /**
   * A time that reads but for its offset (25 hours, minutes past 59) is refused saying offsets run
   * from -18:00 to +18:00, naming the line; the file's good rows are not stored either. Before, it
   * was "timestamp must be unix seconds or ISO-8601", as though the rest of the time were wrong.
   */
  @Test
  void importInteractions_offsetOutOfRange_namesTheLineAndTheRange_andStoresNothing() {
    send(Kind.ITEMS, ITEMS);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(Kind.INTERACTIONS,
        "user_id,item_id,timestamp\noffset-1,N1,1700000000\noffset-1,N2,2011-12-09 12:00:00 +25:00\n"
            + "offset-1,N1,2011-12-09T12:00:00+05:60\n"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("interactions CSV: 2 rows are invalid, nothing was stored: "
        + "line 3: timestamp's UTC offset is out of range: ISO-8601 offsets run from -18:00 to +18:00, their minutes"
        + " and seconds from 00 to 59, got \"2011-12-09 12:00:00 +25:00\"; "
        + "line 4: timestamp's UTC offset is out of range: ISO-8601 offsets run from -18:00 to +18:00, their minutes"
        + " and seconds from 00 to 59, got \"2011-12-09T12:00:00+05:60\"", e.getStatus().getDescription());
    assertFalse(history("offset-1").getKnownUser());
  }

  /**
   * A time without an offset names no moment (a database's local time): refused, saying how to
   * write it or name its zone, as is a decimal comma in a comma-separated file, where it cannot be told from a
   * separator.
   */
  @Test
  void importInteractions_timeWithoutOffset_namesTheLineAndHowToWriteIt() {
    send(Kind.ITEMS, ITEMS);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(Kind.INTERACTIONS,
        "user_id,item_id,timestamp\nshop-1,N1,2011-12-09 12:50:00\nshop-1,N1,2011-12-09T12:50\n"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String message = e.getStatus().getDescription();
    assertTrue(message.contains("line 2: timestamp has no UTC offset, so its moment is unknown: write one, such as "
        + "2011-12-09T12:50:00Z (UTC) or 2011-12-09 12:50:00+01:00, or name the time zone of the file's times "
        + "(time_zone=Europe/London, say), got \"2011-12-09 12:50:00\""), message);
    assertTrue(message.contains("line 3: timestamp has no UTC offset"), message);
    assertFalse(history("shop-1").getKnownUser());
    StatusRuntimeException comma = assertThrows(StatusRuntimeException.class,
        () -> send(Kind.ITEMS, "item_id,title,price\nN9,Lamp,\"3,50\"\n"));
    assertTrue(comma.getStatus().getDescription().contains(
        "line 2: price must be a number such as 2.95 (or empty), got \"3,50\""), comma.getStatus().getDescription());
  }

  /** Blank lines (an editor's trailing one, one between rows) hold no row: the file imports whole. */
  @Test
  void importInteractions_blankLines_arePassedOver() {
    send(Kind.ITEMS, ITEMS);

    assertEquals(ImportResponse.newBuilder().setRows(2).setStored(2).build(), counts(send(Kind.INTERACTIONS,
        "user_id,item_id,timestamp\nblank-1,N1,1700000000\n\nblank-1,N1,1700000060\n\n")));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(Kind.INTERACTIONS,
        "user_id,item_id,timestamp\n\nblank-2,N1,yesterday\n"));
    assertTrue(e.getStatus().getDescription().contains("line 3: timestamp"), e.getStatus().getDescription());
  }

  /**
   * A database's local times, with the file's zone named on the first message: each stored as
   * its moment (summer time in June), a time with an offset as it says; the same events written
   * with offsets are then already there, since an event's id comes from its moment.
   */
  @Test
  void importInteractions_localTimesInANamedZone_storedAsTheirMoments() {
    send(Kind.ITEMS, ITEMS);
    String local = "user_id,item_id,timestamp\n"
        + "zone-1,N1,2011-06-09 12:50:00\nzone-1,N1,2011-12-09 12:50\nzone-1,N1,2011-12-10T12:50:00+01:00\n";
    String withOffsets = "user_id,item_id,timestamp\n"
        + "zone-1,N1,2011-06-09T11:50:00Z\nzone-1,N1,2011-12-09T12:50:00Z\nzone-1,N1,2011-12-10T11:50:00Z\n";

    assertEquals(ImportResponse.newBuilder().setRows(3).setStored(3).build(), counts(send(admin, Kind.INTERACTIONS,
        local.getBytes(StandardCharsets.UTF_8), 16, false, new String[] {"Europe/London"})));

    assertEquals(List.of(Instant.parse("2011-06-09T11:50:00Z").getEpochSecond(),
            Instant.parse("2011-12-09T12:50:00Z").getEpochSecond(), Instant.parse("2011-12-10T11:50:00Z").getEpochSecond()),
        history("zone-1").getEventsList().stream().map(event -> event.getTime().getSeconds()).toList());
    assertEquals(ImportResponse.newBuilder().setRows(3).setDuplicates(3).build(),
        counts(send(Kind.INTERACTIONS, withOffsets)));
  }

  @Test
  void importTimeZone_notAName_twoNames_orOnItems_isInvalidArgument_storesNothing_andTheNextImportRuns() {
    send(Kind.ITEMS, ITEMS);
    byte[] csv = "user_id,item_id,timestamp\nzone-2,N1,2011-12-09 12:50:00\n".getBytes(StandardCharsets.UTF_8);

    assertEquals("time_zone must be a time zone name such as Europe/London or UTC, got \"+01:00\"",
        importFailure(Kind.INTERACTIONS, csv, "+01:00"));
    assertEquals("time_zone is \"Europe/Paris\" here but \"Europe/London\" in an earlier message",
        importFailure(Kind.INTERACTIONS, csv, "Europe/London", "", "Europe/Paris"));
    assertEquals("time_zone is for interactions: items CSV holds no times",
        importFailure(Kind.ITEMS, "item_id,title\nZ1,Lamp\n".getBytes(StandardCharsets.UTF_8), "UTC"));
    assertFalse(history("zone-2").getKnownUser());
    assertEquals(ImportResponse.newBuilder().setRows(1).setStored(1).build(), counts(send(admin, Kind.INTERACTIONS,
        csv, 8, false, new String[] {"Europe/London", "", "Europe/London"})));
  }

  /** The description of the INVALID_ARGUMENT an import of {@code csv} in chunks of 8 bytes gets. */
  private String importFailure(Kind kind, byte[] csv, String... timeZones) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> send(admin, kind, csv, 8, false, timeZones));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    return e.getStatus().getDescription();
  }

  /**
   * A caller that goes away (a passed deadline is the same to the server: the call's context is
   * cancelled) stops the import at the next batch of 1000 rows: what was stored stays, the import
   * slot is freed, and the same import again stores the rest, none twice. Before, the
   * server went on storing the whole file for a caller that had been told it failed.
   */
  @Test
  void importInteractions_callerGoneAfterTheFirstBatch_stopsThere_andTheSameImportAgainStoresTheRest()
      throws Exception {
    StringBuilder csv = new StringBuilder("user_id,item_id,timestamp\n");
    for (int user = 0; user < 3; user++) {
      for (int row = 0; row < 1000; row++) {
        csv.append("gone-").append(user).append(",A,").append(1_700_000_000L + row).append('\n');
      }
    }
    byte[] file = csv.toString().getBytes(StandardCharsets.UTF_8);
    InMemoryEventStore store = TestData.smallStore();
    CountDownLatch firstBatchStored = new CountDownLatch(1);
    EventStore stalling = stallingOnFirst(store, "append", firstBatchStored, new AtomicInteger());
    onPort(stalling, stallingAdmin -> {
      sendAndCancelOnce(firstBatchStored, stallingAdmin, Kind.INTERACTIONS, file, false);

      // The server stops at its next batch (the caller was told at once): the slot is free
      // within moments, and the same import again stores the rest, once.
      ImportResponse again = sendOnceTheSlotIsFree(stallingAdmin, Kind.INTERACTIONS, file, false);

      assertEquals(ImportResponse.newBuilder().setRows(3000).setStored(2000).setDuplicates(1000).build(),
          counts(again));
      for (int user = 0; user < 3; user++) {
        assertEquals(1000, store.history("gone-" + user, 1000).totalEvents(), "gone-" + user);
      }
    });
  }

  /**
   * A check nobody waits for any more stops too, within the 1000 rows it reads after its caller
   * has gone, and frees the import slot. Before, a validate-only import read every row of its
   * file (up to a million) for a caller gone, and every other import was refused meanwhile.
   */
  @Test
  void importInteractions_validateOnly_callerGoneMidCheck_stopsWithinTheNextThousandRows_andFreesTheSlot()
      throws Exception {
    // 20 batches of rows, each row naming an item of its own: the check looks up each 1000 ids in the store.
    StringBuilder csv = new StringBuilder("user_id,item_id,timestamp\n");
    for (int row = 0; row < 20_000; row++) {
      csv.append("check-1,new-").append(row).append(",1700000000\n");
    }
    byte[] file = csv.toString().getBytes(StandardCharsets.UTF_8);
    CountDownLatch firstLookup = new CountDownLatch(1);
    AtomicInteger lookups = new AtomicInteger();
    EventStore stalling = stallingOnFirst(TestData.smallStore(), "items", firstLookup, lookups);
    onPort(stalling, stallingAdmin -> {
      sendAndCancelOnce(firstLookup, stallingAdmin, Kind.INTERACTIONS, file, true);

      ImportResponse next = sendOnceTheSlotIsFree(stallingAdmin, Kind.ITEMS, ITEMS.getBytes(StandardCharsets.UTF_8),
          true);

      assertEquals(ImportResponse.newBuilder().setRows(3).setValidateOnly(true).build(), counts(next));
      assertEquals(1, lookups.get(), "the ids of the first 1000 rows looked up, of 20,000 rows");
    });
  }

  /**
   * {@code store} as the service sees it, counting the calls of {@code method} in {@code calls}:
   * the first, once done, counts {@code reached} down and waits until the caller has gone (the
   * call's context cancelled) before it returns.
   */
  private static EventStore stallingOnFirst(
      EventStore store, String method, CountDownLatch reached, AtomicInteger calls) {
    return (EventStore) Proxy.newProxyInstance(EventStore.class.getClassLoader(),
        new Class<?>[] {EventStore.class}, (proxy, called, args) -> {
          Object result;
          try {
            result = called.invoke(store, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (called.getName().equals(method) && calls.getAndIncrement() == 0) {
            reached.countDown();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Context.current().isCancelled() && System.nanoTime() < until) {
              Thread.sleep(5); // polling the call's context: it has no callback on this thread
            }
          }
          return result;
        });
  }

  /** Calls to a FeatureAdmin stub that may throw what a test does. */
  private interface AdminCalls {
    void accept(FeatureAdminGrpc.FeatureAdminStub admin) throws Exception;
  }

  /** Runs {@code calls} against a FeatureAdmin serving {@code store} on a port of this machine. */
  private static void onPort(EventStore store, AdminCalls calls) throws Exception {
    // On a port: the in-process transport delivers the cancellation on the thread the import holds.
    GrpcServer server = GrpcServer.onPort("feature-service", 0)
        .addService(TestData.admin(store)).start();
    server.setServing(true);
    ManagedChannel channel = ClientChannels.forTarget("localhost:" + server.port());
    try {
      calls.accept(FeatureAdminGrpc.newStub(channel));
    } finally {
      channel.shutdownNow();
      server.close();
    }
  }

  /**
   * Streams {@code csv} in chunks of 256 KiB, and cancels the call once the server has
   * {@code reached} its stall; the caller is told CANCELLED at once, whatever the server does next.
   */
  private static void sendAndCancelOnce(CountDownLatch reached, FeatureAdminGrpc.FeatureAdminStub admin, Kind kind,
                                        byte[] csv, boolean validateOnly) throws InterruptedException {
    Context.CancellableContext caller = Context.current().withCancellation();
    CompletableFuture<ImportResponse> response = new CompletableFuture<>();
    CompletableFuture.runAsync(caller.wrap(() -> {
      try {
        response.complete(send(admin, kind, csv, 256 * 1024, validateOnly));
      } catch (RuntimeException e) {
        response.completeExceptionally(e);
      }
    }));
    assertTrue(reached.await(20, TimeUnit.SECONDS));
    caller.cancel(null);
    ExecutionException gone = assertThrows(ExecutionException.class, () -> response.get(20, TimeUnit.SECONDS));
    assertEquals(Status.Code.CANCELLED, Status.fromThrowable(gone.getCause()).getCode());
  }

  /** Streams {@code csv} again while another import holds the slot (RESOURCE_EXHAUSTED), for up to 10 s. */
  private static ImportResponse sendOnceTheSlotIsFree(
      FeatureAdminGrpc.FeatureAdminStub admin, Kind kind, byte[] csv, boolean validateOnly)
      throws InterruptedException {
    for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); ; ) {
      try {
        return send(admin, kind, csv, 256 * 1024, validateOnly);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED || System.nanoTime() > until) {
          throw e;
        }
        Thread.sleep(20); // another import is still running: a retry interval, as a client's
      }
    }
  }

  /**
   * A store that fills up mid-import keeps what it stored and says so: before, the caller was told
   * "nothing was stored" when the first batches were, and an import of the rest stored them twice
   * in its caller's books.
   */
  @Test
  void importInteractions_storeFullAfterTheFirstBatch_saysWhatWasStored_andTheSameImportAgainStoresTheRest() {
    StringBuilder csv = new StringBuilder("user_id,item_id,timestamp\n");
    for (int row = 0; row < 2500; row++) {
      csv.append("full-").append(row % 3).append(",A,").append(1_700_000_000L + row).append('\n');
    }
    byte[] file = csv.toString().getBytes(StandardCharsets.UTF_8);
    AtomicInteger heapChecks = new AtomicInteger();
    AtomicInteger roomyFrom = new AtomicInteger(Integer.MAX_VALUE);
    // Room for one batch of 1000, then none until the test makes room.
    HeapRoom heap = new HeapRoom(() -> {
      int check = heapChecks.incrementAndGet();
      return check == 1 || check >= roomyFrom.get() ? 0.5 : 0.9;
    }, HeapRoom.DEFAULT_LIMIT);
    InMemoryEventStore store = new InMemoryEventStore(100, 200, "GBP", TestData.ROOMY, System::nanoTime, heap);
    store.load(TestData.small());
    onServer(store, fullAdmin -> {
      StatusRuntimeException full = assertThrows(StatusRuntimeException.class,
          () -> send(fullAdmin, Kind.INTERACTIONS, file, 64 * 1024, false));

      assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
      assertEquals("the feature store is full: 1000 of the 2500 rows were stored (0 were there already) before it"
          + " filled; they stay, and the same import again, once there is room, stores the rest, none twice",
          full.getStatus().getDescription());
      long stored = 0;
      for (int user = 0; user < 3; user++) {
        stored += store.history("full-" + user, 1000).totalEvents();
      }
      assertEquals(1000, stored);

      roomyFrom.set(heapChecks.get() + 1);
      assertEquals(ImportResponse.newBuilder().setRows(2500).setStored(1500).setDuplicates(1000).build(),
          counts(send(fullAdmin, Kind.INTERACTIONS, file, 64 * 1024, false)));
    });
  }

  @Test
  void importInteractions_sameFileTwice_storesEachEventOnce() {
    send(Kind.ITEMS, ITEMS);
    send(Kind.INTERACTIONS, INTERACTIONS);

    ImportResponse again = send(Kind.INTERACTIONS, INTERACTIONS);

    assertEquals(ImportResponse.newBuilder().setRows(4).setStored(0).setDuplicates(4).setRepeatedRows(1).build(),
        counts(again));
    assertEquals(again.getPreviousLatestEventTime(), again.getLatestEventTime());
    assertEquals(3, history("shop-1").getTotalEvents());
  }

  /**
   * A row repeated within one file is an event of its own (the same event again at that moment), as
   * a data folder and the trainer read it: stored as two events, and a re-run finds both there. The
   * answer counts the rows that repeat an earlier row of the file, on the re-run too, and the check
   * before them: until it did (it answered 0), the repeat was first told once stored.
   */
  @Test
  void importInteractions_aRowRepeatedInTheFile_isStoredAsAnEventOfItsOwn_andTheAnswerCountsTheRepeat() {
    importRowRepeatedInTheFile(admin, user -> history(user).getEventsList().stream()
        .map(event -> event.getItemId() + " " + event.getEventType()).toList());
  }

  /** On Redis the same: the repeat is stored under its own occurrence's id, and counted. */
  @Test
  void importInteractions_aRowRepeatedInTheFile_intoRedis_isStoredAsAnEventOfItsOwn_andTheAnswerCountsTheRepeat() {
    try (RedisServer redis = RedisServer.startFresh(); RedisEventStore store = TestData.redisStore(redis.uri())) {
      store.load(TestData.small());

      onServer(store, onRedis -> importRowRepeatedInTheFile(onRedis, user -> store.history(user, 100).events()
          .stream().map(event -> event.itemId() + " " + event.type().wireName()).toList()));
    }
  }

  /** Imports a file with a row repeated, checked first, then again; {@code events}: a user's, oldest first. */
  private static void importRowRepeatedInTheFile(FeatureAdminGrpc.FeatureAdminStub admin,
                                                 Function<String, List<String>> events) {
    String repeated = """
        user_id,item_id,timestamp,event,basket_id
        U97,N1,1704000000,purchase,Q1
        U97,N2,1704000000,purchase,Q1
        U97,N1,1704000000,purchase,Q1
        U97,N1,1704000000,click,Q1
        """;
    byte[] file = repeated.getBytes(StandardCharsets.UTF_8);
    send(admin, Kind.ITEMS, ITEMS.getBytes(StandardCharsets.UTF_8), 1024, false);

    ImportResponse checked = send(admin, Kind.INTERACTIONS, file, 7, true);
    ImportResponse first = send(admin, Kind.INTERACTIONS, file, 7, false);
    ImportResponse again = send(admin, Kind.INTERACTIONS, file, 7, false);

    assertEquals(ImportResponse.newBuilder().setRows(4).setRepeatedRows(1).setValidateOnly(true).build(),
        counts(checked));
    assertEquals(ImportResponse.newBuilder().setRows(4).setStored(4).setRepeatedRows(1).build(), counts(first));
    assertEquals(ImportResponse.newBuilder().setRows(4).setDuplicates(4).setRepeatedRows(1).build(), counts(again));
    assertEquals(List.of("N1 purchase", "N2 purchase", "N1 purchase", "N1 click"), events.apply("U97"));
  }

  /**
   * A rerun of an import longer than the dedupe window's bound stores nothing twice: before, the
   * window had forgotten the first rows' ids when the rerun reached them, and every row was stored
   * again (in memory, any import over 166,094 rows under Kubernetes' heap).
   */
  @Test
  void importInteractions_sameFileTwice_longerThanTheIdsRemembered_storesEachEventOnce() {
    StringBuilder csv = new StringBuilder("user_id,item_id,timestamp,event,basket_id\n");
    for (int row = 0; row < 2500; row++) {
      csv.append("rerun-").append(row % 5).append(",A,").append(1_700_000_000L + row / 2).append(",,o")
          .append(row / 4).append('\n');
    }
    csv.append("rerun-0,A,1700000000,,o0\n");
    byte[] file = csv.toString().getBytes(StandardCharsets.UTF_8);
    InMemoryEventStore store = new InMemoryEventStore(100, 200, "GBP",
        new StoreBounds(1000, 1000, 10_000_000, Duration.ofDays(1), 100), System::nanoTime);
    store.load(TestData.small());

    onServer(store, remembering100 -> {
      assertEquals(ImportResponse.newBuilder().setRows(2501).setStored(2501).setRepeatedRows(1).build(),
          counts(send(remembering100, Kind.INTERACTIONS, file, 64 * 1024, false)), "the last row's twin is stored");
      assertEquals(ImportResponse.newBuilder().setRows(2501).setDuplicates(2501).setRepeatedRows(1).build(),
          counts(send(remembering100, Kind.INTERACTIONS, file, 64 * 1024, false)));
    });
    assertEquals(501, store.history("rerun-0", 1000).totalEvents());
  }

  /** Rows of events the store already holds, loaded with their basket ids, are duplicates. */
  @Test
  void importInteractions_eventsTheStoreWasLoadedWith_storesNothingTwice() {
    String csv = """
        user_id,item_id,timestamp,event,basket_id
        u1,A,100,purchase,i1
        u1,B,100,purchase,i1
        u1,D,200,purchase,i2
        u2,F,1970-01-01T00:00:50Z,,i3
        u3,C,10,purchase,i4
        u3,C,10,purchase,i4
        """;

    assertEquals(ImportResponse.newBuilder().setRows(6).setStored(1).setDuplicates(5).setRepeatedRows(1).build(),
        counts(send(Kind.INTERACTIONS, csv)), "only the second C of order i4 is new");
    assertEquals(3, history("u3").getTotalEvents());
  }

  /**
   * Every answer names the store, so that a caller told "stored" knows whether the rows outlive the
   * service: the memory store's do not (before, nothing said so, and a restart lost them unseen).
   */
  @Test
  void import_intoTheMemoryStore_answersThatTheRowsAreInMemory_validateOnlyToo() {
    ImportResponse items = send(Kind.ITEMS, ITEMS);
    ImportResponse checked = send(Kind.INTERACTIONS, INTERACTIONS.getBytes(StandardCharsets.UTF_8), 1024, true);

    assertEquals(FeatureStore.FEATURE_STORE_MEMORY, items.getStore());
    assertEquals(FeatureStore.FEATURE_STORE_MEMORY, checked.getStore());
  }

  /** On Redis, which keeps them across a restart of the service, the answer says Redis. */
  @Test
  void import_intoRedis_answersThatTheRowsAreInRedis() {
    try (RedisServer redis = RedisServer.startFresh(); RedisEventStore store = TestData.redisStore(redis.uri())) {
      store.load(TestData.small());

      onServer(store, onRedis -> {
        ImportResponse items = send(onRedis, Kind.ITEMS, ITEMS.getBytes(StandardCharsets.UTF_8), 1024, false);

        assertEquals(ImportResponse.newBuilder().setRows(3).setStored(3).build(), counts(items));
        assertEquals(FeatureStore.FEATURE_STORE_REDIS, items.getStore());
      });
    }
  }

  /** Runs {@code calls} against the admin service of a feature service serving {@code store}. */
  private static void onServer(EventStore store, Consumer<FeatureAdminGrpc.FeatureAdminStub> calls) {
    onServer(TestData.admin(store), calls);
  }

  /** Runs {@code calls} against {@code service}, served in-process. */
  private static void onServer(FeatureAdminService service, Consumer<FeatureAdminGrpc.FeatureAdminStub> calls) {
    String name = "admin-" + UUID.randomUUID();
    GrpcServer server = GrpcServer.inProcess("feature-service", name).addService(service).start();
    server.setServing(true);
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try {
      calls.accept(FeatureAdminGrpc.newStub(channel));
    } finally {
      channel.shutdownNow();
      server.close();
    }
  }

  /** Lines of one order share its basket id, so buy-again counts orders, not lines. */
  @Test
  void importInteractions_withBasketIds_storesThemAndOrdersCountBaskets() {
    send(Kind.ITEMS, ITEMS);
    String csv = """
        user_id,item_id,timestamp,event,basket_id
        shop-3,N1,1700000000,purchase,order-1
        shop-3,A,1700000000,purchase,order-1
        shop-3,N1,1700000500,,order-2
        shop-3,N2,1700000500,,order-2
        shop-3,A,1700000900,click,
        """;

    assertEquals(ImportResponse.newBuilder().setRows(5).setStored(5).build(), counts(send(Kind.INTERACTIONS, csv)));
    assertEquals(ImportResponse.newBuilder().setRows(5).setDuplicates(5).build(), counts(send(Kind.INTERACTIONS, csv)),
        "the same file again stores nothing twice");

    GetUserHistoryResponse history = features.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("shop-3")
        .setPurchasesOnly(true).setRegularItemsMinBaskets(2).build());
    assertEquals(List.of("order-1", "order-1", "order-2", "order-2"),
        history.getEventsList().stream().map(Event::getBasketId).toList());
    assertEquals(2, history.getOrders(), "two orders of two lines each");
    assertEquals(List.of("N1"), history.getRegularItemsList().stream().map(RegularItem::getItemId).toList());
    assertEquals(2, history.getRegularItems(0).getBaskets());
  }

  /**
   * A seq_pos column orders a user's events of one moment, as in a data folder the trainer reads:
   * kept where it agrees with file order (the order an import stores them in), refused naming the
   * line where it does not. Before, it was not read: such a file was served in file order, where
   * the trainer learnt it in seq_pos order.
   */
  @Test
  void importInteractions_seqPos_inFileOrderIsServed_againstItIsRefusedNamingTheLine() {
    send(Kind.ITEMS, ITEMS);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(Kind.INTERACTIONS,
        "user_id,item_id,timestamp,seq_pos\nshop-7,N1,1700000000,1\nshop-7,N2,1700000000,0\n"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("line 3: seq_pos orders this event before line 2's at the "
        + "same moment, but an import stores them in file order: sort the file by timestamp, then seq_pos"),
        e.getStatus().getDescription());
    assertFalse(history("shop-7").getKnownUser());
    send(Kind.INTERACTIONS, "user_id,item_id,timestamp,seq_pos\nshop-7,N2,1700000000,0\nshop-7,N1,1700000000,1\n");
    assertEquals(List.of("N2", "N1"), history("shop-7").getEventsList().stream().map(Event::getItemId).toList());
  }

  @Test
  void importInteractions_basketIdTooLong_namesTheLineAndStoresNothing() {
    send(Kind.ITEMS, ITEMS);
    String csv = "user_id,item_id,timestamp,basket_id\nshop-4,N1,1700000000,b1\nshop-4,N2,1700000000,"
        + "b".repeat(129) + "\n";

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(Kind.INTERACTIONS, csv));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("line 3: basket_id must be at most 128 characters, got 129"),
        e.getStatus().getDescription());
    assertFalse(history("shop-4").getKnownUser());
  }

  @Test
  void importInteractions_basketIdWithAControlCharacter_namesTheLineAndStoresNothing() {
    send(Kind.ITEMS, ITEMS);
    String csv = "user_id,item_id,timestamp,basket_id\nshop-8,N1,1700000000,b1\nshop-8,N2,1700000000,b\u00072\n";

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(Kind.INTERACTIONS, csv));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains(
        "line 3: basket_id must not contain control characters, got U+0007 at index 1"), e.getStatus().getDescription());
    assertFalse(history("shop-8").getKnownUser());
  }

  @Test
  void importInteractions_invalidRows_namesEachLineAndStoresNothing() {
    send(Kind.ITEMS, ITEMS);
    Instant aDayAhead = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
    String csv = """
        user_id,item_id,timestamp,event
        shop-1,N1,1700000000,purchase
        shop-1,NOPE,1700000000,purchase
        ,N1,1700000000,purchase
        shop-1,N1,yesterday,purchase
        shop-1,N1,1700000000,wishlist
        shop-1,N1,%s,purchase
        shop\u00001,N1,1700000000,purchase
        shop-1,N1,0001-01-01T00:00:00Z,purchase
        """.formatted(aDayAhead);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(Kind.INTERACTIONS, csv));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String message = e.getStatus().getDescription();
    assertTrue(message.startsWith("interactions CSV: 7 rows are invalid, nothing was stored: "), message);
    assertTrue(message.contains("line 4: user_id must not be empty"), message);
    assertTrue(message.contains("line 5: timestamp must be unix seconds or ISO-8601"), message);
    assertTrue(message.contains("line 6: event must be empty or one of purchase"), message);
    assertTrue(message.contains("line 7: timestamp " + aDayAhead + " lies in the future"), message);
    // No RPC would take this id: stored, the user could never be asked about.
    assertTrue(message.contains("line 8: user_id must not contain control characters, got U+0000 at index 4"), message);
    assertTrue(message.contains("line 9: timestamp 0001-01-01T00:00:00Z is before 1970-01-01T00:00:00Z"), message);
    assertTrue(message.contains("line 3: item_id \"NOPE\" is not in the catalogue"), message);
    assertTrue(message.indexOf("line 3:") < message.indexOf("line 4:"), "in line order: " + message);
    assertFalse(history("shop-1").getKnownUser());
  }

  @Test
  void importItems_invalidRows_namesEachLineAndStoresNothing() {
    String csv = "item_id,title,price\nN1,Lamp,-1\nN2,,2\nN3,Rug,cheap\nN1,Lamp again,2\n";

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(Kind.ITEMS, csv));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String message = e.getStatus().getDescription();
    assertTrue(message.contains("line 2: price must be a finite number >= 0"), message);
    assertTrue(message.contains("line 3: title must not be empty"), message);
    assertTrue(message.contains("line 4: price must be a number"), message);
    assertTrue(features.getItems(GetItemsRequest.newBuilder().addItemIds("N3").build())
        .getMissingItemIdsList().contains("N3"));
  }

  @Test
  void importItems_missingColumn_isInvalidArgumentNamingIt() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> send(Kind.ITEMS, "item_id,name\nN1,Lamp\n"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("no column \"title\""), e.getStatus().getDescription());
  }

  @Test
  void importItems_notUtf8_isInvalidArgument() {
    byte[] latin1 = "item_id,title\nN1,Caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> send(Kind.ITEMS, latin1, 1024, false));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().equals("items CSV is not valid UTF-8 (a spreadsheet's "
        + "plain CSV is often Windows-1252: save it as CSV UTF-8)"), e.getStatus().getDescription());
  }

  @Test
  void importInteractions_validateOnly_checksAndStoresNothing() {
    send(Kind.ITEMS, ITEMS);

    ImportResponse checked = send(Kind.INTERACTIONS, INTERACTIONS.getBytes(StandardCharsets.UTF_8), 1024, true);

    assertEquals(ImportResponse.newBuilder().setRows(4).setRepeatedRows(1).setValidateOnly(true).build(),
        counts(checked), "shop-1's N1 purchase is there twice");
    assertEquals(seconds(200), checked.getLatestEventTime(), "nothing stored, nothing moved");
    assertFalse(history("shop-1").getKnownUser());
  }

  /**
   * A new shop's two files checked together: the interactions naming items only in the items file
   * sent along are valid, as they are once that file is imported; the rest are refused with the
   * import's own words; nothing is stored. Checked alone, every row naming N1 or N2 was refused.
   */
  @Test
  void importInteractions_validateOnlyWithItemsCsv_checksAgainstTheCatalogueWithThoseItems_storesNothing() {
    String orderOfNeither = INTERACTIONS + "shop-3,Q,1700000000,\n";

    ImportResponse checked = send(admin, Kind.INTERACTIONS, withItemsAlong(ITEMS, INTERACTIONS, true));
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> send(admin, Kind.INTERACTIONS, withItemsAlong(ITEMS, orderOfNeither, true)));

    assertEquals(ImportResponse.newBuilder().setRows(4).setRepeatedRows(1).setValidateOnly(true).build(),
        counts(checked), "shop-1's N1 purchase is there twice");
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
    assertEquals("interactions CSV: 1 row is invalid, nothing was stored: line 6: item_id \"Q\" is not in the"
        + " catalogue (import it with the items first)", refused.getStatus().getDescription());
    assertEquals(List.of("N1", "N2"), features.getItems(GetItemsRequest.newBuilder().addItemIds("N1")
        .addItemIds("N2").build()).getMissingItemIdsList());
    assertEquals("Alpha mug", item("A").getTitle(), "A not replaced");
    assertFalse(history("shop-1").getKnownUser());
    // The real import, items first, accepts the same rows and refuses the same one.
    send(Kind.ITEMS, ITEMS);
    StatusRuntimeException imported = assertThrows(StatusRuntimeException.class,
        () -> send(Kind.INTERACTIONS, orderOfNeither));
    assertEquals(refused.getStatus().getDescription(), imported.getStatus().getDescription());
  }

  /** An items file sent along with an invalid row: refused as ImportItems refuses it, nothing checked further. */
  @Test
  void importInteractions_itemsCsvWithInvalidRows_isRefusedAsImportItemsRefusesIt() {
    String items = "item_id,title,price\nN1,Lamp,-1\nN2,,2\n";
    StatusRuntimeException asItems = assertThrows(StatusRuntimeException.class,
        () -> send(Kind.ITEMS, items.getBytes(StandardCharsets.UTF_8), 7, true));

    StatusRuntimeException along = assertThrows(StatusRuntimeException.class,
        () -> send(admin, Kind.INTERACTIONS, withItemsAlong(items, INTERACTIONS, true)));

    assertEquals(Status.Code.INVALID_ARGUMENT, along.getStatus().getCode());
    assertTrue(along.getStatus().getDescription().startsWith("items CSV: 2 rows are invalid"),
        along.getStatus().getDescription());
    assertEquals(asItems.getStatus().getDescription(), along.getStatus().getDescription());
  }

  /** items_csv is for checking only: an import that would store, and ImportItems, refuse it. */
  @Test
  void itemsCsv_withoutValidateOnly_orOnImportItems_isInvalidArgument_storesNothing_andTheNextImportRuns() {
    StatusRuntimeException storing = assertThrows(StatusRuntimeException.class,
        () -> send(admin, Kind.INTERACTIONS, withItemsAlong(ITEMS, INTERACTIONS, false)));
    StatusRuntimeException onItems = assertThrows(StatusRuntimeException.class,
        () -> send(admin, Kind.ITEMS, withItemsAlong(ITEMS, ITEMS, true)));

    assertEquals(Status.Code.INVALID_ARGUMENT, storing.getStatus().getCode());
    assertEquals("items_csv is only for validate_only: import items CSV first (ImportItems), then interactions CSV",
        storing.getStatus().getDescription());
    assertEquals(Status.Code.INVALID_ARGUMENT, onItems.getStatus().getCode());
    assertEquals("items_csv is for checking interactions: send items CSV in csv", onItems.getStatus().getDescription());
    assertFalse(history("shop-1").getKnownUser());
    assertEquals(List.of("N1"), features.getItems(GetItemsRequest.newBuilder().addItemIds("N1").build())
        .getMissingItemIdsList());
    assertEquals(ImportResponse.newBuilder().setRows(3).setStored(3).build(), counts(send(Kind.ITEMS, ITEMS)));
  }

  /** {@link #withItemsAlong(String, String, boolean, int)} in pieces of 7 bytes. */
  private static List<ImportChunk> withItemsAlong(String items, String interactions, boolean validateOnly) {
    return withItemsAlong(items, interactions, validateOnly, 7);
  }

  /**
   * {@code items} in items_csv chunks of {@code pieceBytes}, then {@code interactions} in csv
   * chunks of {@code pieceBytes}, the last of each pair in one message (a piece of each may come together).
   */
  private static List<ImportChunk> withItemsAlong(
      String items, String interactions, boolean validateOnly, int pieceBytes) {
    List<ImportChunk> chunks = new ArrayList<>();
    ByteString itemBytes = ByteString.copyFromUtf8(items);
    ByteString interactionBytes = ByteString.copyFromUtf8(interactions);
    int itemChunks = (itemBytes.size() + pieceBytes - 1) / pieceBytes;
    int interactionChunks = (interactionBytes.size() + pieceBytes - 1) / pieceBytes;
    for (int i = 0; i < itemChunks + interactionChunks - 1; i++) {
      ImportChunk.Builder chunk = ImportChunk.newBuilder().setValidateOnly(validateOnly);
      if (i < itemChunks) {
        chunk.setItemsCsv(itemBytes.substring(pieceBytes * i, Math.min(pieceBytes * (i + 1), itemBytes.size())));
      }
      int piece = i - itemChunks + 1;
      if (piece >= 0) {
        chunk.setCsv(interactionBytes.substring(pieceBytes * piece,
            Math.min(pieceBytes * (piece + 1), interactionBytes.size())));
      }
      chunks.add(chunk.build());
    }
    return chunks;
  }

  /**
   * The items file sent along waits in the same temporary folder as the interactions (under
   * Kubernetes an emptyDir sized for one limit), so the two together are held to one limit, here 1 MiB.
   * Before, each had its own: one check could spool twice the limit.
   */
  /**
   * An import refused for a full store counts in the same counter as IngestEvents' refusals, which
   * the store-full alert reads. Before, imports went uncounted.
   */
  @Test
  void importIntoAFullStore_isResourceExhausted_andCountedAsAStoreFullRefusal() {
    InMemoryEventStore full = new InMemoryEventStore(100, 200, "GBP", TestData.ROOMY, System::nanoTime,
        new HeapRoom(() -> 0.9, 0.85));
    full.load(TestData.small());
    Counter refusals = StoreCalls.fullRefusals();
    onServer(new FeatureAdminService(full, TestData.TIME_LIMIT, FeatureConfig.DEFAULT_IMPORT_MAX_MIB,
        FeatureAdminService.SpoolFolder.temporary(), refusals), admin -> {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(admin, Kind.INTERACTIONS,
          "user_id,item_id,timestamp\nfull-1,A,1700000000\n".getBytes(StandardCharsets.UTF_8), 1 << 10, false));

      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertEquals(1, refusals.get());
    });
  }

  @Test
  void itemsCsvWithCsv_togetherOverTheFileLimit_isResourceExhausted_eachAloneIsChecked() {
    // Each file a little over half a mebibyte.
    String items = IntStream.range(0, 50_000).mapToObj(row -> "H" + row + ",Lamp\n")
        .collect(Collectors.joining("", "item_id,title\n", ""));
    String interactions = "user_id,item_id,timestamp\n" + "limit-1,A,1700000000\n".repeat(30_000);
    onServer(new FeatureAdminService(TestData.smallStore(), TestData.TIME_LIMIT, 1,
        FeatureAdminService.SpoolFolder.temporary()), limited -> {
      StatusRuntimeException together = assertThrows(StatusRuntimeException.class,
          () -> send(limited, Kind.INTERACTIONS, withItemsAlong(items, interactions, true, 256 << 10)));
      StatusRuntimeException twice = assertThrows(StatusRuntimeException.class, () -> send(limited,
          Kind.INTERACTIONS, (interactions + interactions).getBytes(StandardCharsets.UTF_8), 256 << 10, true));
      // The items file alone over the limit: no split of the interactions would help.
      StatusRuntimeException itemsAlone = assertThrows(StatusRuntimeException.class, () -> send(limited,
          Kind.INTERACTIONS, withItemsAlong(items + items.substring(items.indexOf('\n') + 1),
              "user_id,item_id,timestamp\nlimit-1,A,1700000000\n", true, 256 << 10)));
      assertEquals("items CSV is larger than 1 MiB, the most this service spools (GLASSBOX_FEATURE_IMPORT_MAX_MIB);"
          + " import it first, in parts if need be, and check interactions CSV alone",
          itemsAlone.getStatus().getDescription());

      assertEquals(Status.Code.RESOURCE_EXHAUSTED, together.getStatus().getCode());
      assertEquals("items CSV and interactions CSV together are larger than 1 MiB, the most this service spools"
          + " (GLASSBOX_FEATURE_IMPORT_MAX_MIB); split interactions CSV so that each part and items CSV together fit,"
          + " or import items CSV first and check interactions CSV alone", together.getStatus().getDescription());
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, twice.getStatus().getCode());
      assertEquals("interactions CSV is larger than 1 MiB, the most this service spools"
          + " (GLASSBOX_FEATURE_IMPORT_MAX_MIB); split it", twice.getStatus().getDescription());
      assertEquals(ImportResponse.newBuilder().setRows(50_000).setValidateOnly(true).build(), counts(send(limited,
          Kind.ITEMS, items.getBytes(StandardCharsets.UTF_8), 256 << 10, true)));
      assertEquals(ImportResponse.newBuilder().setRows(30_000).setRepeatedRows(29_999).setValidateOnly(true).build(),
          counts(send(limited, Kind.INTERACTIONS, interactions.getBytes(StandardCharsets.UTF_8), 256 << 10, true)),
          "one row 30,000 times");
    });
  }

  /**
   * A temporary folder that fills up before an import is spooled (a tmpfs or an emptyDir smaller
   * than the limit) ends it RESOURCE_EXHAUSTED, naming the folder and the setting, with its partial
   * file deleted, nothing stored and the slot free; before, it was UNAVAILABLE ("no room for the
   * import's temporary file"), which a client retries as a passing outage. The full folder's file
   * is a link to /dev/full, whose every write fails as a full filesystem's does (ENOSPC; a real one
   * needs a mount), so deleting the file deletes the link.
   */
  @Test
  void importInteractions_temporaryFolderFull_isResourceExhaustedNamingItAndTheSetting_storesNothing_freesTheSlot(
      @TempDir Path folder) {
    List<Path> made = new ArrayList<>();
    FeatureAdminService.SpoolFolder fullOnce = new FeatureAdminService.SpoolFolder() {
      @Override
      public Path path() {
        return folder;
      }

      @Override
      public Path newFile() throws IOException {
        Path file = folder.resolve("import-" + made.size() + ".csv");
        made.add(made.isEmpty() ? Files.createSymbolicLink(file, Path.of("/dev/full")) : Files.createFile(file));
        return file;
      }
    };
    byte[] csv = "user_id,item_id,timestamp\ndisk-full,A,1700000000\n".getBytes(StandardCharsets.UTF_8);
    InMemoryEventStore store = TestData.smallStore();

    onServer(new FeatureAdminService(store, TestData.TIME_LIMIT, 7, fullOnce), admin -> {
      StatusRuntimeException full = assertThrows(StatusRuntimeException.class,
          () -> send(admin, Kind.INTERACTIONS, csv, 16, false));

      assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
      assertEquals("the temporary folder " + folder + " is full: the import of interactions CSV stopped after 0.0 MiB"
          + " and nothing was stored. The service spools up to 7 MiB (GLASSBOX_FEATURE_IMPORT_MAX_MIB) there before"
          + " storing; free room in " + folder + ", or ask the operator to give it more than that or to lower"
          + " GLASSBOX_FEATURE_IMPORT_MAX_MIB to what it holds, then split the file", full.getStatus().getDescription());
      assertFalse(Files.exists(made.get(0), LinkOption.NOFOLLOW_LINKS), "the partial file is deleted");
      assertEquals(0, store.history("disk-full", 1000).totalEvents());
      assertEquals(ImportResponse.newBuilder().setRows(1).setStored(1).build(),
          counts(send(admin, Kind.INTERACTIONS, csv, 16, false)), "the slot is free");
    });
    assertEquals(2, made.size());
    assertFalse(Files.exists(made.get(1)));
  }

  @Test
  void importItems_chunkOverOneMebibyte_isResourceExhausted() {
    byte[] big = new byte[FeatureAdminService.MAX_CHUNK_BYTES + 1];

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> send(Kind.ITEMS, big, big.length, false));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
  }

  /** The items file sent along counts with the interactions toward a message's mebibyte, and has the line limit too. */
  @Test
  void itemsCsv_withCsvOverOneMebibyteInAMessage_orWithALineOver64KiB_isResourceExhausted() {
    // Short lines, each file half a mebibyte and a little more.
    ByteString half = ByteString.copyFromUtf8("x\n".repeat(FeatureAdminService.MAX_CHUNK_BYTES / 4 + 1));
    ImportChunk twoHalves = ImportChunk.newBuilder().setValidateOnly(true).setItemsCsv(half).setCsv(half).build();
    String longLine = "item_id,title\nN1," + "x".repeat(FeatureAdminService.MAX_LINE_BYTES) + "\n";

    StatusRuntimeException together =
        assertThrows(StatusRuntimeException.class, () -> send(admin, Kind.INTERACTIONS, List.of(twoHalves)));
    StatusRuntimeException line = assertThrows(StatusRuntimeException.class,
        () -> send(admin, Kind.INTERACTIONS, withItemsAlong(longLine, INTERACTIONS, true)));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, together.getStatus().getCode());
    assertTrue(together.getStatus().getDescription().startsWith("a chunk holds"), together.getStatus().getDescription());
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, line.getStatus().getCode());
    assertTrue(line.getStatus().getDescription().contains("items CSV has a line longer than 64 KiB"),
        line.getStatus().getDescription());
  }

  @Test
  void importItems_lineOver64KiB_isResourceExhausted() {
    String csv = "item_id,title\nN1," + "x".repeat(FeatureAdminService.MAX_LINE_BYTES) + "\n";

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(Kind.ITEMS,
        csv.getBytes(StandardCharsets.UTF_8), 1 << 16, false));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("line longer than 64 KiB"), e.getStatus().getDescription());
  }
}
