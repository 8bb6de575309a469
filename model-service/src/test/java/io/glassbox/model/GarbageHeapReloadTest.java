package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import java.io.RandomAccessFile;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model-file size bound counts live objects, not garbage: a reload on a heap full of
 * unreachable arrays (as after a burst of Score calls, before the next collection) still loads a
 * model file the live heap has room for, and still refuses one it has not. The service runs in a
 * JVM of its own with a small fixed heap and the deployed collector ({@link ServiceJvm}), so
 * that the garbage fills most of a known heap quickly. The garbage must still be there when
 * model.onnx is measured: a first reload cycle loads the classes before it is made (class loading
 * past the metaspace threshold collects the whole heap), and the first full collection after it
 * must be the one the bound asks for.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GarbageHeapReloadTest {
  /** v2's weights: an eighth of the heap, within a quarter of it once live objects are taken away. */
  private static final int FITTING_FLOATS = 4 << 20;
  /** v3's model.onnx: more than a quarter of the heap however little of it is live. */
  private static final long OVER_ANY_BOUND_BYTES = 48L << 20;

  @TempDir Path modelDirectory;
  @TempDir Path logs;

  @Test
  void reloadModel_onAPort_heapFullOfGarbage_loadsAModelTheLiveHeapFits_andRefusesOneItDoesNot()
      throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path fitting = ModelFolders.addLargeWeightsVersion(modelDirectory, "v2", FITTING_FLOATS)
        .resolve(ModelLoader.MODEL_FILE);
    Path tooLarge = ModelFolders.addToyVersion(modelDirectory, "v3").resolve(ModelLoader.MODEL_FILE);
    try (RandomAccessFile sparse = new RandomAccessFile(tooLarge.toFile(), "rw")) {
      sparse.setLength(OVER_ANY_BOUND_BYTES);
    }
    long fittingSize = Files.size(fitting);

    Map<String, String> results = ServiceJvm.run(logs, ServiceWithGarbage.class, 4,
        modelDirectory.toString(), Long.toString(fittingSize));

    assertTrue(Long.parseLong(results.get("bound-counting-garbage")) < fittingSize,
        "the garbage left room for v2 even counted as used: " + results);
    assertEquals("System.gc()", results.get("first-full-collection-after-garbage"),
        "the garbage was collected before model.onnx was measured, or never: " + results);
    assertEquals("loaded v2", results.get("v2"));
    String refusal = results.get("v3");
    assertTrue(refusal.startsWith("refused model.onnx in version v3 is " + OVER_ANY_BOUND_BYTES
        + " bytes, more than the "), refusal);
    assertTrue(refusal.endsWith(" of the heap it has free; give it a larger heap); version v2 keeps serving"), refusal);
  }

  /**
   * The model service serving toy v1 on free ports; arguments: the model directory and v2's model
   * size. Reloads v2 and v1 (loading the classes a reload needs), leaves garbage until the heap,
   * counting it as used, could spare less than that size, then reloads v2 and v3 through ModelAdmin
   * and prints the outcomes and the cause of the first full collection after the garbage was made.
   */
  static final class ServiceWithGarbage {
    private ServiceWithGarbage() {}

    public static void main(String[] args) {
      Path modelDirectory = Path.of(args[0]);
      long fittingSize = Long.parseLong(args[1]);
      GrpcServer server = ToyModelMain.start(modelDirectory, "v1");
      ManagedChannel channel = ToyModelMain.channelTo(server.adminPort());
      try {
        ModelAdminGrpc.ModelAdminBlockingStub admin = ModelAdminGrpc.newBlockingStub(channel);
        FullCollections fullCollections = FullCollections.watch();
        requireLoaded(ServiceJvm.reload(admin, "v2"));
        requireLoaded(ServiceJvm.reload(admin, "v1"));
        leaveGarbage(fittingSize / 2);
        int before = fullCollections.causes().size();
        ServiceJvm.result("bound-counting-garbage", boundCountingGarbage());
        String v2 = ServiceJvm.reload(admin, "v2");
        List<String> causes = fullCollections.causes();
        ServiceJvm.result("first-full-collection-after-garbage", causes.size() > before ? causes.get(before) : "none");
        ServiceJvm.result("v2", v2);
        ServiceJvm.result("v3", ServiceJvm.reload(admin, "v3"));
      } finally {
        channel.shutdownNow();
        server.close();
      }
      System.exit(0);
    }

    private static void requireLoaded(String outcome) {
      if (!outcome.startsWith("loaded ")) {
        throw new IllegalStateException("the reload before the garbage did not load: " + outcome);
      }
    }

    /** Allocates arrays, held until the bound counting them drops below {@code bound}, then dropped. */
    private static void leaveGarbage(long bound) {
      List<byte[]> held = new ArrayList<>();
      while (boundCountingGarbage() >= bound) {
        held.add(new byte[1 << 20]);
      }
    }

    /** The bound as measured before it left garbage out: a quarter of max - (total - free). */
    private static long boundCountingGarbage() {
      Runtime runtime = Runtime.getRuntime();
      return (runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory()))
          / ModelLoader.MODEL_SHARE_OF_FREE_HEAP;
    }
  }

  /** The causes of the collections of the whole heap ("end of major GC"), in order, as the collector reports them. */
  static final class FullCollections implements NotificationListener {
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final List<String> majorCauses = new ArrayList<>();
    private long reported;

    private FullCollections() {}

    static FullCollections watch() {
      FullCollections watcher = new FullCollections();
      synchronized (watcher) {
        for (GarbageCollectorMXBean collector : watcher.collectors) {
          ((NotificationEmitter) collector).addNotificationListener(watcher, null, null);
        }
        watcher.reported = watcher.collections();
      }
      return watcher;
    }

    @Override
    public synchronized void handleNotification(Notification notification, Object handback) {
      if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
        return;
      }
      GarbageCollectionNotificationInfo info =
          GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
      if (info.getGcAction().equals("end of major GC")) {
        majorCauses.add(info.getGcCause());
      }
      reported++;
      notifyAll();
    }

    /** The causes so far, once every collection counted up to now has been reported (they come on another thread). */
    synchronized List<String> causes() {
      long due = collections();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (reported < due) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(reported + " of " + due + " collections were reported");
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return List.copyOf(majorCauses);
    }

    private long collections() {
      return collectors.stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }
  }
}
