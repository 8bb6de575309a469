package io.glassbox.feature;

import io.glassbox.server.GrpcServer;
import io.glassbox.server.RedisServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import redis.clients.jedis.JedisPooled;

/** Datasets for tests: a tiny hand-made one whose statistics are easy to work out, and the real one. */
final class TestData {
  private TestData() {}

  /** The limit the service runs with: this machine's clock, 5 minutes ahead at most. */
  static final EventTimeLimit TIME_LIMIT = EventTimeLimit.systemClock(FeatureConfig.DEFAULT_MAX_CLOCK_SKEW);

  /** A data folder's zone when none is named: its days are UTC days. */
  static final LocalTimeZone NO_ZONE = LocalTimeZone.none(LocalTimeZone.DATA_FOLDER_SETTING);

  /** The embedded UCI Online Retail folder of this checkout. */
  static Path realDataDir() {
    String root = System.getProperty("glassbox.repo.root");
    if (root == null || root.isBlank()) {
      throw new IllegalStateException("system property glassbox.repo.root is not set (surefire sets it)");
    }
    return Path.of(root, "data", "uci-online-retail");
  }

  /**
   * Items A..F (E never bought) and three users:
   * <pre>
   * u1: basket i1 at t=100: A, B, C   basket i2 at t=200: A, D
   * u2: basket i3 at t=50:  A, B, F
   * u3: basket i4 at t=10:  B, C
   * </pre>
   * Shared baskets: A-B 2, B-C 2, A-C 1, A-D 1, A-F 1, B-F 1. Purchases: A 3, B 3, C 2, D 1, F 1.
   * The rows of u1 are listed out of order to check that the store orders by (time, sequence).
   */
  static Dataset small() {
    List<Dataset.Item> items = List.of(
        item("A", "Alpha mug"), item("B", "Beta plate"), item("C", "Gamma, the bowl"),
        item("D", "Delta \"cup\""), item("E", "Epsilon spoon"), item("F", "Zeta fork"));
    List<Dataset.Interaction> interactions = List.of(
        buy("u1", "D", 200, "i2", 4), buy("u1", "A", 200, "i2", 3),
        buy("u1", "C", 100, "i1", 2), buy("u1", "A", 100, "i1", 0), buy("u1", "B", 100, "i1", 1),
        buy("u2", "A", 50, "i3", 0), buy("u2", "B", 50, "i3", 1), buy("u2", "F", 50, "i3", 2),
        buy("u3", "B", 10, "i4", 0), buy("u3", "C", 10, "i4", 1));
    return new Dataset(items, interactions);
  }

  /**
   * A shop of items P01, P02, ... where item i is bought {@code purchases[i]} times, each purchase
   * one shopper's order of it alone, and one item X never bought.
   */
  static Dataset sales(long... purchases) {
    List<Dataset.Item> items = new ArrayList<>();
    List<Dataset.Interaction> interactions = new ArrayList<>();
    items.add(item("X", "Never bought"));
    for (int i = 0; i < purchases.length; i++) {
      String id = String.format("P%02d", i + 1);
      items.add(item(id, "Product " + (i + 1)));
      for (int n = 0; n < purchases[i]; n++) {
        String order = id + "-" + n;
        interactions.add(buy("shopper-" + order, id, 100, order, 0));
      }
    }
    return new Dataset(items, interactions);
  }

  /** An in-memory store loaded with {@link #sales}. */
  static InMemoryEventStore salesStore(long... purchases) {
    InMemoryEventStore store = memoryStore();
    store.load(sales(purchases));
    return store;
  }

  /** Bounds that no test dataset reaches: 1000 events per user, a day's dedupe window. */
  static final StoreBounds ROOMY = new StoreBounds(1000, 1_000_000, 10_000_000, Duration.ofDays(1), 1_000_000);

  /** An unloaded in-memory store with {@link #ROOMY} bounds, keeping every neighbour. */
  static InMemoryEventStore memoryStore() {
    return new InMemoryEventStore(100, 200, "GBP", ROOMY, System::nanoTime);
  }

  /**
   * An unloaded Redis store on {@code uri} (a database of a {@link RedisServer}) with the same
   * settings as {@link #memoryStore()} but the given bounds; the caller closes it.
   */
  static RedisEventStore redisStore(URI uri, StoreBounds bounds) {
    return new RedisEventStore(new JedisPooled(uri, 2000), uri.toString(), 100, 200, "GBP", bounds);
  }

  /** An unloaded Redis store on {@code uri} with {@link #ROOMY} bounds; the caller closes it. */
  static RedisEventStore redisStore(URI uri) {
    return redisStore(uri, ROOMY);
  }

  /** A store loaded with {@link #small()}, keeping every neighbour and using 20 recent items. */
  static InMemoryEventStore smallStore() {
    InMemoryEventStore store = memoryStore();
    store.load(small());
    return store;
  }

  /** Both of the feature service's gRPC services on {@code store}, in-process under {@code name}, serving. */
  static GrpcServer serving(EventStore store, String name) {
    return serving(store, name, NO_ZONE);
  }

  /** As {@link #serving(EventStore, String)}, for a shop whose data folder's zone is {@code shopZone}. */
  static GrpcServer serving(EventStore store, String name, LocalTimeZone shopZone) {
    GrpcServer server = GrpcServer.inProcess("feature-service", name)
        .addService(new FeatureGrpcService(store, new CandidateRetriever(store, 20), TIME_LIMIT, shopZone))
        .addService(new FeatureAdminService(store, TIME_LIMIT, FeatureConfig.DEFAULT_IMPORT_MAX_MIB,
            FeatureAdminService.SpoolFolder.temporary(), StoreCalls.fullRefusals(), shopZone))
        .start();
    server.setServing(true);
    return server;
  }

  /**
   * Both of the feature service's gRPC services on {@code store} as FeatureMain serves them: the
   * FeatureService on {@code port}, the admin service on its own (loopback) {@code adminPort}; serving.
   */
  static GrpcServer servingOnPorts(EventStore store, int port, int adminPort) {
    GrpcServer server = GrpcServer.onPort("feature-service", port)
        .addService(new FeatureGrpcService(store, new CandidateRetriever(store, 20), TIME_LIMIT, NO_ZONE))
        .addAdminService(admin(store), adminPort)
        .start();
    server.setServing(true);
    return server;
  }

  /** The admin service on {@code store}, with the default import limit, spooling to java.io.tmpdir. */
  static FeatureAdminService admin(EventStore store) {
    return new FeatureAdminService(store, TIME_LIMIT, FeatureConfig.DEFAULT_IMPORT_MAX_MIB,
        FeatureAdminService.SpoolFolder.temporary());
  }

  /**
   * Every item of the graph with its neighbours and new-item neighbours and their counts, one
   * item a line, to compare two graphs as text: "item3: [0, 4] [1, 1] new [] []".
   */
  static String describe(CoPurchaseGraph graph) {
    StringBuilder text = new StringBuilder();
    for (int item = 0; item < graph.itemCount(); item++) {
      text.append(graph.itemIdAt(item)).append(graph.isNewItem(item) ? " (new)" : "").append(": ")
          .append(Arrays.toString(graph.neighbours(item))).append(' ')
          .append(Arrays.toString(graph.sharedBaskets(item))).append(" new ")
          .append(Arrays.toString(graph.newItemNeighbours(item))).append(' ')
          .append(Arrays.toString(graph.newItemSharedBaskets(item))).append('\n');
    }
    return text.toString();
  }

  /** An append's counts, to compare as text: "stored 1, duplicates 0". */
  static String counts(AppendResult result) {
    return "stored " + result.stored() + ", duplicates " + result.duplicates();
  }

  private static Dataset.Item item(String id, String title) {
    return new Dataset.Item(id, title, "", "", 1.5);
  }

  private static Dataset.Interaction buy(String user, String item, long time, String basket, long seq) {
    return new Dataset.Interaction(user, item, time, 0, EventType.PURCHASE, basket, seq);
  }
}
