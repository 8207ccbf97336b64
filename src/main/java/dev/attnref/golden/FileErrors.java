package dev.attnref.golden;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * One line for a file that could not be read or written, naming the file and the reason as the
 * operating system gave it ("Not a directory", "Too many levels of symbolic links", "Is a directory"),
 * instead of the exception's class and stack.
 */
public final class FileErrors {
    private FileErrors() {
    }

    /** {@code "<file>: <reason>"} for {@code e}, raised while accessing {@code file}. */
    public static String describe(Path file, IOException e) {
        if (e instanceof NoSuchFileException n) {
            return (n.getFile() != null ? n.getFile() : file) + ": no such file or folder";
        }
        if (e instanceof FileAlreadyExistsException x) {
            return (x.getFile() != null ? x.getFile() : file) + ": exists and is not a folder";
        }
        if (e instanceof AccessDeniedException a) {
            return (a.getFile() != null ? a.getFile() : file) + ": permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return (f.getFile() != null ? f.getFile() : file) + ": " + f.getReason();
        }
        return file + ": " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    }
}
