package io.guise.manager.config;

/**
 * The outcome of an accepted write: the revision now in force and whether the write
 * changed anything (a write that changes nothing creates no revision).
 */
public record WriteResult(long revision, boolean changed) {
}
