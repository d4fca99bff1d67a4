using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace Orbital.Orders.Data;

/// <summary>
/// Writes orders seen for the first time (with their lines, modifiers, promotions and first status) and the raw events
/// that brought them with PostgreSQL's binary COPY, on the context's connection and inside its transaction. EF Core
/// builds the SQL of every row it saves anew, and at a few hundred orders a second that was most of the consumer's CPU
/// and allocations. Tables, columns and types come from the EF model, so this and the migrations cannot drift apart.
/// </summary>
public static class NewOrderWriter
{
    public static async Task WriteAsync(OrdersDbContext db, IReadOnlyList<OrderEntity> orders, IReadOnlyList<RawEventEntity> rawEvents, CancellationToken cancellationToken)
    {
        if (orders.Count == 0 && rawEvents.Count == 0)
        {
            return;
        }

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var items = orders.SelectMany(o => o.Items).ToList();
        var modifiers = items.SelectMany(i => i.Modifiers).ToList();
        var promotions = orders.SelectMany(o => o.Promotions).ToList();
        var statuses = orders.SelectMany(o => o.StatusHistory).ToList();

        var ids = await NextIdsAsync(connection, db.Model, [(typeof(OrderItemEntity), items.Count), (typeof(OrderItemModifierEntity), modifiers.Count),
            (typeof(OrderPromotionEntity), promotions.Count), (typeof(OrderStatusChangeEntity), statuses.Count)], cancellationToken);
        for (var i = 0; i < items.Count; i++)
        {
            items[i].Id = ids[0][i];
        }

        // Modifiers are listed parents first, so a parent's id is known before its children's rows are filled in.
        var next = 0;
        foreach (var item in items)
        {
            foreach (var modifier in item.Modifiers)
            {
                modifier.Id = ids[1][next++];
                modifier.OrderItemId = item.Id;
                modifier.ParentModifierId = modifier.Parent?.Id;
            }
        }

        for (var i = 0; i < promotions.Count; i++)
        {
            promotions[i].Id = ids[2][i];
        }

        for (var i = 0; i < statuses.Count; i++)
        {
            statuses[i].Id = ids[3][i];
        }

        await CopyAsync(connection, db.Model, orders, cancellationToken);
        await CopyAsync(connection, db.Model, items, cancellationToken);
        await CopyAsync(connection, db.Model, modifiers, cancellationToken);
        await CopyAsync(connection, db.Model, promotions, cancellationToken);
        await CopyAsync(connection, db.Model, statuses, cancellationToken);
        await CopyAsync(connection, db.Model, rawEvents, cancellationToken);
    }

    /// <summary>Takes the ids of the new rows from each table's identity sequence, all in one round trip.</summary>
    private static async Task<List<long[]>> NextIdsAsync(NpgsqlConnection connection, IModel model, (Type Entity, int Count)[] wanted, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (entity, count) in wanted)
        {
            var command = new NpgsqlBatchCommand("SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)");
            command.Parameters.Add(new NpgsqlParameter { Value = QualifiedTable(model.FindEntityType(entity)!) });
            command.Parameters.Add(new NpgsqlParameter { Value = count });
            batch.BatchCommands.Add(command);
        }

        var result = new List<long[]>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            var values = new List<long>();
            while (await reader.ReadAsync(cancellationToken))
            {
                values.Add(reader.GetInt64(0));
            }

            result.Add([.. values]);
        }
        while (await reader.NextResultAsync(cancellationToken));

        return result;
    }

    private static async Task CopyAsync<T>(NpgsqlConnection connection, IModel model, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        var entityType = model.FindEntityType(typeof(T))!;
        var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
        var columns = entityType.GetProperties().Select(property => (
            Name: property.GetColumnName(table)!,
            Mapping: property.GetRelationalTypeMapping(),
            Getter: property.GetGetter())).ToList();

        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {QualifiedTable(entityType)} ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(cancellationToken);
            foreach (var (_, mapping, getter) in columns)
            {
                var value = getter.GetClrValueUsingContainingEntity(row);
                if (value is not null && mapping.Converter is { } converter)
                {
                    value = converter.ConvertToProvider(value);
                }

                if (value is null)
                {
                    await importer.WriteNullAsync(cancellationToken);
                }
                else
                {
                    await importer.WriteAsync(value, mapping.StoreType, cancellationToken);
                }
            }
        }

        await importer.CompleteAsync(cancellationToken);
    }

    private static string QualifiedTable(IEntityType entityType) => $"\"{entityType.GetSchema()}\".\"{entityType.GetTableName()}\"";
}
