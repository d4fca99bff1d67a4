using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Orbital.Prep.Inventory;
using Orbital.Prep.Locations;
using Orbital.Prep.Pars;
using Orbital.Prep.TransferUnits;
using Orbital.Scheduling;

namespace Orbital.Prep.Reports;

/// <summary>Section <c>Reports</c>: which locations get which report, when, in which Slack channel.</summary>
public sealed class ReportsOptions
{
    public const string SectionName = "Reports";

    public List<LocationReports> Locations { get; set; } = [];
}

public sealed class LocationReports
{
    [Required]
    public string LocationId { get; set; } = string.Empty;

    [Required]
    public string SlackChannel { get; set; } = string.Empty;

    /// <summary>Cron for the prep list (default 05:30 every day, before prep starts); <c>never</c> for none.</summary>
    public string PrepListSchedule { get; set; } = "30 5 * * *";

    /// <summary>Cron for the transfer-unit inventory (default 14:00 every day); <c>never</c> for none.</summary>
    public string TransferUnitsSchedule { get; set; } = "0 14 * * *";
}

public static class ReportJobIds
{
    public static string PrepList(string locationId) => $"prep-list-report:{locationId}";

    public static string TransferUnits(string locationId) => $"transfer-units-report:{locationId}";

    /// <summary>The location a report job is for, or null for a job of the whole service (a warehouse sync).</summary>
    public static string? LocationOf(string jobId) =>
        jobId.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 && jobId[..colon] is "prep-list-report" or "transfer-units-report" ? jobId[(colon + 1)..] : null;
}

/// <summary>The seed's PrepSlackPdfWorker: today's prep list for a location, as a PDF, in its Slack channel.</summary>
public sealed partial class PrepListReportJob(
    PrepListService prepLists, PdfReports pdf, ISlackFiles slack, IOptions<ReportsOptions> options, ILogger<PrepListReportJob> logger) : IScheduledJobFor
{
    public async Task RunAsync(string argument, CancellationToken cancellationToken)
    {
        if (!slack.IsConfigured)
        {
            ReportLog.SlackNotConfigured(logger, "prep list", argument);
            return;
        }

        var settings = options.Value.Locations.Single(l => l.LocationId == argument);
        var list = await prepLists.BuildForTodayAsync(argument, cancellationToken)
            ?? throw new InvalidOperationException($"Location {argument} does not exist; create it or remove its report from Reports:Locations.");
        var today = list.Date;
        var toPrep = list.Lines.Count(l => l.ToPrep > 0);
        var fileId = await slack.UploadAsync(new SlackUpload(
            settings.SlackChannel,
            $"prep-list-{argument}-{today:yyyy-MM-dd}.pdf",
            $"Prep list {list.LocationName} {today:yyyy-MM-dd}",
            $"Prep list for {list.LocationName}, {today:dddd d MMMM}: {toPrep} of {list.Lines.Count} products to prep.",
            pdf.PrepList(list)), cancellationToken);
        Log.Posted(logger, argument, settings.SlackChannel, fileId);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Prep list of {LocationId} posted to Slack channel {Channel} as {FileId}")]
        public static partial void Posted(ILogger logger, string locationId, string channel, string fileId);
    }
}

/// <summary>The seed's TuSlackPdfWorker: a location's transfer-unit inventory, as a PDF, in its Slack channel.</summary>
public sealed partial class TransferUnitReportJob(
    InventoryStore inventory, TransferUnitStore store, LocationRegistry locations, PdfReports pdf, ISlackFiles slack, IOptions<ReportsOptions> options,
    ILogger<TransferUnitReportJob> logger) : IScheduledJobFor
{
    public async Task RunAsync(string argument, CancellationToken cancellationToken)
    {
        if (!slack.IsConfigured)
        {
            ReportLog.SlackNotConfigured(logger, "transfer-unit inventory", argument);
            return;
        }

        var settings = options.Value.Locations.Single(l => l.LocationId == argument);
        var report = await TransferUnitsApi.BuildInventoryAsync(argument, inventory, store, cancellationToken)
            ?? throw new InvalidOperationException($"Location {argument} does not exist; create it or remove its report from Reports:Locations.");
        var today = locations.Today(argument);
        var fileId = await slack.UploadAsync(new SlackUpload(
            settings.SlackChannel,
            $"transfer-units-{argument}-{today:yyyy-MM-dd}.pdf",
            $"Transfer units {report.LocationName} {today:yyyy-MM-dd}",
            $"Transfer units at {report.LocationName}: {report.OnHand.Count} on hand, {report.Incoming.Count} incoming, {report.Discrepancies.Count} with a discrepancy.",
            pdf.TransferUnits(report)), cancellationToken);
        Log.Posted(logger, argument, settings.SlackChannel, fileId);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Transfer units of {LocationId} posted to Slack channel {Channel} as {FileId}")]
        public static partial void Posted(ILogger logger, string locationId, string channel, string fileId);
    }
}

/// <summary>
/// What the report jobs say in common. Without a Slack token a report has nowhere to go: the job says so and ends as
/// done, rather than failing into Hangfire's retries (as missed-order recovery does without Otter's credentials).
/// </summary>
internal static partial class ReportLog
{
    [LoggerMessage(EventId = 3303, Level = LogLevel.Warning,
        Message = "The {Report} of {LocationId} is not posted: Slack is not configured (Slack:BotToken). Set it to post reports.")]
    public static partial void SlackNotConfigured(ILogger logger, string report, string locationId);
}
