package io.glassbox.model;

import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The model service as {@code ModelMain} starts it, on real free ports, serving the toy model on CPU. */
final class ToyModelMain {
  private ToyModelMain() {}

  /** Started with the newest toy version under {@code modelDirectory}; close it when done. */
  static GrpcServer start(Path modelDirectory) {
    return ModelMain.start(ConfigSource.of(settings(modelDirectory)));
  }

  /** Started with toy version {@code version} under {@code modelDirectory}; close it when done. */
  static GrpcServer start(Path modelDirectory, String version) {
    return start(modelDirectory, version, Map.of());
  }

  /** {@link #start(Path, String)} with {@code moreSettings} too. */
  static GrpcServer start(Path modelDirectory, String version, Map<String, String> moreSettings) {
    Map<String, String> settings = new HashMap<>(settings(modelDirectory));
    settings.put(ModelConfig.VERSION_KEY, version);
    settings.putAll(moreSettings);
    return ModelMain.start(ConfigSource.of(settings));
  }

  private static Map<String, String> settings(Path modelDirectory) {
    return Map.of(
        ModelConfig.PORT_KEY, "0", ModelConfig.ADMIN_PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
        ModelConfig.DIRECTORY_KEY, modelDirectory.toString(), ModelConfig.NAME_KEY, ModelFolders.TOY_NAME,
        ModelConfig.PROVIDER_KEY, "cpu");
  }

  /** A plaintext channel to {@code port} on this machine; the caller shuts it down. */
  static ManagedChannel channelTo(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }
}
