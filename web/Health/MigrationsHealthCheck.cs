using JobTracker.Db;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobTracker.Web.Health;

/// <summary>Every migration this version carries is recorded in the database's DbUp journal.</summary>
internal sealed class MigrationsHealthCheck(Database database) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var carried = Database.Migrations(database.Provider).Count;
        try
        {
            var pending = database.PendingMigrations();
            return Task.FromResult(pending.Count == 0
                ? HealthCheckResult.Healthy($"All {carried} migrations of this version are applied.")
                : new HealthCheckResult(context.Registration.FailureStatus,
                    $"{pending.Count} of {carried} migrations are not applied: {string.Join(", ", pending.Select(ShortName))}. Restart the app to apply them."));
        }
        catch (Exception failure)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus,
                $"The migrations journal cannot be read: {HealthWords.Reason(failure)}.", failure));
        }
    }

    /// <summary>JobTracker.Db.Migrations.0011_schedule_watch.sql → 0011_schedule_watch.</summary>
    private static string ShortName(string script) =>
        Path.GetFileNameWithoutExtension(script)[(script.LastIndexOf("Migrations.", StringComparison.Ordinal) + "Migrations.".Length)..];
}
