package io.eventpipeline;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/** A suite or test that runs on the MariaDB/MySQL of {@code PIPELINE_TEST_DB_URL}: see {@link TestDatabaseCondition}. */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(TestDatabaseCondition.class)
public @interface NeedsTestDatabase {}
