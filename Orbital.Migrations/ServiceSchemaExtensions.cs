using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Orbital.Migrations;

public static class ServiceSchemaExtensions
{
    /// <summary>Upgrades <typeparamref name="TSchema"/> at start, and reports it in the health checks.</summary>
    public static void AddServiceSchema<TSchema>(this IHostApplicationBuilder builder)
        where TSchema : ServiceSchema
    {
        builder.Services.AddSingleton<TSchema>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TSchema>());
        builder.Services.AddHealthChecks().AddCheck<ServiceSchemaHealthCheck<TSchema>>($"{typeof(TSchema).Name}", HealthStatus.Degraded);
    }

    /// <summary>
    /// Until the schema is up to date, every request but the health checks gets a 503 problem with Retry-After: a request
    /// never runs against tables the service has not finished upgrading.
    /// </summary>
    public static IApplicationBuilder UseServiceSchemaGate<TSchema>(this IApplicationBuilder app)
        where TSchema : ServiceSchema =>
        app.Use(async (context, next) =>
        {
            var schema = context.RequestServices.GetRequiredService<TSchema>();
            if (schema.IsReady || context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/alive"))
            {
                await next(context);
                return;
            }

            context.Response.Headers.RetryAfter = "2";
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Starting up",
                detail: $"Schema {schema.Name} is still being upgraded; try again in a moment.").ExecuteAsync(context);
        });
}
