package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** Malformed bytes, oversize requests and overlong error messages, over real HTTP/2. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CallGuardTest {
  /** The echo method, but sending raw bytes instead of a StringValue. */
  private static final MethodDescriptor<byte[], byte[]> RAW_ECHO = EchoService.ECHO.toBuilder(
      new BytesMarshaller(), new BytesMarshaller()).build();

  private final Closer closer = new Closer();
  private GrpcServer server;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  @Test
  void malformedRequestBytes_areInvalidArgument_neverUnknown() {
    start();
    // Field 1, wire type 2 (a string) claiming 100 bytes that never come.
    byte[] truncated = {0x0a, 0x64, 'a', 'b'};
    // A group end tag without a start.
    byte[] badTag = {0x0c};

    for (byte[] bytes : List.of(truncated, badTag)) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> raw(bytes));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertEquals("the request is not a valid message for test.Echo/Echo", e.getStatus().getDescription());
    }
    assertEquals("en-US", EchoService.call(channel, "en-US"));
  }

  @Test
  void requestOverTheMessageLimit_isResourceExhausted_beforeTheServiceSeesIt_andLogsNoTrace() {
    start();
    byte[] huge = new byte[MessageLimits.MAX_MESSAGE_BYTES + 1];
    // gRPC logs the refusal (a 35-line WARN trace each time) before it sends the status.
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    root.addAppender(logged);

    StatusRuntimeException e;
    try {
      e = assertThrows(StatusRuntimeException.class, () -> raw(huge));
    } finally {
      root.detachAppender(logged);
    }

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals(List.of(), logged.list.stream().filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
        .map(ILoggingEvent::getFormattedMessage).toList());
    assertEquals("en-US", EchoService.call(channel, "en-US"));
  }

  @Test
  void errorEchoingAHugeInput_reachesTheClientTruncated() {
    start();
    String locale = "x".repeat(64 * 1024);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> EchoService.call(channel, locale));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String description = e.getStatus().getDescription();
    assertTrue(description.startsWith("locale must be en-US or zh-CN, or another tag")
        && description.contains(", got \"xxx"), description);
    assertTrue(description.length() < Descriptions.MAX_DESCRIPTION_CHARS + 40, "length " + description.length());
  }

  @Test
  void serviceDescriptionsOverTheLimit_areCut() {
    String longMessage = "y".repeat(20_000);
    server = GrpcServer.onPort("guard", 0).addService(EchoService.answering(text -> {
      throw RequestChecks.invalid(longMessage);
    })).start();
    closer.add(server);
    channel = ClientChannels.forTarget("127.0.0.1:" + server.port());
    closer.add(channel::shutdownNow);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> EchoService.call(channel, "x"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().endsWith("... (20000 characters)"));
  }

  private void start() {
    server = GrpcServer.onPort("guard", 0)
        .addService(EchoService.answering(text -> RequestChecks.locale("locale", text).toString()))
        .start();
    closer.add(server);
    channel = ClientChannels.forTarget("127.0.0.1:" + server.port());
    closer.add(channel::shutdownNow);
  }

  private byte[] raw(byte[] bytes) {
    return ClientCalls.blockingUnaryCall(channel, RAW_ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), bytes);
  }

  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
