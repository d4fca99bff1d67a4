using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orbital.Tests.Infrastructure;
using Orbital.Warehouse;
using Answer = Orbital.Tests.Infrastructure.FakeSnowflakeApi.Answer;

namespace Orbital.Tests.Warehouse;

/// <summary>The Snowflake provider, with its real HTTP client and key-pair JWTs, against the local stand-in of the SQL API.</summary>
public sealed class The_Snowflake_provider_speaks_the_SQL_API : IAsyncLifetime
{
    private const string Account = "myorg-orbital";
    private const string User = "orbital_sync";
    private readonly RSA _key = RSA.Create(2048);
    private FakeSnowflakeApi _snowflake = null!;
    private SnowflakeWarehouse _warehouse = null!;

    public async ValueTask InitializeAsync()
    {
        _snowflake = await FakeSnowflakeApi.StartAsync(RSA.Create(_key.ExportParameters(false)), Account, User);
        _warehouse = new SnowflakeWarehouse(new HttpClient { BaseAddress = _snowflake.BaseUrl }, Options.Create(new WarehouseOptions
        {
            Provider = "snowflake",
            Snowflake = new SnowflakeOptions
            {
                AccountUrl = _snowflake.BaseUrl,
                Account = Account,
                User = User,
                PrivateKeyPem = _key.ExportPkcs8PrivateKeyPem(),
                Database = "ORBITAL",
                Schema = "ANALYTICS",
                Warehouse = "SYNC_WH",
                PollInterval = TimeSpan.FromMilliseconds(50),
            },
        }), TimeProvider.System);
    }

    [Fact]
    public async Task A_query_is_submitted_with_its_bindings_and_its_rows_come_back()
    {
        _snowflake.Answers.Enqueue(Answer.Rows(["grill", "Grill", "1"]));

        var rows = await _warehouse.QueryAsync("SELECT id, name, display_order FROM {schema}.stations WHERE id = ? AND display_order < ?", ["grill", 10],
            TestContext.Current.CancellationToken);

        Assert.Equal([["grill", "Grill", "1"]], rows);
        var sent = Assert.Single(_snowflake.Statements);
        Assert.Equal("SELECT id, name, display_order FROM ORBITAL.ANALYTICS.stations WHERE id = ? AND display_order < ?", sent["statement"]!.GetValue<string>());
        Assert.Equal("SYNC_WH", sent["warehouse"]!.GetValue<string>());
        Assert.Equal(("TEXT", "grill"), Binding(sent, "1"));
        Assert.Equal(("FIXED", "10"), Binding(sent, "2"));
    }

    [Fact]
    public async Task A_statement_that_goes_asynchronous_is_polled_until_done_and_every_partition_is_read()
    {
        _snowflake.Answers.Enqueue(Answer.Asynchronous(polls: 2, ["a"], ["b"]) with { Partitions = [[["a"], ["b"]], [["c"]], [["d"], ["e"]]] });

        var rows = await _warehouse.QueryAsync("SELECT sku FROM {schema}.items", [], TestContext.Current.CancellationToken);

        Assert.Equal(["a", "b", "c", "d", "e"], rows.Select(r => r[0]));
        // One submission, three status polls (two still running), two partition reads.
        Assert.Equal(6, _snowflake.Tokens.Count);
    }

    [Fact]
    public async Task A_SQL_error_surfaces_with_Snowflakes_code_and_state()
    {
        _snowflake.Answers.Enqueue(Answer.Failure("002003", "42S02", "SQL compilation error: Object 'ORBITAL.ANALYTICS.NOPE' does not exist or not authorized."));

        var error = await Assert.ThrowsAsync<SnowflakeSqlException>(() =>
            _warehouse.QueryAsync("SELECT * FROM {schema}.nope", [], TestContext.Current.CancellationToken));

        Assert.Equal(("002003", "42S02"), (error.Code, error.SqlState));
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_JWT_is_replaced_and_the_statement_sent_again()
    {
        await _warehouse.QueryAsync("SELECT 1", [], TestContext.Current.CancellationToken);
        var first = _snowflake.Tokens.Single();
        // JWT times are whole seconds: only a token issued in a later second can differ from the first one.
        await Task.Delay(TimeSpan.FromSeconds(1.1), TestContext.Current.CancellationToken);
        _snowflake.ExpireTokensIssuedBeforeNow();

        await _warehouse.QueryAsync("SELECT 2", [], TestContext.Current.CancellationToken);

        Assert.Equal(1, _snowflake.Unauthorized);
        Assert.Equal([first, first], _snowflake.Tokens.Take(2));
        Assert.NotEqual(first, _snowflake.Tokens[2]);
        Assert.Equal(["SELECT 1", "SELECT 2"], _snowflake.Statements.Select(s => s["statement"]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_upsert_is_one_MERGE_per_chunk_with_every_value_bound()
    {
        var table = new WarehouseTable("pars",
            [new("location_id", WarehouseType.Text), new("weekday", WarehouseType.Integer), new("quantity", WarehouseType.Decimal), new("updated_at", WarehouseType.Timestamp)],
            ["location_id", "weekday"]);
        var when = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

        await _warehouse.UpsertAsync(table, [["store-1", 1L, 10.5m, when], ["store-1", 2L, 4m, when]], TestContext.Current.CancellationToken);

        var merge = Assert.Single(_snowflake.Statements);
        var sql = merge["statement"]!.GetValue<string>();
        Assert.StartsWith("MERGE INTO ORBITAL.ANALYTICS.PARS t USING (SELECT column1::VARCHAR AS LOCATION_ID, column2::NUMBER(38,0) AS WEEKDAY", sql, StringComparison.Ordinal);
        Assert.Contains("FROM VALUES (?, ?, ?, ?), (?, ?, ?, ?)) s ON t.LOCATION_ID = s.LOCATION_ID AND t.WEEKDAY = s.WEEKDAY", sql, StringComparison.Ordinal);
        Assert.Contains("WHEN MATCHED THEN UPDATE SET t.QUANTITY = s.QUANTITY, t.UPDATED_AT = s.UPDATED_AT", sql, StringComparison.Ordinal);
        Assert.Equal(8, merge["bindings"]!.AsObject().Count);
        Assert.Equal(("TEXT", "10.5"), Binding(merge, "3"));
        Assert.Equal(("TEXT", "2026-11-25T09:00:00.000000+00:00"), Binding(merge, "4"));
    }

    [Fact]
    public async Task Ensuring_a_table_creates_it_and_adds_each_column_added_later_in_place()
    {
        var table = new WarehouseTable("sessions",
            [new("session_id", WarehouseType.Integer), new("sku", WarehouseType.Text), new("kitchen_id", WarehouseType.Text, AddedLater: true)], ["session_id"]);

        await _warehouse.EnsureTableAsync(table, TestContext.Current.CancellationToken);

        Assert.Equal(
            [
                "CREATE TABLE IF NOT EXISTS ORBITAL.ANALYTICS.SESSIONS (SESSION_ID NUMBER(38,0), SKU VARCHAR, KITCHEN_ID VARCHAR, PRIMARY KEY (SESSION_ID))",
                "ALTER TABLE ORBITAL.ANALYTICS.SESSIONS ADD COLUMN IF NOT EXISTS KITCHEN_ID VARCHAR",
            ],
            _snowflake.Statements.Select(s => s["statement"]!.GetValue<string>()));
    }

    private static (string?, string?) Binding(JsonObject statement, string index) =>
        (statement["bindings"]![index]!["type"]!.GetValue<string>(), statement["bindings"]![index]!["value"]?.GetValue<string>());

    public async ValueTask DisposeAsync()
    {
        await _snowflake.DisposeAsync();
        _key.Dispose();
    }
}
