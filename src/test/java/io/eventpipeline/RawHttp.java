package io.eventpipeline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a bare socket, for what java.net.http refuses to send: a lying Content-Length, broken chunked
 * framing, garbage request lines, huge headers. Writes on one thread and reads on another, so a server that
 * answers early (and closes) is seen answering, and a read timeout turns a hang into a result instead of a hang.
 */
public final class RawHttp {
    private RawHttp() {
    }

    record Response(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** What came back: the final responses in order, and whether the server went silent with none. */
    record Exchange(List<Response> responses, boolean timedOut, boolean reset, int bytesRead) {
        Response first() {
            return responses.isEmpty() ? null : responses.getFirst();
        }
    }

    /**
     * Sends {@code request}, then (when {@code finish}) half-closes, so the server sees the end of what a lying
     * client sent; reads every response until the server closes or {@code timeoutMillis} passes in silence.
     */
    static Exchange exchange(int port, byte[] request, boolean finish, int timeoutMillis) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            Thread writer = Thread.ofVirtual().name("raw-http-writer").start(() -> {
                try {
                    out.write(request);
                    out.flush();
                    if (finish) {
                        socket.shutdownOutput();
                    }
                } catch (IOException e) {
                    // The server answered and closed before taking it all: what it said is read below.
                }
            });
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            boolean timedOut = false;
            boolean reset = false;
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[16 * 1024];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    received.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                timedOut = true;
            } catch (SocketException e) {
                reset = true; // a reset after the answer, when the server closed with our bytes unread
            }
            writer.interrupt();
            byte[] bytes = received.toByteArray();
            return new Exchange(parse(bytes), timedOut, reset, bytes.length);
        }
    }

    /** Every complete final response in {@code bytes}; 1xx interim responses are skipped. */
    static List<Response> parse(byte[] bytes) {
        List<Response> responses = new ArrayList<>();
        int pos = 0;
        while (pos < bytes.length) {
            int headEnd = indexOf(bytes, pos, "\r\n\r\n");
            if (headEnd < 0) {
                break;
            }
            String head = new String(bytes, pos, headEnd - pos, StandardCharsets.ISO_8859_1);
            String[] lines = head.split("\r\n");
            String[] statusLine = lines[0].split(" ", 3);
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
                break;
            }
            int status = Integer.parseInt(statusLine[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).strip());
                }
            }
            pos = headEnd + 4;
            byte[] body;
            if (status < 200 || status == 204 || status == 304) {
                body = new byte[0];
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                int p = pos;
                while (true) {
                    int lineEnd = indexOf(bytes, p, "\r\n");
                    if (lineEnd < 0) {
                        return complete(responses, status, headers, b.toByteArray());
                    }
                    String size = new String(bytes, p, lineEnd - p, StandardCharsets.ISO_8859_1);
                    int semi = size.indexOf(';');
                    int len = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
                    p = lineEnd + 2;
                    if (len == 0) {
                        int trailerEnd = indexOf(bytes, p - 2, "\r\n\r\n");
                        p = trailerEnd < 0 ? bytes.length : trailerEnd + 4;
                        break;
                    }
                    b.write(bytes, p, Math.min(len, bytes.length - p));
                    p += len + 2;
                }
                body = b.toByteArray();
                pos = p;
            } else if (headers.containsKey("content-length")) {
                int len = Integer.parseInt(headers.get("content-length"));
                int end = Math.min(bytes.length, pos + len);
                body = java.util.Arrays.copyOfRange(bytes, pos, end);
                pos = end;
            } else {
                body = java.util.Arrays.copyOfRange(bytes, pos, bytes.length);
                pos = bytes.length;
            }
            if (status >= 200) {
                responses.add(new Response(status, headers, body));
            }
        }
        return responses;
    }

    private static List<Response> complete(List<Response> responses, int status, Map<String, String> headers,
            byte[] body) {
        responses.add(new Response(status, headers, body)); // cut short by the close: keep what arrived
        return responses;
    }

    private static int indexOf(byte[] bytes, int from, String ascii) {
        byte[] needle = ascii.getBytes(StandardCharsets.ISO_8859_1);
        outer:
        for (int i = Math.max(0, from); i <= bytes.length - needle.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (bytes[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * Opens a connection and sends the headers of a POST /events with one small event, then only the first half
     * of its body: the request stays in flight until the server gives up on the rest. Reads time out after 30 s.
     */
    public static Socket halfSentEvent(int port) throws IOException {
        byte[] body = "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"k\":\"v\"}}".getBytes(StandardCharsets.UTF_8);
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(30_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, body.length / 2);
        out.flush();
        return s;
    }

    /**
     * The head of the next response on {@code in}: its bytes up to the blank line that ends its headers, read one at
     * a time so that nothing after it is taken (an interim 100 Continue is followed by the final response).
     *
     * @throws IOException the connection ends first, or the socket's read timeout passes
     */
    public static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                return head.toString();
            }
        }
        throw new java.io.EOFException("the connection ended after " + head.length() + " bytes of a response head");
    }
}
