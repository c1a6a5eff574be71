package io.eventpipeline.bench;

/**
 * One performance goal, judged on this run's own numbers: {@code ratio = measured / reference} must be at least
 * (or, for costs, at most) {@code requiredRatio}. {@code measured} is null when it could not be measured (a miss).
 */
record Goal(String name, String rule, Double measured, double reference, String unit, boolean higherIsBetter,
        double requiredRatio, Double ratio, boolean pass) {

    static Goal atLeast(String name, String rule, Double measured, double reference, String unit, double required) {
        return of(name, rule, measured, reference, unit, true, required);
    }

    static Goal atMost(String name, String rule, Double measured, double limit, String unit) {
        return of(name, rule, measured, limit, unit, false, 1.0);
    }

    private static Goal of(String name, String rule, Double measured, double reference, String unit,
            boolean higherIsBetter, double required) {
        Double ratio = measured == null || reference <= 0 ? null : measured / reference;
        boolean pass = ratio != null && (higherIsBetter ? ratio >= required : ratio <= required);
        return new Goal(name, rule, measured, reference, unit, higherIsBetter, required, ratio, pass);
    }
}
