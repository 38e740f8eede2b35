package io.guise.chaos;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded fault proxy with Toxiproxy's model and HTTP API: named proxies on
 * loopback, each relaying to a loopback upstream through toxics. Every address
 * must be loopback. The toxicity decisions of all proxies come from {@code seed}.
 *
 * <p>Thread-safe: the operations below are synchronized, and the HTTP API runs
 * them on one executor thread, never on an event loop, since starting and
 * stopping a proxy waits for its socket.
 */
public final class ChaosProxyServer implements AutoCloseable {

    /** The version the API reports; the model and API follow Toxiproxy 2.x. */
    public static final String VERSION = "2.12.0-guise";

    private static final Logger logger = LoggerFactory.getLogger(ChaosProxyServer.class);

    private final long seed;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final ExecutorService apiExecutor;
    private final Map<String, ChaosProxy> proxies = new LinkedHashMap<>();
    private Channel apiChannel;

    private ChaosProxyServer(long seed, int workerThreads) {
        this.seed = seed;
        this.bossGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workerGroup = new MultiThreadIoEventLoopGroup(workerThreads, NioIoHandler.newFactory());
        this.apiExecutor = Executors.newSingleThreadExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "chaos-api");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts the server with its HTTP API on {@code apiAddress}, a loopback
     * address whose port may be 0.
     *
     * @throws ChaosException when the address is not loopback or cannot be bound
     */
    public static ChaosProxyServer start(InetSocketAddress apiAddress, long seed, int workerThreads) {
        requireNonNull(apiAddress, "apiAddress");
        if (!apiAddress.getAddress().isLoopbackAddress()) {
            throw ChaosException.invalid("api address", apiAddress.toString(), LoopbackAddress.RULE);
        }
        final ChaosProxyServer server = new ChaosProxyServer(seed, Math.max(1, workerThreads));
        try {
            server.startApi(apiAddress);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void startApi(InetSocketAddress address) {
        final ToxiproxyApiHandler handler = new ToxiproxyApiHandler(this, apiExecutor);
        final ChannelFuture bound = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(),
                                new HttpObjectAggregator(ToxiproxyApiHandler.MAX_BODY_BYTES), handler);
                    }
                })
                .bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new ChaosException(409, "api address: " + LoopbackAddress.format(address)
                    + " (expected: a free loopback address; binding failed: " + bound.cause().getMessage() + ")");
        }
        apiChannel = bound.channel();
        logger.info("Fault proxy API on {}", LoopbackAddress.format(apiAddress()));
    }

    /** Returns the address of the HTTP API. */
    public InetSocketAddress apiAddress() {
        return (InetSocketAddress) apiChannel.localAddress();
    }

    EventLoopGroup bossGroup() {
        return bossGroup;
    }

    EventLoopGroup workerGroup() {
        return workerGroup;
    }

    /** The fields of a proxy as the API takes them. */
    record ProxySpec(String name, InetSocketAddress listen, InetSocketAddress upstream, boolean enabled) {
    }

    /**
     * Creates and, when {@code spec.enabled()}, starts a proxy.
     *
     * @throws ChaosException 409 when the name is taken or the listen address cannot be bound
     */
    synchronized ChaosProxy create(ProxySpec spec) {
        if (proxies.containsKey(spec.name())) {
            throw ChaosException.conflict("name: " + Toxic.quote(spec.name())
                    + " (expected: a new proxy name; a proxy with this name exists, so update or delete it)");
        }
        final ChaosProxy proxy = new ChaosProxy(this, spec.name(), spec.listen(), spec.upstream(),
                Mix.mix(seed ^ Mix.mix(spec.name().hashCode())));
        if (spec.enabled()) {
            proxy.enable();
        }
        proxies.put(spec.name(), proxy);
        return proxy;
    }

    /**
     * Creates the proxies that do not exist and replaces those whose listen or
     * upstream address differs. The others keep their connections and toxics and
     * take the given enabled state.
     */
    synchronized List<ChaosProxy> populate(List<ProxySpec> specs) {
        final List<ChaosProxy> result = new ArrayList<>();
        for (ProxySpec spec : specs) {
            final ChaosProxy existing = proxies.get(spec.name());
            if (existing != null && sameAddresses(existing, spec)) {
                if (spec.enabled()) {
                    existing.enable();
                } else {
                    existing.disable();
                }
                result.add(existing);
                continue;
            }
            if (existing != null) {
                delete(spec.name());
            }
            result.add(create(spec));
        }
        return result;
    }

    private static boolean sameAddresses(ChaosProxy proxy, ProxySpec spec) {
        final boolean listenMatches = spec.listen().getPort() == 0
                ? spec.listen().getAddress().equals(proxy.listen().getAddress())
                : spec.listen().equals(proxy.listen());
        return listenMatches && spec.upstream().equals(proxy.upstream());
    }

    /** Returns every proxy, in creation order. */
    synchronized List<ChaosProxy> proxies() {
        return List.copyOf(proxies.values());
    }

    /** Returns the proxy with this name; throws 404 when there is none. */
    synchronized ChaosProxy proxy(String name) {
        final ChaosProxy proxy = proxies.get(name);
        if (proxy == null) {
            throw ChaosException.notFound("proxy " + Toxic.quote(name) + " not found (expected: one of "
                    + String.join(", ", proxies.keySet()) + ")");
        }
        return proxy;
    }

    /** Stops a proxy, closes its connections and removes it. */
    synchronized void delete(String name) {
        final ChaosProxy proxy = proxy(name);
        proxy.disable();
        proxies.remove(name);
    }

    /** Enables every proxy and removes every toxic. */
    synchronized void reset() {
        for (ChaosProxy proxy : proxies.values()) {
            proxy.enable();
            proxy.setToxics(List.of());
        }
    }

    /** Adds a toxic to a proxy; it takes effect on open connections too. */
    synchronized Toxic addToxic(String proxyName, Toxic toxic) {
        final ChaosProxy proxy = proxy(proxyName);
        if (proxy.toxic(toxic.name()) != null) {
            throw ChaosException.conflict("name: " + Toxic.quote(toxic.name()) + " (expected: a new toxic name; proxy "
                    + Toxic.quote(proxyName) + " has a toxic with this name, so update or delete it)");
        }
        final List<Toxic> next = new ArrayList<>(proxy.toxics());
        next.add(toxic);
        proxy.setToxics(next);
        logger.info("Proxy {}: toxic {} ({} {}, toxicity {}, {}) added", proxyName, toxic.name(),
                toxic.type().wireName(), toxic.stream().wireName(), toxic.toxicity(), toxic.attributes());
        return toxic;
    }

    /** Returns a toxic of a proxy; throws 404 when either is missing. */
    synchronized Toxic toxic(String proxyName, String toxicName) {
        final ChaosProxy proxy = proxy(proxyName);
        final Toxic toxic = proxy.toxic(toxicName);
        if (toxic == null) {
            throw ChaosException.notFound("toxic " + Toxic.quote(toxicName) + " not found on proxy "
                    + Toxic.quote(proxyName) + " (expected: one of " + toxicNames(proxy) + ")");
        }
        return toxic;
    }

    /** Replaces a toxic, keeping its place in the order. */
    synchronized Toxic replaceToxic(String proxyName, Toxic updated) {
        final ChaosProxy proxy = proxy(proxyName);
        toxic(proxyName, updated.name());
        final List<Toxic> next = new ArrayList<>();
        for (Toxic toxic : proxy.toxics()) {
            next.add(toxic.name().equals(updated.name()) ? updated : toxic);
        }
        proxy.setToxics(next);
        logger.info("Proxy {}: toxic {} updated (toxicity {}, {})", proxyName, updated.name(), updated.toxicity(),
                updated.attributes());
        return updated;
    }

    /** Removes a toxic; connections it held or slowed go on without it. */
    synchronized void removeToxic(String proxyName, String toxicName) {
        final ChaosProxy proxy = proxy(proxyName);
        toxic(proxyName, toxicName);
        final List<Toxic> next = new ArrayList<>(proxy.toxics());
        next.removeIf(toxic -> toxic.name().equals(toxicName));
        proxy.setToxics(next);
        logger.info("Proxy {}: toxic {} removed", proxyName, toxicName);
    }

    private static String toxicNames(ChaosProxy proxy) {
        final List<String> names = new ArrayList<>();
        proxy.toxics().forEach(toxic -> names.add(toxic.name()));
        return names.isEmpty() ? "none, the proxy has no toxics" : String.join(", ", names);
    }

    @Override
    public void close() {
        synchronized (this) {
            for (ChaosProxy proxy : proxies.values()) {
                proxy.disable();
            }
            proxies.clear();
        }
        if (apiChannel != null) {
            apiChannel.close().awaitUninterruptibly();
        }
        apiExecutor.shutdownNow();
        bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
