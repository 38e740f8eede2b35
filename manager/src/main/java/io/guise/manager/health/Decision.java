package io.guise.manager.health;

/**
 * One outcome of the demotion policy for one endpoint and window, with its reason
 * and evidence, as the API exposes and the log records it. Immutable.
 *
 * @param endpointId the endpoint
 * @param pool the endpoint's pool
 * @param action what the manager does
 * @param fromTier the tier before the decision
 * @param toTier the tier after it (the same for the hold actions)
 * @param reason a sentence naming the rule that decided
 * @param evidence the window's figures and thresholds behind the decision
 */
public record Decision(String endpointId, String pool, Action action, int fromTier, int toTier, String reason,
                       WindowStats evidence) {

    /** The kinds of decision the policy makes. */
    public enum Action {
        /** Move the endpoint one tier down. */
        DEMOTE,
        /** Move a demoted endpoint back to its original tier. */
        RESTORE,
        /** The endpoint looks bad, but demoting it would break the pool's floor or cap. */
        HOLD_CAP,
        /** Most of the pool looks bad, so the fault is fleet-wide and nothing is demoted. */
        HOLD_FLEET_WIDE
    }
}
