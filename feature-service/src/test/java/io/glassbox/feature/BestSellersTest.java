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

  @Test
  void minimumPurchases_isTheLastBestSellersSoATieWithItCounts() {
    // 30 items bought: the top 3; P03 and P04 share the third place.
    long[] purchases = new long[30];
    Arrays.fill(purchases, 1);
    System.arraycopy(new long[] {30, 20, 12, 12, 11}, 0, purchases, 0, 5);

    EventStore store = TestData.salesStore(purchases);
    assertEquals(12, BestSellers.minimumPurchases(store, store.popularity(0)));
    // Retrieval's own read of the ranking, when it reaches the last rank, gives the same.
    assertEquals(12, BestSellers.minimumPurchases(store, store.popularity(500)));
    assertEquals(12, BestSellers.minimumPurchases(store, store.popularity(2)));
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
