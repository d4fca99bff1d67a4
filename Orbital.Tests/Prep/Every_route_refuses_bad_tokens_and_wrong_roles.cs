using System.Net;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>Every route of the Prep service, except logging in and the health probes, needs a valid token and the right role.</summary>
[Collection(OrbitalCollection.Name)]
public sealed class Every_route_refuses_bad_tokens_and_wrong_roles(OrbitalAppFixture orbital)
{
    /// <summary>Every route Prep maps, with the least role allowed on it.</summary>
    private static readonly (HttpMethod Method, string Path, string Role)[] Routes =
    [
        (HttpMethod.Get, "/auth/me", "prep_cook"),
        (HttpMethod.Get, "/auth/users", "admin"),
        (HttpMethod.Post, "/auth/users", "admin"),
        (HttpMethod.Put, $"/auth/users/{Guid.Empty}", "admin"),
        (HttpMethod.Get, "/products", "prep_cook"),
        (HttpMethod.Get, "/products/x", "prep_cook"),
        (HttpMethod.Put, "/products/x", "manager"),
        (HttpMethod.Get, "/locations", "prep_cook"),
        (HttpMethod.Put, "/locations/x", "manager"),
        (HttpMethod.Get, "/locations/x/inventory", "prep_cook"),
        (HttpMethod.Post, "/locations/x/counts", "prep_cook"),
        (HttpMethod.Get, "/locations/x/counts", "prep_cook"),
        (HttpMethod.Get, "/locations/x/pars", "prep_cook"),
        (HttpMethod.Put, "/locations/x/pars/x/1", "manager"),
        (HttpMethod.Delete, "/locations/x/pars/x/1", "manager"),
        (HttpMethod.Post, "/locations/x/pars/import", "manager"),
        (HttpMethod.Get, "/locations/x/pars.csv", "manager"),
        (HttpMethod.Get, "/locations/x/prep-list", "prep_cook"),
        (HttpMethod.Get, "/locations/x/prep-list.pdf", "prep_cook"),
        (HttpMethod.Post, "/transfer-units", "manager"),
        (HttpMethod.Get, $"/transfer-units/{Guid.Empty}", "prep_cook"),
        (HttpMethod.Get, "/transfer-units?barcode=x", "prep_cook"),
        (HttpMethod.Get, $"/transfer-units/{Guid.Empty}/label.pdf", "prep_cook"),
        (HttpMethod.Post, $"/transfer-units/{Guid.Empty}/dispatch", "manager"),
        (HttpMethod.Post, $"/transfer-units/{Guid.Empty}/receive", "prep_cook"),
        (HttpMethod.Get, "/locations/x/transfer-units", "prep_cook"),
        (HttpMethod.Get, "/locations/x/transfer-units.pdf", "prep_cook"),
        (HttpMethod.Post, "/scans", "prep_cook"),
        (HttpMethod.Post, "/locations/x/waste", "prep_cook"),
        (HttpMethod.Get, "/locations/x/waste", "prep_cook"),
        (HttpMethod.Get, "/reports/jobs", "manager"),
        (HttpMethod.Post, "/reports/jobs/x/run", "manager"),
        (HttpMethod.Get, "/brands", "prep_cook"),
        (HttpMethod.Get, "/brands/x/menu-recipes", "prep_cook"),
        (HttpMethod.Get, "/brands/x/menu-recipes/item/x", "prep_cook"),
        (HttpMethod.Put, "/brands/x/menu-recipes/item/x", "manager"),
        (HttpMethod.Delete, "/brands/x/menu-recipes/item/x", "manager"),
        (HttpMethod.Get, "/menu-recipes/unmapped", "manager"),
        (HttpMethod.Get, "/locations/x/stock", "prep_cook"),
        (HttpMethod.Get, "/locations/x/availability", "prep_cook"),
        (HttpMethod.Put, "/locations/x/availability", "manager"),
        (HttpMethod.Put, "/locations/x/marked-out/x", "manager"),
        (HttpMethod.Delete, "/locations/x/marked-out/x", "manager"),
    ];

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Missing_forged_expired_unsigned_and_foreign_tokens_get_401_everywhere()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = orbital.Anonymous();
        var badTokens = new Dictionary<string, string?>
        {
            ["none"] = null,
            ["garbage"] = "not-a-jwt",
            ["wrong key"] = PrepAccess.Token(key: PrepAccess.OtherKey),
            ["expired"] = PrepAccess.Token(expires: DateTimeOffset.UtcNow.AddMinutes(-5)),
            ["alg none"] = PrepAccess.Token(key: null, algorithm: "none"),
            ["HS256 with the public key as its secret"] = PrepAccess.Token(key: PrepAccess.VerificationKey, algorithm: "HS256"),
            ["other issuer"] = PrepAccess.Token(issuer: "someone-else"),
            ["other audience"] = PrepAccess.Token(audience: "someone-else"),
            // Signed with the right key, for an account Prep does not have (a key that leaked, a user deleted).
            ["no such account"] = PrepAccess.Token(),
        };

        var wrong = new List<string>();
        foreach (var (name, token) in badTokens)
        {
            foreach (var (method, path, _) in Routes)
            {
                using var response = await client.SendWithTokenAsync(method, path, token, cancellationToken);
                if (response.StatusCode != HttpStatusCode.Unauthorized)
                {
                    wrong.Add($"{name}: {method} {path} → {(int)response.StatusCode}");
                }
            }
        }

        Assert.Empty(wrong);
        using var control = await client.SendWithTokenAsync(HttpMethod.Get, "/auth/me", await orbital.AdminTokenAsync(), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, control.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_valid_token_with_too_small_a_role_gets_403()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var wrong = new List<string>();
        foreach (var role in new[] { "prep_cook", "manager" })
        {
            using var client = await orbital.SignedInAsync(role);
            var token = client.DefaultRequestHeaders.Authorization!.Parameter;
            client.DefaultRequestHeaders.Authorization = null;
            foreach (var (method, path, least) in Routes)
            {
                using var response = await client.SendWithTokenAsync(method, path, token, cancellationToken);
                var allowed = Rank(role) >= Rank(least);
                if (allowed ? response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden : response.StatusCode != HttpStatusCode.Forbidden)
                {
                    wrong.Add($"{role}: {method} {path} → {(int)response.StatusCode}");
                }
            }
        }

        Assert.Empty(wrong);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Refusals_are_problem_details()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = orbital.Anonymous();

        using var response = await client.SendWithTokenAsync(HttpMethod.Get, "/products", token: null, cancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static int Rank(string role) => role switch { "admin" => 3, "manager" => 2, _ => 1 };
}
