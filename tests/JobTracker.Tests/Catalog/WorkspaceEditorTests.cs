using Dapper;
using JobTracker.Jobs;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Catalog;

/// <summary>Creating and renaming workspaces through the service the pages and the API call, on a real SQLite file.</summary>
public sealed class WorkspaceEditorTests : IDisposable
{
    private readonly EngineHost engine = new();

    public void Dispose() => engine.Dispose();

    private string? Name(long id)
    {
        using var connection = engine.Database.Open();
        return connection.QuerySingleOrDefault<string>("SELECT name FROM workspaces WHERE id = @id", new { id });
    }

    [Fact]
    public async Task Creates_a_workspace_under_its_trimmed_name()
    {
        var id = await engine.Workspaces.CreateAsync("  Acme Retail ");

        Assert.Equal("Acme Retail", Name(id));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Refuses_a_workspace_without_a_name(string? name)
    {
        var refused = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Workspaces.CreateAsync(name));

        Assert.Equal(new InputProblem("Name", "Enter a name for the workspace."), Assert.Single(refused.Problems));
    }

    [Fact]
    public async Task Refuses_a_name_another_workspace_has_ignoring_case_but_keeps_its_own_on_rename()
    {
        var acme = await engine.Workspaces.CreateAsync("Acme Retail");
        var other = await engine.Workspaces.CreateAsync("Other");

        var refused = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Workspaces.CreateAsync("acme retail"));
        Assert.Equal(new InputProblem("Name", "A workspace named \"acme retail\" already exists."), Assert.Single(refused.Problems));
        await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Workspaces.RenameAsync(other, "ACME RETAIL"));
        Assert.Equal("Other", Name(other));

        Assert.True(await engine.Workspaces.RenameAsync(acme, "ACME Retail"));
        Assert.Equal("ACME Retail", Name(acme));
    }

    [Fact]
    public async Task Check_reports_the_same_problems_without_writing_and_rename_of_a_missing_workspace_is_false()
    {
        await engine.Workspaces.CreateAsync("Acme");

        Assert.Equal("Name", Assert.Single(await engine.Workspaces.CheckAsync(null, "ACME")).Field);
        Assert.Empty(await engine.Workspaces.CheckAsync(null, "New one"));
        Assert.False(await engine.Workspaces.RenameAsync(999, "Nowhere"));
        using var connection = engine.Database.Open();
        Assert.Equal(1, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM workspaces"));
    }
}
