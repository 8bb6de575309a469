package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HeapRoomTest {
  /** This JVM's long-lived pool is found and read after a collection: what is held counts. */
  @Test
  void ofThisJvm_afterACollection_countsWhatIsHeld() {
    byte[] held = new byte[32 << 20];
    System.gc();

    double share = HeapRoom.ofThisJvm().inUse();

    assertTrue(share > 0 && share < HeapRoom.DEFAULT_LIMIT, "in use after a collection: " + share);
    HeapRoom.ofThisJvm().require("an event");
    assertEquals(32 << 20, held.length);
  }

  @Test
  void require_pastTheLimitOnly_refuses() {
    new HeapRoom(() -> 0.85, 0.85).require("1 event");
    StoreFullException e = assertThrows(StoreFullException.class,
        () -> new HeapRoom(() -> 0.851, 0.85).require("3 items"));
    assertTrue(e.getMessage().startsWith("the in-memory store refused 3 items: 85% of the heap's long-lived part"),
        e.getMessage());
  }
}
