package io.glassbox.server;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.Executor;

/** Call credentials presenting an API key as {@code authorization: Bearer <key>}. */
public final class BearerKey extends CallCredentials {
  private final String key;

  public BearerKey(String key) {
    this.key = java.util.Objects.requireNonNull(key, "key");
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor appExecutor, MetadataApplier applier) {
    try {
      Metadata headers = new Metadata();
      headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + key);
      applier.apply(headers);
    } catch (RuntimeException e) {
      applier.fail(Status.UNAUTHENTICATED.withDescription("the API key cannot be sent").withCause(e));
    }
  }
}
