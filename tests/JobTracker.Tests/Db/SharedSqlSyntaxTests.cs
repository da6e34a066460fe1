using System.Text.RegularExpressions;
using JobTracker.Db.SqlServer;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace JobTracker.Tests.Db;

/// <summary>
/// The SQL that jobs/ and web/ send runs unchanged on every provider, so it must be T-SQL too. No SQL
/// Server runs here: every statement written in their source (a string literal that starts with
/// SELECT, INSERT, UPDATE, DELETE or WITH) is parsed with Microsoft's T-SQL parser, with the
/// provider's fragments put into its interpolation holes.
/// </summary>
public sealed partial class SharedSqlSyntaxTests
{
    [GeneratedRegex("\\$*\"\"\"(?<sql>.*?)\"\"\"|\\$?\"(?<sql>(?:SELECT|INSERT|UPDATE|DELETE|WITH)\\b(?:[^\"\\\\]|\\\\.)*)\"", RegexOptions.Singleline)]
    private static partial Regex StringLiteral();

    [GeneratedRegex("^\\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\\b", RegexOptions.IgnoreCase)]
    private static partial Regex Statement();

    [GeneratedRegex("\\{(?<hole>[^{}]+)\\}")]
    private static partial Regex Hole();

    public static IEnumerable<(string Where, string Sql)> Statements()
    {
        var root = RepositoryRoot();
        foreach (var folder in new[] { "jobs", "web" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                var source = File.ReadAllText(file);
                foreach (Match literal in StringLiteral().Matches(source))
                {
                    var sql = literal.Groups["sql"].Value;
                    if (!Statement().IsMatch(sql)) continue;
                    var line = source[..literal.Index].Count(c => c == '\n') + 1;
                    yield return ($"{Path.GetRelativePath(root, file)}:{line}", FillHoles(sql));
                }
            }
        }
    }

    /// <summary>What an interpolation hole stands for on SQL Server: a column list, the provider's paging, or a value.</summary>
    private static string FillHoles(string sql) => Hole().Replace(sql, hole => hole.Groups["hole"].Value.Trim() switch
    {
        var columns when columns.EndsWith(".Columns", StringComparison.Ordinal) => "*",
        var condition when condition.EndsWith("Where", StringComparison.Ordinal) => "1 = 1",
        var paging when paging.Contains("Paging", StringComparison.Ordinal) || paging == "paging" => new SqlServerProvider().Paging,
        _ => "x",
    });

    [Fact]
    public void Every_statement_of_jobs_and_web_parses_as_T_SQL()
    {
        var statements = Statements().ToList();
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        var problems = new List<string>();
        foreach (var (where, sql) in statements)
        {
            parser.Parse(new StringReader(sql), out var errors);
            problems.AddRange(errors.Select(e => $"{where} (+{e.Line - 1} lines): {e.Message}\n{sql}"));
        }

        Assert.True(statements.Count > 50, $"only {statements.Count} statements found: is the source scan broken?");
        Assert.True(problems.Count == 0, "SQL in jobs/ or web/ that SQL Server would refuse:\n" + string.Join("\n\n", problems));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "JobTracker.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("JobTracker.sln not found above " + AppContext.BaseDirectory);
    }
}
