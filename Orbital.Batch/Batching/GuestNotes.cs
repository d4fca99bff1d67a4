using System.Security.Cryptography;
using System.Text;

namespace Orbital.Batch.Batching;

/// <summary>
/// What the guest wrote, as the kitchen keeps it: cleaned so PostgreSQL can store it, compared without regard to case
/// or spacing, and read for words that signal an allergy. A false alarm costs a batch of one; a missed allergy harms a
/// guest, so a word counts wherever it appears ("nut" in "peanuts", "walnut" and "nut-free").
/// </summary>
public static class GuestNotes
{
    /// <summary>The note without NULs or other control characters (line breaks become spaces), trimmed; null when empty.</summary>
    public static string? Clean(string? note)
    {
        if (string.IsNullOrWhiteSpace(note))
        {
            return null;
        }

        var text = new StringBuilder(note.Length);
        foreach (var c in note)
        {
            text.Append(char.IsControl(c) ? ' ' : c);
        }

        var cleaned = text.ToString().Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }

    /// <summary>True when a word of the note starts with any of the words, in any case.</summary>
    public static bool SignalsAllergy(string? note, IReadOnlyList<string> words)
    {
        if (note is null)
        {
            return false;
        }

        foreach (var word in words)
        {
            if (word.Length == 0)
            {
                continue;
            }

            for (var at = note.IndexOf(word, StringComparison.OrdinalIgnoreCase); at >= 0; at = note.IndexOf(word, at + 1, StringComparison.OrdinalIgnoreCase))
            {
                if (at == 0 || !char.IsLetter(note[at - 1]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a modifier asks for an allergy to be minded: its group says so ("Allergies"), or its name takes an allergen
    /// away ("No peanuts", "Without sesame", "Gluten-free bun"). A modifier that adds one ("Add egg") does not.
    /// </summary>
    public static bool ModifierSignalsAllergy(string name, string groupName, IReadOnlyList<string> words)
    {
        if (SignalsAllergy(groupName, words))
        {
            return true;
        }

        var takesAway = name.StartsWith("no ", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("without ", StringComparison.OrdinalIgnoreCase)
            || name.Contains("free", StringComparison.OrdinalIgnoreCase)
            || name.Contains("allerg", StringComparison.OrdinalIgnoreCase);
        return takesAway && SignalsAllergy(name, words);
    }

    /// <summary>
    /// A short, fixed-length stand-in for the note in a batch key: "No onions" and "no  onions" are the same note, and a
    /// guest's essay never makes an index entry too big to store.
    /// </summary>
    public static string KeyOf(string note)
    {
        var folded = string.Join(' ', note.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToUpperInvariant();
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(folded)), 0, 12);
    }
}
