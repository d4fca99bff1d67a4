using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Net.Http.Headers;

namespace Orbital.Prep.Auth;

public static class AuthExtensions
{
    /// <summary>Path of the Hangfire dashboard, the one place a token may come in the query (a browser cannot set the header).</summary>
    public const string DashboardPath = "/hangfire";

    /// <summary>
    /// JWT bearer authentication (HS256 only, so unsigned <c>alg: none</c> tokens and other algorithms are refused),
    /// role policies, and a fallback policy: every route needs a valid token unless it says otherwise.
    /// </summary>
    public static void AddPrepAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddHostedService<AdminBootstrap>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) =>
            {
                var settings = auth.Value;
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = settings.Issuer,
                    ValidAudience = settings.Audience,
                    IssuerSigningKey = TokenService.SigningKey(settings),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RequireSignedTokens = true,
                    RequireExpirationTime = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = "name",
                    RoleClaimType = "role",
                };
                jwt.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        if (context.Request.Path.StartsWithSegments(DashboardPath))
                        {
                            if (context.Request.Query["access_token"] is { Count: 1 } token)
                            {
                                context.Token = token;
                            }
                            // A bearer header, when sent, is what gets checked: a bad one is not rescued by an old cookie.
                            else if (!context.Request.Headers.ContainsKey(HeaderNames.Authorization)
                                && context.Request.Cookies.TryGetValue(Reports.JobsDashboard.CookieName, out var cookie))
                            {
                                context.Token = cookie;
                            }
                        }

                        return Task.CompletedTask;
                    },
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PrepPolicies.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Admin))
            .AddPolicy(PrepPolicies.Manager, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Admin, Roles.Manager))
            .AddPolicy(PrepPolicies.Kitchen, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.All))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(Roles.All).Build());
    }
}
