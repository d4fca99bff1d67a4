using Microsoft.Extensions.Options;
using Orbital.Prep.Reports;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>The real Slack client against the local stand-in of Slack's Web API.</summary>
public sealed class The_Slack_client_speaks_the_external_upload_flow : IAsyncLifetime
{
    private FakeSlackApi _slack = null!;

    public async ValueTask InitializeAsync() => _slack = await FakeSlackApi.StartAsync();

    [Fact]
    public async Task A_file_is_uploaded_then_shared_in_the_channel_with_its_title_and_comment()
    {
        var content = "%PDF-1.7 a report"u8.ToArray();

        var fileId = await Client(FakeSlackApi.BotToken).UploadAsync(
            new SlackUpload("C123", "report.pdf", "Prep list", "3 products to prep", content), TestContext.Current.CancellationToken);

        var shared = Assert.Single(_slack.Shared);
        Assert.Equal(fileId, shared.FileId);
        Assert.Equal(("C123", "report.pdf", "Prep list", "3 products to prep"), (shared.ChannelId, shared.FileName, shared.Title, shared.Comment));
        Assert.Equal(content, shared.Content);
    }

    [Fact]
    public async Task Slacks_ok_false_answers_surface_with_the_error_code()
    {
        var error = await Assert.ThrowsAsync<SlackApiException>(() => Client("xoxb-wrong").UploadAsync(
            new SlackUpload("C123", "report.pdf", "t", "c", [1, 2, 3]), TestContext.Current.CancellationToken));

        Assert.Equal("invalid_auth", error.Error);
        Assert.Empty(_slack.Shared);
    }

    private SlackClient Client(string token) =>
        new(new HttpClient { BaseAddress = _slack.BaseUrl }, Options.Create(new SlackOptions { ApiBaseUrl = _slack.BaseUrl, BotToken = token }));

    public async ValueTask DisposeAsync() => await _slack.DisposeAsync();
}
