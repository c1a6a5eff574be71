package io.eventpipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy between the service and the database, to take the database away and give it back without touching
 * the database itself. {@link #cut()} closes every open connection and closes each new one as soon as it is
 * accepted, as a dead network or a restarting server looks to the driver; {@link #restore()} forwards again.
 * In front of the service instead, {@link #swallowReplies} loses its answers to HTTP clients that were handled.
 * Each connection is two virtual threads pumping bytes; at most {@link #MAX_CONNECTIONS} are open at once.
 */
public final class TcpProxy implements AutoCloseable {
    static final int MAX_CONNECTIONS = 64;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final InetSocketAddress upstream;
    private final ServerSocket server;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicInteger refused = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean cut;
    private volatile boolean swallowReplies;
    private volatile boolean closed;

    /** Listens on a free loopback port and forwards to {@code upstreamHost:upstreamPort}. */
    public TcpProxy(String upstreamHost, int upstreamPort) throws IOException {
        this.upstream = new InetSocketAddress(upstreamHost, upstreamPort);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofVirtual().name("proxy-accept-" + server.getLocalPort()).start(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Closes every open connection; new ones are closed as soon as they are accepted, until {@link #restore}. */
    public void cut() {
        cut = true;
        for (Link link : links) {
            link.close();
        }
    }

    /** Forwards new connections again. */
    public void restore() {
        cut = false;
    }

    /**
     * While on, what the upstream sends is read and dropped, on open connections and new ones; what clients send
     * still goes through. To an HTTP client in front of a service, its request is handled but its answer is lost.
     */
    public void swallowReplies(boolean on) {
        swallowReplies = on;
    }

    /** Connections closed on arrival because the proxy was cut or full. */
    public int refused() {
        return refused.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (cut || links.size() >= MAX_CONNECTIONS) {
                refused.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            connect(client); // on this thread: the database is on loopback, and so no burst of connects piles up
        }
    }

    private void connect(Socket client) {
        Socket db = new Socket();
        try {
            db.connect(upstream, (int) CONNECT_TIMEOUT.toMillis());
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(db);
            return;
        }
        Link link = new Link(client, db);
        links.add(link);
        if (cut || closed) { // cut while connecting: this one must not survive it
            link.close();
            return;
        }
        Thread.ofVirtual().name("proxy-up").start(() -> pump(link, client, db, false));
        Thread.ofVirtual().name("proxy-down").start(() -> pump(link, db, client, true));
    }

    private void pump(Link link, Socket from, Socket to, boolean replies) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (!(replies && swallowReplies)) {
                    out.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // closed by cut() or by either end
        } finally {
            link.close();
        }
    }

    private final class Link {
        private final Socket client;
        private final Socket db;

        Link(Socket client, Socket db) {
            this.client = client;
            this.db = db;
        }

        void close() {
            links.remove(this);
            closeQuietly(client);
            closeQuietly(db);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Link link : links) {
            link.close();
        }
        acceptor.join(Duration.ofSeconds(5));
    }
}
