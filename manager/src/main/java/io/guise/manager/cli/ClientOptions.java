package io.guise.manager.cli;

import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command that calls the manager's admin API shares. */
public final class ClientOptions {

    @Option(names = "--manager", paramLabel = "URL", defaultValue = "http://127.0.0.1:7070",
            description = "Base URL of the manager's admin API (default: ${DEFAULT-VALUE}).")
    URI manager;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File whose content is the manager's bearer token; leading and trailing whitespace"
                          + " is ignored.")
    Path tokenFile;

    @Option(names = "--ca-file", paramLabel = "FILE",
            description = "PEM CA certificates that the manager's HTTPS certificate must chain to, in place of the"
                          + " system's trust store; needs an https:// URL in --manager.")
    Path caFile;
}
