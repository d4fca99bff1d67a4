using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Orbital.Warehouse;

/// <summary>
/// The default warehouse: PostgreSQL database <c>warehousedb</c>, tables in schema <c>analytics</c> shaped like the
/// Snowflake ones. Upserts are multi-row <c>INSERT … ON CONFLICT DO UPDATE</c>, one statement per batch.
/// </summary>
public sealed class LocalWarehouse(NpgsqlDataSource dataSource, IOptions<WarehouseOptions> options) : IWarehouse
{
    public string Provider => "local";

    private string Schema => options.Value.LocalSchema;

    public async Task EnsureTableAsync(WarehouseTable table, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", table.Columns.Select(c => $"{c.Name} {SqlType(c.Type)}"));
        await using var command = dataSource.CreateCommand(
            $"CREATE SCHEMA IF NOT EXISTS {Schema}; CREATE TABLE IF NOT EXISTS {Schema}.{table.Name} ({columns}, PRIMARY KEY ({string.Join(", ", table.Key)}));"
            + string.Concat(table.Columns.Where(c => c.AddedLater).Select(c => $" ALTER TABLE {Schema}.{table.Name} ADD COLUMN IF NOT EXISTS {c.Name} {SqlType(c.Type)};")));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task UpsertAsync(WarehouseTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        // PostgreSQL takes at most 65,535 parameters per statement.
        var perStatement = Math.Max(1, 60_000 / table.Columns.Count);
        foreach (var chunk in rows.Chunk(perStatement))
        {
            var sql = new StringBuilder($"INSERT INTO {Schema}.{table.Name} ({string.Join(", ", table.Columns.Select(c => c.Name))}) VALUES ");
            await using var command = dataSource.CreateCommand();
            for (var r = 0; r < chunk.Length; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < table.Columns.Count; c++)
                {
                    command.Parameters.Add(Parameter(table.Columns[c].Type, chunk[r][c]));
                    sql.Append(c == 0 ? "$" : ", $").Append(command.Parameters.Count);
                }

                sql.Append(')');
            }

            var updates = table.Columns.Where(c => !table.Key.Contains(c.Name)).Select(c => $"{c.Name} = EXCLUDED.{c.Name}").ToList();
            sql.Append(" ON CONFLICT (").Append(string.Join(", ", table.Key)).Append(") ")
                .Append(updates.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", updates));
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<IReadOnlyList<string?[]>> QueryAsync(string sql, IReadOnlyList<object?> bindings, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Placeholders(sql.Replace("{schema}", Schema, StringComparison.Ordinal)));
        foreach (var value in bindings)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        var rows = new List<string?[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i) is DateTime d ? new DateTimeOffset(d, TimeSpan.Zero) : reader.GetValue(i), CultureInfo.InvariantCulture);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Turns <c>?</c> placeholders (outside quotes) into PostgreSQL's <c>$n</c>.</summary>
    public static string Placeholders(string sql)
    {
        var result = new StringBuilder(sql.Length);
        var quoted = false;
        var n = 0;
        foreach (var c in sql)
        {
            if (c == '\'')
            {
                quoted = !quoted;
            }

            if (c == '?' && !quoted)
            {
                result.Append('$').Append(++n);
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    private static string SqlType(WarehouseType type) => type switch
    {
        WarehouseType.Text => "text",
        WarehouseType.Integer => "bigint",
        WarehouseType.Decimal => "numeric",
        WarehouseType.Boolean => "boolean",
        WarehouseType.Timestamp => "timestamptz",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static NpgsqlParameter Parameter(WarehouseType type, object? value) => new()
    {
        Value = value switch
        {
            null => DBNull.Value,
            _ when type == WarehouseType.Integer => Convert.ToInt64(value, CultureInfo.InvariantCulture),
            _ when type == WarehouseType.Decimal => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
            _ => value,
        },
        NpgsqlDbType = type switch
        {
            WarehouseType.Text => NpgsqlDbType.Text,
            WarehouseType.Integer => NpgsqlDbType.Bigint,
            WarehouseType.Decimal => NpgsqlDbType.Numeric,
            WarehouseType.Boolean => NpgsqlDbType.Boolean,
            _ => NpgsqlDbType.TimestampTz,
        },
    };
}
