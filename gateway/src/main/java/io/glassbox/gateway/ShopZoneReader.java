package io.glassbox.gateway;

import io.glassbox.server.WarningLimiter;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Reads the zone of the shop's days, as the feature service names it (GLASSBOX_DATA_TIME_ZONE
 * there), in this JVM's tz database: it holds no zone, only the limiter of the warning of a zone
 * that database lacks. The gateway's one instance, which Recommend and the user explanations
 * share, warns once a minute for the whole gateway; each gateway in a JVM warns of its own.
 */
@Singleton
final class ShopZoneReader {
  private static final Logger log = LoggerFactory.getLogger(ShopZoneReader.class);

  /** Every buy-again answer of a shop in that zone meets it: one warning a minute. */
  private final WarningLimiter unknownZoneWarnings = new WarningLimiter(DependencyFailures.WARNING_INTERVAL);

  @Inject
  ShopZoneReader() {}

  /**
   * The zone {@code name}s; UTC when it names none, and UTC with a warning when this JVM's tz
   * database lacks it (older than the feature service's): a day stated in UTC beats failing
   * every Recommend.
   */
  ZoneId named(String name) {
    if (name.isEmpty()) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(name);
    } catch (DateTimeException unknown) {
      unknownZoneWarnings.log(log, Level.WARN, "The feature service names the shop's time zone {}, which this JVM's tz"
          + " database lacks; buy-again days are stated in UTC until the gateway runs on a newer Java", name);
      return ZoneOffset.UTC;
    }
  }
}
