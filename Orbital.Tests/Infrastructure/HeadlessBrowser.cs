using Microsoft.Playwright;

namespace Orbital.Tests.Infrastructure;

/// <summary>A browser as a kitchen uses one: Debian's headless Chromium driven by Playwright, at a screen's size, on any service's address.</summary>
public sealed class HeadlessBrowser : IAsyncDisposable
{
    public static readonly (int Width, int Height) TabletPortrait = (768, 1024);
    public static readonly (int Width, int Height) TabletLandscape = (1280, 800);
    public static readonly (int Width, int Height) WallScreen = (1920, 1080);

    /// <summary>Both tablet sizes, for a theory: its name for screenshots, width and height.</summary>
    public static TheoryData<string, int, int> TabletSizes => new()
    {
        { "portrait", TabletPortrait.Width, TabletPortrait.Height },
        { "landscape", TabletLandscape.Width, TabletLandscape.Height },
    };

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private HeadlessBrowser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    /// <summary>What the page logged and threw, latest last (at most 100 lines), for a failure to show.</summary>
    public IReadOnlyList<string> Console
    {
        get
        {
            lock (_console)
            {
                return [.. _console];
            }
        }
    }

    private readonly List<string> _console = [];

    private void Log(string line)
    {
        lock (_console)
        {
            _console.Add(line);
            if (_console.Count > 100)
            {
                _console.RemoveAt(0);
            }
        }
    }

    /// <param name="touch">A touch screen (the tablets), as well as a mouse.</param>
    public static async Task<HeadlessBrowser> OpenAsync(Uri address, (int Width, int Height) size, bool touch = false)
    {
        var chromium = Environment.GetEnvironmentVariable("ORBITAL_CHROMIUM") ?? "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), $"Chromium not found at {chromium}: test.sh installs Debian's chromium package.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = size.Width, Height = size.Height }, HasTouch = touch });
        var opened = new HeadlessBrowser(playwright, browser, page);
        page.Console += (_, message) => opened.Log($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => opened.Log($"error: {error}");
        await page.GotoAsync(address.ToString());
        return opened;
    }

    /// <summary>Saves what the screen shows to <c>TestResults/screenshots/{name}.png</c> beside the solution, for review.</summary>
    public async Task ScreenshotAsync(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orbital.sln")))
        {
            directory = directory.Parent;
        }

        var folder = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        await Page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}.png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
