package io.guise.load;

/**
 * The pacing of a client group's requests. Immutable.
 *
 * <p>An {@link OpenLoop} sends on a schedule whatever the responses do, as independent
 * users would, and measures latency from each request's scheduled time. A
 * {@link ClosedLoop} keeps a fixed number of connections each waiting for its response
 * before sending the next, so it slows down when the server does.
 */
public sealed interface LoadModel {

    /** Returns an open loop at a constant {@code ratePerSecond}. */
    static LoadModel constantRate(double ratePerSecond) {
        return new OpenLoop(ratePerSecond, ratePerSecond);
    }

    /** Returns an open loop whose rate changes linearly from the first to the second value over the run. */
    static LoadModel ramp(double startRatePerSecond, double endRatePerSecond) {
        return new OpenLoop(startRatePerSecond, endRatePerSecond);
    }

    /** Returns a closed loop over {@code connections} connections in total, spread over the clients. */
    static LoadModel closedLoop(int connections) {
        return new ClosedLoop(connections);
    }

    /** An open loop whose request rate goes linearly from the start rate to the end rate. */
    record OpenLoop(double startRatePerSecond, double endRatePerSecond) implements LoadModel {
        public OpenLoop {
            checkRate("start_rate_per_second", startRatePerSecond);
            checkRate("end_rate_per_second", endRatePerSecond);
            if (startRatePerSecond == 0 && endRatePerSecond == 0) {
                throw new IllegalArgumentException(
                        "end_rate_per_second: 0.0 (expected: > 0 when start_rate_per_second is 0)");
            }
        }

        private static void checkRate(String field, double ratePerSecond) {
            if (!Double.isFinite(ratePerSecond) || ratePerSecond < 0) {
                throw new IllegalArgumentException(field + ": " + ratePerSecond
                                                   + " (expected: a finite number >= 0)");
            }
        }

        /**
         * Returns the scheduled time of request {@code index} (from 0), in seconds from
         * the start, or a negative value when a falling ramp ends before that request.
         * It solves {@code a*t + (b-a)*t^2/(2*D) = index} for t, where a and b are the
         * start and end rates and D the duration, in a form that stays exact when a == b.
         */
        double scheduledSeconds(long index, double durationSeconds) {
            if (index == 0) {
                return 0;
            }
            final double a = startRatePerSecond;
            final double slope = (endRatePerSecond - a) / durationSeconds;
            final double discriminant = a * a + 2 * slope * index;
            if (discriminant < 0) {
                return -1;
            }
            return 2.0 * index / (a + Math.sqrt(discriminant));
        }
    }

    /** A closed loop over a fixed number of connections in total. */
    record ClosedLoop(int connections) implements LoadModel {
        public ClosedLoop {
            if (connections < 1) {
                throw new IllegalArgumentException("connections: " + connections + " (expected: >= 1)");
            }
        }
    }
}
