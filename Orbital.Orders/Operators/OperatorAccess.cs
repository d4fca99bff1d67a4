namespace Orbital.Orders.Operators;

/// <summary>
/// Orders carry customers' names, phones and addresses, and this service faces the internet for Otter's webhooks: its
/// operator routes need an Orbital access token (issued by the Prep service) of a manager or an admin. The webhook
/// needs none; Otter's signature is its proof.
/// </summary>
public static class OperatorAccess
{
    public const string Policy = "operators";

    public static void AddOperatorAccess(this IHostApplicationBuilder builder)
    {
        builder.AddAccessTokenAuthentication();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Admin, StaffRoles.Manager));
    }
}
