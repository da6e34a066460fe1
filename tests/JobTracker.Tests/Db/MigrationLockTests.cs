using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Db;

/// <summary>Several nodes starting at once on one new database, on the suite's provider.</summary>
public sealed class MigrationLockTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Nodes_migrating_at_once_apply_each_script_exactly_once_and_all_start()
    {
        var nodes = Enumerable.Range(0, 4).Select(_ => Database.Create(folder.Provider, folder.ConnectionString, folder.Path)).ToList();
        using var start = new ManualResetEventSlim();

        var migrating = nodes.Select(node => Task.Run(() =>
        {
            start.Wait();
            node.Migrate();
        })).ToList();
        start.Set();
        await Task.WhenAll(migrating);

        using var connection = nodes[0].Open();
        var journaled = connection.Query<string>("SELECT scriptname FROM schemaversions").ToList();
        Assert.Equal(Database.Migrations(nodes[0].Provider).Select(script => script.Name).Order(), journaled.Order());
    }
}
