package io.eventpipeline.errors;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An I/O failure worded as its reason, for the one line an operator reads: "no such file or directory", not
 * "/var/lib/x" (which is all {@link NoSuchFileException#getMessage()} holds: the JDK puts the path there and the
 * reason in the exception's type). The caller names the flag and the path; this says what is wrong with it.
 */
public final class IoReason {
    /** {@link FileNotFoundException} carries the OS reason in parentheses after the path. */
    private static final Pattern PARENTHESISED = Pattern.compile(".*\\(([^()]+)\\)\\s*$");
    /**
     * Exceptions whose type is their reason, subtypes before their supertypes: each of the file system ones is a
     * {@link FileSystemException} whose reason field the JDK leaves null.
     */
    private static final List<Map.Entry<Class<? extends IOException>, String>> BY_TYPE = List.of(
            Map.entry(NoSuchFileException.class, "no such file or directory"),
            Map.entry(AccessDeniedException.class, "permission denied"),
            Map.entry(NotDirectoryException.class, "not a directory"),
            // Files.createDirectories throws it when the name is taken by a file, createFile when it exists at all.
            Map.entry(FileAlreadyExistsException.class, "a file of that name already exists"),
            Map.entry(DirectoryNotEmptyException.class, "directory not empty"),
            Map.entry(NotLinkException.class, "not a symbolic link"),
            Map.entry(FileSystemLoopException.class, "a loop of symbolic links"),
            Map.entry(CharacterCodingException.class, "not UTF-8 text"), // the one charset the service reads
            Map.entry(EOFException.class, "unexpected end of file"),
            Map.entry(ClosedByInterruptException.class, "interrupted"));

    private IoReason() {
    }

    /** The reason, lower case, on one line, without the path; never null or empty. */
    public static String of(IOException e) {
        for (Map.Entry<Class<? extends IOException>, String> byType : BY_TYPE) {
            if (byType.getKey().isInstance(e)) {
                return byType.getValue();
            }
        }
        if (e instanceof FileSystemException f) {
            // The OS error text (strerror): "Read-only file system", "Not a directory", "No space left on device".
            return f.getReason() != null ? sentence(f.getReason()) : "file system error";
        }
        if (e instanceof FileNotFoundException) {
            Matcher m = PARENTHESISED.matcher(Messages.firstLine(e.getMessage()));
            return m.matches() ? sentence(m.group(1)) : "no such file or directory";
        }
        // Plain IOException and socket exceptions carry the OS text as their message: "Is a directory",
        // "Address already in use".
        String message = Messages.firstLine(e.getMessage());
        return message.isEmpty() ? e.getClass().getSimpleName() : sentence(message);
    }

    /** "Read-only file system" becomes "read-only file system"; "I/O error" keeps its capitals. */
    private static String sentence(String s) {
        String line = Messages.firstLine(s);
        if (line.length() > 1 && Character.isUpperCase(line.charAt(0)) && Character.isLowerCase(line.charAt(1))) {
            return line.substring(0, 1).toLowerCase(Locale.ROOT) + line.substring(1);
        }
        return line;
    }
}
