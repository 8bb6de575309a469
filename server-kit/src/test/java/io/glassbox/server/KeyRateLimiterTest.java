package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
    assertTrue(allowed(limiter, both, "retired") && allowed(limiter, both, "retired"));
    assertFalse(allowed(limiter, both, "retired"), "two calls a second");
    assertTrue(allowed(limiter, both, "shop") && allowed(limiter, both, "shop"));
    assertEquals(2, limiter.bucketsHeld());

    // "retired" is removed, and "shop" rotated to a new key under the same name.
    ApiKeys reloaded = ApiKeys.parse(FILE, "client " + ApiKeys.sha256Hex("new key") + " shop\n");

    assertFalse(allowed(limiter, reloaded, "shop"), "the rotated key keeps the name's bucket");
    assertEquals(1, limiter.bucketsHeld(), "the bucket of the name the file no longer holds is dropped");
    assertTrue(allowed(limiter, both, "retired"), "back in the file, the name starts with a full bucket");
  }

  /** A refused caller is told when to come back: the time until its bucket holds a call again, no guess. */
  @Test
  void emptyBucket_tellsTheTimeUntilItAllowsACallAgain() {
    AtomicLong now = new AtomicLong();
    KeyRateLimiter limiter = new KeyRateLimiter(4, Set.of(), now::get);
    ApiKeys shop = keys("shop");
    for (int i = 0; i < 4; i++) {
      assertEquals(0, limiter.acquire(shop, "shop"), "call " + i + " of the burst");
    }

    assertEquals(250_000_000L, limiter.acquire(shop, "shop"), "one call each 250 ms at 4 a second");
    now.set(125_000_000L);
    assertEquals(125_000_000L, limiter.acquire(shop, "shop"), "half a call refilled, half to wait");
    now.set(250_000_000L);
    assertEquals(0, limiter.acquire(shop, "shop"));
  }

  /**
   * A key idle for hours starts again with a full bucket: the refill once multiplied the idle
   * nanoseconds by the rate as a long, which overflowed (after 2.6 h at 1,000,000 a second, 26 h at
   * 100,000) and refused the key for hours.
   */
  @Test
  void keyIdleForHours_hasAFullBucketAgain() {
    assertFullBucketAfterIdle(1_000_000, TimeUnit.HOURS.toNanos(3));
    assertFullBucketAfterIdle(100_000, TimeUnit.HOURS.toNanos(30));
  }

  private static void assertFullBucketAfterIdle(int perSecond, long idleNanos) {
    AtomicLong now = new AtomicLong();
    KeyRateLimiter limiter = new KeyRateLimiter(perSecond, Set.of(), now::get);
    ApiKeys shop = keys("shop");
    for (int i = 0; i < perSecond; i++) {
      limiter.acquire(shop, "shop");
    }
    assertTrue(limiter.acquire(shop, "shop") > 0, "the burst emptied the bucket");

    now.set(idleNanos);
    for (int i = 0; i < perSecond; i++) {
      assertEquals(0, limiter.acquire(shop, "shop"), "call " + i + " after the idle time, at " + perSecond + " a second");
    }
    assertTrue(limiter.acquire(shop, "shop") > 0, "bursts of one second's worth still");
  }

  private static boolean allowed(KeyRateLimiter limiter, ApiKeys keys, String name) {
    return limiter.acquire(keys, name) == 0;
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
