using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Orbital.Scheduling;

public static class ScheduledJobsExtensions
{
    /// <summary>
    /// Hangfire with PostgreSQL storage in the schema <paramref name="schema"/> of the service's own database
    /// (the <see cref="Npgsql.NpgsqlDataSource"/> registered by the service). The server starts when the database
    /// answers, so the service starts and serves without it.
    /// </summary>
    public static IHostApplicationBuilder AddScheduledJobs(this IHostApplicationBuilder builder, string schema)
    {
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
