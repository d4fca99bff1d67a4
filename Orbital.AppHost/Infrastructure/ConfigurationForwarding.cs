using Microsoft.Extensions.Configuration;

namespace Orbital.AppHost.Infrastructure;

public static class ConfigurationForwarding
{
    /// <summary>
    /// Passes a configuration section of the AppHost (appsettings, user secrets, command line) to a service as
    /// environment variables, key by key; keys ending in <paramref name="except"/> are left out.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithConfigurationSection(
        this IResourceBuilder<ProjectResource> project, IConfiguration configuration, string section, string? except = null)
    {
        foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
        {
            if (value is not null && (except is null || !key.EndsWith(except, StringComparison.OrdinalIgnoreCase)))
            {
                project.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        return project;
    }
}
