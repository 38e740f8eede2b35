package io.guise.manager.health;

/**
 * The canary guard's decision to stop one arm of a weighted split: the manager
 * sets the arm's weight to 0. Immutable.
 *
 * @param prefix the subset entry whose split contains the arm
 * @param arm the persona id of the stopped arm
 * @param control the persona id of the control arm it was compared with
 * @param reason a sentence naming the test that decided, with its figures
 * @param armWindow the arm's figures over the guard window
 * @param controlWindow the control arm's figures over the same window
 * @param errorPValue one-sided p-value of the two-proportion test on failure shares
 * @param latencyPValue one-sided p-value of the Mann-Whitney U test on latency
 */
public record CanaryDecision(String prefix, String arm, String control, String reason, ArmWindow armWindow,
                             ArmWindow controlWindow, double errorPValue, double latencyPValue) {
}
