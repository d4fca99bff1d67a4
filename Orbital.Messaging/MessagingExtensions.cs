using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Contracts;
using Orbital.Messaging.Outbox;
using StackExchange.Redis;

namespace Orbital.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// The AMQP connection (opened lazily, so the service starts while the broker is down), the confirmed
    /// publisher, dead-letter access and a <c>rabbitmq</c> health check.
    /// </summary>
    public static IHostApplicationBuilder AddRabbitMqMessaging(this IHostApplicationBuilder builder, string connectionName = ResourceNames.RabbitMq)
    {
        builder.Services.AddOptions<MessagingOptions>()
            .BindConfiguration(MessagingOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
            {
                options.ConnectionString ??= configuration.GetConnectionString(connectionName);
                if (options.ClientName == "orbital")
                {
                    options.ClientName = builder.Environment.ApplicationName;
                }
            })
            .ValidateDataAnnotations()
            .Validate(options => options.ConnectionString is null || BrokerAddress.TryParse(options.ConnectionString, out _, out _),
                "The RabbitMQ connection string must be an amqp:// URI, or a cluster's nodes as such URIs separated by commas.")
            .ValidateOnStart();

        builder.Services.AddSingleton<RabbitMqConnection>();
        builder.Services.AddSingleton<ConfirmedPublisher>();
        builder.Services.AddSingleton<IMessagePublisher>(sp => sp.GetRequiredService<ConfirmedPublisher>());
        builder.Services.AddSingleton<DeadLetterQueue>();
        // Resolved when an operator acts on a dead letter: a service's own database, which a bare consumer host may not have.
        builder.Services.AddSingleton(sp => new DeadLetterAudit(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddHostedService<BrokerConnector>();
        builder.Services.AddHealthChecks().AddCheck<RabbitMqHealthCheck>(connectionName, tags: ["ready"]);
        builder.Services.AddSingleton<ConsumerStatus>();
        // Redis where the service registers it (all of Orbital's do); without it, crashes are not counted.
        builder.Services.AddSingleton(sp => new CrashAccounting(sp.GetService<IConnectionMultiplexer>(), sp.GetRequiredService<ILogger<CrashAccounting>>()));
        builder.Services.AddHealthChecks().AddCheck<ConsumersHealthCheck>("consumers");
        return builder;
    }

    /// <summary>
    /// The service's queues and outbox for operators: <c>GET /operations/messaging</c> (<see cref="MessagingStatusApi"/>)
    /// and the gauges of <see cref="MessagingGauges"/>.
    /// </summary>
    public static IHostApplicationBuilder AddMessagingStatus(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<MessagingStatusReader>();
        builder.Services.AddSingleton<MessagingGauges>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MessagingGauges>());
        return builder;
    }

    /// <summary>Consumes <paramref name="queue"/>, bound to <paramref name="exchange"/>, with <typeparamref name="THandler"/>.</summary>
    public static IHostApplicationBuilder AddMessageConsumer<THandler>(this IHostApplicationBuilder builder, string queue, string exchange)
        where THandler : class, IMessageHandler
    {
        builder.Services.AddScoped<THandler>();
        builder.Services.AddSingleton(new ConsumedQueue(queue));
        builder.Services.AddSingleton<IHostedService>(sp => new QueueConsumer<THandler>(
            new ConsumerBinding(queue, exchange),
            sp.GetRequiredService<RabbitMqConnection>(),
            sp.GetRequiredService<IMessagePublisher>(),
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<IOptions<MessagingOptions>>(),
            sp.GetRequiredService<ConsumerStatus>(),
            sp.GetRequiredService<CrashAccounting>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<QueueConsumer<THandler>>>()));
        return builder;
    }

    /// <summary>
    /// The transactional outbox in the service's database (the registered <c>NpgsqlDataSource</c>) and its relay.
    /// </summary>
    public static IHostApplicationBuilder AddOutboxRelay(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName);
        builder.Services.AddSingleton<OutboxRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        return builder;
    }
}
