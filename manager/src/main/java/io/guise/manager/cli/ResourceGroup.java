package io.guise.manager.cli;

/**
 * A command whose subcommands ({@code list}, {@code get}, {@code delete},
 * {@code apply}) work on one resource collection of the admin API.
 */
public interface ResourceGroup {

    /** Returns the collection in the API path: "personas", "endpoints" or "subsets". */
    String collection();
}
