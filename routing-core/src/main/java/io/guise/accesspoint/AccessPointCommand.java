package io.guise.accesspoint;

import io.guise.config.ConfigException;
import io.guise.config.ConfigLoader;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Listener;
import io.guise.validation.Violation;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code guise access-point --config FILE}: runs an access point from a static
 * config file until the process is stopped.
 *
 * <p>Exit status 2 when the config cannot be read or is invalid, 1 when a listener
 * cannot be bound.
 */
@Command(name = "access-point",
         description = "Run an access point from a JSON or YAML config file (listeners, personas, endpoints,"
                       + " subsets) until stopped with Ctrl-C or SIGTERM.",
         mixinStandardHelpOptions = true)
public final class AccessPointCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "Access point config, JSON (.json) or YAML (.yaml, .yml).")
    private Path configFile;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Event loop threads for connections; 0 means twice the number of cores (default).")
    private int threads;

    @Option(names = "--manager", paramLabel = "ADDRESS",
            description = "Manager's distribution address, IP:PORT such as 127.0.0.1:7000 or [::1]:7000; overrides"
                          + " manager.address in the config file.")
    private String managerAddress;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "File that keeps the last routing state received from the manager; overrides"
                          + " manager.state_file in the config file.")
    private Path stateFile;

    @Option(names = "--check", description = "Validate the config, print the result and exit without serving.")
    private boolean checkOnly;

    @Override
    public Integer call() throws InterruptedException {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (threads < 0) {
            err.println("--threads: " + threads + " (expected: 0 or more)");
            return 2;
        }

        final AccessPointConfig config;
        try {
            config = withOverrides(ConfigLoader.loadAccessPoint(configFile));
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 2;
        }

        if (checkOnly) {
            final List<Violation> violations = AccessPoint.validate(config);
            if (!violations.isEmpty()) {
                err.println(new InvalidConfigException(configFile.toString(), violations).getMessage());
                return 2;
            }
            out.println(configFile + ": valid (" + config.getPersonasCount() + " personas, "
                        + config.getEndpointsCount() + " endpoints, " + config.getSubsetsCount() + " subsets)");
            return 0;
        }

        final AccessPoint accessPoint;
        try {
            accessPoint = AccessPoint.start(config, threads);
        } catch (InvalidConfigException e) {
            err.println(configFile + ": " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            err.println("Starting the access point failed: " + e.getMessage());
            return 1;
        }

        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            accessPoint.close();
            stopped.countDown();
        }, "access-point-shutdown"));
        for (Listener listener : config.getListenersList()) {
            final String name = AccessPoint.listenerName(listener);
            final List<InetSocketAddress> addresses = accessPoint.listenerAddresses(name);
            out.println("listener " + name + " (" + listener.getMode() + "): " + addresses);
        }
        if (accessPoint.adminAddress() != null) {
            out.println("admin: http://" + accessPoint.adminAddress().getAddress().getHostAddress() + ":"
                        + accessPoint.adminAddress().getPort() + "/metrics");
        }
        if (config.hasManager()) {
            out.println("manager: " + config.getManager().getAddress());
        }
        out.println("access point " + accessPoint.id() + " serving; stop with Ctrl-C");
        out.flush();
        stopped.await();
        return 0;
    }

    /** Applies --manager and --state-file on top of the config file. */
    private AccessPointConfig withOverrides(AccessPointConfig config) {
        if (managerAddress == null && stateFile == null) {
            return config;
        }
        final AccessPointConfig.Builder builder = config.toBuilder();
        if (managerAddress != null) {
            builder.getManagerBuilder().setAddress(managerAddress);
        }
        if (stateFile != null) {
            builder.getManagerBuilder().setStateFile(stateFile.toString());
        }
        return builder.build();
    }
}
