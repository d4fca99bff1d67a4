namespace Orbital.Contracts;

/// <summary>
/// A structured order's line ids are unique within the order, whatever its source sends: Otter's <c>lineItemId</c> is
/// nullable and its own examples repeat one. Two burgers must stay two lines, and an update of the same order must give
/// each line the same id again, so a repeated id becomes <c>id#2</c>, <c>id#3</c>… in the order the lines come.
/// </summary>
public static class LineIds
{
    public static List<string> MakeUnique(IEnumerable<string> wanted)
    {
        var ids = new List<string>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in wanted)
        {
            var unique = id;
            for (var occurrence = 2; !taken.Add(unique); occurrence++)
            {
                unique = $"{id}#{occurrence}";
            }

            ids.Add(unique);
        }

        return ids;
    }
}
