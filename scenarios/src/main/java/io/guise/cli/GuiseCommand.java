package io.guise.cli;

import io.guise.accesspoint.AccessPointCommand;
import io.guise.manager.cli.EndpointCommand;
import io.guise.manager.cli.ManagerCommand;
import io.guise.manager.cli.PersonaCommand;
import io.guise.manager.cli.SubsetCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code guise} command line: one entry point, one subcommand per job. */
@Command(name = "guise",
         description = "Guise: programmable access point and chaos harness.",
         mixinStandardHelpOptions = true,
         versionProvider = GuiseCommand.Version.class,
         subcommands = {AccessPointCommand.class, ManagerCommand.class, PersonaCommand.class, EndpointCommand.class,
                        SubsetCommand.class, FleetCommand.class, RunCommand.class, ReportCommand.class,
                        CommandLine.HelpCommand.class})
public final class GuiseCommand implements java.util.concurrent.Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GuiseCommand()).execute(args));
    }

    /** Prints the usage when no subcommand is given, and exits with status 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** Reads the version from the jar manifest, if there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            final String version = GuiseCommand.class.getPackage().getImplementationVersion();
            return new String[] {"guise " + (version == null ? "(development build)" : version)};
        }
    }
}
