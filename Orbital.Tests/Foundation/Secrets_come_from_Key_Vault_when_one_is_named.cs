using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// In production the services read their secrets (webhook secret, token signing key, Otter's and Slack's credentials,
/// connection strings) from the Azure Key Vault named by <c>KeyVault:VaultUri</c>, through the Azure SDK, over what
/// their files and environment say; with no vault named, configuration is used as it is. Tested against a local stand-in
/// that speaks Key Vault's secrets REST API and Entra ID's client-credentials sign-in, including paging, throttling and
/// refusals.
/// </summary>
public sealed class Secrets_come_from_Key_Vault_when_one_is_named
{
    [Fact]
    public async Task The_vaults_secrets_in_use_become_configuration_over_the_files()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("Otter--WebhookSecret", "from-the-vault");
        vault.SetSecret("ConnectionStrings--ordersdb", "Host=db.internal;Database=orders");
        vault.SetSecret("Auth--SigningKey", "-----BEGIN PRIVATE KEY-----");
        vault.SetSecret("Slack--BotToken", "xoxb-from-the-vault");
        vault.SetSecret("Otter--Api--ClientSecret", "otter-from-the-vault");
        vault.SetSecret("Slack--OldToken", "taken-out-of-use", enabled: false);
        vault.SetSecret("Otter--RetiredSecret", "expired", expires: DateTimeOffset.UtcNow.AddDays(-1));

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Otter:WebhookSecret"] = "from-appsettings",
                ["Otter:Api:BaseUrl"] = "https://partners.otter.example/",
            })
            .AddKeyVaultSecrets(Options(vault), vault.Transport())
            .Build();

        Assert.Equal("from-the-vault", configuration["Otter:WebhookSecret"]);
        Assert.Equal("Host=db.internal;Database=orders", configuration.GetConnectionString("ordersdb"));
        Assert.Equal("-----BEGIN PRIVATE KEY-----", configuration["Auth:SigningKey"]);
        Assert.Equal("xoxb-from-the-vault", configuration["Slack:BotToken"]);
        Assert.Equal("otter-from-the-vault", configuration["Otter:Api:ClientSecret"]);
        Assert.Equal("https://partners.otter.example/", configuration["Otter:Api:BaseUrl"]);
        Assert.Null(configuration["Slack:OldToken"]);
        Assert.Null(configuration["Otter:RetiredSecret"]);
        // Seven secrets at two a page: the list was followed to its end (after the first request, without a token, was
        // answered with the challenge); the values of the five in use were read.
        Assert.Equal(1 + 4, vault.Requests.Count(r => r == "GET /secrets"));
        Assert.Equal(5, vault.Requests.Count(r => r.StartsWith("GET /secrets/", StringComparison.Ordinal)));
        Assert.Equal(1, vault.TokensIssued);
    }

    [Fact]
    public async Task A_throttled_vault_is_asked_again_after_the_wait_it_names()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("Otter--WebhookSecret", "from-the-vault");
        vault.ThrottleNext(2);

        var configuration = new ConfigurationBuilder().AddKeyVaultSecrets(Options(vault), vault.Transport()).Build();

        Assert.Equal("from-the-vault", configuration["Otter:WebhookSecret"]);
        Assert.True(vault.Requests.Count(r => r == "GET /secrets") >= 3, string.Join(", ", vault.Requests));
    }

    [Fact]
    public async Task A_vault_that_refuses_the_service_stops_its_start_with_the_reason()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("Otter--WebhookSecret", "from-the-vault");
        var options = Options(vault);
        options.ClientSecret = "not-the-secret";

        var refused = Assert.Throws<InvalidOperationException>(() => new ConfigurationBuilder().AddKeyVaultSecrets(options, vault.Transport()).Build());

        Assert.Contains($"Could not read the secrets of the Key Vault at {vault.VaultUri}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("AADSTS7000215", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(options.ClientSecret, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(vault.Requests, r => r.StartsWith("GET /secrets/", StringComparison.Ordinal));
    }

    [Fact]
    public void A_vault_is_reached_over_https_only()
    {
        var refused = Assert.Throws<InvalidOperationException>(() =>
            new ConfigurationBuilder().AddKeyVaultSecrets(new KeyVaultSecretsOptions { VaultUri = new Uri("http://orbital.vault.azure.net/") }));

        Assert.Contains("must be https://", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_vault_configuration_is_used_as_it_is()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Otter:WebhookSecret"] = "from-appsettings" });
        var sources = builder.Configuration.Sources.Count;

        builder.AddKeyVaultSecretsWhenConfigured();

        Assert.Equal(sources, builder.Configuration.Sources.Count);
        Assert.Equal("from-appsettings", builder.Configuration["Otter:WebhookSecret"]);
    }

    /// <summary>
    /// A service names its vault in configuration (<c>KeyVault:VaultUri</c> and its sign-in, from the environment in
    /// production); the vault's values are there before any option is bound, over appsettings' development values.
    /// </summary>
    [Fact]
    public async Task A_service_reads_the_vault_its_configuration_names_before_anything_binds()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        var secret = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        vault.SetSecret("Otter--WebhookSecret", secret);
        vault.SetSecret($"ConnectionStrings--{ResourceNames.RabbitMq}", "amqp://orbital:from-the-vault@rabbitmq-1:5672/,amqp://rabbitmq-2:5672/");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Otter:WebhookSecret"] = "development-secret",
            ["KeyVault:VaultUri"] = vault.VaultUri.ToString(),
            ["KeyVault:TenantId"] = KeyVaultStandIn.TenantId,
            ["KeyVault:ClientId"] = KeyVaultStandIn.ClientId,
            ["KeyVault:ClientSecret"] = KeyVaultStandIn.ClientSecret,
            ["KeyVault:AuthorityHost"] = vault.VaultUri.ToString(),
        });

        builder.AddKeyVaultSecretsWhenConfigured(vault.Transport());

        Assert.Equal(secret, builder.Configuration["Otter:WebhookSecret"]);
        Assert.Equal("amqp://orbital:from-the-vault@rabbitmq-1:5672/,amqp://rabbitmq-2:5672/", builder.Configuration.GetConnectionString(ResourceNames.RabbitMq));
    }

    private static KeyVaultSecretsOptions Options(KeyVaultStandIn vault) => new()
    {
        VaultUri = vault.VaultUri,
        TenantId = KeyVaultStandIn.TenantId,
        ClientId = KeyVaultStandIn.ClientId,
        ClientSecret = KeyVaultStandIn.ClientSecret,
        AuthorityHost = vault.VaultUri,
    };
}
