namespace JobTracker.Jobs.Files;

/// <summary>The file types an import accepts.</summary>
public enum FileFormat { Csv, Json, JsonLines }
