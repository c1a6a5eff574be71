package io.eventpipeline;

import io.eventpipeline.security.ApiKeys;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code keys new}: makes a random API key and prints the secret (once) and the line that configures it. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage API keys.",
        subcommands = KeysCommand.New.class)
final class KeysCommand {

    @Command(name = "new", mixinStandardHelpOptions = true,
            description = "Make a new random API key. The secret is printed once and stored nowhere: only its "
                    + "SHA-256 goes into the keys file.")
    static final class New implements Callable<Integer> {
        @Option(names = "--scope", defaultValue = "write",
                description = "write (POST events), read (query events), read+write, or write-browser (the public "
                        + "key of a web page: the browser routes only, from --cors-origins). Default: ${DEFAULT-VALUE}")
        String scope;

        @Option(names = "--name", required = true,
                description = "A name for whoever uses the key, e.g. shop-web; stored with every event it writes")
        String name;

        @Override
        public Integer call() {
            ApiKeys.NewKey key = ApiKeys.generate(scope, name);
            System.out.println("secret: " + key.secret());
            System.out.println("line:   " + key.line());
            System.out.println();
            if (scope.strip().equalsIgnoreCase("write-browser")) {
                System.out.println("Put the secret in the page as analytics.js's writeKey (it is public there) and "
                        + "add the line to the --api-keys-file, or to PIPELINE_API_KEYS.");
            } else {
                System.out.println("Give the secret to the client (Authorization: Bearer <secret>) and add the line "
                        + "to the --api-keys-file, or to PIPELINE_API_KEYS.");
            }
            return 0;
        }
    }
}
