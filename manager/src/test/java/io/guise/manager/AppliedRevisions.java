package io.guise.manager;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.guise.accesspoint.AccessPoint;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Records every routing table swap of the access points in this JVM, from the INFO
 * line each swap logs ("routing table revision A -> B"), so a test can check the
 * whole sequence of revisions an access point served. Attach before the access
 * points start and detach after the test. Thread-safe.
 */
final class AppliedRevisions implements AutoCloseable {

    /** One table swap: the revision served before and the one served after. */
    record Swap(long from, long to) {
    }

    private final Logger logger = (Logger) LoggerFactory.getLogger(AccessPoint.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    AppliedRevisions() {
        appender.start();
        logger.addAppender(appender);
    }

    /** Returns the swaps of access point {@code accessPointId}, oldest first. */
    List<Swap> swaps(String accessPointId) {
        final List<ILoggingEvent> events;
        // AppenderBase appends under the appender's monitor.
        synchronized (appender) {
            events = new ArrayList<>(appender.list);
        }
        final List<Swap> swaps = new ArrayList<>();
        for (ILoggingEvent event : events) {
            final Object[] arguments = event.getArgumentArray();
            if (event.getMessage().contains("routing table revision {} -> {}") && arguments != null
                && accessPointId.equals(arguments[0])) {
                swaps.add(new Swap(((Number) arguments[1]).longValue(), ((Number) arguments[2]).longValue()));
            }
        }
        return swaps;
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
