namespace JobTracker.Jobs.Schedules;

/// <summary>The outcome of <see cref="ScheduleDefinition.Check"/>: a definition, or problems keyed by field.</summary>
public sealed record ScheduleCheck(ScheduleDefinition? Definition, IReadOnlyDictionary<string, string> Problems);
