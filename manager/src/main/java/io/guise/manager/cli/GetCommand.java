package io.guise.manager.cli;

import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code guise persona get ID} (and endpoint, subset): prints one resource as JSON. */
@Command(name = "get", description = "Print one resource as JSON, with the revision.",
         mixinStandardHelpOptions = true)
public final class GetCommand extends ClientCommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "Persona or endpoint id, or subset prefix such as"
                                                                + " 10.0.0.0/8.")
    String key;

    @Override
    int run(ManagerClient client) throws IOException, InterruptedException {
        final ManagerClient.Response response = client.send("GET", "/" + collection() + "/" + ManagerClient.encodeKey(key), null, null,
                                                            null);
        if (!response.isSuccess()) {
            return rejected(response);
        }
        spec.commandLine().getOut().println(response.body().toPrettyString());
        spec.commandLine().getOut().flush();
        return OK;
    }
}
