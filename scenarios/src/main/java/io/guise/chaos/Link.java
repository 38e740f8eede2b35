package io.guise.chaos;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One direction of a proxied connection, from a source channel to a target
 * channel, with the toxics that took effect on it. Each chunk read from the
 * source passes the toxics in the order they were added: latency sets when the
 * chunk may leave, bandwidth and slicer cut it into pieces spaced in time,
 * limit_data cuts it short and closes the connection. Pieces leave in order
 * from a queue that a timer drains.
 *
 * <p>Not thread-safe: every method runs on the event loop of the connection.
 */
final class Link {

    /** Queued bytes above which the link stops reading its source. */
    private static final long HIGH_WATER_BYTES = 1 << 20;

    private final ProxyConnection connection;
    private final ToxicStream stream;
    private final SplittableRandom random;
    private Channel source;
    private Channel target;
    private List<Toxic> toxics = List.of();
    /** The timeout and reset_peer toxics whose timers run, by name. */
    private final Map<String, Toxic> timed = new HashMap<>();
    private final Map<String, ScheduledFuture<?>> timers = new HashMap<>();
    /** Bytes let through so far, per limit_data toxic name. */
    private final Map<String, Long> limitPassed = new HashMap<>();
    private final ArrayDeque<Piece> queue = new ArrayDeque<>();
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private long queuedBytes;
    /** When the last queued piece leaves, in System.nanoTime() terms; later chunks never overtake it. */
    private long cursorNanos;
    private ScheduledFuture<?> drainTimer;
    private boolean limitReached;
    private boolean sourceEnded;
    private boolean closeScheduled;

    /** A piece of data, or the end of the stream when {@code data} is null, and when it may leave. */
    private record Piece(ByteBuf data, long atNanos) {
    }

    Link(ProxyConnection connection, ToxicStream stream, long seed) {
        this.connection = connection;
        this.stream = stream;
        this.random = new SplittableRandom(seed);
    }

    ToxicStream stream() {
        return stream;
    }

    void bind(Channel source, Channel target) {
        this.source = source;
        this.target = target;
    }

    /** Replaces the toxics in effect on this link; starts and cancels their timers and lets held data go. */
    void setToxics(List<Toxic> next) {
        toxics = List.copyOf(next);
        final Map<String, Toxic> byName = new HashMap<>();
        for (Toxic toxic : toxics) {
            byName.put(toxic.name(), toxic);
        }
        for (Iterator<Map.Entry<String, Toxic>> it = timed.entrySet().iterator(); it.hasNext(); ) {
            final Map.Entry<String, Toxic> entry = it.next();
            if (!entry.getValue().equals(byName.get(entry.getKey()))) {
                final ScheduledFuture<?> timer = timers.remove(entry.getKey());
                if (timer != null) {
                    timer.cancel(false);
                }
                it.remove();
            }
        }
        limitPassed.keySet().retainAll(byName.keySet());
        for (Toxic toxic : toxics) {
            if ((toxic.type() == ToxicType.TIMEOUT || toxic.type() == ToxicType.RESET_PEER)
                    && !timed.containsKey(toxic.name())) {
                timed.put(toxic.name(), toxic);
                startTimer(toxic);
            }
        }
        if (!holding()) {
            final List<ByteBuf> release = new ArrayList<>(held);
            held.clear();
            final long now = System.nanoTime();
            for (ByteBuf data : release) {
                process(data, now);
            }
            drain();
            maybeFinish();
        }
        updateReading();
    }

    private void startTimer(Toxic toxic) {
        final long timeoutMillis = toxic.attribute("timeout");
        if (toxic.type() == ToxicType.TIMEOUT && timeoutMillis == 0) {
            return; // keeps the data until the toxic is removed
        }
        final boolean reset = toxic.type() == ToxicType.RESET_PEER;
        final Runnable fire = () -> connection.close(reset);
        if (timeoutMillis == 0) {
            connection.eventLoop().execute(fire);
        } else {
            timers.put(toxic.name(), connection.eventLoop().schedule(fire, timeoutMillis, TimeUnit.MILLISECONDS));
        }
    }

    private boolean holding() {
        for (Toxic toxic : toxics) {
            if (toxic.type() == ToxicType.TIMEOUT) {
                return true;
            }
        }
        return false;
    }

    /** Takes a chunk read from the source; the link owns it from here. */
    void onData(ByteBuf data) {
        if (connection.isClosed() || limitReached) {
            ReferenceCountUtil.release(data);
            return;
        }
        if (holding()) {
            held.add(data);
            updateReading();
            return;
        }
        process(data, System.nanoTime());
        drain();
    }

    private void process(ByteBuf data, long arrivalNanos) {
        if (limitReached) {
            data.release();
            return;
        }
        long start = arrivalNanos;
        for (Toxic toxic : toxics) {
            if (toxic.type() == ToxicType.LATENCY) {
                start += latencyNanos(toxic);
            }
        }
        List<ByteBuf> pieces = new ArrayList<>(List.of(data));
        List<Long> gaps = new ArrayList<>(List.of(0L));
        boolean endAfter = false;
        for (Toxic toxic : toxics) {
            switch (toxic.type()) {
                case BANDWIDTH -> {
                    final long rate = toxic.attribute("rate");
                    if (rate > 0) {
                        // rate is in KB/s with 1 KB = 1000 bytes, so rate bytes take one millisecond.
                        final List<ByteBuf> cut = new ArrayList<>();
                        final List<Long> cutGaps = new ArrayList<>();
                        final int maxPiece = (int) Math.max(1, Math.min(Integer.MAX_VALUE, rate * 100));
                        for (int i = 0; i < pieces.size(); i++) {
                            final ByteBuf piece = pieces.get(i);
                            boolean first = true;
                            while (piece.isReadable()) {
                                final int size = Math.min(maxPiece, piece.readableBytes());
                                cut.add(piece.readRetainedSlice(size));
                                cutGaps.add((first ? gaps.get(i) : 0) + size * 1_000_000L / rate);
                                first = false;
                            }
                            piece.release();
                        }
                        pieces = cut;
                        gaps = cutGaps;
                    }
                }
                case SLICER -> {
                    final long average = toxic.attribute("average_size");
                    final long variation = toxic.attribute("size_variation");
                    final long delayNanos = toxic.attribute("delay") * 1000;
                    final List<ByteBuf> cut = new ArrayList<>();
                    final List<Long> cutGaps = new ArrayList<>();
                    for (int i = 0; i < pieces.size(); i++) {
                        final ByteBuf piece = pieces.get(i);
                        boolean first = true;
                        while (piece.isReadable()) {
                            final long drawn = variation == 0 ? average
                                    : average - variation + random.nextLong(2 * variation + 1);
                            final int size = (int) Math.min(piece.readableBytes(), Math.max(1, drawn));
                            cut.add(piece.readRetainedSlice(size));
                            cutGaps.add(first ? gaps.get(i) : delayNanos);
                            first = false;
                        }
                        piece.release();
                    }
                    pieces = cut;
                    gaps = cutGaps;
                }
                case LIMIT_DATA -> {
                    final long limit = toxic.attribute("bytes");
                    long passed = limitPassed.getOrDefault(toxic.name(), 0L);
                    final List<ByteBuf> kept = new ArrayList<>();
                    final List<Long> keptGaps = new ArrayList<>();
                    for (int i = 0; i < pieces.size(); i++) {
                        final ByteBuf piece = pieces.get(i);
                        final long room = limit - passed;
                        if (room <= 0) {
                            piece.release();
                            continue;
                        }
                        if (piece.readableBytes() > room) {
                            piece.writerIndex(piece.readerIndex() + (int) room);
                        }
                        passed += piece.readableBytes();
                        kept.add(piece);
                        keptGaps.add(gaps.get(i));
                    }
                    limitPassed.put(toxic.name(), passed);
                    pieces = kept;
                    gaps = keptGaps;
                    if (passed >= limit) {
                        endAfter = true;
                    }
                }
                default -> {
                    // latency is applied above; timeout, reset_peer and slow_close act on time and close.
                }
            }
        }
        long at = Math.max(start, cursorNanos);
        for (int i = 0; i < pieces.size(); i++) {
            at += gaps.get(i);
            queue.add(new Piece(pieces.get(i), at));
            queuedBytes += pieces.get(i).readableBytes();
        }
        cursorNanos = at;
        if (endAfter) {
            limitReached = true;
            queue.add(new Piece(null, at));
            updateReading();
        }
    }

    private long latencyNanos(Toxic toxic) {
        final long latency = toxic.attribute("latency");
        final long jitter = toxic.attribute("jitter");
        final long millis = jitter == 0 ? latency : latency - jitter + random.nextLong(2 * jitter + 1);
        return Math.max(0, millis) * 1_000_000L;
    }

    /** Writes every piece whose time has come, then sets a timer for the next one. */
    private void drain() {
        if (drainTimer != null) {
            drainTimer.cancel(false);
            drainTimer = null;
        }
        boolean wrote = false;
        while (!queue.isEmpty()) {
            final Piece piece = queue.peek();
            final long wait = piece.atNanos() - System.nanoTime();
            if (wait > 0) {
                drainTimer = connection.eventLoop().schedule(this::drain, wait, TimeUnit.NANOSECONDS);
                break;
            }
            queue.poll();
            if (piece.data() == null) {
                if (wrote) {
                    target.flush();
                }
                connection.closeAfterFlush();
                return;
            }
            queuedBytes -= piece.data().readableBytes();
            if (target.isActive()) {
                target.write(piece.data(), target.voidPromise());
                wrote = true;
            } else {
                piece.data().release();
            }
        }
        if (wrote) {
            target.flush();
        }
        updateReading();
        maybeFinish();
    }

    /** Called when the source closed: once the queue is empty, and after any slow_close delay, the connection closes. */
    void onSourceEnded() {
        sourceEnded = true;
        maybeFinish();
    }

    private void maybeFinish() {
        if (!sourceEnded || closeScheduled || !queue.isEmpty() || !held.isEmpty() || connection.isClosed()) {
            return;
        }
        closeScheduled = true;
        long delayMillis = 0;
        for (Toxic toxic : toxics) {
            if (toxic.type() == ToxicType.SLOW_CLOSE) {
                delayMillis = Math.max(delayMillis, toxic.attribute("delay"));
            }
        }
        if (delayMillis == 0) {
            connection.closeAfterFlush();
        } else {
            connection.eventLoop().schedule(connection::closeAfterFlush, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Reads from the source only while data can flow and the queue is short; otherwise leaves data in the socket. */
    void updateReading() {
        if (source == null || !source.isActive()) {
            return;
        }
        final boolean read = !connection.isClosed() && !limitReached && !holding()
                && queuedBytes < HIGH_WATER_BYTES && target.isWritable();
        if (source.config().isAutoRead() != read) {
            source.config().setAutoRead(read);
        }
    }

    /** Cancels the timers and releases every queued and held buffer. */
    void release() {
        timers.values().forEach(timer -> timer.cancel(false));
        timers.clear();
        if (drainTimer != null) {
            drainTimer.cancel(false);
        }
        for (Piece piece : queue) {
            if (piece.data() != null) {
                piece.data().release();
            }
        }
        queue.clear();
        queuedBytes = 0;
        held.forEach(ReferenceCountUtil::release);
        held.clear();
    }
}
