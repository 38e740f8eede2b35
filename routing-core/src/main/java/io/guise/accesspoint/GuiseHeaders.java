package io.guise.accesspoint;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/** Header names that the access point adds, and hop-by-hop header handling. */
public final class GuiseHeaders {

    /** On an injected error response: {@code injected}. */
    public static final AsciiString FAULT = AsciiString.cached("x-guise-fault");
    /** On a response the access point made itself: why it did not forward. */
    public static final AsciiString REASON = AsciiString.cached("x-guise-reason");
    /** On every response to a routed request: the persona that served it. */
    public static final AsciiString PERSONA = AsciiString.cached("x-guise-persona");
    /** On a forwarded response: the id of the endpoint that responded. */
    public static final AsciiString ENDPOINT = AsciiString.cached("x-guise-endpoint");

    /** The de facto standard header that lists the client addresses a request passed through. */
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");

    private static final AsciiString[] HOP_BY_HOP = {
        HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_AUTHENTICATE,
        HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
        HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE, AsciiString.cached("proxy-connection"),
    };

    private GuiseHeaders() {
    }

    /**
     * Removes the hop-by-hop headers of RFC 9110 section 7.6.1, including those that
     * a {@code Connection} header names, so they do not travel past this hop.
     */
    static void stripHopByHop(HttpHeaders headers) {
        final List<String> named = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                final String name = token.trim();
                if (!name.isEmpty()) {
                    named.add(name);
                }
            }
        }
        for (String name : named) {
            headers.remove(name);
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }
}
