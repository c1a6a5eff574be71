package io.eventpipeline.api;

import io.eventpipeline.errors.Messages;
import io.eventpipeline.event.EventRules;
import io.eventpipeline.event.Timestamps;
import io.eventpipeline.storage.EventPage.Position;
import io.eventpipeline.storage.EventQuery;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The query string of GET /events, checked whole before any SQL runs: every problem is a 400 that names the
 * parameter.
 *
 * @param after empty for the first page of a walk
 */
record ListRequest(EventQuery query, int limit, Optional<Position> after) {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final Set<String> PARAMETERS = Set.of("type", "source", "user_id", "since", "until", "limit", "cursor");
    private static final String KNOWN = "type, source, user_id, since, until, limit, cursor";
    private static final String INSTANT_RULE = "must be an ISO-8601 instant such as 2024-05-01T12:30:00Z or "
            + "2024-05-01T14:30:00.250%2B02:00 (+ written %2B in a URL)";

    static ListRequest parse(Map<String, List<String>> params) {
        requireKnown(params, PARAMETERS, KNOWN);
        String type = name(params, "type");
        String source = name(params, "source");
        String userId = userId(params);
        Instant since = instant(params, "since");
        Instant until = instant(params, "until");
        if (since != null && until != null && !since.isBefore(until)) {
            throw error("since", "must be before until");
        }
        int limit = limit(params);
        EventQuery query = new EventQuery(type, source, userId, since, until);
        String cursor = single(params, "cursor");
        Optional<Position> after = cursor == null ? Optional.empty() : Optional.of(Cursor.decode(cursor, query));
        return new ListRequest(query, limit, after);
    }

    /** Refuses parameters the route does not know, so that a typo such as userId cannot silently widen a query. */
    static void requireKnown(Map<String, List<String>> params, Set<String> known, String knownText) {
        List<String> unknown = new ArrayList<>();
        for (String name : params.keySet()) {
            if (!known.contains(name)) {
                unknown.add("'" + Messages.abbreviate(name) + "'");
            }
        }
        if (unknown.isEmpty()) {
            return;
        }
        String first = params.keySet().stream().filter(n -> !known.contains(n)).findFirst().orElseThrow();
        String names = String.join(", ", unknown.subList(0, Math.min(unknown.size(), 10)))
                + (unknown.size() > 10 ? " and " + (unknown.size() - 10) + " more" : "");
        String message = (unknown.size() == 1 ? "unknown query parameter " : "unknown query parameters ") + names
                + (knownText.isEmpty() ? ": this route takes none" : " (known: " + knownText + ")");
        throw ApiError.badRequest(message).with("field", Messages.abbreviate(first));
    }

    /** The one value of a parameter, or null when it is absent. */
    private static String single(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw error(name, "is given " + values.size() + " times; give it once");
        }
        String v = values.getFirst();
        if (v.isEmpty()) {
            throw error(name, "must not be empty; leave the parameter out to not filter on it");
        }
        return v;
    }

    /** type and source follow the event's rule, so that a filter no event could match is a 400, not an empty page. */
    private static String name(Map<String, List<String>> params, String name) {
        String s = single(params, name);
        String error = s == null ? null : EventRules.nameError(s);
        if (error != null) {
            throw error(name, error + " (" + EventRules.NAME_RULE + ", as an event's " + name + ")");
        }
        return s;
    }

    /**
     * The rule of an event's id ({@link EventRules#TOKEN_RULE}), for a value that must be able to
     * match one: else a 400 that names {@code name} and the rule.
     */
    static String requireToken(String name, String s) {
        String rule = "must be " + EventRules.TOKEN_RULE + " (as an event's " + name + ")";
        if (!EventRules.tokenLengthFits(s)) {
            throw error(name, rule + ", got " + EventRules.characters(s) + " characters");
        }
        int bad = EventRules.firstNonTokenChar(s);
        if (bad >= 0) {
            throw error(name, rule + ", got a character outside that set at position " + bad);
        }
        return s;
    }

    private static String userId(Map<String, List<String>> params) {
        String s = single(params, "user_id");
        String length = s == null ? null : EventRules.userIdLengthError(s);
        if (length != null) {
            throw error("user_id", length);
        }
        return s;
    }

    /**
     * An instant with an offset, rounded up to the millisecond, which is exact for created_at: {@code >= since}
     * and {@code < until} select the same rows before and after rounding.
     */
    private static Instant instant(Map<String, List<String>> params, String name) {
        String s = single(params, name);
        if (s == null) {
            return null;
        }
        // An unencoded + in a query string arrives as a space: "…T14:30:00 02:00" can only mean +02:00.
        int sign = s.length() - 6;
        if (sign > 0 && s.charAt(sign) == ' ') {
            s = s.substring(0, sign) + '+' + s.substring(sign + 1);
        }
        Instant t;
        try {
            t = Timestamps.parseOffsetDateTime(s);
        } catch (Timestamps.MisplacedLeapSecondException e) {
            throw error(name, e.getMessage());
        } catch (DateTimeParseException | ArithmeticException e) {
            throw error(name, INSTANT_RULE + "; got '" + Messages.abbreviate(params.get(name).getFirst()) + "'");
        }
        if (!EventRules.inTimeRange(t)) {
            throw error(name, EventRules.TIME_RANGE_RULE);
        }
        Instant down = t.truncatedTo(ChronoUnit.MILLIS);
        return down.equals(t) ? t : down.plusMillis(1);
    }

    private static int limit(Map<String, List<String>> params) {
        String s = single(params, "limit");
        if (s == null) {
            return DEFAULT_LIMIT;
        }
        String rule = "must be a whole number from 1 to " + MAX_LIMIT + " (default " + DEFAULT_LIMIT + ")";
        if (s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw error("limit", rule + "; got '" + Messages.abbreviate(s) + "'");
        }
        int n = Integer.parseInt(s);
        if (n < 1 || n > MAX_LIMIT) {
            throw error("limit", rule + "; got " + n);
        }
        return n;
    }

    private static ApiError error(String field, String rule) {
        return ApiError.badRequest(field + ": " + rule).with("field", field);
    }
}
