using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Orbital.AppHost.Infrastructure;

/// <summary>Runs <c>initdb</c> once, before the first start of a local PostgreSQL server.</summary>
internal static partial class PostgresInitialiser
{
    public static async Task InitialiseAsync(
        string binDirectory, string dataDirectory, string password, bool asRoot, bool ephemeral, ILogger logger, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            return;
        }

        var parent = Path.GetDirectoryName(dataDirectory)!;
        Directory.CreateDirectory(parent);
        var passwordFile = Path.Combine(parent, "initdb-password");
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
        try
        {
            if (asRoot)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", parent], logger, cancellationToken);
            }

            List<string> initdb =
            [
                Path.Combine(binDirectory, "initdb"),
                "-D", dataDirectory,
                "-U", "postgres",
                "--pwfile", passwordFile,
                "--auth-host=scram-sha-256",
                "--auth-local=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ];
            if (ephemeral)
            {
                initdb.Add("--no-sync");
            }

            LogInitialising(logger, dataDirectory);
            if (asRoot)
            {
                await RunAsync("/usr/bin/setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", .. initdb], logger, cancellationToken);
            }
            else
            {
                await RunAsync(initdb[0], initdb[1..], logger, cancellationToken);
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static async Task RunAsync(string command, IReadOnlyList<string> arguments, ILogger logger, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(command)} failed with exit code {process.ExitCode}: {await error}{await output}");
        }

        LogRan(logger, Path.GetFileName(command), await output);
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Initialising a PostgreSQL data directory at {DataDirectory}")]
    private static partial void LogInitialising(ILogger logger, string dataDirectory);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Debug, Message = "{Command}: {Output}")]
    private static partial void LogRan(ILogger logger, string command, string output);
}
