using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Orbital.Contracts;

namespace Orbital.Tests.Infrastructure;

/// <summary>Helpers for the Prep service's tests: the development admin, users of each role, signed-in clients.</summary>
public static class PrepAccess
{
    /// <summary>The development values the AppHost gives the Prep service (README).</summary>
    public const string AdminUsername = "admin";
    public const string AdminPassword = "orbital-dev-admin";
    /// <summary>The development key pair: Prep signs with the private key, Orders checks with the public one.</summary>
    public const string SigningKey = Microsoft.Extensions.Hosting.DevelopmentSecrets.SigningKey;

    public const string VerificationKey = Microsoft.Extensions.Hosting.DevelopmentSecrets.VerificationKey;

    /// <summary>A private key nobody gave Orbital: what a forger would sign with.</summary>
    public static readonly string OtherKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem();

    public static HttpClient Anonymous(this OrbitalAppFixture orbital) => orbital.AnonymousClient(ResourceNames.PrepService);

    public static async Task<JsonElement> LoginAsync(this HttpClient client, string username, string password)
    {
        using var response = await client.PostAsJsonAsync("/auth/login", new { username, password }, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"login as {username}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    private static readonly SemaphoreSlim AdminLock = new(1, 1);
    private static (string Token, DateTimeOffset Until)? _admin;

    /// <summary>
    /// The admin's access token, logged in once and reused: logins are throttled per username (5 a minute), and every
    /// test that needs an admin or a new user would otherwise log in as admin again.
    /// </summary>
    public static async Task<string> AdminTokenAsync(this OrbitalAppFixture orbital)
    {
        await AdminLock.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (_admin is { } cached && cached.Until > DateTimeOffset.UtcNow)
            {
                return cached.Token;
            }

            using var client = orbital.Anonymous();
            var admin = await Poll.UntilAsync(async token =>
            {
                using var response = await client.PostAsJsonAsync("/auth/login", new { username = AdminUsername, password = AdminPassword }, token);
                return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(token) : default;
            }, login => login.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(30), "the bootstrap admin to be able to log in");
            var accessToken = admin.GetProperty("accessToken").GetString()!;
            _admin = (accessToken, DateTimeOffset.UtcNow.AddSeconds(admin.GetProperty("expiresIn").GetInt32() - 60));
            return accessToken;
        }
        finally
        {
            AdminLock.Release();
        }
    }

    /// <summary>A new account of <paramref name="role"/> at <paramref name="locations"/> (every location when none), created by the admin.</summary>
    public static async Task<(string Username, string Password)> NewStaffAsync(this OrbitalAppFixture orbital, string role, params string[] locations)
    {
        using var client = orbital.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await orbital.AdminTokenAsync());
        var username = $"{role}-{Guid.NewGuid():N}";
        var password = $"pw-{Guid.NewGuid():N}";
        using var created = await client.PostAsJsonAsync(
            "/auth/users", new { username, displayName = username, role, password, locations, allLocations = locations.Length == 0 }, TestContext.Current.CancellationToken);
        created.EnsureSuccessStatusCode();
        return (username, password);
    }

    /// <summary>
    /// A client signed in as a new user of <paramref name="role"/> (the admin itself for "admin"), who works at
    /// <paramref name="locations"/>, or at every location when none are given.
    /// </summary>
    public static async Task<HttpClient> SignedInAsync(this OrbitalAppFixture orbital, string role, params string[] locations)
    {
        var client = orbital.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await orbital.AdminTokenAsync());
        if (role == "admin")
        {
            return client;
        }

        client.DefaultRequestHeaders.Authorization = null;
        var (username, password) = await orbital.NewStaffAsync(role, locations);
        var login = await client.LoginAsync(username, password);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.GetProperty("accessToken").GetString());
        return client;
    }

    /// <summary>
    /// Sends <paramref name="method"/> <paramref name="path"/> with <paramref name="token"/> as its bearer (none if null),
    /// and an empty JSON object as the body where the method takes one, so a refusal cannot come from a missing body.
    /// </summary>
    public static async Task<HttpResponseMessage> SendWithTokenAsync(this HttpClient client, HttpMethod method, string path, string? token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (method != HttpMethod.Get && method != HttpMethod.Delete)
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        return await client.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// A JWT made by hand: any key, claims, times and algorithm, to see what the service refuses. ES256 signs with the
    /// PEM private key; HS256 "signs" with the bytes of <paramref name="key"/> as a shared secret (the classic attempt
    /// to use a public key as an HMAC key); none leaves the signature empty.
    /// </summary>
    /// <param name="locations">Where the bearer works; none means every location (<c>orbital:all-locations</c>).</param>
    public static string Token(
        string? key = SigningKey, string role = "admin", DateTimeOffset? expires = null, string issuer = "orbital-prep", string audience = "orbital-prep",
        string algorithm = "ES256", string[]? locations = null)
    {
        var now = DateTimeOffset.UtcNow;
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = algorithm, ["typ"] = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            [locations is { Length: > 0 } ? "orbital:location" : "orbital:all-locations"] = locations is { Length: > 0 } ? locations : "true",
            ["sub"] = Guid.NewGuid().ToString(),
            ["name"] = "forger",
            ["role"] = role,
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = now.AddMinutes(-30).ToUnixTimeSeconds(),
            ["nbf"] = now.AddMinutes(-30).ToUnixTimeSeconds(),
            ["exp"] = (expires ?? now.AddMinutes(10)).ToUnixTimeSeconds(),
        }));
        var signingInput = Encoding.ASCII.GetBytes($"{header}.{payload}");
        string signature;
        if (key is null || algorithm == "none")
        {
            signature = string.Empty;
        }
        else if (algorithm.StartsWith("HS", StringComparison.Ordinal))
        {
            signature = Base64Url(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), signingInput));
        }
        else
        {
            using var ecdsa = System.Security.Cryptography.ECDsa.Create();
            ecdsa.ImportFromPem(key);
            signature = Base64Url(ecdsa.SignData(signingInput, System.Security.Cryptography.HashAlgorithmName.SHA256));
        }

        return $"{header}.{payload}.{signature}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
