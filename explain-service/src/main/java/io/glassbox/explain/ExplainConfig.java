package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.ServerSettings;
import java.time.Duration;

/**
 * Settings of the explain service, read once at start. Defaults and validation live here only.
 *
 * @param port TCP port to listen on ({@value #PORT_KEY}, default {@value #DEFAULT_PORT}; 0 picks
 *     a free one)
 * @param modelTarget where the model service is ({@value #MODEL_TARGET_KEY})
 * @param featureTarget where the feature service is ({@value #FEATURE_TARGET_KEY})
 * @param dependencyTimeout the longest one call to a dependency may take
 *     ({@value #DEPENDENCY_TIMEOUT_KEY}); calls end earlier when the caller's deadline is nearer,
 *     and this bounds them when the caller set no deadline at all
 * @param minRankDrop places an item must drop without its evidence, when it does not leave the
 *     top-k, for a reason to cite that evidence ({@value #MIN_RANK_DROP_KEY}, default
 *     {@value #DEFAULT_MIN_RANK_DROP}, 1..2000)
 * @param insightsConcurrency GetModelInsights calls that may run at once
 *     ({@value #INSIGHTS_CONCURRENCY_KEY}, default {@value #DEFAULT_INSIGHTS_CONCURRENCY},
 *     1..{@value #MAX_INSIGHTS_CONCURRENCY} and below GLASSBOX_MAX_CONCURRENT_CALLS:
 *     {@link #insightsConcurrency(ConfigSource, int)}); one more is refused RESOURCE_EXHAUSTED.
 *     0: insights are off ({@link #INSIGHTS_OFF}). Insights are background work: each call scores
 *     thousands of rows, and many at once crowd Recommend's Score calls out of the model service
 */
public record ExplainConfig(
    int port, String modelTarget, String featureTarget, Duration dependencyTimeout,
    int minRankDrop, int insightsConcurrency) {
  public static final String PORT_KEY = "GLASSBOX_EXPLAIN_PORT";
  public static final String MODEL_TARGET_KEY = "GLASSBOX_MODEL_TARGET";
  public static final String FEATURE_TARGET_KEY = "GLASSBOX_FEATURE_TARGET";
  public static final String DEPENDENCY_TIMEOUT_KEY = "GLASSBOX_EXPLAIN_DEPENDENCY_TIMEOUT";
  public static final String MIN_RANK_DROP_KEY = "GLASSBOX_EXPLAIN_MIN_RANK_DROP";
  public static final String INSIGHTS_CONCURRENCY_KEY = "GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY";

  public static final int DEFAULT_PORT = 50054;
  public static final String DEFAULT_MODEL_TARGET = "localhost:50053";
  public static final String DEFAULT_FEATURE_TARGET = "localhost:50052";
  public static final Duration DEFAULT_DEPENDENCY_TIMEOUT = Duration.ofSeconds(5);
  public static final int DEFAULT_MIN_RANK_DROP = 3;
  /** A rank drop beyond the largest slate (2000 items) could never be met. */
  public static final int MAX_MIN_RANK_DROP = 2000;
  public static final int DEFAULT_INSIGHTS_CONCURRENCY = 1;
  /** The server's own default concurrency limit (GLASSBOX_MAX_CONCURRENT_CALLS). */
  public static final int MAX_INSIGHTS_CONCURRENCY = 16;
  /**
   * Why GetModelInsights is off: the server runs one call at a time, and an insight call (minutes)
   * would hold it. The start's WARN and each refused call say it.
   */
  public static final String INSIGHTS_OFF = "GetModelInsights is off: " + ServerSettings.MAX_CONCURRENT_CALLS_KEY
      + " is 1, and an insight call would hold that one call slot for minutes, leaving none for Explain, which"
      + " Recommend calls; set it to 2 or more to serve insights";

  public ExplainConfig {
    if (port < 0 || port > 65535) {
      throw new ConfigException(PORT_KEY + " must be 0..65535, got " + port);
    }
    requireNonBlank(MODEL_TARGET_KEY, modelTarget);
    requireNonBlank(FEATURE_TARGET_KEY, featureTarget);
    requireNonNull(dependencyTimeout, "dependencyTimeout");
    if (dependencyTimeout.isNegative() || dependencyTimeout.isZero()) {
      throw new ConfigException(DEPENDENCY_TIMEOUT_KEY + " must be positive, got " + dependencyTimeout);
    }
    if (minRankDrop < 1 || minRankDrop > MAX_MIN_RANK_DROP) {
      throw new ConfigException(
          MIN_RANK_DROP_KEY + " must be 1.." + MAX_MIN_RANK_DROP + ", got " + minRankDrop);
    }
    if (insightsConcurrency < 0 || insightsConcurrency > MAX_INSIGHTS_CONCURRENCY) {
      throw new IllegalArgumentException("insightsConcurrency must be 0.." + MAX_INSIGHTS_CONCURRENCY + ", got "
          + insightsConcurrency);
    }
  }

  /** Whether GetModelInsights is served: not beside a server that runs one call at a time ({@link #INSIGHTS_OFF}). */
  public boolean insightsServed() {
    return insightsConcurrency > 0;
  }

  /**
   * Reads the settings, applying defaults; fails with a {@link ConfigException} naming a bad key.
   * {@code serverCallSlots} is the server's GLASSBOX_MAX_CONCURRENT_CALLS, which the insights'
   * concurrency must stay below.
   */
  public static ExplainConfig load(ConfigSource source, int serverCallSlots) {
    return new ExplainConfig(
        source.getPort(PORT_KEY, DEFAULT_PORT),
        source.getString(MODEL_TARGET_KEY, DEFAULT_MODEL_TARGET),
        source.getString(FEATURE_TARGET_KEY, DEFAULT_FEATURE_TARGET),
        source.getDuration(DEPENDENCY_TIMEOUT_KEY, DEFAULT_DEPENDENCY_TIMEOUT),
        source.getInt(MIN_RANK_DROP_KEY, DEFAULT_MIN_RANK_DROP, 1, MAX_MIN_RANK_DROP),
        insightsConcurrency(source, serverCallSlots));
  }

  /**
   * {@value #INSIGHTS_CONCURRENCY_KEY}, the one check of it: 1..{@value #MAX_INSIGHTS_CONCURRENCY}
   * and less than the server's call slots, since at as many insight calls (minutes each) can hold
   * every slot and Explain, which every Recommend calls, waits behind them until it is refused or
   * its deadline passes. Left unset beside a server with one call slot it is 0, insights off
   * ({@link #INSIGHTS_OFF}): the service still serves Explain, WhyNot and WhatIf. Set, it is
   * refused there as anywhere else it contradicts GLASSBOX_MAX_CONCURRENT_CALLS, since the operator
   * asked for what the service cannot give.
   */
  static int insightsConcurrency(ConfigSource source, int serverCallSlots) {
    if (source.get(INSIGHTS_CONCURRENCY_KEY).isEmpty()) {
      return Math.min(DEFAULT_INSIGHTS_CONCURRENCY, serverCallSlots - 1);
    }
    int value = source.getInt(INSIGHTS_CONCURRENCY_KEY, DEFAULT_INSIGHTS_CONCURRENCY, Integer.MIN_VALUE,
        Integer.MAX_VALUE);
    String outOfRange = INSIGHTS_CONCURRENCY_KEY + " must be 1.." + MAX_INSIGHTS_CONCURRENCY + ", got " + value;
    if (value < 1) {
      throw new ConfigException(outOfRange + ": it cannot turn GetModelInsights off; insights are off only beside "
          + ServerSettings.MAX_CONCURRENT_CALLS_KEY + "=1 with this setting unset");
    }
    if (value > MAX_INSIGHTS_CONCURRENCY) {
      throw new ConfigException(outOfRange + ": each GetModelInsights call scores thousands of rows, and more at"
          + " once would crowd Recommend's Score calls out of the model service");
    }
    if (value >= serverCallSlots) {
      throw new ConfigException(INSIGHTS_CONCURRENCY_KEY + " must be 1.." + MAX_INSIGHTS_CONCURRENCY
          + " and less than " + ServerSettings.MAX_CONCURRENT_CALLS_KEY + " (" + serverCallSlots + "), got " + value
          + ": at as many as the server's call slots, GetModelInsights calls can take every slot and leave none"
          + " for Explain, which Recommend calls" + (serverCallSlots == 1 ? "; leave it unset to run with "
          + "GetModelInsights off, or set " + ServerSettings.MAX_CONCURRENT_CALLS_KEY + " to 2 or more" : ""));
    }
    return value;
  }

  private static void requireNonBlank(String key, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(key + " must be a gRPC target such as localhost:50053");
    }
  }
}
