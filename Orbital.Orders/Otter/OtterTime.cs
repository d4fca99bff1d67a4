using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Orbital.Orders.Otter;

/// <summary>
/// Reads Otter's timestamps leniently: ISO 8601, and the form Otter's own examples use with a colon
/// before the milliseconds (<c>2020-10-10T20:06:02:123Z</c>).
/// </summary>
public static partial class OtterTime
{
    public static DateTimeOffset? Parse(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.String } text ? Parse(text.GetString()) : null;

    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        const DateTimeStyles styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, styles, out var parsed))
        {
            return parsed;
        }

        var repaired = ColonBeforeFraction().Replace(text, "$1.$2");
        return DateTimeOffset.TryParse(repaired, CultureInfo.InvariantCulture, styles, out parsed) ? parsed : null;
    }

    /// <summary>Reads an ISO 8601 duration such as <c>PT20M</c>.</summary>
    public static TimeSpan? ParseDuration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            var duration = System.Xml.XmlConvert.ToTimeSpan(text);
            return duration >= TimeSpan.Zero && duration <= TimeSpan.FromDays(2) ? duration : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"(T\d{2}:\d{2}:\d{2}):(\d{1,7})")]
    private static partial Regex ColonBeforeFraction();
}
