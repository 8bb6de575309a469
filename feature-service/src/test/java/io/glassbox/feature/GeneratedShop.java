package io.glassbox.feature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a data folder of a made-up shop in the documented format (items.csv:
 * {@code item_id,title}; interactions.csv: {@code user_id,item_id,timestamp,invoice_no}), large
 * enough to fill a small heap or Redis: each customer one order a day of {@code eventsPerCustomer}
 * lines, items picked by a fixed rule, so every run writes the same folder.
 */
final class GeneratedShop {
  private GeneratedShop() {}

  /** Writes the folder into {@code dir} (which must exist) and returns it. */
  static Path write(Path dir, int items, int customers, int eventsPerCustomer) {
    try (Writer out = Files.newBufferedWriter(dir.resolve("items.csv"), StandardCharsets.UTF_8)) {
      out.write("item_id,title\n");
      for (int item = 0; item < items; item++) {
        out.write("P" + item + ",Product " + item + "\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (Writer out = Files.newBufferedWriter(dir.resolve("interactions.csv"), StandardCharsets.UTF_8)) {
      out.write("user_id,item_id,timestamp,invoice_no\n");
      long start = 1_600_000_000L;
      for (int customer = 0; customer < customers; customer++) {
        for (int line = 0; line < eventsPerCustomer; line++) {
          int item = (int) ((customer * 7919L + line * 104_729L) % items);
          long day = start + (customer % 300) * 86_400L + line * 60L;
          out.write("C" + customer + ",P" + item + "," + day + ",O" + customer + "-" + (line / 4) + "\n");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }
}
