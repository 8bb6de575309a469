package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.FeedbackType;
import io.glassbox.api.v1.SubmitFeedbackRequest;
import io.glassbox.api.v1.SubmitFeedbackResponse;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.LogCapture;
import io.glassbox.server.RequestIds;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(60)
class GatewayFeedbackTest {
  /** A purchase of c1 by u9 under request_id r1, the request most failure tests send. */
  private static final SubmitFeedbackRequest PURCHASE_R1 = SubmitFeedbackRequest.newBuilder().setUserId("u9")
      .setItemId("c1").setType(FeedbackType.FEEDBACK_TYPE_PURCHASE).setRequestId("r1").build();

  private GatewayHarness harness;

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private void submit(SubmitFeedbackRequest request) {
    harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).submitFeedback(request);
  }

  @ParameterizedTest
  @CsvSource({
      "FEEDBACK_TYPE_CLICK, click",
      "FEEDBACK_TYPE_ADD_TO_CART, add_to_cart",
      "FEEDBACK_TYPE_PURCHASE, purchase",
      "FEEDBACK_TYPE_NOT_INTERESTED, feedback_negative"})
  void submitFeedback_storesOneEventOfTheMappedType(FeedbackType type, String eventType) {
    harness = new GatewayHarness().start();
    Timestamp time = Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(5).build();

    submit(SubmitFeedbackRequest.newBuilder()
        .setUserId("u9").setItemId("c1").setType(type).setTime(time).build());

    assertEquals(1, harness.feature.ingested.size());
    assertEquals(1, harness.feature.ingested.get(0).getEventsCount());
    UserEvent stored = harness.feature.ingested.get(0).getEvents(0);
    assertEquals("u9", stored.getUserId());
    assertEquals("c1", stored.getEvent().getItemId());
    assertEquals(eventType, stored.getEvent().getEventType());
    assertEquals(time, stored.getEvent().getTime());
    assertEquals("", stored.getEvent().getBasketId());
  }

  @Test
  void submitFeedback_orderId_becomesTheBasketId() {
    harness = new GatewayHarness().start();

    submit(SubmitFeedbackRequest.newBuilder().setUserId("u9").setItemId("c1")
        .setType(FeedbackType.FEEDBACK_TYPE_PURCHASE).setOrderId("o".repeat(128)).build());

    assertEquals("o".repeat(128), harness.feature.ingested.get(0).getEvents(0).getEvent().getBasketId());
  }

  @Test
  void submitFeedback_orderAndRequestIds_countCharactersNotUtf16Units_asTheFeatureServiceDoes() {
    harness = new GatewayHarness().start();
    String emoji = "\uD83D\uDE00";   // one character, two UTF-16 units

    submit(SubmitFeedbackRequest.newBuilder().setUserId("u9").setItemId("c1").setType(FeedbackType.FEEDBACK_TYPE_PURCHASE)
        .setOrderId(emoji.repeat(128)).setRequestId(emoji.repeat(128)).build());
    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> submit(SubmitFeedbackRequest.newBuilder().setUserId("u9").setItemId("c1")
            .setType(FeedbackType.FEEDBACK_TYPE_PURCHASE).setOrderId(emoji.repeat(129)).build()));

    UserEvent stored = harness.feature.ingested.get(0).getEvents(0);
    assertEquals(emoji.repeat(128), stored.getEvent().getBasketId());
    assertEquals(emoji.repeat(128), stored.getEventId());
    assertEquals("order_id must be at most 128 characters, got 129", error.getStatus().getDescription());
  }

  @Test
  void submitFeedback_requestOrOrderIdWithAControlCharacterOrASpaceAtAnEnd_isRefused_andNothingSent() {
    // The request id becomes the stored event id: a line break in it could never be typed back to
    // resend, and " r1" would count apart from "r1".
    harness = new GatewayHarness().start();
    SubmitFeedbackRequest purchase = SubmitFeedbackRequest.newBuilder().setUserId("u9").setItemId("c1")
        .setType(FeedbackType.FEEDBACK_TYPE_PURCHASE).build();

    StatusRuntimeException lineBreak = assertThrows(StatusRuntimeException.class,
        () -> submit(purchase.toBuilder().setRequestId("r\r1").build()));
    StatusRuntimeException space = assertThrows(StatusRuntimeException.class,
        () -> submit(purchase.toBuilder().setRequestId("r1 ").build()));
    StatusRuntimeException escape = assertThrows(StatusRuntimeException.class,
        () -> submit(purchase.toBuilder().setOrderId("\u001b[2J").build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, lineBreak.getStatus().getCode());
    assertEquals("request_id must not contain control characters, got U+000D at index 1",
        lineBreak.getStatus().getDescription());
    assertEquals("request_id must not begin or end with a space, got \"r1 \"", space.getStatus().getDescription());
    assertEquals("order_id must not contain control characters, got U+001B at index 0",
        escape.getStatus().getDescription());
    assertTrue(harness.feature.ingested.isEmpty(), "nothing reaches the feature service");
  }

  @Test
  void submitFeedback_withoutTime_recordsNow() {
    harness = new GatewayHarness().start();
    Instant before = Instant.now();

    submit(SubmitFeedbackRequest.newBuilder()
        .setUserId("u9").setItemId("c1").setType(FeedbackType.FEEDBACK_TYPE_CLICK).build());

    Instant after = Instant.now();
    Timestamp time = harness.feature.ingested.get(0).getEvents(0).getEvent().getTime();
    Instant recorded = Instant.ofEpochSecond(time.getSeconds(), time.getNanos());
    assertTrue(!recorded.isBefore(before) && !recorded.isAfter(after), recorded.toString());
  }

  @Test
  void submitFeedback_requestId_becomesTheEventIdAndASecondSendIsFlaggedDuplicate() {
    harness = new GatewayHarness().start();
    SubmitFeedbackRequest request = SubmitFeedbackRequest.newBuilder().setUserId("u9").setItemId("c1")
        .setType(FeedbackType.FEEDBACK_TYPE_CLICK).setRequestId("req-7").build();

    SubmitFeedbackResponse first = harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).submitFeedback(request);
    SubmitFeedbackResponse second = harness.client().withDeadlineAfter(20, TimeUnit.SECONDS).submitFeedback(request);

    assertEquals("req-7", harness.feature.ingested.get(0).getEvents(0).getEventId());
    assertFalse(first.getDuplicate());
    assertTrue(second.getDuplicate());
  }

  @Test
  void submitFeedback_withoutRequestId_getsAFreshEventIdPerCall() {
    harness = new GatewayHarness().start();
    SubmitFeedbackRequest request = SubmitFeedbackRequest.newBuilder().setUserId("u9").setItemId("c1")
        .setType(FeedbackType.FEEDBACK_TYPE_CLICK).build();

    submit(request);
    submit(request);

    String firstId = harness.feature.ingested.get(0).getEvents(0).getEventId();
    String secondId = harness.feature.ingested.get(1).getEvents(0).getEventId();
    assertTrue(firstId.startsWith("gw:"), firstId);
    assertNotEquals(firstId, secondId);
  }

  static Stream<Arguments> invalidRequests() {
    SubmitFeedbackRequest valid = SubmitFeedbackRequest.newBuilder()
        .setUserId("u9").setItemId("c1").setType(FeedbackType.FEEDBACK_TYPE_CLICK).build();
    return Stream.of(
        Arguments.of(valid.toBuilder().setUserId("").build(), "user_id"),
        Arguments.of(valid.toBuilder().setUserId("u".repeat(129)).build(), "user_id"),
        Arguments.of(valid.toBuilder().setItemId("").build(), "item_id"),
        Arguments.of(valid.toBuilder().setItemId("i".repeat(129)).build(), "item_id"),
        Arguments.of(valid.toBuilder().setUserId("u9 ").build(), "user_id"),
        Arguments.of(valid.toBuilder().setUserId("\u00a0u9").build(), "user_id"),
        Arguments.of(valid.toBuilder().setItemId("c\n1").build(), "item_id"),
        Arguments.of(valid.toBuilder().setType(FeedbackType.FEEDBACK_TYPE_UNSPECIFIED).build(),
            "type"),
        Arguments.of(valid.toBuilder().setTime(Timestamp.newBuilder().setNanos(-1)).build(),
            "time"),
        Arguments.of(valid.toBuilder().setRequestId("r".repeat(129)).build(), "request_id"),
        Arguments.of(valid.toBuilder().setOrderId("o".repeat(129)).build(), "order_id"));
  }

  @ParameterizedTest
  @MethodSource("invalidRequests")
  void submitFeedback_invalidRequest_returnsInvalidArgumentAndStoresNothing(
      SubmitFeedbackRequest request, String field) {
    harness = new GatewayHarness().start();

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> submit(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
    assertTrue(error.getStatus().getDescription().startsWith(field + " must"),
        error.getStatus().getDescription());
    assertTrue(harness.feature.ingested.isEmpty());
  }

  @Test
  void submitFeedback_unknownType_isInvalidArgument_namingTheValueGiven() {
    harness = new GatewayHarness().start();

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> submit(PURCHASE_R1.toBuilder().setTypeValue(99).build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
    assertEquals("type must be FEEDBACK_TYPE_CLICK, FEEDBACK_TYPE_ADD_TO_CART, FEEDBACK_TYPE_PURCHASE or "
        + "FEEDBACK_TYPE_NOT_INTERESTED; 99 is no FeedbackType this gateway knows", error.getStatus().getDescription());
    assertTrue(harness.feature.ingested.isEmpty());
  }

  @Test
  void submitFeedback_itemNotInCatalogue_isNotFound_inTheGatewaysOwnWords() {
    harness = new GatewayHarness().start();

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> submit(SubmitFeedbackRequest.newBuilder()
            .setUserId("u9").setItemId("nope").setType(FeedbackType.FEEDBACK_TYPE_PURCHASE)
            .build()));

    assertEquals(Status.Code.NOT_FOUND, error.getStatus().getCode());
    assertEquals("item_id \"nope\" is not in the catalogue: feedback is taken on catalogue items only; nothing was stored",
        error.getStatus().getDescription());
  }

  @Test
  void submitFeedback_featureServiceDown_returnsUnavailable_withoutSayingItMayHaveBeenStored() {
    harness = new GatewayHarness().withoutFeatureService().start();

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> submit(SubmitFeedbackRequest.newBuilder()
            .setUserId("u9").setItemId("c1").setType(FeedbackType.FEEDBACK_TYPE_CLICK).build()));

    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    // The request never went out, so nothing can have been stored.
    assertEquals("the feature service is unavailable (UNAVAILABLE)", error.getStatus().getDescription());
  }

  /** The feature service's answer when Redis did not confirm a write it was sent (StoreCalls). */
  private static final Status WRITE_UNCONFIRMED = Status.UNAVAILABLE.withDescription(
      "the feature store did not confirm the write; it may have been stored: resend it with the same event ids, "
          + "and it is counted once (an event without an event id would be stored again)");

  @Test
  void submitFeedback_writeUnconfirmed_saysItMayHaveBeenStored_andToResendUnderTheSameRequestId() {
    harness = new GatewayHarness().start();
    harness.feature.ingestFailure = WRITE_UNCONFIRMED;

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> submit(PURCHASE_R1));

    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertTrue(error.getStatus().getDescription().contains("it may have been stored under request_id \"r1\": "
        + "resend it with the same request_id, and it is counted once"), error.getStatus().getDescription());
  }

  @Test
  void submitFeedback_writeUnconfirmed_withoutRequestId_namesTheIdTheGatewayGaveIt() {
    harness = new GatewayHarness().start();
    harness.feature.ingestFailure = WRITE_UNCONFIRMED;

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> submit(SubmitFeedbackRequest.newBuilder().setUserId("u9").setItemId("c1")
            .setType(FeedbackType.FEEDBACK_TYPE_PURCHASE).build()));

    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertTrue(error.getStatus().getDescription().contains("it may have been stored under request_id \"gw:"),
        error.getStatus().getDescription());
  }

  @Test
  void submitFeedback_featureStoreUnavailable_nothingStored_doesNotSayItMayHaveBeenStored() {
    harness = new GatewayHarness().start();
    harness.feature.ingestFailure = Status.UNAVAILABLE.withDescription("the feature store is unavailable; retry shortly");

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> submit(PURCHASE_R1));

    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertEquals("the feature service answered: the feature store is unavailable; retry shortly",
        error.getStatus().getDescription());
  }

  @Test
  void submitFeedback_deadlinePassesWhileIngesting_saysItMayHaveBeenStored() {
    harness = new GatewayHarness().with(GatewayConfig.DEFAULT_DEADLINE_KEY, "300ms").start();
    harness.feature.ingestHangs = true;

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> harness.client().submitFeedback(PURCHASE_R1));

    assertEquals(Status.Code.DEADLINE_EXCEEDED, error.getStatus().getCode());
    assertTrue(error.getStatus().getDescription().contains("it may have been stored under request_id \"r1\": "
        + "resend it with the same request_id, and it is counted once"), error.getStatus().getDescription());
  }

  /**
   * The caller's request_id is quoted escaped, so that a backslash in it cannot pass for an escape
   * where it is shown (a line break, an ESC or a bidi control is refused).
   */
  @Test
  void submitFeedback_deadlinePassesWhileIngesting_quotesARequestIdHoldingABackslashEscaped() {
    harness = new GatewayHarness().with(GatewayConfig.DEFAULT_DEADLINE_KEY, "300ms").start();
    harness.feature.ingestHangs = true;

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> harness.client().submitFeedback(PURCHASE_R1.toBuilder().setRequestId("r1\\n").build()));

    assertTrue(error.getStatus().getDescription().contains("it may have been stored under request_id"
        + " \"r1\\\\n\": "), error.getStatus().getDescription());
  }

  @Test
  void submitFeedback_writeUnconfirmed_isLoggedOnceUnderTheCallsRequestId_withItsOutcome() throws InterruptedException {
    harness = new GatewayHarness().start();
    harness.feature.ingestFailure = WRITE_UNCONFIRMED;
    StatusRuntimeException error;
    try (LogCapture logged = LogCapture.of(FeedbackRecorder.class, Level.DEBUG)) {
      error = assertThrows(StatusRuntimeException.class,
          () -> submit(PURCHASE_R1));

      ILoggingEvent line = logged.awaitOnlyLineOf(error.getTrailers().get(RequestIds.HEADER));
      assertEquals(Level.INFO, line.getLevel());
      assertTrue(line.getFormattedMessage().startsWith("SubmitFeedback failed with UNAVAILABLE: it may have been"
          + " stored (a resend under the same request_id is counted once); the feature service call ended UNAVAILABLE"),
          line.getFormattedMessage());
    }
  }

  /**
   * The caller's own deadline passing while the event is out is no caller mistake: the event may
   * have been stored, which an operator needs to see at INFO, not at the DEBUG of a caller who
   * hung up.
   */
  @Test
  void submitFeedback_callersDeadlinePassesWhileIngesting_isLoggedAtInfo() throws InterruptedException {
    harness = new GatewayHarness().start();
    harness.feature.ingestHangs = true;
    try (LogCapture logged = LogCapture.of(FeedbackRecorder.class, Level.DEBUG)) {
      StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
          () -> harness.client("deadline-call-1").withDeadlineAfter(300, TimeUnit.MILLISECONDS)
              .submitFeedback(PURCHASE_R1));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, error.getStatus().getCode());

      ILoggingEvent line = logged.awaitOnlyLineOf("deadline-call-1");
      assertEquals(Level.INFO, line.getLevel(), line.getFormattedMessage());
      assertTrue(line.getFormattedMessage().startsWith("SubmitFeedback failed with DEADLINE_EXCEEDED: it may have been"
          + " stored"), line.getFormattedMessage());
    }
  }

  /** The feature service's answer to a gateway without its API key: every IngestEvents refused. */
  private static final Status KEY_REFUSED = Status.UNAUTHENTICATED.withDescription("IngestEvents needs an API key");
  /** The gateway's line for a feedback {@link #KEY_REFUSED} failed. */
  private static final String KEY_REFUSED_WARNING = "SubmitFeedback failed with INTERNAL: nothing was stored; the"
      + " feature service call ended UNAUTHENTICATED: IngestEvents needs an API key; a retry does not mend this";

  /**
   * A feature service that refuses every IngestEvents (here the gateway's missing API key) fails
   * each feedback alike: under load the log gets one line a minute for it, naming the feature
   * service and its status, not a WARN and an INFO for every call.
   */
  @Test
  void submitFeedback_featureServiceRefusingEveryCall_logsOneWarningForManyCalls() {
    harness = new GatewayHarness().start();
    harness.feature.ingestFailure = KEY_REFUSED;
    try (LogCapture feedback = LogCapture.of(FeedbackRecorder.class, Level.INFO);
        LogCapture dependency = LogCapture.of(DependencyFailures.class, Level.INFO)) {
      for (int i = 0; i < 20; i++) {
        StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> submit(PURCHASE_R1));
        assertEquals(Status.Code.INTERNAL, error.getStatus().getCode());
      }

      List<ILoggingEvent> lines = Stream.concat(feedback.lines().stream(), dependency.lines().stream()).toList();
      assertEquals(1, lines.size(), lines.toString());
      assertEquals(Level.WARN, lines.get(0).getLevel());
      assertEquals(KEY_REFUSED_WARNING, lines.get(0).getFormattedMessage());
    }
  }

  /**
   * With the feature service down every feedback fails: one INFO line a minute says so, and each
   * failed call still has its line, at DEBUG, under its request id.
   */
  @Test
  void submitFeedback_featureServiceDown_logsOneInfoLineForManyCalls_andEachCallAtDebug() throws IOException {
    harness = new GatewayHarness()
        .with(GatewayConfig.FEATURE_TARGET_KEY, "localhost:" + GatewayHarness.closedPort()).start();
    try (LogCapture logged = LogCapture.of(FeedbackRecorder.class, Level.DEBUG)) {
      for (int i = 0; i < 20; i++) {
        String callId = "down-call-" + i;
        assertThrows(StatusRuntimeException.class, () -> harness.client(callId).withDeadlineAfter(20, TimeUnit.SECONDS)
            .submitFeedback(PURCHASE_R1));
      }

      List<ILoggingEvent> atInfo = logged.lines().stream().filter(line -> line.getLevel().isGreaterOrEqual(Level.INFO))
          .toList();
      assertEquals(1, atInfo.size(), atInfo.toString());
      assertTrue(atInfo.get(0).getFormattedMessage().startsWith("SubmitFeedback failed with UNAVAILABLE: nothing was"
          + " stored; the feature service call ended UNAVAILABLE"), atInfo.get(0).getFormattedMessage());
      assertEquals(20, logged.lines().size(), logged.lines().toString());
      for (int i = 0; i < 20; i++) {
        assertEquals(1, logged.linesOf("down-call-" + i).size(), "lines of down-call-" + i + ": " + logged.lines());
      }
    }
  }

  /**
   * Each cause of failed feedbacks has its own line a minute: a feature service that starts
   * refusing the gateway's key right after an outage is a WARN at once, not held back a minute
   * behind the outage's INFO.
   */
  @Test
  void submitFeedback_featureServiceDownThenRefusingTheKey_logsALineForEachCause() {
    harness = new GatewayHarness().start();

    List<String> lines = linesOfFeedbacksFailingWith(
        STORE_NOT_READY, KEY_REFUSED, KEY_REFUSED, KEY_REFUSED, KEY_REFUSED, KEY_REFUSED);

    assertEquals(List.of(STORE_NOT_READY_LINE, "WARN " + KEY_REFUSED_WARNING), lines);
  }

  /**
   * A feedback that may have been stored is another cause than one that was not, though both
   * end UNAVAILABLE after an UNAVAILABLE call: a write the store did not confirm, right after a
   * store that was not ready, is logged at once, not held back a minute behind the line that
   * says nothing was stored.
   */
  @Test
  void submitFeedback_nothingStoredThenMayHaveBeenStored_underTheSameCodes_logsALineForEach() {
    harness = new GatewayHarness().start();

    List<String> lines = linesOfFeedbacksFailingWith(STORE_NOT_READY, WRITE_UNCONFIRMED);

    assertEquals(List.of(STORE_NOT_READY_LINE, "INFO SubmitFeedback failed with UNAVAILABLE: it may have been stored"
        + " (a resend under the same request_id is counted once); the feature service call ended UNAVAILABLE: "
        + WRITE_UNCONFIRMED.getDescription()), lines);
  }

  /** The feature service's answer while its store is not ready: nothing was stored. */
  private static final Status STORE_NOT_READY = Status.UNAVAILABLE.withDescription("the store is not ready");
  /** The gateway's line, as "LEVEL message", for a feedback {@link #STORE_NOT_READY} failed. */
  private static final String STORE_NOT_READY_LINE = "INFO SubmitFeedback failed with UNAVAILABLE: nothing was"
      + " stored; the feature service call ended UNAVAILABLE: the store is not ready";

  /**
   * The lines, as "LEVEL message", that {@link FeedbackRecorder} logs at INFO and above while one
   * feedback fails with each of {@code failures} in turn.
   */
  private List<String> linesOfFeedbacksFailingWith(Status... failures) {
    try (LogCapture logged = LogCapture.of(FeedbackRecorder.class, Level.INFO)) {
      for (Status failure : failures) {
        harness.feature.ingestFailure = failure;
        assertThrows(StatusRuntimeException.class, () -> submit(PURCHASE_R1));
      }
      return logged.lines().stream().map(line -> line.getLevel() + " " + line.getFormattedMessage()).toList();
    }
  }

  /**
   * The one line {@code logged} holds under the request id {@code callId}, waiting up to 5 s for
   * it (the gateway may log after its answer left).
   */
  @Test
  void submitFeedback_featureServiceStoppedWhileTheEventIsOut_saysItMayHaveBeenStored() throws Exception {
    FakeFeatureService stopping = TestCatalogue.featureService();
    stopping.ingestHangs = true;
    GrpcServer feature = GrpcServer.onPort("feature", 0).addService(stopping).drainTimeout(Duration.ZERO).start();
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      feature.setServing(true);
      harness = new GatewayHarness().with(GatewayConfig.FEATURE_TARGET_KEY, "localhost:" + feature.port()).start();
      Future<SubmitFeedbackResponse> answer = caller.submit(() -> harness.client().withDeadlineAfter(20, TimeUnit.SECONDS)
          .submitFeedback(PURCHASE_R1));
      assertTrue(stopping.ingestHeld.await(20, TimeUnit.SECONDS), "IngestEvents never reached the feature service");

      feature.close();

      ExecutionException failed = assertThrows(ExecutionException.class, () -> answer.get(20, TimeUnit.SECONDS));
      Status status = Status.fromThrowable(failed.getCause());
      assertEquals(Status.Code.UNAVAILABLE, status.getCode(), status.toString());
      assertTrue(status.getDescription().contains("it may have been stored under request_id \"r1\": "
          + "resend it with the same request_id, and it is counted once"), status.getDescription());
    } finally {
      caller.shutdownNow();
      feature.close();
    }
  }
}
