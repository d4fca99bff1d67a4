using System.Collections.Concurrent;
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
/// A local stand-in for Slack's Web API file upload, in Slack's documented shapes: <c>files.getUploadURLExternal</c>
/// (form: filename, length) → <c>{ok, upload_url, file_id}</c>; the bytes POSTed to the upload URL; and
/// <c>files.completeUploadExternal</c> (form: files as JSON, channel_id, initial_comment) → <c>{ok, files}</c>.
/// Errors come as HTTP 200 with <c>{ok: false, error}</c>, as Slack sends them.
/// </summary>
public sealed class FakeSlackApi : IAsyncDisposable
{
    public const string BotToken = "xoxb-orbital-test-token";

    private readonly ConcurrentDictionary<string, PendingFile> _pending = new();
    private readonly ConcurrentQueue<SharedFile> _shared = new();
    private WebApplication? _app;

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    public IReadOnlyCollection<SharedFile> Shared => _shared.ToArray();

    public static async Task<FakeSlackApi> StartAsync()
    {
        var fake = new FakeSlackApi();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/api/files.getUploadURLExternal", fake.GetUploadUrlAsync);
        app.MapPost("/upload/{fileId}", fake.ReceiveBytesAsync);
        app.MapPost("/api/files.completeUploadExternal", fake.CompleteAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = new Uri(address + "/api/");
        fake._app = app;
        return fake;
    }

    private async Task<IResult> GetUploadUrlAsync(HttpRequest request)
    {
        if (request.Headers.Authorization != $"Bearer {BotToken}")
        {
            return Error("invalid_auth");
        }

        var form = await request.ReadFormAsync();
        if (string.IsNullOrEmpty(form["filename"]) || !long.TryParse(form["length"], out var length) || length <= 0)
        {
            return Error("invalid_arguments");
        }

        var fileId = $"F{Guid.NewGuid():N}"[..12].ToUpperInvariant();
        _pending[fileId] = new PendingFile(form["filename"]!, length, null);
        var origin = BaseUrl.GetLeftPart(UriPartial.Authority);
        return Results.Json(new JsonObject { ["ok"] = true, ["upload_url"] = $"{origin}/upload/{fileId}", ["file_id"] = fileId });
    }

    private async Task<IResult> ReceiveBytesAsync(string fileId, HttpRequest request)
    {
        if (!_pending.TryGetValue(fileId, out var pending))
        {
            return Results.NotFound();
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        if (buffer.Length != pending.Length)
        {
            return Results.BadRequest($"expected {pending.Length} bytes, got {buffer.Length}");
        }

        _pending[fileId] = pending with { Content = buffer.ToArray() };
        return Results.Text($"OK - {buffer.Length}");
    }

    private async Task<IResult> CompleteAsync(HttpRequest request)
    {
        if (request.Headers.Authorization != $"Bearer {BotToken}")
        {
            return Error("invalid_auth");
        }

        var form = await request.ReadFormAsync();
        var files = JsonNode.Parse(form["files"].ToString() is { Length: > 0 } json ? json : "[]")!.AsArray();
        if (files.Count == 0 || string.IsNullOrEmpty(form["channel_id"]))
        {
            return Error("invalid_arguments");
        }

        var completed = new JsonArray();
        foreach (var file in files)
        {
            var id = file!["id"]!.GetValue<string>();
            if (!_pending.TryRemove(id, out var pending) || pending.Content is null)
            {
                return Error("file_not_found");
            }

            _shared.Enqueue(new SharedFile(id, pending.FileName, file["title"]?.GetValue<string>() ?? pending.FileName, form["channel_id"]!, form["initial_comment"].ToString(), pending.Content));
            completed.Add(new JsonObject { ["id"] = id, ["title"] = file["title"]?.GetValue<string>() });
        }

        return Results.Json(new JsonObject { ["ok"] = true, ["files"] = completed });
    }

    private static IResult Error(string error) => Results.Json(new JsonObject { ["ok"] = false, ["error"] = error });

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed record PendingFile(string FileName, long Length, byte[]? Content);
}

public sealed record SharedFile(string FileId, string FileName, string Title, string ChannelId, string Comment, byte[] Content);
