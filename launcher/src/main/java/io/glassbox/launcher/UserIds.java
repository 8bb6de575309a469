package io.glassbox.launcher;

import io.glassbox.feature.DatasetException;
import io.glassbox.feature.DatasetReader;
import io.glassbox.feature.FeatureConfig;
import io.glassbox.server.ConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Supplier;

/** Real customer ids of a dataset, for the commands that call the suite as those customers. */
final class UserIds {
  /** The embedded dataset's customers, relative to the installation's root. */
  static final String EMBEDDED = "data/uci-online-retail/users.csv.gz";

  /** How the commands' help describes a file of customers. */
  static final String FILE_FORMAT = "Customers (gzip when named .gz): one user id a line, or a CSV whose header"
      + " names a user_id column";

  private UserIds() {}

  /** How the commands' help names the default customers: those of the data the suite serves. */
  static final String SERVED_DEFAULT = "the customers of the data folder " + FeatureConfig.DATA_DIR_KEY
      + " names (users.csv[.gz], else interactions.csv[.gz]), else of the embedded dataset";

  /** Customers to call the suite as, and where they came from ({@code origin}, said in the output). */
  record Drawn(List<String> users, String origin) {}

  /**
   * The customers listed in {@code file}; when it is null, those of the data folder the settings
   * name ({@value FeatureConfig#DATA_DIR_KEY}, default the embedded data), as the suite those
   * settings start serves: the embedded dataset's customers are nobody in a shop's own data.
   */
  static Drawn of(Path file, ConfigSource settings) throws IOException {
    if (file != null) {
      return new Drawn(read(file), file.toString());
    }
    Path folder = FeatureConfig.dataDir(settings);
    String origin = settings.get(FeatureConfig.DATA_DIR_KEY).isPresent()
        ? "the data folder " + folder + " (" + FeatureConfig.DATA_DIR_KEY + ")" : "the embedded data " + folder;
    return new Drawn(ofDataFolder(folder), origin);
  }

  /**
   * The first {@code count} of {@code users} after a shuffle seeded with {@code seed}: for the
   * same list and seed, the same customers ({@code evaluate-explanations} and {@code insights}
   * draw alike).
   */
  static List<String> sample(List<String> users, int count, long seed) {
    List<String> shuffled = new ArrayList<>(users);
    Collections.shuffle(shuffled, new Random(seed));
    return List.copyOf(shuffled.subList(0, Math.min(count, shuffled.size())));
  }

  /**
   * The ids of a list of customers, read as {@link DatasetReader#listedUserIds} reads them. Fails on
   * a file without ids.
   */
  static List<String> read(Path file) throws IOException {
    Path readable = CliFiles.readable(file);
    return idsOf(readable, () -> DatasetReader.listedUserIds(readable));
  }

  /**
   * The customers of a dataset folder (the layout the feature service reads): its
   * {@code users.csv[.gz]} when it has one, else every distinct {@code user_id} of
   * {@code interactions.csv[.gz]} in file order.
   */
  static List<String> ofDataFolder(Path dir) throws IOException {
    Optional<Path> users = oneOf(dir, "users.csv");
    if (users.isPresent()) {
      return read(users.get());
    }
    Optional<Path> interactions = oneOf(dir, "interactions.csv");
    if (interactions.isPresent()) {
      return idsOf(interactions.get(), () -> new DatasetReader(dir).userIds());
    }
    // A relative GLASSBOX_DATA_DIR is read from the working directory: say the way round it too.
    throw new IOException(dir.toAbsolutePath() + " holds neither users.csv[.gz] nor interactions.csv[.gz]:"
        + " name a folder that does in " + FeatureConfig.DATA_DIR_KEY + " (relative to the working directory), or name customers with"
        + " --users FILE (bench, load) or --users-file FILE (insights, evaluate-explanations)");
  }

  /**
   * {@code name} or {@code name.gz} in {@code dir}, whichever is there; both is refused, as the
   * feature service refuses them, by its own rule (either may be the stale one).
   */
  private static Optional<Path> oneOf(Path dir, String name) throws IOException {
    try {
      Path file = DatasetReader.dataFile(dir, name + ".gz");
      return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    } catch (DatasetException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * The ids {@code reading} reads from {@code file}, with its failures as the launcher reports a
   * file it cannot read; fails when it holds none.
   */
  private static List<String> idsOf(Path file, Supplier<List<String>> reading) throws IOException {
    List<String> users;
    try {
      users = reading.get();
    } catch (DatasetException e) {
      throw new IOException(e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw new IOException(e.getMessage(), e.getCause());
    }
    if (users.isEmpty()) {
      throw new IOException(file + " holds no user ids");
    }
    return users;
  }
}
