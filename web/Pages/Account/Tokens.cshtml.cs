using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Users;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Account;

/// <summary>
/// The signed-in user's personal API tokens (any role: a token has its user's role): the list, a form
/// that creates one and shows its secret this once, and Revoke. <see cref="ApiTokens"/> makes the changes.
/// The section itself is the partial _ApiTokens, which Settings shows too; its forms post here.
/// </summary>
public sealed class TokensModel(Database database, ApiTokens tokens) : PageModel
{
    public sealed record TokenLine
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? LastUsedAt { get; init; }
        public DateTime? RevokedAt { get; init; }
    }

    public IReadOnlyList<TokenLine> Tokens { get; private set; } = [];

    /// <summary>The token just created, shown once (never stored as it is, never shown again).</summary>
    public CreatedApiToken? Created { get; private set; }

    public string? Message { get; private set; }

    /// <summary>What the section shows.</summary>
    public ApiTokensSection Section => new(Tokens, Created, Message);

    public async Task<IActionResult> OnGetAsync()
    {
        if (HttpContext.SignInSession() is not { } session) return Challenge();
        await LoadAsync(session.UserId);
        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(string? name)
    {
        if (HttpContext.SignInSession() is not { } session) return Challenge();
        try
        {
            Created = await tokens.CreateAsync(session.UserId, name, HttpContext.RequestAborted, HttpContext.Actor());
        }
        catch (ChangeRefusedException refused)
        {
            ModelState.AddProblems(refused.Problems, field => field == "Name" ? "name" : "");
        }
        // The secret is in this answer only: no redirect (it would be lost) and nothing for a cache to keep.
        Response.Headers.CacheControl = "no-store";
        await LoadAsync(session.UserId);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(long tokenId)
    {
        if (HttpContext.SignInSession() is not { } session) return Challenge();
        Message = await tokens.RevokeAsync(session.UserId, tokenId, HttpContext.RequestAborted, HttpContext.Actor())
            ? "The token is revoked: a script that uses it is refused from now on."
            : "That token was already revoked.";
        await LoadAsync(session.UserId);
        return Page();
    }

    private async Task LoadAsync(long userId)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        Tokens = await ReadAsync(connection, userId);
    }

    /// <summary>A user's tokens, live ones first, newest first.</summary>
    public static async Task<IReadOnlyList<TokenLine>> ReadAsync(DbConnection connection, long userId) =>
        (await connection.QueryAsync<TokenLine>("""
            SELECT id AS Id, name AS Name, created_at AS CreatedAt, last_used_at AS LastUsedAt, revoked_at AS RevokedAt
              FROM api_tokens
             WHERE user_id = @userId
             ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id DESC
            """, new { userId })).AsList();
}
