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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A text file parses to many times its size: a vocabulary.tsv of 20 MiB of short lines, far under
 * a quarter of a 128 MiB heap, would take more than the whole heap as maps, and with the deployed
 * -XX:+ExitOnOutOfMemoryError stop the service. It is refused by name instead, and v1 keeps serving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LargeVocabularyReloadTest {
  private static final long VOCABULARY_BYTES = 20L << 20;

  @TempDir Path modelDirectory;
  @TempDir Path logs;

  @Test
  void reloadModel_onAPort_vocabularyThatParsesPastTheHeap_isRefusedByName_andV1KeepsServing() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path vocabulary = ModelFolders.addToyVersion(modelDirectory, "v2").resolve(ModelLoader.VOCABULARY_FILE);
    long size = writeShortLines(vocabulary, VOCABULARY_BYTES);

    Map<String, String> results = ServiceJvm.run(logs, ServiceWithLargeVocabulary.class, 3, modelDirectory.toString());

    String refusal = results.get("v2");
    assertTrue(refusal.startsWith("refused vocabulary.tsv in version v2 is " + size + " bytes, more than the "),
        refusal);
    assertTrue(refusal.endsWith(" bytes this service can spare to read it (1/"
        + ModelLoader.TEXT_SHARE_OF_FREE_HEAP + " of the heap it has free; give it a larger heap)"), refusal);
    assertEquals("v1", results.get("info-version"));
    assertEquals("v1", results.get("score-version"));
  }

  /** {@code index<TAB>id} lines, ids of a few base-36 digits, to at least {@code bytes}; the size written. */
  private static long writeShortLines(Path file, long bytes) throws IOException {
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      long written = 0;
      for (int index = 1; written < bytes; index++) {
        String line = index + "\t" + Integer.toString(index, 36) + "\n";
        out.write(line);
        written += line.length();
      }
    }
    return Files.size(file);
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
