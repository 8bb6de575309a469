package io.glassbox.server;

import java.net.BindException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a service's {@code main} (its container's entry point, and {@code bin/glassbox serve})
 * answers a setup mistake, one the operator fixes: a setting that does not parse, a port another
 * process holds or the system refuses, data or a model that is not there. It logs one ERROR line
 * saying what is wrong and the service exits with status 1, instead of a stack trace. Any other
 * failure is a bug and keeps its stack trace.
 */
public final class ServiceStartup {
  private static final Logger log = LoggerFactory.getLogger(ServiceStartup.class);

  /** Starts a service and blocks until it has stopped. */
  @FunctionalInterface
  public interface Service {
    void serveUntilShutdown() throws InterruptedException;
  }

  private ServiceStartup() {}

  /**
   * Warns of each GLASSBOX_* name of the environment or of the GLASSBOX_CONFIG_FILE it names that
   * is no setting ({@link SettingNames#warnUnknown}), then runs {@code service}: 0 once it has
   * stopped (SIGTERM), or 1 after one ERROR line when it could not start because of a {@link
   * ConfigException} (a GLASSBOX_CONFIG_FILE that cannot be read among them), a port in use or
   * refused, or one of {@code setupMistakes} (the service's own kinds, e.g. a missing dataset);
   * rethrows anything else.
   */
  public static int serve(String name, Service service, List<Class<? extends RuntimeException>> setupMistakes)
      throws InterruptedException {
    return serve(name, System.getenv(), service, setupMistakes);
  }

  /** As {@link #serve(String, Service, List)}, with {@code environment} in place of the process's; for tests. */
  static int serve(String name, Map<String, String> environment, Service service,
      List<Class<? extends RuntimeException>> setupMistakes) throws InterruptedException {
    try {
      warnUnknown(environment);
      service.serveUntilShutdown();
      return 0;
    } catch (RuntimeException e) {
      Optional<String> mistake = describe(e, setupMistakes);
      if (mistake.isEmpty()) {
        throw e;
      }
      String message = mistake.get();
      log.error("{}", message.startsWith(name + " ") ? message : name + " cannot start: " + message);
      return 1;
    }
  }

  /**
   * Warns of the unknown names of {@code environment} and of the GLASSBOX_CONFIG_FILE it names;
   * of the environment's alone when that file cannot be read (the ConfigException then says so).
   */
  private static void warnUnknown(Map<String, String> environment) {
    ConfigSource settings;
    try {
      settings = ConfigSource.of(environment);
    } catch (ConfigException unreadable) {
      SettingNames.warnUnknown(environment);
      throw unreadable;
    }
    SettingNames.warnUnknown(settings);
  }

  /** For {@code main}: ends the process with {@code status} unless it is 0 (a normal stop). */
  public static void exitOnFailure(int status) {
    if (status != 0) {
      System.exit(status);
    }
  }

  /** The failure's message if it is a setup mistake, with what a port in use means. */
  public static Optional<String> describe(RuntimeException failure, List<Class<? extends RuntimeException>> setupMistakes) {
    if (addressInUse(failure)) {
      String message = failure.getMessage();
      if (PortInUseException.in(failure).isPresent()) {
        return Optional.of(message);                     // it says which port and that it is held
      }
      // Netty says only "Failed to bind to address ..."; the JDK's own words already say it.
      String why = message.contains("Address already in use") ? "another process holds the port"
          : "address already in use: another process holds the port";
      return Optional.of(message + " (" + why + ")");
    }
    if (refusedToListen(failure)) {
      return Optional.of(failure.getMessage());         // the port or address, in the system's words
    }
    if (failure instanceof ConfigException || setupMistakes.stream().anyMatch(kind -> kind.isInstance(failure))) {
      return Optional.of(failure.getMessage());
    }
    return Optional.empty();
  }

  /**
   * Whether {@code failure} (or a cause) is a listen socket's port already taken: the system's
   * "Address already in use" (the JDK's BindException, Netty's epoll "bind(..) failed"), not any
   * BindException, which is also a port below 1024 to a user that is not root ("Permission
   * denied") or an address not of this host ("Cannot assign requested address").
   */
  public static boolean addressInUse(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof PortInUseException
          || (cause.getMessage() != null && cause.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code failure} (or a cause) is a port or address the system refused for another reason. */
  private static boolean refusedToListen(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof BindException) {
        return true;
      }
    }
    return false;
  }
}
