package io.eventpipeline.mqtt;

import io.eventpipeline.TestDb;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.h2.tools.Server;

/**
 * The MQTT source scenarios on H2, the service's embedded database, here served by an H2 TCP server in the test's
 * JVM so that the service reaches it over a socket the proxy can cut, as it does a MariaDB. The service speaks the
 * same H2 dialect to it as to its embedded file.
 */
class MqttH2IT extends MqttSourceScenarios {
    private Server server;

    @Override
    TestDb openDatabase(Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = Server.createTcpServer("-tcpPort", Integer.toString(port), "-ifNotExists",
                "-baseDir", dir.resolve("h2").toAbsolutePath().toString()).start();
        return new TestDb("h2", url(port));
    }

    private static String url(int port) {
        return "jdbc:h2:tcp://127.0.0.1:" + port + "/events";
    }

    @Override
    String databaseHost() {
        return "127.0.0.1";
    }

    @Override
    int databasePort() {
        return server.getPort();
    }

    @Override
    String databaseUrlVia(int proxyPort) {
        return url(proxyPort);
    }

    @Override
    void closeDatabase() {
        if (server != null) {
            server.stop();
        }
    }
}
