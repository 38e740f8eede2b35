package io.guise.accesspoint;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * Keep-alive HTTP/1.1 connections to one endpoint, owned by one event loop.
 *
 * <p>Not thread-safe: every method runs on {@link #eventLoop()}, the loop of the
 * client connections that use it, so a request and its upstream exchange never
 * cross threads. Netty's {@code SimpleChannelPool} is built for pools shared between
 * loops and does not cap idle connections; this pool needs neither locks nor
 * promises for that reason.
 */
final class UpstreamConnectionPool {

    private final EventLoop eventLoop;
    private final InetSocketAddress address;
    private final Bootstrap bootstrap;
    private final int maxIdle;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();

    UpstreamConnectionPool(EventLoop eventLoop, Transport transport, InetSocketAddress address,
                           UpstreamSettingsValues settings, ChannelGroup channels) {
        this.eventLoop = eventLoop;
        this.address = address;
        this.maxIdle = settings.maxIdlePerEndpoint();
        final int maxBodyBytes = settings.maxBodyBytes();
        bootstrap = new Bootstrap()
                .group(eventLoop)
                .channel(transport.channelType())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast(new HttpClientCodec(),
                                              new HttpObjectAggregator(maxBodyBytes),
                                              new UpstreamHandler(UpstreamConnectionPool.this));
                    }
                });
    }

    EventLoop eventLoop() {
        return eventLoop;
    }

    InetSocketAddress address() {
        return address;
    }

    /** Returns an idle open connection, or null when a new one must be opened. */
    Channel pollIdle() {
        assert eventLoop.inEventLoop();
        Channel channel;
        while ((channel = idle.pollFirst()) != null) {
            if (channel.isActive()) {
                return channel;
            }
        }
        return null;
    }

    ChannelFuture connect() {
        return bootstrap.connect(address);
    }

    /** Keeps a connection whose exchange finished cleanly, or closes it when the pool is full. */
    void release(Channel channel) {
        assert eventLoop.inEventLoop();
        if (channel.isActive() && idle.size() < maxIdle) {
            idle.addFirst(channel);
        } else {
            channel.close();
        }
    }

    /** Forgets a connection that closed. */
    void remove(Channel channel) {
        idle.remove(channel);
    }

    int idleCount() {
        return idle.size();
    }
}
