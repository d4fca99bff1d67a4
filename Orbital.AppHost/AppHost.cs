using Orbital.AppHost.Infrastructure;
using Microsoft.Extensions.Configuration;
using Orbital.Contracts;

var builder = DistributedApplication.CreateBuilder(args);

// PostgreSQL, RabbitMQ and Redis: containers where a container runtime answers, local processes where none does.
var servers = builder.AddOrbitalServers();

// Development value in appsettings.json; set Parameters:otter-webhook-secret anywhere real.
var otterWebhookSecret = builder.AddParameter("otter-webhook-secret", secret: true);

var orders = builder.AddProject<Projects.Orbital_Orders>(ResourceNames.OrdersService)
    .WithReference(servers.OrdersDatabase).WaitFor(servers.OrdersDatabase)
    .WithReference(servers.RabbitMq).WaitFor(servers.RabbitMq)
    .WithReference(servers.Redis).WaitFor(servers.Redis)
    .WithEnvironment("Otter__WebhookSecret", otterWebhookSecret)
    .WithHttpHealthCheck("/health");

// Otter's Public API for missed-order recovery (Otter:Api:BaseUrl, ClientId, ClientSecret; Otter:Recovery:*):
// unset, the recovery job runs and reports that it is not configured. Keep the client secret in user secrets.
foreach (var (key, value) in builder.Configuration.GetSection("Otter").AsEnumerable())
{
    if (value is not null && !key.EndsWith("WebhookSecret", StringComparison.OrdinalIgnoreCase))
    {
        orders.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
    }
}

builder.AddProject<Projects.Orbital_Batch>(ResourceNames.BatchService)
    .WithReference(servers.BatchDatabase).WaitFor(servers.BatchDatabase)
    .WithReference(servers.RabbitMq).WaitFor(servers.RabbitMq)
    .WithReference(servers.Redis).WaitFor(servers.Redis)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Orbital_Prep>(ResourceNames.PrepService)
    .WithReference(servers.PrepDatabase).WaitFor(servers.PrepDatabase)
    .WithReference(servers.RabbitMq).WaitFor(servers.RabbitMq)
    .WithReference(servers.Redis).WaitFor(servers.Redis)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
