package io.glassbox.feature;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A dataset's fingerprint that adds up per user: the sum, modulo 2^256, of a SHA-256 of the
 * catalogue and a SHA-256 of each user's rows (their <b>part</b>). A folder without some users'
 * rows sums to the folder's sum less those users' parts, which {@link DatasetIndex#fingerprint}, a
 * hash of the rows in file order, cannot tell: what lets a Redis seeded with a folder take that
 * folder less the customers erased since as the one it holds ({@link RedisEventStore}).
 *
 * <p>A part hashes the user's rows in the order the store keeps them ({@link
 * Dataset.Interaction#STORE_ORDER}), without the sequence number itself: without a {@code seq_pos}
 * column that number is the row's place in the file, which removing another user's rows shifts.
 * So a part changes with the user's rows and their order, and with nothing else. The sum tells
 * folders apart by accident as well as SHA-256 does; it is not built to withstand someone who
 * crafts folders to collide, which the operator, who writes the folder, has no need to.
 */
final class DatasetSum {
  private static final BigInteger MODULUS = BigInteger.ONE.shiftLeft(256);

  private final BigInteger total;
  private final Map<String, BigInteger> parts;

  private DatasetSum(BigInteger total, Map<String, BigInteger> parts) {
    this.total = total;
    this.parts = parts;
  }

  static DatasetSum of(Dataset dataset) {
    MessageDigest catalogue = Digests.sha256();
    StringBuilder row = new StringBuilder(256);
    DatasetIndex.addCatalogue(catalogue, dataset, row);
    BigInteger total = new BigInteger(1, catalogue.digest());
    Map<String, List<Dataset.Interaction>> byUser = new HashMap<>();
    for (Dataset.Interaction event : dataset.interactions()) {
      byUser.computeIfAbsent(event.userId(), user -> new ArrayList<>()).add(event);
    }
    Map<String, BigInteger> parts = new HashMap<>(byUser.size() * 2);
    for (Map.Entry<String, List<Dataset.Interaction>> user : byUser.entrySet()) {
      BigInteger part = part(user.getValue(), row);
      parts.put(user.getKey(), part);
      total = total.add(part);
    }
    return new DatasetSum(total.mod(MODULUS), parts);
  }

  /** SHA-256 of one user's rows, in the store's order. */
  private static BigInteger part(List<Dataset.Interaction> rows, StringBuilder row) {
    rows.sort(Dataset.Interaction.STORE_ORDER);
    MessageDigest digest = Digests.sha256();
    for (Dataset.Interaction event : rows) {
      row.setLength(0);
      row.append(event.userId()).append('\0').append(event.itemId()).append('\0').append(event.epochSeconds())
          .append('.').append(event.nanos()).append('\0').append(event.type().ordinal()).append('\0')
          .append(event.basketId()).append('\n');
      digest.update(row.toString().getBytes(StandardCharsets.UTF_8));
    }
    return new BigInteger(1, digest.digest());
  }

  /** The sum, 64 hex digits. */
  String total() {
    return hex(total);
  }

  /** The user's part, 64 hex digits; empty when the dataset has no row of theirs. */
  Optional<String> part(String userId) {
    return Optional.ofNullable(parts.get(userId)).map(DatasetSum::hex);
  }

  /**
   * Whether this dataset is the one that summed to {@code seeded} less the rows of some of the
   * users whose parts are {@code erased}: a part this dataset holds is of a user still in it; every
   * other one must be missing from the sum.
   */
  boolean isLess(String seeded, Collection<String> erased) {
    Set<BigInteger> held = new HashSet<>(parts.values());
    BigInteger expected = new BigInteger(seeded, 16);
    for (String part : erased) {
      BigInteger value = new BigInteger(part, 16);
      if (!held.contains(value)) {
        expected = expected.subtract(value);
      }
    }
    return expected.mod(MODULUS).equals(total);
  }

  private static String hex(BigInteger value) {
    return String.format("%064x", value);
  }
}
