package dev.checkpointer.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.common.Slf4jNotifier;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.extension.ResponseTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.http.Response;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URI;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WireMock server on 127.0.0.1 in proxy mode in front of an emulator, failing a seeded random share of the
 * requests it forwards, as a cloud service and the network between do:
 * <ul>
 *   <li><b>throttling</b>: 503 with the service's throttling error ({@code SlowDown} for S3, {@code ServerBusy} for
 *       Azure), before the request reaches the emulator;</li>
 *   <li><b>transient failures before effect</b>: half a 5xx error (S3 {@code 500 InternalError} or
 *       {@code 503 ServiceUnavailable}; Azure {@code 500 InternalError} or {@code 500 OperationTimedOut}), half a
 *       connection reset, without forwarding;</li>
 *   <li><b>lost responses</b>: a write (PUT, POST, DELETE) forwarded to the emulator, which applies it, and then the
 *       connection reset instead of its response;</li>
 *   <li><b>bodies cut short</b>: a read forwarded, its status and headers sent, and the connection closed halfway
 *       through the body;</li>
 *   <li><b>slow responses</b>: independently of the above, a fixed delay added before the response.</li>
 * </ul>
 * The counters say exactly what was injected; the stores' SDKs may absorb some of it (the S3 client retries a
 * request whose connection was reset before any response up to twice), which is why the engine's own retries are
 * reported next to them.
 */
public final class HttpFaultProxy implements AutoCloseable {
    private static final String PARAM = "reliability-fault";

    /** How the emulated service words its errors. */
    public enum Dialect {
        /** Amazon S3: XML error bodies. */
        S3,
        /** Azure Blob Storage: XML error bodies and the {@code x-ms-error-code} header. */
        AZURE
    }

    /**
     * Fault rates per forwarded request.
     *
     * @param transientRate share of requests failing transiently (an error before effect, a reset before effect, a
     *     lost response after effect, or a body cut short)
     * @param throttleRate share of requests refused as throttled, before effect
     * @param afterEffectRate share of the transient failures of writes that come after the emulator applied the write
     * @param midBodyRate share of the transient failures of reads ({@code GET}) that cut the body short instead
     * @param slowRate share of requests delayed (any outcome)
     * @param slowMinMillis shortest delay
     * @param slowMaxMillis longest delay
     * @param seed the random seed
     */
    public record Plan(double transientRate, double throttleRate, double afterEffectRate, double midBodyRate, double slowRate,
            int slowMinMillis, int slowMaxMillis, long seed) {
        /** No faults. */
        public static final Plan NONE = new Plan(0, 0, 0, 0, 0, 0, 0, 0);

        /** Validates the rates. */
        public Plan {
            if (transientRate < 0 || throttleRate < 0 || transientRate + throttleRate > 1 || afterEffectRate < 0 || afterEffectRate > 1
                    || midBodyRate < 0 || midBodyRate > 1 || slowRate < 0 || slowRate > 1 || slowMinMillis < 0 || slowMaxMillis < slowMinMillis) {
                throw new IllegalArgumentException("rates must be in [0, 1], transient + throttle <= 1, 0 <= min delay <= max delay");
            }
        }
    }

    private final WireMockServer server;
    private final Dialect dialect;
    private volatile Plan plan = Plan.NONE;
    private Random random = new Random(0);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong cut = new AtomicLong();
    private final AtomicLong slow = new AtomicLong();
    private final AtomicLong slowMillis = new AtomicLong();

    /**
     * Starts the proxy, forwarding everything, with no faults yet.
     *
     * @param target the emulator's base URL
     * @param dialect the emulated service
     */
    public HttpFaultProxy(URI target, Dialect dialect) {
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().disableRequestJournal().gzipDisabled(true)
                .notifier(new Slf4jNotifier(false)).extensions(new Decide(), new Apply()));
        server.start();
        server.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(target.toString())));
    }

    /**
     * Where clients should send their requests.
     *
     * @return e.g. {@code http://127.0.0.1:41234}
     */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /**
     * Injects faults into every later request (re-seeding the random source).
     *
     * @param value the rates
     * @return this proxy
     */
    public synchronized HttpFaultProxy inject(Plan value) {
        this.plan = Objects.requireNonNull(value, "plan");
        this.random = new Random(value.seed());
        return this;
    }

    /** @return requests received */
    public long requests() {
        return requests.get();
    }

    /** @return requests refused as throttled (503 SlowDown / ServerBusy) */
    public long throttled() {
        return throttled.get();
    }

    /** @return requests answered with a transient 5xx error without forwarding */
    public long errors() {
        return errors.get();
    }

    /** @return connections reset before forwarding */
    public long resets() {
        return resets.get();
    }

    /** @return writes forwarded (and applied) whose response was replaced by a connection reset */
    public long lostResponses() {
        return lost.get();
    }

    /** @return reads whose body was cut short */
    public long cutBodies() {
        return cut.get();
    }

    /** @return responses delayed */
    public long slowResponses() {
        return slow.get();
    }

    /** @return the sum of the delays added */
    public long slowMillis() {
        return slowMillis.get();
    }

    /** @return every failure injected (delays not included) */
    public long injected() {
        return throttled() + errors() + resets() + lostResponses() + cutBodies();
    }

    /**
     * What was injected, for the results.
     *
     * @return e.g. {@code 310 (52 throttled, 61 5xx, 58 resets before effect, 70 lost responses, 69 bodies cut; 35 delayed, 3.1 s)}
     */
    public String describe() {
        return String.format("%,d (%,d throttled 503 %s, %,d 5xx, %,d resets before effect, %,d lost responses (reset after effect), "
                        + "%,d bodies cut short; plus %,d responses delayed, %.1f s in all)",
                injected(), throttled(), dialect == Dialect.S3 ? "SlowDown" : "ServerBusy", errors(), resets(), lostResponses(), cutBodies(),
                slowResponses(), slowMillis() / 1000.0);
    }

    @Override
    public void close() {
        server.stop();
    }

    private enum Outcome { FORWARD, THROTTLE, ERROR, RESET, LOST, CUT }

    private record Decision(Outcome outcome, int delayMillis, int variant) {}

    private synchronized Decision decide(String method) {
        Plan p = plan;
        if (p == Plan.NONE) {
            return new Decision(Outcome.FORWARD, 0, 0);
        }
        boolean read = method.equals("GET") || method.equals("HEAD");
        double roll = random.nextDouble();
        Outcome o;
        if (roll < p.throttleRate()) {
            o = Outcome.THROTTLE;
        } else if (roll < p.throttleRate() + p.transientRate()) {
            if (!read && random.nextDouble() < p.afterEffectRate()) {
                o = Outcome.LOST;
            } else if (method.equals("GET") && random.nextDouble() < p.midBodyRate()) {
                o = Outcome.CUT;
            } else {
                o = random.nextBoolean() ? Outcome.ERROR : Outcome.RESET;
            }
        } else {
            o = Outcome.FORWARD;
        }
        int delay = random.nextDouble() < p.slowRate() ? p.slowMinMillis() + random.nextInt(p.slowMaxMillis() - p.slowMinMillis() + 1) : 0;
        return new Decision(o, delay, random.nextInt(2));
    }

    private ResponseDefinition error(int status, String code, String message) {
        ResponseDefinitionBuilder b = aResponse().withStatus(status).withHeader("Content-Type", "application/xml");
        if (dialect == Dialect.AZURE) {
            b.withHeader("x-ms-error-code", code).withHeader("x-ms-request-id", "fault-proxy");
        }
        return b.withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                + "</Message><RequestId>fault-proxy</RequestId></Error>").build();
    }

    /** Decides the fate of each request before it is forwarded; what must happen after forwarding is passed on as a parameter. */
    private final class Decide implements ResponseDefinitionTransformerV2 {
        @Override
        public ResponseDefinition transform(ServeEvent event) {
            ResponseDefinition forward = event.getResponseDefinition();
            requests.incrementAndGet();
            Decision d = decide(event.getRequest().getMethod().getName());
            if (d.delayMillis > 0) {
                slow.incrementAndGet();
                slowMillis.addAndGet(d.delayMillis);
            }
            ResponseDefinition out = switch (d.outcome) {
                case FORWARD -> forward;
                case THROTTLE -> {
                    throttled.incrementAndGet();
                    yield dialect == Dialect.S3 ? error(503, "SlowDown", "Please reduce your request rate.")
                            : error(503, "ServerBusy", "The server is busy.");
                }
                case ERROR -> {
                    errors.incrementAndGet();
                    yield dialect == Dialect.S3
                            ? (d.variant == 0 ? error(500, "InternalError", "We encountered an internal error. Please try again.")
                                    : error(503, "ServiceUnavailable", "Service is unable to handle request."))
                            : (d.variant == 0 ? error(500, "InternalError", "The server encountered an internal error. Please retry the request.")
                                    : error(500, "OperationTimedOut", "The operation could not be completed within the permitted time."));
                }
                case RESET -> {
                    resets.incrementAndGet();
                    yield aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER).build();
                }
                case LOST, CUT -> ResponseDefinitionBuilder.like(forward).withTransformerParameter(PARAM, d.outcome.name()).build();
            };
            if (d.delayMillis > 0) {
                out = ResponseDefinitionBuilder.like(out).withTransformerParameter(PARAM + "-delay", d.delayMillis).build();
            }
            return out;
        }

        @Override
        public String getName() {
            return "reliability-fault-decide";
        }
    }

    /** Applies what was decided once the emulator has answered: a reset instead of the response, a body cut short, a delay. */
    private final class Apply implements ResponseTransformerV2 {
        @Override
        public Response transform(Response response, ServeEvent event) {
            var params = event.getResponseDefinition().getTransformerParameters();
            Response r = response;
            Object delay = params == null ? null : params.get(PARAM + "-delay");
            if (delay instanceof Number n) {
                r = Response.Builder.like(r).but().incrementInitialDelay(n.longValue()).build();
            }
            Object fault = params == null ? null : params.get(PARAM);
            if (Outcome.LOST.name().equals(fault)) {
                lost.incrementAndGet();
                return Response.Builder.like(r).but().fault(Fault.CONNECTION_RESET_BY_PEER).build();
            }
            if (Outcome.CUT.name().equals(fault)) {
                byte[] body = r.getBody();
                if (r.getStatus() / 100 == 2 && body != null && body.length >= 2) {
                    cut.incrementAndGet();
                    // The full Content-Length is announced and half the body sent, then the connection is closed.
                    HttpHeaders headers = new HttpHeaders(r.getHeaders().all().stream()
                            .filter(h -> !h.keyEquals("Content-Length") && !h.keyEquals("Transfer-Encoding")).toList())
                            .plus(new HttpHeader("Content-Length", Integer.toString(body.length)));
                    return Response.Builder.like(r).but().headers(headers).body(Arrays.copyOf(body, body.length / 2)).build();
                }
            }
            return r;
        }

        @Override
        public String getName() {
            return "reliability-fault-apply";
        }
    }
}
