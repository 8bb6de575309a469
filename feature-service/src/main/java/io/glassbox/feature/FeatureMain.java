package io.glassbox.feature;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the feature-service: serves gRPC at once (NOT_SERVING), loads the data, then SERVING. */
public final class FeatureMain {
  private static final Logger log = LoggerFactory.getLogger(FeatureMain.class);
  static final String SERVER_NAME = "feature-service";
  /** Where Prometheus scrapes the feature service unless GLASSBOX_METRICS_PORT says otherwise. */
  public static final int DEFAULT_METRICS_PORT = 9452;

  private FeatureMain() {}

  public static void main(String[] args) throws InterruptedException {
    start(ConfigSource.fromEnvironment()).serveUntilShutdown();
  }

  /** Starts on the configured port and returns once the data is loaded and health is SERVING. */
  public static GrpcServer start(ConfigSource source) {
    FeatureConfig config = FeatureConfig.load(source);
    Injector injector = Guice.createInjector(new FeatureModule(config));
    GrpcServer server = GrpcServer.onPort(SERVER_NAME, config.port(),
            ServerSettings.load(source, DEFAULT_METRICS_PORT))
        .addService(injector.getInstance(FeatureGrpcService.class))
        .start();
    try {
      load(injector);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    server.setServing(true);
    return server;
  }

  /** Reads the dataset and hands it to the store; synchronous so readiness is truthful. */
  static void load(Injector injector) {
    long started = System.nanoTime();
    Dataset dataset = injector.getInstance(DatasetReader.class).read();
    injector.getInstance(InMemoryEventStore.class).load(dataset);
    log.info("Dataset {} ready in {} ms", injector.getInstance(FeatureConfig.class).dataDir(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }
}
