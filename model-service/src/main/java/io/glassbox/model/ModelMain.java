package io.glassbox.model;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import io.glassbox.server.ServiceStartup;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the model-service on its own, or (through {@link #start}) inside the launcher. */
public final class ModelMain {
  private static final Logger log = LoggerFactory.getLogger(ModelMain.class);
  static final String SERVER_NAME = "model-service";
  /** What stops this service at start for the operator to fix, besides a bad setting or a taken port. */
  public static final List<Class<? extends RuntimeException>> SETUP_MISTAKES =
      List.of(ModelVersionNotFoundException.class, ModelLoadException.class);

  private ModelMain() {}

  public static void main(String[] args) throws InterruptedException {
    ServiceStartup.exitOnFailure(serve());
  }

  /**
   * Serves on the GLASSBOX_* environment until SIGTERM and drains: 0. A setup mistake (a setting
   * that does not parse, a port in use, a model version that is not there or cannot be loaded) is
   * one ERROR line and 1.
   */
  public static int serve() throws InterruptedException {
    return ServiceStartup.serve(SERVER_NAME, () -> start(ConfigSource.fromEnvironment()).serveUntilShutdown(),
        SETUP_MISTAKES);
  }

  /**
   * Starts the server NOT_SERVING, loads the configured model version, then marks it SERVING.
   * Fails (with the server closed) if the configuration is bad or the model cannot be loaded.
   */
  public static GrpcServer start(ConfigSource source) {
    ModelConfig config = ModelConfig.load(source);
    return start(config, GrpcServer.onPort(SERVER_NAME, config.port(),
        ServerSettings.load(source, ModelConfig.DEFAULT_METRICS_PORT))
        .portSetting(ModelConfig.PORT_KEY).adminPortSetting(ModelConfig.ADMIN_PORT_KEY));
  }

  /** As {@link #start(ConfigSource)}, on a server the caller chose (e.g. in-process in tests). */
  static GrpcServer start(ModelConfig config, GrpcServer.Builder builder) {
    Injector injector = Guice.createInjector(new ModelModule(config));
    ModelRegistry registry = injector.getInstance(ModelRegistry.class);
    injector.getInstance(InferenceEngine.class).registerMetrics(builder.metricsRegistry());
    new ModelInfoMetric(registry).register(builder.metricsRegistry());
    ModelAdminGrpcService admin = injector.getInstance(ModelAdminGrpcService.class);
    admin.registerMetrics(builder.metricsRegistry());
    if (config.batching()) {
      // Score only queues the call and is answered by the batching worker; the other calls of
      // the main port (model info, health, reflection) are quick.
      builder.nonBlockingHandlers();
    }
    GrpcServer server = builder.addService(injector.getInstance(ModelGrpcService.class))
        .addAdminService(admin, config.adminPort())
        .closeAfterDrain(registry)
        .closeAfterDrain(injector.getInstance(InferenceEngine.class))
        .start();
    try {
      LoadedModel model = registry.loadConfiguredVersion();
      log.info("serving model {} version {} on {}{}; serving engine {}", model.modelName(),
          model.version(), model.device(), model.executionProviderFallback().isEmpty() ? ""
              : " (fallback: " + model.executionProviderFallback() + ")",
          injector.getInstance(InferenceEngine.class).settings());
      server.setServing(true);
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }
}
