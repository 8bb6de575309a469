package io.glassbox.launcher;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.glassbox.api.v1.FeedbackType;
import io.glassbox.api.v1.SubmitFeedbackRequest;
import io.glassbox.api.v1.SubmitFeedbackResponse;
import io.glassbox.gateway.FeedbackRecorder;
import io.glassbox.server.Descriptions;
import io.glassbox.server.RequestIds;
import io.glassbox.server.RequestSent;
import io.glassbox.texts.ReasonTexts;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The gateway's SubmitFeedback: records what a shopper did with an item. */
@Command(name = "feedback", description = "Record what a shopper did with an item (a purchase unless --type "
    + "says otherwise) through the gateway, once per request id; a purchase joins their record, so their next "
    + "recommendations and reasons read it (the model reads purchases only: a click or an add to cart is stored "
    + "and changes no ranking); not_interested stops the item being recommended and takes the shopper's earlier "
    + "purchases of it out of what the model reads.")
final class FeedbackCommand implements Callable<Integer> {
  /** The kinds of feedback, as typed. */
  enum Type {
    purchase(FeedbackType.FEEDBACK_TYPE_PURCHASE),
    click(FeedbackType.FEEDBACK_TYPE_CLICK),
    add_to_cart(FeedbackType.FEEDBACK_TYPE_ADD_TO_CART),
    not_interested(FeedbackType.FEEDBACK_TYPE_NOT_INTERESTED);

    final FeedbackType proto;

    Type(FeedbackType proto) {
      this.proto = proto;
    }
  }

  @Option(names = "--user", required = true, description = "User id, e.g. 12347.")
  String userId;

  @Option(names = "--item", required = true, description = "Item id; must be in the catalogue.")
  String itemId;

  @Option(names = "--type", defaultValue = "purchase",
      description = "purchase, click, add_to_cart or not_interested (default ${DEFAULT-VALUE}).")
  Type type;

  @Option(names = "--time", converter = EventTimeConverter.class, description = "When it happened, e.g. "
      + "2011-12-01T10:00:00Z or 2011-12-01 11:00:00+01:00, as import reads a timestamp (default: now; from 1970 on, "
      + "at most 5 minutes ahead of the server's clock). Recent "
      + "purchases are counted up to the store's newest purchase, so one stamped now moves the trend window past "
      + "the embedded data, whose sales end on 2011-12-09 (the command then says so).")
  Instant time;

  @Option(names = "--request-id", description = "Idempotency key, up to 128 characters, with no control "
      + "character and no space at either end (default: a new one, "
      + "printed, so that a resend can reuse it and be recorded once).")
  String requestId;

  @Option(names = "--order", description = "The order it belongs to, up to 128 characters, with no control "
      + "character and no space at either end: purchases under one "
      + "order id count as one order for buy-again and as bought together for co-purchase (default: none, so a "
      + "purchase is an order of its own).")
  String orderId;

  @Mixin GatewayAddress gateway;

  @Override
  public Integer call() throws InterruptedException {
    String id = requestId != null ? requestId : UUID.randomUUID().toString();
    SubmitFeedbackRequest.Builder request = SubmitFeedbackRequest.newBuilder()
        .setUserId(userId).setItemId(itemId).setType(type.proto).setRequestId(id);
    if (orderId != null) {
      request.setOrderId(orderId);
    }
    if (time != null) {
      request.setTime(Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()));
    }
    // One id for both where it can be: the gateway's log lists the call under its x-request-id.
    String sentAs = RequestIds.takenAsItIs(id) ? id : UUID.randomUUID().toString();
    return gateway.call(sentAs, stub -> {
      SubmitFeedbackResponse response;
      RequestSent sent = new RequestSent();
      try {
        response = stub.withInterceptors(sent.interceptor()).submitFeedback(request.build());
      } catch (StatusRuntimeException e) {
        // The gateway says so, or the event went out and the call then failed with no server of
        // the suite answering (the command's deadline ran out, the connection was lost): the
        // gateway may have stored it all the same. One that never went out stored nothing.
        boolean lost = sent.mayHaveBeenSent() && RequestSent.mayHaveStored(e.getStatus().getCode())
            && !RequestIds.answeredByAServer(e);
        if (lost || Descriptions.saysMayHaveBeenStored(e.getStatus())) {
          CliCalls.printFailure(System.err, "glassbox", e, gateway.target, "--timeout-ms " + gateway.timeoutMs,
              stub.getCallOptions().getDeadline());
          System.err.println("glassbox: " + (lost ? "it may have been stored: " : "") + "it was sent with"
              + (sentAs.equals(id) ? " request id " + id
                  : " request id (idempotency key) " + id + " and x-request-id " + sentAs
                      + ", under which the suite's logs list it")
              + "; resend it with --request-id " + id + " (and the same --user, --item, --type"
              + " and --order) and it is recorded once.");
          return 1;
        }
        throw e;
      }
      String what = String.format(Locale.ROOT, "%s of %s by %s", type.name().replace('_', '-'), itemId, userId);
      System.out.println(response.getDuplicate()
          // A duplicate stores nothing: the event first recorded under the id keeps its time.
          ? "Already recorded: " + what + " (request id " + id + "); stored once, at the time first recorded."
          : "Recorded: " + what + " (request id " + id + "; resend with --request-id " + id + " to record it once)."
              + switch (type) {
                case purchase -> "";
                case not_interested -> " The item is no longer recommended to them, and their earlier purchases of it"
                    + " no longer count for their recommendations and reasons.";
                case click, add_to_cart -> " The model reads purchases only, so recommendations do not change.";
              });
      trendWindowPassed(response).ifPresent(System.out::println);
      return 0;
    });
  }

  /**
   * A warning when this feedback moved the time recent sales are counted up to further than the
   * model's trend window: no earlier sale counts as recent any more, for any shopper.
   */
  private static Optional<String> trendWindowPassed(SubmitFeedbackResponse response) {
    if (!FeedbackRecorder.trendWindowPassed(response)) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "Note: recent sales are now counted up to %s (before this "
        + "feedback: %s), more than the model's trend window (%s) later, so no sale recorded before it counts as "
        + "recent any more: the trend term and its \"Popular lately\" reasons are quiet for every shopper. To "
        + "record past events, pass --time.", toTheSecond(response.getRecentSalesAsOf()),
        toTheSecond(response.getPreviousRecentSalesAsOf()), span(response.getTrendWindow())));
  }

  private static String toTheSecond(Timestamp time) {
    return Timestamps.toString(Timestamps.fromSeconds(time.getSeconds()));
  }

  /** As the trend reason says a window (ReasonTexts.Span): in days when whole days, else in hours. */
  private static String span(com.google.protobuf.Duration window) {
    ReasonTexts.Span span = ReasonTexts.Span.of(java.time.Duration.ofSeconds(window.getSeconds(), window.getNanos()));
    return span.length() + (span.days() ? " days" : " hours");
  }
}
