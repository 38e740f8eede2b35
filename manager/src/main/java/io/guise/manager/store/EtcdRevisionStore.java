package io.guise.manager.store;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.Status;
import io.guise.distribution.Deltas;
import io.guise.proto.Delta;
import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RevisionRecord;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A revision store in an etcd cluster, shared by every manager replica that opens
 * the same key prefix.
 *
 * <h2>Keys under the prefix {@code P}</h2>
 * <ul>
 *   <li>{@code P/meta/epoch}: the store epoch, written once by the first replica
 *       that finds the prefix empty.</li>
 *   <li>{@code P/meta/revision}: the serialized {@link RevisionRecord} of the newest
 *       Guise revision (an empty value at revision 0).</li>
 *   <li>{@code P/personas/<id>}, {@code P/endpoints/<id>},
 *       {@code P/subsets/<canonical prefix>}: the serialized resources of the newest
 *       revision.</li>
 * </ul>
 *
 * <h2>Revisions</h2>
 * Each Guise revision is one etcd transaction: it compares the mod revision of
 * {@code P/meta/revision} with the one this replica last saw and only then puts the
 * new record there and puts or deletes the changed resources. The Guise revision is
 * the number inside that record, one more than the record it replaced, so it is
 * gapless and, because etcd orders every transaction, never goes backwards on any
 * replica. Of two replicas that append the same revision, etcd lets exactly one
 * compare succeed; the other gets a {@link RevisionConflictException}.
 *
 * <p>The revision log is the etcd history of {@code P/meta/revision}. The store keeps
 * the last {@link Options.Builder#retainedRecords(int) retained records} in memory
 * with the etcd revision of each; {@link #recordsAfter} reads older records from etcd
 * history (it finds the etcd revision of the first one by a binary search over
 * reads at past revisions, then watches the key from there) and returns null when
 * etcd has compacted them.
 *
 * <h2>Following other replicas</h2>
 * The store watches {@code P/meta/revision} from the etcd revision it loaded and
 * applies each record that other replicas commit, announcing it to the listener
 * given to {@link #announceCommits}. When the watch fails (the etcd member it uses
 * stops, or a compaction passed the revision it would resume from), the store
 * reloads the state from
 * the resource keys and announces one record with the delta across the gap. A
 * loaded state lists resources in key order, so replicas may list them in different
 * orders; the resources themselves are the same.
 *
 * <p>Thread-safe. Reads take no lock: they read one immutable {@link State} from a
 * volatile field. Appends and the watch's updates are serialized by the store's
 * monitor, which the listener also runs under, so announcements are in revision
 * order. An append keeps the monitor for the length of its etcd transaction.
 */
public final class EtcdRevisionStore implements RevisionStore {

    private static final Logger logger = LoggerFactory.getLogger(EtcdRevisionStore.class);

    private static final Duration RESYNC_DELAY = Duration.ofMillis(500);
    private static final long COMPACTED = Long.MIN_VALUE;

    private final Client client;
    private final KV kv;
    private final Options options;
    private final String prefix;
    private final ByteSequence metaKey;
    private final String epoch;
    private final ScheduledExecutorService resyncExecutor;

    // Replaced under the monitor, read without it.
    private volatile State state;
    // Guarded by the monitor.
    private Consumer<RevisionRecord> listener;
    private Watch.Watcher watcher;
    private boolean closed;

    /** The store's view: the newest snapshot, its meta key mod revision and the retained records. */
    private record State(RoutingSnapshot snapshot, long metaModRevision, List<Entry> entries) {
    }

    /** A retained record and the etcd revision of the transaction that committed it. */
    private record Entry(RevisionRecord record, long etcdRevision) {
    }

    private EtcdRevisionStore(Client client, Options options, String epoch, State loaded, long loadedAt) {
        this.client = client;
        this.kv = client.getKVClient();
        this.options = options;
        this.prefix = options.prefix();
        this.metaKey = bytes(prefix + "/meta/revision");
        this.epoch = epoch;
        this.state = loaded;
        this.resyncExecutor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "etcd-store-resync");
            thread.setDaemon(true);
            return thread;
        });
        synchronized (this) {
            watchFrom(loadedAt + 1);
        }
    }

    /**
     * Connects to etcd, initialises the prefix when it is empty (a new epoch at
     * revision 0), loads the newest state and starts following other writers.
     *
     * @throws IOException when etcd cannot be reached within the request timeout or the
     *     prefix contains data this store cannot read
     */
    public static EtcdRevisionStore open(Options options) throws IOException {
        requireNonNull(options, "options");
        final Client client = Client.builder().endpoints(options.endpoints().toArray(new URI[0])).build();
        try {
            final KV kv = client.getKVClient();
            final String prefix = options.prefix();
            final ByteSequence epochKey = bytes(prefix + "/meta/epoch");
            final String fresh = UUID.randomUUID().toString();
            final TxnResponse init = await(kv.txn()
                                                   .If(new Cmp(epochKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                                                   .Then(Op.put(epochKey, bytes(fresh), PutOption.DEFAULT),
                                                         Op.put(bytes(prefix + "/meta/revision"), ByteSequence.EMPTY,
                                                                PutOption.DEFAULT))
                                                   .commit(), options, "initialising " + prefix);
            if (init.isSucceeded()) {
                logger.info("etcd store: initialised {} with epoch {}", prefix, fresh);
            }
            final GetResponse all = await(kv.get(bytes(prefix + "/"), GetOption.builder().isPrefix(true).build()),
                                          options, "loading " + prefix);
            final Loaded loaded = parse(prefix, all);
            logger.info("etcd store: {} on {} at revision {} (etcd revision {}), epoch {}", prefix,
                        options.endpoints(), loaded.state().snapshot().getRevision(), all.getHeader().getRevision(),
                        loaded.epoch());
            return new EtcdRevisionStore(client, options, loaded.epoch(), loaded.state(),
                                         all.getHeader().getRevision());
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private record Loaded(String epoch, State state) {
    }

    /** Builds the state from a read of every key under the prefix. */
    private static Loaded parse(String prefix, GetResponse all) throws IOException {
        String epoch = null;
        RevisionRecord meta = null;
        long metaModRevision = 0;
        final RoutingSnapshot.Builder snapshot = RoutingSnapshot.newBuilder();
        for (KeyValue entry : all.getKvs()) {
            final String key = entry.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length());
            final byte[] value = entry.getValue().getBytes();
            try {
                if (key.equals("/meta/epoch")) {
                    epoch = new String(value, StandardCharsets.UTF_8);
                } else if (key.equals("/meta/revision")) {
                    meta = RevisionRecord.parseFrom(value);
                    metaModRevision = entry.getModRevision();
                } else if (key.startsWith("/personas/")) {
                    snapshot.addPersonas(Persona.parseFrom(value));
                } else if (key.startsWith("/endpoints/")) {
                    snapshot.addEndpoints(Endpoint.parseFrom(value));
                } else if (key.startsWith("/subsets/")) {
                    snapshot.addSubsets(SubsetEntry.parseFrom(value));
                } else {
                    logger.warn("etcd store: ignoring key {}{}, which no Guise version writes", prefix, key);
                }
            } catch (InvalidProtocolBufferException e) {
                throw new IOException("etcd key " + prefix + key + " contains an invalid value ("
                                      + e.getMessage() + "); remove the key or use another --etcd-prefix", e);
            }
        }
        if (epoch == null || meta == null) {
            throw new IOException("etcd prefix " + prefix + " lacks " + (epoch == null ? "meta/epoch" : "meta/revision")
                                  + " (expected: both, written when a manager initialised the prefix); use an"
                                  + " empty prefix or remove the keys under " + prefix);
        }
        final RoutingSnapshot loaded = snapshot.setRevision(meta.getRevision()).build();
        return new Loaded(epoch, new State(loaded, metaModRevision, List.of()));
    }

    @Override
    public String epoch() {
        return epoch;
    }

    @Override
    public long latestRevision() {
        return state.snapshot().getRevision();
    }

    @Override
    public RoutingSnapshot latestSnapshot() {
        return state.snapshot();
    }

    @Override
    public synchronized boolean announceCommits(Consumer<RevisionRecord> listener) {
        this.listener = requireNonNull(listener, "listener");
        return true;
    }

    @Override
    public synchronized void append(RevisionRecord record) throws IOException {
        requireNonNull(record, "record");
        final State current = state;
        final long latest = current.snapshot().getRevision();
        if (record.getRevision() <= latest) {
            throw new RevisionConflictException(record.getRevision(), "revision " + record.getRevision()
                                                                      + " was committed by another manager first;"
                                                                      + " the newest is " + latest);
        }
        if (record.getRevision() != latest + 1 || record.getDelta().getToRevision() != record.getRevision()) {
            throw new IllegalArgumentException("record for revision " + record.getRevision()
                                               + " does not follow revision " + latest);
        }
        final RoutingSnapshot next;
        try {
            next = Deltas.apply(current.snapshot(), record.getDelta());
        } catch (Deltas.RevisionGapException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        final byte[] value = record.toByteArray();
        final TxnResponse response = commitWithRetry(current.metaModRevision(), record);
        long etcdRevision = response.getHeader().getRevision();
        if (!response.isSucceeded()) {
            final List<KeyValue> winner = response.getGetResponses().get(0).getKvs();
            // NOTE: a lost attempt may have committed with another replica's revision on top before the retry.
            // This then reports a conflict for a stored write, and the caller's retry finds no change to make.
            if (!winner.isEmpty() && java.util.Arrays.equals(winner.get(0).getValue().getBytes(), value)) {
                // An earlier attempt committed this very record, but its response was lost.
                etcdRevision = winner.get(0).getModRevision();
            } else {
                final long winnerModRevision = winner.isEmpty() ? current.metaModRevision() + 1
                        : winner.get(0).getModRevision();
                awaitCaughtUp(winnerModRevision);
                throw new RevisionConflictException(record.getRevision(), "revision " + record.getRevision()
                                                                          + " was committed by another manager first;"
                                                                          + " the newest is " + latestRevision());
            }
        }
        advance(current, record, next, etcdRevision);
    }

    /**
     * Runs the conditional transaction of {@code record}, retrying while etcd is
     * unavailable (a member that died with the request in flight) until the request
     * timeout. A retry is safe: the compare on the meta key's mod revision fails if an
     * earlier attempt committed, and the caller then finds its own record there.
     */
    private TxnResponse commitWithRetry(long expectedModRevision, RevisionRecord record) throws IOException {
        final long deadline = System.nanoTime() + options.requestTimeout().toNanos();
        final long attemptMillis = Math.max(1000, options.requestTimeout().toMillis() / 4);
        long backoffMillis = 50;
        while (true) {
            final long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            final CompletableFuture<TxnResponse> attempt = kv.txn()
                    .If(new Cmp(metaKey, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)))
                    .Then(writeOps(record))
                    .Else(Op.get(metaKey, GetOption.DEFAULT))
                    .commit();
            try {
                return attempt.get(Math.max(1, Math.min(leftMillis, attemptMillis)), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                attempt.cancel(true);
                final Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                final boolean retryable = e instanceof TimeoutException
                                          || Status.fromThrowable(cause).getCode() == Status.Code.UNAVAILABLE;
                final long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (Status.fromThrowable(cause).getCode() == Status.Code.INVALID_ARGUMENT
                    && String.valueOf(cause.getMessage()).contains("too many operations")) {
                    throw new IOException("revision " + record.getRevision() + " changes " + (writeOps(record).length - 1)
                                          + " resources, more than etcd accepts in one transaction (its"
                                          + " --max-txn-ops, 128 by default, counts each resource and the revision"
                                          + " record); raise --max-txn-ops on every etcd member or apply the change"
                                          + " in smaller parts", cause);
                }
                if (!retryable || remaining <= backoffMillis) {
                    throw new IOException("etcd failed committing revision " + record.getRevision() + " within "
                                          + options.requestTimeout().toMillis() + " ms: " + cause, cause);
                }
                logger.warn("etcd store {}: committing revision {} failed ({}); retrying in {} ms", prefix,
                            record.getRevision(), cause.toString(), backoffMillis);
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while committing revision " + record.getRevision(), e);
                }
                backoffMillis = Math.min(backoffMillis * 2, 1000);
            } catch (InterruptedException e) {
                attempt.cancel(true);
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while committing revision " + record.getRevision(), e);
            }
        }
    }

    /** Returns the puts and deletes of one revision: the meta record and every changed resource. */
    private Op[] writeOps(RevisionRecord record) {
        final Delta delta = record.getDelta();
        final List<Op> ops = new ArrayList<>();
        ops.add(Op.put(metaKey, ByteSequence.from(record.toByteArray()), PutOption.DEFAULT));
        for (Persona persona : delta.getUpsertedPersonasList()) {
            ops.add(Op.put(bytes(prefix + "/personas/" + persona.getId()), ByteSequence.from(persona.toByteArray()),
                           PutOption.DEFAULT));
        }
        for (Endpoint endpoint : delta.getUpsertedEndpointsList()) {
            ops.add(Op.put(bytes(prefix + "/endpoints/" + endpoint.getId()),
                           ByteSequence.from(endpoint.toByteArray()), PutOption.DEFAULT));
        }
        for (SubsetEntry subset : delta.getUpsertedSubsetsList()) {
            ops.add(Op.put(bytes(prefix + "/subsets/" + Deltas.subsetKey(subset.getPrefix())),
                           ByteSequence.from(subset.toByteArray()), PutOption.DEFAULT));
        }
        for (String id : delta.getRemovedPersonasList()) {
            ops.add(Op.delete(bytes(prefix + "/personas/" + id), DeleteOption.DEFAULT));
        }
        for (String id : delta.getRemovedEndpointsList()) {
            ops.add(Op.delete(bytes(prefix + "/endpoints/" + id), DeleteOption.DEFAULT));
        }
        for (String subset : delta.getRemovedSubsetsList()) {
            ops.add(Op.delete(bytes(prefix + "/subsets/" + Deltas.subsetKey(subset)), DeleteOption.DEFAULT));
        }
        return ops.toArray(new Op[0]);
    }

    /** Waits, releasing the monitor, until the watch has applied the meta key's etcd revision {@code target}. */
    private void awaitCaughtUp(long target) throws IOException {
        final long deadline = System.nanoTime() + options.requestTimeout().toNanos();
        while (state.metaModRevision() < target && !closed) {
            final long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (leftMillis <= 0) {
                throw new IOException("etcd store " + prefix + ": the watch did not reach etcd revision " + target
                                      + " within " + options.requestTimeout().toMillis() + " ms");
            }
            try {
                wait(leftMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while catching up with etcd", e);
            }
        }
    }

    /** Publishes the state after {@code record} and announces it; called under the monitor. */
    private void advance(State current, RevisionRecord record, RoutingSnapshot next, long etcdRevision) {
        final List<Entry> entries = new ArrayList<>(current.entries().size() + 1);
        final int drop = Math.max(0, current.entries().size() + 1 - options.retainedRecords());
        entries.addAll(current.entries().subList(drop, current.entries().size()));
        entries.add(new Entry(record, etcdRevision));
        state = new State(next, etcdRevision, List.copyOf(entries));
        notifyAll();
        announce(record);
    }

    private void announce(RevisionRecord record) {
        if (listener == null) {
            return;
        }
        try {
            listener.accept(record);
        } catch (RuntimeException e) {
            logger.warn("etcd store {}: commit listener failed for revision {}", prefix, record.getRevision(), e);
        }
    }

    /** Watches the meta key from {@code etcdRevision}; called under the monitor. */
    private void watchFrom(long etcdRevision) {
        if (closed) {
            return;
        }
        final Watch.Watcher[] self = new Watch.Watcher[1];
        self[0] = client.getWatchClient().watch(
                metaKey, WatchOption.builder().withRevision(etcdRevision).build(),
                Watch.listener(response -> onWatch(self[0], response), error -> onWatchError(self[0], error)));
        watcher = self[0];
    }

    private synchronized void onWatch(Watch.Watcher from, WatchResponse response) {
        if (closed || (from != null && from != watcher)) {
            return;
        }
        for (WatchEvent event : response.getEvents()) {
            if (event.getEventType() != WatchEvent.EventType.PUT) {
                continue;
            }
            final RevisionRecord record;
            try {
                record = RevisionRecord.parseFrom(event.getKeyValue().getValue().getBytes());
            } catch (InvalidProtocolBufferException e) {
                logger.error("etcd store {}: meta/revision at etcd revision {} does not parse; reloading", prefix,
                             event.getKeyValue().getModRevision(), e);
                scheduleResync();
                return;
            }
            final State current = state;
            final long latest = current.snapshot().getRevision();
            if (record.getRevision() <= latest) {
                // This replica's own append, applied when its transaction returned.
                continue;
            }
            final RoutingSnapshot next;
            try {
                next = record.getRevision() == latest + 1 ? Deltas.apply(current.snapshot(), record.getDelta()) : null;
            } catch (Deltas.RevisionGapException e) {
                logger.warn("etcd store {}: revision {} does not follow revision {}; reloading", prefix,
                            record.getRevision(), latest);
                scheduleResync();
                return;
            }
            if (next == null) {
                logger.warn("etcd store {}: watch jumped from revision {} to {}; reloading", prefix, latest,
                            record.getRevision());
                scheduleResync();
                return;
            }
            advance(current, record, next, event.getKeyValue().getModRevision());
            logger.debug("etcd store {}: applied revision {} from another replica", prefix, record.getRevision());
        }
    }

    private synchronized void onWatchError(Watch.Watcher from, Throwable error) {
        if (closed || from != watcher) {
            return;
        }
        logger.warn("etcd store {}: watch failed at revision {} ({}); reloading in {} ms", prefix, latestRevision(),
                    error.toString(), RESYNC_DELAY.toMillis());
        scheduleResync();
    }

    /** Stops the watch and reloads the state after a delay; called under the monitor. */
    private void scheduleResync() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
        try {
            resyncExecutor.schedule(this::resync, RESYNC_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing.
        }
    }

    private void resync() {
        final GetResponse all;
        final Loaded loaded;
        try {
            all = await(kv.get(bytes(prefix + "/"), GetOption.builder().isPrefix(true).build()), options,
                        "reloading " + prefix);
            loaded = parse(prefix, all);
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                if (!closed) {
                    logger.warn("etcd store {}: reload failed ({}); retrying in {} ms", prefix, e.toString(),
                                RESYNC_DELAY.toMillis());
                    scheduleResync();
                }
            }
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            if (!loaded.epoch().equals(epoch)) {
                logger.error("etcd store {}: epoch changed from {} to {} while serving; restart this manager",
                             prefix, epoch, loaded.epoch());
            }
            final State current = state;
            final RoutingSnapshot next = loaded.state().snapshot();
            if (next.getRevision() > current.snapshot().getRevision()) {
                final RevisionRecord gap = RevisionRecord.newBuilder()
                        .setRevision(next.getRevision())
                        .setDelta(Deltas.diff(current.snapshot(), next))
                        .build();
                // The retained records no longer lead up to the new state, so history reads go to etcd.
                state = new State(next, loaded.state().metaModRevision(), List.of());
                notifyAll();
                logger.info("etcd store {}: reloaded at revision {} (was {})", prefix, next.getRevision(),
                            current.snapshot().getRevision());
                announce(gap);
            }
            watchFrom(all.getHeader().getRevision() + 1);
        }
    }

    @Override
    public List<RevisionRecord> recordsAfter(long fromRevision) {
        final State current = state;
        final long latest = current.snapshot().getRevision();
        if (fromRevision == latest) {
            return List.of();
        }
        if (fromRevision > latest || fromRevision < 0) {
            return null;
        }
        final List<Entry> entries = current.entries();
        if (!entries.isEmpty() && entries.get(0).record().getRevision() <= fromRevision + 1) {
            final int start = (int) (fromRevision + 1 - entries.get(0).record().getRevision());
            final List<RevisionRecord> records = new ArrayList<>(entries.size() - start);
            for (Entry entry : entries.subList(start, entries.size())) {
                records.add(entry.record());
            }
            return records;
        }
        final long last = entries.isEmpty() ? latest : entries.get(0).record().getRevision() - 1;
        final long lastEtcdRevision = entries.isEmpty() ? current.metaModRevision()
                : entries.get(0).etcdRevision() - 1;
        final List<RevisionRecord> records;
        try {
            records = history(fromRevision + 1, last, lastEtcdRevision);
        } catch (IOException e) {
            logger.warn("etcd store {}: reading revisions {} to {} from etcd history failed ({}); a full snapshot"
                        + " goes instead", prefix, fromRevision + 1, last, e.toString());
            return null;
        }
        if (records == null) {
            return null;
        }
        for (Entry entry : entries) {
            records.add(entry.record());
        }
        return records;
    }

    /**
     * Reads records {@code first} to {@code last} from the history of the meta key, or
     * returns null when etcd compacted part of it.
     */
    private List<RevisionRecord> history(long first, long last, long lastEtcdRevision) throws IOException {
        // The Guise revision in the meta key grows with the etcd revision, so search for the
        // oldest etcd revision at which the key contains `first` or a later revision.
        long low = 1;
        long high = lastEtcdRevision;
        while (low < high) {
            final long middle = low + (high - low) / 2;
            final long revision = revisionAt(middle);
            // Compacted revisions form a prefix of the range, so they count as too old.
            if (revision == COMPACTED || revision < first) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        final long start = low;
        final CompletableFuture<List<RevisionRecord>> done = new CompletableFuture<>();
        final List<RevisionRecord> collected = new ArrayList<>();
        final Watch.Watcher reader = client.getWatchClient().watch(
                metaKey, WatchOption.builder().withRevision(start).build(), Watch.listener(response -> {
                    synchronized (collected) {
                        for (WatchEvent event : response.getEvents()) {
                            if (done.isDone() || event.getEventType() != WatchEvent.EventType.PUT) {
                                continue;
                            }
                            try {
                                final RevisionRecord record = RevisionRecord.parseFrom(
                                        event.getKeyValue().getValue().getBytes());
                                if (record.getRevision() >= first && record.getRevision() <= last) {
                                    collected.add(record);
                                }
                                if (record.getRevision() >= last) {
                                    done.complete(List.copyOf(collected));
                                }
                            } catch (InvalidProtocolBufferException e) {
                                done.completeExceptionally(e);
                            }
                        }
                    }
                }, done::completeExceptionally));
        try {
            final List<RevisionRecord> records = await(done, options, "reading history of " + metaKey);
            if (records.isEmpty() || records.get(0).getRevision() != first
                || records.get(records.size() - 1).getRevision() - first + 1 != records.size()) {
                // The oldest wanted record was compacted away; the watch began at a later one.
                return null;
            }
            return new ArrayList<>(records);
        } catch (IOException e) {
            if (isCompacted(e.getCause())) {
                return null;
            }
            throw e;
        } finally {
            reader.close();
        }
    }

    /**
     * Returns the Guise revision the meta key held at etcd revision {@code etcdRevision}:
     * -1 before the key existed, {@link #COMPACTED} when etcd compacted that revision.
     */
    private long revisionAt(long etcdRevision) throws IOException {
        final GetResponse response;
        try {
            response = kv.get(metaKey, GetOption.builder().withRevision(etcdRevision).build())
                    .get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (isCompacted(e.getCause())) {
                return COMPACTED;
            }
            throw new IOException("reading " + metaKey + " at etcd revision " + etcdRevision + " failed: " + e.getCause(),
                                  e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("etcd read of " + metaKey + " timed out after "
                                  + options.requestTimeout().toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading etcd", e);
        }
        if (response.getKvs().isEmpty()) {
            return -1;
        }
        try {
            return RevisionRecord.parseFrom(response.getKvs().get(0).getValue().getBytes()).getRevision();
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("etcd key " + metaKey + " at etcd revision " + etcdRevision + " does not parse", e);
        }
    }

    @Override
    public long commitTimeMillis(long revision) {
        final List<Entry> entries = state.entries();
        if (entries.isEmpty()) {
            return -1;
        }
        final long index = revision - entries.get(0).record().getRevision();
        return index < 0 || index >= entries.size() ? -1 : entries.get((int) index).record().getCommitTimeMs();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (watcher != null) {
                watcher.close();
                watcher = null;
            }
            notifyAll();
        }
        resyncExecutor.shutdownNow();
        client.close();
        logger.info("etcd store {}: closed at revision {}", prefix, latestRevision());
    }

    /** Returns whether etcd rejected a read or watch because the requested revision was compacted. */
    private static boolean isCompacted(Throwable error) {
        return error instanceof CompactedException
               || error instanceof EtcdException etcd && etcd.getErrorCode() == ErrorCode.OUT_OF_RANGE
               || error != null && Status.fromThrowable(error).getCode() == Status.Code.OUT_OF_RANGE;
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private static <T> T await(CompletableFuture<T> future, Options options, String operation) throws IOException {
        try {
            return future.get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("etcd failed " + operation + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IOException("etcd timed out " + operation + " after " + options.requestTimeout().toMillis()
                                  + " ms (endpoints " + options.endpoints() + "); check that etcd is running", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + operation, e);
        }
    }

    /**
     * Settings of the etcd store: its cluster, key prefix and timeouts. Immutable; build with
     * {@link #builder()}.
     *
     * @param endpoints the etcd client URLs
     * @param prefix the key prefix, starting with '/' and without a trailing '/'
     * @param retainedRecords revision records kept in memory for deltas
     * @param requestTimeout how long one etcd request may take
     */
    public record Options(List<URI> endpoints, String prefix, int retainedRecords, Duration requestTimeout) {

        public static final String DEFAULT_PREFIX = "/guise";
        public static final int DEFAULT_RETAINED_RECORDS = 1000;
        public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

        public Options {
            endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
            requireNonNull(prefix, "prefix");
            requireNonNull(requestTimeout, "requestTimeout");
        }

        public static Builder builder() {
            return new Builder();
        }

        /** Builds {@link Options}; endpoints are required, the rest has defaults. Not thread-safe. */
        public static final class Builder {
            private List<URI> endpoints = List.of();
            private String prefix = DEFAULT_PREFIX;
            private int retainedRecords = DEFAULT_RETAINED_RECORDS;
            private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;

            private Builder() {
            }

            /**
             * Sets the etcd client URLs.
             *
             * @throws IllegalArgumentException naming the first URL that is not http:// or https:// with a host and port
             */
            public Builder endpoints(List<URI> endpoints) {
                requireNonNull(endpoints, "endpoints");
                if (endpoints.isEmpty()) {
                    throw new IllegalArgumentException("etcd_endpoints: empty (expected: one or more URLs such as"
                                                       + " http://127.0.0.1:2379)");
                }
                for (URI endpoint : endpoints) {
                    final String scheme = endpoint.getScheme();
                    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))
                        || endpoint.getHost() == null || endpoint.getPort() < 0) {
                        throw new IllegalArgumentException("etcd_endpoints: '" + endpoint + "' (expected: a URL with"
                                                           + " scheme http or https, a host and a port, such as"
                                                           + " http://127.0.0.1:2379)");
                    }
                }
                this.endpoints = List.copyOf(endpoints);
                return this;
            }

            /**
             * Sets the key prefix; default {@value DEFAULT_PREFIX}. A trailing '/' is dropped.
             *
             * @throws IllegalArgumentException when it does not start with '/' or is only '/'
             */
            public Builder prefix(String prefix) {
                requireNonNull(prefix, "prefix");
                final String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
                if (!prefix.startsWith("/") || trimmed.isEmpty() || trimmed.contains("//")) {
                    throw new IllegalArgumentException("etcd_prefix: '" + prefix + "' (expected: a key path that"
                                                       + " starts with '/' and names at least one segment, such as"
                                                       + " /guise)");
                }
                this.prefix = trimmed;
                return this;
            }

            /** Sets how many revision records stay in memory; default 1000, at least 1. */
            public Builder retainedRecords(int retainedRecords) {
                if (retainedRecords < 1) {
                    throw new IllegalArgumentException("retainedRecords: " + retainedRecords
                                                       + " (expected: 1 or more)");
                }
                this.retainedRecords = retainedRecords;
                return this;
            }

            /** Sets how long one etcd request may take; default 10 s, at least 1 ms. */
            public Builder requestTimeout(Duration requestTimeout) {
                requireNonNull(requestTimeout, "requestTimeout");
                if (requestTimeout.toMillis() < 1) {
                    throw new IllegalArgumentException("requestTimeout: " + requestTimeout.toMillis()
                                                       + " ms (expected: 1 ms or more)");
                }
                this.requestTimeout = requestTimeout;
                return this;
            }

            public Options build() {
                if (endpoints.isEmpty()) {
                    throw new IllegalArgumentException("etcd_endpoints: not set (expected: one or more URLs such as"
                                                       + " http://127.0.0.1:2379)");
                }
                return new Options(endpoints, prefix, retainedRecords, requestTimeout);
            }
        }
    }
}
