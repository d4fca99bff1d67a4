using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orbital.Prep.Reports;

namespace Orbital.Tests.Prep;

/// <summary>
/// Without a Slack token a report has nowhere to go. Its job says so and ends as done, touching nothing else: a job
/// that threw would go into Hangfire's ten retries, each calling Slack again for nothing.
/// </summary>
public sealed class A_report_with_Slack_unconfigured_neither_fails_nor_retries
{
    private static readonly SlackClient Unconfigured = new(new HttpClient(), Options.Create(new SlackOptions()));

    [Fact]
    public async Task The_prep_list_job_says_Slack_is_not_configured_and_ends_as_done()
    {
        var logger = new RecordingLogger<PrepListReportJob>();
        // Nothing but Slack is given: the job must not build a report it cannot post.
        var job = new PrepListReportJob(null!, null!, Unconfigured, Options.Create(new ReportsOptions()), logger);

        await job.RunAsync("store-1", TestContext.Current.CancellationToken);

        var said = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, said.Level);
        Assert.Contains("prep list of store-1 is not posted: Slack is not configured", said.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_transfer_unit_job_says_Slack_is_not_configured_and_ends_as_done()
    {
        var logger = new RecordingLogger<TransferUnitReportJob>();
        var job = new TransferUnitReportJob(null!, null!, null!, null!, Unconfigured, Options.Create(new ReportsOptions()), logger);

        await job.RunAsync("store-1", TestContext.Current.CancellationToken);

        var said = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, said.Level);
        Assert.Contains("transfer-unit inventory of store-1 is not posted: Slack is not configured", said.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingLogger<T> : ILogger<T>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
