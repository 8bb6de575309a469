package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Settings of the feature-service, read once at start.
 *
 * @param port gRPC port ({@value #PORT_KEY}, default {@value #DEFAULT_PORT}; 0 picks a free one)
 * @param dataDir folder with {@code items.csv.gz} and {@code interactions.csv.gz}
 *     ({@value #DATA_DIR_KEY}, default {@value #DEFAULT_DATA_DIR}, relative to the working directory)
 * @param currencyCode ISO 4217 currency of the catalogue's prices ({@value #CURRENCY_KEY},
 *     default {@value #DEFAULT_CURRENCY})
 * @param maxBasketSize baskets with more distinct items are left out of the co-purchase
 *     statistics ({@value #MAX_BASKET_SIZE_KEY}, default {@value #DEFAULT_MAX_BASKET_SIZE}, 2..10000)
 * @param coPurchaseNeighbours co-purchase neighbours kept per item ({@value #NEIGHBOURS_KEY},
 *     default {@value #DEFAULT_NEIGHBOURS}, 1..10000)
 * @param recentItems most recent distinct history items that drive co-purchase retrieval
 *     ({@value #RECENT_ITEMS_KEY}, default {@value #DEFAULT_RECENT_ITEMS}, 1..1000)
 */
public record FeatureConfig(
    int port, Path dataDir, String currencyCode, int maxBasketSize, int coPurchaseNeighbours,
    int recentItems) {
  public static final String PORT_KEY = "GLASSBOX_FEATURE_PORT";
  public static final String DATA_DIR_KEY = "GLASSBOX_DATA_DIR";
  public static final String CURRENCY_KEY = "GLASSBOX_FEATURE_CURRENCY";
  public static final String MAX_BASKET_SIZE_KEY = "GLASSBOX_FEATURE_MAX_BASKET_SIZE";
  public static final String NEIGHBOURS_KEY = "GLASSBOX_FEATURE_CO_PURCHASE_NEIGHBOURS";
  public static final String RECENT_ITEMS_KEY = "GLASSBOX_FEATURE_RECENT_ITEMS";

  public static final int DEFAULT_PORT = 50052;
  public static final String DEFAULT_DATA_DIR = "data/uci-online-retail";
  public static final String DEFAULT_CURRENCY = "GBP";
  public static final int DEFAULT_MAX_BASKET_SIZE = 100;
  public static final int DEFAULT_NEIGHBOURS = 200;
  public static final int DEFAULT_RECENT_ITEMS = 20;

  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  public FeatureConfig {
    requireNonNull(dataDir, "dataDir");
    requireNonNull(currencyCode, "currencyCode");
  }

  /** Reads and validates every setting; throws {@link ConfigException} naming a bad one. */
  public static FeatureConfig load(ConfigSource source) {
    String currency = source.getString(CURRENCY_KEY, DEFAULT_CURRENCY);
    if (!CURRENCY.matcher(currency).matches()) {
      throw new ConfigException(CURRENCY_KEY + " must be an ISO 4217 code of three capital letters "
          + "such as GBP, got \"" + currency + "\"");
    }
    return new FeatureConfig(
        source.getPort(PORT_KEY, DEFAULT_PORT),
        source.getPath(DATA_DIR_KEY, Path.of(DEFAULT_DATA_DIR)),
        currency,
        source.getInt(MAX_BASKET_SIZE_KEY, DEFAULT_MAX_BASKET_SIZE, 2, 10_000),
        source.getInt(NEIGHBOURS_KEY, DEFAULT_NEIGHBOURS, 1, 10_000),
        source.getInt(RECENT_ITEMS_KEY, DEFAULT_RECENT_ITEMS, 1, 1000));
  }
}
