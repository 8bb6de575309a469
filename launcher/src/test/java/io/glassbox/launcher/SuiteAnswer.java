package io.glassbox.launcher;

import io.glassbox.server.RequestIds;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** A stand-in for a server of the suite on a loopback port, failing calls as the suite's do. */
final class SuiteAnswer {
  private SuiteAnswer() {}

  /** {@code services} served on a free loopback port, started. */
  static Server serve(BindableService... services) throws IOException {
    NettyServerBuilder server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    for (BindableService service : services) {
      server.addService(service);
    }
    return server.build().start();
  }

  /** A loopback port nothing listens on: one just taken free and given back. */
  static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The trailers of a call {@code server} of the suite failed (RequestIds): its name and the call's trace id. */
  static Metadata trailers(String server, String traceId) {
    Metadata trailers = new Metadata();
    trailers.put(RequestIds.HEADER, traceId);
    trailers.put(RequestIds.SERVER_HEADER, server);
    return trailers;
  }

  /** A client stream read to its end, then answered by {@code answer} (an import's, say: once every chunk is sent). */
  static <T> StreamObserver<T> answeredOnceSent(Runnable answer) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T message) {}

      @Override
      public void onError(Throwable failure) {}

      @Override
      public void onCompleted() {
        answer.run();
      }
    };
  }

  /** A server reflection that never answers nor ends a stream; {@code onCancel} runs when the client ends one. */
  static BindableService silentReflection(Runnable onCancel) {
    return new ServerReflectionGrpc.ServerReflectionImplBase() {
      @Override
      public StreamObserver<ServerReflectionRequest> serverReflectionInfo(
          StreamObserver<ServerReflectionResponse> replies) {
        ((ServerCallStreamObserver<ServerReflectionResponse>) replies).setOnCancelHandler(onCancel);
        return new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionRequest request) {}   // never answered

          @Override
          public void onError(Throwable failure) {}

          @Override
          public void onCompleted() {}
        };
      }
    };
  }
}
