package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload of a version trained on another item catalogue: refused unless the request allows a
 * new catalogue, while a retrain that keeps most items goes through. The model service runs as
 * {@code ModelMain} starts it, on real ports, with v1 of the toy model active.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NewCatalogueReloadTest {
  @TempDir Path modelDirectory;
  private GrpcServer server;
  private ManagedChannel adminChannel;
  private ManagedChannel channel;
  private ModelAdminGrpc.ModelAdminBlockingStub admin;
  private ModelServiceGrpc.ModelServiceBlockingStub models;

  @BeforeEach
  void startWithV1() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    server = ToyModelMain.start(modelDirectory);
    adminChannel = ToyModelMain.channelTo(server.adminPort());
    channel = ToyModelMain.channelTo(server.port());
    admin = ModelAdminGrpc.newBlockingStub(adminChannel);
    models = ModelServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    adminChannel.shutdownNow();
    channel.shutdownNow();
    server.close();
  }

  @Test
  void reload_ofAVersionSharingNoItems_isRefusedWithBothCounts_andTheOldVersionKeepsServing() {
    ModelFolders.addRenamedItemsVersion(modelDirectory, "v2-other-shop", ModelFolders.TOY_VOCABULARY_SIZE);

    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2-other-shop").build()));

    assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
    String message = refused.getStatus().getDescription();
    assertTrue(message.contains("holds 12 items, of which 0 are among the 12 items of active version v1"), message);
    assertTrue(message.contains("--allow-new-catalogue"), message);
    assertEquals("v1", models.getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion());
    assertEquals("v1", models.score(scoreOf("item-02", "item-03")).getModelVersion());
  }

  @Test
  void reload_ofAVersionSharingNoItems_withANewCatalogueAllowed_isActive() {
    ModelFolders.addRenamedItemsVersion(modelDirectory, "v2-other-shop", ModelFolders.TOY_VOCABULARY_SIZE);

    assertEquals("v2-other-shop", admin.reloadModel(ReloadModelRequest.newBuilder()
        .setVersion("v2-other-shop").setAllowNewCatalogue(true).build()).getActive().getVersion());

    assertEquals("v2-other-shop", models.score(scoreOf("Zitem-02", "Zitem-03")).getModelVersion());
  }

  /** Eight of the twelve old items kept, as a retrain on a changed catalogue keeps most of them. */
  @Test
  void reload_ofAVersionSharingMostItems_isActive() {
    ModelFolders.addRenamedItemsVersion(modelDirectory, "v2-retrained", 4);

    assertEquals("v2-retrained", admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2-retrained").build())
        .getActive().getVersion());

    assertEquals("v2-retrained", models.score(scoreOf("item-08", "item-09")).getModelVersion());
  }

  /** Five of twelve kept: under half is refused too, not only a catalogue with nothing in common. */
  @Test
  void reload_ofAVersionSharingUnderHalfTheItems_isRefused() {
    ModelFolders.addRenamedItemsVersion(modelDirectory, "v2-mostly-new", 7);

    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v2-mostly-new").build()));

    assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("of which 5 are among the 12"),
        refused.getStatus().getDescription());
  }

  private static ScoreRequest scoreOf(String historyItem, String candidate) {
    return ScoreRequest.newBuilder()
        .addRows(ScoreRow.newBuilder().addHistoryItemIds(historyItem).addCandidateItemIds(candidate))
        .build();
  }
}
