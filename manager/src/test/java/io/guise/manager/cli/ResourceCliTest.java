package io.guise.manager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.manager.ManagerServer;
import io.guise.manager.store.InMemoryRevisionStore;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Timeout(30)
class ResourceCliTest {

    private static final String DOCUMENT = """
            personas:
              - {id: web, address_family: IPv4, address: web, port: 8081, priority: 100, simulated_latency_ms: 20}
              - {id: api, address_family: IPv4, address: web, port: 8082, priority: 5, error_rate_percent: 0.5}
            endpoints:
              - {id: web-1, address: 127.0.0.1, port: 8081, pool: web}
            subsets:
              - {prefix: 10.0.0.0/8, persona: web}
            """;

    @TempDir
    Path dir;

    private ManagerServer server;
    private String manager;
    private Path tokenFile;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** The endpoint group for tests; the guise command attaches these subcommands to its own endpoint command. */
    @Command(name = "endpoint", subcommands = {ApplyCommand.class, ListCommand.class, GetCommand.class,
                                               DeleteCommand.class})
    static final class EndpointGroup implements ResourceGroup {
        @Override
        public String collection() {
            return "endpoints";
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        server = ManagerServer.start(ManagerServer.Options.builder()
                                             .listen(new InetSocketAddress("127.0.0.1", 0))
                                             .bearerToken("cli-token")
                                             .build(),
                                     new InMemoryRevisionStore(100));
        manager = "http://127.0.0.1:" + server.boundAddress().getPort();
        tokenFile = Files.writeString(dir.resolve("token"), "cli-token\n");
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    private int run(Object command, String... args) {
        final CommandLine commandLine = new CommandLine(command)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
        final String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--manager";
        all[args.length + 1] = manager;
        all[args.length + 2] = "--token-file";
        all[args.length + 3] = tokenFile.toString();
        return commandLine.execute(all);
    }

    @Test
    void applyListGetDelete() throws Exception {
        final Path file = Files.writeString(dir.resolve("routing.yaml"), DOCUMENT);

        assertThat(run(new PersonaCommand(), "apply", "-f", file.toString())).isEqualTo(0);
        assertThat(out.toString()).contains("now at revision 1");

        assertThat(run(new PersonaCommand(), "list")).isEqualTo(0);
        assertThat(out.toString()).containsPattern("ID +ADDRESS_FAMILY +ADDRESS +PORT +TLS +PRIORITY +LATENCY"
                                                   + " +ERROR %");
        assertThat(out.toString()).containsPattern("web +IPv4 +web +8081 +- +100 +20 ms +0");
        assertThat(out.toString()).containsPattern("api +IPv4 +web +8082 +- +5 +0 ms +0.5");

        assertThat(run(new EndpointGroup(), "get", "web-1")).isEqualTo(0);
        assertThat(out.toString()).contains("\"pool\" : \"web\"");

        assertThat(run(new SubsetCommand(), "list")).isEqualTo(0);
        assertThat(out.toString()).containsPattern("10.0.0.0/8 +web");
        assertThat(run(new SubsetCommand(), "delete", "10.0.0.0/8", "--if-match", "1")).isEqualTo(0);
        assertThat(run(new PersonaCommand(), "delete", "web")).isEqualTo(0);

        assertThat(server.service().current().getRevision()).isEqualTo(3);
        assertThat(server.service().current().getPersonasCount()).isEqualTo(1);
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void applyFromStandardInputWithPrune() {
        final CommandLine commandLine = new CommandLine(new PersonaCommand())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
        final ApplyCommand apply = commandLine.getSubcommands().get("apply").getCommand();
        apply.stdin = new ByteArrayInputStream(DOCUMENT.getBytes(StandardCharsets.UTF_8));

        final int status = commandLine.execute("apply", "-f", "-", "--prune", "--manager", manager,
                                               "--token-file", tokenFile.toString());

        assertThat(status).isEqualTo(0);
        assertThat(out.toString()).contains("applied standard input: now at revision 1");
        assertThat(server.service().current().getSubsetsCount()).isEqualTo(1);
    }

    @Test
    void rejectedApplyPrintsEachViolation() throws Exception {
        final Path file = Files.writeString(dir.resolve("bad.json"), "{\"personas\": [{\"id\": \"web\","
                + " \"address_family\": \"IPv4\", \"address\": \"web\", \"port\": 70000, \"priority\": 5000}]}");

        final int status = run(new PersonaCommand(), "apply", "-f", file.toString());

        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).contains("error (HTTP 400)");
        assertThat(err.toString()).contains("personas[0].port: 70000 (expected: ");
        assertThat(err.toString()).contains("personas[0].priority: 5000 (expected: ");
        assertThat(server.service().current().getRevision()).isZero();
    }

    @Test
    void missingResourceExitsOne() {
        assertThat(run(new PersonaCommand(), "get", "nobody")).isEqualTo(1);
        assertThat(err.toString()).contains("persona 'nobody' not found");
    }

    @Test
    void unreachableManagerExitsTwo() throws Exception {
        final int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        manager = "http://127.0.0.1:" + port;

        assertThat(run(new PersonaCommand(), "list")).isEqualTo(2);
        assertThat(err.toString()).contains("Cannot reach the manager at http://127.0.0.1:" + port);
    }

    @Test
    void wrongTokenExitsOne() throws Exception {
        Files.writeString(tokenFile, "guess");

        assertThat(run(new PersonaCommand(), "list")).isEqualTo(1);
        assertThat(err.toString()).contains("HTTP 401").contains("invalid bearer token");
    }

    @Test
    void missingSubcommandIsUsageError() {
        final CommandLine commandLine = new CommandLine(new PersonaCommand()).setErr(new PrintWriter(err, true));

        assertThat(commandLine.execute()).isEqualTo(2);
        assertThat(err.toString()).contains("missing subcommand");
    }
}
