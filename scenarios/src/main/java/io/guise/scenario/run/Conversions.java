package io.guise.scenario.run;

import io.guise.fleet.LatencyDistribution;
import io.guise.scenario.model.Behaviour;
import io.guise.scenario.model.Latency;
import io.guise.scenario.model.TimelineAction;
import java.time.Duration;

/** Turns scenario-file values into the fleet's types, and timeline actions into report text. */
final class Conversions {

    private Conversions() {
    }

    static io.guise.fleet.Behaviour behaviour(Behaviour behaviour) {
        return new io.guise.fleet.Behaviour(latency(behaviour.latency()), behaviour.errorRatePercent(),
                                            behaviour.statusCodes(), behaviour.responseBytes());
    }

    static LatencyDistribution latency(Latency latency) {
        if (latency instanceof Latency.Fixed fixed) {
            return LatencyDistribution.fixed(millis(fixed.delay()));
        } else if (latency instanceof Latency.Uniform uniform) {
            return LatencyDistribution.uniform(millis(uniform.min()), millis(uniform.max()));
        } else if (latency instanceof Latency.Normal normal) {
            return LatencyDistribution.normal(millis(normal.mean()), millis(normal.standardDeviation()));
        } else if (latency instanceof Latency.LogNormal logNormal) {
            return LatencyDistribution.lognormal(millis(logNormal.median()), logNormal.sigma());
        }
        throw new IllegalArgumentException("unsupported latency distribution " + latency);
    }

    static String actionName(TimelineAction action) {
        return action.actionName();
    }

    /** Returns a short description of what an action changes, for the report's timeline. */
    static String describe(TimelineAction action) {
        if (action instanceof TimelineAction.Apply apply) {
            return apply.personas().size() + " personas, " + apply.subsets().size() + " subsets";
        } else if (action instanceof TimelineAction.UpdatePersona update) {
            return update.persona().getId();
        } else if (action instanceof TimelineAction.DeletePersona delete) {
            return delete.personaId();
        } else if (action instanceof TimelineAction.UpdateSubset update) {
            return update.subset().getPrefix() + " -> " + (update.subset().hasSplit()
                    ? splitText(update.subset().getSplit()) : update.subset().getPersona());
        } else if (action instanceof TimelineAction.DeleteSubset delete) {
            return delete.prefix();
        } else if (action instanceof TimelineAction.KillEndpoint kill) {
            return kill.endpointId();
        } else if (action instanceof TimelineAction.RestartEndpoint restart) {
            return restart.endpointId();
        } else if (action instanceof TimelineAction.SlowEndpoint slow) {
            return slow.endpointId();
        } else if (action instanceof TimelineAction.FailEndpoint fail) {
            return fail.endpointId() + " at " + fail.errorRatePercent() + "%";
        } else if (action instanceof TimelineAction.HealEndpoint heal) {
            return heal.endpointId();
        } else if (action instanceof TimelineAction.PartitionAccessPoint partition) {
            return target(partition.target());
        } else if (action instanceof TimelineAction.HealAccessPoint heal) {
            return target(heal.target());
        } else if (action instanceof TimelineAction.AddToxic add) {
            return add.link() + ": " + add.toxic().name() + " (" + add.toxic().type().wireName() + " "
                    + add.toxic().stream().wireName() + ", toxicity " + add.toxic().toxicity() + ", "
                    + add.toxic().attributes() + ")";
        } else if (action instanceof TimelineAction.UpdateToxic update) {
            return update.link() + ": " + update.toxic()
                    + (update.toxicity() == null ? "" : ", toxicity " + update.toxicity())
                    + (update.attributes().isEmpty() ? "" : ", " + new java.util.TreeMap<>(update.attributes()));
        } else if (action instanceof TimelineAction.RemoveToxic remove) {
            return remove.link() + ": " + remove.toxic();
        } else if (action instanceof TimelineAction.CutLink cut) {
            return cut.link();
        } else if (action instanceof TimelineAction.RestoreLink restore) {
            return restore.link();
        }
        return "";
    }

    private static String target(TimelineAction.AccessPointTarget target) {
        return target.all() ? "all access points" : "ap-" + target.index();
    }

    private static String splitText(io.guise.proto.Split split) {
        final StringBuilder text = new StringBuilder();
        for (io.guise.proto.SplitArm arm : split.getArmsList()) {
            if (text.length() > 0) {
                text.append(", ");
            }
            text.append(arm.getPersona()).append(':').append(arm.getWeight());
        }
        return text.toString();
    }

    private static double millis(Duration duration) {
        return duration.toNanos() / 1e6;
    }
}
