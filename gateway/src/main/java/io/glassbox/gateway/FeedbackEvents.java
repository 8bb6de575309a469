package io.glassbox.gateway;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.SubmitFeedbackRequest;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.RequestChecks;
import java.time.Instant;
import java.util.UUID;

/** Turns a shopper's feedback into the event the feature service stores. */
final class FeedbackEvents {

  /** What a feedback's type must be. */
  private static final String TYPES = "type must be FEEDBACK_TYPE_CLICK, FEEDBACK_TYPE_ADD_TO_CART, "
      + "FEEDBACK_TYPE_PURCHASE or FEEDBACK_TYPE_NOT_INTERESTED";

  private FeedbackEvents() {}

  /**
   * Validates the request and maps it to one event; an unset time becomes {@code now}, the
   * request id becomes the event id (a fresh one when unset), the order id its basket id.
   * INVALID_ARGUMENT naming the field otherwise.
   */
  static UserEvent from(SubmitFeedbackRequest request, Instant now) {
    String userId = RequestChecks.requireUserId("user_id", request.getUserId());
    String itemId = RequestChecks.requireId("item_id", request.getItemId());
    String eventType = switch (request.getType()) {
      case FEEDBACK_TYPE_CLICK -> "click";
      case FEEDBACK_TYPE_ADD_TO_CART -> "add_to_cart";
      case FEEDBACK_TYPE_PURCHASE -> "purchase";
      case FEEDBACK_TYPE_NOT_INTERESTED -> "feedback_negative";
      case FEEDBACK_TYPE_UNSPECIFIED -> throw RequestChecks.invalid(TYPES);
      // A value of a newer FeedbackType than this gateway's, or a mistyped number: said back.
      case UNRECOGNIZED -> throw RequestChecks.invalid(TYPES + "; " + request.getTypeValue()
          + " is no FeedbackType this gateway knows");
    };
    Timestamp time = request.hasTime() ? valid(request.getTime()) : Timestamp.newBuilder()
        .setSeconds(now.getEpochSecond())
        .setNanos(now.getNano())
        .build();
    String requestId = RequestChecks.requireOptionalId("request_id", request.getRequestId());
    String orderId = RequestChecks.requireOptionalId("order_id", request.getOrderId());
    return UserEvent.newBuilder()
        .setUserId(userId)
        .setEvent(Event.newBuilder().setItemId(itemId).setTime(time).setEventType(eventType).setBasketId(orderId))
        // Without the client's id the event still gets one of its own; the gateway sends it once
        // (no retry), so only a client that repeats its request_id has a resend counted once.
        .setEventId(requestId.isEmpty() ? "gw:" + UUID.randomUUID() : requestId)
        .build();
  }

  private static Timestamp valid(Timestamp time) {
    if (!Timestamps.isValid(time)) {
      throw RequestChecks.invalid("time must be a valid timestamp (0001-01-01T00:00:00Z..9999-12-31T23:59:59Z"
          + " with nanos 0..999999999; the feature service takes events from 1970 on) or be unset for now");
    }
    return time;
  }
}
