namespace Orbital.Warehouse;

public enum WarehouseType
{
    Text,
    Integer,
    Decimal,
    Boolean,
    Timestamp,
}

/// <summary>
/// One column. <paramref name="AddedLater"/> marks a column that tables created by an earlier version lack: ensuring the
/// table adds it in place (<c>ADD COLUMN IF NOT EXISTS</c>), and rows copied before it came have it null.
/// </summary>
public sealed record WarehouseColumn(string Name, WarehouseType Type, bool AddedLater = false);

/// <summary>A warehouse table: its columns and the columns that identify a row (what an upsert matches on).</summary>
public sealed record WarehouseTable(string Name, IReadOnlyList<WarehouseColumn> Columns, IReadOnlyList<string> Key)
{
    public int IndexOf(string column) => Columns.ToList().FindIndex(c => c.Name == column);
}

/// <summary>
/// Where operational data goes for analytics, and where the kitchen's reference data comes from. Two providers:
/// <see cref="LocalWarehouse"/> (PostgreSQL, the default) and <see cref="SnowflakeWarehouse"/> (Snowflake's SQL REST
/// API). The official Snowflake connector, once it can be had, is one more class behind this interface.
/// </summary>
public interface IWarehouse
{
    string Provider { get; }

    /// <summary>Creates the table when it does not exist, and adds to an existing one the columns added later.</summary>
    Task EnsureTableAsync(WarehouseTable table, CancellationToken cancellationToken);

    /// <summary>Inserts the rows, or updates those whose key exists (MERGE), in as few statements as the provider allows.</summary>
    Task UpsertAsync(WarehouseTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken);

    /// <summary>Runs a query with <c>?</c> placeholders bound in order; every value comes back as invariant text (or null).</summary>
    Task<IReadOnlyList<string?[]>> QueryAsync(string sql, IReadOnlyList<object?> bindings, CancellationToken cancellationToken);
}
