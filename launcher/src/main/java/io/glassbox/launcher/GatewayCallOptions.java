package io.glassbox.launcher;

import java.nio.file.Path;
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
}
