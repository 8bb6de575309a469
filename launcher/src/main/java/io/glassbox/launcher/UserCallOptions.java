package io.glassbox.launcher;

import com.google.protobuf.MessageOrBuilder;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.server.RecommendPlaces;
import java.util.function.Function;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What the commands that ask the gateway about one user share ({@code recommend}, {@code
 * explain}, {@code why-not}, {@code what-if}): who, how many, in which language, where to call,
 * and whether to print the answer as text or as the gateway's own JSON.
 */
final class UserCallOptions {
  @Option(names = "--user", required = true, description = "User id, e.g. 12347 (a customer of the embedded dataset).")
  String userId;

  /** Most items a command may ask for: the gateway's own limit, as the viewer's /api pages take it. */
  static final int MAX_LIMIT = RecommendPlaces.MAX_LIMIT;

  /**
   * 1..{@value #MAX_LIMIT} as the help says (here and in bench's, load's and insights' --limit,
   * the explain service's top-k limit being the same). A request's limit is 0 when none was given,
   * which the gateway reads as "the default", so an explicit 0 came back as 10 items; the viewer
   * refuses limit=0 too.
   */
  static final class LimitConverter extends WholeNumberRange.Converter {
    LimitConverter() {
      super(1, MAX_LIMIT, "limit", ", or leave --limit out for the default");
    }
  }

  @Option(names = "--limit", converter = LimitConverter.class,
      description = "How many items; also the top-k the reasons and ranks refer to, 1.." + MAX_LIMIT + " (default 10)."
          + " For explain, why-not and what-if, the top-k of new picks (default: those of a default recommend"
          + " answer, its 10 items less its buy-again and new-in-the-shop ones; to match a recommend --limit N"
          + " answer, its items less its buy-again and new-in-the-shop ones).")
  int limit;   // 0 when not given: the gateway's default

  /** The --locale help, here and in load's own --locale. */
  static final String LOCALE_HELP = "en-US or zh-CN, or a tag of either language (en-GB, zh) (default ${DEFAULT-VALUE}).";

  @Option(names = "--locale", defaultValue = "en-US", description = LOCALE_HELP)
  String locale;

  @Mixin GatewayAddress gateway;

  @Option(names = "--json", description = "Print the gateway's answer as JSON (every field, proto names) instead of text.")
  boolean json;

  /**
   * Calls the gateway once and prints its answer: as JSON with {@code --json}, else as {@code
   * text} renders it. Returns the exit code (see {@link CliCalls#withChannel}).
   */
  <T extends MessageOrBuilder> int print(Function<GatewayGrpc.GatewayBlockingStub, T> call, Function<T, String> text)
      throws InterruptedException {
    return gateway.call(stub -> {
      T response = call.apply(stub);
      System.out.print(json ? CliCalls.json(response) : text.apply(response));
      return 0;
    });
  }
}
