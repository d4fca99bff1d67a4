using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Orbital.Tests.Infrastructure;

/// <summary>
/// A local stand-in for Azure Key Vault's secrets REST API and the Entra ID token endpoint in front of it, over TLS
/// (the Azure SDK sends bearer tokens over https only). The vault answers a request without a token with 401 and
/// <c>WWW-Authenticate: Bearer authorization="…/{tenant}", resource="…"</c>, as Key Vault does; the client gets a token
/// by client credentials (<c>POST /{tenant}/oauth2/v2.0/token</c>) and asks again. <c>GET /secrets</c> lists secrets'
/// properties a page at a time with <c>nextLink</c>; <c>GET /secrets/{name}/{version?}</c> returns a value; errors come
/// as <c>{"error": {"code", "message"}}</c>; a throttled request gets 429 with <c>Retry-After</c>.
/// </summary>
public sealed class KeyVaultStandIn : IAsyncDisposable
{
    public const string TenantId = "6f1c1e4a-0b6e-4d8e-9a53-0a1b2c3d4e5f";
    public const string ClientId = "orbital-orders";
    public const string ClientSecret = "stand-in-client-secret";
    private const int PageSize = 2;

    /// <summary>
    /// The vault's name, under the domain its challenge names: the Azure SDK checks that the vault's host ends with "."
    /// and the challenge's resource host, as <c>orbital.vault.azure.net</c> ends with <c>.vault.azure.net</c>. No DNS
    /// knows it: the <see cref="Transport"/> connects every name to the stand-in on loopback.
    /// </summary>
    private const string VaultHost = "orbital.vault.test";
    private const string ChallengeResource = "https://vault.test";

    private readonly ConcurrentDictionary<string, StoredSecret> _secrets = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, byte> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private int _throttleNext;
    private WebApplication? _app;
    private X509Certificate2? _certificate;

    /// <summary>The vault's address (<c>https://orbital.vault.test:port/</c>), also the sign-in authority's host.</summary>
    public Uri VaultUri { get; private set; } = new("https://localhost/");

    /// <summary>Each request as "METHOD path", in order, for assertions on what the client did.</summary>
    public IReadOnlyCollection<string> Requests => _requests.ToArray();

    public int TokensIssued => _tokens.Count;

    /// <summary>
    /// A transport that reaches the stand-in whatever the name (as a DNS record would) and trusts its self-signed
    /// certificate, and only it.
    /// </summary>
    public HttpPipelineTransport Transport() => new HttpClientTransport(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == _certificate!.Thumbprint,
        },
    });

    public void SetSecret(string name, string value, bool enabled = true, DateTimeOffset? expires = null) =>
        _secrets[name] = new StoredSecret(name, value, Guid.NewGuid().ToString("N"), enabled, expires);

    /// <summary>The next <paramref name="requests"/> vault requests are refused with 429 and Retry-After: 1.</summary>
    public void ThrottleNext(int requests) => Interlocked.Exchange(ref _throttleNext, requests);

    public static async Task<KeyVaultStandIn> StartAsync()
    {
        var standIn = new KeyVaultStandIn();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(VaultHost);
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        standIn._certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(standIn._certificate)));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            standIn._requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
            await next(context);
        });
        app.MapPost("/{tenant}/oauth2/v2.0/token", standIn.IssueTokenAsync);
        app.MapGet("/secrets", standIn.ListSecrets);
        app.MapGet("/secrets/{name}/{version?}", standIn.GetSecret);
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        standIn.VaultUri = new Uri($"https://{VaultHost}:{port}/");
        standIn._app = app;
        return standIn;
    }

    private async Task<IResult> IssueTokenAsync(HttpRequest request, string tenant)
    {
        var form = await request.ReadFormAsync();
        if (tenant != TenantId)
        {
            return Results.Json(new JsonObject { ["error"] = "invalid_tenant", ["error_description"] = $"AADSTS90002: Tenant '{tenant}' not found." }, statusCode: 400);
        }

        if (form["grant_type"] != "client_credentials" || form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
        {
            return Results.Json(new JsonObject { ["error"] = "invalid_client", ["error_description"] = "AADSTS7000215: Invalid client secret provided." }, statusCode: 401);
        }

        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = 0;
        return Results.Json(new JsonObject { ["token_type"] = "Bearer", ["expires_in"] = 3599, ["ext_expires_in"] = 3599, ["access_token"] = token });
    }

    private IResult ListSecrets(HttpContext context)
    {
        if (Refused(context) is { } refusal)
        {
            return refusal;
        }

        var skip = int.TryParse(context.Request.Query["$skiptoken"], out var from) ? from : 0;
        var page = _secrets.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Skip(skip).Take(PageSize).ToList();
        var body = new JsonObject
        {
            ["value"] = new JsonArray([.. page.Select(secret => (JsonNode)new JsonObject
            {
                ["id"] = new Uri(VaultUri, $"secrets/{secret.Name}").ToString(),
                ["attributes"] = Attributes(secret),
            })]),
            ["nextLink"] = skip + PageSize < _secrets.Count
                ? new Uri(VaultUri, $"secrets?api-version={context.Request.Query["api-version"]}&$skiptoken={skip + PageSize}").ToString()
                : null,
        };
        return Results.Json(body);
    }

    private IResult GetSecret(HttpContext context, string name, string? version)
    {
        if (Refused(context) is { } refusal)
        {
            return refusal;
        }

        if (!_secrets.TryGetValue(name, out var secret) || (!string.IsNullOrEmpty(version) && version != secret.Version))
        {
            return Results.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = "SecretNotFound", ["message"] = $"A secret with (name/id) {name} was not found in this key vault." } }, statusCode: 404);
        }

        if (!secret.Enabled)
        {
            return Results.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = "Forbidden", ["message"] = "Operation get is not allowed on a disabled secret." } }, statusCode: 403);
        }

        return Results.Json(new JsonObject
        {
            ["value"] = secret.Value,
            ["id"] = new Uri(VaultUri, $"secrets/{secret.Name}/{secret.Version}").ToString(),
            ["attributes"] = Attributes(secret),
        });
    }

    /// <summary>An api-version, a token this stand-in issued, and no throttling: else the refusal Key Vault would send.</summary>
    private IResult? Refused(HttpContext context)
    {
        if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
        {
            return Results.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = "BadParameter", ["message"] = "The 'api-version' query parameter is required." } }, statusCode: 400);
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !_tokens.ContainsKey(authorization["Bearer ".Length..]))
        {
            var authority = new Uri(VaultUri, TenantId).ToString();
            context.Response.Headers.WWWAuthenticate = $"Bearer authorization=\"{authority}\", resource=\"{ChallengeResource}\"";
            return Results.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = "Unauthorized", ["message"] = "AKV10000: Request is missing a Bearer or PoP token." } }, statusCode: 401);
        }

        if (Interlocked.Decrement(ref _throttleNext) >= 0)
        {
            context.Response.Headers.RetryAfter = "1";
            return Results.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = "Throttled", ["message"] = "Request was not processed because too many requests were received." } }, statusCode: 429);
        }

        Interlocked.Exchange(ref _throttleNext, 0);
        return null;
    }

    private static JsonObject Attributes(StoredSecret secret)
    {
        var attributes = new JsonObject
        {
            ["enabled"] = secret.Enabled,
            ["created"] = 1_764_547_200,
            ["updated"] = 1_764_547_200,
            ["recoveryLevel"] = "Recoverable+Purgeable",
        };
        if (secret.Expires is { } expires)
        {
            attributes["exp"] = expires.ToUnixTimeSeconds();
        }

        return attributes;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _certificate?.Dispose();
    }

    private sealed record StoredSecret(string Name, string Value, string Version, bool Enabled, DateTimeOffset? Expires);
}
