using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orbital.Tests.Infrastructure;

/// <summary>
/// A service started by the test itself, as a real process from its build output, with the configuration the
/// test chooses (e.g. a broker address that does not answer yet). Its output is kept for failure messages.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ServiceProcess Start(string projectName, IReadOnlyDictionary<string, string> environment)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = BuiltProject(projectName);
        start.Environment["ASPNETCORE_URLS"] = address.ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {projectName}.");
        var service = new ServiceProcess(process, address);
        process.OutputDataReceived += (_, line) => service.Append(line.Data);
        process.ErrorDataReceived += (_, line) => service.Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>A client of the process as a manager who works everywhere (Batch's and Orders' routes need staff or a paired screen).</summary>
    public HttpClient CreateClient() => new()
    {
        BaseAddress = Address,
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new("Bearer", PrepAccess.Token(role: "manager", expires: DateTimeOffset.UtcNow.AddHours(2))) },
    };

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>How to run a project of the solution as this test run built it, from its output folder, output redirected.</summary>
    public static ProcessStartInfo BuiltProject(string projectName)
    {
        var assembly = Path.Combine(SolutionDirectory(), projectName, "bin", BuildConfiguration, "net10.0", $"{projectName}.dll");
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"Build {projectName} first: {assembly} is missing.", assembly);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add(assembly);
        return start;
    }

    private static string BuildConfiguration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    private static string SolutionDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orbital.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Orbital.sln not found above the test output.");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>The exit code once the service has exited by itself, or null if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<int?> ExitCodeAsync(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Kills the service as a crash would (SIGKILL): nothing is drained, nothing is acknowledged.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
