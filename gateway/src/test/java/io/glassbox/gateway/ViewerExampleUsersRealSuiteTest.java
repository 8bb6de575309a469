package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.glassbox.api.v1.EraseUserRequest;
import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.RunningServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The viewer's example customers on the real services: one erased (right to erasure) is no longer
 * offered as a one-click example, though the configured list still names them.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ViewerExampleUsersRealSuiteTest {
  private static final int VIEWER_PORT = 55452;
  private static final RunningServers running = new RunningServers();
  private static RunningGateway gateway;
  private static RealSuiteSettings.Backends backends;

  @BeforeAll
  static void start() {
    ConfigSource base = RealSuiteSettings.base();
    backends = RealSuiteSettings.Backends.start(running, base);
    Map<String, String> settings = backends.gatewaySettings();
    settings.put(ViewerConfig.PORT_KEY, String.valueOf(VIEWER_PORT));
    settings.put(ViewerConfig.EXAMPLE_USERS_KEY, "12347,14911");
    gateway = GatewayMain.start(base.with(settings));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    running.close();
  }

  @Test
  void config_afterAnExampleCustomerIsErased_offersOnlyTheOthers() throws Exception {
    FeatureAdminGrpc.newBlockingStub(running.channel("localhost:" + backends.feature().adminPort()))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .eraseUser(EraseUserRequest.newBuilder().setUserId("12347").build());

    HttpResponse<String> reply = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(gateway.viewerUri().orElseThrow() + "api/config")).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(200, reply.statusCode(), reply.body());
    Struct.Builder config = Struct.newBuilder();
    JsonFormat.parser().merge(reply.body(), config);
    assertEquals(List.of("14911"), config.getFieldsOrThrow("exampleUsers").getListValue().getValuesList().stream()
        .map(Value::getStringValue).toList());
  }
}
