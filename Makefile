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

.PHONY: build run unit-test integration-test test bench run-mysql down clean jdk

jdk:
	@test -n "$(JAVA_HOME)" || { scripts/find-jdk; exit 1; }

build: jdk
	$(MVN) package -DskipTests

$(JAR):
	@$(MAKE) --no-print-directory build

run: build
	$(JAVA) -jar $(JAR) $(ARGS)

unit-test: jdk
	$(MVN_TEST) test

# Failsafe needs the shaded jar (process tests run it), so this goes through `verify`.
integration-test: jdk
	$(MVN_TEST) verify -DskipUTs=true

test: jdk
	$(MVN_TEST) verify

bench: build
	$(JAVA) -cp $(JAR):target/test-classes io.eventpipeline.bench.Bench $(ARGS)

run-mysql:
	docker compose up -d --wait mysql
	@echo "MySQL 8.4 on 127.0.0.1:3307; start the service with:"
	@echo "  PIPELINE_DB_PASSWORD=pipeline java -jar $(JAR) --db-url jdbc:mysql://127.0.0.1:3307/events --db-user pipeline"

down:
	docker compose down

clean:
	rm -rf target
