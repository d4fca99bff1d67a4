using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orbital.Tests.Infrastructure;

/// <summary>
/// A local stand-in for Snowflake's SQL REST API: <c>POST /api/v2/statements</c> and <c>GET /api/v2/statements/{handle}</c>
/// (status and <c>?partition=</c>), with key-pair JWT checks (RS256 signature with the registered public key,
/// <c>iss = ACCOUNT.USER.SHA256:fingerprint</c>, <c>sub</c>, <c>exp</c>, the KEYPAIR_JWT header). It runs no SQL: tests
/// script the answer to each statement (rows, partitions, going asynchronous, a SQL error) and read what was sent.
/// </summary>
public sealed class FakeSnowflakeApi : IAsyncDisposable
{
    private readonly RSA _publicKey;
    private readonly string _account;
    private readonly string _user;
    private readonly ConcurrentQueue<JsonObject> _statements = new();
    private readonly ConcurrentQueue<string> _tokens = new();
    private readonly ConcurrentDictionary<string, PendingStatement> _pending = new();
    private WebApplication? _app;
    private long _rejectIssuedBefore;

    private FakeSnowflakeApi(RSA publicKey, string account, string user)
    {
        _publicKey = publicKey;
        _account = account;
        _user = user;
    }

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Every statement request body received.</summary>
    public IReadOnlyList<JsonObject> Statements => [.. _statements];

    /// <summary>Every JWT presented, accepted or not.</summary>
    public IReadOnlyList<string> Tokens => [.. _tokens];

    public int Unauthorized { get; private set; }

    /// <summary>How the next statements are answered, in order; when empty, a statement succeeds with no rows.</summary>
    public ConcurrentQueue<Answer> Answers { get; } = new();

    public static async Task<FakeSnowflakeApi> StartAsync(RSA publicKey, string account, string user)
    {
        var fake = new FakeSnowflakeApi(publicKey, account, user);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/api/v2/statements", fake.SubmitAsync);
        app.MapGet("/api/v2/statements/{handle}", fake.Status);
        await app.StartAsync();
        fake.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        fake._app = app;
        return fake;
    }

    /// <summary>Tokens issued before now are refused from here on, as when a JWT has expired.</summary>
    public void ExpireTokensIssuedBeforeNow() => Interlocked.Exchange(ref _rejectIssuedBefore, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private async Task<IResult> SubmitAsync(HttpRequest request)
    {
        if (Authenticate(request) is { } refused)
        {
            return refused;
        }

        var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
        _statements.Enqueue(body);
        var handle = Guid.NewGuid().ToString();
        var answer = Answers.TryDequeue(out var scripted) ? scripted : Answer.Rows();
        if (answer.Error is { } error)
        {
            return Results.Json(new JsonObject { ["code"] = error.Code, ["sqlState"] = error.SqlState, ["message"] = error.Message, ["statementHandle"] = handle }, statusCode: 422);
        }

        if (answer.PendingPolls > 0)
        {
            _pending[handle] = new PendingStatement(answer, answer.PendingPolls);
            return Accepted(handle);
        }

        return Results.Json(Result(handle, answer, partition: 0));
    }

    private IResult Status(string handle, HttpRequest request)
    {
        if (Authenticate(request) is { } refused)
        {
            return refused;
        }

        if (!_pending.TryGetValue(handle, out var pending))
        {
            return Results.Json(new JsonObject { ["code"] = "000709", ["message"] = $"Statement {handle} not found" }, statusCode: 404);
        }

        if (int.TryParse(request.Query["partition"], out var partition))
        {
            return Results.Json(new JsonObject { ["data"] = Data(pending.Answer.Partitions[partition]) });
        }

        if (pending.PollsLeft > 0)
        {
            _pending[handle] = pending with { PollsLeft = pending.PollsLeft - 1 };
            return Accepted(handle);
        }

        return Results.Json(Result(handle, pending.Answer, partition: 0));
    }

    private JsonObject Result(string handle, Answer answer, int partition)
    {
        _pending[handle] = new PendingStatement(answer, 0);
        return new JsonObject
        {
            ["resultSetMetaData"] = new JsonObject
            {
                ["numRows"] = answer.Partitions.Sum(p => p.Length),
                ["format"] = "jsonv2",
                ["partitionInfo"] = new JsonArray([.. answer.Partitions.Select(p => (JsonNode)new JsonObject { ["rowCount"] = p.Length })]),
            },
            ["data"] = Data(answer.Partitions[partition]),
            ["code"] = "090001",
            ["statementStatusUrl"] = $"/api/v2/statements/{handle}",
            ["sqlState"] = "00000",
            ["statementHandle"] = handle,
            ["message"] = "Statement executed successfully.",
        };
    }

    private static IResult Accepted(string handle) => Results.Json(new JsonObject
    {
        ["code"] = "333334",
        ["message"] = "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
        ["statementHandle"] = handle,
        ["statementStatusUrl"] = $"/api/v2/statements/{handle}",
    }, statusCode: 202);

    private static JsonArray Data(string?[][] rows) => new([.. rows.Select(r => (JsonNode)new JsonArray([.. r.Select(v => (JsonNode?)v)]))]);

    private IResult? Authenticate(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization[7..] : string.Empty;
        _tokens.Enqueue(token);
        if (request.Headers["X-Snowflake-Authorization-Token-Type"] != "KEYPAIR_JWT" || !Valid(token))
        {
            Unauthorized++;
            return Results.Json(new JsonObject { ["code"] = "390144", ["message"] = "JWT token is invalid." }, statusCode: 401);
        }

        return null;
    }

    private bool Valid(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        var header = JsonNode.Parse(Decode(parts[0]))!;
        var claims = JsonNode.Parse(Decode(parts[1]))!;
        var fingerprint = Convert.ToBase64String(SHA256.HashData(_publicKey.ExportSubjectPublicKeyInfo()));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return header["alg"]?.GetValue<string>() == "RS256"
            && _publicKey.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Decode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            && claims["iss"]?.GetValue<string>() == $"{_account.ToUpperInvariant()}.{_user.ToUpperInvariant()}.SHA256:{fingerprint}"
            && claims["sub"]?.GetValue<string>() == $"{_account.ToUpperInvariant()}.{_user.ToUpperInvariant()}"
            && claims["exp"]?.GetValue<long>() > now
            && claims["exp"]!.GetValue<long>() - claims["iat"]!.GetValue<long>() <= 3600
            && claims["iat"]!.GetValue<long>() >= Interlocked.Read(ref _rejectIssuedBefore);
    }

    private static byte[] Decode(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed record PendingStatement(Answer Answer, int PollsLeft);

    /// <summary>How the stand-in answers one statement.</summary>
    public sealed record Answer(string?[][][] Partitions, int PendingPolls = 0, (string Code, string SqlState, string Message)? Error = null)
    {
        public static Answer Rows(params string?[][] rows) => new([rows]);

        public static Answer InPartitions(params string?[][][] partitions) => new(partitions);

        public static Answer Asynchronous(int polls, params string?[][] rows) => new([rows], polls);

        public static Answer Failure(string code, string sqlState, string message) => new([[]], 0, (code, sqlState, message));
    }
}
