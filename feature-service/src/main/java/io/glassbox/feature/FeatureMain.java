package io.glassbox.feature;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import io.glassbox.server.ServiceStartup;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the feature-service: serves gRPC at once (NOT_SERVING), loads the data, then SERVING
 * while the store answers (see {@link StoreReadiness}).
 * The {@code FeatureAdmin} service answers on the admin port (loopback by default), closed with
 * the main server.
 */
public final class FeatureMain {
  private static final Logger log = LoggerFactory.getLogger(FeatureMain.class);
  static final String SERVER_NAME = "feature-service";
  /** Where Prometheus scrapes the feature service unless GLASSBOX_METRICS_PORT says otherwise. */
  public static final int DEFAULT_METRICS_PORT = 9452;
  /** What stops this service at start for the operator to fix, besides a bad setting or a taken port. */
  public static final List<Class<? extends RuntimeException>> SETUP_MISTAKES =
      List.of(DatasetException.class, StoreUnavailableException.class, StoreFullException.class);

  private FeatureMain() {}

  public static void main(String[] args) throws InterruptedException {
    ServiceStartup.exitOnFailure(serve());
  }

  /**
   * Serves on the GLASSBOX_* environment until SIGTERM and drains: 0. A setup mistake (a setting
   * that does not parse, a port in use, a data folder that is missing or malformed, a Redis that
   * cannot be reached, a Redis whose maxmemory the seed reached) is one ERROR line and 1.
   */
  public static int serve() throws InterruptedException {
    return ServiceStartup.serve(SERVER_NAME, () -> start(ConfigSource.fromEnvironment()).serveUntilShutdown(),
        SETUP_MISTAKES);
  }

  /**
   * Starts on the configured ports (FeatureService, and FeatureAdmin on the admin port) and
   * returns once the data is loaded and health is SERVING. Closing the server drains it, then
   * closes the store.
   */
  public static GrpcServer start(ConfigSource source) {
    FeatureConfig config = FeatureConfig.load(source);
    UnusedRedisSettings.warning(source, config.store()).ifPresent(log::warn);
    Injector injector = Guice.createInjector(new FeatureModule(config), storeModule(config.store()));
    EventStore store = injector.getInstance(EventStore.class);
    StoreReadiness storeReadiness = new StoreReadiness(injector.getInstance(StorePing.class), StoreReadiness.INTERVAL);
    FeatureGrpcService features = injector.getInstance(FeatureGrpcService.class);
    GrpcServer server;
    try {
      server = GrpcServer.onPort(SERVER_NAME, config.port(),
              ServerSettings.load(source, DEFAULT_METRICS_PORT))
          .portSetting(FeatureConfig.PORT_KEY).adminPortSetting(FeatureConfig.ADMIN_PORT_KEY)
          .addService(features)
          .addAdminService(injector.getInstance(FeatureAdminService.class), config.adminPort())
          .closeAfterDrain(store)
          // Closed before the store: no ping of a closed store.
          .closeAfterDrain(storeReadiness)
          // First of all: readiness would otherwise wait for its ping thread to finish a re-seed.
          .closeAfterDrain(store::stopSeeding)
          .start();
    } catch (RuntimeException e) {
      storeReadiness.close();
      store.close();
      throw e;
    }
    features.registerMetrics(server.metrics());
    if (store instanceof InMemoryEventStore memory) {
      new EvictedUsersMetric(memory).register(server.metrics());
    }
    // The server's own shutdown hook comes only with serveUntilShutdown, after this returns; until
    // then a SIGTERM would end the JVM mid-seed with the seed lock held, and other replicas
    // sharing Redis would wait for its expiry. Closing the store stops the seed and releases it.
    Thread closeStoreAtShutdown = new Thread(store::close, SERVER_NAME + "-load-shutdown");
    Runtime.getRuntime().addShutdownHook(closeStoreAtShutdown);
    try {
      load(injector);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    } finally {
      removeShutdownHook(closeStoreAtShutdown);
    }
    server.setServing(true);
    storeReadiness.start(server);
    return server;
  }

  private static void removeShutdownHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs or has run; nothing to remove.
    }
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
    injector.getInstance(EventStore.class).load(injector.getInstance(DatasetReader.class)::read);
    log.info("Dataset {} ready in {} ms on the {} store", config.dataDir(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        config.store().name().toLowerCase(java.util.Locale.ROOT));
  }
}
