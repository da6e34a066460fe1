using Dapper;
using JobTracker.Db;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobTracker.Web.Health;

/// <summary>The database answers: a connection opens (with the provider's settings) and runs a query.</summary>
internal sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
            return HealthCheckResult.Healthy($"The {database.Provider.Name} database answers.");
        }
        catch (Exception failure)
        {
            return new HealthCheckResult(context.Registration.FailureStatus,
                $"The {database.Provider.Name} database cannot be reached: {HealthWords.Reason(failure)}.", failure);
        }
    }
}
