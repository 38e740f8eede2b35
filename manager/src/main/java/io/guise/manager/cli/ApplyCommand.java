package io.guise.manager.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code guise persona apply -f FILE}: sends a whole document (personas,
 * endpoints, subsets) to {@code POST /apply}, all or nothing.
 */
@Command(name = "apply",
         description = "Create or replace every persona, endpoint and subset in a JSON or YAML document,"
                       + " all or nothing.",
         mixinStandardHelpOptions = true)
public final class ApplyCommand extends ClientCommand {

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
            description = "Document with personas, endpoints and subsets; JSON (.json) or YAML (.yaml, .yml,"
                          + " or any other name not starting with '{'); '-' reads standard input.")
    String file;

    @Option(names = "--prune", description = "Also delete every persona, endpoint and subset the document does"
                                             + " not list.")
    boolean prune;

    @Option(names = "--if-match", paramLabel = "N",
            description = "Apply only if the newest revision is N; otherwise the manager rejects the request.")
    Long ifMatch;

    /** Standard input; a field so tests can replace it. */
    InputStream stdin = System.in;

    @Override
    int run(ManagerClient client) throws IOException, InterruptedException {
        final String text;
        try {
            text = file.equals("-") ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
                                    : Files.readString(Path.of(file));
        } catch (IOException e) {
            spec.commandLine().getErr().println("-f: cannot read " + file + ": " + e.getMessage());
            return USAGE;
        }
        final ManagerClient.Response response = client.send("POST", "/apply" + (prune ? "?prune=true" : ""), text,
                                                            isJson(text) ? "application/json" : "application/yaml",
                                                            ifMatch);
        if (!response.isSuccess()) {
            return rejected(response);
        }
        WriteOutput.print(spec.commandLine().getOut(), "applied " + (file.equals("-") ? "standard input" : file),
                          response);
        return OK;
    }

    private boolean isJson(String text) {
        final String name = file.toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) {
            return true;
        }
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return false;
        }
        return text.stripLeading().startsWith("{");
    }
}
