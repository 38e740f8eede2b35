package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A change or fault that the runner plays at a time.
 *
 * @param at the time from the start of the run, within the scenario's duration
 * @param action what happens
 */
public record TimelineEvent(Duration at, TimelineAction action) {

    public TimelineEvent {
        requireNonNull(at, "at");
        requireNonNull(action, "action");
    }
}
