package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.util.concurrent.SettableFuture;
import io.grpc.Context;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class RequestIdsTest {
  /**
   * A dependency's future completed on a bare thread (a deadline's timer, where no MDC is set)
   * runs a callback added through {@link RequestIds#directInMdc()} under the call's request id,
   * and leaves that thread's MDC as it found it.
   */
  @Test
  void directInMdc_aFutureCompletedOnABareThread_runsItsCallbackUnderTheCallsRequestId() throws Exception {
    Executor inMdc = Context.current().withValue(RequestIds.CONTEXT, "call-7").call(RequestIds::directInMdc);
    SettableFuture<String> answer = SettableFuture.create();
    AtomicReference<String> inCallback = new AtomicReference<>("not run");
    AtomicReference<String> afterwards = new AtomicReference<>("not run");
    answer.addListener(() -> inCallback.set(MDC.get(RequestIds.MDC_KEY)), inMdc);
    Thread timer = new Thread(() -> {
      answer.set("done");
      afterwards.set(MDC.get(RequestIds.MDC_KEY));
    });
    timer.start();
    timer.join();

    assertEquals("call-7", inCallback.get());
    assertNull(afterwards.get());
  }

  /**
   * A client's own id is one a server takes as it is: anything else would be replaced there, and
   * the id the client says would find nothing in the server's log.
   */
  @Test
  void withId_anIdAServerTakes_isTheContextsId_anyOtherIsRefused() {
    assertEquals("cli-1:2.a_b", RequestIds.of(RequestIds.withId("cli-1:2.a_b")));
    assertThrows(IllegalArgumentException.class, () -> RequestIds.withId("has space"));
    assertThrows(IllegalArgumentException.class, () -> RequestIds.withId(""));
    assertThrows(IllegalArgumentException.class, () -> RequestIds.withId("x".repeat(65)));
  }
}
