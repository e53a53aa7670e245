using VisionLab.Build;

namespace VisionLab.Tests.NativeFix;

/// <summary>The build-time fix for TorchSharp's native library on libstdc++ older than GCC 13.</summary>
public sealed class LibTorchSharpNativeFixTests
{
    const string LibraryName = "libLibTorchSharp.so";

    static string PackagedLibrary()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", LibraryName);
        if (!OperatingSystem.IsLinux() || !File.Exists(path)) Assert.Skip($"Linux-only: {path} not found.");
        return path;
    }

    static string OutputLibrary() => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibraryName);

    static ElfImage.VersionNeed Need(byte[] image) =>
        ElfImage.Read(image).VersionNeeds().Single(n => n.File == LibTorchSharpNativeFix.Library && n.Name == LibTorchSharpNativeFix.Version);

    [Fact]
    public void The_shipped_library_needs_the_version_strongly_and_only_for_the_iostream_hook()
    {
        var image = File.ReadAllBytes(PackagedLibrary());
        var need = Need(image);
        Assert.Equal(0, need.Flags & ElfImage.VerFlagWeak);
        var bound = ElfImage.Read(image).SymbolsBoundTo(need.Index);
        Assert.Equal(["_ZSt21ios_base_library_initv"], bound.Select(s => s.Name));
        Assert.DoesNotContain(bound[0].Index, ElfImage.Read(image).RelocatedSymbolIndices());
    }

    [Fact]
    public void Weakening_sets_exactly_one_flag_bit_and_nothing_else()
    {
        var original = File.ReadAllBytes(PackagedLibrary());
        var patched = (byte[])original.Clone();
        Assert.Equal(NativeFixOutcome.Applied, LibTorchSharpNativeFix.Weaken(patched, "test"));
        Assert.NotEqual(0, Need(patched).Flags & ElfImage.VerFlagWeak);
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Equal([Need(original).FlagsOffset], differing);
        Assert.Equal(NativeFixOutcome.AlreadyApplied, LibTorchSharpNativeFix.Weaken(patched, "test"));
    }

    [Fact]
    public void Nothing_is_touched_where_the_system_provides_the_version()
    {
        using var folder = new TemporaryFolder();
        var copy = folder.Copy(PackagedLibrary());
        var before = File.ReadAllBytes(copy);
        Assert.Equal(NativeFixOutcome.NotNeeded, LibTorchSharpNativeFix.Apply(copy, systemProvidesVersion: true));
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public void Applying_replaces_the_file_and_never_writes_through_a_hard_link()
    {
        using var folder = new TemporaryFolder();
        var cacheStandIn = folder.Copy(PackagedLibrary());
        var output = Path.Combine(folder.Path, "output-" + LibraryName);
        if (!TemporaryFolder.TryHardLink(cacheStandIn, output)) Assert.Skip("hard links unavailable here");
        Assert.Equal(NativeFixOutcome.Applied, LibTorchSharpNativeFix.Apply(output, systemProvidesVersion: false));
        Assert.NotEqual(0, Need(File.ReadAllBytes(output)).Flags & ElfImage.VerFlagWeak);
        Assert.Equal(0, Need(File.ReadAllBytes(cacheStandIn)).Flags & ElfImage.VerFlagWeak); // the "cache" is unchanged
    }

    [Fact]
    public void Refuses_when_another_symbol_is_bound_to_the_version()
    {
        var image = File.ReadAllBytes(PackagedLibrary());
        var elf = ElfImage.Read(image);
        var need = Need(image);
        // Re-bind some other defined-elsewhere symbol to GLIBCXX_3.4.32 in the symbol version table.
        var versym = SectionOffset(image, 0x6fffffff);
        var libcVersion = elf.VersionNeeds().First(n => n.File.StartsWith("libc.so", StringComparison.Ordinal)).Index;
        var other = elf.SymbolsBoundTo(libcVersion).First(s => s.Name.Length > 0);
        ElfImage.WriteUInt16(image, versym + 2 * other.Index, need.Index);
        var error = Assert.Throws<InvalidDataException>(() => LibTorchSharpNativeFix.Weaken(image, "test.so"));
        Assert.Contains(other.Name, error.Message);
        Assert.Contains("refusing", error.Message);
    }

    [Fact]
    public void Refuses_when_a_relocation_uses_the_bound_symbol()
    {
        var image = File.ReadAllBytes(PackagedLibrary());
        var need = Need(image);
        var hook = ElfImage.Read(image).SymbolsBoundTo(need.Index).Single();
        // Point the first dynamic relocation at the hook symbol.
        int rela = SectionOffset(image, 4);
        ulong info = ElfImage.ReadUInt64(image, rela + 8);
        ulong patchedInfo = ((ulong)hook.Index << 32) | (info & 0xffffffff);
        for (int b = 0; b < 8; b++) image[rela + 8 + b] = (byte)(patchedInfo >> (8 * b));
        var error = Assert.Throws<InvalidDataException>(() => LibTorchSharpNativeFix.Weaken(image, "test.so"));
        Assert.Contains("relocations use", error.Message);
    }

    [Fact]
    public void A_truncated_file_is_a_clear_error()
    {
        var image = File.ReadAllBytes(PackagedLibrary())[..4096];
        var error = Assert.Throws<InvalidDataException>(() => LibTorchSharpNativeFix.Weaken(image, "cut.so"));
        Assert.Contains("cut.so", error.Message);
    }

    [Fact]
    public void The_build_patched_this_output_exactly_when_the_system_needs_it()
    {
        var system = LibTorchSharpNativeFix.FindSystemLibStdCxx();
        if (system is null || !File.Exists(OutputLibrary())) Assert.Skip("no Linux libstdc++ or no native library in this output");
        bool systemProvides = LibTorchSharpNativeFix.Provides(system);
        bool weak = (Need(File.ReadAllBytes(OutputLibrary())).Flags & ElfImage.VerFlagWeak) != 0;
        Assert.Equal(!systemProvides, weak);
        Assert.Equal(0, Need(File.ReadAllBytes(PackagedLibrary())).Flags & ElfImage.VerFlagWeak); // NuGet cache untouched
    }

    [Fact]
    public void A_system_without_the_version_is_recognised()
    {
        var system = LibTorchSharpNativeFix.FindSystemLibStdCxx();
        if (system is null) Assert.Skip("no libstdc++ found");
        Assert.True(LibTorchSharpNativeFix.Provides(system, "GLIBCXX_3.4"));        // every libstdc++ has it
        Assert.False(LibTorchSharpNativeFix.Provides(system, "GLIBCXX_99.0.0"));    // none has this
    }

    static int SectionOffset(byte[] image, uint type)
    {
        long shoff = (long)ElfImage.ReadUInt64(image, 0x28);
        int size = ElfImage.ReadUInt16(image, 0x3A), count = ElfImage.ReadUInt16(image, 0x3C);
        for (int i = 0; i < count; i++)
        {
            int at = (int)(shoff + (long)i * size);
            if (ElfImage.ReadUInt32(image, at + 4) == type) return (int)ElfImage.ReadUInt64(image, at + 0x18);
        }
        throw new InvalidOperationException($"no section of type {type:x}");
    }
}
