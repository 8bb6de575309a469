package io.glassbox.model;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.regex.Pattern;

/**
 * The external data files a {@code model.onnx} names (tensors whose bytes live in another file,
 * {@code TensorProto.external_data} "location"), read from its protobuf before ONNX Runtime sees
 * it, and the rule that each must be a file inside the version folder.
 *
 * <p>ONNX Runtime opens whatever path a location names, relative to the model's folder, with
 * {@code ..} and absolute paths allowed (its own check is a build option this build lacks): a
 * version folder could otherwise make the service read any file it can read. Every place a tensor
 * can sit is scanned: graph initializers and sparse initializers, node attributes ({@code t},
 * {@code tensors}, {@code sparse_tensor(s)}) and their subgraphs ({@code g}, {@code graphs}),
 * functions and training graphs; every "location" entry counts, whatever {@code data_location} says.
 */
final class ModelExternalData {
  private static final Logger log = LoggerFactory.getLogger(ModelExternalData.class);

  /**
   * One tensor's external data location, as written in the model (UTF-8; when {@code utf8} is
   * false it was not, and {@code location} shows it with replacement characters).
   */
  record Reference(String tensor, String location, boolean utf8) {
    Reference(String tensor, String location) {
      this(tensor, location, true);
    }
  }

  /** Message types of onnx.proto that can hold a tensor, each with its fields that lead to one. */
  private enum Message {
    MODEL, TRAINING_INFO, FUNCTION, GRAPH, NODE, ATTRIBUTE, SPARSE_TENSOR, TENSOR;

    /** Field numbers of onnx.proto (ModelProto.graph = 7, GraphProto.initializer = 5, ...). */
    private static final Map<Message, Map<Integer, Message>> FIELDS = Map.of(
        MODEL, Map.of(7, GRAPH, 20, TRAINING_INFO, 25, FUNCTION),
        TRAINING_INFO, Map.of(1, GRAPH, 2, GRAPH),
        FUNCTION, Map.of(7, NODE, 11, ATTRIBUTE),
        GRAPH, Map.of(1, NODE, 5, TENSOR, 15, SPARSE_TENSOR),
        NODE, Map.of(5, ATTRIBUTE),
        ATTRIBUTE, Map.of(5, TENSOR, 6, GRAPH, 10, TENSOR, 11, GRAPH, 22, SPARSE_TENSOR, 23, SPARSE_TENSOR),
        SPARSE_TENSOR, Map.of(1, TENSOR, 2, TENSOR),
        TENSOR, Map.of());

    Message field(int number) {
      return FIELDS.get(this).get(number);
    }
  }

  private static final int TENSOR_NAME = 8;
  private static final int TENSOR_EXTERNAL_DATA = 13;
  private static final int ENTRY_KEY = 1;
  private static final int ENTRY_VALUE = 2;
  private static final String LOCATION_KEY = "location";
  /** ONNX Runtime's tag for "the data is at the memory address given in offset". */
  private static final String MEMORY_ADDRESS_TAG = "_ORT_MEM_ADDR_";
  /** The only locations accepted: plain segments separated by "/" (no "*", no "\\", no "//"). */
  private static final Pattern PLAIN_PATH = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
  /** Deeper than protobuf's own parsers go (100), so nothing they accept goes unscanned. */
  private static final int MAX_NESTING = 200;
  /** Longest location quoted in a message. */
  private static final int QUOTED_CHARS = 120;

  private ModelExternalData() {}

  /**
   * Refuses {@code modelFile} with a {@link ModelLoadException} when it is not a readable
   * protobuf, or names external data that is absolute, climbs with {@code ..}, holds ONNX
   * Runtime's memory address tag or anything but plain path segments, is missing, or leads (after
   * symbolic links) outside the folder that holds it.
   */
  static void requireInsideFolder(Path modelFile) {
    byte[] model;
    try {
      model = Files.readAllBytes(modelFile);
    } catch (IOException e) {
      throw new ModelLoadException("model.onnx could not be read to check its external data", e);
    }
    requireInsideFolder(model, modelFile.toAbsolutePath().getParent());
  }

  /**
   * The external data references of the model held in {@code model}, each checked as
   * {@link #requireInsideFolder(Path)} says against {@code folder} (where that model.onnx lies).
   */
  static List<Reference> requireInsideFolder(byte[] model, Path folder) {
    List<Reference> references;
    try {
      references = references(model);
    } catch (InvalidProtocolBufferException e) {
      throw new ModelLoadException("model.onnx could not be loaded: it is not a valid ONNX protobuf file ("
          + e.getMessage()
          + "); is it a complete ONNX file?", e);
    }
    if (references.isEmpty()) {
      return references;
    }
    Path real;
    try {
      real = folder.toAbsolutePath().toRealPath();
    } catch (IOException e) {
      throw new ModelLoadException("the version folder could not be resolved to check external data", e);
    }
    for (Reference reference : references) {
      String problem = reference.utf8()
          ? problem(real, reference.location())
          : "an unreadable external data location (not UTF-8 text)";
      if (problem != null) {
        throw refused(reference, problem);
      }
    }
    return references;
  }

  /** Every external data location in {@code modelFile}, in file order. */
  static List<Reference> references(Path modelFile) throws IOException {
    return references(Files.readAllBytes(modelFile));
  }

  /** Every external data location in the model held in {@code model}, in file order. */
  static List<Reference> references(byte[] model) throws InvalidProtocolBufferException {
    CodedInputStream input = CodedInputStream.newInstance(model);
    List<Reference> found = new ArrayList<>();
    try {
      scan(input, Message.MODEL, 0, found);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);   // not expected from a byte array
    }
    return found;
  }

  /**
   * A new owner-only temporary folder holding {@code model} as model.onnx and a copy of each file
   * its {@code references} name (already checked against {@code folder}), each opened segment by
   * segment without following symbolic links and only when it is a regular file, so that what
   * ONNX Runtime reads is what was checked even if the version folder changes meanwhile. The copy
   * is checked again. The caller deletes it with {@link #deleteCopy(Path)}.
   */
  static Path privateCopy(byte[] model, Path folder, List<Reference> references) {
    Path copy;
    try {
      copy = Files.createTempDirectory("glassbox-model-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new ModelLoadException("a private copy of the external data could not be made", e);
    }
    try {
      Files.write(copy.resolve(ModelLoader.MODEL_FILE), model, StandardOpenOption.CREATE_NEW);
      Set<Path> copied = new HashSet<>();
      copied.add(Path.of(ModelLoader.MODEL_FILE));
      for (Reference reference : references) {
        Path relative = Path.of(reference.location()).normalize();
        if (copied.add(relative)) {         // model.onnx itself: the checked bytes are already there
          copyWithoutLinks(folder, reference, copy.resolve(relative));
        }
      }
      requireInsideFolder(model, copy);
      return copy;
    } catch (IOException | RuntimeException e) {
      deleteCopy(copy);
      if (e instanceof ModelLoadException refusal) {
        throw refusal;
      }
      throw new ModelLoadException("a private copy of the external data could not be made", e);
    }
  }

  /** Deletes a folder made by {@link #privateCopy}; what cannot be deleted is logged. */
  static void deleteCopy(Path copy) {
    try (Stream<Path> files = Files.walk(copy)) {
      for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(file);
      }
    } catch (IOException | UncheckedIOException e) {
      log.warn("the private copy of a model's external data at {} could not be deleted: {}", copy, e.toString());
    }
  }

  /** Copies the file {@code reference} names under {@code folder} to {@code target}, following no link. */
  private static void copyWithoutLinks(Path folder, Reference reference, Path target) throws IOException {
    String[] segments = reference.location().split("/");
    Deque<SecureDirectoryStream<Path>> opened = new ArrayDeque<>();
    try {
      DirectoryStream<Path> top = Files.newDirectoryStream(folder);
      if (!(top instanceof SecureDirectoryStream<Path> secure)) {
        top.close();
        throw new IOException("this file system cannot open files relative to a folder");
      }
      opened.push(secure);
      for (int i = 0; i < segments.length - 1; i++) {
        opened.push(opened.peek().newDirectoryStream(Path.of(segments[i]), LinkOption.NOFOLLOW_LINKS));
      }
      Path name = Path.of(segments[segments.length - 1]);
      BasicFileAttributes attributes = opened.peek()
          .getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
      if (!attributes.isRegularFile()) {
        throw refused(reference, "which changed while it was checked (it is no longer a file)");
      }
      Files.createDirectories(target.getParent());
      try (SeekableByteChannel in = opened.peek().newByteChannel(name,
              Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
          OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
        Channels.newInputStream(in).transferTo(out);
      }
    } catch (FileSystemException e) {
      // A link (ELOOP), a missing file or folder: the folder changed after the check.
      throw refused(reference, "which changed while it was checked (a symbolic link, missing or not a file)");
    } finally {
      while (!opened.isEmpty()) {
        opened.pop().close();
      }
    }
  }

  private static ModelLoadException refused(Reference reference, String problem) {
    return new ModelLoadException("model.onnx tensor \"" + quoted(reference.tensor())
        + "\" names external data \"" + quoted(reference.location()) + "\", " + problem
        + "; external data must be a file inside the version folder, named by a relative path");
  }

  /** Why {@code location} is refused, or null when it names a file inside {@code folder} (a real path). */
  private static String problem(Path folder, String location) {
    if (location.isEmpty()) {
      return "an empty path";
    }
    for (String segment : location.split("[/\\\\]", -1)) {
      if (segment.equals("..")) {
        return "a path that climbs out with \"..\"";
      }
    }
    Path named;
    try {
      named = Path.of(location);
    } catch (InvalidPathException e) {
      return "not a usable file path";
    }
    if (named.isAbsolute() || location.startsWith("/") || location.startsWith("\\")) {
      return "an absolute path";
    }
    if (location.contains(MEMORY_ADDRESS_TAG)) {
      // ONNX Runtime reads "*/_ORT_MEM_ADDR_/*" as "at the memory address in offset", whatever is on disk.
      return "the ONNX Runtime memory address tag";
    }
    if (!PLAIN_PATH.matcher(location).matches()) {
      return "not a plain relative path (letters, digits, \".\", \"_\" and \"-\", separated by \"/\")";
    }
    Path real;
    try {
      real = folder.resolve(named).toRealPath();
    } catch (NoSuchFileException e) {
      return "which is missing from the version folder";
    } catch (IOException e) {
      return "which cannot be resolved";
    }
    if (!real.startsWith(folder) || real.equals(folder)) {
      return "which leads outside the version folder";
    }
    if (!Files.isRegularFile(real)) {
      return "which is not a file";
    }
    return null;
  }

  /**
   * Reads one message of type {@code type} up to the current limit (or the end of the file).
   * Fields that cannot hold a tensor, or that arrive with another wire type than a message (which
   * protobuf keeps as unknown fields), are skipped.
   */
  private static void scan(CodedInputStream input, Message type, int depth, List<Reference> found)
      throws IOException {
    if (depth > MAX_NESTING) {
      throw new InvalidProtocolBufferException("messages nested deeper than " + MAX_NESTING);
    }
    String tensorName = "";
    List<ByteString> locations = new ArrayList<>();
    for (int tag = input.readTag(); tag != 0; tag = input.readTag()) {
      int number = WireFormat.getTagFieldNumber(tag);
      boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
      Message child = type.field(number);
      if (delimited && child != null) {
        int outer = input.pushLimit(input.readRawVarint32());
        scan(input, child, depth + 1, found);
        requireConsumed(input);
        input.popLimit(outer);
      } else if (delimited && type == Message.TENSOR && number == TENSOR_NAME) {
        tensorName = input.readBytes().toStringUtf8();
      } else if (delimited && type == Message.TENSOR && number == TENSOR_EXTERNAL_DATA) {
        int outer = input.pushLimit(input.readRawVarint32());
        ByteString location = location(input);
        requireConsumed(input);
        input.popLimit(outer);
        if (location != null) {
          locations.add(location);
        }
      } else if (!input.skipField(tag)) {
        throw new InvalidProtocolBufferException("an end-group tag without its start");
      }
    }
    for (ByteString location : locations) {
      found.add(new Reference(tensorName, location.toStringUtf8(), location.isValidUtf8()));
    }
  }

  /** The value of a StringStringEntryProto whose key is "location", else null (last ones win). */
  private static ByteString location(CodedInputStream input) throws IOException {
    ByteString key = ByteString.EMPTY;
    ByteString value = ByteString.EMPTY;
    for (int tag = input.readTag(); tag != 0; tag = input.readTag()) {
      boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
      int number = WireFormat.getTagFieldNumber(tag);
      if (delimited && number == ENTRY_KEY) {
        key = input.readBytes();
      } else if (delimited && number == ENTRY_VALUE) {
        value = input.readBytes();
      } else if (!input.skipField(tag)) {
        throw new InvalidProtocolBufferException("an end-group tag without its start");
      }
    }
    if (!key.toStringUtf8().equals(LOCATION_KEY)) {
      return null;
    }
    return value;   // ONNX Runtime would open raw bytes; one that is not UTF-8 text is refused later
  }

  /** A nested message that ended before its declared length means the file is cut short. */
  private static void requireConsumed(CodedInputStream input) throws InvalidProtocolBufferException {
    if (input.getBytesUntilLimit() != 0) {
      throw new InvalidProtocolBufferException("a message cut short: the file ends inside it");
    }
  }

  private static String quoted(String text) {
    String shown = text.length() > QUOTED_CHARS ? text.substring(0, QUOTED_CHARS) + "..." : text;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }
}
