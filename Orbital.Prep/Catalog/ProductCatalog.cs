using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using StackExchange.Redis;

namespace Orbital.Prep.Catalog;

/// <summary>A master product with what the kitchen needs to count and prep it.</summary>
public sealed record Product(
    string Sku,
    string Name,
    string Unit,
    string? Category,
    string? Storage,
    int? ShelfLifeHours,
    decimal BatchSize,
    IReadOnlyList<string> Barcodes,
    IReadOnlyDictionary<string, decimal> Conversions,
    IReadOnlyList<RecipeIngredient> Recipe)
{
    /// <summary>A quantity in <paramref name="unit"/> (the base unit when null) in the product's base unit; null for a unit it has no factor for.</summary>
    public decimal? ToBase(decimal quantity, string? unit) =>
        unit is null || string.Equals(unit, Unit, StringComparison.OrdinalIgnoreCase) ? quantity
        : Conversions.FirstOrDefault(c => string.Equals(c.Key, unit, StringComparison.OrdinalIgnoreCase)) is { Key: not null } c ? quantity * c.Value
        : null;
}

public sealed record RecipeIngredient(string Sku, decimal Quantity, string Unit);

/// <summary>
/// Master products in PostgreSQL, with each product's conversion factors and recipe cached in Redis (they are read on
/// every count, scan and prep list and change rarely). A write drops the cached copy; Redis down means reading PostgreSQL.
/// </summary>
public sealed partial class ProductCatalog(NpgsqlDataSource dataSource, IConnectionMultiplexer redis, ILogger<ProductCatalog> logger)
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(30);

    public static string CacheKey(string sku) => $"orbital:prep:product:{sku}";

    public async Task<Product?> FindAsync(string sku, CancellationToken cancellationToken)
    {
        try
        {
            var cached = await redis.GetDatabase().StringGetAsync(CacheKey(sku));
            if (!cached.IsNullOrEmpty)
            {
                return JsonSerializer.Deserialize((byte[])cached!, CatalogJson.Default.Product);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
        }

        var product = (await ReadAsync(sku, cancellationToken)).FirstOrDefault();
        if (product is not null)
        {
            try
            {
                await redis.GetDatabase().StringSetAsync(CacheKey(sku), JsonSerializer.SerializeToUtf8Bytes(product, CatalogJson.Default.Product), CacheLifetime);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Log.RedisUnavailable(logger, ex.GetBaseException().Message);
            }
        }

        return product;
    }

    public Task<List<Product>> ListAsync(CancellationToken cancellationToken) => ReadAsync(sku: null, cancellationToken);

    public async Task<string?> SkuForBarcodeAsync(string barcode, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT sku FROM prep.product_barcodes WHERE barcode = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = barcode });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Creates or replaces a product with its barcodes, conversions and recipe.</summary>
    public async Task SaveAsync(Product product, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO prep.products (sku, name, unit, category, storage, shelf_life_hours, batch_size, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, unit = EXCLUDED.unit, category = EXCLUDED.category, storage = EXCLUDED.storage,
                    shelf_life_hours = EXCLUDED.shelf_life_hours, batch_size = EXCLUDED.batch_size, updated_at = EXCLUDED.updated_at
                """,
                product.Sku, product.Name, product.Unit, (object?)product.Category ?? DBNull.Value, (object?)product.Storage ?? DBNull.Value,
                (object?)product.ShelfLifeHours ?? DBNull.Value, product.BatchSize, now));
            batch.BatchCommands.Add(Command("DELETE FROM prep.product_barcodes WHERE sku = $1", product.Sku));
            batch.BatchCommands.Add(Command("DELETE FROM prep.unit_conversions WHERE sku = $1", product.Sku));
            batch.BatchCommands.Add(Command("DELETE FROM prep.recipe_ingredients WHERE sku = $1", product.Sku));
            foreach (var barcode in product.Barcodes)
            {
                batch.BatchCommands.Add(Command("INSERT INTO prep.product_barcodes (barcode, sku) VALUES ($1, $2)", barcode, product.Sku));
            }

            foreach (var (unit, factor) in product.Conversions)
            {
                batch.BatchCommands.Add(Command("INSERT INTO prep.unit_conversions (sku, unit, factor) VALUES ($1, $2, $3)", product.Sku, unit, factor));
            }

            foreach (var ingredient in product.Recipe)
            {
                batch.BatchCommands.Add(Command("INSERT INTO prep.recipe_ingredients (sku, ingredient_sku, quantity, unit) VALUES ($1, $2, $3, $4)",
                    product.Sku, ingredient.Sku, ingredient.Quantity, ingredient.Unit));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        await ForgetAsync(product.Sku);
    }

    private async Task ForgetAsync(string sku)
    {
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(CacheKey(sku));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The cached copy expires on its own within CacheLifetime.
            Log.RedisUnavailable(logger, ex.GetBaseException().Message);
        }
    }

    private async Task<List<Product>> ReadAsync(string? sku, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT p.sku, p.name, p.unit, p.category, p.storage, p.shelf_life_hours, p.batch_size,
                   coalesce((SELECT array_agg(barcode ORDER BY barcode) FROM prep.product_barcodes b WHERE b.sku = p.sku), '{}'),
                   coalesce((SELECT array_agg(unit ORDER BY unit) FROM prep.unit_conversions c WHERE c.sku = p.sku), '{}'),
                   coalesce((SELECT array_agg(factor ORDER BY unit) FROM prep.unit_conversions c WHERE c.sku = p.sku), '{}'),
                   coalesce((SELECT array_agg(ingredient_sku ORDER BY ingredient_sku) FROM prep.recipe_ingredients r WHERE r.sku = p.sku), '{}'),
                   coalesce((SELECT array_agg(quantity ORDER BY ingredient_sku) FROM prep.recipe_ingredients r WHERE r.sku = p.sku), '{}'),
                   coalesce((SELECT array_agg(unit ORDER BY ingredient_sku) FROM prep.recipe_ingredients r WHERE r.sku = p.sku), '{}')
            FROM prep.products p WHERE $1::text IS NULL OR p.sku = $1 ORDER BY p.sku
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)sku ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var products = new List<Product>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var units = reader.GetFieldValue<string[]>(8);
            var factors = reader.GetFieldValue<decimal[]>(9);
            var ingredients = reader.GetFieldValue<string[]>(10);
            var quantities = reader.GetFieldValue<decimal[]>(11);
            var ingredientUnits = reader.GetFieldValue<string[]>(12);
            products.Add(new Product(
                reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetDecimal(6),
                reader.GetFieldValue<string[]>(7),
                units.Zip(factors).ToDictionary(p => p.First, p => p.Second, StringComparer.OrdinalIgnoreCase),
                [.. ingredients.Select((s, i) => new RecipeIngredient(s, quantities[i], ingredientUnits[i]))]));
        }

        return products;
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Product cache in Redis unavailable, reading PostgreSQL: {Reason}")]
        public static partial void RedisUnavailable(ILogger logger, string reason);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Product))]
internal sealed partial class CatalogJson : JsonSerializerContext;
