using System.ComponentModel.DataAnnotations;

namespace Orbital.Warehouse;

/// <summary>Section <c>Warehouse</c>.</summary>
public sealed class WarehouseOptions
{
    public const string SectionName = "Warehouse";

    /// <summary><c>local</c> (PostgreSQL database <c>warehousedb</c>, the default) or <c>snowflake</c>.</summary>
    [RegularExpression("^(local|snowflake)$", ErrorMessage = "Warehouse:Provider is local or snowflake.")]
    public string Provider { get; set; } = "local";

    /// <summary>Schema of the local warehouse's tables.</summary>
    public string LocalSchema { get; set; } = "analytics";

    /// <summary>Rows per upsert statement.</summary>
    [Range(1, 50_000)]
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Rows changed more recently than this are left for the next run, so a transaction still committing is not skipped.</summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Prefix of the watermark names, so a second copy of the same jobs (a test, a backfill) keeps its own position.</summary>
    public string WatermarkScope { get; set; } = string.Empty;

    public SnowflakeOptions Snowflake { get; set; } = new();
}

/// <summary>Section <c>Warehouse:Snowflake</c>: the SQL REST API with key-pair authentication.</summary>
public sealed class SnowflakeOptions
{
    /// <summary>e.g. <c>https://myorg-myaccount.snowflakecomputing.com/</c>.</summary>
    public Uri? AccountUrl { get; set; }

    /// <summary>Account identifier as the JWT names it (upper-cased, without region).</summary>
    public string Account { get; set; } = string.Empty;

    public string User { get; set; } = string.Empty;

    /// <summary>PEM of the user's RSA private key (PKCS#8), or a path to it in <see cref="PrivateKeyPath"/>.</summary>
    public string PrivateKeyPem { get; set; } = string.Empty;

    public string PrivateKeyPath { get; set; } = string.Empty;

    public string Database { get; set; } = "ORBITAL";

    public string Schema { get; set; } = "ANALYTICS";

    public string Warehouse { get; set; } = string.Empty;

    public string Role { get; set; } = string.Empty;

    /// <summary>Snowflake accepts key-pair JWTs of up to one hour.</summary>
    public TimeSpan JwtLifetime { get; set; } = TimeSpan.FromMinutes(59);

    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
