namespace JobTracker.Jobs;

/// <summary>
/// One reason a change was refused, in words for the user. <see cref="Field"/> names the input it
/// is about as the service calls it (e.g. Name, Fields[2].Type), or is "" when it is about the
/// change as a whole; a page maps it to its form's field, an API to its problem details.
/// </summary>
public sealed record InputProblem(string Field, string Message);
