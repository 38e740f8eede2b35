package io.guise.manager.cli;

import java.io.PrintWriter;

/** Prints the response to an accepted write. */
final class WriteOutput {

    private WriteOutput() {
    }

    static void print(PrintWriter out, String action, ManagerClient.Response response) {
        final long revision = response.body().path("revision").asLong();
        if (response.body().path("changed").asBoolean()) {
            out.println(action + ": now at revision " + revision);
        } else {
            out.println(action + ": no change, still at revision " + revision);
        }
        out.flush();
    }
}
