package io.glassbox.model;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
  /** One tensor's external data location, as written in the model (UTF-8). */
  record Reference(String tensor, String location) {}

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
    List<Reference> references;
    try {
      references = references(modelFile);
    } catch (InvalidProtocolBufferException e) {
      throw new ModelLoadException("model.onnx could not be loaded: it is not a valid ONNX protobuf file ("
          + e.getMessage()
          + "); is it a complete ONNX file?", e);
    } catch (IOException e) {
      throw new ModelLoadException("model.onnx could not be read to check its external data", e);
    }
    if (references.isEmpty()) {
      return;
    }
    Path folder;
    try {
      folder = modelFile.toAbsolutePath().getParent().toRealPath();
    } catch (IOException e) {
      throw new ModelLoadException("the version folder could not be resolved to check external data", e);
    }
    for (Reference reference : references) {
      String problem = problem(folder, reference.location());
      if (problem != null) {
        throw new ModelLoadException("model.onnx tensor \"" + quoted(reference.tensor())
            + "\" names external data \"" + quoted(reference.location()) + "\", " + problem
            + "; external data must be a file inside the version folder, named by a relative path");
      }
    }
  }

  /** Every external data location in {@code modelFile}, in file order. */
  static List<Reference> references(Path modelFile) throws IOException {
    try (InputStream file = new BufferedInputStream(Files.newInputStream(modelFile), 1 << 16)) {
      CodedInputStream input = CodedInputStream.newInstance(file);
      List<Reference> found = new ArrayList<>();
      scan(input, Message.MODEL, 0, found);
      return found;
    }
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
    List<String> locations = new ArrayList<>();
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
        String location = location(input);
        requireConsumed(input);
        input.popLimit(outer);
        if (location != null) {
          locations.add(location);
        }
      } else if (!input.skipField(tag)) {
        throw new InvalidProtocolBufferException("an end-group tag without its start");
      }
    }
    for (String location : locations) {
      found.add(new Reference(tensorName, location));
    }
  }

  /** The value of a StringStringEntryProto whose key is "location", else null (last ones win). */
  private static String location(CodedInputStream input) throws IOException {
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
    if (!value.isValidUtf8()) {
      // ONNX Runtime would open the raw bytes; a path that is not text is refused outright.
      throw new InvalidProtocolBufferException("an external data location that is not UTF-8 text");
    }
    return value.toStringUtf8();
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
