package io.glassbox.gateway;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.RecommendPlaces;
import java.time.Duration;

/**
 * Everything the gateway is configured with, read once at start. Defaults and validation live
 * here and nowhere else.
 *
 * @param port where the public Gateway API listens ({@value #PORT_KEY}, default 50051; 0 picks a
 *     free port)
 * @param featureTarget the feature service ({@value #FEATURE_TARGET_KEY})
 * @param modelTarget the model service ({@value #MODEL_TARGET_KEY})
 * @param explainTarget the explain service ({@value #EXPLAIN_TARGET_KEY})
 * @param defaultDeadline the deadline of a call whose caller set none
 * @param modelTimeout the most a Score call may take; past it the gateway ranks by retrieval
 *     score. Never beyond the caller's remaining deadline minus {@code deadlineMargin}.
 * @param explainTimeout the most an Explain call may take; past it the reasons come from the
 *     retrieval sources. Never beyond the caller's remaining deadline minus {@code deadlineMargin}.
 * @param deadlineMargin time kept back from the caller's deadline for the work after a
 *     dependency gives up (merging, the reply itself)
 * @param historyEvents most recent events read per user (1..1000)
 * @param candidateCount candidates retrieved per request (1..2000)
 * @param slateSize best-ranked items passed to the explain service as the slate (1..2000);
 *     reasons count ranks among them, so the default passes every ranked candidate
 * @param trendTerm score with the model's trend term: ask the feature service for recent
 *     purchases over the model's trend window and pass them to Score and to the explain service,
 *     whose counterfactual re-scoring uses the same counts ({@value #TREND_TERM_KEY}, default
 *     true; false ranks and explains by the model's score alone)
 * @param buyAgainSlots the first places of a Recommend answer that go to the user's regular
 *     items, unless the request sets its own ({@value #BUY_AGAIN_SLOTS_KEY}, 0..50, default
 *     {@value #DEFAULT_BUY_AGAIN_SLOTS}, the m chosen on validation by the trainer; 0 turns
 *     buy-again off)
 * @param buyAgainMinBaskets the distinct orders an item must be in to be a regular item
 *     ({@value #BUY_AGAIN_MIN_BASKETS_KEY}, 2..1000, default {@value #DEFAULT_BUY_AGAIN_MIN_BASKETS},
 *     the trainer's k)
 * @param newcomerSlots the last places of a Recommend answer that may go to items the model does
 *     not know yet, bought together with the user's recent purchases, unless the request sets its
 *     own ({@value #NEWCOMER_SLOTS_KEY}, 0..50, default {@value #DEFAULT_NEWCOMER_SLOTS}; 0 turns
 *     them off). A place no such item fills goes to the model's ranking.
 * @param scoreShards how many Score calls the ranking is scattered over, sent at once, each with
 *     a slice of the candidates and the same history ({@value #SCORE_SHARDS_KEY}, 1..16, default
 *     {@value #DEFAULT_SCORE_SHARDS}). A candidate's score does not depend on the others in its call, so the ranking is the
 *     same; where the model channel balances over several model service replicas (Kubernetes:
 *     round_robin over the headless Service) the slices are scored side by side, at the cost of
 *     the history's encoding once per slice. Shards answered by different model versions (a
 *     rolling update) cannot be compared: that request scores the whole slate again in one call,
 *     which one replica answers with one version.
 * @param minCitedOrders the fewest orders holding both items that a "bought together" reason may
 *     cite a pair from ({@value #MIN_CITED_ORDERS_KEY}, 1..1000, default
 *     {@value #DEFAULT_MIN_CITED_ORDERS}): a rarer pair would tell a shopper about a few other
 *     customers' baskets (from one order: that someone bought both). Such a pair is not cited, and
 *     an item the model does not know is given no newcomer place by it; the ranking is unchanged.
 *     1 cites every pair.
 */
public record GatewayConfig(
    int port,
    String featureTarget,
    String modelTarget,
    String explainTarget,
    Duration defaultDeadline,
    Duration modelTimeout,
    Duration explainTimeout,
    Duration deadlineMargin,
    int historyEvents,
    int candidateCount,
    int slateSize,
    boolean trendTerm,
    int buyAgainSlots,
    int buyAgainMinBaskets,
    int newcomerSlots,
    int scoreShards,
    int minCitedOrders) {

  public static final String PORT_KEY = "GLASSBOX_GATEWAY_PORT";
  public static final String FEATURE_TARGET_KEY = "GLASSBOX_FEATURE_TARGET";
  public static final String MODEL_TARGET_KEY = "GLASSBOX_MODEL_TARGET";
  public static final String EXPLAIN_TARGET_KEY = "GLASSBOX_EXPLAIN_TARGET";
  public static final String DEFAULT_DEADLINE_KEY = "GLASSBOX_DEFAULT_DEADLINE";
  public static final String MODEL_TIMEOUT_KEY = "GLASSBOX_GATEWAY_MODEL_TIMEOUT";
  public static final String EXPLAIN_TIMEOUT_KEY = "GLASSBOX_EXPLAIN_TIMEOUT";
  public static final String DEADLINE_MARGIN_KEY = "GLASSBOX_GATEWAY_DEADLINE_MARGIN";
  public static final String HISTORY_EVENTS_KEY = "GLASSBOX_GATEWAY_HISTORY_EVENTS";
  public static final String CANDIDATE_COUNT_KEY = "GLASSBOX_GATEWAY_CANDIDATE_COUNT";
  public static final String SLATE_SIZE_KEY = "GLASSBOX_GATEWAY_SLATE_SIZE";
  public static final String TREND_TERM_KEY = "GLASSBOX_GATEWAY_TREND_TERM";
  public static final String BUY_AGAIN_SLOTS_KEY = "GLASSBOX_GATEWAY_BUY_AGAIN_SLOTS";
  public static final String BUY_AGAIN_MIN_BASKETS_KEY = "GLASSBOX_GATEWAY_BUY_AGAIN_MIN_BASKETS";
  public static final String NEWCOMER_SLOTS_KEY = "GLASSBOX_GATEWAY_NEWCOMER_SLOTS";
  public static final String SCORE_SHARDS_KEY = "GLASSBOX_GATEWAY_SCORE_SHARDS";
  public static final String MIN_CITED_ORDERS_KEY = "GLASSBOX_GATEWAY_MIN_CITED_ORDERS";

  public static final int DEFAULT_PORT = 50051;
  public static final String DEFAULT_FEATURE_TARGET = "localhost:50052";
  public static final String DEFAULT_MODEL_TARGET = "localhost:50053";
  public static final String DEFAULT_EXPLAIN_TARGET = "localhost:50054";
  public static final Duration DEFAULT_DEFAULT_DEADLINE = Duration.ofSeconds(3);
  public static final Duration DEFAULT_MODEL_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_EXPLAIN_TIMEOUT = Duration.ofMillis(800);
  public static final Duration DEFAULT_DEADLINE_MARGIN = Duration.ofMillis(50);
  public static final int DEFAULT_HISTORY_EVENTS = 200;
  public static final int DEFAULT_CANDIDATE_COUNT = 500;
  public static final int DEFAULT_SLATE_SIZE = 2000;
  /** trainer/results/uci-online-retail.json, time_aware: (m, k) = (10, 2) on validation. */
  public static final int DEFAULT_BUY_AGAIN_SLOTS = 10;
  public static final int DEFAULT_BUY_AGAIN_MIN_BASKETS = 2;
  public static final int DEFAULT_NEWCOMER_SLOTS = 1;
  public static final int DEFAULT_SCORE_SHARDS = 1;
  /** gateway/MEASUREMENTS.md, "Citing a pair from at least 3 orders". */
  public static final int DEFAULT_MIN_CITED_ORDERS = 3;
  /** The most buy-again or newcomer slots a Recommend answer is given ({@link RecommendPlaces#MAX_SLOTS}). */
  public static final int MAX_SLOTS = RecommendPlaces.MAX_SLOTS;

  /** Limits of the feature and model service contracts. */
  private static final int MAX_HISTORY_EVENTS = 1000;
  private static final int MAX_CANDIDATES = 2000;
  private static final int MAX_BUY_AGAIN_MIN_BASKETS = 1000;
  private static final int MAX_SCORE_SHARDS = 16;
  private static final int MAX_MIN_CITED_ORDERS = 1000;

  public GatewayConfig {
    requireNonNull(featureTarget, "featureTarget");
    requireNonNull(modelTarget, "modelTarget");
    requireNonNull(explainTarget, "explainTarget");
    requireNonNull(defaultDeadline, "defaultDeadline");
    requireNonNull(modelTimeout, "modelTimeout");
    requireNonNull(explainTimeout, "explainTimeout");
    requireNonNull(deadlineMargin, "deadlineMargin");
    if (deadlineMargin.compareTo(defaultDeadline) >= 0) {
      throw new ConfigException(DEADLINE_MARGIN_KEY + " (" + deadlineMargin
          + ") must be shorter than " + DEFAULT_DEADLINE_KEY + " (" + defaultDeadline + ")");
    }
  }

  /** Reads the settings, applying the defaults above; fails with the key of a bad value. */
  public static GatewayConfig load(ConfigSource source) {
    return new GatewayConfig(
        source.getPort(PORT_KEY, DEFAULT_PORT),
        source.getString(FEATURE_TARGET_KEY, DEFAULT_FEATURE_TARGET),
        source.getString(MODEL_TARGET_KEY, DEFAULT_MODEL_TARGET),
        source.getString(EXPLAIN_TARGET_KEY, DEFAULT_EXPLAIN_TARGET),
        source.getDuration(DEFAULT_DEADLINE_KEY, DEFAULT_DEFAULT_DEADLINE),
        source.getDuration(MODEL_TIMEOUT_KEY, DEFAULT_MODEL_TIMEOUT),
        source.getDuration(EXPLAIN_TIMEOUT_KEY, DEFAULT_EXPLAIN_TIMEOUT),
        source.getDuration(DEADLINE_MARGIN_KEY, DEFAULT_DEADLINE_MARGIN),
        source.getInt(HISTORY_EVENTS_KEY, DEFAULT_HISTORY_EVENTS, 1, MAX_HISTORY_EVENTS),
        source.getInt(CANDIDATE_COUNT_KEY, DEFAULT_CANDIDATE_COUNT, 1, MAX_CANDIDATES),
        source.getInt(SLATE_SIZE_KEY, DEFAULT_SLATE_SIZE, 1, MAX_CANDIDATES),
        source.getBoolean(TREND_TERM_KEY, true),
        source.getInt(BUY_AGAIN_SLOTS_KEY, DEFAULT_BUY_AGAIN_SLOTS, 0, MAX_SLOTS),
        source.getInt(BUY_AGAIN_MIN_BASKETS_KEY, DEFAULT_BUY_AGAIN_MIN_BASKETS, 2, MAX_BUY_AGAIN_MIN_BASKETS),
        source.getInt(NEWCOMER_SLOTS_KEY, DEFAULT_NEWCOMER_SLOTS, 0, MAX_SLOTS),
        source.getInt(SCORE_SHARDS_KEY, DEFAULT_SCORE_SHARDS, 1, MAX_SCORE_SHARDS),
        source.getInt(MIN_CITED_ORDERS_KEY, DEFAULT_MIN_CITED_ORDERS, 1, MAX_MIN_CITED_ORDERS));
  }
}
