package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.security.ApiKeys;
import io.eventpipeline.security.Scope;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeysCommandTest {
    @Test
    void keys_new_prints_a_secret_and_the_line_that_makes_it_valid() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = Main.run("keys", "new", "--scope", "read+write", "--name", "ops-console");
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        String secret = printed.lines().filter(l -> l.startsWith("secret: ")).findFirst().orElseThrow().substring(8);
        String line = printed.lines().filter(l -> l.startsWith("line:   ")).findFirst().orElseThrow().substring(8);

        assertThat(code).isZero();
        assertThat(line).startsWith("read+write:ops-console:sha256:").doesNotContain(secret);
        assertThat(ApiKeys.load(null, line).find(secret)).get().satisfies(k -> {
            assertThat(k.name()).isEqualTo("ops-console");
            assertThat(k.allows(Scope.READ)).isTrue();
            assertThat(k.allows(Scope.WRITE)).isTrue();
        });
    }
}
