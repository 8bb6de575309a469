package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.glassbox.api.v1.EraseUserRequest;
import io.glassbox.api.v1.EraseUserResponse;
import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.FeatureStore;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * FeatureAdmin.EraseUser on a real server: the FeatureService on one port, the admin service on
 * its own (loopback) port, as FeatureMain serves them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EraseUserTest {
  private GrpcServer server;
  private ManagedChannel publicChannel;
  private ManagedChannel adminChannel;
  private FeatureAdminGrpc.FeatureAdminBlockingStub admin;
  private FeatureServiceGrpc.FeatureServiceBlockingStub features;

  @BeforeEach
  void start() {
    InMemoryEventStore store = TestData.smallStore();
    // Ports the system picks: a fixed one was held by another process during a CI run.
    server = TestData.servingOnPorts(store, 0, 0);
    publicChannel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    adminChannel = ManagedChannelBuilder.forAddress("127.0.0.1", server.adminPort()).usePlaintext().build();
    admin = FeatureAdminGrpc.newBlockingStub(adminChannel).withDeadlineAfter(10, TimeUnit.SECONDS);
    features = FeatureServiceGrpc.newBlockingStub(publicChannel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    publicChannel.shutdownNow();
    adminChannel.shutdownNow();
    server.close();
  }

  private static EraseUserRequest erase(String userId) {
    return EraseUserRequest.newBuilder().setUserId(userId).build();
  }

  @Test
  void eraseUser_knownUser_answersWhatWentAndTheHistoryIsEmpty() {
    assertTrue(features.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("u1").build()).getKnownUser());

    EraseUserResponse erased = admin.eraseUser(erase("u1"));

    // u1: orders i1 (A, B, C) and i2 (A, D) in the small dataset.
    assertEquals(EraseUserResponse.newBuilder().setKnownUser(true).setEvents(5).setOrders(2)
        .setStore(FeatureStore.FEATURE_STORE_MEMORY).build(), erased);
    var history = features.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("u1").build());
    assertFalse(history.getKnownUser());
    assertEquals(0, history.getEventsCount());
  }

  /** The log line counts as a person reads it: "1 order", not "1 orders"; never who. */
  @Test
  void eraseUser_logsHowMuchWent_inTheRightNumber() {
    Logger logger = (Logger) LoggerFactory.getLogger(FeatureAdminService.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    Level levelBefore = logger.getLevel();
    logger.setLevel(Level.INFO);
    logged.start();
    logger.addAppender(logged);
    try {
      admin.eraseUser(erase("u2"));
    } finally {
      logger.detachAppender(logged);
      logger.setLevel(levelBefore);
    }

    // u2: one order i3 of A, B and F.
    assertEquals(List.of("Erased a user on request: 3 events in 1 order"),
        logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
  }

  @Test
  void eraseUser_twice_isNoErrorAndFindsNothing() {
    admin.eraseUser(erase("u2"));

    EraseUserResponse again = admin.eraseUser(erase("u2"));

    assertFalse(again.getKnownUser());
    assertEquals(0, again.getEvents());
    assertEquals(0, again.getOrders());
  }

  @Test
  void eraseUser_invalidUserId_isInvalidArgumentNamingTheField() {
    StatusRuntimeException empty = assertThrows(StatusRuntimeException.class, () -> admin.eraseUser(erase("")));
    assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
    assertEquals("user_id must not be empty", empty.getStatus().getDescription());

    StatusRuntimeException blank = assertThrows(StatusRuntimeException.class, () -> admin.eraseUser(erase("   ")));
    assertEquals(Status.Code.INVALID_ARGUMENT, blank.getStatus().getCode());
    assertEquals("user_id must not be blank", blank.getStatus().getDescription());

    StatusRuntimeException tooLong = assertThrows(StatusRuntimeException.class,
        () -> admin.eraseUser(erase("x".repeat(129))));
    assertEquals(Status.Code.INVALID_ARGUMENT, tooLong.getStatus().getCode());
    assertEquals("user_id must be at most 128 characters, got 129", tooLong.getStatus().getDescription());
  }

  @Test
  void eraseUser_onThePublicPort_isNotServed() {
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> FeatureAdminGrpc.newBlockingStub(publicChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .eraseUser(erase("u1")));

    assertEquals(Status.Code.UNIMPLEMENTED, refused.getStatus().getCode());
    assertTrue(features.getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("u1").build()).getKnownUser());
  }
}
