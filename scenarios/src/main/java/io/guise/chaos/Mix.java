package io.guise.chaos;

/** Bit mixing for seeded, order-independent draws. Stateless. */
final class Mix {

    private Mix() {}

    /** Returns a well-mixed 64-bit value of {@code z} (the SplitMix64 finaliser). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Maps 64 random bits to a double in [0, 1). */
    static double unitInterval(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }
}
