package io.eventpipeline.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection that POSTs JSON bodies with blocking socket calls on the caller's thread:
 * one write a request, reads of the status line, the headers and a Content-Length body. It is the open-loop
 * generator's sender, in place of {@code java.net.http.HttpClient}, whose hand-offs between its selector thread
 * and the caller cost about 390 µs of CPU a request at a few thousand requests/s (measured on 2 cores: more than
 * the service spent on the same request), so that the generator took the cores whose latency it measured. The
 * same subset of HTTP/1.1 as wrk's: the service answers with a Content-Length, never chunked; an answer without
 * one, or with {@code Connection: close}, ends the connection and the next request opens another. Not thread-safe.
 */
final class PlainHttpSender implements AutoCloseable {
    private final String host;
    private final int port;
    private final byte[] head;
    private final int timeoutMillis;
    private final byte[] line = new byte[8192];
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** @param uri where to POST; @param timeoutMillis bounds the connect and every read */
    PlainHttpSender(URI uri, int timeoutMillis) {
        this.host = uri.getHost();
        this.port = uri.getPort() < 0 ? 80 : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        this.head = ("POST " + path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()) + " HTTP/1.1\r\n"
                + "Host: " + host + ":" + port + "\r\nContent-Type: application/json\r\nContent-Length: ")
                .getBytes(StandardCharsets.US_ASCII);
        this.timeoutMillis = timeoutMillis;
    }

    /** POSTs {@code body}; the answer's HTTP status, or -1 when there was none (refused, reset, timed out). */
    int post(byte[] body) {
        try {
            if (socket == null) {
                connect();
            }
            byte[] length = (body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] request = new byte[head.length + length.length + body.length];
            System.arraycopy(head, 0, request, 0, head.length);
            System.arraycopy(length, 0, request, head.length, length.length);
            System.arraycopy(body, 0, request, head.length + length.length, body.length);
            out.write(request);
            out.flush();
            return readAnswer();
        } catch (IOException | RuntimeException e) {
            close();
            return -1;
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(host, port), timeoutMillis);
        s.setSoTimeout(timeoutMillis);
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 8192);
        out = s.getOutputStream();
    }

    /** Reads one answer whole; the connection is closed after it when it cannot carry another. */
    private int readAnswer() throws IOException {
        String status = readLine();
        // "HTTP/1.1 202 Accepted"
        if (!status.startsWith("HTTP/1.") || status.length() < 12) {
            throw new IOException("not an HTTP/1.x status line: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long contentLength = -1;
        boolean close = false;
        for (String header = readLine(); !header.isEmpty(); header = readLine()) {
            int colon = header.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                contentLength = Long.parseLong(value);
            } else if (name.equals("connection") && value.equalsIgnoreCase("close")) {
                close = true;
            }
        }
        if (contentLength < 0) {
            close(); // no length: the body runs to the end of the connection, which this sender does not wait for
            return code;
        }
        for (long left = contentLength; left > 0; ) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("connection closed inside the body");
                }
                skipped = 1;
            }
            left -= skipped;
        }
        if (close) {
            close();
        }
        return code;
    }

    /** One CRLF-ended line, without the CRLF. */
    private String readLine() throws IOException {
        int n = 0;
        for (int b = in.read(); ; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed inside the answer's head");
            }
            if (b == '\n') {
                break;
            }
            if (n == line.length) {
                throw new IOException("an answer's head line longer than " + line.length + " bytes");
            }
            line[n++] = (byte) b;
        }
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        return new String(line, 0, n, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing after a failure: nothing left to do
            }
            socket = null;
        }
    }
}
