package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.IngestEventsResponse;
import io.glassbox.api.v1.UserEvent;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.net.ConnectException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The newest event time is read again once the events are stored; when the store cannot answer
 * then, the call still succeeds without it: the events are stored, and a caller told otherwise
 * might send them again (without an event id, a second copy).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IngestAfterWriteTest {
  @Test
  void ingest_storeUnreachableRightAfterTheWrite_succeedsWithoutTheNewTime() throws IOException, InterruptedException {
    InMemoryEventStore real = TestData.memoryStore();
    real.load(TestData.small());
    AtomicBoolean appended = new AtomicBoolean();
    // The real store, but unreachable for reads of the newest event time once a write is done.
    EventStore store = (EventStore) Proxy.newProxyInstance(EventStore.class.getClassLoader(),
        new Class<?>[] {EventStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("latestEventTime") && appended.get()) {
            throw new StoreUnavailableException("connection refused", new ConnectException("refused"));
          }
          try {
            Object result = method.invoke(real, args);
            appended.compareAndSet(false, method.getName().equals("append"));
            return result;
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    String name = "after-write-" + UUID.randomUUID();
    Server server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new FeatureGrpcService(store, new CandidateRetriever(store, 20), TestData.TIME_LIMIT))
        .build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      FeatureServiceGrpc.FeatureServiceBlockingStub stub = FeatureServiceGrpc.newBlockingStub(channel);

      IngestEventsResponse response = stub.ingestEvents(IngestEventsRequest.newBuilder()
          .addEvents(UserEvent.newBuilder().setUserId("after-write").setEvent(Event.newBuilder()
              .setItemId("A").setEventType("purchase").setTime(Timestamp.newBuilder().setSeconds(1_700_000_000L))))
          .build());

      assertEquals(1, response.getAcceptedCount());
      assertTrue(response.hasPreviousLatestEventTime(), "read before the write");
      assertFalse(response.hasLatestEventTime(), "unreadable after it");
      assertEquals(1, stub.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("after-write").build())
          .getTotalEvents());
    } finally {
      channel.shutdownNow();
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
