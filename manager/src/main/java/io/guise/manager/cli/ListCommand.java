package io.guise.manager.cli;

import java.io.IOException;
import picocli.CommandLine.Command;

/** {@code guise persona list} (and endpoint, subset): prints the collection as a table. */
@Command(name = "list", description = "List the resources as a table, with the revision.",
         mixinStandardHelpOptions = true)
public final class ListCommand extends ClientCommand {

    @Override
    int run(ManagerClient client) throws IOException, InterruptedException {
        final String collection = collection();
        final ManagerClient.Response response = client.send("GET", "/" + collection, null, null, null);
        if (!response.isSuccess()) {
            return rejected(response);
        }
        Output.printTable(spec.commandLine().getOut(), collection, response.body().path(collection));
        spec.commandLine().getOut().println("(" + collection + ": " + response.body().path(collection).size()
                                            + ", revision " + response.body().path("revision").asLong() + ")");
        spec.commandLine().getOut().flush();
        return OK;
    }
}
