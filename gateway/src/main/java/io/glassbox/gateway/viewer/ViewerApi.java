package io.glassbox.gateway.viewer;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.AuthInterceptor;
import io.glassbox.server.RequestChecks;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The viewer's JSON endpoints. Each validates its query parameters, makes one call of the public
 * Gateway API through a real stub, and returns the reply in the canonical proto3 JSON mapping
 * (the form {@code buf curl} prints), so the page shows exactly what an RPC client receives.
 */
final class ViewerApi {
  /** Most items a what-if may remove, and add (the Gateway's own limit). */
  static final int MAX_CHANGED_ITEMS = 50;
  /** Longest gRPC status description passed on to the page, in characters (code points). */
  private static final int MAX_MESSAGE_LENGTH = 300;
  /** Longest API key forwarded; longer headers are refused, not truncated. */
  private static final int MAX_AUTHORIZATION_LENGTH = 512;
  /** An API key as the Authorization header may carry it: printable ASCII, no spaces. */
  private static final Pattern API_KEY = Pattern.compile("[\\x21-\\x7e]+");
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final JsonFormat.Printer JSON =
      JsonFormat.printer().includingDefaultValueFields().omittingInsignificantWhitespace();

  private final GatewayGrpc.GatewayBlockingStub gateway;
  private final Duration deadline;
  private final List<String> exampleUsers;
  private final Supplier<ApiKeys> keys;

  /** {@code keys}: the keys the gateway accepts now (the file may change while it runs). */
  ViewerApi(Channel gateway, Duration deadline, List<String> exampleUsers, Supplier<ApiKeys> keys) {
    this.gateway = GatewayGrpc.newBlockingStub(requireNonNull(gateway, "gateway"));
    this.deadline = requireNonNull(deadline, "deadline");
    this.exampleUsers = List.copyOf(exampleUsers);
    this.keys = requireNonNull(keys, "keys");
  }

  /**
   * Answers {@code path} (under {@code /api/}) with JSON; {@code authorization} is the request's
   * Authorization header (null when absent), forwarded to the Gateway as gRPC metadata.
   */
  String handle(String path, String rawQuery, String authorization) throws ViewerException {
    // The paths below, in this order, are ENDPOINTS.
    return switch (path) {
      case "/api/config" -> config(QueryParameters.parse(rawQuery, List.of()), authorization);
      case "/api/recommend" -> recommend(
          QueryParameters.parse(rawQuery, List.of("user", "locale", "limit", "buy_again")),
          credentials(authorization));
      case "/api/what-if" -> whatIf(
          QueryParameters.parse(rawQuery, List.of("user", "locale", "limit", "remove", "add")),
          credentials(authorization));
      case "/api/why-not" -> whyNot(
          QueryParameters.parse(rawQuery, List.of("user", "locale", "limit", "item")),
          credentials(authorization));
      case "/api/explain-item" -> explainItem(
          QueryParameters.parse(rawQuery, List.of("user", "locale", "limit", "item")),
          credentials(authorization));
      default -> throw new ViewerException(404, "no such endpoint; the endpoints are " + String.join(", ", ENDPOINTS));
    };
  }

  /** Every path {@link #handle} answers, named by its 404 (never echoing the path asked for). */
  static final List<String> ENDPOINTS =
      List.of("/api/config", "/api/recommend", "/api/what-if", "/api/why-not", "/api/explain-item");

  /**
   * What the page needs before the first call: the example users. They are real customers' ids:
   * where the gateway requires API keys, only a caller with a key it accepts sees them, as only
   * such a caller gets an answer from any other endpoint (the gateway checks those keys itself;
   * this answer calls no RPC, so the key is checked here, against the same keys).
   */
  private String config(QueryParameters ignored, String authorization) throws ViewerException {
    ApiKeys accepted = keys.get();
    if (accepted.enabled()) {
      credentials(authorization);
      if (authorization == null) {
        throw new ViewerException(401, "the example customers are shown with an API key: "
            + "send \"Authorization: Bearer <API key>\"");
      }
      if (accepted.find(authorization.substring(authorization.indexOf(' ') + 1)).isEmpty()) {
        throw new ViewerException(401, "the API key is not known to the gateway");
      }
    }
    ListValue.Builder users = ListValue.newBuilder();
    exampleUsers.forEach(user -> users.addValues(Value.newBuilder().setStringValue(user)));
    return json(Struct.newBuilder()
        .putFields("exampleUsers", Value.newBuilder().setListValue(users).build())
        .build());
  }

  private String recommend(QueryParameters query, Metadata credentials) throws ViewerException {
    RecommendRequest.Builder request = RecommendRequest.newBuilder()
        .setUserId(query.user())
        .setLocale(query.locale())
        .setIncludeContributions(true);
    query.limit().ifPresent(request::setLimit);
    query.buyAgainSlots().ifPresent(request::setBuyAgainSlots);
    return json(call(credentials, stub -> stub.recommend(request.build())));
  }

  /** Re-ranks as if the {@code remove} items were not and the {@code add} items were bought. */
  private String whatIf(QueryParameters query, Metadata credentials) throws ViewerException {
    UserWhatIfRequest.Builder request = UserWhatIfRequest.newBuilder()
        .setUserId(query.user())
        .setLocale(query.locale())
        .addAllRemoveItemIds(query.ids("remove", MAX_CHANGED_ITEMS))
        .addAllAddItemIds(query.ids("add", MAX_CHANGED_ITEMS));
    query.limit().ifPresent(request::setLimit);
    if (request.getRemoveItemIdsCount() + request.getAddItemIdsCount() == 0) {
      throw ViewerException.badRequest("what-if needs at least one remove or add item id");
    }
    return json(call(credentials, stub -> stub.whatIf(request.build())));
  }

  /** Why {@code item} is not in the user's top {@code limit}, and what would bring it in. */
  private String whyNot(QueryParameters query, Metadata credentials) throws ViewerException {
    UserWhyNotRequest.Builder request = UserWhyNotRequest.newBuilder()
        .setUserId(query.user())
        .setItemId(query.item())
        .setLocale(query.locale());
    query.limit().ifPresent(request::setLimit);
    return json(call(credentials, stub -> stub.whyNot(request.build())));
  }

  /** The item's rank, verified reasons and the effect of removing each purchase, for the user. */
  private String explainItem(QueryParameters query, Metadata credentials) throws ViewerException {
    UserExplainItemRequest.Builder request = UserExplainItemRequest.newBuilder()
        .setUserId(query.user())
        .setItemId(query.item())
        .setLocale(query.locale());
    query.limit().ifPresent(request::setLimit);
    return json(call(credentials, stub -> stub.explainItem(request.build())));
  }

  private <T> T call(Metadata credentials, Function<GatewayGrpc.GatewayBlockingStub, T> rpc)
      throws ViewerException {
    GatewayGrpc.GatewayBlockingStub stub = gateway
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(credentials));
    try {
      return rpc.apply(stub);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        // The channel's own description lists connection internals; the deadline is ours.
        throw new ViewerException(504, "the gateway answered DEADLINE_EXCEEDED: no answer within "
            + deadline.toMillis() + " ms");
      }
      throw fromGrpc(e.getStatus());
    }
  }

  /**
   * The Authorization header, checked for shape (the Gateway checks the key itself): the Bearer
   * scheme in any case, as the Gateway takes it (RFC 7235).
   */
  private static Metadata credentials(String authorization) throws ViewerException {
    Metadata metadata = new Metadata();
    if (authorization == null) {
      return metadata;
    }
    int space = authorization.indexOf(' ');
    if (authorization.length() > MAX_AUTHORIZATION_LENGTH || space < 0
        || !AuthInterceptor.isBearer(authorization.substring(0, space))
        || !API_KEY.matcher(authorization).region(space + 1, authorization.length()).matches()) {
      throw new ViewerException(401, "the Authorization header must be \"Bearer <API key>\"");
    }
    metadata.put(AUTHORIZATION, authorization);
    return metadata;
  }

  /** The HTTP answer to a failed Gateway call: the closest status and the Gateway's message. */
  static ViewerException fromGrpc(Status status) {
    int http = switch (status.getCode()) {
      case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      default -> 502;
    };
    String description = status.getDescription() == null ? "" : ": " + status.getDescription();
    if (RequestChecks.characterCount(description) > MAX_MESSAGE_LENGTH) {
      // Counted and cut in characters, as every Glassbox limit: cut in UTF-16 units, an emoji lost its second half.
      description = description.substring(0, description.offsetByCodePoints(0, MAX_MESSAGE_LENGTH)) + "…";
    }
    return new ViewerException(http, "the gateway answered " + status.getCode() + description);
  }

  /** {@code {"error":{"status":400,"message":"..."}}}. */
  static String errorJson(ViewerException error) {
    // Written by hand so that the status prints as an integer (Struct numbers print as 400.0).
    return "{\"error\":{\"status\":" + error.httpStatus() + ",\"message\":"
        + json(Value.newBuilder().setStringValue(error.getMessage()).build()) + "}}";
  }

  private static String json(MessageOrBuilder message) {
    try {
      return JSON.print(message);
    } catch (InvalidProtocolBufferException e) {
      // Only Any fields with unknown types fail to print; the Gateway API has none.
      throw new IllegalStateException("reply not printable as JSON", e);
    }
  }
}
