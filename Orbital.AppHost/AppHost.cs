using Orbital.AppHost.Infrastructure;
using Orbital.AppHost.Operations;
using Orbital.Contracts;

var builder = DistributedApplication.CreateBuilder(args);

// PostgreSQL, RabbitMQ and Redis: containers where a container runtime answers, local processes where none does.
var servers = builder.AddOrbitalServers();

// A server or service that crashes (or is killed) is started again with back-off; one stopped from the dashboard stays stopped.
CrashRestarts.AddTo(builder);

// Development values in appsettings.json (README); set the parameters anywhere real.
var otterWebhookSecret = builder.AddParameter("otter-webhook-secret", secret: true);
// Prep signs staff access tokens with this private key (ECDSA P-256, PEM); only Prep has it. Orders and Batch check the
// tokens on their operator routes with the public key, so they hold nothing that could mint one.
var accessTokenKey = builder.AddParameter("prep-jwt-signing-key", secret: true);
var accessTokenPublicKey = builder.AddParameter("prep-jwt-verification-key");
var prepAdminPassword = builder.AddParameter("prep-admin-password", secret: true);

var orders = builder.AddProject<Projects.Orbital_Orders>(ResourceNames.OrdersService)
    .WithReference(servers.OrdersDatabase).WaitFor(servers.OrdersDatabase)
    .WithReference(servers.WarehouseDatabase)
    .WithReference(servers.RabbitMq).WaitFor(servers.RabbitMq)
    .WithReference(servers.Redis).WaitFor(servers.Redis)
    .WithEnvironment("Otter__WebhookSecret", otterWebhookSecret)
    .WithEnvironment("Auth__VerificationKey", accessTokenPublicKey)
    .WithHttpHealthCheck("/health");

// Otter's Public API, for missed-order recovery and for telling Otter of the kitchen's steps (Otter:Api:BaseUrl,
// ClientId, ClientSecret; Otter:Recovery:*, Otter:Calls:*). Keep the client secret in user secrets. Unset, a local
// stand-in of Otter's API takes its place (http://localhost:8009 lists the calls it received) unless Otter:StandIn is
// false; then the recovery job reports that it is not configured and Otter is not told.
if (string.IsNullOrEmpty(builder.Configuration["Otter:Api:BaseUrl"]) && !string.Equals(builder.Configuration["Otter:StandIn"], "false", StringComparison.OrdinalIgnoreCase))
{
    var otterStandIn = builder.AddProject<Projects.Orbital_OtterStandIn>("otter-stand-in");
    // The stand-in's own local credentials (Orbital.OtterStandIn): nobody's real ones.
    orders.WithEnvironment("Otter__Api__BaseUrl", otterStandIn.GetEndpoint("http"))
        .WithEnvironment("Otter__Api__ClientId", "orbital-stand-in")
        .WithEnvironment("Otter__Api__ClientSecret", "orbital-stand-in-secret");
}

orders.WithConfigurationSection(builder.Configuration, "Otter", except: "WebhookSecret")
    // Consumer prefetch and parallelism (Messaging:Prefetch, Messaging:ConsumerConcurrency) for the bench and operators.
    .WithConfigurationSection(builder.Configuration, "Messaging");

var batch = builder.AddProject<Projects.Orbital_Batch>(ResourceNames.BatchService)
    .WithReference(servers.BatchDatabase).WaitFor(servers.BatchDatabase)
    .WithReference(servers.WarehouseDatabase)
    .WithReference(servers.RabbitMq).WaitFor(servers.RabbitMq)
    .WithReference(servers.Redis).WaitFor(servers.Redis)
    .WithConfigurationSection(builder.Configuration, "Messaging")
    // The setup of kitchens and menus is changed by admins: Batch checks their tokens with the public key.
    .WithEnvironment("Auth__VerificationKey", accessTokenPublicKey)
    // The operations page asks Orders and Prep for their queues with the operator's token (not waited for: it says which did not answer).
    .WithReference(orders)
    .WithHttpHealthCheck("/health");

var prep = builder.AddProject<Projects.Orbital_Prep>(ResourceNames.PrepService)
    .WithReference(servers.PrepDatabase).WaitFor(servers.PrepDatabase)
    .WithReference(servers.WarehouseDatabase)
    .WithReference(servers.RabbitMq).WaitFor(servers.RabbitMq)
    .WithReference(servers.Redis).WaitFor(servers.Redis)
    .WithEnvironment("Auth__SigningKey", accessTokenKey)
    .WithEnvironment("Auth__BootstrapAdmin__Password", prepAdminPassword)
    // Slack (ApiBaseUrl, BotToken) and which locations get which report when (Reports:Locations).
    .WithConfigurationSection(builder.Configuration, "Slack")
    .WithConfigurationSection(builder.Configuration, "Reports")
    .WithHttpHealthCheck("/health");

// Clustered mode (Orbital:Cluster:Enabled): several instances of each service behind one address each (the AppHost
// spreads requests over them), sharing their databases, Redis and the broker's queues.
var instances = ClusterOptions.Read(builder.Configuration).InstancesPerService;
if (instances > 1)
{
    foreach (var service in new[] { orders, batch, prep })
    {
        service.WithReplicas(instances);
    }
}

// Operators sign in to each service's jobs page (/jobs) and to the operations page with Prep's staff accounts.
foreach (var service in new[] { orders, batch, prep })
{
    service.WithEnvironment("OperatorSignIn__SignInAuthority", prep.GetEndpoint("http"));
}

batch.WithReference(prep);

// Links to each service's API page, jobs and screens; "Send a sample order" and "Replay dead letters" commands.
DashboardCommands.AddTo(orders, batch, prep, otterWebhookSecret, prepAdminPassword);

builder.Build().Run();
