package io.eventpipeline.mqtt;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/** A suite that starts its own Mosquitto broker ({@link MosquittoBroker}): see {@link MosquittoCondition}. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(MosquittoCondition.class)
public @interface NeedsMosquitto {}
