using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Users;

/// <summary>
/// Changes to the users table: add a user, change a role, disable or enable a user, reset, change or
/// rehash a password, create the first admin. Passwords are hashed by the caller (the web host's
/// ASP.NET Core Identity PasswordHasher), so this class checks plain passwords only for their length
/// (<see cref="SignInSettings.MinimumPasswordLength"/>) and stores what the hash function gives.
/// Disabling a user and a password change or reset end the user's sessions in the same transaction.
/// There is always an active admin: the last one cannot be disabled or given another role.
/// A refused change throws <see cref="ChangeRefusedException"/> with problems on UserName, Role or Password.
/// </summary>
public sealed class UserAdministration(
    Database database, IOptions<SignInSettings> options, ActivityTrail activity, ILogger<UserAdministration> logger, LiveSessionCache? liveSessions = null)
{
    /// <summary>The fewest characters a new password may have (JobTracker:SignIn:MinimumPasswordLength).</summary>
    public int MinimumPasswordLength => Math.Max(1, options.Value.MinimumPasswordLength);

    /// <summary>The problems adding this user would be refused for; writes nothing.</summary>
    public async Task<IReadOnlyList<InputProblem>> CheckNewUserAsync(string? userName, string? role, string? password, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await CheckNewUserAsync(connection, userName?.Trim() ?? "", role, password, MinimumPasswordLength);
    }

    /// <summary>Adds a user with a role; <paramref name="hashPassword"/> turns the password into what is stored. Returns the user's id.</summary>
    public async Task<long> AddAsync(
        string? userName, string? role, string? password, Func<string, string> hashPassword, string addedBy, CancellationToken cancellationToken = default,
        ActivityActor? actor = null)
    {
        var name = userName?.Trim() ?? "";
        await using var connection = await database.OpenAsync(cancellationToken);
        ChangeRefusedException.ThrowIfAny(await CheckNewUserAsync(connection, name, role, password, MinimumPasswordLength));
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId("users", "user_name, password_hash, role, created_at", "@name, @Hash, @role, @Now"),
            new { name, Hash = hashPassword(password!), role, Now = DateTime.UtcNow }, transaction);
        await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(addedBy), ActivityActions.UserCreate, ActivityObjects.User, id, name, null, role);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("{Admin} added the user {UserName} with the role {Role}", addedBy, name, role);
        return id;
    }

    /// <summary>
    /// An admin gives a user a new password; <paramref name="hashPassword"/> turns it into what is stored.
    /// Ends every session of the user but <paramref name="keepSessionId"/> (the admin's own, when they reset
    /// their own password). Returns the new hash, or null when there is no such user.
    /// </summary>
    public async Task<string?> ResetPasswordAsync(
        long userId, string? newPassword, Func<string, string> hashPassword, string resetBy, long? keepSessionId = null, CancellationToken cancellationToken = default,
        ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var userName = await connection.QuerySingleOrDefaultAsync<string>("SELECT user_name FROM users WHERE id = @userId", new { userId });
        if (userName is null) return null;
        if (newPassword is null || newPassword.Length < MinimumPasswordLength)
            throw new ChangeRefusedException("Password", $"The new password for {userName} needs at least {MinimumPasswordLength} characters.");

        var hash = hashPassword(newPassword);
        var ended = await StoreHashEndingSessionsAsync(connection, userId, hash, keepSessionId, Sessions.Reasons.PasswordReset, cancellationToken,
            (c, t) => activity.RecordAsync(c, t, actor ?? ActivityActor.Named(resetBy), ActivityActions.UserPasswordReset, ActivityObjects.User, userId, userName, null));
        logger.LogInformation("{Admin} reset the password of {UserName}, ending {Count} sessions", resetBy, userName, ended);
        return hash;
    }

    /// <summary>
    /// A signed-in user changes their own password (the caller has checked the current one): stores the
    /// new hash and ends the user's other sessions, keeping <paramref name="currentSessionId"/>.
    /// </summary>
    public async Task ChangeOwnPasswordAsync(
        long userId, long currentSessionId, string? newPassword, Func<string, string> hashPassword, CancellationToken cancellationToken = default,
        ActivityActor? actor = null)
    {
        if (newPassword is null || newPassword.Length < MinimumPasswordLength)
            throw new ChangeRefusedException("NewPassword", $"The new password needs at least {MinimumPasswordLength} characters.");
        await using var connection = await database.OpenAsync(cancellationToken);
        var userName = await connection.QuerySingleOrDefaultAsync<string>("SELECT user_name FROM users WHERE id = @userId", new { userId })
            ?? throw new ChangeRefusedException("", "Your account no longer exists.");
        var ended = await StoreHashEndingSessionsAsync(connection, userId, hashPassword(newPassword), currentSessionId, Sessions.Reasons.PasswordChanged, cancellationToken,
            (c, t) => activity.RecordAsync(c, t, actor ?? ActivityActor.Named(userName), ActivityActions.PasswordChange, ActivityObjects.User, userId, userName, null));
        logger.LogInformation("{UserName} changed their password, ending {Count} other sessions", userName, ended);
    }

    /// <summary>Stores a new hash of the same password (the hasher asked for a rehash at sign-in).</summary>
    public async Task RehashPasswordAsync(long userId, string passwordHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE users SET password_hash = @passwordHash WHERE id = @userId", new { passwordHash, userId });
    }

    /// <summary>
    /// Gives a user another role; refused for the last active admin. The user's sessions go on, with the
    /// new role from their next request. False when there is no such user.
    /// </summary>
    public async Task<bool> ChangeRoleAsync(long userId, string? role, string changedBy, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        if (role is null || !Roles.All.Contains(role))
            throw new ChangeRefusedException("Role", "Choose a role: admin, support or viewer.");
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var user = await LockAdminsAndReadAsync(connection, transaction, userId);
        if (user is null) return false;
        if (user.Role == role) return true;
        if (user.IsActiveAdmin && user.OtherActiveAdmins == 0)
            throw new ChangeRefusedException("Role",
                $"{user.UserName} is the last active admin, so their role stays admin. Make another user an admin first.");
        await connection.ExecuteAsync("UPDATE users SET role = @role WHERE id = @userId", new { role, userId }, transaction);
        await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(changedBy), ActivityActions.UserRole, ActivityObjects.User, userId, user.UserName, null,
            $"{user.Role} to {role}");
        await transaction.CommitAsync(cancellationToken);
        liveSessions?.Changed();
        logger.LogInformation("{Admin} changed the role of {UserName} from {OldRole} to {Role}", changedBy, user.UserName, user.Role, role);
        return true;
    }

    /// <summary>
    /// Disables a user (their sessions end at once and they cannot sign in) or enables them (which also
    /// lifts a lockout, for a user who was not disabled too). Disabling the last active admin is refused. False when there is no such user.
    /// </summary>
    public async Task<bool> SetDisabledAsync(long userId, bool disabled, string changedBy, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var user = await LockAdminsAndReadAsync(connection, transaction, userId);
        if (user is null) return false;
        if (disabled && user.Disabled) return true;
        if (disabled)
        {
            if (user.IsActiveAdmin && user.OtherActiveAdmins == 0)
                throw new ChangeRefusedException("",
                    $"{user.UserName} is the last active admin and cannot be disabled. Make another user an admin first.");
            await connection.ExecuteAsync("UPDATE users SET disabled_at = @Now WHERE id = @userId", new { Now = DateTime.UtcNow, userId }, transaction);
            var ended = await Sessions.EndAllAsync(connection, transaction, userId, null, Sessions.Reasons.UserDisabled);
            await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(changedBy), ActivityActions.UserDisable, ActivityObjects.User, userId, user.UserName, null);
            await transaction.CommitAsync(cancellationToken);
            liveSessions?.Changed();
            logger.LogInformation("{Admin} disabled the user {UserName}, ending {Count} sessions", changedBy, user.UserName, ended);
        }
        else
        {
            await connection.ExecuteAsync(
                "UPDATE users SET disabled_at = NULL, failed_sign_ins = 0, locked_until = NULL WHERE id = @userId", new { userId }, transaction);
            await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(changedBy), ActivityActions.UserEnable, ActivityObjects.User, userId, user.UserName, null);
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("{Admin} enabled the user {UserName}", changedBy, user.UserName);
        }
        return true;
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

    private async Task<int> StoreHashEndingSessionsAsync(
        DbConnection connection, long userId, string passwordHash, long? keepSessionId, string reason, CancellationToken cancellationToken,
        Func<DbConnection, DbTransaction, Task> record)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE users SET password_hash = @passwordHash WHERE id = @userId", new { passwordHash, userId }, transaction);
        var ended = await Sessions.EndAllAsync(connection, transaction, userId, keepSessionId, reason);
        await record(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        liveSessions?.Changed();
        return ended;
    }

    private sealed record UserState
    {
        public string UserName { get; init; } = "";
        public string Role { get; init; } = "";
        public bool Disabled { get; init; }
        public long OtherActiveAdmins { get; init; }
        public bool IsActiveAdmin => Role == Roles.Admin && !Disabled;
    }

    /// <summary>
    /// Reads the user and how many other active admins there are, after writing (unchanged) every active
    /// admin's row: that locks those rows, so two admins demoting or disabling each other at the same
    /// moment are served one after the other and the second sees the first's change.
    /// </summary>
    private static async Task<UserState?> LockAdminsAndReadAsync(DbConnection connection, DbTransaction transaction, long userId)
    {
        await connection.ExecuteAsync(
            "UPDATE users SET role = role WHERE role = @Admin AND disabled_at IS NULL", new { Admin = Roles.Admin }, transaction);
        var row = await connection.QuerySingleOrDefaultAsync<(string UserName, string Role, DateTime? DisabledAt)?>(
            "SELECT user_name, role, disabled_at FROM users WHERE id = @userId", new { userId }, transaction);
        if (row is not { } user) return null;
        var others = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM users WHERE role = @Admin AND disabled_at IS NULL AND id <> @userId", new { Admin = Roles.Admin, userId }, transaction);
        return new UserState { UserName = user.UserName, Role = user.Role, Disabled = user.DisabledAt is not null, OtherActiveAdmins = others };
    }

    private static async Task<IReadOnlyList<InputProblem>> CheckNewUserAsync(DbConnection connection, string userName, string? role, string? password, int minimumLength)
    {
        var problems = new List<InputProblem>();
        if (userName.Length == 0)
            problems.Add(new InputProblem("UserName", "Enter a user name."));
        else if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE user_name = @userName", new { userName }) > 0)
            problems.Add(new InputProblem("UserName", $"There is already a user named \"{userName}\"."));
        if (role is null || !Roles.All.Contains(role))
            problems.Add(new InputProblem("Role", "Choose a role: admin, support or viewer."));
        if (password is null || password.Length < minimumLength)
            problems.Add(new InputProblem("Password", $"The password needs at least {minimumLength} characters."));
        return problems;
    }
}
