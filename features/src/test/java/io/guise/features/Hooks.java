package io.guise.features;

import io.cucumber.java.After;

/** Stops every server of a scenario when it ends, passed or failed. */
public final class Hooks {

    private final SpecWorld world;

    public Hooks(SpecWorld world) {
        this.world = world;
    }

    @After
    public void stopEverything() throws Exception {
        world.close();
    }
}
