package io.guise.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Blocking test servers on 127.0.0.1 with a free port: each accepted connection
 * runs a behaviour on its own daemon thread. Closing stops accepting and closes
 * every connection.
 */
final class LoopbackServers implements AutoCloseable {

    private final List<ServerSocket> servers = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    /** Echoes every byte back. */
    InetSocketAddress echo() throws IOException {
        return start(socket -> {
            try (InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                final byte[] buffer = new byte[8192];
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException e) {
                // The peer went away; the connection ends.
            }
        });
    }

    /** Sends {@code bytes} bytes in one write, then waits for the peer to close. */
    InetSocketAddress source(int bytes) throws IOException {
        return start(socket -> {
            try (InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                out.write(new byte[bytes]);
                out.flush();
                while (in.read() >= 0) {
                    // waits for the peer to close
                }
            } catch (IOException e) {
                // The peer went away; the connection ends.
            }
        });
    }

    /** Closes every connection as soon as it is accepted. */
    InetSocketAddress closer() throws IOException {
        return start(socket -> {
            try {
                socket.close();
            } catch (IOException e) {
                // Already closed.
            }
        });
    }

    private InetSocketAddress start(Consumer<Socket> behaviour) throws IOException {
        final ServerSocket server = new ServerSocket(0, 256, InetAddress.getByName("127.0.0.1"));
        synchronized (this) {
            servers.add(server);
        }
        final Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    final Socket socket = server.accept();
                    synchronized (this) {
                        sockets.add(socket);
                    }
                    final Thread worker = new Thread(() -> behaviour.accept(socket), "test-server-connection");
                    worker.setDaemon(true);
                    worker.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "test-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    @Override
    public synchronized void close() throws IOException {
        for (ServerSocket server : servers) {
            server.close();
        }
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
