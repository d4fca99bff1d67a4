using UglyToad.PdfPig;
using ZXing;
using ZXing.Common;

namespace Orbital.Tests.Infrastructure;

/// <summary>
/// A label PDF as a scanner and a reader see it: its words, and the codes its filled shapes make once the page is
/// painted at 4 pixels a point (as a 288 dpi printer would) and read with ZXing.
/// </summary>
public sealed record PrintedLabel(string Text, IReadOnlyList<(BarcodeFormat Format, string Value)> Codes, double WidthPoints, double HeightPoints)
{
    private const int PixelsPerPoint = 4;

    public static PrintedLabel Read(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        var page = Assert.Single(document.GetPages());
        var text = string.Join(" ", page.GetWords().Select(w => w.Text));
        var (width, height) = ((int)(page.Width * PixelsPerPoint), (int)(page.Height * PixelsPerPoint));
        var pixels = new byte[width * height];
        Array.Fill(pixels, (byte)255);
        foreach (var path in page.Paths.Where(p => p.IsFilled))
        {
            if (path.GetBoundingRectangle() is not { } box)
            {
                continue;
            }

            // PDF's y grows upwards; the image's downwards.
            var (left, right) = ((int)Math.Round(box.Left * PixelsPerPoint), (int)Math.Round(box.Right * PixelsPerPoint));
            var (top, bottom) = ((int)Math.Round((page.Height - box.Top) * PixelsPerPoint), (int)Math.Round((page.Height - box.Bottom) * PixelsPerPoint));
            for (var y = Math.Max(0, top); y < Math.Min(height, bottom); y++)
            {
                Array.Fill(pixels, (byte)0, y * width + Math.Max(0, left), Math.Max(0, Math.Min(width, right) - Math.Max(0, left)));
            }
        }

        // One reader per kind of code: a reader looking for several stops at the first it finds.
        var image = new RGBLuminanceSource(pixels, width, height, RGBLuminanceSource.BitmapFormat.Gray8);
        var codes = new[] { BarcodeFormat.CODE_128, BarcodeFormat.QR_CODE }
            .Select(format => new BarcodeReaderGeneric { Options = new DecodingOptions { TryHarder = true, PossibleFormats = [format] } }.Decode(image))
            .OfType<Result>()
            .Select(r => (r.BarcodeFormat, r.Text))
            .ToList();
        return new PrintedLabel(text, codes, page.Width, page.Height);
    }
}
