package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Reading vocabulary.tsv and metadata.json, and the messages for broken ones. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ModelFilesTest {
  @TempDir Path folder;

  @Test
  void vocabulary_withOrWithoutHeader_mapsIdsBothWays() {
    for (String text : new String[] {"index\titem_id\n1\t85123A\n2\t71053\n", "1\t85123A\n2\t71053"}) {
      Vocabulary vocabulary = vocabulary(text);

      assertEquals(2, vocabulary.size());
      assertEquals(1, vocabulary.indexOf("85123A"));
      assertEquals(2, vocabulary.indexOf("71053"));
      assertEquals(Vocabulary.UNKNOWN, vocabulary.indexOf("99999"));
      assertEquals("71053", vocabulary.idAt(2));
    }
  }

  /**
   * Catalogue ids are often short and sequential, with String hash codes packed together: a
   * vocabulary of 200k of them reads in well under the class timeout (an open-addressing copy of
   * the map took minutes on them).
   */
  @Test
  void vocabulary_manyShortSequentialIds_readsWithinTheTimeout() {
    StringBuilder text = new StringBuilder();
    for (int index = 1; index <= 200_000; index++) {
      text.append(index).append('\t').append(Integer.toString(index, 36)).append('\n');
    }

    Vocabulary vocabulary = vocabulary(text.toString());

    assertEquals(200_000, vocabulary.size());
    assertEquals(200_000, vocabulary.indexOf(Integer.toString(200_000, 36)));
  }

  @Test
  void vocabulary_brokenFiles_failWithTheLineAndTheProblem() {
    assertVocabularyError("1\ta\n3\tb\n", "vocabulary.tsv indices must be 1..2 without gaps; 2 is missing");
    assertVocabularyError("1\ta\n1\tb\n", "vocabulary.tsv line 2: index 1 appears twice");
    assertVocabularyError("1\ta\n2\ta\n", "vocabulary.tsv line 2: item id appears twice");
    assertVocabularyError("0\tpad\n", "vocabulary.tsv line 1: index must be >= 1 (0 is padding)");
    assertVocabularyError("1 a\n", "vocabulary.tsv line 1 must be index<TAB>item_id");
    assertVocabularyError("x\ta\n", "vocabulary.tsv line 1 has a non-numeric index");
    assertVocabularyError("", "vocabulary.tsv holds no items");
  }

  @Test
  void metadata_readsTheFieldsTheServiceUses() {
    ModelMetadata metadata = metadata("{\"model_name\":\"m\",\"version\":\"v\",\"dataset\":\"d\","
        + "\"trained_at\":\"2026-11-22T05:00:00+01:00\",\"max_history_length\":50,\"vocabulary_size\":3,"
        + "\"opset\":17,\"metrics\":{\"test_hr@10\":0.2,\"note\":\"text\"},\"settings\":{\"d_model\":64}}");

    assertEquals(new ModelMetadata("m", "v", "d", Instant.parse("2026-11-22T04:00:00Z"), 50, 3, 17,
        Map.of("test_hr@10", 0.2), Optional.empty(), Optional.empty(), Map.of()), metadata);
  }

  /** The users behind each group of test figures; an entry that is not a count and a digest is unknown. */
  @Test
  void metadata_testUsers_areReadByFigures_andAMalformedEntryIsLeftOut() {
    String digest = "0123456789abcdef".repeat(4);
    ModelMetadata metadata = metadata(valid().replace("\"opset\":17", "\"opset\":17,\"test_users\":{"
        + "\"test\":{\"count\":600,\"sha256\":\"" + digest + "\"},"
        + "\"trend_test\":{\"count\":-1,\"sha256\":\"" + digest + "\"},"
        + "\"title_test\":{\"count\":600,\"sha256\":\"not a digest\"}}"));

    assertEquals(Map.of("test", new ModelMetadata.TestUsers(600, digest)), metadata.testUsers());
    assertEquals(Map.of(), metadata(valid()).testUsers());
  }

  @Test
  void metadata_trendTerm_isReadAndChecked() {
    ModelMetadata metadata = metadata(valid().replace("\"opset\":17",
        "\"opset\":17,\"trend\":{\"window_days\":14,\"weight\":2.25}"));
    assertEquals(Optional.of(new TrendTerm(Duration.ofDays(14), 2.25)), metadata.trend());
    assertEquals((float) (2.25 * Math.log(1 + 9)), metadata.trend().get().score(9), 1e-6);
    assertEquals(0f, metadata.trend().get().score(0));

    assertMetadataError(valid().replace("\"opset\":17", "\"opset\":17,\"trend\":{\"weight\":1}"),
        "metadata.json field \"trend\" must be an object with numbers \"window_days\" and \"weight\"");
    assertMetadataError(valid().replace("\"opset\":17",
            "\"opset\":17,\"trend\":{\"window_days\":0,\"weight\":1}"),
        "metadata.json field \"trend\": trend window must be in (0, 366 days]");
    assertMetadataError(valid().replace("\"opset\":17",
            "\"opset\":17,\"trend\":{\"window_days\":14,\"weight\":-1}"),
        "metadata.json field \"trend\": trend weight must be a finite number >= 0");
  }

  @Test
  void metadata_titleTerm_isReadAndChecked() {
    String title = "\"opset\":17,\"title_similarity\":";
    assertEquals(Optional.of(new ModelMetadata.TitleSimilarity(32, "title_vectors.tsv")),
        metadata(valid().replace("\"opset\":17", title + "{\"weight\":32,\"file\":\"title_vectors.tsv\"}"))
            .titleSimilarity());

    String expected = "metadata.json field \"title_similarity\" must be an object with a finite number "
        + "\"weight\" >= 0 and \"file\", a file name in the version folder";
    for (String bad : List.of("{\"weight\":-1,\"file\":\"t.tsv\"}", "{\"weight\":1e999,\"file\":\"t.tsv\"}", "{\"file\":\"t.tsv\"}",
        "{\"weight\":1,\"file\":\"../t.tsv\"}", "{\"weight\":1,\"file\":\"..\"}", "{\"weight\":1}", "3")) {
      assertMetadataError(valid().replace("\"opset\":17", title + bad), expected);
    }
  }

  @Test
  void metadata_missingOrBadFields_failNamingTheField() {
    assertMetadataError("[]", "metadata.json must hold a JSON object");
    assertMetadataError("{", "metadata.json is not valid JSON");
    assertMetadataError(valid().replace("\"max_history_length\":50", "\"max_history_length\":0"),
        "metadata.json field \"max_history_length\" must be a positive integer");
    assertMetadataError(valid().replace("\"dataset\":\"d\",", ""),
        "metadata.json field \"dataset\" must be a non-empty string");
    assertMetadataError(valid().replace("2026-11-22T04:00:00Z", "yesterday"),
        "metadata.json field \"trained_at\" must be an ISO-8601 time");
  }

  private static String valid() {
    return "{\"model_name\":\"m\",\"version\":\"v\",\"dataset\":\"d\",\"trained_at\":\"2026-11-22T04:00:00Z\","
        + "\"max_history_length\":50,\"vocabulary_size\":3,\"opset\":17}";
  }

  /**
   * A file that grows after its size was checked on the open file (a copy still running) is read
   * no further than the bound and refused, not read to its new end.
   */
  @Test
  void read_fileGrowingPastTheBoundAfterItsCheck_isRefused() {
    Path file = folder.resolve(ModelLoader.VOCABULARY_FILE);
    ModelFolders.write(file, "1\ta\n");

    ModelLoadException refused = assertThrows(ModelLoadException.class, () -> ModelLoader.read(folder,
        ModelLoader.VOCABULARY_FILE, ModelLoader.VOCABULARY_FILE, "v2", ModelLoader.TEXT_SHARE_OF_FREE_HEAP, in -> {
          try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(Runtime.getRuntime().maxMemory() + 1);   // past any bound; no disk is used
            in.skip(Long.MAX_VALUE);   // to the bound at once, not a gigabyte of zeros read
            return in.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }));

    assertTrue(refused.getMessage().startsWith(
        "vocabulary.tsv in version v2 grew while it was read, more than the "), refused.getMessage());
  }

  private Vocabulary vocabulary(String text) {
    return ModelLoader.read(write("vocabulary.tsv", text), "vocabulary.tsv", "vocabulary.tsv", "v",
        ModelLoader.TEXT_SHARE_OF_FREE_HEAP, in -> Vocabulary.read(in, new TextParseBudget("v", ModelLoader.TEXT_SHARE_OF_FREE_HEAP)));
  }

  private ModelMetadata metadata(String text) {
    ObjectMapper json = new ObjectMapper();
    return ModelLoader.read(write("metadata.json", text), "metadata.json", "metadata.json", "v",
        ModelLoader.METADATA_SHARE_OF_FREE_HEAP, in -> ModelMetadata.read(in, json));
  }

  /** The folder, holding {@code text} as {@code name}. */
  private Path write(String name, String text) {
    ModelFolders.write(folder.resolve(name), text);
    return folder;
  }

  private void assertVocabularyError(String text, String expected) {
    ModelLoadException error = assertThrows(ModelLoadException.class, () -> vocabulary(text));
    assertEquals(expected, error.getMessage());
  }

  private void assertMetadataError(String text, String expectedStart) {
    ModelLoadException error = assertThrows(ModelLoadException.class, () -> metadata(text));
    assertTrue(error.getMessage().startsWith(expectedStart), error.getMessage());
  }
}
