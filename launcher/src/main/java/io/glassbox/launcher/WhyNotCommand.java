package io.glassbox.launcher;

import io.glassbox.api.v1.UserWhyNotRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The gateway's WhyNot for one user and item, printed for a person. */
@Command(name = "why-not", description = "Why an item is not in a user's top-k: its rank, the purchases "
    + "holding it back, and the smallest change to the history that brings it in, if a small search finds one.")
final class WhyNotCommand implements Callable<Integer> {
  @Mixin UserCallOptions options;

  @Option(names = "--item", required = true, description = "Item id, e.g. 22326.")
  String itemId;

  @Override
  public Integer call() throws InterruptedException {
    UserWhyNotRequest request = UserWhyNotRequest.newBuilder().setUserId(options.userId)
        .setItemId(itemId).setLimit(options.limit).setLocale(options.locale).build();
    return options.print(stub -> stub.whyNot(request),
        response -> new InterrogationPrinter().whyNot(options.userId, response));
  }
}
