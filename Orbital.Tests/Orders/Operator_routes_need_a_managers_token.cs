using System.Net;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

/// <summary>
/// The Orders service faces the internet for Otter and its orders name customers: its operator routes take a manager's
/// or an admin's access token from the Prep service, and nothing less; the webhook takes Otter's signature instead.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Operator_routes_need_a_managers_token(OrbitalAppFixture orbital)
{
    private static readonly (HttpMethod Method, string Path)[] OperatorRoutes =
    [
        (HttpMethod.Get, "/orders?storeId=any"),
        (HttpMethod.Get, "/orders/some-order"),
        (HttpMethod.Get, "/dead-letters"),
        (HttpMethod.Get, "/dead-letters/orders.otter_events"),
        (HttpMethod.Post, "/dead-letters/orders.otter_events/replay?max=1"),
        (HttpMethod.Post, "/dead-letters/orders.otter_events/letters/some-event/replay"),
        (HttpMethod.Post, "/dead-letters/orders.otter_events/discard?max=1"),
        (HttpMethod.Delete, "/dead-letters/orders.otter_events/letters/some-event"),
        (HttpMethod.Get, "/dead-letters/orders.otter_events/audit"),
        (HttpMethod.Get, "/recovery/missed-orders"),
        (HttpMethod.Post, "/recovery/missed-orders/run"),
    ];

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Without_a_valid_token_every_operator_route_is_a_401_problem_and_a_prep_cook_gets_403()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = orbital.AnonymousClient(ResourceNames.OrdersService);
        var tokens = new Dictionary<string, (string? Token, HttpStatusCode Expected)>
        {
            ["none"] = (null, HttpStatusCode.Unauthorized),
            ["signed with another key"] = (PrepAccess.Token(key: PrepAccess.OtherKey, role: "admin"), HttpStatusCode.Unauthorized),
            ["expired"] = (PrepAccess.Token(role: "admin", expires: DateTimeOffset.UtcNow.AddMinutes(-5)), HttpStatusCode.Unauthorized),
            ["alg none"] = (PrepAccess.Token(key: null, role: "admin", algorithm: "none"), HttpStatusCode.Unauthorized),
            ["HS256 with the public key as its secret"] = (PrepAccess.Token(key: PrepAccess.VerificationKey, role: "admin", algorithm: "HS256"), HttpStatusCode.Unauthorized),
            ["prep cook"] = (PrepAccess.Token(role: "prep_cook"), HttpStatusCode.Forbidden),
        };

        var wrong = new List<string>();
        foreach (var (name, (token, expected)) in tokens)
        {
            foreach (var (method, path) in OperatorRoutes)
            {
                using var response = await client.SendWithTokenAsync(method, path, token, cancellationToken);
                var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
                if (response.StatusCode != expected || !problem)
                {
                    wrong.Add($"{name}: {method} {path} → {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}");
                }
            }
        }

        Assert.Empty(wrong);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_manager_signed_in_at_prep_reads_orders_and_otter_needs_no_token()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var prep = await orbital.SignedInAsync("manager");
        using var orders = orbital.AnonymousClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();

        using (var accepted = await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(orderId, Otter.Item("l1", "fries", "Fries", 1))), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        orders.DefaultRequestHeaders.Authorization = prep.DefaultRequestHeaders.Authorization;
        var stored = await orders.WaitForOrderAsync(orderId);
        Assert.Equal(orderId, stored.GetProperty("id").GetString());
        using var recovery = await orders.GetAsync("/recovery/missed-orders", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, recovery.StatusCode);
    }
}
