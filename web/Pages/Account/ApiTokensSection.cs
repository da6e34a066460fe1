using JobTracker.Jobs.Users;

namespace JobTracker.Web.Pages.Account;

/// <summary>
/// What the API tokens section (the partial _ApiTokens) shows, on Settings and on the Tokens page that its
/// forms post to: the user's tokens, the one just created (its secret shown this once) and a message.
/// </summary>
public sealed record ApiTokensSection(IReadOnlyList<TokensModel.TokenLine> Tokens, CreatedApiToken? Created, string? Message)
{
    public int MaxNameLength => ApiTokens.MaxNameLength;
}
