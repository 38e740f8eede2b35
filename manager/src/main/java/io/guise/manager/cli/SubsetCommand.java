package io.guise.manager.cli;

import picocli.CommandLine.Command;

/** {@code guise subset}: apply, list, get and delete subset-map entries on a running manager. */
@Command(name = "subset",
         description = "Manage subset-map entries on a running manager: apply a document, list, get or delete.",
         mixinStandardHelpOptions = true,
         subcommands = {ApplyCommand.class, ListCommand.class, GetCommand.class, DeleteCommand.class})
public final class SubsetCommand implements ResourceGroup, Runnable {

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public String collection() {
        return "subsets";
    }

    /** Prints the usage when no subcommand is given. */
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                                                         "missing subcommand (expected: apply, list, get or delete)");
    }
}
