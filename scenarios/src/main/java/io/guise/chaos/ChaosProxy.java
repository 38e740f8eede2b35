package io.guise.chaos;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named proxy: it listens on a loopback address and relays each connection
 * to its upstream through the toxics in effect. A disabled proxy has closed its
 * listening socket, so connections are refused, and has closed every connection
 * it had.
 *
 * <p>Thread-safe: configuration changes are synchronized and come from the API
 * executor; the toxic list is an immutable list published by a volatile write,
 * and each connection applies a new list on its own event loop.
 */
final class ChaosProxy {

    private static final Logger logger = LoggerFactory.getLogger(ChaosProxy.class);

    private final ChaosProxyServer server;
    private final String name;
    private final long seed;
    private final AtomicLong connectionCount = new AtomicLong();
    private final Set<ProxyConnection> connections = ConcurrentHashMap.newKeySet();
    // Written under the lock; volatile so the accepting event loop reads them without it.
    private volatile InetSocketAddress listen;
    private volatile InetSocketAddress upstream;
    private boolean enabled;
    private Channel listener;
    private volatile List<Toxic> toxics = List.of();

    ChaosProxy(ChaosProxyServer server, String name, InetSocketAddress listen, InetSocketAddress upstream,
               long seed) {
        this.server = server;
        this.name = name;
        this.listen = listen;
        this.upstream = upstream;
        this.seed = seed;
    }

    String name() {
        return name;
    }

    InetSocketAddress listen() {
        return listen;
    }

    InetSocketAddress upstream() {
        return upstream;
    }

    synchronized boolean enabled() {
        return enabled;
    }

    List<Toxic> toxics() {
        return toxics;
    }

    /** Returns the toxic with this name, or null. */
    Toxic toxic(String toxicName) {
        for (Toxic toxic : toxics) {
            if (toxic.name().equals(toxicName)) {
                return toxic;
            }
        }
        return null;
    }

    /** Returns how many connections are open through the proxy. */
    int connectionCount() {
        return connections.size();
    }

    /** Starts listening; a listen port of 0 becomes the port the system picked, kept across restarts. */
    synchronized void enable() {
        if (enabled) {
            return;
        }
        final ServerBootstrap bootstrap = new ServerBootstrap()
                .group(server.bossGroup(), server.workerGroup())
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        accept(channel);
                    }
                });
        final ChannelFuture bound = bootstrap.bind(listen).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new ChaosException(409, "listen: " + Toxic.quote(LoopbackAddress.format(listen))
                    + " (expected: a free loopback address; binding failed: " + bound.cause().getMessage() + ")");
        }
        listener = bound.channel();
        listen = (InetSocketAddress) listener.localAddress();
        enabled = true;
        logger.info("Proxy {}: listening on {}, upstream {}", name, LoopbackAddress.format(listen),
                LoopbackAddress.format(upstream));
    }

    /** Stops listening, so new connections are refused, and closes every open connection. */
    synchronized void disable() {
        if (!enabled) {
            return;
        }
        enabled = false;
        listener.close().awaitUninterruptibly();
        listener = null;
        closeConnections();
        logger.info("Proxy {}: disabled; connections to {} are refused", name, LoopbackAddress.format(listen));
    }

    /** Changes the addresses: a running proxy restarts, which drops its connections. */
    synchronized void readdress(InetSocketAddress newListen, InetSocketAddress newUpstream) {
        if (newListen.equals(listen) && newUpstream.equals(upstream)) {
            return;
        }
        final boolean wasEnabled = enabled;
        disable();
        final InetSocketAddress oldListen = listen;
        listen = newListen;
        upstream = newUpstream;
        if (wasEnabled) {
            try {
                enable();
            } catch (ChaosException e) {
                listen = oldListen;
                throw e;
            }
        }
    }

    /** Publishes a new toxic list and hands it to every open connection on its event loop. */
    synchronized void setToxics(List<Toxic> next) {
        final List<Toxic> published = List.copyOf(next);
        toxics = published;
        for (ProxyConnection connection : connections) {
            connection.eventLoop().execute(() -> connection.applyToxics(published));
        }
    }

    private void closeConnections() {
        for (ProxyConnection connection : new ArrayList<>(connections)) {
            connection.eventLoop().execute(() -> connection.close(false));
        }
    }

    private void accept(SocketChannel channel) {
        final long index = connectionCount.getAndIncrement();
        final ProxyConnection connection = new ProxyConnection(this, channel, Mix.mix(seed + index));
        connections.add(connection);
        final Bootstrap template = new Bootstrap()
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true);
        connection.connect(template, upstream);
    }

    void forget(ProxyConnection connection) {
        connections.remove(connection);
    }
}
