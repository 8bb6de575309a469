package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Provider choice without a GPU; these tests must never reach addCUDA. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SessionFactoryTest {
  private static final Path TOY_MODEL = ModelFolders.toyModelSource().resolve("v1/model.onnx");

  @Test
  void open_autoWithoutGpuDevice_runsOnCpu() throws Exception {
    assertDevice(ExecutionProviderSetting.AUTO, Device.CPU);
  }

  @Test
  void open_cpu_runsOnCpu() throws Exception {
    assertDevice(ExecutionProviderSetting.CPU, Device.CPU);
  }

  private static void assertDevice(ExecutionProviderSetting setting, Device expected) throws Exception {
    ModelConfig config = new ModelConfig(0, 0, Path.of("models"), "toy", Optional.empty(), setting, 1, 0);
    SessionFactory factory = new SessionFactory(OnnxRuntimeLibraries.environment(), config, ModelServiceUnderTest.NO_GPU);

    SessionFactory.OpenedSession opened = factory.open(TOY_MODEL);
    try {
      assertEquals(expected, opened.device());
    } finally {
      opened.session().close();
    }
  }
}
