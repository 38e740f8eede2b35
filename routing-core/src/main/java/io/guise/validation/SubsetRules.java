package io.guise.validation;

import io.guise.proto.CanaryGuard;
import io.guise.proto.Split;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import io.guise.subset.CidrPrefix;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the subset map: prefixes, duplicate prefixes, the personas each entry
 * refers to and the canary guards of splits. Stateless, so thread-safe.
 */
final class SubsetRules {

    /** Maximum number of persona ids that a rule lists. Longer lists end in "...". */
    private static final int MAX_LISTED_IDS = 10;

    private SubsetRules() {}

    static void check(List<SubsetEntry> subsets, Set<String> personaIds, String path, List<Violation> out) {
        final Map<CidrPrefix, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < subsets.size(); i++) {
            final SubsetEntry entry = subsets.get(i);
            final String entryPath = path + "[" + i + "]";
            final CidrPrefix prefix = checkPrefix(entry.getPrefix(), entryPath + ".prefix", out);
            if (prefix != null) {
                final Integer first = firstIndex.putIfAbsent(prefix, i);
                if (first != null) {
                    out.add(Violation.ofString(entryPath + ".prefix", entry.getPrefix(),
                            "a prefix not mapped before, but " + path + "[" + first + "] maps " + prefix));
                }
            }
            checkTarget(entry, personaIds, entryPath, out);
            if (entry.getMaxConcurrentRequests() < 0) {
                out.add(Violation.ofLong(entryPath + ".max_concurrent_requests", entry.getMaxConcurrentRequests(),
                        "an integer >= 0, where 0 means no budget of its own"));
            }
        }
    }

    /** Returns the parsed prefix, or null when it does not parse. */
    private static CidrPrefix checkPrefix(String text, String path, List<Violation> out) {
        final CidrPrefix prefix;
        try {
            prefix = CidrPrefix.parse(text);
        } catch (IllegalArgumentException e) {
            out.add(Violation.ofString(path, text, ruleFromParseError(e.getMessage())));
            return null;
        }
        if (!prefix.isCanonical()) {
            out.add(Violation.ofString(path, text, "host bits zero, such as " + prefix));
        }
        return prefix;
    }

    /**
     * Turns a CidrPrefix parse message, which ends in "(expected: RULE)", into the
     * rule alone, naming the prefix length when that was the fault.
     */
    static String ruleFromParseError(String message) {
        final String marker = "(expected: ";
        final int start = message.lastIndexOf(marker);
        if (start < 0 || !message.endsWith(")")) {
            return "a CIDR prefix such as 10.0.0.0/8 (" + message + ")";
        }
        final String rule = message.substring(start + marker.length(), message.length() - 1);
        return message.contains("prefix length") ? "a prefix length of " + rule : rule;
    }

    private static void checkTarget(SubsetEntry entry, Set<String> personaIds, String path,
                                    List<Violation> out) {
        switch (entry.getTargetCase()) {
            case PERSONA:
                if (entry.getPersona().isEmpty()) {
                    out.add(Violation.ofString(path + ".persona", "", "a persona id or a split"));
                } else {
                    checkPersonaId(entry.getPersona(), personaIds, path + ".persona", out);
                }
                break;
            case SPLIT:
                checkSplit(entry.getSplit(), personaIds, path + ".split", out);
                break;
            default:
                out.add(new Violation(path, "no persona and no split", "exactly one of persona, split"));
                break;
        }
    }

    private static void checkSplit(Split split, Set<String> personaIds, String path, List<Violation> out) {
        final List<SplitArm> arms = split.getArmsList();
        if (arms.isEmpty()) {
            out.add(new Violation(path + ".arms", "[]", "at least one arm"));
            return;
        }
        long totalWeight = 0;
        boolean negativeWeight = false;
        final Map<String, Integer> firstArm = new HashMap<>();
        for (int i = 0; i < arms.size(); i++) {
            final SplitArm arm = arms.get(i);
            final String armPath = path + ".arms[" + i + "]";
            if (arm.getWeight() < 0) {
                out.add(Violation.ofLong(armPath + ".weight", arm.getWeight(), "an integer >= 0"));
                negativeWeight = true;
            } else {
                totalWeight += arm.getWeight();
            }
            checkPersonaId(arm.getPersona(), personaIds, armPath + ".persona", out);
            final Integer first = firstArm.putIfAbsent(arm.getPersona(), i);
            if (first != null && !arm.getPersona().isEmpty()) {
                out.add(Violation.ofString(armPath + ".persona", arm.getPersona(),
                        "each persona in one arm only, but arms[" + first + "] has it"));
            }
        }
        if (split.hasCanaryGuard()) {
            final Set<String> armPersonas = new LinkedHashSet<>();
            arms.forEach(arm -> armPersonas.add(arm.getPersona()));
            checkCanaryGuard(split.getCanaryGuard(), armPersonas, path + ".canary_guard", out);
        }
        if (negativeWeight) {
            return; // the sum means nothing until every weight is valid
        }
        if (totalWeight == 0) {
            out.add(new Violation(path + ".arms", "weights summing to 0", "a positive sum of weights"));
        } else if (totalWeight > Integer.MAX_VALUE) {
            out.add(new Violation(path + ".arms", "weights summing to " + totalWeight,
                    "a sum of weights of at most " + Integer.MAX_VALUE));
        }
    }

    /** Checks a canary guard against the rules and defaults that routing.proto states for it. */
    private static void checkCanaryGuard(CanaryGuard guard, Set<String> armPersonas, String path,
                                         List<Violation> out) {
        final String control = guard.getControl();
        if (!control.isEmpty() && !armPersonas.contains(control)) {
            out.add(Violation.ofString(path + ".control", control,
                    "\"\" for the first arm, or the persona of one of the split's arms" + knownIds(armPersonas)));
        }
        final double confidence = guard.getConfidence();
        if (confidence != 0 && !(confidence > 0.5 && confidence < 1)) { // also true for NaN
            out.add(Violation.ofDouble(path + ".confidence", confidence,
                    "0 for 0.99, or a number strictly between 0.5 and 1, such as 0.995"));
        }
        if (guard.getMinRequests() < 0) {
            out.add(Violation.ofLong(path + ".min_requests", guard.getMinRequests(),
                    "an integer >= 0, where 0 means 200"));
        }
        if (guard.getWindowMs() < 0) {
            out.add(Violation.ofLong(path + ".window_ms", guard.getWindowMs(),
                    "an integer >= 0, where 0 means 10000"));
        }
        checkMinIncrease(guard.getMinLatencyIncreaseMs(), path + ".min_latency_increase_ms",
                "a finite number of milliseconds >= 0, where 0 means 5", out);
        checkMinIncrease(guard.getMinErrorIncreasePercent(), path + ".min_error_increase_percent",
                "a finite number of percentage points >= 0, where 0 means 1", out);
    }

    private static void checkMinIncrease(double value, String path, String rule, List<Violation> out) {
        if (!(value >= 0 && Double.isFinite(value))) {
            out.add(Violation.ofDouble(path, value, rule));
        }
    }

    private static void checkPersonaId(String id, Set<String> personaIds, String path, List<Violation> out) {
        if (!personaIds.contains(id)) {
            out.add(Violation.ofString(path, id, "the id of a persona in personas" + knownIds(personaIds)));
        }
    }

    private static String knownIds(Set<String> personaIds) {
        if (personaIds.isEmpty()) {
            return ", which is empty";
        }
        final StringBuilder text = new StringBuilder(": ");
        int listed = 0;
        for (String id : personaIds) {
            if (listed == MAX_LISTED_IDS) {
                return text.append(", ...").toString();
            }
            if (listed > 0) {
                text.append(", ");
            }
            text.append(id);
            listed++;
        }
        return text.toString();
    }
}
