package io.glassbox.launcher;

import io.glassbox.api.v1.UserExplainItemRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The gateway's ExplainItem for one user and any item, printed for a person. */
@Command(name = "explain", description = "Explain any item for a user (recommended or not): its rank, "
    + "its verified reasons and what each purchase of the model's window does to it.")
final class ExplainItemCommand implements Callable<Integer> {
  @Mixin UserCallOptions options;

  @Option(names = "--item", required = true, description = "Item id, e.g. 21731.")
  String itemId;

  @Override
  public Integer call() throws InterruptedException {
    UserExplainItemRequest request = UserExplainItemRequest.newBuilder().setUserId(options.userId)
        .setItemId(itemId).setLimit(options.limit).setLocale(options.locale).build();
    return options.print(stub -> stub.explainItem(request),
        response -> new InterrogationPrinter().explainItem(options.userId, response));
  }
}
