using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orbital.OtterStandIn;

/// <summary>
/// A local stand-in for Otter's Public API, speaking its documented shapes: <c>POST /v1/auth/token</c>
/// (client credentials, form-encoded) and <c>GET /manager/order/v1/orders</c> (bearer token, <c>X-Store-Id</c>,
/// <c>limit</c>, <c>minDateTime</c>/<c>maxDateTime</c>, opaque <c>token</c> → <c>{orders, offsetToken}</c>), and the
/// calls a kitchen makes about an order (<see cref="OrderCalls"/>). Tests run it in their own process and script rate
/// limiting (429 with <c>Retry-After</c>), failures and token revocation; <c>./run.sh</c> runs it as a service of its
/// own (Program.cs), so that the demo's orders are confirmed, ready and fulfilled somewhere one can see.
/// </summary>
public sealed partial class OtterApiStandIn : IAsyncDisposable
{
    /// <summary>The credentials it accepts (local only: the stand-in holds nothing of anyone's).</summary>
    public const string ClientId = "orbital-stand-in";
    public const string ClientSecret = "orbital-stand-in-secret";

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, JsonObject>> _feeds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _validTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private int _rateLimitedRequests;
    private int _tokensIssued;
    private int _rateLimitsServed;
    private WebApplication? _app;

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    public int TokensIssued => _tokensIssued;

    public int RateLimitsServed => _rateLimitsServed;

    /// <summary>Every feed request as <c>storeId path?query</c>.</summary>
    public IReadOnlyCollection<string> FeedRequests => _requests.ToArray();

    public long TokenLifetimeSeconds { get; set; } = 2_592_000;

    /// <summary>Starts a stand-in on a free loopback port, in this process.</summary>
    public static async Task<OtterApiStandIn> StartAsync()
    {
        var fake = new OtterApiStandIn();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        fake.MapRoutes(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = new Uri(address + "/");
        fake._app = app;
        return fake;
    }

    /// <summary>Otter's routes this stand-in speaks.</summary>
    public void MapRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/auth/token", IssueTokenAsync);
        app.MapGet("/manager/order/v1/orders", OrderFeed);
        app.MapPost("/manager/order/v1/sources/{source}/orders/{orderId}/{action}", OrderCallAsync);
        app.MapPost("/manager/menu/v1/menus/entities/availability/{action}", MenuCallAsync);
    }

    /// <summary>Puts an order (Otter's Order shape, with <c>orderedAt</c>) in a store's feed.</summary>
    public void AddOrder(string storeId, JsonObject order) =>
        _feeds.GetOrAdd(storeId, _ => new(StringComparer.Ordinal))[order["externalIdentifiers"]!["id"]!.GetValue<string>()] = order;

    /// <summary>The next <paramref name="count"/> feed requests get 429 with <c>Retry-After: 1</c>.</summary>
    public void RateLimitNext(int count) => Interlocked.Exchange(ref _rateLimitedRequests, count);

    /// <summary>Every token issued so far stops working, as when Otter revokes or rotates them.</summary>
    public void RevokeTokens() => _validTokens.Clear();

    private async Task<IResult> IssueTokenAsync(HttpRequest request)
    {
        if (!request.HasFormContentType)
        {
            return Error(400, "invalid_request", "Expected application/x-www-form-urlencoded.");
        }

        var form = await request.ReadFormAsync();
        if (form["grant_type"] != "client_credentials")
        {
            return Error(400, "unsupported_grant_type", "Only client_credentials is supported here.");
        }

        if (form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
        {
            return Error(401, "invalid_client", "Unknown client or wrong secret.");
        }

        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Guid.NewGuid()}:{Interlocked.Increment(ref _tokensIssued)}"));
        _validTokens[token] = true;
        return Results.Json(new JsonObject
        {
            ["access_token"] = token,
            ["expires_in"] = TokenLifetimeSeconds,
            ["scope"] = form["scope"].ToString(),
            ["token_type"] = "bearer",
        });
    }

    private IResult OrderFeed(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !_validTokens.ContainsKey(authorization["Bearer ".Length..]))
        {
            return Error(401, "UNAUTHORIZED", "Invalid authorization.");
        }

        var storeId = request.Headers["X-Store-Id"].ToString();
        _requests.Enqueue($"{storeId} {request.Path}{request.QueryString}");
        if (string.IsNullOrEmpty(storeId))
        {
            return Error(400, "BAD_REQUEST", "X-Store-Id is required.");
        }

        if (Interlocked.Decrement(ref _rateLimitedRequests) >= 0)
        {
            Interlocked.Increment(ref _rateLimitsServed);
            request.HttpContext.Response.Headers.RetryAfter = "1";
            return Error(429, "RATE_LIMITED", "Too many requests.");
        }

        if (!int.TryParse(request.Query["limit"], CultureInfo.InvariantCulture, out var limit) || limit < 1)
        {
            return Error(400, "BAD_REQUEST", "limit is required.");
        }

        if (!TryTime(request.Query["minDateTime"], out var min) || !TryTime(request.Query["maxDateTime"], out var max))
        {
            return Error(400, "BAD_REQUEST", "minDateTime and maxDateTime must be ISO 8601 with a time zone.");
        }

        var offset = string.IsNullOrEmpty(request.Query["token"])
            ? 0
            : int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(request.Query["token"]!)), CultureInfo.InvariantCulture);
        var orders = _feeds.TryGetValue(storeId, out var feed) ? feed.Values.ToList() : [];
        var matching = orders
            .Where(o => DateTimeOffset.Parse(o["orderedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture) is var at
                && (min is null || at >= min) && (max is null || at <= max))
            .OrderBy(o => o["orderedAt"]!.GetValue<string>(), StringComparer.Ordinal)
            .ToList();
        var page = matching.Skip(offset).Take(limit).Select(o => o.DeepClone()).ToArray();
        var response = new JsonObject { ["orders"] = new JsonArray(page) };
        if (offset + limit < matching.Count)
        {
            // Opaque to the client; the '=' padding checks that the client URL-encodes it.
            response["offsetToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + limit).ToString(CultureInfo.InvariantCulture)));
        }

        return Results.Json(response);
    }

    private static bool TryTime(string? value, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            time = parsed;
            return true;
        }

        return false;
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new JsonObject { ["code"] = code, ["message"] = message }, statusCode: status);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
