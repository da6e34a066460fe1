namespace JobTracker.Jobs.Running;

/// <summary>
/// A job's work kept hitting a transient database fault through every attempt <see cref="TransientRetry"/>
/// allows: the job fails, and its reason says what happened (<see cref="Fault"/>), how often and for how long.
/// </summary>
public sealed class TransientFaultException(string fault, int attempts, TimeSpan elapsed, Exception last)
    : Exception($"{fault} through {attempts} attempt(s) over {elapsed.TotalSeconds:0} s", last)
{
    /// <summary>What happened, in words for a person ("the database stayed busy (locked by another process or connection)").</summary>
    public string Fault { get; } = fault;

    public int Attempts { get; } = attempts;

    public TimeSpan Elapsed { get; } = elapsed;
}
