package io.glassbox.gateway;

import com.google.protobuf.ByteString;
import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.ImportChunk;
import io.glassbox.api.v1.ImportResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Imports items into a running feature service through its admin port, as {@code bin/glassbox import} does. */
final class ItemsImport {
  private ItemsImport() {}

  /** Sends {@code csv} (an items file, header first) in one chunk; the feature service's answer. */
  static ImportResponse importItems(Channel admin, String csv) throws Exception {
    CompletableFuture<ImportResponse> done = new CompletableFuture<>();
    StreamObserver<ImportChunk> chunks = FeatureAdminGrpc.newStub(admin).withDeadlineAfter(30, TimeUnit.SECONDS)
        .importItems(new StreamObserver<>() {
          @Override
          public void onNext(ImportResponse response) {
            done.complete(response);
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    chunks.onNext(ImportChunk.newBuilder().setCsv(ByteString.copyFrom(csv, StandardCharsets.UTF_8)).build());
    chunks.onCompleted();
    return done.get(30, TimeUnit.SECONDS);
  }
}
