package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every environment variable the suite reads, of all its services, the launcher ({@code bin/glassbox}
 * and its logging) and the Docker Compose files together: one ConfigMap or shell serves them all, so a
 * name one service does not read is still no mistake. A name starting with {@code GLASSBOX_} that is
 * not here is one (a typo, a name of an older release), and {@link #unknownIn} says so instead of the
 * setting being silently ignored. The launcher's {@code SettingNamesTest} fails when a source reads a
 * name missing here, or this names one no source reads.
 */
public final class SettingNames {
  private static final Logger log = LoggerFactory.getLogger(SettingNames.class);
  /** The prefix every setting of the suite starts with. */
  public static final String PREFIX = "GLASSBOX_";
  /** The most edits (insertions, deletions, substitutions) a name may be from a setting to be offered it. */
  static final int MOST_EDITS_SUGGESTED = 2;

  /**
   * Read by the services and the launcher; also {@code GLASSBOX_JAVA_OPTS} (bin/glassbox),
   * {@code GLASSBOX_LOG_LEVEL} (logback.xml), {@code GLASSBOX_SHOP_*} (docker-compose.own-shop.yml) and
   * the CI scripts' base ports ({@code GLASSBOX_SMOKE_BASE_PORT}, {@code GLASSBOX_OWN_SHOP_BASE_PORT}),
   * which they pass on to {@code bin/glassbox up} with the rest of the environment, and
   * {@code GLASSBOX_BUILD_COMMIT}, which the build reads (server-kit/build-info.sh; the images' build
   * argument), so a shell that sets it for a build is not told it is no setting.
   */
  public static final Set<String> ALL = Set.of(
      "GLASSBOX_ADMIN_BIND_ADDRESS",
      "GLASSBOX_API_KEYS_FILE",
      "GLASSBOX_BIND_ADDRESS",
      "GLASSBOX_BUILD_COMMIT",
      "GLASSBOX_CLIENT_KEY_FILE",
      "GLASSBOX_CONFIG_FILE",
      "GLASSBOX_DATA_DIR",
      "GLASSBOX_DATA_TIME_ZONE",
      "GLASSBOX_DEFAULT_DEADLINE",
      "GLASSBOX_EXECUTION_PROVIDER",
      "GLASSBOX_EXPLAIN_DEPENDENCY_TIMEOUT",
      "GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY",
      "GLASSBOX_EXPLAIN_MIN_RANK_DROP",
      "GLASSBOX_EXPLAIN_PORT",
      "GLASSBOX_EXPLAIN_TARGET",
      "GLASSBOX_EXPLAIN_TIMEOUT",
      "GLASSBOX_FEATURE_ADMIN_PORT",
      "GLASSBOX_FEATURE_ADMIN_TARGET",
      "GLASSBOX_FEATURE_CO_PURCHASE_NEIGHBOURS",
      "GLASSBOX_FEATURE_CURRENCY",
      "GLASSBOX_FEATURE_DEDUPE_MAX_IDS",
      "GLASSBOX_FEATURE_DEDUPE_WINDOW",
      "GLASSBOX_FEATURE_IMPORT_MAX_MIB",
      "GLASSBOX_FEATURE_MAX_BASKET_SIZE",
      "GLASSBOX_FEATURE_MAX_CLOCK_SKEW",
      "GLASSBOX_FEATURE_MAX_EVENTS",
      "GLASSBOX_FEATURE_MAX_EVENTS_PER_USER",
      "GLASSBOX_FEATURE_MAX_USERS",
      "GLASSBOX_FEATURE_PORT",
      "GLASSBOX_FEATURE_RECENT_ITEMS",
      "GLASSBOX_FEATURE_STORE",
      "GLASSBOX_FEATURE_TARGET",
      "GLASSBOX_GATEWAY_BUY_AGAIN_MIN_BASKETS",
      "GLASSBOX_GATEWAY_BUY_AGAIN_SLOTS",
      "GLASSBOX_GATEWAY_CANDIDATE_COUNT",
      "GLASSBOX_GATEWAY_DEADLINE_MARGIN",
      "GLASSBOX_GATEWAY_HISTORY_EVENTS",
      "GLASSBOX_GATEWAY_HTTP_PORT",
      "GLASSBOX_GATEWAY_MIN_CITED_ORDERS",
      "GLASSBOX_GATEWAY_MODEL_TIMEOUT",
      "GLASSBOX_GATEWAY_NEWCOMER_SLOTS",
      "GLASSBOX_GATEWAY_PORT",
      "GLASSBOX_GATEWAY_SCORE_SHARDS",
      "GLASSBOX_GATEWAY_SLATE_SIZE",
      "GLASSBOX_GATEWAY_TARGET",
      "GLASSBOX_GATEWAY_TREND_TERM",
      "GLASSBOX_HANDSHAKE_TIMEOUT",
      "GLASSBOX_HOME",
      "GLASSBOX_JAVA_OPTS",
      "GLASSBOX_KEY_FILES_POLL",
      "GLASSBOX_LOG_LEVEL",
      "GLASSBOX_MAX_CONCURRENT_CALLS",
      "GLASSBOX_MAX_CONNECTIONS",
      "GLASSBOX_MAX_CONNECTION_IDLE",
      "GLASSBOX_MAX_QUEUED_CALLS",
      "GLASSBOX_MAX_QUEUE_WAIT",
      "GLASSBOX_MAX_STREAMS_PER_CONNECTION",
      "GLASSBOX_METRICS_PORT",
      "GLASSBOX_MODEL_ADMIN_PORT",
      "GLASSBOX_MODEL_ADMIN_TARGET",
      "GLASSBOX_MODEL_BATCHER_SPIN_US",
      "GLASSBOX_MODEL_BATCHING",
      "GLASSBOX_MODEL_CUDA_DEVICE",
      "GLASSBOX_MODEL_DIR",
      "GLASSBOX_MODEL_INTRA_OP_THREADS",
      "GLASSBOX_MODEL_MAX_BATCH_CALLS",
      "GLASSBOX_MODEL_MAX_QUEUED_CALLS",
      "GLASSBOX_MODEL_MAX_QUEUE_DELAY_MS",
      "GLASSBOX_MODEL_NAME",
      "GLASSBOX_MODEL_ONNXRUNTIME_DIR",
      "GLASSBOX_MODEL_PARALLEL_RUNS",
      "GLASSBOX_MODEL_PORT",
      "GLASSBOX_MODEL_TARGET",
      "GLASSBOX_MODEL_THREAD_SPINNING",
      "GLASSBOX_MODEL_VERSION",
      "GLASSBOX_OWN_SHOP_BASE_PORT",
      "GLASSBOX_RATE_LIMIT_EXEMPT_KEYS",
      "GLASSBOX_RATE_LIMIT_PER_KEY",
      "GLASSBOX_RECONNECT_PROBE",
      "GLASSBOX_REDIS_URI",
      "GLASSBOX_SHOP_DATA",
      "GLASSBOX_SHOP_EXAMPLE_USERS",
      "GLASSBOX_SHOP_MODELS",
      "GLASSBOX_SHOP_MODEL_NAME",
      "GLASSBOX_SHOP_TIME_ZONE",
      "GLASSBOX_SMOKE_BASE_PORT",
      "GLASSBOX_TLS_CA_FILE",
      "GLASSBOX_TLS_CERT_FILE",
      "GLASSBOX_TLS_KEY_FILE",
      "GLASSBOX_VIEWER_EXAMPLE_USERS");

  private SettingNames() {}

  /** At start (a service's main): one WARN line for each of {@link #unknownIn}. */
  public static void warnUnknown(Map<String, String> environment) {
    unknownIn(environment).forEach(log::warn);
  }

  /**
   * As {@link #warnUnknown(Map)}, for the names of {@code settings}: the launcher's suite, which
   * every command that starts one ({@code up}, {@code evaluate-explanations}) starts from them.
   */
  public static void warnUnknown(ConfigSource settings) {
    unknownAmong(settings.names()).forEach(log::warn);
  }

  /**
   * One line for each name in {@code environment} that starts with {@value #PREFIX} but is no setting,
   * in name order, with the nearest setting when one is at most {@value #MOST_EDITS_SUGGESTED} edits away.
   */
  public static List<String> unknownIn(Map<String, String> environment) {
    return unknownAmong(environment.keySet());
  }

  private static List<String> unknownAmong(Set<String> names) {
    return new TreeSet<>(names).stream()
        .filter(name -> name.startsWith(PREFIX) && !ALL.contains(name))
        .map(name -> name + " is no setting of Glassbox" + nearest(name)
            .map(known -> ": did you mean " + known + "?").orElse(" and is ignored"))
        .toList();
  }

  /** The setting fewest edits from {@code name}, if at most {@value #MOST_EDITS_SUGGESTED}; ties by name. */
  static Optional<String> nearest(String name) {
    requireNonNull(name, "name");
    return ALL.stream()
        .filter(known -> Math.abs(known.length() - name.length()) <= MOST_EDITS_SUGGESTED)
        .map(known -> Map.entry(known, edits(name, known)))
        .filter(entry -> entry.getValue() <= MOST_EDITS_SUGGESTED)
        .min(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue)
            .thenComparing(Map.Entry::getKey))
        .map(Map.Entry::getKey);
  }

  /** Levenshtein distance: the fewest single-character insertions, deletions and substitutions. */
  static int edits(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
