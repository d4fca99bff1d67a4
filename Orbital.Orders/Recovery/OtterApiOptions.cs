using System.ComponentModel.DataAnnotations;

namespace Orbital.Orders.Recovery;

/// <summary>Section <c>Otter:Api</c>: Otter's Public API, used to read the order feed. Unset base URL: recovery is off.</summary>
public sealed class OtterApiOptions
{
    public const string SectionName = "Otter:Api";

    /// <summary>The account's Public API host, e.g. <c>https://partners.example-otter-host.com/</c>.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Application id, for the OAuth client-credentials token.</summary>
    public string ClientId { get; set; } = string.Empty;

    public string ClientSecret { get; set; } = string.Empty;

    public string Scope { get; set; } = "manager.orders";

    /// <summary>Orders per feed page (Otter's <c>limit</c>).</summary>
    [Range(1, 500)]
    public int PageSize { get; set; } = 50;

    /// <summary>Retries of one request on 429, 5xx and network errors; Otter's <c>Retry-After</c> is honoured.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 4;

    /// <summary>First back-off delay when Otter gives no <c>Retry-After</c>; it doubles on each retry.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public bool IsConfigured => BaseUrl is not null && ClientId.Length > 0 && ClientSecret.Length > 0;
}

/// <summary>Section <c>Otter:Recovery</c>: which stores and which time window the missed-order job reads.</summary>
public sealed class MissedOrderRecoveryOptions
{
    public const string SectionName = "Otter:Recovery";

    /// <summary>Otter store ids always checked; stores seen in recent orders are checked too.</summary>
    public List<string> StoreIds { get; set; } = [];

    /// <summary>How far back each run reads (Otter keeps the feed for 20 days).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "20.00:00:00")]
    public TimeSpan Lookback { get; set; } = TimeSpan.FromHours(3);

    /// <summary>Orders younger than this are left to their webhook, which may still be on its way.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A store with an order stored within this window is checked without being configured.</summary>
    public TimeSpan KnownStoreWindow { get; set; } = TimeSpan.FromDays(7);
}
