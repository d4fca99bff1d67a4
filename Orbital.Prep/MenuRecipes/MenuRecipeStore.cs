using Npgsql;

namespace Orbital.Prep.MenuRecipes;

/// <summary>The brands' menu recipes and the menu items sold without one, in schema <c>prep</c>.</summary>
public sealed class MenuRecipeStore(NpgsqlDataSource dataSource)
{
    public async Task<List<MenuRecipe>> ListAsync(string brandId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadAsync(connection, null, brandId, kind: null, menuSku: null, cancellationToken);
    }

    public async Task<MenuRecipe?> FindAsync(string brandId, string kind, string menuSku, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await ReadAsync(connection, null, brandId, kind, menuSku, cancellationToken)).SingleOrDefault();
    }

    /// <summary>Replaces the recipe whole, and takes the item off the list of those sold without one.</summary>
    public async Task SaveAsync(MenuRecipe recipe, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO prep.menu_recipes (brand_id, kind, menu_sku, name, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (brand_id, kind, menu_sku) DO UPDATE SET name = EXCLUDED.name, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
            """, recipe.BrandId, recipe.Kind, recipe.MenuSku, (object?)recipe.Name ?? DBNull.Value, recipe.UpdatedAt, recipe.UpdatedBy));
        batch.BatchCommands.Add(Command("DELETE FROM prep.menu_recipe_components WHERE brand_id = $1 AND kind = $2 AND menu_sku = $3",
            recipe.BrandId, recipe.Kind, recipe.MenuSku));
        if (recipe.Components.Count > 0)
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO prep.menu_recipe_components (brand_id, kind, menu_sku, sku, quantity, entered_quantity, entered_unit)
                SELECT $1, $2, $3, * FROM unnest($4::text[], $5::numeric[], $6::numeric[], $7::text[])
                """, recipe.BrandId, recipe.Kind, recipe.MenuSku, recipe.Components.Select(c => c.Sku).ToArray(),
                recipe.Components.Select(c => c.Quantity).ToArray(), recipe.Components.Select(c => c.EnteredQuantity).ToArray(),
                recipe.Components.Select(c => c.EnteredUnit).ToArray()));
        }

        batch.BatchCommands.Add(Command("DELETE FROM prep.unmapped_menu_items WHERE brand_id = $1 AND kind = $2 AND menu_sku = $3",
            recipe.BrandId, recipe.Kind, recipe.MenuSku));
        await using (batch)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<bool> DeleteAsync(string brandId, string kind, string menuSku, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM prep.menu_recipes WHERE brand_id = $1 AND kind = $2 AND menu_sku = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = brandId });
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        command.Parameters.Add(new NpgsqlParameter { Value = menuSku });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>
    /// Menu items and modifiers sold without a recipe (of one brand, or all; those whose SKU or name holds
    /// <paramref name="search"/>), the latest sold first: what is selling now needs a recipe first.
    /// </summary>
    public async Task<List<UnmappedMenuItem>> UnmappedAsync(string? brandId, string? search, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT brand_id, kind, menu_sku, name, first_sold_at, last_sold_at, times_sold FROM prep.unmapped_menu_items
            WHERE ($1::text IS NULL OR brand_id = $1)
              AND ($2::text IS NULL OR strpos(lower(menu_sku), lower($2)) > 0 OR strpos(lower(coalesce(name, '')), lower($2)) > 0)
            ORDER BY last_sold_at DESC, times_sold DESC, brand_id, kind, menu_sku LIMIT 200
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)brandId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)search ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var unmapped = new List<UnmappedMenuItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            unmapped.Add(new UnmappedMenuItem(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt64(6)));
        }

        return unmapped;
    }

    /// <summary>The recipes of the brands, as the order consumer reads them inside its transaction.</summary>
    public static async Task<List<MenuRecipe>> ForBrandsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string> brandIds, CancellationToken cancellationToken) =>
        brandIds.Count == 0 ? [] : await ReadAsync(connection, transaction, brandIds, null, null, cancellationToken);

    private static async Task<List<MenuRecipe>> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, object brands, string? kind, string? menuSku, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT r.brand_id, r.kind, r.menu_sku, r.name, r.updated_at, r.updated_by, c.sku, c.quantity, c.entered_quantity, c.entered_unit
            FROM prep.menu_recipes r
            LEFT JOIN prep.menu_recipe_components c ON c.brand_id = r.brand_id AND c.kind = r.kind AND c.menu_sku = r.menu_sku
            WHERE r.brand_id = ANY($1) AND ($2::text IS NULL OR r.kind = $2) AND ($3::text IS NULL OR r.menu_sku = $3)
            ORDER BY r.brand_id, r.kind, r.menu_sku, c.sku
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = brands is string one ? new[] { one } : ((IReadOnlyCollection<string>)brands).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)kind ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)menuSku ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var recipes = new List<MenuRecipe>();
        List<MenuRecipeComponent>? components = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (brand, recipeKind, sku) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
            if (recipes.Count == 0 || recipes[^1] is not { } last || last.BrandId != brand || last.Kind != recipeKind || last.MenuSku != sku)
            {
                components = [];
                recipes.Add(new MenuRecipe(brand, recipeKind, sku, reader.IsDBNull(3) ? null : reader.GetString(3), components,
                    reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5)));
            }

            if (!reader.IsDBNull(6))
            {
                components!.Add(new MenuRecipeComponent(reader.GetString(6), reader.GetDecimal(7), reader.GetDecimal(8), reader.GetString(9)));
            }
        }

        return recipes;
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
