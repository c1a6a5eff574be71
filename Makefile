# Event Pipeline. Every target finds a JDK 21+ by itself (scripts/find-jdk).
SHELL := /bin/bash
JAVA_HOME := $(shell scripts/find-jdk 2>/dev/null)
export JAVA_HOME
JAVA := $(JAVA_HOME)/bin/java
# The JDK's major version, for flags that only newer JDKs know.
JAVA_MAJOR := $(shell [ -f "$(JAVA_HOME)/release" ] && sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$(JAVA_HOME)/release")
# Maven 3.9's Guice calls sun.misc.Unsafe, which JDK 24+ warns about on every build (JEP 498); the flag exists from
# JDK 23 on, so older JDKs do not get it.
MAVEN_OPTS += $(if $(shell [ "0$(JAVA_MAJOR)" -ge 23 ] && echo y),--sun-misc-unsafe-memory-access=allow)
export MAVEN_OPTS
MVN := ./mvnw -B -q
# Tests run without -q, so that Surefire and Failsafe print their summaries.
MVN_TEST := ./mvnw -B --no-transfer-progress
JAR := target/event-pipeline.jar
# Extra flags for `make run`, e.g. make run ARGS="--workers 8 --port 9090"
ARGS ?=
# Heap flags for `make run` and `make bench`, measured with `make bench` on 2 cores: a bounded heap, so that peak
# RSS stays under 300 MiB whatever the machine's memory (the JVM's default heap is a quarter of it); G1 named,
# since the JVM picks the serial collector on a machine it thinks small (the parallel collector measured the same
# throughput here but 3-4x G1's p99 latency, from its full collections); exit on an OutOfMemoryError, which can
# leave a thread such as Jetty's selector dead and the process up but deaf, so that a supervisor restarts it (the
# journal replays what was accepted); and on JDK 25+ compact object headers (8-byte headers, so less heap per
# queued event).
HEAP_FLAGS := -Xms64m -Xmx160m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError $(if $(shell [ "0$(JAVA_MAJOR)" -ge 25 ] && echo y),-XX:+UseCompactObjectHeaders)
# Start-up flags for `make run`. On JDK 25+, an AOT cache (JEP 483/514): the first run after a build records the
# classes it loads and writes target/event-pipeline.aot when it exits; the next runs start from it (0.5 s instead
# of 1.1 s to the first answered /health, measured). A new jar makes a new cache, since the JVM refuses one
# made for another jar. On JDK 21-24, a dynamic class-data archive does the same, less well.
# -Xlog:aot=error: when it writes the cache, the JVM warns about each class it cannot archive (lambdas, proxies,
# classes linked before the recording: ~200 lines, none of them a fault); errors still show.
AOT_CACHE := target/event-pipeline.aot
AOT_LOG := -Xlog:aot=error
CDS_FLAGS := -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=target/event-pipeline.jsa -Xlog:cds=off,cds+dynamic=off
JVM_FLAGS ?= $(HEAP_FLAGS)
# The benchmark runs the servers with the same heap flags (but no shared archive: it runs two programs).
BENCH_JVM_FLAGS ?= $(HEAP_FLAGS)

.PHONY: build run unit-test integration-test test bench run-mysql down clean jdk

jdk:
	@test -n "$(JAVA_HOME)" || { scripts/find-jdk; exit 1; }

build: jdk
	$(MVN) package -DskipTests

# The jar is rebuilt only when a source changed, so that the start-up cache made for it stays valid.
$(JAR): pom.xml $(shell find src/main -type f 2>/dev/null)
	@$(MAKE) --no-print-directory build

run: jdk $(JAR)
	@if [ "0$(JAVA_MAJOR)" -ge 25 ]; then \
	    if [ -s $(AOT_CACHE) ] && [ $(AOT_CACHE) -nt $(JAR) ]; then start="$(AOT_LOG) -XX:AOTCache=$(AOT_CACHE)"; \
	    else rm -f $(AOT_CACHE); start="$(AOT_LOG) -XX:AOTCacheOutput=$(AOT_CACHE)"; \
	         echo "make run: this run records an AOT cache for faster starts; it is written when the service stops"; fi; \
	else start="$(CDS_FLAGS)"; fi; \
	set -x; exec $(JAVA) $(JVM_FLAGS) $$start -jar $(JAR) $(ARGS)

# Each test target ends with one summary over the test reports (scripts/test-summary): what ran, what failed,
# what was skipped and why. Maven's exit status is the target's.
unit-test: jdk
	@rm -rf target/surefire-reports target/failsafe-reports
	@status=0; $(MVN_TEST) test || status=$$?; scripts/test-summary; exit $$status

# Failsafe needs the shaded jar (process tests run it), so this goes through `verify`.
integration-test: jdk
	@rm -rf target/surefire-reports target/failsafe-reports
	@status=0; $(MVN_TEST) verify -DskipUTs=true || status=$$?; scripts/test-summary; exit $$status

test: jdk
	@rm -rf target/surefire-reports target/failsafe-reports
	@status=0; $(MVN_TEST) verify || status=$$?; scripts/test-summary; exit $$status

# The bench's class path also holds the test dependencies: the Kafka brokers it starts for the --queue kafka rows
# (one broker, then three for the kafka-3 row) run from the kafka_2.13 jars (test scope).
bench: build
	$(MVN) dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
	$(JAVA) -cp $(JAR):target/test-classes:$$(cat target/bench.classpath) io.eventpipeline.bench.Bench \
	    $(foreach f,$(BENCH_JVM_FLAGS),--jvm-flag $(f)) $(ARGS)

# Without a Docker engine, one line that says so (make's $(error), expanded only when the target runs).
DOCKER_MISSING = $(shell scripts/need-docker run-mysql 2>&1)

run-mysql:
	$(if $(DOCKER_MISSING),$(error $(DOCKER_MISSING)))
	docker compose up -d --wait mysql
	@echo "MySQL 8.4 on 127.0.0.1:3307; start the service with:"
	@echo "  PIPELINE_DB_PASSWORD=pipeline $(JAVA) -jar $(JAR) --db-url jdbc:mysql://127.0.0.1:3307/events --db-user pipeline"

down:
	@if scripts/need-docker down; then set -x; docker compose down; fi

clean:
	rm -rf target
