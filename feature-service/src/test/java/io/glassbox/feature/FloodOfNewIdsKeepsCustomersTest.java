package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.IngestEventsRequest;
import io.glassbox.api.v1.UserEvent;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The security review's flood, through the real server on a TCP port: IngestEvents calls of
 * brand-new user ids, more of them than GLASSBOX_FEATURE_MAX_USERS. Before, the flood evicted the
 * least recently active users, and customer 12347 of the embedded data (182 events) went to 0;
 * now new ids wait on probation and the flood evicts its own oldest ids, the dataset's customers
 * staying whole.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FloodOfNewIdsKeepsCustomersTest {
  /** Room for the 4,104 customers of the embedded data within the protected share (80%: 4,160). */
  private static final int MAX_USERS = 5200;
  private static final int CALLS = 60;
  private static final int IDS_PER_CALL = 100;

  @Test
  void ingest_floodOfMoreNewIdsThanMaxUsers_datasetCustomerKeepsAllEvents() {
    try (GrpcServer server = FeatureMain.start(FeatureMainTest.onFreePorts(Map.of(
        FeatureConfig.DATA_DIR_KEY, TestData.realDataDir().toString(),
        FeatureConfig.MAX_USERS_KEY, String.valueOf(MAX_USERS))))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
      try {
        FeatureServiceGrpc.FeatureServiceBlockingStub stub = FeatureServiceGrpc.newBlockingStub(channel);
        assertEquals(182, history(stub, "12347").getTotalEvents());

        for (int call = 0; call < CALLS; call++) {
          IngestEventsRequest.Builder request = IngestEventsRequest.newBuilder();
          for (int id = call * IDS_PER_CALL; id < (call + 1) * IDS_PER_CALL; id++) {
            request.addEvents(UserEvent.newBuilder()
                .setUserId("flood-" + id)
                .setEventId("e" + id)
                .setEvent(Event.newBuilder().setItemId("85123A").setEventType("click")
                    .setTime(Timestamp.newBuilder().setSeconds(1_700_000_000L + id))));
          }
          assertEquals(IDS_PER_CALL, stub.withDeadlineAfter(10, TimeUnit.SECONDS)
              .ingestEvents(request.build()).getAcceptedCount());
        }

        GetUserHistoryResponse customer = history(stub, "12347");
        assertTrue(customer.getKnownUser());
        assertEquals(182, customer.getTotalEvents());
        // 4,104 customers and the flood's newest 1,096 ids fill the 5,200 places.
        assertFalse(history(stub, "flood-0").getKnownUser());
        assertFalse(history(stub, "flood-" + (CALLS * IDS_PER_CALL - 1097)).getKnownUser());
        assertTrue(history(stub, "flood-" + (CALLS * IDS_PER_CALL - 1096)).getKnownUser());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static GetUserHistoryResponse history(FeatureServiceGrpc.FeatureServiceBlockingStub stub, String userId) {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS)
        .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId(userId).build());
  }
}
