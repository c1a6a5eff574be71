package io.eventpipeline.storage;

import io.eventpipeline.event.Event;
import java.sql.SQLException;
import java.util.List;

/** Where events are stored. Implementations are thread-safe. */
public interface EventRepository {
    /**
     * Stores the events in one transaction; an event whose id is already stored is left as it is.
     *
     * @return how many new rows were written (the rest were duplicates)
     */
    int insert(List<Event> events) throws SQLException;

    /**
     * Keeps an event the database refused for good, with why and after how many attempts, unless the dead letter
     * already holds an event with its id (one replayed from the journal after a restart).
     *
     * @return false if it was already there, and nothing was written
     */
    boolean deadLetter(Event event, String error, int attempts) throws SQLException;
}
