package io.glassbox.launcher;

import static java.util.Objects.requireNonNull;

import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The services a server lists through server reflection (v1), which every server of the suite
 * serves, as its health service keeps no list of the names it has a status for.
 */
final class ReflectedServices {
  /** How long past its deadline the list is waited for, should the call's own end be lost. */
  private static final Duration ANSWER_SLACK = Duration.ofMillis(500);

  private final Channel channel;
  private final Deadline deadline;

  ReflectedServices(Channel channel, Deadline deadline) {
    this.channel = requireNonNull(channel);
    this.deadline = requireNonNull(deadline);
  }

  /**
   * The names of the services the server lists, asked by the deadline; empty when it serves no
   * reflection v1 (UNIMPLEMENTED). Any other failure is thrown as it came, with the trailers that
   * say which server answered; an error_response as a status of its code.
   */
  Optional<List<String>> list() throws InterruptedException {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    // Cancelled once done with, answered or not: a stream the server leaves open (after an
    // error_response, or never answering) would else stay open till its deadline, one per try of a --wait.
    Context.CancellableContext call = Context.current().withCancellation();
    try {
      call.run(() -> ask(answer));
      return names(answer);
    } finally {
      call.cancel(null);
    }
  }

  private void ask(CompletableFuture<ServerReflectionResponse> answer) {
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .withDeadline(deadline)
        .serverReflectionInfo(new FirstReply<>(answer, "server reflection ended without listing the services"));
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
  }

  private Optional<List<String>> names(CompletableFuture<ServerReflectionResponse> answer)
      throws InterruptedException {
    try {
      // The call's own deadline ends it; the slack only keeps a lost answer from hanging here.
      ServerReflectionResponse response = answer.get(
          deadline.timeRemaining(TimeUnit.NANOSECONDS) + ANSWER_SLACK.toNanos(), TimeUnit.NANOSECONDS);
      if (response.hasErrorResponse()) {
        throw Status.fromCodeValue(response.getErrorResponse().getErrorCode())
            .withDescription(response.getErrorResponse().getErrorMessage()).asRuntimeException();
      }
      return Optional.of(
          response.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList());
    } catch (ExecutionException failed) {
      if (Status.fromThrowable(failed.getCause()).getCode() == Status.Code.UNIMPLEMENTED) {
        return Optional.empty();
      }
      throw failed.getCause() instanceof StatusRuntimeException refused ? refused
          : Status.fromThrowable(failed.getCause()).asRuntimeException();
    } catch (TimeoutException lost) {
      throw Status.DEADLINE_EXCEEDED.withDescription("no list of services by the deadline").asRuntimeException();
    }
  }
}
