package io.eventpipeline.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {
    @TempDir
    Path dir;

    @Test
    void a_generated_key_is_found_by_its_secret_and_only_by_it() throws Exception {
        ApiKeys.NewKey writer = ApiKeys.generate("write", "shop-web");
        ApiKeys.NewKey reader = ApiKeys.generate("read", "dashboard");
        Path file = dir.resolve("keys");
        Files.writeString(file, "# keys\n" + writer.line() + "\n\n" + reader.line() + "\n");

        ApiKeys keys = ApiKeys.load(file, null);

        assertThat(keys.size()).isEqualTo(2);
        assertThat(keys.find(writer.secret())).get().satisfies(k -> {
            assertThat(k.name()).isEqualTo("shop-web");
            assertThat(k.allows(Scope.WRITE)).isTrue();
            assertThat(k.allows(Scope.READ)).isFalse();
        });
        assertThat(keys.find(reader.secret()).map(ApiKey::name)).contains("dashboard");
        assertThat(keys.find(writer.secret() + "x")).isEmpty();
        assertThat(keys.find("")).isEmpty();
    }

    @Test
    void the_secret_is_not_in_the_configuration_line() {
        ApiKeys.NewKey key = ApiKeys.generate("read+write", "both");
        assertThat(key.secret()).startsWith("ep_").hasSizeGreaterThan(40);
        assertThat(key.line()).startsWith("read+write:both:sha256:").doesNotContain(key.secret().substring(3));
    }

    @Test
    void keys_from_the_environment_may_be_separated_by_commas_and_combine_with_the_file() throws Exception {
        ApiKeys.NewKey a = ApiKeys.generate("write", "a");
        ApiKeys.NewKey b = ApiKeys.generate("read+write", "b");
        ApiKeys keys = ApiKeys.load(null, a.line() + "," + b.line());
        assertThat(keys.find(b.secret())).get().satisfies(k -> assertThat(k.allows(Scope.READ)).isTrue());
        assertThat(keys.find(a.secret())).isPresent();
    }

    @Test
    void a_browser_key_stands_alone_and_allows_the_browser_routes_only() throws Exception {
        ApiKeys.NewKey site = ApiKeys.generate("write-browser", "site");
        assertThat(site.line()).startsWith("write-browser:site:sha256:");
        ApiKey key = ApiKeys.load(null, site.line()).find(site.secret()).orElseThrow();
        assertThat(key.browser()).isTrue();
        assertThat(key.allows(Scope.WRITE_BROWSER)).isTrue();
        assertThat(key.allows(Scope.WRITE)).isFalse();
        assertThat(key.allows(Scope.READ)).isFalse();
        ApiKeys.NewKey w = ApiKeys.generate("write", "w");
        ApiKey writer = ApiKeys.load(null, w.line()).find(w.secret()).orElseThrow();
        assertThat(writer.allows(Scope.WRITE_BROWSER)).as("a write key may post where a page may").isTrue();
        assertThat(ApiKeys.load(null, site.line()).hasBrowserKey()).isTrue();

        for (String scopes : List.of("read+write-browser", "write+write-browser")) {
            assertThatThrownBy(() -> ApiKeys.load(null, scopes + ":x:sha256:" + "a".repeat(64)))
                    .as(scopes).hasMessageContaining("write-browser is a scope of its own");
        }
    }

    @Test
    void a_malformed_line_is_refused_with_where_it_is_and_what_is_expected() throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, "write:ok:sha256:" + "a".repeat(64) + "\nadmin:x:sha256:" + "b".repeat(64) + "\n");
        assertThatThrownBy(() -> ApiKeys.load(file, null)).hasMessageContaining("line 2").hasMessageContaining("admin");
        assertThatThrownBy(() -> ApiKeys.load(null, "write:name:md5:abc"))
                .hasMessageContaining("scopes:name:sha256:");
        assertThatThrownBy(() -> ApiKeys.load(null, "write:bad name:sha256:" + "a".repeat(64)))
                .hasMessageContaining("name");
        assertThatThrownBy(() -> ApiKeys.load(null, "write:n:sha256:xyz")).hasMessageContaining("64 hex");
    }

    @Test
    void a_guess_that_shares_a_prefix_with_the_secret_gains_nothing_from_the_comparison() throws Exception {
        ApiKeys.NewKey key = ApiKeys.generate("write", "k");
        ApiKeys keys = ApiKeys.load(null, key.line());
        String secret = key.secret();
        String almost = secret.substring(0, secret.length() - 1) + (secret.endsWith("A") ? "B" : "A");

        // What is compared is the SHA-256 of the guess, never the guess: a guess right in all but its last
        // character has a hash no closer to the key's than any other, so timing cannot lead a guess byte by byte.
        byte[] real = ApiKeys.sha256(secret);
        byte[] near = ApiKeys.sha256(almost);
        int commonPrefix = 0;
        while (commonPrefix < real.length && real[commonPrefix] == near[commonPrefix]) {
            commonPrefix++;
        }
        assertThat(commonPrefix).isLessThan(4);
        assertThat(keys.find(almost)).isEmpty();
        assertThat(keys.find(secret)).isPresent();
    }

    @Test
    void to_string_never_shows_the_hash() {
        ApiKey key = new ApiKey("n", java.util.Set.of(Scope.READ), ApiKeys.sha256("secret"));
        assertThat(key.toString()).doesNotContain(java.util.HexFormat.of().formatHex(ApiKeys.sha256("secret")));
    }

    @Test
    void a_keys_file_without_a_key_is_refused_rather_than_leaving_the_door_open() throws Exception {
        for (String content : new String[] {"", "\n\n", "# keys go here\n"}) {
            Path file = Files.writeString(dir.resolve("keys"), content);
            assertThatThrownBy(() -> ApiKeys.load(file, null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--api-keys-file " + file + " holds no key");
            assertThatThrownBy(() -> ApiKeys.load(file, ApiKeys.generate("write", "w").line()))
                    .as("a key in the environment does not make an empty file meant")
                    .hasMessageContaining("holds no key");
        }
    }
}
