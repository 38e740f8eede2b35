package io.guise.manager.store;

import java.nio.file.Path;

/**
 * The child process of {@link FileRevisionStoreCrashTest}: opens a store and appends
 * {@link TestRecords} revisions until it is killed, printing {@code ACK <revision>}
 * after each append returns.
 *
 * <p>Arguments: data directory, snapshotEvery, retainedRecords.
 */
public final class CrashWriterMain {

    /** Upper bound on appends, so a child that is never killed still exits. */
    private static final int MAX_APPENDS = 100_000;

    private CrashWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        final FileRevisionStore.Options options =
                new FileRevisionStore.Options(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        try (FileRevisionStore store = FileRevisionStore.open(Path.of(args[0]), options)) {
            final long first = store.latestRevision() + 1;
            System.out.println("OPENED " + store.latestRevision());
            System.out.flush();
            for (long revision = first; revision < first + MAX_APPENDS; revision++) {
                store.append(TestRecords.record(revision));
                System.out.println("ACK " + revision);
                System.out.flush();
            }
        }
    }
}
