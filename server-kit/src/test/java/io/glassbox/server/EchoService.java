package io.glassbox.server;

import com.google.protobuf.StringValue;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.function.UnaryOperator;

/**
 * A one-method protobuf service for server-kit tests, {@code test.Echo/Echo}: answers with what
 * the handler makes of the request. Proto messages, so malformed bytes can be sent to it.
 */
final class EchoService {
  static final String SERVICE = "test.Echo";
  static final MethodDescriptor<StringValue, StringValue> ECHO =
      MethodDescriptor.<StringValue, StringValue>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Echo"))
          .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
          .build();

  private EchoService() {}

  /** Answers with the request text. */
  static BindableService echo() {
    return answering(UnaryOperator.identity());
  }

  /** Answers with {@code handler}'s result; it may block or throw. */
  static BindableService answering(UnaryOperator<String> handler) {
    return () -> ServerServiceDefinition.builder(SERVICE)
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((StringValue request, StreamObserver<StringValue> out) -> {
          out.onNext(StringValue.of(handler.apply(request.getValue())));
          out.onCompleted();
        }))
        .build();
  }

  /** The same service under another name, for admin-port tests. */
  static BindableService named(String service) {
    return named(service, UnaryOperator.identity());
  }

  /** {@link #answering}, under another name. */
  static BindableService named(String service, UnaryOperator<String> handler) {
    return () -> ServerServiceDefinition.builder(service)
        .addMethod(method(service), ServerCalls.asyncUnaryCall((StringValue request, StreamObserver<StringValue> out) -> {
          out.onNext(StringValue.of(handler.apply(request.getValue())));
          out.onCompleted();
        }))
        .build();
  }

  static String call(Channel channel, String text) {
    return call(channel, ECHO, CallOptions.DEFAULT, text);
  }

  static String call(Channel channel, MethodDescriptor<StringValue, StringValue> method,
      CallOptions options, String text) {
    return ClientCalls.blockingUnaryCall(channel, method,
        options.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS), StringValue.of(text)).getValue();
  }

  static MethodDescriptor<StringValue, StringValue> method(String service) {
    return ECHO.toBuilder().setFullMethodName(MethodDescriptor.generateFullMethodName(service, "Echo")).build();
  }
}
