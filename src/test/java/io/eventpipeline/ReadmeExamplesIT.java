package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.readme.CurlRequest;
import io.eventpipeline.readme.JsonShape;
import io.eventpipeline.readme.ReadmeExamples;
import io.eventpipeline.readme.ReadmeExamples.Example;
import io.eventpipeline.security.ApiKeys;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's request examples, sent in order over a real socket to the jar started with its default flags (the
 * examples under Security to a second jar with a write key and a read key), each answer compared with the one the
 * README shows under it: the status, the headers shown, and the body by {@link JsonShape}'s rules. A {@code GET}
 * is repeated until it matches or 10 s pass, since an accepted event is stored within moments, not at once. In a
 * request, a query value abbreviated with {@code …} (a cursor) is the previous answer's {@code next_<name>}.
 */
class ReadmeExamplesIT {
    private static final Path README = Path.of(System.getProperty("readme.path", "README.md"));
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final Pattern ABBREVIATED_PARAM = Pattern.compile("([?&])([a-z_]+)=[^&]*…");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static JarProcess plain;
    static JarProcess keyed;
    static Map<String, String> keys;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** The last answer's body, for an abbreviated cursor in the next request; examples run in order. */
    private JsonNode previous = JSON.nullNode();

    @BeforeAll
    static void startServices() throws Exception {
        ApiKeys.NewKey write = ApiKeys.generate("write", "shop-web");
        ApiKeys.NewKey read = ApiKeys.generate("read", "dashboard");
        keys = Map.of("WRITE_KEY", write.secret(), "READ_KEY", read.secret());
        Path keysFile = Files.writeString(dir.resolve("keys"), write.line() + "\n" + read.line() + "\n");
        plain = JarProcess.start(dir.resolve("plain.log"), List.of("--data-dir", dir.resolve("plain").toString()));
        keyed = JarProcess.start(dir.resolve("keyed.log"), List.of("--data-dir", dir.resolve("keyed").toString(),
                "--host", "127.0.0.1", "--api-keys-file", keysFile.toString()));
        plain.awaitHealthy(Duration.ofSeconds(60));
        keyed.awaitHealthy(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopServices() throws Exception {
        for (JarProcess p : new JarProcess[] {plain, keyed}) {
            if (p != null) {
                p.close();
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> every_request_example_in_the_readme_gets_the_answer_shown_under_it() throws Exception {
        List<Example> examples = ReadmeExamples.parse(Files.readString(README), keys);
        assertThat(examples).as("request examples in " + README).hasSizeGreaterThan(10);
        assertThat(examples).as("examples run against the service with keys")
                .anySatisfy(e -> assertThat(e.section()).isEqualTo("Security"));
        return examples.stream().map(e -> DynamicTest.dynamicTest(e.toString(), () -> run(e)));
    }

    private void run(Example example) throws Exception {
        JarProcess service = example.section().equals("Security") ? keyed : plain;
        HttpRequest request = send(example.request(), service.port());
        Answer answer = example.request().method().equals("GET")
                ? Eventually.await(SETTLE, example + " answers as the README shows", () -> answer(example, request),
                        a -> a.differences().isEmpty())
                : answer(example, request);
        assertThat(answer.differences()).as("%s answered %d %s", example, answer.response().statusCode(),
                answer.response().body()).isEmpty();
        previous = answer.response().body().isBlank() ? JSON.nullNode() : JSON.readTree(answer.response().body());
    }

    /** One answer and how it differs from the one the README shows. */
    private record Answer(HttpResponse<String> response, List<String> differences) {
        @Override
        public String toString() {
            return response.statusCode() + " " + response.body() + " " + differences;
        }
    }

    private static Answer answer(Example example, HttpRequest request) throws Exception {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response, differences(example, response));
    }

    private static List<String> differences(Example example, HttpResponse<String> answer) {
        List<String> out = new ArrayList<>();
        if (answer.statusCode() != example.response().status()) {
            out.add("status " + answer.statusCode() + ", the README shows " + example.response().status());
        }
        example.response().headers().forEach((name, shown) -> {
            String value = answer.headers().firstValue(name).orElse(null);
            String pattern = Stream.of(shown.split("…", -1)).map(Pattern::quote)
                    .reduce((a, b) -> a + ".*" + b).orElse("");
            if (value == null || !value.matches(pattern)) {
                out.add("header " + name + ": " + value + ", the README shows " + shown);
            }
        });
        example.response().body().ifPresent(shown -> {
            try {
                out.addAll(JsonShape.differences(shown, JSON.readTree(answer.body())));
            } catch (Exception e) {
                out.add("the body is not JSON: " + e.getMessage());
            }
        });
        return out;
    }

    private HttpRequest send(CurlRequest curl, int port) {
        String path = curl.pathAndQuery();
        Matcher m = ABBREVIATED_PARAM.matcher(path);
        StringBuilder filled = new StringBuilder();
        while (m.find()) {
            JsonNode value = previous.path("next_" + m.group(2));
            assertThat(value.isTextual()).as("the previous answer's next_%s, for the abbreviated %s", m.group(2),
                    m.group()).isTrue();
            m.appendReplacement(filled, Matcher.quoteReplacement(m.group(1) + m.group(2) + "="
                    + URLEncoder.encode(value.asText(), StandardCharsets.UTF_8)));
        }
        m.appendTail(filled);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + filled))
                .timeout(Duration.ofSeconds(10))
                .method(curl.method(), curl.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(curl.body(), StandardCharsets.UTF_8));
        curl.headers().forEach(b::header);
        return b.build();
    }
}
