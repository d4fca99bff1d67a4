using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// The README is the operators' and integrators' manual: every route it names (<c>`PUT /products/{sku}`</c>) is one a
/// service documents, and every request field it names beside a route (the backticked names in the parentheses after
/// a POST or PUT, the keys of a JSON example such as <c>`{"overOnHand": true}`</c>) is a field of that route's body in
/// the service's OpenAPI document. A renamed field or a route that went away fails here instead of in a reader's curl.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed partial class The_README_names_only_routes_and_fields_the_services_document(OrbitalAppFixture orbital)
{
    /// <summary>Routes of the services on the internet the README describes Orbital calling: Otter's, Snowflake's and Key Vault's.</summary>
    private static bool OthersRoute(string route) =>
        route.Split(' ')[1] is var path
        && (path.StartsWith("/manager/", StringComparison.Ordinal) || path.StartsWith("/v1/auth/", StringComparison.Ordinal) || path.StartsWith("/api/v2/", StringComparison.Ordinal)
            || path == "/secrets" || path.StartsWith("/secrets/", StringComparison.Ordinal));

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Every_route_the_README_names_is_documented_by_a_service()
    {
        var documents = await DocumentsAsync(TestContext.Current.CancellationToken);
        var mentions = RouteMentions(ReadMe()).ToList();

        Assert.True(mentions.Count > 50, $"Only {mentions.Count} routes found in the README: is the pattern still right?");
        var unknown = mentions.Where(m => !OthersRoute(m.Route) && !documents.Any(d => d.Operation(m.Route) is not null))
            .Select(m => $"{m.Route} (README line {m.Line})").Distinct().ToList();
        Assert.True(unknown.Count == 0, $"Named in the README, documented by no service: {string.Join("; ", unknown)}");
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Every_request_field_the_README_names_is_in_its_routes_body()
    {
        var documents = await DocumentsAsync(TestContext.Current.CancellationToken);
        var readMe = ReadMe();
        var checkedFields = 0;
        var unknown = new List<string>();
        foreach (var mention in RouteMentions(readMe).Where(m => m.Route.StartsWith("POST ", StringComparison.Ordinal) || m.Route.StartsWith("PUT ", StringComparison.Ordinal)))
        {
            var properties = documents.Select(d => d.RequestFields(mention.Route)).FirstOrDefault(p => p is not null);
            if (properties is null)
            {
                continue; // No JSON body (a CSV import, an action without a body) or not ours.
            }

            foreach (var field in FieldsNamedAfter(readMe, mention.End))
            {
                checkedFields++;
                if (!properties.Contains(field))
                {
                    unknown.Add($"{mention.Route} has no field '{field}' (README line {mention.Line}; it takes {string.Join(", ", properties.Order(StringComparer.Ordinal))})");
                }
            }
        }

        Assert.True(checkedFields > 20, $"Only {checkedFields} fields found beside routes in the README: is the pattern still right?");
        Assert.True(unknown.Count == 0, string.Join("\n", unknown.Distinct()));
    }

    [Fact]
    public void A_misspelt_field_beside_a_route_is_found()
    {
        // The reader of the README text above, on a sentence with a field a body does not have.
        const string text = "- `PUT /products/{sku}` (`name`, `shelfLifeDays`, `conversions` such as `{\"case\": 48}`), and `POST /x` `{\"overOnHand\": true}`.";
        var mentions = RouteMentions(text).ToList();

        Assert.Equal(["PUT /products/{}", "POST /x"], mentions.Select(m => m.Route));
        Assert.Equal(["name", "shelfLifeDays", "conversions"], FieldsNamedAfter(text, mentions[0].End));
        Assert.Equal(["overOnHand"], FieldsNamedAfter(text, mentions[1].End));
    }

    private sealed record RouteMention(string Route, int Line, int End);

    /// <summary>
    /// Each backticked route, as "METHOD /path" with parameters written <c>{}</c> and the query left out; the README's
    /// shorthands are spread out: <c>GET/POST /a</c>, <c>/a/{id}/start | complete</c>, <c>/a[/{id}]</c>, <c>/a[.pdf]</c>.
    /// </summary>
    private static IEnumerable<RouteMention> RouteMentions(string text)
    {
        foreach (Match match in Route().Matches(text))
        {
            var line = text.AsSpan(0, match.Index).Count('\n') + 1;
            var path = match.Groups["path"].Value.Split('?')[0];
            var alternatives = match.Groups["alternatives"].Captures.Select(c => c.Value).ToList();
            var paths = new List<string> { path };
            if (alternatives.Count > 0)
            {
                var parent = path[..path.LastIndexOf('/')];
                paths.AddRange(alternatives.Select(a => $"{parent}/{a}"));
            }

            paths = [.. paths.SelectMany(Optional)];
            foreach (var method in match.Groups["methods"].Value.Split('/'))
            {
                foreach (var each in paths)
                {
                    yield return new RouteMention($"{method} {Parameter().Replace(each, "{}")}", line, match.Index + match.Length);
                }
            }
        }

        static IEnumerable<string> Optional(string path)
        {
            var open = path.IndexOf('[', StringComparison.Ordinal);
            var close = path.IndexOf(']', StringComparison.Ordinal);
            return open < 0 || close < open
                ? [path]
                : [path[..open] + path[(close + 1)..], path[..open] + path[(open + 1)..close] + path[(close + 1)..]];
        }
    }

    /// <summary>
    /// The request fields named right after a route: the keys at the top of a backticked JSON example that follows it
    /// (<c>`{"expectedVersion": n, "by": "screen"}`</c>), or the backticked names directly inside the parentheses that
    /// follow it (<c>(`sku`, `quantity` (…), `conversions` such as `{"case": 48}`)</c>: the example's keys are a value's, not the body's).
    /// </summary>
    private static List<string> FieldsNamedAfter(string text, int end)
    {
        var rest = text[end..];
        var lead = rest.TrimStart(' ', '\n', '(').Length;
        var start = rest.Length - lead;
        if (lead > 0 && rest[start] == '`' && rest.Length > start + 1 && rest[start + 1] == '{')
        {
            var close = rest.IndexOf('`', start + 1);
            return close < 0 ? [] : TopLevelKeys(rest[(start + 1)..close]);
        }

        if (!rest.TrimStart(' ').StartsWith('('))
        {
            return [];
        }

        var fields = new List<string>();
        var depth = 0;
        var inCode = false;
        var code = new StringBuilder();
        foreach (var c in rest.TrimStart(' '))
        {
            if (c == '`')
            {
                if (inCode && depth == 1)
                {
                    var name = code.ToString();
                    if (Identifier().IsMatch(name))
                    {
                        fields.Add(name);
                    }
                    else if (name.StartsWith('{') && fields.Count == 0)
                    {
                        fields.AddRange(TopLevelKeys(name));
                    }
                }

                inCode = !inCode;
                code.Clear();
                continue;
            }

            if (inCode)
            {
                code.Append(c);
                continue;
            }

            depth += c switch { '(' => 1, ')' => -1, _ => 0 };
            if (depth == 0 || (c == ';' && depth == 1))
            {
                break; // The end of the parentheses, or of the list of fields in them.
            }
        }

        return fields;
    }

    /// <summary>A JSON example's keys at its top: a quoted name after <c>{</c> or <c>,</c> at the outer object.</summary>
    private static List<string> TopLevelKeys(string example)
    {
        var keys = new List<string>();
        var depth = 0;
        var previous = ' ';
        for (var i = 0; i < example.Length; i++)
        {
            var c = example[i];
            if (c == '"')
            {
                var close = example.IndexOf('"', i + 1);
                if (close < 0)
                {
                    break;
                }

                if (depth == 1 && previous is '{' or ',')
                {
                    keys.Add(example[(i + 1)..close]);
                }

                previous = '"';
                i = close;
                continue;
            }

            depth += c switch { '{' or '[' => 1, '}' or ']' => -1, _ => 0 };
            if (!char.IsWhiteSpace(c))
            {
                previous = c;
            }
        }

        return keys;
    }

    private async Task<List<ServiceDocument>> DocumentsAsync(CancellationToken cancellationToken)
    {
        var documents = new List<ServiceDocument>();
        foreach (var service in new[] { ResourceNames.OrdersService, ResourceNames.BatchService, ResourceNames.PrepService })
        {
            using var client = orbital.AnonymousClient(service);
            documents.Add(new ServiceDocument(await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", cancellationToken)));
        }

        return documents;
    }

    private static string ReadMe()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orbital.sln")))
        {
            directory = directory.Parent;
        }

        return File.ReadAllText(Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Orbital.sln not found above the test output."), "README.md"));
    }

    /// <summary>One service's OpenAPI document, its paths written with <c>{}</c> for each parameter.</summary>
    private sealed class ServiceDocument(JsonElement document)
    {
        private readonly Dictionary<string, JsonElement> _operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Name != "parameters")
                .Select(op => (Route: $"{op.Name.ToUpperInvariant()} {Parameter().Replace(path.Name, "{}")}", op.Value)))
            .ToDictionary(p => p.Route, p => p.Value, StringComparer.Ordinal);

        public JsonElement? Operation(string route) => _operations.TryGetValue(route, out var operation) ? operation : null;

        /// <summary>The names of the route's JSON body's properties; null when it takes no JSON object.</summary>
        public HashSet<string>? RequestFields(string route)
        {
            if (Operation(route) is not { } operation
                || !operation.TryGetProperty("requestBody", out var body)
                || !body.GetProperty("content").TryGetProperty("application/json", out var json)
                || !json.TryGetProperty("schema", out var schema))
            {
                return null;
            }

            schema = Resolve(schema);
            return schema.TryGetProperty("properties", out var properties)
                ? properties.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
                : null;
        }

        private JsonElement Resolve(JsonElement schema) =>
            schema.TryGetProperty("$ref", out var reference)
                ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1])
                : schema;
    }

    [GeneratedRegex(@"`(?<methods>(?:GET|POST|PUT|DELETE|PATCH)(?:/(?:GET|POST|PUT|DELETE|PATCH))*)\s+(?<path>/[^`\s]*)(?:\s*\|\s*(?<alternatives>[a-z-]+))*`")]
    private static partial Regex Route();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();

    [GeneratedRegex("^[a-z][A-Za-z]*$")]
    private static partial Regex Identifier();
}
