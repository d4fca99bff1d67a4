using System.Globalization;
using Orbital.Prep.Locations;
using Orbital.Prep.Reports;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using QRCoder;
using ZXing;
using ZXing.OneD;

namespace Orbital.Prep.TransferUnits;

/// <summary>What a transfer unit's label says: the unit, its product and the two locations (for their names and clocks).</summary>
public sealed record TransferUnitLabel(TransferUnit Unit, string ProductName, string ProductUnit, int? ShelfLifeHours, Location Origin, Location Destination);

/// <summary>
/// A transfer unit's label as a PDF the size of a 4×6 inch thermal label: the product and quantity in large type, where
/// it goes, its dates in the origin's time zone, and its label code twice: as a Code 128 barcode (what a kitchen's
/// scanner reads) and as a QR code (what a phone reads). Both are drawn as vector modules, sharp at any printer's resolution.
/// </summary>
public sealed class TransferUnitLabels
{
    /// <summary>4 × 6 inches in points.</summary>
    public const double Width = 288, Height = 432;

    private const double Margin = 18;

    public TransferUnitLabels() => PdfReports.EnsureFonts();

    public byte[] Label(TransferUnitLabel label)
    {
        var unit = label.Unit;
        using var document = new PdfDocument();
        document.Info.Title = $"Transfer unit {unit.Barcode}";
        var page = document.AddPage();
        page.Width = XUnit.FromPoint(Width);
        page.Height = XUnit.FromPoint(Height);
        using (var graphics = XGraphics.FromPdfPage(page))
        {
            var bold = (double size) => new XFont(LiberationFonts.Family, size, XFontStyleEx.Bold);
            var regular = (double size) => new XFont(LiberationFonts.Family, size, XFontStyleEx.Regular);
            var y = Margin;
            void Line(string text, XFont font, double height, XBrush? brush = null)
            {
                graphics.DrawString(Fit(graphics, text, font), font, brush ?? XBrushes.Black, new XPoint(Margin, y + height * 0.8));
                y += height;
            }

            Line(label.ProductName, bold(20), 26);
            Line(unit.Sku, regular(10), 16, XBrushes.DimGray);
            Line($"{Number(unit.QuantitySent)} {label.ProductUnit}", bold(34), 42);
            Line($"From {label.Origin.Name}", regular(12), 16);
            Line($"To {label.Destination.Name}", bold(14), 20);
            y += 4;
            var zone = TimeZoneInfo.FindSystemTimeZoneById(label.Origin.TimeZone);
            Line($"Packed {Local(unit.CreatedAt, zone)}", regular(10), 14);
            if (unit.DispatchedAt is { } dispatched)
            {
                Line($"Dispatched {Local(dispatched, zone)}", regular(10), 14);
            }

            if (label.ShelfLifeHours is { } hours)
            {
                Line($"Use by {Local(unit.CreatedAt.AddHours(hours), zone)}", bold(12), 16);
            }

            Line($"Times in {label.Origin.TimeZone}", regular(8), 12, XBrushes.DimGray);

            // The QR code above the barcode, at the label's left; each drawn from its modules.
            var qrSize = 104.0;
            var codeTop = Height - Margin - 78;
            DrawQrCode(graphics, unit.Barcode, new XRect(Margin, codeTop - qrSize - 8, qrSize, qrSize));
            DrawCode128(graphics, unit.Barcode, new XRect(Margin, codeTop, Width - 2 * Margin, 56));
            var text = bold(14);
            var size = graphics.MeasureString(unit.Barcode, text);
            graphics.DrawString(unit.Barcode, text, XBrushes.Black, new XPoint((Width - size.Width) / 2, codeTop + 56 + 16));
        }

        using var stream = new MemoryStream();
        document.Save(stream);
        return stream.ToArray();
    }

    /// <summary>Code 128 of the label code with its quiet zones, stretched to the box's width.</summary>
    private static void DrawCode128(XGraphics graphics, string value, XRect box)
    {
        var modules = new Code128Writer().encode(value, BarcodeFormat.CODE_128, 0, 0);
        var width = box.Width / modules.Width;
        for (var x = 0; x < modules.Width;)
        {
            if (!modules[x, 0])
            {
                x++;
                continue;
            }

            var start = x;
            while (x < modules.Width && modules[x, 0])
            {
                x++;
            }

            graphics.DrawRectangle(XBrushes.Black, new XRect(box.X + start * width, box.Y, (x - start) * width, box.Height));
        }
    }

    /// <summary>A QR code (error correction M) with its quiet zone, in a square box.</summary>
    private static void DrawQrCode(XGraphics graphics, string value, XRect box)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(value, QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix;
        var size = box.Width / matrix.Count;
        for (var row = 0; row < matrix.Count; row++)
        {
            for (var column = 0; column < matrix[row].Count; column++)
            {
                if (matrix[row][column])
                {
                    graphics.DrawRectangle(XBrushes.Black, new XRect(box.X + column * size, box.Y + row * size, size, size));
                }
            }
        }
    }

    private static string Local(DateTimeOffset moment, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(moment, zone).ToString("ddd d MMM yyyy HH:mm", CultureInfo.InvariantCulture);

    private static string Number(decimal value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Fit(XGraphics graphics, string text, XFont font)
    {
        while (text.Length > 1 && graphics.MeasureString(text, font).Width > Width - 2 * Margin)
        {
            text = text[..^2] + "…";
        }

        return text;
    }
}
