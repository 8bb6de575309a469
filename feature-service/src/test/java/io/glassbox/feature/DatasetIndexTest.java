package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The dataset's fingerprint, which names the dataset a shared store (Redis) was seeded with. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DatasetIndexTest {
  /** Times in whole seconds fingerprint as before fractions were kept: a Redis seeded then still serves. */
  @Test
  void fingerprint_ofWholeSeconds_isTheOneStoresWereSeededUnder() {
    assertEquals("879a13f676aae9768cedf5fa586856b21a08a3cc7650ea4bceea1dd81fc27a26",
        DatasetIndex.build(TestData.small(), 100, 200).fingerprint());
  }

  /** A fraction of a second is another moment, so another dataset (a Redis holding whole seconds is refused). */
  @Test
  void fingerprint_aFractionOfASecond_makesAnotherDataset() {
    Dataset small = TestData.small();
    List<Dataset.Interaction> interactions = new ArrayList<>(small.interactions());
    Dataset.Interaction first = interactions.get(0);
    interactions.set(0, new Dataset.Interaction(first.userId(), first.itemId(), first.epochSeconds(), 1, first.type(),
        first.basketId(), first.sequence()));

    assertNotEquals(DatasetIndex.build(small, 100, 200).fingerprint(),
        DatasetIndex.build(new Dataset(small.items(), interactions), 100, 200).fingerprint());
  }
}
