using System.Net;
using System.Text;
using Orbital.OtterStandIn;

// Otter's Public API as a local service, for ./run.sh: Orders gets its tokens, its order feed and its confirm,
// ready-to-pickup and fulfill calls here, and a person sees them at / (the newest first).
var builder = WebApplication.CreateSlimBuilder(args);
var otter = new OtterApiStandIn();
var app = builder.Build();
otter.MapRoutes(app);
app.MapGet("/calls", () => otter.OrderCalls.Reverse().Select(c => new { c.At, c.StoreId, c.Source, c.OrderId, c.Action, c.Status, c.Body }));
app.MapGet("/menu-calls", () => otter.MenuCalls.Reverse().Select(c => new { c.At, c.StoreId, c.Action, c.EntityIds, c.Note, c.Status }));
app.MapGet("/", () => Results.Content(Page(otter.OrderCalls, otter.MenuCalls), "text/html; charset=utf-8"));
app.Run();

static string Page(IReadOnlyList<OtterApiStandIn.OrderCall> calls, IReadOnlyList<OtterApiStandIn.MenuCall> menuCalls)
{
    var menu = new StringBuilder();
    foreach (var call in menuCalls.Reverse().Take(50))
    {
        menu.Append("<tr>");
        foreach (var cell in new[] { $"{call.At:HH:mm:ss}", call.StoreId, call.Action, string.Join(", ", call.EntityIds), call.Note ?? "", call.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            menu.Append("<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
        }

        menu.Append("</tr>");
    }

    var rows = new StringBuilder();
    foreach (var call in calls.Reverse().Take(200))
    {
        rows.Append("<tr>");
        foreach (var cell in new[] { $"{call.At:HH:mm:ss}", call.StoreId, call.Source, call.OrderId, call.Action, call.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), call.Body ?? "" })
        {
            rows.Append("<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
        }

        rows.Append("</tr>");
    }

    return $"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
        <title>Otter stand-in</title><style>body{"{"}font:16px system-ui;margin:2rem{"}"} td,th{"{"}padding:.3rem .8rem;text-align:left{"}"}</style></head>
        <body><h1>Otter stand-in: calls received</h1><p>The kitchen's calls about its orders, newest first (JSON: <a href="/calls">/calls</a>).</p>
        <table><tr><th>time (UTC)</th><th>store</th><th>source</th><th>order</th><th>call</th><th>answer</th><th>body</th></tr>{rows}</table>
        <h2>Menu items taken off sale and put back</h2><p>JSON: <a href="/menu-calls">/menu-calls</a>.</p>
        <table><tr><th>time (UTC)</th><th>store</th><th>call</th><th>items</th><th>note</th><th>answer</th></tr>{menu}</table></body></html>
        """;
}
