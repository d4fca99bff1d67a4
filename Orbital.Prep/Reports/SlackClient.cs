using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Orbital.Prep.Reports;

/// <summary>Section <c>Slack</c>: Slack's Web API and the bot token that posts the reports.</summary>
public sealed class SlackOptions
{
    public const string SectionName = "Slack";

    public Uri ApiBaseUrl { get; set; } = new("https://slack.com/api/");

    public string BotToken { get; set; } = string.Empty;

    public bool IsConfigured => BotToken.Length > 0;
}

public sealed record SlackUpload(string ChannelId, string FileName, string Title, string Comment, byte[] Content);

/// <summary>Posts a file to a Slack channel.</summary>
public interface ISlackFiles
{
    bool IsConfigured { get; }

    /// <summary>Returns Slack's file id.</summary>
    Task<string> UploadAsync(SlackUpload upload, CancellationToken cancellationToken);
}

/// <summary>Slack answered <c>ok: false</c> (Slack reports errors in the body, with HTTP 200).</summary>
public sealed class SlackApiException(string method, string error) : Exception($"Slack {method} failed: {error}")
{
    public string Error { get; } = error;
}

/// <summary>
/// Slack's external upload flow: <c>files.getUploadURLExternal</c> (filename, length) → upload URL and file id; the
/// bytes POSTed to that URL; <c>files.completeUploadExternal</c> shares the file in the channel with a comment.
/// </summary>
public sealed class SlackClient(HttpClient http, IOptions<SlackOptions> options) : ISlackFiles
{
    public bool IsConfigured => options.Value.IsConfigured;

    public async Task<string> UploadAsync(SlackUpload upload, CancellationToken cancellationToken)
    {
        var target = await CallAsync("files.getUploadURLExternal", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["filename"] = upload.FileName,
            ["length"] = upload.Content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }), cancellationToken);
        var uploadUrl = target.UploadUrl ?? throw new SlackApiException("files.getUploadURLExternal", "no upload_url in the answer");
        var fileId = target.FileId ?? throw new SlackApiException("files.getUploadURLExternal", "no file_id in the answer");

        using (var bytes = new ByteArrayContent(upload.Content))
        {
            bytes.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            using var sent = await http.PostAsync(uploadUrl, bytes, cancellationToken);
            if (!sent.IsSuccessStatusCode)
            {
                throw new SlackApiException("file upload", $"HTTP {(int)sent.StatusCode}");
            }
        }

        var files = JsonSerializer.Serialize(new[] { new SlackFileRef(fileId, upload.Title) }, SlackJson.Default.SlackFileRefArray);
        await CallAsync("files.completeUploadExternal", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["files"] = files,
            ["channel_id"] = upload.ChannelId,
            ["initial_comment"] = upload.Comment,
        }), cancellationToken);
        return fileId;
    }

    private async Task<SlackResponse> CallAsync(string method, HttpContent content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, method) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.BotToken);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync(SlackJson.Default.SlackResponse, cancellationToken)
            ?? throw new SlackApiException(method, "empty answer");
        return body.Ok ? body : throw new SlackApiException(method, body.Error ?? "unknown error");
    }
}

internal sealed record SlackFileRef([property: JsonPropertyName("id")] string Id, [property: JsonPropertyName("title")] string Title);

internal sealed record SlackResponse(
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("upload_url")] string? UploadUrl,
    [property: JsonPropertyName("file_id")] string? FileId);

[JsonSerializable(typeof(SlackResponse))]
[JsonSerializable(typeof(SlackFileRef[]))]
internal sealed partial class SlackJson : JsonSerializerContext;
