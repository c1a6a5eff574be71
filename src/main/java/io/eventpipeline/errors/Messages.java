package io.eventpipeline.errors;

/**
 * How the service puts a failure or a client's value into one line of a message: the cause a person can act on,
 * without the wrappers and stack-trace text around it, and a value cut so that a hostile input cannot make the
 * message (or the log line) as long as itself. I/O failures have their own wording in {@link IoReason}.
 */
public final class Messages {
    /** The usual cut for a value quoted in a message: long enough to recognise it, short enough for a log line. */
    public static final int QUOTED_CHARS = 100;
    /** A wrapper message longer than this is a dump (a SQL text, a packet trace), not a reason. */
    private static final int WRAPPER_CHARS = 200;

    private Messages() {
    }

    /**
     * The innermost cause's message on one line, after the outermost message when that one is short and says
     * something else: "pipeline-db - Connection is not available (Communications link failure)". A message-less
     * throwable is named by its class.
     */
    public static String rootMessage(Throwable t) {
        Throwable root = innermost(t);
        String m = said(root);
        if (root != t && !said(t).equals(m) && t.getMessage() != null && t.getMessage().length() < WRAPPER_CHARS) {
            m = firstLine(said(t)) + " (" + firstLine(m) + ")";
        }
        return firstLine(m);
    }

    /** Only the innermost cause's message on one line: for wrappers (a pool's) that add nothing an operator uses. */
    public static String innermostMessage(Throwable t) {
        return firstLine(said(innermost(t)));
    }

    /** {@code s} itself up to {@value #QUOTED_CHARS} characters, else its start and "...". */
    public static String abbreviate(String s) {
        return abbreviate(s, QUOTED_CHARS);
    }

    /**
     * {@code s} itself up to {@code max} UTF-16 units, else its first {@code max} units and "...", one fewer when
     * the cut would split a surrogate pair (half a pair is not text, and JSON writers escape it as garbage).
     *
     * @throws IllegalArgumentException when {@code max} is less than 2
     */
    public static String abbreviate(String s, int max) {
        if (max < 2) {
            throw new IllegalArgumentException("max must be at least 2, got " + max);
        }
        if (s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end) + "...";
    }

    private static Throwable innermost(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    private static String said(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** The first line of {@code s}, stripped; "" for null. */
    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
