using Microsoft.Playwright;

namespace Orbital.Tests.Infrastructure;

/// <summary>The kitchen screen of one station, open in a real headless Chromium (Debian's build, driven by Playwright).</summary>
public sealed class KitchenScreen : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private KitchenScreen(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    private static string ChromiumPath => Environment.GetEnvironmentVariable("ORBITAL_CHROMIUM") ?? "/usr/bin/chromium";

    /// <summary>Opens the screen for <paramref name="station"/> of <paramref name="kitchen"/> and waits until it is live.</summary>
    public static async Task<KitchenScreen> OpenAsync(OrbitalAppFixture orbital, string station, string kitchen = Kitchen.Id)
    {
        Assert.True(File.Exists(ChromiumPath), $"Chromium not found at {ChromiumPath}: test.sh installs Debian's chromium package.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(orbital.BatchAddress(), $"/?kitchen={kitchen}&station={station}&screen=browser-test").ToString());
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("Live");
        return new KitchenScreen(playwright, browser, page);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
