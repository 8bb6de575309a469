package io.glassbox.explain;

import com.google.inject.Guice;
import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RunningServers;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.UUID;

/**
 * The explain service on an in-process server, wired by {@link ExplainModule} to in-process model
 * and feature servers running the given fakes (a null fake leaves that dependency unreachable).
 */
final class ExplainFixture implements AutoCloseable {
  private final RunningServers running = new RunningServers();
  final ExplainServiceGrpc.ExplainServiceBlockingStub stub;
  /** Channels to the fakes and the explain service, for a client of all three. */
  final ManagedChannel modelChannel;
  final ManagedChannel featureChannel;
  final ManagedChannel explainChannel;

  ExplainFixture(BindableService model, BindableService feature) {
    this(model, feature, ExplainConfig.DEFAULT_DEPENDENCY_TIMEOUT);
  }

  ExplainFixture(BindableService model, BindableService feature, Duration dependencyTimeout) {
    this(model, feature, dependencyTimeout, ExplainConfig.DEFAULT_MIN_RANK_DROP);
  }

  ExplainFixture(
      BindableService model, BindableService feature, Duration dependencyTimeout, int minRankDrop) {
    String modelName = start("model", model);
    String featureName = start("feature", feature);
    modelChannel = channel(modelName);
    featureChannel = channel(featureName);
    ExplainConfig config = new ExplainConfig(
        0, "in-process:" + modelName, "in-process:" + featureName, dependencyTimeout, minRankDrop,
        ExplainConfig.DEFAULT_INSIGHTS_CONCURRENCY);
    ExplainGrpcService service = Guice.createInjector(new ExplainModule(config, modelChannel, featureChannel))
        .getInstance(ExplainGrpcService.class);
    String explainName = "explain-" + UUID.randomUUID();
    GrpcServer explain = GrpcServer.inProcess("explain-service", explainName).addService(service).start();
    explain.setServing(true);
    running.keep(explain);
    explainChannel = channel(explainName);
    stub = ExplainServiceGrpc.newBlockingStub(explainChannel);
  }

  private String start(String role, BindableService fake) {
    String name = role + "-" + UUID.randomUUID();
    if (fake != null) {
      GrpcServer server = GrpcServer.inProcess("fake-" + role, name)
          .drainTimeout(Duration.ofMillis(100))
          .addService(fake)
          .start();
      server.setServing(true);
      running.keep(server);
    }
    return name;
  }

  private ManagedChannel channel(String inProcessName) {
    return running.channel("in-process:" + inProcessName);
  }

  @Override
  public void close() {
    // The explain server was added last: it stops before the fakes it calls.
    running.close();
  }
}
