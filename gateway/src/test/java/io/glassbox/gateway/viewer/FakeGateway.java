package io.glassbox.gateway.viewer;

import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A hand-written Gateway that records what the viewer sends (requests and the authorization
 * metadata) and answers with a canned reply or a canned error.
 */
final class FakeGateway extends GatewayGrpc.GatewayImplBase {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> CALLER = Context.key("authorization");

  final List<RecommendRequest> recommendRequests = new CopyOnWriteArrayList<>();
  final List<UserWhatIfRequest> whatIfRequests = new CopyOnWriteArrayList<>();
  final List<UserWhyNotRequest> whyNotRequests = new CopyOnWriteArrayList<>();
  final List<UserExplainItemRequest> explainItemRequests = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  volatile RecommendResponse recommendReply = RecommendResponse.getDefaultInstance();
  volatile WhatIfResponse whatIfReply = WhatIfResponse.getDefaultInstance();
  volatile WhyNotResponse whyNotReply = WhyNotResponse.getDefaultInstance();
  volatile ExplainItemResponse explainItemReply = ExplainItemResponse.getDefaultInstance();
  /** When set, every call fails with it. */
  volatile Status failure;
  /** When true, no call is ever answered; each ends by its deadline. */
  volatile boolean hang;

  /** Puts the caller's authorization metadata where the service methods can read it. */
  ServerInterceptor authorizationRecorder() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String value = headers.get(AUTHORIZATION);
        return Contexts.interceptCall(
            Context.current().withValue(CALLER, value == null ? "" : value), call, headers, next);
      }
    };
  }

  @Override
  public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> replies) {
    recommendRequests.add(request);
    answer(recommendReply, replies);
  }

  @Override
  public void whatIf(UserWhatIfRequest request, StreamObserver<WhatIfResponse> replies) {
    whatIfRequests.add(request);
    answer(whatIfReply, replies);
  }

  @Override
  public void whyNot(UserWhyNotRequest request, StreamObserver<WhyNotResponse> replies) {
    whyNotRequests.add(request);
    answer(whyNotReply, replies);
  }

  @Override
  public void explainItem(UserExplainItemRequest request, StreamObserver<ExplainItemResponse> replies) {
    explainItemRequests.add(request);
    answer(explainItemReply, replies);
  }

  private <T> void answer(T reply, StreamObserver<T> replies) {
    authorizations.add(CALLER.get());
    if (hang) {
      return;
    }
    if (failure != null) {
      replies.onError(failure.asRuntimeException());
      return;
    }
    replies.onNext(reply);
    replies.onCompleted();
  }
}
