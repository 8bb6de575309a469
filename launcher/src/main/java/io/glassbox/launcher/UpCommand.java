package io.glassbox.launcher;

import io.glassbox.explain.ExplainMain;
import io.glassbox.feature.DatasetReader;
import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.FeatureMain;
import io.glassbox.feature.LocalTimeZone;
import io.glassbox.feature.StoreUnavailableException;
import io.glassbox.gateway.GatewayMain;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.model.ModelConfig;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.CannotListenException;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.ListenRefusedException;
import io.glassbox.server.PortInUseException;
import io.glassbox.server.Retries;
import io.glassbox.server.ServerSettings;
import io.glassbox.server.ServiceStartup;
import io.glassbox.server.SettingNames;
import io.glassbox.server.TlsSettings;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/** Starts all four services in this process and stays in the foreground until interrupted. */
@Command(name = "up", description = "Start the whole suite on the embedded default (gateway on localhost:50051)."
    + " To serve your own shop's data, set " + FeatureConfig.DATA_DIR_KEY + " to a folder of its items and"
    + " interactions (README, \"Your own shop\", says how, and how to train a model on it).")
final class UpCommand implements Callable<Integer> {

  /** Which feature store; {@code redis} needs a running redis-server (not started here). */
  enum Store { memory, redis }

  static final int DEFAULT_GATEWAY_PORT = 50051;
  private static final String GATEWAY_PORT_OPTION = "--gateway-port";
  private static final String HTTP_PORT_OPTION = "--http-port";
  /** Whose /metrics port is how far from --metrics-port (Suite.Ports: as far as their defaults are). */
  private static final Map<Integer, String> METRICS_PORT_OWNERS = Map.of(
      GatewayMain.DEFAULT_METRICS_PORT - Suite.Ports.DEFAULT_METRICS, "the gateway's",
      FeatureMain.DEFAULT_METRICS_PORT - Suite.Ports.DEFAULT_METRICS, "the feature service's",
      ModelConfig.DEFAULT_METRICS_PORT - Suite.Ports.DEFAULT_METRICS, "the model service's",
      ExplainMain.DEFAULT_METRICS_PORT - Suite.Ports.DEFAULT_METRICS, "the explain service's");
  static final int DEFAULT_EXPLAIN_PORT = 50054;
  static final int DEFAULT_FEATURE_ADMIN_PORT = 50062;
  static final int DEFAULT_MODEL_ADMIN_PORT = 50063;

  @Spec CommandSpec spec;

  @Option(names = "--gateway-port", defaultValue = "" + DEFAULT_GATEWAY_PORT, description = "Gateway port (default ${DEFAULT-VALUE}).")
  int gatewayPort;

  @Option(names = "--feature-port", defaultValue = "50052", description = "Feature service port (default ${DEFAULT-VALUE}).")
  int featurePort;

  @Option(names = "--feature-admin-port", defaultValue = "" + DEFAULT_FEATURE_ADMIN_PORT,
      description = "Feature admin port, loopback only: bulk import (default ${DEFAULT-VALUE}).")
  int featureAdminPort;

  @Option(names = "--model-port", defaultValue = "50053", description = "Model service port (default ${DEFAULT-VALUE}).")
  int modelPort;

  @Option(names = "--explain-port", defaultValue = "" + DEFAULT_EXPLAIN_PORT, description = "Explain service port (default ${DEFAULT-VALUE}).")
  int explainPort;

  @Option(names = "--model-admin-port", defaultValue = "" + DEFAULT_MODEL_ADMIN_PORT,
      description = "Model admin port, loopback only unless GLASSBOX_ADMIN_BIND_ADDRESS says otherwise (default ${DEFAULT-VALUE}).")
  int modelAdminPort;

  @Option(names = "--no-metrics", description = "Serve no /metrics (as --metrics-port 0).")
  boolean noMetrics;

  @Option(names = "--metrics-port", defaultValue = "" + Suite.Ports.DEFAULT_METRICS,
      description = "First of the four /metrics ports: the gateway's; feature, model and explain take the next"
          + " three (default ${DEFAULT-VALUE}, so 9451-9454); 0 serves none.")
  int metricsPort;

  @Option(names = "--store",
      description = "Feature store: memory (bounded, lost on exit) or redis (durable, shared; needs a running "
          + "redis-server at GLASSBOX_REDIS_URI, default redis://localhost:6379). "
          + "Default: GLASSBOX_FEATURE_STORE, else memory.")
  Store store;

  @Option(names = "--http-port", description = "Port of the explanation viewer page; 0 disables it "
      + "(default: " + ViewerConfig.PORT_KEY + ", else 8080).")
  Integer httpPort;

  /** Where the suite's settings come from: the environment; a test names its own. */
  Supplier<ConfigSource> settings = ConfigSource::fromEnvironment;

  @Override
  public Integer call() throws InterruptedException {
    long startNanos = System.nanoTime();
    Map<String, String> overrides = new HashMap<>();
    if (store != null) {
      overrides.put(FeatureConfig.STORE_KEY, store.name());
    }
    if (httpPort != null) {
      overrides.put(ViewerConfig.PORT_KEY, String.valueOf(httpPort));
    }
    // A setup mistake (a setting naming data or a model that is not there) is answered in one
    // line by GlassboxCli's handler, as for every command.
    ConfigSource base;
    try {
      base = settings.get();
    } catch (ConfigException unreadable) {
      // Suite.start warns of misspelled names; a settings file that cannot be read stops up
      // before it, so the environment's names are warned of here (as a service's main does).
      SettingNames.warnUnknown(System.getenv());
      throw unreadable;
    }
    ConfigSource config = base.with(overrides);
    config = config.with(examplesFromOwnData(config));
    int metrics = noMetrics ? 0 : checkedMetricsPort();
    // Before anything loads: the gateway binds last, after the data and the model are read.
    List<TakenPorts.Wanted> taken = TakenPorts.of(wantedPorts(config, metrics));
    if (!taken.isEmpty()) {
      SettingNames.warnUnknown(config);          // as Suite.start would have, so that none goes unsaid
      for (TakenPorts.Wanted port : taken) {
        System.err.printf("glassbox: %s is held by another process.%n", TakenPorts.said(port));
      }
      boolean gatewayPortTaken = taken.stream().anyMatch(port -> port.chosenBy().equals(GATEWAY_PORT_OPTION));
      System.err.printf("Nothing was started. %s%n", inUseAdvice(config, gatewayPortTaken));
      return 1;
    }
    Suite suite;
    try {
      suite = Suite.start(config, new Suite.Ports(gatewayPort, featurePort, modelPort, explainPort,
          featureAdminPort, modelAdminPort, metrics));
    } catch (StoreUnavailableException e) {
      System.err.printf("glassbox: %s.%n%s%n", e.getMessage(), redisAdvice(FeatureConfig.load(config).redisUri(), e));
      return 1;
    } catch (UncheckedIOException e) {
      Optional<CannotListenException> refused = CannotListenException.in(e);
      if (refused.isPresent()) {
        // Not held by anyone (a port below 1024 to a user that is not root, an address not of
        // this host): the system's words, with the port up's option chose, and no "already up?".
        System.err.printf("glassbox: %s.%n", saidWithUpsOption(e, refused.get()));
        return 1;
      }
      if (!ServiceStartup.addressInUse(e)) {
        throw e;
      }
      String said = PortInUseException.in(e).map(inUse -> saidWithUpsOption(e, inUse))
          .orElse(e.getMessage() + " (address already in use)");
      boolean gatewayPortTaken = PortInUseException.in(e).map(inUse -> inUse.port() == gatewayPort).orElse(true);
      System.err.printf("glassbox: %s.%n%s%n", said, inUseAdvice(config, gatewayPortTaken));
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(suite::close, "glassbox-shutdown"));
    Suite.Ports ports = suite.ports();
    WarmUp warm = warmUp(ports.gateway(), ViewerConfig.load(config).exampleUsers(), ClientSettings.load(config));
    System.out.printf(
        "Glassbox is up in %.1f s: gateway localhost:%d (feature %d, model %d, explain %d; admin on "
            + "loopback: feature %d, model %d; %s store).%n"
            + "Try: %s    Stop with Ctrl-C.%n",
        (System.nanoTime() - startNanos) / 1e9, ports.gateway(), ports.feature(), ports.model(),
        ports.explain(), ports.featureAdmin(), ports.modelAdmin(),
        config.getString(FeatureConfig.STORE_KEY, "memory").toLowerCase(Locale.ROOT),
        firstCommand(config, ports.gateway()));
    if (warm.modelKnowsNoCandidate()) {
      System.out.println(trainNote(config));
    }
    ConfigSource served = config;
    System.out.println(suite.viewerUri().map(uri -> viewerLine(served, uri)).orElse(viewerOffLine(suite.viewerOff())));
    suite.awaitTermination();
    return 0;
  }

  /**
   * The ports up will listen on, each with the option (or variable) that chose it and the address
   * its server binds: the four gRPC ports, the two admin ports, the four /metrics ports from
   * {@code metrics} (none when 0) and the viewer's port when one was chosen (its default port
   * taken costs only the page: {@link Suite#viewerOff}).
   */
  private List<TakenPorts.Wanted> wantedPorts(ConfigSource config, int metrics) {
    String bind = config.getString(ServerSettings.BIND_ADDRESS_KEY, ServerSettings.DEFAULT_BIND_ADDRESS);
    String admin = config.getString(ServerSettings.ADMIN_BIND_ADDRESS_KEY, ServerSettings.DEFAULT_BIND_ADDRESS);
    List<TakenPorts.Wanted> wanted = new ArrayList<>(List.of(
        new TakenPorts.Wanted(gatewayPort, bind, GATEWAY_PORT_OPTION),
        new TakenPorts.Wanted(featurePort, bind, "--feature-port"),
        new TakenPorts.Wanted(modelPort, bind, "--model-port"),
        new TakenPorts.Wanted(explainPort, bind, "--explain-port"),
        new TakenPorts.Wanted(featureAdminPort, admin, "--feature-admin-port"),
        new TakenPorts.Wanted(modelAdminPort, admin, "--model-admin-port")));
    if (metrics != 0) {
      METRICS_PORT_OWNERS.keySet().stream().sorted().forEach(offset -> wanted.add(new TakenPorts.Wanted(
          metrics + offset, bind, portChosenBy(metrics + offset, Optional.of(ServerSettings.METRICS_PORT_KEY)).orElseThrow())));
    }
    if (config.get(ViewerConfig.PORT_KEY).isPresent()) {
      try {
        int viewer = config.getPort(ViewerConfig.PORT_KEY, ViewerConfig.DEFAULT_PORT);
        wanted.add(new TakenPorts.Wanted(viewer, config.getString(ViewerConfig.BIND_ADDRESS_KEY,
            ViewerConfig.DEFAULT_BIND_ADDRESS), portChosenBy(viewer, Optional.of(ViewerConfig.PORT_KEY)).orElseThrow()));
      } catch (ConfigException badPort) {
        // The gateway refuses the value with its own message.
      }
    }
    return wanted;
  }

  /**
   * What to do about a taken port: a Glassbox gateway answering on --gateway-port, when that is
   * among the ports taken ({@code gatewayPortTaken}), is the suite already up, which {@link
   * #firstCommand} talks to; anything else holds it, to be stopped or moved away from. The gateway
   * is not spoken of when its port is free: another port being taken says nothing of it.
   */
  private String inUseAdvice(ConfigSource config, boolean gatewayPortTaken) throws InterruptedException {
    String move = "stop what holds the port, or move the suite to free ones: `" + LauncherScript.said(config)
        + " up --help` lists the port options (--metrics-port moves the four /metrics ports, 9451-9454 by default;"
        + " --no-metrics frees them).";
    if (!gatewayPortTaken || gatewayPort == 0) {
      return Character.toUpperCase(move.charAt(0)) + move.substring(1);
    }
    boolean suiteUp;
    try {
      suiteUp = gatewayPort != 0 && TakenPorts.glassboxGatewayAt(gatewayPort, ClientSettings.load(config));
    } catch (ConfigException unreadable) {
      suiteUp = false;                           // the suite's own start says what is wrong
    }
    return suiteUp
        ? "A Glassbox suite is already up on localhost:" + gatewayPort + ": `" + firstCommand(config, gatewayPort)
            + "` talks to it. To start another beside it, " + move
        : "No Glassbox gateway answers on localhost:" + gatewayPort + " (" + GATEWAY_PORT_OPTION + "). "
            + Character.toUpperCase(move.charAt(0)) + move.substring(1);
  }

  /**
   * {@code failure}'s message with {@code refused}'s port said as chosen by up's option: the port
   * came from an option of up's, not from the service's variable the message names.
   */
  private String saidWithUpsOption(UncheckedIOException failure, ListenRefusedException refused) {
    return failure.getMessage().replace(refused.getMessage(),
        refused.withPortSetting(portChosenBy(refused.port(), refused.portSetting())));
  }

  /**
   * What chose {@code port}, to say instead of the service's {@code setting}: up's options chose
   * the suite's ports, so a /metrics port is said as derived from --metrics-port ("the feature
   * service's metrics port: --metrics-port 80 + 1"); another port of an option, as nothing. The
   * viewer's port is said with --http-port when that chose it, else with its variable.
   */
  private Optional<String> portChosenBy(int port, Optional<String> setting) {
    if (setting.equals(Optional.of(ViewerConfig.PORT_KEY))) {
      return httpPort == null ? setting : Optional.of(HTTP_PORT_OPTION);
    }
    if (!setting.equals(Optional.of(ServerSettings.METRICS_PORT_KEY)) || metricsPort == 0) {
      return Optional.empty();
    }
    int offset = port - metricsPort;
    return Optional.of(METRICS_PORT_OWNERS.getOrDefault(offset, "a service's") + " metrics port: --metrics-port "
        + metricsPort + (offset == 0 ? "" : " + " + offset));
  }

  /** --metrics-port: 0, or a first port with room for the next three. */
  private int checkedMetricsPort() {
    if (metricsPort != 0 && (metricsPort < 1 || metricsPort > 65535 - 3)) {
      throw new ParameterException(spec.commandLine(),
          "--metrics-port must be 0 (none) or 1.." + (65535 - 3) + " (the first of four ports), got " + metricsPort);
    }
    return metricsPort;
  }

  /**
   * What to do about the Redis at {@code redis} that the suite could not use, as {@code failure}
   * found it: one that could not be reached, {@link #redisAdvice(URI, String)}; one that answered
   * needs no starting or installing: it refused a command (its error's code said, not the rest,
   * which may echo the user name), or holds what {@code failure} says.
   */
  static String redisAdvice(URI redis, StoreUnavailableException failure) {
    Optional<String> refusal = Optional.empty();
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof JedisConnectionException) {
        return redisAdvice(redis, Optional.ofNullable(System.getenv("PATH")).orElse(""));
      }
      if (cause instanceof JedisDataException error) {
        refusal = Optional.of(String.valueOf(error.getMessage()).split(" ", 2)[0]);
      }
    }
    String where = "Redis at " + redis.getHost() + ":" + redis.getPort() + " answers";
    return refusal.map(code -> where + " but refused (" + code + "): " + refusalAdvice(code))
        .orElse(where + ": what stops the suite from using it is said above; or point "
            + FeatureConfig.REDIS_URI_KEY + " at another Redis.");
  }

  /** What to do about a Redis that refused with the error code {@code code}. */
  private static String refusalAdvice(String code) {
    return switch (code) {
      case "NOAUTH", "WRONGPASS", "NOPERM" -> "check the user and password in " + FeatureConfig.REDIS_URI_KEY
          + " and what that user may run, or point it at another Redis.";
      case "LOADING" -> "it is still loading its data; start again once it has.";
      case "READONLY" -> "it is a read-only replica; point " + FeatureConfig.REDIS_URI_KEY + " at its primary.";
      default -> "what it refused is said above; point " + FeatureConfig.REDIS_URI_KEY + " at a Redis the suite"
          + " may use (its database number, user and password).";
    };
  }

  /**
   * What to do when the Redis at {@code redis} cannot be reached, on a machine whose {@code PATH}
   * is {@code path}: on this machine, the command that starts a durable one there (its data folder
   * made first: Redis does not make it), said first to be installed, and how, where {@code path}
   * has no redis-server; elsewhere, or behind a password or TLS, to check it.
   */
  static String redisAdvice(URI redis, String path) {
    String where = redis.getHost() + ":" + redis.getPort();
    if (!"redis".equals(redis.getScheme()) || redis.getUserInfo() != null
        || !List.of("localhost", "127.0.0.1", "[::1]").contains(redis.getHost())) {
      return "Check that Redis at " + where + " is up and reachable from here, or point "
          + FeatureConfig.REDIS_URI_KEY + " at yours.";
    }
    boolean installed = Arrays.stream(path.split(File.pathSeparator))
        .anyMatch(folder -> !folder.isEmpty() && Files.isExecutable(Path.of(folder, "redis-server")));
    return (installed ? "" : "redis-server is not installed here (not on PATH): install it first (on Debian or"
            + " Ubuntu: sudo apt-get install redis-server).\n")
        + "Start Redis first, durable (every acknowledged event synced to disk):\n"
        + "  mkdir -p ~/glassbox-redis && redis-server" + (redis.getPort() == 6379 ? "" : " --port " + redis.getPort())
        + " --appendonly yes --appendfsync always --dir ~/glassbox-redis --daemonize yes\n"
        + "or point " + FeatureConfig.REDIS_URI_KEY + " at yours (e.g. redis://localhost:6379/0).";
  }

  /**
   * The command {@code up} suggests trying first, for the first example customer, with the
   * gateway on {@code gatewayPort} (named when not the default, or when {@value
   * GatewayAddress#TARGET_VARIABLE} names another); under API keys, with where the key goes.
   */
  static String firstCommand(ConfigSource config, int gatewayPort) {
    List<String> examples = ViewerConfig.load(config).exampleUsers();
    return (config.get(ApiKeys.FILE_KEY).isPresent() ? ClientSettings.KEY_FILE_KEY + "=<file with your key> " : "")
        + LauncherScript.said(config) + " recommend "
        + (gatewayPort == DEFAULT_GATEWAY_PORT && config.get(GatewayAddress.TARGET_VARIABLE).isEmpty()
            ? "" : "--target localhost:" + gatewayPort + " ")
        + "--user " + (examples.isEmpty() ? "<a customer id>" : examples.get(0));
  }

  /**
   * The note up prints when the model it serves knows none of the items it was asked to rank: the
   * command that trains one on the data served, its folder (the embedded one when none is set) and
   * the zone of its times when one is set, each as one shell word ({@link LauncherScript#shellWord}),
   * as the "Try:" line says bin/glassbox: the zone set on up's command line alone is not in train's.
   */
  static String trainNote(ConfigSource config) {
    return "Note: the model served knows none of the items it was asked to rank (it was not trained on them), so"
        + " answers come in retrieval order, without the model's reasons. Train one on this data: "
        + LauncherScript.said(config) + " train --data " + LauncherScript.shellWord(config.get(FeatureConfig.DATA_DIR_KEY)
            .orElseGet(() -> FeatureConfig.dataDir(config).toString()))
        + config.get(LocalTimeZone.DATA_FOLDER_SETTING).filter(zone -> !zone.isEmpty())
            .map(zone -> " --time-zone " + LauncherScript.shellWord(zone)).orElse("")
        + " (README, \"Your own shop\").";
  }

  /**
   * The line that says why up serves no viewer page: its default port was taken ({@code whyOff}),
   * or the port was set to 0, said as the user set it (--http-port, else the variable).
   */
  String viewerOffLine(Optional<String> whyOff) {
    return whyOff.map(why -> "Viewer: off, " + why + "; serve it on a free port with " + HTTP_PORT_OPTION + " N.")
        .orElse("Viewer: disabled (" + (httpPort != null ? HTTP_PORT_OPTION + " " : ViewerConfig.PORT_KEY + "=") + "0).");
  }

  /**
   * The line that says where the viewer is; under mutual TLS, that a browser must present a client
   * certificate of the suite's CA, as the page refuses one without (gateway/README, "Viewer").
   */
  static String viewerLine(ConfigSource config, URI viewer) {
    boolean mutualTls = config.get(TlsSettings.CERT_KEY).isPresent() && config.get(TlsSettings.CA_KEY).isPresent();
    return "Viewer: " + viewer + "    (see each recommendation's reasons, heatmap and what-if)"
        + (mutualTls ? "\n        Under mutual TLS the page wants a client certificate signed by the CA of "
            + TlsSettings.CA_KEY + ", as the gRPC port does: import one into the browser, or it is refused." : "");
  }

  /**
   * The example customers (the viewer's, the warm-up's, the one suggested first) for a data folder
   * of the caller's own ({@value FeatureConfig#DATA_DIR_KEY} set) when
   * {@value ViewerConfig#EXAMPLE_USERS_KEY} is not: customers of its first
   * {@value ExampleCustomers#SCAN_ROWS} interactions whose answers show every kind of reason
   * ({@link DatasetReader#exampleUsers}). The defaults are customers of the embedded data, who
   * are not in anyone else's. Nothing when the folder cannot be read: the feature
   * service then says what is wrong with it.
   */
  static Map<String, String> examplesFromOwnData(ConfigSource config) {
    Optional<String> dataDir = config.get(FeatureConfig.DATA_DIR_KEY);
    if (config.get(ViewerConfig.EXAMPLE_USERS_KEY).isPresent() || dataDir.isEmpty()) {
      return Map.of();
    }
    List<String> users = ExampleCustomers.of(Path.of(dataDir.get()),
        config.getString(LocalTimeZone.DATA_FOLDER_SETTING, ""));
    return users.isEmpty() ? Map.of() : Map.of(ViewerConfig.EXAMPLE_USERS_KEY, String.join(",", users));
  }

  /**
   * One Recommend for each of the first two example users before the first real one: the first
   * call down each path (JIT compilation, ONNX Runtime's first run of a shape) is slow enough to
   * miss the explain budget, and a person's first answer should not be the one that pays for it.
   * The calls carry the suite's own client settings (its key and TLS files, as the services
   * present them to each other), so they are answered under API keys and mutual TLS too.
   * Failures are ignored (the services log their own).
   */
  static WarmUp warmUp(int gatewayPort, List<String> users, ClientSettings settings) {
    ManagedChannel channel = ClientChannels.forTarget("localhost:" + gatewayPort, settings, Retries.none());
    int answered = 0;
    boolean modelKnowsNoCandidate = false;
    try {
      for (String user : users.subList(0, Math.min(2, users.size()))) {
        try {
          modelKnowsNoCandidate |= GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
              .recommend(RecommendRequest.newBuilder().setUserId(user).build()).getModelKnowsNoCandidate();
          answered++;
        } catch (StatusRuntimeException ignored) {
          // Warming up only.
        }
      }
    } finally {
      channel.shutdownNow();
    }
    return new WarmUp(answered, modelKnowsNoCandidate);
  }

  /**
   * What the warm-up's calls found: how many were answered, and whether an answer said the model
   * knows none of its candidates (it was not trained on them: a model of other data, say).
   */
  record WarmUp(int answered, boolean modelKnowsNoCandidate) {}

}
