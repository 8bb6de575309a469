package io.glassbox.feature;

import static io.glassbox.feature.CandidateSource.CO_PURCHASE;
import static io.glassbox.feature.CandidateSource.POPULAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Scores below are worked out by hand from {@link TestData#small()}; see the retriever's javadoc. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CandidateRetrieverTest {
  private final CandidateRetriever retriever = new CandidateRetriever(TestData.smallStore(), 20);

  private static List<String> ids(Retrieval retrieval) {
    return retrieval.candidates().stream().map(RetrievedCandidate::itemId).toList();
  }

  @Test
  void retrieve_knownUser_coPurchaseByRecencyWeightedBasketsWithVia() {
    // u1's recent distinct items: D (weight 1), A (0.9), C (0.81), B (0.729).
    Retrieval retrieval = retriever.retrieve("u1", 10, false, 0);

    assertTrue(retrieval.knownUser());
    assertEquals(List.of("B", "A", "C", "F", "D"), ids(retrieval));
    RetrievedCandidate b = retrieval.candidates().get(0);
    assertEquals(Set.of(CO_PURCHASE, POPULAR), b.sources());
    // A: 0.9 x 2 baskets, C: 0.81 x 2 baskets, plus a popularity share below 0.9^19.
    assertEquals(3.42, b.score(), Math.pow(0.9, 19));
    assertTrue(b.score() > 3.42);
    assertEquals(List.of("A", "C"), b.viaItemIds());
    assertEquals(List.of(2, 2), b.viaSharedOrders(), "B shares 2 baskets with A and 2 with C");
    RetrievedCandidate a = retrieval.candidates().get(1);
    assertEquals(List.of("B", "D", "C"), a.viaItemIds());
    assertEquals(List.of(2, 1, 1), a.viaSharedOrders());
  }

  @Test
  void retrieve_excludeHistory_dropsEveryHistoryItem() {
    Retrieval retrieval = retriever.retrieve("u1", 10, true, 0);

    assertEquals(List.of("F"), ids(retrieval));
    assertEquals(Set.of(CO_PURCHASE, POPULAR), retrieval.candidates().get(0).sources());
    assertEquals(List.of("A", "B"), retrieval.candidates().get(0).viaItemIds());
    assertEquals(List.of(1, 1), retrieval.candidates().get(0).viaSharedOrders());
  }

  /**
   * {@link TestData#small()} keeping {@code neighbours} per item, with the new item N sold with C
   * in one ingested order: with one, C's neighbour is B (2 baskets), so N is only among its
   * new-item ones.
   */
  private static InMemoryEventStore storeWithNewItem(int neighbours) {
    InMemoryEventStore store = new InMemoryEventStore(100, neighbours, "GBP", TestData.ROOMY, System::nanoTime);
    store.load(TestData.small());
    store.putItems(List.of(new Dataset.Item("N", "New bowl", "", "", 2.0)));
    store.append(List.of(
        new NewEvent("x", new RecordedEvent("C", Instant.ofEpochSecond(300), EventType.PURCHASE, "o1")),
        new NewEvent("x", new RecordedEvent("N", Instant.ofEpochSecond(300), EventType.PURCHASE, "o1"))));
    return store;
  }

  @Test
  void retrieve_newItems_keptInThePlacesOfTheWeakest() {
    CandidateRetriever oneNeighbour = new CandidateRetriever(storeWithNewItem(1), 20);
    // u3's recent items: C (weight 1), B (0.9). C votes B (2 baskets), B votes A (1.8).
    assertEquals(List.of("B", "A"), ids(oneNeighbour.retrieve("u3", 2, false, 0)));

    Retrieval retrieval = oneNeighbour.retrieve("u3", 2, false, 1);

    // N: 1 basket with C, weaker than A, kept in A's place.
    assertEquals(List.of("B", "N"), ids(retrieval));
    RetrievedCandidate n = retrieval.candidates().get(1);
    assertEquals(Set.of(CO_PURCHASE), n.sources());
    assertEquals(1.0, n.score(), 1e-12);
    assertEquals(List.of("C"), n.viaItemIds());
    assertEquals(List.of(1), n.viaSharedOrders());
  }

  @Test
  void retrieve_newItems_popularNewItemIsOneCandidateWithBothSources() {
    InMemoryEventStore store = storeWithNewItem(1);
    // Five more orders of N alone: 6 purchases, the most bought item.
    for (int user = 0; user < 5; user++) {
      store.append(List.of(new NewEvent("solo" + user,
          new RecordedEvent("N", Instant.ofEpochSecond(300), EventType.PURCHASE, "s1"))));
    }
    CandidateRetriever oneNeighbour = new CandidateRetriever(store, 20);
    assertEquals(List.of("B", "A"), ids(oneNeighbour.retrieve("u3", 2, false, 0)));

    List<RetrievedCandidate> found = oneNeighbour.retrieve("u3", 2, false, 1).candidates();

    assertEquals(List.of("B", "N"), found.stream().map(RetrievedCandidate::itemId).toList());
    assertEquals(Set.of(CO_PURCHASE, POPULAR), found.get(1).sources());
    assertEquals(6, found.get(1).purchases());
    assertTrue(found.get(1).score() > 1.0);
  }

  @Test
  void retrieve_newItemListedAmongTheNeighboursToo_getsOneVote() {
    RetrievedCandidate n = new CandidateRetriever(storeWithNewItem(200), 20).retrieve("u3", 10, false, 5).candidates().stream()
        .filter(c -> c.itemId().equals("N")).findFirst().orElseThrow();

    assertEquals(List.of("C"), n.viaItemIds());
    assertEquals(1.0, n.score(), Math.pow(0.9, 19));
  }

  @Test
  void retrieve_limit_keepsTheBest() {
    assertEquals(List.of("B", "A"), ids(retriever.retrieve("u1", 2, false, 0)));
  }

  @Test
  void retrieve_unknownUser_popularOnlyInPopularityOrder() {
    Retrieval retrieval = retriever.retrieve("stranger", 10, true, 0);

    assertFalse(retrieval.knownUser());
    assertEquals(List.of("A", "B", "C", "D", "F"), ids(retrieval));
    // Purchases: A 3, B 3, C 2, D 1, F 1.
    assertEquals(List.of(3L, 3L, 2L, 1L, 1L), retrieval.candidates().stream().map(RetrievedCandidate::purchases).toList());
    for (RetrievedCandidate candidate : retrieval.candidates()) {
      assertEquals(Set.of(POPULAR), candidate.sources());
      assertEquals(List.of(), candidate.viaItemIds());
      assertEquals(List.of(), candidate.viaSharedOrders());
      assertTrue(candidate.score() > 0 && candidate.score() < Math.pow(0.9, 19));
    }
  }

  @Test
  void retrieve_smallShop_popularItemsAreNoBestSellers() {
    // Every item bought is among the 10 most bought; the most bought, A, 3 times.
    Retrieval retrieval = retriever.retrieve("stranger", 10, true, 0);

    assertEquals(5, retrieval.candidates().size());
    for (RetrievedCandidate candidate : retrieval.candidates()) {
      assertFalse(candidate.bestSeller(), candidate.itemId());
    }
  }

  @Test
  void retrieve_bestSellers_theTopTenthBoughtTenTimesOrMore_butNotATieAcrossTheCut() {
    // 30 items bought: the top tenth is 3 items, but P03 is tied with P04 across that cut, and
    // calling both best sellers would make 4 of 30 (13%) "the top 10%": the tied pair is left out.
    long[] purchases = new long[30];
    Arrays.fill(purchases, 1);
    System.arraycopy(new long[] {30, 20, 12, 12, 11}, 0, purchases, 0, 5);
    CandidateRetriever shop = new CandidateRetriever(TestData.salesStore(purchases), 20);

    List<RetrievedCandidate> found = shop.retrieve("stranger", 500, true, 0).candidates();

    assertEquals(30, found.size(), "every item bought, X never");
    assertEquals(List.of("P01", "P02"),
        found.stream().filter(RetrievedCandidate::bestSeller).map(RetrievedCandidate::itemId).toList());
    assertEquals(12, found.get(3).purchases());
    assertEquals(11, found.get(4).purchases());
  }

  @Test
  void retrieve_popularOnlyItemsComeAfterEveryCoPurchaseItem() {
    // u3 bought B and C: co-purchase finds A and F (C and B too); E is never bought.
    Retrieval retrieval = retriever.retrieve("u3", 10, true, 0);

    assertEquals(List.of("A", "F", "D"), ids(retrieval));
    assertEquals(Set.of(CO_PURCHASE, POPULAR), retrieval.candidates().get(0).sources());
    assertEquals(Set.of(POPULAR), retrieval.candidates().get(2).sources());
    assertTrue(retrieval.candidates().get(1).score() > retrieval.candidates().get(2).score());
  }
}
