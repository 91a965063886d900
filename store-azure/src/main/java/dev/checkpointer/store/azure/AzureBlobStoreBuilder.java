package dev.checkpointer.store.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.util.HttpClientOptions;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.BlobServiceVersion;
import com.azure.storage.blob.BlobUrlParts;
import com.azure.storage.blob.models.CustomerProvidedKey;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.StoreKeys;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.spi.StoreOptions;
import dev.checkpointer.store.azure.internal.AzureObjectStore;
import dev.checkpointer.store.azure.internal.IdentitySupport;
import dev.checkpointer.store.azure.internal.Redactor;
import dev.checkpointer.store.azure.internal.StoreConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Builds an Azure Blob Storage store (see {@link AzureBlobStore}). Settings are checked as they are set; {@link #build()} checks how they combine.
 *
 * <p>The same settings are available as URI query parameters or store options (unknown names are refused):
 * {@code azblob://checkpoints/jobs/orders?accountName=myaccount}.
 * <table>
 * <caption>Options</caption>
 * <tr><th>option</th><th>builder method</th><th>meaning</th></tr>
 * <tr><td>{@code connectionString}</td><td>{@link #connectionString}</td><td>a storage connection string (secret);
 *     excludes the other account and credential options</td></tr>
 * <tr><td>{@code endpoint}</td><td>{@link #endpoint}</td><td>the account's blob endpoint, e.g.
 *     {@code https://myaccount.blob.core.windows.net} or Azurite's {@code http://127.0.0.1:10000/devstoreaccount1};
 *     default {@code https://ACCOUNT.blob.core.windows.net}</td></tr>
 * <tr><td>{@code accountName}</td><td>{@link #accountName}</td><td>the storage account; default from the endpoint</td></tr>
 * <tr><td>{@code accountKey}</td><td>{@link #accountKey}</td><td>shared key (secret)</td></tr>
 * <tr><td>{@code sasToken}</td><td>{@link #sasToken}</td><td>a SAS token (secret), account or container scoped</td></tr>
 * <tr><td>(none of the three)</td><td>{@link #credential}</td><td>{@code DefaultAzureCredential} when
 *     {@code com.azure:azure-identity} is on the class path (HTTPS endpoints only)</td></tr>
 * <tr><td>{@code serviceVersion}</td><td>{@link #serviceVersion}</td><td>REST API version: {@code 2025-11-05} (the
 *     default, pinned: Azure and Azurite 3.35 both accept it), another known version, or {@code latest}</td></tr>
 * <tr><td>{@code blockSize}</td><td>{@link #blockSize}</td><td>a {@code put} up to this size is one request; larger
 *     ones are staged in blocks of this size (default 8 MiB, 64 KiB to 4000 MiB)</td></tr>
 * <tr><td>{@code maxConcurrency}</td><td>{@link #maxConcurrency}</td><td>blocks one {@code put} stages at once, and
 *     batches one {@code deleteAll} sends at once (default 4); a {@code put} holds at most
 *     {@code (maxConcurrency + 2) x blockSize} in memory</td></tr>
 * <tr><td>{@code listPageSize}</td><td>{@link #listPageSize}</td><td>blobs per list request (default and maximum 5000)</td></tr>
 * <tr><td>{@code connectTimeout}</td><td>{@link #connectTimeout}</td><td>longest wait for a connection (default 5s;
 *     ignored with {@link #client})</td></tr>
 * <tr><td>{@code customerProvidedKey}</td><td>{@link #customerProvidedKey}</td><td>CPK: base64 of a 256-bit AES key
 *     (secret) sent with every read and write; HTTPS only</td></tr>
 * <tr><td>{@code encryptionScope}</td><td>{@link #encryptionScope}</td><td>an encryption scope for new blobs</td></tr>
 * </table>
 *
 * <p>Secrets (the connection string, account key, SAS token and customer-provided key) never appear in
 * {@link #toString()}, in a store's {@code toString()} or {@code describe()}, in the messages of the errors the store
 * raises, or in the causes attached to them (whose messages are redacted).
 */
public final class AzureBlobStoreBuilder {
    /** The URI scheme this store opens. */
    public static final String SCHEME = "azblob";
    /** The REST API version sent unless {@link #serviceVersion} says otherwise. */
    public static final BlobServiceVersion DEFAULT_SERVICE_VERSION = BlobServiceVersion.V2025_11_05;
    /** Default {@link #blockSize}: 8 MiB, the checkpointer's default part size. */
    public static final long DEFAULT_BLOCK_SIZE = 8L * 1024 * 1024;
    /** Smallest {@link #blockSize}. */
    public static final long MIN_BLOCK_SIZE = 64L * 1024;
    /** Largest {@link #blockSize}: Azure's largest block. */
    public static final long MAX_BLOCK_SIZE = 4000L * 1024 * 1024;
    /** Default {@link #maxConcurrency}. */
    public static final int DEFAULT_MAX_CONCURRENCY = 4;
    /** Largest {@link #maxConcurrency}. */
    public static final int MAX_CONCURRENCY = 64;
    /** Default and largest {@link #listPageSize}: the service's maximum. */
    public static final int MAX_LIST_PAGE_SIZE = 5000;

    /** Default {@link #connectTimeout}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Every option name a URI or options map may use. */
    public static final Set<String> OPTIONS = Set.of("connectionString", "endpoint", "accountName", "accountKey", "sasToken", "serviceVersion",
            "blockSize", "maxConcurrency", "listPageSize", "connectTimeout", "customerProvidedKey", "encryptionScope");
    /** The options whose values are secret. */
    public static final Set<String> SECRET_OPTIONS = Set.of("connectionString", "accountKey", "sasToken", "customerProvidedKey");

    private @Nullable String container;
    private String prefix = "";
    private @Nullable String connectionString;
    private @Nullable String endpoint;
    private @Nullable String accountName;
    private @Nullable String accountKey;
    private @Nullable String sasToken;
    private @Nullable TokenCredential credential;
    private @Nullable BlobServiceVersion serviceVersion;
    private long blockSize = DEFAULT_BLOCK_SIZE;
    private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
    private int listPageSize = MAX_LIST_PAGE_SIZE;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private @Nullable String customerProvidedKey;
    private @Nullable String encryptionScope;
    private @Nullable BlobContainerAsyncClient client;

    AzureBlobStoreBuilder() {}

    /**
     * Takes container, prefix and options from an {@code azblob://container/prefix?option=value} URI; entries of
     * {@code options} override the URI's query parameters. Unknown options are refused.
     *
     * @param uri the location
     * @param options store options (may be empty)
     * @return this builder
     * @throws InvalidInputException when the URI is not an {@code azblob} URI, or an option is unknown or malformed
     */
    public AzureBlobStoreBuilder location(URI uri, Map<String, String> options) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(options, "options");
        StoreLocation location = StoreLocation.parse(uri);
        if (!SCHEME.equals(location.scheme())) {
            throw new InvalidInputException("an Azure Blob store URI starts with azblob://, not " + location.scheme() + "://");
        }
        Map<String, String> merged = StoreOptions.overlay(location.options(), options);
        container(location.container());
        prefix(location.prefix());
        return options(merged);
    }

    /**
     * Applies options by name (see the table in the class description). Unknown options are refused.
     *
     * @param options the options
     * @return this builder
     * @throws InvalidInputException naming an unknown or malformed option (never showing a secret value)
     */
    public AzureBlobStoreBuilder options(Map<String, String> options) {
        StoreOptions o = StoreOptions.of("azblob", options, OPTIONS, SECRET_OPTIONS);
        o.string("connectionString").ifPresent(this::connectionString);
        o.string("endpoint").ifPresent(this::endpoint);
        o.string("accountName").ifPresent(this::accountName);
        o.string("accountKey").ifPresent(this::accountKey);
        o.string("sasToken").ifPresent(this::sasToken);
        o.string("serviceVersion").ifPresent(v -> serviceVersion(parseServiceVersion(v)));
        o.ifSize("blockSize", this::blockSize).ifPositiveInt("maxConcurrency", this::maxConcurrency)
                .ifDuration("connectTimeout", this::connectTimeout).ifPositiveInt("listPageSize", this::listPageSize);
        o.string("customerProvidedKey").ifPresent(this::customerProvidedKey);
        o.string("encryptionScope").ifPresent(this::encryptionScope);
        return this;
    }

    /**
     * The container (required, unless {@link #client} is given). It must exist.
     *
     * @param container 3 to 63 lower-case letters, digits and single hyphens, starting with a letter or digit
     * @return this builder
     */
    public AzureBlobStoreBuilder container(String container) {
        Objects.requireNonNull(container, "container");
        if (!container.equals("$root") && !container.matches("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]")) {
            throw new InvalidInputException("Azure container name must be 3 to 63 lower-case letters, digits and single hyphens, "
                    + "starting and ending with a letter or digit: '" + container + "'");
        }
        this.container = container;
        return this;
    }

    /**
     * The key prefix inside the container (default: the container's root). Leading and trailing {@code /} are ignored.
     *
     * @param prefix the prefix
     * @return this builder
     */
    public AzureBlobStoreBuilder prefix(String prefix) {
        this.prefix = StoreKeys.normalizePrefix(Objects.requireNonNull(prefix, "prefix"));
        return this;
    }

    /**
     * A storage connection string ({@code AccountName=…;AccountKey=…}, {@code BlobEndpoint=…;SharedAccessSignature=…},
     * {@code UseDevelopmentStorage=true}). Excludes {@link #endpoint}, {@link #accountName}, {@link #accountKey},
     * {@link #sasToken} and {@link #credential}.
     *
     * @param connectionString the connection string (secret)
     * @return this builder
     */
    public AzureBlobStoreBuilder connectionString(String connectionString) {
        Objects.requireNonNull(connectionString, "connectionString");
        if (connectionString.isBlank()) {
            throw new InvalidInputException("azblob store option 'connectionString' must not be blank");
        }
        this.connectionString = connectionString.trim();
        return this;
    }

    /**
     * The account's blob endpoint: {@code https://ACCOUNT.blob.core.windows.net}, a private or sovereign-cloud
     * endpoint, or an emulator's path-style endpoint such as {@code http://127.0.0.1:10000/devstoreaccount1}. Default
     * {@code https://ACCOUNT.blob.core.windows.net} from {@link #accountName}.
     *
     * @param endpoint an http(s) URL without query or credentials
     * @return this builder
     */
    public AzureBlobStoreBuilder endpoint(String endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        URI uri;
        try {
            uri = new URI(endpoint.trim());
        } catch (URISyntaxException e) {
            throw new InvalidInputException("azblob store option 'endpoint' is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new InvalidInputException("azblob store option 'endpoint' must be an http(s) URL such as https://myaccount.blob.core.windows.net");
        }
        if (uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
            throw new InvalidInputException("azblob store option 'endpoint' must not carry a query or credentials; pass a SAS token as sasToken");
        }
        String e = endpoint.trim();
        while (e.endsWith("/")) {
            e = e.substring(0, e.length() - 1);
        }
        this.endpoint = e;
        return this;
    }

    /**
     * The storage account name (with {@link #accountKey}, or to derive the default endpoint).
     *
     * @param accountName 3 to 24 lower-case letters and digits (emulators may use others)
     * @return this builder
     */
    public AzureBlobStoreBuilder accountName(String accountName) {
        Objects.requireNonNull(accountName, "accountName");
        if (!accountName.trim().matches("[A-Za-z0-9-]{1,64}")) {
            throw new InvalidInputException("azblob store option 'accountName' must be letters and digits: '" + accountName + "'");
        }
        this.accountName = accountName.trim();
        return this;
    }

    /**
     * A shared key of the account.
     *
     * @param accountKey the base64 key (secret)
     * @return this builder
     */
    public AzureBlobStoreBuilder accountKey(String accountKey) {
        Objects.requireNonNull(accountKey, "accountKey");
        try {
            if (Base64.getDecoder().decode(accountKey.trim()).length == 0) {
                throw new IllegalArgumentException("empty");
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("azblob store option 'accountKey' must be the base64 key of the account (value not shown)");
        }
        this.accountKey = accountKey.trim();
        return this;
    }

    /**
     * A shared access signature, account or container scoped, granting read, add, create, write, delete and list.
     *
     * @param sasToken the token, with or without a leading {@code ?} (secret)
     * @return this builder
     */
    public AzureBlobStoreBuilder sasToken(String sasToken) {
        Objects.requireNonNull(sasToken, "sasToken");
        String t = sasToken.trim();
        if (t.startsWith("?")) {
            t = t.substring(1);
        }
        if (t.isEmpty() || !t.contains("sig=")) {
            throw new InvalidInputException("azblob store option 'sasToken' must be a SAS token with a signature (value not shown)");
        }
        this.sasToken = t;
        return this;
    }

    /**
     * A token credential (Microsoft Entra ID), for example a {@code ManagedIdentityCredential} or a
     * {@code WorkloadIdentityCredential}. Without any credential option the store uses {@code DefaultAzureCredential}
     * when {@code com.azure:azure-identity} is on the class path. Token credentials need an HTTPS endpoint.
     *
     * @param credential the credential
     * @return this builder
     */
    public AzureBlobStoreBuilder credential(TokenCredential credential) {
        this.credential = Objects.requireNonNull(credential, "credential");
        return this;
    }

    /**
     * The REST API version to send (default {@link #DEFAULT_SERVICE_VERSION}, pinned so that an SDK upgrade does not
     * silently change the wire protocol, and because emulators lag behind the SDK's newest version).
     *
     * @param version the version
     * @return this builder
     */
    public AzureBlobStoreBuilder serviceVersion(BlobServiceVersion version) {
        this.serviceVersion = Objects.requireNonNull(version, "version");
        return this;
    }

    /**
     * The block size: a {@code put} up to this size is sent in one request, larger ones are staged in blocks of this
     * size. Multipart uploads driven by the checkpointer stage one block per part, of the checkpointer's part size.
     *
     * @param bytes from {@link #MIN_BLOCK_SIZE} to {@link #MAX_BLOCK_SIZE}
     * @return this builder
     */
    public AzureBlobStoreBuilder blockSize(long bytes) {
        if (bytes < MIN_BLOCK_SIZE || bytes > MAX_BLOCK_SIZE) {
            throw new InvalidInputException("azblob store option 'blockSize' must be between 64 KiB and 4000 MiB, got " + bytes);
        }
        this.blockSize = bytes;
        return this;
    }

    /**
     * Blocks one {@code put} stages at once, and batch requests one {@code deleteAll} sends at once.
     *
     * @param n from 1 to {@link #MAX_CONCURRENCY}
     * @return this builder
     */
    public AzureBlobStoreBuilder maxConcurrency(int n) {
        if (n < 1 || n > MAX_CONCURRENCY) {
            throw new InvalidInputException("azblob store option 'maxConcurrency' must be between 1 and " + MAX_CONCURRENCY + ", got " + n);
        }
        this.maxConcurrency = n;
        return this;
    }

    /**
     * Blobs per list request.
     *
     * @param n from 1 to {@link #MAX_LIST_PAGE_SIZE}
     * @return this builder
     */
    public AzureBlobStoreBuilder listPageSize(int n) {
        if (n < 1 || n > MAX_LIST_PAGE_SIZE) {
            throw new InvalidInputException("azblob store option 'listPageSize' must be between 1 and " + MAX_LIST_PAGE_SIZE + ", got " + n);
        }
        this.listPageSize = n;
        return this;
    }

    /**
     * The longest the store's own HTTP client waits for a TCP (and TLS) connection (default 5 s); then the request
     * fails with a transient error naming the host, and the engine retries it within its operation deadline. Ignored
     * with {@link #client}.
     *
     * @param timeout at least 1 ms
     * @return this builder
     */
    public AzureBlobStoreBuilder connectTimeout(Duration timeout) {
        this.connectTimeout = StoreOptions.timeout("azblob", "connectTimeout", timeout);
        return this;
    }

    /**
     * A customer-provided key (CPK): every blob is encrypted with it, and every read must present it. Only over HTTPS;
     * excludes {@link #encryptionScope}. Losing the key loses the data.
     *
     * @param base64Key base64 of a 32-byte AES-256 key (secret)
     * @return this builder
     */
    public AzureBlobStoreBuilder customerProvidedKey(String base64Key) {
        Objects.requireNonNull(base64Key, "base64Key");
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64Key.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("azblob store option 'customerProvidedKey' must be base64 of a 32-byte key (value not shown)");
        }
        if (key.length != 32) {
            Arrays.fill(key, (byte) 0);
            throw new InvalidInputException("azblob store option 'customerProvidedKey' must be base64 of a 32-byte AES-256 key, got " + key.length + " bytes");
        }
        Arrays.fill(key, (byte) 0);
        this.customerProvidedKey = base64Key.trim();
        return this;
    }

    /**
     * An encryption scope (defined on the account) for the blobs this store writes. Excludes
     * {@link #customerProvidedKey}.
     *
     * @param scope the scope's name
     * @return this builder
     */
    public AzureBlobStoreBuilder encryptionScope(String scope) {
        Objects.requireNonNull(scope, "scope");
        if (!scope.trim().matches("[A-Za-z0-9-]{3,63}")) {
            throw new InvalidInputException("azblob store option 'encryptionScope' must be 3 to 63 letters, digits and hyphens: '" + scope + "'");
        }
        this.encryptionScope = scope.trim();
        return this;
    }

    /**
     * A container client you built and configured yourself (HTTP client, proxy, policies, credential). The store
     * does not own it: closing the store leaves it usable. Its container is the store's; account, credential and
     * service-version options are refused alongside it. Configure it without SDK retries, because the checkpointer
     * retries: {@code .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 1, (Integer) null, null, null, null))}.
     * A customer-provided key or encryption scope set here is applied on top of the client's own settings.
     *
     * @param client the client
     * @return this builder
     */
    public AzureBlobStoreBuilder client(BlobContainerAsyncClient client) {
        this.client = Objects.requireNonNull(client, "client");
        return this;
    }

    /**
     * Builds the store. It sends no request: a missing container or a wrong credential shows on first use.
     *
     * @return the store
     * @throws InvalidInputException when settings are missing or do not fit together
     */
    public ObjectStore build() {
        if (customerProvidedKey != null && encryptionScope != null) {
            throw new InvalidInputException("azblob store options customerProvidedKey and encryptionScope exclude each other");
        }
        CustomerProvidedKey cpk = customerProvidedKey == null ? null : new CustomerProvidedKey(customerProvidedKey);
        if (client != null) {
            return fromClient(client, cpk);
        }
        if (container == null) {
            throw new InvalidInputException("an Azure Blob store needs a container: azblob://CONTAINER/prefix");
        }
        Redactor redactor = Redactor.of(Arrays.asList(connectionString, accountKey, sasToken, customerProvidedKey));
        BlobContainerClientBuilder b = new BlobContainerClientBuilder()
                .containerName(container)
                .serviceVersion(serviceVersion != null ? serviceVersion : DEFAULT_SERVICE_VERSION)
                .retryOptions(noRetries())
                .httpClient(HttpClient.createDefault(new HttpClientOptions().setConnectTimeout(connectTimeout)));
        String auth;
        try {
            if (connectionString != null) {
                if (endpoint != null || accountName != null || accountKey != null || sasToken != null || credential != null) {
                    throw new InvalidInputException("azblob store option connectionString excludes endpoint, accountName, accountKey, sasToken and a credential");
                }
                b.connectionString(connectionString);
                auth = "connection string";
            } else {
                String account = accountName;
                String url = endpoint;
                if (url == null) {
                    if (account == null) {
                        throw new InvalidInputException("an Azure Blob store needs an account: give connectionString, endpoint or accountName");
                    }
                    url = "https://" + account + ".blob.core.windows.net";
                } else if (account == null) {
                    account = BlobUrlParts.parse(url).getAccountName();
                }
                b.endpoint(url);
                int credentials = (accountKey != null ? 1 : 0) + (sasToken != null ? 1 : 0) + (credential != null ? 1 : 0);
                if (credentials > 1) {
                    throw new InvalidInputException("azblob store options accountKey, sasToken and a credential exclude each other");
                }
                if (accountKey != null) {
                    if (account == null || account.isEmpty()) {
                        throw new InvalidInputException("azblob store option accountKey needs accountName (it cannot be read from endpoint '" + url + "')");
                    }
                    b.credential(new StorageSharedKeyCredential(account, accountKey));
                    auth = "shared key";
                } else if (sasToken != null) {
                    b.sasToken(sasToken);
                    auth = "SAS token";
                } else if (credential != null) {
                    b.credential(credential);
                    auth = "token credential " + credential.getClass().getSimpleName();
                } else if (IdentitySupport.isAvailable()) {
                    b.credential(IdentitySupport.defaultCredential());
                    auth = "DefaultAzureCredential";
                } else {
                    throw new InvalidInputException("an Azure Blob store needs a credential: connectionString, accountKey or sasToken, "
                            + "or com.azure:azure-identity on the class path for DefaultAzureCredential");
                }
            }
            if (cpk != null) {
                b.customerProvidedKey(cpk);
            }
            if (encryptionScope != null) {
                b.encryptionScope(encryptionScope);
            }
            BlobContainerAsyncClient built = b.buildAsyncClient();
            return new AzureObjectStore(new StoreConfig(built, true, prefix, blockSize, maxConcurrency, listPageSize, null, null, auth, redactor));
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            // The SDK's refusals ("requires https", a malformed connection string) — redacted, never echoing a secret.
            throw new InvalidInputException("the Azure Blob client cannot be built: " + redactor.redact(e.getMessage()));
        }
    }

    private ObjectStore fromClient(BlobContainerAsyncClient c, @Nullable CustomerProvidedKey cpk) {
        List<String> refused = new ArrayList<>();
        if (connectionString != null) {
            refused.add("connectionString");
        }
        if (endpoint != null) {
            refused.add("endpoint");
        }
        if (accountName != null) {
            refused.add("accountName");
        }
        if (accountKey != null) {
            refused.add("accountKey");
        }
        if (sasToken != null) {
            refused.add("sasToken");
        }
        if (credential != null) {
            refused.add("credential");
        }
        if (serviceVersion != null) {
            refused.add("serviceVersion");
        }
        if (!refused.isEmpty()) {
            throw new InvalidInputException("azblob store options " + refused + " are the client's business when a client is given");
        }
        if (container != null && !container.equals(c.getBlobContainerName())) {
            throw new InvalidInputException("the client's container is '" + c.getBlobContainerName() + "', not '" + container + "'");
        }
        if (cpk != null && !c.getBlobContainerUrl().toLowerCase(Locale.ROOT).startsWith("https:")) {
            throw new InvalidInputException("a customer-provided key is only sent over HTTPS; the client's endpoint is not");
        }
        Redactor redactor = Redactor.of(Arrays.asList(customerProvidedKey));
        return new AzureObjectStore(new StoreConfig(c, false, prefix, blockSize, maxConcurrency, listPageSize, cpk, encryptionScope, "caller's client", redactor));
    }

    /**
     * One attempt per request: the checkpointer retries transient failures itself, with backoff and bounded by
     * attempts and time; SDK retries underneath would multiply the attempts and stretch every timeout.
     */
    static RequestRetryOptions noRetries() {
        return new RequestRetryOptions(RetryPolicyType.FIXED, 1, (Integer) null, null, null, null);
    }

    static BlobServiceVersion parseServiceVersion(String text) {
        String t = text.trim();
        if (t.equalsIgnoreCase("latest")) {
            return BlobServiceVersion.getLatest();
        }
        for (BlobServiceVersion v : BlobServiceVersion.values()) {
            if (v.getVersion().equals(t) || v.name().equalsIgnoreCase(t)) {
                return v;
            }
        }
        throw new InvalidInputException("azblob store option 'serviceVersion' must be a REST API version such as " + DEFAULT_SERVICE_VERSION.getVersion()
                + " or 'latest'; known: " + Arrays.stream(BlobServiceVersion.values()).map(BlobServiceVersion::getVersion).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return "AzureBlobStoreBuilder[container=" + container + ", prefix=" + prefix + ", endpoint=" + endpoint + ", accountName=" + accountName
                + ", connectionString=" + mask(connectionString) + ", accountKey=" + mask(accountKey) + ", sasToken=" + mask(sasToken)
                + ", credential=" + (credential == null ? "none" : credential.getClass().getSimpleName()) + ", serviceVersion="
                + (serviceVersion == null ? DEFAULT_SERVICE_VERSION : serviceVersion).getVersion() + ", blockSize=" + blockSize + ", maxConcurrency="
                + maxConcurrency + ", listPageSize=" + listPageSize + ", customerProvidedKey=" + mask(customerProvidedKey) + ", encryptionScope="
                + encryptionScope + ", client=" + (client == null ? "none" : "given") + "]";
    }

    private static String mask(@Nullable String secret) {
        return secret == null ? "none" : Redactor.MASK;
    }
}
