package io.eventpipeline.source.mqtt;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventParser;
import io.eventpipeline.event.EventRules;
import io.eventpipeline.event.JsonFactories;
import io.eventpipeline.event.StorableJson;
import io.eventpipeline.event.Surrogates;
import io.eventpipeline.event.Utf8;
import io.eventpipeline.event.Uuid7;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * The rule that makes an MQTT message an event. It reads the topic name the message was published on (a filter's
 * {@code +} and {@code #} only select messages; they play no part here):
 * <ul>
 * <li>{@code type} is the topic's last level that is not empty, {@code source} the levels before it:
 * {@code sensors/dev-1/temperature} gives source {@code sensors/dev-1} and type {@code temperature}; a topic of one
 * level ({@code temperature}, or {@code /temperature}) gives source {@code mqtt};</li>
 * <li>{@code data} is the payload, which must be a JSON object (UTF-8, storable as {@link StorableJson} says, at
 * most {@code --max-event-bytes} with the topic), with the member {@value #TOPIC_MEMBER} added first: the topic;</li>
 * <li>{@code id} is the payload's member named by {@code --mqtt-id-field} (a string, or an integer written as its
 * digits) when it has one; else a new UUIDv7, so that two equal readings stay two events;</li>
 * <li>{@code timestamp} is unset (the time the service received it is {@code received_at}).</li>
 * </ul>
 * A message that breaks the rule is not dropped: it becomes a refused event ({@link Event#refused}) for the dead
 * letter, whose data is {@code {"mqtt_topic":…,"payload":…,"payload_encoding":"utf-8"|"base64"}} (the payload cut
 * to fit {@code --max-event-bytes}, with {@code "payload_bytes"} its full size) and whose reason names the topic.
 */
public final class MqttMapping {
    /** The member of {@code data} that holds the topic. */
    public static final String TOPIC_MEMBER = "mqtt_topic";
    /** The source of an event whose topic has a single level. */
    static final String DEFAULT_SOURCE = "mqtt";
    /** The type of a refused message whose topic gives no valid type. */
    static final String REFUSED_TYPE = "mqtt_message";

    private final JsonFactory factory = JsonFactories.factory();
    private final String idField;
    private final long maxEventBytes;

    /**
     * @param idField       the payload member that gives the id, or null
     * @param maxEventBytes the most bytes {@code data} may have (--max-event-bytes)
     */
    public MqttMapping(String idField, long maxEventBytes) {
        this.idField = idField;
        this.maxEventBytes = maxEventBytes;
    }

    /** The event a message makes, or a refused event for the dead letter; never throws for what a client sent. */
    public Event toEvent(String topic, byte[] payload, Instant receivedAt) {
        String type = REFUSED_TYPE;
        String source = DEFAULT_SOURCE;
        String id = null;
        String problem;
        String[] names = names(topic);
        if (names[0] == null) {
            problem = names[1];
        } else {
            source = names[0];
            type = names[1];
            Payload p = read(payload);
            problem = p.problem;
            id = p.id;
            if (problem == null) {
                byte[] data = data(topic, payload, p);
                if (data.length > maxEventBytes) {
                    problem = "the payload with the topic (as data." + TOPIC_MEMBER + ") is " + data.length
                            + " bytes, over the limit of " + maxEventBytes + " bytes (--max-event-bytes)";
                } else {
                    return new Event(id != null ? id : Uuid7.next(), type, source, null, null, data, receivedAt, null);
                }
            }
        }
        String reason = "MQTT message on topic '" + Messages.abbreviate(topic) + "': " + problem;
        return Event.refused(id != null ? id : Uuid7.next(), type, source, refusedData(topic, payload), receivedAt,
                reason);
    }

    /** {source, type}, or {null, what is wrong}. */
    static String[] names(String topic) {
        int end = topic.length();
        while (end > 0 && topic.charAt(end - 1) == '/') {
            end--;
        }
        if (end == 0) {
            return new String[] {null, "the topic has no level to give the event's type"};
        }
        int slash = topic.lastIndexOf('/', end - 1);
        String type = topic.substring(slash + 1, end);
        String source = slash <= 0 ? DEFAULT_SOURCE : topic.substring(0, slash);
        String typeError = EventRules.nameError(type);
        if (typeError != null) {
            return new String[] {null, "the topic's last level gives the type '" + Messages.abbreviate(type)
                    + "', which " + typeError};
        }
        String sourceError = EventRules.nameError(source);
        if (sourceError != null) {
            return new String[] {null, "the topic's levels before the last give the source '"
                    + Messages.abbreviate(source) + "', which " + sourceError};
        }
        return new String[] {source, type};
    }

    /** What reading the payload found: the id, where the object starts and ends, or what is wrong. */
    private record Payload(String problem, String id, int open, int close, boolean empty) {
        static Payload refused(String problem, String id) {
            return new Payload(problem, id, -1, -1, true);
        }
    }

    private Payload read(byte[] payload) {
        int invalid = Utf8.firstInvalid(payload, 0, payload.length);
        if (invalid >= 0) {
            return Payload.refused("the payload is not UTF-8 text (invalid byte at offset " + invalid
                    + "): it must be a JSON object", null);
        }
        String id = null;
        try (JsonParser p = factory.createParser(payload)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                return Payload.refused("the payload must be a JSON object, got " + kind(first), null);
            }
            int open = (int) p.currentTokenLocation().getByteOffset();
            boolean empty = true;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                empty = false;
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals(TOPIC_MEMBER)) {
                    return Payload.refused("the payload has its own member '" + TOPIC_MEMBER + "', which the "
                            + "service sets to the topic", null);
                }
                if (name.equals(idField)) {
                    if (v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NUMBER_INT) {
                        return Payload.refused("the id member '" + idField + "' (--mqtt-id-field) must be a string "
                                + "or an integer, got " + kind(v), null);
                    }
                    String value = p.getText();
                    if (!EventRules.tokenLengthFits(value) || EventRules.firstNonTokenChar(value) >= 0) {
                        return Payload.refused("the id member '" + idField + "' (--mqtt-id-field) must be "
                                + EventRules.TOKEN_RULE + ", got '" + Messages.abbreviate(value) + "'", null);
                    }
                    id = value;
                }
                p.skipChildren(); // checked below, with the whole object
            }
            if (t != JsonToken.END_OBJECT) {
                return Payload.refused("the payload ends inside its JSON object", id);
            }
            int close = (int) p.currentLocation().getByteOffset();
            if (p.nextToken() != null) {
                return Payload.refused("the payload has more content after its JSON object", id);
            }
            // The whole object once more for the rules that span it: member names twice, numbers, depth.
            String whole = storableProblem(payload);
            if (whole != null) {
                return Payload.refused("the payload " + whole, id);
            }
            int lone = Surrogates.firstUnpairedEscape(payload, open, close);
            if (lone >= 0) {
                return Payload.refused("the payload has an unpaired surrogate escape ("
                        + new String(payload, lone, 6, StandardCharsets.US_ASCII) + " at byte " + lone + ")", id);
            }
            return new Payload(null, id, open, close, empty);
        } catch (JsonProcessingException e) {
            return Payload.refused("the payload is not valid JSON: " + Messages.abbreviate(e.getOriginalMessage()),
                    id);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array cannot fail to read
        }
    }

    private String storableProblem(byte[] payload) throws IOException {
        try (JsonParser p = factory.createParser(payload)) {
            p.nextToken();
            StorableJson.Violation v = StorableJson.skipChecking(p);
            return v == null ? null : v.error();
        }
    }

    /** The payload's object with the topic as its first member, the payload's own bytes otherwise unchanged. */
    private byte[] data(String topic, byte[] payload, Payload p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(p.close - p.open + topic.length() + 24);
        out.write('{');
        byte[] member = member(topic);
        out.write(member, 0, member.length);
        if (!p.empty) {
            out.write(',');
            out.write(payload, p.open + 1, p.close - p.open - 1);
        } else {
            out.write('}');
        }
        return out.toByteArray();
    }

    /** {@code "mqtt_topic":"<topic>"}, escaped as JSON. */
    private byte[] member(String topic) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(topic.length() + 16);
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField(TOPIC_MEMBER, topic);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] object = out.toByteArray();
        return java.util.Arrays.copyOfRange(object, 1, object.length - 1);
    }

    /**
     * What the dead letter keeps of a refused message: the topic and the payload, as text when it is UTF-8 and as
     * base64 otherwise, cut until the whole fits {@code --max-event-bytes}.
     */
    byte[] refusedData(String topic, byte[] payload) {
        boolean text = Utf8.firstInvalid(payload, 0, payload.length) < 0;
        String full = text ? new String(payload, StandardCharsets.UTF_8) : null;
        int keep = payload.length;
        while (true) {
            byte[] data = refusedData(topic, payload, full, keep);
            if (data.length <= maxEventBytes || keep == 0) {
                return data;
            }
            keep /= 2;
        }
    }

    private byte[] refusedData(String topic, byte[] payload, String full, int keep) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(keep, payload.length) * 2 + 128);
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField(TOPIC_MEMBER, topic);
            if (full != null) {
                // Cut by characters, never inside one.
                int chars = full.codePointCount(0, full.length());
                int end = keep >= payload.length ? full.length()
                        : full.offsetByCodePoints(0, Math.min(chars, keep));
                g.writeStringField("payload", full.substring(0, end));
                g.writeStringField("payload_encoding", "utf-8");
            } else {
                g.writeStringField("payload", Base64.getEncoder().encodeToString(
                        java.util.Arrays.copyOf(payload, Math.min(keep, payload.length))));
                g.writeStringField("payload_encoding", "base64");
            }
            g.writeNumberField("payload_bytes", payload.length);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String kind(JsonToken t) {
        return t == null ? "nothing (an empty payload)" : EventParser.kind(t);
    }
}
