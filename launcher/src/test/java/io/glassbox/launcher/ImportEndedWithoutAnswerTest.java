package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.ImportChunk;
import io.glassbox.api.v1.ImportResponse;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An import whose feature admin ends the stream without an answer: the command fails at once,
 * saying so, rather than waiting out its --timeout-s and calling the import too slow.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ImportEndedWithoutAnswerTest {
  private static final int TIMEOUT_S = 10;

  @TempDir Path dir;

  @Test
  void import_streamEndedWithoutAnAnswer_failsAtOnceSayingSo() throws Exception {
    Path csv = Files.writeString(dir.resolve("interactions.csv"), "user_id,item_id,timestamp\nu1,85123A,1104537600\n");
    Server featureAdmin = SuiteAnswer.serve(ImportEndedWithoutAnswerTest::endsImportsWithoutAnswer);
    try {
      long start = System.nanoTime();
      CliRun run = CliRun.of("import", "--interactions", csv.toString(), "--timeout-s", String.valueOf(TIMEOUT_S),
          "--target", "localhost:" + featureAdmin.getPort());
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      // Before, it waited --timeout-s and 5 s more, then said the import was too slow.
      assertEquals(1, run.exit(), run.err());
      assertTrue(run.err().startsWith(
          "glassbox import: INTERNAL: the feature admin ended the import without an answer\n"), run.err());
      assertTrue(took.compareTo(Duration.ofSeconds(TIMEOUT_S)) < 0, "took " + took);
    } finally {
      featureAdmin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * A feature admin that ends each import, once sent, with OK and no answer, as a server other than
   * grpc-java's (or a proxy) may. Served as a bidi stream of the same name: grpc-java's server turns
   * such an end of a call it knows to answer once into INTERNAL.
   */
  private static ServerServiceDefinition endsImportsWithoutAnswer() {
    ServerCallHandler<ImportChunk, ImportResponse> endWithoutAnswer = (call, headers) -> {
      call.request(Integer.MAX_VALUE);
      return new ServerCall.Listener<>() {
        @Override
        public void onHalfClose() {
          call.close(Status.OK, new Metadata());
        }
      };
    };
    return ServerServiceDefinition.builder(FeatureAdminGrpc.SERVICE_NAME)
        .addMethod(FeatureAdminGrpc.getImportInteractionsMethod().toBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING).build(), endWithoutAnswer)
        .build();
  }
}
