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
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>The folder's name is predictable, so it is used only when it is ours alone: made here with
 * mode 0700, or found a directory (not a link) owned by this process's user that neither group nor
 * others may write, in a folder owned by root or this process's user, so that nobody can rename ours
 * away and put theirs in its place. That folder is java.io.tmpdir, which must also be unwritable by
 * group and others or have the sticky bit; or the operator's {@value ModelConfig#ONNXRUNTIME_DIR_KEY},
 * given to the model service alone (a Kubernetes emptyDir, mode 2777 without the sticky bit, which
 * the service's user cannot chmod), which must not be a link and whose write bits are the operator's
 * word. Any other is refused with a WARN and ONNX Runtime unpacks its own copy. A file
 * in it is loaded only when its size and CRC-32 are those of the jar's entry; one that differs
 * (a copy damaged or cut short) is copied again.
 *
 * <p>The empty {@code onnxruntime-java*} folders that ONNX Runtime's own unpacking left (at starts
 * before this class, or by any program of this user's using ONNX Runtime) in java.io.tmpdir are
 * deleted at start. Cached folders of other versions are not: another version on
 * the machine may still load from them.
 *
 * <p>An operator who set {@code onnxruntime.native.path} keeps their folder: nothing is copied.
 * Nor is anything done when ONNX Runtime was loaded before: it keeps its own folder.
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
  /** A half-written copy older than this was left by a JVM that died; no copy takes this long. */
  private static final Duration ABANDONED = Duration.ofHours(1);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
  /** S_ISVTX in a file's mode: in a folder, only an entry's owner may rename or delete it. */
  private static final int STICKY = 01000;
  /** The prefix of the folders ONNX Runtime unpacks its libraries into itself. */
  private static final String OWN_FOLDER_PREFIX = "onnxruntime-java";
  /** An empty folder of ONNX Runtime's younger than this may be one a start just made, about to be filled. */
  private static final Duration LEFT_EMPTY = Duration.ofHours(1);
  /** Entries of java.io.tmpdir read at most once a start, looking for empty folders of ONNX Runtime's. */
  private static final int ENTRIES_READ_AT_MOST = 10_000;
  /** One WARN per process when ONNX Runtime's private fields are gone (another version). */
  private static final AtomicBoolean warnedUnreachable = new AtomicBoolean();

  private OnnxRuntimeLibraries() {}

  /**
   * The process's ONNX Runtime environment, its libraries loaded from the reused folder in
   * java.io.tmpdir (or from the operator's {@code onnxruntime.native.path}).
   */
  public static OrtEnvironment environment() {
    return environment(Optional.empty());
  }

  /**
   * The process's ONNX Runtime environment, its libraries loaded from the reused folder in {@code
   * privateFolder} (the operator's {@value ModelConfig#ONNXRUNTIME_DIR_KEY}) when given, else in
   * java.io.tmpdir (or from the operator's {@code onnxruntime.native.path}).
   */
  public static synchronized OrtEnvironment environment(Optional<Path> privateFolder) {
    if (onnxRuntimeLoaded()) {
      // Too late to choose its folder, and the folder it made holds what it loaded.
      return OrtEnvironment.getEnvironment();
    }
    deleteEmptyFoldersLeftBefore();
    if (System.getProperty(NATIVE_PATH) == null) {
      Path folder = folder(privateFolder);
      if (folder != null && extract(folder, privateFolder.isPresent(), CORE)) {
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
   * tried; CPU-only starts never copy it. {@code privateFolder}: as {@link #environment(Optional)} was given.
   */
  static synchronized void prepareCuda(Optional<Path> privateFolder) {
    Path folder = folder(privateFolder);
    if (folder != null && folder.toString().equals(System.getProperty(NATIVE_PATH))
        && extract(folder, privateFolder.isPresent(), List.of(CUDA_PROVIDER))) {
      markProvidersPresent(folder);
    }
  }

  /**
   * The folder for this platform's libraries in the ONNX Runtime jar, in {@code privateFolder} when
   * given, else in java.io.tmpdir; null when the jar has none or cannot be read (ONNX Runtime then
   * unpacks its own).
   */
  private static Path folder(Optional<Path> privateFolder) {
    String platform = platform();
    if (platform == null || resource(platform, "onnxruntime") == null) {
      return null;
    }
    try {
      return folder(platform, privateFolder.orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"))));
    } catch (UncheckedIOException e) {
      log.warn("cannot read ONNX Runtime's libraries ({}); ONNX Runtime unpacks its own", e.toString());
      return null;
    }
  }

  private static Path folder(String platform, Path parent) {
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
    return parent.resolve(
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

  /** Size and CRC of the jar entry (read from the jar's index, not the bytes). */
  private static long contentKey(URL resource) {
    try {
      Content content = Content.of(resource);
      return content.crc() ^ (content.size() << 32);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ONNX Runtime's " + resource, e);
    }
  }

  /** A library's size and CRC-32. */
  private record Content(long size, long crc) {
    /** The jar entry's, from the jar's index; else read from {@code resource}'s bytes. */
    static Content of(URL resource) throws IOException {
      URLConnection connection = resource.openConnection();
      if (connection instanceof JarURLConnection jar && jar.getJarEntry().getCrc() >= 0
          && jar.getJarEntry().getSize() >= 0) {
        return new Content(jar.getJarEntry().getSize(), jar.getJarEntry().getCrc());
      }
      try (CheckedInputStream in = new CheckedInputStream(connection.getInputStream(), new CRC32())) {
        long size = in.transferTo(OutputStream.nullOutputStream());
        return new Content(size, in.getChecksum().getValue());
      }
    }
  }

  /**
   * Copies the {@code libraries} missing from {@code folder}, or whose copy there differs from the
   * jar's; false (ONNX Runtime then unpacks its own) when the folder cannot be written or is not
   * ours alone. {@code inPrivateFolder}: its parent is the operator's folder for the service alone.
   */
  private static boolean extract(Path folder, boolean inPrivateFolder, List<String> libraries) {
    String platform = platform();
    try {
      if (!ownFolder(folder, inPrivateFolder)) {
        return false;
      }
      deleteAbandonedParts(folder);
      for (String library : libraries) {
        URL resource = resource(platform, library);
        if (resource == null) {
          continue;
        }
        Path target = folder.resolve(fileName(library));
        if (sameContent(resource, target)) {
          continue;
        }
        // A name of its own: starts at the same time, or in containers sharing /tmp, never share it.
        Path part = Files.createTempFile(folder, target.getFileName() + ".", PART);
        try (InputStream in = resource.openStream(); OutputStream out = Files.newOutputStream(part)) {
          in.transferTo(out);
        }
        try {
          // rename(2): a JVM starting at the same time sees the whole file or none.
          Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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

  /**
   * Whether {@code folder} is ours alone, made here with mode 0700 when missing: its name is
   * predictable, and a folder another user made or may write could hand us their library.
   */
  private static boolean ownFolder(Path folder, boolean inPrivateFolder) throws IOException {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createDirectories(folder);
      return Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS);
    }
    Path parent = folder.getParent();
    // Looked at before the probe below writes into it: through a link it would write elsewhere.
    Optional<String> refused = inPrivateFolder ? whyNotAFolder(parent) : Optional.empty();
    if (refused.isEmpty()) {
      UserPrincipal self = currentUser(parent);
      Set<UserPrincipal> owners = trustedOwners(self, parent);
      refused = inPrivateFolder ? whyNotPrivate(parent, owners) : whyOthersMayReplace(parent, owners);
      if (refused.isEmpty()) {
        try {
          Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
          return true;
        } catch (FileAlreadyExistsException e) {
          // Made before, by an earlier start or by someone else: checked below.
        }
        refused = whyNotOurs(folder, self).map(why -> why + "; delete that folder");
      }
    }
    refused.ifPresent(why -> log.warn("not loading ONNX Runtime's libraries from {}: {}; ONNX Runtime unpacks its own"
        + " into a new folder in java.io.tmpdir instead", folder, why));
    return refused.isEmpty();
  }

  /** The users who may own the folder ours is made in ({@code parent}): {@code self} and root. */
  private static Set<UserPrincipal> trustedOwners(UserPrincipal self, Path parent) throws IOException {
    Set<UserPrincipal> owners = new HashSet<>(Set.of(self));
    try {
      owners.add(parent.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root"));
    } catch (UserPrincipalNotFoundException e) {
      // No user named root (not Unix): only ours.
    }
    return Set.copyOf(owners);
  }

  /**
   * Why another user could put a folder of theirs in place of ours in java.io.tmpdir ({@code parent})
   * between our check and ONNX Runtime's load: it is owned by none of {@code owners} (its owner may
   * rename what is in it), or group or others may write it and it lacks the sticky bit (which /tmp
   * has, and which keeps others from renaming what is ours); empty when it cannot.
   */
  static Optional<String> whyOthersMayReplace(Path parent, Set<UserPrincipal> owners) throws IOException {
    // Follows a link: java.io.tmpdir may be one (/tmp to /private/tmp on macOS).
    PosixFileAttributes found = Files.readAttributes(parent, PosixFileAttributes.class);
    Set<PosixFilePermission> permissions = found.permissions();
    if (!owners.contains(found.owner())) {
      return Optional.of("java.io.tmpdir " + parent + " is owned by " + found.owner().getName() + ", who could rename"
          + " ours away and put theirs in its place, and ONNX Runtime's own folder there just as well; set "
          + ModelConfig.ONNXRUNTIME_DIR_KEY + " to a folder given to the model service alone, owned by its user or root");
    }
    if (!permissions.contains(PosixFilePermission.GROUP_WRITE) && !permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
      return Optional.empty();
    }
    return sticky(parent) ? Optional.empty()
        : Optional.of("java.io.tmpdir " + parent + " may be written by others (" + PosixFilePermissions.toString(permissions)
            + ") and has no sticky bit, so another user could rename ours away and put theirs in its place, and"
            + " ONNX Runtime's own folder there just as well until java.io.tmpdir is fixed: chmod +t it, or set "
            + ModelConfig.ONNXRUNTIME_DIR_KEY + " to a folder given to the model service alone");
  }

  /**
   * Why the operator's {@code folder} for the model service alone cannot hold ours: it is not a
   * directory (a link is not followed), or none of {@code owners} owns it. Its write bits are not
   * asked: the operator declared it the service's alone (a Kubernetes emptyDir is 2777, no sticky bit).
   */
  static Optional<String> whyNotPrivate(Path folder, Set<UserPrincipal> owners) throws IOException {
    Optional<String> notAFolder = whyNotAFolder(folder);
    if (notAFolder.isPresent()) {
      return notAFolder;
    }
    UserPrincipal owner = Files.getOwner(folder, LinkOption.NOFOLLOW_LINKS);
    return owners.contains(owner) ? Optional.empty() : Optional.of(ModelConfig.ONNXRUNTIME_DIR_KEY + " " + folder
        + " is owned by " + owner.getName() + ", not by the service's user or root");
  }

  /** Why the operator's {@code folder} is not a directory (a link is not followed); empty when it is. */
  private static Optional<String> whyNotAFolder(Path folder) throws IOException {
    return Files.readAttributes(folder, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory()
        ? Optional.empty()
        : Optional.of(ModelConfig.ONNXRUNTIME_DIR_KEY + " " + folder + " is not a directory (links are not followed)");
  }

  /** Whether {@code folder} has the sticky bit (false where the file system does not tell: refused then). */
  private static boolean sticky(Path folder) throws IOException {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("unix")) {
      return false;
    }
    return ((Integer) Files.getAttribute(folder, "unix:mode") & STICKY) != 0;
  }

  /**
   * Why the existing {@code folder} is not {@code self}'s alone (not a directory, another's, or
   * writable by others); empty when it is.
   */
  static Optional<String> whyNotOurs(Path folder, UserPrincipal self) throws IOException {
    PosixFileAttributes found = Files.readAttributes(folder, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    Set<PosixFilePermission> permissions = found.permissions();
    return Optional.ofNullable(!found.isDirectory() ? "it is not a directory"
        : !found.owner().equals(self) ? "it is owned by " + found.owner().getName()
        : permissions.contains(PosixFilePermission.GROUP_WRITE) || permissions.contains(PosixFilePermission.OTHERS_WRITE)
            ? "others may write it (" + PosixFilePermissions.toString(permissions) + ")"
        : null);
  }

  /** This process's user, as the file system names it: the owner of a file just made in {@code parent}. */
  private static UserPrincipal currentUser(Path parent) throws IOException {
    Path probe = Files.createTempFile(parent, FOLDER_PREFIX, ".owner");
    try {
      return Files.getOwner(probe);
    } finally {
      Files.deleteIfExists(probe);
    }
  }

  /** Whether {@code file} is a regular file (not a link) with the size and CRC-32 of the jar's {@code resource}. */
  private static boolean sameContent(URL resource, Path file) throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (!attributes.isRegularFile()) {
      return false;
    }
    Content jar = Content.of(resource);
    if (attributes.size() != jar.size()) {
      return false;
    }
    try (CheckedInputStream in = new CheckedInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS), new CRC32())) {
      in.transferTo(OutputStream.nullOutputStream());
      return in.getChecksum().getValue() == jar.crc();
    }
  }

  /**
   * Deletes the empty {@code onnxruntime-java*} folders that ONNX Runtime's own unpacking left in
   * java.io.tmpdir (one a start before this class, or left by any other program of this user's
   * using ONNX Runtime; hundreds were found on one machine), logging their count at INFO.
   */
  private static void deleteEmptyFoldersLeftBefore() {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return;
    }
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try {
      int deleted = deleteEmptyFoldersLeft(tmp, currentUser(tmp),
          FileTime.from(Instant.now().minus(LEFT_EMPTY)), ENTRIES_READ_AT_MOST);
      if (deleted > 0) {
        log.info("deleted {} empty {}* folders left in {} by ONNX Runtime's own unpacking",
            deleted, OWN_FOLDER_PREFIX, tmp);
      }
    } catch (IOException | UncheckedIOException | DirectoryIteratorException e) {
      log.warn("cannot delete the empty {}* folders ONNX Runtime left in {} ({})", OWN_FOLDER_PREFIX, tmp, e.toString());
    }
  }

  /**
   * Deletes the {@code onnxruntime-java*} folders in {@code tmp} that are empty, {@code self}'s,
   * not links and last changed before {@code before} (younger ones a start may be filling now),
   * among the first {@code entriesAtMost} entries of {@code tmp}; how many it deleted.
   */
  static int deleteEmptyFoldersLeft(Path tmp, UserPrincipal self, FileTime before, int entriesAtMost)
      throws IOException {
    int read = 0;
    int deleted = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp)) {
      for (Path entry : entries) {
        if (++read > entriesAtMost) {
          log.info("read the first {} entries of {} only, looking for empty {}* folders", entriesAtMost, tmp,
              OWN_FOLDER_PREFIX);
          break;
        }
        if (entry.getFileName().toString().startsWith(OWN_FOLDER_PREFIX) && emptyFolderLeft(entry, self, before)) {
          deleted++;
        }
      }
    }
    return deleted;
  }

  /**
   * Whether {@code entry} was a folder as {@link #deleteEmptyFoldersLeft} deletes, and deleted now;
   * false when it cannot be read or deleted.
   */
  private static boolean emptyFolderLeft(Path entry, UserPrincipal self, FileTime before) {
    try {
      PosixFileAttributes found = Files.readAttributes(entry, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!found.isDirectory() || !found.owner().equals(self) || found.lastModifiedTime().compareTo(before) >= 0) {
        return false;
      }
      // rmdir(2): removes the folder only while it is empty, even if it was filled since the look above.
      Files.delete(entry);
      return true;
    } catch (NoSuchFileException | DirectoryNotEmptyException e) {
      return false;
    } catch (IOException e) {
      // EPERM, EBUSY, EROFS on this one: the others may still go.
      log.debug("cannot delete {}: {}", entry, e.toString());
      return false;
    }
  }

  /** Deletes the half-written copies older than {@link #ABANDONED}: their writer died mid-way. */
  private static void deleteAbandonedParts(Path folder) throws IOException {
    FileTime before = FileTime.from(Instant.now().minus(ABANDONED));
    try (DirectoryStream<Path> parts = Files.newDirectoryStream(folder, "*" + PART)) {
      for (Path part : parts) {
        try {
          if (Files.getLastModifiedTime(part, LinkOption.NOFOLLOW_LINKS).compareTo(before) < 0) {
            Files.deleteIfExists(part);
          }
        } catch (NoSuchFileException e) {
          // Renamed into place, or deleted, by its writer meanwhile.
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
      Set<String> extracted = (Set<String>) privateField("extractedSharedProviders");
      synchronized (runtime) {
        for (String provider : List.of(SHARED_PROVIDER, CUDA_PROVIDER)) {
          if (Files.isRegularFile(folder.resolve(fileName(provider)))) {
            extracted.add(provider);
          }
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      warnUnreachable("its list of copied providers", e);
    }
  }

  /** Whether ONNX Runtime loaded its libraries already (false when that cannot be told). */
  private static boolean onnxRuntimeLoaded() {
    try {
      return (Boolean) privateField("loaded");
    } catch (ReflectiveOperationException | RuntimeException e) {
      warnUnreachable("whether it is loaded", e);
      return false;
    }
  }

  /** The value of ONNX Runtime's private static field {@code name} (ai.onnxruntime.OnnxRuntime, 1.23). */
  private static Object privateField(String name) throws ReflectiveOperationException {
    Field field = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField(name);
    field.setAccessible(true);
    return field.get(null);
  }

  /** One WARN per process: a field read above is gone or changed, as after an ONNX Runtime upgrade. */
  private static void warnUnreachable(String what, Exception e) {
    if (warnedUnreachable.compareAndSet(false, true)) {
      log.warn("ONNX Runtime {} changed: {} is out of reach ({}); it may copy its provider libraries "
          + "again and leave an onnxruntime-java* folder in java.io.tmpdir",
          OrtEnvironment.class.getPackage().getImplementationVersion(), what, e.toString());
    }
  }

  /** Deletes the folder ONNX Runtime made for its copies (files first), now that it loaded from ours. */
  private static void deleteOwnFolder() {
    Path own;
    try {
      own = (Path) privateField("tempDirectory");
    } catch (ReflectiveOperationException | RuntimeException e) {
      warnUnreachable("its own folder", e);
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
