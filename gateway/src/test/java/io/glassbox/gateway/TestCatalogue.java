package io.glassbox.gateway;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.Item;
import io.glassbox.api.v1.RetrievalSource;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The small world the gRPC tests run in. User {@value #KNOWN_USER} bought h1, h2, h3 (oldest
 * first). Its candidates, by retrieval score: c1 9, c2 8, c4 7, h2 6 (already bought), c1 again,
 * c3 0.5, c5 0.4. The model scores c5 3.0 > c2 2.0 > c3 1.5 > c1 0.1 > c4 -1.0 (and h2 9.0, which
 * must still be filtered out); it does not know h1. Unknown users get p1 (retrieval 2.0, model
 * 0.2) and p2 (retrieval 1.0, model 0.9).
 */
final class TestCatalogue {
  static final String KNOWN_USER = "u1";
  static final String UNKNOWN_USER = "nobody";
  static final List<String> HISTORY = List.of("h1", "h2", "h3");
  static final List<String> BY_MODEL = List.of("c5", "c2", "c3", "c1", "c4");
  static final List<String> BY_RETRIEVAL = List.of("c1", "c2", "c4", "c3", "c5");

  private TestCatalogue() {}

  /** Orders each via item of {@link #coPurchase} shares with it: more than a reason needs to cite the pair. */
  static final int SHARED_ORDERS = 10;

  /**
   * A candidate retrieved by co-purchase through {@code via}, each sharing {@value #SHARED_ORDERS}
   * orders with it (no basket size: its reasons state no counts).
   */
  static Candidate coPurchase(String id, double score, String... via) {
    return Candidate.newBuilder()
        .setItemId(id)
        .addSources(RetrievalSource.RETRIEVAL_SOURCE_CO_PURCHASE)
        .setRetrievalScore(score)
        .addAllViaItemIds(List.of(via))
        .addAllViaSharedOrders(Collections.nCopies(via.length, SHARED_ORDERS))
        .build();
  }

  /** A candidate retrieved as popular that the feature service calls one of the shop's best sellers. */
  static Candidate popular(String id, double score) {
    return Candidate.newBuilder()
        .setItemId(id)
        .addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR)
        .setRetrievalScore(score)
        .setBestSeller(true)
        .build();
  }

  static Item item(String id) {
    return Item.newBuilder()
        .setItemId(id)
        .setTitle("Title " + id)
        .setPrice(1.25)
        .setCurrencyCode("GBP")
        .build();
  }

  static FakeFeatureService featureService() {
    Candidate c4 = coPurchase("c4", 7, "h1").toBuilder()
        .addSources(RetrievalSource.RETRIEVAL_SOURCE_POPULAR).setBestSeller(true).build();
    return new FakeFeatureService()
        .withUser(KNOWN_USER, HISTORY, List.of(
            coPurchase("c1", 9, "h3"),
            coPurchase("c2", 8, "h2", "h1"),
            c4,
            coPurchase("h2", 6, "h3"),
            coPurchase("c1", 5, "h3"),
            popular("c3", 0.5),
            popular("c5", 0.4)))
        .withPopular(List.of(popular("p1", 2.0), popular("p2", 1.0)))
        .withItems(Stream.of("h1", "h2", "h3", "c1", "c2", "c3", "c4", "c5", "p1", "p2")
            .map(TestCatalogue::item).toList());
  }

  static FakeModelService modelService() {
    return new FakeModelService(
        Map.of("c1", 0.1f, "c2", 2.0f, "c3", 1.5f, "c4", -1.0f, "c5", 3.0f, "h2", 9.0f,
            "p1", 0.2f, "p2", 0.9f),
        Set.of("h1"));
  }
}
