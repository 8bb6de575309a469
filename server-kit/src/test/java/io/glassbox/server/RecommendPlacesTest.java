package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RecommendPlacesTest {
  @Test
  void buyAgainFirst_thenNewcomersUpToTheirSlots_theModelTheRest() {
    assertEquals(new RecommendPlaces(1, 7), RecommendPlaces.of(10, 2, 1, 3), "one slot, three newcomers");
    assertEquals(new RecommendPlaces(2, 6), RecommendPlaces.of(10, 2, 5, 2), "five slots, two newcomers");
    assertEquals(new RecommendPlaces(0, 10), RecommendPlaces.of(10, 0, 0, 4), "no slot: no newcomer");
  }

  @Test
  void newcomers_takeAtMostThePlacesBuyAgainLeaves() {
    assertEquals(new RecommendPlaces(2, 0), RecommendPlaces.of(10, 8, 3, 3));
    assertEquals(new RecommendPlaces(0, 0), RecommendPlaces.of(10, 10, 1, 1), "buy-again takes every place");
  }

  @Test
  void moreBuyAgainItemsThanPlaces_leaveNoPlace() {
    assertEquals(new RecommendPlaces(0, 0), RecommendPlaces.of(3, 5, 1, 1));
  }
}
