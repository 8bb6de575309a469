package io.glassbox.gateway;

import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.api.v1.WhyNotRequest;
import io.glassbox.api.v1.WhyNotResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;

/**
 * A real explain service as one older than WhyNotRequest.min_cited_orders answers WhyNot: that one
 * read no such field and tried every co-purchase neighbour, as the field's 0 (every neighbour) does
 * today, and did not set WhyNotResponse.applied_min_cited_orders; so the request's field is cleared
 * on the way in and the answer's on the way out. Other calls are not served.
 */
final class ExplainServiceOlderThanTheMinimum extends ExplainServiceGrpc.ExplainServiceImplBase {
  private final ExplainServiceGrpc.ExplainServiceStub explain;

  ExplainServiceOlderThanTheMinimum(Channel channel) {
    this.explain = ExplainServiceGrpc.newStub(channel);
  }

  @Override
  public void whyNot(WhyNotRequest request, StreamObserver<WhyNotResponse> responseObserver) {
    explain.withDeadlineAfter(60, TimeUnit.SECONDS)
        .whyNot(request.toBuilder().clearMinCitedOrders().build(), new StreamObserver<>() {
          @Override
          public void onNext(WhyNotResponse answer) {
            responseObserver.onNext(answer.toBuilder().clearAppliedMinCitedOrders().build());
          }

          @Override
          public void onError(Throwable failure) {
            responseObserver.onError(failure);
          }

          @Override
          public void onCompleted() {
            responseObserver.onCompleted();
          }
        });
  }
}
