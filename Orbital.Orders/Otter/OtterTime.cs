using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Orbital.Orders.Otter;

/// <summary>
/// Reads Otter's timestamps leniently: ISO 8601, and the form Otter's own examples use with a colon
/// before the milliseconds (<c>2020-10-10T20:06:02:123Z</c>).
/// </summary>
public static partial class OtterTime
{
    /// <summary>Times outside these bounds are no restaurant's order: the webhook refuses them, the consumer reads them as absent.</summary>
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset Latest = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset? Parse(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.String } text ? Parse(text.GetString()) : null;

    public static DateTimeOffset? Parse(string? text) =>
        ParseAny(text) is { } time && time >= Earliest && time < Latest ? time : null;

    /// <summary>
    /// The first time in an Otter body (a string under a name ending in <c>Time</c> or <c>At</c>) that reads as a date
    /// outside <see cref="Earliest"/>..<see cref="Latest"/>, with its field name; null when there is none.
    /// </summary>
    public static (string Field, string Value)? FirstOutOfRange(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        var timeLike = false;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    // Every webhook passes here: names are looked at as bytes, and only a time's value is decoded.
                    timeLike = reader.ValueSpan.EndsWith("Time"u8) || reader.ValueSpan.EndsWith("At"u8);
                    continue;
                }

                if (timeLike && reader.TokenType == JsonTokenType.String
                    && reader.GetString() is { } text && ParseAny(text) is { } time && (time < Earliest || time >= Latest))
                {
                    return (Encoding.UTF8.GetString(NameBefore(body, reader.TokenStartIndex)), text);
                }

                timeLike = false;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Unreadable text is not a time; what the body is otherwise is judged elsewhere.
        }

        return null;
    }

    /// <summary>The property name written just before a value that starts at <paramref name="valueStart"/>.</summary>
    private static ReadOnlySpan<byte> NameBefore(ReadOnlySpan<byte> body, long valueStart)
    {
        var before = body[..(int)valueStart];
        var colon = before.LastIndexOf((byte)':');
        var end = before[..colon].LastIndexOf((byte)'"');
        var start = before[..end].LastIndexOf((byte)'"');
        return before[(start + 1)..end];
    }

    private static DateTimeOffset? ParseAny(string? text)
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
