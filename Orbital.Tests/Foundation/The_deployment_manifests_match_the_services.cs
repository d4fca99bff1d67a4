using System.Reflection;
using System.Text.RegularExpressions;
using Orbital.Contracts;

namespace Orbital.Tests.Foundation;

/// <summary>
/// The deployment on paper (<c>deploy/</c>) is checked where it can be without a Kubernetes cluster: every service
/// probes <c>/health</c> for readiness and <c>/alive</c> for liveness on the port it serves, runs at least twice, Otter's
/// ingress routes the webhook the Orders service serves, and every setting and secret the manifests and the secrets'
/// list name is one a service binds (a misspelt key would be read by nothing and the service would start without it).
/// </summary>
public sealed partial class The_deployment_manifests_match_the_services
{
    private static readonly string Deploy = Path.Combine(RepositoryRoot(), "deploy");

    [Theory]
    [InlineData(ResourceNames.OrdersService)]
    [InlineData(ResourceNames.BatchService)]
    [InlineData(ResourceNames.PrepService)]
    public void Each_service_runs_twice_and_is_probed_where_it_answers(string service)
    {
        var manifest = File.ReadAllText(Path.Combine(Deploy, "kubernetes", $"{service}.yaml"));

        Assert.Matches(@"readinessProbe:\s*\n\s*httpGet: \{ path: /health, port: http \}", manifest);
        Assert.Matches(@"livenessProbe:\s*\n\s*httpGet: \{ path: /alive, port: http \}", manifest);
        Assert.Matches(@"startupProbe:\s*\n\s*httpGet: \{ path: /alive, port: http \}", manifest);
        // ASP.NET Core's container images listen on 8080.
        Assert.Contains("- { name: http, containerPort: 8080 }", manifest, StringComparison.Ordinal);
        Assert.True(int.Parse(Replicas().Match(manifest).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 2, $"{service} runs once");
        Assert.Contains($"serviceAccountName: {service}", manifest, StringComparison.Ordinal);
    }

    [Fact]
    public void Otters_webhook_reaches_the_route_Orders_serves_and_screens_get_their_streams_unbuffered()
    {
        var ingress = File.ReadAllText(Path.Combine(Deploy, "kubernetes", "ingress.yaml"));

        Assert.Contains("- path: /webhooks/otter\n            pathType: Exact", ingress, StringComparison.Ordinal);
        Assert.Contains("\"/webhooks/otter\"", File.ReadAllText(Path.Combine(RepositoryRoot(), "Orbital.Orders", "Webhooks", "OtterWebhookApi.cs")), StringComparison.Ordinal);
        Assert.Contains("nginx.ingress.kubernetes.io/proxy-buffering: \"off\"", ingress, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_setting_and_secret_named_is_one_a_service_binds()
    {
        var names = new List<string>();
        foreach (var manifest in Directory.GetFiles(Path.Combine(Deploy, "kubernetes"), "*.yaml"))
        {
            names.AddRange(SettingName().Matches(File.ReadAllText(manifest)).Select(m => m.Groups[1].Value.Replace("__", ":", StringComparison.Ordinal)));
        }

        var secrets = SecretName().Matches(File.ReadAllText(Path.Combine(Deploy, "README.md"))).Select(m => m.Groups[1].Value).ToList();
        Assert.True(secrets.Count >= 10, $"the secrets' list names {secrets.Count}");
        names.AddRange(secrets.Select(secret => secret.Replace("--", ":", StringComparison.Ordinal)));

        var unknown = names.Where(name => !Binds(name)).Distinct().ToList();
        Assert.True(unknown.Count == 0, $"nothing binds {string.Join(", ", unknown)}");
    }

    /// <summary>A connection string of a resource Orbital has, a service's address for discovery, or a property of an options class.</summary>
    private static bool Binds(string key)
    {
        var parts = key.Split(':');
        if (parts[0] == "ConnectionStrings")
        {
            return parts.Length == 2 && typeof(ResourceNames).GetFields().Any(f => (string?)f.GetValue(null) == parts[1]);
        }

        if (parts[0] == "services")
        {
            return parts.Length == 4 && parts[1] is ResourceNames.OrdersService or ResourceNames.PrepService;
        }

        foreach (var (section, type) in OptionsClasses().OrderByDescending(o => o.Section.Length))
        {
            var sectionParts = section.Split(':');
            if (parts.Length > sectionParts.Length && parts.Take(sectionParts.Length).SequenceEqual(sectionParts, StringComparer.OrdinalIgnoreCase))
            {
                var current = type;
                foreach (var name in parts.Skip(sectionParts.Length))
                {
                    current = current?.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
                }

                if (current is not null)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static IEnumerable<(string Section, Type Type)> OptionsClasses() =>
        new[]
        {
            typeof(Orbital.Orders.Webhooks.OtterOptions).Assembly, typeof(Orbital.Batch.Batching.BatchingOptions).Assembly,
            typeof(Orbital.Prep.Auth.AuthOptions).Assembly, typeof(Orbital.Messaging.MessagingOptions).Assembly,
            typeof(Microsoft.Extensions.Hosting.KeyVaultSecretsOptions).Assembly, typeof(Orbital.Scheduling.ScheduledJobsOptions).Assembly,
        }
        .SelectMany(assembly => assembly.GetTypes())
        .Select(type => (Type: type, Field: type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
        .Where(t => t.Field is { IsLiteral: true })
        .Select(t => ((string)t.Field!.GetRawConstantValue()!, t.Type));

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orbital.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Orbital.sln not found above the test's directory.");
    }

    [GeneratedRegex(@"\n  replicas: (\d+)")]
    private static partial Regex Replicas();

    /// <summary>Environment variables that are configuration keys: <c>Section__Key</c>.</summary>
    [GeneratedRegex(@"(?:name: |\n  )([A-Za-z]+__[A-Za-z_0-9]+)")]
    private static partial Regex SettingName();

    /// <summary>The secrets' names in the list: backticked, with <c>--</c> for the section separator.</summary>
    [GeneratedRegex(@"`([A-Za-z]+--[A-Za-z]+(?:--[A-Za-z]+)*)`")]
    private static partial Regex SecretName();
}
