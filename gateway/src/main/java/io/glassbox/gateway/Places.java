package io.glassbox.gateway;

import static java.util.Objects.requireNonNull;

import io.glassbox.api.v1.Candidate;
import io.glassbox.server.RecommendPlaces;
import java.util.List;

/**
 * How the places of one Recommend answer are shared: the buy-again items first, then the model's
 * best items, then the newcomers (items the model does not know yet, placed by rule). The model's
 * places are what its reasons call "your top k new picks".
 *
 * @param buyAgain the user's regular items placed first
 * @param modelPlaces the places left to the model's ranking
 * @param newcomers the items placed last, at most the places left after buy-again
 */
record Places(BuyAgain buyAgain, int modelPlaces, List<Candidate> newcomers) {
  Places {
    requireNonNull(buyAgain, "buyAgain");
    newcomers = List.copyOf(newcomers);
  }

  /**
   * An answer of {@code limit} items: buy-again first, newcomers in the last places (as many as
   * there are, up to the places buy-again leaves), the model's ranking in between
   * ({@link RecommendPlaces}, the rule the explain service counts a default answer's by).
   */
  static Places of(int limit, BuyAgain buyAgain, List<Candidate> newcomers) {
    // newcomers are at most the request's newcomer slots already (RankedSlate.newcomers)
    RecommendPlaces shared = RecommendPlaces.of(limit, buyAgain.items().size(), newcomers.size(), newcomers.size());
    return new Places(buyAgain, shared.model(), newcomers.subList(0, shared.newcomers()));
  }
}
