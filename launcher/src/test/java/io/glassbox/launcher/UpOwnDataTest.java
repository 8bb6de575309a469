package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.feature.FeatureConfig;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.server.ConfigSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up} on a shop's own data folder: its example customers (the viewer's, the warm-up's, the
 * one {@code up} suggests trying) come from that data, not from the embedded dataset's.
 */
class UpOwnDataTest {
  @Test
  void ownDataFolder_examplesAreItsCustomersWithTheMostOrders(@TempDir Path shop) throws IOException {
    Files.writeString(shop.resolve("items.csv"), "item_id,title\nA,Mug\nB,Plate\n");
    Files.writeString(shop.resolve("interactions.csv"), "user_id,item_id,timestamp,event,basket_id\n"
        + "c1,A,2011-12-09T12:50:00Z,,o1\nc2,A,2011-12-09T12:50:00Z,,o2\nc2,B,2011-12-10T12:50:00Z,,o3\n"
        + "c3,B,2011-12-09T12:50:00Z,click,\n");
    ConfigSource own = ConfigSource.of(Map.of(FeatureConfig.DATA_DIR_KEY, shop.toString()));

    Map<String, String> examples = UpCommand.examplesFromOwnData(own);

    assertEquals(Map.of(ViewerConfig.EXAMPLE_USERS_KEY, "c2,c1"), examples);
    assertEquals("bin/glassbox recommend --user c2", UpCommand.firstCommand(own.with(examples), UpCommand.DEFAULT_GATEWAY_PORT));
  }

  @Test
  void examplesSetOrTheEmbeddedData_areLeftAsTheyAre(@TempDir Path shop) throws IOException {
    Files.writeString(shop.resolve("interactions.csv"), "user_id,item_id,timestamp\nc1,A,100\n");

    assertEquals(Map.of(), UpCommand.examplesFromOwnData(ConfigSource.of(Map.of(
        FeatureConfig.DATA_DIR_KEY, shop.toString(), ViewerConfig.EXAMPLE_USERS_KEY, "mine"))));
    assertEquals(Map.of(), UpCommand.examplesFromOwnData(ConfigSource.of(Map.of())));
    assertEquals("bin/glassbox recommend --user 12348", UpCommand.firstCommand(ConfigSource.of(Map.of()), UpCommand.DEFAULT_GATEWAY_PORT));
    // On other ports, the command that reaches them.
    assertEquals("bin/glassbox recommend --target localhost:51051 --user 12348",
        UpCommand.firstCommand(ConfigSource.of(Map.of()), 51051));
    // With GLASSBOX_GATEWAY_TARGET naming a suite elsewhere, the one just started is named too.
    assertEquals("bin/glassbox recommend --target localhost:50051 --user 12348", UpCommand.firstCommand(
        ConfigSource.of(Map.of(GatewayAddress.TARGET_VARIABLE, "gw.shop.example:50051")), UpCommand.DEFAULT_GATEWAY_PORT));
  }

  @Test
  void unreadableDataFolder_noExamplesFromIt_theFeatureServiceSaysWhatIsWrong(@TempDir Path shop) {
    assertEquals(Map.of(), UpCommand.examplesFromOwnData(ConfigSource.of(Map.of(
        FeatureConfig.DATA_DIR_KEY, shop.resolve("no-such-folder").toString()))));
  }
}
