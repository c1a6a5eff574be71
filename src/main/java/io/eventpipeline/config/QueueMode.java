package io.eventpipeline.config;

/**
 * Where accepted events wait for the database: LOCAL, the instance's own journal and in-memory queue (one process
 * ingests and stores); KAFKA, a Kafka topic between ingest nodes and writer nodes (the broker's replication is the
 * durability).
 */
public enum QueueMode {
    LOCAL,
    KAFKA
}
