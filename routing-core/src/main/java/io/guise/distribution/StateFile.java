package io.guise.distribution;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.guise.proto.FullSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The access point's copy of the last applied routing state: a serialized
 * {@link FullSnapshot} (epoch and snapshot). Writes go to a temporary file in the
 * same folder, are fsynced and then renamed over the old file, so a reader sees
 * the old state or the new one, never a torn file.
 *
 * <p>Not thread-safe: one owner writes it.
 */
public final class StateFile {

    private final Path path;

    public StateFile(Path path) {
        this.path = requireNonNull(path, "path").toAbsolutePath();
    }

    public Path path() {
        return path;
    }

    /**
     * Returns the stored state, or null when the file does not exist.
     *
     * @throws IOException when the file cannot be read or does not parse
     */
    public FullSnapshot read() throws IOException {
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return null;
        }
        try {
            return FullSnapshot.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("state file " + path + " does not parse as a FullSnapshot: " + e.getMessage(), e);
        }
    }

    /** Replaces the stored state with {@code state} and returns once it is durable. */
    public void write(FullSnapshot state) throws IOException {
        requireNonNull(state, "state");
        final Path folder = path.getParent();
        Files.createDirectories(folder);
        final Path temporary = folder.resolve(path.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                                                    StandardOpenOption.TRUNCATE_EXISTING)) {
            final ByteBuffer buffer = ByteBuffer.wrap(state.toByteArray());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        try {
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING);
        }
        syncFolder(folder);
    }

    /** Makes the rename durable; file systems that cannot open a folder for sync are left as they are. */
    private static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // NOTE: some platforms cannot fsync a folder; the rename is then durable only after the OS flushes it.
        }
    }
}
