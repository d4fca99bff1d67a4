using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A request the framework could not bind (malformed JSON, a value of the wrong type) is the caller's mistake: answer
/// with its 4xx status and what was wrong as problem details, instead of a 500 from the exception handler. So is text
/// PostgreSQL refuses to hold (a NUL character in a query parameter or a field), wherever a route passes it on.
/// </summary>
internal sealed class BadRequestProblems(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail) = exception switch
        {
            // A body over Kestrel's limit can surface wrapped in the binder's 400; the caller needs to hear 413.
            BadHttpRequestException when Find<BadHttpRequestException>(exception, e => e.StatusCode == StatusCodes.Status413PayloadTooLarge) is { } tooLarge =>
                (tooLarge.StatusCode, tooLarge.Message),
            BadHttpRequestException badRequest => (badRequest.StatusCode, Readable((badRequest.InnerException?.Message ?? badRequest.Message).Split(Environment.NewLine)[0])),
            _ when Find<PostgresException>(exception, e => e.SqlState is PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter) is not null => (StatusCodes.Status400BadRequest, "The request holds text that cannot be stored, such as a NUL character."),
            _ => (0, string.Empty),
        };
        if (status == 0)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = status,
                Title = "The request could not be read",
                Detail = detail,
            },
        });
    }

    /// <summary>
    /// System.Text.Json names the field and then the service's own .NET type ("… could not be mapped to any .NET member
    /// contained in type 'Orbital.Prep…'"): the caller needs the field, not the type.
    /// </summary>
    private static string Readable(string detail)
    {
        const string Unmapped = " could not be mapped to any .NET member";
        var at = detail.IndexOf(Unmapped, StringComparison.Ordinal);
        return at > 0 && detail.StartsWith("The JSON property ", StringComparison.Ordinal)
            ? $"{detail[..at]} is not a field this request takes."
            : detail;
    }

    /// <summary>The first exception of that type in the chain of inner exceptions that matches.</summary>
    private static T? Find<T>(Exception exception, Func<T, bool> matches)
        where T : Exception
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is T found && matches(found))
            {
                return found;
            }
        }

        return null;
    }
}
