package io.glassbox.model;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads ONNX Runtime from one folder of its native libraries that later starts reuse, so that no
 * start leaves anything behind in {@code java.io.tmpdir}.
 *
 * <p>ONNX Runtime (Java, 1.23) unpacks its libraries into a new {@code onnxruntime-java*} folder
 * each start and registers that folder for deletion at exit before the files in it; the JVM
 * deletes in the reverse order, tries the folder while it still holds the files, and leaves it
 * behind (and everything in it when the JVM is killed: 352 MiB once CUDA was tried). Here the
 * libraries of this platform are copied once into {@code java.io.tmpdir/glassbox-onnxruntime-
 * <version>-<os-arch>-<content key>/} (each file written under a name of its own and renamed into
 * place, so JVMs starting at once never load a half-written one) and ONNX Runtime is pointed at it
 * with {@code onnxruntime.native.path}. ONNX Runtime copies its provider libraries from its jar even
 * then; it is told they are already there, and its own folder, empty, is deleted once loaded.
 *
 * <p>An operator who set {@code onnxruntime.native.path} keeps their folder: nothing is copied.
 */
public final class OnnxRuntimeLibraries {
  private static final Logger log = LoggerFactory.getLogger(OnnxRuntimeLibraries.class);

  /** ONNX Runtime's setting: the folder it loads its native libraries from. */
  static final String NATIVE_PATH = "onnxruntime.native.path";
  /** The prefix of the folders this class fills in {@code java.io.tmpdir}. */
  static final String FOLDER_PREFIX = "glassbox-onnxruntime-";
  private static final String SHARED_PROVIDER = "onnxruntime_providers_shared";
  private static final String CUDA_PROVIDER = "onnxruntime_providers_cuda";
  /** What every start loads (the shared provider library is loaded by libonnxruntime itself). */
  private static final List<String> CORE = List.of("onnxruntime", "onnxruntime4j_jni", SHARED_PROVIDER);
  private static final String PART = ".part";

  private OnnxRuntimeLibraries() {}

  /**
   * The process's ONNX Runtime environment, its libraries loaded from the reused folder (or from
   * the operator's {@code onnxruntime.native.path}).
   */
  public static synchronized OrtEnvironment environment() {
    if (System.getProperty(NATIVE_PATH) == null) {
      Path folder = folder();
      if (folder != null && extract(folder, CORE)) {
        System.setProperty(NATIVE_PATH, folder.toString());
        markProvidersPresent(folder);
      }
    }
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    if (System.getProperty(NATIVE_PATH) != null) {
      deleteOwnFolder();
    }
    return environment;
  }

  /**
   * Puts the CUDA provider library (352 MiB on linux-x64) into the reused folder before CUDA is
   * tried; CPU-only starts never copy it.
   */
  static synchronized void prepareCuda() {
    Path folder = folder();
    if (folder != null && folder.toString().equals(System.getProperty(NATIVE_PATH))
        && extract(folder, List.of(CUDA_PROVIDER))) {
      markProvidersPresent(folder);
    }
  }

  /**
   * The folder for this platform's libraries in the ONNX Runtime jar; null when it has none or
   * cannot be read (ONNX Runtime then unpacks its own).
   */
  private static Path folder() {
    String platform = platform();
    if (platform == null || resource(platform, "onnxruntime") == null) {
      return null;
    }
    try {
      return folder(platform);
    } catch (UncheckedIOException e) {
      log.warn("cannot read ONNX Runtime's libraries ({}); ONNX Runtime unpacks its own", e.toString());
      return null;
    }
  }

  private static Path folder(String platform) {
    CRC32 key = new CRC32();
    for (String library : List.of("onnxruntime", "onnxruntime4j_jni", SHARED_PROVIDER, CUDA_PROVIDER)) {
      URL resource = resource(platform, library);
      if (resource != null) {
        key.update(fileName(library).getBytes(StandardCharsets.UTF_8));
        long content = contentKey(resource);
        for (int shift = 0; shift < 64; shift += 8) {
          key.update((int) (content >>> shift));
        }
      }
    }
    String version = String.valueOf(OrtEnvironment.class.getPackage().getImplementationVersion());
    return Path.of(System.getProperty("java.io.tmpdir"),
        FOLDER_PREFIX + version + "-" + platform + "-" + Long.toHexString(key.getValue()));
  }

  /** ONNX Runtime's name for this platform's folder in its jar (ai/onnxruntime/native/NAME/). */
  private static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String osName = os.contains("linux") ? "linux"
        : os.contains("mac") || os.contains("darwin") ? "osx"
        : os.contains("win") ? "win" : null;
    String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x64"
        : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : null;
    return osName == null || archName == null ? null : osName + "-" + archName;
  }

  private static URL resource(String platform, String library) {
    return OrtEnvironment.class.getResource("/ai/onnxruntime/native/" + platform + "/" + fileName(library));
  }

  private static String fileName(String library) {
    return System.mapLibraryName(library).replace("jnilib", "dylib");
  }

  /** Size and CRC of the jar entry (read from the jar's index, not the bytes), or the bytes' CRC. */
  private static long contentKey(URL resource) {
    try {
      URLConnection connection = resource.openConnection();
      if (connection instanceof JarURLConnection jar) {
        return jar.getJarEntry().getCrc() ^ (jar.getJarEntry().getSize() << 32);
      }
      try (CheckedInputStream in = new CheckedInputStream(connection.getInputStream(), new CRC32())) {
        in.transferTo(OutputStream.nullOutputStream());
        return in.getChecksum().getValue();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ONNX Runtime's " + resource, e);
    }
  }

  /**
   * Copies the {@code libraries} missing from {@code folder}; false (ONNX Runtime then unpacks
   * its own) when the folder cannot be written.
   */
  private static boolean extract(Path folder, List<String> libraries) {
    String platform = platform();
    try {
      Files.createDirectories(folder);
      deleteAbandonedParts(folder);
      for (String library : libraries) {
        URL resource = resource(platform, library);
        if (resource == null) {
          continue;
        }
        Path target = folder.resolve(fileName(library));
        if (Files.isRegularFile(target)) {
          continue;
        }
        Path part = folder.resolve(target.getFileName() + "." + ProcessHandle.current().pid() + PART);
        try (InputStream in = resource.openStream()) {
          Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
          // rename(2): a JVM starting at the same time sees the whole file or none.
          Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(part);
        }
        log.info("copied ONNX Runtime's {} to {}", target.getFileName(), folder);
      }
      return true;
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot copy ONNX Runtime's libraries to {} ({}); ONNX Runtime unpacks its own "
          + "into a new folder in java.io.tmpdir", folder, e.toString());
      return false;
    }
  }

  /** A copy that a JVM killed mid-way left (its process is gone, or had this process's id). */
  private static void deleteAbandonedParts(Path folder) throws IOException {
    try (DirectoryStream<Path> parts = Files.newDirectoryStream(folder, "*" + PART)) {
      for (Path part : parts) {
        String name = part.getFileName().toString();
        String withoutPart = name.substring(0, name.length() - PART.length());
        String pid = withoutPart.substring(withoutPart.lastIndexOf('.') + 1);
        boolean writerAlive;
        try {
          long writer = Long.parseLong(pid);
          writerAlive = writer != ProcessHandle.current().pid() && ProcessHandle.of(writer).isPresent();
        } catch (NumberFormatException e) {
          writerAlive = false;
        }
        if (!writerAlive) {
          Files.deleteIfExists(part);
        }
      }
    }
  }

  /**
   * Tells ONNX Runtime that the provider libraries in {@code folder} need no copying from its jar
   * (it copies them even when {@code onnxruntime.native.path} is set, 352 MiB for CUDA, though
   * libonnxruntime loads them from its own folder).
   */
  @SuppressWarnings("unchecked")
  private static void markProvidersPresent(Path folder) {
    try {
      Class<?> runtime = Class.forName("ai.onnxruntime.OnnxRuntime");
      Field field = runtime.getDeclaredField("extractedSharedProviders");
      field.setAccessible(true);
      Set<String> extracted = (Set<String>) field.get(null);
      synchronized (runtime) {
        for (String provider : List.of(SHARED_PROVIDER, CUDA_PROVIDER)) {
          if (Files.isRegularFile(folder.resolve(fileName(provider)))) {
            extracted.add(provider);
          }
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("ONNX Runtime's list of copied providers is out of reach ({}); it copies them itself", e.toString());
    }
  }

  /** Deletes the folder ONNX Runtime made for its copies (files first), now that it loaded from ours. */
  private static void deleteOwnFolder() {
    Path own;
    try {
      Class<?> runtime = Class.forName("ai.onnxruntime.OnnxRuntime");
      Field field = runtime.getDeclaredField("tempDirectory");
      field.setAccessible(true);
      own = (Path) field.get(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("ONNX Runtime's own folder is out of reach ({}); it deletes it at exit", e.toString());
      return;
    }
    if (own == null || !Files.isDirectory(own)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(own)) {
      for (Path file : files) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(own);
    } catch (IOException e) {
      log.warn("cannot delete ONNX Runtime's folder {}: {}", own, e.toString());
    }
  }
}
