package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetCoPurchaseNeighboursRequest;
import io.glassbox.api.v1.GetCoPurchaseNeighboursResponse;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetItemsResponse;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.IngestEventsResponse;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.RegularItem;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.api.v1.RetrieveCandidatesRequest;
import io.glassbox.api.v1.RetrieveCandidatesResponse;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** The service over the real embedded dataset, called through a real stub on an in-process server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FeatureGrpcServiceTest {
  /** A customer of the dataset: 182 purchases, the last three in invoice 581180. */
  private static final String USER = "12347";
  private static final String POPULAR_ITEM = "85123A";
  private static final long DAY = 86_400;
  /** The embedded dataset's newest event, 2011-12-09T12:50:00Z: the store's newest until a test ingests a later one. */
  private static final long DATASET_LAST_EVENT_SECONDS = Instant.parse("2011-12-09T12:50:00Z").getEpochSecond();
  /** Items the ingestion tests use, so that counts other tests check stay as loaded. */
  private static final String INGEST_ITEM = "22423";
  private static final String OTHER_INGEST_ITEM = "85099B";
  /** How an ALREADY_EXISTS for a taken event id ends, after the fields the event changed. */
  static final String RESEND_MUST_REPEAT = "; a resend must repeat that event's type, item and order (its time may"
      + " differ: the first event's time is kept), and a new event needs a new id; nothing was stored";

  private static InMemoryEventStore store;
  private static GrpcServer server;
  private static ManagedChannel channel;
  private static FeatureServiceGrpc.FeatureServiceBlockingStub stub;

  @BeforeAll
  static void startServer() {
    store = TestData.memoryStore();
    store.load(new DatasetReader(TestData.realDataDir()).read());
    String name = "feature-test-" + UUID.randomUUID();
    server = GrpcServer.inProcess("feature-service", name)
        .addService(new FeatureGrpcService(store, new CandidateRetriever(store, 20), TestData.TIME_LIMIT,
            TestData.NO_ZONE))
        .start();
    server.setServing(true);
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    stub = FeatureServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stopServer() {
    channel.shutdownNow();
    server.close();
  }

  private static String newUser() {
    return "test-" + UUID.randomUUID();
  }

  private static GetUserHistoryResponse history(String user, int maxEvents) {
    return stub.getUserHistory(
        GetUserHistoryRequest.newBuilder().setUserId(user).setMaxEvents(maxEvents).build());
  }

  private static RetrieveCandidatesResponse retrieve(String user, int limit, boolean excludeHistory) {
    return stub.retrieveCandidates(RetrieveCandidatesRequest.newBuilder()
        .setUserId(user).setLimit(limit).setExcludeHistory(excludeHistory).build());
  }

  private static Item item(String itemId) {
    return stub.getItems(GetItemsRequest.newBuilder().addItemIds(itemId).build()).getItems(0);
  }

  private static UserEvent event(String user, String itemId, long seconds, String type) {
    return UserEvent.newBuilder().setUserId(user).setEvent(Event.newBuilder()
        .setItemId(itemId).setTime(Timestamp.newBuilder().setSeconds(seconds)).setEventType(type))
        .build();
  }

  private static void assertInvalid(String expectedInMessage, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains(expectedInMessage),
        "\"" + e.getStatus().getDescription() + "\" should mention " + expectedInMessage);
  }

  private static List<String> itemIds(List<Event> events) {
    return events.stream().map(Event::getItemId).toList();
  }

  private static List<String> candidateIds(RetrieveCandidatesResponse response) {
    return response.getCandidatesList().stream().map(Candidate::getItemId).toList();
  }

  // --- GetUserHistory

  @Test
  void getUserHistory_knownUser_returnsMostRecentOldestFirst() {
    GetUserHistoryResponse response = history(USER, 3);

    assertEquals(USER, response.getUserId());
    assertTrue(response.getKnownUser());
    assertEquals(182, response.getTotalEvents());
    assertEquals(List.of("23508", "23552", "84625A"), itemIds(response.getEventsList()));
    Event last = response.getEvents(2);
    assertEquals(1_323_273_120L, last.getTime().getSeconds());
    assertEquals("purchase", last.getEventType());
  }

  @Test
  void getUserHistory_noLimit_returnsTheDefault50InTimeOrder() {
    GetUserHistoryResponse response = history(USER, 0);

    assertEquals(50, response.getEventsCount());
    assertEquals("84625A", response.getEvents(49).getItemId());
    for (int i = 1; i < response.getEventsCount(); i++) {
      assertTrue(response.getEvents(i).getTime().getSeconds()
          >= response.getEvents(i - 1).getTime().getSeconds(), "events out of order at " + i);
    }
    assertEquals(182, history(USER, 1000).getEventsCount());
  }

  @Test
  void getUserHistory_unknownUser_returnsEmptyAndUnknown() {
    GetUserHistoryResponse response = history("no-such-user", 10);

    assertEquals("no-such-user", response.getUserId());
    assertFalse(response.getKnownUser());
    assertEquals(0, response.getEventsCount());
    assertEquals(0, response.getTotalEvents());
  }

  @Test
  void getUserHistory_badInput_isInvalidArgumentNamingTheField() {
    assertInvalid("user_id", () -> history("", 10));
    assertInvalid("user_id", () -> history("u".repeat(129), 10));
    assertInvalid("max_events", () -> history(USER, -1));
    assertInvalid("max_events", () -> history(USER, 1001));
  }

  private static GetUserHistoryResponse purchases(String user, int maxEvents, int regularMinBaskets) {
    return stub.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).setMaxEvents(maxEvents)
        .setPurchasesOnly(true).setRegularItemsMinBaskets(regularMinBaskets).build());
  }

  @Test
  void getUserHistory_purchasesOnly_returnsTheLastPurchasesPastLaterEvents() {
    String user = newUser();
    stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(event(user, POPULAR_ITEM, 500, "click"))
        .addEvents(event(user, INGEST_ITEM, 1_000, ""))
        .addEvents(event(user, OTHER_INGEST_ITEM, 2_000, "purchase"))
        .addEvents(event(user, POPULAR_ITEM, 3_000, "click"))
        .addEvents(event(user, POPULAR_ITEM, 4_000, "add_to_cart"))
        .addEvents(event(user, INGEST_ITEM, 5_000, "feedback_negative"))
        .build());

    for (int regularMinBaskets : new int[] {0, 2}) {
      GetUserHistoryResponse response = purchases(user, 2, regularMinBaskets);
      assertEquals(List.of(INGEST_ITEM, OTHER_INGEST_ITEM), itemIds(response.getEventsList()));
      assertEquals(List.of("purchase", "purchase"),
          response.getEventsList().stream().map(Event::getEventType).toList());
      assertTrue(response.getKnownUser());
      assertEquals(6, response.getTotalEvents());
    }
    assertEquals(List.of(OTHER_INGEST_ITEM), itemIds(purchases(user, 1, 0).getEventsList()));
    // Every type when not asked: the last two events are the add to cart and the feedback.
    assertEquals(List.of(POPULAR_ITEM, INGEST_ITEM), itemIds(history(user, 2).getEventsList()));
  }

  @Test
  void getUserHistory_leavingOutTurnedDownPurchases_dropsThoseBeforeTheFeedbackAndRefillsTheWindow() {
    String user = newUser();
    stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(event(user, INGEST_ITEM, 1_000, "purchase"))
        .addEvents(event(user, OTHER_INGEST_ITEM, 2_000, "purchase"))
        .addEvents(event(user, INGEST_ITEM, 2_500, ""))
        .addEvents(event(user, INGEST_ITEM, 3_000, "feedback_negative"))
        .addEvents(event(user, POPULAR_ITEM, 3_500, "purchase"))
        .addEvents(event(user, INGEST_ITEM, 4_000, "purchase"))
        .addEvents(event(user, POPULAR_ITEM, 4_500, "click"))
        .build());

    // Both purchases of INGEST_ITEM before it was turned down are left out; the one after counts.
    assertEquals(List.of(OTHER_INGEST_ITEM, POPULAR_ITEM, INGEST_ITEM), itemIds(withoutTurnedDown(user, 50)));
    // Older purchases take the places of those left out.
    assertEquals(List.of(OTHER_INGEST_ITEM, POPULAR_ITEM, INGEST_ITEM), itemIds(withoutTurnedDown(user, 3)));
    assertEquals(List.of(INGEST_ITEM, POPULAR_ITEM, INGEST_ITEM), itemIds(purchases(user, 3, 0).getEventsList()));
    assertEquals(List.of(POPULAR_ITEM, INGEST_ITEM), itemIds(withoutTurnedDown(user, 2)));
    // Ignored without purchases_only: every event, as asked.
    GetUserHistoryResponse every = stub.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user)
        .setMaxEvents(50).setLeaveOutTurnedDown(true).build());
    assertEquals(7, every.getEventsCount());
    assertEquals(0, every.getTurnedDownItemsCount());
    // INGEST_ITEM was bought again after it was turned down: nothing is turned down now.
    assertEquals(List.of(), turnedDown(user));

    stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(event(user, POPULAR_ITEM, 5_000, "feedback_negative"))
        .addEvents(event(user, OTHER_INGEST_ITEM, 5_500, "feedback_negative"))
        .addEvents(event(user, POPULAR_ITEM, 6_000, "feedback_negative"))
        .build());
    assertEquals(List.of(INGEST_ITEM), itemIds(withoutTurnedDown(user, 50)));
    assertEquals(List.of(POPULAR_ITEM + "@6000", OTHER_INGEST_ITEM + "@5500"), turnedDown(user));
  }

  private static List<Event> withoutTurnedDown(String user, int maxEvents) {
    GetUserHistoryResponse response = stub.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user)
        .setMaxEvents(maxEvents).setPurchasesOnly(true).setLeaveOutTurnedDown(true).build());
    assertTrue(response.getTotalEvents() >= 7);
    assertTrue(response.getKnownUser());
    return response.getEventsList();
  }

  private static List<String> turnedDown(String user) {
    return stub.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).setMaxEvents(1)
            .setPurchasesOnly(true).setLeaveOutTurnedDown(true).setListTurnedDown(true).build())
        .getTurnedDownItemsList().stream().map(item -> item.getItemId() + "@" + item.getTime().getSeconds()).toList();
  }

  @Test
  void getUserHistory_purchasesOnlyOfAUserWithoutPurchases_isEmptyButKnown() {
    String user = newUser();
    stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(event(user, POPULAR_ITEM, 500, "click")).build());

    GetUserHistoryResponse response = purchases(user, 50, 0);

    assertEquals(0, response.getEventsCount());
    assertTrue(response.getKnownUser());
    assertEquals(1, response.getTotalEvents());
  }

  private static GetUserHistoryResponse regular(String user, int minBaskets, int maxItems) {
    return stub.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).setMaxEvents(3)
        .setRegularItemsMinBaskets(minBaskets).setMaxRegularItems(maxItems).build());
  }

  @Test
  void getUserHistory_regularItems_countOrdersOverTheWholeRecord() {
    GetUserHistoryResponse response = regular(USER, 2, 3);

    // 12347 has 182 purchase lines in 7 invoices; 22375 is in 6 of them, 21731 and 84558A in 5
    // (21731 bought later), counted over the whole record though only 3 events are returned.
    assertEquals(3, response.getEventsCount());
    assertEquals(7, response.getOrders());
    assertEquals(List.of("22375", "21731", "84558A"),
        response.getRegularItemsList().stream().map(RegularItem::getItemId).toList());
    assertEquals(List.of(6, 5, 5),
        response.getRegularItemsList().stream().map(RegularItem::getBaskets).toList());
    assertEquals(1_323_273_120L, response.getRegularItems(1).getLastPurchaseTime().getSeconds());
    assertEquals(List.of("581180", "581180", "581180"),
        response.getEventsList().stream().map(Event::getBasketId).toList());
    // 43 items are in two or more orders: all fit the default maximum (0 = 50).
    assertEquals(43, regular(USER, 2, 0).getRegularItemsCount());
    assertEquals(List.of("22375"), regular(USER, 6, 10).getRegularItemsList().stream()
        .map(RegularItem::getItemId).toList());
  }

  /**
   * 14911 has 5540 purchase lines in the embedded data; the store keeps the last 1000 (the default
   * cap, which this store has). 22910 (PAPER CHAIN KIT VINTAGE CHRISTMAS) was bought 3 times, all
   * before them; 1742 distinct items were bought in all (worked out from interactions.csv.gz).
   */
  @Test
  void getUserHistory_listBoughtItems_includesItemsBoughtBeforeTheKeptEvents() {
    GetUserHistoryResponse response = stub.getUserHistory(GetUserHistoryRequest.newBuilder()
        .setUserId("14911").setMaxEvents(1000).setListBoughtItems(true).build());

    assertEquals(1000, response.getEventsCount());
    assertEquals(5540, response.getTotalEvents());
    assertFalse(itemIds(response.getEventsList()).contains("22910"), "bought only before the kept events");
    assertTrue(response.getBoughtItemIdsList().contains("22910"));
    assertEquals(1742, response.getBoughtItemIdsCount());
    assertEquals(response.getBoughtItemIdsList().stream().sorted().toList(), response.getBoughtItemIdsList());
    assertEquals(0, history("14911", 3).getBoughtItemIdsCount(), "listed only when asked for");
    assertFalse(candidateIds(retrieve("14911", 2000, true)).contains("22910"),
        "exclude_history leaves out an item bought before the kept events");
  }

  /**
   * 17841's oldest kept order, 577174 (84 lines), is cut: the store keeps its last 10. Over the 9
   * whole orders after it, 23266, 23265, 23264 and 23210 are each in 8 (interactions.csv.gz).
   */
  @Test
  void getUserHistory_regularItemsOfACustomerLongerThanTheCap_countOnlyWholeOrders() {
    GetUserHistoryResponse response = regular("17841", 2, 50);

    assertTrue(response.getOlderEventsDropped());
    assertEquals(9, response.getOrders());
    for (String item : List.of("23266", "23265", "23264", "23210")) {
      assertEquals(8, response.getRegularItemsList().stream().filter(r -> r.getItemId().equals(item))
          .findFirst().orElseThrow().getBaskets(), item);
    }
  }

  @Test
  void getUserHistory_regularItemsNotAsked_returnsNone() {
    GetUserHistoryResponse response = history(USER, 3);

    assertEquals(0, response.getRegularItemsCount());
    assertEquals(0, response.getOrders());
  }

  @Test
  void getUserHistory_badRegularItemSettings_isInvalidArgument() {
    assertInvalid("regular_items_min_baskets", () -> regular(USER, 1, 10));
    assertInvalid("regular_items_min_baskets", () -> regular(USER, -2, 10));
    assertInvalid("regular_items_min_baskets", () -> regular(USER, 1001, 10));
    assertInvalid("max_regular_items", () -> regular(USER, 2, -1));
    assertInvalid("max_regular_items", () -> regular(USER, 2, 1001));
  }

  // --- GetItems

  // --- GetCoPurchaseNeighbours

  @Test
  void getCoPurchaseNeighbours_knownItem_returnsTheStoresNeighboursStrongestFirstUpToTheLimit() {
    GetCoPurchaseNeighboursResponse response = stub.getCoPurchaseNeighbours(
        GetCoPurchaseNeighboursRequest.newBuilder().setItemId(POPULAR_ITEM).setLimit(5).build());

    assertTrue(response.getKnownItem());
    assertEquals(5, response.getNeighboursCount());
    List<CoPurchaseNeighbour> expected = store.coPurchaseNeighbours(POPULAR_ITEM).subList(0, 5);
    assertEquals(expected.stream().map(CoPurchaseNeighbour::itemId).toList(),
        response.getNeighboursList().stream().map(io.glassbox.api.v1.CoPurchaseNeighbour::getItemId).toList());
    assertEquals(expected.stream().map(CoPurchaseNeighbour::sharedBaskets).toList(),
        response.getNeighboursList().stream().map(io.glassbox.api.v1.CoPurchaseNeighbour::getSharedBaskets).toList());
    assertTrue(response.getNeighbours(0).getSharedBaskets() >= response.getNeighbours(4).getSharedBaskets());
    assertEquals(20, stub.getCoPurchaseNeighbours(
        GetCoPurchaseNeighboursRequest.newBuilder().setItemId(POPULAR_ITEM).build()).getNeighboursCount());
  }

  @Test
  void getCoPurchaseNeighbours_unknownItem_isEmptyAndSaysSo() {
    GetCoPurchaseNeighboursResponse response = stub.getCoPurchaseNeighbours(
        GetCoPurchaseNeighboursRequest.newBuilder().setItemId("no-such-item").build());

    assertFalse(response.getKnownItem());
    assertEquals(0, response.getNeighboursCount());
  }

  @Test
  void getCoPurchaseNeighbours_badInput_isInvalidArgumentNamingTheField() {
    assertInvalid("item_id", () -> stub.getCoPurchaseNeighbours(GetCoPurchaseNeighboursRequest.getDefaultInstance()));
    assertInvalid("limit", () -> stub.getCoPurchaseNeighbours(
        GetCoPurchaseNeighboursRequest.newBuilder().setItemId(POPULAR_ITEM).setLimit(201).build()));
    assertInvalid("limit", () -> stub.getCoPurchaseNeighbours(
        GetCoPurchaseNeighboursRequest.newBuilder().setItemId(POPULAR_ITEM).setLimit(-1).build()));
  }

  @Test
  void getItems_returnsFoundInRequestOrderOnceAndListsMissing() {
    GetItemsResponse response = stub.getItems(GetItemsRequest.newBuilder()
        .addAllItemIds(List.of("21216", "no-such-item", POPULAR_ITEM, "21216", "22041")).build());

    assertEquals(List.of("21216", POPULAR_ITEM, "22041"),
        response.getItemsList().stream().map(Item::getItemId).toList());
    assertEquals(List.of("no-such-item"), response.getMissingItemIdsList());
    Item teaSet = response.getItems(0);
    assertEquals("SET 3 RETROSPOT TEA,COFFEE,SUGAR", teaSet.getTitle());
    assertEquals(4.95, teaSet.getPrice(), 1e-9);
    assertEquals("GBP", teaSet.getCurrencyCode());
    assertEquals("", teaSet.getBrand());
    assertEquals("", teaSet.getCategory());
    assertEquals(241, teaSet.getInteractionCount());
    assertEquals("RECORD FRAME 7\" SINGLE SIZE", response.getItems(2).getTitle());
  }

  @Test
  void getItems_badInput_isInvalidArgumentNamingTheField() {
    assertInvalid("item_ids", () -> stub.getItems(GetItemsRequest.getDefaultInstance()));
    assertInvalid("item_ids", () -> stub.getItems(GetItemsRequest.newBuilder()
        .addAllItemIds(Collections.nCopies(1001, POPULAR_ITEM)).build()));
    assertInvalid("item_ids[1]", () -> stub.getItems(GetItemsRequest.newBuilder()
        .addItemIds(POPULAR_ITEM).addItemIds("").build()));
    assertInvalid("item_ids[0]", () -> stub.getItems(GetItemsRequest.newBuilder()
        .addItemIds("x".repeat(129)).build()));
  }

  // --- RetrieveCandidates

  @Test
  void retrieveCandidates_knownUser_coPurchaseFirstWithViaThenPopular() {
    RetrieveCandidatesResponse response = retrieve(USER, 300, false);
    Set<String> history = new HashSet<>(itemIds(history(USER, 1000).getEventsList()));

    assertTrue(response.getKnownUser());
    assertEquals(300, response.getCandidatesCount());
    Candidate first = response.getCandidates(0);
    assertTrue(first.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE));
    Set<String> seen = new HashSet<>();
    double previousScore = Double.POSITIVE_INFINITY;
    boolean popularSeen = false;
    long previousPurchases = Long.MAX_VALUE;
    for (Candidate candidate : response.getCandidatesList()) {
      assertTrue(seen.add(candidate.getItemId()), "duplicate " + candidate.getItemId());
      assertFalse(candidate.getSourcesList().isEmpty());
      assertFalse(candidate.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_UNSPECIFIED));
      assertTrue(candidate.getRetrievalScore() <= previousScore, "scores not best first");
      previousScore = candidate.getRetrievalScore();
      if (candidate.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE)) {
        assertTrue(candidate.getViaItemIdsCount() >= 1 && candidate.getViaItemIdsCount() <= 3);
        assertTrue(history.containsAll(candidate.getViaItemIdsList()), "via must be history items");
        assertEquals(candidate.getViaItemIdsCount(), candidate.getViaSharedOrdersCount());
        if (candidate == first) {
          // Each count is the co-purchase statistic GetCoPurchaseNeighbours states for the pair.
          for (int v = 0; v < candidate.getViaItemIdsCount(); v++) {
            int shared = stub.getCoPurchaseNeighbours(GetCoPurchaseNeighboursRequest.newBuilder()
                    .setItemId(candidate.getViaItemIds(v)).setLimit(200).build()).getNeighboursList().stream()
                .filter(n -> n.getItemId().equals(candidate.getItemId())).findFirst().orElseThrow().getSharedBaskets();
            assertEquals(shared, candidate.getViaSharedOrders(v), candidate.getViaItemIds(v));
          }
        }
        assertTrue(candidate.getViaSharedOrdersList().stream().allMatch(n -> n >= 1));
        // The counts are of the orders up to the store's basket-size cap, which a reason must say.
        assertEquals(100, candidate.getViaMaxBasketSize(), candidate.getItemId());
        assertFalse(popularSeen, "a popular-only candidate ranked above a co-purchase one");
      } else {
        assertEquals(List.of(RetrievalSource.RETRIEVAL_SOURCE_POPULAR), candidate.getSourcesList());
        assertEquals(0, candidate.getViaItemIdsCount());
        assertEquals(0, candidate.getViaMaxBasketSize());
        // Popular-only candidates come in popularity order: their purchases never rise.
        assertTrue(candidate.getPurchases() >= 1 && candidate.getPurchases() <= previousPurchases);
        previousPurchases = candidate.getPurchases();
        popularSeen = true;
      }
      if (!candidate.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_POPULAR)) {
        assertEquals(0, candidate.getPurchases());
      }
    }
  }

  @Test
  void retrieveCandidates_itemFoundByBothSources_listsBoth() {
    RetrieveCandidatesResponse response = retrieve(USER, 2000, false);

    assertTrue(response.getCandidatesList().stream().anyMatch(c -> c.getSourcesList().equals(List.of(
        RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, RetrievalSource.RETRIEVAL_SOURCE_POPULAR))));
  }

  @Test
  void retrieveCandidates_excludeHistory_returnsNoHistoryItem() {
    Set<String> history = new HashSet<>(itemIds(history(USER, 1000).getEventsList()));

    RetrieveCandidatesResponse response = retrieve(USER, 2000, true);

    assertFalse(response.getCandidatesList().isEmpty());
    for (Candidate candidate : response.getCandidatesList()) {
      assertFalse(history.contains(candidate.getItemId()), candidate.getItemId() + " is in the history");
    }
    assertTrue(retrieve(USER, 2000, false).getCandidatesList().stream()
        .anyMatch(c -> history.contains(c.getItemId())), "without the flag history items may appear");
  }

  @Test
  void retrieveCandidates_noLimit_returnsTheDefault500() {
    assertEquals(500, retrieve(USER, 0, false).getCandidatesCount());
    assertEquals(7, retrieve(USER, 7, false).getCandidatesCount());
  }

  @Test
  void retrieveCandidates_unknownUser_popularOnly() {
    RetrieveCandidatesResponse response = retrieve("no-such-user", 20, true);

    assertFalse(response.getKnownUser());
    assertEquals(20, response.getCandidatesCount());
    assertEquals(POPULAR_ITEM, response.getCandidates(0).getItemId());
    for (Candidate candidate : response.getCandidatesList()) {
      assertEquals(List.of(RetrievalSource.RETRIEVAL_SOURCE_POPULAR), candidate.getSourcesList());
      assertEquals(0, candidate.getViaItemIdsCount());
    }
  }

  @Test
  void retrieveCandidates_bestSellers_theTopTenthOfTheItemsBought() {
    // 3,178 items bought: the 317 most bought are the top 10%, but the 318th is tied with the
    // 317th (298 times), so that tied group is left out: the best sellers were bought more than
    // 298 times, fewer than 317 items; the 500 popular candidates go on to items bought about 220 times.
    List<Candidate> popular = retrieve("no-such-user", 500, false).getCandidatesList();

    long last = popular.get(316).getPurchases();
    assertEquals(last, popular.get(317).getPurchases(), "the 318th is tied with the 317th");
    for (Candidate candidate : popular) {
      assertEquals(candidate.getPurchases() > last, candidate.getBestSeller(),
          candidate.getItemId() + ", bought " + candidate.getPurchases() + " times");
    }
    assertTrue(popular.stream().filter(Candidate::getBestSeller).count() <= 317);
    assertFalse(popular.get(316).getBestSeller());
  }

  @Test
  void retrieveCandidates_userWithClicksOnly_getsPopularItemsIncludingTheClickedOne() {
    String user = newUser();
    stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(event(user, POPULAR_ITEM, 500, "click"))
        .addEvents(event(user, OTHER_INGEST_ITEM, 600, "add_to_cart"))
        .build());

    RetrieveCandidatesResponse response = retrieve(user, 20, true);

    // A click is no purchase: it seeds no co-purchase candidate ("which you bought") and does not
    // take the item out of the candidates, as a purchase or negative feedback does.
    assertTrue(response.getKnownUser());
    assertEquals(POPULAR_ITEM, response.getCandidates(0).getItemId());
    for (Candidate candidate : response.getCandidatesList()) {
      assertEquals(List.of(RetrievalSource.RETRIEVAL_SOURCE_POPULAR), candidate.getSourcesList());
    }
    stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(event(user, POPULAR_ITEM, 700, "feedback_negative"))
        .build());
    assertTrue(retrieve(user, 20, true).getCandidatesList().stream()
        .noneMatch(candidate -> candidate.getItemId().equals(POPULAR_ITEM)));
  }

  @Test
  void retrieveCandidates_badInput_isInvalidArgumentNamingTheField() {
    assertInvalid("user_id", () -> retrieve("", 10, false));
    assertInvalid("user_id", () -> retrieve("u".repeat(129), 10, false));
    assertInvalid("limit", () -> retrieve(USER, -1, false));
    assertInvalid("limit", () -> retrieve(USER, 2001, false));
    for (int newItems : new int[] {-1, 51}) {
      assertInvalid("new_item_candidates", () -> stub.retrieveCandidates(RetrieveCandidatesRequest.newBuilder()
          .setUserId(USER).setNewItemCandidates(newItems).build()));
    }
    assertEquals(500, stub.retrieveCandidates(RetrieveCandidatesRequest.newBuilder()
        .setUserId(USER).setNewItemCandidates(50).build()).getCandidatesCount());
  }

  // --- IngestEvents

  @Test
  void ingestEvents_newUser_isVisibleToTheNextReads() {
    String user = newUser();
    long now = 1_400_000_000L;
    long countBefore = item(INGEST_ITEM).getInteractionCount();

    int accepted = stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(event(user, INGEST_ITEM, now, ""))
        .addEvents(event(user, OTHER_INGEST_ITEM, now + DAY, "click"))
        .build()).getAcceptedCount();

    assertEquals(2, accepted);
    GetUserHistoryResponse history = history(user, 10);
    assertTrue(history.getKnownUser());
    assertEquals(List.of(INGEST_ITEM, OTHER_INGEST_ITEM), itemIds(history.getEventsList()));
    assertEquals(List.of("purchase", "click"),
        history.getEventsList().stream().map(Event::getEventType).toList());
    assertEquals(countBefore + 1, item(INGEST_ITEM).getInteractionCount());

    RetrieveCandidatesResponse candidates = retrieve(user, 50, true);
    assertTrue(candidates.getKnownUser());
    Candidate first = candidates.getCandidates(0);
    assertEquals(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE, first.getSources(0));
    // The purchase seeds co-purchase candidates and leaves the candidates; the click does neither.
    assertEquals(List.of(INGEST_ITEM), first.getViaItemIdsList());
    assertFalse(candidates.getCandidatesList().stream().anyMatch(c -> c.getItemId().equals(INGEST_ITEM)));
  }

  @Test
  void ingestEvents_basketIds_countOrdersOfRegularItems() {
    String user = newUser();
    stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(inBasket(event(user, INGEST_ITEM, 1_000, ""), "o1"))
        .addEvents(inBasket(event(user, OTHER_INGEST_ITEM, 1_000, ""), "o1"))
        .addEvents(inBasket(event(user, INGEST_ITEM, 2_000, ""), "o2"))
        .addEvents(event(user, OTHER_INGEST_ITEM, 3_000, ""))
        .build());

    GetUserHistoryResponse response = regular(user, 2, 10);
    // The last 3 events come back; the orders are counted over all 4.
    assertEquals(List.of("o1", "o2", ""),
        response.getEventsList().stream().map(Event::getBasketId).toList());
    assertEquals(3, response.getOrders());
    // Both in two orders; the basket-less purchase at 3000 is an order of its own and the latest.
    assertEquals(List.of(OTHER_INGEST_ITEM, INGEST_ITEM),
        response.getRegularItemsList().stream().map(RegularItem::getItemId).toList());
  }

  /** An item imported while the service runs gets co-purchase neighbours from ingested orders. */
  @Test
  void ingestEvents_ordersWithBasketIds_growTheCoPurchaseStatisticsThatRetrievalReads() {
    String newItem = "test-item-" + UUID.randomUUID();
    store.putItems(List.of(new Dataset.Item(newItem, "Test jug", "", "", 3.0)));
    GetCoPurchaseNeighboursRequest neighboursOfNew =
        GetCoPurchaseNeighboursRequest.newBuilder().setItemId(newItem).build();
    assertEquals(0, stub.getCoPurchaseNeighbours(neighboursOfNew).getNeighboursCount());

    // One order, its lines in two ingestions; a second shopper's order of the new item alone.
    String buyer = newUser();
    stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(inBasket(event(buyer, newItem, 1_000, ""), "web-1")).build());
    stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(inBasket(event(buyer, OTHER_INGEST_ITEM, 1_060, ""), "web-1")).build());
    String next = newUser();
    stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(inBasket(event(next, newItem, 2_000, ""), "web-1")).build());

    GetCoPurchaseNeighboursResponse neighbours = stub.getCoPurchaseNeighbours(neighboursOfNew);
    assertTrue(neighbours.getKnownItem());
    assertEquals(List.of(OTHER_INGEST_ITEM),
        neighbours.getNeighboursList().stream().map(io.glassbox.api.v1.CoPurchaseNeighbour::getItemId).toList());
    assertEquals(1, neighbours.getNeighbours(0).getSharedBaskets());
    Candidate first = retrieve(next, 50, true).getCandidates(0);
    assertEquals(OTHER_INGEST_ITEM, first.getItemId());
    assertEquals(List.of(newItem), first.getViaItemIdsList());
    assertEquals(List.of(1), first.getViaSharedOrdersList());
  }

  @Test
  void ingestEvents_overLongBasketId_isInvalidArgument() {
    String user = newUser();
    assertInvalid("basket_id", () -> stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(inBasket(event(user, INGEST_ITEM, 1_000, ""), "b".repeat(129))).build()));
    assertFalse(history(user, 10).getKnownUser());
  }

  @Test
  void ingestEvents_idsCountCharactersNotUtf16Units_asTheMessagesSay() {
    // An emoji (U+1F600) is one character and two UTF-16 units: 128 of them were refused as 256.
    String emoji = "\ud83d\ude00";
    String user = emoji.repeat(128);
    UserEvent event = inBasket(event(user, INGEST_ITEM, 1_000, ""), emoji.repeat(128)).toBuilder()
        .setEventId(emoji.repeat(128)).build();

    assertEquals(1, stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(event).build()).getAcceptedCount());
    assertEquals(emoji.repeat(128), history(user, 10).getEvents(0).getBasketId());
    assertInvalid("events[0].event.basket_id must be at most 128 characters, got 129",
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder()
            .addEvents(inBasket(event, emoji.repeat(129))).build()));
    assertInvalid("events[0].event_id must be at most 128 characters, got 129",
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder()
            .addEvents(event.toBuilder().setEventId(emoji.repeat(129))).build()));
  }

  @Test
  void ingestEvents_eventOrBasketIdWithAControlCharacterOrASpaceAtAnEnd_isRefused_andNothingStored() {
    // Stored, each would be echoed into logs and answers, and a resend under "e1" would count apart.
    String user = newUser();
    UserEvent event = event(user, INGEST_ITEM, 1_000, "");

    assertInvalid("events[0].event_id must not contain control characters, got U+000A at index 1",
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(event.toBuilder().setEventId("e\n1")).build()));
    assertInvalid("events[0].event_id must not begin or end with a space, got \" e1\"",
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(event.toBuilder().setEventId(" e1")).build()));
    assertInvalid("events[0].event_id must not begin or end with a space",
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(event.toBuilder().setEventId("  ")).build()));
    assertInvalid("events[0].event_id must not contain control characters, got U+202E at index 1",
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(event.toBuilder().setEventId("e\u202e1")).build()));
    assertInvalid("events[0].event.basket_id must not contain control characters, got U+001B at index 3",
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(inBasket(event, "536\u001b[31m")).build()));
    assertInvalid("events[0].event.basket_id must not begin or end with a space, got \"536365 \"",
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(inBasket(event, "536365 ")).build()));
    assertFalse(history(user, 10).getKnownUser());
    // Empty stays allowed, and an invoice number as the data's is taken.
    assertEquals(1, stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(inBasket(event, "536365")).build())
        .getAcceptedCount());
  }

  private static UserEvent inBasket(UserEvent event, String basketId) {
    return event.toBuilder().setEvent(event.getEvent().toBuilder().setBasketId(basketId)).build();
  }

  @Test
  void ingestEvents_answersTheNewestEventTimeBeforeAndAfter_whichRetrievalCountsUpTo() {
    String user = newUser();
    // Older than anything the store holds: the newest event stays what it was.
    IngestEventsResponse older = stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(event(user, INGEST_ITEM, 1_000_000_000L, "click")).build());
    assertTrue(older.hasPreviousLatestEventTime() && older.hasLatestEventTime(), older.toString());
    assertEquals(older.getPreviousLatestEventTime(), older.getLatestEventTime());
    assertTrue(older.getLatestEventTime().getSeconds() >= DATASET_LAST_EVENT_SECONDS, older.toString());

    long later = older.getLatestEventTime().getSeconds() + DAY;
    UserEvent newest = event(user, INGEST_ITEM, later, "purchase").toBuilder().setEventId("newest").build();
    IngestEventsResponse moved = stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(newest).build());
    assertEquals(older.getLatestEventTime(), moved.getPreviousLatestEventTime());
    assertEquals(Timestamp.newBuilder().setSeconds(later).build(), moved.getLatestEventTime());
    assertEquals(moved.getLatestEventTime(), retrieve(user, 10, true).getAsOf(), "the request time from now on");

    // A resend stamped later is not stored (the first one wins), so it moves nothing.
    IngestEventsResponse resent = stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(newest.toBuilder().setEvent(newest.getEvent().toBuilder()
            .setTime(Timestamp.newBuilder().setSeconds(later + 60)))).build());
    assertEquals(1, resent.getDuplicateCount());
    assertEquals(moved.getLatestEventTime(), resent.getPreviousLatestEventTime());
    assertEquals(moved.getLatestEventTime(), resent.getLatestEventTime());
  }

  @Test
  void ingestEvents_knownUser_appendsAfterTheHistory() {
    String user = newUser();
    stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(event(user, INGEST_ITEM, 2_000, "")).build());

    stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addEvents(event(user, POPULAR_ITEM, 3_000, "add_to_cart"))
        .addEvents(event(user, OTHER_INGEST_ITEM, 1_000, "feedback_negative"))
        .build());

    GetUserHistoryResponse history = history(user, 10);
    assertEquals(List.of(OTHER_INGEST_ITEM, INGEST_ITEM, POPULAR_ITEM), itemIds(history.getEventsList()));
    assertEquals(3, history.getTotalEvents());
  }

  @Test
  void ingestEvents_eventIdOfAnotherEvent_isAlreadyExistsNamingItAndStoresNothing() {
    String user = newUser();
    UserEvent bought = event(user, INGEST_ITEM, 1_000, "purchase").toBuilder().setEventId("order-line-1").build();
    stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(bought).build());
    UserEvent other = event(user, OTHER_INGEST_ITEM, 1_000, "purchase").toBuilder().setEventId("order-line-1").build();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.ingestEvents(
        IngestEventsRequest.newBuilder().addEvents(event(user, OTHER_INGEST_ITEM, 900, "click")).addEvents(other).build()));

    assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
    assertEquals("events[1].event_id \"order-line-1\" was already used for another event of this user (purchase of "
        + INGEST_ITEM + "), which differs in item (\"" + INGEST_ITEM + "\" first, \"" + OTHER_INGEST_ITEM + "\" now)"
        + RESEND_MUST_REPEAT, e.getStatus().getDescription());
    assertEquals(1, history(user, 10).getTotalEvents());
    // The same event resent (later, as a client that leaves the time to the server does) is a duplicate.
    UserEvent resent = bought.toBuilder().setEvent(bought.getEvent().toBuilder()
        .setTime(Timestamp.newBuilder().setSeconds(2_000))).build();
    assertEquals(1, stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(resent).build()).getDuplicateCount());
  }

  /**
   * The same purchase in another order is another event, and the description says that the order is
   * what differs. Before, it named only the stored "purchase of 22423", which the caller had sent.
   */
  @Test
  void ingestEvents_eventIdOfTheSamePurchaseInAnotherOrder_isAlreadyExistsNamingTheOrders() {
    String user = newUser();
    UserEvent bought = event(user, INGEST_ITEM, 1_000, "purchase").toBuilder().setEventId("r1").build();
    stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(bought).build());
    UserEvent inOrder = bought.toBuilder().setEvent(bought.getEvent().toBuilder().setBasketId("X1")).build();
    UserEvent clicked = bought.toBuilder().setEvent(bought.getEvent().toBuilder().setEventType("click")).build();

    StatusRuntimeException order = assertThrows(StatusRuntimeException.class,
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(inOrder).build()));
    StatusRuntimeException type = assertThrows(StatusRuntimeException.class,
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(clicked).build()));

    assertEquals(Status.Code.ALREADY_EXISTS, order.getStatus().getCode());
    assertEquals("events[0].event_id \"r1\" was already used for another event of this user (purchase of "
        + INGEST_ITEM + "), which differs in order (none first, \"X1\" now)" + RESEND_MUST_REPEAT,
        order.getStatus().getDescription());
    assertEquals("events[0].event_id \"r1\" was already used for another event of this user (purchase of "
        + INGEST_ITEM + "), which differs in type (purchase first, click now)" + RESEND_MUST_REPEAT,
        type.getStatus().getDescription());
    assertEquals(1, history(user, 10).getTotalEvents());
  }

  /**
   * The caller's event id is quoted escaped: the gateway logs this description, and a backslash in
   * it would read as an escape it never held. (A line break, an ESC or a bidi control is refused.)
   */
  @Test
  void ingestEvents_eventIdOfAnotherEventHoldingABackslash_quotesItEscaped() {
    String user = newUser();
    String eventId = "r1\\n[INFO] forged";
    UserEvent bought = event(user, INGEST_ITEM, 1_000, "purchase").toBuilder().setEventId(eventId).build();
    stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(bought).build());
    UserEvent other = event(user, OTHER_INGEST_ITEM, 1_000, "purchase").toBuilder().setEventId(eventId).build();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(other).build()));

    assertEquals("events[0].event_id \"r1\\\\n[INFO] forged\" was already used for another event of this"
        + " user (purchase of " + INGEST_ITEM + "), which differs in item (\"" + INGEST_ITEM + "\" first, \""
        + OTHER_INGEST_ITEM + "\" now)" + RESEND_MUST_REPEAT, e.getStatus().getDescription());
  }

  /**
   * The earlier event's order id is quoted cut as every quoted input is. Before, it was quoted
   * whole, up to 128 characters: 1.5 KiB of the trailer for an order id of emoji.
   */
  @Test
  void ingestEvents_eventIdOfAnotherEvent_quotesTheEarlierEventsLongOrderIdCut() {
    assertEquals("events[0].event_id \"order-line-1\" was already used for another event of this user (purchase of "
        + INGEST_ITEM + " in order " + "🧾".repeat(64) + "... (128 characters)), which differs in item (\""
        + INGEST_ITEM + "\" first, \"" + OTHER_INGEST_ITEM + "\" now) and order (\"" + "🧾".repeat(64)
        + "... (128 characters)\" first, none now)" + RESEND_MUST_REPEAT,
        alreadyExistsAfterAPurchaseInOrder("🧾".repeat(128)));
  }

  /**
   * An order id holding " in order " is quoted as it is, cut with its own length. Before, the
   * quote was read back from the words "purchase of 22423 in order 7 in order 😀…", taking
   * "22423 in order 7" for the item and giving the order 100 characters, not 111.
   */
  @Test
  void ingestEvents_eventIdOfAnotherEvent_quotesAnOrderIdHoldingTheWordsInOrderExactly() {
    assertEquals("events[0].event_id \"order-line-1\" was already used for another event of this user (purchase of "
        + INGEST_ITEM + " in order 7 in order " + "😀".repeat(53) + "... (111 characters)), which differs in item (\""
        + INGEST_ITEM + "\" first, \"" + OTHER_INGEST_ITEM + "\" now) and order (\"7 in order " + "😀".repeat(53)
        + "... (111 characters)\" first, none now)" + RESEND_MUST_REPEAT,
        alreadyExistsAfterAPurchaseInOrder("7 in order " + "😀".repeat(100)));
  }

  /**
   * The description of ALREADY_EXISTS for another event sent with the event id of a purchase in
   * {@code order}.
   */
  private String alreadyExistsAfterAPurchaseInOrder(String order) {
    String user = newUser();
    UserEvent bought = event(user, INGEST_ITEM, 1_000, "purchase").toBuilder().setEventId("order-line-1")
        .setEvent(Event.newBuilder().setItemId(INGEST_ITEM).setTime(Timestamp.newBuilder().setSeconds(1_000))
            .setEventType("purchase").setBasketId(order))
        .build();
    stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(bought).build());
    UserEvent other = event(user, OTHER_INGEST_ITEM, 1_000, "purchase").toBuilder().setEventId("order-line-1").build();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(other).build()));

    assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
    return e.getStatus().getDescription();
  }

  @Test
  void ingestEvents_unknownItem_isNotFound_andRejectsTheWholeBatch() {
    String user = newUser();
    IngestEventsRequest request = IngestEventsRequest.newBuilder()
        .addEvents(event(user, INGEST_ITEM, 1_000, ""))
        .addEvents(event(user, "no-such-item", 1_000, ""))
        .build();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.ingestEvents(request));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals("events[1].event.item_id \"no-such-item\" is not in the catalogue; only catalogue items can be "
        + "ingested; nothing was stored", e.getStatus().getDescription());

    assertFalse(history(user, 10).getKnownUser());
  }

  @Test
  void ingestEvents_unknownItemOf128Characters_isQuotedCutTo64() {
    String emoji = "\ud83d\ude00";
    UserEvent event = event(newUser(), emoji.repeat(128), 1_000, "");

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.ingestEvents(IngestEventsRequest.newBuilder().addEvents(event).build()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals("events[0].event.item_id \"" + emoji.repeat(64) + "... (128 characters)\" is not in the catalogue; "
        + "only catalogue items can be ingested; nothing was stored", e.getStatus().getDescription());
  }

  @Test
  void ingestEvents_stampedInTheFuture_isInvalidArgumentAndLeavesRecentSalesAlone() {
    // The store's newest event ends every shopper's window of recent sales: an event a day ahead
    // would have moved it there.
    String user = newUser();
    long newestBefore = retrieve(user, 10, true).getAsOf().getSeconds();
    Instant aDayAhead = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
    IngestEventsRequest request = IngestEventsRequest.newBuilder()
        .addEvents(event(user, INGEST_ITEM, 1_000, ""))
        .addEvents(event(user, INGEST_ITEM, aDayAhead.getEpochSecond(), ""))
        .build();

    assertInvalid("events[1].event.time " + aDayAhead + " lies in the future", () -> stub.ingestEvents(request));

    assertFalse(history(user, 10).getKnownUser());
    assertEquals(newestBefore, retrieve(user, 10, true).getAsOf().getSeconds());
  }

  @Test
  void ingestEvents_stampedWithAZeroDate_isInvalidArgumentAndStoresNothing() {
    // Go's and .NET's zero time: a back end that forgot to set the time.
    String user = newUser();
    IngestEventsRequest request = IngestEventsRequest.newBuilder()
        .addEvents(event(user, INGEST_ITEM, 1_000, "purchase"))
        .addEvents(event(user, OTHER_INGEST_ITEM, Instant.parse("0001-01-01T00:00:00Z").getEpochSecond(), "purchase"))
        .build();

    assertInvalid("events[1].event.time 0001-01-01T00:00:00Z is before 1970-01-01T00:00:00Z",
        () -> stub.ingestEvents(request));

    assertFalse(history(user, 10).getKnownUser());
  }

  @Test
  void ingestEvents_badInput_isInvalidArgumentNamingTheFieldAndStoresNothing() {
    String user = newUser();
    UserEvent good = event(user, INGEST_ITEM, 1_000, "");
    List<Object[]> cases = new ArrayList<>();
    cases.add(new Object[] {"events[1].user_id", good.toBuilder().setUserId("").build()});
    cases.add(new Object[] {"events[1].user_id", good.toBuilder().setUserId("u".repeat(129)).build()});
    cases.add(new Object[] {"events[1].event", good.toBuilder().clearEvent().build()});
    cases.add(new Object[] {"events[1].event.item_id", event(user, "", 1_000, "")});
    cases.add(new Object[] {"events[1].event.item_id", event(user, "i".repeat(129), 1_000, "")});
    cases.add(new Object[] {"events[1].event.time",
        good.toBuilder().setEvent(good.getEvent().toBuilder().clearTime()).build()});
    cases.add(new Object[] {"events[1].event.time", good.toBuilder().setEvent(good.getEvent()
        .toBuilder().setTime(Timestamp.newBuilder().setSeconds(1).setNanos(-1))).build()});
    cases.add(new Object[] {"events[1].event.event_type", event(user, INGEST_ITEM, 1_000, "view")});
    for (Object[] badCase : cases) {
      IngestEventsRequest request = IngestEventsRequest.newBuilder()
          .addEvents(good).addEvents((UserEvent) badCase[1]).build();
      assertInvalid((String) badCase[0], () -> stub.ingestEvents(request));
    }
    assertInvalid("events", () -> stub.ingestEvents(IngestEventsRequest.getDefaultInstance()));
    assertInvalid("events", () -> stub.ingestEvents(IngestEventsRequest.newBuilder()
        .addAllEvents(Collections.nCopies(1001, good)).build()));

    assertFalse(history(user, 10).getKnownUser());
  }

  @Test
  void ingestEvents_thousandEvents_areAllAccepted() {
    String user = newUser();
    List<UserEvent> events = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      events.add(event(user, POPULAR_ITEM, 1_000 + i, "click"));
    }

    assertEquals(1000, stub.ingestEvents(
        IngestEventsRequest.newBuilder().addAllEvents(events).build()).getAcceptedCount());
    assertEquals(1000, history(user, 1000).getTotalEvents());
  }

  @Test
  void retrieveCandidates_recentWindow_countsEachCandidatesPurchasesBeforeAsOf() {
    // The dataset's last event is at 2011-12-09T12:50:00Z (Unix 1323435000); 85123A was bought
    // 89 times in the 14 days before it (counted from interactions.csv.gz with awk).
    RetrieveCandidatesResponse response = stub.retrieveCandidates(RetrieveCandidatesRequest.newBuilder()
        .setUserId(newUser())
        .setAsOf(Timestamp.newBuilder().setSeconds(1_323_435_000L))
        .setRecentWindow(com.google.protobuf.Duration.newBuilder().setSeconds(14 * DAY))
        .build());

    Candidate popular = response.getCandidatesList().stream()
        .filter(c -> c.getItemId().equals(POPULAR_ITEM)).findFirst().orElseThrow();
    assertEquals(89, popular.getRecentPurchases());
    assertEquals(1_323_435_000L, response.getAsOf().getSeconds());
    assertEquals(14 * DAY, response.getRecentWindow().getSeconds());
    assertTrue(response.getCandidatesList().stream().allMatch(c -> c.getRecentPurchases() >= 0));
  }

  @Test
  void retrieveCandidates_withoutWindow_countsNothingAndReportsTheStoresLatestTime() {
    RetrieveCandidatesResponse response = stub.retrieveCandidates(
        RetrieveCandidatesRequest.newBuilder().setUserId(USER).build());

    assertTrue(response.getCandidatesList().stream().allMatch(c -> c.getRecentPurchases() == 0));
    assertTrue(response.getAsOf().getSeconds() >= 1_323_435_000L, response.getAsOf().toString());
    assertFalse(response.hasRecentWindow());
  }

  @Test
  void retrieveCandidates_badWindowOrTime_isInvalidArgument() {
    assertInvalid("recent_window must be between 1 second and 366 days", () -> stub.retrieveCandidates(
        RetrieveCandidatesRequest.newBuilder().setUserId(USER)
            .setRecentWindow(com.google.protobuf.Duration.newBuilder().setSeconds(367 * DAY)).build()));
    assertInvalid("recent_window must be between 1 second and 366 days", () -> stub.retrieveCandidates(
        RetrieveCandidatesRequest.newBuilder().setUserId(USER)
            .setRecentWindow(com.google.protobuf.Duration.newBuilder().setSeconds(-5)).build()));
    assertInvalid("as_of must be a valid timestamp", () -> stub.retrieveCandidates(
        RetrieveCandidatesRequest.newBuilder().setUserId(USER)
            .setAsOf(Timestamp.newBuilder().setSeconds(1).setNanos(-1)).build()));
  }
}
