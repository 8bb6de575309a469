package io.glassbox.server;

import static java.util.Objects.requireNonNull;

/**
 * An accepted API key, as the keys file describes it: never the key itself, only its role and a
 * name for logs and rate limits.
 *
 * @param name who holds the key, e.g. {@code gateway} or {@code shop-backend}
 * @param role what the key may call
 */
public record ApiKey(String name, Role role) {
  public ApiKey {
    requireNonNull(name, "name");
    requireNonNull(role, "role");
  }
}
