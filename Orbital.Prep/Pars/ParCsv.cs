using System.Globalization;
using System.Text;

namespace Orbital.Prep.Pars;

/// <summary>One row of a PAR import: <c>sku,weekday,quantity[,unit]</c>; weekday as 0–6 (Sunday = 0) or a day name.</summary>
public sealed record ParRow(int Row, string Sku, int Weekday, decimal Quantity, string? Unit);

public sealed record RowError(int Row, string Message);

/// <summary>Reads PAR CSV (RFC 4180 quoting, header row required, columns in any order) and says what is wrong row by row.</summary>
public static class ParCsv
{
    private static readonly string[] Required = ["sku", "weekday", "quantity"];

    public static (List<ParRow> Rows, List<RowError> Errors) Parse(string text)
    {
        var rows = new List<ParRow>();
        var errors = new List<RowError>();
        var records = Records(text).ToList();
        if (records.Count == 0)
        {
            errors.Add(new RowError(1, "The file is empty: expected a header row sku,weekday,quantity[,unit]."));
            return (rows, errors);
        }

        var header = records[0].Select(h => h.Trim().ToLowerInvariant()).ToList();
        var missing = Required.Where(r => !header.Contains(r)).ToList();
        if (missing.Count > 0)
        {
            errors.Add(new RowError(1, $"The header lacks {string.Join(", ", missing)}."));
            return (rows, errors);
        }

        int Column(string name) => header.IndexOf(name);
        var (sku, weekday, quantity, unit) = (Column("sku"), Column("weekday"), Column("quantity"), Column("unit"));
        for (var i = 1; i < records.Count; i++)
        {
            var record = records[i];
            var row = i + 1;
            if (record.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            string Field(int index) => index >= 0 && index < record.Count ? record[index].Trim() : string.Empty;
            var problems = new List<string>();
            if (Field(sku).Length == 0)
            {
                problems.Add("sku is empty");
            }

            var day = ParseWeekday(Field(weekday));
            if (day is null)
            {
                problems.Add($"weekday '{Field(weekday)}' is not 0–6 or a day name");
            }

            if (!decimal.TryParse(Field(quantity), NumberStyles.Number, CultureInfo.InvariantCulture, out var amount))
            {
                problems.Add($"quantity '{Field(quantity)}' is not a number");
            }
            else if (amount < 0)
            {
                problems.Add("quantity is negative");
            }

            if (problems.Count > 0)
            {
                errors.Add(new RowError(row, string.Join("; ", problems)));
                continue;
            }

            rows.Add(new ParRow(row, Field(sku), day!.Value, amount, Field(unit) is { Length: > 0 } u ? u : null));
        }

        return (rows, errors);
    }

    /// <summary>
    /// PARs as a file <see cref="Parse"/> reads back: <c>sku,name,weekday,quantity,unit</c>, the weekday by name, the
    /// quantity in the product's base unit. The name is for people (an import ignores it); one that a spreadsheet would
    /// take for a formula is written with a leading apostrophe.
    /// </summary>
    public static string Write(IEnumerable<(string Sku, string Name, int Weekday, decimal Quantity, string Unit)> pars)
    {
        var csv = new StringBuilder("sku,name,weekday,quantity,unit\r\n");
        foreach (var (sku, name, weekday, quantity, unit) in pars)
        {
            var safeName = name.Length > 0 && name[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + name : name;
            csv.Append(Field(sku)).Append(',').Append(Field(safeName)).Append(',').Append((DayOfWeek)weekday).Append(',')
                .Append(quantity.ToString(CultureInfo.InvariantCulture)).Append(',').Append(Field(unit)).Append("\r\n");
        }

        return csv.ToString();

        static string Field(string value) => value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    private static int? ParseWeekday(string value)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number is >= 0 and <= 6 ? number : null;
        }

        var matches = Enum.GetValues<DayOfWeek>()
            .Where(day => value.Length >= 3 && day.ToString().StartsWith(value, StringComparison.OrdinalIgnoreCase))
            .ToList();
        return matches.Count == 1 ? (int)matches[0] : null;
    }

    private static IEnumerable<List<string>> Records(string text)
    {
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                record.Add(field.ToString());
                field.Clear();
                yield return record;
                record = [];
            }
            else
            {
                field.Append(c);
            }
        }

        if (field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString());
            yield return record;
        }
    }
}
