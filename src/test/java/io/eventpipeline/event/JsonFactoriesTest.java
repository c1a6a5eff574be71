package io.eventpipeline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class JsonFactoriesTest {

    @Test
    void every_factory_and_mapper_uses_the_one_bounded_pool() {
        assertThat(JsonFactories.factory()._getRecyclerPool()).isSameAs(JsonFactories.POOL);
        assertThat(JsonFactories.builder().build()._getRecyclerPool()).isSameAs(JsonFactories.POOL);
        assertThat(JsonFactories.mapper().getFactory()._getRecyclerPool()).isSameAs(JsonFactories.POOL);
        assertThat(JsonFactories.POOL).isInstanceOf(RecyclerPool.BoundedPoolBase.class);
    }

    /** The reason for the pool: a buffer set released on one virtual thread is taken again on the next. */
    @Test
    void buffers_released_on_one_virtual_thread_are_reused_on_the_next() throws Exception {
        AtomicReference<BufferRecycler> first = new AtomicReference<>();
        AtomicReference<BufferRecycler> second = new AtomicReference<>();
        Thread.ofVirtual().start(() -> first.set(acquireAndRelease())).join();
        Thread.ofVirtual().start(() -> second.set(acquireAndRelease())).join();

        assertThat(second.get()).isSameAs(first.get());
    }

    @Test
    void a_mapper_from_the_pool_writes_as_any_other() throws Exception {
        ObjectMapper mapper = JsonFactories.mapper();
        assertThat(new String(mapper.writeValueAsBytes(Map.of("id", "e-1")), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":\"e-1\"}");
    }

    private static BufferRecycler acquireAndRelease() {
        BufferRecycler r = JsonFactories.POOL.acquireAndLinkPooled();
        r.releaseToPool();
        return r;
    }
}
