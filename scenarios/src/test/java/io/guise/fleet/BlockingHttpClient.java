package io.guise.fleet;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A blocking HTTP/1.1 client over one keep-alive socket, enough to drive an endpoint
 * from a test thread and to see resets as they happen. Not thread-safe.
 */
final class BlockingHttpClient implements AutoCloseable {

    record Response(int status, String endpointId, int bodyLength) {
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    BlockingHttpClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.setSoTimeout(5_000);
        socket.connect(address, 2_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    Response get(String path) throws IOException {
        out.write(("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final String statusLine = readLine();
        if (statusLine == null) {
            throw new IOException("connection closed before the status line");
        }
        final int status = Integer.parseInt(statusLine.split(" ")[1]);
        int contentLength = 0;
        String endpointId = null;
        for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
            final int colon = line.indexOf(':');
            final String name = line.substring(0, colon).trim().toLowerCase();
            final String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                contentLength = Integer.parseInt(value);
            } else if (name.equals("x-endpoint-id")) {
                endpointId = value;
            }
        }
        final byte[] body = in.readNBytes(contentLength);
        if (body.length != contentLength) {
            throw new IOException("body ended after " + body.length + " of " + contentLength + " bytes");
        }
        return new Response(status, endpointId, body.length);
    }

    /** Reads from the socket until it ends or fails, for checking that a peer closed it. */
    int readToEnd() throws IOException {
        return in.read();
    }

    private String readLine() throws IOException {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                final String text = line.toString(StandardCharsets.US_ASCII);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
