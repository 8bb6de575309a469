package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.Descriptions;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The time zone a file's times without a UTC offset are in, when one is named, and the setting
 * that names it, which the refusal of such a time then points to. A name is a tz database zone,
 * Area/Location or UTC (Europe/London, Etc/GMT-1), as the trainer reads {@value
 * #DATA_FOLDER_SETTING} too (Python's zoneinfo): no bare offsets such as +01:00, which Python does
 * not take, and none of the legacy names only one side's database holds. A local time in a
 * daylight-saving gap or overlap reads as {@link java.time.LocalDateTime#atZone} reads it (in an
 * overlap the earlier moment), as Python's fold=0 does.
 *
 * @param zone the named zone; empty: a time without an offset is refused
 * @param setting how a user names the zone where this file is read, for the refusal's message
 */
public record LocalTimeZone(Optional<ZoneId> zone, String setting) {
  /** The setting of a data folder's zone, read by the feature service, {@code up} and the trainer. */
  public static final String DATA_FOLDER_SETTING = "GLASSBOX_DATA_TIME_ZONE";
  /** The field of {@code ImportChunk} that names an imported file's zone. */
  public static final String IMPORT_SETTING = "time_zone";
  /**
   * A tz database Area/Location name, or UTC: the names both Java's zone rules and Python's zoneinfo
   * (the system's tz database) hold. Java's own check admits offsets and prefixes besides, and the
   * two databases differ in the legacy names (Java has SystemV/EST5, which Python lacks; Debian has
   * EST, posix/…, right/…, localtime, which Java lacks): those are refused on both sides.
   */
  private static final Pattern NAME = Pattern.compile(
      "UTC|(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)(/[A-Za-z0-9_+-]+)+");

  public LocalTimeZone {
    requireNonNull(zone, "zone");
    requireNonNull(setting, "setting");
    zone.ifPresent(named -> {
      if (!isName(named.getId())) {
        throw new IllegalArgumentException("not a tz database Area/Location name: " + named.getId());
      }
    });
  }

  private static boolean isName(String name) {
    return NAME.matcher(name).matches() && ZoneId.getAvailableZoneIds().contains(name);
  }

  /**
   * The day {@code moment} falls on in the named zone, or in UTC when none is named: the shop's
   * day, when this is its data folder's zone.
   */
  public LocalDate dayOf(Instant moment) {
    return LocalDate.ofInstant(moment, zone.orElse(ZoneOffset.UTC));
  }

  /** The zone's tz database name; "" when none is named. */
  public String name() {
    return zone.map(ZoneId::getId).orElse("");
  }

  /** What the refusal of a time without an offset adds: the setting that names the file's zone. */
  public String howToName() {
    return ", or name the time zone of the file's times (" + setting + "=Europe/London, say)";
  }

  /** No zone named: a time without an offset is refused, saying that {@code setting} names one. */
  public static LocalTimeZone none(String setting) {
    return new LocalTimeZone(Optional.empty(), setting);
  }

  /**
   * The zone {@code name} names, or none when it is empty; {@link IllegalArgumentException} with a
   * message naming {@code setting} when it names no zone.
   */
  public static LocalTimeZone named(String name, String setting) {
    if (name.isEmpty()) {
      return none(setting);
    }
    if (!isName(name)) {
      throw new IllegalArgumentException(setting + " must be a time zone name such as Europe/London or UTC, got \""
          + Descriptions.truncate(name) + "\"");
    }
    return new LocalTimeZone(Optional.of(ZoneId.of(name)), setting);
  }
}
