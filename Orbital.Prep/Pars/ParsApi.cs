using Microsoft.AspNetCore.Mvc;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Orbital.Prep.Auth;
using Orbital.Prep.Catalog;
using Orbital.Prep.Inventory;
using Orbital.Prep.Reports;

namespace Orbital.Prep.Pars;

/// <summary>PAR levels per location, product and weekday (managers), CSV import, and the prep list (everyone).</summary>
public static class ParsApi
{
    public const int MaxImportBytes = 2 * 1024 * 1024;

    public static IEndpointRouteBuilder MapParsApi(this IEndpointRouteBuilder app)
    {
        var pars = app.MapGroup("/locations/{locationId}").WithTags("PAR levels").RequireLocationAccess();
        pars.MapGet("/pars", ListAsync);
        pars.MapPut("/pars/{sku}/{weekday:int}", PutAsync).RequireAuthorization(PrepPolicies.Manager);
        pars.MapDelete("/pars/{sku}/{weekday:int}", DeleteAsync).RequireAuthorization(PrepPolicies.Manager);
        // Every other route takes at most 64 KiB (ServiceDefaults); a year of PARs for many products is more.
        pars.MapPost("/pars/import", ImportAsync).RequireAuthorization(PrepPolicies.Manager).DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(MaxImportBytes + 1024))
            .DocumentsBody(typeof(string), "text/csv", "One PAR a line: sku,weekday,quantity[,unit]; weekday 0-6 (0 = Sunday) or a day's name.").ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        pars.MapGet("/pars.csv", ExportAsync).RequireAuthorization(PrepPolicies.Manager).Produces(StatusCodes.Status200OK, contentType: "text/csv");
        pars.MapGet("/prep-list", GetPrepListAsync);
        pars.MapGet("/prep-list.pdf", GetPrepListPdfAsync).Produces(StatusCodes.Status200OK, contentType: "application/pdf");
        return app;
    }

    public static async Task<Results<Ok<List<ParView>>, ProblemHttpResult>> ListAsync(string locationId, InventoryStore inventory, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await inventory.FindLocationAsync(locationId, cancellationToken) is null)
        {
            return InventoryApi.UnknownLocation(locationId);
        }

        await using var command = dataSource.CreateCommand("SELECT sku, weekday, quantity, updated_at, updated_by FROM prep.pars WHERE location_id = $1 ORDER BY sku, weekday");
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        var pars = new List<ParView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            pars.Add(new ParView(reader.GetString(0), reader.GetInt16(1), reader.GetDecimal(2), reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return TypedResults.Ok(pars);
    }

    public static async Task<Results<Ok<ParView>, ProblemHttpResult>> PutAsync(
        string locationId, string sku, int weekday, ParRequest request, InventoryStore inventory, ProductCatalog catalog, NpgsqlDataSource dataSource,
        ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await inventory.FindLocationAsync(locationId, cancellationToken) is null)
        {
            return InventoryApi.UnknownLocation(locationId);
        }

        if (weekday is < 0 or > 6 || request.Quantity < 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid PAR", detail: "weekday is 0 (Sunday) to 6 and quantity is not negative.");
        }

        if (await catalog.FindAsync(sku, cancellationToken) is not { } product)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such product", detail: $"Product {sku} does not exist.");
        }

        if (product.ToBase(request.Quantity, request.Unit) is not { } quantity)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown unit", detail: $"{sku} has no conversion for '{request.Unit}' (base unit {product.Unit}).");
        }

        var now = time.GetUtcNow();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await UpsertAsync(connection, transaction, locationId, sku, weekday, quantity, user.Identity!.Name!, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return TypedResults.Ok(new ParView(sku, weekday, quantity, now, user.Identity!.Name));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string locationId, string sku, int weekday, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM prep.pars WHERE location_id = $1 AND sku = $2 AND weekday = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        command.Parameters.Add(new NpgsqlParameter { Value = sku });
        command.Parameters.Add(new NpgsqlParameter { Value = (short)weekday });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such PAR", detail: $"No PAR for {sku} on weekday {weekday} at {locationId}.");
    }

    /// <summary>
    /// CSV body (<c>text/csv</c>): <c>sku,weekday,quantity[,unit]</c>. All or nothing: any bad row (syntax, unknown product,
    /// unknown unit) and nothing is imported; the answer lists every bad row with its number.
    /// </summary>
    public static async Task<Results<Ok<ImportResult>, ProblemHttpResult>> ImportAsync(
        string locationId, HttpRequest request, InventoryStore inventory, ProductCatalog catalog, NpgsqlDataSource dataSource,
        ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await inventory.FindLocationAsync(locationId, cancellationToken) is null)
        {
            return InventoryApi.UnknownLocation(locationId);
        }

        if (request.ContentLength > MaxImportBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "File too large", detail: $"PAR imports are limited to {MaxImportBytes} bytes.");
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var (rows, errors) = ParCsv.Parse(await reader.ReadToEndAsync(cancellationToken));
        var resolved = new List<(ParRow Row, decimal Quantity)>();
        foreach (var row in rows)
        {
            var product = await catalog.FindAsync(row.Sku, cancellationToken);
            if (product is null)
            {
                errors.Add(new RowError(row.Row, $"unknown product '{row.Sku}'"));
            }
            else if (product.ToBase(row.Quantity, row.Unit) is not { } quantity)
            {
                errors.Add(new RowError(row.Row, $"{row.Sku} has no conversion for unit '{row.Unit}'"));
            }
            else
            {
                resolved.Add((row, quantity));
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "The PAR file has errors; nothing was imported",
                detail: $"{errors.Count} row(s) need fixing.",
                extensions: new Dictionary<string, object?> { ["errors"] = errors.OrderBy(e => e.Row).ToList() });
        }

        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (row, quantity) in resolved)
        {
            await UpsertAsync(connection, transaction, locationId, row.Sku, row.Weekday, quantity, user.Identity!.Name!, now, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new ImportResult(resolved.Count));
    }

    /// <summary>The location's PARs as a CSV file the import takes back (edit it in a spreadsheet, import it again).</summary>
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportAsync(
        string locationId, InventoryStore inventory, ProductCatalog catalog, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await ListAsync(locationId, inventory, dataSource, cancellationToken) is not { Result: Ok<List<ParView>> { Value: { } pars } })
        {
            return InventoryApi.UnknownLocation(locationId);
        }

        var products = (await catalog.ListAsync(cancellationToken)).ToDictionary(p => p.Sku, StringComparer.Ordinal);
        var csv = ParCsv.Write(pars.Select(p => products.TryGetValue(p.Sku, out var product)
            ? (p.Sku, product.Name, p.Weekday, p.Quantity, product.Unit)
            : (p.Sku, string.Empty, p.Weekday, p.Quantity, string.Empty)));
        return TypedResults.File(Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", $"pars-{locationId}.csv");
    }

    /// <summary>The prep list for <paramref name="date"/>, by default the location's business day now (its own time zone).</summary>
    public static async Task<Results<Ok<PrepList>, ProblemHttpResult>> GetPrepListAsync(
        string locationId, DateOnly? date, PrepListService prepLists, CancellationToken cancellationToken) =>
        await (date is { } day ? prepLists.BuildAsync(locationId, day, cancellationToken) : prepLists.BuildForTodayAsync(locationId, cancellationToken)) is { } list
            ? TypedResults.Ok(list)
            : InventoryApi.UnknownLocation(locationId);

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetPrepListPdfAsync(
        string locationId, DateOnly? date, PrepListService prepLists, PdfReports pdf, CancellationToken cancellationToken) =>
        await (date is { } day ? prepLists.BuildAsync(locationId, day, cancellationToken) : prepLists.BuildForTodayAsync(locationId, cancellationToken)) is { } list
            ? TypedResults.File(pdf.PrepList(list), "application/pdf", $"prep-list-{locationId}-{list.Date:yyyy-MM-dd}.pdf")
            : InventoryApi.UnknownLocation(locationId);

    private static async Task UpsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string locationId, string sku, int weekday, decimal quantity, string by, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO prep.pars (location_id, sku, weekday, quantity, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (location_id, sku, weekday) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        command.Parameters.Add(new NpgsqlParameter { Value = sku });
        command.Parameters.Add(new NpgsqlParameter { Value = (short)weekday });
        command.Parameters.Add(new NpgsqlParameter { Value = quantity });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = by });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

public sealed record ParRequest(decimal Quantity, string? Unit);

public sealed record ParView(string Sku, int Weekday, decimal Quantity, DateTimeOffset UpdatedAt, string? UpdatedBy);

public sealed record ImportResult(int Imported);
