using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Users;

/// <summary>Changes to the users table through the service the pages and the API call, on a real SQLite file. Hashing is the caller's: here a marker.</summary>
public sealed class UserAdministrationTests : IDisposable
{
    private readonly EngineHost engine = new();

    public void Dispose() => engine.Dispose();

    private static string Hash(string password) => "hashed:" + password;

    private (string UserName, string Role, string PasswordHash)? Row(string userName)
    {
        using var connection = engine.Database.Open();
        return connection.QuerySingleOrDefault<(string, string, string)?>(
            "SELECT user_name, role, password_hash FROM users WHERE user_name = @userName", new { userName });
    }

    [Fact]
    public async Task Adds_a_user_under_the_trimmed_name_with_the_hash_of_the_password()
    {
        await engine.Users.AddAsync("  bob ", Roles.Support, "long enough pw", Hash, "admin");

        Assert.Equal(("bob", Roles.Support, "hashed:long enough pw"), Row("bob"));
    }

    [Fact]
    public async Task Refuses_a_new_user_for_every_reason_at_once_and_hashes_nothing()
    {
        await engine.Users.AddAsync("bob", Roles.Viewer, "long enough pw", Hash, "admin");
        var hashed = false;

        var refused = await Assert.ThrowsAsync<ChangeRefusedException>(() =>
            engine.Users.AddAsync("BOB", "boss", "eleven char", password => { hashed = true; return password; }, "admin"));

        Assert.Equal(
        [
            new InputProblem("UserName", "There is already a user named \"BOB\"."),
            new InputProblem("Role", "Choose a role: admin, support or viewer."),
            new InputProblem("Password", $"The password needs at least {engine.Users.MinimumPasswordLength} characters."),
        ], refused.Problems);
        Assert.False(hashed);
        Assert.Equal("UserName", (await engine.Users.CheckNewUserAsync(null, Roles.Viewer, "long enough pw"))[0].Field);
    }

    [Fact]
    public async Task Resets_a_password_refusing_a_short_one_and_answering_null_for_an_unknown_user()
    {
        var id = await engine.Users.AddAsync("bob", Roles.Viewer, "long enough pw", Hash, "admin");

        var refused = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Users.ResetPasswordAsync(id, "eleven char", Hash, "admin"));
        Assert.Equal(new InputProblem("Password", $"The new password for bob needs at least {engine.Users.MinimumPasswordLength} characters."), Assert.Single(refused.Problems));
        Assert.Null(await engine.Users.ResetPasswordAsync(999, "long enough pw", Hash, "admin"));

        Assert.Equal("hashed:another one pw", await engine.Users.ResetPasswordAsync(id, "another one pw", Hash, "admin"));
        Assert.Equal("hashed:another one pw", Row("bob")?.PasswordHash);
        await engine.Users.RehashPasswordAsync(id, "rehashed");
        Assert.Equal("rehashed", Row("bob")?.PasswordHash);
    }

    [Fact]
    public async Task The_first_admin_is_created_only_while_there_is_no_user()
    {
        Assert.True(await engine.Users.AddFirstAdminAsync("admin", "first"));
        Assert.False(await engine.Users.AddFirstAdminAsync("root", "second"));

        Assert.Equal(("admin", Roles.Admin, "first"), Row("admin"));
        Assert.Null(Row("root"));
    }
}
