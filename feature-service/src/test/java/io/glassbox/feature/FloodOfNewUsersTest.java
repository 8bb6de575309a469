package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.RetrieveCandidatesRequest;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flood that used to kill the service: 250,000 new user ids through IngestEvents. With the
 * in-memory store bounded at 100,000 users, every call succeeds, the store stays at its bound
 * (the least recently active users go), and the service keeps answering.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FloodOfNewUsersTest {
  private static final Logger log = LoggerFactory.getLogger(FloodOfNewUsersTest.class);
  private static final int MAX_USERS = 100_000;
  private static final int FLOOD_USERS = 250_000;
  private static final int BATCH = 1000;

  @Test
  void ingest_250kNewUsers_serviceStaysUpWithinItsBound() {
    InMemoryEventStore store = new InMemoryEventStore(100, 200, "GBP",
        new StoreBounds(1000, MAX_USERS, 10_000_000, Duration.ofDays(1), 1_000_000), System::nanoTime);
    store.load(new DatasetReader(TestData.realDataDir()).read());
    String name = "flood-" + UUID.randomUUID();
    try (GrpcServer server = GrpcServer.inProcess("feature-service", name)
        .addService(new FeatureGrpcService(store, new CandidateRetriever(store, 20), TestData.TIME_LIMIT,
            TestData.NO_ZONE))
        .start()) {
      server.setServing(true);
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      try {
        FeatureServiceGrpc.FeatureServiceBlockingStub stub = FeatureServiceGrpc.newBlockingStub(channel);
        long started = System.nanoTime();
        for (int from = 0; from < FLOOD_USERS; from += BATCH) {
          IngestEventsRequest.Builder request = IngestEventsRequest.newBuilder();
          for (int user = from; user < from + BATCH; user++) {
            request.addEvents(UserEvent.newBuilder()
                .setUserId("flood-" + user)
                .setEventId("e" + user)
                .setEvent(Event.newBuilder().setItemId("85123A").setEventType("click")
                    .setTime(Timestamp.newBuilder().setSeconds(1_700_000_000L + user))));
          }
          assertEquals(BATCH, stub.ingestEvents(request.build()).getAcceptedCount());
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        Runtime runtime = Runtime.getRuntime();
        log.info("Flood of {} new users in {} ms ({} events/s); {} users held, {} evicted; heap used {} MB",
            FLOOD_USERS, millis, FLOOD_USERS * 1000L / Math.max(1, millis), store.userCount(),
            store.evictedUsers(), (runtime.totalMemory() - runtime.freeMemory()) >> 20);

        assertEquals(MAX_USERS, store.userCount());
        assertEquals(FLOOD_USERS + 4104 - MAX_USERS, store.evictedUsers());
        assertTrue(stub.getUserHistory(GetUserHistoryRequest.newBuilder()
            .setUserId("flood-" + (FLOOD_USERS - 1)).build()).getKnownUser());
        assertFalse(stub.getUserHistory(GetUserHistoryRequest.newBuilder()
            .setUserId("flood-0").build()).getKnownUser());
        assertEquals("WHITE HANGING HEART T-LIGHT HOLDER", stub.getItems(
            GetItemsRequest.newBuilder().addItemIds("85123A").build()).getItems(0).getTitle());
        assertEquals(500, stub.retrieveCandidates(RetrieveCandidatesRequest.newBuilder()
            .setUserId("flood-" + (FLOOD_USERS - 1)).build()).getCandidatesCount());
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
