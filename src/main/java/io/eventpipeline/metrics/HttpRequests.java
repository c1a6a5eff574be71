package io.eventpipeline.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * HTTP requests counted by method, route template and status. The caller passes the route as registered
 * ({@code /events}, never the raw path) so the number of series stays bounded whatever clients send.
 */
public final class HttpRequests {
    private final ConcurrentHashMap<Key, LongAdder> counts = new ConcurrentHashMap<>();

    public record Key(String method, String route, int status) {
    }

    public record Count(String method, String route, int status, long count) {
    }

    public void record(String method, String route, int status) {
        counts.computeIfAbsent(new Key(method, route, status), k -> new LongAdder()).increment();
    }

    /** Every series seen so far, sorted by route, method, status so that output is stable between scrapes. */
    public List<Count> snapshot() {
        List<Count> out = new ArrayList<>(counts.size());
        counts.forEach((k, v) -> out.add(new Count(k.method(), k.route(), k.status(), v.sum())));
        out.sort(Comparator.comparing(Count::route).thenComparing(Count::method).thenComparingInt(Count::status));
        return out;
    }
}
