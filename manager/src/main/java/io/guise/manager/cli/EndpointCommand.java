package io.guise.manager.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code guise endpoint}: apply, list, get and delete endpoints on a running manager. */
@Command(name = "endpoint",
         description = "Manage endpoints on a running manager: apply a document, list, get or delete.",
         mixinStandardHelpOptions = true,
         subcommands = {ApplyCommand.class, ListCommand.class, GetCommand.class, DeleteCommand.class})
public final class EndpointCommand implements ResourceGroup, Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public String collection() {
        return "endpoints";
    }

    /** Rejects a call without a subcommand; picocli then prints the usage and exits with status 2. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand (expected: apply, list, get or delete)");
    }
}
