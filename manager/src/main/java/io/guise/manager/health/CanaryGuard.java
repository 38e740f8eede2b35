package io.guise.manager.health;

import io.guise.proto.SubsetEntry;
import java.util.List;
import java.util.Map;

/**
 * The canary guard of weighted splits that enable one (see the CanaryGuard
 * message of routing.proto). Not thread-safe: one health loop owns it.
 */
public final class CanaryGuard implements SplitGuard {

    @Override
    public List<CanaryDecision> evaluate(long nowMillis, List<SubsetEntry> subsets,
                                         Map<String, ArmWindow> personaWindow) {
        // The statistics land in a follow-up change; until then no arm is stopped.
        return List.of();
    }
}
