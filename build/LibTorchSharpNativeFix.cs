// Makes TorchSharp 0.107's native library load on Linux whose libstdc++ predates GCC 13
// (Debian 12, Ubuntu 22.04). libLibTorchSharp.so needs version GLIBCXX_3.4.32 only for GCC 13's
// iostream init hook (_ZSt21ios_base_library_initv), which no relocation uses. Marking that one
// version need WEAK lets the loader accept an older libstdc++. We patch the build output's copy,
// never the NuGet cache, and only after proving nothing else is bound to that version.
// This file is compiled twice: as an MSBuild inline task (build/VisionLab.Native.targets) and,
// with ELF_PATCH_LOGIC_ONLY, into the unit tests.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace VisionLab.Build
{
    public enum NativeFixOutcome { NotNeeded, AlreadyApplied, Applied }

    public static class LibTorchSharpNativeFix
    {
        public const string Version = "GLIBCXX_3.4.32";
        public const string Library = "libstdc++.so.6";
        public static readonly string[] AllowedSymbols = { "_ZSt21ios_base_library_initv" };

        /// <summary>Finds the libstdc++ this process runs on, else the usual Linux locations.</summary>
        public static string? FindSystemLibStdCxx()
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/maps"))
                {
                    int slash = line.IndexOf('/');
                    if (slash >= 0 && line.Contains("libstdc++.so")) return line.Substring(slash).Trim();
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            foreach (var candidate in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6" })
                if (File.Exists(candidate)) return candidate;
            return null;
        }

        /// <summary>True when the given libstdc++ defines <see cref="Version"/>.</summary>
        public static bool Provides(string libStdCxxPath, string version = Version) =>
            ElfImage.Read(File.ReadAllBytes(libStdCxxPath)).VersionDefinitions().Contains(version);

        /// <summary>
        /// Patches <paramref name="libraryPath"/> in place (write to a temporary file, then rename:
        /// a hard link to a package cache is never written through) when the system lacks the version.
        /// </summary>
        public static NativeFixOutcome Apply(string libraryPath, bool systemProvidesVersion)
        {
            if (systemProvidesVersion) return NativeFixOutcome.NotNeeded;
            var bytes = File.ReadAllBytes(libraryPath);
            var outcome = Weaken(bytes, libraryPath);
            if (outcome != NativeFixOutcome.Applied) return outcome;
            var temporary = libraryPath + ".visionlab-tmp";
            File.WriteAllBytes(temporary, bytes);
            if (File.Exists(libraryPath)) File.Delete(libraryPath); // unlink: never write through a hard link
            File.Move(temporary, libraryPath);
            return NativeFixOutcome.Applied;
        }

        /// <summary>Weakens the GLIBCXX_3.4.32 need of an ELF image held in memory.</summary>
        public static NativeFixOutcome Weaken(byte[] image, string nameForErrors)
        {
            var elf = ElfImage.Read(image, nameForErrors);
            var need = elf.VersionNeeds().FirstOrDefault(n => n.File == Library && n.Name == Version);
            if (need is null) return NativeFixOutcome.NotNeeded;
            if ((need.Flags & ElfImage.VerFlagWeak) != 0) return NativeFixOutcome.AlreadyApplied;

            var bound = elf.SymbolsBoundTo(need.Index);
            var unexpected = bound.Where(s => !AllowedSymbols.Contains(s.Name)).Select(s => s.Name).ToList();
            if (unexpected.Count > 0)
                throw new InvalidDataException(
                    $"{nameForErrors}: refusing to weaken {Version}: symbols other than {string.Join(", ", AllowedSymbols)} are bound to it " +
                    $"({string.Join(", ", unexpected.Take(5))}). This TorchSharp build really needs libstdc++ from GCC 13 or newer: " +
                    "install it (e.g. a newer distribution) or use a TorchSharp version built for this system.");
            var relocated = elf.RelocatedSymbolIndices();
            var used = bound.Where(s => relocated.Contains(s.Index)).Select(s => s.Name).ToList();
            if (used.Count > 0)
                throw new InvalidDataException(
                    $"{nameForErrors}: refusing to weaken {Version}: relocations use {string.Join(", ", used)}, " +
                    "so the library would call into a libstdc++ function this system does not have. Install libstdc++ from GCC 13 or newer.");

            ElfImage.WriteUInt16(image, need.FlagsOffset, (ushort)(need.Flags | ElfImage.VerFlagWeak));
            return NativeFixOutcome.Applied;
        }
    }

    /// <summary>The few parts of a 64-bit little-endian ELF shared object the fix reads.</summary>
    public sealed class ElfImage
    {
        public const ushort VerFlagWeak = 0x2;
        const uint ShtRela = 4, ShtDynsym = 11, ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

        // Plain classes, not records: MSBuild compiles inline tasks against an older framework.
        public sealed class Section
        {
            public Section(int index, uint type, long offset, long size, int link, int info, long entrySize)
            { Index = index; Type = type; Offset = offset; Size = size; Link = link; Info = info; EntrySize = entrySize; }
            public int Index { get; } public uint Type { get; } public long Offset { get; } public long Size { get; }
            public int Link { get; } public int Info { get; } public long EntrySize { get; }
        }

        public sealed class VersionNeed
        {
            public VersionNeed(string file, string name, ushort index, ushort flags, int flagsOffset)
            { File = file; Name = name; Index = index; Flags = flags; FlagsOffset = flagsOffset; }
            public string File { get; } public string Name { get; } public ushort Index { get; } public ushort Flags { get; } public int FlagsOffset { get; }
        }

        public sealed class Symbol
        {
            public Symbol(int index, string name) { Index = index; Name = name; }
            public int Index { get; } public string Name { get; }
        }

        readonly byte[] _image;
        readonly List<Section> _sections;
        readonly string _name;

        ElfImage(byte[] image, List<Section> sections, string name) { _image = image; _sections = sections; _name = name; }

        public static ElfImage Read(byte[] image, string name = "ELF file")
        {
            if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
                throw new InvalidDataException($"{name}: not an ELF file.");
            if (image[4] != 2 || image[5] != 1)
                throw new InvalidDataException($"{name}: only 64-bit little-endian ELF files are supported.");
            long shoff = (long)ReadUInt64(image, 0x28);
            int shentsize = ReadUInt16(image, 0x3A), shnum = ReadUInt16(image, 0x3C);
            if (shoff <= 0 || shentsize < 64 || shoff + (long)shentsize * shnum > image.Length)
                throw new InvalidDataException($"{name}: truncated or corrupt section table.");
            var sections = new List<Section>(shnum);
            for (int i = 0; i < shnum; i++)
            {
                int at = checked((int)(shoff + (long)i * shentsize));
                var section = new Section(i, ReadUInt32(image, at + 4), (long)ReadUInt64(image, at + 0x18), (long)ReadUInt64(image, at + 0x20),
                    (int)ReadUInt32(image, at + 0x28), (int)ReadUInt32(image, at + 0x2C), (long)ReadUInt64(image, at + 0x38));
                if (section.Type != 8 /* NOBITS */ && section.Offset + section.Size > image.Length)
                    throw new InvalidDataException($"{name}: section {i} lies past the end of the file (truncated?).");
                sections.Add(section);
            }
            return new ElfImage(image, sections, name);
        }

        public IReadOnlyList<string> VersionDefinitions()
        {
            var names = new List<string>();
            foreach (var s in _sections.Where(s => s.Type == ShtGnuVerdef))
            {
                long at = s.Offset;
                for (int n = 0; n < s.Info; n++)
                {
                    long aux = at + ReadUInt32(_image, (int)at + 12);
                    names.Add(String(s.Link, ReadUInt32(_image, (int)aux)));
                    uint next = ReadUInt32(_image, (int)at + 16);
                    if (next == 0) break;
                    at += next;
                }
            }
            return names;
        }

        public IReadOnlyList<VersionNeed> VersionNeeds()
        {
            var needs = new List<VersionNeed>();
            foreach (var s in _sections.Where(s => s.Type == ShtGnuVerneed))
            {
                long at = s.Offset;
                for (int n = 0; n < s.Info; n++)
                {
                    string file = String(s.Link, ReadUInt32(_image, (int)at + 4));
                    int count = ReadUInt16(_image, (int)at + 2);
                    long aux = at + ReadUInt32(_image, (int)at + 8);
                    for (int k = 0; k < count; k++)
                    {
                        needs.Add(new VersionNeed(file, String(s.Link, ReadUInt32(_image, (int)aux + 8)),
                            ReadUInt16(_image, (int)aux + 6), ReadUInt16(_image, (int)aux + 4), (int)aux + 4));
                        uint nextAux = ReadUInt32(_image, (int)aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = ReadUInt32(_image, (int)at + 12);
                    if (next == 0) break;
                    at += next;
                }
            }
            return needs;
        }

        /// <summary>Dynamic symbols whose version index (from .gnu.version) is <paramref name="versionIndex"/>.</summary>
        public IReadOnlyList<Symbol> SymbolsBoundTo(ushort versionIndex)
        {
            var dynsym = _sections.FirstOrDefault(s => s.Type == ShtDynsym) ?? throw new InvalidDataException($"{_name}: no dynamic symbol table.");
            var versym = _sections.FirstOrDefault(s => s.Type == ShtGnuVersym) ?? throw new InvalidDataException($"{_name}: no symbol version table.");
            long count = dynsym.Size / Math.Max(24, dynsym.EntrySize);
            var bound = new List<Symbol>();
            for (int i = 0; i < count; i++)
            {
                if ((ReadUInt16(_image, (int)(versym.Offset + 2L * i)) & 0x7fff) != versionIndex) continue;
                bound.Add(new Symbol(i, String(dynsym.Link, ReadUInt32(_image, (int)(dynsym.Offset + 24L * i)))));
            }
            return bound;
        }

        /// <summary>Indices of dynamic symbols that some RELA relocation refers to.</summary>
        public HashSet<int> RelocatedSymbolIndices()
        {
            var dynsymIndex = _sections.First(s => s.Type == ShtDynsym).Index;
            var used = new HashSet<int>();
            foreach (var s in _sections.Where(s => s.Type == ShtRela && s.Link == dynsymIndex))
                for (long at = s.Offset; at + 24 <= s.Offset + s.Size; at += 24)
                    used.Add((int)(ReadUInt64(_image, (int)at + 8) >> 32));
            return used;
        }

        string String(int stringSection, uint offset)
        {
            var s = _sections[stringSection];
            int start = checked((int)(s.Offset + offset)), end = start;
            while (end < _image.Length && _image[end] != 0) end++;
            return Encoding.ASCII.GetString(_image, start, end - start);
        }

        public static ushort ReadUInt16(byte[] b, int at) => (ushort)(b[at] | b[at + 1] << 8);
        public static uint ReadUInt32(byte[] b, int at) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);
        public static ulong ReadUInt64(byte[] b, int at) => ReadUInt32(b, at) | (ulong)ReadUInt32(b, at + 4) << 32;
        public static void WriteUInt16(byte[] b, int at, ushort value) { b[at] = (byte)value; b[at + 1] = (byte)(value >> 8); }
    }

#if !ELF_PATCH_LOGIC_ONLY
    /// <summary>MSBuild task: applies the fix to the copies of libLibTorchSharp.so in a build output.</summary>
    public sealed class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required] public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        public override bool Execute()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux)) return true;
            var libStdCxx = LibTorchSharpNativeFix.FindSystemLibStdCxx();
            if (libStdCxx is null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, "VisionLab: no libstdc++ found; TorchSharp's native library left as shipped.");
                return true;
            }
            bool provides = LibTorchSharpNativeFix.Provides(libStdCxx);
            foreach (var item in Files)
            {
                var path = item.ItemSpec;
                if (!File.Exists(path)) continue;
                try
                {
                    var outcome = LibTorchSharpNativeFix.Apply(path, provides);
                    if (outcome == NativeFixOutcome.Applied)
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                            $"VisionLab: {libStdCxx} lacks {LibTorchSharpNativeFix.Version}; weakened that one version need in {path}.");
                }
                catch (InvalidDataException e)
                {
                    Log.LogError(e.Message);
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
