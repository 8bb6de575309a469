package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.ImportResponse;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.IngestEventsResponse;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A store that stops answering right after a write: a stored write is never reported as failed,
 * since a caller told otherwise might send it again (without event ids, a second copy).
 * IngestEvents takes both newest event times from the append itself; an import (many appends)
 * reads the time after it, and leaves it unset when it cannot.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StoreUnreadableAfterWriteTest {
  private GrpcServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    InMemoryEventStore real = TestData.memoryStore();
    real.load(TestData.small());
    AtomicBoolean appended = new AtomicBoolean();
    // The real store, but unreachable for reads of the newest event time once a write is done.
    EventStore store = (EventStore) Proxy.newProxyInstance(EventStore.class.getClassLoader(),
        new Class<?>[] {EventStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("latestPurchaseTime") && appended.get()) {
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
    server = TestData.serving(store, name);
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  private long storedEvents(String user) {
    return FeatureServiceGrpc.newBlockingStub(channel)
        .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(user).build()).getTotalEvents();
  }

  @Test
  void ingest_answersBothTimesFromTheWriteItself() {
    IngestEventsResponse response = FeatureServiceGrpc.newBlockingStub(channel).ingestEvents(
        IngestEventsRequest.newBuilder().addEvents(UserEvent.newBuilder().setUserId("after-write")
            .setEvent(Event.newBuilder().setItemId("A").setEventType("purchase")
                .setTime(Timestamp.newBuilder().setSeconds(1_700_000_000L)))).build());

    assertEquals(1, response.getAcceptedCount());
    assertEquals(200, response.getPreviousLatestEventTime().getSeconds());
    assertEquals(1_700_000_000L, response.getLatestEventTime().getSeconds());
    assertEquals(1, storedEvents("after-write"));
  }

  @Test
  void import_storeUnreachableRightAfterTheWrite_succeedsWithoutTheNewTime() {
    byte[] csv = "user_id,item_id,timestamp\nafter-import,A,1700000000\n".getBytes(StandardCharsets.UTF_8);

    ImportResponse response = FeatureAdminServiceTest.send(FeatureAdminGrpc.newStub(channel),
        FeatureAdminServiceTest.Kind.INTERACTIONS, csv, 1024, false);

    assertEquals(1, response.getStored());
    assertTrue(response.hasPreviousLatestEventTime(), "read before the write");
    assertFalse(response.hasLatestEventTime(), "unreadable after it");
    assertEquals(1, storedEvents("after-import"));
  }
}
