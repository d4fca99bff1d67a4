using System.Security.Claims;
using Microsoft.Extensions.Hosting;

namespace Orbital.Scheduling.Dashboard;

/// <summary>Jobs and the operations page span every location: admins change them, managers of every location read them, nobody else sees them.</summary>
public static class EveryLocationOperators
{
    public static bool MayRead(ClaimsPrincipal user) =>
        MayChange(user) || (user.IsInRole(StaffRoles.Manager) && user.HasClaim(c => c.Type == StaffClaims.AllLocations));

    public static bool MayChange(ClaimsPrincipal user) => user.IsInRole(StaffRoles.Admin);
}
