namespace VnetReconciler.Reconciler.State;

/// <summary>The steps of <see cref="AtomicFile.Write"/>, named so tests can stop a write between two of them.</summary>
public enum AtomicWriteStep
{
    /// <summary>The new content is being written to the temporary file.</summary>
    WriteTemporary,

    /// <summary>The temporary file is being flushed to disk (fsync).</summary>
    Flush,

    /// <summary>The temporary file is being renamed over the target.</summary>
    Rename,
}

/// <summary>
/// Replaces a file so that a crash at any moment leaves the old content or the new, never a mix: write a
/// temporary file beside it, fsync it, rename it over the target (rename(2) is atomic within a file system).
/// </summary>
public static class AtomicFile
{
    /// <summary>The temporary file's suffix; a leftover one (a crash before the rename) is ignored and replaced.</summary>
    public const string TemporarySuffix = ".tmp";

    /// <param name="path">The file to replace.</param>
    /// <param name="content">Its new content.</param>
    /// <param name="beforeStep">Called before each step; a test throws from it to simulate a crash there.</param>
    public static void Write(string path, ReadOnlySpan<byte> content, Action<AtomicWriteStep>? beforeStep = null)
    {
        var temporary = path + TemporarySuffix;
        beforeStep?.Invoke(AtomicWriteStep.WriteTemporary);
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            beforeStep?.Invoke(AtomicWriteStep.Flush);
            stream.Flush(flushToDisk: true);
        }
        beforeStep?.Invoke(AtomicWriteStep.Rename);
        File.Move(temporary, path, overwrite: true);
        // The directory entry reaches the disk with the next fsync of the directory; .NET cannot open a
        // directory for fsync without a libc call, so a power loss right after this may still show the
        // old file, which is one of the two allowed outcomes.
    }
}
