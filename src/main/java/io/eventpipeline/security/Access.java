package io.eventpipeline.security;

import io.eventpipeline.config.Config;
import io.eventpipeline.errors.IoReason;
import io.eventpipeline.errors.StartupException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the service and where it listens, decided once at start. Safe by default: without API keys it
 * listens on loopback only, and it listens elsewhere without keys only when told {@code --insecure-no-auth}.
 *
 * @param rateLimiter null when there is no per-key rate limit
 * @param browserRateLimiter the limit of the browser keys ({@code --browser-rate-limit}), never off
 */
public record Access(ApiKeys keys, String host, RateLimiter rateLimiter, RateLimiter browserRateLimiter) {
    private static final Logger log = LoggerFactory.getLogger(Access.class);

    /**
     * Decides from the config, logging nothing: a start that fails later must print only its one error line.
     * {@link #logDecision} says what was decided once the service is up.
     *
     * @throws StartupException when the keys file cannot be read (exit code 1), or a key line is malformed or a
     *                          non-loopback host has no keys (exit code 2)
     */
    public static Access decide(Config config) throws StartupException {
        ApiKeys keys;
        try {
            keys = ApiKeys.load(config.apiKeysFile(), config.apiKeys());
        } catch (IOException e) {
            throw new StartupException("cannot read --api-keys-file " + config.apiKeysFile() + ": " + IoReason.of(e));
        } catch (IllegalArgumentException e) {
            throw StartupException.badValue("bad API key: " + e.getMessage());
        }
        String host = config.host();
        if (keys.isEmpty()) {
            if (host == null) {
                host = "127.0.0.1";
            } else if (!isLoopback(host) && !config.insecureNoAuth()) {
                throw StartupException.badValue("refusing to listen on " + host + " without API keys: configure "
                        + "--api-keys-file or PIPELINE_API_KEYS, or pass --insecure-no-auth to accept anyone who "
                        + "can reach the port");
            }
        } else {
            host = host == null ? "0.0.0.0" : host;
        }
        RateLimiter limiter = config.rateLimit() > 0 ? new RateLimiter(config.rateLimit(), System::nanoTime) : null;
        return new Access(keys, host, limiter, new RateLimiter(config.browserRateLimit(), System::nanoTime));
    }

    /** Logs what {@link #decide} decided, and what the operator should know about it. */
    public void logDecision(Config config) {
        if (keys.isEmpty()) {
            if (config.host() == null) {
                log.info("event=auth_off keys=0 host=127.0.0.1 note=\"no API keys: listening on loopback only; "
                        + "configure keys (--api-keys-file) to listen on other interfaces\"");
            } else if (!isLoopback(host)) {
                log.warn("event=auth_off keys=0 host={} note=\"--insecure-no-auth: anyone who can reach the port "
                        + "may write and read events\"", host);
            }
        } else {
            log.info("event=auth_on keys={} host={}", keys.size(), host);
        }
        if (keys.hasBrowserKey() && !config.corsOrigins().any()) {
            log.warn("event=browser_keys_unusable note=\"a write-browser key is configured but --cors-origins is "
                    + "empty: every page's request is refused until its origin is listed\"");
        }
        if (config.rateLimit() > 0 && keys.isEmpty()) {
            log.warn("event=rate_limit_off note=\"--rate-limit applies per API key, and no key is configured\"");
        }
    }

    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            // Only literal addresses are checked without a lookup; a name is resolved as the server would.
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
