package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a version folder ({@code model.onnx}, {@code vocabulary.tsv}, {@code metadata.json},
 * and the title vectors when the metadata declares a title term) into a {@link LoadedModel}, or
 * explains with a {@link ModelLoadException} why it cannot.
 * Everything is checked before the model can serve: metadata fields, the vocabulary against
 * {@code vocabulary_size}, external data files (inside the version folder, see
 * {@link ModelExternalData}), the graph's inputs and outputs against the contract, and one test
 * inference that touches the highest vocabulary index.
 */
@Singleton
public final class ModelLoader {
  public static final String MODEL_FILE = "model.onnx";
  public static final String VOCABULARY_FILE = "vocabulary.tsv";
  public static final String METADATA_FILE = "metadata.json";

  private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);

  private final OrtEnvironment environment;
  private final SessionFactory sessions;
  private final ObjectMapper json = new ObjectMapper();
  /** Runs between the external data check and ONNX Runtime's open (tests change the folder there). */
  private final Runnable afterCheck;

  @Inject
  public ModelLoader(OrtEnvironment environment, SessionFactory sessions) {
    this(environment, sessions, () -> { });
  }

  ModelLoader(OrtEnvironment environment, SessionFactory sessions, Runnable afterCheck) {
    this.environment = requireNonNull(environment, "environment");
    this.sessions = requireNonNull(sessions, "sessions");
    this.afterCheck = requireNonNull(afterCheck, "afterCheck");
  }

  /** Loads the version folder {@code folder}, named {@code version}, of model {@code modelName}. */
  public LoadedModel load(String modelName, String version, Path folder) {
    long started = System.nanoTime();
    // Each file is checked just before it is read (not all first): one swapped for a named pipe
    // meanwhile would hold the open, the reload and every reload after it, for good.
    ModelMetadata metadata = read(folder, METADATA_FILE, METADATA_FILE, version, METADATA_SHARE_OF_FREE_HEAP,
        in -> ModelMetadata.read(in, json));
    TextParseBudget textBudget = new TextParseBudget(version, TEXT_SHARE_OF_FREE_HEAP);
    Vocabulary vocabulary = read(folder, VOCABULARY_FILE, VOCABULARY_FILE, version, TEXT_SHARE_OF_FREE_HEAP,
        in -> Vocabulary.read(in, textBudget));
    if (vocabulary.size() != metadata.vocabularySize()) {
      throw new ModelLoadException("vocabulary.tsv holds " + vocabulary.size()
          + " items but metadata.json says vocabulary_size " + metadata.vocabularySize());
    }
    if (!metadata.version().equals(version)) {
      log.warn("metadata.json of version folder {} says version {}; the folder name is used",
          version, metadata.version());
    }
    Optional<TitleTerm> titleTerm = metadata.titleSimilarity().map(declared -> read(folder, declared.file(),
        declared.file() + " (metadata.json title_similarity.file)", version, TEXT_SHARE_OF_FREE_HEAP,
        in -> TitleTerm.read(in, declared.file(), declared.weight(), vocabulary, textBudget)));
    // model.onnx is read once: ONNX Runtime gets the bytes that were checked, never the folder's
    // files (which may change after the check), and external data only from a private copy.
    byte[] modelBytes = read(folder, MODEL_FILE, MODEL_FILE, version, MODEL_SHARE_OF_FREE_HEAP, in -> {
      try {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new ModelLoadException("model.onnx could not be read", e);
      }
    });
    List<ModelExternalData.Reference> externalData = ModelExternalData.requireInsideFolder(modelBytes, folder);
    afterCheck.run();
    SessionFactory.OpenedSession opened;
    try {
      if (externalData.isEmpty()) {
        opened = sessions.open(modelBytes);
      } else {
        Path copy = ModelExternalData.privateCopy(modelBytes, folder, externalData);
        try {
          opened = sessions.open(copy.resolve(MODEL_FILE));   // reads external data now, at creation
        } finally {
          ModelExternalData.deleteCopy(copy);
        }
      }
    } catch (OrtException e) {
      throw new ModelLoadException("model.onnx could not be loaded by ONNX Runtime (" + e.getCode()
          + "); is it a complete ONNX file?", e);
    }
    LoadedModel model = new LoadedModel(
        modelName, version, metadata, vocabulary, titleTerm, opened.device(), opened.fallback(),
        environment, opened.session());
    try {
      ModelContract.check(opened.session());
      testInference(model);
      model.trimPadding(paddingInvariant(model));
    } catch (RuntimeException | OrtException e) {
      model.retire();
      if (e instanceof ModelLoadException loadException) {
        throw loadException;
      }
      throw new ModelLoadException("model.onnx failed its test inference: " + e.getMessage(), e);
    }
    log.info("loaded model {} version {} ({} items, history {}, {}, padding {}) in {} ms", modelName,
        version, vocabulary.size(), metadata.maxHistoryLength(), opened.device(),
        model.trimsPadding() ? "trimmed to the longest row" : "always the whole window",
        (System.nanoTime() - started) / 1_000_000);
    return model;
  }

  /**
   * {@code parse} of {@code folder/name}, opened once: its size is checked on that open file, not on
   * the path (a copy or a rename may change what the path names meanwhile), against a
   * {@code share}th of the free heap, and {@code parse} reads a stream that refuses to go past that
   * bound, so a file that grows while it is read is refused too.
   */
  static <T> T read(Path folder, String name, String shown, String version, int share,
                    Function<InputStream, T> parse) {
    Path file = regularFile(folder, name, shown, version);
    try (FileChannel channel = FileChannel.open(file)) {
      long size = channel.size();
      long bound = readBound(size, share);
      if (size > bound) {
        // Read whole, a larger file could exhaust the heap, and with -XX:+ExitOnOutOfMemoryError (as
        // deployed) stop the service instead of leaving the version serving as it is.
        throw tooLarge(shown, version, "is " + size + " bytes", bound, share);
      }
      return parse.apply(new BoundedStream(Channels.newInputStream(channel), bound,
          () -> tooLarge(shown, version, "grew while it was read", bound, share)));
    } catch (IOException e) {
      throw new ModelLoadException(shown + " in version " + version + " cannot be read", e);
    }
  }

  private static ModelLoadException tooLarge(String shown, String version, String what, long bound, int share) {
    return new ModelLoadException(shown + " in version " + version + " " + what + ", more than the " + bound
        + " bytes this service can spare to read it (1/" + share + " of the heap it has free; give it a larger heap)");
  }

  /**
   * {@code folder/name}, once it is checked to be a regular file (after symbolic links): a named pipe
   * would hold the open until a writer came, a device would never end. Java opens no file without
   * blocking on a pipe, so the check comes right before the open; {@code shown} names the file in
   * the message.
   */
  private static Path regularFile(Path folder, String name, String shown, String version) {
    Path file = folder.resolve(name);
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(shown + " is missing from version " + version);
    } catch (IOException e) {
      throw new ModelLoadException(shown + " in version " + version + " cannot be read", e);
    }
    if (!attributes.isRegularFile()) {
      throw new ModelLoadException(shown + " in version " + version + " is not a regular file ("
          + (attributes.isDirectory() ? "a folder" : "a named pipe, a device or a socket")
          + "): a version folder holds its model's files as plain files");
    }
    return file;
  }

  /** A file's bytes up to a bound; one more is refused with {@code over}, the end is the file's. */
  private static final class BoundedStream extends FilterInputStream {
    private final Supplier<ModelLoadException> over;
    private long left;

    BoundedStream(InputStream in, long bound, Supplier<ModelLoadException> over) {
      super(in);
      this.left = bound;
      this.over = over;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      if (left == 0) {
        if (in.read() < 0) {
          return -1;
        }
        throw over.get();
      }
      int read = in.read(buffer, offset, (int) Math.min(length, left));
      left -= Math.max(0, read);
      return read;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = in.skip(Math.min(n, left));
      left -= skipped;
      return skipped;
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }

  /** model.onnx may be up to this fraction (1/n) of the free heap: held as bytes, twice over while read. */
  static final int MODEL_SHARE_OF_FREE_HEAP = 4;
  /**
   * vocabulary.tsv and the title vectors: each file may be up to this fraction (1/n) of the free
   * heap, a first refusal that costs nothing, and what parsing them holds, estimated as they are
   * read ({@link TextParseBudget}), may be up to this fraction of the heap free when the parse of
   * the vocabulary began (after one full collection), both files together. Their size alone bounds little: parsed, the same
   * bytes take 1 to 30 times as much (short ids, rare words). A quarter keeps both versions in the
   * old generation during a reload (two thirds of the heap with SerialGC at the deployed size),
   * and leaves the rest to the garbage a parse makes and to Score traffic.
   */
  static final int TEXT_SHARE_OF_FREE_HEAP = 4;
  /**
   * metadata.json may be up to this fraction (1/n) of the free heap: as a JSON tree, an array of
   * empty objects takes 34 times its size (measured as above).
   */
  static final int METADATA_SHARE_OF_FREE_HEAP = 128;

  /**
   * The largest file of its kind read now, asked for one of {@code size} bytes: a {@code share}th of
   * what the heap can still grow by. The heap in use counts garbage not yet collected, so a file over
   * that first measure gets one full collection ({@code System.gc()}, complete and stop-the-world
   * with the deployed SerialGC and with G1) and a second measure; with explicit collections off or
   * concurrent, garbage still counts and the bound only refuses more than it needs to.
   */
  static long readBound(long size, int share) {
    long bound = spareHeap() / share;
    if (size <= bound) {
      return bound;
    }
    System.gc();
    return spareHeap() / share;
  }

  /** What the heap can still grow by: its maximum less what is in use, garbage included. */
  static long spareHeap() {
    Runtime runtime = Runtime.getRuntime();
    return Math.max(0, runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory()));
  }

  /** One full-length history against the first and the last vocabulary index; scores must be finite. */
  private static void testInference(LoadedModel model) throws OrtException {
    int length = model.maxHistoryLength();
    int size = model.vocabulary().size();
    long[] history = new long[length];
    for (int i = 0; i < length; i++) {
      history[i] = 1 + (i % size);
    }
    long[] candidates = {1, size};
    ModelOutputs outputs = model.run(history, candidates, 1, length, candidates.length, true, true);
    for (float score : outputs.scores()) {
      if (!Float.isFinite(score)) {
        throw new ModelLoadException("model.onnx produced a non-finite score in its test inference: "
            + Arrays.toString(outputs.scores()));
      }
    }
  }

  /** Outputs may differ by this much (relative to 1 + |value|) with more or less left padding. */
  static final double PADDING_TOLERANCE = 1e-4;

  /**
   * Whether the model's outputs do not depend on how far a row is left-padded (the shipped
   * models count positions from the most recent item): rows of 1 to half the window, padded to
   * the whole window and to just their longest, must give the same scores and contributions to
   * {@value #PADDING_TOLERANCE}. A model that counts positions from the start of the window
   * fails this and is always given the whole window.
   */
  static boolean paddingInvariant(LoadedModel model) throws OrtException {
    int max = model.maxHistoryLength();
    int size = model.vocabulary().size();
    int shortLength = Math.max(1, max / 2);
    if (shortLength == max) {
      return false;                       // a one-position window: nothing to trim
    }
    int rows = shortLength;
    long[] padded = new long[rows * max];
    long[] trimmed = new long[rows * shortLength];
    long[] candidates = new long[rows * 3];
    for (int r = 0; r < rows; r++) {
      int items = r + 1;
      for (int i = 0; i < items; i++) {
        long index = 1 + ((long) (r * 7 + i * 13) % size);
        padded[r * max + max - items + i] = index;
        trimmed[r * shortLength + shortLength - items + i] = index;
      }
      candidates[r * 3] = 1;
      candidates[r * 3 + 1] = size;
      candidates[r * 3 + 2] = 1 + (r % size);
    }
    ModelOutputs whole = model.run(padded, candidates, rows, max, 3, false, true);
    ModelOutputs least = model.run(trimmed, candidates, rows, shortLength, 3, false, true);
    double worst = 0;
    for (int cell = 0; cell < rows * 3; cell++) {
      worst = Math.max(worst, relative(whole.scores()[cell], least.scores()[cell]));
      for (int l = 0; l < shortLength; l++) {
        worst = Math.max(worst, relative(whole.contribution()[cell * max + max - shortLength + l],
            least.contribution()[cell * shortLength + l]));
      }
    }
    if (worst > PADDING_TOLERANCE) {
      log.info("model outputs change with the amount of left padding (max relative difference "
          + "{}): batches are padded to the whole window", String.format("%.2e", worst));
      return false;
    }
    return true;
  }

  private static double relative(float a, float b) {
    if (!Float.isFinite(a) || !Float.isFinite(b)) {
      return Double.POSITIVE_INFINITY;
    }
    return Math.abs(a - b) / (1.0 + Math.abs(a));
  }
}
