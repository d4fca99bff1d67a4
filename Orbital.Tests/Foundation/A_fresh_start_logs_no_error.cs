using System.Text.RegularExpressions;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// A healthy system starting on fresh servers (the suite's are empty when it starts) logs no error: an operator who sees
/// one on the first start, as on the dashboard's error badge, would rightly think something is broken.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed partial class A_fresh_start_logs_no_error(OrbitalAppFixture orbital)
{
    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [InlineData(ResourceNames.OrdersService)]
    [InlineData(ResourceNames.BatchService)]
    [InlineData(ResourceNames.PrepService)]
    public void A_service_starting_on_empty_databases_logs_no_error(string service)
    {
        _ = TestContext.Current.CancellationToken;
        var lines = orbital.StartupLogs[service];

        // Lines as the console logger wrote them: a timestamp, colours, then "fail:" or "crit:" for errors.
        var plain = lines.Select(line => Colour().Replace(line, string.Empty)).ToList();
        var errors = plain.Select((line, index) => (line, index))
            .Where(l => Error().IsMatch(l.line))
            .Select(l => string.Join(" ", plain.Skip(l.index).Take(5).Select(x => x.Trim())))
            .ToList();

        Assert.Contains(lines, line => line.Contains("Application started", StringComparison.Ordinal));
        Assert.True(errors.Count == 0, $"{service} logged at start: {string.Join(" | ", errors)}");
    }

    [GeneratedRegex(@"\u001b\[[0-9;]*m")]
    private static partial Regex Colour();

    [GeneratedRegex(@"^(\S+Z\s+)?(fail|crit):")]
    private static partial Regex Error();
}
