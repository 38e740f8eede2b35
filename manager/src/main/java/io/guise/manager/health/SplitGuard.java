package io.guise.manager.health;

import io.guise.proto.SubsetEntry;
import java.util.List;
import java.util.Map;

/**
 * Watches weighted splits and decides which arms to stop. The manager's health
 * loop calls {@link #evaluate} once per health window, from one thread.
 */
public interface SplitGuard {

    /**
     * Takes one health window of per-persona figures and returns the arms to stop
     * now, if any.
     *
     * @param nowMillis the manager clock at the end of the window, in milliseconds since the Unix epoch
     * @param subsets the subset entries of the current routing state
     * @param personaWindow figures of the window by persona id; personas without traffic are absent
     */
    List<CanaryDecision> evaluate(long nowMillis, List<SubsetEntry> subsets, Map<String, ArmWindow> personaWindow);
}
