package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BestSellersTest {

  @Test
  void lastRank_isTheTopTenthOfTheItemsBoughtRoundedDownAndAtMost500() {
    // Rounded down: reasons say "among the shop's top 10%", which the 318th of 3,178 is not.
    assertEquals(0, BestSellers.lastRank(0));
    assertEquals(0, BestSellers.lastRank(1));
    assertEquals(0, BestSellers.lastRank(9));
    assertEquals(1, BestSellers.lastRank(10));
    assertEquals(1, BestSellers.lastRank(19));
    assertEquals(3, BestSellers.lastRank(30));
    assertEquals(317, BestSellers.lastRank(3178), "the embedded data's 3,178 items bought");
    assertEquals(500, BestSellers.lastRank(5000));
    assertEquals(500, BestSellers.lastRank(Integer.MAX_VALUE));
  }

  /**
   * Before, an item tied with the last best seller counted too, so the tied group could push the
   * best sellers past the top 10% a reason states: here P04 (12 purchases, 4th of 30 items, 13%)
   * was "among the top 10%", and in a shop of 20 items (the top 2) whose 2nd to 9th tie, nine items (45%) were.
   */
  @Test
  void minimumPurchases_aTieAtTheLastRank_leavesTheTiedGroupOut_soTheBestSellersStayWithinTheShare() {
    // 30 items bought: the top 3; P03 and P04 share the third place, so only P01 and P02 qualify.
    long[] purchases = new long[30];
    Arrays.fill(purchases, 1);
    System.arraycopy(new long[] {30, 20, 12, 12, 11}, 0, purchases, 0, 5);

    EventStore store = TestData.salesStore(purchases);
    assertEquals(13, BestSellers.minimumPurchases(store, store.popularity(0)));
    // Retrieval's own read of the ranking, when it reaches past the last rank, gives the same.
    assertEquals(13, BestSellers.minimumPurchases(store, store.popularity(500)));
    assertEquals(13, BestSellers.minimumPurchases(store, store.popularity(3)));
    assertEquals(13, BestSellers.minimumPurchases(store, store.popularity(2)));

    // 20 items bought, the top 2; the first is alone, the next eight tie: only the first qualifies.
    EventStore manyTies = TestData.salesStore(40, 15, 15, 15, 15, 15, 15, 15, 15, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    assertEquals(16, BestSellers.minimumPurchases(manyTies, manyTies.popularity(0)));
    // Every item tied: none qualifies.
    long[] allTied = new long[20];
    Arrays.fill(allTied, 12);
    EventStore evenShop = TestData.salesStore(allTied);
    assertEquals(13, BestSellers.minimumPurchases(evenShop, evenShop.popularity(0)));
  }

  @Test
  void minimumPurchases_noTieAtTheLastRank_isTheLastBestSellers() {
    // 30 items bought: the top 3, P03 alone in the third place.
    EventStore store = TestData.salesStore(30, 20, 12, 11, 11, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1);
    assertEquals(12, BestSellers.minimumPurchases(store, store.popularity(0)));
  }

  @Test
  void minimumPurchases_isAtLeastTen() {
    // 20 items bought: the top 2, but the second was bought 9 times.
    EventStore store = TestData.salesStore(40, 9, 9, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    assertEquals(10, BestSellers.minimumPurchases(store, store.popularity(0)));
  }

  @Test
  void minimumPurchases_nothingBought_noItemQualifies() {
    EventStore store = TestData.salesStore();
    assertEquals(Long.MAX_VALUE, BestSellers.minimumPurchases(store, store.popularity(0)));
  }
}
