using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.Hosting;

/// <summary>Where a service's secrets come from in production: an Azure Key Vault. Section <c>KeyVault</c>.</summary>
public sealed class KeyVaultSecretsOptions
{
    public const string SectionName = "KeyVault";

    /// <summary>The vault (<c>https://orbital-prod.vault.azure.net/</c>). Unset: secrets come from configuration as they are.</summary>
    public Uri? VaultUri { get; set; }

    /// <summary>
    /// A service principal's tenant, client id and secret. Unset, the service signs in as itself (workload identity,
    /// managed identity: <c>DefaultAzureCredential</c>), which is what production should do: no secret to fetch the secrets.
    /// </summary>
    public string? TenantId { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>Microsoft Entra ID's sign-in address; another cloud's (or a local stand-in's) when set.</summary>
    public Uri? AuthorityHost { get; set; }

    /// <summary>More secrets than Orbital has by far: a vault shared with something else is a mistake to refuse loudly.</summary>
    public int MaxSecrets { get; set; } = 200;
}

/// <summary>
/// Reads every enabled, unexpired secret of the vault once at start into configuration, over what the files and the
/// environment say. Key Vault names allow only letters, digits and dashes, so <c>--</c> stands for the section
/// separator: <c>Otter--WebhookSecret</c> is <c>Otter:WebhookSecret</c>, <c>ConnectionStrings--orders</c> is
/// <c>ConnectionStrings:orders</c>. A vault that is named but cannot be read stops the start with the reason.
/// </summary>
public static class KeyVaultSecrets
{
    /// <param name="transport">How to reach the vault and the sign-in service; the default HTTP client unless a test says otherwise.</param>
    public static TBuilder AddKeyVaultSecretsWhenConfigured<TBuilder>(this TBuilder builder, HttpPipelineTransport? transport = null) where TBuilder : IHostApplicationBuilder
    {
        var options = builder.Configuration.GetSection(KeyVaultSecretsOptions.SectionName).Get<KeyVaultSecretsOptions>();
        if (options?.VaultUri is not null)
        {
            builder.Configuration.AddKeyVaultSecrets(options, transport);
        }

        return builder;
    }

    /// <param name="transport">How to reach the vault and the sign-in service; the default HTTP client unless a test says otherwise.</param>
    public static IConfigurationBuilder AddKeyVaultSecrets(this IConfigurationBuilder configuration, KeyVaultSecretsOptions options, HttpPipelineTransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options.VaultUri);
        if (options.VaultUri.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidOperationException($"{KeyVaultSecretsOptions.SectionName}:VaultUri must be https:// (the secrets travel in it), not {options.VaultUri}.");
        }

        var secretOptions = new SecretClientOptions();
        if (transport is not null)
        {
            secretOptions.Transport = transport;
        }

        var client = new SecretClient(options.VaultUri, Credential(options, transport), secretOptions);
        return configuration.Add(new KeyVaultSecretsSource(client, options.MaxSecrets));
    }

    /// <summary>The configuration key of a secret's name (<c>Otter--WebhookSecret</c> → <c>Otter:WebhookSecret</c>).</summary>
    public static string ConfigurationKey(string secretName) => secretName.Replace("--", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);

    private static TokenCredential Credential(KeyVaultSecretsOptions options, HttpPipelineTransport? transport)
    {
        if (!string.IsNullOrEmpty(options.ClientId) && !string.IsNullOrEmpty(options.ClientSecret))
        {
            if (string.IsNullOrEmpty(options.TenantId))
            {
                throw new InvalidOperationException($"{KeyVaultSecretsOptions.SectionName}:TenantId is needed with a client id and secret.");
            }

            var credentialOptions = new ClientSecretCredentialOptions();
            if (options.AuthorityHost is not null)
            {
                credentialOptions.AuthorityHost = options.AuthorityHost;
                // A sign-in service other than Entra ID's public cloud cannot answer Entra's instance discovery.
                credentialOptions.DisableInstanceDiscovery = true;
            }

            if (transport is not null)
            {
                credentialOptions.Transport = transport;
            }

            return new ClientSecretCredential(options.TenantId, options.ClientId, options.ClientSecret, credentialOptions);
        }

        var defaultOptions = new DefaultAzureCredentialOptions();
        if (options.AuthorityHost is not null)
        {
            defaultOptions.AuthorityHost = options.AuthorityHost;
        }

        if (!string.IsNullOrEmpty(options.TenantId))
        {
            defaultOptions.TenantId = options.TenantId;
        }

        return new DefaultAzureCredential(defaultOptions);
    }

    private sealed class KeyVaultSecretsSource(SecretClient client, int maxSecrets) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new KeyVaultSecretsProvider(client, maxSecrets);
    }

    private sealed class KeyVaultSecretsProvider(SecretClient client, int maxSecrets) : ConfigurationProvider
    {
        // Configuration providers load synchronously; this runs once, at start, before the host serves anything.
        public override void Load() => LoadAsync().GetAwaiter().GetResult();

        private async Task LoadAsync()
        {
            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            try
            {
                var now = DateTimeOffset.UtcNow;
                var names = new List<string>();
                await foreach (var secret in client.GetPropertiesOfSecretsAsync())
                {
                    // Disabled or expired: an operator took it out of use. A certificate's backing secret is not configuration.
                    if (secret.Enabled is false || secret.ExpiresOn <= now || secret.NotBefore > now || secret.Managed)
                    {
                        continue;
                    }

                    names.Add(secret.Name);
                    if (names.Count > maxSecrets)
                    {
                        throw new InvalidOperationException($"The vault holds more than {maxSecrets} secrets in use ({KeyVaultSecretsOptions.SectionName}:MaxSecrets): is it Orbital's?");
                    }
                }

                foreach (var name in names)
                {
                    KeyVaultSecret secret = await client.GetSecretAsync(name);
                    values[ConfigurationKey(name)] = secret.Value;
                }
            }
            catch (Exception ex) when (ex is global::Azure.RequestFailedException or AuthenticationFailedException or CredentialUnavailableException)
            {
                // The SDK's messages run to many lines; the first of the outermost and of the innermost say what and why.
                var reason = ex.Message.Split('\n')[0].Trim();
                var cause = ex.GetBaseException().Message.Split('\n')[0].Trim();
                throw new InvalidOperationException(
                    $"Could not read the secrets of the Key Vault at {client.VaultUri}: {reason}{(cause == reason ? string.Empty : $" ({cause})")}", ex);
            }

            Data = values;
        }
    }
}
