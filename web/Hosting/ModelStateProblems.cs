using JobTracker.Jobs;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace JobTracker.Web.Hosting;

/// <summary>A service's refusal shown on a form: each problem under the form field it is about.</summary>
public static class ModelStateProblems
{
    /// <summary>Adds each problem under <paramref name="prefix"/> and its field; a problem about the whole change stays under "".</summary>
    public static void AddProblems(this ModelStateDictionary modelState, IEnumerable<InputProblem> problems, string prefix = "") =>
        modelState.AddProblems(problems, field => field.Length == 0 ? "" : prefix + field);

    /// <summary>Adds each problem under the form field <paramref name="formField"/> names for its field.</summary>
    public static void AddProblems(this ModelStateDictionary modelState, IEnumerable<InputProblem> problems, Func<string, string> formField)
    {
        foreach (var problem in problems)
            modelState.AddModelError(formField(problem.Field), problem.Message);
    }
}
