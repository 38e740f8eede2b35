package io.guise.features;

import io.cucumber.java.ParameterType;
import java.util.List;

/** Parameter types shared by every step class: addresses, prefixes and lists of names. */
public final class ParameterTypes {

    @ParameterType("[0-9a-fA-F]*[:.][0-9a-fA-F:.]*")
    public String address(String text) {
        SpecWorld.inet(text);
        return text;
    }

    @ParameterType("[0-9a-fA-F:.]+(?:(?:, | and )[0-9a-fA-F:.]+)*")
    public List<String> addresses(String text) {
        final List<String> addresses = Tables.list(text);
        addresses.forEach(SpecWorld::inet);
        return addresses;
    }

    @ParameterType("[0-9a-fA-F:.]+/[0-9]{1,3}")
    public String prefix(String text) {
        return text;
    }

    @ParameterType("[A-Za-z][A-Za-z0-9._-]*(?:(?:, | and )[A-Za-z][A-Za-z0-9._-]*)+")
    public List<String> names(String text) {
        return Tables.list(text);
    }

    @ParameterType("[A-Za-z][A-Za-z0-9._-]* [0-9]+(?:, [A-Za-z][A-Za-z0-9._-]* [0-9]+)+")
    public String arms(String text) {
        return text;
    }
}
