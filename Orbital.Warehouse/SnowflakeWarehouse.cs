using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Orbital.Warehouse;

/// <summary>A SQL statement Snowflake refused, with Snowflake's error code and SQL state.</summary>
public sealed class SnowflakeSqlException(string code, string sqlState, string message)
    : Exception($"Snowflake error {code} (SQL state {sqlState}): {message}")
{
    public string Code { get; } = code;

    public string SqlState { get; } = sqlState;
}

/// <summary>
/// Snowflake through its SQL REST API (<c>POST /api/v2/statements</c>): bind variables, key-pair JWT authentication
/// (RS256, <c>iss = ACCOUNT.USER.SHA256:fingerprint</c>), statements that go asynchronous (202) polled on their status
/// URL until done, and result partitions fetched one by one. A 401 renews the JWT once; 422 is a SQL error.
/// </summary>
public sealed class SnowflakeWarehouse(HttpClient http, IOptions<WarehouseOptions> options, TimeProvider time) : IWarehouse
{
    private readonly SnowflakeJwt _jwt = new(options.Value.Snowflake, time);

    public string Provider => "snowflake";

    private SnowflakeOptions Settings => options.Value.Snowflake;

    private string Qualified(string table) => $"{Settings.Database}.{Settings.Schema}.{table.ToUpperInvariant()}";

    public async Task EnsureTableAsync(WarehouseTable table, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", table.Columns.Select(c => $"{c.Name.ToUpperInvariant()} {SqlType(c.Type)}"));
        await ExecuteAsync($"CREATE TABLE IF NOT EXISTS {Qualified(table.Name)} ({columns}, PRIMARY KEY ({string.Join(", ", table.Key.Select(k => k.ToUpperInvariant()))}))", [], cancellationToken);
        // The SQL API runs one statement per request unless told otherwise: one ALTER per added column.
        foreach (var column in table.Columns.Where(c => c.AddedLater))
        {
            await ExecuteAsync($"ALTER TABLE {Qualified(table.Name)} ADD COLUMN IF NOT EXISTS {column.Name.ToUpperInvariant()} {SqlType(column.Type)}", [], cancellationToken);
        }
    }

    public async Task UpsertAsync(WarehouseTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        // Keep each statement well under Snowflake's limits on bind variables.
        var perStatement = Math.Max(1, 10_000 / table.Columns.Count);
        foreach (var chunk in rows.Chunk(perStatement))
        {
            var (sql, bindings) = MergeStatement(Qualified(table.Name), table, chunk);
            await ExecuteAsync(sql, bindings, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<string?[]>> QueryAsync(string sql, IReadOnlyList<object?> bindings, CancellationToken cancellationToken) =>
        await ExecuteAsync(sql.Replace("{schema}", $"{Settings.Database}.{Settings.Schema}", StringComparison.Ordinal),
            [.. bindings.Select(value => (Type: BindingType(value), Value: value))], cancellationToken);

    /// <summary>The MERGE of one chunk: the rows as a VALUES list cast to the column types, matched on the key.</summary>
    public static (string Sql, List<(string Type, object? Value)> Bindings) MergeStatement(string target, WarehouseTable table, IReadOnlyList<object?[]> rows)
    {
        var bindings = new List<(string Type, object? Value)>();
        var values = string.Join(", ", rows.Select(row => "(" + string.Join(", ", table.Columns.Select((column, i) =>
        {
            bindings.Add(("TEXT", Text(row[i])));
            return "?";
        })) + ")"));
        var select = string.Join(", ", table.Columns.Select((c, i) => $"{Cast($"column{i + 1}", c.Type)} AS {c.Name.ToUpperInvariant()}"));
        var on = string.Join(" AND ", table.Key.Select(k => $"t.{k.ToUpperInvariant()} = s.{k.ToUpperInvariant()}"));
        var set = string.Join(", ", table.Columns.Where(c => !table.Key.Contains(c.Name)).Select(c => $"t.{c.Name.ToUpperInvariant()} = s.{c.Name.ToUpperInvariant()}"));
        var names = string.Join(", ", table.Columns.Select(c => c.Name.ToUpperInvariant()));
        var sourced = string.Join(", ", table.Columns.Select(c => $"s.{c.Name.ToUpperInvariant()}"));
        var sql = $"MERGE INTO {target} t USING (SELECT {select} FROM VALUES {values}) s ON {on} "
            + (set.Length > 0 ? $"WHEN MATCHED THEN UPDATE SET {set} " : string.Empty)
            + $"WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({sourced})";
        return (sql, bindings);
    }

    private async Task<List<string?[]>> ExecuteAsync(string sql, List<(string Type, object? Value)> bindings, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["statement"] = sql,
            ["timeout"] = (int)Settings.StatementTimeout.TotalSeconds,
            ["database"] = Settings.Database,
            ["schema"] = Settings.Schema,
        };
        if (Settings.Warehouse.Length > 0)
        {
            body["warehouse"] = Settings.Warehouse;
        }

        if (Settings.Role.Length > 0)
        {
            body["role"] = Settings.Role;
        }

        if (bindings.Count > 0)
        {
            var bound = new JsonObject();
            for (var i = 0; i < bindings.Count; i++)
            {
                bound[(i + 1).ToString(CultureInfo.InvariantCulture)] = new JsonObject { ["type"] = bindings[i].Type, ["value"] = Text(bindings[i].Value) };
            }

            body["bindings"] = bound;
        }

        var payload = body.ToJsonString();
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "api/v2/statements")
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        }, cancellationToken);
        var result = await ReadAsync(response, cancellationToken);

        // Still running: poll its status URL until Snowflake answers 200 (or an error).
        var deadline = time.GetUtcNow() + Settings.StatementTimeout;
        while (result.Status == HttpStatusCode.Accepted)
        {
            if (time.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"Snowflake statement {result.Json["statementHandle"]} still running after {Settings.StatementTimeout}.");
            }

            await Task.Delay(Settings.PollInterval, time, cancellationToken);
            var statusUrl = result.Json["statementStatusUrl"]?.GetValue<string>() ?? $"/api/v2/statements/{result.Json["statementHandle"]}";
            using var poll = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, statusUrl.TrimStart('/')), cancellationToken);
            result = await ReadAsync(poll, cancellationToken);
        }

        var rows = Rows(result.Json);
        var partitions = result.Json["resultSetMetaData"]?["partitionInfo"]?.AsArray().Count ?? 1;
        var handle = result.Json["statementHandle"]?.GetValue<string>();
        for (var partition = 1; partition < partitions; partition++)
        {
            using var next = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/v2/statements/{handle}?partition={partition}"), cancellationToken);
            rows.AddRange(Rows((await ReadAsync(next, cancellationToken)).Json));
        }

        return rows;
    }

    /// <summary>Sends with the current JWT; when Snowflake refuses it (expired, rotated key) sends once more with a new one.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var request = create();
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _jwt.Current(renew: attempt > 1));
            request.Headers.Add("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Orbital", "1.0"));
            var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 1)
            {
                response.Dispose();
                continue;
            }

            return response;
        }
    }

    private static async Task<(HttpStatusCode Status, JsonObject Json)> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var json = (text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null) ?? [];
        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted)
        {
            return (response.StatusCode, json);
        }

        if (json["code"] is not null && json["message"] is not null)
        {
            throw new SnowflakeSqlException(json["code"]!.GetValue<string>(), json["sqlState"]?.GetValue<string>() ?? string.Empty, json["message"]!.GetValue<string>());
        }

        throw new HttpRequestException($"Snowflake answered {(int)response.StatusCode}: {(text.Length > 300 ? text[..300] : text)}", null, response.StatusCode);
    }

    private static List<string?[]> Rows(JsonObject json) =>
        json["data"] is JsonArray data ? [.. data.Select(row => row!.AsArray().Select(v => v?.GetValue<string>()).ToArray())] : [];

    private static string Cast(string column, WarehouseType type) => type switch
    {
        WarehouseType.Text => $"{column}::VARCHAR",
        WarehouseType.Integer => $"{column}::NUMBER(38,0)",
        WarehouseType.Decimal => $"{column}::NUMBER(38,6)",
        WarehouseType.Boolean => $"{column}::BOOLEAN",
        _ => $"TO_TIMESTAMP_TZ({column})",
    };

    private static string SqlType(WarehouseType type) => type switch
    {
        WarehouseType.Text => "VARCHAR",
        WarehouseType.Integer => "NUMBER(38,0)",
        WarehouseType.Decimal => "NUMBER(38,6)",
        WarehouseType.Boolean => "BOOLEAN",
        _ => "TIMESTAMP_TZ",
    };

    private static string BindingType(object? value) => value switch
    {
        int or long or short or decimal => "FIXED",
        double or float => "REAL",
        bool => "BOOLEAN",
        _ => "TEXT",
    };

    private static string? Text(object? value) => value switch
    {
        null => null,
        DateTimeOffset t => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture),
        DateTime t => new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture),
        bool b => b ? "TRUE" : "FALSE",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}

/// <summary>Key-pair JWTs for Snowflake, renewed shortly before they expire or when Snowflake refuses one.</summary>
public sealed class SnowflakeJwt(SnowflakeOptions options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private (string Token, DateTimeOffset RenewAt)? _current;
    private RSA? _key;

    public string Current(bool renew = false)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!renew && _current is { } token && token.RenewAt > now)
            {
                return token.Token;
            }

            _key ??= LoadKey();
            var account = options.Account.ToUpperInvariant();
            var user = options.User.ToUpperInvariant();
            var fingerprint = Convert.ToBase64String(SHA256.HashData(_key.ExportSubjectPublicKeyInfo()));
            var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "RS256", ["typ"] = "JWT" }));
            var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["iss"] = $"{account}.{user}.SHA256:{fingerprint}",
                ["sub"] = $"{account}.{user}",
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = (now + options.JwtLifetime).ToUnixTimeSeconds(),
            }));
            var signature = _key.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var jwt = $"{header}.{payload}.{Base64Url(signature)}";
            _current = (jwt, now + options.JwtLifetime - TimeSpan.FromMinutes(Math.Min(5, options.JwtLifetime.TotalMinutes / 2)));
            return jwt;
        }
    }

    private RSA LoadKey()
    {
        var pem = options.PrivateKeyPem.Length > 0 ? options.PrivateKeyPem
            : options.PrivateKeyPath.Length > 0 ? File.ReadAllText(options.PrivateKeyPath)
            : throw new InvalidOperationException("Warehouse:Snowflake:PrivateKeyPem or PrivateKeyPath is required for key-pair authentication.");
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return rsa;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
