package io.eventpipeline.readme;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The request examples of a README: in each {@code ```sh} block, every {@code curl} command (continued over
 * backslash-newlines and quoted newlines) and the answer shown under it ({@link ShownResponse}). Lines that are
 * neither (other commands, prose comments) are passed over. A curl command without a shown answer is an error,
 * so that no example escapes the test.
 */
public final class ReadmeExamples {
    /**
     * One example.
     *
     * @param line the README line of its {@code curl}
     * @param section the {@code ## } heading it is under
     */
    public record Example(int line, String section, CurlRequest request, ShownResponse response) {
        @Override
        public String toString() {
            return "README line " + line + ": " + request.method() + " " + request.pathAndQuery();
        }
    }

    private ReadmeExamples() {}

    /**
     * The examples in {@code readme}, in order; {@code $NAME} in a command is taken from {@code variables}.
     *
     * @throws IllegalArgumentException naming the line of an example that cannot be read
     */
    public static List<Example> parse(String readme, Map<String, String> variables) {
        List<String> lines = readme.lines().toList();
        List<Example> examples = new ArrayList<>();
        String section = "";
        boolean inShell = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!inShell && line.startsWith("## ")) {
                section = line.substring(3).strip();
            } else if (line.startsWith("```")) {
                inShell = !inShell && line.strip().equals("```sh");
            } else if (inShell && line.startsWith("curl ")) {
                int start = i;
                StringBuilder command = new StringBuilder(line);
                while (!complete(command.toString())) {
                    if (++i >= lines.size()) {
                        throw new IllegalArgumentException("README line " + (start + 1) + ": the command never ends");
                    }
                    command.append('\n').append(lines.get(i));
                }
                if (i + 1 >= lines.size() || !ShownResponse.startsAt(lines.get(i + 1))) {
                    throw new IllegalArgumentException("README line " + (start + 1) + ": a curl example without "
                            + "the answer under it (# <status> <body>)");
                }
                List<String> shown = new ArrayList<>(List.of(lines.get(++i)));
                while (i + 1 < lines.size() && ShownResponse.continues(lines.get(i + 1))) {
                    shown.add(lines.get(++i));
                }
                try {
                    examples.add(new Example(start + 1, section,
                            CurlRequest.parse(ShellWords.split(command.toString(), variables)),
                            ShownResponse.parse(shown)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("README line " + (start + 1) + ": " + e.getMessage(), e);
                }
            }
        }
        return examples;
    }

    /** False while a quote is open or the last line ends with a backslash. */
    private static boolean complete(String command) {
        boolean single = false;
        boolean dbl = false;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (c == '\\' && !single) {
                i++;
            } else if (c == '\'' && !dbl) {
                single = !single;
            } else if (c == '"' && !single) {
                dbl = !dbl;
            }
        }
        return !single && !dbl && !command.endsWith("\\");
    }
}
