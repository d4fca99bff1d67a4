using System.Text.Json;

namespace Orbital.Orders.Recovery;

/// <summary>Otter's order feed for a store (<c>GET /manager/order/v1/orders</c>). Orders are kept as Otter sent them.</summary>
public interface IOtterOrderFeed
{
    bool IsConfigured { get; }

    IAsyncEnumerable<JsonElement> ReadOrdersAsync(string storeId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>Otter answered with an error that retrying the request will not fix.</summary>
public sealed class OtterApiException(string message) : Exception(message);
