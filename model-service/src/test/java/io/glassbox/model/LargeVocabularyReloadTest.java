package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A text file can parse to many times its size: a vocabulary.tsv of 20 MiB of short lines, or
 * title vectors of one item with 570k distinct words (4.6 MB), both under a quarter of a 128 MiB
 * heap, would take more than the whole heap as maps, and with the deployed
 * -XX:+ExitOnOutOfMemoryError stop the service. The parse is refused by name as soon as what it
 * holds passes its share of the heap, and v1 keeps serving.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LargeVocabularyReloadTest {
  private static final long VOCABULARY_BYTES = 20L << 20;
  private static final int DISTINCT_WORDS = 570_000;
  private static final int HUGE_WORD_CHARACTERS = 60 << 20;

  @TempDir Path modelDirectory;
  @TempDir Path logs;

  @Test
  void reloadModel_onAPort_vocabularyThatParsesPastTheHeap_isRefusedByName_andV1KeepsServing() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path vocabulary = ModelFolders.addToyVersion(modelDirectory, "v2").resolve(ModelLoader.VOCABULARY_FILE);
    writeShortLines(vocabulary, VOCABULARY_BYTES);

    assertRefusedByName("vocabulary.tsv", ServiceJvm.run(logs, ServiceWithLargeVocabulary.class, 3,
        modelDirectory.toString()));
  }

  /**
   * Title vectors of one word of 60 Mi characters, one of them not Latin-1 (so each takes two
   * bytes in a String), on the deployed heap of 384 MiB: under the file bound (a quarter of the
   * free heap), but read as a line, and cut into the vector and the word, it would take more than
   * the heap at once. It is refused while the line is read.
   */
  @Test
  void reloadModel_onAPort_titleVectorsOfOneHugeWord_isRefusedByName_andV1KeepsServing() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path folder = withTitleTerm(ModelFolders.addToyVersion(modelDirectory, "v2"));
    ModelFolders.write(folder.resolve("title_vectors.tsv"),
        "item_id\ttitle_vector\nitem-01\t\u20ac" + "x".repeat(HUGE_WORD_CHARACTERS) + ":1\n");

    assertRefusedByName("title_vectors.tsv", ServiceJvm.run(logs, ServiceJvm.DEPLOYED_FLAGS,
        ServiceWithLargeVocabulary.class, 3, modelDirectory.toString()));
  }

  @Test
  void reloadModel_onAPort_titleVectorsThatParsePastTheHeap_isRefusedByName_andV1KeepsServing() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path folder = withTitleTerm(ModelFolders.addToyVersion(modelDirectory, "v2"));
    StringBuilder vectors = new StringBuilder("item_id\ttitle_vector\nitem-01\t");
    for (int word = 0; word < DISTINCT_WORDS; word++) {
      vectors.append(Integer.toString(word, 36)).append(":1 ");
    }
    ModelFolders.write(folder.resolve("title_vectors.tsv"), vectors.append('\n').toString());

    assertRefusedByName("title_vectors.tsv", ServiceJvm.run(logs, ServiceWithLargeVocabulary.class, 3,
        modelDirectory.toString()));
  }

  /** {@code folder}, its metadata.json declaring a title term in title_vectors.tsv. */
  private static Path withTitleTerm(Path folder) {
    Path metadata = folder.resolve(ModelLoader.METADATA_FILE);
    ModelFolders.write(metadata, ModelFolders.read(metadata).replace("\"opset\": 17",
        "\"opset\": 17, \"title_similarity\": {\"weight\": 10, \"file\": \"title_vectors.tsv\"}"));
    return folder;
  }

  /** v2 refused naming {@code file} and the figures (an estimate over the bound), and v1 still answering. */
  private static void assertRefusedByName(String file, Map<String, String> results) {
    String refusal = results.get("v2");
    Matcher figures = Pattern.compile("refused " + Pattern.quote(file) + " in version v2 would take more than the "
        + "(\\d+) bytes of heap this service can spare to parse it: about (\\d+) bytes by line \\d+.*"
        + Pattern.quote(" (vocabulary.tsv and the title vectors together may take 1/"
        + ModelLoader.TEXT_SHARE_OF_FREE_HEAP + " of the heap it has free; give it a larger heap); version v1 keeps"
        + " serving")).matcher(refusal);
    assertTrue(figures.matches(), refusal);
    assertTrue(Long.parseLong(figures.group(2)) > Long.parseLong(figures.group(1)), refusal);
    assertEquals("v1", results.get("info-version"));
    assertEquals("v1", results.get("score-version"));
  }

  /** {@code index<TAB>id} lines, ids of a few base-36 digits, to at least {@code bytes}. */
  private static void writeShortLines(Path file, long bytes) throws IOException {
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      long written = 0;
      for (int index = 1; written < bytes; index++) {
        String line = index + "\t" + Integer.toString(index, 36) + "\n";
        out.write(line);
        written += line.length();
      }
    }
  }

  /** The model service serving toy v1 on free ports (argument: the model directory); reloads v2, then asks v1. */
  static final class ServiceWithLargeVocabulary {
    private ServiceWithLargeVocabulary() {}

    public static void main(String[] args) {
      GrpcServer server = ToyModelMain.start(Path.of(args[0]), "v1");
      ManagedChannel admin = ToyModelMain.channelTo(server.adminPort());
      ManagedChannel channel = ToyModelMain.channelTo(server.port());
      try {
        ServiceJvm.result("v2", ServiceJvm.reload(ModelAdminGrpc.newBlockingStub(admin), "v2"));
        ModelServiceGrpc.ModelServiceBlockingStub stub = ModelServiceGrpc.newBlockingStub(channel);
        ServiceJvm.result("info-version", stub.getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion());
        ServiceJvm.result("score-version",
            stub.score(ScoreRpcTest.request(ScoreRpcTest.row(List.of(2, 4), List.of(3)))).getModelVersion());
      } finally {
        admin.shutdownNow();
        channel.shutdownNow();
        server.close();
      }
      System.exit(0);
    }
  }
}
