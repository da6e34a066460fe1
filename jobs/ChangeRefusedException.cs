namespace JobTracker.Jobs;

/// <summary>
/// Thrown by a service in jobs/ when it refuses a change (a name taken, a schema that does not hold
/// together); nothing was written. The problems are for the user, in the order they were found.
/// </summary>
public sealed class ChangeRefusedException(IReadOnlyList<InputProblem> problems)
    : Exception(string.Join(" ", problems.Select(problem => problem.Message)))
{
    public ChangeRefusedException(string field, string message) : this([new InputProblem(field, message)])
    {
    }

    public IReadOnlyList<InputProblem> Problems { get; } = problems;

    /// <summary>Throws when there is any problem.</summary>
    public static void ThrowIfAny(IReadOnlyList<InputProblem> problems)
    {
        if (problems.Count > 0) throw new ChangeRefusedException(problems);
    }
}
