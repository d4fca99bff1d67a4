using Npgsql;

namespace Orbital.Batch.ReferenceData;

/// <summary>The local reference tables (<c>batch.stations</c>, <c>batch.items</c>, <c>batch.brands</c>).</summary>
public static class ReferenceDataTables
{
    public static async Task<KitchenReferenceData> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var stations = new List<Station>();
        await using (var command = new NpgsqlCommand("SELECT id, name, display_order FROM batch.stations ORDER BY display_order, id", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                stations.Add(new Station(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
            }
        }

        var items = new List<MenuItem>();
        await using (var command = new NpgsqlCommand("SELECT sku, name, station_id, prep_seconds, batchable, max_batch_size, brand_id FROM batch.items ORDER BY sku", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(new MenuItem(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                    reader.GetBoolean(4), reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
            }
        }

        var brands = new List<Brand>();
        await using (var command = new NpgsqlCommand("SELECT id, name FROM batch.brands ORDER BY id", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                brands.Add(new Brand(reader.GetString(0), reader.GetString(1)));
            }
        }

        return new KitchenReferenceData(stations, items, brands);
    }

    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, KitchenReferenceData data, CancellationToken cancellationToken)
    {
        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch)
        {
            foreach (var station in data.Stations)
            {
                batch.BatchCommands.Add(Command(
                    "INSERT INTO batch.stations (id, name, display_order) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, display_order = EXCLUDED.display_order",
                    station.Id, station.Name, station.DisplayOrder));
            }

            foreach (var brand in data.Brands)
            {
                batch.BatchCommands.Add(Command(
                    "INSERT INTO batch.brands (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name", brand.Id, brand.Name));
            }

            foreach (var item in data.Items)
            {
                batch.BatchCommands.Add(Command(
                    """
                    INSERT INTO batch.items (sku, name, station_id, prep_seconds, batchable, max_batch_size, brand_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
                    ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, station_id = EXCLUDED.station_id, prep_seconds = EXCLUDED.prep_seconds,
                        batchable = EXCLUDED.batchable, max_batch_size = EXCLUDED.max_batch_size, brand_id = EXCLUDED.brand_id
                    """,
                    item.Sku, item.Name, item.StationId, item.PrepSeconds, item.Batchable, item.MaxBatchSize, (object?)item.BrandId ?? DBNull.Value));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
