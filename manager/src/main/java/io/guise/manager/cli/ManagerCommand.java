package io.guise.manager.cli;

import io.guise.manager.ManagerServer;
import io.guise.manager.api.AdminTls;
import io.guise.manager.distribution.DistributionTls;
import io.guise.manager.health.DemotionSettingsFile;
import io.guise.manager.store.EtcdRevisionStore;
import io.guise.manager.store.RevisionStore;
import io.guise.subset.CidrPrefix;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code guise manager --data-dir DIR}, or {@code guise manager --store etcd
 * --etcd-endpoints URLS} for a replica that shares its state through etcd: runs the
 * persona manager until the process is stopped. Exit status 2 for bad options, 1
 * when the server cannot start.
 */
@Command(name = "manager",
         description = "Run the persona manager: the admin API (CRUD on personas, endpoints and subsets) until"
                       + " stopped with Ctrl-C or SIGTERM.",
         mixinStandardHelpOptions = true)
public final class ManagerCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Directory of the revision store; required with --store file.")
    private Path dataDir;

    @Option(names = "--store", paramLabel = "KIND", defaultValue = "file",
            description = {"Where the revision store lives (default: ${DEFAULT-VALUE}):",
                           "  file: files in --data-dir, for one manager",
                           "  etcd: keys under --etcd-prefix in the etcd cluster at --etcd-endpoints, shared by"
                           + " every manager replica on that prefix"})
    private String storeKind;

    @Option(names = "--etcd-endpoints", paramLabel = "URLS",
            description = "Comma-separated etcd client URLs, such as http://127.0.0.1:2379,http://127.0.0.1:22379;"
                          + " required with --store etcd.")
    private String etcdEndpoints;

    @Option(names = "--etcd-prefix", paramLabel = "PREFIX", defaultValue = EtcdRevisionStore.Options.DEFAULT_PREFIX,
            description = "Key prefix of the store in etcd; replicas with the same prefix share one state"
                          + " (default: ${DEFAULT-VALUE}).")
    private String etcdPrefix;

    @Option(names = "--listen", paramLabel = "ADDRESS:PORT", defaultValue = "127.0.0.1:7070",
            description = "Admin API address (default: ${DEFAULT-VALUE}); an address other than loopback needs"
                          + " --token-file. IPv6 as [::1]:7070.")
    private String listen;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File whose content is the bearer token API requests must carry.")
    private Path tokenFile;

    @Option(names = "--grpc-listen", paramLabel = "ADDRESS:PORT",
            defaultValue = "127.0.0.1:7000",
            description = "Address of the distribution server that access points connect to (default:"
                          + " ${DEFAULT-VALUE}).")
    private String grpcListen;

    @Option(names = "--health-config", paramLabel = "FILE",
            description = {"JSON or YAML file (.yaml or .yml) of demotion thresholds; absent fields keep their"
                           + " defaults:",
                           "  min_requests: requests an endpoint needs in a window to be judged (20)",
                           "  max_error_rate_percent: failure share above which an endpoint is bad (20)",
                           "  latency_outlier_factor: p99 above this many times the pool's median p99 is bad (3)",
                           "  min_latency_outlier_ms: a p99 at or below this is never an outlier (100)",
                           "  restore_after_windows: healthy windows before a demoted endpoint is restored,"
                           + " times its demotion count (3)",
                           "  max_demoted_percent: share of a pool that may be demoted at once (50)",
                           "  min_healthy_in_best_tier: healthy endpoints the best tier keeps (1)"})
    private Path healthConfig;

    @Option(names = "--health-window-ms", paramLabel = "MS", defaultValue = "1000",
            description = "Length of a health window: how often the manager sums access point reports and"
                          + " decides demotions (default: ${DEFAULT-VALUE}).")
    private long healthWindowMillis;

    @Option(names = "--heartbeat-interval-ms", paramLabel = "MS", defaultValue = "1000",
            description = "Time between two heartbeats on each access point stream (default: ${DEFAULT-VALUE}).")
    private long heartbeatIntervalMillis;

    @Option(names = "--grpc-cert-file", paramLabel = "FILE",
            description = "PEM certificate chain of the distribution server; with --grpc-key-file, access points"
                          + " connect over TLS. For an IP address in --grpc-listen, the certificate needs that IP"
                          + " as a subject alternative name.")
    private Path grpcCertFile;

    @Option(names = "--grpc-key-file", paramLabel = "FILE",
            description = "PEM PKCS#8 private key of --grpc-cert-file.")
    private Path grpcKeyFile;

    @Option(names = "--client-ca-file", paramLabel = "FILE",
            description = "PEM CA certificates that sign access point certificates; a certificate that does not"
                          + " chain to them fails the TLS handshake. Needs --grpc-cert-file.")
    private Path clientCaFile;

    @Option(names = "--require-client-cert",
            description = "Reject access points without a certificate from --client-ca-file, and accept a stream"
                          + " only when the certificate's CN or a DNS subject alternative name equals the access"
                          + " point id in its hello.")
    private boolean requireClientCert;

    @Option(names = "--allowed-access-points", paramLabel = "ID[,ID...]", split = ",",
            description = "Access point ids allowed to connect; others are rejected with PERMISSION_DENIED."
                          + " Needs --require-client-cert.")
    private List<String> allowedAccessPoints;

    @Option(names = "--allowed-access-points-file", paramLabel = "FILE",
            description = "File of allowed access point ids, one per line; blank lines and lines starting with #"
                          + " are ignored. Adds to --allowed-access-points.")
    private Path allowedAccessPointsFile;

    @Option(names = "--admin-cert-file", paramLabel = "FILE",
            description = "PEM certificate chain of the admin API; with --admin-key-file, the API serves HTTPS"
                          + " and clients call it with an https:// URL and --ca-file.")
    private Path adminCertFile;

    @Option(names = "--admin-key-file", paramLabel = "FILE",
            description = "PEM PKCS#8 private key of --admin-cert-file.")
    private Path adminKeyFile;

    @Override
    public Integer call() throws InterruptedException {
        final PrintWriter err = spec.commandLine().getErr();
        final ManagerServer.Options options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        return serve(options);
    }

    private ManagerServer.Options options() {
        final ManagerServer.Options.Builder builder = ManagerServer.Options.builder()
                .listen(parseAddress("--listen", listen));
        switch (storeKind) {
            case "file" -> {
                if (dataDir == null) {
                    throw new IllegalArgumentException("--data-dir: missing (expected: a directory for the revision"
                                                       + " store, or --store etcd with --etcd-endpoints)");
                }
                if (etcdEndpoints != null) {
                    throw new IllegalArgumentException("--etcd-endpoints: set but --store is file (expected:"
                                                       + " --store etcd, or no --etcd-endpoints)");
                }
                builder.dataDir(dataDir);
            }
            case "etcd" -> {
                if (dataDir != null) {
                    throw new IllegalArgumentException("--data-dir: set but --store is etcd, which keeps no files"
                                                       + " (expected: no --data-dir, or --store file)");
                }
                builder.etcdStore(etcdOptions());
            }
            default -> throw new IllegalArgumentException("--store: '" + storeKind + "' (expected: file or etcd)");
        }
        if (grpcListen != null) {
            builder.grpcListen(parseAddress("--grpc-listen", grpcListen));
        }
        if (tokenFile != null) {
            builder.bearerToken(readToken(tokenFile));
        }
        if (healthConfig != null) {
            try {
                builder.demotionSettings(DemotionSettingsFile.load(healthConfig));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--health-config " + e.getMessage(), e);
            }
        }
        builder.healthWindow(Duration.ofMillis(positiveMillis("--health-window-ms", healthWindowMillis)));
        builder.heartbeatInterval(Duration.ofMillis(positiveMillis("--heartbeat-interval-ms",
                                                                   heartbeatIntervalMillis)));
        builder.distributionTls(distributionTls());
        if (adminCertFile != null || adminKeyFile != null) {
            requirePair("--admin-cert-file", adminCertFile, "--admin-key-file", adminKeyFile);
            builder.adminTls(new AdminTls(adminCertFile, adminKeyFile));
        }
        return builder.build();
    }

    /** Returns the distribution server's TLS settings, or null for plaintext when no TLS option is set. */
    private DistributionTls distributionTls() {
        final Set<String> allowed = new LinkedHashSet<>();
        if (allowedAccessPoints != null) {
            for (String id : allowedAccessPoints) {
                if (!id.isBlank()) {
                    allowed.add(id.strip());
                }
            }
        }
        if (allowedAccessPointsFile != null) {
            allowed.addAll(readAllowList(allowedAccessPointsFile));
        }
        final boolean anyClientOption = clientCaFile != null || requireClientCert || allowedAccessPoints != null
                                        || allowedAccessPointsFile != null;
        if (grpcCertFile == null && grpcKeyFile == null) {
            if (anyClientOption) {
                throw new IllegalArgumentException("--client-ca-file, --require-client-cert and"
                                                   + " --allowed-access-points need --grpc-cert-file and"
                                                   + " --grpc-key-file (expected: the distribution server's own"
                                                   + " certificate and key as well)");
            }
            return null;
        }
        requirePair("--grpc-cert-file", grpcCertFile, "--grpc-key-file", grpcKeyFile);
        if ((allowedAccessPoints != null || allowedAccessPointsFile != null) && allowed.isEmpty()) {
            throw new IllegalArgumentException("--allowed-access-points: no access point id given (expected: at"
                                               + " least one id, or leave the option out to allow every id)");
        }
        return new DistributionTls(grpcCertFile, grpcKeyFile, clientCaFile, requireClientCert, allowed);
    }

    private static void requirePair(String firstOption, Path first, String secondOption, Path second) {
        if (first == null) {
            throw new IllegalArgumentException(firstOption + ": missing (expected: set together with "
                                               + secondOption + ")");
        }
        if (second == null) {
            throw new IllegalArgumentException(secondOption + ": missing (expected: set together with "
                                               + firstOption + ")");
        }
    }

    private static List<String> readAllowList(Path file) {
        final List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--allowed-access-points-file: " + file + ": cannot be read ("
                                               + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
        return lines.stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .toList();
    }

    private EtcdRevisionStore.Options etcdOptions() {
        if (etcdEndpoints == null || etcdEndpoints.isBlank()) {
            throw new IllegalArgumentException("--etcd-endpoints: missing (expected: comma-separated etcd client"
                                               + " URLs such as http://127.0.0.1:2379 with --store etcd)");
        }
        final List<URI> endpoints = new ArrayList<>();
        for (String text : etcdEndpoints.split(",", -1)) {
            try {
                endpoints.add(new URI(text.strip()));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("--etcd-endpoints: '" + text.strip() + "' is not a URL (expected:"
                                                   + " a URL with scheme http or https, a host and a port, such as"
                                                   + " http://127.0.0.1:2379)", e);
            }
        }
        try {
            return EtcdRevisionStore.Options.builder().endpoints(endpoints).prefix(etcdPrefix).build();
        } catch (IllegalArgumentException e) {
            // The builder names the setting in the config file's words; the command line has its own.
            throw new IllegalArgumentException(e.getMessage().replaceFirst("^etcd_endpoints:", "--etcd-endpoints:")
                                                       .replaceFirst("^etcd_prefix:", "--etcd-prefix:"), e);
        }
    }

    /** Starts the manager and blocks until the process is stopped; returns the exit status. */
    private int serve(ManagerServer.Options options) throws InterruptedException {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final ManagerServer server;
        RevisionStore store = null;
        try {
            ManagerServer.checkExposure(options);
            // Certificate problems are reported before the store is created, so a bad flag leaves no data behind.
            if (options.distributionTls() != null) {
                options.distributionTls().checkFiles();
            }
            if (options.adminTls() != null) {
                options.adminTls().serverContext();
            }
            store = ManagerServer.openStore(options);
            server = ManagerServer.start(options, store);
        } catch (IllegalArgumentException e) {
            closeQuietly(store);
            err.println(e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            closeQuietly(store);
            err.println("Starting the manager failed: " + e);
            return 1;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (IOException e) {
                err.println("Closing the store failed: " + e);
                err.flush();
            }
            stopped.countDown();
        }, "manager-shutdown"));
        final InetSocketAddress bound = server.boundAddress();
        out.println("manager admin API on " + (options.adminTls() == null ? "http" : "https") + "://"
                    + hostForUrl(bound.getAddress()) + ":" + bound.getPort());
        final InetSocketAddress distribution = server.distributionAddress();
        if (distribution != null) {
            out.println("distribution server on " + hostForUrl(distribution.getAddress()) + ":"
                        + distribution.getPort() + " (access points: --manager with this address)");
        }
        out.println("manager serving; stop with Ctrl-C");
        out.flush();
        stopped.await();
        return 0;
    }

    /** Parses {@code ADDRESS:PORT} with an IP literal; IPv6 goes in brackets. */
    static InetSocketAddress parseAddress(String option, String text) {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(option + ": '" + text + "' (expected: ADDRESS:PORT, such as"
                                               + " 127.0.0.1:7070 or [::1]:7070)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + text + "' has an invalid port (expected: 0-65535)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + ": port " + port + " (expected: 0-65535)");
        }
        if (!CidrPrefix.isIpLiteral(host)) {
            throw new IllegalArgumentException(option + ": '" + host + "' is not an IP address (expected: an IPv4"
                                               + " or IPv6 literal such as 127.0.0.1)");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(option + ": '" + host + "' is not an IP address", e);
        }
    }

    private static long positiveMillis(String option, long millis) {
        if (millis < 1) {
            throw new IllegalArgumentException(option + ": " + millis + " (expected: 1 or more milliseconds)");
        }
        return millis;
    }

    private static String readToken(Path file) {
        final String token;
        try {
            token = Files.readString(file).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("--token-file: cannot read " + file + ": " + e.getMessage(), e);
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("--token-file: " + file + " is empty (expected: a token)");
        }
        return token;
    }

    private static String hostForUrl(InetAddress address) {
        final String host = address.getHostAddress();
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private static void closeQuietly(RevisionStore store) {
        if (store == null) {
            return;
        }
        try {
            store.close();
        } catch (IOException e) {
            // The start already failed; that error is the one reported.
        }
    }
}
