package io.glassbox.launcher;

import io.glassbox.api.v1.RecommendRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Asks a running gateway for one user's recommendations and prints them for a person. */
@Command(name = "recommend", description = "Print a user's recommendations with reasons.")
final class RecommendCommand implements Callable<Integer> {
  @Mixin UserCallOptions options;

  @Option(names = "--buy-again-slots",
      description = "First places for the user's regular items, 0..50; 0 = only new items "
          + "(default: the gateway's setting, GLASSBOX_GATEWAY_BUY_AGAIN_SLOTS).")
  Integer buyAgainSlots;

  @Option(names = "--newcomer-slots",
      description = "Last places for items the model does not know yet (imported since it was "
          + "trained) that were bought together with the user's purchases, 0..50; 0 = off "
          + "(default: the gateway's setting, GLASSBOX_GATEWAY_NEWCOMER_SLOTS).")
  Integer newcomerSlots;

  @Override
  public Integer call() throws InterruptedException {
    RecommendRequest.Builder request = RecommendRequest.newBuilder()
        .setUserId(options.userId).setLimit(options.limit).setLocale(options.locale);
    if (buyAgainSlots != null) {
      request.setBuyAgainSlots(buyAgainSlots);
    }
    if (newcomerSlots != null) {
      request.setNewcomerSlots(newcomerSlots);
    }
    return options.print(stub -> stub.recommend(request.build()),
        response -> new RecommendationPrinter().render(options.userId, response));
  }
}
