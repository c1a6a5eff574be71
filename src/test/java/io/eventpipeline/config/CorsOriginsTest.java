package io.eventpipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --cors-origins}: what each form of entry allows, and the mistakes refused at start. */
class CorsOriginsTest {
    @Test
    void an_exact_origin_allows_itself_only_whatever_the_case_of_its_host() {
        CorsOrigins o = CorsOrigins.parse(" https://Shop.example.com , http://localhost:3000,");
        assertThat(o.entries()).containsExactly("https://shop.example.com", "http://localhost:3000");
        assertThat(o.allows("https://shop.example.com")).isTrue();
        assertThat(o.allows("https://SHOP.example.com")).isTrue();
        assertThat(o.allows("http://localhost:3000")).isTrue();
        for (String other : List.of("http://shop.example.com", "https://shop.example.com:443x",
                "https://shop.example.com.evil.example", "https://evil.example", "http://localhost:3001", "null")) {
            assertThat(o.allows(other)).as(other).isFalse();
        }
        assertThat(o.allows(null)).isFalse();
    }

    @Test
    void a_wildcard_host_allows_every_subdomain_on_its_scheme_and_port_but_not_the_domain_itself() {
        CorsOrigins o = CorsOrigins.parse("https://*.example.com,http://*.localhost:8080");
        assertThat(o.allows("https://a.example.com")).isTrue();
        assertThat(o.allows("https://a.b.example.com")).isTrue();
        assertThat(o.allows("https://example.com")).isFalse();
        assertThat(o.allows("https://evilexample.com")).isFalse();
        assertThat(o.allows("http://a.example.com")).isFalse();
        assertThat(o.allows("https://a.example.com:8443")).isFalse();
        assertThat(o.allows("http://shop.localhost:8080")).isTrue();
        assertThat(o.allows("http://shop.localhost")).isFalse();
    }

    @Test
    void a_star_allows_any_origin_the_opaque_one_included_and_no_entry_allows_none() {
        assertThat(CorsOrigins.parse("*").allows("null")).isTrue();
        assertThat(CorsOrigins.parse("*").allows("https://anything.example")).isTrue();
        assertThat(CorsOrigins.parse(null).any()).isFalse();
        assertThat(CorsOrigins.parse(" , ").allows("https://shop.example.com")).isFalse();
    }

    @Test
    void what_is_not_an_origin_is_refused_with_the_form_expected() {
        for (String bad : List.of("https://shop.example.com/", "https://shop.example.com/path", "shop.example.com",
                "ftp://shop.example.com", "https://*", "https://shop.*.com", "https://shop.example.com:99999")) {
            assertThatThrownBy(() -> CorsOrigins.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--cors-origins").hasMessageContaining(bad);
        }
        assertThatThrownBy(() -> CorsOrigins.parse("https://shop.example.com/"))
                .hasMessageContaining("no trailing slash");
        for (String bad : List.of("https://shop.example.com:0", "https://shop.example.com:0443")) {
            assertThatThrownBy(() -> CorsOrigins.parse(bad)).as(bad).hasMessageContaining("no valid port");
        }
        for (String broad : List.of("https://*.com", "https://*.127.0.0.1", "https://*.[::1]")) {
            assertThatThrownBy(() -> CorsOrigins.parse(broad)).as(broad).hasMessageContaining("subdomains of a");
        }
        assertThatThrownBy(() -> CorsOrigins.parse("https://bücher.example")).hasMessageContaining("punycode");
    }

    @Test
    void a_default_port_is_left_out_as_the_browser_leaves_it_out() {
        CorsOrigins o = CorsOrigins.parse("https://shop.example.com:443,http://localhost:80,https://*.example.org:443");
        assertThat(o.entries()).containsExactly("https://shop.example.com", "http://localhost",
                "https://*.example.org");
        assertThat(o.allows("https://shop.example.com")).isTrue();
        assertThat(o.allows("http://localhost")).isTrue();
        assertThat(o.allows("https://a.example.org")).isTrue();
        assertThat(CorsOrigins.parse("https://[::1]:8443").allows("https://[::1]:8443")).isTrue();
    }
}
