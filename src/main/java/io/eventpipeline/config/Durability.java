package io.eventpipeline.config;

/** What a 202 promises: JOURNAL forces the event to local disk first; MEMORY keeps it in memory only. */
public enum Durability {
    JOURNAL,
    MEMORY
}
