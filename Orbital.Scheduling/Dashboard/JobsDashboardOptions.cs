using System.ComponentModel.DataAnnotations;

namespace Orbital.Scheduling.Dashboard;

/// <summary>Section <c>JobsDashboard</c>: where operators sign in to a service's jobs page.</summary>
public sealed class JobsDashboardOptions
{
    public const string SectionName = "JobsDashboard";

    /// <summary>
    /// The service that holds the staff accounts and issues access tokens (Prep): the sign-in form sends the username and
    /// password there (<c>POST /auth/login</c>), never keeping the password itself.
    /// </summary>
    [Required]
    public Uri? SignInAuthority { get; set; }

    /// <summary>The dashboard's title, such as "Orbital Orders jobs".</summary>
    [Required]
    public string Title { get; set; } = "Orbital jobs";
}
