package io.glassbox.gateway;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import jakarta.inject.Qualifier;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/** The channel to the explain service. */
@Qualifier
@Retention(RUNTIME)
@Target({PARAMETER, FIELD, METHOD})
public @interface ExplainChannel {}
