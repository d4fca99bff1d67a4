using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;
using Orbital.Warehouse;

namespace Orbital.Tests.Warehouse;

/// <summary>
/// A private corner of the real local warehouse for one test: its own schema there and its own watermark names in the
/// source database, so the services' scheduled syncs and other tests never move what the test looks at.
/// </summary>
public sealed class WarehouseTestBed : IAsyncDisposable
{
    private WarehouseTestBed(NpgsqlDataSource warehouseDatabase, IOptions<WarehouseOptions> options, IMeterFactory meters)
    {
        WarehouseDatabase = warehouseDatabase;
        Options = options;
        Metrics = new WarehouseSyncMetrics(meters);
        Warehouse = new LocalWarehouse(warehouseDatabase, options);
    }

    public NpgsqlDataSource WarehouseDatabase { get; }

    public IOptions<WarehouseOptions> Options { get; }

    public WarehouseSyncMetrics Metrics { get; }

    public LocalWarehouse Warehouse { get; }

    public string Schema => Options.Value.LocalSchema;

    public static async Task<WarehouseTestBed> CreateAsync(OrbitalAppFixture orbital, int batchSize = 2)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var options = Microsoft.Extensions.Options.Options.Create(new WarehouseOptions
        {
            LocalSchema = $"test_{id}",
            BatchSize = batchSize,
            SettleDelay = TimeSpan.Zero,
            WatermarkScope = $"test-{id}:",
        });
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return new WarehouseTestBed(NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.WarehouseDatabase)), options, meters);
    }

    public async Task<List<object?[]>> RowsAsync(string table, string where, params object[] values)
    {
        await using var command = WarehouseDatabase.CreateCommand($"SELECT * FROM {Schema}.{table} WHERE {where} ORDER BY 1, 2");
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var rows = new List<object?[]>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add([.. row.Select(v => v is DBNull ? null : v)]);
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await using (var drop = WarehouseDatabase.CreateCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await WarehouseDatabase.DisposeAsync();
    }
}

/// <summary>A warehouse that writes the first batches and then "dies" right after writing one, before the job saves its watermark.</summary>
public sealed class WarehouseThatDies(IWarehouse inner, int dieAfterUpserts) : IWarehouse
{
    private int _upserts;

    public string Provider => inner.Provider;

    public Task EnsureTableAsync(WarehouseTable table, CancellationToken cancellationToken) => inner.EnsureTableAsync(table, cancellationToken);

    public async Task UpsertAsync(WarehouseTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        await inner.UpsertAsync(table, rows, cancellationToken);
        if (++_upserts == dieAfterUpserts)
        {
            throw new IOException("The job was killed after this upsert, before saving its watermark.");
        }
    }

    public Task<IReadOnlyList<string?[]>> QueryAsync(string sql, IReadOnlyList<object?> bindings, CancellationToken cancellationToken) =>
        inner.QueryAsync(sql, bindings, cancellationToken);
}
