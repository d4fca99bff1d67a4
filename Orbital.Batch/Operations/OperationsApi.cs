using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Batch.Kitchens;
using Orbital.Places;
using Orbital.Scheduling.Dashboard;

namespace Orbital.Batch.Operations;

/// <summary>
/// The operations page at <c>/operations</c> (charts of each kitchen and of the queues, for admins and managers of every
/// kitchen, behind <see cref="OperatorSignIn"/>) and the data it draws: <c>GET /operations/kitchens</c>,
/// <c>GET /operations/kitchens/{kitchen}</c>, <c>GET /operations/system</c>. The same figures are OpenTelemetry gauges
/// (<see cref="KitchenGauges"/>).
/// </summary>
public static class OperationsApi
{
    public static readonly PathString Path = "/operations";
    public const string Title = "Orbital operations";

    public static void AddKitchenOperations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OperationsOptions>().BindConfiguration(OperationsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<KitchenOperationsReader>();
        builder.Services.AddHttpClient<SystemOperationsReader>(SystemOperationsReader.HttpClientName);
        builder.Services.AddSingleton<KitchenGauges>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KitchenGauges>());
        builder.AddOperatorSignIn(Path);
    }

    /// <summary>After authentication, before authorization: the sign-in form, then the page itself for an operator.</summary>
    public static void UseOperationsPage(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(Path, out var rest))
            {
                await next(context);
                return;
            }

            await OperatorSignIn.HandleAsync(context, Path, Title, async signedIn =>
            {
                if (rest.Value is null or "" or "/")
                {
                    signedIn.Response.ContentType = "text/html; charset=utf-8";
                    signedIn.Response.Headers.CacheControl = "no-store";
                    await signedIn.Response.SendFileAsync(app.Environment.WebRootFileProvider.GetFileInfo("operations.html"), signedIn.RequestAborted);
                    return;
                }

                await next(signedIn);
            });
        });
    }

    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var operations = app.MapGroup("/operations").WithTags("Operations").RequireAuthorization(KitchenAccess.EveryKitchenOperators);
        operations.MapGet("/kitchens", (PlacesCache places) => TypedResults.Ok(new OperationsKitchens(
                [.. places.Current.Kitchens.Where(k => k.Kind == KitchenKinds.Kitchen).Select(k => new OperationsKitchen(k.Id, k.Name, k.TimeZone))])))
            .WithName("ListOperationsKitchens").WithSummary("The kitchens the operations page can show");
        operations.MapGet("/kitchens/{kitchen}", GetKitchenAsync).WithName("GetKitchenOperations")
            .WithSummary("Orders per 15 minutes, and per station ticket times (median, 90th percentile), open and late items, screens");
        operations.MapGet("/system", GetSystemAsync).WithName("GetSystemOperations")
            .WithSummary("Every service's queues (waiting, consumers, oldest waiting, dead letters) and outbox, and the calls owed to Otter");
        return app;
    }

    public static async Task<Results<Ok<KitchenOperations>, ProblemHttpResult>> GetKitchenAsync(
        string kitchen, PlacesCache places, KitchenOperationsReader reader, CancellationToken cancellationToken)
    {
        if (places.Current.Kitchen(kitchen) is not { Kind: KitchenKinds.Kitchen } found)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such kitchen",
                detail: "GET /operations/kitchens lists the kitchens of the setup.");
        }

        return TypedResults.Ok(await reader.ReadAsync(found, ticketsWindow: null, cancellationToken));
    }

    public static async Task<Ok<SystemOperations>> GetSystemAsync(HttpContext context, SystemOperationsReader reader, CancellationToken cancellationToken) =>
        TypedResults.Ok(await reader.ReadAsync(OperatorSignIn.AccessToken(context, Path) ?? "", cancellationToken));
}
