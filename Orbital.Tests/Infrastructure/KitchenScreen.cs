using Microsoft.Playwright;

namespace Orbital.Tests.Infrastructure;

/// <summary>The kitchen screen of one station, open in a real headless Chromium (Debian's build, driven by Playwright).</summary>
public sealed class KitchenScreen : IAsyncDisposable
{
    private readonly HeadlessBrowser _browser;

    private KitchenScreen(HeadlessBrowser browser) => _browser = browser;

    public IPage Page => _browser.Page;

    /// <summary>What the screen logged and threw, for a failure to show.</summary>
    public IReadOnlyList<string> Console => _browser.Console;

    /// <summary>
    /// Opens a new screen, pairs it as a cook would (a manager's code for <paramref name="station"/> of
    /// <paramref name="kitchen"/>, typed into the pairing form), and waits until it is live.
    /// </summary>
    public static async Task<KitchenScreen> OpenAsync(OrbitalAppFixture orbital, string station, string kitchen = Kitchen.Id)
    {
        var screen = await OpenUnpairedAsync(orbital, $"/?screen=browser-test");
        await screen.PairAsync(await Kitchen.PairingCodeAsync(orbital, kitchen, station));
        // Pairing reloads the page: its board and stream are read anew.
        await Assertions.Expect(screen.Page.Locator("#connection")).ToHaveTextAsync("Live", new() { Timeout = LiveWithinMilliseconds });
        return screen;
    }

    /// <summary>
    /// How long a freshly paired screen may take to read its board and open its stream. By the suite's end London holds
    /// hundreds of open orders: the expo board's read and render took more than 15 s on a loaded CI machine.
    /// </summary>
    public const int LiveWithinMilliseconds = 30_000;

    /// <summary>A browser on the screen's address, not paired: what a new tablet shows.</summary>
    public static async Task<KitchenScreen> OpenUnpairedAsync(OrbitalAppFixture orbital, string path = "/") =>
        new(await HeadlessBrowser.OpenAsync(new Uri(orbital.BatchAddress(), path), HeadlessBrowser.WallScreen));

    /// <summary>Types the code into the pairing form and sends it.</summary>
    public async Task PairAsync(string code)
    {
        await Assertions.Expect(Page.Locator("#pairing")).ToBeVisibleAsync();
        await Page.Locator("#pair-code").FillAsync(code);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Pair" }).ClickAsync();
    }

    /// <summary>A screenshot to <c>TestResults/screenshots/{name}.png</c>.</summary>
    public Task ScreenshotAsync(string name) => _browser.ScreenshotAsync(name);

    public ValueTask DisposeAsync() => _browser.DisposeAsync();
}
