using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace Orbital.Scheduling.Dashboard;

/// <summary>The sign-in pages of operators' pages (sign in, sign out, no access, not started): plain HTML forms, no script.</summary>
public static class OperatorPages
{
    private const string Style = """
        body{font:18px/1.4 system-ui,sans-serif;background:#f4f4f2;color:#1d1d1b;margin:0;display:grid;place-items:center;min-height:100vh}
        main{background:#fff;border-radius:12px;box-shadow:0 2px 12px #0002;padding:32px 36px;width:min(420px,90vw)}
        h1{font-size:24px;margin:0 0 20px}label{display:block;font-weight:600;margin:14px 0 6px}
        input{font:inherit;width:100%;box-sizing:border-box;padding:12px;border:1px solid #999;border-radius:8px}
        button{font:inherit;font-weight:600;margin-top:22px;width:100%;padding:14px;border:0;border-radius:8px;background:#1f5f8b;color:#fff;cursor:pointer}
        .problem{background:#fde8e8;color:#8a1c1c;border-radius:8px;padding:10px 12px;margin:0 0 12px}
        p{margin:0 0 12px}a{color:#1f5f8b}
        """;

    public static string SignIn(PathString area, string title, string returnUrl, string? username, string? problem) => Page(title, $"""
        <h1>{E(title)}</h1>
        <p>Sign in with your Orbital account (admins, and managers of every location).</p>
        {(problem is null ? "" : $"<p class=\"problem\" role=\"alert\">{E(problem)}</p>")}
        <form method="post" action="{E(area + "/login")}">
          <input type="hidden" name="returnUrl" value="{E(returnUrl)}">
          <label for="username">Username</label>
          <input id="username" name="username" autocomplete="username" autocapitalize="none" required maxlength="100" value="{E(username ?? "")}" {(username is null ? "autofocus" : "")}>
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024" {(username is null ? "" : "autofocus")}>
          <button type="submit">Sign in</button>
        </form>
        """);

    public static string SignOut(PathString area, string title, ClaimsPrincipal user) => Page(title, $"""
        <h1>{E(title)}</h1>
        <p>{(user.Identity?.IsAuthenticated == true ? $"Signed in as <strong>{E(user.Identity.Name ?? "")}</strong>." : "You are not signed in.")}</p>
        <form method="post" action="{E(area + "/logout")}"><button type="submit">Sign out</button></form>
        <p style="margin-top:16px"><a href="{E(area.Value!)}">Back</a></p>
        """);

    public static string NoAccess(PathString area, string title, ClaimsPrincipal user) => Page(title, $"""
        <h1>{E(title)}</h1>
        <p class="problem" role="alert">Signed in as <strong>{E(user.Identity?.Name ?? "")}</strong> ({E(user.FindFirst("role")?.Value ?? "no role")}): this is for admins and managers of every location.</p>
        <form method="post" action="{E(area + "/logout")}"><button type="submit">Sign in as someone else</button></form>
        """);

    public static string NotStarted(PathString area, string title) => Page(title, $"""
        <h1>{E(title)}</h1>
        <p class="problem" role="alert">The jobs have not started yet: this service is waiting for its database. This page will work once it answers.</p>
        <p><a href="{E(area.Value!)}">Try again</a></p>
        """);

    public static async Task WriteAsync(HttpContext context, int status, string html)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        // Forms post here only, nothing runs, nothing frames the page (a sign-in form in someone else's frame is a trap).
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(html, context.RequestAborted);
    }

    private static string Page(string title, string body) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{E(title)}</title><style>{Style}</style></head>
        <body><main>{body}</main></body></html>
        """;

    private static string E(string text) => HtmlEncoder.Default.Encode(text);
}
