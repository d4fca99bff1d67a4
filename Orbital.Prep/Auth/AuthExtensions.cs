using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;

namespace Orbital.Prep.Auth;

public static class AuthExtensions
{
    /// <summary>
    /// Orbital's access tokens (checked as every service checks them, then against the account as it stands now: see
    /// <see cref="StaffAccess"/>), role policies, and a fallback policy: every route needs a valid token unless it says otherwise.
    /// </summary>
    public static void AddPrepAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations()
            .Validate<IHostEnvironment>((options, environment) => DevelopmentSecrets.Allowed(environment, options.BootstrapAdmin.Password),
                "Auth:BootstrapAdmin:Password is the development password published in the README; outside the Development environment set one of your own.")
            .ValidateOnStart();
        builder.Services.AddOptions<AccessTokenOptions>()
            .Validate(options => !string.IsNullOrWhiteSpace(options.SigningKey), "Auth:SigningKey is not set: Prep issues the access tokens and signs them with it.");
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddHostedService<AdminBootstrap>();

        builder.AddAccessTokenAuthentication()
            // After the defaults' events (which read the jobs dashboard's cookie): the account as it stands now.
            .PostConfigure(jwt => jwt.Events.OnTokenValidated = StaffAccess.OnTokenValidatedAsync);

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PrepPolicies.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Admin))
            .AddPolicy(PrepPolicies.Manager, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Admin, StaffRoles.Manager))
            .AddPolicy(PrepPolicies.EveryLocationManager, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Admin, StaffRoles.Manager)
                .RequireClaim(StaffClaims.AllLocations))
            .AddPolicy(PrepPolicies.Kitchen, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.All))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(StaffRoles.All).Build());
    }
}
