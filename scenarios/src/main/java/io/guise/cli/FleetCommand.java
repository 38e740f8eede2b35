package io.guise.cli;

import io.guise.fleet.HttpEndpointServer;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code guise fleet --listen ...}: runs simple HTTP endpoints that respond with
 * their id, to try an access point without other software.
 */
@Command(name = "fleet",
         description = "Run HTTP endpoints on loopback that respond to every request with 200 and their id.",
         mixinStandardHelpOptions = true)
final class FleetCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--listen", required = true, split = ",", paramLabel = "ID=ADDRESS:PORT",
            description = "Endpoint id and where it listens, e.g. web-1=127.0.0.1:8081; repeat or separate"
                          + " with commas for several.")
    private List<String> endpoints;

    @Override
    public Integer call() throws InterruptedException {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final List<HttpEndpointServer> servers = new ArrayList<>();
        for (String entry : endpoints) {
            final int equals = entry.indexOf('=');
            final int colon = entry.lastIndexOf(':');
            if (equals <= 0 || colon < equals) {
                err.println("--listen: '" + entry + "' (expected: ID=ADDRESS:PORT, such as web-1=127.0.0.1:8081)");
                servers.forEach(HttpEndpointServer::close);
                return 2;
            }
            final String id = entry.substring(0, equals);
            final String host = entry.substring(equals + 1, colon).replace("[", "").replace("]", "");
            final int port;
            try {
                port = Integer.parseInt(entry.substring(colon + 1));
                servers.add(HttpEndpointServer.start(id, new InetSocketAddress(InetAddress.getByName(host), port)));
            } catch (NumberFormatException e) {
                err.println("--listen: '" + entry + "' has an invalid port (expected: 0-65535)");
                servers.forEach(HttpEndpointServer::close);
                return 2;
            } catch (Exception e) {
                err.println("--listen: starting '" + entry + "' failed: " + e.getMessage());
                servers.forEach(HttpEndpointServer::close);
                return 1;
            }
        }
        for (HttpEndpointServer server : servers) {
            out.println("endpoint " + server.id() + " on http://" + server.address().getAddress().getHostAddress()
                        + ":" + server.address().getPort() + "/");
        }
        out.println("serving; stop with Ctrl-C");
        out.flush();
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            servers.forEach(HttpEndpointServer::close);
            stopped.countDown();
        }, "endpoint-shutdown"));
        stopped.await();
        return 0;
    }
}
