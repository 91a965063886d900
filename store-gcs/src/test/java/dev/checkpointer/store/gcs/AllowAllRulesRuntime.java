package dev.checkpointer.store.gcs;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An allow-all stand-in for the Firebase Storage emulator's rules runtime, so that starting the emulator downloads
 * nothing. The emulator starts {@code java -jar <STORAGE_EMULATOR_BINARY_PATH> serve} and talks to it over
 * stdin/stdout, one JSON object per line: it waits for a message with id -1, then sends {@code load_ruleset} and
 * {@code verify} requests, each answered by a line with the same id. This program loads every ruleset as
 * {@code rules_version = '2'} and permits every request. The GCS JSON API the tests use never asks it anyway (the
 * emulator serves that API with admin rights); the runtime only has to start and load the rules file.
 *
 * <p>Only JDK classes, no lambdas, no nested classes: {@link FirebaseStorageEmulator} packs this one class file
 * into a jar.
 */
public final class AllowAllRulesRuntime {
    private static final Pattern ID = Pattern.compile("(?<!\\\\)\"id\"\\s*:\\s*(-?\\d+)");
    private static final Pattern ACTION = Pattern.compile("(?<!\\\\)\"action\"\\s*:\\s*\"([A-Za-z_]+)\"");

    private AllowAllRulesRuntime() {}

    /**
     * Serves until stdin closes (the emulator stops it with SIGINT, or dies and closes the pipe).
     *
     * @param args ignored ({@code serve})
     * @throws IOException when stdin fails
     */
    public static void main(String[] args) throws IOException {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        out.println("{\"id\":-1,\"status\":\"ok\",\"errors\":[],\"warnings\":[]}");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String id = null;
            Matcher m = ID.matcher(line);
            while (m.find()) {
                id = m.group(1); // the request's own id is its last top-level member
            }
            if (id == null) {
                continue;
            }
            Matcher a = ACTION.matcher(line);
            String action = a.find() ? a.group(1) : "";
            String result;
            if (action.equals("load_ruleset")) {
                result = "{\"rulesVersion\":2}";
            } else if (action.equals("verify")) {
                result = "{\"permit\":true}";
            } else {
                result = "{}";
            }
            out.println("{\"id\":" + id + ",\"status\":\"ok\",\"errors\":[],\"warnings\":[],\"result\":" + result + "}");
        }
    }
}
