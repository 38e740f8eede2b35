package io.guise.scenario.run;

import static java.util.Objects.requireNonNull;

import io.guise.accesspoint.AccessPoint;
import io.guise.fleet.Fleet;
import io.guise.fleet.FleetEndpoint;
import io.guise.load.ClientGroupSpec;
import io.guise.load.LoadGenerator;
import io.guise.load.LoadModel;
import io.guise.load.LoadSnapshot;
import io.guise.load.RequestTemplate;
import io.guise.manager.config.WriteResult;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Endpoint;
import io.guise.proto.RoutingSnapshot;
import io.guise.scenario.model.ClientGroup;
import io.guise.scenario.model.LoadShape;
import io.guise.scenario.model.Pool;
import io.guise.scenario.model.RequestMix;
import io.guise.scenario.model.Scenario;
import io.guise.scenario.model.TimelineAction;
import io.guise.scenario.model.TimelineEvent;
import io.guise.scenario.report.RunReport;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one scenario on loopback: starts the endpoint fleet, a manager with a store in
 * the run folder and the access points, applies the personas and subsets, drives
 * the client groups, plays the timeline, then measures and checks the expectations.
 *
 * <p>One run at a time per instance; every component is stopped before
 * {@link #run} returns, whatever happened.
 */
public final class ScenarioRunner {

    private static final Logger logger = LoggerFactory.getLogger(ScenarioRunner.class);
    private static final Duration CONVERGENCE_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Unrecorded load before the measured run; see {@code warmUp}. */
    private static final Duration WARM_UP = Duration.ofSeconds(2);
    private static final double WARM_UP_RATE_PER_SECOND = 200;
    private static final double WARM_UP_CLOSED_LOOP_RATE_PER_SECOND = 50;
    private static final DateTimeFormatter FOLDER_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    /**
     * The settings of a run.
     *
     * @param reportsRoot the folder that gets {@code runs/<scenario>-<timestamp>/}
     * @param quiet whether to leave out the progress lines
     * @param out where progress lines go
     */
    public record Options(Path reportsRoot, boolean quiet, PrintWriter out) {
        public Options {
            requireNonNull(reportsRoot, "reportsRoot");
            requireNonNull(out, "out");
        }
    }

    /** A finished run: its report and the folder the report files go to. */
    public record Outcome(RunReport report, Path runDir) {
    }

    private final Options options;

    public ScenarioRunner(Options options) {
        this.options = requireNonNull(options, "options");
    }

    /**
     * Runs {@code scenario} and returns its report; the caller writes the report files.
     *
     * @throws Exception when a component cannot start; everything started is stopped
     */
    public Outcome run(Scenario scenario) throws Exception {
        requireNonNull(scenario, "scenario");
        final Instant startedAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        final Path runDir = options.reportsRoot().resolve("runs")
                .resolve(scenario.name() + "-" + FOLDER_TIME.format(startedAt));
        Files.createDirectories(runDir);
        try (Run run = new Run(scenario, runDir)) {
            final RunReport report = run.execute(startedAt);
            return new Outcome(report, runDir);
        }
    }

    /** The components and measurements of one run. */
    private final class Run implements AutoCloseable {
        private final Scenario scenario;
        private final Fleet fleet;
        private final ManagerHandle manager;
        private final AccessPoint.SharedEventLoops accessPointLoops;
        private final List<AccessPoint> accessPoints = new ArrayList<>();
        private final TrafficLedger ledger = new TrafficLedger();
        private final List<RunReport.TimelineEntry> timeline = Collections.synchronizedList(new ArrayList<>());
        private final List<EndpointFault> faults = Collections.synchronizedList(new ArrayList<>());
        private final Map<String, io.guise.fleet.Behaviour> initialBehaviours = new HashMap<>();
        private final ScheduledExecutorService timelineExecutor = Executors.newSingleThreadScheduledExecutor(
                runnable -> new Thread(runnable, "scenario-timeline"));
        /** Polls for convergence after partitions heal, apart from the timeline so events stay on time. */
        private final ScheduledExecutorService convergenceExecutor = Executors.newSingleThreadScheduledExecutor(
                runnable -> {
                    final Thread thread = new Thread(runnable, "scenario-convergence");
                    thread.setDaemon(true);
                    return thread;
                });
        /** Watches access point ap-0's local ejections of endpoints with a fault, for the demotions section. */
        private final ScheduledExecutorService ejectionWatch = Executors.newSingleThreadScheduledExecutor(
                runnable -> {
                    final Thread thread = new Thread(runnable, "scenario-ejections");
                    thread.setDaemon(true);
                    return thread;
                });
        private final List<RunReport.Convergence> convergence = Collections.synchronizedList(new ArrayList<>());
        /** Every heal whose convergence is watched, as an unconverged record; see convergenceRecords. */
        private final List<RunReport.Convergence> heals = Collections.synchronizedList(new ArrayList<>());
        private NetworkHandle network;
        private String managerAddress;
        // System.nanoTime() at the start of the measured load; written before the timeline starts.
        private volatile long t0Nanos;
        // Guarded by options.out(): whether a status line waits for its newline.
        private boolean statusShown;

        Run(Scenario scenario, Path runDir) {
            this.scenario = scenario;
            this.fleet = Fleet.create(scenario.seed(), 2);
            this.manager = new ManagerHandle(runDir.resolve("manager-data"), scenario.manager());
            this.accessPointLoops = new AccessPoint.SharedEventLoops(2);
        }

        RunReport execute(Instant startedAt) throws Exception {
            List<Endpoint> endpoints = startFleet();
            manager.start();
            managerAddress = manager.distributionAddress();
            if (!scenario.network().links().isEmpty()) {
                endpoints = startNetwork(endpoints);
            }
            final WriteResult initial = manager.service().apply(RoutingSnapshot.newBuilder()
                                                                        .addAllPersonas(scenario.personas())
                                                                        .addAllEndpoints(endpoints)
                                                                        .addAllSubsets(scenario.subsets())
                                                                        .build(), false, OptionalLong.empty());
            startAccessPoints();
            awaitRevision(initial.revision());
            if (!manager.awaitAcks(initial.revision(), accessPoints.size(), CONVERGENCE_TIMEOUT.toMillis())) {
                throw new IllegalStateException("the manager did not receive every access point's ACK of revision "
                                                + initial.revision() + " within " + CONVERGENCE_TIMEOUT.toSeconds()
                                                + " s");
            }
            manager.markBaseline();
            progress("%d access point%s at revision %d; load for %d s", accessPoints.size(),
                     accessPoints.size() == 1 ? "" : "s", initial.revision(), scenario.duration().toSeconds());

            warmUp();
            final long t0 = System.nanoTime();
            t0Nanos = t0;
            // The manager stamps its decisions with the wall clock; this maps them to the run's clock.
            final long t0EpochMillis = System.currentTimeMillis();
            final LongSupplier clock = () -> System.nanoTime() - t0;
            final List<CompletableFuture<Void>> groups = startLoad(clock);
            final io.guise.health.EndpointHealthView health = accessPoints.get(0).endpointHealth();
            ejectionWatch.scheduleWithFixedDelay(() -> watchEjections(health), 10, 10, TimeUnit.MILLISECONDS);
            scheduleTimeline(clock);
            waitForEnd(clock, groups);
            timelineExecutor.shutdownNow();
            ejectionWatch.shutdownNow();
            watchEjections(health);
            synchronized (faults) {
                for (EndpointFault fault : faults) {
                    if (fault.endNanos() < 0) {
                        fault.lastArrivalAtRunEnd(lastArrivalNanos(fault.endpointId()));
                    }
                }
            }
            final LoadSnapshot load = ledger.recorder().snapshot();
            final long durationMs = TimeUnit.NANOSECONDS.toMillis(clock.getAsLong());
            progress("load finished after %.1f s: %d requests", durationMs / 1000.0, load.total().requests());
            convergenceExecutor.shutdownNow();
            return new ReportBuilder(scenario, ledger, load, manager.commitToAckMillis(), faults, timeline,
                                     manager.revisionPropagation(), convergenceRecords(), manager.decisions(),
                                     t0EpochMillis, manager.routing())
                    .build(startedAt, durationMs, accessPoints.size());
        }

        /**
         * Starts the Toxiproxy of the network section and a proxy per link. Returns
         * the endpoints with each linked endpoint's address replaced by its proxy's,
         * so that access points reach it through the proxy.
         */
        private List<Endpoint> startNetwork(List<Endpoint> endpoints) throws Exception {
            network = NetworkHandle.start(scenario.network(), scenario.seed());
            final List<Endpoint> routed = new ArrayList<>(endpoints);
            for (io.guise.scenario.model.Network.NetworkLink link : scenario.network().links()) {
                if (link.toManager()) {
                    final InetSocketAddress listen = network.open(link,
                            io.guise.chaos.LoopbackAddress.parse("manager", managerAddress, 1));
                    managerAddress = io.guise.chaos.LoopbackAddress.format(listen);
                    continue;
                }
                for (int i = 0; i < routed.size(); i++) {
                    final Endpoint endpoint = routed.get(i);
                    if (endpoint.getId().equals(link.to())) {
                        final InetSocketAddress listen = network.open(link,
                                new InetSocketAddress(endpoint.getAddress(), endpoint.getPort()));
                        routed.set(i, endpoint.toBuilder()
                                .setAddress(listen.getAddress().getHostAddress())
                                .setPort(listen.getPort())
                                .build());
                    }
                }
            }
            progress("network: %d link%s through Toxiproxy (%s)", scenario.network().links().size(),
                     scenario.network().links().size() == 1 ? "" : "s", scenario.network().toxiproxy().text());
            return routed;
        }

        private List<Endpoint> startFleet() throws InterruptedException {
            final List<Endpoint> endpoints = new ArrayList<>();
            for (Pool pool : scenario.fleet()) {
                for (int n = 1; n <= pool.count(); n++) {
                    final String id = pool.endpointId(n);
                    final io.guise.fleet.Behaviour behaviour = Conversions.behaviour(pool.behaviourOf(n));
                    final FleetEndpoint endpoint = fleet.start(id, new InetSocketAddress(pool.address(), 0),
                                                               behaviour);
                    initialBehaviours.put(id, behaviour);
                    endpoints.add(Endpoint.newBuilder()
                                          .setId(id)
                                          .setAddress(endpoint.address().getAddress().getHostAddress())
                                          .setPort(endpoint.address().getPort())
                                          .setPool(pool.name())
                                          .setTier(pool.tier())
                                          .setWeight(pool.weight())
                                          .setRegion(pool.region() == null ? "" : pool.region())
                                          .build());
                }
            }
            return endpoints;
        }

        private void startAccessPoints() throws Exception {
            final int count = scenario.accessPoints().count();
            final AccessPointConfig settings = scenario.accessPoints().settings();
            final int healthIntervalMs = (int) scenario.accessPoints().healthInterval().toMillis();
            for (int i = 0; i < count; i++) {
                final AccessPointConfig config = settings.toBuilder()
                        .setId("ap-" + i)
                        .setSeed(scenario.seed() + i)
                        .addAllListeners(scenario.accessPoints().listeners())
                        .setManager(settings.getManager().toBuilder()
                                            .setAddress(managerAddress)
                                            .setReconnectInitialMs(50)
                                            .setReconnectMaxMs(1000)
                                            .setHealthIntervalMs(healthIntervalMs))
                        .build();
                accessPoints.add(AccessPoint.start(config, accessPointLoops));
            }
        }

        private void awaitRevision(long revision) throws InterruptedException {
            final long deadline = System.nanoTime() + CONVERGENCE_TIMEOUT.toNanos();
            for (AccessPoint accessPoint : accessPoints) {
                while (accessPoint.routing().current().revision() < revision) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("access point " + accessPoint.id() + " did not reach revision "
                                                        + revision + " within " + CONVERGENCE_TIMEOUT.toSeconds()
                                                        + " s");
                    }
                    Thread.sleep(10);
                }
            }
        }

        /**
         * Sends a short, unrecorded burst through every group's target, so that JIT
         * compilation and first connections do not land in the measured latency.
         */
        private void warmUp() throws InterruptedException {
            final List<ClientGroupSpec> specs = new ArrayList<>();
            for (ClientGroup group : scenario.load()) {
                specs.add(ClientGroupSpec.builder(group.name(), target(group))
                                  .clients(Math.min(group.clients(), 4))
                                  .model(LoadModel.constantRate(warmUpRate(group.shape())))
                                  .requests(templates(group.mix()))
                                  .duration(WARM_UP)
                                  .requestTimeout(REQUEST_TIMEOUT)
                                  .seed(scenario.seed())
                                  .tls(clientTls(group))
                                  .build());
            }
            if (!specs.isEmpty()) {
                new LoadGenerator(fleet.group(), specs, result -> { }).run();
            }
        }

        private List<CompletableFuture<Void>> startLoad(LongSupplier clock) {
            final List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int index = 0; index < scenario.load().size(); index++) {
                final ClientGroup group = scenario.load().get(index);
                final ClientGroupSpec spec = ClientGroupSpec.builder(group.name(), target(group))
                        .clients(group.clients())
                        .model(loadModel(group.shape()))
                        .requests(templates(group.mix()))
                        .duration(group.duration())
                        .requestTimeout(REQUEST_TIMEOUT)
                        .seed(scenario.seed() * 31 + index)
                        .tls(clientTls(group))
                        .build();
                final LoadGenerator generator = new LoadGenerator(fleet.group(), List.of(spec), ledger, clock);
                final CompletableFuture<Void> finished = new CompletableFuture<>();
                timelineExecutor.schedule(() -> {
                    generator.start().whenComplete((ignored, error) -> {
                        if (error != null) {
                            finished.completeExceptionally(error);
                        } else {
                            finished.complete(null);
                        }
                    });
                }, group.start().toNanos(), TimeUnit.NANOSECONDS);
                done.add(finished);
            }
            return done;
        }

        /**
         * Returns a client TLS context when the persona that serves the group's
         * destination terminates TLS, offering that persona's version and suites, or
         * null for plaintext. The access point's certificate is self-signed on
         * loopback, so the client does not verify it.
         */
        private SslContext clientTls(ClientGroup group) {
            final io.guise.routing.PersonaRoute route = accessPoints.get(0).routing().current().route(
                    io.guise.routing.RouteKey.of(target(group).getAddress(), LoadGenerator.sourceAddress(0, 0)));
            if (route == null || route.persona().getTlsVersion().isEmpty()) {
                return null;
            }
            try {
                return SslContextBuilder.forClient()
                        .sslProvider(SslProvider.JDK)
                        .trustManager(InsecureTrustManagerFactory.INSTANCE)
                        .protocols(route.persona().getTlsVersion())
                        .ciphers(route.persona().getCipherSuitesList())
                        .build();
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException("building the client TLS context for group " + group.name()
                                                + " failed: " + e.getMessage(), e);
            }
        }

        /** Returns the address of access point 0's listener that the group's destination names. */
        private InetSocketAddress target(ClientGroup group) {
            final AccessPoint accessPoint = accessPoints.get(0);
            final InetAddress destination;
            try {
                destination = InetAddress.getByName(group.destination());
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException("load group " + group.name() + ": destination "
                                                   + group.destination() + " is not an IP address", e);
            }
            for (InetSocketAddress bound : accessPoint.listenerAddresses(group.listener())) {
                if (bound.getAddress().equals(destination)) {
                    return bound;
                }
            }
            throw new IllegalArgumentException("load group " + group.name() + ": listener " + group.listener()
                                               + " does not listen on " + group.destination());
        }

        private void scheduleTimeline(LongSupplier clock) {
            for (TimelineEvent event : scenario.timeline()) {
                timelineExecutor.schedule(() -> play(event, clock), event.at().toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        private void play(TimelineEvent event, LongSupplier clock) {
            final long atMs = TimeUnit.NANOSECONDS.toMillis(clock.getAsLong());
            final TimelineAction action = event.action();
            final String name = Conversions.actionName(action);
            try {
                final Long revision = apply(action, clock);
                timeline.add(new RunReport.TimelineEntry(atMs, name, Conversions.describe(action), "ok", revision));
                progress("t=%.1fs %s %s%s", atMs / 1000.0, name, Conversions.describe(action),
                         revision == null ? "" : " -> revision " + revision);
            } catch (Exception e) {
                logger.warn("Timeline event {} at {} ms failed", name, atMs, e);
                timeline.add(new RunReport.TimelineEntry(atMs, name, Conversions.describe(action),
                                                         "failed: " + e.getMessage(), null));
            }
        }

        /** Carries out one action; returns the revision a config change committed, or null. */
        private Long apply(TimelineAction action, LongSupplier clock) throws Exception {
            if (action instanceof TimelineAction.Apply apply) {
                return commit(manager.service().apply(RoutingSnapshot.newBuilder()
                                                              .addAllPersonas(apply.personas())
                                                              .addAllSubsets(apply.subsets())
                                                              .build(), false, OptionalLong.empty()));
            } else if (action instanceof TimelineAction.UpdatePersona update) {
                return commit(manager.service().upsertPersona(update.persona(), OptionalLong.empty()));
            } else if (action instanceof TimelineAction.DeletePersona delete) {
                return commit(manager.service().deletePersona(delete.personaId(), OptionalLong.empty()));
            } else if (action instanceof TimelineAction.UpdateSubset update) {
                return commit(manager.service().upsertSubset(update.subset(), OptionalLong.empty()));
            } else if (action instanceof TimelineAction.DeleteSubset delete) {
                return commit(manager.service().deleteSubset(delete.prefix(), OptionalLong.empty()));
            } else if (action instanceof TimelineAction.KillEndpoint kill) {
                fleet.get(kill.endpointId()).kill();
                faults.add(new EndpointFault(kill.endpointId(), "kill", clock.getAsLong()));
            } else if (action instanceof TimelineAction.RestartEndpoint restart) {
                fleet.get(restart.endpointId()).restart();
                endFaults(restart.endpointId(), clock.getAsLong());
            } else if (action instanceof TimelineAction.SlowEndpoint slow) {
                final FleetEndpoint endpoint = fleet.get(slow.endpointId());
                endpoint.setBehaviour(endpoint.behaviour().withLatency(Conversions.latency(slow.latency())));
                faults.add(new EndpointFault(slow.endpointId(), "slow", clock.getAsLong()));
            } else if (action instanceof TimelineAction.FailEndpoint fail) {
                final FleetEndpoint endpoint = fleet.get(fail.endpointId());
                endpoint.setBehaviour(endpoint.behaviour().withErrorRate(fail.errorRatePercent())
                                              .withErrorStatusCodes(fail.statusCodes()));
                faults.add(new EndpointFault(fail.endpointId(), "fail", clock.getAsLong()));
            } else if (action instanceof TimelineAction.HealEndpoint heal) {
                fleet.get(heal.endpointId()).setBehaviour(initialBehaviours.get(heal.endpointId()));
                endFaults(heal.endpointId(), clock.getAsLong());
            } else if (action instanceof TimelineAction.StopManager) {
                // The handle keeps the stopped manager's decisions and routing state for the report.
                manager.stop();
            } else if (action instanceof TimelineAction.StartManager) {
                manager.start();
            } else if (action instanceof TimelineAction.PartitionAccessPoint partition) {
                for (AccessPoint accessPoint : selected(partition.target())) {
                    accessPoint.disconnectManager();
                }
            } else if (action instanceof TimelineAction.HealAccessPoint heal) {
                for (AccessPoint accessPoint : selected(heal.target())) {
                    accessPoint.reconnectManager();
                }
                watchConvergence(action.actionName() + " " + Conversions.describe(action), clock);
            } else if (action instanceof TimelineAction.AddToxic add) {
                network.addToxic(add.link(), add.toxic());
                startLinkFault(add.link(), "toxic " + add.link() + " " + add.toxic().name(), clock);
            } else if (action instanceof TimelineAction.UpdateToxic update) {
                network.updateToxic(update.link(), update.toxic(), update.toxicity(), update.attributes());
            } else if (action instanceof TimelineAction.RemoveToxic remove) {
                network.removeToxic(remove.link(), remove.toxic());
                endLinkFault("toxic " + remove.link() + " " + remove.toxic(), clock.getAsLong());
            } else if (action instanceof TimelineAction.CutLink cut) {
                network.setEnabled(cut.link(), false);
                startLinkFault(cut.link(), "cut " + cut.link(), clock);
            } else if (action instanceof TimelineAction.RestoreLink restore) {
                network.setEnabled(restore.link(), true);
                endLinkFault("cut " + restore.link(), clock.getAsLong());
                if (scenario.network().link(restore.link()).toManager()) {
                    watchConvergence(action.actionName() + " " + restore.link(), clock);
                }
            } else {
                throw new IllegalArgumentException("unsupported timeline action " + action);
            }
            return null;
        }

        /**
         * Records when every access point has the manager's latest revision,
         * polling every 5 ms from now until the end of the run.
         */
        private void watchConvergence(String trigger, LongSupplier clock) {
            final long healedNanos = clock.getAsLong();
            final long[] revision = {-1};
            heals.add(new RunReport.Convergence(trigger, TimeUnit.NANOSECONDS.toMillis(healedNanos), -1, null, null));
            final Runnable poll = new Runnable() {
                @Override
                public void run() {
                    final long now = clock.getAsLong();
                    if (manager.isRunning()) {
                        try {
                            revision[0] = manager.service().store().latestRevision();
                        } catch (IllegalStateException e) {
                            // The manager stopped between the check and the read; the next poll retries.
                        }
                    }
                    if (revision[0] >= 0 && allAt(revision[0])) {
                        convergence.add(new RunReport.Convergence(trigger, TimeUnit.NANOSECONDS.toMillis(healedNanos),
                                revision[0], TimeUnit.NANOSECONDS.toMillis(now),
                                TimeUnit.NANOSECONDS.toMillis(now - healedNanos)));
                        return;
                    }
                    if (now > scenario.duration().toNanos()) {
                        convergence.add(new RunReport.Convergence(trigger, TimeUnit.NANOSECONDS.toMillis(healedNanos),
                                revision[0], null, null));
                        return;
                    }
                    convergenceExecutor.schedule(this, 5, TimeUnit.MILLISECONDS);
                }
            };
            convergenceExecutor.execute(poll);
        }

        private boolean allAt(long revision) {
            for (AccessPoint accessPoint : accessPoints) {
                if (accessPoint.routing().current().revision() < revision) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Returns the convergence records in order of healing; a heal still being
         * watched when the run ended counts as not converged.
         */
        private List<RunReport.Convergence> convergenceRecords() {
            final List<RunReport.Convergence> records;
            synchronized (convergence) {
                records = new ArrayList<>(convergence);
            }
            synchronized (heals) {
                for (RunReport.Convergence heal : heals) {
                    final boolean recorded = records.stream().anyMatch(record -> record.trigger().equals(heal.trigger())
                            && record.healedAtMs() == heal.healedAtMs());
                    if (!recorded) {
                        records.add(heal);
                    }
                }
            }
            records.sort(java.util.Comparator.comparingLong(RunReport.Convergence::healedAtMs));
            return records;
        }

        private Long commit(WriteResult result) {
            return result.revision();
        }

        /** Ends the endpoint's own faults (kill, slow, fail) that still last; faults on its link stay. */
        private void endFaults(String endpointId, long nowNanos) {
            synchronized (faults) {
                for (EndpointFault fault : faults) {
                    if (fault.endpointId().equals(endpointId) && fault.linkCause() == null && fault.endNanos() < 0) {
                        fault.end(nowNanos, lastArrivalNanos(endpointId));
                    }
                }
            }
        }

        /** Returns when the endpoint last received a request, in nanoseconds of the run, or -1 before any. */
        private long lastArrivalNanos(String endpointId) {
            final long last = fleet.get(endpointId).lastRequestNanos();
            return last < 0 ? -1 : last - t0Nanos;
        }

        /** Records the first local ejection of each faulty endpoint by ap-0 during its fault. */
        private void watchEjections(io.guise.health.EndpointHealthView health) {
            synchronized (faults) {
                for (EndpointFault fault : faults) {
                    if (fault.firstEjectionNanos() >= 0) {
                        continue;
                    }
                    final long ejected = health.lastEjectionNanos(fault.endpointId());
                    final long atNanos = ejected < 0 ? -1 : ejected - t0Nanos;
                    final boolean beforeEnd = fault.endNanos() < 0 || atNanos <= fault.endNanos();
                    if (atNanos >= fault.onsetNanos() && beforeEnd) {
                        fault.ejected(atNanos);
                    }
                }
            }
        }

        /** Records a fault of kind network on the endpoint a link leads to; a link to the manager has none. */
        private void startLinkFault(String linkName, String cause, LongSupplier clock) {
            final io.guise.scenario.model.Network.NetworkLink link = scenario.network().link(linkName);
            if (link != null && !link.toManager()) {
                faults.add(new EndpointFault(link.to(), "network", clock.getAsLong(), cause));
            }
        }

        /** Ends the link faults that {@code cause} started and that still last. */
        private void endLinkFault(String cause, long nowNanos) {
            synchronized (faults) {
                for (EndpointFault fault : faults) {
                    if (cause.equals(fault.linkCause()) && fault.endNanos() < 0) {
                        fault.end(nowNanos, lastArrivalNanos(fault.endpointId()));
                    }
                }
            }
        }

        private List<AccessPoint> selected(TimelineAction.AccessPointTarget target) {
            if (target.index() < 0) {
                return accessPoints;
            }
            if (target.index() >= accessPoints.size()) {
                throw new IllegalArgumentException("access point " + target.index() + " does not exist (expected: 0-"
                                                   + (accessPoints.size() - 1) + ")");
            }
            return List.of(accessPoints.get(target.index()));
        }

        private void waitForEnd(LongSupplier clock, List<CompletableFuture<Void>> groups) throws Exception {
            final long endNanos = scenario.duration().toNanos();
            long nextProgress = TimeUnit.SECONDS.toNanos(1);
            while (clock.getAsLong() < endNanos || !allDone(groups)) {
                if (clock.getAsLong() > endNanos + REQUEST_TIMEOUT.toNanos() * 2) {
                    break;
                }
                Thread.sleep(50);
                if (clock.getAsLong() >= nextProgress) {
                    final LoadSnapshot load = ledger.recorder().snapshot();
                    final long elapsedSeconds = nextProgress / 1_000_000_000;
                    status(String.format("%s %ds/%ds  requests %d  failures %d  p99 %.1f ms  revision %d",
                                         bar(elapsedSeconds, scenario.duration().toSeconds()), elapsedSeconds,
                                         scenario.duration().toSeconds(), load.total().requests(),
                                         load.total().failures(), load.total().latency().p99Micros() / 1000.0,
                                         accessPoints.get(0).routing().current().revision()));
                    nextProgress += TimeUnit.SECONDS.toNanos(1);
                }
            }
            for (CompletableFuture<Void> group : groups) {
                if (group.isCompletedExceptionally()) {
                    group.join();
                }
            }
        }

        private boolean allDone(List<CompletableFuture<Void>> groups) {
            for (CompletableFuture<Void> group : groups) {
                if (!group.isDone()) {
                    return false;
                }
            }
            return true;
        }

        private void progress(String format, Object... args) {
            if (!options.quiet()) {
                synchronized (options.out()) {
                    if (statusShown) {
                        // Ends the status line that the next status rewrites.
                        options.out().println();
                        statusShown = false;
                    }
                    options.out().println(String.format(format, args));
                    options.out().flush();
                }
            }
        }

        /**
         * Prints the live status: on a terminal it rewrites one line in place,
         * elsewhere (a pipe or a file) it prints one line per second.
         */
        private void status(String line) {
            if (options.quiet()) {
                return;
            }
            synchronized (options.out()) {
                if (System.console() != null) {
                    options.out().print("\r" + line + "   ");
                    statusShown = true;
                } else {
                    options.out().println(line);
                }
                options.out().flush();
            }
        }

        @Override
        public void close() throws Exception {
            timelineExecutor.shutdownNow();
            ejectionWatch.shutdownNow();
            convergenceExecutor.shutdownNow();
            for (AccessPoint accessPoint : accessPoints) {
                accessPoint.close();
            }
            accessPointLoops.close();
            manager.close();
            if (network != null) {
                network.close();
            }
            fleet.close();
        }
    }

    /**
     * Returns the warm-up rate of a group: its own rate capped at
     * {@code WARM_UP_RATE_PER_SECOND}, so a light scenario stays light.
     */
    static double warmUpRate(LoadShape shape) {
        final double rate;
        if (shape instanceof LoadShape.ConstantRate constant) {
            rate = constant.requestsPerSecond();
        } else if (shape instanceof LoadShape.RampRate ramp) {
            rate = Math.max(ramp.fromRequestsPerSecond(), ramp.toRequestsPerSecond() / 10);
        } else {
            rate = WARM_UP_CLOSED_LOOP_RATE_PER_SECOND;
        }
        return Math.max(1, Math.min(rate, WARM_UP_RATE_PER_SECOND));
    }

    /** Returns a 20-character bar such as {@code [=======>            ]}. */
    static String bar(long done, long total) {
        final int width = 20;
        final int filled = total <= 0 ? width : (int) Math.min(width, done * width / total);
        final StringBuilder bar = new StringBuilder(width + 2).append('[');
        for (int i = 0; i < width; i++) {
            if (i < filled - 1) {
                bar.append('=');
            } else if (i == filled - 1) {
                bar.append('>');
            } else {
                bar.append(' ');
            }
        }
        return bar.append(']').toString();
    }

    private static LoadModel loadModel(LoadShape shape) {
        if (shape instanceof LoadShape.ConstantRate constant) {
            return LoadModel.constantRate(constant.requestsPerSecond());
        } else if (shape instanceof LoadShape.RampRate ramp) {
            return LoadModel.ramp(ramp.fromRequestsPerSecond(), ramp.toRequestsPerSecond());
        } else if (shape instanceof LoadShape.ClosedLoop closed) {
            return LoadModel.closedLoop(closed.connections());
        }
        throw new IllegalArgumentException("unsupported load shape " + shape);
    }

    private static List<RequestTemplate> templates(List<RequestMix> mix) {
        final List<RequestTemplate> templates = new ArrayList<>(mix.size());
        for (RequestMix request : mix) {
            templates.add(new RequestTemplate(request.method(), request.path(), request.weight()));
        }
        return templates;
    }
}
