package org.dl4jmeta.datasets.download;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server on 127.0.0.1 (a free port) serving bodies the test controls, some of them broken on purpose.
 * Tests never reach the internet.
 */
public final class LocalHttpServer implements AutoCloseable {

    /** How a path is served. */
    public enum Mode {
        /** 200 with the full body and its Content-Length. */
        GOOD,
        /** 200 announcing the full Content-Length, then the connection drops after half the body. */
        DROPPED,
        /** 200 with chunked encoding that ends cleanly after half the body (no length to notice it by). */
        SHORT_CHUNKED,
        /** 200 sending half the body, then stalling until the server closes. */
        STALL,
        /** 404. */
        MISSING,
        /** 302 to the path without its "moved/" prefix. */
        REDIRECT
    }

    private record Served(byte[] body, Mode mode) {
    }

    private final HttpServer server;
    private final Map<String, Served> files = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);

    /** Starts the server on 127.0.0.1. */
    public LocalHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "local-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** Serves body at /path in the given mode. */
    public void serve(String path, byte[] body, Mode mode) {
        files.put(path, new Served(body, mode));
    }

    /** @return the URI of /path on this server */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** @return how many requests arrived */
    public int requests() {
        return requests.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        String path = ex.getRequestURI().getPath();
        Served s = files.get(path);
        if (s == null && path.startsWith("/moved/")) {
            s = files.get(path.substring("/moved".length()));
            if (s != null && s.mode == Mode.GOOD) {
                ex.getResponseHeaders().add("Location", path.substring("/moved".length()));
                ex.sendResponseHeaders(302, -1);
                ex.close();
                return;
            }
        }
        if (s == null || s.mode == Mode.MISSING) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        byte[] b = s.body;
        switch (s.mode) {
            case GOOD -> {
                ex.sendResponseHeaders(200, b.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(b);
                }
            }
            case DROPPED -> {
                ex.sendResponseHeaders(200, b.length);
                OutputStream out = ex.getResponseBody();
                out.write(b, 0, b.length / 2);
                out.flush();
                // Closing with bytes missing makes the server drop the connection.
                try {
                    ex.close();
                } catch (RuntimeException ignored) {
                    // The server reports the short body; the client sees the dropped connection.
                }
            }
            case SHORT_CHUNKED -> {
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(b, 0, b.length / 2);
                }
            }
            case STALL -> {
                ex.sendResponseHeaders(200, b.length);
                OutputStream out = ex.getResponseBody();
                out.write(b, 0, b.length / 2);
                out.flush();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.close();
            }
            default -> throw new IllegalStateException("unhandled mode " + s.mode);
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
    }
}
