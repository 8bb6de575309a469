package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class KeyRateLimiterTest {
  private static final Path FILE = Path.of("api-keys");

  @Test
  void nameRemovedFromTheKeysFile_losesItsBucket_aNameKeptUnderANewKeyKeepsIt() {
    // A clock that never moves: a bucket refills only by being dropped.
    KeyRateLimiter limiter = new KeyRateLimiter(2, Set.of(), () -> 0L);
    ApiKeys both = keys("shop", "retired");
    assertTrue(limiter.tryAcquire(both, "retired") && limiter.tryAcquire(both, "retired"));
    assertFalse(limiter.tryAcquire(both, "retired"), "two calls a second");
    assertTrue(limiter.tryAcquire(both, "shop") && limiter.tryAcquire(both, "shop"));
    assertEquals(2, limiter.bucketsHeld());

    // "retired" is removed, and "shop" rotated to a new key under the same name.
    ApiKeys reloaded = ApiKeys.parse(FILE, "client " + ApiKeys.sha256Hex("new key") + " shop\n");

    assertFalse(limiter.tryAcquire(reloaded, "shop"), "the rotated key keeps the name's bucket");
    assertEquals(1, limiter.bucketsHeld(), "the bucket of the name the file no longer holds is dropped");
    assertTrue(limiter.tryAcquire(both, "retired"), "back in the file, the name starts with a full bucket");
  }

  /** A keys file of one client key per name, each key its name. */
  private static ApiKeys keys(String... names) {
    StringBuilder file = new StringBuilder();
    for (String name : names) {
      file.append("client ").append(ApiKeys.sha256Hex(name)).append(' ').append(name).append('\n');
    }
    return ApiKeys.parse(FILE, file.toString());
  }
}
