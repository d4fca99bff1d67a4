using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// The README publishes development secrets so that <c>./run.sh</c> works at once. Outside the Development environment
/// they are no secret: a service given one refuses to start, and says which setting to change.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class The_published_development_secrets_work_only_in_development(OrbitalAppFixture orbital)
{
    private static readonly System.Security.Cryptography.ECDsa OwnKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);

    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "Orbital.Orders", "Otter__WebhookSecret", Otter.WebhookSecret, "Otter:WebhookSecret" },
        { "Orbital.Orders", "Auth__VerificationKey", PrepAccess.VerificationKey, "Auth:VerificationKey" },
        { "Orbital.Batch", "Auth__VerificationKey", PrepAccess.VerificationKey, "Auth:VerificationKey" },
        { "Orbital.Prep", "Auth__SigningKey", PrepAccess.SigningKey, "Auth:SigningKey" },
        { "Orbital.Prep", "Auth__BootstrapAdmin__Password", PrepAccess.AdminPassword, "Auth:BootstrapAdmin:Password" },
    };

    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [MemberData(nameof(Cases))]
    public async Task A_service_in_production_with_a_published_secret_refuses_to_start_and_names_it(string project, string variable, string published, string setting)
    {
        _ = TestContext.Current.CancellationToken;
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            [$"ConnectionStrings__{ResourceNames.RabbitMq}"] = await orbital.ConnectionStringAsync(ResourceNames.RabbitMq),
            [$"ConnectionStrings__{ResourceNames.OrdersDatabase}"] = await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase),
            [$"ConnectionStrings__{ResourceNames.PrepDatabase}"] = await orbital.ConnectionStringAsync(ResourceNames.PrepDatabase),
            [$"ConnectionStrings__{ResourceNames.BatchDatabase}"] = await orbital.ConnectionStringAsync(ResourceNames.BatchDatabase),
            [$"ConnectionStrings__{ResourceNames.Redis}"] = await orbital.ConnectionStringAsync(ResourceNames.Redis),
            [$"ConnectionStrings__{ResourceNames.WarehouseDatabase}"] = await orbital.ConnectionStringAsync(ResourceNames.WarehouseDatabase),
            ["Otter__WebhookSecret"] = "a-webhook-secret-of-our-own-0001",
            [project == "Orbital.Prep" ? "Auth__SigningKey" : "Auth__VerificationKey"] = project == "Orbital.Prep" ? OwnKey.ExportPkcs8PrivateKeyPem() : OwnKey.ExportSubjectPublicKeyInfoPem(),
            ["Auth__BootstrapAdmin__Password"] = "an-admin-password-of-our-own",
        };
        environment[variable] = published;
        await using var service = ServiceProcess.Start(project, environment);

        var exitCode = await service.ExitCodeAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode is not null and not 0, $"{project} kept running with the published {setting}. Output:\n{service.Output}");
        Assert.Contains(setting, service.Output, StringComparison.Ordinal);
        Assert.Contains("development", service.Output, StringComparison.Ordinal);
    }
}
