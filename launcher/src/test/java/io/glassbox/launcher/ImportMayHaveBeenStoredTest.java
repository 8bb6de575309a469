package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.ImportChunk;
import io.glassbox.api.v1.ImportResponse;
import io.glassbox.server.Descriptions;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An import the feature service answers "it may have been stored" (its store did not confirm the
 * write): the command says where the suite's logs list the call and how to go on, in import's
 * terms; an import has no request id to resend it with.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ImportMayHaveBeenStoredTest {
  @TempDir Path dir;

  @Test
  void import_storeDidNotConfirmTheWrite_namesTheTraceIdAndSaysToRunItAgain() throws Exception {
    Path csv = Files.writeString(dir.resolve("interactions.csv"), "user_id,item_id,timestamp\nu1,85123A,1104537600\n");
    // As the feature admin answers it (StoreCalls).
    Server featureAdmin = SuiteAnswer.serve(new FeatureAdminGrpc.FeatureAdminImplBase() {
      @Override
      public StreamObserver<ImportChunk> importInteractions(StreamObserver<ImportResponse> replies) {
        return SuiteAnswer.answeredOnceSent(() -> replies.onError(Status.UNAVAILABLE.withDescription(
            "the feature store did not confirm the write; " + Descriptions.MAY_HAVE_BEEN_STORED)
            .asRuntimeException(SuiteAnswer.trailers("feature-service", "trace-7"))));
      }
    });
    try {
      CliRun run = CliRun.of("import", "--interactions", csv.toString(), "--target",
          "localhost:" + featureAdmin.getPort());

      // Before, the second line ended ", not the request id to resend it with.", of an import that has none.
      assertEquals(1, run.exit(), run.err());
      assertEquals("glassbox import: UNAVAILABLE: the feature store did not confirm the write; it may have been stored\n"
          + "glassbox import: the suite's logs list this call under trace id trace-7 (x-request-id).\n"
          + "glassbox import: some or all of " + csv + " may have been stored. Run the same command again:"
          + " interactions already stored count as \"already there\" (items are replaced by themselves), none is"
          + " stored twice.\n", run.err());
    } finally {
      featureAdmin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
