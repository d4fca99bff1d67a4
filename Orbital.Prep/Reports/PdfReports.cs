using System.Globalization;
using Orbital.Prep.Pars;
using Orbital.Prep.TransferUnits;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Orbital.Prep.Reports;

/// <summary>
/// The prep list and the transfer-unit inventory as A4 PDFs, drawn with PDFsharp (QuestPDF is not served here).
/// PDFsharp finds no fonts on Linux by itself, so the Liberation fonts (Debian's fonts-liberation2) are given to it.
/// </summary>
public sealed class PdfReports
{
    private const double Margin = 40;
    private const double RowHeight = 18;
    private static readonly Lock FontLock = new();

    public PdfReports() => EnsureFonts();

    public byte[] PrepList(PrepList list)
    {
        var rows = list.Lines.Select(l => new[]
        {
            l.Sku, l.Name, l.Par is { } par ? Number(par) : "–", l.Counted ? Number(l.OnHand) : "not counted", Number(l.ToPrep), $"{l.Batches} × {Number(l.BatchSize)}", l.Unit,
            l.Basis == PrepBasis.Forecast ? "forecast" : "PAR",
        }).ToList();
        return Table(
            $"Prep list · {list.LocationName}",
            $"{list.Date:dddd d MMMM yyyy} · generated {list.GeneratedAt:yyyy-MM-dd HH:mm} (UTC{list.GeneratedAt:zzz}, local time)",
            ["SKU", "Product", "PAR", "On hand", "To prep", "Batches", "Unit", "By"],
            [70, 115, 45, 70, 55, 65, 45, 50],
            rows,
            rows.Count == 0 ? "No PAR levels for this weekday, and no forecast." : $"{list.Lines.Count(l => l.ToPrep > 0)} of {list.Lines.Count} products to prep.");
    }

    public byte[] TransferUnits(TransferUnitInventory inventory)
    {
        static string[] Row(string section, TransferUnit u) =>
        [
            section, u.Barcode, u.Sku, Number(u.QuantitySent), u.QuantityReceived is { } r ? Number(r) : "-",
            u.Discrepancy is { } d && d != 0 ? Number(d) : "", $"{u.OriginLocationId} → {u.DestinationLocationId}",
        ];

        var rows = inventory.OnHand.Select(u => Row("On hand", u))
            .Concat(inventory.Incoming.Select(u => Row("Incoming", u)))
            .Concat(inventory.Outgoing.Select(u => Row("Outgoing", u)))
            .ToList();
        return Table(
            $"Transfer units · {inventory.LocationName}",
            $"{inventory.OnHand.Count} on hand, {inventory.Incoming.Count} incoming, {inventory.Outgoing.Count} outgoing",
            ["Where", "Label", "SKU", "Sent", "Received", "Diff.", "Route"],
            [60, 95, 75, 45, 55, 40, 145],
            rows,
            inventory.Discrepancies.Count == 0 ? "No discrepancies." : $"{inventory.Discrepancies.Count} transfer unit(s) received with a discrepancy.");
    }

    private static byte[] Table(string title, string subtitle, string[] headers, double[] widths, List<string[]> rows, string footer)
    {
        using var document = new PdfDocument();
        document.Info.Title = title;
        var titleFont = new XFont(LiberationFonts.Family, 16, XFontStyleEx.Bold);
        var headerFont = new XFont(LiberationFonts.Family, 9, XFontStyleEx.Bold);
        var bodyFont = new XFont(LiberationFonts.Family, 9, XFontStyleEx.Regular);

        PdfPage page = null!;
        XGraphics graphics = null!;
        double y = 0;

        void NewPage()
        {
            graphics?.Dispose();
            page = document.AddPage();
            page.Size = PdfSharp.PageSize.A4;
            graphics = XGraphics.FromPdfPage(page);
            y = Margin;
            graphics.DrawString(title, titleFont, XBrushes.Black, new XPoint(Margin, y + 16));
            y += 24;
            graphics.DrawString(subtitle, bodyFont, XBrushes.DimGray, new XPoint(Margin, y + 10));
            y += 22;
            DrawRow(headers, headerFont, shaded: true);
        }

        void DrawRow(string[] cells, XFont font, bool shaded)
        {
            var x = Margin;
            if (shaded)
            {
                graphics.DrawRectangle(XBrushes.Gainsboro, Margin, y, widths.Sum(), RowHeight);
            }

            for (var i = 0; i < cells.Length; i++)
            {
                graphics.DrawString(Fit(cells[i], widths[i] / 5), font, XBrushes.Black, new XRect(x + 3, y + 4, widths[i] - 6, RowHeight - 4), XStringFormats.TopLeft);
                x += widths[i];
            }

            graphics.DrawLine(XPens.LightGray, Margin, y + RowHeight, Margin + widths.Sum(), y + RowHeight);
            y += RowHeight;
        }

        NewPage();
        foreach (var row in rows)
        {
            if (y + RowHeight > page.Height.Point - Margin - 30)
            {
                NewPage();
            }

            DrawRow(row, bodyFont, shaded: false);
        }

        graphics.DrawString(footer, bodyFont, XBrushes.Black, new XPoint(Margin, y + 20));
        graphics.Dispose();
        using var output = new MemoryStream();
        document.Save(output);
        return output.ToArray();
    }

    private static string Fit(string text, double maxChars) => text.Length <= maxChars ? text : text[..Math.Max(1, (int)maxChars - 1)] + "…";

    private static string Number(decimal value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    internal static void EnsureFonts()
    {
        lock (FontLock)
        {
            if (GlobalFontSettings.FontResolver is not LiberationFonts)
            {
                GlobalFontSettings.FontResolver = new LiberationFonts();
            }
        }
    }
}

/// <summary>Maps every family PDFsharp asks for to Liberation Sans (metric-compatible with Arial).</summary>
public sealed class LiberationFonts : IFontResolver
{
    public const string Family = "Liberation Sans";
    public static readonly string Directory = Environment.GetEnvironmentVariable("ORBITAL_FONT_DIR") ?? "/usr/share/fonts/truetype/liberation2";

    public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) =>
        new((bold, italic) switch
        {
            (true, true) => "LiberationSans-BoldItalic",
            (true, false) => "LiberationSans-Bold",
            (false, true) => "LiberationSans-Italic",
            _ => "LiberationSans-Regular",
        });

    public byte[] GetFont(string faceName)
    {
        var path = Path.Combine(Directory, faceName + ".ttf");
        return File.Exists(path)
            ? File.ReadAllBytes(path)
            : throw new FileNotFoundException($"Font {path} is missing: install Debian's fonts-liberation2 (the scripts do) or set ORBITAL_FONT_DIR.", path);
    }
}
