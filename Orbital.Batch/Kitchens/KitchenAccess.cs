namespace Orbital.Batch.Kitchens;

/// <summary>
/// Screens read kitchens, boards and events without signing in (pairing screens is its own change); the setup and the
/// list of unmapped stores need an Orbital access token (issued by Prep): a manager or admin reads them, only an admin
/// changes the setup.
/// </summary>
public static class KitchenAccess
{
    public const string Operators = "operators";
    public const string Admins = "admins";

    public static void AddKitchenAccess(this IHostApplicationBuilder builder)
    {
        builder.AddAccessTokenAuthentication();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Operators, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Admin, StaffRoles.Manager))
            .AddPolicy(Admins, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Admin));
    }
}
