package io.guise.testing;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.guise.proto.AccessPointMessage;
import io.guise.proto.DistributionGrpc;
import io.guise.proto.FullSnapshot;
import io.guise.proto.HealthReport;
import io.guise.proto.Heartbeat;
import io.guise.proto.ManagerMessage;
import io.guise.proto.RoutingSnapshot;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A distribution service for tests on 127.0.0.1, on a port the system picks. It
 * responds to every hello with a full snapshot of the routing it was given, keeps
 * the health reports it receives, and sends heartbeats when a test calls for them.
 * Closing stops it. Thread-safe.
 */
public final class LoopbackManager implements AutoCloseable {

    private final RoutingSnapshot routing;
    private final String epoch;
    private final Server server;
    private final LinkedBlockingQueue<HealthReport> reports = new LinkedBlockingQueue<>();
    // Guarded by this.
    private final List<StreamObserver<ManagerMessage>> streams = new ArrayList<>();

    /** Starts a manager that serves {@code routing} in epoch {@code epoch}. */
    public LoopbackManager(String epoch, RoutingSnapshot routing) throws IOException {
        this.epoch = epoch;
        this.routing = routing;
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(new Service())
                .build()
                .start();
    }

    /** Returns the address as a manager link wants it, such as "127.0.0.1:40000". */
    public String address() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Waits up to {@code timeout} for the next health report; returns null when none came. */
    public HealthReport nextReport(Duration timeout) throws InterruptedException {
        return reports.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends a heartbeat on every open stream. */
    public synchronized void heartbeat() {
        for (StreamObserver<ManagerMessage> stream : streams) {
            stream.onNext(ManagerMessage.newBuilder()
                                  .setHeartbeat(Heartbeat.newBuilder().setRevision(routing.getRevision()))
                                  .build());
        }
    }

    private synchronized void opened(StreamObserver<ManagerMessage> stream) {
        streams.add(stream);
        stream.onNext(ManagerMessage.newBuilder()
                              .setSnapshot(FullSnapshot.newBuilder().setEpoch(epoch).setSnapshot(routing))
                              .build());
    }

    private synchronized void closed(StreamObserver<ManagerMessage> stream) {
        streams.remove(stream);
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    private final class Service extends DistributionGrpc.DistributionImplBase {
        @Override
        public StreamObserver<AccessPointMessage> stream(StreamObserver<ManagerMessage> responses) {
            return new StreamObserver<>() {
                @Override
                public void onNext(AccessPointMessage message) {
                    switch (message.getKindCase()) {
                        case HELLO -> opened(responses);
                        case HEALTH -> reports.add(message.getHealth());
                        default -> { }
                    }
                }

                @Override
                public void onError(Throwable error) {
                    closed(responses);
                }

                @Override
                public void onCompleted() {
                    closed(responses);
                    responses.onCompleted();
                }
            };
        }
    }
}
