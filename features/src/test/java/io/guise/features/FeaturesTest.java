package io.guise.features;

import static io.cucumber.junit.platform.engine.Constants.GLUE_PROPERTY_NAME;

import org.junit.platform.suite.api.ConfigurationParameter;
import org.junit.platform.suite.api.IncludeEngines;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * Runs every {@code .feature} file under {@code io/guise/features} through Cucumber's
 * JUnit Platform engine, so Surefire counts each scenario as a test. Reports and
 * naming are set in this module's Surefire configuration.
 */
@Suite
@IncludeEngines("cucumber")
@SelectPackages("io.guise.features")
@ConfigurationParameter(key = GLUE_PROPERTY_NAME, value = "io.guise.features")
public class FeaturesTest {
}
