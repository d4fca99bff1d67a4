using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Orbital.AppHost.Infrastructure;

/// <summary>
/// Where the local servers keep their files. An ephemeral run (the tests) gets a fresh temporary directory,
/// and when the AppHost stops it waits for the servers to exit, stops the broker's port mapper and deletes it all.
/// </summary>
public sealed class LocalServerState
{
    private LocalServerState(string root, string runId, bool ephemeral)
    {
        Root = root;
        RunId = runId;
        Ephemeral = ephemeral;
    }

    public string Root { get; }
    public string RunId { get; }
    public bool Ephemeral { get; }
    public int ErlangPortMapperPort { get; set; }

    public static LocalServerState Create(IDistributedApplicationBuilder builder, InfrastructureOptions options)
    {
        var runId = Guid.NewGuid().ToString("N")[..12];
        var root = options.Ephemeral
            ? Path.Combine(Path.GetTempPath(), $"orbital-{runId}")
            : Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", options.DataDirectory));
        Directory.CreateDirectory(root);

        var state = new LocalServerState(root, runId, options.Ephemeral);
        builder.Services.AddHostedService(sp => new LocalServerCleanup(state, sp.GetRequiredService<IHostApplicationLifetime>()));
        return state;
    }

    /// <summary>Processes whose command line names a path under <see cref="Root"/>: the servers this run started.</summary>
    internal IReadOnlyList<int> ServerProcesses()
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline"));
                if (commandLine.Contains(Root, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process exited while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to read, so not ours.
            }
        }

        return found;
    }

    /// <summary>Cleans up once the application has stopped, or when it is disposed after a start that failed.</summary>
    private sealed class LocalServerCleanup(LocalServerState state, IHostApplicationLifetime lifetime) : IHostedService, IDisposable
    {
        private int _cleaned;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStopped.Register(CleanUp);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => CleanUp();

        private void CleanUp()
        {
            if (Interlocked.Exchange(ref _cleaned, 1) == 1)
            {
                return;
            }

            // The orchestrator is still stopping the servers when the application reports stopped.
            var deadline = Stopwatch.StartNew();
            while (state.ServerProcesses().Count > 0 && deadline.Elapsed < TimeSpan.FromSeconds(15))
            {
                Thread.Sleep(100);
            }

            foreach (var pid in state.ServerProcesses())
            {
                try
                {
                    Process.GetProcessById(pid).Kill(entireProcessTree: true);
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }

            if (state.ErlangPortMapperPort > 0)
            {
                StopErlangPortMapper(state.ErlangPortMapperPort);
            }

            if (state.Ephemeral)
            {
                try
                {
                    Directory.Delete(state.Root, recursive: true);
                }
                catch (IOException)
                {
                    // A straggler still writing; the directory is under the system temp path.
                }
            }
        }

        private static void StopErlangPortMapper(int port)
        {
            try
            {
                using var epmd = Process.Start(new ProcessStartInfo("epmd", $"-port {port} -kill")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                });
                epmd?.WaitForExit(TimeSpan.FromSeconds(5));
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // No epmd on PATH: the broker never started either.
            }
        }
    }
}
