package dev.checkpointer.store.gcs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.zip.CRC32C;

/**
 * A scripted, in-process HTTP server speaking the subset of the GCS JSON API that google-cloud-storage's HTTP
 * transport uses for this store: object metadata GET, media download with {@code Range}, paginated list, DELETE,
 * {@code uploadType=multipart} uploads and {@code uploadType=resumable} sessions (multi-chunk, {@code 308} with
 * {@code Range}), {@code ifGenerationMatch} (0 = does not exist) answered with {@code 412}, a crc32c declared in the
 * object resource or in {@code x-goog-hash} on the final chunk checked and refused with {@code 400}. Faults are
 * scripted with {@link #failNext}. Requests are recorded for assertions.
 *
 * <p>It is written from the public JSON API documentation and from what the client library sends; it is not
 * Google's server. What it proves is that the store drives the real client library correctly over real HTTP and
 * maps the documented responses; not that GCS itself behaves as documented.
 */
public final class FakeGcsServer implements AutoCloseable {

    /** A recorded request. */
    record Request(String method, String path, Map<String, String> query, Map<String, List<String>> headers, int bodyLength) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    private record Stored(String bucket, String name, byte[] bytes, long generation, Instant updated, Map<String, String> metadata) {}

    private record Fault(Predicate<Request> when, int status, String reason, String message) {}

    private static final class Session {
        final String bucket;
        final String name;
        final Map<String, String> metadata;
        final Long ifGenerationMatch;
        final String declaredCrc32c;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Session(String bucket, String name, Map<String, String> metadata, Long ifGenerationMatch, String declaredCrc32c) {
            this.bucket = bucket;
            this.name = name;
            this.metadata = metadata;
            this.ifGenerationMatch = ifGenerationMatch;
            this.declaredCrc32c = declaredCrc32c;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-gcs");
        t.setDaemon(true);
        return t;
    });
    private final NavigableMap<String, Stored> objects = Collections.synchronizedNavigableMap(new java.util.TreeMap<>());
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong(System.currentTimeMillis() * 1000);
    private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private final java.util.concurrent.atomic.AtomicBoolean corruptNext = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Starts a server on 127.0.0.1 (an ephemeral port, an empty namespace serving any bucket); also used by the
     * reliability suite through this module's test-jar.
     *
     * @throws IOException when the port cannot be bound
     */
    public FakeGcsServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * The endpoint to give the client.
     *
     * @return e.g. {@code http://127.0.0.1:40123}
     */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Makes the next request matching {@code when} fail with {@code status}, once. */
    void failNext(Predicate<Request> when, int status, String reason) {
        failNext(when, status, reason, "scripted fault");
    }

    /** Makes the next request matching {@code when} fail with {@code status} and the service's {@code message}, once. */
    void failNext(Predicate<Request> when, int status, String reason, String message) {
        faults.add(new Fault(when, status, reason, message));
    }

    /** Flips one byte of the next upload's content as it "arrives", as corruption in transit would. */
    void corruptNextUpload() {
        corruptNext.set(true);
    }

    /** Every request so far. */
    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Forgets recorded requests (every request is recorded, for this module's assertions). */
    public void clearRequests() {
        requests.clear();
    }

    /** Current bytes of an object, or null. */
    byte[] bytes(String bucket, String name) {
        Stored s = objects.get(bucket + "/" + name);
        return s == null ? null : s.bytes();
    }

    /** Custom metadata of an object, or null. */
    Map<String, String> metadata(String bucket, String name) {
        Stored s = objects.get(bucket + "/" + name);
        return s == null ? null : s.metadata();
    }

    /**
     * Number of open (unfinalised) resumable sessions.
     *
     * @return the count
     */
    public int openSessions() {
        return sessions.size();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ============================================================================================ dispatch

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String rawPath = ex.getRequestURI().getRawPath();
            Map<String, String> query = parseQuery(ex.getRequestURI().getRawQuery());
            Request req = new Request(ex.getRequestMethod(), rawPath, query, Map.copyOf(ex.getRequestHeaders()), body.length);
            requests.add(req);
            for (Fault f : faults) {
                if (f.when().test(req) && faults.remove(f)) {
                    error(ex, f.status(), f.reason(), f.message());
                    return;
                }
            }
            route(ex, req, rawPath, query, body);
        } catch (RuntimeException e) {
            error(ex, 500, "backendError", String.valueOf(e));
        }
    }

    private void route(HttpExchange ex, Request req, String rawPath, Map<String, String> query, byte[] body) throws IOException {
        String method = req.method();
        String[] p;
        if (rawPath.startsWith("/upload/storage/v1/b/")) {
            p = split(rawPath.substring("/upload/storage/v1/b/".length()));
            String bucket = p[0];
            if (method.equals("POST") && "multipart".equals(query.get("uploadType"))) {
                multipartUpload(ex, bucket, query, body, req);
            } else if (method.equals("POST") && "resumable".equals(query.get("uploadType"))) {
                startSession(ex, bucket, query, body);
            } else if (method.equals("PUT") && query.containsKey("upload_id")) {
                putChunk(ex, query.get("upload_id"), req, body);
            } else if (method.equals("DELETE") && query.containsKey("upload_id")) {
                sessions.remove(query.get("upload_id"));
                respond(ex, 499, new byte[0], null);
            } else {
                error(ex, 400, "invalid", "unsupported upload request " + method + " " + rawPath);
            }
            return;
        }
        String rest;
        if (rawPath.startsWith("/download/storage/v1/b/")) {
            rest = rawPath.substring("/download/storage/v1/b/".length());
        } else if (rawPath.startsWith("/storage/v1/b/")) {
            rest = rawPath.substring("/storage/v1/b/".length());
        } else {
            error(ex, 404, "notFound", "no route " + rawPath);
            return;
        }
        p = split(rest);
        String bucket = p[0];
        if (p.length == 2 && p[1].equals("o")) {
            if (method.equals("GET")) {
                list(ex, bucket, query);
            } else {
                error(ex, 400, "invalid", "unsupported " + method + " on the object collection");
            }
            return;
        }
        if (p.length < 3 || !p[1].equals("o")) {
            error(ex, 404, "notFound", "no route " + rawPath);
            return;
        }
        String name = decodePath(p[2]);
        switch (method) {
            case "GET" -> {
                if ("media".equals(query.get("alt"))) {
                    media(ex, req, bucket, name, query);
                } else {
                    Stored s = objects.get(bucket + "/" + name);
                    if (s == null || !generationOk(s, query)) {
                        error(ex, 404, "notFound", "No such object: " + bucket + "/" + name);
                    } else {
                        json(ex, 200, resource(s));
                    }
                }
            }
            case "DELETE" -> {
                synchronized (lock) {
                    Stored s = objects.get(bucket + "/" + name);
                    if (s == null) {
                        error(ex, 404, "notFound", "No such object: " + bucket + "/" + name);
                        return;
                    }
                    objects.remove(bucket + "/" + name);
                }
                respond(ex, 204, new byte[0], null);
            }
            default -> error(ex, 400, "invalid", "unsupported " + method);
        }
    }

    private static boolean generationOk(Stored s, Map<String, String> query) {
        String g = query.get("generation");
        return g == null || Long.parseLong(g) == s.generation();
    }

    // ============================================================================================ reads

    private void media(HttpExchange ex, Request req, String bucket, String name, Map<String, String> query) throws IOException {
        Stored s = objects.get(bucket + "/" + name);
        if (s == null || !generationOk(s, query)) {
            error(ex, 404, "notFound", "No such object: " + bucket + "/" + name);
            return;
        }
        byte[] b = s.bytes();
        String range = req.header("Range");
        ex.getResponseHeaders().add("x-goog-generation", Long.toString(s.generation()));
        ex.getResponseHeaders().add("x-goog-metageneration", "1");
        ex.getResponseHeaders().add("x-goog-stored-content-length", Integer.toString(b.length));
        ex.getResponseHeaders().add("x-goog-stored-content-encoding", "identity");
        ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
        if (range == null || range.equals("bytes=0-")) {
            ex.getResponseHeaders().add("x-goog-hash", "crc32c=" + crc32c(b, 0, b.length));
            respond(ex, 200, b, null);
            return;
        }
        String spec = range.substring("bytes=".length());
        int dash = spec.indexOf('-');
        long start = Long.parseLong(spec.substring(0, dash));
        long end = dash == spec.length() - 1 ? b.length - 1 : Math.min(Long.parseLong(spec.substring(dash + 1)), b.length - 1);
        if (start >= b.length) {
            error(ex, 416, "requestedRangeNotSatisfiable", "range " + spec + " of " + b.length);
            return;
        }
        ex.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + end + "/" + b.length);
        byte[] out = java.util.Arrays.copyOfRange(b, (int) start, (int) end + 1);
        respond(ex, 206, out, null);
    }

    private void list(HttpExchange ex, String bucket, Map<String, String> query) throws IOException {
        String prefix = query.getOrDefault("prefix", "");
        int max = Math.min(1000, Integer.parseInt(query.getOrDefault("maxResults", "1000")));
        String token = query.get("pageToken");
        List<Stored> page = new ArrayList<>();
        String next = null;
        synchronized (objects) {
            String from = bucket + "/" + (token != null ? token : prefix);
            for (Map.Entry<String, Stored> e : objects.tailMap(from, true).entrySet()) {
                Stored s = e.getValue();
                if (!s.bucket().equals(bucket) || !s.name().startsWith(prefix)) {
                    if (s.bucket().equals(bucket) && s.name().compareTo(prefix) < 0) {
                        continue;
                    }
                    break;
                }
                if (page.size() == max) {
                    next = s.name();
                    break;
                }
                page.add(s);
            }
        }
        StringBuilder sb = new StringBuilder("{\"kind\":\"storage#objects\"");
        if (next != null) {
            sb.append(",\"nextPageToken\":").append(quote(next));
        }
        sb.append(",\"items\":[");
        for (int i = 0; i < page.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(resource(page.get(i)));
        }
        sb.append("]}");
        json(ex, 200, sb.toString());
    }

    // ============================================================================================ writes

    private void multipartUpload(HttpExchange ex, String bucket, Map<String, String> query, byte[] body, Request req) throws IOException {
        String ct = req.header("Content-Type");
        String boundary = ct.substring(ct.indexOf("boundary=") + "boundary=".length()).replace("\"", "").trim();
        List<byte[]> parts = multipartParts(body, boundary);
        Map<String, Object> resource = parseJson(new String(parts.get(0), StandardCharsets.UTF_8));
        byte[] content = parts.get(1);
        if (content.length > 0 && corruptNext.compareAndSet(true, false)) {
            content[0] ^= 0x01;
        }
        String name = (String) resource.get("name");
        if (name == null) {
            name = query.get("name");
        }
        String declared = (String) resource.get("crc32c");
        if (declared != null && !declared.equals(crc32c(content, 0, content.length))) {
            error(ex, 400, "invalid", "Provided CRC32C \"" + declared + "\" doesn't match calculated CRC32C \"" + crc32c(content, 0, content.length) + "\".");
            return;
        }
        commit(ex, bucket, name, content, metadataOf(resource), generationMatch(query));
    }

    private void startSession(HttpExchange ex, String bucket, Map<String, String> query, byte[] body) throws IOException {
        Map<String, Object> resource = body.length == 0 ? Map.of() : parseJson(new String(body, StandardCharsets.UTF_8));
        String name = resource.containsKey("name") ? (String) resource.get("name") : query.get("name");
        Long match = generationMatch(query);
        synchronized (lock) {
            String failure = precondition(bucket, name, match);
            if (failure != null) {
                error(ex, 412, "conditionNotMet", failure);
                return;
            }
        }
        String id = UUID.randomUUID().toString();
        sessions.put(id, new Session(bucket, name, metadataOf(resource), match, (String) resource.get("crc32c")));
        ex.getResponseHeaders().add("Location", endpoint() + "/upload/storage/v1/b/" + bucket + "/o?uploadType=resumable&upload_id=" + id);
        respond(ex, 200, new byte[0], null);
    }

    private void putChunk(HttpExchange ex, String id, Request req, byte[] body) throws IOException {
        Session s = sessions.get(id);
        if (s == null) {
            error(ex, 404, "notFound", "no such upload session");
            return;
        }
        String cr = req.header("Content-Range");
        if (cr == null) {
            error(ex, 400, "invalid", "Content-Range required");
            return;
        }
        String spec = cr.substring("bytes ".length());
        String rangePart = spec.substring(0, spec.indexOf('/'));
        String totalPart = spec.substring(spec.indexOf('/') + 1);
        synchronized (s) {
            if (!rangePart.equals("*")) {
                long start = Long.parseLong(rangePart.substring(0, rangePart.indexOf('-')));
                if (start != s.bytes.size()) {
                    error(ex, 400, "invalid", "chunk starts at " + start + " but " + s.bytes.size() + " bytes were persisted");
                    return;
                }
                if (body.length > 0 && corruptNext.compareAndSet(true, false)) {
                    body[0] ^= 0x01;
                }
                s.bytes.write(body);
            }
            if (totalPart.equals("*")) {
                if (s.bytes.size() > 0) {
                    ex.getResponseHeaders().add("Range", "bytes=0-" + (s.bytes.size() - 1));
                }
                respond(ex, 308, new byte[0], null);
                return;
            }
            long total = Long.parseLong(totalPart);
            byte[] content = s.bytes.toByteArray();
            if (total != content.length) {
                error(ex, 400, "invalid", "declared total " + total + " but received " + content.length);
                return;
            }
            String actual = crc32c(content, 0, content.length);
            String hashed = hashHeader(req.header("x-goog-hash"));
            if ((s.declaredCrc32c != null && !s.declaredCrc32c.equals(actual)) || (hashed != null && !hashed.equals(actual))) {
                sessions.remove(id);
                error(ex, 400, "invalid", "Provided CRC32C doesn't match calculated CRC32C \"" + actual + "\".");
                return;
            }
            sessions.remove(id);
            commit(ex, s.bucket, s.name, content, s.metadata, s.ifGenerationMatch);
        }
    }

    private void commit(HttpExchange ex, String bucket, String name, byte[] content, Map<String, String> metadata, Long match) throws IOException {
        Stored stored;
        synchronized (lock) {
            String failure = precondition(bucket, name, match);
            if (failure != null) {
                error(ex, 412, "conditionNotMet", failure);
                return;
            }
            stored = new Stored(bucket, name, content, generations.incrementAndGet(), Instant.now(), metadata);
            objects.put(bucket + "/" + name, stored);
        }
        json(ex, 200, resource(stored));
    }

    private String precondition(String bucket, String name, Long match) {
        if (match == null) {
            return null;
        }
        Stored s = objects.get(bucket + "/" + name);
        long current = s == null ? 0 : s.generation();
        return current == match ? null : "At least one of the pre-conditions you specified did not hold.";
    }

    private static Long generationMatch(Map<String, String> query) {
        String g = query.get("ifGenerationMatch");
        return g == null ? null : Long.parseLong(g);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> metadataOf(Map<String, Object> resource) {
        Object m = resource.get("metadata");
        if (!(m instanceof Map<?, ?> map)) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        ((Map<String, Object>) map).forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    private static String hashHeader(String header) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(",")) {
            String p = part.trim();
            if (p.startsWith("crc32c=")) {
                return p.substring("crc32c=".length());
            }
        }
        return null;
    }

    // ============================================================================================ helpers

    private String resource(Stored s) {
        StringBuilder sb = new StringBuilder("{\"kind\":\"storage#object\"");
        sb.append(",\"id\":").append(quote(s.bucket() + "/" + s.name() + "/" + s.generation()));
        sb.append(",\"bucket\":").append(quote(s.bucket()));
        sb.append(",\"name\":").append(quote(s.name()));
        sb.append(",\"generation\":\"").append(s.generation()).append('"');
        sb.append(",\"metageneration\":\"1\"");
        sb.append(",\"contentType\":\"application/octet-stream\"");
        sb.append(",\"size\":\"").append(s.bytes().length).append('"');
        sb.append(",\"crc32c\":").append(quote(crc32c(s.bytes(), 0, s.bytes().length)));
        sb.append(",\"timeCreated\":").append(quote(s.updated().toString()));
        sb.append(",\"updated\":").append(quote(s.updated().toString()));
        if (!s.metadata().isEmpty()) {
            sb.append(",\"metadata\":{");
            int i = 0;
            for (Map.Entry<String, String> e : s.metadata().entrySet()) {
                sb.append(i++ == 0 ? "" : ",").append(quote(e.getKey())).append(':').append(quote(e.getValue()));
            }
            sb.append('}');
        }
        return sb.append('}').toString();
    }

    static String crc32c(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        int v = (int) c.getValue();
        return Base64.getEncoder().encodeToString(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    }

    private void error(HttpExchange ex, int status, String reason, String message) throws IOException {
        String body = "{\"error\":{\"code\":" + status + ",\"message\":" + quote(message) + ",\"errors\":[{\"message\":" + quote(message)
                + ",\"domain\":\"global\",\"reason\":" + quote(reason) + "}]}}";
        json(ex, status, body);
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        respond(ex, status, body.getBytes(StandardCharsets.UTF_8), "application/json; charset=UTF-8");
    }

    private static void respond(HttpExchange ex, int status, byte[] body, String contentType) throws IOException {
        if (contentType != null) {
            ex.getResponseHeaders().add("Content-Type", contentType);
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String[] split(String rest) {
        // bucket / "o" / object-name (the name is one percent-encoded segment; keep any further '/' inside it)
        String[] first = rest.split("/", 3);
        return first;
    }

    private static String decodePath(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() + 0 && i + 2 <= s.length() - 1) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static Map<String, String> parseQuery(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(decodePath(k.replace("+", " ")), decodePath(v.replace("+", "%20")));
        }
        return out;
    }

    private static List<byte[]> multipartParts(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<byte[]> parts = new ArrayList<>();
        int pos = indexOf(body, delimiter, 0);
        while (pos >= 0) {
            int start = pos + delimiter.length;
            if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
                break;
            }
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
            int next = indexOf(body, delimiter, headersEnd + 4);
            int end = next - 2; // strip the CRLF before the delimiter
            parts.add(java.util.Arrays.copyOfRange(body, headersEnd + 4, Math.max(end, headersEnd + 4)));
            pos = next;
        }
        return parts;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(from, 0); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseJson(String text) {
        try {
            return JSON.readValue(text, Map.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("bad JSON: " + e.getMessage(), e);
        }
    }

    /** Reads all of a stream. */
    static byte[] readAll(InputStream in) throws IOException {
        return Objects.requireNonNull(in).readAllBytes();
    }
}
