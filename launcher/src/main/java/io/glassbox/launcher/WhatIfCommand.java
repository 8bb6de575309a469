package io.glassbox.launcher;

import io.glassbox.api.v1.UserWhatIfRequest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The gateway's WhatIf for one user, printed for a person. */
@Command(name = "what-if", description = "A user's new top-k had their history been different: "
    + "purchases left out and/or added as the most recent ones; what moved and why.")
final class WhatIfCommand implements Callable<Integer> {
  @Mixin UserCallOptions options;

  @Option(names = "--remove", split = ",", description = "Items of the user's record to leave out, comma-separated.")
  List<String> remove = List.of();

  @Option(names = "--add", split = ",", description = "Items to add as the most recent purchases, in order, comma-separated.")
  List<String> add = List.of();

  @Override
  public Integer call() throws InterruptedException {
    UserWhatIfRequest request = UserWhatIfRequest.newBuilder().setUserId(options.userId)
        .addAllRemoveItemIds(remove).addAllAddItemIds(add).setLimit(options.limit).setLocale(options.locale).build();
    return options.print(stub -> stub.whatIf(request),
        response -> new InterrogationPrinter().whatIf(options.userId, remove, add, response));
  }
}
