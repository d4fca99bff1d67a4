using System.ComponentModel.DataAnnotations;

namespace Orbital.Scheduling.Dashboard;

/// <summary>Section <c>OperatorSignIn</c>: where operators sign in to a service's pages (jobs, operations).</summary>
public sealed class OperatorSignInOptions
{
    public const string SectionName = "OperatorSignIn";

    /// <summary>
    /// The service that holds the staff accounts and issues access tokens (Prep): the sign-in form sends the username and
    /// password there (<c>POST /auth/login</c>), never keeping the password itself.
    /// </summary>
    [Required]
    public Uri? SignInAuthority { get; set; }
}
