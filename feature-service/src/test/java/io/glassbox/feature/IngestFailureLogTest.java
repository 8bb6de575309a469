package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.LogCapture;
import io.glassbox.server.RequestIds;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Failed IngestEvents calls log like the gateway's failed calls: while every call fails alike
 * (a store that is not ready, Redis down) the first a minute of each cause at INFO, the rest at
 * DEBUG, each under its own request id; before, each one wrote an INFO line.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IngestFailureLogTest {
  @Test
  void ingest_failingAlikeThreeTimes_logsTheFirstAtInfo_andEachUnderItsRequestIdAtDebug() throws Exception {
    String name = "ingest-failures-" + UUID.randomUUID();
    try (LogCapture logged = LogCapture.of(FeatureGrpcService.class, Level.DEBUG);
        InMemoryEventStore unloaded = TestData.memoryStore()) {
      GrpcServer server = TestData.serving(unloaded, name);
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      try {
        for (String id : List.of("call-1", "call-2", "call-3")) {
          StatusRuntimeException failed = assertThrows(StatusRuntimeException.class, () ->
              FeatureServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                  .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(requestId(id)))
                  .ingestEvents(purchase()));
          assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode());
        }
      } finally {
        channel.shutdownNow();
        server.close();
      }

      String line = "IngestEvents of 1 events failed with UNAVAILABLE: nothing was stored";
      assertEquals(List.of(Level.INFO + " " + line), levelsAndLines(logged.linesOf("call-1")));
      assertEquals(List.of(Level.DEBUG + " " + line), levelsAndLines(logged.linesOf("call-2")));
      assertEquals(List.of(Level.DEBUG + " " + line), levelsAndLines(logged.linesOf("call-3")));
    }
  }

  private static List<String> levelsAndLines(List<ILoggingEvent> lines) {
    return lines.stream().map(line -> line.getLevel() + " " + line.getFormattedMessage()).toList();
  }

  private static Metadata requestId(String id) {
    Metadata headers = new Metadata();
    headers.put(RequestIds.HEADER, id);
    return headers;
  }

  private static IngestEventsRequest purchase() {
    return IngestEventsRequest.newBuilder().addEvents(UserEvent.newBuilder()
        .setUserId("someone").setEventId("e-1")
        .setEvent(Event.newBuilder().setItemId("A").setEventType("purchase")
            .setTime(Timestamp.newBuilder().setSeconds(1_700_000_000L))))
        .build();
  }
}
