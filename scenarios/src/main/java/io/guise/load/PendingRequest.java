package io.guise.load;

/**
 * A request between its scheduled start and its outcome. Confined to the event loop
 * of its client.
 */
final class PendingRequest {

    final RequestTemplate template;
    /** The scheduled start on the generator's clock; latency counts from here. */
    final long intendedNanos;
    long actualNanos = RequestResult.NOT_SENT;
    /** The connection that carries the request, or null while it waits in the client's queue. */
    ClientConnection connection;
    io.netty.util.concurrent.Future<?> timeout;
    boolean done;

    PendingRequest(RequestTemplate template, long intendedNanos) {
        this.template = template;
        this.intendedNanos = intendedNanos;
    }
}
