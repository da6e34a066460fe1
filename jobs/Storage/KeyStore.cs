using Dapper;
using JobTracker.Db;

namespace JobTracker.Jobs.Storage;

/// <summary>
/// The keys that protect sign-in cookies and antiforgery tokens (ASP.NET Core Data Protection's key
/// ring: one XML element per key, or per revocation) in the data_protection_keys table, so that every
/// node on the database shares them and a cookie issued by one node is accepted by all. Elements are
/// only ever added; Data Protection expires and revokes keys by adding more.
/// </summary>
public sealed class KeyStore(Database database)
{
    /// <summary>Every element stored, oldest first.</summary>
    public IReadOnlyList<string> ReadAll()
    {
        using var connection = database.Open();
        return connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY id").AsList();
    }

    /// <summary>Stores one more element (<paramref name="friendlyName"/> is Data Protection's name for it, e.g. "key-{id}").</summary>
    public void Add(string? friendlyName, string xml)
    {
        using var connection = database.Open();
        connection.Execute(
            "INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES (@friendlyName, @xml, @now)",
            new { friendlyName, xml, now = DateTime.UtcNow });
    }
}
