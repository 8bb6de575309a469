package io.glassbox.model;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Model folders for tests: the toy model (see {@code src/test/toy-model/make_toy_model.py}),
 * copies of it under other version names, broken variants, and the shipped model.
 */
final class ModelFolders {
  static final String TOY_NAME = "toy";
  /** The toy model reads at most this many history items. */
  static final int TOY_MAX_HISTORY = 4;
  /** The toy vocabulary holds item-01 .. item-12 at indices 1..12. */
  static final int TOY_VOCABULARY_SIZE = 12;

  private ModelFolders() {}

  static Path repoRoot() {
    String root = System.getProperty("glassbox.repo.root");
    if (root == null || root.isBlank()) {
      throw new IllegalStateException("system property glassbox.repo.root is not set (run through Maven)");
    }
    return Path.of(root);
  }

  static Path toyModelSource() {
    return repoRoot().resolve("model-service/src/test/toy-model");
  }

  /** Copies the toy model into {@code modelDirectory/toy/version}; returns that folder. */
  static Path addToyVersion(Path modelDirectory, String version) {
    Path target = modelDirectory.resolve(TOY_NAME).resolve(version);
    copyFolder(toyModelSource().resolve("v1"), target);
    return target;
  }

  /** A toy version whose model.onnx is garbage. */
  static Path addCorruptVersion(Path modelDirectory, String version) {
    Path folder = addToyVersion(modelDirectory, version);
    write(folder.resolve(ModelLoader.MODEL_FILE), "this is not an ONNX model");
    return folder;
  }

  /** A toy version whose graph calls its first input "items" instead of "history". */
  static Path addWrongNamesVersion(Path modelDirectory, String version) {
    return addToyVariant(modelDirectory, version, "wrong-names");
  }

  /** A toy version whose scores also grow with the padded history length (see make_toy_model.py). */
  static Path addPositionalVersion(Path modelDirectory, String version) {
    return addToyVariant(modelDirectory, version, "positional");
  }

  /**
   * A toy version whose first {@code renamed} vocabulary ids (of {@link #TOY_VOCABULARY_SIZE}) are
   * "Z" + the toy id, as if trained on another catalogue: the same graph and indices, so it loads.
   * The toy folder holds no other file with item ids (no title_vectors.tsv).
   */
  static Path addRenamedItemsVersion(Path modelDirectory, String version, int renamed) {
    Path folder = addToyVersion(modelDirectory, version);
    Path vocabulary = folder.resolve(ModelLoader.VOCABULARY_FILE);
    StringBuilder rewritten = new StringBuilder();
    for (String line : read(vocabulary).split("\n")) {
      String[] fields = line.split("\t");
      boolean item = !fields[0].equals("index") && Integer.parseInt(fields[0]) <= renamed;
      rewritten.append(item ? fields[0] + "\tZ" + fields[1] : line).append('\n');
    }
    write(vocabulary, rewritten.toString());
    return folder;
  }

  /**
   * A toy version with v1's outputs whose constant {@code zero_f_like} is read from
   * {@code weights.bin} in the folder (ONNX external data): it scores right only when read.
   */
  static Path addExternalDataVersion(Path modelDirectory, String version) {
    Path folder = addToyVariant(modelDirectory, version, "external-data");
    try {
      Files.copy(toyModelSource().resolve("external-data").resolve("weights.bin"), folder.resolve("weights.bin"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return folder;
  }

  /**
   * A toy version whose model.onnx also holds an unused initializer whose data is at
   * {@code location} (ONNX external data, relative to the folder), as any model file can say.
   */
  static Path addExternalInitializerVersion(Path modelDirectory, String version, String location) {
    return addToyWithInitializer(modelDirectory, version, OnnxMessages.externalTensor("extra", location));
  }

  /**
   * A toy version whose model.onnx also holds an unused initializer of {@code floats} zeros, inline:
   * a model file of about {@code 4 * floats} bytes that loads and scores as the toy model does.
   */
  static Path addLargeWeightsVersion(Path modelDirectory, String version, int floats) {
    return addToyWithInitializer(modelDirectory, version, OnnxMessages.inlineZeros("extra", floats));
  }

  private static Path addToyWithInitializer(Path modelDirectory, String version, OnnxMessages initializer) {
    Path folder = addToyVersion(modelDirectory, version);
    Path model = folder.resolve(ModelLoader.MODEL_FILE);
    try {
      Files.write(model, OnnxMessages.withInitializer(Files.readAllBytes(model), initializer));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return folder;
  }

  /** The toy version with the graph of {@code variant} (a folder of the toy model source). */
  private static Path addToyVariant(Path modelDirectory, String version, String variant) {
    Path folder = addToyVersion(modelDirectory, version);
    try {
      Files.copy(toyModelSource().resolve(variant).resolve(ModelLoader.MODEL_FILE),
          folder.resolve(ModelLoader.MODEL_FILE), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return folder;
  }

  /**
   * A toy version (its arithmetic scores any index) of {@code items} items with ids as long as
   * Amazon's ("B" and 9 characters) and a title term whose vectors are as long as Amazon Beauty's:
   * the trainer writes Beauty's 12,101 titles as 10.4 distinct words an item (4.8 characters each,
   * 195 bytes a line); these items have 5 to 17 (11 on average) of {@code words} words of 5
   * characters, drawn log-uniformly so that a few are common and most are rare, as title words
   * are, each with a float32 weight. The same catalogue for the same arguments.
   */
  static Path addLargeCatalogueVersion(Path modelDirectory, String version, int items, int words) {
    Path folder = addToyVersion(modelDirectory, version);
    Random random = new Random(items);
    Path metadata = folder.resolve(ModelLoader.METADATA_FILE);
    write(metadata, read(metadata)
        .replace("\"vocabulary_size\": " + TOY_VOCABULARY_SIZE, "\"vocabulary_size\": " + items)
        .replace("\"opset\": 17", "\"opset\": 17, \"title_similarity\": {\"weight\": 10, \"file\": \"title_vectors.tsv\"}"));
    try (BufferedWriter vocabulary = Files.newBufferedWriter(folder.resolve(ModelLoader.VOCABULARY_FILE));
         BufferedWriter vectors = Files.newBufferedWriter(folder.resolve("title_vectors.tsv"))) {
      vocabulary.write("index\titem_id\n");
      vectors.write("item_id\ttitle_vector\n");
      Set<Integer> title = new LinkedHashSet<>();
      for (int index = 1; index <= items; index++) {
        String id = catalogueId(index);
        vocabulary.write(index + "\t" + id + "\n");
        title.clear();
        for (int length = 5 + random.nextInt(13); title.size() < length; ) {
          title.add((int) Math.pow(words, random.nextDouble()));
        }
        StringBuilder line = new StringBuilder(id).append('\t');
        for (int word : title) {
          line.append(Integer.toString(word + 36 * 36 * 36 * 36, 36)).append(':').append(0.1f + 0.5f * random.nextFloat())
              .append(' ');
        }
        line.setCharAt(line.length() - 1, '\n');
        vectors.write(line.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return folder;
  }

  /** The id of item {@code index} of {@link #addLargeCatalogueVersion}: "B" and 9 base-36 digits. */
  static String catalogueId(int index) {
    return "B" + Long.toString(36L * 36 * 36 * 36 * 36 * 36 * 36 * 36 + index * 7_919L, 36).toUpperCase(Locale.ROOT);
  }

  static void write(Path file, String content) {
    try {
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The newest version folder of the shipped UCI model, if the trainer has shipped one. */
  static Optional<Path> shippedModelVersion() {
    Path root = repoRoot().resolve("models/uci-online-retail");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> children = Files.list(root)) {
      return children.filter(Files::isDirectory)
          .filter(path -> VersionNames.isValid(path.getFileName().toString()))
          .max(Comparator.comparing(path -> path.getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copyFolder(Path source, Path target) {
    try {
      Files.createDirectories(target);
      try (Stream<Path> files = Files.list(source)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          Files.copy(file, target.resolve(file.getFileName().toString()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
