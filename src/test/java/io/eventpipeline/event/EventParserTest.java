package io.eventpipeline.event;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.eventpipeline.event.EventParser.Batch;
import io.eventpipeline.event.EventParser.IndexedError;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The event rules (README, "The event") as tables of good and bad inputs. JSON in this file is written with single quotes
 * (see {@link #json}) so that the tables stay readable.
 */
class EventParserTest {
    private static final long MAX_EVENT_BYTES = 64 << 10;
    private static final int MAX_BATCH_EVENTS = 1000;
    private static final long MAX_BODY_BYTES = 5 << 20;
    private static final String UUID_V7 = "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
    private static final String EMOJI = "\uD83D\uDE00"; // U+1F600, two UTF-16 units, four UTF-8 bytes

    private final EventParser parser = new EventParser(MAX_EVENT_BYTES, MAX_BATCH_EVENTS, MAX_BODY_BYTES);
    /** Events as large as the body, so that the rules met are the ones under test, not the size. */
    private final EventParser roomy = new EventParser(MAX_BODY_BYTES, MAX_BATCH_EVENTS, MAX_BODY_BYTES);

    /** Single quotes become double quotes: {@code {'type':'t'}} is {@code {"type":"t"}}. */
    static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    static byte[] bytes(String singleQuoted) {
        return json(singleQuoted).getBytes(UTF_8);
    }

    /** A valid event with one more member (or members) appended: {@code with("'user_id':'u'")}. */
    static String with(String members) {
        return "{'type':'t','source':'s','data':{}," + members + "}";
    }

    static <T extends Throwable> T thrown(Class<T> type, ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).as("expected %s", type.getSimpleName()).isInstanceOf(type);
        return type.cast(t);
    }

    private InvalidEventException invalid(String singleQuoted) {
        return thrown(InvalidEventException.class, () -> parser.parseSingle(bytes(singleQuoted)));
    }

    private Event valid(String singleQuoted) throws Exception {
        return parser.parseSingle(bytes(singleQuoted));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Single events: the bad ones

    static Stream<Arguments> bad_events() {
        String a65 = "a".repeat(65);
        String a256 = "a".repeat(256);
        return Stream.of(
                // id: optional, but when present 1-64 chars of [A-Za-z0-9._:-]
                arguments("empty id", with("'id':''"), "id", "must be 1-64 characters long, got 0"),
                arguments("65-char id", with("'id':'" + a65 + "'"), "id", "got 65"),
                arguments("id with a space", with("'id':'a b'"), "id", "found ' ' at position 1"),
                arguments("id with a slash", with("'id':'a/b'"), "id", "found '/' at position 1"),
                arguments("id with a non-ASCII letter", with("'id':'caf\u00e9'"), "id", "found U+00E9 at position 3"),
                arguments("id with an escaped non-ASCII letter", with("'id':'caf\\u00e9'"), "id", "U+00E9"),
                arguments("id with an emoji", with("'id':'x" + EMOJI + "'"), "id", "found U+1F600 at position 1"),
                arguments("id with a control character", with("'id':'a\\tb'"), "id", "found U+0009"),
                arguments("numeric id", with("'id':42"), "id", "must be a string"),
                arguments("boolean id", with("'id':true"), "id", "must be a string"),
                arguments("object id", with("'id':{'v':'x'}"), "id", "must be a string"),
                arguments("array id", with("'id':['x']"), "id", "must be a string"),

                // type: required, a name of 1-255 characters, no control character, not blank
                arguments("missing type", "{'source':'s','data':{}}", "type", "is required"),
                arguments("null type", "{'type':null,'source':'s','data':{}}", "type", "is required"),
                arguments("empty type", "{'type':'','source':'s','data':{}}", "type", "got 0"),
                arguments("256-char type", "{'type':'" + a256 + "','source':'s','data':{}}", "type", "got 256"),
                arguments("256-emoji type", "{'type':'" + EMOJI.repeat(256) + "','source':'s','data':{}}", "type",
                        "must be 1-255 characters long, got 256"),
                arguments("type with a tab", "{'type':'page\\tview','source':'s','data':{}}", "type",
                        "must not contain a control character (found U+0009 at position 4)"),
                arguments("type with a C1 control after an emoji", "{'type':'" + EMOJI + "a\u0085','source':'s',"
                        + "'data':{}}", "type", "found U+0085 at position 2"),
                arguments("blank type", "{'type':' \u00a0\u3000','source':'s','data':{}}", "type",
                        "must not be blank"),
                arguments("type of a zero-width space", "{'type':'\\u200b','source':'s','data':{}}", "type",
                        "must not be blank"),
                arguments("type with an unpaired surrogate", "{'type':'a\\ud800b','source':'s','data':{}}", "type",
                        "has an unpaired surrogate (U+D800) at position 1"),
                arguments("numeric type", "{'type':1,'source':'s','data':{}}", "type", "must be a string"),

                // source: required, same rule
                arguments("missing source", "{'type':'t','data':{}}", "source", "is required"),
                arguments("null source", "{'type':'t','source':null,'data':{}}", "source", "is required"),
                arguments("empty source", "{'type':'t','source':'','data':{}}", "source", "got 0"),
                arguments("256-char source", "{'type':'t','source':'" + a256 + "','data':{}}", "source", "got 256"),
                arguments("source with a newline", "{'type':'t','source':'a\\nb','data':{}}", "source",
                        "found U+000A at position 1"),
                arguments("source with DEL", "{'type':'t','source':'\u007f','data':{}}", "source",
                        "found U+007F at position 0"),
                arguments("blank source", "{'type':'t','source':'   ','data':{}}", "source", "must not be blank"),
                arguments("source with a lone low surrogate", "{'type':'t','source':'\\udc00','data':{}}",
                        "source", "unpaired surrogate"),
                arguments("array source", "{'type':'t','source':['s'],'data':{}}", "source", "must be a string"),

                // user_id: optional string of 1-128 code points
                arguments("empty user_id", with("'user_id':''"), "user_id", "must be 1-128 characters long, got 0"),
                arguments("129-char user_id", with("'user_id':'" + "u".repeat(129) + "'"), "user_id", "got 129"),
                arguments("129-emoji user_id", with("'user_id':'" + EMOJI.repeat(129) + "'"), "user_id", "got 129"),
                arguments("numeric user_id", with("'user_id':42"), "user_id", "must be a string"),
                arguments("object user_id", with("'user_id':{'id':42}"), "user_id", "must be a string"),

                // timestamp: ISO-8601 with an offset, years 1000-9999
                arguments("timestamp without offset", with("'timestamp':'2024-05-01T12:30:00'"), "timestamp",
                        "with an offset"),
                arguments("date-only timestamp", with("'timestamp':'2024-05-01'"), "timestamp",
                        "got '2024-05-01'"),
                arguments("timestamp in year 0999", with("'timestamp':'0999-12-31T23:59:59Z'"), "timestamp",
                        "between the years 1000 and 9999"),
                arguments("timestamp in year 10000", with("'timestamp':'+10000-01-01T00:00:00Z'"), "timestamp",
                        "between the years 1000 and 9999"),
                arguments("timestamp on a day that does not exist", with("'timestamp':'2024-02-30T00:00:00Z'"),
                        "timestamp", "ISO-8601"),
                arguments("timestamp with a space for T", with("'timestamp':'2024-05-01 12:30:00Z'"), "timestamp",
                        "ISO-8601"),
                arguments("timestamp in words", with("'timestamp':'yesterday'"), "timestamp", "got 'yesterday'"),
                arguments("epoch-millis timestamp", with("'timestamp':1714566600000"), "timestamp", "ISO-8601"),
                arguments("empty timestamp", with("'timestamp':''"), "timestamp", "ISO-8601"),

                // data: a required JSON object
                arguments("missing data", "{'type':'t','source':'s'}", "data", "is required: a JSON object"),
                arguments("array data", "{'type':'t','source':'s','data':[1,2]}", "data",
                        "must be a JSON object, got an array"),
                arguments("string data", "{'type':'t','source':'s','data':'{}'}", "data",
                        "must be a JSON object, got a string"),
                arguments("null data", "{'type':'t','source':'s','data':null}", "data",
                        "must be a JSON object, got null"),
                arguments("numeric data", "{'type':'t','source':'s','data':1.5}", "data", "got a number"),
                arguments("boolean data", "{'type':'t','source':'s','data':false}", "data", "got a boolean"),

                // no unknown fields: a typo must not silently lose data
                arguments("userId for user_id", with("'userId':'u1'"), "userId", "did you mean user_id?"),
                arguments("payload for data", "{'type':'t','source':'s','payload':{}}", "payload",
                        "did you mean data?"),
                arguments("ts for timestamp", with("'ts':'2024-05-01T12:30:00Z'"), "ts", "did you mean timestamp?"),
                arguments("event_type for type", with("'event_type':'x'"), "event_type", "did you mean type?"),
                arguments("an unrelated field", with("'color':'red'"), "color",
                        "is not a field of an event (allowed: id, type, source, user_id, timestamp, data)"),
                arguments("received_at, which the server sets", with("'received_at':'2024-05-01T12:30:00Z'"),
                        "received_at", "is not a field of an event"),
                arguments("a field name in another case", with("'Type':'t'"), "Type", "is not a field of an event"),

                // each field at most once
                arguments("type twice", "{'type':'a','type':'b','source':'s','data':{}}", "type", "appears twice"),
                arguments("data twice", "{'type':'t','source':'s','data':{},'data':{}}", "data", "appears twice"),
                arguments("id twice, the second null", with("'id':'a','id':null"), "id", "appears twice"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bad_events")
    void rejects_an_invalid_event_and_names_the_field(String why, String body, String field, String fragment) {
        InvalidEventException e = invalid(body);

        assertThat(e.fieldError().field()).isEqualTo(field);
        assertThat(e.fieldError().error()).contains(fragment);
        assertThat(e.getMessage()).startsWith(field + ": ");
        assertThat(e.tooLarge()).isFalse();
    }

    @Test
    void a_token_of_few_characters_outside_the_set_is_refused_for_them_not_for_its_length() {
        // 40 characters in 80 UTF-16 units: within 64 characters, so its length is not what is wrong.
        InvalidEventException e = invalid(with("'id':'" + EMOJI.repeat(40) + "'"));

        assertThat(e.getMessage()).isEqualTo("id: may contain only A-Z a-z 0-9 . _ : - (found U+1F600 at position 0)");
        assertThat(invalid(with("'id':'" + EMOJI.repeat(65) + "'")).getMessage())
                .isEqualTo("id: must be 1-64 characters long, got 65");
    }

    @Test
    void rejects_an_unknown_field_and_names_it() {
        InvalidEventException e = invalid(with("'userId':'u1'"));

        assertThat(e.fieldError()).isEqualTo(new FieldError("userId",
                "is not a field of an event (allowed: id, type, source, user_id, timestamp, data); did you mean user_id?"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Single events: the good ones

    @Test
    void parses_a_complete_event() throws Exception {
        Instant before = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        Event e = valid("{'id':'evt-1','type':'page.view','source':'web:eu-1','user_id':'user 42',"
                + "'timestamp':'2024-05-01T12:30:00Z','data':{'path':'/'}}");
        Instant after = Instant.now();

        assertThat(e.id()).isEqualTo("evt-1");
        assertThat(e.type()).isEqualTo("page.view");
        assertThat(e.source()).isEqualTo("web:eu-1");
        assertThat(e.userId()).isEqualTo("user 42");
        assertThat(e.timestamp()).isEqualTo(Instant.parse("2024-05-01T12:30:00Z"));
        assertThat(new String(e.data(), UTF_8)).isEqualTo(json("{'path':'/'}"));
        assertThat(e.receivedAt()).isBetween(before, after);
        assertThat(e.receivedAt().getNano() % 1_000_000).isZero();
    }

    @Test
    void fields_may_come_in_any_order() throws Exception {
        Event e = valid("{'data':{'a':1},'timestamp':'2024-05-01T12:30:00Z','user_id':'u','source':'s','type':'t',"
                + "'id':'i'}");

        assertThat(e).extracting(Event::id, Event::type, Event::source, Event::userId)
                .containsExactly("i", "t", "s", "u");
        assertThat(new String(e.data(), UTF_8)).isEqualTo(json("{'a':1}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Order Completed", "$pageview", "\u6ce8\u6587 \u5b8c\u4e86", " padded ", "caf\u00e9",
        "\uD83D\uDC69\u200D\uD83D\uDCBB coded", "\uFEFFbom", "a\u200Bb", "\"quoted\" / 'single' \\ back"})
    void type_and_source_are_names_as_users_write_them_kept_exactly(String name) throws Exception {
        String quoted = new String(JsonStringEncoder.getInstance().quoteAsString(name));
        Event e = parser.parseSingle(("{\"type\":\"" + quoted + "\",\"source\":\"" + quoted + "\",\"data\":{}}")
                .getBytes(UTF_8));

        assertThat(e.type()).isEqualTo(name);
        assertThat(e.source()).isEqualTo(name);
    }

    @Test
    void a_name_may_be_255_characters_of_the_bmp_or_of_the_astral_planes() throws Exception {
        for (String name : new String[] {"\u00e9".repeat(255), EMOJI.repeat(255), "a".repeat(254) + EMOJI}) {
            Event e = valid("{'type':'" + name + "','source':'" + name + "','data':{}}");

            assertThat(e.type()).isEqualTo(name);
            assertThat(e.source()).isEqualTo(name);
        }
        assertThat(invalid("{'type':'t','source':'" + "a".repeat(255) + EMOJI + "','data':{}}").getMessage())
                .isEqualTo("source: must be 1-255 characters long, got 256");
    }

    @Test
    void assigns_a_uuid_v7_when_the_id_is_absent() throws Exception {
        long before = System.currentTimeMillis();
        Event e = valid("{'type':'t','source':'s','data':{}}");
        long after = System.currentTimeMillis();

        assertThat(e.id()).matches(UUID_V7);
        UUID uuid = UUID.fromString(e.id());
        assertThat(uuid.version()).isEqualTo(7);
        assertThat(uuid.variant()).isEqualTo(2);
        assertThat(uuid.getMostSignificantBits() >>> 16).as("the UUID's milliseconds").isBetween(before, after);
        assertThat(e.userId()).isNull();
        assertThat(e.timestamp()).isNull();
    }

    @Test
    void a_null_id_counts_as_absent() throws Exception {
        assertThat(valid(with("'id':null")).id()).matches(UUID_V7);
    }

    @Test
    void assigns_a_different_id_to_each_event() throws Exception {
        String body = "{'type':'t','source':'s','data':{}}";

        assertThat(valid(body).id()).isNotEqualTo(valid(body).id());
    }

    static Stream<Arguments> good_tokens() {
        return Stream.of(
                arguments("a"),
                arguments("A-Z.a_z:0-9"),
                arguments("0"),
                arguments("x".repeat(64)),
                arguments("0190a5b2-7c3e-7def-8a12-3456789abcde"),
                arguments("..--__::"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("good_tokens")
    void accepts_ids_types_and_sources_of_1_to_64_allowed_characters(String token) throws Exception {
        Event e = valid("{'id':'" + token + "','type':'" + token + "','source':'" + token + "','data':{}}");

        assertThat(e).extracting(Event::id, Event::type, Event::source).containsOnly(token);
    }

    @Test
    void accepts_an_escaped_allowed_character_in_a_token() throws Exception {
        assertThat(valid("{'type':'\\u0041b','source':'s','data':{}}").type()).isEqualTo("Ab");
    }

    static Stream<Arguments> good_user_ids() {
        return Stream.of(
                arguments("u"),
                arguments("u".repeat(128)),
                arguments(EMOJI.repeat(128)), // 256 UTF-16 units, 128 code points
                arguments("user 42 / caf\u00e9 \u2713"),
                arguments("\u4e2d\u6587".repeat(64)));
    }

    @ParameterizedTest
    @MethodSource("good_user_ids")
    void accepts_a_user_id_of_1_to_128_code_points(String userId) throws Exception {
        assertThat(valid(with("'user_id':'" + userId + "'")).userId()).isEqualTo(userId);
    }

    @Test
    void a_null_user_id_counts_as_absent() throws Exception {
        assertThat(valid(with("'user_id':null")).userId()).isNull();
    }

    static Stream<Arguments> good_timestamps() {
        return Stream.of(
                arguments("2024-05-01T12:30:00Z", "2024-05-01T12:30:00Z"),
                arguments("2024-05-01T14:30:00+02:00", "2024-05-01T12:30:00Z"),
                arguments("2024-05-01T07:00:00-05:30", "2024-05-01T12:30:00Z"),
                arguments("2024-05-01T12:30:00.250+02:00", "2024-05-01T10:30:00.250Z"),
                arguments("2024-05-01T12:30:00.123456789Z", "2024-05-01T12:30:00.123Z"),
                arguments("2024-05-01T12:30:00.9999Z", "2024-05-01T12:30:00.999Z"),
                arguments("2024-05-01t12:30:00z", "2024-05-01T12:30:00Z"),
                arguments("1000-01-01T00:00:00Z", "1000-01-01T00:00:00Z"),
                arguments("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),
                // In year 9999 once truncated to millis, as it is stored.
                arguments("9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59.999Z"),
                arguments("2024-02-29T23:59:59+00:00", "2024-02-29T23:59:59Z"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("good_timestamps")
    void accepts_an_iso_8601_timestamp_with_an_offset_truncated_to_millis(String given, String expected)
            throws Exception {
        assertThat(valid(with("'timestamp':'" + given + "'")).timestamp()).isEqualTo(Instant.parse(expected));
    }

    @Test
    void a_null_timestamp_counts_as_absent() throws Exception {
        assertThat(valid(with("'timestamp':null")).timestamp()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5Z", "2016-12-31T18:59:60-05:00",
            "2017-01-01T00:59:60.123+01:00"})
    void accepts_a_leap_second_at_23_59_60_utc_as_the_last_millisecond_of_that_day(String leap) throws Exception {
        assertThat(valid(with("'timestamp':'" + leap + "'")).timestamp())
                .isEqualTo(Instant.parse("2016-12-31T23:59:59.999Z"));
    }

    @Test
    void refuses_a_leap_second_at_another_utc_time_and_says_which() {
        InvalidEventException e = invalid(with("'timestamp':'2016-12-31T23:59:60+01:00'"));
        assertThat(e.fieldError().field()).isEqualTo("timestamp");
        assertThat(e.fieldError().error()).isEqualTo("has second 60, a leap second, which exists only at "
                + "23:59:60 UTC; '2016-12-31T23:59:60+01:00' is 22:59:60 UTC");
    }

    static Stream<Arguments> raw_data() {
        return Stream.of(
                arguments("{}"),
                arguments("{ }"),
                arguments("{\"a\":1}"),
                arguments("{ \"a\" : 1 ,\n\t\"b\" : [ 1 , 2 ] }"),
                arguments("{\"e\":\"caf\\u00e9 \\ud83d\\ude00\",\"n\":\"line\\nbreak \\\"q\\\" \\\\\"}"),
                arguments("{\"raw\":\"caf\u00e9 " + EMOJI + "\"}"),
                arguments("{\"n\":{\"m\":{\"o\":[{\"p\":null},true,false,-1.5e-3]}},\"z\":{}}"),
                arguments("{\"}\":\"{\",\"]\":\"[\",\"data\":{\"type\":\"x\"}}"),
                arguments("{\"big\":18446744073709551615,\"f\":1e308}"));
    }

    @ParameterizedTest
    @MethodSource("raw_data")
    void keeps_data_as_the_exact_bytes_it_came_in(String data) throws Exception {
        byte[] body = ("{\"type\":\"t\",\"data\":" + data + ",\"source\":\"s\"}").getBytes(UTF_8);

        assertThat(parser.parseSingle(body).data()).isEqualTo(data.getBytes(UTF_8));
    }

    @Test
    void keeps_data_exactly_after_multibyte_characters_earlier_in_the_body() throws Exception {
        String data = "{\"k\":\"\u00e9\"}";
        byte[] body = ("{\"user_id\":\"" + EMOJI + "\u00e9\u4e2d\",\"type\":\"t\",\"source\":\"s\",\"data\":" + data
                + "}").getBytes(UTF_8);

        assertThat(parser.parseSingle(body).data()).isEqualTo(data.getBytes(UTF_8));
    }

    @Test
    void accepts_surrounding_whitespace() throws Exception {
        assertThat(valid(" \n\t{'type':'t','source':'s','data':{}}\r\n ").type()).isEqualTo("t");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Size of data

    @Test
    void data_up_to_max_event_bytes_is_accepted() throws Exception {
        EventParser small = new EventParser(16, MAX_BATCH_EVENTS, MAX_BODY_BYTES);
        String data = json("{'a':'12345678'}"); // 16 bytes
        assertThat(data).hasSize(16);

        Event e = small.parseSingle(("{\"type\":\"t\",\"source\":\"s\",\"data\":" + data + "}").getBytes(UTF_8));

        assertThat(new String(e.data(), UTF_8)).isEqualTo(data);
    }

    @Test
    void data_over_max_event_bytes_is_too_large_and_names_the_flag() {
        EventParser small = new EventParser(16, MAX_BATCH_EVENTS, MAX_BODY_BYTES);
        byte[] body = bytes("{'type':'t','source':'s','data':{'a':'123456789'}}"); // data is 17 bytes

        InvalidEventException e = thrown(InvalidEventException.class, () -> small.parseSingle(body));

        assertThat(e.tooLarge()).isTrue();
        assertThat(e.fieldError().field()).isEqualTo("data");
        assertThat(e.fieldError().error()).contains("is 17 bytes", "limit of 16 bytes", "--max-event-bytes");
    }

    @Test
    void data_is_measured_in_utf8_bytes_not_characters() {
        EventParser small = new EventParser(16, MAX_BATCH_EVENTS, MAX_BODY_BYTES);
        byte[] body = ("{\"type\":\"t\",\"source\":\"s\",\"data\":{\"a\":\"" + EMOJI.repeat(3) + "\"}}")
                .getBytes(UTF_8); // data: 8 ASCII bytes + 12 bytes of emoji

        InvalidEventException e = thrown(InvalidEventException.class, () -> small.parseSingle(body));

        assertThat(e.tooLarge()).isTrue();
        assertThat(e.fieldError().error()).contains("is 20 bytes");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Bodies that cannot be read at all

    static Stream<Arguments> malformed_single_bodies() {
        return Stream.of(
                arguments("empty body", new byte[0], "the body is empty"),
                arguments("only whitespace", " \n ".getBytes(UTF_8), "the body is empty"),
                arguments("not JSON", "hello".getBytes(UTF_8), "not valid JSON"),
                arguments("a JSON array", bytes("[{'type':'t','source':'s','data':{}}]"),
                        "send several to /events/batch"),
                arguments("a JSON string", bytes("'event'"), "must be a JSON object"),
                arguments("a JSON number", "42".getBytes(UTF_8), "must be a JSON object"),
                arguments("JSON null", "null".getBytes(UTF_8), "must be a JSON object"),
                arguments("a truncated object", bytes("{'type':'t','source':'s','data':{"), "not valid JSON"),
                arguments("a missing comma", bytes("{'type':'t' 'source':'s','data':{}}"), "not valid JSON"),
                arguments("a trailing comma", bytes("{'type':'t','source':'s','data':{},}"), "not valid JSON"),
                arguments("single-quoted JSON", "{'type':'t','source':'s','data':{}}".getBytes(UTF_8),
                        "not valid JSON"),
                arguments("a comment", bytes("{'type':'t',/* c */'source':'s','data':{}}"), "not valid JSON"),
                arguments("NaN in data", bytes("{'type':'t','source':'s','data':{'x':NaN}}"), "not valid JSON"),
                arguments("a leading zero in data", bytes("{'type':'t','source':'s','data':{'x':01}}"),
                        "not valid JSON"),
                arguments("a raw control character in a string", bytes("{'type':'t','source':'s','data':{'x':'a\tb'}}"),
                        "not valid JSON"),
                arguments("a bad escape in data", bytes("{'type':'t','source':'s','data':{'x':'\\q'}}"),
                        "not valid JSON"),
                arguments("a second object after the first", bytes("{'type':'t','source':'s','data':{}}{}"),
                        "more content after its JSON object"),
                arguments("a second value after the first", bytes("{'type':'t','source':'s','data':{}} 1"),
                        "more content after its JSON object"),
                arguments("garbage after the object", bytes("{'type':'t','source':'s','data':{}}garbage"),
                        "not valid JSON"),
                arguments("a closing bracket after the object", bytes("{'type':'t','source':'s','data':{}}]"),
                        "not valid JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed_single_bodies")
    void refuses_a_body_that_is_not_one_json_object(String why, byte[] body, String fragment) {
        MalformedBodyException e = thrown(MalformedBodyException.class, () -> parser.parseSingle(body));

        assertThat(e.getMessage()).contains(fragment);
        assertThat(e.tooLarge()).isFalse();
    }

    @Test
    void says_where_invalid_json_is() {
        MalformedBodyException e = thrown(MalformedBodyException.class,
                () -> parser.parseSingle(bytes("{'type':'t',\n'source':x}")));

        assertThat(e.getMessage()).startsWith("the body is not valid JSON at line 2, column ");
        assertThat(e.getMessage()).doesNotContain("\n");
    }

    static Stream<Arguments> invalid_utf8() {
        return Stream.of(
                arguments("C3 28: a lead byte without its continuation", new byte[] {(byte) 0xC3, 0x28}),
                arguments("C0 AF: an overlong slash", new byte[] {(byte) 0xC0, (byte) 0xAF}),
                arguments("E0 80 AF: an overlong three-byte slash", new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}),
                arguments("ED A0 80: the surrogate U+D800", new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                arguments("F4 90 80 80: past U+10FFFF", new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}),
                arguments("80: a stray continuation byte", new byte[] {(byte) 0x80}),
                arguments("FF: never valid", new byte[] {(byte) 0xFF}),
                arguments("E2 82: truncated", new byte[] {(byte) 0xE2, (byte) 0x82}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid_utf8")
    void refuses_invalid_utf8_and_says_where(String why, byte[] bad) {
        byte[] body = concat(bytes("{'type':'t','source':'s','data':{'x':'"), bad, bytes("'}}"));
        int offset = json("{'type':'t','source':'s','data':{'x':'").length();

        MalformedBodyException e = thrown(MalformedBodyException.class, () -> parser.parseSingle(body));

        assertThat(e.getMessage()).isEqualTo("the body is not valid UTF-8 (first bad byte at offset " + offset + ")");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid_utf8")
    void refuses_invalid_utf8_in_a_batch(String why, byte[] bad) {
        byte[] body = concat(bytes("{'events':[{'type':'t','source':'s','data':{}},{'type':'"), bad,
                bytes("','source':'s','data':{}}]}"));

        MalformedBodyException e = thrown(MalformedBodyException.class, () -> parser.parseBatch(body));

        assertThat(e.getMessage()).contains("not valid UTF-8");
    }

    @Test
    void refuses_invalid_utf8_in_a_field_name() {
        byte[] body = concat(bytes("{'"), new byte[] {(byte) 0xC0, (byte) 0xAF}, bytes("':1}"));

        assertThat(thrown(MalformedBodyException.class, () -> parser.parseSingle(body)).getMessage())
                .contains("not valid UTF-8 (first bad byte at offset 2)");
    }

    @Test
    void a_number_of_100000_digits_is_the_error_of_its_field() {
        String digits = "1".repeat(100_000);

        assertThat(thrown(MalformedBodyException.class, () -> parser.parseSingle(digits.getBytes(UTF_8))))
                .hasMessageContaining("must be a JSON object");
        for (String n : new String[] {digits, "0." + digits}) {
            InvalidEventException e = thrown(InvalidEventException.class, () -> roomy.parseSingle(
                    ("{\"type\":\"t\",\"source\":\"s\",\"data\":{\"n\":" + n + "}}").getBytes(UTF_8)));
            assertThat(e.fieldError().field()).isEqualTo("data");
            assertThat(e.fieldError().error()).contains("characters (at /n), over the limit of 1000");
        }
        InvalidEventException type = thrown(InvalidEventException.class, () -> parser.parseSingle(
                ("{\"type\":" + digits + ",\"source\":\"s\",\"data\":{}}").getBytes(UTF_8)));
        assertThat(type.fieldError().field()).isEqualTo("type");
    }

    @Test
    void refuses_data_nested_100000_deep_quickly_and_names_the_limit() {
        String deepObject = "{\"type\":\"t\",\"source\":\"s\",\"data\":" + "{\"a\":".repeat(100_000) + "1"
                + "}".repeat(100_000) + "}";
        String deepArray = "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"a\":" + "[".repeat(100_000)
                + "]".repeat(100_000) + "}}";
        String unclosed = "{\"data\":{\"a\":" + "[".repeat(100_000);

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (String body : new String[] {deepObject, deepArray, unclosed}) {
                InvalidEventException e = thrown(InvalidEventException.class,
                        () -> parser.parseSingle(body.getBytes(UTF_8)));
                assertThat(e.fieldError().field()).isEqualTo("data");
                assertThat(e.fieldError().error()).startsWith("is nested more than 31 levels deep")
                        .contains("data's own object is level 1");
            }
        });
    }

    @Test
    void accepts_data_nested_up_to_the_limit_and_not_one_level_more() throws Exception {
        // data's own object is level 1, so it may open 30 more.
        int levels = EventParser.MAX_DATA_DEPTH;
        String ok = "{\"type\":\"t\",\"source\":\"s\",\"data\":" + "{\"a\":".repeat(levels) + "1" + "}".repeat(levels)
                + "}";
        String tooDeep = "{\"type\":\"t\",\"source\":\"s\",\"data\":" + "{\"a\":".repeat(levels) + "[1]"
                + "}".repeat(levels) + "}";

        assertThat(levels).isEqualTo(31);
        assertThat(parser.parseSingle(ok.getBytes(UTF_8)).data()).hasSize(levels * 6 + 1);
        assertThat(thrown(InvalidEventException.class, () -> parser.parseSingle(tooDeep.getBytes(UTF_8))))
                .hasMessageContaining("nested more than 31 levels deep");
    }

    @Test
    void refuses_a_body_over_max_body_bytes_as_a_parser_limit() {
        EventParser small = new EventParser(MAX_EVENT_BYTES, MAX_BATCH_EVENTS, 64);
        byte[] body = bytes("{'type':'t','source':'s','data':{'x':'" + "y".repeat(64) + "'}}");

        assertThat(thrown(MalformedBodyException.class, () -> small.parseSingle(body)))
                .hasMessageContaining("parser limit");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Batches

    private Batch batch(String singleQuoted) throws MalformedBodyException {
        return parser.parseBatch(bytes(singleQuoted));
    }

    @Test
    void accepts_the_valid_events_of_a_batch_in_order_and_reports_the_invalid_ones_by_index() throws Exception {
        Batch b = batch("{'events':["
                + "{'id':'a','type':'t','source':'s','data':{'n':0}},"
                + "{'id':'b','source':'s','data':{}},"                                   // 1: no type
                + "{'id':'c','type':'t','source':'s','data':{'n':2}},"
                + "'not an event',"                                                      // 3: not an object
                + "{'id':'e','type':'t','source':'s','user_id':'" + "u".repeat(129) + "','data':{}}," // 4
                + "{'id':'f','type':'t','source':'s','userId':'u','data':{}},"           // 5: unknown field
                + "{'id':'g','type':'t','source':'s','data':{'n':6}}"
                + "]}");

        assertThat(b.events()).extracting(Event::id).containsExactly("a", "c", "g");
        assertThat(b.events()).extracting(e -> new String(e.data(), UTF_8))
                .containsExactly(json("{'n':0}"), json("{'n':2}"), json("{'n':6}"));
        assertThat(b.errors()).extracting(IndexedError::index, IndexedError::field).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, "type"),
                org.assertj.core.groups.Tuple.tuple(3, ""),
                org.assertj.core.groups.Tuple.tuple(4, "user_id"),
                org.assertj.core.groups.Tuple.tuple(5, "userId"));
        assertThat(b.errors().get(0).error()).contains("is required");
        assertThat(b.errors().get(1).error()).contains("must be a JSON object");
        assertThat(b.errors().get(2).error()).contains("got 129");
        assertThat(b.errors().get(3).error()).contains("did you mean user_id?");
    }

    @Test
    void gives_the_events_of_a_batch_one_received_at_and_distinct_generated_ids() throws Exception {
        Batch b = batch("{'events':[{'type':'t','source':'s','data':{}},{'type':'t','source':'s','data':{}}]}");

        assertThat(b.events()).hasSize(2);
        assertThat(b.events().get(0).id()).matches(UUID_V7).isNotEqualTo(b.events().get(1).id());
        assertThat(b.events().get(0).receivedAt()).isEqualTo(b.events().get(1).receivedAt());
    }

    static Stream<Arguments> non_object_elements() {
        return Stream.of(arguments("42"), arguments("'x'"), arguments("null"), arguments("true"), arguments("[]"),
                arguments("[{'type':'t','source':'s','data':{}}]"), arguments("[[[{'a':[]}]]]"));
    }

    @ParameterizedTest
    @MethodSource("non_object_elements")
    void reports_an_element_that_is_not_an_object_and_reads_on(String element) throws Exception {
        Batch b = batch("{'events':[" + element + ",{'id':'after','type':'t','source':'s','data':{'k':[1]}}]}");

        assertThat(b.errors()).containsExactly(
                new IndexedError(0, "", "each element of \"events\" must be a JSON object"));
        assertThat(b.events()).extracting(Event::id).containsExactly("after");
        assertThat(b.events().get(0).data()).isEqualTo(bytes("{'k':[1]}"));
    }

    @Test
    void a_batch_of_only_invalid_events_is_returned_with_its_errors() throws Exception {
        Batch b = batch("{'events':[{},{'type':'t'}]}");

        assertThat(b.events()).isEmpty();
        assertThat(b.errors()).extracting(IndexedError::index, IndexedError::field).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0, "type"), org.assertj.core.groups.Tuple.tuple(1, "source"));
    }

    /**
     * After an invalid field the parser must skip the rest of that element exactly: a bad value that is itself an
     * object or array (holding keys such as "type" or "data", and brackets inside strings) must not make it lose its
     * place, or the next elements would be read from the middle of this one.
     */
    @Test
    void an_invalid_element_with_nested_values_does_not_desync_the_elements_after_it() throws Exception {
        String tooBig = "x".repeat((int) MAX_EVENT_BYTES);
        Batch b = batch("{'events':["
                // 0: unknown field whose value nests objects that look like events
                + "{'type':'t','source':'s','data':{},'extra':{'type':'x','events':[{'data':{'a':[1,{'b':'}]'}]}}]}},"
                + "{'id':'e1','type':'t','source':'s','data':{'k':1}},"
                // 2: type is an object, the first field, with the rest of the element after it
                + "{'type':{'x':{'y':[1,2,{}]},'source':'z'},'source':'s','data':{'nested':{'deep':[{}]}}},"
                + "{'id':'e3','type':'t','source':'s','data':{'k':3}},"
                // 4: data is an array of objects
                + "{'id':'x4','data':[{'type':'t'},{'source':'s','data':{}}],'type':'t','source':'s'},"
                + "{'id':'e5','type':'t','source':'s','data':{'k':5}},"
                // 6: a duplicate field whose second value is an object, followed by more nesting
                + "{'type':'t','type':{'a':{}},'source':'s','data':{'z':[[{}]]}},"
                + "{'id':'e7','type':'t','source':'s','data':{'k':7}},"
                // 8: data too large, then more fields with nested values
                + "{'type':'t','source':'s','data':{'big':'" + tooBig + "'},'more':{'a':[{'b':{}}]},'x':[]},"
                + "{'id':'e9','type':'t','source':'s','data':{'k':9}},"
                // 10: an invalid last field holding an object, so the element ends right after it
                + "{'type':'t','source':'s','data':{},'unknown':{'events':[]}},"
                + "{'id':'e11','type':'t','source':'s','data':{'k':11}},"
                // 12: missing source: the whole element was read before the error
                + "{'type':'t','data':{'n':{'m':{}}}},"
                + "{'id':'e13','type':'t','source':'s','data':{'k':13}},"
                // 14: user_id is an array holding an object
                + "{'user_id':[{'id':1}],'type':'t','source':'s','data':{}},"
                + "{'id':'e15','type':'t','source':'s','data':{'k':15}}"
                + "]}");

        assertThat(b.errors()).extracting(IndexedError::index, IndexedError::field).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0, "extra"),
                org.assertj.core.groups.Tuple.tuple(2, "type"),
                org.assertj.core.groups.Tuple.tuple(4, "data"),
                org.assertj.core.groups.Tuple.tuple(6, "type"),
                org.assertj.core.groups.Tuple.tuple(8, "data"),
                org.assertj.core.groups.Tuple.tuple(10, "unknown"),
                org.assertj.core.groups.Tuple.tuple(12, "source"),
                org.assertj.core.groups.Tuple.tuple(14, "user_id"));
        assertThat(b.events()).extracting(Event::id)
                .containsExactly("e1", "e3", "e5", "e7", "e9", "e11", "e13", "e15");
        for (Event e : b.events()) {
            assertThat(new String(e.data(), UTF_8)).isEqualTo(json("{'k':" + e.id().substring(1) + "}"));
        }
    }

    @Test
    void accepts_exactly_max_batch_events() throws Exception {
        EventParser three = new EventParser(MAX_EVENT_BYTES, 3, MAX_BODY_BYTES);

        Batch b = three.parseBatch(bytes("{'events':[" + events(3) + "]}"));

        assertThat(b.events()).hasSize(3);
    }

    @Test
    void refuses_a_batch_over_max_batch_events_as_too_large() {
        EventParser three = new EventParser(MAX_EVENT_BYTES, 3, MAX_BODY_BYTES);

        MalformedBodyException e = thrown(MalformedBodyException.class,
                () -> three.parseBatch(bytes("{'events':[" + events(4) + "]}")));

        assertThat(e.tooLarge()).isTrue();
        assertThat(e.getMessage()).contains("more than 3 events", "--max-batch-events");
    }

    @Test
    void counts_invalid_and_non_object_elements_towards_max_batch_events() {
        EventParser three = new EventParser(MAX_EVENT_BYTES, 3, MAX_BODY_BYTES);

        MalformedBodyException e = thrown(MalformedBodyException.class,
                () -> three.parseBatch(bytes("{'events':[1,{},null,{'type':'t','source':'s','data':{}}]}")));

        assertThat(e.tooLarge()).isTrue();
    }

    private static String events(int n) {
        return String.join(",", java.util.Collections.nCopies(n, "{'type':'t','source':'s','data':{}}"));
    }

    static Stream<Arguments> bad_envelopes() {
        return Stream.of(
                arguments("empty body", "", "must be a JSON object of the form {\"events\":[...]}"),
                arguments("an array", "[{'type':'t','source':'s','data':{}}]", "of the form {\"events\":[...]}"),
                arguments("a single event", "{'type':'t','source':'s','data':{}}", "unknown field 'type'"),
                arguments("no events", "{}", "\"events\" is required"),
                arguments("events is an object", "{'events':{'type':'t'}}", "\"events\" must be an array"),
                arguments("events is null", "{'events':null}", "\"events\" must be an array"),
                arguments("events is a string", "{'events':'[]'}", "\"events\" must be an array"),
                arguments("an empty array", "{'events':[]}", "\"events\" is empty"),
                arguments("an unknown envelope key", "{'events':[{'type':'t','source':'s','data':{}}],'meta':{}}",
                        "unknown field 'meta' in the batch envelope"),
                arguments("a misspelled events", "{'event':[]}", "unknown field 'event'"),
                arguments("events twice", "{'events':[{'type':'t','source':'s','data':{}}],'events':[]}",
                        "\"events\" appears twice"),
                arguments("more after the envelope", "{'events':[{'type':'t','source':'s','data':{}}]}{}",
                        "more content after its JSON object"),
                arguments("a truncated array", "{'events':[{'type':'t','source':'s','data':{}},", "not valid JSON"),
                arguments("not JSON", "events", "not valid JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bad_envelopes")
    void refuses_a_wrong_envelope(String why, String body, String fragment) {
        MalformedBodyException e = thrown(MalformedBodyException.class, () -> parser.parseBatch(bytes(body)));

        assertThat(e.getMessage()).contains(fragment);
        assertThat(e.tooLarge()).isFalse();
    }

    @Test
    void an_element_nested_100000_deep_is_refused_by_index_and_the_rest_of_the_batch_is_read() {
        String valid = "{\"type\":\"t\",\"source\":\"s\",\"data\":{}}";
        String deepArray = "[".repeat(100_000) + "]".repeat(100_000);
        String inData = "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"a\":" + deepArray + "}}";
        String inBadField = "{\"x\":" + "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000) + "}";
        String body = "{\"events\":[" + valid + "," + deepArray + ",\n " + inData + " , " + inBadField + "," + valid
                + "]}";

        Batch b = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> parser.parseBatch(body.getBytes(UTF_8)));

        assertThat(b.events()).hasSize(2);
        assertThat(b.errors()).extracting(IndexedError::index).containsExactly(1, 2, 3);
        assertThat(b.errors().get(0).error()).isEqualTo("each element of \"events\" must be a JSON object");
        assertThat(b.errors().get(1).field()).isEqualTo("data");
        assertThat(b.errors().get(1).error()).startsWith("is nested more than 31 levels deep (at /a");
        assertThat(b.errors().get(2).field()).isEqualTo("x");
    }

    static Stream<Arguments> limits_met_inside_one_event() {
        String deep = "{\"a\":".repeat(32) + "1" + "}".repeat(32);
        return Stream.of(
                arguments("data nested 32 levels", deep, "nested more than 31 levels"),
                arguments("data nested 64 levels", "{\"a\":".repeat(64) + "1" + "}".repeat(64), "nested more than 31"),
                arguments("a number of 1001 digits", "{\"n\":" + "7".repeat(1001) + "}", "over the limit of 1000"),
                arguments("a number of a million digits", "{\"n\":" + "7".repeat(1_000_000) + "}", "characters"),
                arguments("a number past a double", "{\"n\":1e400}", "would not store exactly"),
                arguments("a member name of 65536 bytes", "{\"" + "k".repeat(65_536) + "\":1}", "65535 bytes"),
                arguments("a name twice", "{\"a\":1,\"b\":{\"c\":1,\"c\":2}}", "'c' twice in one object (at /b/c)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("limits_met_inside_one_event")
    void a_limit_met_inside_one_event_of_a_batch_refuses_that_event_only(String why, String data, String fragment)
            throws Exception {
        String valid = "{\"id\":\"ok-%d\",\"type\":\"t\",\"source\":\"s\",\"data\":{\"x\":[1]}}";
        String body = "{\"events\":[" + valid.formatted(0) + ",{\"type\":\"t\",\"source\":\"s\",\"data\":" + data + "},"
                + valid.formatted(2) + "]}";

        Batch b = roomy.parseBatch(body.getBytes(UTF_8));

        assertThat(b.events()).extracting(Event::id).containsExactly("ok-0", "ok-2");
        assertThat(b.errors()).hasSize(1);
        assertThat(b.errors().getFirst().index()).isEqualTo(1);
        assertThat(b.errors().getFirst().field()).isEqualTo("data");
        assertThat(b.errors().getFirst().error()).contains(fragment);
    }

    @Test
    void after_a_skipped_element_the_rest_is_still_checked_as_json() {
        String deep = "{\"type\":\"t\",\"source\":\"s\",\"data\":" + "[".repeat(40) + "]".repeat(40) + "}";
        for (String tail : new String[] {",]}", "]", "] x", " {}}", ",{\"a\":NaN}]}"}) {
            String body = "{\"events\":[{\"type\":\"t\",\"source\":\"s\",\"data\":{}}," + deep + tail;
            assertThat(thrown(MalformedBodyException.class, () -> parser.parseBatch(body.getBytes(UTF_8))))
                    .as(tail).hasMessageStartingWith("the body is not valid JSON at line 1, column ");
        }
        String nan = "{\"events\":[{\"type\":\"t\",\"source\":\"s\",\"data\":{}}," + deep + ",{\"a\":NaN}]}";
        assertThat(thrown(MalformedBodyException.class, () -> parser.parseBatch(nan.getBytes(UTF_8))))
                .as("the element index and column count from the body's start, not the resumed parser's")
                .hasMessage("the body is not valid JSON at line 1, column " + (nan.indexOf("NaN") + 1)
                        + " (in /events/2/a): 'NaN' is not a JSON number: send a number, or the value as a string or null");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Whatever comes in, only the parser's own two exceptions come out

    @Test
    void throws_only_its_own_exceptions_for_mutated_bodies() {
        EventParser small = new EventParser(64, 4, 4096);
        byte[][] seeds = {
                bytes("{'id':'a','type':'t','source':'s','user_id':'u','timestamp':'2024-05-01T12:30:00Z',"
                        + "'data':{'k':[1,{'x':null}],'s':'caf\u00e9'}}"),
                bytes("{'events':[{'type':'t','source':'s','data':{}},{'type':{'a':[]},'source':'s','data':{}},"
                        + "{'type':'t','source':'s','data':{'n':[[{}]]},'extra':{'b':[1,2]}},7]}")};
        byte[] alphabet = bytes("{}[]:,'\\ 0123456789.eE+-tfnul\"xyz").clone();
        java.util.Random random = new java.util.Random(20240501L);
        for (int round = 0; round < 2_000; round++) {
            byte[] body = seeds[round % seeds.length].clone();
            int edits = 1 + random.nextInt(4);
            for (int k = 0; k < edits; k++) {
                int at = random.nextInt(body.length);
                switch (random.nextInt(4)) {
                    case 0 -> body[at] = alphabet[random.nextInt(alphabet.length)];
                    case 1 -> body[at] = (byte) random.nextInt(256);
                    case 2 -> body = java.util.Arrays.copyOf(body, at); // truncate
                    default -> body = concat(java.util.Arrays.copyOf(body, at),
                            new byte[] {alphabet[random.nextInt(alphabet.length)]},
                            java.util.Arrays.copyOfRange(body, at, body.length));
                }
                if (body.length == 0) {
                    break;
                }
            }
            byte[] input = body;
            for (ThrowingCallable call : new ThrowingCallable[] {
                    () -> small.parseSingle(input), () -> small.parseBatch(input)}) {
                Throwable t = catchThrowable(call);
                if (t != null && !(t instanceof MalformedBodyException) && !(t instanceof InvalidEventException)) {
                    throw new AssertionError("round " + round + ": " + new String(input, UTF_8), t);
                }
            }
        }
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    // ---- NDJSON (one event a line)

    @Test
    void ndjson_takes_one_event_a_line_skipping_blank_lines_with_either_line_end() throws Exception {
        String body = json("{'id':'n-1','type':'a','source':'s','data':{}}\r\n\n   \n"
                + "{'id':'n-2','type':'b','source':'s','data':{'k':1}}\n\t\r\n"
                + "{'id':'n-3','type':'c','source':'s','data':{}}");

        Batch batch = parser.parseNdjson(body.getBytes(UTF_8));

        assertThat(batch.errors()).isEmpty();
        assertThat(batch.events()).extracting(Event::id).containsExactly("n-1", "n-2", "n-3");
        assertThat(new String(batch.events().get(1).data(), UTF_8)).isEqualTo("{\"k\":1}");
    }

    @Test
    void an_ndjson_line_that_is_no_event_is_that_lines_error_by_its_index_among_the_lines() throws Exception {
        String body = json("{'id':'ok-1','type':'a','source':'s','data':{}}\n\n{not json\n[1,2]\n"
                + "{'id':'ok-2','type':'a','source':'s','data':{}}\n"
                + "{'type':'a','source':'s','data':{},'user_id':7}\n"
                + "{'id':'ok-3','type':'a','source':'s','data':{}} {'id':'x'}\n");

        Batch batch = parser.parseNdjson(body.getBytes(UTF_8));

        assertThat(batch.events()).extracting(Event::id).containsExactly("ok-1", "ok-2");
        assertThat(batch.errors()).extracting(IndexedError::index).containsExactly(1, 2, 4, 5);
        assertThat(batch.errors().get(0).error()).startsWith("the line").doesNotContain("the body");
        assertThat(batch.errors().get(1).error()).isEqualTo("the line must be a JSON object (one event)");
        assertThat(batch.errors().get(2).field()).isEqualTo("user_id");
        assertThat(batch.errors().get(3).error()).startsWith("the line");
    }

    @Test
    void an_ndjson_body_without_an_event_line_or_with_too_many_is_refused_whole() throws Exception {
        assertThatThrownBy(() -> parser.parseNdjson("\n  \r\n\n".getBytes(UTF_8)))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("no event");
        assertThatThrownBy(() -> parser.parseNdjson(new byte[0])).isInstanceOf(MalformedBodyException.class);
        String line = json("{'type':'a','source':'s','data':{}}\n");
        assertThatThrownBy(() -> parser.parseNdjson(line.repeat(MAX_BATCH_EVENTS + 1)
                .getBytes(UTF_8)))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("--max-batch-events")
                .satisfies(e -> assertThat(((MalformedBodyException) e).tooLarge()).isTrue());
        assertThat(parser.parseNdjson(line.repeat(MAX_BATCH_EVENTS).getBytes(UTF_8)).events())
                .hasSize(MAX_BATCH_EVENTS);
        assertThatThrownBy(() -> parser.parseNdjson(new byte[] {'{', (byte) 0xff, '}'}))
                .isInstanceOf(MalformedBodyException.class);
    }
}
