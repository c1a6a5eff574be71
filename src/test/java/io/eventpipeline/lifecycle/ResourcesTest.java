package io.eventpipeline.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** The stack of opened resources and the one shutdown budget their closes draw on. */
class ResourcesTest {
    private final Resources resources = new Resources();
    private final List<String> closed = new CopyOnWriteArrayList<>();

    @Test
    void closes_what_was_opened_last_first() {
        for (String name : List.of("lock", "listener", "pool", "journal", "workers", "http")) {
            resources.push(name, allowed -> closed.add(name));
        }
        resources.closeAll(Budget.of(Duration.ofSeconds(5)), Level.INFO);

        assertThat(closed).containsExactly("http", "workers", "journal", "pool", "listener", "lock");
        assertThat(resources.isEmpty()).isTrue();
    }

    @Test
    void a_start_that_failed_half_way_closes_exactly_what_it_had_opened_and_a_second_close_does_nothing() {
        resources.push("lock", allowed -> closed.add("lock"));
        resources.push("listener", allowed -> closed.add("listener"));
        // The database refused: nothing after the listener was opened, so nothing else was pushed.
        resources.closeAll(Budget.of(Duration.ofSeconds(5)), Level.DEBUG);
        resources.closeAll(Budget.of(Duration.ofSeconds(5)), Level.DEBUG);

        assertThat(closed).containsExactly("listener", "lock");
    }

    @Test
    void an_exception_in_one_step_does_not_stop_the_others() {
        resources.push("lock", allowed -> closed.add("lock"));
        resources.push("journal", allowed -> {
            throw new IOException("disk gone");
        });
        resources.push("pool", allowed -> {
            throw new IllegalStateException("bug");
        });
        resources.push("http", allowed -> closed.add("http"));

        resources.closeAll(Budget.of(Duration.ofSeconds(5)), Level.INFO);

        assertThat(closed).containsExactly("http", "lock");
    }

    @Test
    void a_slow_step_is_cut_at_what_is_left_of_the_budget_and_the_steps_after_it_still_run() {
        Duration budget = Duration.ofMillis(600);
        AtomicReference<Duration> given = new AtomicReference<>();
        CountDownLatch never = new CountDownLatch(1);
        resources.push("lock", allowed -> closed.add("lock"));
        resources.push("pool", allowed -> closed.add("pool"));
        resources.push("stuck", allowed -> {
            given.set(allowed);
            never.await(); // ignores its allowance, as a close blocked on a dead peer does
        });
        resources.push("first", allowed -> closed.add("first"));

        long t0 = System.nanoTime();
        resources.closeAll(Budget.of(budget), Level.INFO);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        never.countDown();

        assertThat(given.get()).isLessThanOrEqualTo(budget).isGreaterThan(Duration.ofMillis(400));
        assertThat(closed).containsExactly("first", "pool", "lock");
        // The two steps after the budget get at most the floor each; scheduling on a loaded machine gets the rest.
        assertThat(took).isLessThan(budget.plus(Resources.FLOOR.multipliedBy(2)).plusMillis(500));
    }

    @Test
    void a_step_that_leaves_time_for_the_next_is_given_the_rest_and_the_next_its_part() {
        AtomicReference<Duration> drain = new AtomicReference<>();
        AtomicReference<Duration> after = new AtomicReference<>();
        resources.push("after", after::set);
        resources.pushLeaving("drain", Duration.ofSeconds(2), allowed -> {
            drain.set(allowed);
            waitOut(allowed);
        });

        resources.closeAll(Budget.of(Duration.ofSeconds(3)), Level.INFO);

        assertThat(drain.get()).isBetween(Duration.ofMillis(900), Duration.ofSeconds(1));
        assertThat(after.get()).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(2));
    }

    @Test
    void once_the_budget_is_spent_each_step_still_gets_the_floor() {
        AtomicReference<Duration> late = new AtomicReference<>();
        resources.push("late", late::set);
        resources.push("spends-it-all", ResourcesTest::waitOut);

        resources.closeAll(Budget.of(Duration.ofMillis(200)), Level.INFO);

        assertThat(late.get()).isEqualTo(Resources.FLOOR);
    }

    @Test
    void an_uncut_step_is_waited_for_past_its_share() {
        resources.push("after", allowed -> closed.add("after"));
        resources.pushUncut("keep", Duration.ZERO, allowed -> {
            waitOut(allowed.plusMillis(300));
            closed.add("keep");
        });

        resources.closeAll(Budget.of(Duration.ofMillis(200)), Level.INFO);

        assertThat(closed).containsExactly("keep", "after");
    }

    @Test
    void the_budget_left_is_never_negative() {
        Budget budget = Budget.of(Duration.ZERO);
        assertThat(budget.remaining()).isEqualTo(Duration.ZERO);
        assertThat(budget.total()).isEqualTo(Duration.ZERO);
    }

    /** A step busy for {@code d}, as a drain held by an absent database is. */
    private static void waitOut(Duration d) throws InterruptedException {
        new CountDownLatch(1).await(d.toNanos(), TimeUnit.NANOSECONDS);
    }
}
