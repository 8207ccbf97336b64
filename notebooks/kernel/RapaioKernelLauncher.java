import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.logging.LogManager;
import org.rapaio.jupyter.kernel.MainApp;
import org.rapaio.jupyter.kernel.channels.Channels;
import org.rapaio.jupyter.kernel.core.ConnectionProperties;
import org.rapaio.jupyter.kernel.core.Transform;

/**
 * Starts the rapaio Java kernel (io.github.padreati:rapaio-jupyter-kernel 3.0.1) exactly as its
 * {@code MainApp} does, with one difference that removes a start-up race.
 *
 * <p>{@code Channels.connect} binds the sockets and starts the shell loop before it creates its
 * message-handler map. Jupyter's client sends {@code kernel_info_request} as soon as it has started
 * the process, so on a busy machine the request can reach the shell loop while the map is still
 * null: the loop dies on a NullPointerException and the client gives up after its start-up timeout
 * ("Kernel didn't respond", seen about one start in ten on a 2-core machine). Here the map is set to
 * an empty one before {@code connect}: an early request finds no handler, the kernel logs it and
 * drops it, and the client's next request (it repeats every second) gets the reply.
 *
 * <p>Run as a single-file program: {@code java -cp rapaio-jupyter-kernel-3.0.1.jar
 * RapaioKernelLauncher.java <connection file>} (what notebooks/run.sh writes into kernel.json).
 */
public final class RapaioKernelLauncher {
    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !Files.isRegularFile(Path.of(args[0]))) {
            throw new IllegalArgumentException("expected one argument, the kernel's connection file; got "
                    + String.join(" ", args));
        }
        LogManager.getLogManager().readConfiguration(MainApp.class.getClassLoader().getResourceAsStream("logging.properties"));
        ConnectionProperties connection = Transform.fromJson(Files.readString(Path.of(args[0])), ConnectionProperties.class);
        Channels channels = new Channels(connection);
        Field handlers = Channels.class.getDeclaredField("handlers");
        handlers.setAccessible(true);
        handlers.set(channels, new HashMap<>());
        channels.connect(MainApp.kernel);
        channels.joinUntilClose();
    }
}
