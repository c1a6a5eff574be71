package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Whatever intake accepts, the database stores: a table of edge values for {@code data} (nesting, number forms
 * and ranges, escapes, U+0000, long and duplicate names) posted over HTTP, one by one and as one batch. Every 202
 * must be stored and read back (by JDBC and by the query API) JSON-equal to what was sent, equal after the
 * respelling a database applies (key order, number spelling such as 1E2 for 1e2, escapes); every refusal is a
 * 400 that names data; nothing reaches the dead letter. Run by {@link PipelineScenarios} on each database.
 */
interface JsonStorageScenarios {
    /** Reads what was sent and what came back alike: exact numbers, duplicate names an error, long names allowed. */
    ObjectMapper EXACT = exactMapper();

    /** A client of the running service, with the default limits (64 KiB of data per event). */
    HttpTestClient client();

    /** The database under test. */
    TestDb database();

    record Case(String name, String data, boolean stored) {
    }

    /** One edge value, and whether every database stores it (else intake must refuse it). */
    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("data nested 31 levels (objects)", "{\"a\":".repeat(30) + "{}" + "}".repeat(30), true));
        c.add(new Case("data nested 31 levels (arrays)", "{\"a\":" + "[".repeat(30) + "]".repeat(30) + "}", true));
        c.add(new Case("data nested 32 levels", "{\"a\":".repeat(31) + "{}" + "}".repeat(31), false));
        c.add(new Case("data nested 64 levels", "{\"a\":" + "[".repeat(63) + "]".repeat(63) + "}", false));
        for (String n : List.of("-0", "-0.0", "0", "1E+2", "1e2", "1e-7", "1.5e308", "4.9e-324", "0e-5000",
                "1.0000000000000000000000", "0.1", "0.30000000000000004", "9223372036854775807",
                "-9223372036854775808", "18446744073709551615", "100000000000000000000000000000", "-1.25E-3")) {
            c.add(new Case("the number " + n, "{\"n\":" + n + ",\"in\":[" + n + "]}", true));
        }
        for (String n : List.of("1e400", "-1e400", "1e-400", "18446744073709551616", "-9223372036854775809",
                "0.12345678901234567891", "123456789012345678901234567890", "7".repeat(1001))) {
            c.add(new Case("the number " + n.substring(0, Math.min(n.length(), 30)), "{\"n\":" + n + "}", false));
        }
        c.add(new Case("U+0000 in a string", "{\"s\":\"a\\u0000b\"}", true));
        c.add(new Case("U+0000 in a name", "{\"k\\u0000\":\"v\"}", true));
        c.add(new Case("every escape", "{\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u001f \\u007f \\u00e9 \\ud83d\\ude00\"}",
                true));
        c.add(new Case("raw UTF-8 and U+FFFF", "{\"s\":\"caf\u00e9 \uD83D\uDE00 \\uffff \uffff\"}", true));
        c.add(new Case("an empty name and spaces", "{ \"\" : [ 1 , { } ] ,\n\t\"b\" : null }", true));
        // MySQL's limit of 65535 bytes per name is past the default 64 KiB of data: see EventParserTest.
        c.add(new Case("a name of 60000 bytes", "{\"" + "k".repeat(60_000) + "\":1}", true));
        c.add(new Case("a name of 60000 bytes in two-byte characters", "{\"" + "\u00e9".repeat(30_000) + "\":1}",
                true));
        c.add(new Case("a name twice", "{\"a\":1,\"a\":2}", false));
        c.add(new Case("a name twice in a nested object", "{\"a\":{\"b\":1,\"c\":[{\"d\":1,\"d\":1}]}}", false));
        c.add(new Case("the same name in sibling objects", "{\"a\":{\"d\":1},\"b\":{\"d\":1},\"d\":[{\"d\":2}]}", true));
        return c;
    }

    @Test
    default void every_edge_value_accepted_is_stored_and_read_back_equal_and_every_other_is_a_400() throws Exception {
        List<Case> cases = cases();
        StringBuilder batch = new StringBuilder("{\"events\":[");
        List<String> storedIds = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            var r = client().post("/events", HttpTestClient.event("s-" + i, "t", c.data()));
            if (c.stored()) {
                assertThat(r.status()).as("%s: %s", c.name(), r.body()).isEqualTo(202);
                storedIds.add("s-" + i);
                storedIds.add("b-" + i);
            } else {
                assertThat(r.status()).as("%s: %s", c.name(), r.body()).isEqualTo(400);
                assertThat(r.json().get("field").asText()).as(c.name()).isEqualTo("data");
            }
            batch.append(i == 0 ? "" : ",").append(HttpTestClient.event("b-" + i, "t", c.data()));
        }

        var b = client().post("/events/batch", batch.append("]}").toString());
        assertThat(b.status()).as(b.body()).isEqualTo(202);
        List<Integer> refused = new ArrayList<>();
        b.json().get("errors").forEach(e -> refused.add(e.get("index").asInt()));
        List<Integer> expectedRefused = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            if (!cases.get(i).stored()) {
                expectedRefused.add(i);
            }
        }
        assertThat(refused).as("the batch refuses by index exactly what a single post refuses")
                .isEqualTo(expectedRefused);

        Eventually.await(PipelineScenarios.STORE_TIMEOUT, "every accepted event is stored or has failed", () -> {
            JsonNode m = metrics();
            return m.get("processed").asLong() + m.get("failed").asLong() >= storedIds.size();
        });
        assertThat(database().count("SELECT COUNT(*) FROM events_dead_letter")).as("dead letter").isZero();
        assertThat(metrics().get("failed").asLong()).isZero();
        assertThat(database().storedIds()).containsExactlyInAnyOrderElementsOf(storedIds);

        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            if (!c.stored()) {
                continue;
            }
            JsonNode sent = EXACT.readTree(c.data());
            for (String id : List.of("s-" + i, "b-" + i)) {
                String stored = database().strings("SELECT data FROM events WHERE id = ?", id).getFirst();
                assertJsonEqual(c.name() + " (stored)", EXACT.readTree(stored), sent);
                var read = client().get("/events/" + id);
                assertThat(read.status()).as(read.body()).isEqualTo(200);
                assertJsonEqual(c.name() + " (query API)", EXACT.readTree(read.body()).get("data"), sent);
            }
        }
    }

    private JsonNode metrics() {
        try {
            return client().get("/metrics").json();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Equal as JSON: objects as sets of members, numbers by value (1E2 = 100, -0 = 0), strings by content. */
    private static void assertJsonEqual(String what, JsonNode actual, JsonNode expected) {
        Comparator<JsonNode> byValue = (a, e) -> a.isNumber() && e.isNumber()
                ? a.decimalValue().compareTo(e.decimalValue()) : a.equals(e) ? 0 : 1;
        assertThat(actual.equals(byValue, expected)).as("%s: %s read back as %s", what, abbreviate(expected),
                abbreviate(actual)).isTrue();
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }

    private static ObjectMapper exactMapper() {
        ObjectMapper m = new ObjectMapper();
        m.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNameLength(1 << 20)
                .maxNumberLength(2000).build());
        m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        m.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
        return m;
    }
}
