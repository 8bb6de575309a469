package io.glassbox.feature;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the feature-service: serves gRPC at once (NOT_SERVING), loads the data, then SERVING.
 * The {@code FeatureAdmin} service gets its own server on a loopback port, closed after the main
 * server has drained.
 */
public final class FeatureMain {
  private static final Logger log = LoggerFactory.getLogger(FeatureMain.class);
  static final String SERVER_NAME = "feature-service";
  static final String ADMIN_SERVER_NAME = "feature-admin";

  private FeatureMain() {}

  public static void main(String[] args) throws InterruptedException {
    start(ConfigSource.fromEnvironment()).serveUntilShutdown();
  }

  /**
   * The feature-service's two servers: {@code api} (FeatureService) and {@code admin}
   * (FeatureAdmin, loopback). Closing {@code api} drains it, then closes {@code admin} and the store.
   */
  public record Servers(GrpcServer api, GrpcServer admin) {}

  /** Starts on the configured ports and returns once the data is loaded and health is SERVING. */
  public static GrpcServer start(ConfigSource source) {
    return startServers(source).api();
  }

  /** As {@link #start}, also giving the admin server (whose port may have been picked freely). */
  public static Servers startServers(ConfigSource source) {
    FeatureConfig config = FeatureConfig.load(source);
    Injector injector = Guice.createInjector(new FeatureModule(config), storeModule(config.store()));
    EventStore store = injector.getInstance(EventStore.class);
    GrpcServer admin;
    try {
      admin = GrpcServer.onLoopbackPort(ADMIN_SERVER_NAME, config.adminPort())
          .addService(injector.getInstance(FeatureAdminService.class))
          .start();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    GrpcServer server;
    try {
      server = GrpcServer.onPort(SERVER_NAME, config.port())
          .addService(injector.getInstance(FeatureGrpcService.class))
          .closeAfterDrain(admin)
          .closeAfterDrain(store)
          .start();
    } catch (RuntimeException e) {
      admin.close();
      store.close();
      throw e;
    }
    try {
      load(injector);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    admin.setServing(true);
    server.setServing(true);
    return new Servers(server, admin);
  }

  static Module storeModule(StoreKind kind) {
    return switch (kind) {
      case MEMORY -> new InMemoryStoreModule();
      case REDIS -> new RedisStoreModule();
    };
  }

  /** Reads the dataset and hands it to the store; synchronous so readiness is truthful. */
  static void load(Injector injector) {
    long started = System.nanoTime();
    FeatureConfig config = injector.getInstance(FeatureConfig.class);
    Dataset dataset = injector.getInstance(DatasetReader.class).read();
    injector.getInstance(EventStore.class).load(dataset);
    log.info("Dataset {} ready in {} ms on the {} store", config.dataDir(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        config.store().name().toLowerCase(java.util.Locale.ROOT));
  }
}
