package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import io.guise.chaos.Toxic;
import java.util.List;

/**
 * The {@code network} section: which links of the run go through a fault proxy,
 * and which Toxiproxy serves them. {@link #NONE} means every component talks
 * to the others directly.
 *
 * @param toxiproxy the Toxiproxy that serves the links
 * @param links the links, in file order, each with a unique name
 */
public record Network(ToxiproxyChoice toxiproxy, List<NetworkLink> links) {

    /** No link goes through a proxy. */
    public static final Network NONE = new Network(ToxiproxyChoice.EMBEDDED, List.of());

    public Network {
        requireNonNull(toxiproxy, "toxiproxy");
        links = List.copyOf(links);
    }

    /** Returns the link with this name, or null. */
    public NetworkLink link(String name) {
        for (NetworkLink link : links) {
            if (link.name().equals(name)) {
                return link;
            }
        }
        return null;
    }

    /** Returns this network with another Toxiproxy serving the same links. */
    public Network withToxiproxy(ToxiproxyChoice choice) {
        return new Network(choice, links);
    }

    /**
     * The Toxiproxy that runs the proxies.
     *
     * @param kind embedded, a running Toxiproxy at {@code address}, or one started by Testcontainers
     * @param address {@code host:port} of the API for {@link Kind#ADDRESS}, empty otherwise
     */
    public record ToxiproxyChoice(Kind kind, String address) {

        /** The fault proxy inside the harness. */
        public static final ToxiproxyChoice EMBEDDED = new ToxiproxyChoice(Kind.EMBEDDED, "");
        /** A Toxiproxy container that the harness starts with Testcontainers. */
        public static final ToxiproxyChoice TESTCONTAINERS = new ToxiproxyChoice(Kind.TESTCONTAINERS, "");

        /** The kinds of Toxiproxy a run can use. */
        public enum Kind { EMBEDDED, ADDRESS, TESTCONTAINERS }

        public ToxiproxyChoice {
            requireNonNull(kind, "kind");
            requireNonNull(address, "address");
        }

        /** Returns the value as a scenario file writes it. */
        public String text() {
            return switch (kind) {
                case EMBEDDED -> "embedded";
                case TESTCONTAINERS -> "testcontainers";
                case ADDRESS -> address;
            };
        }
    }

    /**
     * One link through a proxy named like the link.
     *
     * @param name the link's and the proxy's name
     * @param to {@code manager} for every access point's distribution stream, or an endpoint id
     * @param toxics toxics added when the proxy is created, before the load starts
     */
    public record NetworkLink(String name, String to, List<Toxic> toxics) {

        /** The value of {@code to} for the links from the access points to the manager. */
        public static final String MANAGER = "manager";

        public NetworkLink {
            requireNonNull(name, "name");
            requireNonNull(to, "to");
            toxics = List.copyOf(toxics);
        }

        /** Returns whether the link carries the access points' distribution streams. */
        public boolean toManager() {
            return to.equals(MANAGER);
        }
    }
}
