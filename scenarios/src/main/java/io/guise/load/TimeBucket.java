package io.guise.load;

/**
 * The requests that ended within one second of a run. Immutable.
 *
 * @param second the second since the run start, from 0
 * @param requests requests that ended in this second, which is the throughput
 * @param failures those without a response or with a 5xx status
 * @param p50Micros the median latency from the scheduled start, 0 when there are no requests
 * @param p99Micros the 99th percentile of that latency, 0 when there are no requests
 */
public record TimeBucket(int second, long requests, long failures, long p50Micros, long p99Micros) {
}
