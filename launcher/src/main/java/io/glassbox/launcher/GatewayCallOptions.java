package io.glassbox.launcher;

import io.glassbox.server.ConfigSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** What the measuring commands ({@code bench}, {@code load}) share: where to call, as whom, for how many items. */
final class GatewayCallOptions {
  @Option(names = "--target", converter = TargetConverter.class,
      defaultValue = GatewayAddress.DEFAULT_TARGET, description = GatewayAddress.TARGET_DESCRIPTION)
  String target;

  @Option(names = "--limit", defaultValue = "10", converter = UserCallOptions.LimitConverter.class,
      description = "Items per call, 1.." + UserCallOptions.MAX_LIMIT + " (default ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--users",
      description = UserIds.FILE_FORMAT + " (default: " + UserIds.SERVED_DEFAULT + ").")
  Path usersFile;

  /**
   * The settings the default customers' data folder, the channel's key and TLS files and a failed
   * call's hint are read from: got once when the command runs (picocli makes every command to build
   * the command line: a settings file read here would fail them all, even --help); a test names its own.
   */
  Supplier<ConfigSource> settings = ConfigSource::fromEnvironment;

  /** The customers to call as: those of --users, or else of the data folder {@code settings} name. */
  UserIds.Drawn drawnCustomers(ConfigSource settings) throws IOException {
    return UserIds.of(usersFile, settings);
  }
}
