# The node as a container image: not exercised by CI (see README, "Deploying it").
#   docker build -t defender-adx-migration .
#   docker run --rm -v $PWD/conf:/app/conf:ro -e DEFENDER_CLIENT_SECRET -e ADX_CLIENT_SECRET defender-adx-migration
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
# The production jar only. The simulator module builds too (the worker's tests use it), but none of its classes and
# none of the demo's reach the jar (the build checks it); without npm in this stage it skips installing Azurite.
RUN ./mvnw -B -q package -DskipTests -pl migration-worker -am

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app migration
WORKDIR /app
COPY --from=build /src/migration-worker/target/defender-adx-migration.jar /app/defender-adx-migration.jar
COPY conf/ /app/conf/
USER 10001
# 8080: /health, /metrics and the status page (http.port); 5701: Hazelcast (cluster.port); 5801: the event bus
# between nodes (cluster.eventBusPort; 0, the default, picks a free port, which a container cannot publish).
EXPOSE 8080 5701 5801
# The jar's manifest carries the --add-opens Hazelcast wants; the heap follows the container's memory limit.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/defender-adx-migration.jar"]
CMD ["run", "/app/conf/application.yaml"]
