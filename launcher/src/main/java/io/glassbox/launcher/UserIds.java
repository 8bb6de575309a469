package io.glassbox.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Real customer ids of a dataset, for the commands that call the suite as those customers. */
final class UserIds {
  /** The embedded dataset's customers, relative to the repository root. */
  static final String EMBEDDED = "data/uci-online-retail/users.csv.gz";

  private UserIds() {}

  /** The first column of a gzip CSV with a header line; fails on a file without ids. */
  static List<String> read(Path file) throws IOException {
    List<String> users = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      reader.readLine();
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        int comma = line.indexOf(',');
        users.add(comma < 0 ? line : line.substring(0, comma));
      }
    }
    if (users.isEmpty()) {
      throw new IOException(file + " holds no user ids");
    }
    return users;
  }
}
