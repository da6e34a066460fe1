using System.Xml.Linq;
using JobTracker.Jobs.Storage;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace JobTracker.Web.Hosting;

/// <summary>
/// Data Protection's key ring in the database, through <see cref="KeyStore"/>: every node reads and adds
/// the same keys, so a sign-in cookie or antiforgery token issued by one node is accepted by all.
/// </summary>
public sealed class DatabaseXmlRepository(KeyStore keys) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => keys.ReadAll().Select(xml => XElement.Parse(xml)).ToList();

    public void StoreElement(XElement element, string friendlyName) =>
        keys.Add(friendlyName, element.ToString(SaveOptions.DisableFormatting));
}
