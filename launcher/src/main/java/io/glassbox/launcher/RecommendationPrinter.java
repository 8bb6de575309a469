package io.glassbox.launcher;

import io.glassbox.api.v1.ExplanationsDegradedCause;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.RankingDegradedCause;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.RecommendedItem;
import io.glassbox.api.v1.RetrievalSource;
import io.glassbox.server.ClientSettings;
import java.util.Locale;
import java.util.stream.Collectors;

/** Renders a RecommendResponse as text for a person at a terminal. */
final class RecommendationPrinter {

  /** The gateway's reason for ranking by retrieval score, in words; a gateway that gave none: unspecified. */
  private static String whyTheModelDidNotRank(RankingDegradedCause cause) {
    return switch (cause) {
      case RANKING_DEGRADED_CAUSE_MODEL_TIMED_OUT -> "the model service did not answer in time";
      case RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE -> "the model service is unavailable";
      case RANKING_DEGRADED_CAUSE_MODEL_BUSY -> "the model service was busy (at its limit of calls at once)";
      case RANKING_DEGRADED_CAUSE_MODEL_REFUSED_CREDENTIALS -> "the model service refused the gateway's credentials"
          + " (an operator must give the gateway a key the model service accepts: "
          + ClientSettings.KEY_FILE_KEY + ")";
      default -> "the model could not rank";
    };
  }

  /** Why the answer's explanations are degraded: a false cause would be a reason that is untrue. */
  private static String whyModelReasonsAreMissing(ExplanationsDegradedCause cause) {
    return switch (cause) {
      case EXPLANATIONS_DEGRADED_CAUSE_EXPLAIN_FAILED -> "the model's reasons are missing: the service that"
          + " explains the model's picks did not answer in time, or failed. The reasons shown are the shop's order"
          + " statistics (how often an item was bought, and with what), not why the model picked it.";
      case EXPLANATIONS_DEGRADED_CAUSE_MODEL_DID_NOT_RANK -> "the model did not rank these items, so it has no"
          + " reasons to give: the reasons shown are the shop's order statistics (how often an item was bought, and"
          + " with what).";
      case EXPLANATIONS_DEGRADED_CAUSE_ITEMS_LEFT_OUT -> "the model's reasons are missing for some items: the"
          + " service that explains the model's picks answered, but gave none for them. Their reasons are the"
          + " shop's order statistics (how often an item was bought, and with what), not why the model picked them.";
      default -> "some of the model's reasons are missing: those items' reasons are the shop's order statistics"
          + " (how often an item was bought, and with what), not why the model picked them.";
    };
  }

  String render(String userId, RecommendResponse response) {
    StringBuilder out = new StringBuilder();
    out.append("Recommendations for user ").append(userId);
    if (!response.getModelVersion().isEmpty()) {
      out.append(" (model ").append(response.getModelVersion()).append(')');
    }
    out.append('\n');
    if (response.getColdStart()) {
      out.append("  note: no purchase of this user to go on (none here, or each turned down since);"
          + " these are popular items.\n");
    }
    if (response.getModelKnowsNoCandidate()) {
      out.append("  note: the model knows none of the items it could rank for this user (it was not trained on"
          + " them), so they are in retrieval order; a model trained on this shop's data (bin/glassbox train)"
          + " ranks them.\n");
    } else if (response.getRankingDegraded()) {
      out.append("  note: ").append(whyTheModelDidNotRank(response.getRankingDegradedCause()))
          .append("; items are in retrieval order.\n");
    }
    int unknown = response.getItemsUnknownToModel();
    String unknownItems = unknown == 1 ? "1 item" : unknown + " items";
    if (unknown > 0 && response.getPurchasesRead() == 0) {
      out.append(String.format(Locale.ROOT, "  note: the model knows none of the %s this user bought (it was not"
          + " trained on %s: imported since, say), so it read nothing of their record and ranks by each item's"
          + " learnt popularity and recent sales; a model trained on the shop's data (bin/glassbox train) reads"
          + " them.%n", unknownItems, unknown == 1 ? "it" : "them"));
    } else if (unknown > 0) {
      out.append(String.format(Locale.ROOT, "  note: the model does not know %s this user bought (it was not"
          + " trained on %s), so it did not read those purchases; it read %d other purchase%s.%n", unknownItems,
          unknown == 1 ? "it" : "them", response.getPurchasesRead(), response.getPurchasesRead() == 1 ? "" : "s"));
    }
    if (response.getExplanationsDegraded()) {
      // Said to a shopper's eyes, as the viewer says it: what the reasons are, and why.
      out.append("  note: ").append(whyModelReasonsAreMissing(response.getExplanationsDegradedCause())).append('\n');
    }
    if (response.getItemsCount() == 0) {
      out.append("  (no items)\n");
    }
    long buyAgain = count(response, RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN);
    long newcomers = count(response, RetrievalSource.RETRIEVAL_SOURCE_NEWCOMER);
    long modelPlaces = response.getItemsCount() - buyAgain - newcomers;
    if (buyAgain > 0 && buyAgain == response.getItemsCount()) {
      out.append("  note: every place went to this user's regular items (buy-again);"
          + " --buy-again-slots N leaves the others to the model.\n");
    } else if (buyAgain > 0) {
      out.append(String.format(Locale.ROOT, "  note: %s (buy-again); %s.%n",
          buyAgain == 1 ? "the first place is a regular item" : "the first " + buyAgain + " places are regular items",
          whatTheModelRanks(modelPlaces, response.getItemsCount(), newcomers > 0, response.getRankingDegraded())));
    }
    if (newcomers > 0) {
      out.append(String.format(Locale.ROOT, "  note: %s new in the shop: the model does not know %s yet"
          + " (placed by rule, after the model's picks).%n",
          newcomers == 1 ? "the last place is an item" : "the last " + newcomers + " places are items",
          newcomers == 1 ? "it" : "them"));
    }
    for (RecommendedItem recommended : response.getItemsList()) {
      Item item = recommended.getItem();
      out.append(String.format(Locale.ROOT, "%3d. %s  [%s]", recommended.getRank(), item.getTitle(),
          item.getItemId()));
      if (item.getPrice() > 0) {
        out.append(String.format(Locale.ROOT, "  %.2f %s", item.getPrice(), item.getCurrencyCode()));
      }
      if (recommended.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_BUY_AGAIN)) {
        out.append("  buy again (one of your regular items; placed by rule, not scored)\n");
      } else if (recommended.getSourcesList().contains(RetrievalSource.RETRIEVAL_SOURCE_NEWCOMER)) {
        out.append("  new in the shop (unknown to the model; placed by rule, not scored)\n");
      } else {
        // Without the model's ranking the score is retrieval's, not one the model computed.
        out.append(String.format(Locale.ROOT, "  %s %.3f  via %s%n",
            response.getRankingDegraded() ? "retrieval score" : "score", recommended.getScore(), sources(recommended)));
      }
      for (Reason reason : recommended.getReasonsList()) {
        out.append("       - ").append(reason.getText()).append('\n');
      }
    }
    return out.toString();
  }

  /**
   * The places after the buy-again ones that neither rule took, in words: the model ranks them, or
   * retrieval does when the model could not; none left when the buy-again and new-item places fill the list.
   */
  private static String whatTheModelRanks(long modelPlaces, int allPlaces, boolean newcomersAfter, boolean degraded) {
    if (modelPlaces == 0) {
      return "the model ranked none of the " + allPlaces + " places: the buy-again and new-item places filled the list";
    }
    String places = modelPlaces == 1 ? "place" : modelPlaces + " places";
    String which = newcomersAfter ? "the next " + places : "the other " + places;
    return degraded
        ? which + (modelPlaces == 1 ? " is" : " are") + " in retrieval order"
        : "the model ranks " + which + ", and its reasons count ranks among these new picks";
  }

  private static long count(RecommendResponse response, RetrievalSource source) {
    return response.getItemsList().stream().filter(i -> i.getSourcesList().contains(source)).count();
  }

  private static String sources(RecommendedItem recommended) {
    return recommended.getSourcesList().stream()
        .map(RecommendationPrinter::sourceName)
        .collect(Collectors.joining(", "));
  }

  private static String sourceName(RetrievalSource source) {
    return switch (source) {
      case RETRIEVAL_SOURCE_CO_PURCHASE -> "co-purchase";
      case RETRIEVAL_SOURCE_POPULAR -> "popular";
      case RETRIEVAL_SOURCE_BUY_AGAIN -> "buy again";
      case RETRIEVAL_SOURCE_NEWCOMER -> "newcomer";
      default -> "other";
    };
  }
}
