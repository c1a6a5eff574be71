package io.eventpipeline.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.EOFException;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of I/O failure the start meets, raised for real where the file system can raise it. */
class IoReasonTest {
    @TempDir
    Path dir;

    @Test
    void a_missing_file_is_no_such_file_not_its_path() {
        Path missing = dir.resolve("missing");
        IOException e = catchThrowableOfType(IOException.class, () -> Files.readAllLines(missing));

        assertThat(e.getMessage()).isEqualTo(missing.toString()); // what the start used to print as the reason
        assertThat(IoReason.of(e)).isEqualTo("no such file or directory");
    }

    @Test
    void a_directory_that_is_a_file_says_so() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");

        assertThat(IoReason.of(catchThrowableOfType(IOException.class, () -> Files.createDirectories(file))))
                .isEqualTo("a file of that name already exists");
        assertThat(IoReason.of(catchThrowableOfType(IOException.class,
                () -> Files.createDirectories(file.resolve("sub"))))).isEqualTo("not a directory");
        assertThat(IoReason.of(catchThrowableOfType(IOException.class, () -> Files.list(file))))
                .isEqualTo("not a directory");
    }

    @Test
    void reading_a_directory_as_a_file_says_it_is_a_directory() {
        assertThat(IoReason.of(catchThrowableOfType(IOException.class, () -> Files.readAllLines(dir))))
                .isEqualTo("is a directory");
    }

    @Test
    void a_file_that_is_not_utf8_says_so() throws IOException {
        Path latin1 = Files.write(dir.resolve("keys"), "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));

        IOException e = catchThrowableOfType(IOException.class,
                () -> Files.readAllLines(latin1, StandardCharsets.UTF_8));
        assertThat(e).isInstanceOf(MalformedInputException.class);
        assertThat(IoReason.of(e)).isEqualTo("not UTF-8 text");
    }

    @Test
    void a_file_not_found_from_a_stream_gives_the_os_reason_without_the_path() {
        Path missing = dir.resolve("gone");
        IOException e = catchThrowableOfType(IOException.class, () -> new FileInputStream(missing.toFile()).close());

        assertThat(IoReason.of(e)).isEqualTo("no such file or directory");
    }

    @Test
    void a_port_in_use_says_address_already_in_use() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket taken = new ServerSocket(0, 1, loopback)) {
            IOException e = catchThrowableOfType(IOException.class,
                    () -> new ServerSocket(taken.getLocalPort(), 1, loopback).close());

            assertThat(e).isInstanceOf(BindException.class);
            assertThat(IoReason.of(e)).startsWith("address already in use");
        }
    }

    @Test
    void the_operating_systems_reason_is_lower_cased_and_kept() {
        assertThat(IoReason.of(new FileSystemException("/data", null, "Read-only file system")))
                .isEqualTo("read-only file system");
        assertThat(IoReason.of(new FileSystemException("/data", null, "No space left on device")))
                .isEqualTo("no space left on device");
        assertThat(IoReason.of(new FileSystemException("/data", null, "Operation not permitted")))
                .isEqualTo("operation not permitted");
        assertThat(IoReason.of(new IOException("I/O error"))).isEqualTo("I/O error");
    }

    @Test
    void every_file_system_exception_subtype_gets_words_not_a_path() {
        assertThat(IoReason.of(new AccessDeniedException("/data/instance.lock"))).isEqualTo("permission denied");
        assertThat(IoReason.of(new DirectoryNotEmptyException("/data"))).isEqualTo("directory not empty");
        assertThat(IoReason.of(new NotLinkException("/data"))).isEqualTo("not a symbolic link");
        assertThat(IoReason.of(new FileSystemLoopException("/data"))).isEqualTo("a loop of symbolic links");
        assertThat(IoReason.of(new FileSystemException("/data"))).isEqualTo("file system error");
    }

    @Test
    void a_failure_without_a_message_is_named_by_its_kind_on_one_line() {
        assertThat(IoReason.of(new EOFException())).isEqualTo("unexpected end of file");
        assertThat(IoReason.of(new IOException())).isEqualTo("IOException");
        assertThat(IoReason.of(new IOException("Stale file handle\n\tat somewhere"))).isEqualTo("stale file handle");
    }
}
