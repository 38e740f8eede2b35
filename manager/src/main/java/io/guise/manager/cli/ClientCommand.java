package io.guise.manager.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that calls the admin API. Exit status: 0 on success, 1 when the
 * manager rejects the request, 2 on bad usage or when the manager cannot be reached.
 */
abstract class ClientCommand implements Callable<Integer> {

    static final int OK = 0;
    static final int REJECTED = 1;
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions clientOptions;

    @Override
    public final Integer call() throws InterruptedException {
        final PrintWriter err = spec.commandLine().getErr();
        final String token;
        try {
            token = readToken();
        } catch (IOException e) {
            err.println("--token-file: cannot read " + clientOptions.tokenFile + ": " + e.getMessage());
            return USAGE;
        }
        if (clientOptions.tokenFile != null && token.isEmpty()) {
            err.println("--token-file: " + clientOptions.tokenFile + " is empty (expected: the manager's token)");
            return USAGE;
        }
        final ManagerClient client;
        try {
            client = new ManagerClient(clientOptions.manager, token, clientOptions.caFile);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return USAGE;
        }
        try {
            return run(client);
        } catch (HttpTimeoutException e) {
            err.println("The manager at " + client.base() + " did not answer in time: " + e.getMessage());
            return USAGE;
        } catch (IOException | IllegalArgumentException e) {
            err.println("Cannot reach the manager at " + client.base() + ": " + describe(e)
                        + " (check --manager and that the manager is running)");
            return USAGE;
        }
    }

    /** Runs the command against the API and returns the exit status. */
    abstract int run(ManagerClient client) throws IOException, InterruptedException;

    /** Returns the collection of the parent command, such as "personas". */
    final String collection() {
        final Object parent = spec.parent() == null ? null : spec.parent().userObject();
        if (parent instanceof ResourceGroup group) {
            return group.collection();
        }
        throw new IllegalStateException(spec.name() + " must be a subcommand of persona, endpoint or subset");
    }

    /** Prints a rejected request's error, and returns {@link #REJECTED}. */
    final int rejected(ManagerClient.Response response) {
        Output.printError(spec.commandLine().getErr(), response);
        return REJECTED;
    }

    private String readToken() throws IOException {
        if (clientOptions.tokenFile == null) {
            return null;
        }
        return Files.readString(clientOptions.tokenFile).strip();
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
                                                                         + e.getMessage();
    }
}
