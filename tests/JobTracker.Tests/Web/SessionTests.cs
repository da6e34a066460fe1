using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary><see cref="SessionChecks"/> with every request reading its session (JobTracker:SignIn:SessionRecheck 0, the tests' default).</summary>
public sealed class SessionTests(JobTrackerApp app) : SessionChecks(app), IClassFixture<JobTrackerApp>;
