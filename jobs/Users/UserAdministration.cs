using System.Data.Common;
using Dapper;
using JobTracker.Db;
using Microsoft.Extensions.Logging;

namespace JobTracker.Jobs.Users;

/// <summary>
/// Changes to the users table: add a user, reset or rehash a password, create the first admin.
/// Passwords are hashed by the caller (the web host's ASP.NET Core Identity PasswordHasher), so
/// this class checks plain passwords only for their length and stores what the hash function gives.
/// A refused change throws <see cref="ChangeRefusedException"/> with problems on UserName, Role or Password.
/// </summary>
public sealed class UserAdministration(Database database, ILogger<UserAdministration> logger)
{
    public const int MinimumPasswordLength = 8;

    /// <summary>The problems adding this user would be refused for; writes nothing.</summary>
    public async Task<IReadOnlyList<InputProblem>> CheckNewUserAsync(string? userName, string? role, string? password, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await CheckNewUserAsync(connection, userName?.Trim() ?? "", role, password);
    }

    /// <summary>Adds a user with a role; <paramref name="hashPassword"/> turns the password into what is stored. Returns the user's id.</summary>
    public async Task<long> AddAsync(
        string? userName, string? role, string? password, Func<string, string> hashPassword, string addedBy, CancellationToken cancellationToken = default)
    {
        var name = userName?.Trim() ?? "";
        await using var connection = await database.OpenAsync(cancellationToken);
        ChangeRefusedException.ThrowIfAny(await CheckNewUserAsync(connection, name, role, password));
        var id = await connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId("users", "user_name, password_hash, role, created_at", "@name, @Hash, @role, @Now"),
            new { name, Hash = hashPassword(password!), role, Now = DateTime.UtcNow });
        logger.LogInformation("{Admin} added the user {UserName} with the role {Role}", addedBy, name, role);
        return id;
    }

    /// <summary>
    /// Gives a user a new password; <paramref name="hashPassword"/> turns it into what is stored.
    /// Returns the new hash, or null when there is no such user.
    /// </summary>
    public async Task<string?> ResetPasswordAsync(
        long userId, string? newPassword, Func<string, string> hashPassword, string resetBy, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var userName = await connection.QuerySingleOrDefaultAsync<string>("SELECT user_name FROM users WHERE id = @userId", new { userId });
        if (userName is null) return null;
        if (newPassword is null || newPassword.Length < MinimumPasswordLength)
            throw new ChangeRefusedException("Password", $"The new password for {userName} needs at least {MinimumPasswordLength} characters.");

        var hash = hashPassword(newPassword);
        await StoreHashAsync(connection, userId, hash);
        logger.LogInformation("{Admin} reset the password of {UserName}", resetBy, userName);
        return hash;
    }

    /// <summary>Stores a new hash of the same password (the hasher asked for a rehash at sign-in).</summary>
    public async Task RehashPasswordAsync(long userId, string passwordHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await StoreHashAsync(connection, userId, passwordHash);
    }

    /// <summary>
    /// Adds an admin only while the users table is empty (first start); false when there was a user already,
    /// or when another node starting at the same moment added it first (both saw no user; its unique name wins).
    /// </summary>
    public async Task<bool> AddFirstAdminAsync(string userName, string passwordHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            return await connection.ExecuteAsync("""
                INSERT INTO users (user_name, password_hash, role, created_at)
                SELECT @userName, @passwordHash, @Role, @Now
                 WHERE NOT EXISTS (SELECT 1 FROM users)
                """, new { userName, passwordHash, Role = Roles.Admin, Now = DateTime.UtcNow }) > 0;
        }
        catch (Exception exception) when (database.Provider.IsUniqueViolation(exception))
        {
            return false;
        }
    }

    private static Task StoreHashAsync(DbConnection connection, long userId, string passwordHash) =>
        connection.ExecuteAsync("UPDATE users SET password_hash = @passwordHash WHERE id = @userId", new { passwordHash, userId });

    private static async Task<IReadOnlyList<InputProblem>> CheckNewUserAsync(DbConnection connection, string userName, string? role, string? password)
    {
        var problems = new List<InputProblem>();
        if (userName.Length == 0)
            problems.Add(new InputProblem("UserName", "Enter a user name."));
        else if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE user_name = @userName", new { userName }) > 0)
            problems.Add(new InputProblem("UserName", $"There is already a user named \"{userName}\"."));
        if (role is null || !Roles.All.Contains(role))
            problems.Add(new InputProblem("Role", "Choose a role: admin, support or viewer."));
        if (password is null || password.Length < MinimumPasswordLength)
            problems.Add(new InputProblem("Password", $"The password needs at least {MinimumPasswordLength} characters."));
        return problems;
    }
}
