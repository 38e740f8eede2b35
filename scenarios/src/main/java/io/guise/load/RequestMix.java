package io.guise.load;

import io.guise.fault.SplitMix64;
import java.util.List;

/** Picks request templates with probability proportional to their weights. Immutable. */
final class RequestMix {

    private final List<RequestTemplate> templates;
    private final long[] cumulativeWeights;

    RequestMix(List<RequestTemplate> templates) {
        this.templates = List.copyOf(templates);
        this.cumulativeWeights = new long[this.templates.size()];
        long sum = 0;
        for (int i = 0; i < cumulativeWeights.length; i++) {
            sum += this.templates.get(i).weight();
            cumulativeWeights[i] = sum;
        }
    }

    /** Draws one template with {@code random}, which the calling thread owns. */
    RequestTemplate pick(SplitMix64 random) {
        final long draw = random.nextLong(cumulativeWeights[cumulativeWeights.length - 1]);
        int index = 0;
        while (cumulativeWeights[index] <= draw) {
            index++;
        }
        return templates.get(index);
    }
}
