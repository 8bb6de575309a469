package io.glassbox.launcher;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Asks a running gateway for one user's recommendations and prints them for a person. */
@Command(name = "recommend", description = "Print a user's recommendations with reasons.")
final class RecommendCommand implements Callable<Integer> {
  @Option(names = "--user", required = true, description = "User id, e.g. 12347 (a customer of the embedded dataset).")
  String userId;

  @Option(names = "--limit", defaultValue = "10", description = "How many items, 1..50 (default ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--locale", defaultValue = "en-US", description = "en-US or zh-CN (default ${DEFAULT-VALUE}).")
  String locale;

  @Option(names = "--buy-again-slots",
      description = "First places for the user's regular items, 0..50; 0 = only new items "
          + "(default: the gateway's setting, GLASSBOX_GATEWAY_BUY_AGAIN_SLOTS).")
  Integer buyAgainSlots;

  @Option(names = "--target", defaultValue = "localhost:50051", description = "Gateway address (default ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--timeout-ms", defaultValue = "5000", description = "Deadline in milliseconds (default ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Override
  public Integer call() throws InterruptedException {
    return CliCalls.withChannel(target, channel -> {
      RecommendRequest.Builder request = RecommendRequest.newBuilder()
          .setUserId(userId).setLimit(limit).setLocale(locale);
      if (buyAgainSlots != null) {
        request.setBuyAgainSlots(buyAgainSlots);
      }
      RecommendResponse response = GatewayGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
          .recommend(request.build());
      System.out.print(new RecommendationPrinter().render(userId, response));
      return 0;
    });
  }
}
