using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Orbital.Scheduling;

public static class ScheduledJobsExtensions
{
    /// <summary>
    /// Hangfire with PostgreSQL storage in the schema <paramref name="schema"/> of the service's own database
    /// (on a pool of its own). The server starts when the database
    /// answers, so the service starts and serves without it.
    /// </summary>
    /// <param name="connectionName">The service database's connection string: Hangfire gets a pool of its own on it.</param>
    public static IHostApplicationBuilder AddScheduledJobs(this IHostApplicationBuilder builder, string schema, string connectionName)
    {
        // Hangfire's statements fail and roll back by design (its locks, its queues); on the service's pool, whose
        // connections auto-prepare statements, such failures can leave a connection's prepared statements out of step
        // with the server (Npgsql issue #6391), and a later request on that connection fails ("unexpected backend
        // message DataRow"). Its own pool, without auto-preparation, keeps that away from the service's work.
        builder.Services.AddKeyedSingleton(ScheduledJobs.DataSourceKey, (services, _) =>
            NpgsqlDataSource.Create(services.GetRequiredService<IConfiguration>().GetConnectionString(connectionName)
                ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not set.")));
        builder.Services.AddOptions<ScheduledJobsOptions>()
            .Configure(options => options.Schema = schema)
            .BindConfiguration(ScheduledJobsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<ScheduledJobs>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ScheduledJobs>());
        builder.Services.AddHealthChecks().AddCheck<ScheduledJobsHealthCheck>("scheduled-jobs", HealthStatus.Degraded);
        return builder;
    }

    /// <summary>Runs <typeparamref name="TJob"/> on <paramref name="defaultCron"/> unless <c>ScheduledJobs:Schedules:{id}</c> says otherwise.</summary>
    public static IHostApplicationBuilder AddRecurringJob<TJob>(this IHostApplicationBuilder builder, string id, string defaultCron)
        where TJob : class, IScheduledJob
    {
        builder.Services.TryAddScoped<TJob>();
        builder.Services.AddSingleton(new RecurringJobRegistration(id, typeof(TJob), defaultCron));
        return builder;
    }

    /// <summary>Runs <typeparamref name="TJob"/> for <paramref name="argument"/> on its own schedule, under its own id.</summary>
    public static IHostApplicationBuilder AddRecurringJob<TJob>(this IHostApplicationBuilder builder, string id, string defaultCron, string argument)
        where TJob : class, IScheduledJobFor
    {
        builder.Services.TryAddScoped<TJob>();
        builder.Services.AddSingleton(new RecurringJobRegistration(id, typeof(TJob), defaultCron, argument));
        return builder;
    }
}
