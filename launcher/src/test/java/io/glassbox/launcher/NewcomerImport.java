package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Imports, through {@code bin/glassbox import} against a running suite's feature admin port, two
 * items the shipped model has never seen (a lantern and its stand), twenty other shoppers' orders
 * holding both, and a shopper who bought 85123A and then the lantern: the stand is then a
 * co-purchase candidate of the shopper's that the model cannot score, a newcomer.
 *
 * @param lantern the lantern's id ("PREFIX-LANTERN", titled "PREFIX GLASS LANTERN")
 * @param stand the stand's id ("PREFIX-STAND", titled "PREFIX LANTERN STAND", 2.10)
 */
record NewcomerImport(String lantern, String stand) {
  static final int ORDERS_WITH_BOTH = 20;

  static NewcomerImport run(Suite suite, Path dir, String prefix, String shopper) throws IOException {
    NewcomerImport imported = new NewcomerImport(prefix + "-LANTERN", prefix + "-STAND");
    Path items = Files.writeString(dir.resolve(prefix + "-items.csv"), "item_id,title,price\n"
        + imported.lantern() + "," + prefix + " GLASS LANTERN,4.95\n"
        + imported.stand() + "," + prefix + " LANTERN STAND,2.10\n");
    StringBuilder interactions = new StringBuilder("user_id,item_id,timestamp,basket_id\n");
    for (int order = 0; order < ORDERS_WITH_BOTH; order++) {
      for (String item : new String[] {imported.lantern(), imported.stand()}) {
        interactions.append(prefix).append("-buyer-").append(order).append(',').append(item)
            .append(",2011-12-08T10:00:00Z,").append(prefix).append("-order-").append(order).append('\n');
      }
    }
    interactions.append(shopper).append(",85123A,2011-12-01T10:00:00Z,").append(shopper).append("-1\n");
    interactions.append(shopper).append(',').append(imported.lantern()).append(",2011-12-09T10:00:00Z,")
        .append(shopper).append("-2\n");
    CliRun run = CliRun.of("import", "--target", "localhost:" + suite.ports().featureAdmin(),
        "--items", items.toString(),
        "--interactions", Files.writeString(dir.resolve(prefix + "-interactions.csv"), interactions).toString());
    assertEquals(0, run.exit(), run.err());
    return imported;
  }
}
