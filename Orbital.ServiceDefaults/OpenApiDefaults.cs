using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Every service describes its routes in an OpenAPI document (<c>/openapi/v1.json</c>) with a page to read and try them
/// (<c>/scalar</c>): request and response schemas, which routes need an access token, and the problem details a route
/// answers with when it refuses.
/// </summary>
public static class OpenApiDefaults
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/scalar";
    private const string BearerScheme = "Bearer";

    public static IHostApplicationBuilder AddDefaultOpenApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = builder.Environment.ApplicationName;
                document.Info.Description = "Routes that need an access token take the one Prep issues at POST /auth/login, as `Authorization: Bearer <token>`. Refusals are RFC 9457 problem details.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "An Orbital access token from Prep's POST /auth/login.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(DescribeAccessAndProblemsAsync);
        });
        return builder;
    }

    public static WebApplication MapDefaultOpenApi(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        app.MapScalarApiReference(PagePath, options => options
                .WithTitle(app.Environment.ApplicationName)
                .WithOpenApiRoutePattern(DocumentPath)
                .AddPreferredSecuritySchemes(BearerScheme))
            .AllowAnonymous();
        return app;
    }

    /// <summary>
    /// Documents the body of a route that reads it itself (raw bytes, CSV) as <paramref name="contentType"/>, without
    /// making routing refuse other content types (what <c>Accepts</c> would do: a webhook must not be lost to a header).
    /// </summary>
    public static TBuilder DocumentsBody<TBuilder>(this TBuilder builder, Type type, string contentType, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [contentType] = new() { Schema = await context.GetOrCreateSchemaAsync(type, cancellationToken: cancellationToken) },
                },
            });

    /// <summary>
    /// A route behind authorization (its own or the service's fallback policy) says it takes a bearer token and may answer
    /// 401 and 403; every route may answer 400 with a problem (unreadable input), and none documents a bare 500.
    /// </summary>
    private static async Task DescribeAccessAndProblemsAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var authorized = metadata.OfType<IAuthorizeData>().Any()
            || await context.ApplicationServices.GetRequiredService<IAuthorizationPolicyProvider>().GetFallbackPolicyAsync() is not null;
        operation.Responses ??= [];
        var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), cancellationToken: cancellationToken);

        void AddProblem(int status, string description)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operation.Responses.ContainsKey(key))
            {
                operation.Responses[key] = new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
                };
            }
        }

        if (authorized && !anonymous)
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            AddProblem(StatusCodes.Status401Unauthorized, "No valid access token.");
            AddProblem(StatusCodes.Status403Forbidden, "The token's role or locations do not allow this.");
        }

        if (operation.Parameters is { Count: > 0 } || operation.RequestBody is not null)
        {
            AddProblem(StatusCodes.Status400BadRequest, "The request could not be read or is not valid; the problem says which field and why.");
        }
    }
}
