package io.guise.manager.distribution;

/**
 * One access point as the manager's registry records it, for {@code GET /access-points}.
 *
 * @param id the access point id from its hello
 * @param connected whether a distribution stream from it is open
 * @param appliedRevision the newest revision it acknowledged; 0 before any ACK
 * @param lastNackReason the reason of its newest NACK; empty when it never sent one
 * @param lastNackRevision the revision its newest NACK rejected; 0 when it never sent one
 * @param ackCount the ACKs whose commit time was known and so entered the histogram
 * @param ackP50Millis median time from commit to ACK, in milliseconds; 0 when ackCount is 0
 * @param ackP99Millis 99th percentile of that time, in milliseconds
 * @param ackMaxMillis maximum of that time, in milliseconds
 */
public record AccessPointStatus(String id, boolean connected, long appliedRevision, String lastNackReason,
                                long lastNackRevision, long ackCount, double ackP50Millis, double ackP99Millis,
                                double ackMaxMillis) {
}
