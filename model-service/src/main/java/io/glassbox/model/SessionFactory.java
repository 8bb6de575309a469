package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens ONNX Runtime sessions on the configured execution provider.
 *
 * <p>CUDA is only tried when it was asked for or a GPU device node exists: the first
 * {@code addCUDA} call unpacks ~375 MB of CUDA libraries and costs seconds even when it then
 * fails. In auto mode a CUDA failure falls back to CPU with the reason logged, and later loads
 * go straight to CPU.
 */
@Singleton
public final class SessionFactory {
  private static final Logger log = LoggerFactory.getLogger(SessionFactory.class);

  /** A session and where it runs. */
  record OpenedSession(OrtSession session, Device device, String fallback) {
    OpenedSession(OrtSession session, Device device) {
      this(session, device, "");
    }
  }

  private final OrtEnvironment environment;
  private final ExecutionProviderSetting setting;
  private final int intraOpThreads;
  private final boolean threadSpinning;
  private final int cudaDeviceId;
  private final Path gpuDeviceNode;
  /** Where the CUDA provider library is kept for later starts (see OnnxRuntimeLibraries). */
  private final Optional<Path> onnxRuntimeDirectory;
  private volatile boolean cudaFailedBefore;

  @Inject
  public SessionFactory(OrtEnvironment environment, ModelConfig config, @GpuDeviceNode Path gpuDeviceNode) {
    this.environment = requireNonNull(environment, "environment");
    this.setting = config.executionProvider();
    this.intraOpThreads = config.effectiveIntraOpThreads();
    this.threadSpinning = config.threadSpinning();
    this.cudaDeviceId = config.cudaDeviceId();
    this.gpuDeviceNode = requireNonNull(gpuDeviceNode, "gpuDeviceNode");
    this.onnxRuntimeDirectory = config.onnxRuntimeDirectory();
  }

  /** Opens {@code modelFile}; throws what ONNX Runtime throws when the model cannot be loaded. */
  OpenedSession open(Path modelFile) throws OrtException {
    String path = modelFile.toString();
    return open(options -> environment.createSession(path, options), modelFile.getFileName().toString());
  }

  /**
   * Opens the model held in {@code model} (a whole model.onnx with no external data: ONNX Runtime
   * reads exactly these bytes, not a file that may have changed since they were checked).
   */
  OpenedSession open(byte[] model) throws OrtException {
    return open(options -> environment.createSession(model, options), ModelLoader.MODEL_FILE);
  }

  /** How a session is created from its model, with the options of the chosen provider. */
  @FunctionalInterface
  private interface ModelSource {
    OrtSession create(OrtSession.SessionOptions options) throws OrtException;
  }

  private OpenedSession open(ModelSource source, String modelName) throws OrtException {
    switch (setting) {
      case CPU:
        return cpu(source, "GLASSBOX_EXECUTION_PROVIDER=cpu");
      case CUDA:
        try {
          return new OpenedSession(cudaSession(source), Device.CUDA);
        } catch (CudaUnavailableException e) {
          throw new ModelLoadException("CUDA was asked for (GLASSBOX_EXECUTION_PROVIDER=cuda) but "
              + "cannot be used: " + e.getCause().getCode() + "; set it to auto or cpu to run on CPU", e);
        }
      case AUTO:
      default:
        if (!Files.exists(gpuDeviceNode)) {
          return cpu(source, "no GPU device " + gpuDeviceNode);
        }
        if (cudaFailedBefore) {
          OpenedSession cpu = cpu(source, "CUDA failed on an earlier load");
          return new OpenedSession(cpu.session(), Device.CPU,
              "GPU device " + gpuDeviceNode + " present but CUDA failed on an earlier load");
        }
        try {
          OpenedSession cuda = new OpenedSession(cudaSession(source), Device.CUDA);
          log.info("running {} on CUDA device {} (GPU device {} present)", modelName,
              cudaDeviceId, gpuDeviceNode);
          return cuda;
        } catch (CudaUnavailableException | OrtException cudaFailure) {
          // A broken model fails on CPU too; only a model that loads on CPU proves CUDA is at fault.
          OpenedSession fallback = cpu(source, "CUDA failed to load");
          cudaFailedBefore = true;
          log.warn("CUDA is unavailable ({}); running on CPU, later loads skip CUDA",
              cudaFailure.getMessage());
          return new OpenedSession(fallback.session(), Device.CPU,
              "GPU device " + gpuDeviceNode + " present but CUDA failed to load: "
                  + cudaFailure.getMessage());
        }
    }
  }

  private OpenedSession cpu(ModelSource source, String reason) throws OrtException {
    try (OrtSession.SessionOptions options = baseOptions()) {
      OrtSession session = source.create(options);
      log.info("running model on CPU ({}), intra-op threads {}{}", reason, intraOpThreads,
          threadSpinning ? ", spinning" : "");
      return new OpenedSession(session, Device.CPU);
    }
  }

  private OrtSession cudaSession(ModelSource source) throws OrtException, CudaUnavailableException {
    try (OrtSession.SessionOptions options = baseOptions()) {
      try {
        OnnxRuntimeLibraries.prepareCuda(onnxRuntimeDirectory);
        options.addCUDA(cudaDeviceId);
      } catch (OrtException e) {
        throw new CudaUnavailableException(e);
      }
      return source.create(options);
    }
  }

  private OrtSession.SessionOptions baseOptions() throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    try {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setIntraOpNumThreads(intraOpThreads);
      if (!threadSpinning) {
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
      }
      return options;
    } catch (OrtException e) {
      options.close();
      throw e;
    }
  }

  /** The CUDA execution provider could not be added (libraries, driver or device missing). */
  private static final class CudaUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    CudaUnavailableException(OrtException cause) {
      super("addCUDA failed: " + cause.getCode() + ": " + cause.getMessage(), cause);
    }

    @Override
    public synchronized OrtException getCause() {
      return (OrtException) super.getCause();
    }
  }
}
