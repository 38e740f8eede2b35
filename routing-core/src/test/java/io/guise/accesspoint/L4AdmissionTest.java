package io.guise.accesspoint;

import static io.guise.accesspoint.AccessPointFixture.config;
import static io.guise.accesspoint.AccessPointFixture.endpoint;
import static io.guise.accesspoint.AccessPointFixture.listener;
import static io.guise.accesspoint.AccessPointFixture.persona;
import static io.guise.accesspoint.AccessPointFixture.subset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.guise.metrics.RequestOutcome;
import io.guise.metrics.ShapingStats;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Admission;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.TcpEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Admission limits and subset budgets applied to L4 connections on real loopback sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class L4AdmissionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private AccessPoint accessPoint;

    @AfterEach
    void stop() throws Exception {
        if (accessPoint != null) {
            accessPoint.close();
        }
        endpoints.close();
    }

    /** A client connection to an L4 listener that reads the endpoint's greeting line. */
    private static final class Client implements AutoCloseable {
        private final Socket socket = new Socket();

        Client(InetSocketAddress address) throws IOException {
            socket.connect(address, (int) WAIT.toMillis());
            socket.setSoTimeout((int) WAIT.toMillis());
        }

        /** Returns the first line the endpoint sends, or null when the access point closes first. */
        String firstLine() throws IOException {
            final InputStream in = socket.getInputStream();
            final StringBuilder line = new StringBuilder();
            int next;
            try {
                while ((next = in.read()) >= 0 && next != '\n') {
                    line.append((char) next);
                }
            } catch (java.net.SocketException e) {
                // A reset is a close as far as these tests go.
                return null;
            }
            return next < 0 && line.length() == 0 ? null : line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private AccessPointConfig.Builder tcpConfig(TcpEndpoint backend) {
        return config(listener("tcp", "L4", "127.0.0.1", "127.0.0.2"))
                .addPersonas(persona("gold", "tcp").setPriority(900))
                .addPersonas(persona("bulk", "tcp").setPriority(10))
                .addEndpoints(endpoint("tcp-1", "tcp", backend.address()))
                .addSubsets(subset("127.0.0.1/32", "gold"))
                .addSubsets(subset("127.0.0.2/32", "bulk"));
    }

    @Test
    void admission_thirdConnectionShed() throws Exception {
        final TcpEndpoint backend = endpoints.tcp("tcp-1", "127.0.0.1");
        accessPoint = AccessPoint.start(tcpConfig(backend)
                .setAdmission(Admission.newBuilder().setMaxConcurrentRequests(2).setQueueLimit(0))
                .build(), 2);
        final InetSocketAddress address = accessPoint.listenerAddresses("tcp").get(0);

        try (Client first = new Client(address); Client second = new Client(address)) {
            assertThat(first.firstLine()).isEqualTo("tcp-1");
            assertThat(second.firstLine()).isEqualTo("tcp-1");
            try (Client third = new Client(address)) {
                assertThat(third.firstLine()).isNull();
            }
        }

        final ShapingStats shaping = accessPoint.metrics().shaping("gold");
        assertThat(shaping.decisionCount(ShapingStats.Decision.SHED)).isEqualTo(1);
        assertThat(shaping.decisionCount(ShapingStats.Decision.ADMITTED)).isEqualTo(2);
        assertThat(accessPoint.routing().current().persona("gold").stats(false).outcomeCount(RequestOutcome.SHED))
                .isEqualTo(1);
        // The shed connection never reached the endpoint.
        assertThat(backend.connections().get()).isEqualTo(2);

        // Once both held connections close, their slots are free again.
        await().atMost(WAIT).until(() -> accessPoint.context().admission().inFlight() == 0);
        try (Client later = new Client(address)) {
            assertThat(later.firstLine()).isEqualTo("tcp-1");
        }
        assertThat(shaping.decisionCount(ShapingStats.Decision.ADMITTED)).isEqualTo(3);
        assertThat(AccessPointFixture.utf8(accessPoint.metrics().scrapeText()))
                .contains("guise_shaping_decisions_total{decision=\"shed\",persona=\"gold\"} 1");
    }

    @Test
    void subsetBudget_thirdConnectionShed() throws Exception {
        final TcpEndpoint backend = endpoints.tcp("tcp-1", "127.0.0.1");
        accessPoint = AccessPoint.start(tcpConfig(backend)
                .setSubsets(0, subset("127.0.0.1/32", "gold").toBuilder().setMaxConcurrentRequests(2))
                .build(), 2);
        final List<InetSocketAddress> addresses = accessPoint.listenerAddresses("tcp");

        try (Client first = new Client(addresses.get(0)); Client second = new Client(addresses.get(0))) {
            assertThat(first.firstLine()).isEqualTo("tcp-1");
            assertThat(second.firstLine()).isEqualTo("tcp-1");
            try (Client third = new Client(addresses.get(0))) {
                assertThat(third.firstLine()).isNull();
            }
            // The other subset has no budget of its own, so it still gets through.
            try (Client other = new Client(addresses.get(1))) {
                assertThat(other.firstLine()).isEqualTo("tcp-1");
            }
        }

        assertThat(accessPoint.metrics().shaping("gold").decisionCount(ShapingStats.Decision.SHED)).isEqualTo(1);
        assertThat(accessPoint.metrics().shaping("bulk").decisionCount(ShapingStats.Decision.SHED)).isZero();
        await().atMost(WAIT).until(() -> accessPoint.context().subsetBudgets().inFlight("127.0.0.1/32") == 0);
        try (Client later = new Client(addresses.get(0))) {
            assertThat(later.firstLine()).isEqualTo("tcp-1");
        }
        assertThat(backend.connections().get()).isEqualTo(4);
    }

    @Test
    void admission_queuedByPriority() throws Exception {
        final TcpEndpoint backend = endpoints.tcp("tcp-1", "127.0.0.1");
        accessPoint = AccessPoint.start(tcpConfig(backend)
                .setAdmission(Admission.newBuilder().setMaxConcurrentRequests(1).setQueueLimit(2))
                .build(), 2);
        final List<InetSocketAddress> addresses = accessPoint.listenerAddresses("tcp");
        final ShapingStats gold = accessPoint.metrics().shaping("gold");
        final ShapingStats bulk = accessPoint.metrics().shaping("bulk");

        try (Client holder = new Client(addresses.get(1))) {
            assertThat(holder.firstLine()).isEqualTo("tcp-1");
            try (Client bulkWaiter = new Client(addresses.get(1))) {
                await().atMost(WAIT).until(() -> bulk.decisionCount(ShapingStats.Decision.QUEUED) == 1);
                try (Client goldWaiter = new Client(addresses.get(0))) {
                    await().atMost(WAIT).until(() -> gold.decisionCount(ShapingStats.Decision.QUEUED) == 1);
                    assertThat(accessPoint.context().admission().queuedPriorities()).containsExactly(900, 10);

                    holder.close();

                    // The gold connection arrived last but has the higher priority, so it gets the slot.
                    assertThat(goldWaiter.firstLine()).isEqualTo("tcp-1");
                    assertThat(accessPoint.context().admission().queuedPriorities()).containsExactly(10);
                }
                assertThat(bulkWaiter.firstLine()).isEqualTo("tcp-1");
            }
        }

        assertThat(backend.connections().get()).isEqualTo(3);
        assertThat(gold.decisionCount(ShapingStats.Decision.SHED)).isZero();
        assertThat(bulk.decisionCount(ShapingStats.Decision.SHED)).isZero();
    }

    @Test
    void admission_queuedConnectionClosedByClientLeavesQueue() throws Exception {
        final TcpEndpoint backend = endpoints.tcp("tcp-1", "127.0.0.1");
        accessPoint = AccessPoint.start(tcpConfig(backend)
                .setAdmission(Admission.newBuilder().setMaxConcurrentRequests(1).setQueueLimit(1))
                .build(), 2);
        final InetSocketAddress address = accessPoint.listenerAddresses("tcp").get(0);

        try (Client holder = new Client(address)) {
            assertThat(holder.firstLine()).isEqualTo("tcp-1");
            try (Client waiter = new Client(address)) {
                await().atMost(WAIT).until(() -> accessPoint.context().admission().queuedPriorities().size() == 1);
            }
            await().atMost(WAIT).until(() -> accessPoint.context().admission().queuedPriorities().isEmpty());
            assertThat(accessPoint.context().admission().inFlight()).isEqualTo(1);
        }

        await().atMost(WAIT).until(() -> accessPoint.context().admission().inFlight() == 0);
        assertThat(backend.connections().get()).isEqualTo(1);
    }
}
