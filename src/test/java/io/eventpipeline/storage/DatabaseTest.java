package io.eventpipeline.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.errors.StartupException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseTest {
    /** MariaDB runs only the first executable comment, MySQL 8.0.17+ only the second. */
    private static final String NO_PAD_COLLATION =
            "DEFAULT CHARSET=utf8mb4 /*M!100202 COLLATE=utf8mb4_nopad_bin */ /*!80017 COLLATE=utf8mb4_0900_bin */";

    /** The query parameters of a MySQL URL, keys lower-cased; fails on a key given twice. */
    private static Map<String, String> params(String url) {
        assertThat(url.chars().filter(c -> c == '?').count()).as("one '?' in %s", url).isEqualTo(1);
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : url.substring(url.indexOf('?') + 1).split("&")) {
            String[] kv = pair.split("=", 2);
            String previous = out.put(kv[0].toLowerCase(Locale.ROOT), kv.length > 1 ? kv[1] : "");
            assertThat(previous).as("%s given twice in %s", kv[0], url).isNull();
        }
        return out;
    }

    @Test
    void adds_the_needed_driver_options_to_a_mysql_url_without_a_query() {
        String url = Database.withDriverOptions("jdbc:mysql://db:3306/events");

        assertThat(url).startsWith("jdbc:mysql://db:3306/events?");
        assertThat(params(url)).containsEntry("rewritebatchedstatements", "true")
                .containsEntry("useaffectedrows", "true")
                .containsEntry("characterencoding", "UTF-8")
                .containsKeys("sockettimeout", "connecttimeout");
    }

    @Test
    void appends_to_an_existing_query() {
        String url = Database.withDriverOptions("jdbc:mysql://db:3306/events?sslMode=REQUIRED&user=u");

        assertThat(url).startsWith("jdbc:mysql://db:3306/events?sslMode=REQUIRED&user=u&");
        assertThat(params(url)).containsEntry("sslmode", "REQUIRED").containsEntry("user", "u")
                .containsEntry("rewritebatchedstatements", "true").containsEntry("useaffectedrows", "true");
    }

    @Test
    void keeps_the_users_own_value_whatever_its_case() {
        String url = Database.withDriverOptions(
                "jdbc:mysql://db/events?REWRITEBATCHEDSTATEMENTS=false&useaffectedrows=false&socketTimeout=5");

        Map<String, String> p = params(url);
        assertThat(p).containsEntry("rewritebatchedstatements", "false")
                .containsEntry("useaffectedrows", "false")
                .containsEntry("sockettimeout", "5")
                .containsEntry("cacheprepstmts", "true");
    }

    @Test
    void keeps_the_users_value_when_it_is_the_first_parameter_or_a_later_one() {
        assertThat(params(Database.withDriverOptions("jdbc:mysql://db/events?useAffectedRows=false")))
                .containsEntry("useaffectedrows", "false");
        assertThat(params(Database.withDriverOptions("jdbc:mysql://db/events?a=1&useAffectedRows=false")))
                .containsEntry("useaffectedrows", "false");
    }

    @Test
    void does_not_mistake_a_longer_option_for_one_it_needs() {
        assertThat(params(Database.withDriverOptions("jdbc:mysql://db/events?xuseAffectedRows=false")))
                .containsEntry("xuseaffectedrows", "false").containsEntry("useaffectedrows", "true");
    }

    @Test
    void adding_the_options_twice_changes_nothing() {
        String once = Database.withDriverOptions("jdbc:mysql://db/events?user=u");

        assertThat(Database.withDriverOptions(once)).isEqualTo(once);
    }

    @Test
    void adds_the_mysql_options_to_a_mariadb_url() {
        assertThat(params(Database.withDriverOptions("jdbc:mariadb://db/events")))
                .containsEntry("rewritebatchedstatements", "true").containsEntry("useaffectedrows", "true");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:h2:file:/var/lib/pipeline/h2/events", "jdbc:h2:mem:test",
            "jdbc:h2:file:./data/h2/events;AUTO_SERVER=TRUE"})
    void gives_h2_mysql_mode_and_leaves_closing_to_the_service(String given) {
        String url = Database.withDriverOptions(given);

        assertThat(url).startsWith(given);
        assertThat(h2Settings(url)).containsEntry("MODE", "MySQL").containsEntry("DB_CLOSE_ON_EXIT", "FALSE")
                .containsEntry("DATABASE_TO_LOWER", "TRUE");
        assertThat(url).doesNotContain("?").doesNotContain("rewriteBatchedStatements");
    }

    @Test
    void keeps_the_users_own_h2_settings() {
        String url = Database.withDriverOptions("jdbc:h2:mem:test;mode=Regular;DB_CLOSE_ON_EXIT=TRUE");

        assertThat(h2Settings(url)).containsEntry("MODE", "Regular").containsEntry("DB_CLOSE_ON_EXIT", "TRUE")
                .containsEntry("DATABASE_TO_LOWER", "TRUE");
        assertThat(Database.withDriverOptions(url)).isEqualTo(url);
    }

    /** The ;KEY=value settings of an H2 URL, keys upper-cased; fails on a key given twice. */
    private static Map<String, String> h2Settings(String url) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile(";([^;=]+)=([^;]*)").matcher(url);
        while (m.find()) {
            String previous = out.put(m.group(1).toUpperCase(Locale.ROOT), m.group(2));
            assertThat(previous).as("%s given twice in %s", m.group(1), url).isNull();
        }
        return out;
    }

    @Test
    void splits_the_mysql_schema_into_its_create_table_statements() throws StartupException {
        List<String> statements = Database.statements(Dialect.MYSQL.schemaResource());

        assertThat(statements).hasSize(2);
        assertThat(statements.get(0)).startsWith("CREATE TABLE IF NOT EXISTS events (")
                .contains("UNIQUE KEY uk_events_id (id)", "KEY idx_events_type_created (type, created_at)",
                        "KEY idx_events_user_created (user_id, created_at)", "data        JSON")
                .endsWith(NO_PAD_COLLATION);
        assertThat(statements.get(1)).startsWith("CREATE TABLE IF NOT EXISTS events_dead_letter (")
                .endsWith(NO_PAD_COLLATION);
        assertThat(statements).allSatisfy(s -> assertThat(s).doesNotContain(";").doesNotContain("--")
                .isEqualTo(s.strip()));
    }

    @Test
    void splits_the_h2_schema_into_tables_and_indexes() throws StartupException {
        List<String> statements = Database.statements(Dialect.H2.schemaResource());

        // Each statement up to its table's column list or its index's ON clause.
        assertThat(statements).extracting(s -> s.replaceFirst("(?s)\\s+ON .*|\\s*\\(.*", ""))
                .containsExactly(
                        "CREATE TABLE IF NOT EXISTS events",
                        "CREATE INDEX IF NOT EXISTS idx_events_type_created",
                        "CREATE INDEX IF NOT EXISTS idx_events_user_created",
                        "CREATE TABLE IF NOT EXISTS events_dead_letter",
                        "CREATE INDEX IF NOT EXISTS idx_dead_letter_event_id",
                        "CREATE INDEX IF NOT EXISTS idx_dead_letter_failed_at");
        assertThat(statements).allSatisfy(s -> assertThat(s).doesNotContain(";").doesNotContain("--"));
    }

    @Test
    void says_which_schema_resource_is_missing() {
        assertThatThrownBy(() -> Database.statements("no-such-schema.sql")).isInstanceOf(StartupException.class)
                .hasMessage("the schema resource no-such-schema.sql is missing from the jar");
    }

    @Test
    void each_needed_mysql_option_appears_exactly_once() {
        String url = Database.withDriverOptions("jdbc:mysql://db/events");
        for (String key : List.of("rewriteBatchedStatements", "useAffectedRows")) {
            long count = Arrays.stream(url.substring(url.indexOf('?') + 1).split("&"))
                    .filter(p -> p.startsWith(key + "=")).count();
            assertThat(count).as(key).isEqualTo(1);
        }
    }
}
