package io.eventpipeline.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Every JSON factory of the service starts here, so that all of them share one bounded pool of Jackson's
 * read and write buffers.
 *
 * <p>Jackson's default pool keeps a buffer set per thread. Requests run on virtual threads, one new thread per
 * request, so that pool gave every parser and every generator a fresh 8 KB byte buffer and char buffer: in a
 * profile of single-event ingest they were 55% of all the bytes the service allocated. The shared pool hands
 * them back and forth between requests, and keeps at most {@link #POOL}'s capacity of them (100) when idle.
 */
public final class JsonFactories {
    public static final RecyclerPool<BufferRecycler> POOL = JsonRecyclerPools.sharedBoundedPool();

    private JsonFactories() {
    }

    /** A builder whose factories use the shared pool; add what else a factory needs. */
    public static JsonFactoryBuilder builder() {
        return new JsonFactoryBuilder().recyclerPool(POOL);
    }

    public static JsonFactory factory() {
        return builder().build();
    }

    public static ObjectMapper mapper() {
        return new ObjectMapper(factory());
    }
}
