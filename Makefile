# Event Pipeline. Every target finds a JDK 21+ by itself (scripts/find-jdk).
SHELL := /bin/bash
JAVA_HOME := $(shell scripts/find-jdk 2>/dev/null)
export JAVA_HOME
JAVA := $(JAVA_HOME)/bin/java
MVN := ./mvnw -B -q
# Tests run without -q, so that Surefire and Failsafe print their summaries.
MVN_TEST := ./mvnw -B --no-transfer-progress
JAR := target/event-pipeline.jar
# Extra flags for `make run`, e.g. make run ARGS="--workers 8 --port 9090"
ARGS ?=
# JVM flags for `make run`: a bounded heap, so that peak RSS stays under 300 MiB whatever the machine's
# memory (the JVM's default heap is a quarter of it), and a class-data archive, written by the first run
# and used by the next ones, that roughly halves the time to the first answered /health.
JVM_FLAGS ?= -Xms64m -Xmx256m -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=target/event-pipeline.jsa \
    -Xlog:cds=off,cds+dynamic=off
# The benchmark runs the servers with the same heap bound (but no shared archive: it runs two programs).
BENCH_JVM_FLAGS ?= -Xms64m -Xmx256m

.PHONY: build run unit-test integration-test test bench run-mysql down clean jdk

jdk:
	@test -n "$(JAVA_HOME)" || { scripts/find-jdk; exit 1; }

build: jdk
	$(MVN) package -DskipTests

$(JAR):
	@$(MAKE) --no-print-directory build

run: build
	$(JAVA) $(JVM_FLAGS) -jar $(JAR) $(ARGS)

unit-test: jdk
	$(MVN_TEST) test

# Failsafe needs the shaded jar (process tests run it), so this goes through `verify`.
integration-test: jdk
	$(MVN_TEST) verify -DskipUTs=true

test: jdk
	$(MVN_TEST) verify

bench: build
	$(JAVA) -cp $(JAR):target/test-classes io.eventpipeline.bench.Bench \
	    $(foreach f,$(BENCH_JVM_FLAGS),--jvm-flag $(f)) $(ARGS)

run-mysql:
	docker compose up -d --wait mysql
	@echo "MySQL 8.4 on 127.0.0.1:3307; start the service with:"
	@echo "  PIPELINE_DB_PASSWORD=pipeline java -jar $(JAR) --db-url jdbc:mysql://127.0.0.1:3307/events --db-user pipeline"

down:
	docker compose down

clean:
	rm -rf target
