package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.config.Config;
import io.eventpipeline.config.Durability;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bodies in encodings other than UTF-8, over a real socket: a 400 that says so (never a 500 a client would retry),
 * plain or gzip-encoded; a UTF-8 byte order mark is accepted; a declared charset other than UTF-8 is a 415.
 */
class EncodedBodiesIT {
    private static final List<String> ENCODINGS = List.of("UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32LE", "UTF-32BE");

    @TempDir
    static Path dataDir;

    private static Service service;
    private static HttpTestClient http;

    @BeforeAll
    static void start() throws Exception {
        service = Main.build(Config.builder().port(0).dataDir(dataDir).durability(Durability.MEMORY).build());
        service.start();
        http = new HttpTestClient(service.port());
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.stop();
        }
    }

    @Test
    void a_body_in_any_other_unicode_encoding_is_a_400_that_says_utf8_plain_or_gzipped() throws Exception {
        Random random = new Random(1201);
        for (int i = 0; i < 40; i++) {
            String event = "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"n\":" + random.nextInt(1000) + ",\"s\":\""
                    + (random.nextBoolean() ? "plain" : "caf\u00e9 \uD83D\uDE00") + "\"}}";
            for (String encoding : ENCODINGS) {
                for (boolean batch : new boolean[] {false, true}) {
                    String text = batch ? "{\"events\":[" + event + "," + event + "]}" : event;
                    byte[] body = text.getBytes(Charset.forName(encoding));
                    for (boolean gzip : new boolean[] {false, true}) {
                        var r = post(batch ? "/events/batch" : "/events", "application/json", body, gzip);
                        assertThat(r.status()).as("%s gzip=%s batch=%s: %s", encoding, gzip, batch, r.body())
                                .isEqualTo(400);
                        assertThat(r.json().get("error").asText()).containsAnyOf("not valid UTF-8", "zero byte");
                    }
                }
            }
        }
    }

    @Test
    void a_utf8_byte_order_mark_is_ignored() throws Exception {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] event = "{\"id\":\"bom-1\",\"type\":\"t\",\"source\":\"s\",\"data\":{\"s\":\"caf\u00e9\"}}"
                .getBytes(StandardCharsets.UTF_8);
        for (boolean gzip : new boolean[] {false, true}) {
            var r = post("/events", "application/json", concat(bom, event), gzip);
            assertThat(r.status()).as(r.body()).isEqualTo(202);
            assertThat(r.json().get("id").asText()).isEqualTo("bom-1");
        }
    }

    @Test
    void a_charset_other_than_utf8_is_a_415_naming_it() throws Exception {
        byte[] event = "{\"type\":\"t\",\"source\":\"s\",\"data\":{}}".getBytes(StandardCharsets.UTF_8);
        for (String charset : List.of("utf-16", "UTF-16LE", "iso-8859-1", "\"utf-32\"", "us-ascii", "latin1",
                "x-no-such-charset", "utf-8x", "")) {
            var r = post("/events", "application/json; charset=" + charset, event, false);
            assertThat(r.status()).as(charset).isEqualTo(415);
            assertThat(r.json().get("error").asText()).contains("'" + charset.replace("\"", "") + "'", "UTF-8");
        }
        for (String ok : List.of("application/json; charset=utf-8", "application/json;charset=\"UTF-8\"",
                "application/json; foo=bar; charset=Utf-8", "application/json; charset=utf8")) {
            assertThat(post("/events", ok, event, false).status()).as(ok).isEqualTo(202);
        }
    }

    @Test
    void nan_in_data_is_refused_in_the_service_s_words() throws Exception {
        for (String word : List.of("NaN", "Infinity", "-Infinity", "+1", "01", "'x'")) {
            var r = http.post("/events", "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"v\":" + word + "}}");
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.json().get("error").asText()).startsWith("the body is not valid JSON at line 1, column 38")
                    .doesNotContain("enable", "Feature", "ALLOW_");
        }
    }

    @Test
    void a_corrupt_gzip_body_is_a_400_in_the_service_s_words() throws Exception {
        byte[] event = "{\"type\":\"t\",\"source\":\"s\",\"data\":{}}".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(event);
        }
        byte[] damaged = out.toByteArray();
        damaged[12] ^= (byte) 0xFF; // inside the deflate stream, past the gzip header
        for (byte[] body : List.of(event, damaged)) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/events"))
                    .header("Content-Type", "application/json").header("Content-Encoding", "gzip");
            var r = http.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)));
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.json().get("error").asText()).startsWith("the body is not valid gzip data");
        }
    }

    private static HttpTestClient.Response post(String path, String contentType, byte[] body, boolean gzip)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path))
                .header("Content-Type", contentType);
        if (gzip) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(out)) {
                z.write(body);
            }
            body = out.toByteArray();
            b.header("Content-Encoding", "gzip");
        }
        return http.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
