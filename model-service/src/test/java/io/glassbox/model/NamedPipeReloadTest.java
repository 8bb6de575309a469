package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A named pipe (FIFO) in a version folder where a model file belongs, there from the start or
 * swapped in during the reload: opening one for reading waits for a writer that never comes, which
 * would hold the reload, and every reload after it (they take turns), for good. Each file is
 * checked to be a regular file just before it is opened, so the reload is refused at once, naming
 * the file, and the version serving keeps serving. Java cannot make a FIFO: mkfifo(1) does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NamedPipeReloadTest {
  private static final ScoreRequest ONE_CELL =
      ScoreRpcTest.request(ScoreRpcTest.row(List.of(2, 4), List.of(3)));
  /** A refused reload reads a few small files: far longer than that means it waited on the pipe. */
  private static final long PROMPTLY_MILLIS = 1_000;

  @TempDir Path modelDirectory;

  @ParameterizedTest
  @ValueSource(strings = {ModelLoader.MODEL_FILE, ModelLoader.METADATA_FILE, ModelLoader.VOCABULARY_FILE,
      "weights.bin"})
  void reloadModel_onAPort_namedPipeForAModelFile_failsAtOnceNamingIt_andTheOldVersionKeepsServing(String file)
      throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path folder = ModelFolders.addExternalDataVersion(modelDirectory, "v2");   // weights.bin: its external data
    Files.delete(folder.resolve(file));
    makeFifo(folder.resolve(file));
    try (Suite suite = Suite.onAPort(modelDirectory)) {
      Thread reload = suite.reloadInTheBackground("v2");
      reload.join(PROMPTLY_MILLIS);

      suite.assertRefusedAtOnce(reload, file);
    }
  }

  @Test
  void reloadModel_onAPort_modelFileSwappedForANamedPipeWhileTheVocabularyIsRead_failsAtOnce() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path folder = ModelFolders.addToyVersion(modelDirectory, "v2");
    // Blank lines, which the vocabulary skips, keep its read going long after it opens the file.
    byte[] blankLines = new byte[1 << 20];
    Arrays.fill(blankLines, (byte) '\n');
    try (OutputStream vocabulary = Files.newOutputStream(folder.resolve(ModelLoader.VOCABULARY_FILE),
        StandardOpenOption.APPEND)) {
      for (int mebibyte = 0; mebibyte < 8; mebibyte++) {
        vocabulary.write(blankLines);
      }
    }
    Path pipe = folder.resolve("model.onnx.pipe");
    makeFifo(pipe);
    try (Suite suite = Suite.onAPort(modelDirectory)) {
      Thread reload = suite.reloadInTheBackground("v2");
      Path vocabularyFile = folder.resolve(ModelLoader.VOCABULARY_FILE);
      awaitOpen(vocabularyFile, true, reload);
      // model.onnx was a file when the reload began; it is a pipe from now on.
      Files.move(pipe, folder.resolve(ModelLoader.MODEL_FILE), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      awaitOpen(vocabularyFile, false, reload);   // read: model.onnx comes next
      long vocabularyRead = System.nanoTime();
      reload.join(PROMPTLY_MILLIS);
      if (reload.isAlive()) {
        // Held in the open of the pipe: a writer lets it go, so that the server can close. Opened
        // for reading too, this open never waits itself.
        FileChannel.open(folder.resolve(ModelLoader.MODEL_FILE), StandardOpenOption.READ, StandardOpenOption.WRITE)
            .close();
        reload.join();
      }

      assertTrue(System.nanoTime() - vocabularyRead < TimeUnit.MILLISECONDS.toNanos(PROMPTLY_MILLIS),
          "the reload waited on the pipe until a writer came");
      suite.assertRefusedAtOnce(reload, ModelLoader.MODEL_FILE);
    }
  }

  /** Waits until this process has {@code file} open (the reload reads it), or no longer, while {@code reader} runs. */
  private static void awaitOpen(Path file, boolean open, Thread reader) throws Exception {
    Path real = file.toRealPath();
    Path descriptors = Path.of("/proc/self/fd");
    while (true) {
      boolean ended = !reader.isAlive();
      try (Stream<Path> descriptor = Files.list(descriptors)) {
        if (descriptor.anyMatch(fd -> real.equals(target(fd))) == open || (ended && !open)) {
          return;
        }
      }
      if (ended) {
        throw new AssertionError("the reload ended before it opened " + file);
      }
      LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));   // leaves the reader the CPU
    }
  }

  private static Path target(Path descriptor) {
    try {
      return Files.readSymbolicLink(descriptor);
    } catch (Exception closedMeanwhile) {
      return null;
    }
  }

  /** The model-service started as ModelMain starts it, serving v1, with its ports and clients. */
  private static final class Suite implements AutoCloseable {
    final GrpcServer server;
    final ManagedChannel channel;
    final ManagedChannel adminChannel;
    final ModelServiceGrpc.ModelServiceBlockingStub stub;
    final ModelAdminGrpc.ModelAdminBlockingStub admin;
    final AtomicReference<Throwable> outcome = new AtomicReference<>();

    private Suite(GrpcServer server) {
      this.server = server;
      this.channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      this.adminChannel = NettyChannelBuilder.forAddress("127.0.0.1", server.adminPort()).usePlaintext().build();
      this.stub = ModelServiceGrpc.newBlockingStub(channel);
      this.admin = ModelAdminGrpc.newBlockingStub(adminChannel);
    }

    static Suite onAPort(Path modelDirectory) {
      Suite suite = new Suite(ModelMain.start(ConfigSource.of(Map.of(
          ModelConfig.PORT_KEY, "0", ModelConfig.ADMIN_PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
          ModelConfig.DIRECTORY_KEY, modelDirectory.toString(), ModelConfig.NAME_KEY, ModelFolders.TOY_NAME,
          ModelConfig.VERSION_KEY, "v1", ModelConfig.PROVIDER_KEY, "cpu"))));
      // Both connections made before the timed call.
      assertEquals("v1", suite.stub.getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion());
      assertEquals("v1", suite.reload("v1"));
      return suite;
    }

    String reload(String version) {
      return admin.reloadModel(ReloadModelRequest.newBuilder().setVersion(version).build()).getActive().getVersion();
    }

    Thread reloadInTheBackground(String version) {
      Thread reload = new Thread(() -> {
        try {
          reload(version);
        } catch (Throwable e) {
          outcome.set(e);
        }
      }, "reload-of-" + version);
      reload.start();
      return reload;
    }

    /** {@code reload} ended in time, refused, naming {@code file}; v1 serves, and reloads again. */
    void assertRefusedAtOnce(Thread reload, String file) {
      assertFalse(reload.isAlive(), "the reload still waits after " + PROMPTLY_MILLIS + " ms: it opened the pipe");
      assertNotNull(outcome.get(), "the reload of a folder with a named pipe must fail");
      Status status = Status.fromThrowable(outcome.get());
      assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode(), status.toString());
      assertTrue(status.getDescription().startsWith(file + " in version v2 is not a regular file")
          || status.getDescription().contains("\"" + file + "\", which is not a file"), status.getDescription());
      assertEquals("v1", stub.getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion());
      assertEquals("v1", stub.score(ONE_CELL).getModelVersion());
      assertEquals(ScoreRpcTest.toyScore(3, 2, 4), stub.score(ONE_CELL).getRows(0).getScores(0), 1e-5f);
      assertEquals("v1", reload("v1"), "the next reload is not held behind it");
    }

    @Override
    public void close() {
      adminChannel.shutdownNow();
      channel.shutdownNow();
      server.close();
    }
  }

  static void makeFifo(Path path) throws Exception {
    Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
    assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS), "mkfifo did not finish");
    assertEquals(0, mkfifo.exitValue(), new String(mkfifo.getInputStream().readAllBytes()));
    assertTrue(Files.exists(path) && !Files.isRegularFile(path), "mkfifo made no pipe at " + path);
  }
}
