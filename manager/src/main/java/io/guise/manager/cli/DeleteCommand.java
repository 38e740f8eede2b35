package io.guise.manager.cli;

import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code guise persona delete ID} (and endpoint, subset): deletes one resource. */
@Command(name = "delete", description = "Delete one resource.", mixinStandardHelpOptions = true)
public final class DeleteCommand extends ClientCommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "Persona or endpoint id, or subset prefix such as"
                                                                + " 10.0.0.0/8.")
    String key;

    @Option(names = "--if-match", paramLabel = "N",
            description = "Delete only if the newest revision is N; otherwise the manager rejects the request.")
    Long ifMatch;

    @Override
    int run(ManagerClient client) throws IOException, InterruptedException {
        final ManagerClient.Response response = client.send("DELETE", "/" + collection() + "/" + ManagerClient.encodeKey(key), null, null,
                                                            ifMatch);
        if (!response.isSuccess()) {
            return rejected(response);
        }
        WriteOutput.print(spec.commandLine().getOut(), "deleted " + key, response);
        return OK;
    }
}
