using System.Reflection;
using System.Runtime.Loader;

namespace VisionLab.Interactive;

/// <summary>
/// Plotly.NET 6 asks for FSharp.Core 10.1.0.0; the last .NET Interactive kernel ships 10.0.0.0 and
/// cannot load a second copy. Answering the request with the kernel's own FSharp.Core makes charts
/// render (Plotly uses nothing that 10.1 added). Must run before any Plotly type is touched.
/// </summary>
public static class FSharpCoreRedirect
{
    static int _installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        AssemblyLoadContext.Default.Resolving += Resolve;
    }

    static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name != "FSharp.Core") return null;
        var loaded = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "FSharp.Core");
        if (loaded is not null) return loaded;
        // Not loaded yet: take the host's own copy (its trusted platform assemblies), never a second one.
        var trusted = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "")
            .Split(Path.PathSeparator).FirstOrDefault(p => Path.GetFileName(p) == "FSharp.Core.dll");
        return trusted is null ? null : context.LoadFromAssemblyPath(trusted);
    }
}
