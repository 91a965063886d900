package dev.checkpointer.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Topology;
import java.io.IOException;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The manifest's optional {@code topology} field, written and read by explicit code:
 * {@code "topology":{"sources":["a"],"sinks":["b"],"vnodes":8}} ({@code vnodes} absent when not recorded; empty
 * arrays when there are no sources or sinks).
 */
final class TopologyJson {
    private TopologyJson() {}

    static void write(JsonGenerator g, Topology t) throws IOException {
        g.writeObjectFieldStart("topology");
        g.writeArrayFieldStart("sources");
        for (String s : t.sources()) {
            g.writeString(s);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("sinks");
        for (String s : t.sinks()) {
            g.writeString(s);
        }
        g.writeEndArray();
        if (t.vnodes().isPresent()) {
            g.writeNumberField("vnodes", t.vnodes().getAsInt());
        }
        g.writeEndObject();
    }

    /**
     * Reads the field; every problem goes to {@code problem(field, what)}.
     *
     * @return the topology, or null when it has problems
     */
    static @Nullable Topology read(JsonNode v, BiConsumer<String, String> problem) {
        if (!v.isObject()) {
            problem.accept("topology", "expected an object {sources, sinks, vnodes}");
            return null;
        }
        TreeSet<String> sources = names(v, "sources", problem);
        TreeSet<String> sinks = names(v, "sinks", problem);
        OptionalInt vnodes = OptionalInt.empty();
        JsonNode n = v.get("vnodes");
        if (n != null && !n.isNull()) {
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) {
                problem.accept("topology.vnodes", "expected a whole number >= 1");
                return null;
            }
            vnodes = OptionalInt.of(n.asInt());
        }
        if (sources == null || sinks == null) {
            return null;
        }
        try {
            return new Topology(sources, sinks, vnodes);
        } catch (InvalidInputException e) {
            problem.accept("topology", e.getMessage());
            return null;
        }
    }

    private static @Nullable TreeSet<String> names(JsonNode v, String field, BiConsumer<String, String> problem) {
        JsonNode a = v.get(field);
        TreeSet<String> out = new TreeSet<>();
        if (a == null || a.isNull()) {
            return out;
        }
        if (!a.isArray()) {
            problem.accept("topology." + field, "expected an array of names");
            return null;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isTextual() || a.get(i).asText().isEmpty()) {
                problem.accept("topology." + field + "[" + i + "]", "expected a non-empty string");
                return null;
            }
            out.add(a.get(i).asText());
        }
        return out;
    }
}
