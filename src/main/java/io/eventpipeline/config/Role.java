package io.eventpipeline.config;

/**
 * What a node does with {@code --queue kafka}: INGEST serves the doors that accept events and produces them to the
 * topic; WRITER consumes the topic and stores; BOTH does the two in one process. With {@code --queue local} a node
 * is always BOTH. Every role serves /health and /metrics, and the query API when it has a database URL.
 */
public enum Role {
    INGEST,
    WRITER,
    BOTH;

    /** Whether this node takes events in. */
    public boolean ingests() {
        return this != WRITER;
    }

    /** Whether this node stores events. */
    public boolean writes() {
        return this != INGEST;
    }
}
