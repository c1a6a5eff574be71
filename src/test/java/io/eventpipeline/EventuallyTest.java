package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EventuallyTest {

    @Test
    void returns_the_first_value_the_condition_accepts() throws Exception {
        AtomicInteger polls = new AtomicInteger();

        int seen = Eventually.await(Duration.ofSeconds(10), "the third poll", polls::incrementAndGet, n -> n >= 3);

        assertThat(seen).isEqualTo(3);
        assertThat(polls).hasValue(3);
    }

    @Test
    void a_condition_that_holds_at_once_is_polled_once() throws Exception {
        AtomicInteger polls = new AtomicInteger();

        Eventually.await(Duration.ofSeconds(10), "a true condition", () -> polls.incrementAndGet() > 0);

        assertThat(polls).hasValue(1);
    }

    @Test
    void on_timeout_it_names_what_it_waited_for_and_the_last_value_seen() {
        AtomicInteger polls = new AtomicInteger();

        assertThatThrownBy(() -> Eventually.await(Duration.ofMillis(200), "the count reaches a million",
                polls::incrementAndGet, n -> n >= 1_000_000))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("timed out after PT0.2S waiting until the count reaches a million")
                .hasMessageEndingWith("; the last poll saw: " + polls.get());
        assertThat(polls.get()).as("polled more than once, with pauses").isBetween(2, 200);
    }

    @Test
    void on_timeout_a_yes_no_condition_names_only_what_it_waited_for() {
        assertThatThrownBy(() -> Eventually.await(Duration.ofMillis(50), "never", () -> false))
                .hasMessage("timed out after PT0.05S waiting until never");
    }

    @Test
    void an_exception_is_a_not_yet_and_the_last_one_is_reported_with_the_value_before_it() {
        AtomicInteger polls = new AtomicInteger();

        assertThatThrownBy(() -> Eventually.await(Duration.ofMillis(200), "the database answers", () -> {
            if (polls.incrementAndGet() > 1) {
                throw new IOException("connection refused");
            }
            return "starting";
        }, "up"::equals))
                .isInstanceOf(AssertionError.class)
                .hasMessage("timed out after PT0.2S waiting until the database answers; the last poll failed: "
                        + "java.io.IOException: connection refused; before that it saw: starting")
                .hasCauseInstanceOf(IOException.class);
    }

    @Test
    void a_value_after_an_exception_clears_it() throws Exception {
        AtomicInteger polls = new AtomicInteger();

        String seen = Eventually.await(Duration.ofSeconds(10), "the second poll", () -> {
            if (polls.incrementAndGet() == 1) {
                throw new IOException("not yet");
            }
            return "up";
        }, "up"::equals);

        assertThat(seen).isEqualTo("up");
    }

    @Test
    void an_assertion_error_from_the_condition_fails_at_once() {
        AtomicInteger polls = new AtomicInteger();
        long started = System.nanoTime();

        assertThatThrownBy(() -> Eventually.await(Duration.ofSeconds(20), "a state that cannot come", () -> {
            polls.incrementAndGet();
            throw new AssertionError("overshot");
        })).isInstanceOf(AssertionError.class).hasMessage("overshot");

        assertThat(polls).hasValue(1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void an_interrupt_ends_the_wait() {
        Thread.currentThread().interrupt();

        assertThatThrownBy(() -> Eventually.await(Duration.ofSeconds(20), "never", () -> false))
                .isInstanceOf(InterruptedException.class);
        assertThat(Thread.interrupted()).as("the flag was consumed by the throw").isFalse();
    }
}
