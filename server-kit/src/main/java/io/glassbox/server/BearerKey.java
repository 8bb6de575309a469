package io.glassbox.server;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Call credentials presenting an API key as {@code authorization: Bearer <key>}: the key
 * {@code key} gives when the call starts, so a key file read again is presented from then on.
 */
public final class BearerKey extends CallCredentials {
  private final Supplier<String> key;

  public BearerKey(Supplier<String> key) {
    this.key = java.util.Objects.requireNonNull(key, "key");
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor appExecutor, MetadataApplier applier) {
    try {
      Metadata headers = new Metadata();
      headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + key.get());
      applier.apply(headers);
    } catch (RuntimeException e) {
      applier.fail(Status.UNAUTHENTICATED.withDescription("the API key cannot be sent").withCause(e));
    }
  }
}
